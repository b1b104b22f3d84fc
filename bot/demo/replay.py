"""`dossier run --demo`: replay feed snapshots about the story from a loopback server.

Each step file in `snapshots/` says what every demo feed shows at one moment; the demo
serves step 1, runs a poll cycle, moves to step 2, and so on, so a newcomer with no
internet sees the real pipeline find the story and post what changed. The server
answers conditional GETs like a well-behaved publisher.
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


def render_rss(feed: dict[str, Any]) -> bytes:
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
            f"<link>{escape(item['link'])}</link>"
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
        body = render_rss(feed)
        etag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'
        if request.headers.get("If-None-Match") == etag:
            return web.Response(status=304, headers={"ETag": etag})
        return web.Response(body=body, headers={"ETag": etag},
                            content_type="application/rss+xml", charset="utf-8")

    async def __aenter__(self) -> ReplayServer:
        app = web.Application()
        app.router.add_get("/feeds/{name}.xml", self._handle)
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
            out.append(FeedConfig(url=f"{self.base_url}/feeds/{name}.xml", name=title,
                                  interval=timedelta(minutes=1)))
        return tuple(out)
