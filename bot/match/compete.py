"""A sentence that states one claim in that claim's own words is not semantic evidence for another.

Why: the claims of one topic share actors and vocabulary, so in a sentence-embedding model they
lie close together. A sentence that says claim A in A's own words ("Delta cancelled more than
5,000 flights after the outage") is close to A, and therefore also fairly close to every
neighbour of A ("the outage will cost Delta heavily"): its cosine to B measures how near B is
to A, not whether the sentence says B. When the sentence is, by its words alone, a confident
match for A (A's lexical points on that one sentence reach the `high` threshold) and B's own
words name it at most half as well (1 / EXPLAINED_RATIO, the ratio `_explained_elsewhere` uses
for whole matches), B's semantic evidence is read from its next-best candidate sentence instead.
B keeps its lexical evidence, and its cosine to any sentence A does not own; only the one
borrowed reading is dropped. `why` names the claim that owns the sentence (`cosine_owned_by`).

Measured on both dev stories (docs/decisions.md, "Claim precision"): the rule removes false
matches on claims that share actors with a strongly stated neighbour, and its two constants
are read from existing ones (the `high` threshold; the explained-by ratio) inside a plateau.

Cost: one single-sentence lexical scoring (`WindowScorer.best`) per distinct semantic sentence
of the claims that could match (at most the few candidate sentences), so it grows linearly
with the claims, never with their pairs. It runs only with the semantic side on.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Owned:
    """Claim `claim` read its cosine on `sentence`, which claim `owner` states in its own words."""

    claim: int  # claim index in the topic
    owner: int  # claim index of the claim whose words state the sentence
    sentence: int  # the candidate's position among the semantic side's candidates
    fallback: float  # the claim's best cosine on the other candidates (capped at the original)
    fallback_sentence: int  # its position among the candidates, -1 when there is none


def owned_readings(points: Mapping[int, Sequence[float]], readings: Sequence[tuple[int, int, float,
                   Sequence[float]]], high: float, ratio: float) -> list[Owned]:
    """The semantic readings another claim owns.

    `points[s]`: each claim's lexical points on candidate sentence s alone (index = claim).
    `readings`: per claim that could match, (claim index, its semantic sentence s, its cosine,
    its cosine to every candidate). A reading is owned when some other claim A has
    points[s][A] >= high and points[s][claim] <= points[s][A] / ratio.
    """
    owned = []
    for claim, s, cosine, cosines in readings:
        row = points.get(s)
        if row is None or not cosines:
            continue
        owner, best = -1, -1.0
        for a, p in enumerate(row):  # the strongest other claim on this sentence
            if a != claim and p > best:
                owner, best = a, p
        if owner < 0 or best < high or row[claim] > best / ratio:
            continue
        others = [(c, i) for i, c in enumerate(cosines) if i != s]
        fallback, at = max(others, default=(0.0, -1))
        owned.append(Owned(claim, owner, s, min(fallback, cosine), at))
    return owned


__all__ = ["Owned", "owned_readings"]
