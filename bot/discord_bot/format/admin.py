"""Admin views: the audit log and the review queue."""

from __future__ import annotations

from collections.abc import Sequence

import discord

from bot.discord_bot.format.common import channel_text, link, pages_from_lines, when
from bot.render import kind_label
from bot.render.sanitize import clean
from bot.service.admin import AuditItem
from bot.service.review import ProposalView


def audit_pages(rows: Sequence[AuditItem]) -> list[discord.Embed]:
    lines = []
    for r in rows:
        who = f"<@{r.actor_id}>" if r.actor_id else clean(r.actor_name or "Dossier", 60)
        detail = f" — {clean(r.detail, 300)}" if r.detail else ""
        if r.channel_id is not None:  # a channel the admin picked: shown as the channel itself
            detail = f" → {channel_text(r.channel_id)}"
        target = f" {clean(r.target, 120)}" if r.target else ""
        lines.append(f"{when(r.created_at)} {who} **{clean(r.action, 60)}**{target}{detail}")
    return pages_from_lines(lines, title="Audit log", per_page=12,
                            empty="No admin actions recorded yet.")


def pending_pages(proposals: Sequence[ProposalView]) -> list[discord.Embed]:
    lines = []
    for p in proposals:
        change = ""
        if p.before or p.after:
            change = f" `{clean(str(p.before or '∅'), 60)} → {clean(str(p.after or '∅'), 60)}`"
        subject = f"{clean(p.topic_key, 60)} › {clean(p.claim_key or '—', 60)}"
        lines.append(f"**#{p.id}** {clean(kind_label(p.kind), 40)} · {subject}{change} · "
                     f"score {p.score:.1f}\n  {link(p.article_title, p.article_url, 120)} · "
                     f"{when(p.created_at)}")
    return pages_from_lines(lines, title="Review queue", per_page=8,
                            empty="Nothing waiting for review.")
