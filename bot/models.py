"""Plain data shared by every pipeline step (fetch -> parse -> store -> match -> diff -> post).

These are frozen dataclasses with no I/O, so the pure steps (parse, match, diff, render)
can be tested by building them directly.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum


class Status(StrEnum):
    """The life of a claim, as a newsroom would label it."""

    ALLEGED = "alleged"
    CONFIRMED = "confirmed"
    DISPUTED = "disputed"
    DENIED = "denied"
    ONGOING = "ongoing"
    CONCLUDED = "concluded"
    RETRACTED = "retracted"


class ChangeKind(StrEnum):
    """What an article changes about a claim (or that it touches no claim at all)."""

    STATUS_CHANGE = "status_change"
    FIGURE_CHANGE = "figure_change"
    NEW_SOURCE = "new_source"
    DETAIL_CHANGE = "detail_change"
    NEW_DEVELOPMENT = "new_development"
    ARTICLE_REVISED = "article_revised"
    # Not a change: the bot asks an admin whether an article it was unsure of is about the
    # claim (bot/match/learnt.py). Only ever a review proposal; the answer teaches the matcher.
    MATCH_CHECK = "match_check"


@dataclass(frozen=True, slots=True)
class Entry:
    """One normalised feed entry: untrusted text, already reduced to plain text."""

    identity: str  # guid, else canonical URL, else hash of title and date
    url: str | None  # canonical URL, tracking parameters stripped
    title: str
    summary: str  # plain text
    content: str  # plain text of the full content, "" when the feed only has a summary
    published: datetime | None  # always UTC when set
    source: str  # outlet name (feed title or configured name)
    content_hash: str  # stable hash over title, summary, content (not timestamps)
    # Where `content` came from for matching (bot.enrich): "feed_content", "article_page" or
    # "feed_summary" (no content: the summary is all there is), and why, in a few words.
    text_source: str = ""
    text_source_note: str = ""

    @property
    def body(self) -> str:
        """The longest text the feed gave us: full content if present, else the summary."""
        return self.content if len(self.content) >= len(self.summary) else self.summary


@dataclass(frozen=True, slots=True)
class ClaimState:
    """A claim as it stands now (its latest revision)."""

    key: str
    statement: str
    status: Status
    aliases: tuple[str, ...] = ()
    figures: tuple[str, ...] = ()  # e.g. ("8,000 TB",) as written in sources
    sources: tuple[str, ...] = ()  # outlet names already cited for this claim
    # Learnt from the review queue (storage/examples.py): evidence an admin accepted, used as
    # extra wordings of the claim like aliases; and evidence marked "not related", which
    # lowers matches that resemble it. Newest last, at most storage.examples.MAX_PER_KIND each.
    examples: tuple[str, ...] = ()
    negatives: tuple[str, ...] = ()
    # The same decisions as labels at the score the claim had when they were made: (score,
    # about the claim). They move the claim's own match bar (bot/match/learnt.py).
    labels: tuple[tuple[float, bool], ...] = ()
    asked: int = 0  # questions about this claim put in the review queue so far, answered or not
    # Figures the claim held before its current ones (from its revisions, storage/topics.py):
    # a later article restating one of them tells history, not news (bot.match.changes).
    former_figures: tuple[str, ...] = ()
    # Its newest pending figure proposals (storage/topics.py; the pipeline adds a cycle's own):
    # a second outlet reporting the same figure applies it (bot.match.changes, corroboration).
    proposed: tuple[Proposed, ...] = ()


@dataclass(frozen=True, slots=True)
class Proposed:
    """A pending proposal of a claim, as far as corroboration needs it: the value, and who said it."""

    kind: str  # "status_change" | "figure_change"
    before: str | None
    after: str
    source: str  # the outlet of its article
    url: str | None
    evidence: str


@dataclass(frozen=True, slots=True)
class TopicState:
    """A tracked story: its relevance gate and its claims."""

    key: str
    title: str
    keywords: tuple[tuple[str, ...], ...]  # AND of ORs
    exclude: tuple[str, ...] = ()
    claims: tuple[ClaimState, ...] = ()


@dataclass(frozen=True, slots=True)
class ClaimMatch:
    """Why an article was matched to one claim: the evidence sentence(s) and the score."""

    claim_key: str
    score: float  # 0..100
    evidence: str
    features: dict[str, float | str] = field(default_factory=dict)  # for `why`: what decided it


@dataclass(frozen=True, slots=True)
class ArticleRef:
    url: str | None
    title: str
    source: str
    published: datetime | None


@dataclass(frozen=True, slots=True)
class Change:
    """One detected change: the unit the diff, the renderers and the outbox work with.

    `before`/`after` name the value that changed as short text (a status, a figure,
    an outlet, a statement vs evidence); `None` when there was nothing before.
    `confident` decides apply (new claim revision) or propose (review queue).
    """

    kind: ChangeKind
    topic_key: str
    topic_title: str
    claim_key: str | None
    claim_statement: str | None
    article: ArticleRef
    score: float
    evidence: str
    before: str | None
    after: str | None
    confident: bool
    diff: str = ""  # filled by bot.diff: lines for a ```diff block
    text_source: str = ""  # the entry's text source (see Entry.text_source), "" when unknown
    text_source_note: str = ""
    # Outlets whose pending proposals of the same value made this change confident (an
    # independent second report: bot.match.changes, corroboration); () when none did.
    corroborated_by: tuple[str, ...] = ()
