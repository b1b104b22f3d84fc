"""Feed health: `/feeds` (last poll and success, errors, pauses, channels that broke)."""

from __future__ import annotations

import discord

from bot.discord_bot.format.common import (
    ERROR_COLOR,
    OK_COLOR,
    WARN_COLOR,
    channel_text,
    duration,
    pages_from_lines,
    when,
)
from bot.render.embed import safe_url
from bot.render.sanitize import clean
from bot.service.browse import HealthReport


def health_pages(report: HealthReport) -> list[discord.Embed]:
    lines = []
    if report.broken_channels:
        lines.append("__Channels Dossier cannot post to__ (updates are kept until fixed)")
        for b in report.broken_channels:
            lines.append(f"⚠️ topic **{clean(b.topic_key, 60)}** → {channel_text(b.channel_id)}: "
                         f"{clean(b.error, 200)}")
        lines.append("")
    for f in report.feeds:
        if f.paused:
            icon = "⏸️"
        elif f.last_error:
            icon = "⚠️"
        elif f.last_ok_at is None:
            icon = "🕓"
        else:
            icon = "✅"
        name = clean(f.name or f.url, 100)
        target = safe_url(f.url)
        title = f"[{name}]({target})" if target else name
        parts = [f"{icon} **{title}** · every {duration(f.interval)}",
                 f"  last poll {when(f.last_poll_at)} · last success {when(f.last_ok_at)}"]
        if f.paused:
            parts.append(f"  paused: {clean(f.pause_reason or 'paused', 200)}")
        if f.last_error:
            failures = f" ({f.failures} in a row)" if f.failures else ""
            parts.append(f"  last error{failures}: {clean(f.last_error, 200)}")
        if f.pages_failed:
            parts.append(f"  article pages: {f.pages_failed} of {f.pages_fetched} failed this week, "
                         f"last: {clean(f.pages_last_error or '?', 150)} (the feed's text was used)")
        elif not f.paused:
            parts.append(f"  next poll {when(f.next_poll_at)}")
        lines.append("\n".join(parts))
    paused = sum(1 for f in report.feeds if f.paused)
    failing = sum(1 for f in report.feeds if f.last_error and not f.paused)
    header = (f"{len(report.feeds)} feed{'s' if len(report.feeds) != 1 else ''} · {paused} paused · "
              f"{failing} failing\n")
    if report.semantic:
        header += f"Semantic matching: {clean(report.semantic, 300)}\n"
    header += "\n"
    color = ERROR_COLOR if report.broken_channels or failing else (WARN_COLOR if paused else OK_COLOR)
    return pages_from_lines(lines, title="Feed health", header=header, color=color, per_page=8,
                            empty="This server follows no feeds. Admins: `/admin feed add`.")
