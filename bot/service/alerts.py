"""Opt-in role alerts: `/admin notify` sets them, the sender asks `mention_for` per update.

A role is mentioned only on a confident update of a kind the admins chose, posted on its own
in the topic's channel: never for a review proposal, never in (or instead of) a backlog
digest, never by default. The mention is Dossier's own text; feed text stays neutralised
and the message's allowed_mentions names exactly that role.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.models import ChangeKind
from bot.service.browse import require_topic
from bot.service.errors import InvalidInputError, NotFoundError, shown
from storage import alerts as alert_store
from storage.alerts import Alert
from storage.db import Database
from storage.guilds import AuditEntry
from storage.topics import TopicNotFoundError

ALERT_KINDS = (ChangeKind.STATUS_CHANGE.value, ChangeKind.FIGURE_CHANGE.value,
               ChangeKind.NEW_SOURCE.value, ChangeKind.NEW_DEVELOPMENT.value)


@dataclass(frozen=True)
class NotifySetting:
    topic_key: str
    role_id: int | None
    kinds: tuple[str, ...]

    @property
    def active(self) -> bool:
        return self.role_id is not None and bool(self.kinds)


def parse_kinds(text: str) -> tuple[str, ...]:
    """"status_change, figure_change", "all" or "none" -> the kinds, in a fixed order."""
    words = [w for w in re.split(r"[\s,;|]+", (text or "").strip().lower()) if w]
    if not words or words == ["none"]:
        return ()
    if words == ["all"]:
        return ALERT_KINDS
    unknown = [w for w in words if w not in ALERT_KINDS]
    if unknown:
        raise InvalidInputError(f"Unknown kind {shown(unknown[0])}: use {', '.join(ALERT_KINDS)}, "
                                "all or none.")
    return tuple(k for k in ALERT_KINDS if k in words)


def mention_for(alert: Alert, *, kind: str, confident: bool, backlog: bool, review: bool) -> int | None:
    """The role to mention on this update, or None (the default)."""
    if alert.role_id is None or review or backlog or not confident:
        return None
    return alert.role_id if kind in alert.kinds else None


async def get_notify(db: Database, guild_id: int, topic_key: str) -> NotifySetting:
    topic = await require_topic(db, guild_id, topic_key)
    alert = await alert_store.alert_by_key(db, guild_id, topic.key)
    return NotifySetting(topic.key, alert.role_id, alert.kinds)


async def set_notify(db: Database, guild_id: int, topic_key: str, role_id: int | None, kinds: str, *,
                     actor_id: int, actor_name: str) -> NotifySetting:
    """Mention `role_id` on the chosen kinds; no role or "none" turns alerts off."""
    topic = await require_topic(db, guild_id, topic_key)
    chosen = parse_kinds(kinds)
    if role_id == guild_id:
        raise InvalidInputError("Pick a role: Dossier never mentions @everyone.")
    if role_id is None or not chosen:
        role_id, chosen = None, ()
    detail = f"role {role_id} on {', '.join(chosen)}" if role_id else "off"
    audit = AuditEntry(guild_id, actor_id, actor_name, "topic.notify", topic.key, detail)
    try:
        await alert_store.set_alert(db, guild_id, topic.key, role_id, chosen, audit)
    except TopicNotFoundError:
        raise NotFoundError(f"No topic {shown(topic_key)} in this server. Try /topics.") from None
    return NotifySetting(topic.key, role_id, chosen)
