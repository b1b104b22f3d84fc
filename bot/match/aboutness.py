"""Is an entry about a topic, or does it only mention it in passing? (issue 12, hard negatives)

Why: the gate and the claim scores read words, and an article about another incident ("Harbourline's
trains stopped on Monday, the worst disruption since Lumina's signal failure last year") carries
the tracked topic's words in one background sentence. Such an article reports something else:
its lead (title and first sentence) is about its own event, and the tracked story is a reference
point in it. A real follow-up either names the story in its lead, or reports on it at some
length (several of its claims), even when its lead starts elsewhere.

So a gated entry is about the topic when its lead carries the topic, or when at least
MIN_CLAIMS_WITHOUT_LEAD of the topic's claims match on different evidence. The lead carries
the topic when one of its sentences names the story's actors (hits a keyword group the admin
wrote as names, `name_groups`), hits every keyword group, or holds a matched claim's evidence,
and that sentence does not date what it says in the past: "last year" in LANGUAGES (the words
come from dateparser's locale data, a package resource) or an explicit year before the entry's
own publication year ("En juillet 2024" in an article of 2025). Nothing here is a word of any
story: the keyword groups and claims are the admin's; the dating words are the language's.
"""

from __future__ import annotations

import ast
import functools
import importlib.util
import logging
import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from bot.match.cues import FOLLOWED

log = logging.getLogger(__name__)

MIN_CLAIMS_WITHOUT_LEAD = 2  # a passing reference states the tracked event: one claim at most
LEAD_MIN_WORDS = 6  # a body line with fewer words (of letters) is a heading, byline or dateline
_LETTER_WORD = re.compile(r"[^\W\d_]+")
YEAR_WINDOW = 2  # "last" at most this many words from "year" ("l'an dernier", "last year's")
_YEAR = re.compile(r"(?<!\d)(1[89]\d\d|20\d\d)(?!\d)")
_WORD = re.compile(r"\w+")
# the languages whose "last year" is read: English and those whose follow-ups are matched
LANGUAGES = ("en", *FOLLOWED)


def _locale_info(lang: str) -> dict[str, Any]:
    """dateparser's locale data for `lang` (its `info` dict), read as data from the installed
    package's file: importing dateparser and its loader costs ~12 MB, reading the four files
    ~2 MB and a few milliseconds."""
    spec = importlib.util.find_spec("dateparser")  # the top-level package: not imported
    if spec is None or spec.origin is None:
        return {}
    path = Path(spec.origin).parent / "data" / "date_translation_data" / f"{lang}.py"
    try:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in tree.body:
            named = any(isinstance(t, ast.Name) and t.id == "info" for t in getattr(node, "targets", ()))
            if isinstance(node, ast.Assign) and named:
                value = ast.literal_eval(node.value)  # a literal only: the file is data, never run
                return value if isinstance(value, dict) else {}
    except (OSError, UnicodeDecodeError, SyntaxError, ValueError, TypeError, RecursionError, MemoryError):
        pass  # unreadable or not a literal (another dateparser's layout): as if missing
    return {}


@functools.cache
def last_year_words() -> tuple[frozenset[str], frozenset[str]]:
    """(year words, "last" words) of LANGUAGES, from dateparser's locale data: its relative
    expression for "1 year ago" ("last year", "l'année dernière", "letztes Jahr", "el año
    pasado") minus the language's words for "year", and minus the words its "this year" and
    "next year" share with it, leaves the word for "last" (folded). Read on first use; without
    dateparser's data nothing is dated by words (explicit years still are)."""
    from bot.match.normalise import fold

    years: set[str] = set()
    lasts: set[str] = set()
    missing: list[str] = []
    for lang in LANGUAGES:
        info = _locale_info(lang)
        if not isinstance(info.get("relative-type"), dict) or not isinstance(info.get("year"), list):
            missing.append(lang)
            continue
        year_words = {fold(w) for w in info["year"] if isinstance(w, str) and len(w) > 1}
        years |= year_words
        relative = info["relative-type"]
        # words the other year expressions share ("el" of "el próximo año") are not "last"
        shared = {fold(w) for key in ("0 year ago", "in 1 year") for p in relative.get(key, ())
                  for w in _WORD.findall(p.lower())}
        for phrase in relative.get("1 year ago", ()):
            for word in _WORD.findall(phrase.lower()):
                if fold(word) not in year_words | shared and len(word) > 1:
                    lasts.add(fold(word))
    if missing:
        log.warning("dateparser's locale data unreadable for %s: 'last year' is not read in it (an "
                    "article's lead dated by it may count as about a topic; explicit years still date)",
                    ", ".join(missing))
    return frozenset(years), frozenset(lasts)


def _is_last(word: str, lasts: frozenset[str]) -> bool:
    """Is `word` one of the "last" words, or an inflection of one ("dernier" for "dernière",
    "letzten" for "letztes")? Inflections: the same word but for its last letter and at most two
    more letters at the end, for words of five letters or more (no lemmatiser is loaded for
    this: simplemma's French, German and Spanish dictionaries cost ~210 MB together)."""
    if word in lasts:
        return True
    return any(len(last) >= 5 and word.startswith(last[:-1]) and len(word) - len(last) <= 2 for last in lasts)


def dated_in_past(folded: str, published_year: int | None) -> bool:
    """Does this (folded) sentence date what it says before the entry's time: "last year", or
    an explicit year earlier than the entry's publication year?"""
    if published_year is not None:
        for m in _YEAR.finditer(folded):
            if int(m.group(1)) < published_year:
                return True
    words = _WORD.findall(folded)
    years, lasts = last_year_words()
    for i, w in enumerate(words):
        if w not in years:
            continue
        near = words[max(0, i - YEAR_WINDOW):i] + words[i + 1:i + 1 + YEAR_WINDOW]
        if any(_is_last(n, lasts) for n in near):
            return True
    return False


def name_groups(keywords: Sequence[Sequence[str]], named: set[str]) -> frozenset[int]:
    """The keyword groups that name the story's actors: those at least half of whose keywords
    the admin also wrote as names (capitalised) in the topic's title, claims or aliases (`named`:
    their concepts, `scorer.entity_concepts`). "crowdstrike" or "microsoft" are; "outage",
    "panne" are not: they say what kind of event, and another incident has them too."""
    from bot.match.normalise import concepts

    out = set()
    for gi, group in enumerate(keywords):
        firsts = [cs[0] for cs in (concepts(k) for k in group) if cs]
        if firsts and 2 * sum(c in named for c in firsts) >= len(firsts):
            out.add(gi)
    return frozenset(out)


def lead_indices(lines: Sequence[str], n_title: int) -> range:
    """The lead: the title's sentences and the body up to its first sentence of LEAD_MIN_WORDS
    words or more: a heading ("Key takeaways:") or a byline and date ("Wire staff | 2024-08-08")
    come before the first sentence and are read with it."""
    end = n_title
    while end < len(lines):
        end += 1
        if len(_LETTER_WORD.findall(lines[end - 1])) >= LEAD_MIN_WORDS:
            break
    return range(end)


def lead_carries(lines: Sequence[str], n_title: int, group_hits: Sequence[frozenset[int]], n_groups: int,
                 names: frozenset[int], claim_windows: Iterable[Iterable[int]],
                 published_year: int | None) -> bool:
    """Does the lead carry the topic? `lines`: the folded sentences; `group_hits[i]`: the keyword
    groups sentence i hits (read for the lead only); `names`: the groups that name the story's
    actors (`name_groups`); `claim_windows`: the sentence indices of each matched claim.
    A lead sentence counts when it hits every group, a name group, or holds matched evidence,
    and does not date it in the past."""
    lead = lead_indices(lines, n_title)
    in_claims = {i for window in claim_windows for i in window if i in lead}
    return any((len(group_hits[i]) >= n_groups or not names.isdisjoint(group_hits[i]) or i in in_claims)
               and not dated_in_past(lines[i], published_year)
               for i in lead)


def several_claims(claim_evidence: Sequence[str]) -> bool:
    """At least MIN_CLAIMS_WITHOUT_LEAD matched claims, on more than one evidence text."""
    return len(claim_evidence) >= MIN_CLAIMS_WITHOUT_LEAD and len(set(claim_evidence)) > 1


def about(lines: Sequence[str], n_title: int, group_hits: Sequence[frozenset[int]], n_groups: int,
          names: frozenset[int], claim_windows: Sequence[Iterable[int]], claim_evidence: Sequence[str],
          published_year: int | None) -> bool:
    """Is a gated entry about the topic rather than mentioning it in passing (module doc)?
    `claim_windows` and `claim_evidence`: per matched claim, its sentence indices and its
    evidence text (what `why` shows). Two claims whose evidence is the same sentence are still
    one reference to the story. The matcher applies it in its two steps (`Matcher._about`), so
    that the lead's keyword groups are read only when they are needed."""
    if several_claims(claim_evidence):
        return True
    return lead_carries(lines, n_title, group_hits, n_groups, names, claim_windows, published_year)


__all__ = ["MIN_CLAIMS_WITHOUT_LEAD", "about", "dated_in_past", "last_year_words", "lead_carries",
           "name_groups", "several_claims"]
