"""Matching: keyword gate -> sentence-window claim scoring -> ClaimMatch -> Change (pure, CPU only).

Public API: `Thresholds`, `Matcher(topics, thresholds).match(entry) -> list[TopicResult]`,
`detect_changes(topic, entry, result, thresholds) -> list[Change]`, and
`bot.match.figures.extract_figures(text)` for a claim's initial figures.
"""

from bot.match.changes import detect_changes
from bot.match.figures import extract_figures
from bot.match.gate import GateResult
from bot.match.matcher import Matcher, TopicResult
from bot.match.thresholds import Thresholds

__all__ = ["GateResult", "Matcher", "Thresholds", "TopicResult", "detect_changes", "extract_figures"]
