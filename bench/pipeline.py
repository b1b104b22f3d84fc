"""Throughput of one poll cycle (fetch -> parse -> store -> match -> outbox) on loopback.

Baseline, measured in the same run: feedparser alone on the same bytes, which is the
least any feed reader must pay. The ratio says what the rest of the pipeline costs on top.

    python bench/pipeline.py [--feeds 4] [--entries 500]
"""

from __future__ import annotations

import argparse
import asyncio
import platform
import random
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from xml.sax.saxutils import escape

import feedparser
from aiohttp import web

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.config import FeedConfig, load_config  # noqa: E402
from bot.fetch.client import Fetcher  # noqa: E402
from bot.pipeline import Pipeline  # noqa: E402
from bot.runner import bootstrap, thresholds_for  # noqa: E402
from bot.settings import Settings  # noqa: E402
from storage.db import Database  # noqa: E402

WORDS = (
    "cloud contract review data centre employees shareholders letter storage services company "
    "military unit report investigation protest vote proposal figures terabytes surveillance "
    "calls agency statement policy audit customers outage weather market"
).split()
ACTORS = ["Microsoft", "Azure", "Amazon", "Google", "Israel", "Unit 8200", "the ministry", "a union"]


def sentence(rng: random.Random) -> str:
    words = [rng.choice(ACTORS)] + [rng.choice(WORDS) for _ in range(rng.randint(10, 22))]
    return " ".join(words).capitalize() + "."


def feed_bytes(name: str, count: int, seed: int) -> bytes:
    rng = random.Random(seed)
    start = datetime(2026, 1, 1, tzinfo=UTC)
    items = []
    for i in range(count):
        body = " ".join(sentence(rng) for _ in range(rng.randint(4, 10)))
        items.append(
            f"<item><guid>{name}-{i}</guid><link>https://bench.invalid/{name}/{i}</link>"
            f"<title>{escape(sentence(rng))}</title>"
            f"<pubDate>{format_datetime(start + timedelta(minutes=i))}</pubDate>"
            f"<description>{escape(body)}</description></item>"
        )
    return (f"<?xml version='1.0'?><rss version='2.0'><channel><title>{name}</title>"
            f"{''.join(items)}</channel></rss>").encode()


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--feeds", type=int, default=4)
    parser.add_argument("--entries", type=int, default=500)
    args = parser.parse_args()
    bodies = {f"f{i}": feed_bytes(f"f{i}", args.entries, i) for i in range(args.feeds)}
    total = args.feeds * args.entries

    t0 = time.perf_counter()
    for body in bodies.values():
        feedparser.parse(body)
    baseline = time.perf_counter() - t0

    async def handle(request: web.Request) -> web.Response:
        body = bodies[request.match_info["name"]]
        if request.headers.get("If-None-Match") == '"v1"':
            return web.Response(status=304)
        return web.Response(body=body, content_type="application/rss+xml", headers={"ETag": '"v1"'})

    app = web.Application()
    app.router.add_get("/{name}.xml", handle)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    config = load_config(ROOT / "feeds.yaml")
    feeds = tuple(FeedConfig(f"http://127.0.0.1:{port}/{n}.xml", name=n) for n in bodies)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            async with await Database.open(Path(tmp) / "bench.db") as db:
                from dataclasses import replace

                await bootstrap(db, replace(config, feeds=feeds))
                async with Fetcher(allow_private=True) as fetcher:
                    pipe = Pipeline(db, fetcher, thresholds=thresholds_for(Settings()), guard=False)
                    t0 = time.perf_counter()
                    report = await pipe.run_cycle(force=True)
                    first = time.perf_counter() - t0
                    t0 = time.perf_counter()
                    again = await pipe.run_cycle(force=True)
                    second = time.perf_counter() - t0
    finally:
        await runner.cleanup()

    print(f"machine: {platform.machine()} {platform.processor() or ''} python {platform.python_version()}")
    print(f"{args.feeds} feeds x {args.entries} entries = {total} entries, "
          f"{sum(map(len, bodies.values())) / 1e6:.1f} MB of RSS")
    print(f"baseline  feedparser.parse alone : {baseline:7.3f} s  {total / baseline:8.0f} entries/s")
    print(f"pipeline  first cycle (all new)  : {first:7.3f} s  {total / first:8.0f} entries/s"
          f"  ratio {first / baseline:.2f}x baseline  ({report.new_articles} new, "
          f"{len(report.outbox_ids)} updates)")
    print(f"pipeline  second cycle (all 304) : {second:7.3f} s  ({again.not_modified} not modified)"
          f"  ratio {second / baseline:.3f}x baseline")


if __name__ == "__main__":
    asyncio.run(main())
