"""What a semantic scorer stand-in reports per claim (bot.match.semantic.ClaimSimilarity's
shape), shared by the tests that drive the matcher with a table of cosines."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Sim:
    claim_key: str
    cosine: float
    sentence_index: int

    @property
    def score(self) -> float:
        return self.cosine
