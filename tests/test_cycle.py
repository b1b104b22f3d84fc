"""The crash-safe, batched cycle: the matching queue, the backlog flag, a failing entry, gate
before scoring with `why` scoring on demand, one state per article, poll results in bulk."""

from __future__ import annotations

import gc
import importlib.util
import itertools
import json
import random
import re
import threading
from datetime import UTC, datetime

import pytest

import bot.match.matcher as matcher_module
import bot.pipeline as pipeline_module
from bot.match import Matcher, Thresholds
from bot.match.explain import explain
from bot.parse.items import item_digest, split_items, without_known_items
from bot.pipeline import Pipeline
from bot.service.browse import why
from bot.settings import load_settings
from bot.startup import settle_memory
from storage import articles, feeds, outbox, topics
from storage.db import Database
from storage.feeds import PollRecord
from tests.test_pipeline import CONCLUDED, UNRELATED, make, rss, setup

NOW = datetime(2026, 3, 1, 12, tzinfo=UTC)


NO_WIDGET = ("g-3", "https://news.example/acme-review", "Acme concludes its safety review",
             "Acme said on Monday it has concluded its safety review of the exploding devices.")


async def feed_id(db, url: str) -> int:
    return (await feeds.get_feed(db, url)).id


async def test_stored_entries_are_queued_with_the_backlog_flag_and_matched_by_the_next_process(
        db, server, fetcher):
    """A process that dies after storing (validators saved with the entries) loses nothing: the
    queue, backlog flag included, is matched by the next one, before any poll."""
    server.route("/a", body=rss(CONCLUDED, UNRELATED), etag='"a1"')
    await setup(db, server, "/a")
    fid = await feed_id(db, server.url("/a"))
    from bot.parse import parse_feed

    parsed = parse_feed(rss(CONCLUDED, UNRELATED), feed_url=server.url("/a"))
    poll = PollRecord(fid, NOW, NOW, 200, True, None, '"a1"', None, 0)
    await articles.store_feeds(db, [(fid, parsed.entries)], [poll])
    assert (await feeds.get_feed(db, server.url("/a"))).polls_ok == 1  # bumped with the entries
    queued = await articles.pending_articles(db, limit=10, max_attempts=3)
    assert [p.backlog for p in queued] == [True, True]
    # the "next start": the queue is matched first; the feed then answers 304
    report = await make(db, fetcher).run_cycle(force=True)
    assert report.not_modified == 1 and report.new_articles == 0
    rows = await outbox.pending(db, 0)
    assert rows and all(r.backlog for r in rows)  # still one digest on Discord
    assert await articles.pending_count(db) == 0


async def test_an_entry_whose_matching_raises_stays_queued_and_does_not_block_others(
        db, server, fetcher, monkeypatch, caplog):
    server.route("/a", body=rss(CONCLUDED, UNRELATED))
    await setup(db, server, "/a")
    real = Matcher.match_many

    def broken(self, entries, **kwargs):
        if any("weekend" in entry.title.lower() for entry in entries):
            raise RuntimeError("boom")
        return real(self, entries, **kwargs)

    monkeypatch.setattr(Matcher, "match_many", broken)
    pipe = make(db, fetcher)
    await pipe.run_cycle(force=True)
    assert await outbox.pending(db, 0)  # the good entry went through
    left = await db.fetchall("SELECT attempts, last_error FROM pending_articles")
    assert [(r[0], r[1]) for r in left] == [(3, "RuntimeError: boom")]
    assert "stays queued" in caplog.text
    monkeypatch.setattr(Matcher, "match_many", real)
    await pipe.run_cycle(force=True)
    assert await articles.pending_count(db) == 1  # kept (not deleted) after 3 attempts


async def test_a_topic_whose_gate_fails_is_not_scored_but_why_shows_its_scores(db, server, fetcher):
    server.route("/a", body=rss(NO_WIDGET))
    await setup(db, server, "/a")
    await make(db, fetcher).run_cycle(force=True)
    row = await db.fetchone("SELECT article_id, detail FROM evaluations")
    stored = json.loads(row[1])
    assert stored["scored"] is False and stored["scores"] == [] and not stored["gate"]["passed"]
    report = await why(db, 0, "https://news.example/acme-review")
    topic = report.topics[0]
    assert topic.evaluated and not topic.gate_passed and not topic.relevant
    # what the cycle would have stored had it scored the topic
    states = [r.state for r in await topics.all_topics(db)]
    entry = await articles.get_article(db, row[0])
    assert entry is not None
    full = explain(Matcher(states, Thresholds()).match(entry)[0])["scores"]
    assert full, "the claim terms are there: it scores before the gate"
    assert [(c.claim_key, c.score, c.evidence) for c in topic.best] == \
        [(s["claim"], s["score"], s["evidence"]) for s in full][:len(topic.best)]
    assert any("score_before_gate" in c.features for c in topic.best)


async def test_unchanged_and_failed_feeds_are_recorded_together_at_the_end(db, server, fetcher,
                                                                            monkeypatch):
    server.route("/a", body=rss(UNRELATED), etag='"v1"')
    server.route("/bad", status=500)
    await setup(db, server, "/a", "/bad")
    pipe = make(db, fetcher)
    await pipe.run_cycle(force=True)
    calls = []
    real = feeds.record_polls

    async def counting(database, records):
        calls.append(len(records))
        await real(database, records)

    monkeypatch.setattr(feeds, "record_polls", counting)
    report = await pipe.run_cycle(force=True)
    assert report.not_modified == 1 and report.failed == 1
    assert calls == [2]  # one transaction for the 304 and the failure
    assert (await feeds.get_feed(db, server.url("/a"))).last_status == 304
    assert (await feeds.get_feed(db, server.url("/bad"))).failures == 2


async def test_batches_change_nothing(tmp_path, server, fetcher):
    """Feeds split into batches of one give what one batch gives: each article is compared
    with the claims as the articles stored before it left them."""
    second = ("g-9", "https://news.example/acme-again", "Acme's widget review is over",
              "Acme has concluded its safety review of the exploding widgets, it said again.")
    for n in range(4):
        server.route(f"/f{n}", body=rss(CONCLUDED if n % 2 else second, UNRELATED, title=f"W{n}"))
    outputs = []
    for batch in (1, 50):
        async with await Database.open(tmp_path / f"b{batch}.db") as db:
            await setup(db, server, *(f"/f{n}" for n in range(4)))
            pipe = make(db, fetcher)
            pipe.batch_feeds = batch
            await pipe.run_cycle(force=True)
            outputs.append([(r[0], r[1]) for r in await db.fetchall(
                "SELECT kind, payload FROM outbox ORDER BY id")])
    assert outputs[0] and outputs[0] == outputs[1]
    # the review concluded once: the second article finds it concluded already
    assert [k for k, _ in outputs[0]].count("status_change") == 1


def test_items_are_split_at_the_byte_level_or_not_at_all():
    doc = rss(CONCLUDED, UNRELATED)
    head, items, tail = split_items(doc)
    assert len(items) == 2 and head + b"".join(items) + tail == doc
    atom = (b"<?xml version='1.0'?><feed xmlns='http://www.w3.org/2005/Atom'><title>t</title>"
            b"<entry><id>1</id></entry>\n<entry xml:lang='en'><id>2</id></entry></feed>")
    assert [i[:6] for i in split_items(atom)[1]] == [b"<entry", b"<entry"]
    # an item boundary inside CDATA, a comment between items, no items: parse the whole thing
    cdata = b"<rss><channel><item><description><![CDATA[a </item> b]]></description></item></channel></rss>"
    assert split_items(cdata) is None
    assert split_items(b"<rss><channel><item>a</item><!-- x --><item>b</item></channel></rss>") is None
    assert split_items(b"<rss><channel><title>empty</title></channel></rss>") is None
    reduced, digests = without_known_items(doc, frozenset({item_digest(items[0])}))
    assert reduced == head + items[1] + tail and len(digests) == 2


async def test_a_changed_feed_parses_only_its_new_and_changed_items(db, server, fetcher, monkeypatch):
    revised = (UNRELATED[0], UNRELATED[1], UNRELATED[2], UNRELATED[3] + " Rain later.")
    extra = ("g-5", "https://news.example/other", "Acme widget recall widens",
             "Acme recalled more exploding widgets on Friday.")
    server.route("/a", body=rss(CONCLUDED, UNRELATED), etag='"v1"')
    await setup(db, server, "/a")
    pipe = make(db, fetcher)
    await pipe.run_cycle(force=True)
    parsed_items = []
    real = pipeline_module.parse_feed

    def counting(body, **kwargs):
        parsed_items.append(body.count(b"<item>"))
        return real(body, **kwargs)

    monkeypatch.setattr(pipeline_module, "parse_feed", counting)
    server.route("/a", body=rss(CONCLUDED, revised, extra), etag='"v2"')
    report = await pipe.run_cycle(force=True)
    assert parsed_items == [2]  # the revised item and the new one, not the unchanged one
    assert report.new_articles == 1 and report.revised_articles == 1
    assert len(await articles.sightings(db, 1)) == 1


def _reference_split(body: bytes) -> tuple[bytes, list[bytes], bytes] | None:
    """split_items as first written (one lazy regex over the whole document): the faster
    scanner must split every document exactly as this did."""
    item = re.compile(rb"<((?:[A-Za-z_][\w.-]*:)?(?:item|entry))(?=[\s>])[^>]*>.*?</\1\s*>", re.DOTALL)
    matches = list(item.finditer(body))
    if not matches:
        return None
    for prev, cur in itertools.pairwise(matches):
        if body[prev.end():cur.start()].strip():
            return None
    items = [m.group(0) for m in matches]
    for raw, m in zip(items, matches, strict=True):
        name = m.group(1)
        if raw.count(b"<![CDATA[") != raw.count(b"]]>") or raw.count(b"<" + name) != 1:
            return None
    head, tail = body[:matches[0].start()], body[matches[-1].end():]
    if item.search(tail) or b"<![CDATA[" in head:
        return None
    return head, items, tail


def test_the_item_scanner_splits_exactly_as_the_regex_did():
    pieces = [b"<item>", b"</item>", b"</item >", b"</item\n>", b"</itemx>", b"<itemx>", b"<item a='1'>",
              b"<entry>", b"</entry>", b"<atom:entry>", b"</atom:entry>", b"<a:b:item>", b"<![CDATA[",
              b"]]>", b"<title>t</title>", b"text ", b"\n", b"<!-- c -->", b"</item", b">", b"<",
              b"<channel>", b"</channel>", b"<item\t>", b"</ item>"]
    rng = random.Random(14)
    split_some = 0
    for _ in range(4000):
        body = b"<rss>" + b"".join(rng.choice(pieces) for _ in range(rng.randint(0, 14))) + b"</rss>"
        assert split_items(body) == _reference_split(body), body
        split_some += split_items(body) is not None
    assert split_some > 100  # the generator does reach documents that split
    for doc in (rss(CONCLUDED, UNRELATED), rss(CONCLUDED, UNRELATED, NO_WIDGET, title="x")):
        assert split_items(doc) == _reference_split(doc) is not None


async def test_the_first_matcher_is_built_off_the_event_loop(db, server, fetcher, monkeypatch):
    """Building a matcher loads word frequencies and compiles the topics (~0.25 s the first
    time): on the event loop that was a stall for every other task (Discord's heartbeat)."""
    built_on = []

    class Recording(Matcher):
        def __init__(self, *args, **kwargs):
            built_on.append(threading.get_ident())
            super().__init__(*args, **kwargs)

    monkeypatch.setattr(matcher_module, "Matcher", Recording)  # imported from there at the first build
    server.route("/a", body=rss(CONCLUDED, UNRELATED))
    await setup(db, server, "/a")
    await make(db, fetcher).run_cycle(force=True)
    assert built_on and threading.get_ident() not in built_on


def test_settling_memory_freezes_without_a_full_collection():
    """A full collection of the start-up heap was the longest stall of a cold start."""
    generations = []

    def seen(phase, info):
        if phase == "start":
            generations.append(info["generation"])

    gc.callbacks.append(seen)
    try:
        settle_memory()
        assert gc.get_freeze_count() > 0
    finally:
        gc.callbacks.remove(seen)
        gc.unfreeze()
    assert 2 not in generations


def test_feedparser_is_not_asked_for_sax_drivers_that_are_not_installed():
    """feedparser prefers drv_libxml2: where it is missing, every parse paid a failed import."""
    import feedparser.api

    from bot.parse import parse_feed

    assert parse_feed(rss(CONCLUDED), feed_url="https://news.example/feed").entries
    preferred = feedparser.api.PREFERRED_XML_PARSERS
    assert all(importlib.util.find_spec(name) is not None for name in preferred)


async def test_a_cycle_of_unchanged_feeds_does_no_parsing_and_one_queue_query(db, server, fetcher,
                                                                             monkeypatch):
    """All 304: no trip to the parse thread, and the queue is read once (at the start), not
    after every batch that queued nothing."""
    for n in range(3):
        server.route(f"/f{n}", body=rss(UNRELATED, title=f"W{n}"), etag=f'"v{n}"')
    await setup(db, server, *(f"/f{n}" for n in range(3)))
    pipe = make(db, fetcher)
    pipe.batch_feeds = 1
    await pipe.run_cycle(force=True)
    queries, parses = [], []
    real_pending, real_parse = articles.pending_articles, pipeline_module._parse_all
    monkeypatch.setattr(articles, "pending_articles",
                        lambda *a, **k: queries.append(1) or real_pending(*a, **k))
    monkeypatch.setattr(pipeline_module, "_parse_all", lambda *a: parses.append(1) or real_parse(*a))
    report = await pipe.run_cycle(force=True)
    assert report.not_modified == 3
    assert queries == [1] and parses == []


async def test_the_run_modes_freeze_the_heap_again_once_the_first_matcher_is_built(
        db, server, fetcher, monkeypatch):
    """The first matcher loads word lists (tracked lists the collector would scan every full
    collection): with `settle`, the heap is frozen once after that build, not after later ones."""
    frozen = []
    monkeypatch.setattr(pipeline_module, "settle_memory", lambda: frozen.append(1))
    server.route("/a", body=rss(CONCLUDED, UNRELATED), etag='"v1"')
    await setup(db, server, "/a")
    pipe = Pipeline(db, fetcher, thresholds=Thresholds(), guard=False, settle=True)
    await pipe.run_cycle(force=True)
    assert frozen == [1]
    server.route("/a", body=rss(CONCLUDED, UNRELATED, NO_WIDGET), etag='"v2"')
    await pipe.run_cycle(force=True)
    assert frozen == [1]
    await make(db, fetcher).run_cycle(force=True)  # tests and tools: no freezing by default
    assert frozen == [1]


async def test_the_imports_are_frozen_before_feeds_yaml_is_read(monkeypatch, tmp_path):
    """Reading a large feeds.yaml sets off full collections; without the freeze they scanned
    the whole import heap (60-100 ms of CPU each at 3,000 feeds) on the event loop."""
    import bot.runner as runner

    calls = []
    monkeypatch.setattr(runner, "settle_memory", lambda: calls.append("freeze"))

    def reading(path):
        calls.append("config")
        raise RuntimeError("stop here")

    monkeypatch.setattr(runner, "load_config", reading)
    settings = load_settings({"DOSSIER_CONFIG": str(tmp_path / "feeds.yaml")}, dotenv=False)
    with pytest.raises(RuntimeError, match="stop here"):
        await runner.run(settings, once=True, fmt="jsonl", demo=False)
    assert calls == ["freeze", "config"]
