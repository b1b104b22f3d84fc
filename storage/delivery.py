"""Where updates go on Discord, and what happened when they could not get there."""

from __future__ import annotations

from dataclasses import dataclass

from storage.db import Database

# `meta` key of the semantic scorer's state for feed health (off / on / unavailable: why); written
# at start (bot.startup), read by `dossier health` and /admin status (bot.service.browse)
SEMANTIC_STATUS_KEY = "semantic.status"


@dataclass(frozen=True)
class Destination:
    guild_id: int
    topic_id: int | None
    topic_key: str | None
    channel_id: int | None  # None: no channel configured yet (rows stay pending)
    is_review: bool  # the admins' review channel rather than the topic's channel
    broken: str | None = None  # why the channel cannot be used, until an admin fixes it


async def destination(db: Database, guild_id: int, topic_id: int | None,
                      review: bool) -> Destination:
    """Review proposals go to the guild's admin channel, updates to the topic's channel."""
    topic = await db.fetchone("SELECT key, channel_id, channel_error FROM topics WHERE id = ?",
                              (topic_id,))
    if review:
        channel = await admin_channel(db, guild_id)
    else:
        channel = topic["channel_id"] if topic else None
    broken = topic["channel_error"] if topic and not review else None
    return Destination(guild_id, topic_id, topic["key"] if topic else None, channel, review, broken)


async def admin_channel(db: Database, guild_id: int) -> int | None:
    row = await db.fetchone("SELECT admin_channel_id FROM guilds WHERE guild_id = ?", (guild_id,))
    return row[0] if row else None


async def mark_channel_broken(db: Database, guild_id: int, channel_id: int, error: str) -> bool:
    """Flag every topic posting to a channel we cannot use; True if it was not flagged yet."""
    async with db.transaction() as conn:
        cur = await conn.execute(
            """UPDATE topics SET channel_error = ? WHERE guild_id = ? AND channel_id = ?
               AND channel_error IS NULL""",
            (error, guild_id, channel_id),
        )
        return cur.rowcount > 0


async def mark_channel_ok(db: Database, guild_id: int, channel_id: int) -> None:
    async with db.transaction() as conn:
        await conn.execute(
            "UPDATE topics SET channel_error = NULL WHERE guild_id = ? AND channel_id = ?",
            (guild_id, channel_id),
        )


async def get_meta(db: Database, key: str) -> str | None:
    row = await db.fetchone("SELECT value FROM meta WHERE key = ?", (key,))
    return row[0] if row else None


async def set_meta(db: Database, key: str, value: str) -> None:
    async with db.transaction() as conn:
        await conn.execute(
            "INSERT INTO meta (key, value) VALUES (?, ?) "
            "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            (key, value),
        )
