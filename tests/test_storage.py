"""Storage on a real SQLite file: migrations, transactions, articles, claims, outbox."""

from __future__ import annotations

import asyncio
import hashlib
import json
from datetime import UTC, datetime, timedelta

import aiosqlite
import pytest

from bot.config import ClaimConfig, FeedConfig, TopicConfig
from bot.models import ClaimState, Entry, Status
from storage import articles, feeds, outbox, topics
from storage.articles import REVISION_LIMIT, Seen
from storage.db import Database, StorageError, migrations
from storage.outcomes import Post, TopicOutcome, record_outcomes


def entry(identity: str, *, url: str | None = None, title: str = "Title", body: str = "Body",
          source: str = "Outlet") -> Entry:
    digest = hashlib.sha256(f"{title}|{body}".encode()).hexdigest()
    return Entry(identity=identity, url=url, title=title, summary=body, content="",
                 published=datetime(2025, 9, 25, tzinfo=UTC), source=source, content_hash=digest)


async def tables(db: Database) -> set[str]:
    rows = await db.fetchall("SELECT name FROM sqlite_master WHERE type = 'table'")
    return {r[0] for r in rows}


async def test_fresh_database_is_migrated_with_wal_and_foreign_keys(db):
    assert await db.user_version() == len(migrations())
    assert {"feeds", "articles", "sightings", "claims", "claim_revisions", "outbox"} <= await tables(db)
    assert (await db.fetchone("PRAGMA journal_mode"))[0] == "wal"
    assert (await db.fetchone("PRAGMA foreign_keys"))[0] == 1


async def test_migrating_an_older_database_keeps_its_data(tmp_path):
    path = tmp_path / "old.db"
    async with aiosqlite.connect(path) as conn:  # a database left by version 1 of the schema
        _, _, first = migrations()[0]
        await conn.executescript(first)
        await conn.execute("PRAGMA user_version = 1")
        await conn.execute("INSERT INTO feeds (url, created_at) VALUES ('https://a.example/rss', 'x')")
        await conn.commit()
    db = await Database.open(path)
    try:
        assert await db.user_version() == len(migrations())
        assert [f.url for f in await feeds.all_feeds(db)] == ["https://a.example/rss"]
    finally:
        await db.close()


async def test_database_newer_than_code_is_refused(tmp_path):
    path = tmp_path / "new.db"
    async with aiosqlite.connect(path) as conn:
        await conn.execute("PRAGMA user_version = 999")
        await conn.commit()
    with pytest.raises(StorageError, match="newer than this Dossier"):
        await Database.open(path)


async def test_transaction_rolls_back_on_error(db):
    with pytest.raises(RuntimeError):
        async with db.transaction() as conn:
            await conn.execute("INSERT INTO meta (key, value) VALUES ('a', 'b')")
            raise RuntimeError("boom")
    assert await db.fetchone("SELECT * FROM meta") is None
    async with db.transaction() as conn:
        await conn.execute("INSERT INTO meta (key, value) VALUES ('a', 'b')")
    assert (await db.fetchone("SELECT value FROM meta"))[0] == "b"


async def test_a_task_cancelled_while_its_begin_runs_leaves_no_transaction_open(db, monkeypatch):
    # Stopping the poller mid-cycle cancels it wherever it waits, also on BEGIN: aiosqlite's
    # worker thread still runs the BEGIN, and nothing must be left holding the connection.
    began = asyncio.Event()
    real = db.conn.execute

    def spy(sql, *args):
        if sql.startswith("BEGIN"):
            began.set()
        return real(sql, *args)

    async def write() -> None:
        async with db.transaction() as conn:
            await conn.execute("INSERT INTO meta (key, value) VALUES ('lost', 'x')")

    monkeypatch.setattr(db.conn, "execute", spy)
    task = asyncio.create_task(write())
    await began.wait()  # the task now waits on its BEGIN
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    monkeypatch.undo()
    async with db.transaction() as conn:
        await conn.execute("INSERT INTO meta (key, value) VALUES ('next', 'y')")
    assert not db.conn.in_transaction
    assert [tuple(r) for r in await db.fetchall("SELECT key FROM meta")] == [("next",)]


async def two_feeds(db):
    await feeds.sync_config_feeds(db, [FeedConfig("https://a.example/rss"),
                                       FeedConfig("https://b.example/rss")])
    return [f.id for f in await feeds.all_feeds(db)]


async def test_same_story_in_two_feeds_is_one_article_with_two_sightings(db):
    a, b = await two_feeds(db)
    first = await articles.store_entries(db, a, [entry("guid-a", url="https://n.example/story")])
    second = await articles.store_entries(db, b, [entry("guid-b", url="https://n.example/story")])
    assert first[0].seen is Seen.NEW and second[0].seen is Seen.UNCHANGED
    assert first[0].article_id == second[0].article_id
    assert len(await articles.sightings(db, first[0].article_id)) == 2
    assert (await db.fetchone("SELECT COUNT(*) FROM articles"))[0] == 1


async def test_changed_content_is_a_revision_counted_at_most_the_limit(db):
    a, _ = await two_feeds(db)
    await articles.store_entries(db, a, [entry("g", body="v0")])
    seen = []
    for version in range(1, REVISION_LIMIT + 3):
        result = await articles.store_entries(db, a, [entry("g", body=f"v{version}")])
        seen.append(result[0].seen)
    assert seen[:REVISION_LIMIT] == [Seen.REVISED] * REVISION_LIMIT
    assert set(seen[REVISION_LIMIT:]) == {Seen.UNCHANGED}
    stored = await articles.get_article(db, result[0].article_id)
    assert stored.summary == f"v{REVISION_LIMIT + 2}"  # the text stays current even past the cap
    count = await db.fetchone("SELECT COUNT(*) FROM article_revisions")
    assert count[0] == REVISION_LIMIT + 2


async def test_unchanged_entry_is_not_new(db):
    a, _ = await two_feeds(db)
    await articles.store_entries(db, a, [entry("g")])
    assert (await articles.store_entries(db, a, [entry("g")]))[0].seen is Seen.UNCHANGED


async def test_feed_poll_state_and_pause(db):
    a, _ = await two_feeds(db)
    now = datetime(2026, 1, 1, tzinfo=UTC)
    await feeds.record_poll(db, a, now=now, next_poll_at=now + timedelta(minutes=15), status=200,
                            ok=True, error=None, etag='"v1"', last_modified=None, failures=0)
    assert [f.id for f in await feeds.due_feeds(db, now)] != [a]
    await feeds.record_poll(db, a, now=now, next_poll_at=now, status=500, ok=False,
                            error="HTTP 500", etag='"v1"', last_modified=None, failures=8,
                            pause_reason="paused after 8 failures")
    row = await feeds.get_feed(db, "https://a.example/rss")
    assert row.paused and row.etag == '"v1"' and row.failures == 8 and row.polls_ok == 1
    assert a not in [f.id for f in await feeds.due_feeds(db, now + timedelta(days=1))]
    resumed = await feeds.set_paused(db, "https://a.example/rss", False)
    assert not resumed.paused and resumed.failures == 0


def topic_config(statement: str = "The review is ongoing.") -> TopicConfig:
    return TopicConfig(key="t", title="T", keywords=(("a",),), claims=(
        ClaimConfig(key="review", statement=statement, status=Status.ONGOING),
    ))


async def test_installing_topics_is_idempotent_and_file_edits_are_revisions(db):
    await topics.install_topics(db, 0, [topic_config()])
    await topics.install_topics(db, 0, [topic_config()])
    record = await topics.get_topic(db, 0, "t")
    history = await topics.claim_history(db, record.claim_ids["review"])
    assert [h.change_kind for h in history] == ["created"]
    await topics.install_topics(db, 0, [topic_config("The review has concluded.")])
    record = await topics.get_topic(db, 0, "t")
    assert record.state.claims[0].statement == "The review has concluded."
    history = await topics.claim_history(db, record.claim_ids["review"])
    assert [(h.rev, h.change_kind, h.actor) for h in history] == [
        (1, "created", "feeds.yaml"), (2, "edit", "feeds.yaml")]


async def test_a_claim_is_loaded_with_the_figures_its_revisions_held_before(db):
    """What change detection reads as history (bot.match.changes): figures of earlier
    revisions that the claim no longer holds, oldest first."""
    from dataclasses import replace

    await topics.install_topics(db, 0, [topic_config()])
    record = await topics.get_topic(db, 0, "t")
    claim_id, first = record.claim_ids["review"], record.state.claims[0]
    assert first.former_figures == ()
    steps = [(Status.ONGOING, ("$10 million",)), (Status.ONGOING, ("$12 million",)),
             (Status.CONCLUDED, ("$12 million",)), (Status.ONGOING, ("$15 million",))]
    for status, figures in steps:
        async with db.transaction() as conn:
            await topics.save_claim(conn, claim_id, replace(first, status=status, figures=figures),
                                    kind="status_change", reason="test", article_id=None, actor="dossier")
    claim = (await topics.get_topic(db, 0, "t")).state.claims[0]
    assert (claim.status, claim.figures) == (Status.ONGOING, ("$15 million",))
    assert claim.former_figures == ("$10 million", "$12 million")


async def test_scopes_are_separate(db):
    await topics.install_topics(db, 0, [topic_config()])
    await topics.install_topics(db, 42, [topic_config()])
    assert len(await topics.topics_for_scope(db, 42)) == 1
    assert (await topics.get_topic(db, 42, "t")).id != (await topics.get_topic(db, 0, "t")).id


async def test_outcomes_apply_propose_and_queue_each_update_once(db):
    a, _ = await two_feeds(db)
    await topics.install_topics(db, 0, [topic_config()])
    record = await topics.get_topic(db, 0, "t")
    claim_id = record.claim_ids["review"]
    stored = await articles.store_entries(db, a, [entry("g")])
    concluded = ClaimState("review", "The review is ongoing.", Status.CONCLUDED, sources=("Outlet",))
    posts = [
        Post(kind="status_change", claim_id=claim_id, payload={"change": "status_change"},
             embed={"title": "x"}, new_state=concluded, reason="status ongoing -> concluded",
             after_value="concluded"),
        Post(kind="figure_change", claim_id=claim_id, payload={"change": "figure_change"},
             embed={"title": "y"}, proposal=True, before_value="8 TB", after_value="9 TB"),
    ]
    outcome = TopicOutcome(record.id, 0, True, {"gate": {}}, [(claim_id, 88.0, "ev")], posts)
    ids = await record_outcomes(db, stored[0].article_id, "h", [outcome], backlog=True)
    assert len(ids) == 2
    again = await record_outcomes(db, stored[0].article_id, "h", [outcome], backlog=True)
    assert again == []  # the same updates are never queued twice
    record = await topics.get_topic(db, 0, "t")
    assert record.state.claims[0].status is Status.CONCLUDED
    history = await topics.claim_history(db, claim_id)
    assert history[-1].change_kind == "status_change" and history[-1].actor == "dossier"
    proposal = await db.fetchone("SELECT state, after_value FROM proposals")
    assert tuple(proposal) == ("pending", "9 TB")
    rows = await outbox.pending(db, 0)
    assert [r.kind for r in rows] == ["status_change", "figure_change"]
    assert all(r.backlog for r in rows) and len({r.nonce for r in rows}) == 2
    await outbox.mark_sent(db, [rows[0].id], channel_id=5, message_id=77)
    assert [r.kind for r in await outbox.pending(db, 0)] == ["figure_change"]
    sent = await outbox.sent_message_for_article(db, 0, stored[0].article_id, record.id)
    assert sent is not None and sent.message_id == 77


async def test_evaluation_detail_is_stored_as_json_dumps_with_str_default(db):
    a, _ = await two_feeds(db)
    await topics.install_topics(db, 0, [topic_config()])
    record = await topics.get_topic(db, 0, "t")
    stored = await articles.store_entries(db, a, [entry("d")])
    detail = {"gate": {"passed": False, "terms": ("a", "b")}, "when": datetime(2025, 1, 2, tzinfo=UTC),
              "score": 0.5, "note": "“quoted” é", "none": None}
    await record_outcomes(db, stored[0].article_id, "h", [TopicOutcome(record.id, 0, False, detail)],
                          backlog=False)
    row = await db.fetchone("SELECT detail FROM evaluations WHERE article_id = ?", (stored[0].article_id,))
    assert row[0] == json.dumps(detail, default=str)
