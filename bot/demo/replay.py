"""`dossier run --demo`: replay feed snapshots about the story from a loopback server.

Each step file in `snapshots/` says what every demo feed shows at one moment; the demo
serves step 1, runs a poll cycle, moves to step 2, and so on, so a newcomer with no
internet sees the real pipeline find the story and post what changed. The server
answers conditional GETs like a well-behaved publisher.

A feed may also carry `pages:` (slug -> title, site, paragraphs) and items whose `link` is
`page:<slug>`: those entries have only a short summary, and the server serves the article page
behind them at /pages/<slug>, wrapped in a news site's boilerplate (navigation, cookie notice,
a "most read" box of the other demo headlines, newsletter prompt, footer), so the demo shows an
update found in the page text rather than in the feed.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, timedelta
from email.utils import format_datetime
from importlib import resources
from typing import Any
from xml.sax.saxutils import escape

import yaml
from aiohttp import web

from bot.config import FeedConfig


@dataclass(frozen=True)
class Step:
    name: str
    description: str
    feeds: dict[str, dict[str, Any]]


def load_steps() -> list[Step]:
    folder = resources.files("bot.demo") / "snapshots"
    steps = []
    for item in sorted(folder.iterdir(), key=lambda p: p.name):
        if not item.name.endswith(".yaml"):
            continue
        text = item.read_text(encoding="utf-8")
        first = text.splitlines()[0].lstrip("# ").strip() if text else item.name
        steps.append(Step(item.name.removesuffix(".yaml"), first, yaml.safe_load(text) or {}))
    return steps


PAGE_PREFIX = "page:"


def page_link(link: str, base_url: str) -> str:
    """`page:<slug>` -> the demo server's URL for that page; other links unchanged."""
    if link.startswith(PAGE_PREFIX):
        return f"{base_url}/pages/{link.removeprefix(PAGE_PREFIX)}"
    return link


def render_page(page: dict[str, Any], other_headlines: list[str]) -> bytes:
    """An article page as a news site serves it: the story among boilerplate."""
    paragraphs = "".join(f"<p>{escape(str(p))}</p>" for p in page.get("paragraphs", []))
    most_read = "".join(f'<li><a href="/">{escape(h)}</a></li>' for h in other_headlines[:5])
    title, site = escape(str(page["title"])), escape(str(page.get("site") or "Demo News"))
    html = (
        f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{title} | {site}</title>'
        f'<meta property="og:site_name" content="{site}"></head><body>'
        '<header><nav><a href="/">Home</a> <a href="/">World</a> <a href="/">Business</a> '
        '<a href="/">Technology</a></nav></header>'
        '<div class="consent">We use cookies to measure our audience. Accept or manage choices.</div>'
        f"<main><article><h1>{title}</h1>{paragraphs}</article>"
        f'<aside class="most-read"><h2>Most read</h2><ol>{most_read}</ol></aside></main>'
        '<section class="newsletter">Get the morning briefing in your inbox. Sign up now.</section>'
        f"<footer><p>© 2025 {site} (demo). About us · Contact · Privacy</p></footer>"
        "</body></html>"
    )
    return html.encode("utf-8")


def render_rss(feed: dict[str, Any], base_url: str = "") -> bytes:
    """A small RSS 2.0 document; the demo's text is escaped like any publisher's would be."""
    items = []
    for item in feed.get("items", []):
        published = item["date"]
        if published.tzinfo is None:
            published = published.replace(tzinfo=UTC)
        items.append(
            "<item>"
            f"<guid isPermaLink=\"false\">{escape(str(item['guid']))}</guid>"
            f"<title>{escape(item['title'])}</title>"
            f"<link>{escape(page_link(item['link'], base_url))}</link>"
            f"<pubDate>{format_datetime(published)}</pubDate>"
            f"<description>{escape(item['body'])}</description>"
            "</item>"
        )
    xml = (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        f"<title>{escape(feed['title'])}</title><link>https://demo.dossier.invalid/</link>"
        f"<description>Dossier demo replay</description>{''.join(items)}</channel></rss>"
    )
    return xml.encode("utf-8")


class ReplayServer:
    """Serves the current step's snapshot of every demo feed at /feeds/<name>.xml."""

    def __init__(self, steps: list[Step] | None = None) -> None:
        self.steps = steps or load_steps()
        self.step = 0
        self.names = sorted({name for s in self.steps for name in s.feeds})
        self._runner: web.AppRunner | None = None
        self.base_url = ""

    def snapshot(self, name: str) -> dict[str, Any] | None:
        """The feed as of the current step (a feed absent from a step is unchanged).

        A feed that only starts publishing in a later step is served empty until then,
        as a real publisher's new feed would be, rather than as a 404.
        """
        for step in reversed(self.steps[: self.step + 1]):
            if name in step.feeds:
                return step.feeds[name]
        if name in self.names:
            title = next(s.feeds[name]["title"] for s in self.steps if name in s.feeds)
            return {"title": title, "items": []}
        return None

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        name = request.match_info["name"]
        feed = self.snapshot(name)
        if feed is None:
            raise web.HTTPNotFound()
        body = render_rss(feed, self.base_url)
        etag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'
        if request.headers.get("If-None-Match") == etag:
            return web.Response(status=304, headers={"ETag": etag})
        return web.Response(body=body, headers={"ETag": etag},
                            content_type="application/rss+xml", charset="utf-8")

    def _pages(self) -> dict[str, dict[str, Any]]:
        return {slug: page for s in self.steps for f in s.feeds.values()
                for slug, page in (f.get("pages") or {}).items()}

    async def _page(self, request: web.Request) -> web.StreamResponse:
        page = self._pages().get(request.match_info["slug"])
        if page is None:
            raise web.HTTPNotFound()
        headlines = [str(i["title"]) for s in self.steps for f in s.feeds.values()
                     for i in f.get("items", []) if not str(i["link"]).startswith(PAGE_PREFIX)]
        return web.Response(body=render_page(page, list(dict.fromkeys(headlines))),
                            content_type="text/html", charset="utf-8")

    async def _robots(self, request: web.Request) -> web.StreamResponse:
        return web.Response(text="User-agent: *\nDisallow: /feeds/private/\n")

    async def __aenter__(self) -> ReplayServer:
        app = web.Application()
        app.router.add_get("/feeds/{name}.xml", self._handle)
        app.router.add_get("/pages/{slug}", self._page)
        app.router.add_get("/robots.txt", self._robots)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = self._runner.addresses[0][1]
        self.base_url = f"http://127.0.0.1:{port}"
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    def feed_configs(self) -> tuple[FeedConfig, ...]:
        out = []
        for name in self.names:
            title = next((s.feeds[name]["title"] for s in self.steps if name in s.feeds), name)
            # Only page-backed feeds fetch articles: the other demo links lead nowhere (.invalid).
            pages = any(str(i["link"]).startswith(PAGE_PREFIX)
                        for s in self.steps for i in s.feeds.get(name, {}).get("items", []))
            out.append(FeedConfig(url=f"{self.base_url}/feeds/{name}.xml", name=title,
                                  interval=timedelta(minutes=1),
                                  fetch_article="auto" if pages else "never"))
        return tuple(out)
