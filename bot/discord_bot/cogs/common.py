"""What the server-scoped cogs share: the guild-only guard and this server's id."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.match import Thresholds

if TYPE_CHECKING:
    from bot.discord_bot.client import DossierBot


def guild_id(interaction: discord.Interaction) -> int:
    """This server's id; the cogs that call it are guild-only (see ServerCog)."""
    assert interaction.guild_id is not None
    return interaction.guild_id


def default_thresholds(bot: DossierBot) -> Thresholds:
    """The bot's configured match cut-offs, which a server's own /admin thresholds override."""
    pipeline = getattr(bot, "pipeline", None)
    return getattr(pipeline, "thresholds", None) or Thresholds()


class ServerCog(commands.Cog):
    """A cog whose every command reads or changes one server's file, so needs a server."""

    async def interaction_check(self, interaction: discord.Interaction) -> bool:  # type: ignore[override]
        # guild_only hides the commands in DMs on Discord's side; this enforces it here too.
        if interaction.guild_id is None:
            raise app_commands.NoPrivateMessage("This command only works in a server.")
        return True
