"""Article pages fetched behind short feed entries, and each feed's `fetch_article` mode.

A page is stored per entry revision (article id + content hash): the next cycle, `why` and a
re-match read it from here instead of fetching again, and a failed fetch is stored too, so a
dead link is tried once per revision, not once per cycle.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from storage.db import Database, from_db_time, select_in, to_db_time, utcnow

FETCH_MODES = ("auto", "always", "never")


@dataclass(frozen=True)
class StoredPage:
    """What was read for one entry revision: the page's text, or why the feed's was kept."""

    article_id: int
    content_hash: str
    feed_id: int | None
    source: str  # article_page | feed_summary
    note: str | None
    text: str = ""
    canonical_url: str | None = None
    published: datetime | None = None
    site_name: str | None = None
    language: str | None = None
    http_status: int | None = None
    fetched_at: datetime | None = None


@dataclass(frozen=True)
class FeedPageFailures:
    """Article-page failures of one feed over a recent window, for feed health."""

    feed_id: int
    failed: int
    fetched: int
    last_error: str | None


def _row(r: Any) -> StoredPage:
    return StoredPage(
        article_id=r["article_id"], content_hash=r["content_hash"], feed_id=r["feed_id"],
        source=r["source"], note=r["note"], text=r["text"], canonical_url=r["canonical_url"],
        published=from_db_time(r["published_at"]), site_name=r["site_name"],
        language=r["language"], http_status=r["http_status"],
        fetched_at=from_db_time(r["fetched_at"]),
    )


async def pages_for(db: Database, keys: Iterable[tuple[int, str]]) -> dict[tuple[int, str], StoredPage]:
    """Stored pages for (article id, content hash) pairs; missing pairs are absent."""
    wanted = set(keys)
    out: dict[tuple[int, str], StoredPage] = {}
    ids = sorted({a for a, _ in wanted})
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        marks = ",".join("?" * len(chunk))
        rows = await db.fetchall(f"SELECT * FROM article_pages WHERE article_id IN ({marks})",  # noqa: S608
                                 chunk)
        for r in rows:
            key = (r["article_id"], r["content_hash"])
            if key in wanted:
                out[key] = _row(r)
    return out


async def latest_page(db: Database, article_id: int) -> StoredPage | None:
    """The page stored for the article's current revision (for `why`)."""
    row = await db.fetchone(
        """SELECT p.* FROM article_pages p JOIN articles a ON a.id = p.article_id
           WHERE p.article_id = ? AND p.content_hash = a.content_hash""",
        (article_id,),
    )
    return _row(row) if row else None


async def article_for_canonical(db: Database, candidates: Iterable[str]) -> int | None:
    """The article whose page named one of these URLs as canonical (a link shared from the site
    rather than the feed's), or None."""
    for value in dict.fromkeys(c for c in candidates if c):
        row = await db.fetchone(
            "SELECT article_id FROM article_pages WHERE canonical_url = ? ORDER BY fetched_at DESC LIMIT 1",
            (value,),
        )
        if row:
            return int(row[0])
    return None


async def save_pages(db: Database, pages: Sequence[StoredPage]) -> None:
    """Store pages in one transaction (a refetch of the same revision replaces the row)."""
    if not pages:
        return
    now = to_db_time(utcnow())
    async with db.transaction() as conn:
        await conn.executemany(
            """INSERT INTO article_pages (article_id, content_hash, feed_id, source, note, text,
                   canonical_url, published_at, site_name, language, http_status, fetched_at)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
               ON CONFLICT(article_id, content_hash) DO UPDATE SET source = excluded.source,
                   note = excluded.note, text = excluded.text,
                   canonical_url = excluded.canonical_url, published_at = excluded.published_at,
                   site_name = excluded.site_name, language = excluded.language,
                   http_status = excluded.http_status, fetched_at = excluded.fetched_at""",
            [(p.article_id, p.content_hash, p.feed_id, p.source, p.note, p.text, p.canonical_url,
              to_db_time(p.published), p.site_name, p.language, p.http_status,
              to_db_time(p.fetched_at) or now) for p in pages],
        )


async def fetch_modes(db: Database, feed_ids: Iterable[int] | None = None) -> dict[int, str]:
    """feed id -> its fetch_article mode (only of `feed_ids` when given: the matching asks for a
    chunk's feeds at every chunk, not for all of them)."""
    if feed_ids is None:
        return {r[0]: r[1] for r in await db.fetchall("SELECT id, fetch_article FROM feeds")}
    rows = await select_in(db.conn, "SELECT id, fetch_article FROM feeds WHERE id IN ({})",
                           sorted(set(feed_ids)))
    return {r[0]: r[1] for r in rows}


async def set_fetch_mode(db: Database, url: str, mode: str) -> bool:
    """Set one feed's mode; False when no feed has that URL."""
    if mode not in FETCH_MODES:
        raise ValueError(f"fetch_article must be one of {'|'.join(FETCH_MODES)}, got {mode!r}")
    async with db.transaction() as conn:
        cur = await conn.execute("UPDATE feeds SET fetch_article = ? WHERE url = ?", (mode, url))
        return cur.rowcount > 0


async def sync_fetch_modes(db: Database, modes: Iterable[tuple[str, str | None]]) -> None:
    """feeds.yaml's (url, mode) pairs; a feed without the key keeps what it has."""
    rows = [(mode, url) for url, mode in modes if mode is not None]
    for mode, _ in rows:
        if mode not in FETCH_MODES:
            raise ValueError(f"fetch_article must be one of {'|'.join(FETCH_MODES)}, got {mode!r}")
    if rows:
        await db.executemany("UPDATE feeds SET fetch_article = ? WHERE url = ?", rows)


async def failures_by_feed(
    db: Database, feed_ids: Iterable[int], *, window: timedelta = timedelta(days=7)
) -> dict[int, FeedPageFailures]:
    """Per feed: pages tried and failed in the last `window`, and the latest failure."""
    ids = sorted(set(feed_ids))
    if not ids:
        return {}
    since = to_db_time(utcnow() - window)
    marks = ",".join("?" * len(ids))
    rows = await db.fetchall(
        f"""SELECT feed_id, COUNT(*) AS fetched,
                   SUM(source = 'feed_summary') AS failed,
                   (SELECT note FROM article_pages q WHERE q.feed_id = p.feed_id
                      AND q.source = 'feed_summary' ORDER BY q.fetched_at DESC LIMIT 1) AS last_error
            FROM article_pages p WHERE feed_id IN ({marks}) AND fetched_at >= ?
            GROUP BY feed_id""",  # noqa: S608
        [*ids, since],
    )
    return {r["feed_id"]: FeedPageFailures(r["feed_id"], int(r["failed"] or 0), int(r["fetched"]),
                                           r["last_error"]) for r in rows}
