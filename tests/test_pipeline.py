"""One poll cycle with real parts: a local feed server, the real fetcher, parser, matcher and SQLite."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import bot.pipeline as pipeline_module
from bot.config import ClaimConfig, FeedConfig, TopicConfig
from bot.fetch.client import Fetcher
from bot.fetch.schedule import PAUSE_AFTER_FAILURES
from bot.match import Thresholds
from bot.models import Status
from bot.pipeline import Pipeline
from bot.startup import with_initial_figures
from storage import articles, feeds, outbox, topics
from storage.db import Database, to_db_time
from tests.feedserver import FeedServer

TOPIC = TopicConfig(
    key="acme-recall",
    title="Acme and the widget recall",
    keywords=(("acme",), ("widget", "widgets")),
    exclude=("stock tips",),
    claims=(
        ClaimConfig("review", "Acme's safety review of the exploding widgets is ongoing.", Status.ONGOING),
        ClaimConfig("units", "Acme recalled up to 40,000 widgets sold in Canada.", Status.CONFIRMED),
    ),
)


def rss(*items: tuple[str, str, str, str], title: str = "Wire") -> bytes:
    """items: (guid, link, title, description)."""
    when = format_datetime(datetime(2026, 3, 1, 12, tzinfo=UTC))
    body = "".join(
        f"<item><guid isPermaLink='false'>{g}</guid><link>{link}</link><title>{t}</title>"
        f"<pubDate>{when}</pubDate><description>{d}</description></item>"
        for g, link, t, d in items
    )
    return (f"<?xml version='1.0' encoding='utf-8'?><rss version='2.0'><channel><title>{title}</title>"
            f"{body}</channel></rss>").encode()


CONCLUDED = ("g-1", "https://news.example/acme-review-done?utm_source=rss",
             "Acme concludes safety review of exploding widgets",
             "Acme said on Monday it has concluded its safety review of the exploding widgets. "
             "The company recalled up to 40,000 widgets sold in Canada last year.")
UNRELATED = ("g-2", "https://news.example/weather", "Sunny weekend ahead",
             "Forecasters expect a warm and sunny weekend across the region.")


async def setup(db: Database, server: FeedServer, *paths: str) -> None:
    await feeds.sync_config_feeds(db, [FeedConfig(server.url(p), name=p.strip("/")) for p in paths])
    config = with_initial_figures_for(TOPIC)
    await topics.install_topics(db, 0, [config])


def with_initial_figures_for(topic: TopicConfig) -> TopicConfig:
    from bot.config import Config

    return with_initial_figures(Config(path=None, feeds=(), topics=(topic,))).topics[0]  # type: ignore[arg-type]


def make(db: Database, fetcher: Fetcher) -> Pipeline:
    return Pipeline(db, fetcher, thresholds=Thresholds(), guard=False)


async def test_cycle_matches_and_queues_updates_once(db, server, fetcher):
    server.route("/a", body=rss(CONCLUDED, UNRELATED), etag='"a1"')
    await setup(db, server, "/a")
    pipe = make(db, fetcher)
    report = await pipe.run_cycle(force=True)
    assert report.polled == 1 and report.new_articles == 2
    rows = await outbox.pending(db, 0)
    assert rows, "the concluded review should produce an update"
    assert all(r.payload["article"]["url"] == "https://news.example/acme-review-done" for r in rows)
    assert all(r.backlog for r in rows)  # first poll of the feed: backlog
    kinds = {(r.payload["claim"], r.payload["change"]) for r in rows}
    assert ("review", "status_change") in kinds
    status = next(r for r in rows if r.payload["change"] == "status_change")
    assert status.payload["before"] == "ongoing" and status.payload["after"] == "concluded"
    # a second cycle over the unchanged feed (304) queues nothing more
    report = await pipe.run_cycle(force=True)
    assert report.not_modified == 1 and report.outbox_ids == []


async def test_304_costs_no_parse(db, server, fetcher, monkeypatch):
    server.route("/a", body=rss(UNRELATED), etag='"v1"')
    await setup(db, server, "/a")
    calls = []
    real = pipeline_module.parse_feed

    def counting(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(pipeline_module, "parse_feed", counting)
    pipe = make(db, fetcher)
    await pipe.run_cycle(force=True)
    await pipe.run_cycle(force=True)
    assert len(calls) == 1
    assert server.headers_for("/a")[1].get("If-None-Match") == '"v1"'


async def test_failing_feed_backs_off_then_pauses_and_others_go_on(db, server, fetcher):
    server.route("/bad", status=500)
    server.route("/good", body=rss(UNRELATED))
    await setup(db, server, "/bad", "/good")
    pipe = make(db, fetcher)
    report = None
    for _ in range(PAUSE_AFTER_FAILURES):
        report = await pipe.run_cycle(force=True)
    assert report is not None and report.paused == [server.url("/bad")]
    bad = await feeds.get_feed(db, server.url("/bad"))
    assert bad.paused and "HTTP 500" in (bad.last_error or "") and bad.failures == PAUSE_AFTER_FAILURES
    assert bad.paused_reason and "8 failures" in bad.paused_reason
    good = await feeds.get_feed(db, server.url("/good"))
    assert good.failures == 0 and good.last_ok_at is not None
    before = server.count("/bad")
    await pipe.run_cycle(force=True)
    assert server.count("/bad") == before  # a paused feed is not polled


async def test_backoff_grows_and_retry_after_is_honoured(db, server, fetcher):
    server.route("/busy", status=503, headers={"Retry-After": "7200"})
    await setup(db, server, "/busy")
    now = datetime(2026, 3, 1, tzinfo=UTC)
    pipe = Pipeline(db, fetcher, thresholds=Thresholds(), guard=False, clock=lambda: now)
    await pipe.run_cycle(force=True)
    row = await feeds.get_feed(db, server.url("/busy"))
    assert row.next_poll_at is not None and row.next_poll_at >= now + timedelta(hours=2)
    assert await feeds.due_feeds(db, now + timedelta(hours=1)) == []


async def test_broken_feed_is_a_clear_failure(db, server, fetcher):
    server.route("/html", body=b"<html><body><h1>Not a feed</h1></body></html>",
                 headers={"Content-Type": "text/html"})
    await setup(db, server, "/html")
    report = await make(db, fetcher).run_cycle(force=True)
    row = await feeds.get_feed(db, server.url("/html"))
    assert report.failed == 1 and row.last_error and row.failures == 1


async def test_same_story_in_two_feeds_is_posted_once(db, server, fetcher):
    other = ("other-guid", CONCLUDED[1].replace("?utm_source=rss", "?utm_medium=feed"),
             CONCLUDED[2], CONCLUDED[3])
    server.route("/a", body=rss(CONCLUDED))
    server.route("/b", body=rss(other, title="Other wire"))
    await setup(db, server, "/a", "/b")
    await make(db, fetcher).run_cycle(force=True)
    assert (await db.fetchone("SELECT COUNT(*) FROM articles"))[0] == 1
    assert (await db.fetchone("SELECT COUNT(*) FROM sightings"))[0] == 2
    rows = await outbox.pending(db, 0)
    assert len({(r.payload["claim"], r.payload["change"]) for r in rows}) == len(rows)


async def test_revised_article_produces_article_revised_and_backlog_ends(db, server, fetcher):
    route = server.route("/a", body=rss(CONCLUDED))
    await setup(db, server, "/a")
    pipe = make(db, fetcher)
    await pipe.run_cycle(force=True)
    await outbox.mark_sent(db, [r.id for r in await outbox.pending(db, 0)])
    revised = (CONCLUDED[0], CONCLUDED[1], CONCLUDED[2] + " (updated)",
               CONCLUDED[3] + " Acme declined to say what the review found.")
    route.body = rss(revised)
    report = await pipe.run_cycle(force=True)
    assert report.revised_articles == 1
    rows = await outbox.pending(db, 0)
    assert "article_revised" in {r.payload["change"] for r in rows}
    assert not any(r.backlog for r in rows)  # the feed's backlog was read on its first poll
    stored = await articles.get_article(db, 1)
    assert stored is not None and stored.title.endswith("(updated)")


async def test_confident_change_is_a_claim_revision_with_the_article_as_source(db, server, fetcher):
    server.route("/a", body=rss(CONCLUDED, title="Wire"))
    await setup(db, server, "/a")
    await make(db, fetcher).run_cycle(force=True)
    record = await topics.get_topic(db, 0, "acme-recall")
    history = await topics.claim_history(db, record.claim_ids["review"])
    rows = {r.payload["change"]: r for r in await outbox.pending(db, 0) if r.payload["claim"] == "review"}
    assert rows["status_change"].payload["confident"] is True
    assert history[-1].status == "concluded"
    assert history[-1].article_url == "https://news.example/acme-review-done"
    assert history[-1].actor == "dossier"


async def test_a_hedged_change_is_a_proposal_and_the_claim_is_untouched(db, server, fetcher):
    hedged = ("g-h", "https://news.example/acme-hedged", "Acme widgets review",
              "Acme has reportedly concluded its safety review of the exploding widgets, "
              "sources said, though the company would not confirm it.")
    server.route("/a", body=rss(hedged))
    await setup(db, server, "/a")
    await make(db, fetcher).run_cycle(force=True)
    record = await topics.get_topic(db, 0, "acme-recall")
    history = await topics.claim_history(db, record.claim_ids["review"])
    proposals = await db.fetchall("SELECT kind, after_value FROM proposals")
    assert ("status_change", "concluded") in [tuple(p) for p in proposals]
    assert history[-1].status == "ongoing"  # nothing overwritten without a revision
    assert record.state.claims[0].status == Status.ONGOING


async def test_guilds_only_see_feeds_they_subscribe_to(db, server, fetcher):
    server.route("/a", body=rss(CONCLUDED))
    await setup(db, server, "/a")
    await topics.install_topics(db, 7, [with_initial_figures_for(TOPIC)])
    await topics.install_topics(db, 8, [with_initial_figures_for(TOPIC)])
    feed = await feeds.get_feed(db, server.url("/a"))
    async with db.transaction() as conn:
        await conn.execute("INSERT INTO subscriptions (guild_id, feed_id, created_at) VALUES (7, ?, ?)",
                           (feed.id, to_db_time(datetime.now(UTC))))
    pipe = Pipeline(db, fetcher, thresholds=Thresholds(), guard=False, include_console_scope=False)
    await pipe.run_cycle(force=True)
    assert await outbox.pending(db, 7)
    assert await outbox.pending(db, 8) == []
    assert await outbox.pending(db, 0) == []


async def test_each_guild_is_matched_with_its_own_thresholds(db, server, fetcher):
    from storage import guilds

    await setup(db, server, "/a")
    feed = await feeds.get_feed(db, server.url("/a"))
    for guild in (7, 8):
        await topics.install_topics(db, guild, [with_initial_figures_for(TOPIC)])
        async with db.transaction() as conn:
            await conn.execute("INSERT INTO subscriptions (guild_id, feed_id, created_at) VALUES (?, ?, ?)",
                               (guild, feed.id, to_db_time(datetime.now(UTC))))
    await guilds.set_thresholds(db, 8, 70.0, 95.0)
    pipe = Pipeline(db, fetcher, thresholds=Thresholds(), guard=False, include_console_scope=False)
    scopes = {scope.guild_id: scope for scope in await pipe._scopes()}
    assert scopes[7].thresholds == Thresholds()
    assert scopes[8].thresholds == Thresholds(low=70.0, high=95.0)
    assert scopes[8].matcher is not scopes[7].matcher
    await guilds.set_thresholds(db, 8, 30.0, None)  # only low set: high stays global
    scopes = {scope.guild_id: scope for scope in await pipe._scopes()}
    assert scopes[8].thresholds == Thresholds(low=30.0, high=Thresholds().high)
    await guilds.set_thresholds(db, 8, 99.0, None)  # above the global high: inconsistent
    scopes = {scope.guild_id: scope for scope in await pipe._scopes()}
    assert scopes[8].thresholds == Thresholds()  # falls back to the global pair


async def test_a_figure_the_claim_held_before_is_not_news_in_a_later_cycle(db, server, fetcher):
    """The claim's earlier figures reach change detection from its stored revisions."""
    from dataclasses import replace

    text = "Acme, which had recalled 52,000 widgets sold in Canada by June, said sales are recovering."
    control = ("g-h1", "https://news.example/acme-history-1", "Acme widget recall: a look back", text)
    again = ("g-h2", "https://news.example/acme-history-2", "Acme widget recall: looking back", text)
    await setup(db, server, "/a")
    pipe = make(db, fetcher)

    async def set_figure(value: str) -> None:
        record = await topics.get_topic(db, 0, "acme-recall")
        claim = next(c for c in record.state.claims if c.key == "units")
        async with db.transaction() as conn:
            await topics.save_claim(conn, record.claim_ids["units"], replace(claim, figures=(value,)),
                                    kind="figure_change", reason="test", article_id=None, actor="dossier")

    async def figures_proposed(url: str) -> list[str | None]:
        return [r.payload["after"] for r in await outbox.pending(db, 0)
                if r.payload["change"] == "figure_change" and r.payload["article"]["url"] == url]

    await set_figure("61,000")  # the claim never said 52,000: the article's figure is news
    server.route("/a", body=rss(control))
    await pipe.run_cycle(force=True)
    assert await figures_proposed(control[1]) == ["52,000"]
    await set_figure("52,000")
    await set_figure("61,000")  # now it did, before its current figure: history
    server.route("/a", body=rss(control, again))
    await pipe.run_cycle(force=True)
    claim = next(c for c in (await topics.get_topic(db, 0, "acme-recall")).state.claims if c.key == "units")
    assert claim.figures == ("61,000",) and "52,000" in claim.former_figures
    assert await figures_proposed(again[1]) == []


async def test_a_polls_new_entries_are_read_oldest_first(db, server, fetcher):
    """A newest-first feed brings a conclusion (day 2) and a reopening (day 9) in one poll: the
    conclusion is read first, so the reopening finds the review concluded and reopens it."""
    def item(guid: str, day: int, title: str, text: str) -> str:
        when = format_datetime(datetime(2026, 3, day, 12, tzinfo=UTC))
        return (f"<item><guid isPermaLink='false'>{guid}</guid><link>https://news.example/{guid}</link>"
                f"<title>{title}</title><pubDate>{when}</pubDate><description>{text}</description></item>")

    body = (item("reopened", 9, "Acme reopens widget review",
                 "Acme said on Monday it has reopened its safety review of the exploding widgets.")
            + item("concluded", 2, "Acme concludes widget review",
                   "Acme said on Monday it has concluded its safety review of the exploding widgets."))
    server.route("/a", body=("<?xml version='1.0' encoding='utf-8'?><rss version='2.0'><channel>"
                             f"<title>Wire</title>{body}</channel></rss>").encode())
    await setup(db, server, "/a")
    await make(db, fetcher).run_cycle(force=True)
    record = await topics.get_topic(db, 0, "acme-recall")
    history = await topics.claim_history(db, record.claim_ids["review"])
    assert [h.status for h in history] == ["ongoing", "concluded", "ongoing"]
    assert history[-1].article_url == "https://news.example/reopened"
