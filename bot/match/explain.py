"""What `why` keeps of a match: gate hits and the best claims' scores and features (pure)."""

from __future__ import annotations

from typing import Any

from bot.match.matcher import TopicResult


def explain(result: TopicResult) -> dict[str, Any]:
    """The JSON stored per article and topic. A topic whose gate failed is not scored during
    the cycle (`scored: false`, no scores): `why` scores it on demand from the stored text."""
    gate = result.gate
    detail: dict[str, Any] = {
        "gate": {
            "passed": gate.passed,
            "hits": [list(h) if h else [] for h in gate.hits],
            "excluded_by": gate.excluded_by,
        },
        "relevant": result.relevant,
        "scores": [
            {"claim": s.claim_key, "score": round(s.score, 1), "evidence": s.evidence,
             "features": s.features}
            for s in result.scores
        ],
    }
    if not result.scored:
        detail["scored"] = False
    if result.in_passing:  # gated and matched, but only a passing mention (aboutness.py)
        detail["in_passing"] = True
    return detail
