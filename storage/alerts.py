"""Role alerts per topic (migration 0006_role_alerts): which role to mention, for which kinds of update."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

from storage.db import Database
from storage.guilds import AuditEntry, write_audit
from storage.topics import TopicNotFoundError


@dataclass(frozen=True)
class Alert:
    role_id: int | None
    kinds: tuple[str, ...]


async def topic_alert(db: Database, topic_id: int | None) -> Alert:
    row = await db.fetchone("SELECT alert_role_id, alert_kinds FROM topics WHERE id = ?", (topic_id,))
    if row is None:
        return Alert(None, ())
    return Alert(row[0], tuple(json.loads(row[1] or "[]")))


async def alert_by_key(db: Database, guild_id: int, topic_key: str) -> Alert:
    row = await db.fetchone("SELECT id FROM topics WHERE guild_id = ? AND key = ?", (guild_id, topic_key))
    if row is None:
        raise TopicNotFoundError(topic_key)
    return await topic_alert(db, row[0])


async def set_alert(db: Database, guild_id: int, topic_key: str, role_id: int | None,
                    kinds: Sequence[str], audit: AuditEntry) -> None:
    async with db.transaction() as conn:
        cur = await conn.execute(
            "UPDATE topics SET alert_role_id = ?, alert_kinds = ? WHERE guild_id = ? AND key = ?",
            (role_id, json.dumps(list(kinds)), guild_id, topic_key))
        if cur.rowcount == 0:
            raise TopicNotFoundError(topic_key)
        await write_audit(conn, audit)
