"""Member commands: look at this server's file. Read-only, ephemeral unless asked otherwise.

/topics, /topic, /claim, /history, /updates, /search, /feeds, /why, /export. Each parses its
arguments, calls bot.service.browse with the server's id, and replies with embeds from
bot/discord_bot/format/. Answers are ephemeral by default (only the asker sees them, channels
are not flooded); `public: True` shares one with the channel.
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

import discord
from discord import app_commands

from bot.discord_bot import format as fmt
from bot.discord_bot.autocomplete import claim_choices, topic_choices
from bot.discord_bot.client import is_admin
from bot.discord_bot.cogs.common import ServerCog, default_thresholds, guild_id
from bot.discord_bot.paginate import send_pages
from bot.service import browse
from bot.service import export as export_service

if TYPE_CHECKING:
    from bot.discord_bot.client import DossierBot

PUBLIC = "Show the answer to the whole channel (default: only you see it)"
EXPORT_FORMATS = [
    app_commands.Choice(name="Markdown (readable dossier)", value="md"),
    app_commands.Choice(name="CSV (one row per revision)", value="csv"),
    app_commands.Choice(name="JSON (for other tools)", value="json"),
]
MAX_ATTACHMENT = 8 * 1024 * 1024  # under Discord's smallest upload limit


def sees_reviews(bot: DossierBot, interaction: discord.Interaction, *, public: bool) -> bool:
    """Review proposals belong to the staff-only review channel: listed for admins, and only
    in answers that only they see (a public answer would show them to the channel)."""
    return not public and is_admin(interaction.user, bot.settings)


class Browse(ServerCog):
    """Everyone in the server: topics, claims, history, updates, search, feed health, why."""

    def __init__(self, bot: DossierBot) -> None:
        self.bot = bot

    @app_commands.command(name="topics", description="The stories Dossier tracks in this server")
    @app_commands.guild_only()
    @app_commands.describe(public=PUBLIC)
    async def topics(self, interaction: discord.Interaction, public: bool = False) -> None:
        found = await browse.list_topics(self.bot.db, guild_id(interaction))
        await send_pages(interaction, fmt.topics_pages(found), ephemeral=not public)

    @app_commands.command(name="topic", description="One topic: its claims, their status and the last change")
    @app_commands.guild_only()
    @app_commands.describe(topic="The topic's key (start typing to pick one)", public=PUBLIC)
    @app_commands.autocomplete(topic=topic_choices)
    async def topic(self, interaction: discord.Interaction, topic: str, public: bool = False) -> None:
        detail = await browse.topic_detail(self.bot.db, guild_id(interaction), topic)
        await send_pages(interaction, fmt.topic_pages(detail), ephemeral=not public)

    @app_commands.command(name="claim", description="One claim: statement, status, figures, sources")
    @app_commands.guild_only()
    @app_commands.describe(topic="The claim's topic", claim="The claim's key", public=PUBLIC)
    @app_commands.autocomplete(topic=topic_choices, claim=claim_choices)
    async def claim(self, interaction: discord.Interaction, topic: str, claim: str,
                    public: bool = False) -> None:
        detail = await browse.claim_detail(self.bot.db, guild_id(interaction), topic, claim,
                                           default_low=default_thresholds(self.bot).low)
        await send_pages(interaction, [fmt.claim_embed(detail)], ephemeral=not public)

    @app_commands.command(name="history", description="Every revision of a claim, with what changed")
    @app_commands.guild_only()
    @app_commands.describe(topic="The claim's topic", claim="The claim's key", public=PUBLIC)
    @app_commands.autocomplete(topic=topic_choices, claim=claim_choices)
    async def history(self, interaction: discord.Interaction, topic: str, claim: str,
                      public: bool = False) -> None:
        revisions = await browse.claim_history(self.bot.db, guild_id(interaction), topic, claim)
        pages = fmt.history_pages(topic.strip().lower(), claim.strip().lower(), revisions)
        await send_pages(interaction, pages, ephemeral=not public)

    @app_commands.command(name="updates", description="What Dossier posted (or is about to post) lately")
    @app_commands.guild_only()
    @app_commands.describe(count="How many updates (1-50, default 10)", public=PUBLIC)
    async def updates(self, interaction: discord.Interaction,
                      count: app_commands.Range[int, 1, 50] = 10, public: bool = False) -> None:
        staff = sees_reviews(self.bot, interaction, public=public)
        found = await browse.recent_updates(self.bot.db, guild_id(interaction), count, include_reviews=staff)
        await send_pages(interaction, fmt.updates_pages(found), ephemeral=not public)

    @app_commands.command(name="search", description="Search this server's claims and articles")
    @app_commands.guild_only()
    @app_commands.describe(query="Words to look for (at least 2 characters)", public=PUBLIC)
    async def search(self, interaction: discord.Interaction,
                     query: app_commands.Range[str, browse.MIN_QUERY, browse.MAX_QUERY],
                     public: bool = False) -> None:
        results = await browse.search(self.bot.db, guild_id(interaction), query, limit=15)
        await send_pages(interaction, fmt.search_pages(results), ephemeral=not public)

    @app_commands.command(name="feeds", description="Feed health: last poll, last error, paused feeds")
    @app_commands.guild_only()
    @app_commands.describe(public=PUBLIC)
    async def feeds(self, interaction: discord.Interaction, public: bool = False) -> None:
        report = await browse.feed_health(self.bot.db, guild_id(interaction))
        await send_pages(interaction, fmt.health_pages(report), ephemeral=not public)

    @app_commands.command(name="why", description="What Dossier did with an article, and why")
    @app_commands.guild_only()
    @app_commands.describe(url="The article's URL", public=PUBLIC)
    async def why(self, interaction: discord.Interaction, url: app_commands.Range[str, 1, 2000],
                  public: bool = False) -> None:
        thresholds = default_thresholds(self.bot)
        report = await browse.why(self.bot.db, guild_id(interaction), url,
                                  default_low=thresholds.low, default_high=thresholds.high,
                                  include_reviews=sees_reviews(self.bot, interaction, public=public),
                                  semantic=self.bot.pipeline.semantic)
        await send_pages(interaction, [fmt.why_embed(report)], ephemeral=not public)

    @app_commands.command(name="export", description="A topic's dossier as a file: claims and every revision")
    @app_commands.guild_only()
    @app_commands.describe(topic="The topic's key (start typing to pick one)",
                           format="Markdown to read, CSV for a spreadsheet, JSON for tools", public=PUBLIC)
    @app_commands.autocomplete(topic=topic_choices)
    @app_commands.choices(format=EXPORT_FORMATS)
    async def export(self, interaction: discord.Interaction, topic: str, format: str = "md",
                     public: bool = False) -> None:
        result = await export_service.export_file(self.bot.db, guild_id(interaction), topic, format)
        data = result.content.encode("utf-8")
        if len(data) > MAX_ATTACHMENT:
            await interaction.response.send_message(
                f"The export is {len(data) // 1024 // 1024} MB, more than Discord takes; the bot's "
                "operator can write it with `dossier export`.", ephemeral=True,
                allowed_mentions=discord.AllowedMentions.none())
            return
        summary = (f"Dossier of `{result.export.topic_key}`: {len(result.export.claims)} claims, "
                   f"{result.export.revision_count} revisions.")
        await interaction.response.send_message(
            summary, file=discord.File(io.BytesIO(data), filename=result.filename),
            ephemeral=not public, allowed_mentions=discord.AllowedMentions.none())
