"""Turn a Change into what people and programs read: Discord embeds, terminal text, JSON.

Everything here is pure; untrusted feed text passes through `bot.render.sanitize` first.
"""

from __future__ import annotations

KIND_LABELS: dict[str, str] = {
    "status_change": "Status change",
    "figure_change": "Figure change",
    "new_source": "New source",
    "detail_change": "Detail change",
    "new_development": "New development",
    "article_revised": "Article revised",
    "match_check": "About this claim?",
}


def kind_label(kind: str) -> str:
    """Human label for a change kind; unknown kinds fall back to their value."""
    return KIND_LABELS.get(str(kind), str(kind).replace("_", " ").capitalize())
