"""Status cues as data: `cues.yaml` (shipped with the package) compiled into regexes.

Why data: how news says that an inquiry ended, a suit was filed or a claim was denied is general
language, the same for every story; keeping it in one reviewed file, organised by cue family
and language, makes it visible and testable per family (tests/test_match_cues.py), and a family
or a language is added without touching the code. Read once, on first use.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from importlib import resources

import yaml

from bot.match.normalise import concepts, fold
from bot.models import Status

# The languages cues.yaml (status cues, negation, hedging, quantities) is written in besides
# English: the languages whose follow-ups are matched (crosslang.py), whose figures are read
# (numbering.py) and whose "last year" is read (aboutness.py). Adding one starts here and in cues.yaml.
FOLLOWED = ("de", "es", "fr")

@dataclass(frozen=True, slots=True)
class CueFamily:
    """One kind of status event: its cues (folded phrases) in every language, compiled."""

    name: str
    to: Status
    froms: frozenset[Status]
    phrases: tuple[str, ...]
    regex: re.Pattern[str]
    words: frozenset[str]  # the longest word of each phrase: a sentence without any has no cue
    about: frozenset[str] = frozenset()  # kinds of proceeding it moves (`processes`); empty: any claim
    whole: bool = False  # it ends or denies the whole matter: a cue about a part (`partial`) moves nothing
    motion: bool = False  # it counts only when its clause names a request to end the case ("granted")
    appeal: bool = False  # a ruling appealed: the sentence's ending cues are not final


@dataclass(frozen=True, slots=True)
class CueBook:
    """Every family, and the negation, hedging and background patterns."""

    families: tuple[CueFamily, ...]
    negation: re.Pattern[str]
    hedging: re.Pattern[str]
    background: re.Pattern[str]
    subordinate: re.Pattern[str]
    words: frozenset[str]
    quantities: dict[str, frozenset[str]] = field(default_factory=dict)  # kind -> concepts naming it
    modal: re.Pattern[str] | None = None  # hedges the verb right after it only
    determiners: frozenset[str] = frozenset()  # before a one-word cue, they make it a noun
    processes: dict[str, frozenset[str]] = field(default_factory=dict)  # kind -> concepts naming it
    # the longest word of each hedging phrase (see `required_words`): a sentence with none of
    # them is not hedged, without running the regex; None: always run it
    hedging_words: frozenset[str] | None = None
    rates: re.Pattern[str] | None = None  # right after a figure, it makes the figure a rate
    # right after a sum or share, a link to what it measures ("$3.7 billion in cash")
    measures: re.Pattern[str] | None = None
    amounts: frozenset[str] = frozenset()  # concepts naming a kind of amount, not a thing ("hit", "total")
    partial: re.Pattern[str] | None = None  # next to an ending cue: it is about a part ("the bulk of")
    # status cues written in another language only (folded, so French "a voté" reads "a vote"):
    # not read in a text that is plainly English (bot.match.changes)
    foreign: frozenset[str] = frozenset()
    # right before a sum: "<what it is> of [about]" ("revenue of $3.4 trillion"); group 1 is what
    measured: re.Pattern[str] | None = None
    measured_links: re.Pattern[str] | None = None  # its link words alone: a quick test before `measured`
    partial_words: frozenset[str] | None = None  # the longest word of each `partial` phrase
    # in a claim's statement, opens a reference to another event ("before the decision")
    references: re.Pattern[str] | None = None
    # in an ending cue's clause: a request to end the case ("motion to dismiss"), decided by it
    dismissal_motions: re.Pattern[str] | None = None
    motion_words: frozenset[str] | None = None  # the longest word of each of them
    pending: re.Pattern[str] | None = None  # in the sentence: the ending is not final yet
    pending_words: frozenset[str] | None = None
    partial_links: re.Pattern[str] | None = None  # between an ending cue and `partial` ("settled with")
    # before a figure in its sentence: the clause recalls earlier events ("had previously been
    # arrested ..., resulting in 20 arrests"), up to a word of `recall_ends` ("but now")
    recalled: re.Pattern[str] | None = None
    # a request named bare as an ending cue's subject or object ("the judge rejected the motion"):
    # in a sentence about a court, the case is under way whichever side made it
    requests: re.Pattern[str] | None = None
    request_words: frozenset[str] | None = None
    clause_links: re.Pattern[str] | None = None  # words joining two clauses ("and", "but")
    recalled_words: frozenset[str] | None = None
    recall_ends: re.Pattern[str] | None = None

    def process_kinds(self, words: frozenset[str] | set[str]) -> frozenset[str]:
        """The kinds of proceeding a set of concepts names ("lawsuit" -> legal)."""
        return frozenset(kind for kind, names in self.processes.items() if not names.isdisjoint(words))


def _phrase_pattern(phrase: str) -> str:
    """A folded phrase as a regex: words joined by any whitespace; `\\w` patterns kept as written."""
    if "\\" in phrase:
        return phrase
    return r"\s+".join(re.escape(w) for w in fold(phrase).split())


def _alternation(phrases: list[str]) -> re.Pattern[str]:
    ordered = sorted(set(phrases), key=len, reverse=True)  # the longest alternative first
    return re.compile(r"(?<!\w)(?:" + "|".join(_phrase_pattern(p) for p in ordered) + r")(?!\w)")


def _all_languages(block: dict[str, list[str]]) -> list[str]:
    out = []
    for lang, phrases in block.items():
        if lang in ("doc", "to", "from", "about", "whole", "motion", "appeal"):
            continue
        for p in phrases or ():
            if not isinstance(p, str):  # YAML reads a bare `no` as False: quote it
                raise ValueError(f"cue {p!r} ({lang}) is not a string")
            out.append(p)
    return out


def _longest_word(phrase: str) -> str:
    return max(re.findall(r"\w+", fold(phrase)) or [""], key=len)


def required_words(phrases: list[str]) -> frozenset[str] | None:
    """The longest word of each phrase, when every phrase is plain text (no written pattern).

    A match of the phrases' `_alternation` is one phrase whose words are joined by whitespace and
    bounded by non-word characters, so each word of it is a whole word (`gate.word_set`) of the
    text: a text without any of these words cannot match. None when a phrase is a pattern or has
    no word: no such guarantee.
    """
    words = set()
    for phrase in phrases:
        word = _longest_word(phrase)
        if "\\" in phrase or not word:
            return None
        words.add(word)
    return frozenset(words)


def parse_cues(data: dict) -> CueBook:
    """Validate and compile a cue resource (the shape of cues.yaml); raises ValueError."""
    families = []
    for name, block in (data.get("families") or {}).items():
        try:
            to = Status(block["to"])
            froms = frozenset(Status(s) for s in block["from"])
        except (KeyError, ValueError) as exc:
            raise ValueError(f"cue family {name!r}: bad `to`/`from` ({exc})") from exc
        phrases = tuple(fold(p) for p in _all_languages(block))
        if not phrases:
            raise ValueError(f"cue family {name!r} has no cues")
        about = frozenset(block.get("about") or ())
        families.append(CueFamily(name, to, froms, phrases, _alternation(list(phrases)),
                                  frozenset(_longest_word(p) for p in phrases), about,
                                  whole=bool(block.get("whole")), motion=bool(block.get("motion")),
                                  appeal=bool(block.get("appeal"))))
    if not families:
        raise ValueError("no cue families")

    def pattern(key: str) -> re.Pattern[str]:
        phrases = _all_languages(data.get(key) or {})
        if not phrases:
            raise ValueError(f"cue resource has no {key!r} phrases")
        return _alternation(phrases)

    quantities = {}
    for kind, block in (data.get("quantities") or {}).items():
        if kind not in QUANTITY_KINDS:
            raise ValueError(f"quantity kind {kind!r} is not one of {', '.join(QUANTITY_KINDS)}")
        quantities[kind] = frozenset(c for p in _all_languages(block) for c in concepts(fold(p)))
    processes = {kind: frozenset(c for p in _all_languages(block) for c in concepts(fold(p)))
                 for kind, block in (data.get("processes") or {}).items()}
    for family in families:
        if not family.about <= processes.keys():
            raise ValueError(f"cue family {family.name!r} is about unknown kinds "
                             f"{sorted(family.about - processes.keys())}")
    modal = pattern("modal") if data.get("modal") else None
    rates = pattern("rates") if data.get("rates") else None
    measures = None
    if data.get("measures"):  # whitespace, a link word, whitespace: "$3.7 billion in cash"
        links = sorted({fold(w) for w in _all_languages(data["measures"])}, key=len, reverse=True)
        measures = re.compile(r"\s+(?:" + "|".join(re.escape(w) for w in links) + r")\s+")
    amounts = frozenset(c for p in _all_languages(data.get("amounts") or {}) for c in concepts(fold(p)))
    partial = pattern("partial") if data.get("partial") else None
    measured = None
    if data.get("measured"):  # a word, a link word, at most two words (approximations), the end
        before = sorted({fold(w) for w in _all_languages(data["measured"])}, key=len, reverse=True)
        measured = re.compile(r"([^\W\d_]{3,})\s+(?:" + "|".join(re.escape(w) for w in before)
                              + r")\s+(?:[^\W\d_]+\s+){0,2}$")
    links = None
    if data.get("partial_links"):  # whitespace, then up to two link words: "settled with the"
        words = sorted({fold(w) for w in _all_languages(data["partial_links"])}, key=len, reverse=True)
        links = re.compile(r"\s+(?:(?:" + "|".join(re.escape(w) for w in words) + r")\s+){0,2}")
    extra = {}
    for key, words_key in (("dismissal_motions", "motion_words"), ("pending", "pending_words"),
                           ("recalled", "recalled_words"), ("requests", "request_words")):
        if data.get(key):
            extra[key] = pattern(key)
            extra[words_key] = required_words(_all_languages(data[key]))
    blocks = (data.get("families") or {}).values()
    english = {fold(p) for block in blocks for p in block.get("en") or ()}
    foreign = frozenset(p for f in families for p in f.phrases) - english
    return CueBook(tuple(families), pattern("negation"), pattern("hedging"), pattern("background"),
                   pattern("subordinate"), frozenset().union(*(f.words for f in families)), quantities,
                   modal=modal, processes=processes, rates=rates,
                   determiners=frozenset(fold(w) for w in _all_languages(data.get("determiners") or {})),
                   hedging_words=required_words(_all_languages(data.get("hedging") or {})),
                   measures=measures, amounts=amounts, partial=partial, measured=measured,
                   measured_links=pattern("measured") if data.get("measured") else None,
                   partial_words=required_words(_all_languages(data.get("partial") or {})),
                   references=pattern("references") if data.get("references") else None,
                   partial_links=links,
                   recall_ends=pattern("recall_ends") if data.get("recall_ends") else None,
                   clause_links=pattern("clause_links") if data.get("clause_links") else None,
                   foreign=foreign, **extra)


QUANTITY_KINDS = ("money", "share", "size")


@cache
def cue_book() -> CueBook:
    """The shipped cue resource (bot/match/cues.yaml), compiled once."""
    text = resources.files("bot.match").joinpath("cues.yaml").read_text(encoding="utf-8")
    # libyaml's loader (the same SafeConstructor, the same objects): ~40 -> 4 ms once per process
    return parse_cues(yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)))  # noqa: S506
