"""What was posted and what can be found: `/updates` and `/search`."""

from __future__ import annotations

from collections.abc import Sequence

import discord

from bot.discord_bot.format.common import STATE_LABELS, jump_url, link, pages_from_lines, status_text, when
from bot.render import kind_label
from bot.render.sanitize import clean
from bot.service.browse import RecentUpdate, SearchResults
from storage.search import HIT_END, HIT_START


def updates_pages(updates: Sequence[RecentUpdate]) -> list[discord.Embed]:
    lines = []
    for u in updates:
        where = ""
        if u.state == "sent" and u.channel_id and u.message_id:
            where = f" · [message]({jump_url(u.guild_id, u.channel_id, u.message_id)})"
        what = "review" if u.review else kind_label(u.kind)
        subject = clean(u.claim_key or u.topic_key or "", 60)
        state = STATE_LABELS.get(u.state, u.state)
        lines.append(f"**{clean(what, 40)}** · {subject} · {link(u.article_title, u.article_url, 120)}"
                     f" — {clean(u.article_source or '', 60)}\n  {when(u.created_at)} · {state}{where}")
    return pages_from_lines(lines, title="Recent updates", per_page=8,
                            empty="No updates yet: nothing matched this server's topics.")


def marked(snippet: str, limit: int) -> str:
    """A search snippet: feed text escaped, then the hits (private-use markers) in bold."""
    text = clean(snippet, limit)
    if text.count(HIT_START) != text.count(HIT_END):  # cut inside a hit: drop the marks
        return text.replace(HIT_START, "").replace(HIT_END, "")
    return text.replace(HIT_START, "**").replace(HIT_END, "**")


def search_pages(results: SearchResults) -> list[discord.Embed]:
    lines = [f"__Claims__ ({len(results.claims)}, best first)"]
    for c in results.claims:
        lines.append(f"{status_text(c.status)} **{clean(c.topic_key, 60)} › {clean(c.claim_key, 60)}** — "
                     f"{marked(c.snippet or c.statement, 300)}")
    if not results.claims:
        lines.append("no claim matches")
    lines.append(f"__Articles__ ({len(results.articles)}, best first)")
    for a in results.articles:
        lines.append(f"• {link(a.title, a.url, 150)} — {clean(a.source, 60)} · "
                     f"{when(a.published or a.first_seen)}")
        if a.snippet:
            lines.append(f"  {marked(a.snippet, 300)}")
    if not results.articles:
        lines.append("no article matches")
    return pages_from_lines(lines, title=f"Search: {clean(results.query, 100)}", per_page=14)
