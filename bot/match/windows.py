"""Vectorised window scoring: every 1- and 2-sentence window of an entry against every claim variant.

Why: the pure-Python scorer Dossier had (now the test oracle, tests/match_reference.py) walked
the inverted index per sentence, per posting; dict updates and bit operations dominated matching
time. Here the same window scores come from one numpy matrix product over the entry's terms:

    windows x terms         0/1 incidence: the sentences, then the OR of each adjacent pair
  @ terms x (2, variants)   the term's weight, and its packed 0/1 indicators (see `_TERM`...)
  = windows x (2, variants) hit weight, and the packed counts every penalty factor needs

A pair row is the logical OR of its two sentence rows, so its hit weight is the weight of the
union of the two term sets: a term both sentences share counts once, as in the reference.

Every window of every variant hit is scored: no floor, no estimate (`WindowScore.exact` is always
True), and unlike the reference no shortlist of "heaviest sentences" (`TOP_SENTENCES`), so the
best window is found even when the heaviest sentences are penalised. Only the postings of the
entry's own terms are gathered, so the matrices are (entry terms) x (variants hit) and the cost
grows linearly with the number of claims hit. What depends only on the topic (posting arrays,
per-variant constants) is built once in `WindowScorer.__init__`.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from itertools import chain, repeat

import numpy as np
import numpy.typing as npt
from threadpoolctl import threadpool_limits

from bot.match.scorer import (
    ANCHOR_WAIVER_DISTINCTIVE,
    FEW_DISTINCTIVE_FACTOR,
    FOREIGN_ACTOR_FACTOR,
    MIN_DISTINCTIVE,
    NO_ANCHOR_FACTOR,
    NO_VERB_FACTOR,
    PAIR_FACTOR,
    VERB_WAIVER_DISTINCTIVE,
    CompiledTopic,
    WindowScore,
)

# The products here are small (a few dozen windows x a few hundred terms): a second BLAS thread
# saves ~15% on an idle machine, but under load its spinning takes the core the event loop and
# the fetches need (window scoring measured 0.29 -> 1.3 ms). Matching uses one core, by design.
threadpool_limits(limits=1, user_api="blas")

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

# Counts packed side by side in one float64 column (integers are exact below 2**53), so a single
# matrix product yields all of them. Per (term, variant) each field is 0 or 1; summed over a
# window's terms, each field holds that window's count.
_TERM, _DISTINCTIVE, _ANCHOR, _VERB, _OWN = range(5)
#   _TERM         terms of the variant hit (WindowScore.hits)
#   _DISTINCTIVE  distinctive terms hit
#   _ANCHOR       actor terms hit, +1 when the variant has no actor (nothing to miss, no penalty)
#   _VERB         verb terms hit, +1 when the variant has no verb (then every sentence "acts")
#   _OWN          own-actor terms hit (a sentence naming the claim's own actor is not foreign)
_FIELDS = 5
_EXACT_BITS = 52  # float64 mantissa: sums of packed fields stay exact below 2**53

# Penalty code of a window, one bit per penalty: the score factor and the WindowScore fields
# of every code are precomputed (factors multiplied in the order of the reference, tests/match_reference.py).
_FEW, _NO_ANCHOR, _NO_VERB, _FOREIGN, _PAIR = 1, 2, 4, 8, 16
_CODES = np.arange(32)
_ACTOR_OF = np.where(_CODES & _FOREIGN, FOREIGN_ACTOR_FACTOR, 1.0)
_ANCHOR_OF = np.where(_CODES & _NO_ANCHOR, NO_ANCHOR_FACTOR, 1.0)
_VERB_OF = np.where(_CODES & _NO_VERB, NO_VERB_FACTOR, 1.0)
_FACTOR_OF = (_ACTOR_OF * _ANCHOR_OF * _VERB_OF * np.where(_CODES & _PAIR, PAIR_FACTOR, 1.0)
              * np.where(_CODES & _FEW, FEW_DISTINCTIVE_FACTOR, 1.0))


@dataclass(frozen=True, slots=True)
class _Winners:
    """One entry's scored windows; `win` = per claim hit, the column of its best variant."""

    win: IntArray
    variants: IntArray
    best_row: IntArray
    best_score: FloatArray
    hit: FloatArray
    n_hit: IntArray
    distinctive: IntArray
    code: npt.NDArray[np.uint8]
    n_sent: int


class WindowScorer:
    """Built once from a CompiledTopic (bot/match/scorer.py): the postings as flat arrays.

    The postings are stored like a CSR sparse matrix (term -> a slice of (variant, weight,
    packed indicators)) rather than as dense term x variant matrices: dense ones would grow
    with terms x variants, i.e. quadratically with the number of claims, while an entry only
    ever needs the rows of its own terms. Read-only after __init__, so thread-safe.
    """

    def __init__(self, compiled: CompiledTopic) -> None:
        self.n_claims = len(compiled.claims)
        self.foreign = compiled.foreign
        self.keys = compiled.posting_keys
        variants = compiled.variants
        # field width: a window count never exceeds the variant's terms (+1 for the "none" flags)
        self.bits = (max((len(v.terms) for v in variants), default=0) + 1).bit_length()
        if _FIELDS * self.bits > _EXACT_BITS:  # a claim wording of over 1,000 distinct terms
            raise ValueError("claim wording too long for packed window counts")
        # the counts are unpacked as the narrowest integers that hold every field
        self.count_type = np.int32 if _FIELDS * self.bits < 31 else np.int64
        one = [1 << (f * self.bits) for f in range(_FIELDS)]
        terms = sorted(compiled.postings)
        self.term_id: dict[str, int] = {t: i for i, t in enumerate(terms)}
        indptr = [0]
        post_var: list[int] = []
        post_weight: list[float] = []
        post_packed: list[int] = []
        for t in terms:
            for vi, bit, weight in compiled.postings[t]:
                v = variants[vi]
                post_var.append(vi)
                post_weight.append(weight)
                post_packed.append(one[_TERM]
                                   + (one[_DISTINCTIVE] if v.distinctive_mask & bit else 0)
                                   + (one[_ANCHOR] if v.actor_mask & bit else 0)
                                   + (one[_VERB] if v.verb_mask & bit else 0)
                                   + (one[_OWN] if v.own_mask & bit else 0))
            indptr.append(len(post_var))
        self.indptr: IntArray = np.asarray(indptr, dtype=np.int64)
        self.post_var: IntArray = np.asarray(post_var, dtype=np.int64)
        self.post_weight: FloatArray = np.asarray(post_weight, dtype=np.float64)
        self.post_packed: FloatArray = np.asarray(post_packed, dtype=np.float64)
        # per variant: 100 / norm, total, claim, and the packed row of a pseudo-term present in
        # every window, which turns "the variant has no actor / no verb" into a hit of that field
        self.scale: FloatArray = np.array([100.0 / v.norm for v in variants], dtype=np.float64)
        self.total: FloatArray = np.array([v.total for v in variants], dtype=np.float64)
        self.claim_of: IntArray = np.array([v.claim_index for v in variants], dtype=np.int64)
        if np.any(np.diff(self.claim_of) < 0):  # `_claim_winners` and `best` rely on this order
            raise ValueError("variants must be numbered claim by claim")
        self.always: FloatArray = np.array(
            [(0 if v.actor_mask else one[_ANCHOR]) + (0 if v.verb_mask else one[_VERB]) for v in variants],
            dtype=np.float64)

    def _winners(self, sentence_concepts: Sequence[frozenset[str]]) -> _Winners | None:
        """Every window scored; per claim hit, its best variant's best window (as arrays)."""
        incidence = self._incidence(sentence_concepts)
        if incidence is None:
            return None
        x, term_ids, foreign_in = incidence
        n_sent, n_rows = x.shape
        variants, tv = self._term_variant(term_ids)
        n_var = len(variants)

        # windows x (weight | packed counts, variant); row r < n_sent: sentence r, else the pair
        # starting at sentence r - n_sent
        windows = np.concatenate((x, np.maximum(x[:-1], x[1:])))
        product = (windows @ tv.reshape(n_rows, 2 * n_var)).reshape(-1, 2, n_var)
        hit = product[:, 0]
        counts = product[:, 1].astype(self.count_type)
        bits, field = self.bits, (1 << self.bits) - 1
        n_hit = counts & field
        shape = n_hit.shape

        # keep only windows the reference has: a sentence that hits the variant, and a pair that
        # adds a term to each of its sentences (else one sentence already has all the pair has).
        # Only these are scored (about a tenth of the windows x variants matrix on long entries):
        # every one scores > 0 (weights are positive), the others 0.
        valid = np.empty(shape, dtype=bool)
        np.not_equal(n_hit[:n_sent], 0, out=valid[:n_sent])
        np.greater(n_hit[n_sent:], np.maximum(n_hit[: n_sent - 1], n_hit[1:n_sent]), out=valid[n_sent:])
        # flat indices: cell (r, c) of a windows x variants matrix is r * n_var + c; in `product`
        # (windows x 2 x variants) its hit weight is at r * 2 * n_var + c
        flat = valid.ravel().nonzero()[0]
        rows = flat // n_var
        packed = counts.ravel().take(flat)
        distinctive = (packed >> (_DISTINCTIVE * bits)) & field
        no_anchor = (packed & (field << (_ANCHOR * bits))) == 0
        verb_hit = (packed & (field << (_VERB * bits))) != 0
        code = (distinctive < MIN_DISTINCTIVE).view(np.uint8) * np.uint8(_FEW)
        code |= (no_anchor & (distinctive < ANCHOR_WAIVER_DISTINCTIVE)).view(np.uint8) * np.uint8(_NO_ANCHOR)
        # a window with VERB_WAIVER_DISTINCTIVE distinctive terms names the act otherwise
        code |= (~verb_hit & (distinctive < VERB_WAIVER_DISTINCTIVE)).view(np.uint8) * np.uint8(_NO_VERB)
        code |= (rows >= n_sent).view(np.uint8) * np.uint8(_PAIR)
        if foreign_in.any():
            # foreign actor: a sentence naming another organisation and none of the variant's own
            # actors; in a pair only such a sentence that carries the act (hits the verb, or the
            # variant has none) counts: the act belongs to whoever is named where it is told
            sent = counts[:n_sent]
            foreign_sent = foreign_in[:, None] & ~((sent & (field << (_OWN * bits))) != 0)
            acting = foreign_sent & ((sent & (field << (_VERB * bits))) != 0)
            foreign = np.concatenate((foreign_sent, acting[:-1] | acting[1:]))
            code |= foreign.ravel().take(flat).view(np.uint8) * np.uint8(_FOREIGN)
        valid_scores = product.ravel().take(flat + rows * n_var)
        valid_scores *= self.scale.take(variants).take(flat - rows * n_var)
        valid_scores *= _FACTOR_OF.take(code)
        scores = np.zeros(shape)
        scores.ravel()[flat] = valid_scores
        # the fields `_objects` reads at each winning (valid) window
        window_code = np.zeros(shape, dtype=np.uint8)
        window_code.ravel()[flat] = code
        window_distinctive = np.zeros(shape, dtype=distinctive.dtype)
        window_distinctive.ravel()[flat] = distinctive

        # best window per variant: argmax keeps the first maximum, and rows are ordered sentences
        # first, then pairs, each by start: ties go to the single sentence, then the earliest
        cols = np.arange(n_var)
        best_row = scores.argmax(axis=0)
        best_score = scores[best_row, cols]
        win = self._claim_winners(variants, best_row, best_score)
        return _Winners(win, variants, best_row, best_score, hit, n_hit, window_distinctive, window_code,
                        n_sent)

    def best(self, sentence_concepts: Sequence[frozenset[str]]) -> list[WindowScore | None]:
        """Best window per claim (index = claim index), None for a claim none of whose terms occur.

        Best = highest score over the claim's variants and all single sentences and adjacent
        pairs (always exact). On an exact tie: the single sentence, then the earliest window,
        then the earliest variant.
        """
        out: list[WindowScore | None] = [None] * self.n_claims
        w = self._winners(sentence_concepts)
        if w is None:
            return out
        claims = self.claim_of[w.variants[w.win]].tolist()
        for ci, obj in zip(claims, self._objects(w, w.win), strict=True):
            out[ci] = obj
        return out

    def best_of(self, sentence_concepts: Sequence[frozenset[str]], floor: float,
                keep: int) -> list[tuple[int, WindowScore]]:
        """(claim index, best window) for the claims scoring >= `floor`, and the best `keep`
        others: what a caller reports. The other claims cost no Python object at all."""
        w = self._winners(sentence_concepts)
        if w is None:
            return []
        score = w.best_score[w.win]
        order = (-score).argsort(kind="stable")
        n = keep + int(np.count_nonzero(score >= floor))
        chosen = w.win[order[:n]]
        claims = self.claim_of[w.variants[chosen]].tolist()
        return list(zip(claims, self._objects(w, chosen), strict=True))

    def _objects(self, w: _Winners, win: IntArray) -> Iterator[WindowScore]:
        row = w.best_row[win]
        pair = row >= w.n_sent
        win_code = w.code[row, win]
        vis = w.variants[win]
        return map(
            WindowScore, w.best_score[win].tolist(), (row - pair * w.n_sent).tolist(), (pair + 1).tolist(),
            (w.hit[row, win] / self.total[vis]).tolist(), w.n_hit[row, win].tolist(),
            w.distinctive[row, win].tolist(), _ACTOR_OF[win_code].tolist(), _ANCHOR_OF[win_code].tolist(),
            _VERB_OF[win_code].tolist(), vis.tolist(), repeat(True),
        )

    def _claim_winners(self, variants: IntArray, best_row: IntArray, best_score: FloatArray) -> IntArray:
        """Column (variant hit) of each claim's best variant; claims in order, one column each.

        Variants are numbered claim by claim, so `variants` (sorted) is grouped by claim: when no
        claim has two wordings hit, every column wins. Otherwise: sort by claim, score (desc),
        window row, variant, and take the first of each claim.
        """
        claims = self.claim_of[variants]
        same = claims[1:] == claims[:-1]
        if not same.any():
            return np.arange(len(variants))
        order = np.lexsort((np.arange(len(variants)), best_row, -best_score, claims))
        first = np.ones(len(order), dtype=bool)
        first[1:] = claims[order[1:]] != claims[order[:-1]]
        return order[first]

    def _incidence(self, sentence_concepts: Sequence[frozenset[str]]
                   ) -> tuple[FloatArray, IntArray, BoolArray] | None:
        """(sentences x (entry terms + pseudo-term) 0/1 matrix, global term ids, foreign flags).

        None when no sentence contains a claim term. The only per-sentence Python work: one set
        intersection with the vocabulary, one id lookup per term found, one foreign-actor test.
        """
        foreign = self.foreign
        present = list(map(self.keys.intersection, sentence_concepts))
        per_sentence = list(map(len, present))
        n_found = sum(per_sentence)
        if not n_found:
            return None
        gids = np.fromiter(map(self.term_id.__getitem__, chain.from_iterable(present)), np.int64, n_found)
        term_ids, cols = _renumber(gids, len(self.term_id))
        rows = np.arange(len(present)).repeat(per_sentence)  # methods: no fromnumeric wrapper
        x = np.zeros((len(present), len(term_ids) + 1), dtype=np.float64)
        x[rows, cols] = 1.0
        x[:, -1] = 1.0  # the pseudo-term (see `always`): in every sentence, so in every window
        disjoint = np.fromiter(map(foreign.isdisjoint, sentence_concepts), bool, len(present))
        return x, term_ids, ~disjoint

    def _term_variant(self, term_ids: IntArray) -> tuple[IntArray, FloatArray]:
        """(variants hit, (entry terms + pseudo-term) x (weight | packed, variant hit) matrix).

        Gathers the CSR slices of the entry's terms without a Python loop.
        """
        starts = self.indptr[term_ids]
        lengths = self.indptr[term_ids + 1] - starts
        n_terms = len(term_ids)
        post_row = np.arange(n_terms).repeat(lengths)
        # positions of the postings: each term's slice start, then 0, 1, 2... within the slice
        pos = np.arange(post_row.size) + (starts - (lengths.cumsum() - lengths)).repeat(lengths)
        variants, col = _renumber(self.post_var[pos], len(self.claim_of))
        n_var = len(variants)
        tv = np.zeros((n_terms + 1, 2, n_var), dtype=np.float64)
        flat = tv.reshape(-1)  # a view: flat indices are much cheaper than 3-d fancy indexing
        at = post_row * (2 * n_var) + col
        flat[at] = self.post_weight[pos]
        flat[at + n_var] = self.post_packed[pos]
        tv[n_terms, 1] = self.always[variants]
        return variants, tv


def _renumber(ids: IntArray, size: int) -> tuple[IntArray, IntArray]:
    """(sorted distinct ids, each id's index among them): `np.unique(ids, return_inverse=True)`.

    Ids are below `size`, so a mark array replaces the sort: O(size + len(ids)), and cheaper than
    np.unique at these sizes (`size` is the topic's vocabulary or variant count).
    """
    seen = np.zeros(size, dtype=bool)
    seen[ids] = True
    index = seen.cumsum() - 1
    return seen.nonzero()[0], index[ids]


__all__ = ["WindowScorer"]
