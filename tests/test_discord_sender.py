"""The Discord sender against the local stand-in: the real discord.py HTTP client, real SQLite.

Every case drains real outbox rows (written by storage.outcomes.record_outcomes, as the
pipeline writes them) and asserts what reached "Discord" and what the database says after:
one post per update, digests for a backlog, edits for revised articles, nonces against
duplicates, and failures (429, 5xx, 403, 404) that lose nothing and never storm.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import discord
import pytest

from bot.config import ClaimConfig, TopicConfig
from bot.discord_bot.client import make_intents
from bot.discord_bot.review_buttons import review_view
from bot.discord_bot.sender import MAX_ATTEMPTS, Sender
from bot.models import ArticleRef, Change, ChangeKind, Status
from bot.render.embed import render_embed
from bot.render.jsonl import change_to_json
from storage import delivery, outbox
from storage import topics as topic_store
from storage.db import Database, to_db_time, utcnow
from storage.outcomes import Post, TopicOutcome, record_outcomes
from tests.discord_standin import (
    MISSING_PERMISSIONS,
    DiscordStandIn,
    fixtures,
    running_client,
)

TOPIC = TopicConfig(
    key="acme-recall", title="Acme and the widget recall",
    keywords=(("acme",), ("widget", "widgets")),
    claims=(ClaimConfig("review", "Acme's safety review is ongoing.", Status.ONGOING),),
)
LATER = timedelta(hours=2)  # past any retry delay the sender chose


def assert_embed_within_limits(embed: dict[str, Any]) -> None:
    assert len(embed.get("title") or "") <= 256
    assert len(embed.get("description") or "") <= 4096
    fields = embed.get("fields") or []
    assert len(fields) <= 25
    for f in fields:
        assert 0 < len(f["name"]) <= 256 and 0 < len(f["value"]) <= 1024
    assert len((embed.get("footer") or {}).get("text") or "") <= 2048
    total = (len(embed.get("title") or "") + len(embed.get("description") or "")
             + sum(len(f["name"]) + len(f["value"]) for f in fields)
             + len((embed.get("footer") or {}).get("text") or ""))
    assert total <= 6000


@dataclass
class Env:
    standin: DiscordStandIn
    client: discord.Client
    db: Database
    sender: Sender
    world: fixtures.GuildWorld
    admin_channel_id: int
    topic_id: int
    claim_id: int
    articles: int = 0

    @property
    def guild_id(self) -> int:
        return self.world.guild_id

    @property
    def channel_id(self) -> int:
        return self.world.channel_id

    def posts(self, channel_id: int | None = None) -> list[Any]:
        return self.standin.requests_to("POST", rf"/channels/{channel_id or self.channel_id}/messages")

    async def article(self, title: str) -> int:
        self.articles += 1
        now = to_db_time(utcnow())
        async with self.db.transaction() as conn:
            cur = await conn.execute(
                """INSERT INTO articles (identity, url, title, summary, content, published_at, source,
                       content_hash, first_seen_at, updated_at) VALUES (?, ?, ?, '', '', ?, 'Wire', ?, ?, ?)""",
                (f"id-{self.articles}", f"https://news.example/{self.articles}", title, now,
                 f"hash-{self.articles}", now, now))
            return int(cur.lastrowid or 0)

    async def queue(self, *, title: str = "Acme concludes its review", kind: ChangeKind = ChangeKind.NEW_SOURCE,
                    after: str = "Wire", backlog: bool = False, proposal: bool = False,
                    article_id: int | None = None, nonce_extra: str = "") -> list[int]:
        """Write one update to the outbox the way the pipeline does."""
        if article_id is None:
            article_id = await self.article(title)
        change = Change(
            kind=kind, topic_key=TOPIC.key, topic_title=TOPIC.title, claim_key="review",
            claim_statement="Acme's safety review is ongoing.",
            article=ArticleRef(f"https://news.example/{article_id}", title, "Wire",
                               datetime(2026, 3, 1, 12, tzinfo=UTC)),
            score=81.5, evidence="Acme said it concluded the review.", before=None, after=after,
            confident=not proposal,
        )
        post = Post(kind=kind.value, claim_id=self.claim_id, payload=change_to_json(change),
                    embed=render_embed(change), proposal=proposal, after_value=after,
                    nonce_extra=nonce_extra)
        return await record_outcomes(
            self.db, article_id, f"hash-{article_id}",
            [TopicOutcome(self.topic_id, self.guild_id, True, {}, posts=[post])], backlog=backlog)

    async def row(self, row_id: int) -> outbox.OutboxRow:
        found = await self.db.fetchone("SELECT * FROM outbox WHERE id = ?", (row_id,))
        return outbox.outbox_from_row(found)


@pytest.fixture
async def env(db: Database) -> AsyncIterator[Env]:
    app_user = fixtures.bot_user()
    world = fixtures.make_guild(app_user)
    admin_channel = fixtures.text_channel(world.guild_id, "dossier-admins")
    world.guild["channels"].append(admin_channel)
    client = discord.Client(intents=make_intents(), allowed_mentions=discord.AllowedMentions.none(),
                            max_ratelimit_timeout=30.0)
    async with (DiscordStandIn(guilds=[world.guild], bot_user=app_user) as standin, client,
                running_client(client, standin)):
        await topic_store.install_topics(db, world.guild_id, [TOPIC])
        record = await topic_store.get_topic(db, world.guild_id, TOPIC.key)
        async with db.transaction() as conn:
            await conn.execute(
                "INSERT INTO guilds (guild_id, name, admin_channel_id, installed_at) VALUES (?, ?, ?, ?)",
                (world.guild_id, "Test", int(admin_channel["id"]), to_db_time(utcnow())))
            await conn.execute("UPDATE topics SET channel_id = ? WHERE id = ?",
                               (world.channel_id, record.id))
        sender = Sender(client, db, review_view_factory=review_view)
        yield Env(standin, client, db, sender, world, int(admin_channel["id"]), record.id,
                  record.claim_ids["review"])


async def test_one_post_per_update_with_nonce_and_no_mentions(env: Env) -> None:
    ids = await env.queue(title="@everyone Acme <@123> concludes its review")
    report = await env.sender.drain()
    assert report.sent == 1
    (post,) = env.posts()
    body = post.json
    assert body["allowed_mentions"] == {"parse": []}
    assert body["enforce_nonce"] is True
    row = await env.row(ids[0])
    assert body["nonce"] == row.nonce
    (embed,) = body["embeds"]
    assert_embed_within_limits(embed)
    assert "@everyone" not in embed["title"] and "<@123>" not in embed["title"]
    assert "```diff" in embed["description"]
    assert row.state == "sent" and row.message_id == int(post.response["id"])
    assert row.channel_id == env.channel_id
    # Drained again: nothing new to post.
    assert (await env.sender.drain()).sent == 0
    assert len(env.posts()) == 1


async def test_oversized_update_is_cut_to_discords_limits(env: Env) -> None:
    await env.queue(title="Acme " + "widget " * 2000, after="x" * 5000)
    await env.sender.drain()
    (post,) = env.posts()
    assert post.status == 200
    assert_embed_within_limits(post.json["embeds"][0])


async def test_backlog_becomes_one_digest(env: Env) -> None:
    ids = []
    for i in range(5):
        ids += await env.queue(title=f"Backlog story {i}", backlog=True)
    report = await env.sender.drain()
    assert report.digests == 1 and report.sent == 5
    (post,) = env.posts()
    (embed,) = post.json["embeds"]
    assert "5 updates" in embed["title"]
    assert embed["description"].count("Backlog story") == 5
    assert_embed_within_limits(embed)
    rows = [await env.row(i) for i in ids]
    assert {r.state for r in rows} == {"sent"}
    assert {r.message_id for r in rows} == {int(post.response["id"])}


async def test_short_rate_limit_is_waited_out_by_discord_py(env: Env) -> None:
    env.standin.queue_rate_limit("POST", rf"/channels/{env.channel_id}/messages", retry_after=0.01)
    ids = await env.queue()
    report = await env.sender.drain()
    assert report.sent == 1
    assert [p.status for p in env.posts()] == [429, 200]
    assert len(env.standin.messages_in(env.channel_id)) == 1
    assert (await env.row(ids[0])).state == "sent"


async def test_long_rate_limit_is_retried_later_not_waited_in_line(env: Env) -> None:
    env.standin.queue_rate_limit("POST", rf"/channels/{env.channel_id}/messages", retry_after=120)
    ids = await env.queue()
    report = await env.sender.drain()
    assert report.retried == 1 and report.sent == 0
    row = await env.row(ids[0])
    assert row.state == "pending" and row.attempts == 1
    assert row.next_attempt_at is not None
    assert row.next_attempt_at >= utcnow() + timedelta(seconds=100)  # honours retry_after
    assert (await env.sender.drain()).sent == 0  # not due yet: no request at all
    assert len(env.posts()) == 1
    report = await env.sender.drain(now=utcnow() + LATER)
    assert report.sent == 1
    assert len(env.standin.messages_in(env.channel_id)) == 1


async def test_server_error_is_retried_with_backoff_then_sent(env: Env) -> None:
    path = rf"/channels/{env.channel_id}/messages"
    env.standin.queue_response("POST", path, status=503, body={"message": "unavailable", "code": 0})
    ids = await env.queue()
    report = await env.sender.drain()
    assert report.retried == 1
    row = await env.row(ids[0])
    assert row.state == "pending" and "503" in (row.last_error or "")
    assert (await env.sender.drain()).sent == 0
    assert (await env.sender.drain(now=utcnow() + LATER)).sent == 1
    assert [p.status for p in env.posts()] == [503, 200]
    assert len(env.standin.messages_in(env.channel_id)) == 1


async def test_retries_are_bounded(env: Env) -> None:
    path = rf"/channels/{env.channel_id}/messages"
    env.standin.queue_response("POST", path, status=503, body={"message": "unavailable", "code": 0},
                               times=MAX_ATTEMPTS + 5)
    ids = await env.queue()
    now = utcnow()
    for _ in range(MAX_ATTEMPTS + 3):
        now += timedelta(days=1)
        await env.sender.drain(now=now)
    assert len(env.posts()) == MAX_ATTEMPTS  # then it stops asking
    row = await env.row(ids[0])
    assert row.state == "held" and "gave up" in (row.last_error or "")


@pytest.mark.parametrize("broken", ["forbidden", "deleted"])
async def test_403_and_404_hold_posts_flag_the_channel_and_tell_admins(env: Env, broken: str) -> None:
    if broken == "forbidden":
        env.standin.queue_error("POST", rf"/channels/{env.channel_id}/messages", MISSING_PERMISSIONS,
                                times=1)
    else:  # the channel was deleted: point the topic at a channel Discord does not know
        async with env.db.transaction() as conn:
            await conn.execute("UPDATE topics SET channel_id = 4242 WHERE id = ?", (env.topic_id,))
    bad_channel = env.channel_id if broken == "forbidden" else 4242
    first = await env.queue(title="First")
    second = await env.queue(title="Second")
    report = await env.sender.drain()
    assert report.held == 2 and report.sent == 0
    assert len(env.posts(bad_channel)) == 1  # stopped at the first failure: no storm
    for row_id in first + second:
        assert (await env.row(row_id)).state == "held"
    topic = await env.db.fetchone("SELECT channel_error FROM topics WHERE id = ?", (env.topic_id,))
    assert topic["channel_error"] and ("403" in topic["channel_error"] or "404" in topic["channel_error"])
    (notice,) = env.posts(env.admin_channel_id)
    assert "acme-recall" in notice.json["content"]
    assert notice.json["allowed_mentions"] == {"parse": []}

    # Held posts are not retried while the channel is broken: a drain sends nothing.
    await env.sender.drain(now=utcnow() + LATER)
    assert len(env.posts(bad_channel)) == 1
    # A new update is held without an attempt (order is kept), and the admins are told only once.
    await env.queue(title="Third")
    report = await env.sender.drain(now=utcnow() + LATER)
    assert report.held == 1 and report.sent == 0
    assert len(env.posts(bad_channel)) == 1
    assert len(env.posts(env.admin_channel_id)) == 1

    # An admin fixes it (a channel that works): everything kept is posted, in order.
    async with env.db.transaction() as conn:
        await conn.execute("UPDATE topics SET channel_id = ? WHERE id = ?", (env.channel_id, env.topic_id))
    await delivery.mark_channel_ok(env.db, env.guild_id, env.channel_id)
    await outbox.release_held(env.db, env.guild_id)
    report = await env.sender.drain()
    assert report.sent == 3
    titles = [m["embeds"][0]["title"] for m in env.standin.messages_in(env.channel_id)]
    assert [t.split(": ", 1)[1] for t in titles] == ["First", "Second", "Third"]


async def test_crash_between_send_and_mark_does_not_post_twice(env: Env,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    ids = await env.queue()
    real_mark_sent = outbox.mark_sent

    async def crash(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("power cut")

    monkeypatch.setattr(outbox, "mark_sent", crash)
    with pytest.raises(RuntimeError, match="power cut"):
        await env.sender.drain()
    assert (await env.row(ids[0])).state == "pending"  # the post went out, the mark did not

    monkeypatch.setattr(outbox, "mark_sent", real_mark_sent)
    report = await env.sender.drain()  # "after the restart"
    assert report.sent == 1
    posts = env.posts()
    assert len(posts) == 2 and posts[0].json["nonce"] == posts[1].json["nonce"]
    assert posts[1].response["id"] == posts[0].response["id"]  # Discord handed back the first
    assert len(env.standin.messages_in(env.channel_id)) == 1
    assert (await env.row(ids[0])).message_id == int(posts[0].response["id"])


async def test_revised_article_edits_the_message_already_posted(env: Env) -> None:
    article_id = await env.article("Acme concludes its review")
    await env.queue(article_id=article_id)
    await env.sender.drain()
    (first,) = env.posts()
    message_id = first.response["id"]

    revised = await env.queue(article_id=article_id, kind=ChangeKind.ARTICLE_REVISED,
                              title="Acme concludes its review (updated)", after="updated",
                              nonce_extra="hash-2")
    report = await env.sender.drain()
    assert report.edited == 1
    assert len(env.posts()) == 1  # no second post
    (edit,) = env.standin.requests_to("PATCH", rf"/channels/{env.channel_id}/messages/{message_id}")
    assert edit.json["allowed_mentions"] == {"parse": []}
    assert "(updated)" in edit.json["embeds"][0]["title"]
    assert "(updated)" in env.standin.messages[message_id]["embeds"][0]["title"]
    row = await env.row(revised[0])
    assert row.state == "sent" and row.message_id == int(message_id)


async def test_revision_of_a_deleted_message_is_posted_anew(env: Env) -> None:
    article_id = await env.article("Acme concludes its review")
    await env.queue(article_id=article_id)
    await env.sender.drain()
    message_id = env.posts()[0].response["id"]
    del env.standin.messages[message_id]  # someone deleted the post
    await env.queue(article_id=article_id, kind=ChangeKind.ARTICLE_REVISED, after="updated",
                    title="Acme concludes its review (updated)", nonce_extra="hash-2")
    report = await env.sender.drain()
    assert report.sent == 1
    assert len(env.posts()) == 2
    assert len(env.standin.messages_in(env.channel_id)) == 1


async def test_proposals_go_to_the_admin_channel_with_review_buttons(env: Env) -> None:
    ids = await env.queue(proposal=True, kind=ChangeKind.STATUS_CHANGE, after="concluded")
    row = await env.row(ids[0])
    assert row.proposal_id is not None
    await env.sender.drain()
    assert env.posts() == []
    (post,) = env.posts(env.admin_channel_id)
    (action_row,) = post.json["components"]
    custom_ids = [c["custom_id"] for c in action_row["components"]]
    assert custom_ids == [f"dossier:review:{row.proposal_id}:{d}" for d in ("accept", "reject", "unrelated")]
    assert post.json["allowed_mentions"] == {"parse": []}


async def test_no_channel_configured_keeps_updates_waiting(env: Env) -> None:
    async with env.db.transaction() as conn:
        await conn.execute("UPDATE topics SET channel_id = NULL WHERE id = ?", (env.topic_id,))
    ids = await env.queue()
    report = await env.sender.drain()
    assert report.waiting_for_channel == 1
    assert env.posts() == []
    assert (await env.row(ids[0])).state == "pending"
    payload = json.loads((await env.db.fetchone("SELECT payload FROM outbox WHERE id = ?", ids))[0])
    assert payload["topic"] == "acme-recall"
