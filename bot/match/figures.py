"""Figures: numbers with what they count, normalised so that restatements compare equal.

"8,000 terabytes", "8000TB" and "8 petabytes" are the same figure ("8,000 TB"); "26 per cent"
is "26%"; "$1.2bn", "1,2 Milliarden Dollar" and "1.200 millones de dólares" are "$1.2 billion";
"more than 60 shareholders" is the count "60" of shareholders. Number words and currency words
are general language data for English, German, French and Spanish (the languages the matcher
reads); "7.000" with a three-digit group after the dot is seven thousand, as those languages
write it. In a range ("$350-500m", "350 y 500 millones") the lower bound takes the upper's
unit. Years, dates, ordinals and identifiers ("Unit 8200", "+972", "Proposal 9") are
not figures. Used for a claim's initial figures (`extract_figures`) and for `figure_change`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from bot.config import TopicConfig
from bot.match.normalise import STOPWORDS, concept, fold

_DATA_UNITS = {
    "b": 1e-12, "byte": 1e-12, "bytes": 1e-12,
    "kb": 1e-9, "kilobyte": 1e-9, "kilobytes": 1e-9,
    "mb": 1e-6, "megabyte": 1e-6, "megabytes": 1e-6,
    "gb": 1e-3, "gigabyte": 1e-3, "gigabytes": 1e-3,
    "tb": 1.0, "terabyte": 1.0, "terabytes": 1.0,
    "pb": 1e3, "petabyte": 1e3, "petabytes": 1e3,
    "eb": 1e6, "exabyte": 1e6, "exabytes": 1e6,
}
_MULTIPLIERS = {
    "thousand": 1e3, "k": 1e3, "million": 1e6, "millions": 1e6, "m": 1e6, "mn": 1e6, "mln": 1e6,
    "billion": 1e9, "billions": 1e9, "bn": 1e9, "b": 1e9, "trillion": 1e12, "tn": 1e12,
    # de / fr / es
    "tausend": 1e3, "mil": 1e3, "mille": 1e3, "millionen": 1e6, "mio": 1e6, "millones": 1e6,
    "millon": 1e6, "milliarde": 1e9, "milliarden": 1e9, "mrd": 1e9, "milliard": 1e9, "milliards": 1e9,
    "md": 1e9, "mds": 1e9, "billionen": 1e12, "billones": 1e12, "billon": 1e12,
}
_MULTIPLIER_TAIL = ("thousand|tausend|millions?|millionen|millones|millon|mio|billions?|billionen|billones|"
                    "billon|milliarden?|milliards?|mrd|mds?|trillion|bn|mn|mln|tn|k|m|b")
_CURRENCY = {"$": "$", "us$": "$", "usd": "$", "€": "€", "eur": "€", "£": "£", "gbp": "£", "₪": "₪",
             "nis": "₪"}
_CURRENCY_WORDS = {"dollar": "$", "dollars": "$", "dolar": "$", "dolares": "$", "usd": "$",
                   "euro": "€", "euros": "€", "eur": "€", "pound": "£", "pounds": "£", "libras": "£",
                   "sterling": "£", "shekel": "₪", "shekels": "₪"}
# "500 millions de dollars", "550 millones de dólares", "1,000 million in dollars"
_CURRENCY_LINKS = frozenset(("de", "of", "in", "en", "us", "d"))
_RANGE_JOINERS = frozenset(("-", "to", "and", "y", "et", "a", "bis", "und", "or", "o", "ou"))
# "mil millones" (Spanish): a thousand million, a billion
_DIGIT = re.compile(r"\d")
_THOUSAND_MILLION = re.compile(r"\bmil\s+millones\b")
_MONTHS = {"januar", "janvier", "enero", "juli", "juillet", "julio", "mai", "mayo", "juni", "juin", "junio",
           "jan", "january", "feb", "february", "mar", "march", "apr", "april", "may", "jun", "june",
           "jul", "july", "aug", "august", "sep", "sept", "september", "oct", "october", "nov", "november",
           "dec", "december"}
# Words after which a number is a name or a position, not a quantity.
_LABELS = {"unit", "proposal", "item", "rule", "section", "article", "no", "number", "page", "chapter",
           "resolution", "building", "route", "version", "level", "phase", "grade", "class", "flight",
           "room", "floor", "act", "paragraph", "figure", "table", "windows", "xbox", "gpt", "top", "covid"}

_NUMBER = re.compile(
    r"(?P<cur>us\$|\$|€|£|₪)?\s?"
    r"(?<![\w.,+#/:])(?P<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d{1,3}(?:\.\d{3})+(?![.,]?\d)|\d+(?:[.,]\d+)?)"
    r"(?![\w,]*\d)"
    r"(?P<tail>\s?(?:%|per\s?cent\b|percent\b|prozent\b|pour\s?cent\b|por\s?ciento\b)"
    r"|\s?(?:[kmgtpe]b|bytes?|(?:kilo|mega|giga|tera|peta|exa)bytes?)\b"
    r"|\s?(?:" + _MULTIPLIER_TAIL + r")\b)?"
)
_WORD = re.compile(r"[^\W\d_]+")


@dataclass(frozen=True, slots=True)
class Figure:
    """One figure: its value in a canonical unit, the unit kind, and what it counts."""

    value: float
    unit: str  # "TB", "%", a currency sign, or "" for a plain count
    nouns: tuple[str, ...]  # concepts of the words after a plain count ("shareholder"): what it counts
    start: int  # offsets in the folded text
    end: int

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


def _number_value(raw: str) -> float:
    """"8,000" and "8.000" (three-digit groups) -> 8000; "8.5" and "8,5" (a decimal) -> 8.5."""
    if re.fullmatch(r"\d{1,3}(?:[.,]\d{3})+", raw):
        return float(raw.replace(",", "").replace(".", ""))
    if "," in raw and "." in raw:
        return float(raw.replace(",", ""))
    return float(raw.replace(",", "."))


def _currency_after(t: str, pos: int) -> str | None:
    """A currency word right after a figure, or after "de"/"of" ("millions de dollars")."""
    words = _next_words(t, pos, 3)
    for i, w in enumerate(words):
        if w in _CURRENCY_WORDS:
            return _CURRENCY_WORDS[w]
        if w not in _CURRENCY_LINKS or i == 2:
            return None
    return None


def _joined(t: str, left: re.Match[str], right: re.Match[str]) -> bool:
    """Are two numbers the bounds of one range ("350-500m", "$0.4 billion to $1.5 billion")?"""
    between = t[left.end(): right.start()].strip().rstrip("$€£").strip()
    return between in _RANGE_JOINERS


def _read(t: str, m: re.Match[str]) -> tuple[str, str | None]:
    """(tail, currency) of one number: its unit words, and a currency sign or word."""
    tail = (m.group("tail") or "").strip().replace(" ", "")
    cur = _CURRENCY.get(m.group("cur") or "") or _currency_after(t, m.end())
    return tail, cur


def parse_figures(text: str, *, folded: bool = False) -> list[Figure]:
    """Every figure in `text`, in order (offsets refer to the folded text)."""
    t = text if folded else fold(text)
    if _DIGIT.search(t) is None:  # most sentences: no number, nothing to read
        return []
    if "mil" in t:
        t = _THOUSAND_MILLION.sub(lambda x: "milliard" + " " * (len(x.group()) - 8), t)  # same length
    out: list[Figure] = []
    matches = list(_NUMBER.finditer(t))
    read = [_read(t, m) for m in matches]
    for i in range(len(matches) - 1):  # a range's bounds share what only one of them names
        if _joined(t, matches[i], matches[i + 1]):
            (lt, lc), (rt, rc) = read[i], read[i + 1]
            read[i] = (lt or rt, lc or rc)
            read[i + 1] = (rt or lt, rc or lc)
    for m, (tail, cur) in zip(matches, read, strict=True):
        raw = m.group("num")
        value = _number_value(raw)
        tail_of = m
        prev = _prev_word(t, m.start("num"))
        if prev in _LABELS or prev in _MONTHS:
            continue
        if tail in ("%", "percent", "prozent") or tail.startswith(("per", "pour", "por")):
            out.append(Figure(value, "%", (), m.start("num"), m.end()))
            continue
        if tail in _DATA_UNITS:
            out.append(Figure(value * _DATA_UNITS[tail], "TB", (), m.start("num"), m.end()))
            continue
        mult = _MULTIPLIERS.get(tail, 1.0)
        after = _next_words(t, tail_of.end(), 2)
        if cur is None and tail == "b":
            continue  # "5b" without a currency is more likely a label than a billion
        if cur is not None:
            out.append(Figure(value * mult, cur, (), m.start(), m.end()))
            continue
        if ("." in raw or "," in raw) and value != int(value) and mult == 1.0:
            continue  # "3.5" alone: a rating or version more often than a count
        if mult == 1.0 and "," not in raw and 1900 <= value <= 2100:
            continue  # a year
        if after and after[0] in _MONTHS:
            continue  # "5 December"
        if after and after[0] in ("am", "pm", "utc", "gmt", "st", "nd", "rd", "th", "year", "years",
                                  "day", "days", "hour", "hours", "week", "weeks", "month", "months",
                                  "minute", "minutes", "km", "miles", "hectares", "acres", "degrees"):
            continue  # times, ordinals, durations and distances are context, not tracked counts
        nouns = tuple(c for w in after if w not in STOPWORDS for c in concept(w))
        if not nouns:
            continue
        out.append(Figure(value * mult, "", nouns, m.start("num"), m.end()))
    return out


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
