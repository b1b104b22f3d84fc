"""What every reply shares: the embed builder, timestamps, links, mentions, paging.

Pure functions, no I/O. Every piece of text that came from a feed, a config file or an admin
goes through `bot.render.sanitize.clean` (or `code_block_safe` inside code blocks), so no
reply can ping, hide a link or break its markdown; every embed goes through `fit_embed`,
so none can exceed Discord's limits.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import discord

from bot.models import Status
from bot.render.embed import DEFAULT_COLOR, fit_embed, safe_url
from bot.render.sanitize import clean, code_block_safe

PAGE_CHARS = 3500  # description budget per page, leaving room for fields and the page footer
PER_PAGE = 10

STATUS_ICONS = {
    "alleged": "❔", "confirmed": "✅", "disputed": "⚖️", "denied": "❌",
    "ongoing": "⏳", "concluded": "🏁", "retracted": "↩️",
}
STATE_LABELS = {"sent": "posted", "pending": "waiting to be posted", "held": "held (channel problem)"}
OK_COLOR = 0x2ECC71
WARN_COLOR = 0xE67E22
ERROR_COLOR = 0xE74C3C


def embed(data: dict[str, Any]) -> discord.Embed:
    """A discord.Embed from a payload dict, cut to Discord's limits first."""
    data = {"type": "rich", "color": DEFAULT_COLOR, **data}
    return discord.Embed.from_dict(fit_embed(data))


def when(value: datetime | None, style: str = "R") -> str:
    """Discord timestamp markup (each reader sees their own timezone), or 'never'."""
    if value is None:
        return "never"
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return f"<t:{int(value.timestamp())}:{style}>"


def duration(value: timedelta) -> str:
    seconds = int(value.total_seconds())
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size and seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


def status_text(status: Status | str) -> str:
    value = status.value if isinstance(status, Status) else str(status)
    return f"{STATUS_ICONS.get(value, '•')} {value}"


def link(title: str | None, url: str | None, limit: int = 150) -> str:
    """`[title](url)` for a safe http(s) URL, else the cleaned title alone."""
    text = clean(title or "", limit) or "(untitled)"
    target = safe_url(url)
    return f"[{text}]({target})" if target else text


def actor_text(actor: str | None) -> str:
    """Who made a revision: feeds.yaml, Dossier itself, or an admin (shown as a mention)."""
    if not actor:
        return "unknown"
    if actor.startswith("admin:"):
        ident = actor.split(":", 1)[1]
        return f"<@{ident}>" if ident.isdigit() else clean(ident, 80)
    if actor == "dossier":
        return "Dossier (automatic)"
    return clean(actor, 80)


def jump_url(guild_id: int, channel_id: int, message_id: int) -> str:
    """The link that opens a server message (a DM's would have @me where the server id is)."""
    return f"https://discord.com/channels/{guild_id}/{channel_id}/{message_id}"


def channel_text(channel_id: int | None, error: str | None = None) -> str:
    if channel_id is None:
        return "not set"
    text = f"<#{channel_id}>"
    return f"{text} ⚠️ {clean(error, 200)}" if error else text


def pages_from_lines(lines: Sequence[str], *, title: str, header: str = "", color: int = DEFAULT_COLOR,
                     per_page: int = PER_PAGE, empty: str = "Nothing to show.",
                     url: str | None = None) -> list[discord.Embed]:
    """Lines spread over as many embeds as needed; each page repeats the header."""
    budget = PAGE_CHARS - len(header)
    pages: list[list[str]] = []
    size = 0
    for line in lines:
        line = line[:budget]
        if not pages or len(pages[-1]) >= per_page or size + len(line) + 1 > budget:
            pages.append([])
            size = 0
        pages[-1].append(line)
        size += len(line) + 1
    if not pages:
        pages = [[empty]]
    out = []
    for chunk in pages:
        data: dict[str, Any] = {"title": title, "description": (header + "\n".join(chunk)).strip(),
                                "color": color}
        if url:
            data["url"] = url
        out.append(embed(data))
    return out


def diff_block(lines: Iterable[str], limit: int = 1000) -> str:
    """Lines in a ```diff block (green +, red -), cut with a marker to stay within `limit`."""
    body: list[str] = []
    used = 0
    for line in lines:
        line = code_block_safe(line)
        if used + len(line) + 1 > limit - 20:
            body.append("… (cut)")
            break
        body.append(line)
        used += len(line) + 1
    return "```diff\n" + "\n".join(body) + "\n```" if body else ""
