"""The outbox: updates waiting to be posted, and what became of each.

Rows are written before anything is posted; a sender marks them sent with the message id,
so a crash between posting and marking is caught by the row's fixed nonce.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from storage.db import Database, from_db_time, to_db_time, utcnow

PENDING = "pending"
SENT = "sent"
HELD = "held"  # cannot be delivered until an admin fixes the destination


@dataclass(frozen=True)
class OutboxRow:
    id: int
    guild_id: int
    topic_id: int | None
    claim_id: int | None
    article_id: int | None
    proposal_id: int | None
    kind: str
    payload: dict[str, Any]
    embed: dict[str, Any]
    backlog: bool
    state: str
    attempts: int
    last_error: str | None
    next_attempt_at: datetime | None
    channel_id: int | None
    message_id: int | None
    nonce: str
    created_at: datetime | None


def outbox_from_row(r: Any) -> OutboxRow:
    return OutboxRow(
        id=r["id"], guild_id=r["guild_id"], topic_id=r["topic_id"], claim_id=r["claim_id"],
        article_id=r["article_id"], proposal_id=r["proposal_id"], kind=r["kind"],
        payload=json.loads(r["payload"]), embed=json.loads(r["embed"]), backlog=bool(r["backlog"]),
        state=r["state"], attempts=r["attempts"], last_error=r["last_error"],
        next_attempt_at=from_db_time(r["next_attempt_at"]), channel_id=r["channel_id"],
        message_id=r["message_id"], nonce=r["nonce"], created_at=from_db_time(r["created_at"]),
    )


async def pending(db: Database, guild_id: int | None = None, *, now: datetime | None = None,
                  limit: int = 500) -> list[OutboxRow]:
    """Rows ready to post (state pending and not waiting for a retry), oldest first."""
    now_text = to_db_time(now or utcnow())
    if guild_id is None:
        rows = await db.fetchall(
            """SELECT * FROM outbox WHERE state = 'pending' AND guild_id != 0
               AND (next_attempt_at IS NULL OR next_attempt_at <= ?) ORDER BY id LIMIT ?""",
            (now_text, limit),
        )
    else:
        rows = await db.fetchall(
            """SELECT * FROM outbox WHERE state = 'pending' AND guild_id = ?
               AND (next_attempt_at IS NULL OR next_attempt_at <= ?) ORDER BY id LIMIT ?""",
            (guild_id, now_text, limit),
        )
    return [outbox_from_row(r) for r in rows]


async def mark_sent(db: Database, ids: list[int], *, channel_id: int | None = None,
                    message_id: int | None = None) -> None:
    now = to_db_time(utcnow())
    async with db.transaction() as conn:
        await conn.executemany(
            """UPDATE outbox SET state = 'sent', sent_at = ?, channel_id = ?, message_id = ?,
                   attempts = attempts + 1, last_error = NULL WHERE id = ?""",
            [(now, channel_id, message_id, i) for i in ids],
        )


async def mark_retry(db: Database, ids: list[int], *, error: str, retry_at: datetime) -> None:
    async with db.transaction() as conn:
        await conn.executemany(
            """UPDATE outbox SET attempts = attempts + 1, last_error = ?, next_attempt_at = ?
               WHERE id = ?""",
            [(error, to_db_time(retry_at), i) for i in ids],
        )


async def hold(db: Database, ids: list[int], *, error: str) -> None:
    """Keep undeliverable rows (deleted channel, missing permission) until fixed."""
    async with db.transaction() as conn:
        await conn.executemany(
            """UPDATE outbox SET state = 'held', attempts = attempts + 1, last_error = ?
               WHERE id = ?""",
            [(error, i) for i in ids],
        )


async def release_held(db: Database, guild_id: int) -> int:
    async with db.transaction() as conn:
        cur = await conn.execute(
            """UPDATE outbox SET state = 'pending', next_attempt_at = NULL
               WHERE state = 'held' AND guild_id = ?""",
            (guild_id,),
        )
        return cur.rowcount


async def sent_message_for_article(
    db: Database, guild_id: int, article_id: int, topic_id: int | None
) -> OutboxRow | None:
    """The message already posted for an article, so a revision edits it instead."""
    row = await db.fetchone(
        """SELECT * FROM outbox WHERE guild_id = ? AND article_id = ? AND topic_id IS ?
           AND state = 'sent' AND message_id IS NOT NULL ORDER BY id LIMIT 1""",
        (guild_id, article_id, topic_id),
    )
    return outbox_from_row(row) if row else None


async def recent(db: Database, guild_id: int, limit: int = 10, *,
                 include_proposals: bool = True) -> list[OutboxRow]:
    """The guild's latest outbox rows, newest first; without proposals (posts to the admins'
    review channel) unless asked: members must not see what only staff can read."""
    only_updates = "" if include_proposals else " AND proposal_id IS NULL"
    rows = await db.fetchall(
        f"SELECT * FROM outbox WHERE guild_id = ?{only_updates} ORDER BY id DESC LIMIT ?",  # noqa: S608
        (guild_id, limit),
    )
    return [outbox_from_row(r) for r in rows]


async def enqueue(db: Database, *, guild_id: int, topic_id: int | None, claim_id: int | None,
                  article_id: int | None, kind: str, payload: dict[str, Any],
                  embed: dict[str, Any], nonce: str) -> int | None:
    """Queue one update outside a poll cycle (e.g. an accepted proposal); None if already queued."""
    async with db.transaction() as conn:
        cur = await conn.execute(
            """INSERT INTO outbox (guild_id, topic_id, claim_id, article_id, kind, payload, embed,
                   nonce, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
               ON CONFLICT(nonce) DO NOTHING""",
            (guild_id, topic_id, claim_id, article_id, kind, json.dumps(payload), json.dumps(embed),
             nonce, to_db_time(utcnow())),
        )
        return int(cur.lastrowid) if cur.rowcount else None
