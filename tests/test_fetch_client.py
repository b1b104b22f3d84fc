"""Fetcher against a local aiohttp server: conditional GET, errors, limits, coalescing."""

from __future__ import annotations

import asyncio
import gzip
import socket
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest
from aiohttp import web

from bot.fetch.client import (
    DEFAULT_MAX_BYTES,
    DEFAULT_USER_AGENT,
    MAX_HINT_SECONDS,
    Fetcher,
    FetchResult,
    format_size,
    parse_max_age,
    parse_retry_after,
)
from tests.feedserver import FakeResolver, FeedServer

RSS = b"<?xml version='1.0'?><rss version='2.0'><channel><title>t</title></channel></rss>"
ETAG = '"abc123"'
LAST_MODIFIED = "Wed, 01 May 2024 10:00:00 GMT"
NOW = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
async def fetcher() -> AsyncIterator[Fetcher]:
    async with Fetcher(resolver=FakeResolver({}), clock=lambda: NOW) as f:
        yield f


# -- conditional GET --------------------------------------------------------------------


async def test_etag_and_last_modified_round_trip_to_304(
    server: FeedServer, fetcher: Fetcher
) -> None:
    server.route("/feed", body=RSS, etag=ETAG, last_modified=LAST_MODIFIED,
                 headers={"Content-Type": "application/rss+xml; charset=utf-8"})
    first = await fetcher.fetch(server.url("/feed"), guard=False)
    assert first.ok and first.status == 200 and not first.not_modified
    assert first.body == RSS
    assert (first.etag, first.last_modified) == (ETAG, LAST_MODIFIED)
    assert first.content_type == "application/rss+xml; charset=utf-8"
    assert first.final_url == first.url == server.url("/feed")

    second = await fetcher.fetch(
        server.url("/feed"), etag=first.etag, last_modified=first.last_modified, guard=False
    )
    assert second.ok and second.not_modified
    assert second.status == 304
    assert second.body is None
    assert (second.etag, second.last_modified) == (ETAG, LAST_MODIFIED)

    sent = server.headers_for("/feed")
    assert "If-None-Match" not in sent[0] and "If-Modified-Since" not in sent[0]
    assert sent[1]["If-None-Match"] == ETAG
    assert sent[1]["If-Modified-Since"] == LAST_MODIFIED


async def test_304_keeps_old_validators_unless_server_resends(
    server: FeedServer, fetcher: Fetcher
) -> None:
    async def not_modified_bare(_request: web.Request) -> web.Response:
        return web.Response(status=304)

    async def not_modified_new_etag(_request: web.Request) -> web.Response:
        return web.Response(status=304, headers={"ETag": '"v2"'})

    server.handler("/bare", not_modified_bare)
    server.handler("/new", not_modified_new_etag)
    bare = await fetcher.fetch(server.url("/bare"), etag=ETAG, last_modified=LAST_MODIFIED,
                               guard=False)
    assert bare.not_modified and (bare.etag, bare.last_modified) == (ETAG, LAST_MODIFIED)
    new = await fetcher.fetch(server.url("/new"), etag=ETAG, last_modified=LAST_MODIFIED,
                              guard=False)
    assert new.not_modified and (new.etag, new.last_modified) == ('"v2"', LAST_MODIFIED)


async def test_changed_feed_gets_new_body_and_validators(
    server: FeedServer, fetcher: Fetcher
) -> None:
    server.route("/feed", body=b"<rss>v2</rss>", etag='"v2"')
    result = await fetcher.fetch(server.url("/feed"), etag='"v1"', guard=False)
    assert result.status == 200 and result.body == b"<rss>v2</rss>"
    assert result.etag == '"v2"' and result.last_modified is None


async def test_empty_validators_are_never_sent(server: FeedServer, fetcher: Fetcher) -> None:
    server.route("/feed", body=RSS, headers={"ETag": "", "Last-Modified": "  "})
    result = await fetcher.fetch(server.url("/feed"), etag="", last_modified="", guard=False)
    await fetcher.fetch(server.url("/feed"), etag="  ", last_modified=None, guard=False)
    assert result.ok
    assert result.etag is None and result.last_modified is None  # empty ones not stored
    for headers in server.headers_for("/feed"):
        assert "If-None-Match" not in headers
        assert "If-Modified-Since" not in headers


async def test_user_agent_and_accept_sent(server: FeedServer, fetcher: Fetcher) -> None:
    server.route("/feed", body=RSS)
    await fetcher.fetch(server.url("/feed"), guard=False)
    headers = server.headers_for("/feed")[0]
    assert headers["User-Agent"] == DEFAULT_USER_AGENT
    assert DEFAULT_USER_AGENT.startswith("Dossier/")
    assert "application/rss+xml" in headers["Accept"]


async def test_custom_user_agent(server: FeedServer) -> None:
    server.route("/feed", body=RSS)
    async with Fetcher(user_agent="TestBot/1.0") as fetcher:
        await fetcher.fetch(server.url("/feed"), guard=False)
    assert server.headers_for("/feed")[0]["User-Agent"] == "TestBot/1.0"


# -- server hints -----------------------------------------------------------------------


async def test_retry_after_seconds_on_429(server: FeedServer, fetcher: Fetcher) -> None:
    server.route("/feed", status=429, headers={"Retry-After": "120"})
    result = await fetcher.fetch(server.url("/feed"), guard=False)
    assert result.status == 429 and result.error == "HTTP 429"
    assert result.retry_after == 120.0


async def test_retry_after_http_date_on_503(server: FeedServer, fetcher: Fetcher) -> None:
    when = format_datetime(NOW + timedelta(minutes=10), usegmt=True)
    server.route("/feed", status=503, headers={"Retry-After": when})
    result = await fetcher.fetch(server.url("/feed"), guard=False)
    assert result.error == "HTTP 503" and result.status == 503
    assert result.retry_after == 600.0
    assert result.body is None


async def test_max_age_surfaced(server: FeedServer, fetcher: Fetcher) -> None:
    server.route("/feed", body=RSS, headers={"Cache-Control": "public, max-age=3600"})
    result = await fetcher.fetch(server.url("/feed"), guard=False)
    assert result.max_age == 3600.0
    assert result.retry_after is None


def test_parse_retry_after() -> None:
    assert parse_retry_after(None, NOW) is None
    assert parse_retry_after("", NOW) is None
    assert parse_retry_after(" 30 ", NOW) == 30.0
    assert parse_retry_after("soon", NOW) is None
    assert parse_retry_after("-5", NOW) is None
    assert parse_retry_after("99999999", NOW) == MAX_HINT_SECONDS
    assert parse_retry_after("Wed, 01 May 2024 12:01:30 GMT", NOW) == 90.0
    assert parse_retry_after("Wed, 01 May 2024 11:00:00 GMT", NOW) == 0.0  # past
    assert parse_retry_after("Sat, 01 Jun 2024 12:00:00 GMT", NOW) == MAX_HINT_SECONDS


def test_parse_max_age() -> None:
    assert parse_max_age([]) is None
    assert parse_max_age(["no-cache"]) is None
    assert parse_max_age(["public", "max-age=60"]) == 60.0
    assert parse_max_age(['private, Max-Age="300", must-revalidate']) == 300.0
    assert parse_max_age(["max-age=abc"]) is None
    assert parse_max_age(["max-age=31536000"]) == MAX_HINT_SECONDS


# -- errors never raise -----------------------------------------------------------------


async def test_http_500_is_an_error_result(server: FeedServer, fetcher: Fetcher) -> None:
    server.route("/feed", status=500, body=b"boom")
    result = await fetcher.fetch(server.url("/feed"), etag=ETAG, guard=False)
    assert not result.ok
    assert (result.status, result.error, result.body) == (500, "HTTP 500", None)
    assert result.etag == ETAG  # old validators kept for the caller


async def test_404_is_an_error_result(server: FeedServer, fetcher: Fetcher) -> None:
    result = await fetcher.fetch(server.url("/missing"), guard=False)
    assert (result.status, result.error) == (404, "HTTP 404")


async def test_connection_refused_is_status_0(fetcher: Fetcher) -> None:
    with socket.socket() as sock:  # find a free port, then close it so nothing listens
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    result = await fetcher.fetch(f"http://127.0.0.1:{port}/feed", guard=False)
    assert result.status == 0 and result.body is None
    assert result.error is not None and result.error == "connection refused"


async def test_unknown_host_is_an_error_result(fetcher: Fetcher) -> None:
    result = await fetcher.fetch("http://nowhere.example.test/feed", guard=False)
    assert result.status == 0
    assert result.error is not None and result.error == "cannot resolve host nowhere.example.test"


@pytest.mark.parametrize("url", ["not a url", "ftp://example.test/feed", "http://"])
async def test_bad_urls_are_error_results(fetcher: Fetcher, url: str) -> None:
    result = await fetcher.fetch(url, guard=False)
    assert not result.ok and result.status == 0


async def test_timeout(server: FeedServer) -> None:
    never = asyncio.Event()

    async def hang(_request: web.Request) -> web.Response:
        await never.wait()
        return web.Response(body=RSS)

    server.handler("/slow", hang)
    try:
        async with Fetcher(timeout=0.2) as fetcher:
            result = await fetcher.fetch(server.url("/slow"), guard=False)
    finally:
        never.set()  # let the server handler finish so shutdown is clean
    assert result.error == "timed out after 0.2s"
    assert result.status == 0 and result.body is None


async def test_gzip_body_over_cap_after_decompression(server: FeedServer) -> None:
    cap = 64 * 1024
    big = b"<rss>" + b"x" * (4 * cap) + b"</rss>"
    assert len(gzip.compress(big)) < cap  # the wire size alone would pass
    server.route("/bomb", body=big, gzip=True)
    server.route("/small", body=b"y" * cap, gzip=True)
    async with Fetcher(max_bytes=cap) as fetcher:
        bomb = await fetcher.fetch(server.url("/bomb"), guard=False)
        small = await fetcher.fetch(server.url("/small"), guard=False)
    assert bomb.error == "body exceeds 64 KB"
    assert bomb.body is None and bomb.status == 200
    assert small.ok and small.body == b"y" * cap  # exactly at the cap is fine
    assert server.headers_for("/bomb")[0]["Accept-Encoding"]


async def test_plain_body_over_cap(server: FeedServer) -> None:
    server.route("/big", body=b"z" * 5000)
    async with Fetcher(max_bytes=1000) as fetcher:
        result = await fetcher.fetch(server.url("/big"), guard=False)
    assert result.error == "body exceeds 1000 bytes"


def test_default_cap_message() -> None:
    assert format_size(DEFAULT_MAX_BYTES) == "10 MB"


# -- redirects --------------------------------------------------------------------------


async def test_redirects_are_followed(server: FeedServer, fetcher: Fetcher) -> None:
    server.route("/feed.xml", body=RSS, etag=ETAG)
    server.redirect("/a", "/b", status=301)  # relative Location
    server.redirect("/b", server.url("/feed.xml"), status=307)
    result = await fetcher.fetch(server.url("/a"), guard=False)
    assert result.ok and result.body == RSS
    assert result.url == server.url("/a")
    assert result.final_url == server.url("/feed.xml")
    assert result.etag == ETAG


async def test_too_many_redirects(server: FeedServer) -> None:
    for i in range(10):
        server.redirect(f"/r{i}", f"/r{i + 1}")
    async with Fetcher(max_redirects=3) as fetcher:
        result = await fetcher.fetch(server.url("/r0"), guard=False)
    assert result.error == "too many redirects (more than 3)"
    assert server.count() == 4


# -- one request per URL, global limit ----------------------------------------------------


async def test_concurrent_fetches_of_same_url_are_coalesced(
    server: FeedServer, fetcher: Fetcher
) -> None:
    arrived, gate = asyncio.Event(), asyncio.Event()

    async def gated(_request: web.Request) -> web.Response:
        arrived.set()
        await gate.wait()
        return web.Response(body=RSS)

    server.handler("/feed", gated)
    url = server.url("/feed")
    tasks = [asyncio.create_task(fetcher.fetch(url, guard=False)) for _ in range(5)]
    await arrived.wait()
    gate.set()
    results = await asyncio.gather(*tasks)
    assert server.count("/feed") == 1
    assert all(r is results[0] for r in results)
    assert results[0].body == RSS

    again = await fetcher.fetch(url, guard=False)  # finished fetches are not cached
    assert again.ok and server.count("/feed") == 2


async def test_fetch_many_dedupes(server: FeedServer, fetcher: Fetcher) -> None:
    server.route("/a", body=b"a", etag='"a"')
    server.route("/b", body=b"b")
    a, b = server.url("/a"), server.url("/b")
    results = await fetcher.fetch_many([a, b, a, a], guard=False, validators={a: ('"a"', None)})
    assert set(results) == {a, b}
    assert results[a].not_modified and results[b].body == b"b"
    assert server.count("/a") == 1 and server.count("/b") == 1


async def test_cancelling_one_caller_does_not_cancel_shared_fetch(
    server: FeedServer, fetcher: Fetcher
) -> None:
    arrived, gate = asyncio.Event(), asyncio.Event()

    async def gated(_request: web.Request) -> web.Response:
        arrived.set()
        await gate.wait()
        return web.Response(body=RSS)

    server.handler("/feed", gated)
    first = asyncio.create_task(fetcher.fetch(server.url("/feed"), guard=False))
    second = asyncio.create_task(fetcher.fetch(server.url("/feed"), guard=False))
    await arrived.wait()
    first.cancel()
    gate.set()
    result = await second
    assert result.ok and result.body == RSS
    assert first.cancelled()
    assert server.count("/feed") == 1


async def test_concurrency_limit_respected(server: FeedServer) -> None:
    limit, total = 2, 6
    active = 0
    peak = 0
    two_in, gate = asyncio.Event(), asyncio.Event()

    async def gated(_request: web.Request) -> web.Response:
        nonlocal active, peak
        active += 1
        peak = max(peak, active)
        if active == limit:
            two_in.set()
        await gate.wait()
        active -= 1
        return web.Response(body=RSS)

    for i in range(total):
        server.handler(f"/f{i}", gated)
    async with Fetcher(concurrency=limit) as fetcher:
        tasks = [
            asyncio.create_task(fetcher.fetch(server.url(f"/f{i}"), guard=False))
            for i in range(total)
        ]
        await two_in.wait()
        # Correctness does not depend on this pause; it only gives a broken limiter the
        # chance to let a third request through while the gate is still closed.
        await asyncio.sleep(0.05)
        assert server.count() == limit
        gate.set()
        results: list[FetchResult] = await asyncio.gather(*tasks)
    assert all(r.ok for r in results)
    assert peak == limit
    assert server.count() == total


async def test_fetch_requires_context_manager() -> None:
    with pytest.raises(RuntimeError):
        await Fetcher().fetch("http://127.0.0.1/", guard=False)
