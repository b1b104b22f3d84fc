"""bot.parse.sax_driver: feedparser reads feeds through expat with buffered character data,
and gets exactly what the stdlib's plain expat reader gives it."""

from __future__ import annotations

from html import escape

import feedparser.api
import pytest

from bot.parse import parse_feed, sax_driver

FEED_URL = "https://news.example.com/feed.xml"
SUMMARY = '<p>Summary <a href="/x?a=1&b=2">link</a> of item</p>'
LONG = "<p>" + " ".join(f"Sentence {i} says “more” &amp; less &lt;b&gt;." for i in range(900)) + "</p>"


def _rss() -> bytes:
    items = "".join(
        f"<item><title>Title {i} &amp; co &#8217;s</title><link>https://news.example.com/{i}</link>"
        f"<guid>id-{i}</guid><pubDate>Mon, 0{i + 1} Sep 2025 10:00:00 GMT</pubDate>"
        f"<description>{escape(SUMMARY)} {i}</description>"
        f'<content:encoded>{escape(LONG if i == 0 else "<p>Body&nbsp;one</p><p>Body two</p>")}'
        f"</content:encoded></item>"
        for i in range(4)
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0" '
        'xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel><title>Ex &amp; News</title>'
        f"{items}<item><title><![CDATA[CDATA <b>title</b>]]></title><link>https://news.example.com/c</link>"
        "<description><![CDATA[<p>cdata body &amp; more</p>]]></description></item></channel></rss>"
    ).encode()


def _atom() -> bytes:
    return (
        b'<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom"><title>A</title>'
        b'<entry><id>tag:a,1</id><title type="html">&lt;i&gt;Atom&lt;/i&gt; title</title>'
        b'<link rel="alternate" href="https://news.example.com/atom"/><updated>2025-09-01T00:00:00Z</updated>'
        b'<content type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml"><p>XHTML &amp; <b>bold</b> '
        b"text &lt; here</p><p>second</p></div></content></entry></feed>"
    )


@pytest.mark.parametrize("body", [_rss(), _atom()], ids=["rss", "atom-xhtml"])
def test_buffered_driver_gives_what_plain_expat_gives(body, monkeypatch):
    created = []
    real = sax_driver.create_parser
    monkeypatch.setattr(sax_driver, "create_parser", lambda *a, **k: created.append(1) or real(*a, **k))
    buffered = parse_feed(body, feed_url=FEED_URL)
    assert created, "feedparser did not use bot.parse.sax_driver"
    assert buffered.error is None and buffered.entries
    monkeypatch.setattr(feedparser.api, "PREFERRED_XML_PARSERS", [])  # the stdlib's plain expat
    created.clear()
    plain = parse_feed(body, feed_url=FEED_URL)
    assert not created
    assert plain == buffered


def test_buffered_driver_coalesces_character_data():
    calls = {"plain": 0, "buffered": 0}
    from xml.sax.expatreader import ExpatParser
    from xml.sax.handler import ContentHandler

    class Count(ContentHandler):
        def __init__(self, key: str) -> None:
            super().__init__()
            self.key = key

        def characters(self, content: str) -> None:
            calls[self.key] += 1

    import io
    from xml.sax.xmlreader import InputSource

    for key, parser in (("plain", ExpatParser()), ("buffered", sax_driver.create_parser())):
        parser.setContentHandler(Count(key))
        source = InputSource()
        source.setByteStream(io.BytesIO(_rss()))
        parser.parse(source)
    assert calls["buffered"] * 10 < calls["plain"]
