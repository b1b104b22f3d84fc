"""Autocomplete for topic, claim, feed and proposal arguments: this server's own, at most 25.

Discord sends what the user has typed so far; we answer with matching keys (value) and a
readable label (name, at most 100 characters). Only the asking server's rows are listed,
through the same service calls the commands use. Failures answer with no choices rather than
an error: autocomplete has no way to show one.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

import discord
from discord import app_commands

from bot.discord_bot.client import is_admin
from bot.render import kind_label
from bot.render.sanitize import collapse_whitespace, strip_control
from bot.service import browse
from bot.service import review as review_service
from bot.service.errors import ServiceError

log = logging.getLogger(__name__)

MAX_CHOICES = 25
NAME_LIMIT = 100

Choices = list[app_commands.Choice[str]]
Autocomplete = Callable[[discord.Interaction, str], Awaitable[Choices]]


def label(*parts: str) -> str:
    """A choice label: plain one-line text within Discord's 100 characters."""
    text = " — ".join(collapse_whitespace(strip_control(p)) for p in parts if p)
    return text if len(text) <= NAME_LIMIT else text[: NAME_LIMIT - 1] + "…"


def _rank(current: str, key: str, *texts: str) -> int | None:
    """0: key starts with the input, 1: key contains it, 2: another text does; None: no match."""
    needle = current.strip().lower()
    if not needle or key.lower().startswith(needle):
        return 0
    if needle in key.lower():
        return 1
    if any(needle in t.lower() for t in texts):
        return 2
    return None


def _best(ranked: list[tuple[int, Any, app_commands.Choice[Any]]]) -> list[app_commands.Choice[Any]]:
    """Best rank first, then by value; one choice per value; at most Discord's 25."""
    ranked.sort(key=lambda r: (r[0], r[1]))
    seen: set[Any] = set()
    out = []
    for _, value, choice in ranked:
        if value not in seen:
            seen.add(value)
            out.append(choice)
    return out[:MAX_CHOICES]


def _db(interaction: discord.Interaction) -> Any:
    return interaction.client.db  # type: ignore[attr-defined]


async def topic_choices(interaction: discord.Interaction, current: str) -> Choices:
    if interaction.guild_id is None:
        return []
    try:
        topics = await browse.list_topics(_db(interaction), interaction.guild_id)
    except Exception:
        log.exception("topic autocomplete failed")
        return []
    ranked = []
    for t in topics:
        rank = _rank(current, t.key, t.title)
        if rank is not None:
            ranked.append((rank, t.key, app_commands.Choice(name=label(t.key, t.title), value=t.key)))
    return _best(ranked)


def claim_choices_for(topic_option: str) -> Autocomplete:
    """Claims of the topic already chosen in `topic_option` (or of every topic, if none yet)."""

    async def claim_choices(interaction: discord.Interaction, current: str) -> Choices:
        if interaction.guild_id is None:
            return []
        db = _db(interaction)
        topic = getattr(interaction.namespace, topic_option, None)
        try:
            if topic:
                try:
                    details = [await browse.topic_detail(db, interaction.guild_id, str(topic))]
                except Exception:  # an unknown topic typed by hand: no claims to offer
                    return []
            else:
                details = [await browse.topic_detail(db, interaction.guild_id, t.key)
                           for t in await browse.list_topics(db, interaction.guild_id)]
        except Exception:
            log.exception("claim autocomplete failed")
            return []
        ranked = []
        for detail in details:
            for c in detail.claims:
                rank = _rank(current, c.key, c.statement)
                if rank is None:
                    continue
                name = label(c.key, c.statement) if topic else label(f"{detail.key} › {c.key}", c.statement)
                ranked.append((rank, c.key, app_commands.Choice(name=name, value=c.key)))
        return _best(ranked)  # one choice per claim key (the same key can be in two topics)

    return claim_choices


claim_choices = claim_choices_for("topic")


async def feed_choices(interaction: discord.Interaction, current: str) -> Choices:
    """The feeds this server follows, by URL (value) with their name."""
    if interaction.guild_id is None:
        return []
    try:
        report = await browse.feed_health(_db(interaction), interaction.guild_id)
    except Exception:
        log.exception("feed autocomplete failed")
        return []
    ranked = []
    for f in report.feeds:
        if len(f.url) > NAME_LIMIT:
            continue  # a choice value is limited to 100 characters; type the URL instead
        rank = _rank(current, f.url, f.name or "")
        if rank is None:
            rank = _rank(current.removeprefix("https://").removeprefix("http://"),
                         f.url.split("://", 1)[-1], f.name or "")
        if rank is not None:
            paused = " (paused)" if f.paused else ""
            ranked.append((rank, f.url, app_commands.Choice(
                name=label((f.name or f.url) + paused, f.url if f.name else ""), value=f.url)))
    return _best(ranked)


def proposal_label(p: review_service.ProposalView) -> str:
    """`#12 Figure change · acme › units: 40,000 → 55,000 (score 58)`, cut to 100 characters."""
    change = f": {p.before or '∅'} → {p.after or '∅'}" if p.before or p.after else ""
    subject = f"{p.topic_key} › {p.claim_key or '—'}"
    return label(f"#{p.id} {kind_label(p.kind)} · {subject}{change} (score {p.score:.0f})")


async def proposal_choices(interaction: discord.Interaction, current: str) -> list[app_commands.Choice[int]]:
    """This server's proposals waiting for a decision, for admins only (the queue is staff-only).

    Typing digits finds a proposal by number (also beyond the oldest 50 listed); typing
    words finds them in the label (kind, topic, claim, values).
    """
    settings = getattr(interaction.client, "settings", None)
    if interaction.guild_id is None or settings is None or not is_admin(interaction.user, settings):
        return []
    db = _db(interaction)
    needle = current.strip().lstrip("#").lower()
    try:
        proposals = (await review_service.pending(db, interaction.guild_id, limit=50)).proposals
        if needle.isdigit() and all(p.id != int(needle) for p in proposals):
            try:
                exact = await review_service.get(db, interaction.guild_id, int(needle))
            except ServiceError:
                exact = None
            if exact is not None and exact.state == "pending":
                proposals = [exact, *proposals]
    except Exception:
        log.exception("proposal autocomplete failed")
        return []
    ranked = []
    for p in proposals:
        name = proposal_label(p)
        rank: int | None
        if not needle:
            rank = 0
        elif needle.isdigit():
            rank = 0 if str(p.id) == needle else (1 if str(p.id).startswith(needle) else None)
        else:
            rank = 2 if needle in name.lower() else None
        if rank is not None:
            ranked.append((rank, p.id, app_commands.Choice(name=name, value=p.id)))
    return _best(ranked)
