"""Does the review queue teach the matcher? (issue 12 item 4, "Measure it")

The story, in date order, is cut in two halves. Both runs replay the first half through the
real bot (`follow.Follower`), then the second half, and score claim P/R/F1 on the second
half's articles from the matches stored in the database:
- *before*: nobody decides anything in the first half;
- *after*: a simulated admin decides every claim proposal of the first half through the public
  review service: accept when the article is labelled with the proposal's claim, "not
  related" otherwise (and nothing in the second half).
The learning itself (claim examples from decisions) is branch `semantic`'s; a build without a
claim-example store reports "learning: not available" and skips the runs.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from bench.matchbench.corpus import Story, date_order
from bench.matchbench.follow import AdminPolicy, Follower
from bench.matchbench.metrics import Counts
from bench.matchbench.replay import FEED_KINDS, FeedKind
from bot.pipeline import CONSOLE_SCOPE
from bot.service.review import ProposalView
from storage import outcomes as outcome_store
from storage import topics as topic_store
from storage.db import Database
from storage.guilds import find_article

NOT_AVAILABLE = "learning: not available (this build stores no claim examples from review decisions)"


async def learning_available(db: Database) -> bool:
    """A build that learns from reviews keeps claim examples in a table of their own."""
    rows = await db.fetchall("SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE '%example%'")
    return bool(rows)


@dataclass
class LearningResult:
    story: str
    available: bool
    first_half: int = 0
    second_half: int = 0
    before: Counts | None = None
    after: Counts | None = None
    accepted: int = 0
    unrelated: int = 0
    seconds: float = 0.0
    decisions: list[str] = field(default_factory=list)  # "accept claim (article): evidence"
    # second-half articles whose matched claims differ: "id: +claim (right|wrong) -claim (...)"
    changed: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        if not self.available:
            return {"available": False, "note": NOT_AVAILABLE}
        assert self.before is not None and self.after is not None
        return {"available": True, "first_half": self.first_half, "second_half": self.second_half,
                "accepted": self.accepted, "unrelated": self.unrelated,
                "claim_before": self.before.as_dict(), "claim_after": self.after.as_dict(),
                "decisions": self.decisions, "changed_articles": self.changed,
                "seconds": round(self.seconds, 1)}


def learning_admin(follower: Follower, labels: dict[str, set[str]]) -> AdminPolicy:
    """Accept a claim proposal when its article is labelled with the claim, else "not related"."""

    def decide(p: ProposalView) -> str | None:
        if p.claim_key is None:
            return None
        record = follower.record_id(p.article_url)
        return "accept" if p.claim_key in labels.get(record or "", set()) else "unrelated"

    return decide


def stored_matches(follower: Follower, story: Story,
                   records: Sequence[dict[str, Any]]) -> dict[str, set[str]]:
    """Each record's matched main-topic claims, as the bot stored them."""

    async def read(db: Database) -> dict[str, set[str]]:
        topic = await topic_store.get_topic(db, CONSOLE_SCOPE, story.main_topic)
        key_of = {cid: key for key, cid in topic.claim_ids.items()}
        out = {}
        for record in records:
            hit = await find_article(db, [follower.server.article_url(record["id"]), record["id"]])
            ids = await outcome_store.matched_claim_ids(db, hit.article_id) if hit else set()
            out[record["id"]] = {key_of[i] for i in ids if i in key_of}
        return out

    return follower.read(read)


def counts_of(matched: dict[str, set[str]], records: Sequence[dict[str, Any]]) -> Counts:
    """Claim P/R/F1 over `records` from each article's matched claims."""
    counts = Counts()
    for record in records:
        counts.add(matched.get(record["id"], set()), set(record["expected"].get("claims") or ()))
    return counts


def changed_articles(before: dict[str, set[str]], after: dict[str, set[str]],
                     records: Sequence[dict[str, Any]]) -> list[str]:
    """The articles whose matches learning changed, each gained (+) or lost (-) claim marked
    right or wrong against the labels: is a rise real or one lucky article?"""
    out = []
    for record in records:
        rid, labels = record["id"], set(record["expected"].get("claims") or ())
        old, new = before.get(rid, set()), after.get(rid, set())
        if old == new:
            continue
        parts = [f"+{c} ({'right' if c in labels else 'wrong'})" for c in sorted(new - old)]
        parts += [f"-{c} ({'wrong' if c in labels else 'right'})" for c in sorted(old - new)]
        out.append(f"{rid}: {' '.join(parts)}")
    return out


async def _probe() -> bool:
    async with await Database.open(":memory:") as db:
        return await learning_available(db)


def simulate(story: Story, kind: FeedKind = FEED_KINDS["full"], *,
             env: dict[str, str] | None = None) -> LearningResult:
    t0 = time.perf_counter()
    ordered = date_order(story.records)
    half = len(ordered) // 2
    first, second = ordered[:half], ordered[half:]
    labels = {r["id"]: set(r["expected"].get("claims") or ()) for r in ordered}
    result = LearningResult(story.name, available=False, first_half=len(first), second_half=len(second))
    if not asyncio.run(_probe()):
        return result
    # the simulated admin answers the bot's questions too: ask them in console mode as well
    env = {"DOSSIER_MATCH_QUESTIONS": "on", **(env or {})}
    with Follower(story, full=kind.full, pages=kind.pages(story) if kind.pages else None, env=env) as before:
        before.play(first)
        before.play(second)
        matched_before = stored_matches(before, story, second)
        result.before = counts_of(matched_before, second)
    with Follower(story, full=kind.full, pages=kind.pages(story) if kind.pages else None, env=env) as after:
        after.play(first, learning_admin(after, labels))
        after.play(second)
        matched_after = stored_matches(after, story, second)
        result.after = counts_of(matched_after, second)
        result.changed = changed_articles(matched_before, matched_after, second)
        result.accepted, result.unrelated = len(after.decisions.accepted), len(after.decisions.unrelated)
        decided = (("accept", after.decisions.accepted), ("unrelated", after.decisions.unrelated))
        result.decisions = [
            f"{verb} {p.claim_key} {p.kind} at {p.score:g} ({after.record_id(p.article_url)}): "
            f"{p.evidence[:160]}"
            for verb, group in decided for p in group
        ]
    result.available = True
    result.seconds = time.perf_counter() - t0
    return result
