"""The semantic scorer's claim-wording embeddings, kept across restarts (migration 0009).

Storage sees bytes only: bot.match.semantic turns them into vectors and checks them (a row of
the wrong size or with non-finite values is skipped and embedded again), so numpy stays out of
storage/.
"""

from __future__ import annotations

from collections.abc import Mapping

from storage.db import Database, to_db_time, utcnow

KEEP = 20_000  # rows kept per model (the scorer's in-memory bound): ~31 MB at 384 floats


async def load(db: Database, model: str, *, limit: int = KEEP) -> dict[str, bytes]:
    """text -> vector bytes stored for `model` (the newest `limit`). Rows of other models
    (the weights changed) are deleted: they can never be read again."""
    async with db.transaction() as conn:
        await conn.execute("DELETE FROM wording_vectors WHERE model != ?", (model,))
    rows = await db.fetchall(
        "SELECT text, vector FROM wording_vectors WHERE model = ? ORDER BY stored_at DESC LIMIT ?",
        (model, limit))
    return {str(r[0]): bytes(r[1]) for r in rows}


async def store(db: Database, model: str, vectors: Mapping[str, bytes], *, keep: int = KEEP) -> None:
    """Add (or replace) rows in one transaction, then drop the oldest beyond `keep`."""
    if not vectors:
        return
    now = to_db_time(utcnow())
    async with db.transaction() as conn:
        await conn.executemany(
            "INSERT INTO wording_vectors (model, text, vector, stored_at) VALUES (?, ?, ?, ?) "
            "ON CONFLICT(model, text) DO UPDATE SET vector = excluded.vector, stored_at = excluded.stored_at",
            [(model, text, vector, now) for text, vector in vectors.items()])
        await conn.execute(
            "DELETE FROM wording_vectors WHERE model = ? AND text NOT IN ("
            " SELECT text FROM wording_vectors WHERE model = ? ORDER BY stored_at DESC LIMIT ?)",
            (model, model, keep))
