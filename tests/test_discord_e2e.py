"""End to end: the real Dossier bot, started as `dossier run` starts it, against the Discord stand-in.

Real discord.py client (gateway + REST through DISCORD_API_BASE), real cogs and poll loop,
real pipeline over a loopback feed server, real SQLite. Interactions arrive as gateway
INTERACTION_CREATE events; every assertion is on what the bot sent to "Discord" (the
stand-in's recorded requests) and on the database.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from bot.config import Config, FeedConfig
from bot.discord_bot.client import DossierBot
from bot.fetch.client import Fetcher
from bot.match import Thresholds
from bot.pipeline import Pipeline
from bot.settings import Settings
from bot.startup import with_initial_figures
from storage.db import Database
from tests.discord_standin import DiscordStandIn, RecordedRequest, fixtures, running_client
from tests.feedserver import FeedServer
from tests.test_discord_commands import (
    ADMIN_ROLE,
    CONCLUDED,
    EPHEMERAL,
    FIGURE,
    TOKEN,
    TOPIC,
    UNRELATED,
    assert_embed_within_limits,
    data_of,
    make_server,
    rss,
    snapshot,
    text_of,
)

REPO = Path(__file__).resolve().parents[1]
MESSAGE_ROUTES = (r"/channels/\d+/messages", r"/channels/\d+/messages/\d+", r"/interactions/\d+/[^/]+/callback",
                  r"/webhooks/\d+/[^/]+", r"/webhooks/\d+/[^/]+/messages/.+")


def assert_no_mentions_anywhere(requests: list[RecordedRequest]) -> None:
    """Every message the bot sent or edited parsed no mentions; every embed was within limits."""
    checked = 0
    for r in requests:
        if r.method not in ("POST", "PATCH") or not any(r.matches(None, p) for p in MESSAGE_ROUTES):
            continue
        body = r.json or {}
        data = body.get("data", body) if "type" in body and "data" in body else body
        if not isinstance(data, dict) or r.json.get("type") == 8 or not (data.get("content") or data.get("embeds")):
            continue
        assert data.get("allowed_mentions") == {"parse": []}, (r.route, data)
        for embed in data.get("embeds") or []:
            assert_embed_within_limits(embed)
        checked += 1
    assert checked >= 5


async def wait_for_post(standin: DiscordStandIn, channel_id: int | str, predicate: Any,
                        timeout: float = 10.0) -> RecordedRequest:  # noqa: ASYNC109
    """The first POST to a channel whose body satisfies `predicate` (waits on the stand-in)."""
    count = 1
    while True:
        post = await standin.wait_for_request("POST", rf"/channels/{channel_id}/messages", count=count,
                                              timeout=timeout)
        if predicate(post.json or {}):
            return post
        count += 1


async def test_dossier_on_discord_end_to_end(tmp_path: Path) -> None:
    app_user = fixtures.bot_user()
    server = make_server(app_user, "Newsroom")
    world = server.world
    admin_channel = server.admin_channel["id"]
    async with FeedServer() as feeds:
        feeds.route("/wire.xml", body=rss(CONCLUDED, FIGURE, UNRELATED))
        config = Config(path=Path("feeds.yaml"), feeds=(FeedConfig(url=feeds.url("/wire.xml"), name="Wire"),),
                        topics=(TOPIC,))
        settings = Settings(db_path=tmp_path / "dossier.db", discord_token=TOKEN, admin_role=ADMIN_ROLE)
        async with (DiscordStandIn(guilds=[world.guild], bot_user=app_user, token=TOKEN) as standin,
                    await Database.open(settings.db_path) as db, Fetcher(allow_private=True) as fetcher):
            pipeline = Pipeline(db, fetcher, thresholds=Thresholds(low=20, high=90), guard=False,
                                include_console_scope=False)
            bot = DossierBot(settings=settings, config=with_initial_figures(config), db=db, pipeline=pipeline)
            async with bot, running_client(bot, standin):
                # Connected; commands synced once; the server installed; admins greeted privately.
                assert len(standin.requests_to("PUT", r"/applications/\d+/commands")) == 1
                await asyncio.wait_for(bot.get_cog("Guilds").installed_event(world.guild_id).wait(), 5)  # type: ignore[union-attr]
                welcome = await wait_for_post(standin, admin_channel, lambda b: "installed" in (b.get("content") or ""))
                assert welcome.json["allowed_mentions"] == {"parse": []}

                # An admin picks the topic's channel: the poller wakes, polls, posts.
                options = [fixtures.option("topic", "acme-recall"),
                           fixtures.option("channel", world.channel["id"], option_type=fixtures.CHANNEL)]
                resolved = {"channels": {world.channel["id"]: {**world.channel, "permissions": str(fixtures.ALL_PERMISSIONS)}}}
                reply = data_of(await standin.interact(fixtures.slash_interaction(
                    "admin", options, subcommand="channel", guild=world.guild, channel=world.channel,
                    member=world.admin, resolved=resolved)))
                assert f"<#{world.channel['id']}>" in reply["content"]
                update = await wait_for_post(standin, world.channel_id, lambda b: bool(b.get("embeds")))
                assert update.json["enforce_nonce"] is True and update.json["nonce"]
                assert "Acme" in text_of(update.json)

                # The uncertain status change went to the review queue, with buttons.
                proposal_post = await wait_for_post(standin, admin_channel, lambda b: bool(b.get("components")))
                buttons = proposal_post.json["components"][0]["components"]
                assert [b["label"] for b in buttons] == ["Accept", "Reject", "Not related"]

                # A member browses (privately), with autocomplete.
                member = world.member
                choices = await standin.interact(fixtures.autocomplete_interaction(
                    "claim", {"topic": "acme-recall", "claim": "rev"}, "claim", guild=world.guild,
                    channel=world.channel, member=member))
                assert choices.json["data"]["choices"][0]["value"] == "review"
                claim = data_of(await standin.interact(fixtures.slash_interaction(
                    "claim", {"topic": "acme-recall", "claim": "units"}, guild=world.guild,
                    channel=world.channel, member=member)))
                assert "40,000" in text_of(claim)
                why = data_of(await standin.interact(fixtures.slash_interaction(
                    "why", {"url": CONCLUDED[1]}, guild=world.guild, channel=world.channel, member=member)))
                assert "keyword gate passed" in text_of(why)

                # A member cannot use an admin command: a clear refusal, nothing changes.
                before = await snapshot(db)
                refusal = data_of(await standin.interact(fixtures.slash_interaction(
                    "admin", {"topic": "acme-recall", "confirm": True}, subcommand_group="topic",
                    subcommand="remove", guild=world.guild, channel=world.channel, member=member)))
                assert "for server admins" in refusal["content"] and refusal["flags"] & EPHEMERAL
                assert await snapshot(db) == before

                # An admin accepts the proposal: a claim revision by that admin, buttons gone.
                accept = buttons[0]["custom_id"]
                message = standin.messages[proposal_post.response["id"]]
                pressed = await standin.interact(fixtures.component_interaction(
                    accept, message, guild=world.guild, channel=server.admin_channel, member=world.admin))
                assert pressed.json["type"] == 7 and pressed.json["data"]["components"] == []
                proposal_id = int(accept.split(":")[2])
                proposal = await db.fetchone("SELECT * FROM proposals WHERE id = ?", (proposal_id,))
                assert proposal["state"] == "accepted"
                revision = await db.fetchone(
                    "SELECT * FROM claim_revisions WHERE claim_id = ? ORDER BY rev DESC LIMIT 1",
                    (proposal["claim_id"],))
                assert revision["actor"] == f"admin:{world.admin['user']['id']}"
                claim = data_of(await standin.interact(fixtures.slash_interaction(
                    "history", {"topic": "acme-recall", "claim": "units"}, guild=world.guild,
                    channel=world.channel, member=member)))
                assert f"<@{world.admin['user']['id']}>" in text_of(claim) and "55,000" in text_of(claim)
                audit = data_of(await standin.interact(fixtures.slash_interaction(
                    "admin", subcommand="audit", guild=world.guild, channel=world.channel, member=world.admin)))
                assert "review.accept" in text_of(audit) and "topic.channel" in text_of(audit)

            assert_no_mentions_anywhere(standin.requests)
            assert standin.unknown_requests() == []

            # Restarted with the same commands: no second sync.
            again = DossierBot(settings=settings, config=with_initial_figures(config), db=db, pipeline=pipeline)
            async with again, running_client(again, standin):
                assert not again.synced_commands
            assert len(standin.requests_to("PUT", r"/applications/\d+/commands")) == 1


async def test_the_dossier_command_runs_on_discord_through_discord_api_base(tmp_path: Path) -> None:
    """`dossier run --once` with DISCORD_TOKEN: the real CLI path (run_discord) connects to the
    stand-in given by DISCORD_API_BASE, syncs its commands, installs the server, polls once, exits 0."""
    import os
    import sys

    app_user = fixtures.bot_user()
    server = make_server(app_user, "Newsroom")
    async with FeedServer() as feeds, DiscordStandIn(guilds=[server.world.guild], bot_user=app_user,
                                                      token=TOKEN) as standin:
        feeds.route("/wire.xml", body=rss(CONCLUDED, UNRELATED))
        config = tmp_path / "feeds.yaml"
        config.write_text(
            f"feeds:\n  - url: {feeds.url('/wire.xml')}\n    name: Wire\n"
            "topics:\n  - key: acme-recall\n    title: Acme\n    keywords: [[acme], [widget, widgets]]\n"
            "    claims:\n      - key: review\n        statement: Acme's review of the widgets is ongoing.\n"
            "        status: ongoing\n", encoding="utf-8")
        env = {**os.environ, "DISCORD_TOKEN": TOKEN, "DISCORD_API_BASE": standin.base_url,
               "DOSSIER_LOG_LEVEL": "INFO"}
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "run", "--once", "--config", str(config),
            "--db", str(tmp_path / "d.db"), env=env, cwd=REPO,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
        out, err = await asyncio.wait_for(proc.communicate(), timeout=60)
        log = err.decode()
        assert proc.returncode == 0, log
        assert "Traceback" not in log and TOKEN not in log + out.decode()
        assert standin.requests_to("PUT", r"/applications/\d+/commands")
        assert feeds.count("/wire.xml") == 1
