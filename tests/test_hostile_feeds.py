"""Untrusted feeds over HTTP, through the real pipeline: nothing crashes, nothing pings, nothing is lost."""

from __future__ import annotations

import gzip
import json
from datetime import timedelta
from pathlib import Path

import pytest

from bot.config import ClaimConfig, FeedConfig, TopicConfig
from bot.fetch.client import Fetcher
from bot.match import Thresholds
from bot.models import Status
from bot.pipeline import Pipeline
from storage import feeds, outbox, topics
from tests.feedserver import FeedServer
from tests.test_parse_corpus import CORPUS, _content_type

TOPIC = TopicConfig(
    key="acme", title="Acme widgets", keywords=(("acme",), ("widget", "widgets")),
    claims=(ClaimConfig("review", "Acme's safety review of the widgets is ongoing.", Status.ONGOING),),
)


async def make_pipeline(db, fetcher: Fetcher, server: FeedServer, paths: list[str]) -> Pipeline:
    await feeds.sync_config_feeds(db, [FeedConfig(server.url(p)) for p in paths])
    await topics.install_topics(db, 0, [TOPIC])
    return Pipeline(db, fetcher, thresholds=Thresholds(), guard=False)


async def test_the_whole_feedparser_corpus_served_over_http(db, server):
    """Every corpus file is fetched and processed in one cycle without an exception."""
    if not CORPUS.is_dir():
        pytest.skip("feed corpus not found")
    files = sorted(p for p in CORPUS.rglob("*") if p.is_file() and p.suffix in {".xml", ".json", ".rdf"})
    assert len(files) > 2000
    paths = []
    for i, path in enumerate(files):
        body = path.read_bytes()
        content_type = _content_type(body) or "application/xml"
        server.route(f"/c/{i}", body=body, headers={"Content-Type": content_type})
        paths.append(f"/c/{i}")
    async with Fetcher(allow_private=True, timeout=10, concurrency=16) as fetcher:
        pipe = await make_pipeline(db, fetcher, server, paths)
        report = await pipe.run_cycle(force=True)
    assert report.polled == len(files)
    rows = await feeds.all_feeds(db)
    failed = [r for r in rows if r.last_error]
    assert all(r.last_error.startswith(("not a feed", "HTTP")) for r in failed), failed[:3]
    assert len(failed) < len(files) // 10  # most of the corpus is usable feeds
    # most corpus files test channel elements and have no items; those with items are stored
    assert (await db.fetchone("SELECT COUNT(*) FROM articles"))[0] > 100


def bomb() -> bytes:
    lol = "".join(f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, 10))
    return (f'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY lol0 "lol">{lol}]>'
            '<rss version="2.0"><channel><title>&lol9;</title></channel></rss>').encode()


async def test_hostile_feeds_fail_clearly_and_the_good_one_still_posts(db, server):
    huge = b"<rss version='2.0'><channel><title>x</title>" + b"<item><title>a</title></item>" * 400_000
    server.route("/bomb", body=bomb())
    server.route("/huge", body=gzip.compress(huge + b"</channel></rss>"), gzip=False,
                 headers={"Content-Encoding": "gzip", "Content-Type": "application/rss+xml"})
    server.route("/broken", body=b"<rss><channel><item><title>Acme widgets</title><desc")
    server.route("/latin1", body="<?xml version='1.0' encoding='utf-8'?><rss version='2.0'><channel>"
                 "<title>Caf\xe9</title><item><title>Acme widget caf\xe9</title></item></channel></rss>"
                 .encode("latin-1"))
    hostile_text = ("@everyone Acme concludes its safety review of the widgets <@&123> **bold** "
                    "[click](https://evil.example) \x1b[31mred\x1b[0m ``` <#5>")
    server.route("/good", body=(
        "<?xml version='1.0' encoding='utf-8'?><rss version='2.0'><channel><title>Good</title>"
        f"<item><guid>g1</guid><link>https://n.example/1</link><title>{hostile_text}</title>"
        f"<description>{hostile_text}. Acme's safety review of the widgets has concluded.</description>"
        "</item></channel></rss>").encode())
    async with Fetcher(allow_private=True, timeout=10, max_bytes=1_000_000) as fetcher:
        pipe = await make_pipeline(db, fetcher, server, ["/bomb", "/huge", "/broken", "/latin1", "/good"])
        report = await pipe.run_cycle(force=True)
    errors = {r.url.rsplit("/", 1)[1]: r.last_error for r in await feeds.all_feeds(db)}
    assert "entity" in (errors["bomb"] or "")
    assert "exceeds" in (errors["huge"] or "")
    assert errors["good"] is None
    assert report.failed >= 2
    rows = await outbox.pending(db, 0)
    assert rows, "the good feed's update must still be queued"
    for row in rows:
        embed_text = json.dumps(row.embed, ensure_ascii=False)
        assert "@everyone" not in embed_text.replace("@\u200beveryone", "")
        assert "<@&123>" not in embed_text and "<#5>" not in embed_text
        assert "\x1b" not in embed_text and "\\u001b" not in embed_text


async def test_the_guard_blocks_private_targets_for_guarded_pipelines(db, server):
    server.route("/a", body=b"<rss version='2.0'><channel><title>t</title></channel></rss>")
    async with Fetcher(allow_private=False, timeout=5) as fetcher:
        await feeds.sync_config_feeds(db, [FeedConfig(server.url("/a"))])
        pipe = Pipeline(db, fetcher, thresholds=Thresholds(), guard=True)
        await pipe.run_cycle(force=True)
    row = (await feeds.all_feeds(db))[0]
    assert row.last_error and row.last_error.startswith("blocked")
    assert server.count("/a") == 0


def test_corpus_path_is_outside_the_repo():
    assert not CORPUS.resolve().is_relative_to(Path(__file__).resolve().parents[1])


async def test_feeds_added_at_run_time_are_always_guarded(db, server):
    server.route("/config", body=b"<rss version='2.0'><channel><title>t</title></channel></rss>")
    server.route("/admin", body=b"<rss version='2.0'><channel><title>t</title></channel></rss>")
    await feeds.sync_config_feeds(db, [FeedConfig(server.url("/config"))])
    await feeds.add_feed(db, server.url("/admin"), name=None, interval=timedelta(minutes=15))
    async with Fetcher(allow_private=False, timeout=5) as fetcher:
        await Pipeline(db, fetcher, thresholds=Thresholds(), guard=False).run_cycle(force=True)
    assert server.count("/config") == 1  # the operator's own file is trusted
    assert server.count("/admin") == 0  # an admin's URL resolving to loopback is refused
    admin = await feeds.get_feed(db, server.url("/admin"))
    assert admin.last_error and admin.last_error.startswith("blocked")
    async with Fetcher(allow_private=True, timeout=5) as fetcher:  # DOSSIER_ALLOW_PRIVATE_FEEDS=1
        await Pipeline(db, fetcher, thresholds=Thresholds(), guard=False).run_cycle(force=True)
    assert server.count("/admin") == 1
