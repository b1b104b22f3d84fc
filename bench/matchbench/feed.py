"""A story served as one RSS feed from loopback, the way a news site's feed would carry it.

`FeedServer` runs a small HTTP server in a thread (the bot under test is another process):
`/feed.xml` answers the current snapshot; `/article/<id>` answers a page when a page
provider is set (page mode), else 404 (so an article fetch falls back to the feed's text).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Self
from urllib.parse import unquote
from xml.sax.saxutils import escape

from bench.matchbench.corpus import published
from bench.matchbench.modes import summary_of

PageProvider = Callable[[str], bytes | None]  # record id -> HTML page, None for 404


@dataclass(frozen=True)
class FeedItem:
    guid: str
    link: str
    title: str
    summary: str
    content: str  # "" for a summary-only feed
    published: datetime | None


def feed_item(record: dict[str, Any], link: str, *, full: bool) -> FeedItem:
    """A record as a feed entry: the lead as summary, and the whole text as content when `full`."""
    text = record.get("text") or ""
    return FeedItem(guid=record["id"], link=link, title=record.get("title") or "",
                    summary=summary_of(text), content=text if full else "", published=published(record))


def rss_bytes(title: str, link: str, items: Sequence[FeedItem]) -> bytes:
    """RSS 2.0 with content:encoded for full-content items; items in the order given."""
    parts = ['<?xml version="1.0" encoding="utf-8"?>',
             '<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/">',
             f"<channel><title>{escape(title)}</title><link>{escape(link)}</link>"
             f"<description>{escape(title)}</description>"]
    for item in items:
        parts.append("<item>")
        parts.append(f"<title>{escape(item.title)}</title><link>{escape(item.link)}</link>")
        parts.append(f'<guid isPermaLink="false">{escape(item.guid)}</guid>')
        if item.published is not None:
            parts.append(f"<pubDate>{format_datetime(item.published)}</pubDate>")
        parts.append(f"<description>{escape(item.summary)}</description>")
        if item.content:
            parts.append(f"<content:encoded>{escape(item.content)}</content:encoded>")
        parts.append("</item>")
    parts.append("</channel></rss>")
    return "\n".join(parts).encode("utf-8")


class FeedServer:
    """`with FeedServer() as server: server.feed = rss_bytes(...); server.url("/feed.xml")`."""

    def __init__(self, pages: PageProvider | None = None) -> None:
        self.feed = b""
        self.pages = pages
        self.hits: dict[str, int] = {}
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                owner.hits[self.path] = owner.hits.get(self.path, 0) + 1
                body, ctype = owner.answer(self.path)
                if body is None:
                    self.send_error(404)
                    return
                self.send_response(200)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                return  # quiet: the bench prints its own table

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._httpd.serve_forever, name="bench-feed", daemon=True)

    def answer(self, path: str) -> tuple[bytes | None, str]:
        if path == "/feed.xml":
            return self.feed, "application/rss+xml; charset=utf-8"
        if path.startswith("/article/") and self.pages is not None:
            return self.pages(unquote(path.removeprefix("/article/"))), "text/html; charset=utf-8"
        return None, ""

    def url(self, path: str) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}{path}"

    def article_url(self, record_id: str) -> str:
        return self.url(f"/article/{record_id}")

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)
