"""Articles, their revisions and their sightings in feeds.

One story is one article however many feeds carry it (matched by identity, then by
canonical URL); each feed that carries it adds a sighting. The same identity with a new
content hash is a revision, counted at most `REVISION_LIMIT` times so feeds that churn
their content do not spam updates.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from bot.models import Entry
from storage.db import Database, from_db_time, to_db_time, utcnow

REVISION_LIMIT = 3


class Seen(enum.StrEnum):
    NEW = "new"
    REVISED = "revised"
    UNCHANGED = "unchanged"


@dataclass(frozen=True)
class StoredArticle:
    article_id: int
    entry: Entry  # as stored now
    seen: Seen
    previous: Entry | None = None  # the version before a revision


def row_to_entry(r: Any) -> Entry:
    return Entry(
        identity=r["identity"], url=r["url"], title=r["title"], summary=r["summary"],
        content=r["content"], published=from_db_time(r["published_at"]), source=r["source"],
        content_hash=r["content_hash"],
    )


async def store_entries(
    db: Database, feed_id: int, entries: Sequence[Entry]
) -> list[StoredArticle]:
    """Record a feed's entries in one transaction; say which are new or revised."""
    now = to_db_time(utcnow())
    out: list[StoredArticle] = []
    seen_in_batch: set[int] = set()
    async with db.transaction() as conn:
        for entry in entries:
            cur = await conn.execute("SELECT * FROM articles WHERE identity = ?", (entry.identity,))
            row = await cur.fetchone()
            if row is None and entry.url:
                cur = await conn.execute(
                    "SELECT * FROM articles WHERE url = ? ORDER BY id LIMIT 1", (entry.url,)
                )
                row = await cur.fetchone()
            if row is None:
                cur = await conn.execute(
                    """INSERT INTO articles (identity, url, title, summary, content, published_at,
                           source, content_hash, first_seen_at, updated_at)
                       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
                    (entry.identity, entry.url, entry.title, entry.summary, entry.content,
                     to_db_time(entry.published), entry.source, entry.content_hash, now, now),
                )
                article_id = int(cur.lastrowid or 0)
                out.append(StoredArticle(article_id, entry, Seen.NEW))
            else:
                article_id = row["id"]
                if article_id in seen_in_batch:
                    continue
                previous = row_to_entry(row)
                if row["content_hash"] != entry.content_hash and row["identity"] == entry.identity:
                    counted = row["revision_count"] < REVISION_LIMIT
                    await conn.execute(
                        """INSERT INTO article_revisions (article_id, content_hash, title, summary,
                               content, seen_at) VALUES (?, ?, ?, ?, ?, ?)""",
                        (article_id, row["content_hash"], row["title"], row["summary"],
                         row["content"], now),
                    )
                    await conn.execute(
                        """UPDATE articles SET title = ?, summary = ?, content = ?,
                               content_hash = ?, published_at = COALESCE(?, published_at),
                               revision_count = revision_count + ?, updated_at = ?
                           WHERE id = ?""",
                        (entry.title, entry.summary, entry.content, entry.content_hash,
                         to_db_time(entry.published), 1 if counted else 0, now, article_id),
                    )
                    seen = Seen.REVISED if counted else Seen.UNCHANGED
                    out.append(StoredArticle(article_id, entry, seen, previous))
                else:
                    out.append(StoredArticle(article_id, previous, Seen.UNCHANGED))
            seen_in_batch.add(article_id)
            await conn.execute(
                """INSERT INTO sightings (article_id, feed_id, first_seen_at, last_seen_at)
                   VALUES (?, ?, ?, ?)
                   ON CONFLICT(article_id, feed_id)
                   DO UPDATE SET last_seen_at = excluded.last_seen_at""",
                (article_id, feed_id, now, now),
            )
    return out


async def get_article(db: Database, article_id: int) -> Entry | None:
    row = await db.fetchone("SELECT * FROM articles WHERE id = ?", (article_id,))
    return row_to_entry(row) if row else None


async def sightings(db: Database, article_id: int) -> list[tuple[str, str | None]]:
    """(feed url, feed name) of every feed that carried the article."""
    rows = await db.fetchall(
        """SELECT f.url, f.name FROM sightings s JOIN feeds f ON f.id = s.feed_id
           WHERE s.article_id = ? ORDER BY s.first_seen_at""",
        (article_id,),
    )
    return [(r["url"], r["name"]) for r in rows]
