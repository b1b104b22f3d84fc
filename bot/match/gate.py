"""The keyword gate: a cheap, explainable relevance filter run before any scoring.

`keywords` is an AND of ORs (every group needs a hit) and any `exclude` hit disqualifies.
Hits are case- and accent-insensitive, on word boundaries, and tolerate plurals and
possessives ("Microsoft’s", "Israelis"); a multi-word keyword ("unit 8200") allows any run of
spaces or hyphens between its words.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from bot.match.normalise import fold

# What may follow a keyword and still count as the keyword: plural, possessive, both.
_TAIL = r"(?:e?s)?(?:'s?)?"
_JOINER = r"[\s\-]+"


@dataclass(frozen=True, slots=True)
class GateResult:
    """Why the gate let an article through or not (shown by `why`)."""

    passed: bool
    hits: tuple[tuple[str, ...], ...]  # per keyword group, the keywords found (in group order)
    excluded_by: str | None = None


def _keyword_pattern(keyword: str) -> str:
    words = [re.escape(w) for w in re.split(r"[\s\-]+", fold(keyword).strip()) if w]
    return r"(?<!\w)" + _JOINER.join(words) + _TAIL + r"(?!\w)"


class _Group:
    """One OR-group compiled to a single alternation; `lastindex` tells which keyword hit."""

    __slots__ = ("keywords", "regex")

    def __init__(self, keywords: Sequence[str]) -> None:
        self.keywords = tuple(k for k in keywords if k.strip())
        self.regex = re.compile("|".join(f"({_keyword_pattern(k)})" for k in self.keywords)) \
            if self.keywords else None

    def hits(self, folded: str) -> tuple[str, ...]:
        if self.regex is None:
            return ()
        found: set[int] = set()
        for m in self.regex.finditer(folded):
            if m.lastindex is not None:
                found.add(m.lastindex - 1)
                if len(found) == len(self.keywords):
                    break
        return tuple(self.keywords[i] for i in sorted(found))


class Gate:
    """A topic's compiled keyword groups and exclusions."""

    def __init__(self, keywords: Sequence[Sequence[str]], exclude: Sequence[str] = ()) -> None:
        self.groups = tuple(_Group(g) for g in keywords)
        self.exclude = _Group(exclude)

    def check(self, folded: str) -> GateResult:
        """Run the gate on already folded text (see `normalise.fold`)."""
        hits = tuple(g.hits(folded) for g in self.groups)
        excluded = self.exclude.hits(folded)
        passed = all(hits) and not excluded
        return GateResult(passed=passed, hits=hits, excluded_by=excluded[0] if excluded else None)

    def group_hits(self, folded: str) -> int:
        """How many keyword groups have a hit in `folded` (a sentence or a window)."""
        return sum(1 for g in self.groups if g.regex is not None and g.regex.search(folded))
