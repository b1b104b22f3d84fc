"""Every slash command and every refusal, through the real bot and its real CommandTree.

The real DossierBot (real discord.py client, real cogs, real SQLite, real pipeline over a
loopback feed server) runs against the local Discord stand-in. Interactions are real
INTERACTION_CREATE payloads dispatched through the stand-in's gateway; what the bot sent
back is read from the stand-in's recorded REST calls. The poll loop is removed after start
so each test drives the pipeline and the sender itself, without races.
"""

from __future__ import annotations

import asyncio
import copy
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from email.utils import format_datetime
from pathlib import Path
from typing import Any

import discord
import pytest
from discord.ext import commands

from bot.config import ClaimConfig, Config, FeedConfig, TopicConfig
from bot.discord_bot.client import DossierBot
from bot.fetch.client import Fetcher
from bot.match import Thresholds
from bot.models import Status
from bot.pipeline import Pipeline
from bot.settings import Settings
from bot.startup import with_initial_figures
from storage.db import Database
from tests.discord_standin import DiscordStandIn, RecordedRequest, fixtures, running_client
from tests.feedserver import FeedServer

TOKEN = "standin.fake.token"
ADMIN_ROLE = "Dossier Admins"
EPHEMERAL = 64

TOPIC = TopicConfig(
    key="acme-recall", title="Acme and the widget recall",
    keywords=(("acme",), ("widget", "widgets")), exclude=("stock tips",),
    claims=(
        ClaimConfig("review", "Acme's safety review of the exploding widgets is ongoing.", Status.ONGOING),
        ClaimConfig("units", "Acme recalled up to 40,000 widgets sold in Canada.", Status.CONFIRMED),
    ),
)
CONCLUDED = ("g-1", "https://news.example/acme-review-done",
             "Acme concludes safety review of exploding widgets",
             "Acme said on Monday it has concluded its safety review of the exploding widgets. "
             "The company recalled up to 40,000 widgets sold in Canada last year.")
FIGURE = ("g-3", "https://news.example/acme-more-widgets", "Acme recall grows",
          "Acme said on Monday it recalled up to 55,000 widgets sold in Canada, more than first reported.")
UNRELATED = ("g-2", "https://news.example/weather", "Sunny weekend ahead",
             "Forecasters expect a warm and sunny weekend across the region.")


def rss(*items: tuple[str, str, str, str], title: str = "Wire") -> bytes:
    when = format_datetime(datetime(2026, 3, 1, 12, tzinfo=UTC))
    body = "".join(
        f"<item><guid isPermaLink='false'>{g}</guid><link>{link}</link><title>{t}</title>"
        f"<pubDate>{when}</pubDate><description>{d}</description></item>"
        for g, link, t, d in items
    )
    return (f"<?xml version='1.0' encoding='utf-8'?><rss version='2.0'><channel><title>{title}</title>"
            f"{body}</channel></rss>").encode()


# --- assertions on recorded bodies ---------------------------------------------------------------


def assert_embed_within_limits(embed: dict[str, Any]) -> None:
    assert len(embed.get("title") or "") <= 256
    assert len(embed.get("description") or "") <= 4096
    fields = embed.get("fields") or []
    assert len(fields) <= 25
    for f in fields:
        assert 0 < len(f["name"]) <= 256 and 0 < len(f["value"]) <= 1024
    footer = (embed.get("footer") or {}).get("text") or ""
    assert len(footer) <= 2048
    total = (len(embed.get("title") or "") + len(embed.get("description") or "") + len(footer)
             + sum(len(f["name"]) + len(f["value"]) for f in fields))
    assert total <= 6000


def data_of(callback: RecordedRequest, *, ephemeral: bool = True) -> dict[str, Any]:
    """The reply's data, after the checks every reply must pass."""
    assert callback.status in (200, 204), callback.response
    assert callback.json["type"] in (4, 7), callback.json
    data = callback.json["data"]
    assert data["allowed_mentions"] == {"parse": []}
    assert bool(int(data.get("flags") or 0) & EPHEMERAL) is ephemeral
    for embed in data.get("embeds") or []:
        assert_embed_within_limits(embed)
    return data


async def answer_of(env: Env, callback: RecordedRequest) -> dict[str, Any]:
    """The answer the user saw: the reply itself, or the follow-up of a deferred reply."""
    if callback.json["type"] != 5:
        return data_of(callback)
    token = callback.route.split("/")[3]
    followup = await env.standin.wait_for_request("POST", rf"/webhooks/{env.standin.application_id}/{token}")
    assert followup.json["allowed_mentions"] == {"parse": []}
    assert int(followup.json.get("flags") or 0) & EPHEMERAL
    return followup.json


def text_of(data: dict[str, Any]) -> str:
    parts = [data.get("content") or ""]
    for embed in data.get("embeds") or []:
        parts += [embed.get("title") or "", embed.get("description") or ""]
        parts += [f"{f['name']} {f['value']}" for f in embed.get("fields") or []]
    return "\n".join(parts)


TABLES = ("topics", "claims", "claim_revisions", "feeds", "subscriptions", "guilds", "audit_log",
          "proposals")


async def snapshot(db: Database) -> dict[str, list[tuple[Any, ...]]]:
    return {t: [tuple(r) for r in await db.fetchall(f"SELECT * FROM {t} ORDER BY rowid")]
            for t in TABLES}


# --- the world ----------------------------------------------------------------------------------


def staff_only_channel(world: fixtures.GuildWorld, name: str) -> dict[str, Any]:
    view = fixtures.VIEW_CHANNEL | fixtures.SEND_MESSAGES | fixtures.EMBED_LINKS | fixtures.READ_MESSAGE_HISTORY
    return fixtures.text_channel(world.guild_id, name, overwrites=[
        {"id": world.everyone_role["id"], "type": 0, "allow": "0", "deny": str(fixtures.VIEW_CHANNEL)},
        {"id": world.bot_role["id"], "type": 0, "allow": str(view), "deny": "0"},
        {"id": world.admin_role["id"], "type": 0, "allow": str(view), "deny": "0"},
    ])


@dataclass
class Server:
    world: fixtures.GuildWorld
    admin_channel: dict[str, Any]
    role_member: dict[str, Any]  # has the DOSSIER_ADMIN_ROLE role, not Manage Server

    @property
    def id(self) -> int:
        return self.world.guild_id


def make_server(app_user: dict[str, Any], name: str) -> Server:
    world = fixtures.make_guild(app_user, name=name)
    admin_channel = staff_only_channel(world, "dossier-admins")
    world.guild["channels"].append(admin_channel)
    role = fixtures.role(world.guild_id, ADMIN_ROLE, fixtures.EVERYONE_PERMISSIONS, position=1)
    world.guild["roles"].append(role)
    role_member = fixtures.member(fixtures.user(username="trusted"), [role])
    world.guild["members"].append(role_member)
    return Server(world, admin_channel, role_member)


@dataclass
class Env:
    standin: DiscordStandIn
    bot: DossierBot
    db: Database
    feeds: FeedServer
    a: Server
    b: Server

    @property
    def sender(self) -> Any:
        return self.bot.get_cog("Review").sender  # type: ignore[union-attr]

    async def call(self, name: str, options: dict[str, Any] | list[dict[str, Any]] | None = None, *,
                   who: dict[str, Any] | None = None, server: Server | None = None,
                   group: str | None = None, sub: str | None = None,
                   resolved: dict[str, Any] | None = None) -> RecordedRequest:
        server = server or self.a
        payload = fixtures.slash_interaction(
            name, options, guild=server.world.guild, channel=server.world.channel,
            member=who or server.world.admin, subcommand=sub, subcommand_group=group, resolved=resolved)
        return await self.standin.interact(payload)

    async def admin(self, *path: str, options: Any = None, **kwargs: Any) -> RecordedRequest:
        group, sub = (path[0], path[1]) if len(path) == 2 else (None, path[0])
        return await self.call("admin", options, group=group, sub=sub, **kwargs)

    async def complete(self, name: str, options: dict[str, Any], focused: str, *,
                       server: Server | None = None, group: str | None = None,
                       sub: str | None = None, who: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        server = server or self.a
        payload = fixtures.autocomplete_interaction(
            name, options, focused, guild=server.world.guild, channel=server.world.channel,
            member=who or server.world.member, subcommand=sub, subcommand_group=group)
        callback = await self.standin.interact(payload)
        assert callback.json["type"] == 8
        choices = callback.json["data"]["choices"]
        assert len(choices) <= 25
        assert all(len(c["name"]) <= 100 for c in choices)
        return choices

    async def poll(self) -> None:
        await self.bot.pipeline.run_cycle(force=True)

    def channel_option(self, channel: dict[str, Any], name: str = "channel") -> tuple[list[dict[str, Any]], dict]:
        resolved = {"channels": {channel["id"]: {**channel, "permissions": str(fixtures.ALL_PERMISSIONS)}}}
        return [fixtures.option(name, channel["id"], option_type=fixtures.CHANNEL)], resolved


@pytest.fixture
async def env(tmp_path: Path) -> AsyncIterator[Env]:
    app_user = fixtures.bot_user()
    a, b = make_server(app_user, "Server A"), make_server(app_user, "Server B")
    async with FeedServer() as feeds, await Database.open(tmp_path / "dossier.db") as db:
        feeds.route("/wire.xml", body=rss(CONCLUDED, FIGURE, UNRELATED))
        config = Config(path=Path("feeds.yaml"), feeds=(FeedConfig(url=feeds.url("/wire.xml"), name="Wire"),),
                        topics=(TOPIC,))
        settings = Settings(db_path=tmp_path / "dossier.db", discord_token=TOKEN, admin_role=ADMIN_ROLE)
        async with Fetcher(allow_private=True) as fetcher:
            # The concluded review (score 100) is applied; the grown figure is proposed for review.
            # questions about uncertain matches off: these tests count the change proposals
            # (tests/test_learning_bars.py covers the questions)
            pipeline = Pipeline(db, fetcher, thresholds=Thresholds(low=20, high=90), guard=False,
                                include_console_scope=False, questions=False)
            bot = DossierBot(settings=settings, config=with_initial_figures(config), db=db, pipeline=pipeline)
            async with (DiscordStandIn(guilds=[a.world.guild, b.world.guild], bot_user=app_user,
                                       token=TOKEN) as standin,
                        bot, running_client(bot, standin)):
                guilds = bot.get_cog("Guilds")
                for server in (a, b):
                    await asyncio.wait_for(guilds.installed_event(server.id).wait(), 5)  # type: ignore[union-attr]
                await bot.remove_cog("Poller")  # tests drive the pipeline and the sender themselves
                yield Env(standin, bot, db, feeds, a, b)


# --- sync ---------------------------------------------------------------------------------------


async def test_commands_are_synced_with_admin_hidden_from_members(env: Env) -> None:
    (put,) = env.standin.requests_to("PUT", rf"/applications/{env.standin.application_id}/commands")
    commands = {c["name"]: c for c in put.json}
    assert set(commands) == {"topics", "topic", "claim", "history", "updates", "search", "feeds", "why", "export",
                             "admin"}
    admin = commands["admin"]
    assert int(admin["default_member_permissions"]) == fixtures.MANAGE_GUILD
    assert admin["contexts"] == [0] or admin.get("dm_permission") is False
    groups = {o["name"]: o for o in admin["options"]}
    assert {"topic", "claim", "feed", "review", "channel", "review-channel", "thresholds", "audit"} <= set(groups)
    assert {o["name"] for o in groups["claim"]["options"]} == {
        "add", "edit", "status", "figure", "source", "retire", "merge", "unlearn"}
    assert {o["name"] for o in groups["feed"]["options"]} == {"add", "remove", "pause", "resume", "article",
                                                              "import", "export"}
    for name in ("topics", "topic", "claim", "why"):
        assert commands[name]["default_member_permissions"] is None
    topic = next(o for o in commands["topic"]["options"] if o["name"] == "topic")
    assert topic["autocomplete"] is True


async def test_restart_with_the_same_commands_does_not_sync_again(env: Env) -> None:
    assert env.bot.synced_commands
    assert await env.bot.sync_commands_if_changed() is False
    assert len(env.standin.requests_to("PUT", r"/applications/\d+/commands")) == 1


# --- members: browse ----------------------------------------------------------------------------


async def test_topics_lists_this_servers_topics_ephemerally(env: Env) -> None:
    data = data_of(await env.call("topics", who=env.a.world.member))
    text = text_of(data)
    assert "acme-recall" in text and "Acme and the widget recall" in text
    public = data_of(await env.call("topics", {"public": True}, who=env.a.world.member), ephemeral=False)
    assert "acme-recall" in text_of(public)


async def test_topic_shows_claims_and_status(env: Env) -> None:
    text = text_of(data_of(await env.call("topic", {"topic": "acme-recall"}, who=env.a.world.member)))
    assert "review" in text and "ongoing" in text and "units" in text and "40,000" in text


async def test_unknown_topic_is_a_clear_ephemeral_answer(env: Env) -> None:
    data = data_of(await env.call("topic", {"topic": "nope"}, who=env.a.world.member))
    assert "No topic `nope`" in data["content"]


async def test_claim_shows_statement_status_figures_sources(env: Env) -> None:
    text = text_of(data_of(await env.call("claim", {"topic": "acme-recall", "claim": "units"},
                                          who=env.a.world.member)))
    assert "Acme recalled up to 40,000 widgets" in text
    assert "confirmed" in text and "40,000" in text
    assert "/history acme-recall units" in text


async def test_history_pages_through_revisions_with_diffs(env: Env) -> None:
    for i in range(7):
        data_of(await env.admin("claim", "edit", options={
            "topic": "acme-recall", "claim": "review",
            "statement": f"Acme's safety review of the exploding widgets is in phase {i}."}))
    callback = await env.call("history", {"topic": "acme-recall", "claim": "review"}, who=env.a.world.member)
    data = data_of(callback)
    text = text_of(data)
    assert "Revision 8" in text  # newest first
    assert "~~" in text and "**" in text  # the word diff
    (row,) = data["components"]
    assert [c["label"] for c in row["components"]] == ["Previous", "Next"]
    assert data["embeds"][0]["footer"]["text"] == "Page 1 of 3"
    # Next page: the asker presses Next; the message is edited in place.
    message = env.standin.messages[callback.response["resource"]["message"]["id"]]
    press = await env.standin.interact(fixtures.component_interaction(
        row["components"][1]["custom_id"], message, guild=env.a.world.guild, channel=env.a.world.channel,
        member=env.a.world.member))
    assert press.json["type"] == 7
    assert press.json["data"]["embeds"][0]["footer"]["text"] == "Page 2 of 3"
    # Someone else cannot turn the asker's pages.
    other = await env.standin.interact(fixtures.component_interaction(
        row["components"][1]["custom_id"], message, guild=env.a.world.guild, channel=env.a.world.channel,
        member=env.a.world.admin))
    assert other.json["type"] == 4 and other.json["data"]["flags"] & EPHEMERAL


async def test_updates_search_feeds_and_why_after_a_poll(env: Env) -> None:
    await env.poll()
    member = env.a.world.member
    updates = text_of(data_of(await env.call("updates", who=member)))
    assert "Acme concludes safety review" in updates

    found = text_of(data_of(await env.call("search", {"query": "widgets"}, who=member)))
    assert "units" in found and "Acme concludes safety review" in found
    short = data_of(await env.call("search", {"query": "a"}, who=member))
    assert "at least 2" in short["content"]

    health = text_of(data_of(await env.call("feeds", who=member)))
    assert "Wire" in health and "last poll" in health

    why = text_of(data_of(await env.call("why", {"url": CONCLUDED[1] + "?utm_source=x"}, who=member)))
    assert "keyword gate passed" in why
    assert "review" in why and "applied" in why
    assert "of the claim's weight" in why and "distinctive terms" in why  # the features that decided it
    proposed = text_of(data_of(await env.call("why", {"url": FIGURE[1]}, who=env.a.world.admin)))
    assert "units" in proposed and "review proposal (units)" in proposed
    assert "Thresholds here" in why
    unrelated = text_of(data_of(await env.call("why", {"url": UNRELATED[1]}, who=member)))
    assert "keyword gate failed" in unrelated and "No post went out" in unrelated
    unseen = text_of(data_of(await env.call("why", {"url": "https://elsewhere.example/x"}, who=member)))
    assert "not seen" in unseen


async def test_untrusted_text_cannot_ping_or_break_markdown(env: Env) -> None:
    await env.admin("topic", "add", options={"key": "pings", "title": "@everyone **bold** <@&1>",
                                             "keywords": "acme"})
    data = data_of(await env.call("topics", who=env.a.world.member))
    text = text_of(data)
    assert "@everyone" not in text and "<@&1>" not in text
    assert "\\*\\*bold\\*\\*" in text


# --- autocomplete --------------------------------------------------------------------------------


async def test_autocomplete_topics_claims_and_feeds(env: Env) -> None:
    choices = await env.complete("topic", {"topic": "acm"}, "topic")
    assert choices == [{"name": "acme-recall — Acme and the widget recall", "value": "acme-recall"}]
    assert await env.complete("topic", {"topic": "zzz"}, "topic") == []
    claims = await env.complete("claim", {"topic": "acme-recall", "claim": "un"}, "claim")
    assert [c["value"] for c in claims] == ["units"]
    claims = await env.complete("claim", {"topic": "acme-recall", "claim": ""}, "claim")
    assert {c["value"] for c in claims} == {"review", "units"}
    merged = await env.complete("admin", {"topic": "acme-recall", "claim": "review", "into_topic": "acme-recall",
                                          "into_claim": "u"}, "into_claim", group="claim", sub="merge",
                                who=env.a.world.admin)
    assert [c["value"] for c in merged] == ["units"]
    feeds = await env.complete("admin", {"url": "wire"}, "url", group="feed", sub="pause", who=env.a.world.admin)
    assert [c["value"] for c in feeds] == [env.feeds.url("/wire.xml")]


async def test_autocomplete_many_topics_is_capped_at_25(env: Env) -> None:
    for i in range(30):
        data_of(await env.admin("topic", "add", options={"key": f"t{i:02d}", "title": f"Topic {i}",
                                                         "keywords": "acme"}))
    choices = await env.complete("topic", {"topic": "t"}, "topic")
    assert len(choices) == 25 and choices[0]["value"] == "t00"
    pages = data_of(await env.call("topics", who=env.a.world.member))
    assert pages["components"]  # 31 topics: paginated


# --- admins --------------------------------------------------------------------------------------


async def test_topic_admin_commands(env: Env) -> None:
    add = data_of(await env.admin("topic", "add", options={
        "key": "globex", "title": "Globex fine", "keywords": "globex; fine, penalty", "exclude": "sports"}))
    assert "`globex` added" in add["content"]
    data_of(await env.admin("topic", "rename", options={"topic": "globex", "title": "Globex's big fine"}))
    keywords = data_of(await env.admin("topic", "keywords", options={"topic": "globex", "keywords": "globex; fined"}))
    assert "(globex) AND (fined)" in keywords["content"]
    exclude = data_of(await env.admin("topic", "exclude", options={"topic": "globex", "words": "xbox, games"}))
    assert "xbox" in exclude["content"]
    shown = text_of(data_of(await env.call("topic", {"topic": "globex"}, who=env.a.world.member)))
    assert "Globex's big fine" in shown and "fined" in shown and "xbox" in shown
    refused = data_of(await env.admin("topic", "remove", options={"topic": "globex", "confirm": False}))
    assert "Nothing was removed" in refused["content"]
    assert await env.db.fetchone("SELECT 1 FROM topics WHERE key = 'globex'")
    data_of(await env.admin("topic", "remove", options={"topic": "globex", "confirm": True}))
    assert await env.db.fetchone("SELECT 1 FROM topics WHERE key = 'globex'") is None
    bad = data_of(await env.admin("topic", "add", options={"key": "Bad Key!", "title": "x", "keywords": "x"}))
    assert "Nothing" in bad["content"] or "slug" in bad["content"].lower() or "key" in bad["content"].lower()


async def test_claim_admin_commands_make_revisions_by_the_admin(env: Env) -> None:
    admin_id = env.a.world.admin["user"]["id"]
    data_of(await env.admin("claim", "add", options={"topic": "acme-recall", "key": "fine",
                                                     "statement": "Acme was fined $2 million.",
                                                     "status": "alleged"}))
    status = data_of(await env.admin("claim", "status", options={"topic": "acme-recall", "claim": "fine",
                                                                 "status": "confirmed"}))
    assert "alleged → confirmed" in status["content"]
    data_of(await env.admin("claim", "figure", options={"topic": "acme-recall", "claim": "fine",
                                                        "figure": "$3 million"}))
    data_of(await env.admin("claim", "source", options={"topic": "acme-recall", "claim": "fine",
                                                        "source": "The Guardian"}))
    data_of(await env.admin("claim", "edit", options={"topic": "acme-recall", "claim": "fine",
                                                      "statement": "Acme was fined $3 million."}))
    claim = await env.db.fetchone(
        "SELECT c.* FROM claims c JOIN topics t ON t.id = c.topic_id WHERE t.guild_id = ? AND c.key = 'fine'",
        (env.a.id,))
    assert claim["status"] == "confirmed" and "$3 million" in claim["figures"]
    assert "The Guardian" in claim["sources"] and claim["statement"] == "Acme was fined $3 million."
    revisions = await env.db.fetchall("SELECT actor FROM claim_revisions WHERE claim_id = ?", (claim["id"],))
    assert len(revisions) == 5 and {r["actor"] for r in revisions} == {f"admin:{admin_id}"}

    merge = data_of(await env.admin("claim", "merge", options={
        "topic": "acme-recall", "claim": "fine", "into_topic": "acme-recall", "into_claim": "units"}))
    assert "Merged" in merge["content"]
    retire = data_of(await env.admin("claim", "retire", options={"topic": "acme-recall", "claim": "review",
                                                                 "reason": "superseded"}))
    assert "retired" in retire["content"]
    still = text_of(data_of(await env.call("claim", {"topic": "acme-recall", "claim": "review"},
                                           who=env.a.world.member)))
    assert "Retired" in still
    invalid = data_of(await env.admin("claim", "status", options={"topic": "acme-recall", "claim": "units",
                                                                  "status": "rumoured"}))
    assert "rumoured" in invalid["content"]

    audit = text_of(data_of(await env.admin("audit")))
    for action in ("claim.add", "claim.merge", "claim.retire"):
        assert action in audit


async def test_feed_admin_commands_and_the_ssrf_guard(env: Env) -> None:
    refused = await answer_of(env, await env.admin("feed", "add", options={"url": "http://127.0.0.1:9/private.xml"}))
    assert "will not fetch" in refused["content"]
    assert await env.db.fetchone("SELECT 1 FROM feeds WHERE url LIKE '%private.xml'") is None

    env.bot.settings = replace(env.bot.settings, allow_private_feeds=True)
    env.feeds.route("/second.xml", body=rss(UNRELATED, title="Second"))
    url = env.feeds.url("/second.xml")
    added = await answer_of(env, await env.admin("feed", "add", options={"url": url, "name": "Second",
                                                                          "interval": "30m"}))
    assert "Following" in added["content"]
    again = await answer_of(env, await env.admin("feed", "add", options={"url": url}))
    assert "already follows" in again["content"]
    paused = data_of(await env.admin("feed", "pause", options={"url": url}))
    assert "Paused" in paused["content"]
    assert "paused" in text_of(data_of(await env.call("feeds", who=env.a.world.member)))
    data_of(await env.admin("feed", "resume", options={"url": url}))
    article = data_of(await env.admin("feed", "article", options={"url": url, "mode": "never"}))
    assert "Article pages for" in article["content"] and "never" in article["content"]
    assert (await env.db.fetchone("SELECT fetch_article FROM feeds WHERE url = ?", (url,)))[0] == "never"
    data_of(await env.admin("feed", "remove", options={"url": url}))
    gone = data_of(await env.admin("feed", "remove", options={"url": url}))
    assert "does not follow" in gone["content"]
    # Server B never saw any of it.
    b_feeds = text_of(data_of(await env.call("feeds", server=env.b, who=env.b.world.member)))
    assert "Second" not in b_feeds


class WakeRecorder(commands.Cog, name="Poller"):
    """Stands in for the poll loop (the fixture removes the real one): records wake-ups."""

    def __init__(self) -> None:
        self.wake = asyncio.Event()


async def test_feed_changes_wake_the_poller_and_other_edits_do_not(env: Env) -> None:
    recorder = WakeRecorder()
    await env.bot.add_cog(recorder)
    try:
        data_of(await env.admin("topic", "rename", options={"topic": "acme-recall", "title": "Renamed"}))
        assert not recorder.wake.is_set()
        url = env.feeds.url("/wire.xml")
        assert "Paused" in data_of(await env.admin("feed", "pause", options={"url": url}))["content"]
        assert recorder.wake.is_set()
        recorder.wake.clear()
        data_of(await env.admin("feed", "resume", options={"url": url}))
        assert recorder.wake.is_set()
    finally:
        await env.bot.remove_cog("Poller")


async def test_channel_commands_and_thresholds(env: Env) -> None:
    options, resolved = env.channel_option(env.a.world.channel)
    options.insert(0, fixtures.option("topic", "acme-recall"))
    data = data_of(await env.admin("channel", options=options, resolved=resolved))
    assert f"<#{env.a.world.channel['id']}>" in data["content"]
    topic = await env.db.fetchone("SELECT channel_id FROM topics WHERE guild_id = ? AND key = 'acme-recall'",
                                  (env.a.id,))
    assert topic["channel_id"] == env.a.world.channel_id

    options, resolved = env.channel_option(env.a.admin_channel)
    data = data_of(await env.admin("review-channel", options=options, resolved=resolved))
    assert "Accept / Reject" in data["content"]
    guild = await env.db.fetchone("SELECT admin_channel_id FROM guilds WHERE guild_id = ?", (env.a.id,))
    assert guild["admin_channel_id"] == int(env.a.admin_channel["id"])

    shown = data_of(await env.admin("thresholds"))
    assert "**20**" in shown["content"] and "**90**" in shown["content"]
    data_of(await env.admin("thresholds", options={"low": 30.0, "high": 70.0}))
    row = await env.db.fetchone("SELECT match_low, match_high FROM guilds WHERE guild_id = ?", (env.a.id,))
    assert (row["match_low"], row["match_high"]) == (30.0, 70.0)
    bad = data_of(await env.admin("thresholds", options={"low": 80.0, "high": 20.0}))
    assert "low" in bad["content"]
    data_of(await env.admin("thresholds", options={"reset": True}))
    row = await env.db.fetchone("SELECT match_low FROM guilds WHERE guild_id = ?", (env.a.id,))
    assert row["match_low"] is None


async def test_channel_the_bot_cannot_post_in_is_refused(env: Env) -> None:
    locked = fixtures.text_channel(env.a.id, "locked", overwrites=[
        {"id": env.a.world.bot_role["id"], "type": 0, "allow": "0", "deny": str(fixtures.SEND_MESSAGES)}])
    env.a.world.guild["channels"].append(locked)
    created = asyncio.ensure_future(env.bot.wait_for("guild_channel_create", timeout=5))
    await env.standin.dispatch("CHANNEL_CREATE", locked)
    await created  # the bot now knows the channel and its overwrites
    options, resolved = env.channel_option(locked)
    options.insert(0, fixtures.option("topic", "acme-recall"))
    data = data_of(await env.admin("channel", options=options, resolved=resolved))
    assert "Send Messages" in data["content"] and "Nothing was changed" in data["content"]


async def test_review_queue_buttons_and_commands(env: Env) -> None:
    await env.poll()
    await env.sender.drain()
    # Server A's default review channel is its staff-only channel (set on install).
    posts = env.standin.requests_to("POST", rf"/channels/{env.a.admin_channel['id']}/messages")
    review_posts = [p for p in posts if p.json.get("components")]
    assert review_posts, [p.json for p in posts]
    post = review_posts[0]
    buttons = post.json["components"][0]["components"]
    assert [b["label"] for b in buttons] == ["Accept", "Reject", "Not related"]
    accept = next(b["custom_id"] for b in buttons if b["label"] == "Accept")
    proposal_id = int(accept.split(":")[2])
    listing = text_of(data_of(await env.admin("review", "list")))
    assert f"#{proposal_id}" in listing

    message = copy.deepcopy(env.standin.messages[post.response["id"]])  # as each admin's client shows it
    world = env.a.world
    # A member pressing Accept is refused and nothing changes.
    before = await snapshot(env.db)
    refused = await env.standin.interact(fixtures.component_interaction(
        accept, message, guild=world.guild, channel=env.a.admin_channel, member=world.member))
    assert refused.json["type"] == 4 and refused.json["data"]["flags"] & EPHEMERAL
    assert await snapshot(env.db) == before

    pressed = await env.standin.interact(fixtures.component_interaction(
        accept, message, guild=world.guild, channel=env.a.admin_channel, member=world.admin))
    data = data_of(pressed, ephemeral=False)
    assert pressed.json["type"] == 7 and data["components"] == []
    assert "Accept by" in data["content"]
    proposal = await env.db.fetchone("SELECT * FROM proposals WHERE id = ?", (proposal_id,))
    assert proposal["state"] == "accepted"
    revision = await env.db.fetchone(
        "SELECT * FROM claim_revisions WHERE claim_id = ? ORDER BY rev DESC LIMIT 1", (proposal["claim_id"],))
    assert revision["actor"] == f"admin:{world.admin['user']['id']}"
    # Pressed again (another admin, a stale message): a clear answer, no second revision.
    again = await env.standin.interact(fixtures.component_interaction(
        accept, message, guild=world.guild, channel=env.a.admin_channel, member=world.owner))
    assert "already accepted" in again.json["data"]["content"]
    # Server B's admin cannot decide server A's proposal, by button or by command.
    other = data_of(await env.admin("review", "decide", options={"proposal": proposal_id, "decision": "reject"},
                                    server=env.b, who=env.b.world.admin))
    assert "No proposal" in other["content"]
    assert "review.accept" in text_of(data_of(await env.admin("audit")))


async def test_a_decision_teaches_an_example_that_claim_shows_and_unlearn_removes(env: Env) -> None:
    await env.poll()
    await env.sender.drain()
    posts = env.standin.requests_to("POST", rf"/channels/{env.a.admin_channel['id']}/messages")
    post = next(p for p in posts if p.json.get("components"))
    buttons = post.json["components"][0]["components"]
    unrelated = next(b["custom_id"] for b in buttons if b["label"] == "Not related")
    proposal_id = int(unrelated.split(":")[2])
    row = await env.db.fetchone("SELECT c.key, p.evidence FROM proposals p JOIN claims c ON c.id = p.claim_id "
                                "WHERE p.id = ?", (proposal_id,))
    claim_key, evidence = row["key"], row["evidence"]
    message = copy.deepcopy(env.standin.messages[post.response["id"]])
    world = env.a.world
    pressed = await env.standin.interact(fixtures.component_interaction(
        unrelated, message, guild=world.guild, channel=env.a.admin_channel, member=world.admin))
    content = data_of(pressed, ephemeral=False)["content"]
    assert '"not related" example' in content and "/admin claim unlearn" in content
    example_id = (await env.db.fetchone("SELECT id FROM claim_examples"))["id"]
    assert f"#{example_id}" in content

    shown = text_of(data_of(await env.call("claim", {"topic": "acme-recall", "claim": claim_key},
                                           who=world.member)))
    assert "Learnt from reviews (1)" in shown and f"#{example_id}" in shown
    assert evidence.split()[0] in shown

    other = data_of(await env.admin("claim", "unlearn", options={
        "topic": "acme-recall", "claim": claim_key, "example": example_id}, server=env.b, who=env.b.world.admin))
    assert "no learnt example" in other["content"]
    removed = data_of(await env.admin("claim", "unlearn", options={
        "topic": "acme-recall", "claim": claim_key, "example": example_id}))
    assert f"Removed \"not related\" example #{example_id}" in removed["content"]
    assert (await env.db.fetchone("SELECT COUNT(*) FROM claim_examples"))[0] == 0
    assert "claim.unlearn" in text_of(data_of(await env.admin("audit")))
    shown = text_of(data_of(await env.call("claim", {"topic": "acme-recall", "claim": claim_key},
                                           who=world.member)))
    assert "Learnt from reviews" not in shown


# --- permissions ---------------------------------------------------------------------------------

ADMIN_CALLS: list[tuple[tuple[str, ...], dict[str, Any]]] = [
    (("topic", "add"), {"key": "new-topic", "title": "New", "keywords": "acme"}),
    (("topic", "rename"), {"topic": "acme-recall", "title": "Renamed"}),
    (("topic", "keywords"), {"topic": "acme-recall", "keywords": "x"}),
    (("topic", "exclude"), {"topic": "acme-recall", "words": "x"}),
    (("topic", "remove"), {"topic": "acme-recall", "confirm": True}),
    (("claim", "add"), {"topic": "acme-recall", "key": "k", "statement": "S.", "status": "alleged"}),
    (("claim", "edit"), {"topic": "acme-recall", "claim": "review", "statement": "Changed."}),
    (("claim", "status"), {"topic": "acme-recall", "claim": "review", "status": "concluded"}),
    (("claim", "figure"), {"topic": "acme-recall", "claim": "review", "figure": "9 TB"}),
    (("claim", "source"), {"topic": "acme-recall", "claim": "review", "source": "X"}),
    (("claim", "retire"), {"topic": "acme-recall", "claim": "review"}),
    (("claim", "unlearn"), {"topic": "acme-recall", "claim": "review", "example": 1}),
    (("claim", "merge"), {"topic": "acme-recall", "claim": "review", "into_topic": "acme-recall",
                          "into_claim": "units"}),
    (("feed", "add"), {"url": "https://93.184.216.34/feed.xml"}),
    (("feed", "remove"), {"url": "WIRE"}),
    (("feed", "pause"), {"url": "WIRE"}),
    (("feed", "resume"), {"url": "WIRE"}),
    (("thresholds",), {"low": 1.0, "high": 2.0}),
    (("audit",), {}),
    (("review", "list"), {}),
    (("review", "decide"), {"proposal": 1, "decision": "accept"}),
]


async def test_members_are_refused_every_admin_command_and_nothing_changes(env: Env) -> None:
    await env.poll()  # so there is a proposal to (not) decide
    before = await snapshot(env.db)
    wire = env.feeds.url("/wire.xml")
    world = env.a.world
    calls = [*ADMIN_CALLS]
    for name in ("channel", "review-channel"):
        options, resolved = env.channel_option(world.channel)
        if name == "channel":
            options.insert(0, fixtures.option("topic", "acme-recall"))
        calls.append(((name,), {"__options": options, "__resolved": resolved}))
    for path, options in calls:
        resolved = options.get("__resolved")
        opts = options.get("__options") or {k: (wire if v == "WIRE" else v) for k, v in options.items()}
        data = data_of(await env.admin(*path, options=opts, who=world.member, resolved=resolved))
        assert "for server admins" in data["content"], (path, data)
        assert "Nothing was changed" in data["content"]
        assert not data.get("embeds")
    assert await snapshot(env.db) == before


async def test_the_admin_role_from_the_environment_is_an_admin(env: Env) -> None:
    data = data_of(await env.admin("topic", "rename", options={"topic": "acme-recall", "title": "By role"},
                                   who=env.a.role_member))
    assert "By role" in data["content"]


async def test_commands_in_dms_are_refused(env: Env) -> None:
    dm = fixtures.slash_interaction("topics", guild=None, channel=None, user=fixtures.user(username="dm"))
    data = data_of(await env.standin.interact(dm))
    assert "only works in a server" in data["content"]
    before = await snapshot(env.db)
    dm = fixtures.slash_interaction("admin", {"key": "from-dm", "title": "DM", "keywords": "acme"},
                                    guild=None, channel=None, user=fixtures.user(username="dm"),
                                    subcommand_group="topic", subcommand="add")
    data = data_of(await env.standin.interact(dm))
    assert "only works in a server" in data["content"]
    assert await snapshot(env.db) == before


# --- isolation -----------------------------------------------------------------------------------


async def test_one_servers_admins_never_see_or_change_anothers(env: Env) -> None:
    data_of(await env.admin("topic", "add", options={"key": "a-only", "title": "Only in A", "keywords": "acme"}))
    data_of(await env.admin("topic", "rename", options={"topic": "acme-recall", "title": "A's title"}))
    b_admin = env.b.world.admin
    b_topics = text_of(data_of(await env.call("topics", server=env.b, who=b_admin)))
    assert "a-only" not in b_topics and "A's title" not in b_topics
    missing = data_of(await env.admin("topic", "rename", options={"topic": "a-only", "title": "hijack"},
                                      server=env.b, who=b_admin))
    assert "No topic `a-only`" in missing["content"]
    choices = await env.complete("topic", {"topic": ""}, "topic", server=env.b)
    assert [c["value"] for c in choices] == ["acme-recall"]
    title = await env.db.fetchone("SELECT title FROM topics WHERE guild_id = ? AND key = 'acme-recall'",
                                  (env.b.id,))
    assert title["title"] == TOPIC.title
    audit = text_of(data_of(await env.admin("audit", server=env.b, who=b_admin)))
    assert "a-only" not in audit


async def test_unexpected_errors_are_logged_and_answered(env: Env, monkeypatch: pytest.MonkeyPatch,
                                                         caplog: pytest.LogCaptureFixture) -> None:
    from bot.service import browse

    async def boom(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("database on fire")

    monkeypatch.setattr(browse, "list_topics", boom)
    data = data_of(await env.call("topics", who=env.a.world.member))
    assert "Something went wrong" in data["content"]
    assert "database on fire" not in data["content"]
    assert any("database on fire" in (r.exc_text or "") or (r.exc_info and "database on fire" in str(r.exc_info[1]))
               for r in caplog.records)


def test_discord_permissions_constant_matches() -> None:
    assert discord.Permissions(manage_guild=True).value == fixtures.MANAGE_GUILD


# --- export and status (issue 15) ----------------------------------------------------------------


async def test_export_sends_the_dossier_as_a_file_to_a_member(env: Env) -> None:
    await env.poll()
    callback = await env.call("export", {"topic": "acme-recall", "format": "md"}, who=env.a.world.member)
    data = data_of(callback)
    assert "acme-recall" in data["content"] and "revisions" in data["content"]
    (upload,) = callback.files
    assert upload.filename.startswith("dossier-acme-recall-") and upload.filename.endswith(".md")
    text = upload.data.decode()
    assert text.startswith("# Dossier: Acme and the widget recall")
    assert "+ status: concluded" in text and "applied by auto" in text


async def test_export_json_is_public_when_asked_and_scoped_to_the_server(env: Env) -> None:
    await env.poll()
    callback = await env.call("export", {"topic": "acme-recall", "format": "json", "public": True},
                              who=env.a.world.member)
    data_of(callback, ephemeral=False)
    doc = json.loads(callback.files[0].data)
    assert doc["format"] == 1 and doc["topic"]["guild_id"] == env.a.id
    other = await env.call("export", {"topic": "nope"}, who=env.b.world.member, server=env.b)
    assert "No topic `nope`" in data_of(other)["content"] and not other.files
    assert int(data_of(other).get("flags") or 0) & EPHEMERAL


async def test_export_topic_autocompletes(env: Env) -> None:
    choices = await env.complete("export", {"topic": "acme"}, "topic")
    assert [c["value"] for c in choices] == ["acme-recall"]


async def test_status_shows_the_last_cycle_failing_feeds_and_backlogs(env: Env) -> None:
    await env.db.executemany("DELETE FROM meta WHERE key = ?", [("last_cycle",)])  # the poller may have run
    before = text_of(data_of(await env.admin("status")))
    assert "No poll cycle has finished yet" in before

    await env.poll()  # the concluded review is applied, the grown figure is proposed
    data = data_of(await env.admin("status"))
    text = text_of(data)
    assert "✅ Last poll cycle" in text
    assert "1 feeds polled (0 failed)" in text and "3 new or revised entries" in text
    assert "Review queue 1 waiting" in text
    assert "Feeds failing (0 of 1) none" in text

    env.feeds.route("/wire.xml", status=500)
    await env.poll()
    text = text_of(data_of(await env.admin("status")))
    assert "Feeds failing (1 of 1)" in text and "Wire" in text and "(1 in a row)" in text
    assert "1 feeds polled (1 failed)" in text


async def test_status_is_for_admins_only(env: Env) -> None:
    refused = data_of(await env.admin("status", who=env.a.world.member))
    assert "for server admins" in refused["content"] and not refused.get("embeds")


async def test_search_is_ranked_with_marked_snippets_and_explains_bad_queries(env: Env) -> None:
    await env.poll()
    member = env.a.world.member
    text = text_of(data_of(await env.call("search", {"query": "concluded"}, who=member)))
    assert "best first" in text and "**concluded**" in text
    assert "Acme concludes safety review" in text
    prefix = text_of(data_of(await env.call("search", {"query": "recal*"}, who=member)))
    assert "units" in prefix
    bad = data_of(await env.call("search", {"query": '"unclosed'}, who=member))
    assert bad["content"].startswith("Could not read the search") and "prefix like revi*" in bad["content"]


ATTACHMENT = 11


def opml_bytes(*urls: str, extra: str = "") -> bytes:
    items = "".join(f'<outline type="rss" text="Feed {i}" xmlUrl="{u}"/>' for i, u in enumerate(urls))
    return (f'<?xml version="1.0"?>{extra}<opml version="2.0"><head/><body>{items}</body></opml>').encode()


async def import_opml(env: Env, data: bytes, *, size: int | None = None) -> tuple[str, dict[str, Any]]:
    """/admin feed import with an attachment the bot downloads from the local feed server.

    Returns the attachment's path on that server and the answer the admin got.
    """
    path = f"/upload-{len(env.standin.requests)}.opml"
    env.feeds.route(path, body=data)
    attachment = {"id": "991", "filename": "feeds.opml", "size": len(data) if size is None else size,
                  "url": env.feeds.url(path), "proxy_url": env.feeds.url(path), "content_type": "text/x-opml"}
    callback = await env.admin("feed", "import",
                               options=[fixtures.option("file", "991", option_type=ATTACHMENT)],
                               resolved={"attachments": {"991": attachment}})
    return path, await answer_of(env, callback)


async def test_feed_import_subscribes_public_feeds_and_skips_followed_ones(env: Env) -> None:
    wire = env.feeds.url("/wire.xml")
    data = opml_bytes("https://1.1.1.1/a.xml", "https://8.8.8.8/b.xml", wire)
    env.bot.settings = replace(env.bot.settings, allow_private_feeds=True)  # the Wire feed is on loopback
    _, answer = await import_opml(env, data)
    assert answer["content"].startswith("Imported 2 feeds; skipped 1 already followed")
    subscribed = await env.db.fetchall(
        "SELECT f.url, f.origin FROM subscriptions s JOIN feeds f ON f.id = s.feed_id WHERE s.guild_id = ?",
        (env.a.id,))
    assert {tuple(r) for r in subscribed} >= {("https://1.1.1.1/a.xml", "admin"), ("https://8.8.8.8/b.xml", "admin")}
    assert "feed.import" in text_of(data_of(await env.admin("audit")))
    # Export: the server's feeds as an OPML attachment another reader can import.
    callback = await env.admin("feed", "export")
    data_of(callback)
    (upload,) = callback.files
    assert upload.filename == "dossier-feeds.opml"
    exported = upload.data.decode()
    assert "https://1.1.1.1/a.xml" in exported and wire in exported
    b_export = await env.admin("feed", "export", server=env.b, who=env.b.world.admin)
    assert "1.1.1.1" not in b_export.files[0].data.decode()  # server B's own list


@pytest.mark.parametrize("case", ["private address", "entity expansion", "too large", "malformed"])
async def test_feed_import_refuses_hostile_files_and_changes_nothing(env: Env, case: str) -> None:
    before = await snapshot(env.db)
    if case == "private address":
        data, expected = opml_bytes("https://1.1.1.1/a.xml", "http://127.0.0.1:9/x.xml"), "I will not fetch 1"
    elif case == "entity expansion":
        data = opml_bytes("https://1.1.1.1/&lol2;.xml", extra='<!DOCTYPE o [<!ENTITY lol "lol">'
                          '<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>')
        expected = "declares a DTD or entities"
    elif case == "too large":
        data, expected = opml_bytes("https://1.1.1.1/a.xml"), "it is 2.0 MB"
    else:
        data, expected = b"<opml><body><outline", "not well-formed XML"
    size = 2 * 1024 * 1024 if case == "too large" else None
    path, answer = await import_opml(env, data, size=size)
    assert expected in answer["content"] and "Nothing was changed" in answer["content"]
    assert await snapshot(env.db) == before
    # A file announced as too large is refused from its size: never downloaded.
    assert env.feeds.count(path) == (0 if case == "too large" else 1)


def role_option(env: Env, name: str = "Watchers", *, mentionable: bool = True) -> tuple[dict[str, Any], dict]:
    role = fixtures.role(env.a.id, name, 0, position=1)
    role["mentionable"] = mentionable
    env.a.world.guild["roles"].append(role)
    return (fixtures.option("role", role["id"], option_type=fixtures.ROLE), {"roles": {role["id"]: role}})


async def posts_in(env: Env, channel_id: str) -> list[RecordedRequest]:
    return env.standin.requests_to("POST", rf"/channels/{channel_id}/messages")


async def test_notify_mentions_exactly_that_role_on_chosen_confident_updates_only(env: Env) -> None:
    channel_id = env.a.world.channel["id"]
    options, resolved = env.channel_option(env.a.world.channel)
    data_of(await env.admin("channel", options=[fixtures.option("topic", "acme-recall"), *options],
                            resolved=resolved))
    role, role_resolved = role_option(env)
    # A role without kinds is refused; then status changes only.
    vague = data_of(await env.admin("notify", options=[fixtures.option("topic", "acme-recall"), role],
                                    resolved=role_resolved))
    assert "Say which updates" in vague["content"]
    answer = data_of(await env.admin("notify", options=[
        fixtures.option("topic", "acme-recall"), role, fixtures.option("kinds", "status_change")],
        resolved=role_resolved))
    assert f"mention <@&{role['value']}>" in answer["content"]

    # The feed's first poll is a backlog: posted as a digest that never pings.
    env.feeds.route("/wire.xml", body=rss(UNRELATED, CONCLUDED))
    await env.poll()
    await env.sender.drain()
    first = await posts_in(env, channel_id)
    assert first and all(p.json["allowed_mentions"] == {"parse": []} and not p.json.get("content")
                         for p in first)

    # Later updates: the status change mentions the role, other kinds do not.
    hostile = ("g-9", "https://news.example/acme-again", "Acme @everyone <@&1> review concluded",
               "Acme said on Monday it has concluded its safety review of the exploding widgets. @here "
               "The company named a new source.")
    other = ("g-10", "https://news.example/acme-factory", "Acme opens a widget museum",
             "Acme opened a museum about the history of its widgets in a former railway station.")
    env.feeds.route("/wire.xml", body=rss(UNRELATED, CONCLUDED, hostile, FIGURE, other))
    data_of(await env.admin("claim", "status", options={"topic": "acme-recall", "claim": "review",
                                                         "status": "ongoing"}))
    await env.poll()
    await env.sender.drain()
    later = (await posts_in(env, channel_id))[len(first):]
    assert later, "no update was posted after the first poll"
    pinged = [p for p in later if p.json.get("content")]
    assert pinged, [p.json for p in later]
    for p in pinged:
        assert p.json["content"] == f"<@&{role['value']}>"
        assert p.json["allowed_mentions"] == {"parse": [], "roles": [int(role["value"])]}
        assert "status" in str(p.json["embeds"][0]).lower()
        assert "@everyone" not in str(p.json["embeds"]) and "<@&1>" not in str(p.json["embeds"])
    quiet = [p for p in later if p not in pinged]
    assert [p.json["embeds"][0]["title"].split(":")[0] for p in quiet] == ["New development"]
    assert all(p.json["allowed_mentions"] == {"parse": []} for p in quiet)

    # Turned off: nothing mentions anyone again.
    off = data_of(await env.admin("notify", options={"topic": "acme-recall", "kinds": "none"}))
    assert "mention no one" in off["content"]
    row = await env.db.fetchone("SELECT alert_role_id, alert_kinds FROM topics WHERE guild_id = ? AND key = ?",
                                (env.a.id, "acme-recall"))
    assert row["alert_role_id"] is None and row["alert_kinds"] == "[]"
    assert "topic.notify" in text_of(data_of(await env.admin("audit")))


async def test_notify_is_admin_only_and_validates_kinds(env: Env) -> None:
    role, resolved = role_option(env)
    refused = data_of(await env.admin("notify", options=[
        fixtures.option("topic", "acme-recall"), role, fixtures.option("kinds", "all")],
        resolved=resolved, who=env.a.world.member))
    assert "for server admins" in refused["content"]
    bad = data_of(await env.admin("notify", options=[
        fixtures.option("topic", "acme-recall"), role, fixtures.option("kinds", "status_change, gossip")],
        resolved=resolved))
    assert "Unknown kind `gossip`" in bad["content"]
    shown = data_of(await env.admin("notify", options={"topic": "acme-recall"}))
    assert "mention no one (the default)" in shown["content"]


def page(*links: str, base: str = "") -> bytes:
    head = "".join(links)
    return (f"<!doctype html><html><head><title>Acme news</title>{base}{head}</head>"
            "<body><p>Hello</p></body></html>").encode()


async def subscribed_urls(env: Env, server: Server | None = None) -> set[str]:
    rows = await env.db.fetchall("SELECT f.url FROM subscriptions s JOIN feeds f ON f.id = s.feed_id "
                                 "WHERE s.guild_id = ?", ((server or env.a).id,))
    return {r[0] for r in rows}


async def test_feed_add_with_a_page_follows_the_one_feed_it_declares(env: Env) -> None:
    env.bot.settings = replace(env.bot.settings, allow_private_feeds=True)  # the pages are on loopback
    env.feeds.route("/news/story.html", body=page(
        '<link rel="alternate" type="application/rss+xml" title="Acme News" href="../feeds/news.xml">'),
        headers={"Content-Type": "text/html; charset=utf-8"})
    env.feeds.route("/feeds/news.xml", body=rss(UNRELATED, title="Acme News"))
    answer = await answer_of(env, await env.admin("feed", "add", options={"url": env.feeds.url("/news/story.html")}))
    assert "Following" in answer["content"] and "declared by" in answer["content"]
    urls = await subscribed_urls(env)
    assert env.feeds.url("/feeds/news.xml") in urls and env.feeds.url("/news/story.html") not in urls


async def test_feed_add_with_a_page_declaring_several_feeds_offers_a_select_menu(env: Env) -> None:
    env.bot.settings = replace(env.bot.settings, allow_private_feeds=True)
    env.feeds.route("/", body=page(
        '<link rel="alternate" type="application/rss+xml" title="All news" href="/all.xml">',
        '<link rel="alternate" type="application/atom+xml" title="  Acme\n only " href="acme.atom">',
        '<link rel="alternate" type="application/rss+xml" href="javascript:alert(1)">',  # not http(s)
        '<link rel="stylesheet" type="text/css" href="/style.css">'),
        headers={"Content-Type": "text/html"})
    callback = await env.admin("feed", "add", options={"url": env.feeds.url("/")})
    answer = await answer_of(env, callback)
    assert "declaring 2 feeds" in answer["content"]
    (row,) = answer["components"]
    (select,) = row["components"]
    assert [o["label"] for o in select["options"]] == ["All news (RSS)", "Acme only (Atom)"]
    assert await subscribed_urls(env) == {env.feeds.url("/wire.xml")}  # nothing yet
    token = callback.route.split("/")[3]
    followup = env.standin.requests_to("POST", rf"/webhooks/{env.standin.application_id}/{token}")[-1]
    message = env.standin.messages[followup.response["id"]]
    # Someone else cannot pick; the admin who asked can.
    other = await env.standin.interact(fixtures.component_interaction(
        select["custom_id"], message, guild=env.a.world.guild, channel=env.a.world.channel,
        member=env.a.role_member, component_type=fixtures.STRING_SELECT, values=["1"]))
    assert "Only the admin who ran the command" in other.json["data"]["content"]
    picked = await env.standin.interact(fixtures.component_interaction(
        select["custom_id"], message, guild=env.a.world.guild, channel=env.a.world.channel,
        member=env.a.world.admin, component_type=fixtures.STRING_SELECT, values=["1"]))
    assert picked.json["type"] == 7 and "Following" in picked.json["data"]["content"]
    assert picked.json["data"]["components"] == []
    assert await subscribed_urls(env) == {env.feeds.url("/wire.xml"), env.feeds.url("/acme.atom")}


async def test_feed_add_refuses_a_page_without_feeds_and_private_pages(env: Env) -> None:
    before = await snapshot(env.db)
    env.bot.settings = replace(env.bot.settings, allow_private_feeds=True)
    env.feeds.route("/plain.html", body=page('<link rel="icon" href="/favicon.ico">'),
                    headers={"Content-Type": "text/html"})
    answer = await answer_of(env, await env.admin("feed", "add", options={"url": env.feeds.url("/plain.html")}))
    assert "declares no feed" in answer["content"] and "Nothing was changed" in answer["content"]
    # The SSRF guard applies before the page is fetched.
    env.bot.settings = replace(env.bot.settings, allow_private_feeds=False)
    env.feeds.route("/private.html", body=page(
        '<link rel="alternate" type="application/rss+xml" href="/wire.xml">'), headers={"Content-Type": "text/html"})
    refused = await answer_of(env, await env.admin("feed", "add", options={"url": env.feeds.url("/private.html")}))
    assert "will not fetch" in refused["content"]
    assert env.feeds.count("/private.html") == 0
    assert await snapshot(env.db) == before


async def test_feed_add_keeps_a_feed_served_as_html_and_a_feed_given_directly(env: Env) -> None:
    env.bot.settings = replace(env.bot.settings, allow_private_feeds=True)
    env.feeds.route("/mislabelled.xml", body=rss(UNRELATED), headers={"Content-Type": "text/html"})
    answer = await answer_of(env, await env.admin("feed", "add", options={"url": env.feeds.url("/mislabelled.xml")}))
    assert "Following" in answer["content"] and "declared by" not in answer["content"]
    assert env.feeds.url("/mislabelled.xml") in await subscribed_urls(env)
