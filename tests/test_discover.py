"""Feed discovery in a web page (pure): hostile and messy HTML."""

from __future__ import annotations

from bot.parse.discover import MAX_FEEDS, MAX_SCAN, find_feed_links, looks_like_html

RSS = 'type="application/rss+xml"'


def test_links_are_resolved_deduplicated_and_only_http() -> None:
    html = (f'<html><head><base href="https://cdn.example/blog/">'
            f'<LINK REL="Alternate feed" {RSS} href="rss.xml" title=" Main\n feed ">'
            f'<link rel="alternate" {RSS} href="https://cdn.example/blog/rss.xml">'
            f'<link rel="alternate" {RSS} href="javascript:alert(1)">'
            f'<link rel="alternate" {RSS} href="file:///etc/passwd">'
            f'<link rel="alternate" type="application/atom+xml; charset=utf-8" href="//other.example/a">'
            f'<link rel="alternate" type="text/html" href="/fr/">'
            f'<link rel="alternate" {RSS}>').encode()
    links = find_feed_links(html, "https://site.example/post/1")
    assert [(f.url, f.title, f.kind) for f in links] == [
        ("https://cdn.example/blog/rss.xml", "Main feed", "RSS"),
        ("https://other.example/a", None, "Atom"),
    ]


def test_limits_on_hostile_pages() -> None:
    many = "".join(f'<link rel="alternate" {RSS} href="/f{i}.xml">' for i in range(100)).encode()
    assert len(find_feed_links(many, "https://s.example/")) == MAX_FEEDS
    late = b"<html><head>" + b" " * MAX_SCAN + f'<link rel="alternate" {RSS} href="/late.xml">'.encode()
    assert find_feed_links(late, "https://s.example/") == []  # past the part that is read
    broken = f'<html><head><link rel="alternate" {RSS} href="/a.xml"<<<</hea'.encode() + b"\xff\xfe<script>"
    assert [f.url for f in find_feed_links(broken, "https://s.example/")] == ["https://s.example/a.xml"]
    latin = f'<link rel="alternate" {RSS} title="Caf\xe9" href="/c.xml">'.encode("latin-1")
    assert find_feed_links(latin, "https://s.example/", "latin-1")[0].title == "Café"


def test_html_or_feed() -> None:
    assert not looks_like_html(b"<?xml version='1.0'?><rss version='2.0'/>", "text/html; charset=utf-8")
    assert looks_like_html(b"<!doctype html><html>", "application/rss+xml")
    assert looks_like_html(b"<p>hello</p>", "text/html")
    assert looks_like_html(b"\n<!DOCTYPE HTML><html>", None)
    assert not looks_like_html(b"<?xml version='1.0'?><feed xmlns='http://www.w3.org/2005/Atom'/>", "")


async def test_discovery_reads_the_meta_charset_and_parses_off_the_event_loop(monkeypatch) -> None:
    """A page that names its charset only in <meta> (common on older sites) keeps its titles,
    and the HTML is parsed in a worker thread, not on the loop that runs Discord and polling."""
    import threading

    from bot.fetch.client import Fetcher
    from bot.parse import discover as parse_discover
    from bot.service import discover as service
    from tests.feedserver import FeedServer

    threads: list[threading.Thread] = []

    def recording(*args: object) -> list:
        threads.append(threading.current_thread())
        return parse_discover.find_feed_links(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(service, "find_feed_links", recording)
    html = ('<!doctype html><html><head><meta charset="windows-1252">'
            f'<link rel="alternate" {RSS} title="Caf\xe9 \u2013 news" href="/rss.xml"></head></html>')
    async with FeedServer() as server, Fetcher(allow_private=True) as fetcher:
        server.route("/page.html", body=html.encode("cp1252"), headers={"Content-Type": "text/html"})
        found = await service.discover(fetcher, server.url("/page.html"), allow_private=True)
        feed_url = server.url("/rss.xml")
    assert [(f.url, f.title) for f in found.feeds] == [(feed_url, "Café – news")]
    assert threads and threading.main_thread() not in threads


async def test_discovery_refuses_a_private_address_before_fetching_it() -> None:
    import re

    import pytest

    from bot.fetch.client import Fetcher
    from bot.service import discover as service
    from bot.service.errors import UnsafeFeedError
    from tests.feedserver import FeedServer

    async with FeedServer() as server, Fetcher(allow_private=True) as fetcher:
        server.route("/page.html", body=b"<html></html>", headers={"Content-Type": "text/html"})
        with pytest.raises(UnsafeFeedError, match=re.escape("I will not fetch `http://127.0.0.1")):
            await service.discover(fetcher, server.url("/page.html"))
        assert server.count() == 0
