"""What each system says about one entry: relevant topics, main-topic claims, changes.

Dossier is the real matcher + change detection with the given thresholds. The baselines use
the same topic keyword gate (`bot.match.gate`) and then score each claim statement against
each sentence (title included): naive = rapidfuzz token_set_ratio >= 50, MiniLM + gate =
all-MiniLM-L6-v2 cosine >= 0.55 through the bot's embedding runtime (`bot.match.semantic`,
branch `semantic`). Baselines detect no changes.
"""

from __future__ import annotations

import functools
import importlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from rapidfuzz import fuzz

from bench.matchbench.corpus import Story
from bot.match import Matcher, Thresholds, detect_changes
from bot.match.gate import Gate
from bot.match.matcher import entry_sentences
from bot.match.normalise import fold
from bot.models import ChangeKind, Entry

NAIVE_MIN = 50.0  # token_set_ratio, 0..100
MINILM_MIN = 0.55  # cosine
VALUE_KINDS = (ChangeKind.STATUS_CHANGE.value, ChangeKind.FIGURE_CHANGE.value)


@dataclass(frozen=True)
class SeenChange:
    topic: str
    claim: str
    kind: str
    after: str
    confident: bool


@dataclass
class Prediction:
    relevant: dict[str, bool]  # topic key -> relevant
    claims: set[str]  # main-topic claim keys matched
    changes: list[SeenChange] = field(default_factory=list)  # status / figure changes only


Predictor = Callable[[Entry], Prediction]


class Unavailable(RuntimeError):
    """A system cannot run in this build; the message says why (printed instead of figures)."""


@functools.cache
def _semantic_scorer() -> Any:
    """The bot's semantic scorer as the bot runs it (off with DOSSIER_SEMANTIC=off, or when the
    model cannot load: then Dossier is measured lexical-only, and says so)."""
    from bot.match.semantic import SemanticScorer
    from bot.settings import load_settings

    scorer = SemanticScorer(enabled=load_settings(dotenv=False).semantic)
    return scorer if scorer.available() else None


def dossier(story: Story, thresholds: Thresholds) -> Predictor:
    matcher = Matcher(story.topics, thresholds, semantic=_semantic_scorer())
    by_key = {t.key: t for t in story.topics}

    def predict(entry: Entry) -> Prediction:
        results = matcher.match(entry)
        pred = Prediction({r.topic_key: r.relevant for r in results}, set())
        for r in results:
            if r.topic_key == story.main_topic and r.relevant:
                pred.claims = {m.claim_key for m in r.matches}
            if not r.relevant:
                continue
            for c in detect_changes(by_key[r.topic_key], entry, r, thresholds):
                if c.kind.value in VALUE_KINDS and c.claim_key:
                    pred.changes.append(SeenChange(r.topic_key, c.claim_key, c.kind.value, c.after or "",
                                                   c.confident))
        return pred

    return predict


def _gated(story: Story, score_claims: Callable[[list[str]], set[str]]) -> Predictor:
    """The keyword gate for every topic; main-topic claims scored only when its gate passes."""
    gates = {t.key: Gate(t.keywords, t.exclude) for t in story.topics}

    def predict(entry: Entry) -> Prediction:
        sentences, _ = entry_sentences(entry)
        folded = fold("\n".join(sentences))
        relevant = {key: gate.check(folded).passed for key, gate in gates.items()}
        claims = score_claims(sentences) if relevant[story.main_topic] else set()
        return Prediction(relevant, claims)

    return predict


def naive(story: Story) -> Predictor:
    statements = [(c.key, c.statement) for c in story.topics[0].claims]

    def score(sentences: list[str]) -> set[str]:
        return {key for key, statement in statements
                if any(fuzz.token_set_ratio(statement, s, processor=str.lower) >= NAIVE_MIN
                       for s in sentences)}

    return _gated(story, score)


@functools.cache
def _embedder() -> Callable[[Sequence[str]], Any]:
    """The bot's sentence-embedding function (unit vectors, one row per text), or Unavailable.
    Loaded once per run (both stories share it)."""
    try:
        semantic = importlib.import_module("bot.match.semantic")
    except ImportError as exc:
        raise Unavailable(f"not in this build ({exc.msg})") from None
    embedder = semantic.default_embedder()  # the process's shared model, as the matcher uses it
    try:
        embedder.load()
    except semantic.ModelUnavailableError as exc:
        raise Unavailable(f"model unavailable: {exc}") from None
    return embedder.encode


def minilm(story: Story) -> Predictor:
    import numpy as np

    encode = _embedder()
    claims = story.topics[0].claims
    claim_vecs = np.asarray(encode([c.statement for c in claims]), dtype=np.float32)
    cache: dict[str, Any] = {}  # sentence -> vector: the summary modes reuse the full text's

    def score(sentences: list[str]) -> set[str]:
        todo = [s for s in dict.fromkeys(sentences) if s not in cache]
        if todo:
            cache.update(zip(todo, np.asarray(encode(todo), dtype=np.float32), strict=True))
        vecs = np.stack([cache[s] for s in sentences])
        best = (vecs @ claim_vecs.T).max(axis=0)
        return {c.key for c, s in zip(claims, best, strict=True) if s >= MINILM_MIN}

    return _gated(story, score)
