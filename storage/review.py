"""The review queue: changes the matcher was not sure about, waiting for a guild's admins.

Proposals belong to a guild through their topic; every query joins `topics` on `guild_id`
so an admin can only list or decide their own server's proposals, whatever id they send.
A decision is written with a `state = 'pending'` guard in one transaction (with the claim
revision, the match removal and the audit row), so two admins pressing buttons at once
cannot both decide the same proposal.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.models import ClaimState
from storage.claims_admin import claim_state
from storage.db import Database, from_db_time, to_db_time, utcnow
from storage.examples import add_example
from storage.guilds import AuditEntry, write_audit
from storage.topics import save_claim

PENDING = "pending"
# superseded: closed by the bot when a newer article's update outdated it (storage.outcomes)
DECIDED_STATES = ("accepted", "rejected", "unrelated", "superseded")


class ProposalNotFoundError(LookupError):
    """No proposal with that id in this guild."""


class AlreadyDecidedError(ValueError):
    """The proposal was decided before; `state` and `decided_by` say how and by whom."""

    def __init__(self, state: str, decided_by: str | None) -> None:
        super().__init__(f"already {state}")
        self.state = state
        self.decided_by = decided_by


class ClaimUnavailableError(ValueError):
    """The proposal's claim was retired (or deleted), so there is nothing to apply it to."""


@dataclass(frozen=True)
class ProposalRow:
    id: int
    guild_id: int
    topic_id: int
    topic_key: str
    topic_title: str
    claim_id: int | None
    claim_key: str | None
    claim_statement: str | None
    article_id: int | None
    article_url: str | None
    article_title: str | None
    article_source: str | None
    kind: str
    before: str | None
    after: str | None
    score: float
    evidence: str
    payload: dict[str, Any]
    state: str
    decided_by: str | None
    decided_at: datetime | None
    created_at: datetime | None


_SELECT = """
    SELECT p.*, t.guild_id, t.key AS topic_key, t.title AS topic_title,
           c.key AS claim_key, c.statement AS claim_statement,
           a.url AS article_url, a.title AS article_title, a.source AS article_source
    FROM proposals p JOIN topics t ON t.id = p.topic_id
    LEFT JOIN claims c ON c.id = p.claim_id
    LEFT JOIN articles a ON a.id = p.article_id
    WHERE t.guild_id = ?"""


def _row(r: Any) -> ProposalRow:
    try:
        payload = json.loads(r["payload"])
    except ValueError:
        payload = {}
    return ProposalRow(
        id=r["id"], guild_id=r["guild_id"], topic_id=r["topic_id"], topic_key=r["topic_key"],
        topic_title=r["topic_title"], claim_id=r["claim_id"], claim_key=r["claim_key"],
        claim_statement=r["claim_statement"], article_id=r["article_id"],
        article_url=r["article_url"], article_title=r["article_title"],
        article_source=r["article_source"], kind=r["kind"], before=r["before_value"],
        after=r["after_value"], score=r["score"], evidence=r["evidence"],
        payload=payload if isinstance(payload, dict) else {}, state=r["state"],
        decided_by=r["decided_by"], decided_at=from_db_time(r["decided_at"]),
        created_at=from_db_time(r["created_at"]),
    )


async def pending_proposals(db: Database, guild_id: int, *, offset: int = 0,
                            limit: int = 25) -> list[ProposalRow]:
    """Oldest first: the queue is worked through in the order changes arrived."""
    rows = await db.fetchall(_SELECT + " AND p.state = 'pending' ORDER BY p.id LIMIT ? OFFSET ?",
                             (guild_id, limit, offset))
    return [_row(r) for r in rows]


async def count_pending(db: Database, guild_id: int) -> int:
    row = await db.fetchone(
        """SELECT COUNT(*) FROM proposals p JOIN topics t ON t.id = p.topic_id
           WHERE t.guild_id = ? AND p.state = 'pending'""",
        (guild_id,),
    )
    return int(row[0])


async def get_proposal(db: Database, guild_id: int, proposal_id: int) -> ProposalRow | None:
    row = await db.fetchone(_SELECT + " AND p.id = ?", (guild_id, proposal_id))
    return _row(row) if row else None


@dataclass(frozen=True)
class Decided:
    proposal: ProposalRow  # as it was before the decision
    before: ClaimState | None  # the claim before an accept
    after: ClaimState | None
    rev: int | None  # the claim revision an accept wrote
    unmatched: bool  # the article's match to the claim was removed
    example_id: int | None = None  # the claim example the decision taught (None: none, or known)


async def decide_proposal(
    db: Database, guild_id: int, proposal_id: int, *, state: str, decided_by: str,
    apply: Callable[[ProposalRow, ClaimState], tuple[ClaimState, str]] | None = None,
    actor: str = "", unmatch: bool = False, audit: AuditEntry | None = None,
    learn: str | None = None, match: bool = False, label: bool = False,
) -> Decided:
    """Record a decision; with `apply` (accept), write the claim's next state as a revision.

    `apply(proposal, current claim)` returns (new state, reason); it runs inside the
    transaction, on the claim as it is now, not as it was when the proposal was made.
    `learn` ("positive" | "negative") stores the proposal's evidence as an example of its
    claim, in the same transaction, so a decision and what it taught cannot part. `match`
    (a "yes" to a match check) records the article as a match of the claim if it was not one;
    `label` keeps the proposal's score with the example (a label for the claim's match bar).
    """
    if state not in DECIDED_STATES:
        raise ValueError(f"unknown decision state {state!r}")
    async with db.transaction() as conn:
        cur = await conn.execute(_SELECT + " AND p.id = ?", (guild_id, proposal_id))
        row = await cur.fetchone()
        if row is None:
            raise ProposalNotFoundError(f"no proposal {proposal_id}")
        proposal = _row(row)
        if proposal.state != PENDING:
            raise AlreadyDecidedError(proposal.state, proposal.decided_by)
        before = after = None
        rev = None
        if apply is not None:
            cur = await conn.execute(
                "SELECT * FROM claims WHERE id = ? AND retired_at IS NULL", (proposal.claim_id,)
            )
            claim = await cur.fetchone()
            if claim is None:
                raise ClaimUnavailableError(f"claim of proposal {proposal_id} is not active")
            before = claim_state(claim)
            after, reason = apply(proposal, before)
            rev = await save_claim(conn, claim["id"], after, kind=proposal.kind, reason=reason,
                                   article_id=proposal.article_id, actor=actor)
        await conn.execute(
            """UPDATE proposals SET state = ?, decided_by = ?, decided_at = ?
               WHERE id = ? AND state = 'pending'""",
            (state, decided_by, to_db_time(utcnow()), proposal_id),
        )
        unmatched = False
        if unmatch and proposal.article_id is not None and proposal.claim_id is not None:
            cur = await conn.execute("DELETE FROM matches WHERE article_id = ? AND claim_id = ?",
                                     (proposal.article_id, proposal.claim_id))
            unmatched = cur.rowcount > 0
        if match and proposal.article_id is not None and proposal.claim_id is not None:
            await conn.execute(
                """INSERT INTO matches (article_id, claim_id, score, evidence, created_at)
                   SELECT ?, id, ?, ?, ? FROM claims WHERE id = ?
                   ON CONFLICT(article_id, claim_id) DO NOTHING""",
                (proposal.article_id, proposal.score, proposal.evidence, to_db_time(utcnow()),
                 proposal.claim_id))
        example_id = None
        if learn and proposal.claim_id is not None:
            cur = await conn.execute("SELECT 1 FROM claims WHERE id = ?", (proposal.claim_id,))
            if await cur.fetchone() is not None:
                example_id = await add_example(conn, proposal.claim_id, learn, proposal.evidence,
                                               proposal_id=proposal.id, article_id=proposal.article_id,
                                               actor=actor, score=proposal.score if label else None)
        if audit:
            await write_audit(conn, audit)
    return Decided(proposal, before, after, rev, unmatched, example_id)
