"""Ranked search (SQLite FTS5): the migration that builds the index, triggers that keep it in
sync, bm25 order, snippets, prefix queries, and clear words for a query FTS5 cannot parse."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from bot.discord_bot import format as fmt
from bot.service import admin, browse
from bot.service.errors import InvalidInputError
from storage import article_pages, articles, topics
from storage.article_pages import StoredPage
from storage.db import Database, _split_sql, migrations
from storage.outcomes import TopicOutcome, record_outcomes
from storage.search import HIT_END, HIT_START, fts_query
from tests.test_service_browse import (
    ALICE,
    FEED_A,
    GUILD_A,
    GUILD_B,
    detail,
    entry,
    feed_id,
    setup_two_guilds,
)


async def evaluated(db: Database, identity: str, title: str, body: str, guild_id: int = GUILD_A) -> int:
    """An article from FEED_A, evaluated for the guild's topic (so its search sees it)."""
    stored = await articles.store_entries(db, await feed_id(db, FEED_A),
                                          [entry(identity, url=f"https://news.example/{identity}",
                                                 title=title, body=body)])
    record = await topics.get_topic(db, guild_id, "msft")
    await record_outcomes(db, stored[0].article_id, stored[0].entry.content_hash,
                          [TopicOutcome(record.id, guild_id, True, detail())], backlog=False)
    return stored[0].article_id


async def test_bm25_ranks_title_hits_and_repeated_terms_first_with_marked_snippets(db) -> None:
    await setup_two_guilds(db)
    await evaluated(db, "once", "Weather report", "Rain all week. Azure skies are not expected.")
    await evaluated(db, "title", "Azure contract under review", "Microsoft's Azure contract with "
                    "the ministry is under an external review, and Azure staff protested.")
    await evaluated(db, "none", "Sports", "Nothing relevant here.")
    found = await browse.search(db, GUILD_A, "azure")
    assert [a.title for a in found.articles] == ["Azure contract under review", "Weather report"]
    assert f"{HIT_START}Azure{HIT_END}" in found.articles[0].snippet
    # Claims: statement hits, marked too; porter folds "terabyte" / "terabytes".
    claims = (await browse.search(db, GUILD_A, "terabyte")).claims
    assert [c.claim_key for c in claims] == ["storage"]
    assert f"{HIT_START}terabytes{HIT_END}" in claims[0].snippet


async def test_prefix_phrase_and_boolean_queries(db) -> None:
    await setup_two_guilds(db)
    await evaluated(db, "a", "Unit 8200 archive moved", "The archive moved out of the Netherlands.")
    await evaluated(db, "b", "Microsoft's review", "An external review was ordered by Microsoft.")
    titles = lambda r: sorted(a.title for a in r.articles)  # noqa: E731
    assert titles(await browse.search(db, GUILD_A, "archi*")) == ["Unit 8200 archive moved"]
    assert titles(await browse.search(db, GUILD_A, "archi")) == []  # no prefix without the star
    assert titles(await browse.search(db, GUILD_A, '"unit 8200"')) == ["Unit 8200 archive moved"]
    assert titles(await browse.search(db, GUILD_A, "archive OR external")) == [
        "Microsoft's review", "Unit 8200 archive moved"]
    assert titles(await browse.search(db, GUILD_A, "moved NOT netherlands")) == []
    # Ordinary punctuation is searched as words, never a syntax error.
    assert titles(await browse.search(db, GUILD_A, "Microsoft's review")) == ["Microsoft's review"]
    assert [c.claim_key for c in (await browse.search(db, GUILD_A, "8,000")).claims] == ["storage"]


@pytest.mark.parametrize("query", ['"unclosed phrase', "(azure OR review", "azure OR", "AND"])
async def test_a_query_fts5_cannot_parse_gets_a_clear_message(db, query: str) -> None:
    await setup_two_guilds(db)
    with pytest.raises(InvalidInputError, match=r"Could not read the search `.*` \(.*\)\. Search with words"):
        await browse.search(db, GUILD_A, query)


async def test_only_this_servers_articles_and_active_claims(db) -> None:
    await setup_two_guilds(db)
    await evaluated(db, "a", "Azure leak", "Leaked files.")
    assert (await browse.search(db, GUILD_B, "leak")).articles == []
    await admin.retire_claim(db, GUILD_A, "msft", "review", reason="x", **ALICE)
    assert (await browse.search(db, GUILD_A, "external")).claims == []
    assert [c.claim_key for c in (await browse.search(db, GUILD_B, "external")).claims] == ["review"]


async def test_triggers_keep_the_index_in_sync_with_edits_and_deletes(db) -> None:
    await setup_two_guilds(db)
    article_id = await evaluated(db, "a", "Original headline", "First text.")
    await db.executemany("UPDATE articles SET title = ?, summary = ? WHERE id = ?",
                         [("Corrected headline", "Second text.", article_id)])
    assert (await browse.search(db, GUILD_A, "original")).articles == []
    assert [a.title for a in (await browse.search(db, GUILD_A, "corrected")).articles] == ["Corrected headline"]
    await admin.edit_statement(db, GUILD_A, "msft", "review", "Microsoft hired a law firm for the audit.",
                               **ALICE)
    assert [c.claim_key for c in (await browse.search(db, GUILD_A, "firm")).claims] == ["review"]
    assert (await browse.search(db, GUILD_A, "ordered")).claims == []
    await db.executemany("DELETE FROM articles WHERE id = ?", [(article_id,)])
    assert (await browse.search(db, GUILD_A, "corrected")).articles == []
    integrity = await db.fetchone("INSERT INTO articles_fts (articles_fts, rank) VALUES ('integrity-check', 1)")
    assert integrity is None  # rank 1: also compares the index with the table; raises if they disagree


async def test_the_migration_builds_the_index_for_an_existing_database(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    conn = sqlite3.connect(path)
    before = [m for m in migrations() if "fts" not in m[1]]
    fts_version = next(v for v, name, _ in migrations() if "fts" in name)
    for version, _, sql in before[:fts_version - 1]:
        for statement in _split_sql(sql):
            conn.execute(statement)
        conn.execute(f"PRAGMA user_version = {version}")
    conn.execute("INSERT INTO articles (identity, url, title, summary, content, source, content_hash, "
                 "first_seen_at, updated_at) VALUES ('x', 'https://n.example/x', 'Old azure story', "
                 "'Stored before search existed.', '', 'Outlet', 'h', '2025-01-01', '2025-01-01')")
    conn.commit()
    conn.close()
    async with await Database.open(path) as db:
        rows = await db.fetchall("SELECT rowid FROM articles_fts WHERE articles_fts MATCH 'azure'")
        assert len(rows) == 1


def test_search_page_escapes_feed_text_and_bolds_only_the_hits() -> None:
    results = browse.SearchResults("azure", [], [])
    hostile = f"@everyone **fake** {HIT_START}Azure{HIT_END} <@123> [x](https://evil.example)"
    article = type("A", (), {"title": "t", "url": None, "source": "s", "published": None,
                             "first_seen": None, "snippet": hostile})()
    page = fmt.search_pages(browse.SearchResults("azure", [], [article]))[0].description or ""
    assert "**Azure**" in page and "\\*\\*fake\\*\\*" in page
    assert "@everyone" not in page and "<@123>" not in page and "\\[x\\]" in page
    assert results.claims == []


def test_fts_query_quotes_words_and_keeps_operators() -> None:
    assert fts_query("Microsoft's review") == '"Microsoft\'s" "review"'
    assert fts_query("revi*") == '"revi"*'
    assert fts_query('"unit 8200" OR azure') == '"unit 8200" OR "azure"'
    assert fts_query("**") == ""


async def test_removing_a_topic_keeps_the_claim_index_consistent(db) -> None:
    await setup_two_guilds(db)
    await admin.remove_topic(db, GUILD_A, "msft", **ALICE)
    assert (await browse.search(db, GUILD_A, "external")).claims == []
    assert [c.claim_key for c in (await browse.search(db, GUILD_B, "external")).claims] == ["review"]
    await db.fetchone("INSERT INTO claims_fts (claims_fts, rank) VALUES ('integrity-check', 1)")


async def test_page_text_is_searched_and_the_index_follows_pages_and_revisions(db) -> None:
    """Migration 0007: the text of the page read for an article's current revision is indexed;
    pages are upserted (a refetch replaces the row), revisions make older pages irrelevant."""
    await setup_two_guilds(db)
    article_id = await evaluated(db, "p", "Acme statement", "A short summary.")
    digest = (await db.fetchone("SELECT content_hash FROM articles WHERE id = ?", (article_id,)))[0]
    feed = await feed_id(db, FEED_A)

    async def consistent() -> None:
        await db.fetchone("INSERT INTO articles_fts (articles_fts, rank) VALUES ('integrity-check', 1)")

    def page(text: str, source: str = "article_page", content_hash: str = digest) -> StoredPage:
        return StoredPage(article_id, content_hash, feed, source, None, text)

    titles = lambda r: [a.title for a in r.articles]  # noqa: E731
    await article_pages.save_pages(db, [page("The full page mentions zeppelins over the harbour.")])
    found = await browse.search(db, GUILD_A, "zeppelins")
    assert titles(found) == ["Acme statement"] and f"{HIT_START}zeppelins{HIT_END}" in found.articles[0].snippet
    await consistent()
    await article_pages.save_pages(db, [page("A refetch now mentions airships.")])  # the upsert path
    assert titles(await browse.search(db, GUILD_A, "zeppelins")) == []
    assert titles(await browse.search(db, GUILD_A, "airships")) == ["Acme statement"]
    await consistent()
    await article_pages.save_pages(db, [page("kept the feed's text", source="feed_summary")])
    assert titles(await browse.search(db, GUILD_A, "airships")) == []  # no page text any more
    await consistent()
    await article_pages.save_pages(db, [page("Pages of old revisions say balloons.", content_hash="other")])
    assert titles(await browse.search(db, GUILD_A, "balloons")) == []  # not the current revision
    await db.executemany("UPDATE articles SET content_hash = 'other', title = 'Acme statement, revised' "
                         "WHERE id = ?", [(article_id,)])
    assert titles(await browse.search(db, GUILD_A, "balloons")) == ["Acme statement, revised"]
    await consistent()
    await db.executemany("DELETE FROM article_pages WHERE article_id = ? AND content_hash = 'other'",
                         [(article_id,)])
    assert titles(await browse.search(db, GUILD_A, "balloons")) == []
    await article_pages.save_pages(db, [page("Back to zeppelins.", content_hash="other")])
    await db.executemany("DELETE FROM articles WHERE id = ?", [(article_id,)])  # pages go by cascade
    assert titles(await browse.search(db, GUILD_A, "zeppelins")) == []
    await consistent()
