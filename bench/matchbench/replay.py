"""Followed as a server follows it: does the dossier end right? (issue 12, Done when)

Each story is replayed in date order as one feed (newest 20 items), ~6 new articles per
snapshot, `dossier run --once` after each on the same database (`follow.Follower`). After
each run a simulated admin accepts the status/figure proposals whose new value an article of
that claim is labelled with and rejects the other status/figure proposals (other kinds are
left pending). Gold: the labelled changes applied in the same order, the last one winning.

Read from the database at the end (storage functions) and judged per claim:
- a moved claim is *right* when its status is the gold status and its figures show the gold
  figure and no superseded one; it is right *without admin* when the revisions that set its
  final status and figures were the bot's confident updates, *with admin* otherwise;
- a claim never moved must be *left alone* (status and figures as configured);
- a *false assertion* is a confident update (actor `dossier`) setting a status or figure that no
  article of that claim is labelled with.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from bench.matchbench.corpus import Story, date_order
from bench.matchbench.feed import PageProvider
from bench.matchbench.follow import AdminPolicy, Follower, snapshots
from bench.matchbench.metrics import norm_value, same_figure
from bot.pipeline import CONSOLE_SCOPE
from bot.service.review import ProposalView
from storage import topics as topic_store
from storage.db import Database

DOSSIER_ACTOR = "dossier"
VALUE_KINDS = ("status_change", "figure_change")


@dataclass
class Gold:
    status: str
    figures: tuple[str, ...]  # as configured, or the last labelled figure
    initial_status: str
    initial_figures: tuple[str, ...]
    stale: set[str] = field(default_factory=set)  # figures superseded along the way
    values: set[tuple[str, str]] = field(default_factory=set)  # (kind, normalised value) labelled

    @property
    def moved(self) -> bool:
        return bool(self.values)

    def labelled(self, kind: str, value: str | None) -> bool:
        return any(k == kind and same_figure(v, value) for k, v in self.values)


def gold_states(story: Story, ordered: Sequence[dict[str, Any]]) -> dict[tuple[str, str], Gold]:
    """Every claim's gold end state: labelled changes applied in `ordered` order, last one winning."""
    gold = {(t.key, c.key): Gold(c.status.value, c.figures, c.status.value, c.figures)
            for t in story.topics for c in t.claims}
    for record in ordered:
        for lab in record["expected"].get("changes") or ():
            g = gold[(story.main_topic, lab["claim"])]
            g.values.add((lab["kind"], lab["to"]))
            if lab["kind"] == "status_change":
                g.status = lab["to"]
            else:
                g.stale.update(f for f in g.figures if not same_figure(lab["to"], f))
                g.figures = (lab["to"],)
    for g in gold.values():
        g.stale = {s for s in g.stale if not any(same_figure(f, s) for f in g.figures)}
    return gold


@dataclass
class ClaimOutcome:
    topic: str
    claim: str
    moved: bool
    gold_status: str
    gold_figures: tuple[str, ...]
    status: str
    figures: tuple[str, ...]
    right: bool
    via: str | None  # "confident" | "admin" | None (not changed)
    false_assertions: list[str]


@dataclass
class ReplayResult:
    story: str
    mode: str
    articles: int
    snapshots: int
    claims: list[ClaimOutcome]
    accepted: list[str]  # "topic/claim kind -> value (article id)"
    rejected: list[str]
    left_pending: int  # change proposals the simulated admin left (questions not counted)
    updates: int
    seconds: float
    questions_left: int = 0  # match-check questions left unanswered (the replay's admin answers none)

    @property
    def moved(self) -> list[ClaimOutcome]:
        return [c for c in self.claims if c.moved]

    @property
    def unmoved(self) -> list[ClaimOutcome]:
        return [c for c in self.claims if not c.moved]

    def summary(self) -> dict[str, Any]:
        moved, unmoved = self.moved, self.unmoved
        return {
            "articles": self.articles, "snapshots": self.snapshots, "mode": self.mode,
            "moved_claims": len(moved),
            "moved_right": sum(c.right for c in moved),
            "moved_right_without_admin": sum(c.right and c.via == "confident" for c in moved),
            "proposals_accepted": len(self.accepted), "proposals_rejected": len(self.rejected),
            "proposals_accepted_not_on_their_article": sum(a.endswith("*") for a in self.accepted),
            "accepted": self.accepted, "rejected": self.rejected,
            "proposals_left_pending": self.left_pending, "questions_left_pending": self.questions_left,
            "unmoved_claims": len(unmoved), "unmoved_left_alone": sum(c.right for c in unmoved),
            "false_assertions": [a for c in self.claims for a in c.false_assertions],
            "updates_printed": self.updates, "seconds": round(self.seconds, 1),
            "claims": [{"claim": f"{c.topic}/{c.claim}", "moved": c.moved, "right": c.right, "via": c.via,
                        "gold": [c.gold_status, list(c.gold_figures)], "final": [c.status, list(c.figures)]}
                       for c in self.claims],
        }


def _figures_right(gold: Gold, figures: tuple[str, ...]) -> bool:
    if not any(k == "figure_change" for k, _ in gold.values):
        return {norm_value(f) for f in figures} == {norm_value(f) for f in gold.initial_figures}
    shows_gold = any(same_figure(g, f) for g in gold.figures for f in figures)
    shows_stale = any(same_figure(s, f) and not any(same_figure(g, f) for g in gold.figures)
                      for s in gold.stale for f in figures)
    return shows_gold and not shows_stale


def judge(topic: str, claim: str, gold: Gold, history: Sequence[topic_store.ClaimRevision]) -> ClaimOutcome:
    """One claim's end state against its gold, from its revision history (oldest first)."""
    final = history[-1]
    status_by = figures_by = None
    false: list[str] = []
    for prev, rev in itertools.pairwise(history):
        if rev.status != prev.status:
            status_by = rev.actor
            if rev.actor == DOSSIER_ACTOR and not gold.labelled("status_change", rev.status):
                false.append(f"{topic}/{claim}: status {prev.status} -> {rev.status}")
        if tuple(rev.figures) != tuple(prev.figures):
            figures_by = rev.actor
            for fig in rev.figures:
                if fig not in prev.figures and rev.actor == DOSSIER_ACTOR \
                        and not gold.labelled("figure_change", fig):
                    false.append(f"{topic}/{claim}: figure {fig}")
    right = final.status == gold.status and _figures_right(gold, final.figures)
    if gold.moved:
        setters = [a for a in (status_by, figures_by) if a is not None]
        via = ("admin" if any(a.startswith("admin") for a in setters) else "confident") if setters else None
    else:
        via = None
    return ClaimOutcome(topic, claim, gold.moved, gold.status, gold.figures, final.status,
                        tuple(final.figures), right, via, false)


def admin_policy(gold: dict[tuple[str, str], Gold]) -> AdminPolicy:
    """Accept a status/figure proposal whose new value an article of its claim is labelled
    with; reject the other status/figure proposals; leave other kinds pending."""

    def decide(p: ProposalView) -> str | None:
        if p.kind not in VALUE_KINDS or p.claim_key is None:
            return None
        g = gold.get((p.topic_key, p.claim_key))
        return "accept" if g is not None and g.labelled(p.kind, p.after) else "reject"

    return decide


@dataclass(frozen=True)
class FeedKind:
    """What the replayed feed carries: full content, or a summary (and, for page mode, a page
    behind each link: branch `article` registers it with its PageProvider)."""

    name: str
    label: str
    full: bool
    pages: Callable[[Story], PageProvider] | None = None


def _pages(story: Story) -> PageProvider:
    from bench.pages import page_provider  # issue 11: the news page behind each link

    return page_provider(story)


FEED_KINDS = {k.name: k for k in (FeedKind("full", "full text", full=True),
                                  FeedKind("summary", "title + 300-char summary", full=False),
                                  FeedKind("page", "summary + fetched page", full=False, pages=_pages))}


def replay(story: Story, kind: FeedKind = FEED_KINDS["full"], *,
           env: dict[str, str] | None = None) -> ReplayResult:
    """Follow `story` through `dossier run --once` (`env`: extra settings for the bot, e.g. thresholds)."""
    t0 = time.perf_counter()
    ordered = date_order(story.records)
    gold = gold_states(story, ordered)
    pages = kind.pages(story) if kind.pages else None
    with Follower(story, full=kind.full, pages=pages, env=env) as follower:
        follower.play(ordered, admin_policy(gold))

        async def final_histories(db: Database) -> dict[tuple[str, str], list[topic_store.ClaimRevision]]:
            out = {}
            for record in await topic_store.topics_for_scope(db, CONSOLE_SCOPE):
                for key, claim_id in record.claim_ids.items():
                    out[(record.state.key, key)] = await topic_store.claim_history(db, claim_id)
            return out

        histories = follower.read(final_histories)

        by_id = {r["id"]: r for r in ordered}

        def described(p: ProposalView) -> str:
            """One decided proposal; "*" marks a value labelled on the claim but not on this article
            (accepted by the issue's rule, though the article itself does not carry it)."""
            rid = follower.record_id(p.article_url) or ""
            labels = by_id.get(rid, {}).get("expected", {}).get("changes") or ()
            own = any(lab["claim"] == p.claim_key and lab["kind"] == p.kind
                      and same_figure(lab["to"], p.after) for lab in labels)
            return f"{p.topic_key}/{p.claim_key} {p.kind} -> {p.after} ({rid}){'' if own else ' *'}"

        decisions = follower.decisions
        runs = follower.runs
        updates = sum(u.get("change") != "match_check" for u in follower.updates)  # questions are not updates
    claims = [judge(t, c, gold[(t, c)], histories[(t, c)]) for (t, c) in gold if (t, c) in histories]
    return ReplayResult(story.name, kind.label, len(ordered),
                        runs, claims, [described(p) for p in decisions.accepted],
                        [described(p) for p in decisions.rejected], decisions.left - decisions.questions_left,
                        updates, time.perf_counter() - t0, decisions.questions_left)


__all__ = ["FEED_KINDS", "FeedKind", "Gold", "ReplayResult", "gold_states", "judge", "replay", "snapshots"]
