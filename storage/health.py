"""What `dossier health` and `/admin status` read: the last poll cycle, when the process
started, backlogs, and a write probe.

The last cycle and the process start are two rows of `meta` (JSON / ISO text): the health
check needs only the latest values, and they are written once per cycle, so no table grows.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta

from storage.db import Database, from_db_time, to_db_time, utcnow
from storage.delivery import get_meta, set_meta

LAST_CYCLE_KEY = "last_cycle"
PROCESS_START_KEY = "process_started_at"
PROBE_KEY = "health_probe_at"


@dataclass(frozen=True)
class CycleRecord:
    started_at: datetime
    finished_at: datetime
    polled: int  # feeds fetched
    failed: int  # feeds that failed
    entries: int  # new and revised articles
    updates: int  # outbox rows queued

    @property
    def duration(self) -> timedelta:
        return self.finished_at - self.started_at


async def record_cycle(db: Database, cycle: CycleRecord) -> None:
    await set_meta(db, LAST_CYCLE_KEY, json.dumps({
        "started_at": to_db_time(cycle.started_at), "finished_at": to_db_time(cycle.finished_at),
        "duration_s": round(cycle.duration.total_seconds(), 3), "polled": cycle.polled,
        "failed": cycle.failed, "entries": cycle.entries, "updates": cycle.updates,
    }))


async def last_cycle(db: Database) -> CycleRecord | None:
    raw = await get_meta(db, LAST_CYCLE_KEY)
    if not raw:
        return None
    try:
        data = json.loads(raw)
        started = from_db_time(data["started_at"])
        finished = from_db_time(data["finished_at"])
        if started is None or finished is None:
            return None
        # Seconds are stored with the times; keep the sub-second duration that was measured.
        started = finished - timedelta(seconds=float(data.get("duration_s", 0.0)))
        return CycleRecord(started, finished, int(data["polled"]), int(data["failed"]),
                           int(data["entries"]), int(data["updates"]))
    except (ValueError, KeyError, TypeError):
        return None


async def mark_process_start(db: Database, when: datetime | None = None) -> None:
    await set_meta(db, PROCESS_START_KEY, to_db_time(when or utcnow()) or "")


async def process_started_at(db: Database) -> datetime | None:
    return from_db_time(await get_meta(db, PROCESS_START_KEY))


async def shortest_interval(db: Database) -> timedelta | None:
    """The shortest interval among feeds that are polled (not paused)."""
    row = await db.fetchone("SELECT MIN(interval_s) FROM feeds WHERE paused_at IS NULL")
    return timedelta(seconds=row[0]) if row and row[0] is not None else None


async def probe_write(db: Database) -> None:
    """One small committed write: raises if the file, its directory or its lock refuse it."""
    await set_meta(db, PROBE_KEY, to_db_time(utcnow()) or "")


async def outbox_backlog(db: Database, guild_id: int | None = None) -> tuple[int, int]:
    """(pending, held) updates not yet posted, for one guild or for all of them."""
    sql = "SELECT state, COUNT(*) FROM outbox WHERE state IN ('pending', 'held')"
    params: tuple[int, ...] = ()
    if guild_id is not None:
        sql += " AND guild_id = ?"
        params = (guild_id,)
    counts = {r[0]: r[1] for r in await db.fetchall(sql + " GROUP BY state", params)}
    return counts.get("pending", 0), counts.get("held", 0)


async def review_backlog(db: Database, guild_id: int | None = None) -> int:
    sql = "SELECT COUNT(*) FROM proposals p JOIN topics t ON t.id = p.topic_id WHERE p.state = 'pending'"
    params: tuple[int, ...] = ()
    if guild_id is not None:
        sql += " AND t.guild_id = ?"
        params = (guild_id,)
    row = await db.fetchone(sql, params)
    return int(row[0])
