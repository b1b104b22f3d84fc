"""One Change -> a Discord embed payload (the dict `discord.Embed.to_dict()` would give).

Payloads are built here, stored in the outbox and sent later, so they must already be
within Discord's limits: an embed over a limit is rejected whole and the update is lost.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote, urlsplit

from bot.diff import build_diff
from bot.models import Change, ChangeKind
from bot.render import kind_label
from bot.render.sanitize import (
    ELLIPSIS,
    clean,
    code_block_safe,
    cut,
    plain,
    truncate,
    utf16_len,
)

TITLE_LIMIT = 256
DESCRIPTION_LIMIT = 4096
FIELD_COUNT_LIMIT = 25
FIELD_NAME_LIMIT = 256
FIELD_VALUE_LIMIT = 1024
FOOTER_LIMIT = 2048
AUTHOR_LIMIT = 256
TOTAL_LIMIT = 6000
URL_LIMIT = 2048
EMPTY = "\u200b"  # Discord rejects empty field names/values; this shows as blank
FENCE = "```"
PROPOSED_NOTE = "*Proposed: confidence too low to apply, awaiting review.*"
QUESTION_NOTE = ("*Question: is this article about the claim? Accept = yes, Not related = no "
                 "(either answer teaches the matcher); Reject = skip.*")

COLORS: dict[ChangeKind, int] = {
    ChangeKind.STATUS_CHANGE: 0xE67E22,  # orange: the claim's standing moved
    ChangeKind.FIGURE_CHANGE: 0x3498DB,  # blue
    ChangeKind.NEW_SOURCE: 0x2ECC71,  # green: more corroboration
    ChangeKind.DETAIL_CHANGE: 0x9B59B6,  # purple
    ChangeKind.NEW_DEVELOPMENT: 0xF1C40F,  # yellow: not tied to a claim yet
    ChangeKind.ARTICLE_REVISED: 0x95A5A6,  # grey: a source edited itself
    ChangeKind.MATCH_CHECK: 0x1ABC9C,  # teal: a question to the admins, not news
}
DEFAULT_COLOR = 0x5865F2

_SAFE_URL_CHARS = "!#$%&'*+,-./:;=?@[]~_"  # everything else (spaces, (), non-ASCII) is quoted
_UNAPPLIED = (ChangeKind.NEW_DEVELOPMENT, ChangeKind.ARTICLE_REVISED)


def color_for(kind: ChangeKind | str) -> int:
    """Embed colour for a kind, so a channel can be skimmed by colour."""
    try:
        return COLORS[ChangeKind(kind)]
    except ValueError:
        return DEFAULT_COLOR


def safe_url(url: str | None) -> str | None:
    """The article URL if it is plain http(s); None for javascript:, data:, garbage.

    Parentheses and non-ASCII are percent-encoded so the URL also works as a masked link
    target and is accepted by Discord's URL validation.
    """
    if not url:
        return None
    url = url.strip()
    if len(url) > URL_LIMIT or any(ch.isspace() or ord(ch) < 32 or ord(ch) == 127 for ch in url):
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return None
    quoted = quote(url, safe=_SAFE_URL_CHARS)
    return quoted if len(quoted) <= URL_LIMIT else None


def _iso(when: datetime | None) -> str | None:
    if when is None:
        return None
    if when.tzinfo is None:  # the parser stores UTC; a naive value means UTC too
        when = when.replace(tzinfo=UTC)
    return when.astimezone(UTC).isoformat()


def _published(when: datetime | None) -> str:
    """Discord timestamp markup: each reader sees it in their own timezone."""
    if when is None:
        return "unknown"
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return f"<t:{int(when.timestamp())}:f>"


def _diff_block(diff: str, limit: int) -> str:
    """A closed ```diff block of at most `limit` characters, cut at whole lines."""
    lines = code_block_safe(diff).splitlines() or [EMPTY]
    head, tail = FENCE + "diff\n", "\n" + FENCE
    marker = f"{ELLIPSIS} (truncated)"
    budget = limit - utf16_len(head) - utf16_len(tail)
    kept: list[str] = []
    used = 0
    for i, line in enumerate(lines):
        size = utf16_len(line) + (1 if kept else 0)
        rest = 0 if i == len(lines) - 1 else utf16_len(marker) + 1
        if used + size + rest > budget:
            if not kept:  # one huge line: cut inside it
                kept.append(truncate(line, max(budget - utf16_len(marker) - 1, 1)))
            kept.append(marker)
            break
        kept.append(line)
        used += size
    return head + "\n".join(kept) + tail


def _field(name: str, value: str, *, inline: bool) -> dict[str, Any]:
    return {"name": name, "value": value or EMPTY, "inline": inline}


def render_embed(change: Change) -> dict[str, Any]:
    """The embed for one update: what changed (diff), on which claim, from which article."""
    kind = change.kind
    article = change.article
    title = clean(f"{kind_label(kind)}: {article.title or '(untitled)'}", TITLE_LIMIT)
    proposed = not change.confident and kind not in _UNAPPLIED
    block = _diff_block(change.diff or build_diff(change), 3000)  # room left for the fields
    note = QUESTION_NOTE if kind is ChangeKind.MATCH_CHECK else PROPOSED_NOTE
    description = f"{note}\n{block}" if proposed else block

    fields = [_field("Topic", f"{clean(change.topic_title, 200)} ({clean(change.topic_key, 100)})",
                     inline=True)]
    if change.claim_key:
        claim = f"**{clean(change.claim_key, 100)}**"
        if change.claim_statement:
            claim += " — " + clean(change.claim_statement, 800)
        fields.append(_field("Claim", claim, inline=False))
    fields += [
        _field("Change", kind_label(kind) + (" (proposed)" if proposed else ""), inline=True),
        _field("Score", f"{change.score:.1f}", inline=True),
        _field("Source", clean(article.source, 200) or "unknown", inline=True),
        _field("Published", _published(article.published), inline=True),
    ]
    if change.evidence:
        fields.append(_field("Evidence", "> " + clean(change.evidence, 1000), inline=False))

    footer = " · ".join(["Dossier", change.topic_key, *([change.claim_key] if change.claim_key else []),
                         *(["found in the article page"] if change.text_source == "article_page" else [])])
    embed: dict[str, Any] = {
        "type": "rich",
        "title": title,
        "description": description,
        "color": color_for(kind),
        "fields": fields,
        "footer": {"text": plain(footer, FOOTER_LIMIT)},
    }
    url = safe_url(article.url)
    if url:
        embed["url"] = url
    timestamp = _iso(article.published)
    if timestamp:
        embed["timestamp"] = timestamp
    return fit_embed(embed)


def _digest_line(change: Change) -> str:
    who = clean(change.claim_key or change.topic_key, 80)
    title = clean(change.article.title, 120) or "(untitled)"
    url = safe_url(change.article.url)
    link = f"[{title}]({url})" if url else title
    source = clean(change.article.source, 60)
    line = f"• **{kind_label(change.kind)}** · {who} · {link}"
    return f"{line} — {source}" if source else line


def render_digest(changes: Sequence[Change], *, title: str, max_items: int = 20) -> dict[str, Any]:
    """One compact embed for a backlog (e.g. first poll of a feed): a line per update.

    Posting fifty embeds at once would flood the channel and hit rate limits; a digest says
    what happened and links the articles.
    """
    more_room = 40  # "… and N more"
    budget = DESCRIPTION_LIMIT - more_room
    lines: list[str] = []
    used = 0
    for change in changes[:max_items]:
        line = _digest_line(change)
        if used + utf16_len(line) + 1 > budget:
            break
        lines.append(line)
        used += utf16_len(line) + 1
    hidden = len(changes) - len(lines)
    if hidden:
        lines.append(f"{ELLIPSIS} and {hidden} more")
    kinds = {str(c.kind) for c in changes}
    published = [c.article.published for c in changes if c.article.published is not None]
    embed: dict[str, Any] = {
        "type": "rich",
        "title": clean(title, TITLE_LIMIT) or "Dossier updates",
        "description": "\n".join(lines) or "No updates.",
        "color": color_for(kinds.pop()) if len(kinds) == 1 else DEFAULT_COLOR,
        "footer": {"text": f"Dossier · {len(changes)} update{'s' if len(changes) != 1 else ''}"},
    }
    if published:
        embed["timestamp"] = _iso(max(_aware(p) for p in published))
    return fit_embed(embed)


def _aware(when: datetime) -> datetime:
    return when if when.tzinfo is not None else when.replace(tzinfo=UTC)


# --- limits -------------------------------------------------------------------------------


def _cut_clean(text: str, limit: int) -> str:
    """Prefix within `limit`, without trailing space, stray backticks or a dangling escape."""
    kept = cut(text, limit).rstrip()
    stripped = kept.rstrip("`")
    if stripped.count(FENCE) % 2 == kept.count(FENCE) % 2:
        kept = stripped  # only drop backticks that were part of a cut fence
    trailing = len(kept) - len(kept.rstrip("\\"))
    return kept[:-1] if trailing % 2 else kept


def truncate_text(text: str, limit: int, marker: str = ELLIPSIS) -> str:
    """Cut to `limit` with a visible marker; a code block open at the cut is closed again."""
    if utf16_len(text) <= limit:
        return text
    if limit <= utf16_len(marker):
        return cut(marker, limit)
    kept = _cut_clean(text, limit - utf16_len(marker))
    if kept.count(FENCE) % 2 == 0:
        return kept + marker
    tail = f"\n{marker}\n{FENCE}"
    if limit < utf16_len(tail) + 1:
        return cut(marker, limit)
    kept = _cut_clean(text, limit - utf16_len(tail))
    if kept.count(FENCE) % 2 == 0:  # the shorter cut fell before the fence opened
        return kept + marker
    return kept + tail


def embed_length(embed: dict[str, Any]) -> int:
    """What Discord counts towards the 6000 total (in UTF-16 units, to be safe)."""
    total = utf16_len(embed.get("title") or "") + utf16_len(embed.get("description") or "")
    for f in embed.get("fields") or []:
        total += utf16_len(f.get("name") or "") + utf16_len(f.get("value") or "")
    total += utf16_len((embed.get("footer") or {}).get("text") or "")
    total += utf16_len((embed.get("author") or {}).get("name") or "")
    return total


def _nonblank(text: str) -> str:
    return text if text.strip() else EMPTY


def fit_embed(embed: dict[str, Any]) -> dict[str, Any]:
    """A copy of `embed` within every Discord limit, cutting the least important text first.

    Order of sacrifice for the 6000 total: description (down to 1024), long field values
    (down to 128), trailing fields, then description, footer, author and title to the bone.
    """
    out = dict(embed)
    if "title" in out:
        out["title"] = truncate_text(str(out["title"] or ""), TITLE_LIMIT)
    if "description" in out:
        out["description"] = truncate_text(str(out["description"] or ""), DESCRIPTION_LIMIT)
    fields = [
        {
            "name": _nonblank(truncate_text(str(f.get("name") or ""), FIELD_NAME_LIMIT)),
            "value": _nonblank(truncate_text(str(f.get("value") or ""), FIELD_VALUE_LIMIT)),
            "inline": bool(f.get("inline", False)),
        }
        for f in (out.get("fields") or [])[:FIELD_COUNT_LIMIT]
    ]
    if "fields" in out:
        out["fields"] = fields
    for key, limit in (("footer", FOOTER_LIMIT), ("author", AUTHOR_LIMIT)):
        part = out.get(key)
        if isinstance(part, dict):
            part = dict(part)
            name = "text" if key == "footer" else "name"
            if part.get(name):
                part[name] = truncate_text(str(part[name]), limit)
            out[key] = part

    def excess() -> int:
        return embed_length(out) - TOTAL_LIMIT

    def shrink_description(floor: int) -> None:
        text = out.get("description") or ""
        if excess() > 0 and utf16_len(text) > floor:
            out["description"] = truncate_text(text, max(floor, utf16_len(text) - excess()))

    shrink_description(1024)
    for f in sorted(fields, key=lambda f: -utf16_len(f["value"])):
        size = utf16_len(f["value"])
        if excess() > 0 and size > 128:
            f["value"] = _nonblank(truncate_text(f["value"], max(128, size - excess())))
    while excess() > 0 and fields:
        fields.pop()
    shrink_description(0)
    for key, name in (("footer", "text"), ("author", "name")):
        part = out.get(key)
        if excess() > 0 and isinstance(part, dict) and part.get(name):
            part[name] = truncate_text(part[name], max(1, utf16_len(part[name]) - excess()))
    if excess() > 0 and out.get("title"):
        out["title"] = truncate_text(out["title"], max(1, utf16_len(out["title"]) - excess()))
    for key in ("title", "description"):
        if key in out and not out[key]:
            del out[key]
    return out
