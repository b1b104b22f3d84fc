"""Operations: `/admin status` (the last poll cycle, feeds in trouble, backlogs)."""

from __future__ import annotations

from typing import Any

import discord

from bot.discord_bot.format.common import ERROR_COLOR, OK_COLOR, WARN_COLOR, embed, when
from bot.render.sanitize import clean


def _seconds(value: float) -> str:
    return f"{value:.1f}s" if value < 120 else f"{value / 60:.1f}m"


def _feed_line(f: Any, why: str) -> str:
    return f"• **{clean(f.name or f.url, 80)}**: {clean(why, 200)}"


def status_embed(status: Any) -> discord.Embed:
    """The last poll cycle, this server's failing and paused feeds, and what is waiting."""
    c = status.last_cycle
    if c is None:
        cycle = "No poll cycle has finished yet."
    else:
        cycle = (f"finished {when(c.finished_at)} · took {_seconds(c.duration.total_seconds())}\n"
                 f"{c.polled} feeds polled ({c.failed} failed) · {c.entries} new or revised entries "
                 f"· {c.updates} updates queued")
    if status.process_started_at is not None:
        cycle += f"\nrunning since {when(status.process_started_at)}"
    fields = [
        {"name": ("✅ " if status.health.ok else "❌ ") + "Last poll cycle", "value": cycle, "inline": False},
    ]
    failing = [_feed_line(f, f"{f.last_error or 'failed'} ({f.failures} in a row)") for f in status.failing]
    paused = [_feed_line(f, f.pause_reason or "paused") for f in status.paused]
    fields.append({"name": f"Feeds failing ({len(failing)} of {status.feeds})",
                   "value": "\n".join(failing[:8]) or "none", "inline": False})
    fields.append({"name": f"Feeds paused ({len(paused)})", "value": "\n".join(paused[:8]) or "none",
                   "inline": False})
    fields.append({"name": "Review queue", "value": f"{status.review_pending} waiting (`/admin review list`)",
                   "inline": True})
    fields.append({"name": "Outbox", "value": f"{status.outbox_pending} to post · {status.outbox_held} held",
                   "inline": True})
    color = ERROR_COLOR if not status.health.ok else WARN_COLOR if failing else OK_COLOR
    return embed({"title": "Dossier status", "description": clean(status.health.reason, 300),
                  "fields": fields, "color": color})
