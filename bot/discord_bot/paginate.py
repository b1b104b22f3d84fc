"""Pages of embeds behind Previous / Next buttons, for long lists and claim histories.

A page view lives in memory for `PAGE_TIMEOUT` seconds after the last press. When it times
out, the buttons are removed from the message (edited through the latest interaction's
token, which Discord honours for 15 minutes), so they never answer "This interaction failed".
If that edit cannot be made (the token expired, the message was deleted) or the bot restarted
while pages were open, the buttons are still on the message with nothing behind them:
`ExpiredPageButton` recognises their custom_id and answers a press by removing them.
"""

from __future__ import annotations

import asyncio
import logging
import re
import secrets
from collections.abc import Sequence
from typing import Any

import discord

from bot.discord_bot import NO_MENTIONS

log = logging.getLogger(__name__)

PAGE_TIMEOUT = 300.0  # seconds after the last press
CUSTOM_ID = "dossier:pages:{token}:{action}"
EXPIRED_NOTE = "buttons expired: run the command again to turn pages"

# Page views whose buttons still answer, by token (the custom_id's middle part).
_live: dict[str, Paginator] = {}


def expired(page: discord.Embed) -> discord.Embed:
    """The page as it stays on the message once its buttons are gone."""
    footer = page.footer.text or ""
    if EXPIRED_NOTE not in footer:
        page.set_footer(text=f"{footer} · {EXPIRED_NOTE}" if footer else EXPIRED_NOTE)
    return page


class Paginator(discord.ui.View):
    """Only the person who asked can turn the pages; the buttons go away after a while."""

    def __init__(self, pages: Sequence[discord.Embed], *, owner_id: int,
                 timeout: float | None = None) -> None:
        super().__init__(timeout=PAGE_TIMEOUT if timeout is None else timeout)
        self.pages = list(pages)
        self.owner_id = owner_id
        self.index = 0
        self.token = secrets.token_hex(8)
        self.previous.custom_id = CUSTOM_ID.format(token=self.token, action="prev")
        self.next.custom_id = CUSTOM_ID.format(token=self.token, action="next")
        self.interaction: discord.Interaction | None = None  # the latest: its token edits the message
        self.closed = asyncio.Event()  # set once the buttons were removed (or could not be)
        self._sync()
        _live[self.token] = self

    def _sync(self) -> None:
        total = len(self.pages)
        for i, page in enumerate(self.pages):
            page.set_footer(text=f"Page {i + 1} of {total}")
        self.previous.disabled = self.index == 0
        self.next.disabled = self.index >= total - 1

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        if interaction.user.id != self.owner_id:
            await interaction.response.send_message(
                "These buttons belong to the person who ran the command.", ephemeral=True,
                allowed_mentions=NO_MENTIONS,
            )
            return False
        return True

    async def _turn(self, interaction: discord.Interaction, step: int) -> None:
        self.index = min(max(self.index + step, 0), len(self.pages) - 1)
        self._sync()
        self.interaction = interaction
        await interaction.response.edit_message(embed=self.pages[self.index], view=self)

    @discord.ui.button(label="Previous", style=discord.ButtonStyle.secondary)
    async def previous(self, interaction: discord.Interaction, _: discord.ui.Button) -> None:
        await self._turn(interaction, -1)

    @discord.ui.button(label="Next", style=discord.ButtonStyle.secondary)
    async def next(self, interaction: discord.Interaction, _: discord.ui.Button) -> None:
        await self._turn(interaction, 1)

    async def on_timeout(self) -> None:
        """Remove the buttons from the message; if Discord refuses, the fallback answers them."""
        _live.pop(self.token, None)
        try:
            if self.interaction is not None:
                await self.interaction.edit_original_response(embed=expired(self.pages[self.index]),
                                                              view=None, allowed_mentions=NO_MENTIONS)
        except discord.HTTPException as exc:
            # 401 once the interaction's 15 minutes are over, 404 if the message was deleted.
            log.info("could not remove expired page buttons (%s %s); a press will remove them",
                     exc.status, exc.code)
        finally:
            self.closed.set()


class ExpiredPageButton(discord.ui.DynamicItem[discord.ui.Button],
                        template=r"dossier:pages:(?P<token>[0-9a-f]+):(?P<action>prev|next)"):
    """Page buttons nothing answers any more (expired, or from before a restart): remove them."""

    def __init__(self, token: str, action: str) -> None:
        super().__init__(discord.ui.Button(label="Next" if action == "next" else "Previous",
                                           custom_id=CUSTOM_ID.format(token=token, action=action)))
        self.token = token

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction, item: discord.ui.Item[Any],
                             match: re.Match[str], /) -> ExpiredPageButton:
        return cls(match["token"], match["action"])

    async def callback(self, interaction: discord.Interaction) -> Any:
        view = _live.get(self.token)
        if view is not None and not view.is_finished():
            return  # a live page view answers this press itself
        embeds = [expired(e) for e in (interaction.message.embeds if interaction.message else [])[:1]]
        try:
            await interaction.response.edit_message(embeds=embeds, view=None, allowed_mentions=NO_MENTIONS)
        except (discord.InteractionResponded, discord.HTTPException) as exc:
            log.info("expired page buttons: %s", exc)


async def send_pages(interaction: discord.Interaction, pages: Sequence[discord.Embed], *,
                     ephemeral: bool) -> None:
    """One page: a plain reply. More: a reply with page buttons."""
    if not pages:
        pages = [discord.Embed(description="Nothing to show.")]
    if len(pages) == 1:
        await interaction.response.send_message(embed=pages[0], ephemeral=ephemeral,
                                                allowed_mentions=NO_MENTIONS)
        return
    view = Paginator(pages, owner_id=interaction.user.id)
    view.interaction = interaction
    try:
        await interaction.response.send_message(embed=pages[0], view=view, ephemeral=ephemeral,
                                                allowed_mentions=NO_MENTIONS)
    except BaseException:
        _live.pop(view.token, None)  # never shown: nothing will time out
        raise
