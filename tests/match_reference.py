"""The pure-Python window scorer Dossier used before `bot.match.windows` (the test oracle).

It walks the inverted index sentence by sentence with bit masks: slow, but written so each
rule reads as a line. `tests/test_match_windows.py` checks the numpy scorer against it; with
`top_sentences` unbounded it scores every window, as `WindowScorer` does.
"""

from __future__ import annotations

from collections.abc import Sequence

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
    Variant,
    WindowScore,
)


def score_sentences(self: CompiledTopic, sentence_concepts: Sequence[frozenset[str]],
                    floor: float = 0.0, top_sentences: int = 3) -> list[WindowScore | None]:
    """Best window per claim (None for a claim none of whose terms occur).

    One pass through the inverted index collects, per claim variant, the sentences that hit
    it (mask of terms, summed weight). Then an upper bound of the variant's best window
    (the heaviest sentence or adjacent pair, with the penalties that hold for the whole
    entry) is compared with `floor`: a variant that cannot reach it is scored on its
    heaviest sentence only (`WindowScore.exact` False, an estimate below the bound); it cannot
    decide anything, and skipping its windows keeps the cost linear and small.
    """
    hits: dict[int, list[tuple[int, int, float]]] = {}
    # per variant, while reading: [union of masks, heaviest window weight, last sentence,
    # its weight, heaviest sentence row]; the bound needs no second pass over the rows
    state: dict[int, list] = {}
    foreign_in: list[bool] = []
    postings = self.postings
    keys = self.posting_keys
    foreign = self.foreign
    for si, concept_set in enumerate(sentence_concepts):
        foreign_in.append(not foreign.isdisjoint(concept_set))
        present = keys.intersection(concept_set)
        if not present:
            continue
        masks: dict[int, int] = {}
        weights: dict[int, float] = {}
        for c in present:
            for vi, bit, wt in postings[c]:
                if vi in masks:
                    masks[vi] |= bit
                    weights[vi] += wt
                else:
                    masks[vi] = bit
                    weights[vi] = wt
        for vi, mask in masks.items():
            wt = weights[vi]
            row = (si, mask, wt)
            st = state.get(vi)
            if st is None:
                hits[vi] = [row]
                state[vi] = [mask, wt, si, wt, row]
                continue
            hits[vi].append(row)
            st[0] |= mask
            pair = wt + st[3] if st[2] == si - 1 else wt
            if pair > st[1]:
                st[1] = pair
            if wt > st[4][2]:
                st[4] = row
            st[2] = si
            st[3] = wt
    best: list[WindowScore | None] = [None] * len(self.claims)
    variants = self.variants
    for vi, rows in hits.items():
        v = variants[vi]
        union, bound, _, _, heaviest = state[vi]
        factor = 100.0 / v.norm
        if (v.verb_mask and not union & v.verb_mask
                and (union & v.distinctive_mask).bit_count() < VERB_WAIVER_DISTINCTIVE):
            factor *= NO_VERB_FACTOR
        if (v.actor_mask and not union & v.actor_mask
                and (union & v.distinctive_mask).bit_count() < ANCHOR_WAIVER_DISTINCTIVE):
            factor *= NO_ANCHOR_FACTOR
        if (union & v.distinctive_mask).bit_count() < MIN_DISTINCTIVE:
            factor *= FEW_DISTINCTIVE_FACTOR
        top: WindowScore | None = best[v.claim_index]
        if bound * factor < floor:
            # the heaviest sentence with the penalties that hold entry-wide: an estimate that
            # stays below the bound, so below `floor`
            si, mask, wt = heaviest
            if top is None or wt * factor > top.score:
                best[v.claim_index] = WindowScore(wt * factor, si, 1, wt / v.total if v.total else 0.0,
                                                  mask.bit_count(), 0, 1.0, 1.0, 1.0, vi, False)
            continue
        by_si = {r[0]: r for r in rows}
        seeds = sorted(rows, key=lambda r: -r[2])[:top_sentences] if len(rows) > top_sentences else rows
        # candidate windows with an upper bound of their score, in the order that breaks ties
        cands: list[tuple[float, int, int, int]] = []
        pairs: set[int] = set()
        for rank, (si, _, wt) in enumerate(seeds):
            cands.append((wt * factor, rank, si, 1))
            if si - 1 in by_si:
                pairs.add(si - 1)
            if si + 1 in by_si:
                pairs.add(si)
        rank = len(cands)
        for first in sorted(pairs):
            m1, w1 = by_si[first][1:]
            m2, w2 = by_si[first + 1][1:]
            if (m1 | m2) in (m1, m2):
                continue  # one sentence already has every term the pair has
            cands.append(((w1 + w2) * factor * PAIR_FACTOR, rank, first, 2))
            rank += 1
        cands.sort(key=lambda c: -c[0])
        top_rank = -1  # the rank of `top` when it is one of this variant's windows
        for ub, rank, first, size in cands:
            if top is not None and ub < top.score - 1e-9:
                break  # neither this window nor any after it can beat `top`
            _, m1, w1 = by_si[first]
            if size == 1:
                cand = _window(v, vi, first, 1, m1, w1, foreign_in[first] and not m1 & v.own_mask)
            else:
                _, m2, w2 = by_si[first + 1]
                both = m1 & m2
                shared = _mask_weight(v, both) if both else 0.0
                # the act belongs to whoever is named in the sentence that carries it
                acts1 = bool(m1 & v.verb_mask or not v.verb_mask)
                acts2 = bool(m2 & v.verb_mask or not v.verb_mask)
                f1 = foreign_in[first] and not m1 & v.own_mask and acts1
                f2 = foreign_in[first + 1] and not m2 & v.own_mask and acts2
                cand = _window(v, vi, first, 2, m1 | m2, w1 + w2 - shared, f1 or f2, PAIR_FACTOR)
            if (top is None or cand.score > top.score
                    or (cand.score == top.score and 0 <= rank < top_rank)):
                top, top_rank = cand, rank
        best[v.claim_index] = top
    return best

def _window(v: Variant, vi: int, start: int, size: int, mask: int, hit: float, foreign: bool,
            factor: float = 1.0) -> WindowScore:
    coverage = hit / v.total if v.total else 0.0
    distinctive = (mask & v.distinctive_mask).bit_count()
    actor = FOREIGN_ACTOR_FACTOR if foreign else 1.0
    anchor = (NO_ANCHOR_FACTOR if v.actor_mask and not (mask & v.actor_mask)
              and distinctive < ANCHOR_WAIVER_DISTINCTIVE else 1.0)
    verb = (NO_VERB_FACTOR if v.verb_mask and not (mask & v.verb_mask)
            and distinctive < VERB_WAIVER_DISTINCTIVE else 1.0)
    score = 100.0 * hit / v.norm * actor * anchor * verb * factor
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


