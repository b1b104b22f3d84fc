"""Claim examples learnt from review decisions: positive wordings and "not related" negatives.

The matcher reads them with the claims (storage/topics.py puts them on ClaimState); the
review queue writes them in the transaction that records the decision; admins list and
remove them (undo).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

import aiosqlite

from storage.db import Database, from_db_time, to_db_time, utcnow
from storage.guilds import AuditEntry, write_audit

POSITIVE = "positive"
NEGATIVE = "negative"
KINDS = (POSITIVE, NEGATIVE)
MAX_PER_KIND = 25  # the newest examples of each kind a claim is matched with: bounds matching cost
MAX_TEXT = 600  # an evidence window is one or two sentences; longer text is cut, not refused


@dataclass(frozen=True)
class ExampleRow:
    id: int
    claim_id: int
    kind: str  # positive | negative
    text: str
    proposal_id: int | None
    article_id: int | None
    article_url: str | None
    article_title: str | None
    actor: str
    created_at: datetime | None
    score: float | None = None  # the claim's score when decided (a label for its match bar)


def clip(text: str) -> str:
    """One line, at most MAX_TEXT characters (cut at a word)."""
    text = " ".join((text or "").split())
    if len(text) <= MAX_TEXT:
        return text
    return text[:MAX_TEXT].rsplit(" ", 1)[0]


async def add_example(conn: aiosqlite.Connection, claim_id: int, kind: str, text: str, *,
                      proposal_id: int | None, article_id: int | None, actor: str,
                      score: float | None = None) -> int | None:
    """Inside the caller's transaction; the id of the new row, None when it was already known.
    `score`: the claim's score when the decision was made, kept as a label (bot/match/learnt.py)."""
    if kind not in KINDS:
        raise ValueError(f"unknown example kind {kind!r}")
    text = clip(text)
    if not text:
        return None
    cur = await conn.execute(
        """INSERT INTO claim_examples (claim_id, kind, text, proposal_id, article_id, actor, created_at,
                                        score)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (claim_id, kind, text) DO NOTHING""",
        (claim_id, kind, text, proposal_id, article_id, actor, to_db_time(utcnow()), score),
    )
    return int(cur.lastrowid) if cur.rowcount > 0 and cur.lastrowid else None


_SELECT = """
    SELECT e.*, a.url AS article_url, a.title AS article_title
    FROM claim_examples e LEFT JOIN articles a ON a.id = e.article_id"""


def _row(r: aiosqlite.Row) -> ExampleRow:
    return ExampleRow(
        id=r["id"], claim_id=r["claim_id"], kind=r["kind"], text=r["text"],
        proposal_id=r["proposal_id"], article_id=r["article_id"], article_url=r["article_url"],
        article_title=r["article_title"], actor=r["actor"], created_at=from_db_time(r["created_at"]),
        score=r["score"],
    )


async def examples_of_claim(db: Database, claim_id: int) -> list[ExampleRow]:
    """Every example of one claim, oldest first (the ones the matcher uses are the newest)."""
    rows = await db.fetchall(_SELECT + " WHERE e.claim_id = ? ORDER BY e.id", (claim_id,))
    return [_row(r) for r in rows]


@dataclass(frozen=True)
class Learnt:
    """What the matcher reads of one claim's examples."""

    positive: tuple[str, ...]  # texts, oldest first
    negative: tuple[str, ...]
    labels: tuple[tuple[float, bool], ...]  # (score, positive) of the examples with a score


async def texts_for_claims(db: Database, claim_ids: Iterable[int]) -> dict[int, Learnt]:
    """{claim id: Learnt}, from the newest MAX_PER_KIND examples of each kind, oldest first."""
    ids = sorted(set(claim_ids))
    out: dict[int, dict[str, list[str]]] = defaultdict(lambda: {POSITIVE: [], NEGATIVE: []})
    labels: dict[int, list[tuple[float, bool]]] = defaultdict(list)
    for start in range(0, len(ids), 500):  # stay under SQLite's bound-parameter limit
        chunk = ids[start:start + 500]
        marks = ",".join("?" * len(chunk))
        rows = await db.fetchall(
            f"""SELECT claim_id, kind, text, score FROM (
                    SELECT claim_id, kind, text, score, id, ROW_NUMBER() OVER (
                        PARTITION BY claim_id, kind ORDER BY id DESC) AS newest
                    FROM claim_examples WHERE claim_id IN ({marks}))
                WHERE newest <= ? ORDER BY id""",  # noqa: S608 - only "?" marks are formatted in
            (*chunk, MAX_PER_KIND),
        )
        for r in rows:
            out[r["claim_id"]][r["kind"]].append(r["text"])
            if r["score"] is not None:
                labels[r["claim_id"]].append((float(r["score"]), r["kind"] == POSITIVE))
    return {cid: Learnt(tuple(kinds[POSITIVE]), tuple(kinds[NEGATIVE]), tuple(labels[cid]))
            for cid, kinds in out.items()}


async def remove_example(db: Database, claim_id: int, example_id: int, *,
                         audit: AuditEntry | None = None) -> ExampleRow | None:
    """Delete one example of this claim (undo); the removed row, None when there was none."""
    async with db.transaction() as conn:
        cur = await conn.execute(_SELECT + " WHERE e.id = ? AND e.claim_id = ?", (example_id, claim_id))
        row = await cur.fetchone()
        if row is None:
            return None
        await conn.execute("DELETE FROM claim_examples WHERE id = ?", (example_id,))
        if audit:
            await write_audit(conn, audit)
    return _row(row)
