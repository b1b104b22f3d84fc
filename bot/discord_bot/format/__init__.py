"""Service results (bot.service dataclasses, some of them storage rows) -> discord.Embed pages.

Split by what is rendered: `claims` (topics, claims, history), `updates` (/updates, /search),
`feeds` (feed health), `status` (/admin status), `why`, `admin` (audit log, review queue);
`common` holds what they share (the embed builder, timestamps, links, paging). Pure functions,
no I/O: untrusted text is cleaned and every embed is cut to Discord's limits (see common.py).
Long lists become several pages (see paginate.py).
"""

from bot.discord_bot.format.admin import audit_pages, pending_pages
from bot.discord_bot.format.claims import claim_embed, history_pages, revision_text, topic_pages, topics_pages
from bot.discord_bot.format.feeds import health_pages
from bot.discord_bot.format.status import status_embed
from bot.discord_bot.format.updates import search_pages, updates_pages
from bot.discord_bot.format.why import features_text, why_embed

__all__ = [
    "audit_pages",
    "claim_embed",
    "features_text",
    "health_pages",
    "history_pages",
    "pending_pages",
    "revision_text",
    "search_pages",
    "status_embed",
    "topic_pages",
    "topics_pages",
    "updates_pages",
    "why_embed",
]
