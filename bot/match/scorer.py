"""Claim scoring: weighted coverage of a claim's distinctive terms within one or two sentences.

Why not a plain fuzzy ratio over the page: hard negatives share the story's vocabulary
("Microsoft", "Azure", "Israel" are in every claim and in every relevant article). Each claim
term is weighted by how rare it is *among the claims* (an IDF computed from the claims
themselves), so a claim is matched by what sets it apart (its actor, action and object:
"fired", "shareholders", "Netherlands"), and only when those terms occur together in a window
of one or two adjacent sentences (or the title). An actor check halves the score of a window
whose actor is another organisation the topics know ("Google fired..." is not "Microsoft
fired..."). rapidfuzz maps misspelt or variant words onto the claims' vocabulary.

This module compiles claims (terms, weights, masks, inverted index) and reads entries into
concept sets; `bot.match.windows.WindowScorer` scores the windows with numpy, in time that
grows linearly with the number of claims hit.
"""

from __future__ import annotations

import math
import re
from bisect import bisect_left
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from itertools import chain

import wordfreq
from rapidfuzz import fuzz, process

from bot.match.gate import Gate
from bot.match.normalise import (
    POSSESSIVE_RE,
    STATUS_WORDS,
    STOPWORDS,
    TOKEN_RE,
    concept,
    concepts,
    fold,
    is_number,
    number_token,
    rarity,
    raw_tokens,
)
from bot.models import ClaimState, TopicState

_CAPITALISED = re.compile(r"(?<![\w'’])([A-Z][\w’'&.-]*|\d{3,})")
_INITIAL_FILLERS = frozenset(("of", "and", "for", "the"))
_ACRONYM = re.compile(r"(?<![\w])[A-Z]{3,6}(?![\w])")


@cache
def calendar_concepts() -> frozenset[str]:
    """Month and weekday concepts; built on first use, not at import (it loads the lemmatiser's
    English dictionary: ~0.15 s of every start otherwise, also of one that matches nothing)."""
    return frozenset(concepts(
        "january february march april may june july august september october november december "
        "monday tuesday wednesday thursday friday saturday sunday"
    ))


FOREIGN_ACTOR_FACTOR = 0.25  # the act belongs to another organisation ("Google fired...")
NO_ANCHOR_FACTOR = 0.8  # none of the claim's own named things (a place, an outlet, a company)
NO_VERB_FACTOR = 0.75  # the claim's action (its first past-tense verb) is missing
SIZE_EXPONENT = 0.75  # raw = hit / total**a: long claims are not matched only by long windows
NORM_TERMS = 10  # ... and the normaliser counts a wording's 10 heaviest content terms (`wording_norm`)
SCALE = 0.55  # raw -> the 0..100 score the thresholds use (see Thresholds)
SHORT_TEXT_SENTENCES = 4  # a title + summary entry this short ...
SHORT_TEXT_BOOST = 1.6  # ... is dense lead text: each sentence stands for a paragraph
PAIR_FACTOR = 0.95  # a two-sentence window is slightly weaker evidence than one sentence
MIN_DISTINCTIVE = 2  # distinctive claim terms a window needs before it counts fully
VERB_WAIVER_DISTINCTIVE = 5  # a window with this many distinctive terms names the claim's act otherwise
# ... and with this many it is about the claim even without its named place, outlet or company:
# the named detail is what a follow-up may update or contradict ("moved to servers in Israel")
ANCHOR_WAIVER_DISTINCTIVE = 3
FEW_DISTINCTIVE_FACTOR = 0.6
IDF_FLOOR = 0.1
FUZZY_MIN_LEN = 7
FUZZY_CUTOFF = 90.0
# Cognates: a word English does not know ("cancelaciones", "Departamento", "défectueuse") meets
# the claim word it shares a long prefix with ("cancel", "department", "defect"): European
# languages share Latin/Greek stems, and prefix truncation is the classic cross-language
# matching of IR (McNamee & Mayfield 2004). English words keep their own lemma.
COGNATE_PREFIX = 6  # shared leading letters at least ...
COGNATE_SHARE = 0.6  # ... and this share of the claim word's letters


def shared_prefix(a: str, b: str) -> int:
    """How many leading letters two words share: the cognate test (COGNATE_PREFIX, COGNATE_SHARE)
    of `FuzzyVocabulary.cognates` and of crosslang.py."""
    n, end = 0, min(len(a), len(b))
    while n < end and a[n] == b[n]:
        n += 1
    return n


FOREIGN_ZIPF = 2.0  # a word below this English Zipf frequency is not an English word


@dataclass(frozen=True, slots=True)
class Variant:
    """One wording of a claim (its statement or an alias), compiled for scoring."""

    claim_index: int
    text: str
    terms: tuple[str, ...]
    weights: tuple[float, ...]
    total: float
    distinctive_mask: int  # terms rarer than most in the topic's claims
    actor_mask: int  # the claim's own named actors and places (not the topic's keywords)
    verb_mask: int  # the claim's action verb
    own_mask: int  # every named actor of the claim, keywords included: "is this about our actor?"
    norm: float = 1.0  # `wording_norm` of its non-date, non-number terms: raw = 100 * hit / norm


@dataclass(slots=True)
class WindowScore:
    """The best window of an entry for one claim (read-only by convention).

    Not frozen: a frozen dataclass's __init__ sets every field through object.__setattr__, about
    five times slower, and WindowScorer builds some twenty of these per entry.
    """

    score: float
    start: int  # first sentence index
    size: int  # 1 or 2 sentences
    coverage: float
    hits: int
    distinctive: int
    actor: float
    anchor: float
    verb: float
    variant: int
    exact: bool = True  # WindowScorer is always exact; the test oracle marks its estimates False


def entity_concepts(text: str) -> set[str]:
    """Concepts of the capitalised words and long numbers of a text (named actors, units)."""
    out: set[str] = set()
    for word in _CAPITALISED.findall(text):
        out.update(concepts(word))
    return out - calendar_concepts()


def claim_terms(text: str) -> tuple[str, ...]:
    """A claim's content concepts, without its status and timing words (those are what change)."""
    out: list[str] = []
    for tok in raw_tokens(text):
        if tok not in STOPWORDS and tok not in STATUS_WORDS:
            out.extend(concept(tok))
    return tuple(dict.fromkeys(out))


# lower case: "No Azure for Apartheid" is a name; after a comma it contrasts ("a defect, not a
# cyberattack" asserts the defect); "not yet" tells what is pending, the status a follow-up changes
_NEGATOR = re.compile(r"(?<![,;:]\s)(?<!\b(?:and|but)\s)\b(?:no|not|never)\b(?!\s+yet\b)")
# a negation inside a concessive or contrasting side clause ("..., while saying the decision does
# not affect X"; "although it did not ...") qualifies the claim, it is not what the claim denies
_SIDE_CLAUSE = re.compile(r"\b(?:while|whereas|although|though)\b")
NEGATED_REACH = 4  # the denied word is among the next four words ("not yet put a figure")


LIGHT_ZIPF = 5.5  # a word this common ("put", "make", "take", "give") is a light verb, not the content


def negated_term(text: str) -> str | None:
    """The concept a claim denies ("found *no evidence*", "offered *no compensation*"): the
    first content word after a lower-case "no", "not" or "never" (within NEGATED_REACH words)
    that is not a light verb.

    A claim that denies something is about the denial: "Microsoft found no evidence its tools
    were used to harm people" is not told by a sentence saying the tools were used to harm
    people (that is what another claim alleges). A light verb ("put a figure on", "make a
    statement") carries little of what is denied, the noun after it does (wordfreq: the most
    common words of the language). A capitalised "No" starts a name ("the No Azure for
    Apartheid campaign"), a "not" after a comma contrasts ("a defect, not a cyberattack"
    asserts the defect), and "not yet" tells what is pending ("has not yet put a figure on its
    losses": the follow-up that puts one is about the claim): none denies the claim's content.
    """
    for match in _NEGATOR.finditer(text):
        if _in_side_clause(text, match.start()):
            continue
        for tok in raw_tokens(text[match.end():])[:NEGATED_REACH]:
            if tok in STOPWORDS or tok in STATUS_WORDS or is_number(tok):
                continue
            term = concept(tok)[0]
            if wordfreq.zipf_frequency(term, "en") < LIGHT_ZIPF:
                return term
    return None


def _in_side_clause(text: str, at: int) -> bool:
    """Is position `at` inside a concessive side clause (after "while", "although"... and before
    the next ";" or sentence end)? Used only for negations."""
    before = re.split(r"[;.!?]\s", text[:at])[-1]
    return _SIDE_CLAUSE.search(before) is not None


# Reading a claim's act from how it is written (branch phrasing, docs/decisions.md): the same
# fact is written "Delta cancelled 5,000 flights", "5,000 flights were cancelled by Delta",
# "Delta, whose recovery lagged, cancelled ..." or "An investigation published on Monday
# revealed ...". English grammar words only, nothing from a story.
_AUXILIARY = frozenset("is are was were be been being has have had get gets got gotten".split())
# a participle right after one of these is an adjective or a noun's modifier ("the intercepted
# calls", "of intercepted calls", "its stated aim", "for affected firms")
_BEFORE_ADJECTIVE = frozenset("""
the a an of its their his her our your this these those for with from by in on at into to
such some any each every other
""".split())
_RELATIVE = frozenset("who whose which whom".split())
# after the participle, these start a phrase that modifies a noun ("an investigation published
# *on* Monday", "the data stored *in* the Netherlands"): a reduced relative clause, not the act
_PREPOSITION_AFTER = frozenset("on by in at to from for with after during over under".split())
_WORD_HYPHEN = re.compile(r"[\w'’]+(?:-[\w'’]+)*")


def _verb_candidates(text: str) -> list[tuple[int, str]]:
    """The past-tense verbs (and passive participles) of a claim as (rank, token), in order;
    rank 0: the act of a main clause, 1: a participle that may modify a noun (fallback).

    Skipped: participles used as adjectives (after a determiner, a preposition or a
    possessive: "the intercepted calls", "of intercepted calls"), parts of hyphenated words
    ("Atlanta-based", "crew-scheduling"), and the verb of a relative clause ("Staff *who
    demonstrated* were dismissed": the act is "dismissed"; "Delta, *whose* recovery *lagged*,
    cancelled ...").
    """
    words = [w.lower().replace("’", "'") for w in _WORD_HYPHEN.findall(fold(text))]
    out: list[tuple[int, str]] = []
    relative = False  # inside a relative clause, before its own verb
    for i, word in enumerate(words):
        prev = words[i - 1] if i else ""
        if word in _RELATIVE:
            relative = True
            continue
        if "-" in word or "'" in word:
            continue
        tok = raw_tokens(word)
        tok_s = tok[0] if tok else ""
        if not (tok_s.endswith("ed") and len(tok_s) > 4 and tok_s not in STATUS_WORDS and tok_s != "used"):
            continue
        if relative:
            relative = False  # the relative clause's verb: skipped, the clause has ended for us
            continue
        if prev in _BEFORE_ADJECTIVE or prev == "that":  # "the update that crashed": relative
            continue
        nxt = words[i + 1] if i + 1 < len(words) else ""
        reduced = prev not in _AUXILIARY and nxt in _PREPOSITION_AFTER
        out.append((1 if reduced else 0, tok_s))
    return out


def main_verb(text: str) -> str | None:
    """The concept of a claim's act: what it denies (`negated_term`), else its first past-tense
    verb ("fired", "moved", "ceased"), in active or passive voice ("were cancelled").

    Participles that describe a noun are not the act (`_verb_candidates`): a main-clause verb
    comes before one that may be a reduced relative ("an investigation published on Monday
    revealed ..." -> "revealed"). A claim with no such verb ("the review is ongoing") has none
    and is not penalised.
    """
    denied = negated_term(text)
    if denied is not None:
        return denied
    found = _verb_candidates(text)
    if not found:
        return None
    return concept(min(found, key=lambda c: c[0])[1])[0]  # min keeps the first of equal rank


_CLAUSE_BREAK = re.compile(
    r"\s*;\s*|(?<=[.!?])\s+(?=[A-Z\"'“])|\s+(?:but|while|whereas|although)\s+|,\s+(?:and|as|which)\s+"
)
MIN_CLAUSE_TERMS = 3  # a part of a statement with fewer content terms is too vague to match alone


def clauses(statement: str) -> list[str]:
    """The parts of a statement that state one fact each ("X happened; Y says Z" -> two).

    An admin often packs several facts into one claim; an article that reports one of them
    mentions the claim. Each part with MIN_CLAUSE_TERMS content terms becomes a wording of its
    own, so a long claim is not matched only by an article that repeats all of it.
    """
    parts = [p.strip(" ,.") for p in _CLAUSE_BREAK.split(statement) if p and p.strip(" ,.")]
    if len(parts) < 2:
        return []
    return [p for p in parts if len(claim_terms(p)) >= MIN_CLAUSE_TERMS]


def wordings(claim: ClaimState) -> list[str]:
    """Every wording a claim is matched on: its statement, its aliases (the admin's own words,
    in any language) and the statement's parts (`clauses`): each is scored as a variant of the
    claim. Examples learnt from review are not variants: they are whole news sentences on the
    story's subject, and as variants they matched much of the story (story3's simulated review:
    claim precision 0.82 -> 0.66). The semantic side credits them for near-paraphrases only
    (bot.match.semantic.EXAMPLE_SAME); negatives damp near-duplicates here (matcher.py)."""
    out = [claim.statement, *claim.aliases, *clauses(claim.statement)]
    return [w for w in dict.fromkeys(out) if w.strip()]


_DIGIT = re.compile(r"\d")
_LETTER = re.compile(r"[^\W\d_]")


def without_dates(text: str) -> str:
    """A wording without its dates ("pushed on July 19, 2024" -> "pushed on"), or "" when it has
    none or too little is left (fewer than MIN_CLAUSE_TERMS content terms).

    Why: a background mention names the event and leaves out its date ("the outage caused by a
    faulty update"); the date pulls a sentence embedding of the claim towards sentences that
    carry dates. The lexical side already keeps dates out of its normaliser (`Variant.norm`);
    this is the same for the semantic side. A date is a month or weekday name with the numbers
    next to it (up to two each side: "July 19, 2024", "19 July 2024", "March 2024"); "may" the
    verb stays. Figures stay: "$1.2 billion" is what tells one contract from another (taking
    figures out too let a neighbour topic's claim match a generic sentence, docs/decisions.md)."""
    words = text.split()
    drop = [False] * len(words)
    for i, w in enumerate(words):
        # "May" is a stopword to `concepts` (the verb); capitalised beside a number it is the month
        if not ((set(concepts(w)) and set(concepts(w)) <= calendar_concepts()) or w.strip(",.;:()") == "May"):
            continue
        side = [j for j in (i - 2, i - 1, i + 1, i + 2) if 0 <= j < len(words)]
        numbers = [j for j in side if _DIGIT.search(words[j]) and not _LETTER.search(words[j])]
        if numbers:
            drop[i] = True
            for j in numbers:
                drop[j] = True
    if not any(drop):
        return ""
    keep: list[str] = []
    for w, d in zip(words, drop, strict=True):
        if not d:
            keep.append(w)
        elif keep and w[-1] in ";.:" and keep[-1][-1] not in ";.:":
            keep[-1] += w[-1]  # "July 18, 2024; Microsoft says" keeps its clause break
    out = " ".join(keep)
    return out if len(claim_terms(out)) >= MIN_CLAUSE_TERMS else ""


_WORD = re.compile(r"[\w'’-]+")


def denial_head(text: str) -> str:
    """A wording that denies something, cut after what it denies and the rest of that phrase
    ("Microsoft said it found no evidence that its tools were used to harm people" ->
    "Microsoft said it found no evidence"; "says no customer data was accessed" -> "says no
    customer data"); any other wording unchanged.

    Why: a sentence embedding hardly reads negation, so the whole wording is close to every
    sentence *asserting* what it denies ("the tools were used to harm people": another claim's
    evidence, or the opposite of this one). The lexical side makes the denied term the claim's
    act (`negated_term`); the semantic side compares sentences with the denial itself."""
    term = negated_term(text)
    if term is None:
        return text
    for negator in _NEGATOR.finditer(text):
        words = list(_WORD.finditer(text, negator.end()))
        for i, word in enumerate(words[:NEGATED_REACH + 2]):
            toks = raw_tokens(word.group(0))
            if toks and concept(toks[0])[0] == term:
                end = word.end()
                for nxt in words[i + 1:]:  # the rest of its phrase: "no customer *data*"
                    toks = raw_tokens(nxt.group(0))
                    if not toks or any(t in STOPWORDS for t in toks) or text[end:nxt.start()].strip():
                        break
                    end = nxt.end()
                head = text[:end]
                return head if len(claim_terms(head)) >= MIN_CLAUSE_TERMS else text
    return text


def semantic_wordings(claim: ClaimState) -> list[str]:
    """The wordings the semantic side compares sentences with, the statement's first: every
    lexical wording (`wordings`) cut after what it denies (`denial_head`), and each of them
    also without its dates (`without_dates`)."""
    base = [denial_head(w) for w in wordings(claim)]
    return [w for w in dict.fromkeys([*base, *(without_dates(w) for w in base)]) if w.strip()]


class CompiledTopic:
    """A topic's gate, claim variants and inverted index (built once per Matcher)."""

    def __init__(self, topic: TopicState, idf: dict[str, float], foreign: frozenset[str]) -> None:
        self.topic = topic
        self.gate = Gate(topic.keywords, topic.exclude)
        self.claims: tuple[ClaimState, ...] = topic.claims
        self.foreign = foreign
        keyword_concepts = {c for group in topic.keywords for k in group for c in concepts(k)}
        other_entities = foreign
        calendar = calendar_concepts()
        variants: list[Variant] = []
        for ci, claim in enumerate(topic.claims):
            actors = entity_concepts(" ".join((claim.statement, *claim.aliases))) - other_entities
            # statement, aliases and the statement's clauses (see `wordings`)
            for text in wordings(claim):
                terms = claim_terms(text)
                verb = main_verb(text)
                if not terms:
                    continue
                weights = []
                for t in terms:
                    w = idf.get(t, 1.0)
                    if t in keyword_concepts:
                        w *= 0.5  # every article that passes the gate has these
                    w *= 0.5 if t in calendar else rarity(t)
                    weights.append(w)
                ranked = sorted(weights)
                median = ranked[len(ranked) // 2]
                dmask = sum(1 << i for i, w in enumerate(weights) if w >= median and w > min(ranked))
                amask = sum(1 << i for i, t in enumerate(terms) if t in actors and t not in keyword_concepts)
                vmask = sum(1 << i for i, t in enumerate(terms) if t == verb)
                omask = sum(1 << i for i, t in enumerate(terms) if t in actors)
                total = sum(weights)
                # a claim's dates and figures are the details a follow-up updates or leaves out
                # ("a faulty update crashed Windows" for "... pushed on July 19, 2024 ..."): they
                # add to a window that has them, and a window is not weaker for lacking them
                content = [w for t, w in zip(terms, weights, strict=True)
                           if not (is_number(t) or t in calendar)] or weights
                variants.append(Variant(ci, text, terms, tuple(weights), total, dmask, amask, vmask, omask,
                                        wording_norm(content)))
        self.variants = tuple(variants)
        postings: dict[str, list[tuple[int, int, float]]] = {}
        for vi, v in enumerate(variants):
            for bit, (t, w) in enumerate(zip(v.terms, v.weights, strict=True)):
                postings.setdefault(t, []).append((vi, 1 << bit, w))
        self.postings = {k: tuple(p) for k, p in postings.items()}
        self.posting_keys = frozenset(self.postings)
        # a term's heaviest weight in any wording: a sentence's lexical evidence for the topic
        self.term_weight = {t: max(w for _, _, w in p) for t, p in self.postings.items()}


def wording_norm(content: Sequence[float]) -> float:
    """A wording's normaliser: the weight of its NORM_TERMS heaviest content terms (no dates or
    numbers), ** SIZE_EXPONENT.

    Why capped: a sentence (or two) carries only so many of a claim's terms. An admin who writes
    a claim as a long journalistic sentence (several clauses, names, dates) would otherwise make
    it unreachable: a window with every distinctive term of the fact still scored as a fraction
    of the whole paragraph (docs/performance.md, "Robustness to how claims are written"). A
    wording of up to NORM_TERMS content terms is unchanged; the cap counts terms, not weight,
    so it does not move with the IDF scale (the number of claims).
    """
    top = sorted(content, reverse=True)[:NORM_TERMS]
    total = sum(top)
    return total ** SIZE_EXPONENT if total else 1.0


def claim_idf(topics: Iterable[TopicState]) -> dict[str, float]:
    """IDF of every concept over all claims (every wording of a claim as one document: statement,
    aliases, learnt examples), so an example's words weigh by how many claims use them too."""
    docs = [set(claim_terms(" ".join(wordings(c)))) for t in topics for c in t.claims]
    n = max(1, len(docs))
    df: dict[str, int] = {}
    for d in docs:
        for c in d:
            df[c] = df.get(c, 0) + 1
    return {c: max(IDF_FLOOR, math.log((n + 1) / k)) for c, k in df.items()}


def topic_entities(topic: TopicState) -> set[str]:
    """Every concept a topic names: its keywords and its claims' (and title's) named actors."""
    out = {c for group in topic.keywords for k in group for c in concepts(k)}
    out |= entity_concepts(topic.title)
    for claim in topic.claims:
        out |= entity_concepts(" ".join((claim.statement, *claim.aliases)))
    return out


def topic_names(topic: TopicState) -> set[str]:
    """The concepts a topic's admin wrote as names: capitalised words of its title, claims and
    aliases (not its keywords, which are written lower-case)."""
    out = entity_concepts(topic.title)
    for claim in topic.claims:
        out |= entity_concepts(" ".join((claim.statement, *claim.aliases)))
    return out


def foreign_actors(topics: Sequence[TopicState]) -> list[frozenset[str]]:
    """Per topic: organisations other topics name and this one never does (from the admin's topics)."""
    entities = [topic_entities(t) for t in topics]
    vocab = [
        entities[i] | {c for claim in t.claims for c in concepts(" ".join((claim.statement, *claim.aliases)))}
        for i, t in enumerate(topics)
    ]
    out = []
    for i in range(len(topics)):
        others: set[str] = set()
        for j, e in enumerate(entities):
            if j != i:
                others |= e - entities[i]
        # context words shared with other topics (places, peoples) are not actors
        out.append(frozenset(c for c in others - vocab[i] if not is_number(c)))
    return out


class FuzzyVocabulary:
    """Map an unknown long word onto the claims' vocabulary with rapidfuzz (cached).

    Catches misspellings and spelling variants the stemmer misses ("surveilance"). Only words
    of 7+ characters at ratio >= 90 are mapped, so short words never collide. A word that is no
    English word at all is mapped onto the claim words it shares a long prefix with (`cognates`).
    """

    def __init__(self, vocabulary: Iterable[str], max_cache: int = 50_000) -> None:
        self.words = sorted({w for w in vocabulary if len(w) >= FUZZY_MIN_LEN and not is_number(w)})
        self.stems = sorted({w for w in vocabulary if len(w) >= COGNATE_PREFIX and w.isalpha()})
        self.known = frozenset(vocabulary)
        self._cache: dict[str, tuple[str, ...] | None] = {}
        self._max = max_cache

    def lookup(self, word: str) -> str | None:
        """The one vocabulary word `word` stands for (itself, or a close spelling), or None."""
        found = self.lookup_all(word)
        return found[0] if found else None

    def lookup_all(self, word: str) -> tuple[str, ...] | None:
        """The vocabulary words `word` stands for: itself, a close spelling, or its cognates."""
        if word in self.known:
            return (word,)
        if len(word) < COGNATE_PREFIX or is_number(word) or not (self.words or self.stems):
            return None
        try:
            return self._cache[word]
        except KeyError:
            pass
        found = (process.extractOne(word, self.words, scorer=fuzz.ratio, score_cutoff=FUZZY_CUTOFF)
                 if len(word) >= FUZZY_MIN_LEN and self.words else None)
        result = (found[0],) if found else self.cognates(word)
        if len(self._cache) >= self._max:
            self._cache = {}
        self._cache[word] = result
        return result

    def cognates(self, word: str) -> tuple[str, ...] | None:
        """The claim words sharing the longest prefix with a word English does not know (at
        least COGNATE_PREFIX letters and COGNATE_SHARE of the claim word), or None."""
        if not word.isalpha() or wordfreq.zipf_frequency(word, "en") >= FOREIGN_ZIPF:
            return None
        stems = self.stems
        at = bisect_left(stems, word[:COGNATE_PREFIX])
        best = 0
        out: list[str] = []
        while at < len(stems) and stems[at].startswith(word[:COGNATE_PREFIX]):
            cand = stems[at]
            n = shared_prefix(cand, word)
            if n >= COGNATE_SHARE * len(cand):
                if n > best:
                    best, out = n, [cand]
                elif n == best:
                    out.append(cand)
            at += 1
        return tuple(out) or None


class _TokenConcepts(dict[str, tuple[str, ...]]):
    """Raw token -> its concepts as the scorer reads them (stopwords dropped, fuzzy-mapped)."""

    def __init__(self, vocab: FuzzyVocabulary) -> None:
        super().__init__()
        self.vocab = vocab

    def __missing__(self, tok: str) -> tuple[str, ...]:
        norm = number_token(tok) if tok[0].isdigit() else tok
        if norm in STOPWORDS:
            out: tuple[str, ...] = ()
        else:
            lookup = self.vocab.lookup_all
            out = tuple(dict.fromkeys(w for c in concept(norm) for w in (lookup(c) or (c,))))
        self[tok] = out
        return out


# For ASCII text: every character but a letter, a digit or a line break becomes a space.
_ASCII_DIGIT = re.compile(r"[0-9]")
_NON_ALNUM_ASCII = str.maketrans({c: " " for c in map(chr, range(128)) if not c.isalnum() and c != "\n"})


def _readable(folded: str) -> str:
    """Folded text as the reader tokenises it: possessives dropped, hyphens split (as `raw_tokens`)."""
    if "'" in folded:  # the possessive regex cannot match without one, and its scan is slow
        folded = POSSESSIVE_RE.sub("", folded)
    return folded.replace("-", " ")


def _line_tokens(lines: Sequence[str], digits: Sequence[bool] | None = None) -> list[list[str]]:
    """`TOKEN_RE.findall` of each line (lines without line breaks), without the regex for most.

    In an ASCII line without digits TOKEN_RE's tokens are exactly the runs of letters: one
    translate of the whole text and a split per line find them, several times faster. Any
    other line (a number), or any line of a non-ASCII text (a translate of non-ASCII text has
    no fast path), is read with TOKEN_RE. `digits`: which lines hold a digit, when the caller
    knows (`EntryText.digit_lines`, given only for ASCII text); else each line is searched.
    """
    text = "\n".join(lines)
    if not lines or not text.isascii():
        return [TOKEN_RE.findall(line) for line in lines]
    spaced = text.translate(_NON_ALNUM_ASCII).split("\n")
    if digits is not None and len(digits) == len(lines):
        return [TOKEN_RE.findall(line) if has else runs.split()
                for line, runs, has in zip(lines, spaced, digits, strict=True)]
    digit = _ASCII_DIGIT.search  # an ASCII line's runs are all letters unless it holds a digit
    return [runs.split() if digit(line) is None else TOKEN_RE.findall(line)
            for line, runs in zip(lines, spaced, strict=True)]


class ConceptReader:
    """Sentences -> concept sets, every distinct token resolved once and cached (bounded).

    The text is folded once for the whole entry; per sentence, only a tokenisation and one
    dict lookup per token remain. Thread-safe in the same sense as `FuzzyVocabulary`.
    """

    def __init__(self, vocab: FuzzyVocabulary, max_cache: int = 100_000,
                 spelled: SpelledAcronyms | None = None) -> None:
        self.vocab = vocab
        self._max = max_cache
        self._cache = _TokenConcepts(vocab)
        self.spelled = spelled

    def sentence_sets(self, sentences: Sequence[str], folded: str | None = None,
                      digits: Sequence[bool] | None = None) -> list[frozenset[str]]:
        """`digits`: which sentences hold a digit (`EntryText.digit_lines`: ASCII text only, where
        dropping possessives and hyphens keeps every digit), so that no line is searched for one."""
        if folded is None:
            folded = fold("\n".join(sentences))
        lines = _readable(folded).split("\n")
        if len(lines) != len(sentences):  # a sentence with its own line breaks: read one by one
            lines = [_readable(fold(s)).replace("\n", " ") for s in sentences]
            digits = None
        cache = self._cache
        if len(cache) > self._max:
            cache = self._cache = _TokenConcepts(self.vocab)
        get = cache.__getitem__
        # frozenset(chain(...)) adds the same concepts in the same order as
        # frozenset().union(*...), without unpacking every token's tuple as an argument
        flat = chain.from_iterable
        tokenised = _line_tokens(lines, digits)
        if self.spelled is None:
            return [frozenset(flat(map(get, tokens))) for tokens in tokenised]
        out = []
        for line, tokens in zip(lines, tokenised, strict=True):
            found = frozenset(flat(map(get, tokens)))
            extra = self.spelled.found_in(line, tokens)
            out.append(found | extra if extra else found)
        return out


class SpelledAcronyms:
    """Acronyms the claims use, recognised when an article writes them out.

    Common ones by name ("artificial intelligence" -> "ai", a substring test), and a claim's
    own 3+ letter acronyms by the initials of consecutive words ("israeli ministry of
    defense" -> "imod"), where a stopword may not stand for a letter (except the fillers
    acronyms keep, like "of"). Both tests are a few C-level string searches per sentence.
    """

    def __init__(self, phrases: dict[str, str], initials: dict[str, str]) -> None:
        self.phrases = tuple(phrases.items())
        self.initials = tuple(initials.items())

    def found_in(self, line: str, tokens: Sequence[str]) -> set[str]:
        out = {name for phrase, name in self.phrases if phrase in line}
        if self.initials and len(tokens) > 2:
            letters = "".join([t[0] for t in tokens])  # a list: join() builds one from a generator anyway
            for acronym, name in self.initials:
                start = letters.find(acronym)
                while start >= 0:
                    words = tokens[start:start + len(acronym)]
                    if all(w.isalpha() and len(w) > 1 and (w not in STOPWORDS or w in _INITIAL_FILLERS)
                           for w in words):
                        out.add(name)
                        break
                    start = letters.find(acronym, start + 1)
        return out


def spelled_acronyms(topics: Iterable[TopicState], vocabulary: Iterable[str]) -> SpelledAcronyms | None:
    """The acronyms the claims use that an article may write out (None when there are none)."""
    vocab = set(vocabulary)
    initials: dict[str, str] = {}
    for topic in topics:
        for claim in topic.claims:
            for text in (claim.statement, *claim.aliases):
                for acronym in _ACRONYM.findall(text):
                    key = concept(acronym.lower())[0]
                    if key in vocab:
                        initials[acronym.lower()] = key
    return SpelledAcronyms({}, initials) if initials else None


__all__ = [
    "CompiledTopic",
    "ConceptReader",
    "FuzzyVocabulary",
    "SpelledAcronyms",
    "Variant",
    "WindowScore",
    "claim_idf",
    "fold",
    "spelled_acronyms",
]
