"""Discord servers (guilds): their settings, feed subscriptions, audit log and topic channels.

Every function here takes a `guild_id` and only reads or writes that guild's rows, so one
server can never see or change another's (the service layer relies on this). Writes that
an admin makes carry an `AuditEntry`, written in the same transaction as the change, so the
log cannot miss a change or record one that was rolled back.

The guild-scoped reads of shared tables (articles, evaluations, outbox) that `/search` and
`/why` need also live here: each one is filtered through this guild's topics or feeds.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import aiosqlite

from storage.db import Database, from_db_time, to_db_time, utcnow
from storage.feeds import FeedRow
from storage.feeds import feed_from_row as _feed_row
from storage.outbox import OutboxRow
from storage.outbox import outbox_from_row as _outbox_row

AUDIT_DETAIL_MAX = 1000


# --- guilds -----------------------------------------------------------------------------


@dataclass(frozen=True)
class GuildRow:
    guild_id: int
    name: str | None
    admin_channel_id: int | None
    match_low: float | None  # None: the global setting
    match_high: float | None
    installed_at: datetime | None


def _guild(r: Any) -> GuildRow:
    return GuildRow(
        guild_id=r["guild_id"], name=r["name"], admin_channel_id=r["admin_channel_id"],
        match_low=r["match_low"], match_high=r["match_high"],
        installed_at=from_db_time(r["installed_at"]),
    )


async def ensure_guild(db: Database, guild_id: int, name: str | None) -> bool:
    """Create the guild row (or refresh its name); True if it was created now."""
    async with db.transaction() as conn:
        cur = await conn.execute("SELECT 1 FROM guilds WHERE guild_id = ?", (guild_id,))
        exists = await cur.fetchone() is not None
        if exists:
            if name is not None:
                await conn.execute("UPDATE guilds SET name = ? WHERE guild_id = ?", (name, guild_id))
        else:
            await conn.execute(
                "INSERT INTO guilds (guild_id, name, installed_at) VALUES (?, ?, ?)",
                (guild_id, name, to_db_time(utcnow())),
            )
    return not exists


async def get_guild(db: Database, guild_id: int) -> GuildRow | None:
    row = await db.fetchone("SELECT * FROM guilds WHERE guild_id = ?", (guild_id,))
    return _guild(row) if row else None


async def _ensure_row(conn: aiosqlite.Connection, guild_id: int) -> None:
    await conn.execute(
        "INSERT INTO guilds (guild_id, installed_at) VALUES (?, ?) ON CONFLICT(guild_id) DO NOTHING",
        (guild_id, to_db_time(utcnow())),
    )


async def set_admin_channel(db: Database, guild_id: int, channel_id: int | None,
                            audit: AuditEntry | None = None) -> None:
    async with db.transaction() as conn:
        await _ensure_row(conn, guild_id)
        await conn.execute("UPDATE guilds SET admin_channel_id = ? WHERE guild_id = ?",
                           (channel_id, guild_id))
        if audit:
            await write_audit(conn, audit)


async def set_thresholds(db: Database, guild_id: int, low: float | None, high: float | None,
                         audit: AuditEntry | None = None) -> None:
    async with db.transaction() as conn:
        await _ensure_row(conn, guild_id)
        await conn.execute("UPDATE guilds SET match_low = ?, match_high = ? WHERE guild_id = ?",
                           (low, high, guild_id))
        if audit:
            await write_audit(conn, audit)


# --- what an admin removed from the config defaults --------------------------------------
# Re-running an install (bot restart, rejoin) must not bring back a config topic or feed
# that this guild's admins removed. Kept in `meta` so no migration is needed.


def _declined_key(guild_id: int) -> str:
    return f"guild:{guild_id}:declined"


def _parse_declined(row: Any) -> dict[str, list[str]]:
    data = json.loads(row[0]) if row else {}
    return {"topics": list(data.get("topics", [])), "feeds": list(data.get("feeds", []))}


async def _declined(conn: aiosqlite.Connection, guild_id: int) -> dict[str, list[str]]:
    async with conn.execute("SELECT value FROM meta WHERE key = ?", (_declined_key(guild_id),)) as cur:
        return _parse_declined(await cur.fetchone())


async def declined(db: Database, guild_id: int) -> dict[str, list[str]]:
    """{"topics": [config topic keys removed], "feeds": [config feed urls unsubscribed]}."""
    return _parse_declined(await db.fetchone("SELECT value FROM meta WHERE key = ?",
                                             (_declined_key(guild_id),)))


async def mark_declined(conn: aiosqlite.Connection, guild_id: int, kind: str, value: str,
                        declined_now: bool) -> None:
    """Remember (or forget) that this guild removed a config topic/feed; in the caller's transaction."""
    data = await _declined(conn, guild_id)
    items = [v for v in data[kind] if v != value]
    if declined_now:
        items.append(value)
    data[kind] = items
    await conn.execute(
        "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        (_declined_key(guild_id), json.dumps(data)),
    )


# --- subscriptions ----------------------------------------------------------------------


@dataclass(frozen=True)
class Subscription:
    """A feed as one guild sees it: the shared feed row plus this guild's pause."""

    feed: FeedRow
    paused_at: datetime | None  # paused by this guild's admins
    created_at: datetime | None


def _subscription(r: Any) -> Subscription:
    return Subscription(feed=_feed_row(r), paused_at=from_db_time(r["sub_paused_at"]),
                        created_at=from_db_time(r["sub_created_at"]))


_SUB_SELECT = """SELECT f.*, s.paused_at AS sub_paused_at, s.created_at AS sub_created_at
                 FROM subscriptions s JOIN feeds f ON f.id = s.feed_id"""


async def subscriptions(db: Database, guild_id: int) -> list[Subscription]:
    rows = await db.fetchall(f"{_SUB_SELECT} WHERE s.guild_id = ? ORDER BY f.id", (guild_id,))
    return [_subscription(r) for r in rows]


async def subscribe_urls(db: Database, guild_id: int, urls: list[str], *,
                         skip_declined: bool = True) -> list[str]:
    """Subscribe to existing feed rows by URL; returns the URLs newly subscribed."""
    added: list[str] = []
    now = to_db_time(utcnow())
    async with db.transaction() as conn:
        skip = set((await _declined(conn, guild_id))["feeds"]) if skip_declined else set()
        for url in urls:
            if url in skip:
                continue
            cur = await conn.execute(
                """INSERT INTO subscriptions (guild_id, feed_id, created_at)
                   SELECT ?, id, ? FROM feeds WHERE url = ?
                   ON CONFLICT(guild_id, feed_id) DO NOTHING""",
                (guild_id, now, url),
            )
            if cur.rowcount:
                added.append(url)
    return added


async def add_feed_and_subscribe(
    db: Database, guild_id: int, url: str, *, name: str | None, interval_s: int,
    audit: AuditEntry | None = None,
) -> tuple[bool, bool]:
    """Create the feed row if missing (origin 'admin') and subscribe; (feed created, subscribed)."""
    now = to_db_time(utcnow())
    async with db.transaction() as conn:
        cur = await conn.execute(
            """INSERT INTO feeds (url, name, interval_s, origin, created_at)
               VALUES (?, ?, ?, 'admin', ?) ON CONFLICT(url) DO NOTHING""",
            (url, name, interval_s, now),
        )
        created = cur.rowcount > 0
        cur = await conn.execute(
            """INSERT INTO subscriptions (guild_id, feed_id, created_at)
               SELECT ?, id, ? FROM feeds WHERE url = ?
               ON CONFLICT(guild_id, feed_id) DO NOTHING""",
            (guild_id, now, url),
        )
        subscribed = cur.rowcount > 0
        if subscribed:
            await mark_declined(conn, guild_id, "feeds", url, False)
            if audit:
                await write_audit(conn, audit)
    return created, subscribed


async def unsubscribe(db: Database, guild_id: int, url: str,
                      audit: AuditEntry | None = None) -> tuple[bool, bool]:
    """Drop this guild's subscription; delete the feed only if it was admin-added and is now unused.

    Returns (unsubscribed, feed deleted). Config feeds stay (other guilds, polling history).
    """
    async with db.transaction() as conn:
        cur = await conn.execute("SELECT id, origin FROM feeds WHERE url = ?", (url,))
        feed = await cur.fetchone()
        if feed is None:
            return False, False
        cur = await conn.execute("DELETE FROM subscriptions WHERE guild_id = ? AND feed_id = ?",
                                 (guild_id, feed["id"]))
        if cur.rowcount == 0:
            return False, False
        deleted = False
        if feed["origin"] == "admin":
            cur = await conn.execute(
                """DELETE FROM feeds WHERE id = ? AND origin = 'admin'
                   AND NOT EXISTS (SELECT 1 FROM subscriptions WHERE feed_id = ?)""",
                (feed["id"], feed["id"]),
            )
            deleted = cur.rowcount > 0
        else:
            await mark_declined(conn, guild_id, "feeds", url, True)
        if audit:
            await write_audit(conn, audit)
    return True, deleted


async def set_subscription_paused(db: Database, guild_id: int, url: str, paused: bool,
                                  audit: AuditEntry | None = None) -> bool:
    """Pause or resume this guild's subscription; False if the guild is not subscribed."""
    return await update_audited(
        db, """UPDATE subscriptions SET paused_at = ?
               WHERE guild_id = ? AND feed_id = (SELECT id FROM feeds WHERE url = ?)""",
        (to_db_time(utcnow()) if paused else None, guild_id, url), audit,
    )


async def subscribed_guilds(db: Database, feed_id: int) -> set[int]:
    """Guilds whose topics see this feed's articles (unpaused subscriptions only)."""
    rows = await db.fetchall(
        "SELECT guild_id FROM subscriptions WHERE feed_id = ? AND paused_at IS NULL", (feed_id,)
    )
    return {r[0] for r in rows}


# --- topic channels ---------------------------------------------------------------------


@dataclass(frozen=True)
class BrokenChannel:
    topic_key: str
    channel_id: int | None
    error: str


async def set_topic_channel(db: Database, guild_id: int, topic_key: str, channel_id: int | None,
                            audit: AuditEntry | None = None) -> bool:
    """Point a topic at a channel and clear its error; False if the guild has no such topic."""
    return await update_audited(
        db, """UPDATE topics SET channel_id = ?, channel_error = NULL, updated_at = ?
               WHERE guild_id = ? AND key = ?""",
        (channel_id, to_db_time(utcnow()), guild_id, topic_key), audit,
    )


async def broken_channels(db: Database, guild_id: int) -> list[BrokenChannel]:
    rows = await db.fetchall(
        """SELECT key, channel_id, channel_error FROM topics
           WHERE guild_id = ? AND channel_error IS NOT NULL ORDER BY id""",
        (guild_id,),
    )
    return [BrokenChannel(r["key"], r["channel_id"], r["channel_error"]) for r in rows]


# --- audit log --------------------------------------------------------------------------


@dataclass(frozen=True)
class AuditEntry:
    guild_id: int
    actor_id: int | None
    actor_name: str | None
    action: str  # e.g. claim.set_status, review.accept
    target: str
    detail: str = ""


@dataclass(frozen=True)
class AuditRow:
    id: int
    guild_id: int
    actor_id: int | None
    actor_name: str | None
    action: str
    target: str
    detail: str
    created_at: datetime | None


async def update_audited(db: Database, sql: str, params: Sequence[Any],
                         audit: AuditEntry | None) -> bool:
    """Run one UPDATE and its audit entry in one transaction; False (and no audit entry)
    when it matched no row, so an admin action is logged only if it changed something."""
    async with db.transaction() as conn:
        cur = await conn.execute(sql, params)
        if cur.rowcount == 0:
            return False
        if audit:
            await write_audit(conn, audit)
    return True


async def write_audit(conn: aiosqlite.Connection, entry: AuditEntry) -> None:
    """Append one audit row inside the caller's transaction."""
    await conn.execute(
        """INSERT INTO audit_log (guild_id, actor_id, actor_name, action, target, detail, created_at)
           VALUES (?, ?, ?, ?, ?, ?, ?)""",
        (entry.guild_id, entry.actor_id, entry.actor_name, entry.action, entry.target,
         entry.detail[:AUDIT_DETAIL_MAX], to_db_time(utcnow())),
    )


async def record_audit(db: Database, entry: AuditEntry) -> None:
    async with db.transaction() as conn:
        await write_audit(conn, entry)


async def audit_log(db: Database, guild_id: int, *, offset: int = 0, limit: int = 20) -> list[AuditRow]:
    """Newest first."""
    rows = await db.fetchall(
        "SELECT * FROM audit_log WHERE guild_id = ? ORDER BY id DESC LIMIT ? OFFSET ?",
        (guild_id, limit, offset),
    )
    return [
        AuditRow(id=r["id"], guild_id=r["guild_id"], actor_id=r["actor_id"],
                 actor_name=r["actor_name"], action=r["action"], target=r["target"],
                 detail=r["detail"], created_at=from_db_time(r["created_at"]))
        for r in rows
    ]


async def audit_count(db: Database, guild_id: int) -> int:
    row = await db.fetchone("SELECT COUNT(*) FROM audit_log WHERE guild_id = ?", (guild_id,))
    return int(row[0])


# --- guild-scoped reads of articles, evaluations and the outbox ---------------------------


@dataclass(frozen=True)
class ArticleHit:
    article_id: int
    url: str | None
    title: str
    source: str
    published: datetime | None
    first_seen: datetime | None


def article_hit(r: Any) -> ArticleHit:
    """An articles row (id, url, title, source, published_at, first_seen_at) as an ArticleHit."""
    return ArticleHit(article_id=r["id"], url=r["url"], title=r["title"], source=r["source"],
                      published=from_db_time(r["published_at"]),
                      first_seen=from_db_time(r["first_seen_at"]))


def escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


async def search_articles(db: Database, guild_id: int, text: str, limit: int = 10) -> list[ArticleHit]:
    """Articles whose title or summary contains `text`, among those evaluated for this guild."""
    pattern = f"%{escape_like(text)}%"
    rows = await db.fetchall(
        """SELECT a.* FROM articles a
           WHERE (a.title LIKE ? ESCAPE '\\' OR a.summary LIKE ? ESCAPE '\\')
             AND EXISTS (SELECT 1 FROM evaluations e JOIN topics t ON t.id = e.topic_id
                         WHERE e.article_id = a.id AND t.guild_id = ?)
           ORDER BY COALESCE(a.published_at, a.first_seen_at) DESC, a.id DESC LIMIT ?""",
        (pattern, pattern, guild_id, limit),
    )
    return [article_hit(r) for r in rows]


async def find_article(db: Database, candidates: list[str]) -> ArticleHit | None:
    """The article stored under any of these URLs or identities (not yet guild-scoped)."""
    for value in dict.fromkeys(c for c in candidates if c):
        row = await db.fetchone(
            "SELECT * FROM articles WHERE url = ? OR identity = ? ORDER BY id LIMIT 1", (value, value)
        )
        if row:
            return article_hit(row)
    return None


async def get_article_hit(db: Database, article_id: int) -> ArticleHit | None:
    row = await db.fetchone("SELECT * FROM articles WHERE id = ?", (article_id,))
    return article_hit(row) if row else None


@dataclass(frozen=True)
class Sighting:
    feed_url: str
    feed_name: str | None
    first_seen: datetime | None
    last_seen: datetime | None


async def guild_sightings(db: Database, guild_id: int, article_id: int) -> list[Sighting]:
    """Where this guild's subscribed feeds carried the article (other guilds' feeds are hidden)."""
    rows = await db.fetchall(
        """SELECT f.url, f.name, si.first_seen_at, si.last_seen_at FROM sightings si
           JOIN feeds f ON f.id = si.feed_id
           JOIN subscriptions s ON s.feed_id = f.id AND s.guild_id = ?
           WHERE si.article_id = ? ORDER BY si.first_seen_at, f.id""",
        (guild_id, article_id),
    )
    return [Sighting(r["url"], r["name"], from_db_time(r["first_seen_at"]),
                     from_db_time(r["last_seen_at"])) for r in rows]


@dataclass(frozen=True)
class Evaluation:
    topic_id: int
    topic_key: str
    relevant: bool
    detail: dict[str, Any]
    evaluated_at: datetime | None


async def guild_evaluations(db: Database, guild_id: int, article_id: int) -> list[Evaluation]:
    rows = await db.fetchall(
        """SELECT e.*, t.key AS topic_key FROM evaluations e JOIN topics t ON t.id = e.topic_id
           WHERE e.article_id = ? AND t.guild_id = ? ORDER BY t.id""",
        (article_id, guild_id),
    )
    out = []
    for r in rows:
        try:
            detail = json.loads(r["detail"])
        except ValueError:
            detail = {}
        out.append(Evaluation(r["topic_id"], r["topic_key"], bool(r["relevant"]),
                              detail if isinstance(detail, dict) else {},
                              from_db_time(r["created_at"])))
    return out


async def guild_outbox_for_article(db: Database, guild_id: int, article_id: int) -> list[OutboxRow]:
    """Every update this guild queued for an article: sent, pending or held."""
    rows = await db.fetchall(
        "SELECT * FROM outbox WHERE guild_id = ? AND article_id = ? ORDER BY id",
        (guild_id, article_id),
    )
    return [_outbox_row(r) for r in rows]


async def threshold_overrides(db: Database) -> dict[int, tuple[float | None, float | None]]:
    """guild id -> (low, high) set by its admins; None where the global setting applies."""
    rows = await db.fetchall(
        "SELECT guild_id, match_low, match_high FROM guilds "
        "WHERE match_low IS NOT NULL OR match_high IS NOT NULL"
    )
    return {r[0]: (r[1], r[2]) for r in rows}
