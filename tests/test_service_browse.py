"""bot.service.install and bot.service.browse on real SQLite: what members can see, per server.

Two servers (GUILD_A, GUILD_B) are installed from the same feeds.yaml in most tests, so every
read is also checked for isolation: B never sees A's articles, evaluations, posts or feeds.
"""

from __future__ import annotations

import hashlib
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.config import ClaimConfig, Config, FeedConfig, TopicConfig
from bot.models import ArticleRef, Change, ChangeKind, Entry, Status
from bot.render.jsonl import change_to_json
from bot.service import NotFoundError, admin, browse, install
from bot.service.errors import InvalidInputError
from storage import articles, feeds, outbox, topics
from storage.delivery import mark_channel_broken
from storage.outcomes import Post, TopicOutcome, record_outcomes

GUILD_A = 111
GUILD_B = 222
FEED_A = "https://a.example/rss"
FEED_B = "https://b.example/rss"
ALICE = {"actor_id": 1, "actor_name": "alice"}
MALLORY = {"actor_id": 666, "actor_name": "mallory"}


def config() -> Config:
    return Config(
        path=Path("feeds.yaml"),
        feeds=(FeedConfig(FEED_A, name="Outlet A"), FeedConfig(FEED_B, name="Outlet B")),
        topics=(
            TopicConfig(
                key="msft", title="Microsoft and Unit 8200",
                keywords=(("microsoft", "azure"), ("israel", "unit 8200")), exclude=("xbox",),
                claims=(
                    ClaimConfig("storage", "Unit 8200 stored 8,000 terabytes on Azure.",
                                Status.ALLEGED, aliases=("mass surveillance archive",)),
                    ClaimConfig("review", "Microsoft ordered an external review.", Status.ONGOING),
                ),
            ),
        ),
    )


def figures_for(statement: str) -> tuple[str, ...]:
    return ("8,000 TB",) if "8,000" in statement else ()


def entry(identity: str, *, url: str | None = None, title: str = "Title", body: str = "Body",
          source: str = "Outlet A") -> Entry:
    digest = hashlib.sha256(f"{title}|{body}".encode()).hexdigest()
    return Entry(identity=identity, url=url, title=title, summary=body, content="",
                 published=datetime(2025, 9, 25, tzinfo=UTC), source=source, content_hash=digest)


async def setup_two_guilds(db) -> None:
    for guild in (GUILD_A, GUILD_B):
        await install.install_guild(db, guild, f"guild {guild}", config(), figures_for=figures_for)


async def feed_id(db, url: str) -> int:
    return (await feeds.get_feed(db, url)).id


def detail(storage_score: float = 72.5, review_score: float = 12.0) -> dict:
    return {
        "gate": {"passed": True, "hits": [["microsoft"], ["unit 8200"]], "excluded_by": None},
        "relevant": True,
        "scores": [
            {"claim": "review", "score": review_score, "evidence": "A review.", "features": {"terms": 0.1}},
            {"claim": "storage", "score": storage_score, "evidence": "Unit 8200 kept 9,000 TB on Azure.",
             "features": {"terms": 0.8, "figure": 1.0}},
        ],
    }


def figure_change(*, url: str, title: str = "Leak", source: str = "Outlet A",
                  after: str = "9,000 TB") -> Change:
    return Change(
        kind=ChangeKind.FIGURE_CHANGE, topic_key="msft", topic_title="Microsoft and Unit 8200",
        claim_key="storage", claim_statement="Unit 8200 stored 8,000 terabytes on Azure.",
        article=ArticleRef(url, title, source, datetime(2025, 9, 25, tzinfo=UTC)),
        score=55.0, evidence="Unit 8200 kept 9,000 TB on Azure.", before="8,000 TB", after=after,
        confident=False, diff="- figures: 8,000 TB\n+ figures: 9,000 TB",
    )


async def article_with_proposal(db, guild_id: int, *, identity: str = "g1",
                                url: str = "https://news.example/leak", feed_url: str = FEED_A,
                                after: str = "9,000 TB", claim_key: str = "storage") -> tuple[int, int]:
    """Store an article seen in `feed_url` and record a figure-change proposal for `guild_id`.

    Returns (article id, proposal id).
    """
    stored = await articles.store_entries(db, await feed_id(db, feed_url),
                                          [entry(identity, url=url, title="Leak")])
    article_id = stored[0].article_id
    record = await topics.get_topic(db, guild_id, "msft")
    claim_id = record.claim_ids[claim_key]
    change = figure_change(url=url, after=after)
    post = Post(kind="figure_change", claim_id=claim_id, payload=change_to_json(change),
                embed={"title": "proposal"}, proposal=True, before_value="8,000 TB",
                after_value=after, score=55.0, evidence=change.evidence)
    outcome = TopicOutcome(record.id, guild_id, True, detail(), [(claim_id, 55.0, change.evidence)],
                           [post])
    await record_outcomes(db, article_id, stored[0].entry.content_hash, [outcome], backlog=False)
    row = await db.fetchone(
        "SELECT p.id FROM proposals p JOIN topics t ON t.id = p.topic_id "
        "WHERE t.guild_id = ? AND p.article_id = ? ORDER BY p.id DESC", (guild_id, article_id))
    return article_id, row[0]


# --- install ----------------------------------------------------------------------------------


async def test_install_creates_topics_subscriptions_and_is_idempotent(db):
    first = await install.install_guild(db, GUILD_A, "A", config(), figures_for=figures_for)
    again = await install.install_guild(db, GUILD_A, "A renamed", config(), figures_for=figures_for)
    assert first.created and not again.created
    assert sorted(first.subscribed) == [FEED_A, FEED_B] and again.subscribed == []
    assert [t.key for t in await browse.list_topics(db, GUILD_A)] == ["msft"]
    claim = await browse.claim_detail(db, GUILD_A, "msft", "storage")
    assert claim.figures == ("8,000 TB",) and claim.total_revisions == 1
    assert (await db.fetchone("SELECT name FROM guilds WHERE guild_id = ?", (GUILD_A,)))[0] == "A renamed"
    assert (await db.fetchone("SELECT COUNT(*) FROM subscriptions"))[0] == 2
    actions = [(r["action"], r["actor_name"]) for r in await db.fetchall("SELECT * FROM audit_log")]
    assert actions == [("guild.install", "dossier")]  # only the first install is logged


async def test_reinstall_does_not_bring_back_what_admins_removed(db):
    await install.install_guild(db, GUILD_A, "A", config(), figures_for=figures_for)
    await admin.remove_topic(db, GUILD_A, "msft", **ALICE)
    await admin.remove_feed(db, GUILD_A, FEED_B, **ALICE)
    result = await install.install_guild(db, GUILD_A, "A", config(), figures_for=figures_for)
    assert result.skipped_topics == ["msft"] and result.subscribed == []
    assert await browse.list_topics(db, GUILD_A) == []
    assert [f.url for f in (await browse.feed_health(db, GUILD_A)).feeds] == [FEED_A]
    # Adding them back by hand clears the memory, so later installs keep them.
    await admin.add_topic(db, GUILD_A, "msft", "Again", "microsoft", **ALICE)
    await admin.add_feed(db, GUILD_A, FEED_B, allow_private=True, **ALICE)
    result = await install.install_guild(db, GUILD_A, "A", config(), figures_for=figures_for)
    assert result.skipped_topics == ["msft"]  # the admin's own "msft" is not overwritten
    assert (await browse.topic_detail(db, GUILD_A, "msft")).title == "Again"
    assert [f.url for f in (await browse.feed_health(db, GUILD_A)).feeds] == [FEED_A, FEED_B]


async def test_new_config_feeds_reach_installed_servers(db):
    await install.install_guild(db, GUILD_A, "A", config(), figures_for=figures_for)
    grown = replace(config(), feeds=(*config().feeds, FeedConfig("https://c.example/rss")))
    result = await install.install_guild(db, GUILD_A, "A", grown, figures_for=figures_for)
    assert result.subscribed == ["https://c.example/rss"]


async def test_subscribed_guilds_skips_paused_subscriptions(db):
    await setup_two_guilds(db)
    fid = await feed_id(db, FEED_A)
    assert await install.subscribed_guilds(db, fid) == {GUILD_A, GUILD_B}
    await admin.pause_feed(db, GUILD_B, FEED_A, **ALICE)
    assert await install.subscribed_guilds(db, fid) == {GUILD_A}


# --- topics and claims ------------------------------------------------------------------------


async def test_topics_list_and_detail(db):
    await setup_two_guilds(db)
    await admin.add_topic(db, GUILD_B, "only-b", "Only B", "b", **ALICE)
    summaries = await browse.list_topics(db, GUILD_A)
    assert [(t.key, t.claims, t.retired_claims) for t in summaries] == [("msft", 2, 0)]
    assert summaries[0].last_change_at is not None
    detail_a = await browse.topic_detail(db, GUILD_A, "msft")
    assert detail_a.keywords == (("microsoft", "azure"), ("israel", "unit 8200"))
    assert detail_a.exclude == ("xbox",) and detail_a.origin == "config"
    assert [(c.key, c.status) for c in detail_a.claims] == [("storage", Status.ALLEGED),
                                                              ("review", Status.ONGOING)]
    with pytest.raises(NotFoundError, match=r"No topic `only-b` in this server\. Try /topics\."):
        await browse.topic_detail(db, GUILD_A, "only-b")


async def test_claim_detail_and_history_with_word_diff(db):
    await setup_two_guilds(db)
    await admin.edit_statement(db, GUILD_A, "msft", "storage",
                               "Unit 8200 stored 11,500 terabytes on Azure.", **ALICE)
    await admin.set_status(db, GUILD_A, "msft", "storage", "confirmed", **ALICE)
    history = await browse.claim_history(db, GUILD_A, "msft", "storage")
    assert [(r.rev, r.kind, r.actor) for r in history] == [
        (1, "created", "feeds.yaml"), (2, "edit", "admin:1"), (3, "status_change", "admin:1")]
    assert history[0].statement_diff == [("+", "Unit 8200 stored 8,000 terabytes on Azure.")]
    assert ("-", "8,000") in history[1].statement_diff and ("+", "11,500") in history[1].statement_diff
    assert history[2].status_before == "alleged" and history[2].statement_diff == [
        (" ", "Unit 8200 stored 11,500 terabytes on Azure.")]
    detail_a = await browse.claim_detail(db, GUILD_A, "msft", "storage", last=2)
    assert detail_a.status is Status.CONFIRMED and detail_a.total_revisions == 3
    assert [r.rev for r in detail_a.revisions] == [2, 3]
    assert detail_a.aliases == ("mass surveillance archive",)
    untouched = await browse.claim_detail(db, GUILD_B, "msft", "storage")  # B's copy is separate
    assert untouched.status is Status.ALLEGED and untouched.total_revisions == 1
    with pytest.raises(NotFoundError, match="No claim `nope` in topic `msft`"):
        await browse.claim_detail(db, GUILD_A, "msft", "nope")


async def test_retired_claims_stay_readable(db):
    await setup_two_guilds(db)
    await admin.retire_claim(db, GUILD_A, "msft", "review", reason="out of scope", **ALICE)
    topic = await browse.topic_detail(db, GUILD_A, "msft")
    assert [c.key for c in topic.claims] == ["storage"] and topic.retired_claims == 1
    retired = await browse.claim_detail(db, GUILD_A, "msft", "review")
    assert retired.retired_at is not None and retired.revisions[-1].kind == "retired"
    assert "out of scope" in retired.revisions[-1].reason


# --- recent, search, health -----------------------------------------------------------------------


async def test_recent_updates_come_from_this_servers_outbox(db):
    await setup_two_guilds(db)
    await article_with_proposal(db, GUILD_A)
    recent = await browse.recent_updates(db, GUILD_A, include_reviews=True)
    assert [(u.kind, u.claim_key, u.article_title, u.article_url, u.state, u.review) for u in recent] == [
        ("figure_change", "storage", "Leak", "https://news.example/leak", "pending", True)]
    assert recent[0].guild_id == GUILD_A
    assert await browse.recent_updates(db, GUILD_A) == []  # proposals are for the staff only
    assert await browse.recent_updates(db, GUILD_B, include_reviews=True) == []


async def test_search_claims_and_only_this_servers_articles(db):
    await setup_two_guilds(db)
    await article_with_proposal(db, GUILD_A)
    found = await browse.search(db, GUILD_A, "surveillance")  # an alias
    assert [(c.topic_key, c.claim_key) for c in found.claims] == [("msft", "storage")]
    assert [c.claim_key for c in (await browse.search(db, GUILD_A, "revi*")).claims] == ["review"]
    assert [a.title for a in (await browse.search(db, GUILD_A, "leak")).articles] == ["Leak"]
    # B subscribes to the same feed, but the article was never evaluated for B's topics.
    assert (await browse.search(db, GUILD_B, "leak")).articles == []
    assert (await browse.search(db, GUILD_A, "100%")).claims == []  # LIKE wildcards are literal
    with pytest.raises(InvalidInputError, match="at least 2 characters"):
        await browse.search(db, GUILD_A, " x ")


async def test_feed_health_shows_errors_pauses_and_broken_channels(db):
    await setup_two_guilds(db)
    now = datetime(2026, 1, 1, tzinfo=UTC)
    await feeds.record_poll(db, await feed_id(db, FEED_A), now=now, next_poll_at=now, status=500,
                            ok=False, error="HTTP 500", etag=None, last_modified=None, failures=8,
                            pause_reason="paused after 8 failures in a row: HTTP 500")
    await feeds.record_poll(db, await feed_id(db, FEED_B), now=now,
                            next_poll_at=now + timedelta(minutes=15), status=200, ok=True,
                            error=None, etag=None, last_modified=None, failures=0)
    await admin.pause_feed(db, GUILD_A, FEED_B, **ALICE)
    await admin.set_topic_channel(db, GUILD_A, "msft", 555, **ALICE)
    await mark_channel_broken(db, GUILD_A, 555, "403 Missing Access")
    health = await browse.feed_health(db, GUILD_A)
    a, b = health.feeds
    assert (a.url, a.failures, a.last_status, a.last_error) == (FEED_A, 8, 500, "HTTP 500")
    assert a.paused and a.pause_reason.startswith("paused after 8 failures")
    assert b.paused and b.pause_reason == "paused by this server's admins"
    assert b.last_ok_at == now and b.next_poll_at == now + timedelta(minutes=15)
    assert [(c.topic_key, c.channel_id, c.error) for c in health.broken_channels] == [
        ("msft", 555, "403 Missing Access")]
    other = await browse.feed_health(db, GUILD_B)
    assert not other.feeds[1].paused and other.broken_channels == []


# --- why ----------------------------------------------------------------------------------------


async def test_why_explains_gate_scores_thresholds_and_posts(db):
    await setup_two_guilds(db)
    await article_with_proposal(db, GUILD_A)
    report = await browse.why(db, GUILD_A, "<https://news.example/leak?utm_source=x&utm_medium=y#top>",
                              include_reviews=True)
    assert report.found and report.article.title == "Leak"
    assert (report.low, report.high) == (40.0, 60.0)
    assert [(s.feed_url, s.feed_name) for s in report.seen_in] == [(FEED_A, "Outlet A")]
    (topic,) = report.topics
    assert topic.evaluated and topic.gate_passed and topic.relevant and topic.excluded_by is None
    assert [(g.keywords, g.hits, g.passed) for g in topic.groups] == [
        (("microsoft", "azure"), ("microsoft",), True), (("israel", "unit 8200"), ("unit 8200",), True)]
    assert [(c.claim_key, c.score, c.band) for c in topic.best] == [
        ("storage", 72.5, "apply"), ("review", 12.0, "below")]
    assert topic.best[0].features == {"terms": 0.8, "figure": 1.0}
    assert topic.best[0].statement == "Unit 8200 stored 8,000 terabytes on Azure."
    assert [(p.kind, p.state, p.review, p.topic_key) for p in report.posts] == [
        ("figure_change", "pending", True, "msft")]
    await admin.set_thresholds(db, GUILD_A, 50, 80, **ALICE)
    rescored = await browse.why(db, GUILD_A, "https://news.example/leak")
    assert rescored.found and rescored.posts == []  # without include_reviews: no proposal shown
    assert (rescored.low, rescored.high) == (50, 80) and rescored.topics[0].best[0].band == "review"


async def test_why_unknown_or_other_servers_article_is_not_seen(db):
    await setup_two_guilds(db)
    missing = await browse.why(db, GUILD_A, "https://news.example/never")
    assert not missing.found and missing.article is None and missing.topics == []
    # An article carried only by a feed B does not follow stays invisible to B.
    await admin.remove_feed(db, GUILD_B, FEED_A, **ALICE)
    await article_with_proposal(db, GUILD_A)
    hidden = await browse.why(db, GUILD_B, "https://news.example/leak")
    assert not hidden.found and hidden.article is None and hidden.posts == []
    with pytest.raises(InvalidInputError):
        await browse.why(db, GUILD_A, "  ")


async def test_why_reports_topics_that_never_evaluated_the_article(db):
    await setup_two_guilds(db)
    await article_with_proposal(db, GUILD_A)
    await admin.add_topic(db, GUILD_A, "later", "Added later", "azure", **ALICE)
    report = await browse.why(db, GUILD_A, "g1")  # the identity works too
    assert [(t.topic_key, t.evaluated) for t in report.topics] == [("msft", True), ("later", False)]


async def test_recent_updates_show_sent_and_held_states(db):
    await setup_two_guilds(db)
    await article_with_proposal(db, GUILD_A)
    await article_with_proposal(db, GUILD_A, identity="g2", url="https://news.example/two",
                                after="10,000 TB")
    first, second = sorted((await outbox.recent(db, GUILD_A)), key=lambda r: r.id)
    await outbox.mark_sent(db, [first.id], channel_id=9, message_id=99)
    await outbox.hold(db, [second.id], error="403")
    states = {u.id: (u.state, u.message_id)
              for u in await browse.recent_updates(db, GUILD_A, include_reviews=True)}
    assert states == {first.id: ("sent", 99), second.id: ("held", None)}


# --- article pages (issue 11) -----------------------------------------------------------------


async def test_why_names_the_text_the_article_was_matched_on(db):
    from storage import article_pages

    await setup_two_guilds(db)
    article_id, _ = await article_with_proposal(db, GUILD_A)
    report = await browse.why(db, GUILD_A, "https://news.example/leak")
    assert report.text_source == "feed_summary"
    assert report.text_source_note == "no article page was fetched for it"
    entry_now = await articles.get_article(db, article_id)
    await article_pages.save_pages(db, [article_pages.StoredPage(
        article_id, entry_now.content_hash, await feed_id(db, FEED_A), "article_page",
        "page text, 2,000 characters", text="The page's text.")])
    report = await browse.why(db, GUILD_A, "https://news.example/leak")
    assert (report.text_source, report.text_source_note) == ("article_page", "page text, 2,000 characters")
    from bot.discord_bot.format import why_embed

    assert "Matched on: the article page (page text, 2,000 characters)" in why_embed(report).description
    await article_pages.save_pages(db, [article_pages.StoredPage(
        article_id, entry_now.content_hash, await feed_id(db, FEED_A), "article_page",
        "page text", text="The page's text.", canonical_url="https://site.example/2025/leak")])
    by_canonical = await browse.why(db, GUILD_A, "https://site.example/2025/leak?utm_source=x")
    assert by_canonical.found and by_canonical.article.article_id == article_id


async def test_feed_health_counts_article_page_failures(db):
    from storage import article_pages

    await setup_two_guilds(db)
    fid = await feed_id(db, FEED_A)
    stored = await articles.store_entries(db, fid, [entry(f"g{n}", url=f"https://news.example/{n}")
                                                    for n in range(3)])
    await article_pages.save_pages(db, [
        article_pages.StoredPage(stored[0].article_id, stored[0].entry.content_hash, fid,
                                 "article_page", "page text", text="x"),
        article_pages.StoredPage(stored[1].article_id, stored[1].entry.content_hash, fid,
                                 "feed_summary", "article page not used: HTTP 404"),
        article_pages.StoredPage(stored[2].article_id, stored[2].entry.content_hash, fid,
                                 "feed_summary", "robots.txt disallows this page",
                                 fetched_at=datetime.now(UTC) + timedelta(seconds=1)),
    ])
    a, b = (await browse.feed_health(db, GUILD_A)).feeds
    assert (a.pages_fetched, a.pages_failed, a.pages_last_error) == (3, 2, "robots.txt disallows this page")
    assert (b.pages_fetched, b.pages_failed) == (0, 0)
    from bot.discord_bot.format import health_pages

    text = health_pages(await browse.feed_health(db, GUILD_A))[0].description
    assert "article pages: 2 of 3 failed this week, last: robots.txt disallows this page" in text
