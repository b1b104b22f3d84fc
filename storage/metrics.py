"""Reads for the Prometheus exporter (bot/metrics.py): what one cycle queued and what failed."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import datetime

from storage.db import Database, to_db_time


async def update_kinds(db: Database, outbox_ids: Sequence[int]) -> Counter[str]:
    """How many updates of each kind these outbox rows are (review proposals count as 'review')."""
    counts: Counter[str] = Counter()
    ids = list(outbox_ids)
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        marks = ",".join("?" * len(chunk))
        rows = await db.fetchall(
            f"SELECT CASE WHEN proposal_id IS NULL THEN kind ELSE 'review' END, COUNT(*) "  # noqa: S608
            f"FROM outbox WHERE id IN ({marks}) GROUP BY 1", chunk)
        counts.update({r[0]: r[1] for r in rows})
    return counts


async def fetch_errors_since(db: Database, since: datetime) -> list[str]:
    """The errors of feeds polled since `since` that failed (one per feed)."""
    rows = await db.fetchall(
        "SELECT last_error FROM feeds WHERE last_poll_at >= ? AND last_error IS NOT NULL",
        (to_db_time(since),))
    return [r[0] for r in rows]
