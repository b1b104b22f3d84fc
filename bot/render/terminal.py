"""One Change -> a compact text block for console mode (`dossier run` without Discord).

Feed text reaches a terminal here, so every untrusted string loses control characters and
escape sequences first: a hostile title must not recolour, move the cursor or retitle the
window. Mentions are neutralised too, since console output is often pasted into Discord.
"""

from __future__ import annotations

import textwrap
from datetime import UTC, datetime

from bot.diff import build_diff
from bot.models import Change, ChangeKind
from bot.render.sanitize import (
    ELLIPSIS,
    collapse_whitespace,
    neutralise_mentions,
    strip_control,
    truncate,
)

RESET = "\x1b[0m"
BOLD = "\x1b[1m"
DIM = "\x1b[2m"
RED = "\x1b[31m"
GREEN = "\x1b[32m"

WIDTH = 100
_UNAPPLIED = (ChangeKind.NEW_DEVELOPMENT, ChangeKind.ARTICLE_REVISED)


def safe(text: str | None, limit: int | None = None) -> str:
    """One line of untrusted text, fit for a terminal."""
    text = neutralise_mentions(collapse_whitespace(strip_control(text or "")))
    return text if limit is None else truncate(text, limit)


def _paint(text: str, code: str, color: bool) -> str:
    return f"{code}{text}{RESET}" if color else text


def _date(when: datetime | None) -> str:
    if when is None:
        return "undated"
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when.astimezone(UTC).strftime("%Y-%m-%d")


def _score(score: float) -> str:
    return f"{round(score, 1):g}"


def _diff_lines(change: Change, color: bool, max_lines: int = 40) -> list[str]:
    raw = change.diff or build_diff(change)
    # Not `safe()`: leading spaces are diff syntax (context lines) and must survive.
    lines = [truncate(neutralise_mentions(strip_control(ln)).replace("\t", " ").rstrip(), 400)
             for ln in raw.splitlines()]
    lines = [ln for ln in lines if ln.strip()]
    if len(lines) > max_lines:
        lines = [*lines[:max_lines], f"  {ELLIPSIS} {len(lines) - max_lines} more lines"]
    out = []
    for line in lines:
        if line.startswith("-"):
            out.append(_paint(line, RED, color))
        elif line.startswith("+"):
            out.append(_paint(line, GREEN, color))
        else:
            out.append(line)
    return out


def render_terminal(change: Change, *, color: bool = False) -> str:
    """Header, article line, diff lines and the quoted evidence, without a trailing newline."""
    where = safe(change.topic_key, 80)
    if change.claim_key:
        where += " / " + safe(change.claim_key, 80)
    header = f"[{safe(str(change.kind), 40)}] {where}  (score {_score(change.score)})"
    if change.kind is ChangeKind.MATCH_CHECK:
        header += "  [question: about this claim?]"
    elif not change.confident and change.kind not in _UNAPPLIED:
        header += "  [proposed]"
    article = change.article
    parts = [safe(article.source, 80) or "unknown source", safe(article.title, 300) or "(untitled)"]
    if article.url:
        parts.append(safe(article.url, 500))
    parts.append(_date(article.published))
    lines = [_paint(header, BOLD, color), " — ".join(parts), *_diff_lines(change, color)]
    evidence = safe(change.evidence, 1000)
    if evidence:
        for row in textwrap.wrap(evidence, WIDTH - 2, break_on_hyphens=False):
            lines.append(_paint("> " + row, DIM, color))
    if change.text_source == "article_page":
        lines.append(_paint("(found in the article page behind the link, not in the feed)", DIM, color))
    return "\n".join(lines)

