"""What review decisions teach about where a claim's match bar lies (issue 12 item 4).

Every accept / "not related" on a claim is a label at a score: "an article scoring 46 for this
claim was not about it", "one scoring 33 was". Learnt sentences alone did not move claim F1
(docs/decisions.md): a news sentence is close to the whole story. What the labels do carry is
*calibration*: some claims are worded so that unrelated articles of the story reach the bar
(their vocabulary is the story's), others so that their mentions stay just below it.

So each claim gets its own match bar: the topic's `low` moved by an offset fitted to the
claim's labels. The model is the smallest that says this: P(about the claim | score s) =
sigmoid((s - bar) / SLOPE), with a Gaussian prior on the bar centred on `low` (PRIOR_SD) and
the bar kept within `low` +- CAP; the bar is the maximum a posteriori, found on a 0.1-point grid.
Fewer than MIN_LABELS labels leave the bar at `low`, and no labels at all leave matching exactly
as it was. Labels are the scores the matcher gave when the bot asked, read against the bar.

`questions` is the other half: the bot asks about the matches it is least sure of, those within
ASK_WITHIN points of the claim's bar, at most ASK_PER_ARTICLE per article and topic, and only
for claims asked about fewer than ASK_UNTIL times, answered or not (a bar has what it needs by
then, and a backlog cannot flood the queue). The
answers are decisions in the same review queue; each one is a label.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.models import ArticleRef, Change, ChangeKind, ClaimMatch, Entry, TopicState

if TYPE_CHECKING:  # the matcher imports claim_bar from here
    from bot.match.matcher import TopicResult

SLOPE = 5.0  # points: how fast "about the claim" becomes likely around the bar
PRIOR_SD = 5.0  # points: how strongly the bar stays at the topic's `low`
CAP = 10.0  # points: the furthest a bar moves from `low`
MIN_LABELS = 2  # decisions on a claim before its bar moves
GRID = 0.1  # points

ASK_WITHIN = 15.0  # points from the claim's bar: the matches the bot is unsure of
ASK_PER_ARTICLE = 3  # questions per article and topic, the closest to the bar first
ASK_UNTIL = 10  # a claim asked about this often (answered or not) is not asked again

Label = tuple[float, bool]  # (score when decided, about the claim)


@functools.lru_cache(maxsize=4096)
def _fit(labels: tuple[Label, ...], low: float) -> float:
    if len(labels) < MIN_LABELS:
        return low
    steps = round(CAP / GRID)
    best, best_value = low, -math.inf
    for k in range(-steps, steps + 1):
        bar = low + k * GRID
        value = -((bar - low) ** 2) / (2 * PRIOR_SD**2)
        for score, about in labels:
            z = (score - bar) / SLOPE
            # log sigmoid(z) for "about", log sigmoid(-z) otherwise, computed stably
            t = z if about else -z
            value -= math.log1p(math.exp(-t)) if t > 0 else -t + math.log1p(math.exp(t))
        # of equally likely bars, the one nearest `low`
        tie = abs(value - best_value) <= 1e-9
        if value > best_value + 1e-9 or (tie and abs(bar - low) < abs(best - low)):
            best, best_value = bar, value
    return low + round(best - low, 1)  # the offset is rounded, so an unmoved bar is exactly `low`


def claim_bar(labels: Iterable[Label], low: float) -> float:
    """The score a claim needs to match, given its decided labels and the topic's `low`."""
    return _fit(tuple(sorted((round(float(s), 2), bool(y)) for s, y in labels)), float(low))


@dataclass(frozen=True, slots=True)
class Question:
    """A match the bot is unsure of, to put in the review queue: is this article about the claim?"""

    claim_key: str
    score: float
    bar: float
    evidence: str


def questions(scores: Sequence[ClaimMatch], bars: dict[str, float], decided: dict[str, int],
              *, skip: frozenset[str] = frozenset()) -> list[Question]:
    """The claims of one (article, topic) worth asking about: score within ASK_WITHIN of the
    claim's bar, fewer than ASK_UNTIL decisions, with evidence, not in `skip` (claims a change
    proposal of the same article already asks about); the closest to the bar first."""
    found = []
    for m in scores:
        key, score, evidence = m.claim_key, float(m.score), m.evidence or ""
        bar = bars.get(key)
        if bar is None or key in skip or not evidence.strip() or score <= 0:
            continue
        if abs(score - bar) < ASK_WITHIN and decided.get(key, 0) < ASK_UNTIL:
            found.append(Question(key, score, bar, evidence))
    found.sort(key=lambda q: (abs(q.score - q.bar), q.claim_key))
    return found[:ASK_PER_ARTICLE]


def match_checks(topic: TopicState, entry: Entry, result: TopicResult, low: float,
                 proposed: Iterable[Change] = (), *, asked: dict[str, int] | None = None) -> list[Change]:
    """The questions one relevant article raises for one topic, as review proposals (kind
    MATCH_CHECK, never confident). `proposed`: the article's changes, whose claims are already
    in the queue through them. `asked`: questions per claim so far, answered or not (default:
    each claim's `asked`): a claim asked about ASK_UNTIL times is not asked again, so a backlog
    of new feeds cannot flood the queue. Bars come from the claims' labels, as the matcher's do."""
    bars = {c.key: claim_bar(c.labels, low) for c in topic.claims}
    asked = asked if asked is not None else {c.key: c.asked for c in topic.claims}
    decided = {c.key: max(len(c.labels), asked.get(c.key, 0)) for c in topic.claims}
    skip = frozenset(c.claim_key for c in proposed if c.claim_key)
    claims = {c.key: c for c in topic.claims}
    article = ArticleRef(entry.url, entry.title, entry.source, entry.published)
    return [
        Change(kind=ChangeKind.MATCH_CHECK, topic_key=topic.key, topic_title=topic.title,
               claim_key=q.claim_key, claim_statement=claims[q.claim_key].statement, article=article,
               score=round(q.score, 2), evidence=q.evidence, before=None, after=None, confident=False)
        for q in questions(result.scores, bars, decided, skip=skip)
    ]
