"""One claim score from two kinds of evidence: lexical (the claim's own words in one or two
sentences) and semantic (sentence-embedding cosine between a claim wording and a sentence).

Why combine rather than pick: the lexical score is precise but misses paraphrase ("sued" for
"may go to court to seek damages"); the cosine finds paraphrase but also finds sentences that
are merely on the same subject (every sentence of an outage story is close to every claim about
the outage). Each is mapped onto the same 0..100 points, and the score is their weighted mean,
so a claim needs some of both, or a lot of one, to reach the thresholds: one pair of thresholds
(`Thresholds`, 40/60 by default) for every story, the same numbers the lexical-only scorer uses.

The semantic side is optional (`DOSSIER_SEMANTIC=off`, or no model): without it the score is the
lexical one, unchanged, with its own documented pair (also 40/60; docs/decisions.md). Only
entries that passed the topic gate are embedded, and only their candidate sentences: the title
and the few sentences with the most lexical evidence for the topic's claims (`candidates`).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

COS_FLOOR = 0.25  # cosine at or below this is no evidence (topic-level closeness)
COS_FULL = 0.70  # cosine at or above this is full evidence (a paraphrase of the wording)
LEXICAL_WEIGHT = 0.6  # the combined score: this share lexical points, the rest semantic points
CANDIDATES = 3  # body sentences embedded per gated entry (besides the title); 6 -> 3: docs/decisions.md


class Similarity(Protocol):
    """What the semantic scorer reports per claim (bot.match.semantic.ClaimSimilarity)."""

    claim_key: str
    sentence_index: int

    @property
    def score(self) -> float: ...


class SemanticSide(Protocol):
    """The semantic scorer as the matcher sees it (bot.match.semantic.SemanticScorer)."""

    def similarities(self, claims: Iterable[object], sentences: Sequence[str]) -> Sequence[Similarity] | None:
        ...


@dataclass(frozen=True, slots=True)
class Wordings:
    """A claim as the semantic side reads it: its key, statement, and the other wordings
    (aliases, the statement's clauses, and learnt examples when the claim has them)."""

    key: str
    statement: str
    aliases: tuple[str, ...]
    examples: tuple[str, ...] = ()
    negatives: tuple[str, ...] = ()


def semantic_points(cosine: float) -> float:
    """Cosine -> 0..100 points: 0 at COS_FLOOR and below, 100 at COS_FULL and above, linear between."""
    if cosine <= COS_FLOOR:
        return 0.0
    return min(100.0, 100.0 * (cosine - COS_FLOOR) / (COS_FULL - COS_FLOOR))


def combined(lexical: float, cosine: float | None) -> float:
    """The one claim score: the lexical points alone when there is no semantic side, else the
    weighted mean of lexical and semantic points (both 0..100)."""
    if cosine is None:
        return lexical
    return round(LEXICAL_WEIGHT * lexical + (1 - LEXICAL_WEIGHT) * semantic_points(cosine), 2)


def term_evidence(weight: Mapping[str, float], terms: Iterable[str]) -> float:
    """The weight of claim terms a sentence holds: `math.fsum`, exact whatever order the
    sentence's term set iterates in (a plain float sum over a set changes in its last bit with
    the process's hash seed, and with it which of two equal sentences is a candidate)."""
    return math.fsum(weight.get(t, 0.0) for t in terms)


def candidates(evidence: Sequence[float], n_title: int, limit: int = CANDIDATES) -> list[int]:
    """Sentence indices to embed: the title's, then the `limit` body sentences with the most
    lexical evidence (`evidence[i]`: the weight of claim terms sentence i holds), in text order.
    A sentence without any claim term is never a candidate."""
    body = sorted((i for i in range(n_title, len(evidence)) if evidence[i] > 0),
                  key=lambda i: (-evidence[i], i))[:limit]
    return [*range(min(n_title, len(evidence))), *sorted(body)]
