"""Feeds: what to poll, when, with which validators, and how healthy each one is."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cached_property
from typing import Any

import aiosqlite

from storage.db import Database, from_db_time, to_db_time, utcnow


class FeedExistsError(ValueError):
    """The feed URL is already tracked."""


class FeedNotFoundError(LookupError):
    """No feed with that URL."""


@dataclass(frozen=True)
class FeedRow:
    id: int
    url: str
    name: str | None
    interval: timedelta
    origin: str
    etag: str | None
    last_modified: str | None
    next_poll_at: datetime | None
    last_poll_at: datetime | None
    last_ok_at: datetime | None
    last_status: int | None
    last_error: str | None
    failures: int
    polls_ok: int
    paused_at: datetime | None
    paused_reason: str | None
    digests_json: str | None = None  # the last document's items as stored: see item_digests

    @cached_property
    def item_digests(self) -> frozenset[str]:
        """The digests of the last document's items (parse only the new ones), decoded on first
        use: by the parse thread, for a feed that changed; a cycle of 304s decodes none (at
        1,000 feeds ~5 ms of the event loop per cycle)."""
        return frozenset(json.loads(self.digests_json or "[]"))

    @property
    def display_name(self) -> str:
        return self.name or self.url

    @property
    def paused(self) -> bool:
        return self.paused_at is not None


def feed_from_row(r: Any) -> FeedRow:
    return FeedRow(
        id=r["id"], url=r["url"], name=r["name"], interval=timedelta(seconds=r["interval_s"]),
        origin=r["origin"], etag=r["etag"], last_modified=r["last_modified"],
        next_poll_at=from_db_time(r["next_poll_at"]), last_poll_at=from_db_time(r["last_poll_at"]),
        last_ok_at=from_db_time(r["last_ok_at"]), last_status=r["last_status"],
        last_error=r["last_error"], failures=r["failures"], polls_ok=r["polls_ok"],
        paused_at=from_db_time(r["paused_at"]), paused_reason=r["paused_reason"],
        digests_json=r["item_digests"],
    )


async def sync_config_feeds(db: Database, feeds: Sequence[Any]) -> None:
    """Insert the file's feeds; keep the name and interval of config feeds in step with it.

    Feeds removed from the file are left alone: an admin may have subscribed to them, and
    polling state is history worth keeping. Admin-added feeds are never touched here.
    """
    now = to_db_time(utcnow())
    async with db.transaction() as conn:
        await conn.executemany(
            """INSERT INTO feeds (url, name, interval_s, origin, created_at)
               VALUES (?, ?, ?, 'config', ?)
               ON CONFLICT(url) DO UPDATE SET name = excluded.name,
                   interval_s = excluded.interval_s
               WHERE feeds.origin = 'config'""",
            [(f.url, f.name, int(f.interval.total_seconds()), now) for f in feeds],
        )


REMOVED_FROM_FILE = "removed from feeds.yaml"


async def pause_removed_config_feeds(db: Database, urls: Sequence[str]) -> list[str]:
    """Stop polling the file's feeds that it no longer lists, unless a server subscribes to
    them (on Discord its admins decide); resume those it lists again. Paused, not deleted:
    their articles and polling history stay. Returns one line per change, for the log."""
    listed = set(urls)
    said = []
    async with db.transaction() as conn:
        cur = await conn.execute(
            """SELECT id, url, paused_at, paused_reason FROM feeds f WHERE origin = 'config'
                   AND NOT EXISTS (SELECT 1 FROM subscriptions s WHERE s.feed_id = f.id)""")
        for row in await cur.fetchall():
            if row["url"] not in listed and row["paused_at"] is None:
                await conn.execute("UPDATE feeds SET paused_at = ?, paused_reason = ? WHERE id = ?",
                                   (to_db_time(utcnow()), REMOVED_FROM_FILE, row["id"]))
                said.append(f"feed {row['url']} is no longer in feeds.yaml: not polled (kept)")
            elif row["url"] in listed and row["paused_reason"] == REMOVED_FROM_FILE:
                await conn.execute(
                    """UPDATE feeds SET paused_at = NULL, paused_reason = NULL, failures = 0,
                           next_poll_at = NULL WHERE id = ?""", (row["id"],))
                said.append(f"feed {row['url']} is back in feeds.yaml: polled again")
    return said


async def add_feed(
    db: Database, url: str, *, name: str | None, interval: timedelta, origin: str = "admin"
) -> FeedRow:
    async with db.transaction() as conn:
        cur = await conn.execute("SELECT 1 FROM feeds WHERE url = ?", (url,))
        if await cur.fetchone():
            raise FeedExistsError(f"{url} is already tracked")
        await conn.execute(
            "INSERT INTO feeds (url, name, interval_s, origin, created_at) VALUES (?, ?, ?, ?, ?)",
            (url, name, int(interval.total_seconds()), origin, to_db_time(utcnow())),
        )
    return await get_feed(db, url)


async def get_feed(db: Database, url: str) -> FeedRow:
    row = await db.fetchone("SELECT * FROM feeds WHERE url = ?", (url,))
    if row is None:
        raise FeedNotFoundError(f"no feed {url}")
    return feed_from_row(row)


async def all_feeds(db: Database) -> list[FeedRow]:
    return [feed_from_row(r) for r in await db.fetchall("SELECT * FROM feeds ORDER BY id")]


async def due_feeds(db: Database, now: datetime | None = None, *,
                    subscribed_only: bool = False) -> list[FeedRow]:
    """Unpaused feeds whose next poll is due (every unpaused feed when `now` is None).

    With `subscribed_only` (Discord mode), a feed is polled only while some guild has an
    unpaused subscription to it.
    """
    sql = "SELECT * FROM feeds f WHERE f.paused_at IS NULL"
    params: list[Any] = []
    if now is not None:
        sql += " AND (f.next_poll_at IS NULL OR f.next_poll_at <= ?)"
        params.append(to_db_time(now))
    if subscribed_only:
        sql += """ AND EXISTS (SELECT 1 FROM subscriptions s WHERE s.feed_id = f.id
                               AND s.paused_at IS NULL)"""
    rows = await db.fetchall(sql + " ORDER BY f.id", params)
    return [feed_from_row(r) for r in rows]


async def subscribers(db: Database) -> dict[int, set[int]]:
    """feed id -> guilds with an unpaused subscription (whose topics see its articles)."""
    out: dict[int, set[int]] = {}
    for r in await db.fetchall("SELECT feed_id, guild_id FROM subscriptions WHERE paused_at IS NULL"):
        out.setdefault(r[0], set()).add(r[1])
    return out


async def next_due_at(db: Database) -> datetime | None:
    row = await db.fetchone("SELECT MIN(next_poll_at) FROM feeds WHERE paused_at IS NULL")
    return from_db_time(row[0]) if row else None


@dataclass(frozen=True)
class PollRecord:
    """The outcome of one poll: validators, schedule, failure count, pause."""

    feed_id: int
    now: datetime
    next_poll_at: datetime
    status: int
    ok: bool
    error: str | None
    etag: str | None
    last_modified: str | None
    failures: int
    pause_reason: str | None = None
    item_digests: tuple[str, ...] | None = None  # None: keep the stored ones


_RECORD_POLL = """UPDATE feeds SET last_poll_at = ?, next_poll_at = ?, last_status = ?,
       last_error = ?, failures = ?, etag = ?, last_modified = ?,
       last_ok_at = CASE WHEN ? THEN ? ELSE last_ok_at END,
       polls_ok = polls_ok + ?,
       paused_at = CASE WHEN ? IS NOT NULL THEN ? ELSE paused_at END,
       paused_reason = COALESCE(?, paused_reason),
       item_digests = COALESCE(?, item_digests)
   WHERE id = ?"""


def _poll_params(r: PollRecord) -> tuple[Any, ...]:
    return (
        to_db_time(r.now), to_db_time(r.next_poll_at), r.status, r.error, r.failures, r.etag,
        r.last_modified, r.ok, to_db_time(r.now), 1 if r.ok else 0, r.pause_reason,
        to_db_time(r.now), r.pause_reason,
        None if r.item_digests is None else json.dumps(list(r.item_digests)), r.feed_id,
    )


async def write_polls(conn: aiosqlite.Connection, records: Sequence[PollRecord]) -> None:
    """Inside a caller's transaction: a changed feed's validators commit with its entries."""
    if records:
        await conn.executemany(_RECORD_POLL, [_poll_params(r) for r in records])


async def record_polls(db: Database, records: Sequence[PollRecord]) -> None:
    """Store many polls in one transaction (the unchanged and failed feeds of a cycle)."""
    if records:
        async with db.transaction() as conn:
            await write_polls(conn, records)


async def record_poll(
    db: Database,
    feed_id: int,
    *,
    now: datetime,
    next_poll_at: datetime,
    status: int,
    ok: bool,
    error: str | None,
    etag: str | None,
    last_modified: str | None,
    failures: int,
    pause_reason: str | None = None,
) -> None:
    """Store the outcome of one poll."""
    await record_polls(db, [PollRecord(feed_id, now, next_poll_at, status, ok, error, etag,
                                       last_modified, failures, pause_reason)])


async def set_paused(db: Database, url: str, paused: bool, *, reason: str | None = None) -> FeedRow:
    """Pause or resume a feed; resuming clears the failure count so it is polled at once."""
    async with db.transaction() as conn:
        if paused:
            cur = await conn.execute(
                "UPDATE feeds SET paused_at = ?, paused_reason = ? WHERE url = ?",
                (to_db_time(utcnow()), reason or "paused by an admin", url),
            )
        else:
            cur = await conn.execute(
                """UPDATE feeds SET paused_at = NULL, paused_reason = NULL, failures = 0,
                       next_poll_at = NULL WHERE url = ?""",
                (url,),
            )
        if cur.rowcount == 0:
            raise FeedNotFoundError(f"no feed {url}")
    return await get_feed(db, url)


async def remove_feed(db: Database, url: str) -> None:
    async with db.transaction() as conn:
        cur = await conn.execute("DELETE FROM feeds WHERE url = ?", (url,))
        if cur.rowcount == 0:
            raise FeedNotFoundError(f"no feed {url}")
