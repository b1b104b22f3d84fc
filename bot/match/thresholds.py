"""The two score thresholds, as Meedan Check uses them: propose between, apply above."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Thresholds:
    """Claim-match score cut-offs on the 0..100 scale of `ClaimMatch.score`.

    `low`: a claim scoring at least this is a match (it appears in `TopicResult.matches`
    and its changes are proposed for review). `high`: a match this strong whose change is
    unambiguous is applied without review. Tuned lightly on the development corpus: the
    score is the weighted share of a claim's distinctive terms found in one or two
    sentences, so ~40 means "the claim's actor and action are both there".
    """

    low: float = 40.0
    high: float = 60.0

    def __post_init__(self) -> None:
        if not 0 <= self.low <= self.high <= 100:
            raise ValueError(f"need 0 <= low <= high <= 100, got low={self.low} high={self.high}")
