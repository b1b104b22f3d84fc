"""Turn a detected change into the claim's next state (pure; storage records the revision)."""

from __future__ import annotations

import contextlib
from dataclasses import replace

from bot.models import Change, ChangeKind, ClaimState, Proposed, Status


def apply_change(claim: ClaimState, change: Change) -> ClaimState:
    """The claim after accepting `change`: new status or figure, and the article as a source.
    A figure replaced joins the claim's former figures, as reloading it from its revisions would
    (storage.topics): the next article of the same cycle is read against both."""
    status = claim.status
    figures = list(claim.figures)
    if change.kind is ChangeKind.STATUS_CHANGE and change.after:
        # an unknown status word is kept as evidence, not forced onto the claim
        with contextlib.suppress(ValueError):
            status = Status(change.after)
    elif change.kind is ChangeKind.FIGURE_CHANGE and change.after:
        if change.before and change.before in figures:
            figures[figures.index(change.before)] = change.after
        elif change.after not in figures:
            figures.append(change.after)
    sources = list(claim.sources)
    for outlet in (change.article.source, *change.corroborated_by):
        if outlet and outlet not in sources:
            sources.append(outlet)
    former_figures = tuple(
        f for f in dict.fromkeys((*claim.former_figures, *claim.figures)) if f not in figures)
    # its pending proposals this change outdates are closed (storage.outcomes: superseded)
    proposed = tuple(p for p in claim.proposed if not _outdated(p, change))
    return replace(claim, status=status, figures=tuple(figures), sources=tuple(sources),
                   former_figures=former_figures, proposed=proposed)


def _outdated(p: Proposed, change: Change) -> bool:
    """A pending proposal an applied change outdates: of the status, or of the figure it replaced."""
    if p.kind != change.kind.value or change.kind not in (ChangeKind.STATUS_CHANGE, ChangeKind.FIGURE_CHANGE):
        return False
    return change.kind is ChangeKind.STATUS_CHANGE or p.before == change.before


def describe(change: Change) -> str:
    """A one-line reason for the claim's revision history."""
    what = {
        ChangeKind.STATUS_CHANGE: f"status {change.before} -> {change.after}",
        ChangeKind.FIGURE_CHANGE: f"figure {change.before or '(none)'} -> {change.after}",
        ChangeKind.NEW_SOURCE: f"new source {change.after or change.article.source}",
        ChangeKind.DETAIL_CHANGE: "new detail",
        ChangeKind.MATCH_CHECK: "about the claim (answered)",
    }.get(change.kind, change.kind.value)
    also = f"; also reported by {', '.join(change.corroborated_by)}" if change.corroborated_by else ""
    return f"{what} (score {change.score:.0f}, {change.article.source}{also})"
