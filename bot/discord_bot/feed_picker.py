"""The select menu `/admin feed add` shows when a page declares several feeds.

Only the admin who ran the command can pick; the pick goes through the same
`bot.service.admin.add_feed` (URL checks, SSRF guard) as a feed given directly.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence

import discord

from bot.discord_bot import NO_MENTIONS
from bot.parse.discover import FeedLink
from bot.render.sanitize import plain

TIMEOUT = 300.0


def option_label(link: FeedLink) -> str:
    label = f"{link.title} ({link.kind})" if link.title else f"{link.kind}: {link.url}"
    return plain(label, 100) or link.kind


class FeedPicker(discord.ui.View):
    """One select with up to 25 feeds; `on_pick(url)` returns the confirmation text."""

    def __init__(self, owner_id: int, links: Sequence[FeedLink],
                 on_pick: Callable[[discord.Interaction, str], Awaitable[str]]) -> None:
        super().__init__(timeout=TIMEOUT)
        self.owner_id = owner_id
        self.links = list(links)[:25]
        self.on_pick = on_pick
        select: discord.ui.Select[FeedPicker] = discord.ui.Select(
            placeholder="Pick the feed to follow",
            options=[discord.SelectOption(label=option_label(link), value=str(i),
                                          description=plain(link.url, 100))
                     for i, link in enumerate(self.links)])
        select.callback = self._picked  # type: ignore[method-assign]
        self.select = select
        self.add_item(select)

    async def interaction_check(self, interaction: discord.Interaction) -> bool:  # type: ignore[override]
        if interaction.user.id != self.owner_id:
            await interaction.response.send_message("Only the admin who ran the command can pick.",
                                                    ephemeral=True, allowed_mentions=NO_MENTIONS)
            return False
        return True

    async def _picked(self, interaction: discord.Interaction) -> None:
        link = self.links[int(self.select.values[0])]
        text = await self.on_pick(interaction, link.url)
        self.stop()
        await interaction.response.edit_message(content=text, view=None, allowed_mentions=NO_MENTIONS)
