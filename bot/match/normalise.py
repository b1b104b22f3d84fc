"""Text normalisation shared by the gate, the scorer and change detection.

Feeds write the same word many ways: "Microsoft’s" (curly apostrophe), "Israël", "fired" /
"firing" / "fires", "8,000". Everything is reduced to folded, lemmatised *concepts* so that a
claim's terms are found whatever the inflection. The lemmas come from simplemma's dictionaries
(English always; German, French, Spanish and others when `DOSSIER_LANGUAGES` names them, see
`languages`), and how rare a word is from wordfreq's frequency lists (`rarity`): general
language resources shipped as packages, nothing written for one story. What a claim means
beyond its words comes from the admin (claim aliases) and, with the semantic scorer on, from a
sentence-embedding model.
"""

from __future__ import annotations

import os
import re
import unicodedata
from functools import cache, lru_cache

import simplemma
import wordfreq

_APOSTROPHES = {"’": "'", "‘": "'", "ʼ": "'", "`": "'", "´": "'", "′": "'"}
_DASHES = dict.fromkeys("‐‑‒–—―−", "-")
_FOLDED_MARKS = (*_APOSTROPHES.items(), *_DASHES.items())

_TOKEN = re.compile(r"\d+(?:[.,]\d+)*|[^\W\d_]+")
_POSSESSIVE = re.compile(r"(?<=\w)'s?\b")
TOKEN_RE = _TOKEN  # for readers that tokenise folded text themselves (see scorer.ConceptReader)
POSSESSIVE_RE = _POSSESSIVE

# English function words (grammar, not content): they never decide which claim a sentence is about.
STOPWORDS = frozenset("""
a about above after again against all also am an and any are as at be been before being below
between both but by can could did do does doing down during each few for from further had has have
having he her here hers him his how i if in into is it its itself just me more most my no nor not
now of off on once only or other our ours out over own same she should so some such than that the
their theirs them then there these they this those through to too under until up very was we were
what when where which while who whom why will with would you your yours said says say told
according including include includes included per via mr ms mrs new one us
may might must shall upon among across within without whether yet still already since
another several many much certain various specific ins
""".split())

# Words that state a claim's status or its timing rather than its content: a claim is matched
# on what it says happened, and these are exactly what a follow-up changes.
STATUS_WORDS = frozenset("""
ongoing underway continuing alleged allegedly reportedly confirmed disputed denied retracted
concluded previously coming soon weeks week days months later recently expected yet
""".split())

LANGUAGES_ENV = "DOSSIER_LANGUAGES"
DEFAULT_LANGUAGES = ("en",)


@cache
def languages() -> tuple[str, ...]:
    """The languages whose lemmatiser is loaded: English first, then `DOSSIER_LANGUAGES` (e.g.
    "en,de,fr,es"). Read once, on first use (not at import). Each language's dictionary costs
    memory (measured in docs/decisions.md: ~20 MB for English or French, ~70-110 MB for Spanish
    or German), so only English is on by default; without a language's lemmatiser its words
    still match a claim's (or an alias's) when spelt alike or within the fuzzy vocabulary.
    """
    raw = os.environ.get(LANGUAGES_ENV, "")
    chosen = [code.strip().lower() for code in raw.split(",") if code.strip()]
    out = ["en", *[c for c in chosen if c != "en"]]
    supported = set(simplemma.strategies.dictionaries.dictionary_factory.SUPPORTED_LANGUAGES)
    unknown = [c for c in out if c not in supported]
    if unknown:
        raise ValueError(f"{LANGUAGES_ENV}: no lemmatiser for {', '.join(unknown)}")
    return tuple(out)


def fold(text: str) -> str:
    """Lower-case, accent-free, straight apostrophes and hyphens: the form every matcher reads."""
    if text.isascii():  # the common case: of the characters folded, only the backtick is ASCII
        return text.replace("`", "'").lower()
    for src, dst in _FOLDED_MARKS:  # before NFKD, as NFKD may make new marks ("″" -> "′′")
        if src in text:
            text = text.replace(src, dst)
    text = unicodedata.normalize("NFKD", text)
    if not text.isascii():
        marks = [c for c in set(text) if unicodedata.combining(c)]
        if marks:
            text = text.translate(dict.fromkeys(map(ord, marks)))
    return text.lower()


# English spellings that differ between British and American usage meet on one form (general
# orthography, applied after the lemmatiser): "centre"/"center", "labour"/"labor",
# "organise"/"organize", "cancelled"/"canceled" (simplemma lemmatises the latter only).
_OUR_KEEP = frozenset("four hour your tour pour flour sour our contour devour detour".split())


def _spelling(w: str) -> str:
    if len(w) > 4 and w.endswith("tre"):
        return w[:-2] + "er"
    if len(w) > 5 and w.endswith("our") and w not in _OUR_KEEP:
        return w[:-2] + "r"
    if len(w) > 5 and w.endswith("ise") and wordfreq.zipf_frequency(w[:-3] + "ize", "en") >= 2:
        return w[:-3] + "ize"  # "organise" -> "organize"; "promise" stays ("promize" is no word)
    if len(w) > 6 and w.endswith("ll") and w[-3] in "aeiou":  # "cancell", "travell" (British -ll-)
        return w[:-1]
    return w


@lru_cache(maxsize=65536)
def lemma(word: str) -> str:
    """The dictionary form of one folded word, in the first loaded language that knows it.

    Numbers and one- or two-letter words are kept as they are (acronyms, units).
    """
    if len(word) <= 2 or not word.isalpha():
        return word
    langs = languages()
    out = simplemma.lemmatize(word, lang=langs if len(langs) > 1 else langs[0])
    out = fold(out)
    return _spelling(out)


@lru_cache(maxsize=65536)
def concept(word: str) -> tuple[str, ...]:
    """The concept keys of one folded word: its lemma (a tuple so a reader may map one word to
    several keys; the lemmatiser gives one)."""
    return (lemma(word),)


@lru_cache(maxsize=65536)
def rarity(term: str) -> float:
    """How much a term says about *which* claim, from the language's word frequencies.

    wordfreq's Zipf frequency (the base-10 log of occurrences per billion words: "the" ~7.7,
    "company" ~5.6, "lawsuit" ~4.1, a brand name ~2) in the most common of the loaded
    languages; 6.5 - zipf, halved and bounded, so a common word ("people", "work", "report")
    weighs a quarter and a rare one (a name, a technical word) 1.5. Numbers weigh half: they
    are what a follow-up updates.
    """
    if is_number(term):
        return 0.5
    zipf = max(wordfreq.zipf_frequency(term, lang, wordlist="small") for lang in languages())
    return min(1.5, max(0.25, (6.5 - zipf) / 2))


_GROUPS = re.compile(r"[.,]")


def number_token(tok: str) -> str:
    """A number as one form whatever the language's separators: "8,000" and "8.000" -> "8000",
    "8,5" and "8.5" -> "8.5" ("1.234,5" -> "1234.5"). A separator followed by exactly three
    digits groups thousands, any other is the decimal mark (English writes "8.5", German,
    French and Spanish "8,5"); "2.0" -> "2"."""
    if "," not in tok and "." not in tok:
        return tok
    parts = _GROUPS.split(tok)
    out = parts[0]
    for i, part in enumerate(parts[1:], 1):
        last = i == len(parts) - 1
        out += part if len(part) == 3 and not (last and "." in out) else "." + part
    if out.endswith(".0"):
        out = out[:-2]
    return out


def raw_tokens(text: str) -> list[str]:
    """Folded word and number tokens; possessives dropped, hyphens split, "8,000" -> "8000"."""
    text = fold(text)
    if "'" in text:  # the possessive regex cannot match without one, and its scan is slow
        text = _POSSESSIVE.sub("", text)
    return [number_token(tok) if tok[0].isdigit() else tok for tok in _TOKEN.findall(text.replace("-", " "))]


def concepts(text: str) -> list[str]:
    """Content concepts of a text, in order (stopwords dropped; "sit-in" reads as "sit in")."""
    stop = STOPWORDS
    return [c for tok in raw_tokens(text) if tok not in stop for c in concept(tok)]


def is_number(token: str) -> bool:
    """True for numeric tokens ("8200", "11500", "1.2")."""
    return token[:1].isdigit()
