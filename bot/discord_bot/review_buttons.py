"""Accept / Reject / Not related buttons on review-queue posts.

The proposal id and the decision live in the button's custom_id, so the buttons keep
working after a restart (discord.py DynamicItem); every press is permission-checked again.
"""

from __future__ import annotations

import re
from typing import Any

import discord

from bot.discord_bot import NO_MENTIONS
from bot.discord_bot.client import is_admin
from bot.render.embed import fit_embed

DECISIONS = {
    "accept": ("Accept", discord.ButtonStyle.success),
    "reject": ("Reject", discord.ButtonStyle.danger),
    "unrelated": ("Not related", discord.ButtonStyle.secondary),
}


class ReviewButton(discord.ui.DynamicItem[discord.ui.Button],
                   template=r"dossier:review:(?P<id>\d+):(?P<decision>accept|reject|unrelated)"):
    def __init__(self, proposal_id: int, decision: str) -> None:
        label, style = DECISIONS[decision]
        super().__init__(discord.ui.Button(
            label=label, style=style, custom_id=f"dossier:review:{proposal_id}:{decision}",
        ))
        self.proposal_id = proposal_id
        self.decision = decision

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction, item: discord.ui.Button,
                             match: re.Match[str], /) -> ReviewButton:
        return cls(int(match["id"]), match["decision"])

    async def callback(self, interaction: discord.Interaction) -> Any:
        from bot.service import review
        from bot.service.errors import ServiceError

        client: Any = interaction.client
        if interaction.guild_id is None or not is_admin(interaction.user, client.settings):
            await interaction.response.send_message(
                "Only server admins can review proposed changes. Nothing was changed.",
                ephemeral=True, allowed_mentions=NO_MENTIONS,
            )
            return
        try:
            outcome = await review.decide(
                client.db, interaction.guild_id, self.proposal_id, self.decision,
                actor_id=interaction.user.id, actor_name=str(interaction.user),
            )
        except ServiceError as exc:
            await interaction.response.send_message(str(exc), ephemeral=True,
                                                    allowed_mentions=NO_MENTIONS)
            return
        if outcome.state == "accepted":
            client.wake_poller()  # the accepted change is queued for the topic's channel
        label = DECISIONS[self.decision][0]
        note = f"{label} by {interaction.user.mention}"
        if outcome.rev is not None:
            note += f" — claim revision {outcome.rev}"
        if outcome.unmatched:
            note += " — the article no longer counts for this claim"
        if outcome.example_id is not None:
            taught = "an example of" if outcome.learnt == "positive" else "a \"not related\" example for"
            note += f" — its evidence is now {taught} the claim (#{outcome.example_id}, undo: " \
                    "`/admin claim unlearn`)"
        embeds = []
        if interaction.message is not None and interaction.message.embeds:
            data = interaction.message.embeds[0].to_dict()
            data["fields"] = [*(data.get("fields") or []),
                              {"name": "Review", "value": note[:1024], "inline": False}]
            embeds = [discord.Embed.from_dict(fit_embed(dict(data)))]
        await interaction.response.edit_message(
            content=note, embeds=embeds, view=None, allowed_mentions=NO_MENTIONS,
        )


def review_view(proposal_id: int) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    for decision in DECISIONS:
        view.add_item(ReviewButton(proposal_id, decision))
    return view
