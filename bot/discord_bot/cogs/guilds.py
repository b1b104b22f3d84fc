"""Servers joining: install feeds.yaml's topics and feeds, and pick a default admin channel.

`on_guild_available` fires for every server at start (and after an outage), `on_guild_join`
when the bot is invited to a new one. Installing is idempotent (bot.service.install), so
both simply call it. Topics, claims and subscriptions belong to the server they were
installed in; other servers never see them.

The review queue needs a channel that only staff can read. When a server has none set, the
default is a text channel that @everyone cannot view but the bot can post in (the Community
"moderators only" channel first); if there is none, proposals wait until an admin runs
`/admin review-channel`. Update channels are never guessed: an admin picks them with
`/admin channel`, so the bot never posts somewhere nobody asked it to.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

import discord
from discord.ext import commands

from bot.discord_bot import NO_MENTIONS
from bot.service import admin as admin_service
from bot.service.install import install_guild
from storage import delivery

if TYPE_CHECKING:
    from bot.discord_bot.client import DossierBot

log = logging.getLogger(__name__)

WELCOME = (
    "Dossier is installed: it follows the topics of its feeds.yaml here, and posts proposed "
    "changes to this channel for review. Admins: pick where each topic's updates go with "
    "`/admin channel`, change this review channel with `/admin review-channel`; everyone can "
    "browse with `/topics`, `/claim`, `/why` and `/feeds`."
)


def _can_post(channel: discord.abc.GuildChannel, me: discord.Member) -> bool:
    perms = channel.permissions_for(me)
    return perms.view_channel and perms.send_messages and perms.embed_links


def default_admin_channel(guild: discord.Guild) -> discord.TextChannel | None:
    """A staff-only text channel the bot can post in, or None."""
    me = guild.me
    if me is None:
        return None
    candidates: list[discord.TextChannel] = []
    if isinstance(guild.public_updates_channel, discord.TextChannel):
        candidates.append(guild.public_updates_channel)
    candidates += sorted(guild.text_channels, key=lambda c: (c.position, c.id))
    for channel in candidates:
        if channel.permissions_for(guild.default_role).view_channel:
            continue  # members could read the queue
        if _can_post(channel, me):
            return channel
    return None


class Guilds(commands.Cog):
    def __init__(self, bot: DossierBot) -> None:
        self.bot = bot
        self.installed: dict[int, asyncio.Event] = {}
        self._locks: dict[int, asyncio.Lock] = {}

    def installed_event(self, guild_id: int) -> asyncio.Event:
        """Set once the server was installed in this run (tests and the poller can wait on it)."""
        return self.installed.setdefault(guild_id, asyncio.Event())

    @commands.Cog.listener()
    async def on_guild_available(self, guild: discord.Guild) -> None:
        await self.install(guild, joined=False)

    @commands.Cog.listener()
    async def on_guild_join(self, guild: discord.Guild) -> None:
        await self.install(guild, joined=True)

    async def install(self, guild: discord.Guild, *, joined: bool) -> None:
        lock = self._locks.setdefault(guild.id, asyncio.Lock())
        async with lock:
            try:
                result = await install_guild(self.bot.db, guild.id, guild.name, self.bot.config)
                admin_channel = await self._default_admin_channel(guild)
            except Exception:
                log.exception("could not install Dossier in server %s (%s)", guild.id, guild.name)
                return
            log.info("server %s (%s): %d topics, %d new feed subscriptions%s", guild.id, guild.name,
                     len(result.topics), len(result.subscribed), " (new)" if result.created else "")
            self.installed_event(guild.id).set()
            if result.subscribed:
                self.bot.wake_poller()
            if (joined or result.created) and admin_channel is not None:
                try:
                    await admin_channel.send(WELCOME, allowed_mentions=NO_MENTIONS)
                except discord.HTTPException as exc:
                    log.warning("could not greet server %s: %s", guild.id, exc)

    async def _default_admin_channel(self, guild: discord.Guild) -> discord.TextChannel | None:
        """Set the default review channel if none is set; return it when newly set."""
        if await delivery.admin_channel(self.bot.db, guild.id) is not None:
            return None
        channel = default_admin_channel(guild)
        if channel is None:
            log.info("server %s: no staff-only channel; review proposals wait for "
                     "/admin review-channel", guild.id)
            return None
        me = self.bot.user
        await admin_service.set_admin_channel(
            self.bot.db, guild.id, channel.id, actor_id=me.id if me else 0,
            actor_name="Dossier (default on install)",
        )
        return channel
