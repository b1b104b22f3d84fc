"""Cogs: thin adapters from Discord to the domain (bot.service) and storage."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.discord_bot.sender import Sender

if TYPE_CHECKING:
    from bot.discord_bot.client import DossierBot


async def setup_cogs(bot: DossierBot) -> None:
    from bot.discord_bot.cogs.poller import Poller

    sender = Sender(bot, bot.db)
    await bot.add_cog(Poller(bot, sender))
