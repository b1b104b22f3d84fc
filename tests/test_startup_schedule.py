"""What console and Discord mode share at start: feeds.yaml's feeds synced with their fetch
mode, and how long the poll loop sleeps between cycles (bot/startup.py)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from bot.config import Config, FeedConfig
from bot.startup import MAX_SLEEP, MIN_SLEEP, seconds_to_next_poll, sync_feeds
from storage import article_pages, feeds
from storage.db import utcnow

FEED_A = "https://news.example/a.xml"
FEED_B = "https://news.example/b.xml"


def config_of(*feeds_: FeedConfig) -> Config:
    return Config(path=Path("feeds.yaml"), feeds=feeds_, topics=())


async def due_in(db, url: str, delta: timedelta) -> None:
    now = utcnow()
    await feeds.record_poll(db, (await feeds.get_feed(db, url)).id, now=now, next_poll_at=now + delta,
                            status=200, ok=True, error=None, etag=None, last_modified=None, failures=0)


async def test_the_loop_sleeps_until_the_next_feed_is_due_within_its_bounds(db) -> None:
    assert await seconds_to_next_poll(db) == MAX_SLEEP.total_seconds()  # no feed at all
    await sync_feeds(db, config_of(FeedConfig(FEED_A), FeedConfig(FEED_B)))
    await due_in(db, FEED_A, timedelta(minutes=30))
    await due_in(db, FEED_B, timedelta(seconds=20))
    assert 15 < await seconds_to_next_poll(db) <= 20  # the sooner of the two
    await due_in(db, FEED_B, -timedelta(minutes=5))  # overdue: a short pause, never a busy loop
    assert await seconds_to_next_poll(db) == MIN_SLEEP.total_seconds()
    await due_in(db, FEED_B, timedelta(hours=2))
    await due_in(db, FEED_A, timedelta(hours=1))  # far off: wake up anyway for added feeds
    assert await seconds_to_next_poll(db) == MAX_SLEEP.total_seconds()


async def test_sync_feeds_stores_each_feeds_fetch_mode(db) -> None:
    await sync_feeds(db, config_of(FeedConfig(FEED_A, fetch_article="never"), FeedConfig(FEED_B)))
    ids = {f.url: f.id for f in await feeds.all_feeds(db)}
    assert set(ids) == {FEED_A, FEED_B}
    modes = await article_pages.fetch_modes(db)
    assert (modes[ids[FEED_A]], modes[ids[FEED_B]]) == ("never", "auto")  # unset: the default
