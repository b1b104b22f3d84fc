"""What every start pays (a cron `dossier run --once` pays it every cycle): the matcher's modules
are imported, and claims' initial figures read, only when something needs them."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from bot.config import ClaimConfig, TopicConfig
from bot.enrich import ARTICLE_PAGE, FEED_CONTENT
from bot.models import Status
from bot.startup import initial_figures
from storage import topics
from storage.db import Database
from tests.real_command import UNITS_CLAIM, acme_config, run_twice
from tests.test_article_pages import entry, install_topic, page, reader, stored_items
from tests.test_pipeline import CONCLUDED, rss

ROOT = Path(__file__).resolve().parents[1]
HEAVY = ("wordfreq", "simplemma", "rapidfuzz", "bot.match.normalise", "bot.match.scorer",
         "bot.match.matcher")


def test_start_up_imports_none_of_the_matcher():
    """~0.27 s of CPU per start (numpy aside: the semantic scorer's module needs it)."""
    code = ("import sys, bot.cli, bot.runner, bot.pipeline, bot.enrich, bot.startup; "
            f"found = [m for m in {HEAVY!r} if m in sys.modules]; print(*found); sys.exit(bool(found))")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=False, capture_output=True, text=True)
    assert done.returncode == 0, f"imported at start: {done.stdout}{done.stderr}"


async def test_a_cycle_of_304s_imports_none_of_the_matcher(tmp_path, server):
    """The real command twice: the first stores and matches an entry (the matcher is imported,
    the claim's figures read), the second (every feed 304) imports none of it."""
    server.route("/a", body=rss(CONCLUDED), etag='"a1"')
    config = acme_config(tmp_path, server.url("/a"), extra_claims=UNITS_CLAIM)
    logs = await run_twice(config, tmp_path / "d.db", semantic="off", python_flags=("-X", "importtime"))
    imported = []
    for log in logs:
        lines = log.splitlines()
        imported.append({line.rsplit("|", 1)[1].strip() for line in lines if line.startswith("import time:")})
        assert any(("1 new" if not imported[1:] else "1 not modified") in line for line in lines)
    assert set(HEAVY) <= imported[0]
    assert not set(HEAVY) & imported[1], set(HEAVY) & imported[1]
    async with await Database.open(tmp_path / "d.db") as db:
        record = await topics.get_topic(db, 0, "acme-recall")
        units = next(c for c in record.state.claims if c.key == "units")
        assert units.figures == ("40,000",)
        history = await topics.claim_history(db, record.claim_ids["units"])
        assert [h.actor for h in history].count("feeds.yaml") == 1  # created, never re-applied


def claim_topic(statement: str, figures: tuple[str, ...] = ()) -> TopicConfig:
    return TopicConfig(key="t", title="T", keywords=(("acme",),), claims=(
        ClaimConfig(key="units", statement=statement, status=Status.ALLEGED, figures=figures),
    ))


async def test_initial_figures_are_read_only_for_new_or_changed_claims(db):
    read: list[str] = []

    def counting(statement: str) -> tuple[str, ...]:
        read.append(statement)
        return initial_figures(statement)

    await topics.install_topics(db, 0, [claim_topic("Acme recalled 40,000 widgets.")], figures_for=counting)
    assert read == ["Acme recalled 40,000 widgets."]
    await topics.install_topics(db, 0, [claim_topic("Acme recalled 40,000 widgets.")], figures_for=counting)
    assert len(read) == 1  # unchanged: compared with the figures it was applied with
    await topics.install_topics(db, 0, [claim_topic("Acme recalled 55,000 widgets.")], figures_for=counting)
    assert len(read) == 2
    record = await topics.get_topic(db, 0, "t")
    assert record.state.claims[0].figures == ("55,000",)
    history = await topics.claim_history(db, record.claim_ids["units"])
    assert [(h.change_kind, h.figures) for h in history] == [("created", ("40,000",)), ("edit", ("55,000",))]


async def test_the_statements_to_read_are_the_ones_install_asks_for(db):
    """A start reads them in a worker thread first (the first reading loads the lemmatiser)."""
    asked: list[str] = []

    def noting(statement: str) -> tuple[str, ...]:
        asked.append(statement)
        return initial_figures(statement)

    for statement in ("Acme recalled 40,000 widgets.", "Acme recalled 40,000 widgets.",
                      "Acme recalled 55,000 widgets."):
        planned = await topics.statements_to_read(db, 0, [claim_topic(statement)])
        asked.clear()
        await topics.install_topics(db, 0, [claim_topic(statement)], figures_for=noting)
        assert planned == asked
    assert asked == ["Acme recalled 55,000 widgets."]
    assert await topics.statements_to_read(db, 0, [claim_topic("x", ("5",))]) == []  # listed in the file


async def test_claims_applied_with_their_figures_already_read_compare_the_same(db):
    """Discord's install passes claims with their figures already read (and so did the console
    before): either way round, an unchanged claim is left alone and its figures are not read."""
    def never(statement: str) -> tuple[str, ...]:
        raise AssertionError(f"read the figures of {statement!r}")

    statement = "Acme recalled 40,000 widgets."
    await topics.install_topics(db, 0, [claim_topic(statement, initial_figures(statement))])
    await topics.install_topics(db, 0, [claim_topic(statement)], figures_for=never)
    await topics.install_topics(db, 0, [claim_topic(statement, initial_figures(statement))])
    await topics.install_topics(db, 1, [claim_topic(statement)], figures_for=initial_figures)
    await topics.install_topics(db, 1, [claim_topic(statement, initial_figures(statement))])
    for scope in (0, 1):
        record = await topics.get_topic(db, scope, "t")
        history = await topics.claim_history(db, record.claim_ids["units"])
        assert [h.change_kind for h in history] == ["created"]
        assert record.state.claims[0].figures == ("40,000",)


async def test_full_content_entries_do_not_build_the_relaxed_gate(db, server):
    """Compiling every topic keyword's pattern cost ~0.1 s on the event loop per process, also
    in cycles whose entries all carry their text; now only a short entry builds it."""
    server.route("/p1", body=page().encode(), headers={"Content-Type": "text/html; charset=utf-8"})
    await install_topic(db)
    full = await stored_items(db, server.url("/feed"), [
        entry(2, server.url("/p2"), content="Full text of the story in the feed itself. " * 10)])
    async with reader() as r:
        got = await r.enrich(db, full)
        assert [e.text_source for e in got] == [FEED_CONTENT]
        assert not r._gates
        short = await stored_items(db, server.url("/feed2"), [entry(1, server.url("/p1"))])
        got = await r.enrich(db, short)
        assert [e.text_source for e in got] == [ARTICLE_PAGE]
        assert r._gates


# ---------------------------------------------------------------- the model only for gated entries


async def test_new_entries_that_no_gate_lets_through_do_not_load_the_model(db, server, fetcher, embedder):
    """Only what passes a topic gate is embedded: a cycle whose new entries all fail every gate
    never reads the 91 MB of weights; the next entry that passes loads it."""
    from bot.match.semantic import SemanticScorer
    from bot.startup import note_semantic
    from storage.delivery import SEMANTIC_STATUS_KEY, get_meta
    from tests.test_cycle_semantic import LAZY, Watched, pipe
    from tests.test_pipeline import UNRELATED, setup

    server.route("/a", body=rss(UNRELATED), etag='"a1"')
    await setup(db, server, "/a")
    watched = Watched(embedder)
    scorer = SemanticScorer(embedder=watched)
    await note_semantic(db, scorer)
    report = await pipe(db, fetcher, scorer).run_cycle(force=True)
    assert report.new_articles == 1
    assert watched.loads == 0 and not scorer.loaded
    assert await get_meta(db, SEMANTIC_STATUS_KEY) == LAZY

    server.route("/a", body=rss(UNRELATED, CONCLUDED), etag='"a2"')
    report = await pipe(db, fetcher, scorer).run_cycle(force=True)
    assert report.new_articles == 1 and report.outbox_ids
    assert watched.loads == 1 and scorer.loaded and watched.embedded
    assert await get_meta(db, SEMANTIC_STATUS_KEY) == "on"


def test_the_gate_check_before_loading_is_the_matchers_own():
    """`Matcher.passes_a_gate` (which decides whether the model is loaded) says what matching
    finds: some topic's gate passed."""
    from bot.match import Matcher, Thresholds
    from bot.models import ClaimState, Entry, TopicState
    from tests.test_pipeline import TOPIC, UNRELATED, with_initial_figures_for

    topic = with_initial_figures_for(TOPIC)
    state = TopicState(key=topic.key, title=topic.title, keywords=topic.keywords, exclude=topic.exclude,
                       claims=tuple(ClaimState(c.key, c.statement, c.status, aliases=c.aliases,
                                               figures=c.figures) for c in topic.claims))
    matcher = Matcher([state], Thresholds())
    entries = [Entry(identity=g, url=u, title=t, summary=s, content="", published=None, source="Wire",
                     content_hash=g) for g, u, t, s in (CONCLUDED, UNRELATED)]
    entries.append(Entry(identity="x", url=None, title="Widgets", summary="Acme", content="", published=None,
                         source="Wire", content_hash="x"))
    found = [matcher.passes_a_gate(e) for e in entries]
    assert found == [any(r.gate.passed for r in matcher.match(e, score_failed=False)) for e in entries]
    assert found[0] and not found[1]


async def test_fetch_modes_of_some_feeds(db):
    """The matching asks for the modes of a chunk's feeds only (not every feed at every chunk)."""
    from bot.config import Config, FeedConfig
    from bot.startup import sync_feeds
    from storage import article_pages, feeds

    a, b = "https://news.example/a.xml", "https://news.example/b.xml"
    await sync_feeds(db, Config(path=Path("feeds.yaml"), feeds=(FeedConfig(a, fetch_article="never"),
                                                                 FeedConfig(b)), topics=()))
    ids = {f.url: f.id for f in await feeds.all_feeds(db)}
    assert await article_pages.fetch_modes(db, [ids[a]]) == {ids[a]: "never"}
    assert await article_pages.fetch_modes(db, [ids[b], ids[b]]) == {ids[b]: "auto"}
    assert await article_pages.fetch_modes(db) == {ids[a]: "never", ids[b]: "auto"}
    assert await article_pages.fetch_modes(db, []) == {}


def test_text_without_markup_skips_the_parser_with_the_same_result():
    from bot.parse.text import _strip_markup, _strip_once

    for text in ("Acme ends widget review", "  two\nlines\r\n and  tabs\t ", "5 > 3; a \"quote\" 'x'",
                 "ünïcödé — dashes … and emoji 🙂", "", ">", "a;b#c"):
        assert _strip_markup(text) == _strip_once(text) == text
    assert _strip_markup("a &amp; b") == "a & b"  # an entity still goes through the parser
