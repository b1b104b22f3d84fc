"""What members can look at: topics, claims and their history, recent updates, search,
feed health and `why` an article was (or was not) posted.

Everything is read through `guild_id`, so a server only ever sees its own topics, the
articles evaluated for them and its own feeds. Functions return plain dataclasses; the
cogs decide how to render them.
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from bot.match import Matcher, Thresholds
from bot.match.combine import SemanticSide
from bot.match.explain import explain
from bot.match.learnt import claim_bar
from bot.models import Status
from bot.service.errors import InvalidInputError, NotFoundError, shown
from storage import article_pages, articles, claims_admin, examples, guilds, topics
from storage import outbox as outbox_store
from storage import search as search_store
from storage.claims_admin import ClaimRow, TopicSummaryRow
from storage.db import Database
from storage.delivery import SEMANTIC_STATUS_KEY, get_meta
from storage.guilds import ArticleHit, BrokenChannel, Sighting
from storage.search import RankedArticle

DEFAULT_LOW = 40.0  # bot.match.thresholds.Thresholds defaults; pass the configured ones in
DEFAULT_HIGH = 60.0
MIN_QUERY = 2
MAX_QUERY = 200
MAX_LIMIT = 50

# --- views ------------------------------------------------------------------------------


@dataclass(frozen=True)
class TopicSummary:
    key: str
    title: str
    claims: int  # active claims
    retired_claims: int
    last_change_at: datetime | None
    channel_id: int | None
    channel_error: str | None


@dataclass(frozen=True)
class ClaimSummary:
    key: str
    statement: str
    status: Status
    figures: tuple[str, ...]
    sources: tuple[str, ...]
    last_change_at: datetime | None


@dataclass(frozen=True)
class TopicDetail:
    key: str
    title: str
    keywords: tuple[tuple[str, ...], ...]
    exclude: tuple[str, ...]
    channel_id: int | None
    channel_error: str | None
    origin: str  # config | admin
    last_change_at: datetime | None
    claims: list[ClaimSummary]
    retired_claims: int


@dataclass(frozen=True)
class Revision:
    """One claim revision, with what changed against the one before it."""

    rev: int
    statement: str
    status: str
    figures: tuple[str, ...]
    sources: tuple[str, ...]
    kind: str  # created, status_change, figure_change, new_source, edit, merge, retired, ...
    reason: str
    actor: str  # feeds.yaml | dossier | admin:<user id>
    article_url: str | None
    article_title: str | None
    created_at: datetime | None
    statement_diff: list[tuple[str, str]]  # bot.diff.word_diff ops: (" " | "-" | "+", words)
    status_before: str | None  # set when the status changed
    figures_added: tuple[str, ...] = ()
    figures_removed: tuple[str, ...] = ()
    sources_added: tuple[str, ...] = ()
    sources_removed: tuple[str, ...] = ()


@dataclass(frozen=True)
class LearntExample:
    """A wording the matcher learnt for a claim from a review decision (undo: its id)."""

    id: int
    kind: str  # positive (an accepted proposal's evidence) | negative ("not related")
    text: str
    article_url: str | None
    article_title: str | None
    proposal_id: int | None
    actor: str  # admin:<user id>
    created_at: datetime | None
    score: float | None = None  # the claim's score when an admin answered a match check (a label)


@dataclass(frozen=True)
class ClaimDetail:
    topic_key: str
    topic_title: str
    key: str
    statement: str
    status: Status
    aliases: tuple[str, ...]
    figures: tuple[str, ...]
    sources: tuple[str, ...]
    retired_at: datetime | None
    merged_into: str | None  # claim key of the target when merged
    last_change_at: datetime | None
    revisions: list[Revision]  # the last N, oldest first
    total_revisions: int
    examples: list[LearntExample] = field(default_factory=list)  # learnt from reviews, oldest first
    # the score this claim needs to match: the server's `low`, moved by answers to match checks
    bar: float | None = None
    low: float | None = None


@dataclass(frozen=True)
class RecentUpdate:
    id: int
    guild_id: int
    kind: str
    topic_key: str | None
    claim_key: str | None
    article_title: str | None
    article_url: str | None
    article_source: str | None
    created_at: datetime | None
    state: str  # sent | pending | held
    review: bool  # a proposal posted to the admins rather than an update
    channel_id: int | None
    message_id: int | None
    last_error: str | None


@dataclass(frozen=True)
class ClaimHit:
    topic_key: str
    topic_title: str
    claim_key: str
    statement: str
    status: Status
    snippet: str = ""  # the statement around the hits, marked with storage.search.HIT_START/END


@dataclass(frozen=True)
class SearchResults:
    query: str
    claims: list[ClaimHit]
    articles: list[RankedArticle]  # best first, with title and summary snippets


@dataclass(frozen=True)
class FeedHealth:
    url: str
    name: str | None
    origin: str
    interval: timedelta
    last_poll_at: datetime | None
    last_ok_at: datetime | None
    last_status: int | None
    last_error: str | None
    failures: int
    next_poll_at: datetime | None
    paused_here_at: datetime | None  # this server's admins paused their subscription
    feed_paused_at: datetime | None  # the feed itself is paused (automatically, after failures)
    feed_paused_reason: str | None
    # Article pages behind this feed's short entries, over the last week (storage.article_pages)
    pages_fetched: int = 0
    pages_failed: int = 0
    pages_last_error: str | None = None

    @property
    def paused(self) -> bool:
        return self.paused_here_at is not None or self.feed_paused_at is not None

    @property
    def pause_reason(self) -> str | None:
        if self.feed_paused_at is not None:
            return self.feed_paused_reason or "paused"
        if self.paused_here_at is not None:
            return "paused by this server's admins"
        return None


@dataclass(frozen=True)
class HealthReport:
    feeds: list[FeedHealth]
    broken_channels: list[BrokenChannel]
    semantic: str | None = None  # "on", "off (setting)", "unavailable, lexical-only: why"; None: unknown


@dataclass(frozen=True)
class GroupHit:
    keywords: tuple[str, ...]  # the topic's keyword group now ( () if edited away since )
    hits: tuple[str, ...]  # words of the group found in the article

    @property
    def passed(self) -> bool:
        return bool(self.hits)


@dataclass(frozen=True)
class ClaimScore:
    claim_key: str
    statement: str | None  # None when the claim no longer exists or was retired
    score: float
    evidence: str
    features: dict[str, float | str]  # numbers, and a claim key for `explained_by`
    band: str  # "apply" (>= high), "review" (>= low), "below" (< low)


@dataclass(frozen=True)
class TopicWhy:
    topic_key: str
    topic_title: str
    evaluated: bool  # False: the article was never matched against this topic
    evaluated_at: datetime | None = None
    gate_passed: bool = False
    groups: list[GroupHit] = field(default_factory=list)
    excluded_by: str | None = None
    relevant: bool = False
    best: list[ClaimScore] = field(default_factory=list)  # highest scores first
    in_passing: bool = False  # the article only mentions the topic in passing (match/aboutness.py)


@dataclass(frozen=True)
class PostInfo:
    id: int
    kind: str
    claim_key: str | None
    topic_key: str | None
    state: str  # sent | pending | held
    review: bool
    channel_id: int | None
    message_id: int | None
    created_at: datetime | None
    corroborated_by: tuple[str, ...] = ()  # other outlets whose reports made the update confident


@dataclass(frozen=True)
class WhyReport:
    query: str
    url: str  # the normalised URL that was looked up
    found: bool  # False: never seen in this server's feeds
    low: float
    high: float
    article: ArticleHit | None = None
    seen_in: list[Sighting] = field(default_factory=list)
    topics: list[TopicWhy] = field(default_factory=list)
    posts: list[PostInfo] = field(default_factory=list)
    # What the article was matched on: feed_content | article_page | feed_summary, and why
    text_source: str | None = None
    text_source_note: str | None = None


# --- lookups shared with admin ------------------------------------------------------------


async def require_topic(db: Database, guild_id: int, key: str) -> TopicSummaryRow:
    found = await claims_admin.topic_summary(db, guild_id, key.strip().lower())
    if found is None:
        raise NotFoundError(f"No topic {shown(key)} in this server. Try /topics.")
    return found


async def require_claim(db: Database, guild_id: int, topic_key: str, claim_key: str, *,
                        active: bool = True) -> ClaimRow:
    topic = await require_topic(db, guild_id, topic_key)
    claim = await claims_admin.get_claim(db, guild_id, topic.key, claim_key.strip().lower())
    if claim is None or (active and claim.retired_at is not None):
        extra = " (it was retired)" if claim is not None else ""
        raise NotFoundError(
            f"No claim {shown(claim_key)} in topic {shown(topic.key)}{extra}. Try /topic {topic.key}."
        )
    return claim


def _limit(value: int, default: int) -> int:
    return max(1, min(int(value or default), MAX_LIMIT))


# --- topics and claims --------------------------------------------------------------------


async def list_topics(db: Database, guild_id: int) -> list[TopicSummary]:
    return [
        TopicSummary(t.key, t.title, t.active_claims, t.retired_claims, t.last_change_at,
                     t.channel_id, t.channel_error)
        for t in await claims_admin.topic_summaries(db, guild_id)
    ]


def _claim_summary(c: ClaimRow) -> ClaimSummary:
    s = c.state
    return ClaimSummary(s.key, s.statement, s.status, s.figures, s.sources, c.last_change_at)


async def topic_detail(db: Database, guild_id: int, topic_key: str) -> TopicDetail:
    t = await require_topic(db, guild_id, topic_key)
    claims = await claims_admin.claims_of_topic(db, guild_id, t.key)
    return TopicDetail(
        key=t.key, title=t.title, keywords=t.keywords, exclude=t.exclude, channel_id=t.channel_id,
        channel_error=t.channel_error, origin=t.origin, last_change_at=t.last_change_at,
        claims=[_claim_summary(c) for c in claims], retired_claims=t.retired_claims,
    )


def _word_diff(old: str, new: str) -> list[tuple[str, str]]:
    try:
        from bot.diff import word_diff
    except ImportError:  # pragma: no cover - bot.diff is part of the tree; keep browse usable
        return [("-", old), ("+", new)] if old != new else [(" ", new)]
    return list(word_diff(old, new))


def _revisions(history: list[topics.ClaimRevision]) -> list[Revision]:
    out = []
    previous: topics.ClaimRevision | None = None
    for h in history:
        if previous is None:
            diff = [("+", h.statement)]
            status_before = None
            old_figures: tuple[str, ...] = ()
            old_sources: tuple[str, ...] = ()
        else:
            diff = _word_diff(previous.statement, h.statement)
            status_before = previous.status if previous.status != h.status else None
            old_figures, old_sources = previous.figures, previous.sources
        out.append(Revision(
            rev=h.rev, statement=h.statement, status=h.status, figures=h.figures, sources=h.sources,
            kind=h.change_kind, reason=h.reason, actor=h.actor, article_url=h.article_url,
            article_title=h.article_title, created_at=h.created_at, statement_diff=diff,
            status_before=status_before,
            figures_added=tuple(f for f in h.figures if f not in old_figures),
            figures_removed=tuple(f for f in old_figures if f not in h.figures),
            sources_added=tuple(s for s in h.sources if s not in old_sources),
            sources_removed=tuple(s for s in old_sources if s not in h.sources),
        ))
        previous = h
    return out


async def claim_detail(db: Database, guild_id: int, topic_key: str, claim_key: str, *,
                       last: int = 5, default_low: float = DEFAULT_LOW) -> ClaimDetail:
    """A claim with its last `last` revisions; retired claims can still be looked at."""
    c = await require_claim(db, guild_id, topic_key, claim_key, active=False)
    revisions = _revisions(await topics.claim_history(db, c.id))
    learnt = await learnt_examples(db, c.id)
    low, _ = await thresholds(db, guild_id, default_low=default_low)
    bar = claim_bar(((e.score, e.kind == examples.POSITIVE) for e in learnt if e.score is not None), low)
    s = c.state
    return ClaimDetail(
        topic_key=c.topic_key, topic_title=c.topic_title, key=s.key, statement=s.statement,
        status=s.status, aliases=s.aliases, figures=s.figures, sources=s.sources,
        retired_at=c.retired_at, merged_into=c.merged_into_key, last_change_at=c.last_change_at,
        revisions=revisions[-_limit(last, 5):], total_revisions=len(revisions),
        examples=learnt, bar=bar, low=low,
    )


def learnt_example(e: examples.ExampleRow) -> LearntExample:
    return LearntExample(id=e.id, kind=e.kind, text=e.text, article_url=e.article_url,
                         article_title=e.article_title, proposal_id=e.proposal_id, actor=e.actor,
                         created_at=e.created_at, score=e.score)


async def learnt_examples(db: Database, claim_id: int) -> list[LearntExample]:
    """What review decisions taught the matcher about one claim, oldest first."""
    return [learnt_example(e) for e in await examples.examples_of_claim(db, claim_id)]


async def claim_examples(db: Database, guild_id: int, topic_key: str, claim_key: str) -> list[LearntExample]:
    """The examples of a claim of this server (retired claims too), oldest first."""
    c = await require_claim(db, guild_id, topic_key, claim_key, active=False)
    return await learnt_examples(db, c.id)


async def claim_history(db: Database, guild_id: int, topic_key: str, claim_key: str) -> list[Revision]:
    """Every revision, oldest first, each with a word diff against the previous statement."""
    c = await require_claim(db, guild_id, topic_key, claim_key, active=False)
    return _revisions(await topics.claim_history(db, c.id))


# --- updates, search, health ----------------------------------------------------------------


async def recent_updates(db: Database, guild_id: int, limit: int = 10, *,
                         include_reviews: bool = False) -> list[RecentUpdate]:
    """The latest updates of this server, newest first.

    Review proposals go to the staff-only review channel: they are listed only with
    `include_reviews` (the caller decides who is staff and where the answer is shown).
    """
    out = []
    rows = await outbox_store.recent(db, guild_id, _limit(limit, 10), include_proposals=include_reviews)
    for row in rows:
        p = row.payload if isinstance(row.payload, dict) else {}
        article = p.get("article") if isinstance(p.get("article"), dict) else {}
        out.append(RecentUpdate(
            id=row.id, guild_id=row.guild_id, kind=row.kind, topic_key=p.get("topic"),
            claim_key=p.get("claim"),
            article_title=article.get("title"), article_url=article.get("url"),
            article_source=article.get("source"), created_at=row.created_at, state=row.state,
            review=row.proposal_id is not None, channel_id=row.channel_id,
            message_id=row.message_id, last_error=row.last_error,
        ))
    return out


def _query(text: str) -> str:
    query = " ".join((text or "").split())
    if len(query) < MIN_QUERY:
        raise InvalidInputError(f"Search for at least {MIN_QUERY} characters.")
    if len(query) > MAX_QUERY:
        raise InvalidInputError(f"Search for at most {MAX_QUERY} characters.")
    return query


SEARCH_HELP = ('Search with words, "a quoted phrase", a prefix like revi* and AND / OR / NOT '
               "between words.")


async def search(db: Database, guild_id: int, text: str, limit: int = 10) -> SearchResults:
    """Claims (key, statement, aliases) and articles (title, summary) of this server only,
    ranked by relevance (SQLite FTS5, bm25), with the hits marked in snippets."""
    query = _query(text)
    fts = search_store.fts_query(query)
    if not fts:
        raise InvalidInputError(f"Nothing to search for in {shown(query)}. {SEARCH_HELP}")
    n = _limit(limit, 10)
    try:
        claims = await search_store.search_claims(db, guild_id, fts, n)
        articles = await search_store.search_articles(db, guild_id, fts, n)
    except search_store.SearchSyntaxError as exc:
        raise InvalidInputError(
            f"Could not read the search {shown(query)} ({exc}). {SEARCH_HELP}") from None
    hits = [ClaimHit(c.topic_key, c.topic_title, c.claim_key, c.statement, c.status, c.snippet)
            for c in claims]
    return SearchResults(query, hits, articles)


async def feed_health(db: Database, guild_id: int) -> HealthReport:
    subs = await guilds.subscriptions(db, guild_id)
    pages = await article_pages.failures_by_feed(db, [s.feed.id for s in subs])
    no_pages = article_pages.FeedPageFailures(0, 0, 0, None)
    feeds = [
        FeedHealth(
            url=s.feed.url, name=s.feed.name, origin=s.feed.origin, interval=s.feed.interval,
            last_poll_at=s.feed.last_poll_at, last_ok_at=s.feed.last_ok_at,
            last_status=s.feed.last_status, last_error=s.feed.last_error,
            failures=s.feed.failures, next_poll_at=s.feed.next_poll_at, paused_here_at=s.paused_at,
            feed_paused_at=s.feed.paused_at, feed_paused_reason=s.feed.paused_reason,
            pages_fetched=pages.get(s.feed.id, no_pages).fetched,
            pages_failed=pages.get(s.feed.id, no_pages).failed,
            pages_last_error=pages.get(s.feed.id, no_pages).last_error,
        )
        for s in subs
    ]
    return HealthReport(feeds, await guilds.broken_channels(db, guild_id),
                        semantic=await get_meta(db, SEMANTIC_STATUS_KEY))


# --- why ----------------------------------------------------------------------------------

_TRACKING = re.compile(r"^(utm_[a-z0-9_]*|fbclid|gclid|mc_cid|mc_eid)$", re.IGNORECASE)


def _strip_tracking(url: str) -> str:
    """Fallback canonical form: lowercase scheme/host, no fragment, no utm_* parameters."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return url
    query = urlencode([(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
                       if not _TRACKING.match(k)])
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), parts.path, query, ""))


def _canonical(url: str) -> list[str]:
    """Forms of the input to look up: bot.parse's canonical URL if available, then ours."""
    forms = [url]
    try:
        from bot.parse import canonical_url  # written alongside; optional until then
    except ImportError:
        canonical_url = None
    if canonical_url is not None:
        try:
            value = canonical_url(url)
        except Exception:
            value = None
        if value:
            forms.insert(0, str(value))
    forms.append(_strip_tracking(url))
    return list(dict.fromkeys(forms))


def _band(score: float, low: float, high: float) -> str:
    if score >= high:
        return "apply"
    return "review" if score >= low else "below"


def _float(value: Any) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return 0.0


def _topic_why(topic: TopicSummaryRow, ev: guilds.Evaluation | None, statements: dict[str, str],
               low: float, high: float, top: int) -> TopicWhy:
    if ev is None:
        return TopicWhy(topic.key, topic.title, evaluated=False)
    gate = ev.detail.get("gate") if isinstance(ev.detail.get("gate"), dict) else {}
    hits = gate.get("hits") if isinstance(gate.get("hits"), list) else []
    groups = [
        GroupHit(topic.keywords[i] if i < len(topic.keywords) else (),
                 tuple(str(w) for w in (h or [])))
        for i, h in enumerate(hits)
    ]
    scores = []
    for s in ev.detail.get("scores") or []:
        if not isinstance(s, dict):
            continue
        key = str(s.get("claim") or "")
        score = _float(s.get("score"))
        features = s.get("features") if isinstance(s.get("features"), dict) else {}
        scores.append(ClaimScore(key, statements.get(key), score, str(s.get("evidence") or ""),
                                 {str(k): v if isinstance(v, str) else _float(v)
                                  for k, v in features.items()},
                                 _band(score, low, high)))
    scores.sort(key=lambda c: -c.score)
    return TopicWhy(
        topic.key, topic.title, evaluated=True, evaluated_at=ev.evaluated_at,
        gate_passed=bool(gate.get("passed")), groups=groups,
        excluded_by=gate.get("excluded_by") or None, relevant=ev.relevant, best=scores[:top],
        in_passing=ev.detail.get("in_passing") is True,
    )


async def thresholds(db: Database, guild_id: int, *, default_low: float = DEFAULT_LOW,
                     default_high: float = DEFAULT_HIGH) -> tuple[float, float]:
    """(low, high) for this server: its own setting where set, else the defaults given."""
    row = await guilds.get_guild(db, guild_id)
    low = row.match_low if row and row.match_low is not None else default_low
    high = row.match_high if row and row.match_high is not None else default_high
    return low, high


async def _score_on_demand(db: Database, guild_id: int, article_id: int,
                           by_topic: dict[str, guilds.Evaluation], low: float, high: float,
                           semantic: SemanticSide | None) -> dict[str, guilds.Evaluation]:
    """The poll cycle does not score a topic whose keyword gate failed (nothing can match
    there); `why` scores it now, on the stored text and the topics as they stand, the way the
    cycle would have, so the answer still shows how close each claim came."""
    entry = await articles.get_article(db, article_id)
    states = [r.state for r in await topics.all_topics(db) if r.guild_id == guild_id]
    if entry is None or not states:
        return by_topic
    try:
        thresholds = Thresholds(low=low, high=high)
    except ValueError:
        thresholds = Thresholds()
    results = {r.topic_key: r for r in await asyncio.to_thread(
        Matcher(states, thresholds, semantic=semantic).match, entry)}
    out = dict(by_topic)
    for key, ev in by_topic.items():
        result = results.get(key)
        if ev.detail.get("scored") is False and result is not None:
            out[key] = replace(ev, detail={**explain(result), "relevant": ev.relevant})
    return out


def _corroborated_by(payload: object) -> tuple[str, ...]:
    """The outlets a stored update names as corroborating it (bot.match.changes)."""
    found = payload.get("corroborated_by") if isinstance(payload, dict) else None
    return tuple(str(s) for s in found if s) if isinstance(found, list) else ()


async def why(db: Database, guild_id: int, url: str, *, default_low: float = DEFAULT_LOW,
              default_high: float = DEFAULT_HIGH, top: int = 3,
              include_reviews: bool = False, semantic: SemanticSide | None = None) -> WhyReport:
    """Explain what Dossier did with an article in this server: seen where, gate, scores, posts.

    An article this server's feeds never carried (even if another server's did) is reported
    as not seen, so `why` cannot be used to probe other servers. Review proposals (posts to
    the staff-only review channel) are listed only with `include_reviews`. `semantic` is the
    scorer the poll cycle matches with: a topic the cycle did not score (its gate failed) is
    scored here with it, so the figures are the ones the cycle would have stored.
    """
    query = (url or "").strip().strip("<>").strip()
    if not query:
        raise InvalidInputError("Give the article's URL, e.g. /why https://example.com/story.")
    forms = _canonical(query)
    low, high = await thresholds(db, guild_id, default_low=default_low, default_high=default_high)
    article = await guilds.find_article(db, forms)
    if article is None:  # a link to the page as the site shares it: its canonical URL
        found = await article_pages.article_for_canonical(db, forms)
        article = await guilds.get_article_hit(db, found) if found is not None else None
    not_seen = WhyReport(query=query, url=forms[0], found=False, low=low, high=high)
    if article is None:
        return not_seen
    seen_in = await guilds.guild_sightings(db, guild_id, article.article_id)
    evaluations = await guilds.guild_evaluations(db, guild_id, article.article_id)
    rows = await guilds.guild_outbox_for_article(db, guild_id, article.article_id)
    if not (seen_in or evaluations or rows):
        return not_seen
    by_topic = {e.topic_key: e for e in evaluations}
    if any(e.detail.get("scored") is False for e in evaluations):
        by_topic = await _score_on_demand(db, guild_id, article.article_id, by_topic, low, high,
                                          semantic)
    topic_rows = await claims_admin.topic_summaries(db, guild_id)
    key_by_id = {t.id: t.key for t in topic_rows}
    topic_views = []
    for t in topic_rows:
        statements = {c.state.key: c.state.statement
                      for c in await claims_admin.claims_of_topic(db, guild_id, t.key)}
        topic_views.append(_topic_why(t, by_topic.get(t.key), statements, low, high, max(1, top)))
    posts = [
        PostInfo(id=r.id, kind=r.kind, claim_key=r.payload.get("claim") if isinstance(r.payload, dict)
                 else None, topic_key=key_by_id.get(r.topic_id or 0), state=r.state,
                 review=r.proposal_id is not None, channel_id=r.channel_id,
                 message_id=r.message_id, created_at=r.created_at,
                 corroborated_by=_corroborated_by(r.payload))
        for r in rows
        if include_reviews or r.proposal_id is None
    ]
    source, note = await _text_source(db, article.article_id)
    return WhyReport(query=query, url=article.url or forms[0], found=True, low=low, high=high,
                     article=article, seen_in=seen_in, topics=topic_views, posts=posts,
                     text_source=source, text_source_note=note)


async def _text_source(db: Database, article_id: int) -> tuple[str, str | None]:
    """What the article's current revision was matched on, from what was stored (no fetch)."""
    page = await article_pages.latest_page(db, article_id)
    if page is not None:
        return page.source, page.note
    entry = await articles.get_article(db, article_id)
    if entry is not None and entry.content:
        return "feed_content", None
    return "feed_summary", "no article page was fetched for it"
