"""Articles, their revisions and their sightings in feeds.

One story is one article however many feeds carry it (matched by identity, then by
canonical URL); each feed that carries it adds a sighting. The same identity with a new
content hash is a revision, counted at most `REVISION_LIMIT` times so feeds that churn
their content do not spam updates.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

import aiosqlite

from bot.checkpoint import checkpoint
from bot.models import Entry
from storage.db import Database, from_db_time, select_in, to_db_time, utcnow
from storage.feeds import PollRecord, write_polls

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


@dataclass(frozen=True)
class PendingArticle:
    """A stored article still waiting to be matched (queued with it, removed with its outcomes)."""

    seq: int
    article_id: int
    feed_id: int | None
    seen: Seen
    backlog: bool
    entry: Entry
    previous: Entry | None
    attempts: int


async def store_entries(
    db: Database, feed_id: int, entries: Sequence[Entry]
) -> list[StoredArticle]:
    """Record one feed's entries in one transaction; say which are new or revised."""
    return (await store_feeds(db, [(feed_id, entries)]))[0]


async def store_feeds(
    db: Database, feeds: Sequence[tuple[int, Sequence[Entry]]], polls: Sequence[PollRecord] = ()
) -> list[list[StoredArticle]]:
    """Record the entries of several feeds, and their polls, in one transaction.

    Each new or revised article is queued in `pending_articles` in the same transaction, with
    the backlog flag read before the feed's successful polls are counted: a crash either
    keeps all of it (the queue is matched at the next start) or none (the feed's validators
    are not saved either, so the next poll fetches the same entries again).
    """
    now = to_db_time(utcnow())
    async with db.transaction() as conn:
        feed_ids = list({fid for fid, _ in feeds})
        first_poll = {r[0]: r[1] == 0 for r in await select_in(
            conn, "SELECT id, polls_ok FROM feeds WHERE id IN ({})", feed_ids)}
        by_identity: dict[str, dict[str, Any]] = {}
        for r in await select_in(conn, "SELECT * FROM articles WHERE identity IN ({})",
                                  list({e.identity for _, es in feeds for e in es})):
            by_identity[r["identity"]] = dict(r)
        by_url: dict[str, dict[str, Any]] = {}
        urls = list({e.url for _, es in feeds for e in es if e.url and e.identity not in by_identity})
        for r in await select_in(conn, "SELECT * FROM articles WHERE url IN ({}) ORDER BY id", urls):
            by_url.setdefault(r["url"], dict(r))
        # new articles are inserted together (executemany, then one query for their ids)
        unsaved: list[dict[str, Any]] = []

        async def flush() -> None:
            if not unsaved:
                return
            await conn.executemany(
                """INSERT INTO articles (identity, url, title, summary, content, published_at,
                       source, content_hash, first_seen_at, updated_at)
                   VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
                [(r["identity"], r["url"], r["title"], r["summary"], r["content"],
                  r["published_at"], r["source"], r["content_hash"], now, now) for r in unsaved],
            )
            ids = {r[1]: r[0] for r in await select_in(
                conn, "SELECT id, identity FROM articles WHERE identity IN ({})",
                [r["identity"] for r in unsaved])}
            for r in unsaved:
                r["id"] = ids[r["identity"]]
            unsaved.clear()

        sightings: list[tuple[dict[str, Any], int]] = []
        queued: list[tuple[dict[str, Any], int, Seen, int, int | None]] = []
        decided: list[list[tuple[dict[str, Any], Entry, Seen, Entry | None]]] = []
        for feed_id, entries in feeds:
            stored: list[tuple[dict[str, Any], Entry, Seen, Entry | None]] = []
            seen_in_feed: set[int] = set()  # id() of the rows: new ones have no article id yet
            backlog = int(first_poll.get(feed_id, False))
            for entry in entries:
                row = by_identity.get(entry.identity)
                if row is None and entry.url:
                    row = by_url.get(entry.url)
                if row is None:
                    row = _new_row(entry)
                    unsaved.append(row)
                    by_identity[entry.identity] = row
                    if entry.url:
                        by_url.setdefault(entry.url, row)
                    stored.append((row, entry, Seen.NEW, None))
                    queued.append((row, feed_id, Seen.NEW, backlog, None))
                else:
                    if id(row) in seen_in_feed:
                        continue
                    previous = row_to_entry(row)
                    if row["content_hash"] != entry.content_hash and row["identity"] == entry.identity:
                        if row["id"] is None:
                            await flush()  # new earlier in this batch, revised already
                        counted = row["revision_count"] < REVISION_LIMIT
                        revision_id = await _revise(conn, row, entry, counted, now)
                        seen = Seen.REVISED if counted else Seen.UNCHANGED
                        stored.append((row, entry, seen, previous))
                        if counted:
                            queued.append((row, feed_id, Seen.REVISED, backlog, revision_id))
                    else:
                        stored.append((row, previous, Seen.UNCHANGED, None))
                seen_in_feed.add(id(row))
                sightings.append((row, feed_id))
            decided.append(stored)
        await flush()
        out = [[StoredArticle(row["id"], entry, seen, previous) for row, entry, seen, previous in stored]
               for stored in decided]
        await conn.executemany(
            """INSERT INTO sightings (article_id, feed_id, first_seen_at, last_seen_at)
               VALUES (?, ?, ?, ?)
               ON CONFLICT(article_id, feed_id)
               DO UPDATE SET last_seen_at = excluded.last_seen_at""",
            [(row["id"], feed_id, now, now) for row, feed_id in sightings],
        )
        checkpoint("store")
        # an article queued before (a crash, or new and revised in one batch) stays queued
        # once: it is matched on the text stored when its turn comes
        await conn.executemany(
            """INSERT INTO pending_articles (article_id, feed_id, seen, backlog, previous_id,
                   queued_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(article_id) DO NOTHING""",
            [(row["id"], feed_id, seen.value, backlog, revision_id, now)
             for row, feed_id, seen, backlog, revision_id in queued],
        )
        await write_polls(conn, polls)
    return out


def _new_row(entry: Entry) -> dict[str, Any]:
    """An article row not inserted yet (its id is set when the batch's new rows are)."""
    return {"id": None, "identity": entry.identity, "url": entry.url, "title": entry.title,
            "summary": entry.summary, "content": entry.content,
            "published_at": to_db_time(entry.published), "source": entry.source,
            "content_hash": entry.content_hash, "revision_count": 0}


async def _revise(conn: aiosqlite.Connection, row: dict[str, Any], entry: Entry, counted: bool,
                  now: str | None) -> int:
    """Keep the stored version as a revision and store the new one; updates `row` in place."""
    cur = await conn.execute(
        """INSERT INTO article_revisions (article_id, content_hash, title, summary,
               content, seen_at) VALUES (?, ?, ?, ?, ?, ?)""",
        (row["id"], row["content_hash"], row["title"], row["summary"], row["content"], now),
    )
    published = to_db_time(entry.published)
    await conn.execute(
        """UPDATE articles SET title = ?, summary = ?, content = ?,
               content_hash = ?, published_at = COALESCE(?, published_at),
               revision_count = revision_count + ?, updated_at = ?
           WHERE id = ?""",
        (entry.title, entry.summary, entry.content, entry.content_hash,
         published, 1 if counted else 0, now, row["id"]),
    )
    row.update(title=entry.title, summary=entry.summary, content=entry.content,
               content_hash=entry.content_hash, published_at=published or row["published_at"],
               revision_count=row["revision_count"] + (1 if counted else 0))
    return int(cur.lastrowid or 0)


async def pending_articles(db: Database, *, limit: int, max_attempts: int,
                           among: Sequence[int] | None = None) -> list[PendingArticle]:
    """The oldest queued articles (in storage order) as they are stored now; only those whose
    ids are `among` when given (a part of the queue that is matched on its own)."""
    query = """SELECT p.seq, p.feed_id, p.seen, p.backlog, p.previous_id, p.attempts, a.*
               FROM pending_articles p JOIN articles a ON a.id = p.article_id
               WHERE p.attempts < ? {} ORDER BY p.seq LIMIT ?"""
    if among is None:
        rows = await db.fetchall(query.format(""), (max_attempts, limit))
    else:
        ids = sorted(set(among))
        rows = [] if not ids else await db.fetchall(
            query.format(f"AND p.article_id IN ({','.join('?' * len(ids))})"),
            (max_attempts, *ids, limit))
    wanted = [r["previous_id"] for r in rows if r["previous_id"] is not None]
    revisions = {r["id"]: r for r in await select_in(
        db.conn, "SELECT * FROM article_revisions WHERE id IN ({})", wanted)}
    out = []
    for r in rows:
        entry = row_to_entry(r)
        old = revisions.get(r["previous_id"])
        previous = None if old is None else replace(
            entry, title=old["title"], summary=old["summary"], content=old["content"],
            content_hash=old["content_hash"])
        out.append(PendingArticle(r["seq"], r["id"], r["feed_id"], Seen(r["seen"]),
                                  bool(r["backlog"]), entry, previous, r["attempts"]))
    return out


async def pending_failed(db: Database, article_ids: Sequence[int], error: str) -> None:
    """Matching these raised (a bug): keep them queued, counted, so one cannot block the rest."""
    async with db.transaction() as conn:
        await conn.executemany(
            "UPDATE pending_articles SET attempts = attempts + 1, last_error = ? WHERE article_id = ?",
            [(error[:500], i) for i in article_ids],
        )


async def pending_count(db: Database) -> int:
    row = await db.fetchone("SELECT COUNT(*) FROM pending_articles")
    return int(row[0]) if row else 0


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
