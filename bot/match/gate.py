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


_WORDS = re.compile(r"\w+")
# For ASCII text \w is [A-Za-z0-9_]: every other ASCII character becomes a space, and the words
# are what str.split() leaves (the same words as _WORDS, without a regex scan).
_NON_WORD_ASCII = str.maketrans({c: " " for c in map(chr, range(128)) if not (c.isalnum() or c == "_")})


def word_set(folded: str) -> frozenset[str]:
    """The words of a folded text: the gate's fast path (a set lookup per keyword)."""
    if folded.isascii():
        return frozenset(folded.translate(_NON_WORD_ASCII).split())
    return frozenset(_WORDS.findall(folded))


class _Group:
    """One OR-group. A keyword's words are first looked up in the text's word set (with plural
    forms); only a candidate multi-word keyword is then confirmed with its regex, so the cost
    does not grow with the text length times the number of keywords."""

    __slots__ = ("checks", "keywords", "needs", "regex", "regexes")

    def __init__(self, keywords: Sequence[str]) -> None:
        self.keywords = tuple(k for k in keywords if k.strip())
        self.regexes = tuple(re.compile(_keyword_pattern(k)) for k in self.keywords)
        self.regex = re.compile("|".join(f"(?:{_keyword_pattern(k)})" for k in self.keywords)) \
            if self.keywords else None
        self.needs = tuple(
            tuple(w for w in re.split(r"[\s\-]+", fold(k).strip()) if w) for k in self.keywords
        )
        # per keyword with words, in order: (keyword, its leading words, the forms of its last
        # word that count, whether the word set alone decides, its regex)
        self.checks = tuple(
            (keyword, frozenset(need[:-1]), (need[-1], f"{need[-1]}s", f"{need[-1]}es"),
             len(need) == 1 and need[0].isalnum(), regex)
            for keyword, need, regex in zip(self.keywords, self.needs, self.regexes, strict=True) if need
        )

    def hits(self, folded: str, words: frozenset[str] | None = None) -> tuple[str, ...]:
        if words is None:
            words = word_set(folded)
        return tuple(
            keyword for keyword, leading, last_forms, plain, regex in self.checks
            if leading <= words and not words.isdisjoint(last_forms) and (plain or regex.search(folded))
        )


class Gate:
    """A topic's compiled keyword groups and exclusions."""

    def __init__(self, keywords: Sequence[Sequence[str]], exclude: Sequence[str] = ()) -> None:
        self.groups = tuple(_Group(g) for g in keywords)
        self.exclude = _Group(exclude)

    def check(self, folded: str, words: frozenset[str] | None = None) -> GateResult:
        """Run the gate on already folded text (see `normalise.fold`)."""
        if words is None:
            words = word_set(folded)
        hits = tuple(g.hits(folded, words) for g in self.groups)
        excluded = self.exclude.hits(folded, words)
        passed = all(hits) and not excluded
        return GateResult(passed=passed, hits=hits, excluded_by=excluded[0] if excluded else None)

    def group_hits(self, folded: str) -> int:
        """How many keyword groups have a hit in `folded` (a sentence or a window)."""
        return sum(1 for g in self.groups if g.regex is not None and g.regex.search(folded))
