"""Find the feeds a web page declares: `<link rel="alternate" type="application/rss+xml">`
(or atom+xml) in its HTML, as browsers and feed readers do. Pure: bytes in, links out.

The page is untrusted: only its first 512 KB are read (the links live in <head>), at most
25 feeds are returned (a select menu's limit), each resolved against the page's address
(or its <base href>) and kept only if it is http(s).
"""

from __future__ import annotations

from dataclasses import dataclass
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

MAX_SCAN = 512 * 1024
MAX_FEEDS = 25
FEED_TYPES = {
    "application/rss+xml": "RSS",
    "application/atom+xml": "Atom",
    "application/feed+json": "JSON Feed",
    "application/rdf+xml": "RSS",
}
_SNIFF = 1024


@dataclass(frozen=True)
class FeedLink:
    url: str
    title: str | None
    kind: str  # RSS | Atom | JSON Feed


class _LinkParser(HTMLParser):
    def __init__(self, base: str) -> None:
        super().__init__(convert_charrefs=True)
        self.base = base
        self.links: list[tuple[str, str | None, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k.lower(): (v or "") for k, v in attrs}
        if tag == "base" and values.get("href"):
            self.base = urljoin(self.base, values["href"].strip())
        if tag != "link":
            return
        rels = values.get("rel", "").lower().split()
        kind = FEED_TYPES.get(values.get("type", "").split(";")[0].strip().lower())
        href = values.get("href", "").strip()
        if "alternate" in rels and kind and href:
            self.links.append((href, values.get("title"), kind))


def looks_like_html(body: bytes, content_type: str | None) -> bool:
    """A web page rather than a feed: by its first bytes, else by its Content-Type.

    The bytes win: servers that send RSS as text/html are common, and such a feed must still
    be added as a feed.
    """
    head = body[:_SNIFF].lower()
    is_page = b"<html" in head or b"<!doctype html" in head
    if not is_page and any(tag in head for tag in (b"<rss", b"<feed", b"<rdf:rdf")):
        return False
    if is_page:
        return True
    ctype = (content_type or "").split(";")[0].strip().lower()
    return ctype in ("text/html", "application/xhtml+xml")


def find_feed_links(body: bytes, page_url: str, charset: str | None = None) -> list[FeedLink]:
    """The feeds the page declares, in page order, each once."""
    text = body[:MAX_SCAN].decode(charset or "utf-8", errors="replace")
    parser = _LinkParser(page_url)
    try:
        parser.feed(text)
        parser.close()
    except (AssertionError, ValueError):  # HTMLParser on hopeless markup: keep what was found
        pass
    out: list[FeedLink] = []
    seen: set[str] = set()
    for href, title, kind in parser.links:
        url = urljoin(parser.base, href)
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname or url in seen:
            continue
        seen.add(url)
        name = " ".join((title or "").split())[:100] or None
        out.append(FeedLink(url, name, kind))
        if len(out) == MAX_FEEDS:
            break
    return out
