"""One poll cycle: fetch -> parse -> store -> match -> diff -> render -> outbox.

I/O (HTTP, SQLite) stays here at the edge; the pure steps run in a worker thread
(`asyncio.to_thread`) so a Discord heartbeat is never blocked by parsing or matching.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import random
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import TYPE_CHECKING, Any

from bot.apply import apply_change, describe
from bot.checkpoint import checkpoint
from bot.cycle_log import recorded
from bot.diff import build_diff
from bot.enrich import ArticleReader, EnrichItem, with_text_source
from bot.fetch.client import Fetcher, FetchResult
from bot.fetch.schedule import next_poll, should_pause
from bot.match.thresholds import Thresholds
from bot.models import ArticleRef, Change, ChangeKind, ClaimState, Entry, Proposed, Status, TopicState
from bot.parse import ParsedFeed, parse_feed
from bot.parse.items import without_known_items
from bot.parse.order import oldest_first
from bot.render.embed import render_embed
from bot.render.jsonl import change_to_json
from bot.startup import settle_memory, start_semantic
from storage import articles as article_store
from storage import feeds as feed_store
from storage import guilds as guild_store
from storage import outcomes as outcome_store
from storage import topics as topic_store
from storage import wording_vectors
from storage.articles import PendingArticle, Seen, StoredArticle
from storage.db import Database, utcnow
from storage.feeds import FeedRow, PollRecord
from storage.outcomes import Post, TopicOutcome

if TYPE_CHECKING:  # imported when a cycle first matches (see _new_matcher)
    from bot.match.matcher import Matcher, TopicResult
    from bot.match.semantic import SemanticScorer

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


BATCH_FEEDS = 50  # feeds fetched, parsed and stored together: bounds a cycle's memory
PENDING_CHUNK = 200  # queued articles matched and recorded in one transaction
MATCH_SEGMENT = 50  # queued articles handed to the matching beside the fetching together
MAX_ATTEMPTS = 3  # an article whose matching raised this often is left queued for a fix


def _matcher_key(topic: TopicState) -> TopicState:
    """What a Matcher is compiled from: the topic without what recording an article changes
    (claims' status, figures, sources, former values and pending proposals, which matching does
    not read), so the matcher is reused from one chunk to the next. Any other field (a wording,
    an example) counts."""
    return replace(topic, claims=tuple(replace(c, status=Status.ALLEGED, figures=(), sources=(), asked=0,
                                               former_figures=(), proposed=())
                                       for c in topic.claims))


class Pipeline:
    """`guard=True` puts every feed behind the SSRF guard. Feeds added at run time (by admins)
    are always guarded: only feeds.yaml, the operator's own file, is trusted. The fetcher
    lifts the guard when DOSSIER_ALLOW_PRIVATE_FEEDS is set.

    A cycle is a stream of bounded batches: fetch -> parse -> store (one transaction per batch,
    each new or revised article queued with the feed's new validators) -> match -> record (one
    transaction per chunk of the queue, which removes the recorded articles from it). The queue
    is matched whenever it holds a full chunk and once the feeds are fetched, so a cycle with a
    few new entries matches them together; the matchers are built in a worker thread meanwhile.
    The queue left by a crash is matched first. `stop`, once set, ends the cycle at the next
    batch boundary.
    """

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
        batch_feeds: int = BATCH_FEEDS,
        match_segment: int = MATCH_SEGMENT,
        stop: asyncio.Event | None = None,
        semantic: SemanticScorer | None = None,
        articles: ArticleReader | None = None,
        questions: bool = True,
        settle: bool = False,
    ) -> None:
        self.db = db
        self.questions = questions  # ask admins about the matches it is least sure of (learnt.py)
        self.settle = settle  # freeze the heap once the first matcher is built (the run modes)
        self.semantic = semantic  # sentence embeddings for the matcher; None or off: lexical-only
        self.articles = articles  # reads the page behind short entries (None: never)
        self.fetcher = fetcher
        self.thresholds = thresholds
        self.guard = guard
        self.include_console_scope = include_console_scope
        self.clock = clock
        self.rng = rng or random.Random()
        self.batch_feeds = max(1, batch_feeds)
        self.match_segment = max(1, match_segment)
        self.stop = stop or asyncio.Event()
        self._matchers: dict[tuple[object, ...], Matcher] = {}
        self._semantic_ready: asyncio.Task[None] | None = None  # see _start_semantic
        self._building = asyncio.Lock()  # one build per matcher, also when warmed in advance

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
        """Match what is still queued, then poll every due feed (or every unpaused feed with
        `force`) batch by batch and queue the updates, matched beside the fetching."""
        report = CycleReport()
        await self.process_pending(report)
        now = self.clock()
        feeds = await feed_store.due_feeds(self.db, None if force else now,
                                           subscribed_only=not self.include_console_scope)
        quiet: list[PollRecord] = []  # 304 and failed feeds: one transaction per cycle
        batches = [feeds[i:i + self.batch_feeds] for i in range(0, len(feeds), self.batch_feeds)]
        # the next batch is fetched while this one is parsed, stored and matched (at most two
        # batches of bodies in memory)
        fetching = self._fetch(batches[0]) if batches else None
        lane = _MatchLane(self, report)
        warming: asyncio.Task[list[_Scope]] | None = None
        probe: asyncio.Task[None] | None = None  # does a queued entry pass a gate? (the model)
        failed = True
        try:
            for index, batch in enumerate(batches):
                assert fetching is not None
                results = None if self.stop.is_set() else await self._unless_stopped(fetching)
                if results is None:  # nothing of this batch was stored: it is polled next time
                    log.info("stopping: %d feeds left for the next start",
                             sum(len(b) for b in batches[index:]))
                    break
                fetching = None
                checkpoint("fetch")
                if index + 1 < len(batches):
                    fetching = self._fetch(batches[index + 1])
                queued = await self._store_batch(batch, results, now, report, quiet, lane)
                if queued and warming is None:
                    # the matchers (word frequencies, compiled topics) are built in a worker
                    # thread while the next batches are fetched, and the model is loaded beside
                    # them once a queued entry passes a topic gate (nothing else is embedded)
                    warming = asyncio.create_task(self._scopes())
                if queued and self._semantic_ready is None and self._semantic_wanted() \
                        and (probe is None or probe.done()):
                    probe = asyncio.create_task(self._load_semantic_if_gated(warming, lane.last(queued)))
                await lane.queued(queued)
            if not self.stop.is_set():
                lane.flush()
            failed = False
        finally:
            if fetching is not None:
                fetching.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await fetching
            await lane.close(cancel=failed)
            if probe is not None:
                with contextlib.suppress(Exception):  # a failure shows where the model is awaited
                    await probe
            if warming is not None:
                with contextlib.suppress(Exception):  # a failure shows where the scopes are used
                    await warming
        # a crash before this line costs these feeds one more conditional GET, nothing else
        await feed_store.record_polls(self.db, quiet)
        await self._keep_wording_vectors()
        return report

    def _semantic_wanted(self) -> bool:
        return self.semantic is not None and self.semantic.enabled

    async def _load_semantic_if_gated(self, warming: asyncio.Task[list[_Scope]] | None,
                                      entries: Sequence[Entry]) -> None:
        """Start loading the model beside the fetches as soon as a queued entry passes a topic
        gate (checked on the feed's text, in a worker thread). An early guess: what decides is
        the check on the text matched (`process_pending`), which waits for the model then."""
        if warming is None:
            return
        scopes = await asyncio.shield(warming)
        if await asyncio.to_thread(_any_gated, scopes, entries):
            self._start_semantic()

    def _start_semantic(self) -> asyncio.Task[None] | None:
        """Load the model (worker thread) and read what earlier starts kept (the weights' sha256,
        the claim wordings' vectors), once, when the first entry passes a topic gate: a cycle
        with nothing new, or nothing any topic lets through, never loads it
        (bot.startup.note_semantic). Retried after a failure."""
        if not self._semantic_wanted():
            return None
        assert self.semantic is not None
        task = self._semantic_ready
        if task is None or (task.done() and (task.cancelled() or task.exception() is not None)):
            task = self._semantic_ready = asyncio.create_task(start_semantic(self.db, self.semantic))
        return task

    async def _keep_wording_vectors(self) -> None:
        """Persist the claim wordings the semantic scorer embedded this cycle, so the next
        start reads them instead of embedding them again (bot.startup.start_semantic)."""
        if self.semantic is not None and self.semantic.loaded:  # never loads the model for this
            fresh = self.semantic.fresh_wordings()
            if fresh:
                checkpoint("wordings")
                await wording_vectors.store(self.db, self.semantic.embedder.model_key, fresh)

    def _fetch(self, feeds: Sequence[FeedRow]) -> asyncio.Future[list[FetchResult]]:
        return asyncio.gather(*(
            self.fetcher.fetch(f.url, etag=f.etag, last_modified=f.last_modified,
                               guard=self.guard or f.origin != "config")
            for f in feeds
        ))

    async def _unless_stopped(self, fetching: asyncio.Future[list[FetchResult]],
                              ) -> list[FetchResult] | None:
        """The fetch results, or None (fetches cancelled) when a stop signal comes first."""
        stopped = asyncio.ensure_future(self.stop.wait())
        await asyncio.wait({fetching, stopped}, return_when=asyncio.FIRST_COMPLETED)
        stopped.cancel()
        if fetching.done():
            return fetching.result()
        fetching.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await fetching
        return None

    async def _store_batch(self, feeds: Sequence[FeedRow], results: Sequence[FetchResult],
                           now: datetime, report: CycleReport, quiet: list[PollRecord],
                           lane: _MatchLane | None = None) -> int:
        """Store a fetched batch; how many articles it queued for matching (handed to `lane`)."""
        if any(_has_body(r) for r in results):
            parsed = await asyncio.to_thread(_parse_all, feeds, results)
        else:  # all 304 or failed: no trip to a worker thread
            parsed = [(None, None)] * len(results)
        changed: list[tuple[int, Sequence[Entry]]] = []
        changed_polls: list[PollRecord] = []
        for feed, result, (feed_parsed, digests) in zip(feeds, results, parsed, strict=True):
            report.polled += 1
            record = self._poll_record(feed, result, feed_parsed, now, report)
            if record.ok and feed_parsed is not None:
                record = replace(record, item_digests=digests)
            if record.ok and feed_parsed is not None:
                changed.append((feed.id, oldest_first(feed_parsed.entries)))  # in the order they happened
                changed_polls.append(record)
            else:
                quiet.append(record)
        del results, parsed  # bodies are dropped once parsed
        if not changed:
            return 0
        if lane is not None:  # an article still waiting to be matched is matched before it is touched
            await lane.before_storing([e for _, entries in changed for e in entries])
            if self.stop.is_set():  # (the wait may have ended with a stop: then the lane did not
                return 0  # match them) not stored, so these feeds are fetched again next time
        stored = await article_store.store_feeds(self.db, changed, changed_polls)
        checkpoint("stored")
        queued = 0
        for items in stored:
            mine = [i for i in items if i.seen in (Seen.NEW, Seen.REVISED)]
            queued += len(mine)
            if lane is not None:
                lane.add(mine)
            report.new_articles += sum(1 for i in items if i.seen is Seen.NEW)
            report.revised_articles += sum(1 for i in items if i.seen is Seen.REVISED)
        return queued

    def _poll_record(self, feed: FeedRow, result: FetchResult, parsed: ParsedFeed | None,
                     now: datetime, report: CycleReport) -> PollRecord:
        error = result.error
        if parsed is not None and parsed.error and not parsed.entries:
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
        return PollRecord(
            feed.id, now=now,
            next_poll_at=next_poll(now, feed.interval, failures=failures,
                                   retry_after=result.retry_after, max_age=result.max_age,
                                   rng=self.rng),
            status=result.status, ok=ok, error=error,
            etag=result.etag if ok else feed.etag,
            last_modified=result.last_modified if ok else feed.last_modified,
            failures=failures, pause_reason=pause_reason,
        )

    async def process_pending(self, report: CycleReport | None = None,
                              among: Sequence[int] | None = None) -> int:
        """Match and record queued articles, a chunk per transaction, oldest first (only those
        whose ids are `among`, when given).

        Each chunk is matched against the claims as the chunks before it left them, so the
        outcome does not depend on where a crash split the work. Returns how many were recorded.
        """
        done = 0
        while not self.stop.is_set():
            pending = await article_store.pending_articles(self.db, limit=PENDING_CHUNK,
                                                           max_attempts=MAX_ATTEMPTS, among=among)
            if not pending:
                break
            if self.articles is not None:
                # pages behind short entries, read (concurrently) before matching; what was
                # read is stored on its own, and the entries stay queued until recorded
                entries = await self.articles.enrich(self.db, [
                    EnrichItem(p.article_id, p.feed_id or 0, p.entry) for p in pending])
                pending = [replace(p, entry=e) for p, e in zip(pending, entries, strict=True)]
            scopes = await self._scopes()
            # the model and the stored wordings, before anything is embedded: only an entry a
            # topic's gate lets through is embedded, so a chunk without one needs no model
            if self._semantic_wanted() and (self._semantic_ready is not None or await asyncio.to_thread(
                    _any_gated, scopes, [p.entry for p in pending])):
                ready = self._start_semantic()
                assert ready is not None
                await ready
            subscribers = await feed_store.subscribers(self.db)
            previously = await outcome_store.matched_claims(
                self.db, [p.article_id for p in pending if p.seen is Seen.REVISED])
            decided, failed = await asyncio.to_thread(
                self._decide_all, pending, scopes, previously, subscribers)
            checkpoint("match")
            if failed:
                await article_store.pending_failed(self.db, list(failed), "; ".join(failed.values()))
            ids = await outcome_store.record_many(self.db, [
                (job.article_id, job.entry.content_hash, outcomes, job.backlog)
                for job, outcomes in decided
            ])
            checkpoint("recorded")
            done += len(decided)
            if report is not None:
                report.outbox_ids.extend(ids)
        return done

    async def _scopes(self) -> list[_Scope]:
        """Each scope's topics, with its matcher built for its own thresholds."""
        async with self._building:
            return await self._scopes_unlocked()

    async def _scopes_unlocked(self) -> list[_Scope]:
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
            key = (tuple(_matcher_key(t) for t in states), thresholds)
            matcher = self._matchers.get(key)
            if matcher is None:
                first = not self._matchers
                # off the event loop: the first one loads word frequencies and compiles the
                # topics' patterns (~0.25 s of CPU), a stall for every other task otherwise
                matcher = await asyncio.to_thread(_new_matcher, states, thresholds,
                                                  semantic=self.semantic)
                if first and self.settle:  # what it loaded stays for good: out of the GC's way
                    settle_memory()
                recent = dict(list(self._matchers.items())[:31])
                self._matchers = {key: matcher, **recent}
            out.append(_Scope(guild_id, topic_records, matcher, thresholds))
        return out

    def _decide_all(
        self,
        jobs: Sequence[PendingArticle],
        scopes: Sequence[_Scope],
        previously: dict[int, set[int]],
        subscribers: dict[int, set[int]],
    ) -> tuple[list[tuple[PendingArticle, list[TopicOutcome]]], dict[int, str]]:
        """Pure CPU: match, detect changes, diff and render. Runs in a worker thread.

        A guild sees an article only if it subscribes to the feed that carried it; the
        console scope sees every feed. Claims applied by one article are what the next one
        is compared with (as if each were recorded before the next was read). An article
        whose matching raises is returned in `failed` (article id -> error) and stays queued.
        """
        states = {r.id: r.state for scope in scopes for r in scope.records}
        asked: Counter[tuple[int, str]] = Counter()  # (topic id, claim key): questions added this cycle
        out = []
        failed: dict[int, str] = {}
        matched = {scope.guild_id: self._match_scope(scope, [
            job for job in jobs
            if scope.guild_id == CONSOLE_SCOPE
            or scope.guild_id in subscribers.get(job.feed_id or 0, set())
        ]) for scope in scopes}
        for job in jobs:
            outcomes: list[TopicOutcome] = []
            try:
                for scope in scopes:
                    found = matched[scope.guild_id].get(job.article_id)
                    if found is None:
                        continue  # the guild does not follow the feed
                    if isinstance(found, Exception):
                        raise found
                    results = {r.topic_key: r for r in found}
                    for record in scope.records:
                        result = results.get(record.state.key)
                        if result is not None:
                            outcomes.append(self._decide_topic(
                                job, record, states[record.id], result,
                                previously.get(job.article_id), scope.thresholds, asked,
                            ))
            except Exception as exc:  # a bug in matching must not block the queue behind it
                log.exception("matching article %d failed; it stays queued", job.article_id)
                failed[job.article_id] = f"{type(exc).__name__}: {exc}"
                continue
            for outcome in outcomes:
                applied = {p.new_state.key: p.new_state for p in outcome.posts
                           if p.new_state is not None and not p.proposal}
                proposed = _proposals_of(outcome.posts)
                if applied or proposed:
                    # the next article is read against the claims as this one left them: its
                    # updates applied, its proposals pending (a second outlet corroborates them)
                    topic = states[outcome.topic_id]
                    states[outcome.topic_id] = replace(topic, claims=tuple(
                        _with_proposed(applied.get(c.key, c), proposed.get(c.key, ())) for c in topic.claims))
            out.append((job, outcomes))
        return out, failed

    @staticmethod
    def _match_scope(scope: _Scope, jobs: Sequence[PendingArticle],
                     ) -> dict[int, list[TopicResult] | Exception]:
        """article id -> its results in this scope, in one batched call (the semantic scorer
        embeds the chunk's gated sentences together); entry by entry when the batch raises,
        so the entry that fails is the only one kept back."""
        try:
            results = scope.matcher.match_many([j.entry for j in jobs], score_failed=False)
            return {j.article_id: r for j, r in zip(jobs, results, strict=True)}
        except Exception:
            log.warning("matching a chunk failed; matching its entries one by one", exc_info=True)
        out: dict[int, list[TopicResult] | Exception] = {}
        for job in jobs:
            try:
                out[job.article_id] = scope.matcher.match(job.entry, score_failed=False)
            except Exception as exc:
                out[job.article_id] = exc
        return out

    def _decide_topic(
        self,
        job: PendingArticle,
        record: topic_store.TopicRecord,
        state: TopicState,
        result: TopicResult,
        previous_claims: set[int] | None,
        thresholds: Thresholds,
        asked: Counter[tuple[int, str]] | None = None,
    ) -> TopicOutcome:
        detect_changes, explain, match_checks = _deciding()
        entry = job.entry
        detail = explain(result)
        matches = [
            (record.claim_ids[m.claim_key], m.score, m.evidence)
            for m in result.matches if m.claim_key in record.claim_ids
        ]
        if not result.relevant:
            return TopicOutcome(record.id, record.guild_id, False, detail)
        changes = detect_changes(state, entry, result, thresholds)
        if self.questions:  # the matches it is least sure of become review questions (learnt.py)
            asked = Counter() if asked is None else asked
            so_far = {c.key: c.asked + asked[(record.id, c.key)] for c in state.claims}
            questions = match_checks(state, entry, result, thresholds.low, changes, asked=so_far)
            asked.update((record.id, q.claim_key or "") for q in questions)
            changes.extend(questions)
        if previous_claims and job.previous is not None:
            touched = {cid for cid, _, _ in matches} & previous_claims
            if touched:
                changes.append(_revision_change(state, entry, job.previous, result))
        claims = {c.key: c for c in state.claims}
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
                embed=render_embed(change) if record.guild_id != CONSOLE_SCOPE else None,
                new_state=new_state, reason=describe(change),
                proposal=proposal, before_value=change.before, after_value=change.after,
                score=change.score, evidence=change.evidence,
                nonce_extra=entry.content_hash if change.kind is ChangeKind.ARTICLE_REVISED else "",
            ))
        return TopicOutcome(record.id, record.guild_id, True, detail, matches, posts)


def _proposals_of(posts: Sequence[Post]) -> dict[str, list[Proposed]]:
    """claim key -> the figure proposals among `posts` (what `ClaimState.proposed` holds: only
    figures are corroborated)."""
    out: dict[str, list[Proposed]] = {}
    for p in posts:
        if p.proposal and p.kind == ChangeKind.FIGURE_CHANGE.value and p.after_value \
                and p.payload.get("claim"):
            article = p.payload.get("article") or {}
            out.setdefault(str(p.payload["claim"]), []).append(Proposed(
                p.kind, p.before_value, p.after_value, str(article.get("source") or ""), article.get("url"),
                p.evidence))
    return out


def _with_proposed(claim: ClaimState, new: Sequence[Proposed]) -> ClaimState:
    """The claim with a cycle's new proposals, its newest MAX_PROPOSED kept (as storage loads them)."""
    return replace(claim, proposed=(*claim.proposed, *new)[-topic_store.MAX_PROPOSED:]) if new else claim


class _MatchLane:
    """The queue of one cycle matched beside its fetching, parsing and storing.

    The articles each batch queues are handed over in segments (at least `match_segment`, or
    what is left at the end) and matched in storage order, one segment after the other, a chunk
    per transaction, in a task of their own: the embedding (numpy, which releases the GIL) runs
    on the second core while the loop fetches and a worker thread parses the next batches.

    What is matched does not depend on that timing: a segment's articles are fixed when it is
    handed over, so the chunks are the same whatever ran beside them, and a batch carrying an
    article still waiting here (same identity or link: a syndicated copy, a quick revision)
    waits until the lane is empty before it is stored, so every article is decided as it was
    queued, after the ones queued before it. Crash safety is the queue's: what is stored is
    queued in the same transaction, what is recorded leaves it in the same transaction. The
    lane is at most BEHIND articles behind the storing (bounded work left at a stop).
    """

    BEHIND = 2 * PENDING_CHUNK

    def __init__(self, pipeline: Pipeline, report: CycleReport) -> None:
        self._pipeline = pipeline
        self._report = report
        self._open: list[StoredArticle] = []  # queued, not handed over yet
        self._segments: asyncio.Queue[list[StoredArticle] | None] = asyncio.Queue()
        self._waiting: Counter[str] = Counter()  # identities and links of what is not matched yet
        self._behind = 0  # articles handed over and not matched yet
        self._changed = asyncio.Condition()
        self._task: asyncio.Task[None] | None = None

    def last(self, count: int) -> list[Entry]:
        """The entries of the last `count` articles added (not handed over yet)."""
        return [i.entry for i in self._open[len(self._open) - count:]]

    def add(self, items: Sequence[StoredArticle]) -> None:
        """Articles a batch just queued (committed)."""
        self._open.extend(items)
        self._waiting.update(k for i in items for k in _keys(i.entry))

    async def queued(self, count: int) -> None:
        """After a batch: hand over a full segment; wait while the lane is too far behind."""
        if count and len(self._open) >= self._pipeline.match_segment:
            self.flush()
        await self._wait(lambda: self._behind < self.BEHIND)

    async def before_storing(self, entries: Sequence[Entry]) -> None:
        """Let the lane match every article these entries could touch before they are stored."""
        if any(k in self._waiting for e in entries for k in _keys(e)):
            self.flush()
            await self._wait(lambda: self._behind == 0)

    def flush(self) -> None:
        """Hand over what is queued (in parts of at most 1,000: one query each)."""
        for i in range(0, len(self._open), 1000):
            part = self._open[i:i + 1000]
            self._behind += len(part)
            self._segments.put_nowait(part)
            if self._task is None:
                self._task = asyncio.create_task(self._run(), name="dossier-match-lane")
        self._open = []

    async def close(self, *, cancel: bool) -> None:
        """Wait for what was handed over (its error is raised), or cancel it (the cycle failed:
        what is not recorded stays queued for the next cycle)."""
        if self._task is None:
            return
        self._segments.put_nowait(None)
        if cancel:
            self._task.cancel()
            with contextlib.suppress(BaseException):
                await self._task
            return
        await self._task

    async def _wait(self, ready: Callable[[], bool]) -> None:
        task = self._task
        async with self._changed:
            await self._changed.wait_for(lambda: ready() or (task is not None and task.done()))
        if task is not None and task.done() and not task.cancelled() and task.exception() is not None:
            raise task.exception()  # type: ignore[misc]

    async def _run(self) -> None:
        try:
            while (segment := await self._segments.get()) is not None:
                await self._pipeline.process_pending(self._report, [i.article_id for i in segment])
                async with self._changed:
                    self._behind -= len(segment)
                    self._waiting.subtract(k for i in segment for k in _keys(i.entry))
                    self._waiting = +self._waiting
                    self._changed.notify_all()
        finally:  # wake a waiting storer also when matching failed
            async with self._changed:
                self._changed.notify_all()


def _new_matcher(states: Sequence[TopicState], thresholds: Thresholds,
                 semantic: SemanticScorer | None) -> Matcher:
    """Build a matcher (in a worker thread). The matching modules are imported here, on the
    first build, not with this module: a cycle that queues nothing (every feed 304) never
    imports numpy, wordfreq, simplemma or rapidfuzz (~0.4 s of CPU per `run --once`)."""
    from bot.match.matcher import Matcher

    return Matcher(states, thresholds, semantic=semantic)


@functools.cache
def _deciding() -> tuple[Callable[..., list[Change]], Callable[[TopicResult], dict[str, Any]],
                         Callable[..., list[Change]]]:
    """detect_changes, explain and match_checks, imported on first use (see _new_matcher); once:
    an import statement per decided topic cost ~8 us, 2,000 times in W3."""
    from bot.match.changes import detect_changes
    from bot.match.explain import explain
    from bot.match.learnt import match_checks

    return detect_changes, explain, match_checks


def _any_gated(scopes: Sequence[_Scope], entries: Sequence[Entry]) -> bool:
    """Does some scope's topic gate let one of the entries through? (worker thread)"""
    return any(scope.matcher.passes_a_gate(e) for scope in scopes for e in entries)


def _keys(entry: Entry) -> tuple[str, ...]:
    """What storing compares an entry with an article by: its identity, then its link."""
    return (f"id:{entry.identity}", f"url:{entry.url}") if entry.url else (f"id:{entry.identity}",)


def _parse_all(feeds: Sequence[FeedRow], results: Sequence[FetchResult],
               ) -> list[tuple[ParsedFeed | None, tuple[str, ...] | None]]:
    """Parse the bodies of a batch: (entries, the digests of the document's items) per feed,
    (None, None) where there was no new body. Runs in a worker thread."""
    return [
        _parse_new_items(f, r) if _has_body(r) else (None, None)
        for f, r in zip(feeds, results, strict=True)
    ]


def _has_body(result: FetchResult) -> bool:
    return result.ok and not result.not_modified and result.body is not None


def _parse_new_items(feed: FeedRow, result: FetchResult) -> tuple[ParsedFeed, tuple[str, ...]]:
    """Only the items not in the feed's last document are parsed (bot.parse.items); the whole
    document when it cannot be split with certainty or the reduced one does not parse."""
    assert result.body is not None
    options = {"feed_url": result.final_url or feed.url, "source_name": feed.name,
               "content_type": result.content_type}
    reduced, digests = without_known_items(result.body, feed.item_digests)
    if reduced is not None:
        parsed = parse_feed(reduced, **options)
        if parsed.error is None:
            return parsed, digests
    return parse_feed(result.body, **options), digests


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
