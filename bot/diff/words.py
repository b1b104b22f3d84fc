"""Word-level diff between two short texts (a claim statement and the evidence that changes it).

Claims and evidence are sentences, not files: a line diff would mark the whole sentence as
changed, so we diff word tokens and keep punctuation attached to its word.
"""

from __future__ import annotations

import re
from difflib import SequenceMatcher

Op = tuple[str, str]  # (" " | "-" | "+", text)

_EDGE_PUNCT = re.compile(r"^[^\w]+|[^\w]+$")
_WS = re.compile(r"\s+")


def tokenize(text: str) -> list[str]:
    """Split on whitespace only, so "8,000" and "(review)." stay single tokens."""
    return text.split()


def _key(word: str) -> str:
    """Comparison key: case and edge punctuation must not make "Review," differ from "review"."""
    return _EDGE_PUNCT.sub("", word).casefold() or word


def _opcodes(a: list[str], b: list[str]) -> SequenceMatcher[str]:
    # autojunk off: with it, common words in long texts are ignored and the diff gets noisy.
    return SequenceMatcher(None, [_key(w) for w in a], [_key(w) for w in b], autojunk=False)


def word_diff(old: str, new: str) -> list[Op]:
    """Diff `old` against `new` word by word.

    Returns runs of consecutive words with the same op: (" ", same words), ("-", removed),
    ("+", added). Within a replacement the removed run comes before the added one. Words
    that only differ by case or edge punctuation count as the same (the new spelling wins).
    """
    a, b = tokenize(old), tokenize(new)
    out: list[Op] = []

    def push(op: str, words: list[str]) -> None:
        if not words:
            return
        text = " ".join(words)
        if out and out[-1][0] == op:
            out[-1] = (op, out[-1][1] + " " + text)
        else:
            out.append((op, text))

    for tag, i1, i2, j1, j2 in _opcodes(a, b).get_opcodes():
        if tag == "equal":
            push(" ", b[j1:j2])
            continue
        push("-", a[i1:i2])
        push("+", b[j1:j2])
    return out


def grouped_lines(old: str, new: str, *, context: int = 3, max_groups: int = 6,
                  max_words: int = 400) -> list[str]:
    """Diff lines ("- ..." / "+ ...") for each changed region, with `context` words around it.

    Nearby changes share one pair of lines, so a reworded sentence reads as two sentences,
    not one word per line. Inputs are capped at `max_words` words: the result is shown in a
    size-limited message, and difflib is quadratic on long inputs.
    """
    a, b = tokenize(old)[:max_words], tokenize(new)[:max_words]
    matcher = _opcodes(a, b)
    groups = list(matcher.get_grouped_opcodes(context))
    lines: list[str] = []
    for group in groups[:max_groups]:
        old_words: list[str] = []
        new_words: list[str] = []
        changed_old = changed_new = False
        for tag, i1, i2, j1, j2 in group:
            if tag == "equal":
                old_words += a[i1:i2]
                new_words += b[j1:j2]
                continue
            old_words += a[i1:i2]
            new_words += b[j1:j2]
            changed_old = changed_old or i2 > i1
            changed_new = changed_new or j2 > j1
        first, last = group[0], group[-1]
        old_line = _ellipsis(old_words, first[1] > 0, last[2] < len(a))
        new_line = _ellipsis(new_words, first[3] > 0, last[4] < len(b))
        if changed_old:
            lines.append("- " + old_line)
        if changed_new:
            lines.append("+ " + new_line)
    if len(groups) > max_groups:
        lines.append(f"  … {len(groups) - max_groups} more changes")
    return lines


def _ellipsis(words: list[str], cut_before: bool, cut_after: bool) -> str:
    """Join words, marking with "…" where the surrounding text was left out."""
    text = " ".join(words)
    if cut_before:
        text = "… " + text
    if cut_after:
        text += " …"
    return text


def one_line(text: str) -> str:
    """Collapse all whitespace: a newline in feed text must not forge an extra diff line."""
    return _WS.sub(" ", text).strip()
