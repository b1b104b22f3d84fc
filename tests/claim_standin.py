"""A claim as the semantic scorer reads it (key, wordings, learnt examples), without a topic."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Claim:
    key: str
    statement: str
    aliases: tuple[str, ...] = ()
    examples: tuple[str, ...] = ()
    negatives: tuple[str, ...] = ()
