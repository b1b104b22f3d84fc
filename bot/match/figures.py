"""Figures: numbers with what they count, normalised so that restatements compare equal.

"8,000 terabytes", "8000TB" and "8 petabytes" are the same figure ("8,000 TB"); "26 per cent"
is "26%"; "$1.2bn", "1,2 Milliarden Dollar" and "1.200 millones de dólares" are "$1.2 billion";
"more than 60 shareholders" is the count "60" of shareholders. Scale words, currency names and
signs, percent words and space group separators are CLDR's for English, German, French and
Spanish (numbering.py); "7.000" with a three-digit group after the dot is seven thousand, as
those languages write it, in an English text too (English writes no decimal as "7.000"; before
an English scale word, "1.938 billion", the dot is a decimal point). In a range ("$350-500m",
"350 y 500 millones") the lower bound takes the upper's unit. Years, dates, ordinals and
identifiers ("Unit 8200", "+972", "Proposal 9") are not figures. Used for a claim's initial
figures (`extract_figures`) and for `figure_change`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from functools import cache

from bot.config import TopicConfig
from bot.match.normalise import STOPWORDS, concept, fold
from bot.match.numbering import number_words

_DATA_UNITS = {
    "b": 1e-12, "byte": 1e-12, "bytes": 1e-12,
    "kb": 1e-9, "kilobyte": 1e-9, "kilobytes": 1e-9,
    "mb": 1e-6, "megabyte": 1e-6, "megabytes": 1e-6,
    "gb": 1e-3, "gigabyte": 1e-3, "gigabytes": 1e-3,
    "tb": 1.0, "terabyte": 1.0, "terabytes": 1.0,
    "pb": 1e3, "petabyte": 1e3, "petabytes": 1e3,
    "eb": 1e6, "exabyte": 1e6, "exabytes": 1e6,
}
# Scale words, currency names and signs, percent words and the space characters that group
# thousands come from CLDR (numbering.py); `_tables()` builds what this module reads them with.
# "500 millions de dollars", "550 millones de dólares", "1,000 million in dollars"
_CURRENCY_LINKS = frozenset(("de", "of", "in", "en", "us", "d"))
_RANGE_JOINERS = frozenset(("-", "to", "and", "y", "et", "a", "bis", "und", "or", "o", "ou"))
_DIGIT = re.compile(r"\d")
_MONTHS = {"januar", "janvier", "enero", "juli", "juillet", "julio", "mai", "mayo", "juni", "juin", "junio",
           "jan", "january", "feb", "february", "mar", "march", "apr", "april", "may", "jun", "june",
           "jul", "july", "aug", "august", "sep", "sept", "september", "oct", "october", "nov", "november",
           "dec", "december"}
# Words after a number that make it a time, an ordinal, a duration or a distance.
_NOT_COUNTED = frozenset(("am", "pm", "utc", "gmt", "st", "nd", "rd", "th", "year", "years", "day", "days",
                          "hour", "hours", "week", "weeks", "month", "months", "minute", "minutes", "km",
                          "miles", "hectares", "acres", "degrees"))
# Words that tell when, not what: "$500 million in July", "in the second quarter" (changes.py)
TIME_WORDS = frozenset(_MONTHS | _NOT_COUNTED | {"quarter", "quarters", "half", "fiscal", "recent", "past",
                                                 "next", "last", "first", "second", "third", "fourth"})
# Words after which a number is a name or a position, not a quantity.
_LABELS = {"unit", "proposal", "item", "rule", "section", "article", "no", "number", "page", "chapter",
           "resolution", "building", "route", "version", "level", "phase", "grade", "class", "flight",
           "room", "floor", "act", "paragraph", "figure", "table", "windows", "xbox", "gpt", "top", "covid"}



def _alternatives(words: Iterable[str]) -> str:
    """A regex alternation of `words`, longest first (a space may be written or not); one that
    never matches for no words (CLDR's data unreadable: numbering.number_words), not the empty
    pattern, which matches everywhere."""
    found = sorted(words, key=lambda w: (-len(w), w))
    return "|".join(re.escape(w).replace(r"\ ", r"\s?") for w in found) if found else "(?!)"


@dataclass(frozen=True, slots=True)
class _Tables:
    """numbering.py's CLDR data as this module reads it (built once, on first use)."""

    number: re.Pattern[str]  # a number with its sign before and its unit or scale word after
    scales: dict[str, float]
    english_scales: frozenset[str]
    signs: dict[str, str]
    currency_words: dict[str, str]
    phrases: re.Pattern[str] | None  # scale words of several words ("mil millones")
    phrase_firsts: tuple[str, ...]  # their first words: a sentence without one holds none
    grouped: re.Pattern[str] | None  # a space grouping thousands, between digits ("1 300 000")
    spaces: str
    reach: int  # the most a match starts before its first digit: the longest sign and a space


@cache
def _tables() -> _Tables:
    words = number_words()
    tail = _alternatives(words.scales)
    number = re.compile(
        r"(?P<cur>" + _alternatives(words.signs) + r")?\s?"
        r"(?<![\w.,+#/:])(?P<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d{1,3}(?:\.\d{3})+(?![.,]?\d)|\d+(?:[.,]\d+)?)"
        r"(?![\w,]*\d)"
        r"(?P<tail>\s?(?:%|(?:" + _alternatives(words.percent_words) + r")\b)"
        r"|\s?(?:[kmgtpe]b|bytes?|(?:kilo|mega|giga|tera|peta|exa)bytes?)\b"
        r"|\s?(?:" + tail + r")\b)?"
    )
    phrases = re.compile(r"\b(?:" + _alternatives(words.phrases) + r")\b") if words.phrases else None
    spaces = "".join(sorted(words.group_spaces))
    grouped = re.compile(r"(?<=\d)[" + spaces + r"](?=\d{3}(?!\d))") if spaces else None
    return _Tables(number, words.scales, words.english_scales, words.signs, words.currency_words, phrases,
                   tuple({p.split()[0] for p in words.phrases}), grouped, spaces,
                   max(map(len, words.signs), default=0) + 1)


@cache
def scale_words() -> frozenset[str]:
    """The scale words a figure may be written with ("million", "Millionen", "mil", "bn")."""
    return frozenset(_tables().scales)


_WORD = re.compile(r"[^\W\d_]+")


@dataclass(frozen=True, slots=True)
class Figure:
    """One figure: its value in a canonical unit, the unit kind, and what it counts."""

    value: float
    unit: str  # "TB", "%", a currency sign, or "" for a plain count
    nouns: tuple[str, ...]  # concepts of the words after a plain count ("shareholder"): what it counts
    start: int  # offsets in the folded text
    end: int
    wording: str = ""  # the figure as the text writes it: "550 millones de dólares", "7.000"
    bounds: tuple[float, float] | None = None  # both values of the range it is a bound of

    @property
    def said(self) -> str:
        """What a change reports: the text's own wording (a range whole), else the canonical form.
        Quoting the article keeps "7.000" and "550 millones" comparable with what it says."""
        return self.wording or self.text

    @property
    def text(self) -> str:
        """Canonical display form: "8,000 TB", "26%", "$1.2 billion", "60"."""
        return format_figure(self.value, self.unit)

    def same_as(self, other: Figure) -> bool:
        return self.unit == other.unit and abs(self.value - other.value) <= 1e-9 * max(1.0, abs(self.value))


def _fmt_number(value: float) -> str:
    if abs(value - round(value)) < 1e-9:
        return f"{round(value):,}"
    return f"{value:,.3f}".rstrip("0").rstrip(".")


def format_figure(value: float, unit: str) -> str:
    """Display form for a canonical value and unit."""
    if unit == "%":
        return f"{_fmt_number(value)}%"
    if unit == "TB":
        if value < 1:
            return f"{_fmt_number(value * 1000)} GB"
        return f"{_fmt_number(value)} TB"
    if unit:  # currency
        for size, word in ((1e12, "trillion"), (1e9, "billion"), (1e6, "million")):
            if value >= size:
                return f"{unit}{_fmt_number(value / size)} {word}"
        return f"{unit}{_fmt_number(value)}"
    return _fmt_number(value)


def _next_words(text: str, pos: int, n: int) -> list[str]:
    return _WORD.findall(text[pos: pos + 60])[:n]


def _prev_word(text: str, pos: int) -> str:
    words = _WORD.findall(text[max(0, pos - 24): pos])
    return words[-1] if words else ""


_GROUPED = re.compile(r"\d{1,3}(?:[.,]\d{3})+")  # thousands in groups of three: "8,000", "7.000"


def _number_value(raw: str, tail: str = "") -> float:
    """"8,000" and "8.000" (three-digit groups) -> 8000; "8.5" and "8,5" (a decimal) -> 8.5;
    "1.938" before an English scale word ("1.938 billion") -> 1.938: before a scale word only
    English writes, a dot is a decimal point, not the group separator of "1.200 millones"."""
    if "." in raw and "," not in raw and raw.count(".") == 1 and tail in _tables().english_scales:
        return float(raw)
    if ("," in raw or "." in raw) and _GROUPED.fullmatch(raw):  # no separator: no groups
        return float(raw.replace(",", "").replace(".", ""))
    if "," in raw and "." in raw:
        return float(raw.replace(",", ""))
    return float(raw.replace(",", "."))


_WORD_AT = re.compile(r"\W*([^\W\d_]+)")


def _currency_after(t: str, pos: int) -> tuple[str | None, int]:
    """A currency word right after a figure, or after "de"/"of" ("millions de dollars"), and
    where it ends."""
    for i in range(3):
        m = _WORD_AT.match(t, pos)
        if m is None or m.end() - pos > 24:
            return None, pos
        w = m.group(1)
        found = _tables().currency_words.get(w)
        if found is not None:
            return found, m.end()
        if w not in _CURRENCY_LINKS or i == 2:
            return None, pos
        pos = m.end()
    return None, pos


def _joined(t: str, left: re.Match[str], right: re.Match[str]) -> bool:
    """Are two numbers the bounds of one range ("350-500m", "$0.4 billion to $1.5 billion")?"""
    between = t[left.end(): right.start()].strip().rstrip("$€£").strip()
    return between in _RANGE_JOINERS


def _read(t: str, m: re.Match[str]) -> tuple[str, str | None, int]:
    """(tail, currency, end) of one number: its unit words, a currency sign or word, and where
    its wording ends (after a currency word that follows it)."""
    tail = (m.group("tail") or "").strip().replace(" ", "")
    sign = _tables().signs.get(m.group("cur") or "")
    if sign:
        return tail, sign, m.end()
    cur, end = _currency_after(t, m.end())
    return tail, cur, end if cur else m.end()


def parse_figures(text: str, *, folded: bool = False) -> list[Figure]:
    """Every figure in `text`, in order (offsets refer to the folded text)."""
    t = text if folded else fold(text)
    if _DIGIT.search(t) is None:  # most sentences: no number, nothing to read
        return []
    tables = _tables()
    if tables.grouped is not None and not folded and any(c in text for c in tables.spaces):
        # "1 300 000" grouped with a no-break space (fold makes it a space): as "1.300.000"
        t = fold(tables.grouped.sub(".", text))
    if tables.phrases is not None and any(w in t for w in tables.phrase_firsts):
        t = tables.phrases.sub(_one_word, t)
    matches = _numbers(t)
    read = [_read(t, m) for m in matches]
    joined = [_joined(t, matches[i], matches[i + 1]) for i in range(len(matches) - 1)]
    for i, is_range in enumerate(joined):  # a range's bounds share what only one of them names
        if is_range:
            (lt, lc, le), (rt, rc, re_) = read[i], read[i + 1]
            read[i] = (lt or rt, lc or rc, le)
            read[i + 1] = (rt or lt, rc or lc, re_)
    # the text as written, where folding kept the offsets: capitals tell a name from a word
    cased = None if folded else _cased(text, t)
    figures = [_figure(t, m, tail, cur, end, cased)
               for m, (tail, cur, end) in zip(matches, read, strict=True)]
    for i, is_range in enumerate(joined):  # both bounds say the whole range
        left, right = figures[i], figures[i + 1]
        if is_range and left is not None and right is not None and left.unit == right.unit:
            end = _wording_start(matches[i + 1]) + len(right.wording)
            wording = (cased or t)[_wording_start(matches[i]): end]
            bounds = (left.value, right.value)
            figures[i] = replace(left, wording=wording, bounds=bounds)
            figures[i + 1] = replace(right, wording=wording, bounds=bounds)
    return [f for f in figures if f is not None]


def _one_word(m: re.Match[str]) -> str:
    """A scale phrase ("mil millones") as a scale word of its value, the same length (offsets
    keep): "milliarden  "."""
    tables = _tables()
    value = number_words().phrases[" ".join(m.group().split())]
    n = len(m.group())
    word = max((w for w, v in tables.scales.items() if v == value and len(w) <= n), key=len)
    return word + " " * (n - len(word))


def _numbers(t: str) -> list[re.Match[str]]:
    """`list(_NUMBER.finditer(t))`, without trying the pattern at every character: it can match
    only from `reach` characters before a digit (a sign and a space), so each search starts there
    (its look-behind still sees the text before the start). Same matches, a fraction of the scan."""
    tables = _tables()
    number, reach = tables.number, tables.reach
    out = []
    pos = 0
    while (d := _DIGIT.search(t, pos)) is not None:
        m = number.search(t, max(pos, d.start() - reach))
        if m is None:
            break
        out.append(m)
        pos = m.end()
    return out


def _wording_start(m: re.Match[str]) -> int:
    return m.start("cur") if m.group("cur") else m.start("num")


def _cased(text: str, folded: str) -> str | None:
    """`text` with the offsets of its folded form (each character folded alone where folding
    changed the length), or None when that cannot be had."""
    if len(text) == len(folded):
        return text
    cased = "".join(ch if len(f := fold(ch)) == 1 else f for ch in text)
    return cased if len(cased) == len(folded) else None


_GERMAN_ARTICLES = frozenset(("der", "die", "das", "den", "dem", "des", "ein", "eine", "einen", "einem",
                              "einer", "eines"))
_CASED_WORD = re.compile(r"([^\W\d_][\w&'-]*)\s+$")


def _named(cased: str | None, pos: int) -> bool:
    """A number right after a capitalised word inside a sentence is part of a name ("Fortune
    500 companies", "Channel File 291", "Windows 11"), not a count."""
    if cased is None:
        return False
    m = _CASED_WORD.search(cased, max(0, pos - 40), pos)
    if m is None or not m.group(1)[0].isupper():
        return False
    before = cased[: m.start()].rstrip()
    if not before or before.endswith((".", "!", "?", ":", ";", '"', "\u201c")):
        return False
    # German writes every noun with a capital: after its article it is a noun ("in der Folge
    # 7000 Flüge"), not a name
    return before.rsplit(None, 1)[-1].lower() not in _GERMAN_ARTICLES


def _figure(t: str, m: re.Match[str], tail: str, cur: str | None, end: int,
            cased: str | None = None) -> Figure | None:
    """One number read as a figure, or None when it is a year, a date, a label, a rating..."""
    raw = m.group("num")
    value = _number_value(raw, tail)
    start = _wording_start(m)
    wording = (cased or t)[start:end].strip()  # as written, capitals and accents kept
    prev = _prev_word(t, m.start("num"))
    if prev in _LABELS or prev in _MONTHS:
        return None
    if tail in ("%", "percent", "prozent") or tail.startswith(("per", "pour", "por")):
        return Figure(value, "%", (), m.start("num"), m.end(), wording)
    if tail in _DATA_UNITS:
        return Figure(value * _DATA_UNITS[tail], "TB", (), m.start("num"), m.end(), wording)
    mult = _tables().scales.get(tail, 1.0)
    after = _next_words(t, m.end(), 2)
    if cur is None and tail == "b":
        return None  # "5b" without a currency is more likely a label than a billion
    if cur is not None:
        return Figure(value * mult, cur, (), m.start(), m.end(), wording)
    if ("." in raw or "," in raw) and value != int(value) and mult == 1.0:
        return None  # "3.5" alone: a rating or version more often than a count
    if mult == 1.0 and "," not in raw and 1900 <= value <= 2100:
        return None  # a year
    if mult == 1.0 and _named(cased, m.start("num")):
        return None
    if after and after[0] in _MONTHS:
        return None  # "5 December"
    if after and (after[0] in _NOT_COUNTED or after[:2] in (["a", "m"], ["p", "m"])):
        return None  # times ("6 p.m."), ordinals, durations, distances: context, not tracked counts
    nouns = tuple(c for w in after if w not in STOPWORDS for c in concept(w))
    if not nouns:
        return None
    return Figure(value * mult, "", nouns, m.start("num"), m.end(), wording)


def extract_figures(text: str) -> tuple[str, ...]:
    """The figures a text names, canonical and de-duplicated: a claim's initial `figures`.

    "up to 8,000 terabytes of data" -> ("8,000 TB",); "More than 60 shareholders" -> ("60",).
    """
    seen: list[str] = []
    for f in parse_figures(text):
        if f.text not in seen:
            seen.append(f.text)
    return tuple(seen)


def parse_figure_text(text: str) -> Figure | None:
    """A stored figure string ("8,000 TB", "26%", "60") read back as a Figure."""
    t = fold(text).strip()
    figs = parse_figures(t + " items", folded=True) if re.fullmatch(r"[\d,.]+", t) else parse_figures(t)
    if not figs and re.fullmatch(r"[\d,.]+\s?(?:" + _alternatives(_tables().scales) + ")", t):
        figs = parse_figures(t + " items", folded=True)  # "5.4 billion": a number of no stated unit
    if figs:
        return figs[0]
    return None


def seed_claim_figures(
    topics: Sequence[TopicConfig], figures_for: Callable[[str], tuple[str, ...]] = extract_figures,
) -> tuple[TopicConfig, ...]:
    """Claims start with the figures their statements name ("8,000 terabytes" -> 8,000 TB),
    unless feeds.yaml lists figures for them."""
    return tuple(
        replace(t, claims=tuple(
            c if c.figures else replace(c, figures=tuple(figures_for(c.statement))) for c in t.claims
        ))
        for t in topics
    )
