"""Matching: keyword gate -> sentence-window claim scoring -> ClaimMatch -> Change (pure, CPU only).

Public API: `Thresholds`, `Matcher(topics, thresholds).match(entry) -> list[TopicResult]`,
`detect_changes(topic, entry, result, thresholds) -> list[Change]`, and
`bot.match.figures.extract_figures(text)` for a claim's initial figures.

The names are imported on first use (PEP 562), not with the package: importing any
`bot.match.*` module runs this file first, and the matcher's imports (numpy, wordfreq,
simplemma, rapidfuzz: ~0.4 s of CPU) would otherwise be paid by every start, also by a
`dossier run --once` that matches nothing (docs/decisions.md, "Cycle run time").
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bot.match.changes import detect_changes
    from bot.match.figures import extract_figures
    from bot.match.gate import GateResult
    from bot.match.matcher import Matcher, TopicResult
    from bot.match.thresholds import Thresholds

_HOME = {
    "detect_changes": "bot.match.changes",
    "extract_figures": "bot.match.figures",
    "GateResult": "bot.match.gate",
    "Matcher": "bot.match.matcher",
    "TopicResult": "bot.match.matcher",
    "Thresholds": "bot.match.thresholds",
}

__all__ = ["GateResult", "Matcher", "Thresholds", "TopicResult", "detect_changes", "extract_figures"]


def __getattr__(name: str) -> Any:
    home = _HOME.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(home), name)
    globals()[name] = value  # once: later lookups do not come back here
    return value
