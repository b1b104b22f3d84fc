"""What a server's admins can change: topics, claims, feeds, channels, thresholds.

Each function validates its input (raising `InvalidInputError` with a sentence to show),
only touches rows of `guild_id`, and writes an audit row naming the admin. Claim changes are
revisions with actor "admin:<user id>", written together with the audit row.
Permission checks (who is an admin) are the cog's job; this layer trusts the actor it is given.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from bot.config import (
    DEFAULT_INTERVAL,
    MAX_INTERVAL,
    MIN_INTERVAL,
    SLUG,
    format_interval,
    parse_interval,
    validate_feed_url,
)
from bot.models import ClaimState, Status
from bot.service.browse import (
    DEFAULT_HIGH,
    DEFAULT_LOW,
    ClaimDetail,
    FeedHealth,
    LearntExample,
    TopicDetail,
    TopicSummary,
    claim_detail,
    feed_health,
    learnt_example,
    require_claim,
    require_topic,
    topic_detail,
)
from bot.service.discover import require_public_url
from bot.service.errors import (
    ConflictError,
    InvalidInputError,
    NotFoundError,
    shown,
)
from storage import article_pages, claims_admin, examples, guilds
from storage import feeds as feed_store
from storage import outbox as outbox_store
from storage.claims_admin import DuplicateKeyError, NoChangeError
from storage.db import Database
from storage.guilds import AuditEntry
from storage.topics import ClaimNotFoundError, TopicNotFoundError

MAX_TITLE = 200
MAX_STATEMENT = 1000
MAX_KEYWORD = 100
MAX_KEYWORDS = 50
MAX_FIGURE = 100
MAX_SOURCE = 200
MAX_FEED_NAME = 100
MAX_URL = 2000
AUTO_PAUSE_PREFIX = "paused after"  # bot.pipeline's reason for pausing a failing feed
# Audit actions whose detail is the channel they set, written by this module as "<#id>".
CHANNEL_ACTIONS = frozenset({"topic.channel", "guild.admin_channel"})
_CHANNEL_DETAIL = re.compile(r"<#(\d+)>")


@dataclass(frozen=True)
class Actor:
    """The admin making a change, as the audit log and the revision actor name them."""

    id: int
    name: str

    @property
    def revision_actor(self) -> str:
        return f"admin:{self.id}"


@dataclass(frozen=True)
class ClaimChange:
    topic_key: str
    claim_key: str
    before: ClaimState
    after: ClaimState
    rev: int


@dataclass(frozen=True)
class MergeOutcome:
    source: tuple[str, str]  # (topic key, claim key), now retired
    target: tuple[str, str]
    target_before: ClaimState
    target_after: ClaimState
    rev: int
    moved_matches: int
    moved_proposals: int


@dataclass(frozen=True)
class FeedAdded:
    feed: FeedHealth
    created: bool  # False: the feed was already polled for another server; now shared


@dataclass(frozen=True)
class FeedRemoved:
    url: str
    deleted: bool  # the feed row went too (admin-added and no server subscribes any more)


@dataclass(frozen=True)
class ChannelSet:
    topic_key: str
    channel_id: int
    released: int  # held updates queued again for delivery


@dataclass(frozen=True)
class AdminChannelSet:
    channel_id: int
    released: int  # held updates queued again for delivery


@dataclass(frozen=True)
class ThresholdSetting:
    low: float | None  # None: the global default
    high: float | None


@dataclass(frozen=True)
class AuditItem:
    id: int
    actor_id: int | None
    actor_name: str | None
    action: str
    target: str  # "" for the server itself
    detail: str
    created_at: datetime | None
    channel_id: int | None = None  # a channel action's channel (its detail names nothing else)


@dataclass(frozen=True)
class AuditPage:
    entries: list[AuditItem]  # newest first
    total: int
    offset: int
    limit: int

    @property
    def has_more(self) -> bool:
        return self.offset + len(self.entries) < self.total


# --- input validation ----------------------------------------------------------------------


def _audit(guild_id: int, actor: Actor, action: str, target: str, detail: str = "") -> AuditEntry:
    return AuditEntry(guild_id, actor.id, actor.name, action, target, detail)


def _slug(value: str, what: str) -> str:
    text = (value or "").strip().lower()
    if not SLUG.match(text):
        raise InvalidInputError(
            f"{shown(value)} is not a valid {what} key: use lowercase letters, digits and '-' "
            "(up to 63 characters, starting with a letter or digit), e.g. `unit-8200`."
        )
    return text


def _text(value: str, what: str, max_len: int) -> str:
    text = " ".join((value or "").split())
    if not text:
        raise InvalidInputError(f"The {what} cannot be empty.")
    if len(text) > max_len:
        raise InvalidInputError(f"The {what} is too long ({len(text)} characters, at most {max_len}).")
    return text


def _words(text: str, what: str) -> tuple[str, ...]:
    words = []
    for raw in text.split(","):
        word = " ".join(raw.split())
        if not word:
            continue
        if len(word) > MAX_KEYWORD:
            raise InvalidInputError(
                f"The {what} {shown(word)} is too long (at most {MAX_KEYWORD} characters)."
            )
        words.append(word)
    return tuple(dict.fromkeys(words))


def parse_keywords(text: str) -> tuple[tuple[str, ...], ...]:
    """"microsoft, azure; israel, unit 8200" -> (("microsoft", "azure"), ("israel", "unit 8200")).

    Groups (separated by ';') must all match; any word (separated by ',') of a group does.
    """
    groups = [g for g in (_words(part, "keyword") for part in (text or "").split(";")) if g]
    if not groups:
        raise InvalidInputError(
            "Give at least one keyword. Separate words of a group with ',' and groups with ';', "
            "e.g. `microsoft, azure; israel, unit 8200` (an article needs a word from every group)."
        )
    if sum(len(g) for g in groups) > MAX_KEYWORDS:
        raise InvalidInputError(f"At most {MAX_KEYWORDS} keywords per topic.")
    return tuple(groups)


def parse_excludes(text: str) -> tuple[str, ...]:
    """"sports, gaming" -> ("sports", "gaming"); empty text clears the excludes."""
    words = _words((text or "").replace(";", ","), "exclude word")
    if len(words) > MAX_KEYWORDS:
        raise InvalidInputError(f"At most {MAX_KEYWORDS} exclude words per topic.")
    return words


def parse_status(value: str) -> Status:
    try:
        return Status((value or "").strip().lower())
    except ValueError:
        allowed = ", ".join(s.value for s in Status)
        raise InvalidInputError(f"{shown(value)} is not a status. Use one of: {allowed}.") from None


def _channel(channel_id: int) -> int:
    if not isinstance(channel_id, int) or isinstance(channel_id, bool) or channel_id <= 0:
        raise InvalidInputError("That is not a channel I can post in.")
    return channel_id


def _feed_url(url: str) -> str:
    text = (url or "").strip().strip("<>").strip()
    if len(text) > MAX_URL:
        raise InvalidInputError(f"That URL is too long (at most {MAX_URL} characters).")
    try:
        return validate_feed_url(text)
    except ValueError:
        raise InvalidInputError(
            f"{shown(text)} is not a feed URL: give an absolute http(s) address, "
            "e.g. https://example.com/rss."
        ) from None


def _interval(value: str | None) -> timedelta:
    if value is None or not str(value).strip():
        return DEFAULT_INTERVAL
    try:
        interval = parse_interval(value)
    except ValueError:
        raise InvalidInputError(f"{shown(value)} is not an interval like 15m, 1h or 1h30m.") from None
    if interval < MIN_INTERVAL:
        raise InvalidInputError(
            f"Poll at most every {format_interval(MIN_INTERVAL)}: be polite to publishers."
        )
    if interval > MAX_INTERVAL:
        raise InvalidInputError(f"Poll at least every {format_interval(MAX_INTERVAL)}.")
    return interval


# --- topics ----------------------------------------------------------------------------------


async def add_topic(db: Database, guild_id: int, key: str, title: str, keywords: str, *,
                    actor_id: int, actor_name: str, exclude: str = "") -> TopicDetail:
    actor = Actor(actor_id, actor_name)
    key = _slug(key, "topic")
    title = _text(title, "title", MAX_TITLE)
    groups = parse_keywords(keywords)
    excludes = parse_excludes(exclude)
    detail = f"{title} | keywords: {'; '.join(', '.join(g) for g in groups)}"
    try:
        await claims_admin.add_topic(db, guild_id, key, title, groups, excludes,
                                     audit=_audit(guild_id, actor, "topic.add", key, detail))
    except DuplicateKeyError:
        raise ConflictError(f"This server already has a topic {shown(key)}. Pick another key.") from None
    return await topic_detail(db, guild_id, key)


async def _update_topic(
    db: Database, guild_id: int, key: str, actor: Actor, action: str, detail: str, *,
    title: str | None = None, keywords: tuple[tuple[str, ...], ...] | None = None,
    exclude: tuple[str, ...] | None = None,
) -> TopicDetail:
    topic = await require_topic(db, guild_id, key)
    ok = await claims_admin.update_topic(db, guild_id, topic.key, title=title, keywords=keywords,
                                         exclude=exclude,
                                         audit=_audit(guild_id, actor, action, topic.key, detail))
    if not ok:  # removed between the lookup and the update
        raise NotFoundError(f"No topic {shown(key)} in this server. Try /topics.")
    return await topic_detail(db, guild_id, topic.key)


async def rename_topic(db: Database, guild_id: int, key: str, title: str, *,
                       actor_id: int, actor_name: str) -> TopicDetail:
    actor = Actor(actor_id, actor_name)
    title = _text(title, "title", MAX_TITLE)
    return await _update_topic(db, guild_id, key, actor, "topic.rename", title, title=title)


async def set_keywords(db: Database, guild_id: int, key: str, keywords: str, *,
                       actor_id: int, actor_name: str) -> TopicDetail:
    actor = Actor(actor_id, actor_name)
    groups = parse_keywords(keywords)
    return await _update_topic(db, guild_id, key, actor, "topic.keywords",
                               "; ".join(", ".join(g) for g in groups), keywords=groups)


async def set_excludes(db: Database, guild_id: int, key: str, exclude: str, *,
                       actor_id: int, actor_name: str) -> TopicDetail:
    actor = Actor(actor_id, actor_name)
    words = parse_excludes(exclude)
    return await _update_topic(db, guild_id, key, actor, "topic.excludes",
                               ", ".join(words) or "(none)", exclude=words)


async def remove_topic(db: Database, guild_id: int, key: str, *, actor_id: int,
                       actor_name: str) -> TopicSummary:
    """Delete a topic and its claims; returns what it was so the reply can name it."""
    actor = Actor(actor_id, actor_name)
    t = await require_topic(db, guild_id, key)
    removed = await claims_admin.remove_topic(
        db, guild_id, t.key,
        audit=_audit(guild_id, actor, "topic.remove", t.key, f"{t.title} ({t.active_claims} claims)"),
    )
    if not removed:
        raise NotFoundError(f"No topic {shown(key)} in this server. Try /topics.")
    return TopicSummary(t.key, t.title, t.active_claims, t.retired_claims, t.last_change_at,
                        t.channel_id, t.channel_error)


# --- claims ----------------------------------------------------------------------------------


async def add_claim(db: Database, guild_id: int, topic_key: str, key: str, statement: str,
                    status: str, *, actor_id: int, actor_name: str) -> ClaimDetail:
    actor = Actor(actor_id, actor_name)
    topic = await require_topic(db, guild_id, topic_key)
    key = _slug(key, "claim")
    statement = _text(statement, "statement", MAX_STATEMENT)
    state = ClaimState(key=key, statement=statement, status=parse_status(status))
    target = f"{topic.key}/{key}"
    try:
        await claims_admin.add_claim(
            db, guild_id, topic.key, state, actor=actor.revision_actor,
            reason=f"claim added by {actor.name}",
            audit=_audit(guild_id, actor, "claim.add", target, f"[{state.status}] {statement}"),
        )
    except DuplicateKeyError as exc:
        retired = " (a retired claim keeps its key)" if str(exc) == "retired" else ""
        raise ConflictError(
            f"Topic {shown(topic.key)} already has a claim {shown(key)}{retired}. Pick another key."
        ) from None
    except TopicNotFoundError:
        raise NotFoundError(f"No topic {shown(topic_key)} in this server. Try /topics.") from None
    return await claim_detail(db, guild_id, topic.key, key)


async def _change_claim(db: Database, guild_id: int, topic_key: str, claim_key: str, actor: Actor,
                        *, transform: Callable[[ClaimState], ClaimState], kind: str, action: str, detail: str,
                        unchanged: str) -> ClaimChange:
    claim = await require_claim(db, guild_id, topic_key, claim_key)
    target = f"{claim.topic_key}/{claim.state.key}"
    try:
        before, after, rev = await claims_admin.update_claim(
            db, guild_id, claim.topic_key, claim.state.key, transform,
            kind=kind, reason=f"{detail} (by {actor.name})", actor=actor.revision_actor,
            audit=_audit(guild_id, actor, action, target, detail),
        )
    except NoChangeError:
        raise ConflictError(unchanged) from None
    except ClaimNotFoundError:
        raise NotFoundError(f"Claim {shown(target)} was retired or removed meanwhile.") from None
    return ClaimChange(claim.topic_key, claim.state.key, before, after, rev)


async def edit_statement(db: Database, guild_id: int, topic_key: str, claim_key: str,
                         statement: str, *, actor_id: int, actor_name: str) -> ClaimChange:
    actor = Actor(actor_id, actor_name)
    statement = _text(statement, "statement", MAX_STATEMENT)
    return await _change_claim(
        db, guild_id, topic_key, claim_key, actor,
        transform=lambda s: replace(s, statement=statement), kind="edit", action="claim.edit",
        detail=f"statement: {statement}", unchanged="The claim already says exactly that.",
    )


async def set_status(db: Database, guild_id: int, topic_key: str, claim_key: str, status: str,
                     *, actor_id: int, actor_name: str) -> ClaimChange:
    actor = Actor(actor_id, actor_name)
    new = parse_status(status)
    return await _change_claim(
        db, guild_id, topic_key, claim_key, actor,
        transform=lambda s: replace(s, status=new), kind="status_change",
        action="claim.set_status", detail=f"status: {new}",
        unchanged=f"The claim's status is already {new}.",
    )


async def add_figure(db: Database, guild_id: int, topic_key: str, claim_key: str, figure: str,
                     *, actor_id: int, actor_name: str) -> ClaimChange:
    actor = Actor(actor_id, actor_name)
    value = _text(figure, "figure", MAX_FIGURE)
    return await _change_claim(
        db, guild_id, topic_key, claim_key, actor,
        transform=lambda s: s if value in s.figures else replace(s, figures=(*s.figures, value)),
        kind="figure_change", action="claim.add_figure", detail=f"figure: {value}",
        unchanged=f"The claim already has the figure {shown(value)}.",
    )


async def add_source(db: Database, guild_id: int, topic_key: str, claim_key: str, source: str,
                     *, actor_id: int, actor_name: str) -> ClaimChange:
    actor = Actor(actor_id, actor_name)
    value = _text(source, "source", MAX_SOURCE)
    return await _change_claim(
        db, guild_id, topic_key, claim_key, actor,
        transform=lambda s: s if value in s.sources else replace(s, sources=(*s.sources, value)),
        kind="new_source", action="claim.add_source", detail=f"source: {value}",
        unchanged=f"The claim already cites {shown(value)}.",
    )


async def retire_claim(db: Database, guild_id: int, topic_key: str, claim_key: str, *,
                       actor_id: int, actor_name: str, reason: str = "") -> ClaimDetail:
    """Stop matching a claim; its history stays readable with /claim."""
    actor = Actor(actor_id, actor_name)
    claim = await require_claim(db, guild_id, topic_key, claim_key)
    why = " ".join(reason.split())[:MAX_STATEMENT] if reason else ""
    target = f"{claim.topic_key}/{claim.state.key}"
    try:
        await claims_admin.retire_claim(
            db, guild_id, claim.topic_key, claim.state.key,
            reason=f"retired by {actor.name}" + (f": {why}" if why else ""),
            actor=actor.revision_actor, audit=_audit(guild_id, actor, "claim.retire", target, why),
        )
    except ClaimNotFoundError:
        raise NotFoundError(f"Claim {shown(target)} was already retired.") from None
    return await claim_detail(db, guild_id, claim.topic_key, claim.state.key)


async def remove_example(db: Database, guild_id: int, topic_key: str, claim_key: str, example_id: int,
                         *, actor_id: int, actor_name: str) -> LearntExample:
    """Undo what a review decision taught: the matcher stops using that example (audited).

    Works on retired claims too, so nothing learnt is ever stuck. The claim itself is not
    changed, so no revision is written; the audit row keeps the removed text.
    """
    actor = Actor(actor_id, actor_name)
    claim = await require_claim(db, guild_id, topic_key, claim_key, active=False)
    target = f"{claim.topic_key}/{claim.state.key}"
    try:
        number = int(example_id)
    except (TypeError, ValueError):
        raise InvalidInputError(f"{shown(str(example_id))} is not an example number.") from None
    known = {e.id: e for e in await examples.examples_of_claim(db, claim.id)}
    if number not in known:
        raise NotFoundError(f"Claim {shown(target)} has no learnt example #{number}. "
                            f"See them with /claim {claim.topic_key} {claim.state.key}.")
    detail = f"{known[number].kind} example #{number}: {known[number].text}"
    removed = await examples.remove_example(
        db, claim.id, number, audit=_audit(guild_id, actor, "claim.unlearn", target, detail))
    if removed is None:
        raise NotFoundError(f"Example #{number} was removed meanwhile.")
    return learnt_example(removed)


async def merge_claims(db: Database, guild_id: int, source_topic: str, source_claim: str,
                       target_topic: str, target_claim: str, *, actor_id: int,
                       actor_name: str) -> MergeOutcome:
    """Fold a duplicate claim into another claim of this server (the source is retired)."""
    actor = Actor(actor_id, actor_name)
    src = await require_claim(db, guild_id, source_topic, source_claim)
    dst = await require_claim(db, guild_id, target_topic, target_claim)
    source = (src.topic_key, src.state.key)
    target = (dst.topic_key, dst.state.key)
    if src.id == dst.id:
        raise InvalidInputError("A claim cannot be merged into itself.")
    label_s, label_t = "/".join(source), "/".join(target)
    try:
        result = await claims_admin.merge_claims(
            db, guild_id, source, target, actor=actor.revision_actor,
            reason=f"merged {label_s} into this claim (by {actor.name})",
            audit=_audit(guild_id, actor, "claim.merge", label_s, f"into {label_t}"),
        )
    except ClaimNotFoundError:
        raise NotFoundError("One of the claims was retired meanwhile; nothing was merged.") from None
    return MergeOutcome(source, target, result.target_before, result.target_after, result.target_rev,
                        result.moved_matches, result.moved_proposals)


# --- feeds -----------------------------------------------------------------------------------


async def _health_of(db: Database, guild_id: int, url: str) -> FeedHealth:
    for feed in (await feed_health(db, guild_id)).feeds:
        if feed.url == url:
            return feed
    raise NotFoundError(f"This server does not follow {shown(url)}. Try /feeds.")


def check_feed_args(url: str, *, name: str | None = None, interval: str | None = None) -> str:
    """The normalised URL, after the checks `add_feed` makes on its arguments (nothing fetched)."""
    if name and name.strip():
        _text(name, "feed name", MAX_FEED_NAME)
    _interval(interval)
    return _feed_url(url)


async def add_feed(db: Database, guild_id: int, url: str, *, actor_id: int, actor_name: str,
                   name: str | None = None, interval: str | None = None,
                   allow_private: bool = False) -> FeedAdded:
    """Follow a feed: checked against the SSRF guard, created if new, then subscribed.

    An existing feed keeps its name and interval: they are shared with other servers.
    """
    actor = Actor(actor_id, actor_name)
    url = _feed_url(url)
    every = _interval(interval)
    label = _text(name, "feed name", MAX_FEED_NAME) if name and name.strip() else None
    if not allow_private:
        await require_public_url(url)
    created, subscribed = await guilds.add_feed_and_subscribe(
        db, guild_id, url, name=label, interval_s=int(every.total_seconds()),
        audit=_audit(guild_id, actor, "feed.add", url, label or ""),
    )
    if not subscribed:
        raise ConflictError(f"This server already follows {shown(url)}.")
    return FeedAdded(await _health_of(db, guild_id, url), created)


async def remove_feed(db: Database, guild_id: int, url: str, *, actor_id: int,
                      actor_name: str) -> FeedRemoved:
    actor = Actor(actor_id, actor_name)
    url = (url or "").strip().strip("<>").strip()
    removed, deleted = await guilds.unsubscribe(
        db, guild_id, url, audit=_audit(guild_id, actor, "feed.remove", url)
    )
    if not removed:
        raise NotFoundError(f"This server does not follow {shown(url)}. Try /feeds.")
    return FeedRemoved(url, deleted)


async def pause_feed(db: Database, guild_id: int, url: str, *, actor_id: int, actor_name: str) -> FeedHealth:
    """Stop this server's topics from seeing the feed (other servers are not affected)."""
    actor = Actor(actor_id, actor_name)
    url = (url or "").strip().strip("<>").strip()
    current = await _health_of(db, guild_id, url)
    if current.paused_here_at is not None:
        raise ConflictError(f"{shown(url)} is already paused in this server.")
    await guilds.set_subscription_paused(db, guild_id, url, True,
                                         audit=_audit(guild_id, actor, "feed.pause", url))
    return await _health_of(db, guild_id, url)


async def resume_feed(db: Database, guild_id: int, url: str, *, actor_id: int, actor_name: str) -> FeedHealth:
    """Resume this server's subscription, and the feed itself if failures had paused it."""
    actor = Actor(actor_id, actor_name)
    url = (url or "").strip().strip("<>").strip()
    current = await _health_of(db, guild_id, url)
    auto = current.feed_paused_at is not None and (current.feed_paused_reason or "").startswith(
        AUTO_PAUSE_PREFIX)
    if current.paused_here_at is None and not auto:
        raise ConflictError(f"{shown(url)} is not paused in this server.")
    detail = "cleared the automatic pause" if auto else ""
    if current.paused_here_at is not None:
        await guilds.set_subscription_paused(db, guild_id, url, False,
                                             audit=_audit(guild_id, actor, "feed.resume", url, detail))
    else:
        await guilds.record_audit(db, _audit(guild_id, actor, "feed.resume", url, detail))
    if auto:
        await feed_store.set_paused(db, url, False)
    return await _health_of(db, guild_id, url)


async def set_feed_fetch_article(db: Database, guild_id: int, url: str, mode: str, *, actor_id: int,
                                 actor_name: str) -> str:
    """Set whether Dossier reads the article page behind the feed's entries (auto, always,
    never). The setting belongs to the feed, so a feed other servers follow too is refused."""
    actor = Actor(actor_id, actor_name)
    url = (url or "").strip().strip("<>").strip()
    mode = (mode or "").strip().lower()
    if mode not in article_pages.FETCH_MODES:
        raise InvalidInputError(f"fetch_article must be one of {', '.join(article_pages.FETCH_MODES)}.")
    await _health_of(db, guild_id, url)
    row = await feed_store.get_feed(db, url)
    others = (await feed_store.subscribers(db)).get(row.id, set()) - {guild_id}
    if others:
        raise ConflictError(f"{shown(url)} is also followed by {len(others)} other server(s); its "
                            "article setting is shared, so it stays as it is.")
    await article_pages.set_fetch_mode(db, url, mode)
    await guilds.record_audit(db, _audit(guild_id, actor, "feed.fetch_article", url, mode))
    return mode


# --- channels and thresholds -----------------------------------------------------------------------


async def set_topic_channel(db: Database, guild_id: int, topic_key: str, channel_id: int, *,
                            actor_id: int, actor_name: str) -> ChannelSet:
    """Post a topic's updates to a channel; clears a broken-channel flag and retries held updates."""
    actor = Actor(actor_id, actor_name)
    channel = _channel(channel_id)
    topic = await require_topic(db, guild_id, topic_key)
    ok = await guilds.set_topic_channel(
        db, guild_id, topic.key, channel,
        audit=_audit(guild_id, actor, "topic.channel", topic.key, f"<#{channel}>"),
    )
    if not ok:
        raise NotFoundError(f"No topic {shown(topic_key)} in this server. Try /topics.")
    released = await outbox_store.release_held(db, guild_id)
    return ChannelSet(topic.key, channel, released)


async def set_admin_channel(db: Database, guild_id: int, channel_id: int, *, actor_id: int,
                            actor_name: str) -> AdminChannelSet:
    """Where proposals for review are posted; updates held for want of it are retried."""
    actor = Actor(actor_id, actor_name)
    channel = _channel(channel_id)
    await guilds.set_admin_channel(db, guild_id, channel,
                                   audit=_audit(guild_id, actor, "guild.admin_channel",
                                                str(guild_id), f"<#{channel}>"))
    released = await outbox_store.release_held(db, guild_id)
    return AdminChannelSet(channel, released)


async def set_thresholds(db: Database, guild_id: int, low: float | None, high: float | None, *,
                         actor_id: int, actor_name: str, default_low: float = DEFAULT_LOW,
                         default_high: float = DEFAULT_HIGH) -> ThresholdSetting:
    """Match score cut-offs for this server (0 <= low < high <= 100).

    Either one alone: the other keeps its current value, i.e. this server's own setting or,
    if it has none, it keeps following the default (`default_low` / `default_high`, the
    bot's configured thresholds). Neither: back to the defaults for both.
    """
    actor = Actor(actor_id, actor_name)
    given: dict[str, float] = {}
    for name, value in (("low", low), ("high", high)):
        if value is None:
            continue
        try:
            number = float(value)
        except (TypeError, ValueError):
            raise InvalidInputError("Thresholds are numbers from 0 to 100.") from None
        if not 0 <= number <= 100:
            raise InvalidInputError(f"The {name} threshold must be from 0 to 100 (got {number:g}).")
        given[name] = number
    new_low: float | None = None
    new_high: float | None = None
    if given:
        row = await guilds.get_guild(db, guild_id)
        new_low = given.get("low", row.match_low if row else None)
        new_high = given.get("high", row.match_high if row else None)
        low_now = new_low if new_low is not None else default_low
        high_now = new_high if new_high is not None else default_high
        if not low_now < high_now:
            raise InvalidInputError(_order_error(given, low_now, high_now, default_low=new_low is None,
                                                 default_high=new_high is None))
    detail = ("defaults" if not given else
              f"low {_threshold_text(new_low)}, high {_threshold_text(new_high)}")
    await guilds.set_thresholds(db, guild_id, new_low, new_high,
                                audit=_audit(guild_id, actor, "guild.thresholds", str(guild_id), detail))
    return ThresholdSetting(new_low, new_high)


def _threshold_text(value: float | None) -> str:
    return "default" if value is None else f"{value:g}"


def _order_error(given: dict[str, float], low: float, high: float, *, default_low: bool,
                 default_high: bool) -> str:
    """Why low/high were refused, naming the value that was kept when only one was given."""
    if "low" in given and "high" in given:
        return (f"The low threshold must be below the high one (got low {low:g}, high {high:g}). "
                "Nothing was changed.")
    if "low" in given:
        kept = f"this server's high threshold, {high:g}" + (" (the default)" if default_high else "")
        return (f"The low threshold ({low:g}) must be below {kept}. Give a lower value, or set `high` "
                "too. Nothing was changed.")
    kept = f"this server's low threshold, {low:g}" + (" (the default)" if default_low else "")
    return (f"The high threshold ({high:g}) must be above {kept}. Give a higher value, or set `low` "
            "too. Nothing was changed.")


def _audit_item(guild_id: int, r: guilds.AuditRow) -> AuditItem:
    """An audit row as shown: the channel of a channel action as an id (rendered as a mention,
    not as the text it is stored as), and no target when it is the server itself."""
    channel = _CHANNEL_DETAIL.fullmatch(r.detail) if r.action in CHANNEL_ACTIONS else None
    target = "" if r.action.startswith("guild.") and r.target == str(guild_id) else r.target
    return AuditItem(r.id, r.actor_id, r.actor_name, r.action, target,
                     "" if channel else r.detail, r.created_at,
                     channel_id=int(channel[1]) if channel else None)


async def audit_log(db: Database, guild_id: int, *, offset: int = 0, limit: int = 20) -> AuditPage:
    offset = max(0, int(offset))
    limit = max(1, min(int(limit), 100))
    rows = await guilds.audit_log(db, guild_id, offset=offset, limit=limit)
    entries = [_audit_item(guild_id, r) for r in rows]
    return AuditPage(entries, await guilds.audit_count(db, guild_id), offset, limit)
