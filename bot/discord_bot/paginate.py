"""Pages of embeds behind Previous / Next buttons, for long lists and claim histories."""

from __future__ import annotations

from collections.abc import Sequence

import discord

NO_MENTIONS = discord.AllowedMentions.none()


def chunk_lines(lines: Sequence[str], *, per_page: int = 10, max_chars: int = 3800) -> list[list[str]]:
    """Split lines into pages that fit an embed description."""
    pages: list[list[str]] = [[]]
    size = 0
    for line in lines:
        line = line[:max_chars]
        if pages[-1] and (len(pages[-1]) >= per_page or size + len(line) + 1 > max_chars):
            pages.append([])
            size = 0
        pages[-1].append(line)
        size += len(line) + 1
    return pages if pages[0] else []


class Paginator(discord.ui.View):
    """Only the person who asked can turn the pages; buttons stop after a while."""

    def __init__(self, pages: Sequence[discord.Embed], *, owner_id: int, timeout: float = 300) -> None:
        super().__init__(timeout=timeout)
        self.pages = list(pages)
        self.owner_id = owner_id
        self.index = 0
        self._sync()

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

    @discord.ui.button(label="Previous", style=discord.ButtonStyle.secondary)
    async def previous(self, interaction: discord.Interaction, _: discord.ui.Button) -> None:
        self.index = max(self.index - 1, 0)
        self._sync()
        await interaction.response.edit_message(embed=self.pages[self.index], view=self)

    @discord.ui.button(label="Next", style=discord.ButtonStyle.secondary)
    async def next(self, interaction: discord.Interaction, _: discord.ui.Button) -> None:
        self.index = min(self.index + 1, len(self.pages) - 1)
        self._sync()
        await interaction.response.edit_message(embed=self.pages[self.index], view=self)


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
    await interaction.response.send_message(embed=pages[0], view=view, ephemeral=ephemeral,
                                            allowed_mentions=NO_MENTIONS)
