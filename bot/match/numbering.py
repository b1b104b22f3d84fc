"""How English, German, French and Spanish write numbers and money, from CLDR (via `babel`).

The figure reader (figures.py) needs, for each language it reads: its scale words ("Millionen",
"millions", "millones", "mil millones", "Mrd."), its currency names ("Dollar", "dollars",
"dólares", "Euro", "libras") and the group separators written as a space (French "1 300 000"
with a narrow no-break space). CLDR holds them for every language: the compact decimal formats
spell the scale words (long: "0 Millionen", short: "0 Mio."), the currency display names give
the names (singular and plural), the number symbols the separators. Reading them from CLDR
instead of writing them by hand keeps the tables complete and the same for every language.

What CLDR does not hold is kept beside it as English newsroom usage (`ENGLISH_SCALES`:
"bn", "mn", "mln", "tn", the abbreviations of Reuters', the FT's and the Economist's styles;
`ENGLISH_CURRENCY`: "sterling"). Where two languages read a word
differently ("billion" is 10^9 in English, 10^12 in German, French and Spanish) English's
reading wins: the reader does not know the language of a sentence, and English is the
language of the claims. Loaded once, on first use (~50 ms CPU, ~12 MB; docs/decisions.md).
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from functools import cache
from itertools import islice

import wordfreq

from bot.match.cues import FOLLOWED
from bot.match.normalise import fold

log = logging.getLogger(__name__)

LANGUAGES = ("en", *FOLLOWED)  # English first: its readings win
# The currencies read, by ISO code, with the sign a figure's unit is written with (CLDR's
# English symbol): the ten most traded (BIS Triennial Survey 2022, share of FX turnover), a
# general list that holds those of the languages read (USD, GBP, EUR) and the ones world news
# reports sums in. Earlier the first story's shekel stood here; adding one is adding its code.
# When two share a name ("dollar": USD, AUD, CAD...) the first one's sign wins.
CURRENCIES = ("USD", "EUR", "JPY", "GBP", "CNY", "AUD", "CAD", "CHF", "HKD", "SGD")
# Scale abbreviations of English news that CLDR does not list (its English short forms are K,
# M, B, T); the plurals of its long English words ("millions") are added where they are read.
ENGLISH_SCALES = {"bn": 1e9, "mn": 1e6, "mln": 1e6, "tn": 1e12}
ENGLISH_CURRENCY = {"sterling": "GBP"}  # "£5m sterling", "pounds sterling"
# Where the head noun of a currency's name is: last in English and German ("US dollar",
# "Britisches Pfund"), first in French and Spanish ("dollar des États-Unis", "libra esterlina").
HEAD_LAST = frozenset(("en", "de"))
COMMON_WORDS = 300  # a name word among the language's most common is a modifier ("nouveau", "nuevo")
# single-letter short forms that are also unit symbols: "T" (tonne) is never read as a trillion
_SYMBOL_CLASH = frozenset(("t",))


@dataclass(frozen=True)
class NumberWords:
    """What the figure reader reads numbers and money with (all folded)."""

    scales: dict[str, float]  # "millionen" -> 1e6, "mio" -> 1e6, "billion" -> 1e9
    phrases: dict[str, float]  # scale words of several words: "mil millones" -> 1e9
    currency_words: dict[str, str]  # "dolares" -> "$", "euro" -> "€", "usd" -> "$"
    signs: dict[str, str]  # signs written before a number: "$" -> "$", "us$" -> "$"
    group_spaces: frozenset[str]  # space characters a language groups thousands with
    english_scales: frozenset[str]  # the scale words English writes ("1.938 billion": a decimal point)
    percent_words: tuple[str, ...]  # "percent", "per cent", "prozent", "pour cent", "por ciento"


_WORDS = re.compile(r"[^\W\d_]+")


def _pattern_word(pattern: str) -> str | None:
    """"millionen" from "0 Millionen"; "mio" from "0\xa0Mio'.'"; None for a pattern that
    writes a number of a smaller unit ("0000 M": thousands of millions) or no word."""
    word = " ".join(fold(re.sub(r"[0#'.]", " ", pattern)).split())
    if not word or pattern.count("0") != 1 or not all(_WORDS.fullmatch(w) for w in word.split()):
        return None
    return word


def _scales() -> tuple[dict[str, float], dict[str, float], frozenset[str]]:
    from babel import Locale  # on first use, not at import (see module doc)

    scales: dict[str, float] = {}
    english: frozenset[str] = frozenset()
    phrases: dict[str, float] = {}
    for lang in LANGUAGES:
        data = Locale.parse(lang)._data["compact_decimal_formats"]  # babel has no public view of all forms
        for form in ("long", "short"):
            for patterns in data[form].values():
                for magnitude, pattern in patterns.items():
                    if set(magnitude) - {"1", "0"} or len(magnitude) < 4 or len(magnitude) % 3 != 1:
                        continue  # 10^3, 10^6, 10^9, 10^12: the scales, not "10 Millionen"
                    word = _pattern_word(pattern.pattern)
                    if word is None or word in _SYMBOL_CLASH:
                        continue
                    value = float(magnitude)
                    target = phrases if " " in word else scales
                    target.setdefault(word, value)  # the first language's reading wins
                    if lang == "en" and form == "long":
                        scales.setdefault(word + "s", value)  # "millions", "billions"
        if lang == "en":
            for word, value in ENGLISH_SCALES.items():
                scales.setdefault(word, value)
            english = frozenset(scales)
    return scales, phrases, english


def _name_words(name: str) -> list[str]:
    return [w for w in re.split(r"[\s\-\u2011]+", fold(name)) if _WORDS.fullmatch(w)]


def _common(lang: str) -> frozenset[str]:
    """The COMMON_WORDS most common words of a language (wordfreq's small list, read from its
    file: `zipf_frequency` would keep the whole list loaded, ~18 MB per language)."""
    bins = wordfreq.read_cBpack(wordfreq.available_languages("small")[lang])
    return frozenset(fold(w) for w in islice((w for b in bins for w in b if w.isalpha()), COMMON_WORDS))


def _head_at(name: str, lang: str, common: frozenset[str]) -> int:
    """Where the head noun of a currency's (singular) name is: "dollar" of "US dollar",
    "libra" of "libra esterlina", "shekel" of "nouveau shekel israélien" (one of the language's
    most common words, before or after it, is a modifier); -1 for a name of no word."""
    words = _name_words(name)
    order = [*range(len(words) - 1, -1, -1)] if lang in HEAD_LAST else [*range(len(words))]
    return next((i for i in order if words[i] not in common), order[0] if order else -1)


def _currencies() -> tuple[dict[str, str], dict[str, str]]:
    from babel import Locale

    english = Locale.parse("en")
    sign_of = {code: english.currency_symbols[code] for code in CURRENCIES}
    words: dict[str, str] = {}
    signs: dict[str, str] = {}
    for lang in LANGUAGES:
        loc = Locale.parse(lang)
        plural = loc._data["currency_names_plural"]
        common = _common(lang)
        for code in CURRENCIES:
            singular = _name_words(loc.currencies[code])
            at = _head_at(loc.currencies[code], lang, common)
            if at < 0:
                continue
            words.setdefault(singular[at], sign_of[code])
            for name in (plural.get(code) or {}).values():  # the plural's head: the same place
                forms = _name_words(name)
                if len(forms) == len(singular):
                    words.setdefault(forms[at], sign_of[code])
            symbol = fold(loc.currency_symbols.get(code, ""))
            if symbol and not symbol[-1].isalpha():  # written before the number: "$", "us$"
                signs.setdefault(symbol, sign_of[code])
        for code in CURRENCIES:
            words.setdefault(code.lower(), sign_of[code])
    for word, code in ENGLISH_CURRENCY.items():
        words.setdefault(word, sign_of[code])
    return words, signs


def _group_spaces() -> frozenset[str]:
    """The space characters the languages group thousands with (French: U+202F, the narrow
    no-break space), and the no-break space U+00A0 beside any of them: what most sites type
    for it (and CLDR's French before version 34)."""
    from babel import Locale

    out = set()
    for lang in LANGUAGES:
        group = Locale.parse(lang).number_symbols.get("latn", {}).get("group", "")
        if group.isspace():
            out.update((group, "\u00a0"))
    return frozenset(out)


# the English of Britain beside the default (American) English: "per cent" beside "percent"
_PERCENT_LOCALES = (*LANGUAGES, "en_GB")


def _percent_words() -> tuple[str, ...]:
    """The long names of the percent unit ("Prozent", "pour cent"), longest first."""
    from babel import Locale

    out = set()
    for name in _PERCENT_LOCALES:
        for width in ("long", "short"):
            word = fold(Locale.parse(name)._data["unit_display_names"]["concentr-percent"][width])
            if _WORDS.search(word):
                out.add(word)
    return tuple(sorted(out, key=lambda w: (-len(w), w)))


# What babel or its CLDR data failing to load or having another shape raises (babel's
# `_data` is private: a new major version may rename a key), and wordfreq's list missing.
_DATA_ERRORS = (ImportError, OSError, KeyError, AttributeError, TypeError, ValueError)


@cache
def number_words() -> NumberWords:
    """The tables, read from CLDR once. Without babel or its data (or with data of a shape this
    module does not know) figures are still read, as plain numbers, percent signs and English
    news's own scale abbreviations ("5mn jobs"), but no scale or currency word ("8,5 Millionen
    Euro" is no figure): matching goes on, poorer, and a warning says so once."""
    try:
        scales, phrases, english = _scales()
        currency_words, signs = _currencies()
        return NumberWords(scales, phrases, currency_words, signs, _group_spaces(), english, _percent_words())
    except _DATA_ERRORS as exc:
        log.warning("CLDR number data unreadable (%s: %s): figures are read without scale words, "
                    "currency names or percent words", type(exc).__name__, exc)
        return NumberWords(dict(ENGLISH_SCALES), {}, {}, {}, frozenset(), frozenset(ENGLISH_SCALES), ())


__all__ = ["CURRENCIES", "LANGUAGES", "NumberWords", "number_words"]
