"""One story, one mode: every system's predictions scored in the same run."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from bench.matchbench import predict
from bench.matchbench.corpus import Story
from bench.matchbench.metrics import Scores, score
from bench.matchbench.modes import Mode
from bot.match import Thresholds

SYSTEMS = ("dossier", "naive", "minilm")


@dataclass
class SystemResult:
    name: str
    scores: Scores | None = None
    skipped: str | None = None
    ms_per_article: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        if self.scores is None:
            return {"skipped": self.skipped}
        return {**self.scores.as_dict(), "ms_per_article": round(self.ms_per_article, 2)}


@dataclass
class ModeResult:
    story: str
    mode: Mode
    articles: int
    systems: dict[str, SystemResult] = field(default_factory=dict)

    def ratio(self, baseline: str, measure: str = "claim") -> float | None:
        ours, other = self.systems["dossier"].scores, self.systems.get(baseline)
        base = other.scores if other is not None else None  # a baseline left out (--systems)
        if ours is None or base is None:
            return None
        a, b = getattr(ours, measure).f1, getattr(base, measure).f1
        return a / b if b else None

    def as_dict(self) -> dict[str, Any]:
        ratios = {f"{m}_f1_vs_{b}": (round(r, 2) if (r := self.ratio(b, m)) is not None else None)
                  for b in SYSTEMS[1:] for m in ("topic", "claim")}
        return {"label": self.mode.label, "articles": self.articles,
                "systems": {k: v.as_dict() for k, v in self.systems.items()}, "ratios": ratios}


def predictors(story: Story, thresholds: Thresholds) -> dict[str, predict.Predictor | str]:
    """Each system's predictor, or the reason it cannot run here."""
    out: dict[str, predict.Predictor | str] = {
        "dossier": predict.dossier(story, thresholds), "naive": predict.naive(story),
    }
    try:
        out["minilm"] = predict.minilm(story)
    except predict.Unavailable as exc:
        out["minilm"] = str(exc)
    return out


def measure(story: Story, mode: Mode, systems: dict[str, predict.Predictor | str]) -> ModeResult:
    entries = mode.entries(story)
    result = ModeResult(story.name, mode, len(entries))
    for name, system in systems.items():
        if isinstance(system, str):
            result.systems[name] = SystemResult(name, skipped=system)
            continue
        t0 = time.perf_counter()
        preds = [system(e) for e in entries]
        elapsed = time.perf_counter() - t0
        result.systems[name] = SystemResult(
            name, score(story.records, preds, story.main_topic, with_changes=name == "dossier"),
            ms_per_article=1000 * elapsed / max(1, len(entries)),
        )
    return result
