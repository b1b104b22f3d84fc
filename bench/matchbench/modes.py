"""How a feed carries an article: the text the matcher gets for each corpus record.

Each mode turns a story's records into the `Entry` objects the bot would build from such a
feed. Modes are registered in `available()`; the table reports them in that order.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bench.matchbench.corpus import Story, published
from bot.match.sentences import split_sentences
from bot.models import Entry

SUMMARY_CHARS = 300  # what real feeds carry: a title and a 200-400 character summary
SUMMARY_MAX = 400  # a sentence boundary may end the summary up to here


@dataclass(frozen=True)
class Mode:
    name: str  # CLI / JSON key
    label: str  # table heading
    entries: Callable[[Story], list[Entry]]  # one Entry per record, in the story's file order


def summary_of(text: str, target: int = SUMMARY_CHARS, limit: int = SUMMARY_MAX) -> str:
    """The lead as a feed summary: whole sentences, cut at the sentence end nearest `target`
    characters (never past `limit`); a first sentence longer than `limit` is cut at a word."""
    sentences = split_sentences(text)
    if not sentences:
        return ""
    ends: list[int] = []
    size = -1
    for sentence in sentences:
        size += len(sentence) + 1
        if size > limit:
            break
        ends.append(size)
    if not ends:
        cut = sentences[0].rfind(" ", 0, target)
        return sentences[0][: cut if cut > 0 else target] + "…"
    best = min(range(len(ends)), key=lambda i: abs(ends[i] - target))
    return " ".join(sentences[: best + 1])


def make_entry(record: dict[str, Any], *, summary: str = "", content: str = "") -> Entry:
    return Entry(identity=record["id"], url=record.get("url"), title=record.get("title") or "",
                 summary=summary, content=content, published=published(record),
                 source=record.get("source") or "", content_hash=record["id"])


def full_text(story: Story) -> list[Entry]:
    """A full-content feed: title + the whole text as content."""
    return [make_entry(r, content=r.get("text") or "") for r in story.records]


def feed_summary(story: Story) -> list[Entry]:
    """A realistic feed: title + a ~300-character summary, no content."""
    return [make_entry(r, summary=summary_of(r.get("text") or "")) for r in story.records]


FULL = Mode("full", "full text", full_text)
SUMMARY = Mode("summary", "title + 300-char summary", feed_summary)


def available() -> dict[str, Mode]:
    """The modes measured, in table order.

    Page mode (issue 11 item 6, branch `article`) goes here: bench/pages.py serves each
    record's text inside news-page layouts on loopback, the feed entry carries the summary and
    a link to that page, and the bot's own fetch + extraction reads it. Add it as
    `modes.append(Mode("page", "summary + fetched page", pages.page_entries))`. For the replay
    (`dossier run --once` fetching the pages itself), register a `replay.FeedKind` with
    `full=False` and a page provider: the loopback feed server answers `/article/<id>` with it.
    """
    modes = [FULL, SUMMARY]
    from bench.pages import PAGE  # issue 11: summary + the page behind the link (bench/pages.py)

    modes.append(PAGE)
    return {m.name: m for m in modes}
