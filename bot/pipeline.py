"""One poll cycle: fetch -> parse -> store -> match -> diff -> render -> outbox.

I/O (HTTP, SQLite) stays here at the edge; the pure steps run in a worker thread
(`asyncio.to_thread`) so a Discord heartbeat is never blocked by parsing or matching.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from bot.apply import apply_change, describe
from bot.cycle_log import recorded
from bot.diff import build_diff
from bot.enrich import ArticleReader, EnrichItem, with_text_source
from bot.fetch.client import Fetcher, FetchResult
from bot.fetch.schedule import next_poll, should_pause
from bot.match import Matcher, Thresholds, TopicResult, detect_changes
from bot.match.semantic import SemanticScorer
from bot.models import ArticleRef, Change, ChangeKind, Entry, TopicState
from bot.parse import ParsedFeed, parse_feed
from bot.render.embed import render_embed
from bot.render.jsonl import change_to_json
from storage import articles as article_store
from storage import feeds as feed_store
from storage import guilds as guild_store
from storage import outcomes as outcome_store
from storage import topics as topic_store
from storage.articles import Seen, StoredArticle
from storage.db import Database, utcnow
from storage.feeds import FeedRow
from storage.outcomes import Post, TopicOutcome

log = logging.getLogger(__name__)

CONSOLE_SCOPE = 0


@dataclass
class CycleReport:
    """What one cycle did, for logs and tests."""

    polled: int = 0
    not_modified: int = 0
    failed: int = 0
    paused: list[str] = field(default_factory=list)
    new_articles: int = 0
    revised_articles: int = 0
    outbox_ids: list[int] = field(default_factory=list)


@dataclass(frozen=True)
class _Scope:
    """The topics of one scope (a guild, or the console) and how to match them."""

    guild_id: int
    records: list[topic_store.TopicRecord]
    matcher: Matcher
    thresholds: Thresholds


@dataclass(frozen=True)
class _Job:
    """One new or revised article to decide on, with everything the pure step needs."""

    stored: StoredArticle
    backlog: bool
    feed_id: int


class Pipeline:
    """`guard=True` puts every feed behind the SSRF guard. Feeds added at run time (by admins)
    are always guarded: only feeds.yaml, the operator's own file, is trusted. The fetcher
    lifts the guard when DOSSIER_ALLOW_PRIVATE_FEEDS is set."""

    def __init__(
        self,
        db: Database,
        fetcher: Fetcher,
        *,
        thresholds: Thresholds,
        guard: bool,
        include_console_scope: bool = True,
        clock: Callable[[], datetime] = utcnow,
        rng: random.Random | None = None,
        semantic: SemanticScorer | None = None,
        articles: ArticleReader | None = None,
    ) -> None:
        self.db = db
        self.semantic = semantic  # sentence embeddings for the matcher; None or off: lexical-only
        self.articles = articles  # reads the page behind short entries (None: never)
        self.fetcher = fetcher
        self.thresholds = thresholds
        self.guard = guard
        self.include_console_scope = include_console_scope
        self.clock = clock
        self.rng = rng or random.Random()
        self._matchers: dict[tuple[tuple[TopicState, ...], Thresholds], Matcher] = {}

    def _thresholds_for(self, override: tuple[float | None, float | None] | None) -> Thresholds:
        if override is None:
            return self.thresholds
        low = override[0] if override[0] is not None else self.thresholds.low
        high = override[1] if override[1] is not None else self.thresholds.high
        try:
            return Thresholds(low=low, high=high)
        except ValueError:
            log.warning("ignoring inconsistent guild thresholds %s", override)
            return self.thresholds

    @recorded  # for `dossier health` and `/admin status`
    async def run_cycle(self, *, force: bool = False) -> CycleReport:
        """Poll every due feed (or every unpaused feed with `force`) and queue the updates."""
        now = self.clock()
        feeds = await feed_store.due_feeds(self.db, None if force else now,
                                           subscribed_only=not self.include_console_scope)
        report = CycleReport()
        if not feeds:
            return report
        results = await asyncio.gather(*(
            self.fetcher.fetch(f.url, etag=f.etag, last_modified=f.last_modified,
                               guard=self.guard or f.origin != "config")
            for f in feeds
        ))
        jobs: list[_Job] = []
        for feed, result in zip(feeds, results, strict=True):
            report.polled += 1
            jobs.extend(await self._handle_fetch(feed, result, now, report))
        if jobs and self.articles is not None:
            entries = await self.articles.enrich(self.db, [
                EnrichItem(j.stored.article_id, j.feed_id, j.stored.entry) for j in jobs])
            jobs = [replace(j, stored=replace(j.stored, entry=e)) for j, e in zip(jobs, entries, strict=True)]
        if jobs:
            report.outbox_ids.extend(await self._decide_and_record(jobs))
        return report

    async def _handle_fetch(
        self, feed: FeedRow, result: FetchResult, now: datetime, report: CycleReport
    ) -> list[_Job]:
        parsed: ParsedFeed | None = None
        error = result.error
        if result.ok and not result.not_modified and result.body is not None:
            parsed = await asyncio.to_thread(
                parse_feed, result.body, feed_url=result.final_url or feed.url,
                source_name=feed.name, content_type=result.content_type,
            )
            if parsed.error and not parsed.entries:
                error = parsed.error
        ok = error is None
        failures = 0 if ok else feed.failures + 1
        pause_reason = None
        if not ok:
            report.failed += 1
            log.warning("feed %s failed (%d in a row): %s", feed.display_name, failures, error)
            if should_pause(failures):
                pause_reason = f"paused after {failures} failures in a row: {error}"
                report.paused.append(feed.url)
                log.error("feed %s %s", feed.display_name, pause_reason)
        elif result.not_modified:
            report.not_modified += 1
        await feed_store.record_poll(
            self.db, feed.id, now=now,
            next_poll_at=next_poll(now, feed.interval, failures=failures,
                                   retry_after=result.retry_after, max_age=result.max_age,
                                   rng=self.rng),
            status=result.status, ok=ok, error=error,
            etag=result.etag if ok else feed.etag,
            last_modified=result.last_modified if ok else feed.last_modified,
            failures=failures, pause_reason=pause_reason,
        )
        if parsed is None or not parsed.entries:
            return []
        stored = await article_store.store_entries(self.db, feed.id, parsed.entries)
        jobs = []
        for item in stored:
            if item.seen is Seen.NEW:
                report.new_articles += 1
            elif item.seen is Seen.REVISED:
                report.revised_articles += 1
            else:
                continue
            jobs.append(_Job(item, backlog=feed.polls_ok == 0, feed_id=feed.id))
        return jobs

    async def _decide_and_record(self, jobs: Sequence[_Job]) -> list[int]:
        scopes = await self._scopes()
        subscribers = await feed_store.subscribers(self.db)
        previously: dict[int, set[int]] = {}
        for job in jobs:
            if job.stored.seen is Seen.REVISED:
                previously[job.stored.article_id] = await outcome_store.matched_claim_ids(
                    self.db, job.stored.article_id
                )
        decided = await asyncio.to_thread(self._decide_all, jobs, scopes, previously, subscribers)
        return await outcome_store.record_many(self.db, [
            (job.stored.article_id, job.stored.entry.content_hash, outcomes, job.backlog)
            for job, outcomes in decided
        ])

    async def _scopes(self) -> list[_Scope]:
        """Each scope's topics, with its matcher built for its own thresholds."""
        records = await topic_store.all_topics(self.db)
        overrides = await guild_store.threshold_overrides(self.db)
        by_scope: dict[int, list[topic_store.TopicRecord]] = {}
        for record in records:
            if record.guild_id == CONSOLE_SCOPE and not self.include_console_scope:
                continue
            by_scope.setdefault(record.guild_id, []).append(record)
        out = []
        for guild_id, topic_records in by_scope.items():
            thresholds = self._thresholds_for(overrides.get(guild_id))
            states = tuple(r.state for r in topic_records)
            matcher = self._matchers.get((states, thresholds))
            if matcher is None:
                matcher = Matcher(states, thresholds, semantic=self.semantic)
                recent = dict(list(self._matchers.items())[:31])
                self._matchers = {(states, thresholds): matcher, **recent}
            out.append(_Scope(guild_id, topic_records, matcher, thresholds))
        return out

    def _decide_all(
        self,
        jobs: Sequence[_Job],
        scopes: Sequence[_Scope],
        previously: dict[int, set[int]],
        subscribers: dict[int, set[int]],
    ) -> list[tuple[_Job, list[TopicOutcome]]]:
        """Pure CPU: match, detect changes, diff and render. Runs in a worker thread.

        A guild sees an article only if it subscribes to the feed that carried it; the
        console scope sees every feed.
        """
        out = []
        for job in jobs:
            outcomes: list[TopicOutcome] = []
            allowed = subscribers.get(job.feed_id, set())
            for scope in scopes:
                if scope.guild_id != CONSOLE_SCOPE and scope.guild_id not in allowed:
                    continue
                results = {r.topic_key: r for r in scope.matcher.match(job.stored.entry)}
                for record in scope.records:
                    result = results.get(record.state.key)
                    if result is not None:
                        outcomes.append(self._decide_topic(
                            job, record, result, previously.get(job.stored.article_id),
                            scope.thresholds,
                        ))
            out.append((job, outcomes))
        return out

    def _decide_topic(
        self,
        job: _Job,
        record: topic_store.TopicRecord,
        result: TopicResult,
        previous_claims: set[int] | None,
        thresholds: Thresholds,
    ) -> TopicOutcome:
        entry = job.stored.entry
        detail = explain(result)
        matches = [
            (record.claim_ids[m.claim_key], m.score, m.evidence)
            for m in result.matches if m.claim_key in record.claim_ids
        ]
        if not result.relevant:
            return TopicOutcome(record.id, record.guild_id, False, detail)
        changes = detect_changes(record.state, entry, result, thresholds)
        if previous_claims and job.stored.previous is not None:
            touched = {cid for cid, _, _ in matches} & previous_claims
            if touched:
                changes.append(_revision_change(record.state, entry, job.stored.previous, result))
        claims = {c.key: c for c in record.state.claims}
        posts = []
        for change in changes:
            change = with_text_source(replace(change, diff=build_diff(change)), entry)
            claim = claims.get(change.claim_key or "")
            claim_id = record.claim_ids.get(change.claim_key or "")
            applies = change.kind not in (ChangeKind.NEW_DEVELOPMENT, ChangeKind.ARTICLE_REVISED)
            proposal = applies and claim is not None and not change.confident
            new_state = apply_change(claim, change) if applies and claim and change.confident else None
            if new_state is not None:
                claims[claim.key] = new_state  # later changes in this article build on it
            posts.append(Post(
                kind=change.kind.value, claim_id=claim_id, payload=change_to_json(change),
                embed=render_embed(change), new_state=new_state, reason=describe(change),
                proposal=proposal, before_value=change.before, after_value=change.after,
                score=change.score, evidence=change.evidence,
                nonce_extra=entry.content_hash if change.kind is ChangeKind.ARTICLE_REVISED else "",
            ))
        return TopicOutcome(record.id, record.guild_id, True, detail, matches, posts)


def _revision_change(topic: TopicState, entry: Entry, previous: Entry, result: TopicResult) -> Change:
    best = result.matches[0] if result.matches else None
    claim = next((c for c in topic.claims if best and c.key == best.claim_key), None)
    return Change(
        kind=ChangeKind.ARTICLE_REVISED, topic_key=topic.key, topic_title=topic.title,
        claim_key=claim.key if claim else None, claim_statement=claim.statement if claim else None,
        article=ArticleRef(entry.url, entry.title, entry.source, entry.published),
        score=best.score if best else 0.0, evidence=best.evidence if best else entry.title,
        before=previous.title if previous.title != entry.title else _lead(previous),
        after=entry.title if previous.title != entry.title else _lead(entry),
        confident=True,
    )


def _lead(entry: Entry, size: int = 280) -> str:
    text = entry.body or entry.title
    return text if len(text) <= size else text[: size - 1] + "…"


def explain(result: TopicResult) -> dict[str, Any]:
    """The JSON kept for `why`: gate hits and every claim's score and features."""
    gate = result.gate
    return {
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
