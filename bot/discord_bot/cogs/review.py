"""The review queue's buttons: Accept / Reject / Not related on proposals in the admins' channel.

The buttons are `ReviewButton` dynamic items: the proposal id and the decision live in the
custom_id, so buttons posted before a restart keep working. This cog registers them with the
client and gives the sender the factory that attaches them to each proposal it posts.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from discord.ext import commands

from bot.discord_bot.review_buttons import ReviewButton, review_view
from bot.discord_bot.sender import Sender

if TYPE_CHECKING:
    from bot.discord_bot.client import DossierBot


class Review(commands.Cog):
    def __init__(self, bot: DossierBot, sender: Sender) -> None:
        self.bot = bot
        self.sender = sender

    async def cog_load(self) -> None:
        self.bot.add_dynamic_items(ReviewButton)
        self.sender.review_view_factory = review_view

    async def cog_unload(self) -> None:
        self.bot.remove_dynamic_items(ReviewButton)
        self.sender.review_view_factory = None
