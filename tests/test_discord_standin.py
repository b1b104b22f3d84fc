"""End-to-end: the real discord.py client against the local Discord stand-in."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass

import discord
import pytest
from discord import app_commands
from discord.ext import commands
from discord.gateway import DiscordWebSocket
from discord.http import Route

from bot.discord_bot.api_base import apply_api_base, current_api_base
from tests.discord_standin import (
    ALREADY_ACKNOWLEDGED,
    MISSING_PERMISSIONS,
    UNKNOWN_CHANNEL,
    DiscordStandIn,
    fixtures,
    running_client,
)

TOKEN = "standin.fake.token"  # a fake token: the stand-in only checks it matches
CALLBACK = r"/interactions/\d+/[^/]+/callback"
FEEDS = ["acme-recall", "acme-lawsuit", "globex-fine", "initech-audit"]


class Review(discord.ui.View):
    """A persistent view with one button, as the bot's review buttons are."""

    def __init__(self) -> None:
        super().__init__(timeout=None)

    @discord.ui.button(label="Approve", custom_id="review:approve:1")
    async def approve(self, interaction: discord.Interaction, button: discord.ui.Button[Review]) -> None:
        await interaction.response.edit_message(content="approved", view=None,
                                                allowed_mentions=discord.AllowedMentions.none())


def make_bot() -> commands.Bot:
    """A tiny bot: /ping (ephemeral echo), /feed (autocomplete), /slow (defer + follow-up)."""
    bot = commands.Bot(command_prefix=commands.when_mentioned, intents=discord.Intents.default(),
                       help_command=None)

    @bot.tree.command(description="Echo back, privately")
    @app_commands.describe(text="What to echo")
    async def ping(interaction: discord.Interaction, text: str) -> None:
        await interaction.response.send_message(f"pong: {text}", ephemeral=True,
                                                allowed_mentions=discord.AllowedMentions.none())

    @bot.tree.command(description="Show a feed")
    async def feed(interaction: discord.Interaction, name: str) -> None:
        await interaction.response.send_message(f"feed {name}")

    @feed.autocomplete("name")
    async def feed_names(interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        return [app_commands.Choice(name=n, value=n) for n in FEEDS if current in n]

    @bot.tree.command(description="Defer, then follow up")
    async def slow(interaction: discord.Interaction) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        await interaction.edit_original_response(content="done")
        await interaction.followup.send("and one more", ephemeral=True)

    return bot


@dataclass
class Env:
    standin: DiscordStandIn
    bot: commands.Bot
    world: fixtures.GuildWorld
    ready: asyncio.Event


@pytest.fixture
async def env() -> AsyncIterator[Env]:
    app_user = fixtures.bot_user()
    world = fixtures.make_guild(app_user)
    bot = make_bot()
    ready = asyncio.Event()

    async def on_ready() -> None:
        ready.set()

    bot.add_listener(on_ready)
    async with DiscordStandIn(guilds=[world.guild], bot_user=app_user, token=TOKEN) as standin:
        async with bot, running_client(bot, standin):
            await asyncio.wait_for(ready.wait(), 5)
            yield Env(standin, bot, world, ready)
        assert bot.is_closed()
    assert current_api_base() == "https://discord.com/api/v10"


def test_apply_api_base_points_rest_at_the_base_and_restores() -> None:
    try:
        apply_api_base("http://127.0.0.1:9999/")
        assert Route.BASE == "http://127.0.0.1:9999/api/v10"
        assert Route("GET", "/users/@me").url == "http://127.0.0.1:9999/api/v10/users/@me"
        apply_api_base("https://proxy.example.test/api/v9")
        assert Route.BASE == "https://proxy.example.test/api/v9"
        apply_api_base("http://127.0.0.1:9999", gateway="ws://127.0.0.1:9999/gateway")
        assert str(DiscordWebSocket.DEFAULT_GATEWAY) == "ws://127.0.0.1:9999/gateway"
        with pytest.raises(ValueError, match="http"):
            apply_api_base("ftp://nowhere")
    finally:
        apply_api_base(None)
    assert Route.BASE == "https://discord.com/api/v10"
    assert str(DiscordWebSocket.DEFAULT_GATEWAY) == "wss://gateway.discord.gg/"


async def test_login_discovers_gateway_and_receives_guild(env: Env) -> None:
    s = env.standin
    assert env.bot.user is not None and env.bot.user.id == s.application_id
    assert env.bot.application_id == s.application_id
    assert [r.route for r in s.requests[:3]] == ["/users/@me", "/oauth2/applications/@me", "/gateway/bot"]
    assert all(r.headers["Authorization"] == f"Bot {TOKEN}" for r in s.requests[:3])
    # discord.py asks for zlib-stream; the stand-in compresses, the client inflates.
    assert s.ws_connects[0].query == {"v": "10", "encoding": "json", "compress": "zlib-stream"}
    identify = next(p for p in s.gateway.received if p["op"] == 2)
    assert identify["d"]["token"] == TOKEN
    assert identify["d"]["intents"] == discord.Intents.default().value
    guild = env.bot.get_guild(env.world.guild_id)
    assert guild is not None and guild.owner_id == int(env.world.owner["user"]["id"])
    assert guild.me.guild_permissions.manage_messages
    assert env.bot.get_channel(env.world.channel_id) is not None
    assert s.unknown_requests() == []


async def test_sync_records_put_and_returns_ids(env: Env) -> None:
    s = env.standin
    synced = await env.bot.tree.sync()
    put = s.requests_to("PUT", rf"/applications/{s.application_id}/commands")
    assert len(put) == 1
    assert sorted(c["name"] for c in put[0].json) == ["feed", "ping", "slow"]
    ping = next(c for c in put[0].json if c["name"] == "ping")
    assert ping["options"][0] == {**ping["options"][0], "name": "text", "type": 3, "required": True}
    feed = next(c for c in put[0].json if c["name"] == "feed")
    assert feed["options"][0]["autocomplete"] is True
    assert all(c.id for c in synced)
    # A second sync keeps command ids, as Discord does for unchanged names.
    again = await env.bot.tree.sync()
    assert {c.name: c.id for c in again} == {c.name: c.id for c in synced}
    fetched = await env.bot.tree.fetch_commands()
    assert {c.name for c in fetched} == {"feed", "ping", "slow"}

    guild_synced = await env.bot.tree.sync(guild=discord.Object(env.world.guild_id))
    assert guild_synced == []
    assert s.requests_to("PUT", rf"/applications/\d+/guilds/{env.world.guild_id}/commands")


async def test_slash_command_ephemeral_reply(env: Env) -> None:
    w = env.world
    payload = fixtures.slash_interaction("ping", {"text": "hello"}, guild=w.guild, channel=w.channel,
                                         member=w.admin)
    callback = await env.standin.interact(payload)
    assert callback.route == f"/interactions/{payload['id']}/{payload['token']}/callback"
    assert callback.query == {"with_response": "1"}
    assert callback.json["type"] == 4
    data = callback.json["data"]
    assert data["content"] == "pong: hello"
    assert data["flags"] & 64
    assert data["allowed_mentions"] == {"parse": []}
    assert callback.status == 200
    assert callback.response["resource"]["message"]["content"] == "pong: hello"


async def test_slash_command_member_permissions_reach_the_bot(env: Env) -> None:
    w = env.world
    seen: dict[str, bool] = {}

    @env.bot.tree.command(description="Who may manage?")
    async def whoami(interaction: discord.Interaction) -> None:
        assert isinstance(interaction.user, discord.Member)
        seen[interaction.user.name] = interaction.user.guild_permissions.manage_guild
        await interaction.response.send_message("ok", ephemeral=True)

    for who in (w.admin, w.member):
        await env.standin.interact(fixtures.slash_interaction("whoami", guild=w.guild, channel=w.channel,
                                                              member=who))
    assert seen == {"editor": True, "reader": False}


async def test_autocomplete_returns_choices(env: Env) -> None:
    w = env.world
    payload = fixtures.autocomplete_interaction("feed", {"name": "acme"}, focused="name", guild=w.guild,
                                                channel=w.channel, member=w.member)
    callback = await env.standin.interact(payload)
    assert callback.json["type"] == 8
    assert callback.json["data"]["choices"] == [
        {"name": "acme-recall", "value": "acme-recall"},
        {"name": "acme-lawsuit", "value": "acme-lawsuit"},
    ]


async def test_defer_edit_and_follow_up(env: Env) -> None:
    s, w = env.standin, env.world
    payload = fixtures.slash_interaction("slow", guild=w.guild, channel=w.channel, member=w.admin)
    callback = await s.interact(payload)
    assert callback.json == {"type": 5, "data": {"flags": 64}}
    token = payload["token"]
    edit = await s.wait_for_request("PATCH", rf"/webhooks/{s.application_id}/{token}/messages/@original")
    assert edit.json["content"] == "done" and edit.status == 200
    follow = await s.wait_for_request("POST", rf"/webhooks/{s.application_id}/{token}")
    assert follow.json["content"] == "and one more" and follow.json["flags"] & 64
    assert follow.query["wait"] in ("1", "true")
    assert follow.status == 200


async def test_button_press_updates_message(env: Env) -> None:
    s, w = env.standin, env.world
    env.bot.add_view(Review())
    channel = env.bot.get_partial_messageable(w.channel_id, guild_id=w.guild_id)
    sent = await channel.send("review me", view=Review())
    posted = s.requests_to("POST", rf"/channels/{w.channel_id}/messages")[-1]
    assert posted.json["components"][0]["components"][0]["custom_id"] == "review:approve:1"
    message = s.messages[str(sent.id)]
    callback = await s.interact(fixtures.component_interaction(
        "review:approve:1", message, guild=w.guild, channel=w.channel, member=w.admin))
    assert callback.json["type"] == 7
    assert callback.json["data"]["content"] == "approved"
    assert callback.json["data"]["components"] == []
    assert s.messages[str(sent.id)]["content"] == "approved"


async def test_second_acknowledgement_is_rejected(env: Env) -> None:
    s, w = env.standin, env.world
    errors: list[BaseException] = []
    finished = asyncio.Event()

    @env.bot.tree.command(description="Answers twice")
    async def twice(interaction: discord.Interaction) -> None:
        await interaction.response.defer()
        try:
            await interaction.client.http.request(Route(  # bypass discord.py's own guard
                "POST", "/interactions/{iid}/{token}/callback", iid=interaction.id, token=interaction.token),
                json={"type": 4, "data": {"content": "again"}})
        except discord.HTTPException as exc:
            errors.append(exc)
        finally:
            finished.set()

    await s.interact(fixtures.slash_interaction("twice", guild=w.guild, channel=w.channel, member=w.admin))
    second = await s.wait_for_request("POST", CALLBACK, count=2)
    assert second.status == 400 and second.response["code"] == ALREADY_ACKNOWLEDGED.code
    await asyncio.wait_for(finished.wait(), 5)
    assert len(errors) == 1 and isinstance(errors[0], discord.HTTPException)


async def test_channel_message_allowed_mentions_and_nonce(env: Env) -> None:
    s, w = env.standin, env.world
    channel = env.bot.get_partial_messageable(w.channel_id, guild_id=w.guild_id)
    embed = discord.Embed(title="Acme recalls", description="what changed")
    first = await channel.send(embed=embed, nonce="post-1", allowed_mentions=discord.AllowedMentions.none())
    again = await channel.send(embed=embed, nonce="post-1", allowed_mentions=discord.AllowedMentions.none())
    assert again.id == first.id  # enforce_nonce: Discord hands back the first message
    posts = s.requests_to("POST", rf"/channels/{w.channel_id}/messages")
    assert len(posts) == 2
    body = posts[0].json
    assert body["allowed_mentions"] == {"parse": []}
    assert body["nonce"] == "post-1" and body["enforce_nonce"] is True
    assert body["embeds"][0]["title"] == "Acme recalls"
    assert len(s.messages_in(w.channel_id)) == 1

    edited = await channel.get_partial_message(first.id).edit(content="updated")
    assert edited.content == "updated"
    assert s.requests_to("PATCH", rf"/channels/{w.channel_id}/messages/{first.id}")[0].json["content"] == "updated"


@pytest.mark.parametrize(("make", "where"), [
    (lambda: discord.Embed(title="t" * 257), "embeds.0.title"),
    (lambda: discord.Embed(description="d" * 4097), "embeds.0.description"),
    (lambda: discord.Embed(title="t").add_field(name="n", value="v" * 1025), "embeds.0.fields.0.value"),
    (lambda: discord.Embed(title="t").add_field(name="", value="v"), "embeds.0.fields.0.name"),
    (lambda: discord.Embed(title="t").set_footer(text="f" * 2049), "embeds.0.footer.text"),
    (lambda: discord.Embed(title="t", url="javascript:alert(1)"), "embeds.0.url"),
])
async def test_embeds_past_discords_limits_are_refused(env: Env, make, where) -> None:
    channel = env.bot.get_partial_messageable(env.world.channel_id, guild_id=env.world.guild_id)
    with pytest.raises(discord.HTTPException) as refused:
        await channel.send(embed=make())
    assert refused.value.status == 400 and refused.value.code == 50035
    assert where in str(refused.value)
    assert env.standin.messages_in(env.world.channel_id) == []


async def test_fields_and_total_size_limits(env: Env) -> None:
    channel = env.bot.get_partial_messageable(env.world.channel_id, guild_id=env.world.guild_id)
    many = discord.Embed(title="t")
    for i in range(26):
        many.add_field(name=f"f{i}", value="v")
    big = [discord.Embed(description="d" * 4000), discord.Embed(description="d" * 2001)]
    for kwargs in ({"embed": many}, {"embeds": big}):
        with pytest.raises(discord.HTTPException) as refused:
            await channel.send(**kwargs)
        assert refused.value.code == 50035
    await channel.send(embeds=[discord.Embed(description="d" * 4000), discord.Embed(description="d" * 2000)])
    assert len(env.standin.messages_in(env.world.channel_id)) == 1


async def test_component_and_autocomplete_limits(env: Env) -> None:
    channel = env.bot.get_partial_messageable(env.world.channel_id, guild_id=env.world.guild_id)
    view = discord.ui.View()
    view.add_item(discord.ui.Select(options=[discord.SelectOption(label="l" * 100, value="v" * 100)]))
    await channel.send("fits", view=view)  # discord.py checks 100 itself; the stand-in agrees
    long_button = discord.ui.View()
    long_button.add_item(discord.ui.Button(label="b" * 81, custom_id="x"))
    with pytest.raises(discord.HTTPException) as refused:
        await channel.send("too long", view=long_button)
    assert "components.0.components.0.label" in str(refused.value)

    FEEDS.append("f" * 101)  # an autocomplete choice name past 100 characters
    try:
        callback = await env.standin.interact(fixtures.autocomplete_interaction(
            "feed", {"name": "fff"}, "name", guild=env.world.guild, channel=env.world.channel,
            member=env.world.member))
    finally:
        FEEDS.pop()
    assert callback.status == 400 and "choices" in str(callback.response)


async def test_rate_limited_post_is_retried(env: Env) -> None:
    s, w = env.standin, env.world
    path = rf"/channels/{w.channel_id}/messages"
    s.queue_rate_limit("POST", path, retry_after=0.01)
    channel = env.bot.get_partial_messageable(w.channel_id, guild_id=w.guild_id)
    message = await channel.send("after the limit")
    posts = s.requests_to("POST", path)
    assert [p.status for p in posts] == [429, 200]
    assert posts[0].json == posts[1].json
    assert message.content == "after the limit"
    assert len(s.messages_in(w.channel_id)) == 1


async def test_scripted_errors_surface_as_discord_exceptions(env: Env) -> None:
    s, w = env.standin, env.world
    s.queue_error("POST", rf"/channels/{w.channel_id}/messages", MISSING_PERMISSIONS)
    channel = env.bot.get_partial_messageable(w.channel_id, guild_id=w.guild_id)
    with pytest.raises(discord.Forbidden) as forbidden:
        await channel.send("nope")
    assert forbidden.value.code == 50013

    gone = env.bot.get_partial_messageable(424242, guild_id=w.guild_id)
    with pytest.raises(discord.NotFound) as missing:
        await gone.send("into the void")  # an unknown channel, no scripting needed
    assert missing.value.code == UNKNOWN_CHANNEL.code

    with pytest.raises(discord.NotFound):
        await env.bot.http.request(Route("GET", "/nonexistent/route"))
    assert [r.route for r in s.unknown_requests()] == ["/nonexistent/route"]


async def test_gateway_reconnect_resumes(env: Env) -> None:
    s, w = env.standin, env.world
    resumed = asyncio.Event()

    async def on_resumed() -> None:
        resumed.set()

    env.bot.add_listener(on_resumed)
    await s.request_reconnect()
    await asyncio.wait_for(resumed.wait(), 5)
    assert any(p["op"] == 6 for p in s.gateway.received)
    callback = await s.interact(fixtures.slash_interaction("ping", {"text": "still here"}, guild=w.guild,
                                                           channel=w.channel, member=w.admin))
    assert callback.json["data"]["content"] == "pong: still here"


async def test_subcommand_and_dm_payloads(env: Env) -> None:
    s, w = env.standin, env.world
    group = app_commands.Group(name="feeds", description="Manage feeds")
    added: list[tuple[str, int]] = []

    @group.command(description="Add a feed")
    async def add(interaction: discord.Interaction, url: str, weight: int = 1) -> None:
        added.append((url, weight))
        await interaction.response.send_message("added", ephemeral=True)

    env.bot.tree.add_command(group)
    await s.interact(fixtures.slash_interaction("feeds", {"url": "https://example.test/rss", "weight": 3},
                                                subcommand="add", guild=w.guild, channel=w.channel,
                                                member=w.admin))
    assert added == [("https://example.test/rss", 3)]

    dm = fixtures.slash_interaction("ping", {"text": "dm"}, guild=None, channel=None,
                                    user=fixtures.user(username="dmuser"))
    assert "member" not in dm and dm["user"]["username"] == "dmuser" and dm["context"] == 1
    assert dm["channel"]["type"] == 1  # a DM channel is made up when none is given
    callback = await s.interact(dm)
    assert callback.json["data"]["content"] == "pong: dm"


async def test_wrong_token_fails_fast() -> None:
    bot = make_bot()
    async with DiscordStandIn(token=TOKEN) as standin:
        with pytest.raises(discord.LoginFailure):
            async with bot, running_client(bot, standin, token="wrong-token"):
                pytest.fail("should not get here")
        assert [r.status for r in standin.requests] == [401]
    assert current_api_base() == "https://discord.com/api/v10"
