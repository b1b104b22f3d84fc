"""Ranked full-text search over claims and articles (SQLite FTS5, migrations 0005 and 0007:
articles are indexed with the text of their page when one was read).

`fts_query` turns what a member typed into an FTS5 query that keeps the useful syntax
("quoted phrases", prefix*, AND / OR / NOT, parentheses) and quotes every other word, so
punctuation in ordinary text ("Microsoft's", "8,000") never breaks the query. What is left
that FTS5 cannot parse (an unclosed quote or parenthesis, a dangling OR) raises
`SearchSyntaxError` with SQLite's own words.
"""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass
from typing import Any

from bot.models import Status
from storage.db import Database
from storage.guilds import ArticleHit, article_hit

# Snippet markers: private-use characters feed text does not contain, replaced by the
# renderer with its own highlighting after the text around them was escaped.
HIT_START = "\ue000"
HIT_END = "\ue001"
SNIPPET_WORDS = 16
_TOKEN = re.compile(r'"[^"]*"?\*?|[()]|[^\s()"]+')
_OPERATORS = {"AND", "OR", "NOT"}


class SearchSyntaxError(ValueError):
    """FTS5 could not parse the query; the message is SQLite's."""


def fts_query(text: str) -> str:
    """The FTS5 query for what a member typed (see the module docstring)."""
    out = []
    for token in _TOKEN.findall(text):
        if token.startswith('"') or token in ("(", ")") or token in _OPERATORS:
            out.append(token)  # phrases, grouping and operators keep their meaning
            continue
        word, star = (token[:-1], "*") if token.endswith("*") and len(token) > 1 else (token, "")
        word = word.strip("*")
        if word:
            out.append(f'"{word}"{star}')
    return " ".join(out)


@dataclass(frozen=True)
class RankedClaim:
    claim_id: int
    topic_key: str
    topic_title: str
    claim_key: str
    statement: str
    status: Status
    snippet: str  # the statement with hits between HIT_START and HIT_END
    rank: float  # bm25: lower is better


@dataclass(frozen=True)
class RankedArticle(ArticleHit):
    snippet: str  # from the best-matching column: title, summary or page text
    rank: float


async def _fetch(db: Database, sql: str, params: tuple[Any, ...]) -> list[Any]:
    try:
        return await db.fetchall(sql, params)
    except sqlite3.OperationalError as exc:
        message = str(exc)
        if "fts5" in message or "syntax error" in message or "unterminated" in message:
            raise SearchSyntaxError(message) from None
        raise


async def search_claims(db: Database, guild_id: int, query: str, limit: int = 10) -> list[RankedClaim]:
    """This guild's active claims matching the FTS5 `query`, best first (key and statement
    weigh more than aliases)."""
    rows = await _fetch(db, f"""
        SELECT c.id, c.key, c.statement, c.status, t.key AS topic_key, t.title AS topic_title,
               snippet(claims_fts, 1, '{HIT_START}', '{HIT_END}', '…', {SNIPPET_WORDS}) AS snip,
               bm25(claims_fts, 2.0, 2.0, 1.0) AS rank
        FROM claims_fts JOIN claims c ON c.id = claims_fts.rowid JOIN topics t ON t.id = c.topic_id
        WHERE claims_fts MATCH ? AND t.guild_id = ? AND c.retired_at IS NULL
        ORDER BY rank, c.id LIMIT ?""", (query, guild_id, limit))  # noqa: S608 - constants only
    return [RankedClaim(r["id"], r["topic_key"], r["topic_title"], r["key"], r["statement"],
                        Status(r["status"]), r["snip"], r["rank"]) for r in rows]


async def search_articles(db: Database, guild_id: int, query: str, limit: int = 10) -> list[RankedArticle]:
    """Articles evaluated for this guild's topics matching `query`, best first (a hit in
    the title weighs three times one in the summary or the page text). The snippet comes from
    the column that matched best.

    Two steps in one statement: the best `limit` rows by FTS5's own `rank` (bm25, which it
    can order without building every result row), then snippets for those rows only; a
    snippet for each of 20,000 matches of a common word made the search 10x slower.
    """
    rows = await _fetch(db, f"""
        WITH top AS (
            SELECT rowid AS id, rank AS score FROM articles_fts
            WHERE articles_fts MATCH ?1 AND rank MATCH 'bm25(3.0, 1.0, 1.0)'
              AND EXISTS (SELECT 1 FROM evaluations e JOIN topics t ON t.id = e.topic_id
                          WHERE e.article_id = articles_fts.rowid AND t.guild_id = ?2)
            ORDER BY rank LIMIT ?3)
        SELECT a.id, a.url, a.title, a.source, a.published_at, a.first_seen_at, top.score,
               snippet(articles_fts, -1, '{HIT_START}', '{HIT_END}', '…', {SNIPPET_WORDS}) AS snip
        FROM articles_fts JOIN top ON top.id = articles_fts.rowid JOIN articles a ON a.id = top.id
        WHERE articles_fts MATCH ?1
        ORDER BY top.score, a.id DESC""", (query, guild_id, limit))  # noqa: S608 - constants only
    return [RankedArticle(**vars(article_hit(r)), snippet=r["snip"], rank=r["score"]) for r in rows]
