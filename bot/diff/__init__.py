"""What changed, as lines for a ```diff block: "-" for the old value, "+" for the new one.

Discord colours a diff block by the first character of each line, so every fact is a
"- old" / "+ new" pair rather than "old -> new". Output is deterministic (same Change, same
text) because it is stored in the outbox and compared in tests.
"""

from __future__ import annotations

from bot.diff.words import grouped_lines, one_line, tokenize, word_diff
from bot.models import Change, ChangeKind

__all__ = ["MAX_LINE", "build_diff", "tokenize", "word_diff"]

MAX_LINE = 300  # characters per diff line (prefix included); renderers cut the whole block to fit anyway


def _line(prefix: str, text: str) -> str:
    text = one_line(text)
    room = MAX_LINE - len(prefix)
    if len(text) > room:
        text = text[: room - 1].rstrip() + "…"
    return prefix + text


def _pair(label: str, before: str | None, after: str | None) -> list[str]:
    """A "- label: old" / "+ label: new" pair; a missing side is simply left out."""
    lines = []
    if before:
        lines.append(_line("- ", f"{label}: {before}" if label else before))
    if after:
        lines.append(_line("+ ", f"{label}: {after}" if label else after))
    return lines


def _wording(change: Change) -> list[str]:
    """Word diff of the claim as recorded against the evidence sentence that changes it."""
    old = one_line(change.claim_statement or change.before or "")
    new = one_line(change.evidence or change.after or "")
    if not old:
        return [_line("+ ", new)] if new else []
    if not new:
        return []
    lines = grouped_lines(old, new)
    if not lines:  # same words: nothing to mark, but still show what was read
        return [_line("  ", new)]
    return [_line(ln[:2], ln[2:]) for ln in lines]


def build_diff(change: Change) -> str:
    """The body of a ```diff block for `change` (without the fences), one fact per line."""
    kind = change.kind
    if kind is ChangeKind.STATUS_CHANGE:
        lines = _pair("status", change.before, change.after)
    elif kind is ChangeKind.FIGURE_CHANGE:
        lines = _pair("figures", change.before, change.after)
    elif kind is ChangeKind.NEW_SOURCE:
        lines = _pair("source", None, change.after or change.article.source)
    elif kind is ChangeKind.NEW_DEVELOPMENT:
        lines = _pair("", None, change.evidence or change.article.title)
    elif kind is ChangeKind.ARTICLE_REVISED:
        lines = _pair("", change.before, change.after)
    elif kind is ChangeKind.MATCH_CHECK:  # a question: the sentence it is about
        lines = _pair("", None, change.evidence or change.article.title)
    else:  # detail_change, and any kind added later: show the reworded claim
        lines = _wording(change)
    if not lines:
        lines = _pair("", None, change.evidence or change.article.title)
    if change.corroborated_by:  # applied because another outlet had reported the same value
        outlets = (change.article.source, *change.corroborated_by)
        lines.append(_line("+ ", "reported by: " + ", ".join(o for o in outlets if o)))
    return "\n".join(lines)
