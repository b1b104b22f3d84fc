"""Cogs: thin adapters from Discord to the domain (bot.service); what they share is in common.py.

The poller and the install cog also read two scheduling facts from storage directly (when the
next feed is due, whether a review channel is set).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.discord_bot.errors import install_error_handler
from bot.discord_bot.paginate import ExpiredPageButton
from bot.discord_bot.sender import Sender

if TYPE_CHECKING:
    from bot.discord_bot.client import DossierBot


async def setup_cogs(bot: DossierBot) -> None:
    from bot.discord_bot.cogs.admin import Admin
    from bot.discord_bot.cogs.browse import Browse
    from bot.discord_bot.cogs.guilds import Guilds
    from bot.discord_bot.cogs.poller import Poller
    from bot.discord_bot.cogs.review import Review

    install_error_handler(bot.tree)
    bot.add_dynamic_items(ExpiredPageButton)  # page buttons nothing answers any more
    sender = Sender(bot, bot.db, stop=bot.pipeline.stop)
    await bot.add_cog(Guilds(bot))
    await bot.add_cog(Review(bot, sender))  # before the poller: the sender needs its buttons
    await bot.add_cog(Browse(bot))
    await bot.add_cog(Admin(bot))
    await bot.add_cog(Poller(bot, sender))
