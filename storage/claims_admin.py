"""Admins' edits of a guild's topics and claims, and the guild-scoped claim reads behind /topic.

Every query is filtered by `guild_id` through the topics table, so a guessed key or id from
another server finds nothing. Every claim change goes through `storage.topics.save_claim` /
`add_revision`, so it is a revision with its actor ("admin:<user id>") and reason, written in
the same transaction as the change and its audit row.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import aiosqlite

from bot.models import ClaimState, Status
from storage.db import Database, from_db_time, to_db_time, utcnow
from storage.guilds import AuditEntry, escape_like, mark_declined, update_audited, write_audit
from storage.topics import (
    ClaimNotFoundError,
    DuplicateKeyError,
    TopicNotFoundError,
    add_revision,
    save_claim,
)

__all__ = [
    "ClaimNotFoundError",
    "ClaimRow",
    "DuplicateKeyError",
    "MergeResult",
    "NoChangeError",
    "TopicNotFoundError",
    "TopicSummaryRow",
]


class NoChangeError(ValueError):
    """The edit would leave the claim exactly as it is (no revision is written)."""


@dataclass(frozen=True)
class TopicSummaryRow:
    id: int
    key: str
    title: str
    keywords: tuple[tuple[str, ...], ...]
    exclude: tuple[str, ...]
    channel_id: int | None
    channel_error: str | None
    origin: str
    active_claims: int
    retired_claims: int
    last_change_at: datetime | None  # latest claim revision or topic edit


@dataclass(frozen=True)
class ClaimRow:
    id: int
    topic_id: int
    topic_key: str
    topic_title: str
    state: ClaimState
    retired_at: datetime | None
    merged_into: int | None
    merged_into_key: str | None
    created_at: datetime | None
    updated_at: datetime | None
    last_change_at: datetime | None  # newest revision


@dataclass(frozen=True)
class MergeResult:
    source: tuple[str, str]  # (topic key, claim key), now retired
    source_state: ClaimState
    target_before: ClaimState
    target_after: ClaimState
    target_rev: int
    moved_matches: int
    moved_proposals: int


def claim_state(r: Any) -> ClaimState:
    return ClaimState(
        key=r["key"], statement=r["statement"], status=Status(r["status"]),
        aliases=tuple(json.loads(r["aliases"])), figures=tuple(json.loads(r["figures"])),
        sources=tuple(json.loads(r["sources"])),
    )


_TOPIC_SUMMARY = """
    SELECT t.*,
      (SELECT COUNT(*) FROM claims c WHERE c.topic_id = t.id AND c.retired_at IS NULL) AS active,
      (SELECT COUNT(*) FROM claims c WHERE c.topic_id = t.id AND c.retired_at IS NOT NULL) AS retired,
      (SELECT MAX(r.created_at) FROM claim_revisions r JOIN claims c ON c.id = r.claim_id
        WHERE c.topic_id = t.id) AS last_revision
    FROM topics t WHERE t.guild_id = ?"""


def _topic_summary(r: Any) -> TopicSummaryRow:
    last = max(filter(None, [r["last_revision"], r["updated_at"]]), default=None)
    return TopicSummaryRow(
        id=r["id"], key=r["key"], title=r["title"],
        keywords=tuple(tuple(g) for g in json.loads(r["keywords"])),
        exclude=tuple(json.loads(r["exclude"])), channel_id=r["channel_id"],
        channel_error=r["channel_error"], origin=r["origin"], active_claims=r["active"],
        retired_claims=r["retired"], last_change_at=from_db_time(last),
    )


async def topic_summaries(db: Database, guild_id: int) -> list[TopicSummaryRow]:
    rows = await db.fetchall(_TOPIC_SUMMARY + " ORDER BY t.id", (guild_id,))
    return [_topic_summary(r) for r in rows]


async def topic_summary(db: Database, guild_id: int, key: str) -> TopicSummaryRow | None:
    row = await db.fetchone(_TOPIC_SUMMARY + " AND t.key = ?", (guild_id, key))
    return _topic_summary(row) if row else None


_CLAIM_SELECT = """
    SELECT c.*, t.key AS topic_key, t.title AS topic_title, m.key AS merged_into_key,
      (SELECT MAX(r.created_at) FROM claim_revisions r WHERE r.claim_id = c.id) AS last_revision
    FROM claims c JOIN topics t ON t.id = c.topic_id
    LEFT JOIN claims m ON m.id = c.merged_into
    WHERE t.guild_id = ?"""


def _claim_row(r: Any) -> ClaimRow:
    return ClaimRow(
        id=r["id"], topic_id=r["topic_id"], topic_key=r["topic_key"], topic_title=r["topic_title"],
        state=claim_state(r), retired_at=from_db_time(r["retired_at"]),
        merged_into=r["merged_into"], merged_into_key=r["merged_into_key"],
        created_at=from_db_time(r["created_at"]), updated_at=from_db_time(r["updated_at"]),
        last_change_at=from_db_time(r["last_revision"]),
    )


async def claims_of_topic(db: Database, guild_id: int, topic_key: str, *,
                          include_retired: bool = False) -> list[ClaimRow]:
    sql = _CLAIM_SELECT + " AND t.key = ?"
    if not include_retired:
        sql += " AND c.retired_at IS NULL"
    rows = await db.fetchall(sql + " ORDER BY c.id", (guild_id, topic_key))
    return [_claim_row(r) for r in rows]


async def get_claim(db: Database, guild_id: int, topic_key: str, claim_key: str) -> ClaimRow | None:
    """A claim of this guild (active or retired) by topic and claim key."""
    row = await db.fetchone(_CLAIM_SELECT + " AND t.key = ? AND c.key = ?",
                            (guild_id, topic_key, claim_key))
    return _claim_row(row) if row else None


async def search_claims(db: Database, guild_id: int, text: str, limit: int = 10) -> list[ClaimRow]:
    """Active claims whose key, statement or an alias contains `text` (case-insensitive ASCII)."""
    pattern = f"%{escape_like(text)}%"
    rows = await db.fetchall(
        _CLAIM_SELECT + """ AND c.retired_at IS NULL AND (
            c.key LIKE ? ESCAPE '\\' OR c.statement LIKE ? ESCAPE '\\'
            OR EXISTS (SELECT 1 FROM json_each(c.aliases) j WHERE j.value LIKE ? ESCAPE '\\'))
            ORDER BY t.id, c.id LIMIT ?""",  # noqa: S608 - constant SQL, values bound
        (guild_id, pattern, pattern, pattern, limit),
    )
    return [_claim_row(r) for r in rows]


# --- topics -----------------------------------------------------------------------------


async def add_topic(
    db: Database, guild_id: int, key: str, title: str, keywords: Sequence[Sequence[str]],
    exclude: Sequence[str] = (), *, audit: AuditEntry | None = None,
) -> int:
    now = to_db_time(utcnow())
    async with db.transaction() as conn:
        cur = await conn.execute("SELECT 1 FROM topics WHERE guild_id = ? AND key = ?", (guild_id, key))
        if await cur.fetchone():
            raise DuplicateKeyError(f"topic {key!r} exists")
        cur = await conn.execute(
            """INSERT INTO topics (guild_id, key, title, keywords, exclude, origin, created_at,
                   updated_at) VALUES (?, ?, ?, ?, ?, 'admin', ?, ?)""",
            (guild_id, key, title, json.dumps([list(g) for g in keywords]), json.dumps(list(exclude)),
             now, now),
        )
        await mark_declined(conn, guild_id, "topics", key, False)
        if audit:
            await write_audit(conn, audit)
        return int(cur.lastrowid or 0)


async def update_topic(
    db: Database, guild_id: int, key: str, *, title: str | None = None,
    keywords: Sequence[Sequence[str]] | None = None, exclude: Sequence[str] | None = None,
    audit: AuditEntry | None = None,
) -> bool:
    """Change a topic's title, keyword groups or excludes; False if the guild has no such topic.

    `config_hash` is left alone, so feeds.yaml overrides the edit only when the file's own
    definition of the topic changes.
    """
    sets, params = ["updated_at = ?"], [to_db_time(utcnow())]
    if title is not None:
        sets.append("title = ?")
        params.append(title)
    if keywords is not None:
        sets.append("keywords = ?")
        params.append(json.dumps([list(g) for g in keywords]))
    if exclude is not None:
        sets.append("exclude = ?")
        params.append(json.dumps(list(exclude)))
    return await update_audited(
        db, f"UPDATE topics SET {', '.join(sets)} WHERE guild_id = ? AND key = ?",  # noqa: S608
        (*params, guild_id, key), audit,
    )


async def remove_topic(db: Database, guild_id: int, key: str, *,
                       audit: AuditEntry | None = None) -> bool:
    """Delete a topic with its claims, revisions, matches and proposals.

    Unsent outbox rows for it are dropped (they could never be delivered without the topic);
    sent ones stay as history. A config topic is remembered as removed so a re-install
    does not bring it back.
    """
    async with db.transaction() as conn:
        cur = await conn.execute("SELECT id, origin FROM topics WHERE guild_id = ? AND key = ?",
                                 (guild_id, key))
        topic = await cur.fetchone()
        if topic is None:
            return False
        topic_id = topic["id"]
        await conn.execute(
            """UPDATE claims SET merged_into = NULL
               WHERE merged_into IN (SELECT id FROM claims WHERE topic_id = ?)""",
            (topic_id,),
        )
        await conn.execute("DELETE FROM outbox WHERE topic_id = ? AND state != 'sent'", (topic_id,))
        await conn.execute("DELETE FROM topics WHERE id = ?", (topic_id,))
        if topic["origin"] == "config":
            await mark_declined(conn, guild_id, "topics", key, True)
        if audit:
            await write_audit(conn, audit)
    return True


# --- claims -----------------------------------------------------------------------------


async def _active_claim(conn: aiosqlite.Connection, guild_id: int, topic_key: str,
                        claim_key: str) -> Any:
    cur = await conn.execute(
        """SELECT c.*, t.key AS topic_key FROM claims c JOIN topics t ON t.id = c.topic_id
           WHERE t.guild_id = ? AND t.key = ? AND c.key = ? AND c.retired_at IS NULL""",
        (guild_id, topic_key, claim_key),
    )
    row = await cur.fetchone()
    if row is None:
        raise ClaimNotFoundError(f"no active claim {topic_key}/{claim_key}")
    return row


async def add_claim(db: Database, guild_id: int, topic_key: str, state: ClaimState, *,
                    actor: str, reason: str, audit: AuditEntry | None = None) -> int:
    """Create a claim and its first revision; DuplicateKeyError if the key is taken (even retired)."""
    now = to_db_time(utcnow())
    async with db.transaction() as conn:
        cur = await conn.execute("SELECT id FROM topics WHERE guild_id = ? AND key = ?",
                                 (guild_id, topic_key))
        topic = await cur.fetchone()
        if topic is None:
            raise TopicNotFoundError(f"no topic {topic_key!r}")
        cur = await conn.execute("SELECT retired_at FROM claims WHERE topic_id = ? AND key = ?",
                                 (topic["id"], state.key))
        if (existing := await cur.fetchone()) is not None:
            raise DuplicateKeyError("retired" if existing["retired_at"] else "active")
        cur = await conn.execute(
            """INSERT INTO claims (topic_id, key, statement, status, aliases, figures, sources,
                   created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)""",
            (topic["id"], state.key, state.statement, state.status.value, json.dumps(state.aliases),
             json.dumps(state.figures), json.dumps(state.sources), now, now),
        )
        claim_id = int(cur.lastrowid or 0)
        await add_revision(conn, claim_id, state, kind="created", reason=reason, article_id=None,
                           actor=actor)
        if audit:
            await write_audit(conn, audit)
    return claim_id


async def update_claim(
    db: Database, guild_id: int, topic_key: str, claim_key: str,
    transform: Callable[[ClaimState], ClaimState], *, kind: str, reason: str, actor: str,
    audit: AuditEntry | None = None,
) -> tuple[ClaimState, ClaimState, int]:
    """Apply `transform` to the claim's current state inside one transaction.

    Reading and writing under the same write lock means a poll cycle cannot slip a revision
    in between and have it silently overwritten. Returns (before, after, revision number).
    """
    async with db.transaction() as conn:
        row = await _active_claim(conn, guild_id, topic_key, claim_key)
        before = claim_state(row)
        after = transform(before)
        if after == before:
            raise NoChangeError("unchanged")
        rev = await save_claim(conn, row["id"], after, kind=kind, reason=reason, article_id=None,
                               actor=actor)
        if audit:
            await write_audit(conn, audit)
    return before, after, rev


async def retire_claim(db: Database, guild_id: int, topic_key: str, claim_key: str, *,
                       reason: str, actor: str, audit: AuditEntry | None = None) -> int:
    """Stop matching a claim but keep its history (recorded as a 'retired' revision)."""
    now = to_db_time(utcnow())
    async with db.transaction() as conn:
        row = await _active_claim(conn, guild_id, topic_key, claim_key)
        await conn.execute("UPDATE claims SET retired_at = ?, updated_at = ? WHERE id = ?",
                           (now, now, row["id"]))
        rev = await add_revision(conn, row["id"], claim_state(row), kind="retired", reason=reason,
                                 article_id=None, actor=actor)
        if audit:
            await write_audit(conn, audit)
    return rev


def _union(first: Sequence[str], second: Sequence[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys([*first, *second]))


async def merge_claims(
    db: Database, guild_id: int, source: tuple[str, str], target: tuple[str, str], *,
    actor: str, reason: str, audit: AuditEntry | None = None,
) -> MergeResult:
    """Fold `source` (topic key, claim key) into `target`, both of this guild.

    The target gains the source's figures, sources and aliases (plus the source statement as
    an alias, so articles that matched it keep matching); the source is retired with
    `merged_into` set; its matches and proposals move to the target. One transaction.
    """
    now = to_db_time(utcnow())
    async with db.transaction() as conn:
        src = await _active_claim(conn, guild_id, *source)
        dst = await _active_claim(conn, guild_id, *target)
        if src["id"] == dst["id"]:
            raise ValueError("a claim cannot be merged into itself")
        src_state, before = claim_state(src), claim_state(dst)
        extra_aliases = [*src_state.aliases]
        if src_state.statement != before.statement:
            extra_aliases.append(src_state.statement)
        after = ClaimState(
            key=before.key, statement=before.statement, status=before.status,
            aliases=tuple(a for a in _union(before.aliases, extra_aliases) if a != before.statement),
            figures=_union(before.figures, src_state.figures),
            sources=_union(before.sources, src_state.sources),
        )
        rev = await save_claim(conn, dst["id"], after, kind="merge", reason=reason, article_id=None,
                               actor=actor)
        cur = await conn.execute("UPDATE OR IGNORE matches SET claim_id = ? WHERE claim_id = ?",
                                 (dst["id"], src["id"]))
        moved_matches = cur.rowcount
        await conn.execute("DELETE FROM matches WHERE claim_id = ?", (src["id"],))  # already on target
        cur = await conn.execute("UPDATE proposals SET claim_id = ?, topic_id = ? WHERE claim_id = ?",
                                 (dst["id"], dst["topic_id"], src["id"]))
        moved_proposals = cur.rowcount
        await conn.execute("UPDATE claims SET merged_into = ? WHERE merged_into = ?",
                           (dst["id"], src["id"]))
        await conn.execute(
            "UPDATE claims SET retired_at = ?, merged_into = ?, updated_at = ? WHERE id = ?",
            (now, dst["id"], now, src["id"]),
        )
        await add_revision(conn, src["id"], src_state, kind="merged",
                           reason=f"merged into {target[0]}/{target[1]}", article_id=None, actor=actor)
        if audit:
            await write_audit(conn, audit)
    return MergeResult(source, src_state, before, after, rev, moved_matches, moved_proposals)
