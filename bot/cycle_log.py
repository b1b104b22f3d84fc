"""Record every finished poll cycle (when, how long, entries, updates) for `dossier health`,
`/admin status` and the metrics.

`recorded` wraps `Pipeline.run_cycle`, so console mode, Discord mode and the demo all record
the same way without the pipeline knowing about health. Observers (the Prometheus exporter)
are told about each cycle in the same place.
"""

from __future__ import annotations

import functools
import logging
import sqlite3
import time
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any, Protocol, TypeVar

from storage import health as health_store
from storage.db import Database, utcnow
from storage.health import CycleRecord

log = logging.getLogger(__name__)


class _Report(Protocol):
    polled: int
    failed: int
    new_articles: int
    revised_articles: int
    outbox_ids: list[int]


class _HasDb(Protocol):
    db: Database


R = TypeVar("R", bound=_Report)
Observer = Callable[[Database, CycleRecord, Any], Awaitable[None]]
_observers: list[Observer] = []


def add_observer(observer: Observer) -> None:
    """Await `observer(db, record, report)` after every recorded cycle (never raises into the loop)."""
    if observer not in _observers:
        _observers.append(observer)


def remove_observer(observer: Observer) -> None:
    if observer in _observers:
        _observers.remove(observer)


def recorded(method: Callable[..., Awaitable[R]]) -> Callable[..., Awaitable[R]]:
    """Wrap a `run_cycle(self, ...)` whose `self.db` is the database to record into."""

    @functools.wraps(method)
    async def run_cycle(self: _HasDb, *args: Any, **kwargs: Any) -> R:
        started = utcnow()
        t0 = time.monotonic()
        report = await method(self, *args, **kwargs)
        record = CycleRecord(
            started_at=started, finished_at=started + timedelta(seconds=time.monotonic() - t0),
            polled=report.polled, failed=report.failed,
            entries=report.new_articles + report.revised_articles, updates=len(report.outbox_ids),
        )
        try:
            await health_store.record_cycle(self.db, record)
        except sqlite3.Error as exc:  # `dossier health` reports the database; the loop goes on
            log.warning("could not record the poll cycle: %s", exc)
        for observer in list(_observers):
            try:
                await observer(self.db, record, report)
            except Exception:
                log.exception("cycle observer %r failed", observer)
        return report

    return run_cycle
