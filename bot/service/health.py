"""Is Dossier polling on time? `dossier health` (the container's healthcheck) and
`/admin status` (what an admin wants to see when updates seem late).

Healthy means: the database takes a write, and the last poll cycle finished within three
times the shortest feed interval, or the process started less than that ago (its first
cycle may still be running). Anything else is one line saying why.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.service.browse import FeedHealth, feed_health
from storage import health as health_store
from storage.db import Database, utcnow
from storage.health import CycleRecord

DEFAULT_INTERVAL = timedelta(minutes=15)  # feeds.yaml's default, when no feed is polled
GRACE_FACTOR = 3


@dataclass(frozen=True)
class HealthResult:
    ok: bool
    reason: str  # one line, for the exit message and the container's health log


def _ago(delta: timedelta) -> str:
    seconds = max(0, int(delta.total_seconds()))
    if seconds < 120:
        return f"{seconds}s"
    if seconds < 7200:
        return f"{seconds // 60}m"
    if seconds < 2 * 86400:
        return f"{seconds // 3600}h{seconds % 3600 // 60:02d}m"
    return f"{seconds // 86400}d"


async def check(db: Database, *, now: datetime | None = None) -> HealthResult:
    """Writable database and a recent poll cycle (see the module docstring)."""
    result, _last, _started = await _check(db, now or utcnow())
    return result


async def _check(db: Database, now: datetime) -> tuple[HealthResult, CycleRecord | None, datetime | None]:
    """The verdict, with the last cycle and the process start it was judged on."""
    last = await health_store.last_cycle(db)
    started = await health_store.process_started_at(db)
    try:
        await health_store.probe_write(db)
    except Exception as exc:  # any refusal (read-only file, full disk, lock) is the answer
        return HealthResult(False, f"database {db.path} is not writable: {exc}"), last, started
    interval = await health_store.shortest_interval(db) or DEFAULT_INTERVAL
    return _judge(now, interval, last, started), last, started


def _judge(now: datetime, interval: timedelta, last: CycleRecord | None,
           started: datetime | None) -> HealthResult:
    """The rule of the module docstring, on values already read (pure)."""
    limit = GRACE_FACTOR * interval
    rule = f"limit {_ago(limit)}: {GRACE_FACTOR} x the shortest feed interval, {_ago(interval)}"
    if last is not None and now - last.finished_at <= limit:
        return HealthResult(True, f"ok: last poll cycle finished {_ago(now - last.finished_at)} ago "
                                  f"({last.polled} feeds, {last.entries} entries, {last.updates} updates)")
    if started is not None and now - started <= limit and (last is None or last.finished_at < started):
        return HealthResult(True, f"ok: started {_ago(now - started)} ago, first poll cycle not finished yet")
    if last is None:
        if started is None:
            return HealthResult(False, "no poll cycle recorded: `dossier run` has not run on this database")
        return HealthResult(False, f"no poll cycle finished since the start {_ago(now - started)} ago "
                                   f"({rule})")
    return HealthResult(False, f"last poll cycle finished {_ago(now - last.finished_at)} ago ({rule})")


@dataclass(frozen=True)
class ServerStatus:
    """`/admin status`: the last cycle, this server's feeds in trouble, backlogs."""

    health: HealthResult
    last_cycle: CycleRecord | None
    process_started_at: datetime | None
    failing: list[FeedHealth]  # failed at their last poll, not paused
    paused: list[FeedHealth]
    feeds: int
    review_pending: int
    outbox_pending: int
    outbox_held: int


async def server_status(db: Database, guild_id: int) -> ServerStatus:
    report = await feed_health(db, guild_id)
    pending, held = await health_store.outbox_backlog(db, guild_id)
    health, last, started = await _check(db, utcnow())
    return ServerStatus(
        health=health,
        last_cycle=last,
        process_started_at=started,
        failing=[f for f in report.feeds if not f.paused and (f.failures or f.last_error)],
        paused=[f for f in report.feeds if f.paused],
        feeds=len(report.feeds),
        review_pending=await health_store.review_backlog(db, guild_id),
        outbox_pending=pending, outbox_held=held,
    )
