"""Claim scoring: weighted coverage of a claim's distinctive terms within one or two sentences.

Why not a plain fuzzy ratio over the page: hard negatives share the story's vocabulary
("Microsoft", "Azure", "Israel" are in every claim and in every relevant article). Each claim
term is weighted by how rare it is *among the claims* (an IDF computed from the claims
themselves), so a claim is matched by what sets it apart (its actor, action and object:
"fired", "shareholders", "Netherlands"), and only when those terms occur together in a window
of one or two adjacent sentences (or the title). An actor check halves the score of a window
whose actor is another organisation the topics know ("Google fired..." is not "Microsoft
fired..."). rapidfuzz maps misspelt or variant words onto the claims' vocabulary.

Cost: one pass over the entry's concepts through an inverted index (term -> claim variants);
per-window work is bit operations, so time grows linearly with the number of claims hit.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz, process

from bot.match.gate import Gate
from bot.match.normalise import STATUS_WORDS, STOPWORDS, concept, concepts, fold, is_number, raw_tokens
from bot.models import ClaimState, TopicState

# Words that carry little about *which* claim: they weigh half, whatever their rarity.
_LIGHT = frozenset(concepts(
    "use make take get go come company firm group people time year month week day work part way "
    "thing number several many first last former previous previously later recent recently like "
    "well report statement week today official officials told people government"
))
# Large organisations that often share a story's vocabulary. Generic, story-independent: an
# organisation that a topic itself names is never treated as foreign to it.
_GENERIC_ORGS = frozenset(concepts(
    "google alphabet amazon aws apple meta facebook oracle ibm palantir nvidia openai cisco intel dell "
    "hp salesforce tesla twitter x tiktok bytedance huawei samsung"
)) - {"x"}
_CAPITALISED = re.compile(r"(?<![\w'’])([A-Z][\w’'&.-]*|\d{3,})")
_CALENDAR = frozenset(concepts(
    "january february march april may june july august september october november december "
    "monday tuesday wednesday thursday friday saturday sunday"
))

FOREIGN_ACTOR_FACTOR = 0.25  # the act belongs to another organisation ("Google fired...")
NO_ANCHOR_FACTOR = 0.8  # none of the claim's own named things (a place, an outlet, a company)
NO_VERB_FACTOR = 0.75  # the claim's action (its first past-tense verb) is missing
SIZE_EXPONENT = 0.75  # raw = hit / total**a: long claims are not matched only by long windows
SCALE = 0.5  # raw -> the 0..100 score the thresholds use
SHORT_TEXT_SENTENCES = 4  # a title + summary entry this short ...
SHORT_TEXT_BOOST = 1.6  # ... is dense lead text: each sentence stands for a paragraph
PAIR_FACTOR = 0.95  # a two-sentence window is slightly weaker evidence than one sentence
MIN_DISTINCTIVE = 2  # distinctive claim terms a window needs before it counts fully
FEW_DISTINCTIVE_FACTOR = 0.6
IDF_FLOOR = 0.1
TOP_SENTENCES = 3  # per claim wording, the heaviest sentences whose windows are scored in full
FUZZY_MIN_LEN = 7
FUZZY_CUTOFF = 90.0


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


@dataclass(frozen=True, slots=True)
class WindowScore:
    """The best window of an entry for one claim."""

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


def entity_concepts(text: str) -> set[str]:
    """Concepts of the capitalised words and long numbers of a text (named actors, units)."""
    out: set[str] = set()
    for word in _CAPITALISED.findall(text):
        out.update(concepts(word))
    return out - _CALENDAR


def claim_terms(text: str) -> tuple[str, ...]:
    """A claim's content concepts, without its status and timing words (those are what change)."""
    out: list[str] = []
    for tok in raw_tokens(text):
        if tok not in STOPWORDS and tok not in STATUS_WORDS:
            out.extend(concept(tok))
    return tuple(dict.fromkeys(out))


def main_verb(text: str) -> str | None:
    """The concept of a claim's action: its first past-tense verb ("fired", "moved", "ceased").

    Past participles used as adjectives ("the intercepted calls") are skipped; a claim with no
    such verb ("the review is ongoing") has none and is not penalised.
    """
    prev = ""
    for tok in raw_tokens(text):
        if (tok.endswith("ed") and len(tok) > 4 and tok not in STATUS_WORDS and tok != "used"
                and prev not in ("the", "a", "an")):
            return concept(tok)[0]
        prev = tok
    return None


class CompiledTopic:
    """A topic's gate, claim variants and inverted index (built once per Matcher)."""

    def __init__(self, topic: TopicState, idf: dict[str, float], foreign: frozenset[str]) -> None:
        self.topic = topic
        self.gate = Gate(topic.keywords, topic.exclude)
        self.claims: tuple[ClaimState, ...] = topic.claims
        self.foreign = foreign
        keyword_concepts = {c for group in topic.keywords for k in group for c in concepts(k)}
        other_entities = foreign
        variants: list[Variant] = []
        for ci, claim in enumerate(topic.claims):
            actors = entity_concepts(" ".join((claim.statement, *claim.aliases))) - other_entities
            for text in (claim.statement, *claim.aliases):
                terms = claim_terms(text)
                verb = main_verb(text)
                if not terms:
                    continue
                weights = []
                for t in terms:
                    w = idf.get(t, 1.0)
                    if t in keyword_concepts:
                        w *= 0.5  # every article that passes the gate has these
                    if t in _LIGHT or is_number(t):
                        w *= 0.5
                    weights.append(w)
                ranked = sorted(weights)
                median = ranked[len(ranked) // 2]
                dmask = sum(1 << i for i, w in enumerate(weights) if w >= median and w > min(ranked))
                amask = sum(1 << i for i, t in enumerate(terms) if t in actors and t not in keyword_concepts)
                vmask = sum(1 << i for i, t in enumerate(terms) if t == verb)
                omask = sum(1 << i for i, t in enumerate(terms) if t in actors)
                variants.append(Variant(ci, text, terms, tuple(weights), sum(weights), dmask, amask, vmask,
                                        omask))
        self.variants = tuple(variants)
        postings: dict[str, list[tuple[int, int, float]]] = {}
        for vi, v in enumerate(variants):
            for bit, (t, w) in enumerate(zip(v.terms, v.weights, strict=True)):
                postings.setdefault(t, []).append((vi, 1 << bit, w))
        self.postings = {k: tuple(p) for k, p in postings.items()}

    def score_sentences(self, sentence_concepts: Sequence[frozenset[str]],
                        floor: float = 0.0) -> list[WindowScore | None]:
        """Best window per claim (None for a claim none of whose terms occur).

        One pass through the inverted index collects, per claim variant, the sentences that hit
        it (mask of terms, summed weight). A variant whose best possible raw score (all its hits
        in the entry, no penalties) is below `floor` is only estimated from its best sentence:
        it cannot decide anything, and skipping its windows keeps the cost linear and small.
        """
        hits: dict[int, list[tuple[int, int, float]]] = {}
        foreign_in: list[bool] = []
        postings = self.postings
        foreign = self.foreign
        for si, concept_set in enumerate(sentence_concepts):
            local: dict[int, list[float]] = {}
            for c in concept_set:
                for vi, bit, wt in postings.get(c, ()):
                    acc = local.get(vi)
                    if acc is None:
                        local[vi] = [bit, wt]
                    else:
                        acc[0] = int(acc[0]) | bit
                        acc[1] += wt
            for vi, (mask, wt) in local.items():
                hits.setdefault(vi, []).append((si, int(mask), wt))
            foreign_in.append(not foreign.isdisjoint(concept_set))
        best: list[WindowScore | None] = [None] * len(self.claims)
        for vi, rows in hits.items():
            v = self.variants[vi]
            norm = v.total ** SIZE_EXPONENT if v.total else 1.0
            union = 0
            for _, mask, _ in rows:
                union |= mask
            top: WindowScore | None = best[v.claim_index]
            if 100.0 * _mask_weight(v, union) / norm < floor:
                si, mask, wt = max(rows, key=lambda r: r[2])
                cand = WindowScore(100.0 * wt / norm, si, 1, wt / v.total if v.total else 0.0,
                                   mask.bit_count(), (mask & v.distinctive_mask).bit_count(),
                                   1.0, 1.0, 1.0, vi)
                if top is None or cand.score > top.score:
                    best[v.claim_index] = cand
                continue
            by_si = {r[0]: r for r in rows}
            seeds = sorted(rows, key=lambda r: -r[2])[:TOP_SENTENCES] if len(rows) > TOP_SENTENCES else rows
            pairs: set[int] = set()
            for si, mask, wt in seeds:
                cand = self._window(v, vi, si, 1, mask, wt, foreign_in[si] and not mask & v.own_mask)
                if top is None or cand.score > top.score:
                    top = cand
                if si - 1 in by_si:
                    pairs.add(si - 1)
                if si + 1 in by_si:
                    pairs.add(si)
            for first in sorted(pairs):
                _, m1, w1 = by_si[first]
                _, m2, w2 = by_si[first + 1]
                if (m1 | m2) in (m1, m2):
                    continue  # one sentence already has every term the pair has
                both = m1 & m2
                shared = _mask_weight(v, both) if both else 0.0
                # the act belongs to whoever is named in the sentence that carries it
                acts1 = bool(m1 & v.verb_mask or not v.verb_mask)
                acts2 = bool(m2 & v.verb_mask or not v.verb_mask)
                f1 = foreign_in[first] and not m1 & v.own_mask and acts1
                f2 = foreign_in[first + 1] and not m2 & v.own_mask and acts2
                cand = self._window(v, vi, first, 2, m1 | m2, w1 + w2 - shared, f1 or f2, PAIR_FACTOR)
                if top is None or cand.score > top.score:
                    top = cand
            best[v.claim_index] = top
        return best

    @staticmethod
    def _window(v: Variant, vi: int, start: int, size: int, mask: int, hit: float, foreign: bool,
                factor: float = 1.0) -> WindowScore:
        coverage = hit / v.total if v.total else 0.0
        distinctive = (mask & v.distinctive_mask).bit_count()
        actor = FOREIGN_ACTOR_FACTOR if foreign else 1.0
        anchor = NO_ANCHOR_FACTOR if v.actor_mask and not (mask & v.actor_mask) else 1.0
        verb = NO_VERB_FACTOR if v.verb_mask and not (mask & v.verb_mask) else 1.0
        score = 100.0 * (hit / v.total ** SIZE_EXPONENT if v.total else 0.0) * actor * anchor * verb * factor
        if distinctive < MIN_DISTINCTIVE:
            score *= FEW_DISTINCTIVE_FACTOR
        return WindowScore(score, start, size, coverage, mask.bit_count(), distinctive,
                           actor, anchor, verb, vi)


def _mask_weight(v: Variant, mask: int) -> float:
    total = 0.0
    while mask:
        low = mask & -mask
        total += v.weights[low.bit_length() - 1]
        mask ^= low
    return total


def claim_idf(topics: Iterable[TopicState]) -> dict[str, float]:
    """IDF of every concept over all claims (statement + aliases as one document per claim)."""
    docs = [set(claim_terms(" ".join((c.statement, *c.aliases)))) for t in topics for c in t.claims]
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


def foreign_actors(topics: Sequence[TopicState]) -> list[frozenset[str]]:
    """Per topic: organisations other topics (or the generic list) name and this one never does."""
    entities = [topic_entities(t) for t in topics]
    vocab = [
        entities[i] | {c for claim in t.claims for c in concepts(" ".join((claim.statement, *claim.aliases)))}
        for i, t in enumerate(topics)
    ]
    out = []
    for i in range(len(topics)):
        others: set[str] = set(_GENERIC_ORGS)
        for j, e in enumerate(entities):
            if j != i:
                others |= e - entities[i]
        # context words shared with other topics (places, peoples) are not actors
        out.append(frozenset(c for c in others - vocab[i] if not is_number(c)))
    return out


class FuzzyVocabulary:
    """Map an unknown long word onto the claims' vocabulary with rapidfuzz (cached).

    Catches misspellings and spelling variants the stemmer misses ("surveilance"). Only words
    of 7+ characters at ratio >= 90 are mapped, so short words never collide.
    """

    def __init__(self, vocabulary: Iterable[str], max_cache: int = 50_000) -> None:
        self.words = sorted({w for w in vocabulary if len(w) >= FUZZY_MIN_LEN and not is_number(w)})
        self.known = frozenset(vocabulary)
        self._cache: dict[str, str | None] = {}
        self._max = max_cache

    def lookup(self, word: str) -> str | None:
        if word in self.known:
            return word
        if len(word) < FUZZY_MIN_LEN or not self.words or is_number(word):
            return None
        try:
            return self._cache[word]
        except KeyError:
            pass
        found = process.extractOne(word, self.words, scorer=fuzz.ratio, score_cutoff=FUZZY_CUTOFF)
        result = found[0] if found else None
        if len(self._cache) >= self._max:
            self._cache = {}
        self._cache[word] = result
        return result


def sentence_concepts(sentences: Sequence[str], vocab: FuzzyVocabulary) -> list[frozenset[str]]:
    """Each sentence's concept set, unknown long words mapped onto the vocabulary when close."""
    out = []
    for s in sentences:
        cs = set()
        for c in concepts(s):
            mapped = vocab.lookup(c)
            cs.add(mapped if mapped is not None else c)
        out.append(frozenset(cs))
    return out


__all__ = ["CompiledTopic", "FuzzyVocabulary", "Variant", "WindowScore", "claim_idf", "fold"]
