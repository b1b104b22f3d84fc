"""The printed table (one block per story) and the JSON document for docs."""

from __future__ import annotations

from collections.abc import Callable

from bench.matchbench.learning import NOT_AVAILABLE, LearningResult
from bench.matchbench.metrics import Counts
from bench.matchbench.quality import SYSTEMS, ModeResult
from bench.matchbench.replay import ReplayResult

Out = Callable[[str], None]


def _counts(c: Counts) -> str:
    return f"{c.f1:.2f} ({c.p:.2f}/{c.r:.2f})"


def _ratio(value: float | None) -> str:
    return f"x{value:.2f}" if value is not None else "–"


def mode_table(results: list[ModeResult], out: Out = print) -> None:
    """Rows: mode x system; columns: topic F1 (P/R), claim F1 (P/R), distinct changes."""
    out(f"  {'mode':<26} {'system':<8} {'topic F1 (P/R)':<17} {'claim F1 (P/R)':<17} "
        f"{'changes found':<14} {'spurious':<9} ms/art")
    for res in results:
        for name in SYSTEMS:
            sys_res = res.systems.get(name)
            if sys_res is None:
                continue
            head = f"  {res.mode.label if name == 'dossier' else '':<26} {name:<8} "
            if sys_res.scores is None:
                out(f"{head}skipped: {sys_res.skipped}")
                continue
            s = sys_res.scores
            changes = f"{s.changes_found} of {s.changes_labelled}" if name == "dossier" else "–"
            spurious = str(s.changes_spurious) if name == "dossier" else "–"
            out(f"{head}{_counts(s.topic):<17} {_counts(s.claim):<17} {changes:<14} {spurious:<9} "
                f"{sys_res.ms_per_article:.1f}")
        if not set(res.systems) & set(SYSTEMS[1:]):  # baselines left out (--systems dossier)
            continue
        out(f"  {'':<26} {'ratio':<8} claim F1 Dossier / naive {_ratio(res.ratio('naive'))}, "
            f"/ MiniLM {_ratio(res.ratio('minilm'))}; topic F1 / naive {_ratio(res.ratio('naive', 'topic'))}")


def misses(results: list[ModeResult], out: Out = print) -> None:
    for res in results:
        s = res.systems["dossier"].scores
        if s is None:
            continue
        out(f"  -- {res.mode.label}: per claim, Dossier (tp/fp/fn)")
        for key, c in sorted(s.per_claim.items()):
            out(f"     {key:<28} F1 {c.f1:.2f}  ({c.tp}/{c.fp}/{c.fn})")
        out(f"  -- {res.mode.label}: what Dossier missed")
        for line in s.misses:
            out(f"     {line}")
        for line in s.missed_changes:
            out(f"     change not found: {line}")
        for line in s.spurious_changes:
            out(f"     change no article carries: {line}")


def _state(status: str, figures: tuple[str, ...]) -> str:
    return f"{status}" + (f", {' / '.join(figures)}" if figures else "")


def replay_block(result: ReplayResult, out: Out = print, *, verbose: bool = False) -> None:
    s = result.summary()
    out(f"  followed as a server follows it ({result.mode}, {s['articles']} articles, "
        f"{s['snapshots']} snapshots, {s['seconds']} s)")
    out(f"    moved claims right: {s['moved_right']} of {s['moved_claims']} "
        f"({s['moved_right_without_admin']} without admin); admin workload: {s['proposals_accepted']} "
        f"proposals accepted ({s['proposals_accepted_not_on_their_article']} on a value their own article "
        f"is not labelled with); wrong proposals (rejected): {s['proposals_rejected']}; "
        f"other proposals left pending: {s['proposals_left_pending']} "
        f"(and {s['questions_left_pending']} questions about uncertain matches)")
    out(f"    claims never moved left alone: {s['unmoved_left_alone']} of {s['unmoved_claims']}; "
        f"false assertions: {len(s['false_assertions'])}")
    for c in result.claims:
        if c.moved or not c.right:
            verdict = ("right" if c.right else "WRONG") + (f" ({c.via})" if c.via else "")
            out(f"      {c.topic + '/' + c.claim:<40} gold {_state(c.gold_status, c.gold_figures):<28} "
                f"final {_state(c.status, c.figures):<28} {verdict}")
    for line in s["false_assertions"]:
        out(f"      false assertion: {line}")
    if verbose:
        for line in result.accepted:
            out(f"      accepted: {line}")
        for line in result.rejected:
            out(f"      rejected: {line}")


def learning_block(result: LearningResult, out: Out = print, *, verbose: bool = False) -> None:
    if not result.available:
        out(f"  {NOT_AVAILABLE}")
        return
    assert result.before is not None and result.after is not None
    out(f"  learning from reviews: first {result.first_half} articles decided by a simulated admin "
        f"({result.accepted} accepted, {result.unrelated} not related); claim F1 on the other "
        f"{result.second_half}: before {_counts(result.before)} -> after {_counts(result.after)} "
        f"({result.seconds:.1f} s)")
    b, a = result.before, result.after
    out(f"    TP/FP/FN before {b.tp}/{b.fp}/{b.fn}, after {a.tp}/{a.fp}/{a.fn}; "
        f"articles changed: {len(result.changed)}")
    for line in result.changed:
        out(f"      {line}")
    if verbose:
        for line in result.decisions:
            out(f"      {line}")
