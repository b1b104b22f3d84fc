"""Reading a German, French or Spanish article against claims written in English.

Claims are written in the admin's language (English here); a follow-up in another language can
meet only some of a claim's terms: its names, its numbers, the words the other language spells
the same way ("Update", "Software", "Crew") and those it shares a long stem with
("cancelaciones" / cancelled, "Departamento" / department: `scorer.FuzzyVocabulary.cognates`).
The other terms ("lawsuit", "flights", "losses") can never occur in such a sentence, so a
window score normalised over the whole claim puts every non-English mention far below the
thresholds, however much of what *could* be said it says.

Here a claim's window score, for an entry read as being in another language, is normalised by
the weight of the terms that language can carry (`reachable`), judged from that language's own
word list (wordfreq, the package the scorer already takes rarity from): nothing about a story,
the same test for every claim. The correction is bounded (`MAX_BOOST`): a claim of which little
can be said in the language (only a name) must not be matched by that name alone. A missing
act (the claim's verb) is no evidence against a sentence that cannot spell it.

Which language an entry is in is read from its function words (`entry_language`): the share of
each language's most common words among the entry's words, for English and the languages the
cue data covers (`FOLLOWED`).
"""

from __future__ import annotations

import copy
import re
from bisect import bisect_left
from collections.abc import Iterable
from dataclasses import replace
from functools import cache
from itertools import islice

import wordfreq

from bot.match.combine import combined
from bot.match.cues import FOLLOWED
from bot.match.normalise import fold, is_number
from bot.match.scorer import (
    COGNATE_PREFIX,
    COGNATE_SHARE,
    FOREIGN_ZIPF,
    CompiledTopic,
    calendar_concepts,
    entity_concepts,
    shared_prefix,
    wording_norm,
)

# FOLLOWED (cues.py): the languages the cue data is written in besides English; an entry in one
# of these is read with the corrections below.
FUNCTION_WORDS = 100  # a language's most common words: what tells which language a text is in
MIN_FUNCTION_HITS = 8  # an entry with fewer of any language's common words is taken as English
SAME_WORD_GAP = 1.0  # a claim word at most 10x rarer in the other language than in English is a word of it
MAX_BOOST = 2.0  # a wording scores at most this much more than in English (1.5-3: docs/decisions.md)


def zipf(term: str, lang: str) -> float:
    """A word's Zipf frequency in a language's "small" wordfreq list (the "best" German, French
    and Spanish lists cost ~45 MB resident each; "small" holds their 30-40k common words)."""
    return wordfreq.zipf_frequency(term, lang, wordlist="small")


@cache
def function_words(lang: str) -> frozenset[str]:
    """The FUNCTION_WORDS most common words of a language, folded: the first of wordfreq's small
    list, read from its file rather than through `top_n_list`, which keeps the whole list loaded
    (~18 MB per language: every process reads every entry's language, most never see one)."""
    bins = wordfreq.read_cBpack(wordfreq.available_languages("small")[lang])
    words = list(islice((w for b in bins for w in b if w.isalpha()), FUNCTION_WORDS))
    return frozenset(fold(w) for w in words)


def entry_language(words: Iterable[str]) -> str:
    """"en", or the followed language whose most common words the entry uses most.

    `words`: the entry's distinct folded words (`EntryText.words`). English wins ties and
    short texts (fewer than MIN_FUNCTION_HITS common words of any language): a title alone is
    read as it always was. Cost: four set intersections per entry; the other languages' lists
    are loaded on the first entry (wordfreq). Read once per entry: `EntryText.language`."""
    ws = words if isinstance(words, (set, frozenset)) else frozenset(words)
    best, best_hits = "en", len(ws & function_words("en"))
    for lang in FOLLOWED:
        hits = len(ws & function_words(lang))
        if hits > best_hits:
            best, best_hits = lang, hits
    return best if best_hits >= MIN_FUNCTION_HITS else "en"


@cache
def _stems(lang: str) -> tuple[str, ...]:
    """The language's words long enough to share a cognate prefix, folded and sorted (cognate
    lookups). Whether one is an English word is asked only of those a claim term's prefix
    meets (`_foreign`): asking it of all 30-40k words cost ~0.3 s of CPU per language."""
    out = set()
    for w in wordfreq.iter_wordlist(lang, "small"):
        f = fold(w)
        if len(f) >= COGNATE_PREFIX and f.isalpha():
            out.add(f)
    return tuple(sorted(out))


@cache
def _foreign(word: str) -> bool:
    """Not an English word (English would read it as itself, not as a cognate)."""
    return wordfreq.zipf_frequency(word, "en") < FOREIGN_ZIPF


@cache
def reachable(term: str, lang: str) -> bool:
    """Can a sentence in `lang` hold this (English) claim term as the scorer reads it?

    Yes for a number; for a word `lang` uses as it is (loanwords, international words: "Update",
    "Software" in German), i.e. one at most SAME_WORD_GAP lower on the Zipf scale in `lang`'s word
    list than in English's (web text in any language holds English words, "five", "get",
    "flight" in German at Zipf 3-4, some 100x rarer than in English; a word neither list
    knows is a name or a technical term, spelt alike); and for a word some word of
    `lang` shares the cognate prefix with (what `FuzzyVocabulary.cognates` maps onto it). The
    claim's names are reachable too (`reach_view` adds them)."""
    if is_number(term):
        return True
    if zipf(term, lang) >= zipf(term, "en") - SAME_WORD_GAP:
        return True
    if len(term) < COGNATE_PREFIX or not term.isalpha():
        return False
    need = max(COGNATE_PREFIX, COGNATE_SHARE * len(term))
    stems = _stems(lang)
    at = bisect_left(stems, term[:COGNATE_PREFIX])
    while at < len(stems) and stems[at].startswith(term[:COGNATE_PREFIX]):
        word = stems[at]
        at += 1
        if not _foreign(word):
            continue
        if shared_prefix(word, term) >= need:
            return True
    return False


def reach_view(ct: CompiledTopic, lang: str) -> CompiledTopic:
    """The compiled topic as a sentence in `lang` can meet it: each wording's normaliser over
    its reachable terms only (at most MAX_BOOST times smaller than the English one), and, when
    `lang` cannot spell its act (or it has none), its other spellable words standing for the
    act. A wording of which `lang` can spell nothing but names and numbers is left as in
    English: names alone do not tell the claim's event. Postings, weights, masks are shared."""
    names = [entity_concepts(" ".join((c.statement, *c.aliases))) for c in ct.claims]
    calendar = calendar_concepts()
    variants = []
    for v in ct.variants:
        own = names[v.claim_index]
        reach = [t in own or reachable(t, lang) for t in v.terms]
        # the words `lang` can spell besides the claim's names, numbers and dates
        spelt = sum(1 << i for i, (t, r) in enumerate(zip(v.terms, reach, strict=True))
                    if r and t not in own and not is_number(t) and t not in calendar)
        if not spelt:
            variants.append(v)
            continue
        content = [w for t, w, r in zip(v.terms, v.weights, reach, strict=True)
                   if r and not (is_number(t) or t in calendar)]
        # the same normaliser as the English one (scorer.wording_norm: its heaviest terms)
        norm = max(wording_norm(content), v.norm / MAX_BOOST)
        verb = v.verb_mask
        if not any(r for i, r in enumerate(reach) if verb >> i & 1):
            # the act cannot be spelt in `lang`: a window naming only the claim's names and
            # numbers still lacks something (the missing-act factor)
            verb = spelt
        variants.append(replace(v, norm=norm, verb_mask=verb))
    view = copy.copy(ct)
    view.variants = tuple(variants)
    return view


GOVERNOR_SKIP = 2  # function words between a count and the verb governing it ("haber cancelado más de 7.000")
_WORD_BEFORE = re.compile(r"([^\W\d_]+)[^\w]*$")
# how far back a word is looked for before a number: a long word and what separates it from the
# number ("cancelado", "más de") fit; a bound keeps the search constant on a long line
_WORD_REACH = 40


def word_before(folded: str, pos: int, skip: frozenset[str], limit: int = GOVERNOR_SKIP) -> str:
    """The word a number at `pos` is the object of, as far as word order tells: the last word
    before it that is not in `skip` (the language's function words: "more than", "mas de",
    "plus de"), looking past at most `limit` of those; "" when none is that close."""
    end = pos
    for _ in range(limit + 1):
        m = _WORD_BEFORE.search(folded, max(0, end - _WORD_REACH), end)
        if m is None:
            return ""
        if m.group(1) not in skip:
            return m.group(1)
        end = m.start()
    return ""


def same_or_cognate(word: str, english: str) -> bool:
    """`word` is `english`, or shares the cognate prefix with it (the test `FuzzyVocabulary.
    cognates` maps a foreign word onto a claim word with: "cancelado" / "cancelled")."""
    n = shared_prefix(word, english)
    return word == english or (n >= COGNATE_PREFIX and n >= COGNATE_SHARE * len(english))


@cache
def any_function_words() -> frozenset[str]:
    """The function words of every followed language: no word of them names what a figure is of
    ("500 millions de dollars au transporteur": "au" is no head noun)."""
    return frozenset().union(*(function_words(lang) for lang in FOLLOWED))


@cache
def _skipped(lang: str) -> frozenset[str]:
    """Words looked past between a count and its verb: `lang`'s and English's function words."""
    return function_words(lang) | function_words("en")


def governed_count(folded: str, start: int, lang: str, governors: frozenset[str],
                   counted: frozenset[str]) -> bool:
    """A count in a sentence in `lang` whose unit noun cannot be checked is the claim's count
    when the claim's own verb for its count governs it ("Delta afirma haber cancelado 7.000
    vuelos" for "Delta cancelled more than 5,000 flights": "cancelado" / "cancelled").

    Only when `lang` cannot spell what the claim counts (`counted`: "flight" is no Spanish
    word, "vuelos" no cognate of it): a language that can write the unit must write it. The
    governing word is the word right before the number, past at most GOVERNOR_SKIP of the
    language's function words; the claim's (`governors`) is the word before its stated count.
    A number of another act ("evacuado 7.000 pasajeros") is not taken, however close its
    magnitude: magnitude never decides alone."""
    if lang == "en" or not governors or not counted or any(reachable(c, lang) for c in counted):
        return False
    verb = word_before(folded, start, _skipped(lang))
    return bool(verb) and any(same_or_cognate(verb, g) for g in governors)


INFLECTION = 4  # letters a language may add to a word's stem: "cost" -> "costaron", "cout" -> "coute"
MIN_STEM = 4  # a stem shorter than this is too short to be read inside a longer word


def inflected(word: str, stems: frozenset[str]) -> bool:
    """`word` is one of `stems`, or one of them (MIN_STEM letters or more) with at most
    INFLECTION letters added: "costaron" of "cost", "coute" (coûté) of "cout". For words a
    language writes on one stem; a false friend ("costa", coast) reads as the stem too, so
    this is never evidence alone (`changes._first_figure_abroad`)."""
    if word in stems:
        return True
    return any(word[:n] in stems for n in range(max(MIN_STEM, len(word) - INFLECTION), len(word)))


@cache
def claim_names(wording: str) -> frozenset[str]:
    """The names a claim's wording writes (its capitalised words: "delta"): spelt alike in
    every language."""
    return frozenset(entity_concepts(wording))


def combined_in(lang: str, lexical: float, cosine: float | None) -> float:
    """The one claim score of an entry in `lang` (not English): `combine.combined`, but never
    below the lexical points. The embedding model reads English only: a German sentence's low
    cosine to an English claim is the model not reading it, no evidence against the claim; a
    high one (names, numbers, shared subwords) still adds."""
    both = combined(lexical, cosine)
    return both if lang == "en" else max(both, lexical)


__all__ = ["FOLLOWED", "MAX_BOOST", "any_function_words", "claim_names", "combined_in", "entry_language",
           "governed_count", "inflected", "reach_view", "reachable", "same_or_cognate", "word_before"]
