"""Many feeds at once (OPML import), each in one transaction: all are added or none.

The console's feeds imported by the operator's CLI are stored like those of feeds.yaml
(origin 'config': the operator's own, polled without the SSRF guard); a server's import
creates admin feeds and subscribes that server, as `/admin feed add` does one by one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from storage.db import Database, to_db_time, utcnow
from storage.guilds import AuditEntry, mark_declined, write_audit


@dataclass(frozen=True)
class NewFeed:
    url: str
    name: str | None
    interval_s: int


async def console_feeds(db: Database) -> list[tuple[str, str | None]]:
    """(url, name) of the operator's feeds: feeds.yaml's and those imported by the CLI."""
    rows = await db.fetchall("SELECT url, name FROM feeds WHERE origin = 'config' ORDER BY id")
    return [(r[0], r[1]) for r in rows]


async def guild_feeds(db: Database, guild_id: int) -> list[tuple[str, str | None]]:
    rows = await db.fetchall(
        """SELECT f.url, f.name FROM subscriptions s JOIN feeds f ON f.id = s.feed_id
           WHERE s.guild_id = ? ORDER BY s.created_at, f.id""", (guild_id,))
    return [(r[0], r[1]) for r in rows]


async def add_console_feeds(db: Database, feeds: Sequence[NewFeed]) -> list[str]:
    """Insert the feeds not yet in the database; returns the URLs added."""
    now = to_db_time(utcnow())
    added = []
    async with db.transaction() as conn:
        for f in feeds:
            cur = await conn.execute(
                """INSERT INTO feeds (url, name, interval_s, origin, created_at)
                   VALUES (?, ?, ?, 'config', ?) ON CONFLICT(url) DO NOTHING""",
                (f.url, f.name, f.interval_s, now))
            if cur.rowcount > 0:
                added.append(f.url)
    return added


async def subscribe_many(db: Database, guild_id: int, feeds: Sequence[NewFeed],
                         audit: Sequence[AuditEntry]) -> tuple[list[str], list[str]]:
    """Create missing feeds (origin 'admin') and subscribe the guild to each.

    Returns (subscribed now, already subscribed). The audit entries are written in the
    same transaction.
    """
    now = to_db_time(utcnow())
    subscribed, already = [], []
    async with db.transaction() as conn:
        for f in feeds:
            await conn.execute(
                """INSERT INTO feeds (url, name, interval_s, origin, created_at)
                   VALUES (?, ?, ?, 'admin', ?) ON CONFLICT(url) DO NOTHING""",
                (f.url, f.name, f.interval_s, now))
            cur = await conn.execute(
                """INSERT INTO subscriptions (guild_id, feed_id, created_at)
                   SELECT ?, id, ? FROM feeds WHERE url = ?
                   ON CONFLICT(guild_id, feed_id) DO NOTHING""", (guild_id, now, f.url))
            if cur.rowcount > 0:
                subscribed.append(f.url)
                await mark_declined(conn, guild_id, "feeds", f.url, False)
            else:
                already.append(f.url)
        for entry in audit:
            await write_audit(conn, entry)
    return subscribed, already
