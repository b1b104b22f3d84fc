"""Before matching: read the article page behind entries whose feed gives only a short summary.

`ArticleReader.enrich(db, items)` takes the entries about to be matched and returns them with
`content` set to the page's main text where a page was read, and `text_source` saying where the
matched text came from (`feed_content`, `article_page`, `feed_summary`) and why. What it read is
stored per entry revision (storage.article_pages), so the same revision is never fetched twice:
not the next cycle, not for another topic, not for `why`.

When a page is fetched (feed key `fetch_article`):
- `never`: not fetched;
- `auto` (default): the entry has no content element, its summary is shorter than
  `short_chars`, and its title + summary name at least one keyword of any topic (the relaxed
  gate: one keyword from any group, not one from every group; see docs/decisions.md);
- `always`: every new or revised entry with a link, content element or not, no gate.
A failure never blocks the entry: it is matched on the feed's own text.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from types import TracebackType
from typing import TYPE_CHECKING, Self

from bot.fetch.article import ArticleFetcher
from bot.models import Change, Entry
from bot.parse.article import ExtractedPage, extract_article
from storage import article_pages as page_store
from storage import topics as topic_store
from storage.article_pages import StoredPage
from storage.db import Database, utcnow

if TYPE_CHECKING:
    from bot.match.gate import Gate

log = logging.getLogger(__name__)

DEFAULT_SHORT_CHARS = 1500
DEFAULT_BUDGET = 120.0  # seconds of page reading per cycle: a slow host must not hold the cycle

FEED_CONTENT = "feed_content"
ARTICLE_PAGE = "article_page"
FEED_SUMMARY = "feed_summary"


@dataclass(frozen=True, slots=True)
class EnrichItem:
    """One entry about to be matched, and where it came from."""

    article_id: int
    feed_id: int
    entry: Entry


@dataclass
class EnrichReport:
    """What one `enrich` call did, for logs, tests and benches."""

    fetched: int = 0  # pages requested this call
    read: int = 0  # pages whose text is now matched
    failed: int = 0
    reused: int = 0  # revisions already read earlier: no request
    not_needed: int = 0  # full content, long summary, no keyword, never


_ASK_GATE = "(the relaxed gate decides)"  # _skip_reason: a short entry the gate decides on


def _gate_reason(entry: Entry, gate: Gate | None) -> str | None:
    """None when title + summary name a keyword of any topic (the page is fetched)."""
    from bot.match.normalise import fold

    if gate is None or not gate.check(fold(f"{entry.title}\n{entry.summary}")).passed:
        return "no topic keyword in title or summary: page not fetched"
    return None


class ArticleReader:
    """Owns the page fetcher and a one-thread extraction executor.

    Extraction runs on its own single thread, not the default pool: one page at a time can hold
    at most one core, matching (which uses the default pool) is never queued behind a slow page,
    and the HTML handed to the extractor is capped (bot.parse.article.MAX_EXTRACT_CHARS, MAX_TREE_SIZE), which
    bounds how long any one page can hold that thread.
    """

    def __init__(self, pages: ArticleFetcher, *, short_chars: int = DEFAULT_SHORT_CHARS,
                 budget: float = DEFAULT_BUDGET) -> None:
        if short_chars < 0 or budget <= 0:
            raise ValueError("short_chars must not be negative and budget must be positive")
        self.pages = pages
        self.short_chars = short_chars
        self.budget = budget
        self._pool: ThreadPoolExecutor | None = None
        self._gates: dict[tuple[str, ...], Gate] = {}
        self.last_report = EnrichReport()

    async def __aenter__(self) -> Self:
        await self.pages.__aenter__()
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="dossier-extract")
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.pages.__aexit__(exc_type, exc, tb)
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    async def enrich(self, db: Database, items: Sequence[EnrichItem]) -> list[Entry]:
        """The entries, in order, each with its text source; pages read and stored as needed."""
        report = self.last_report = EnrichReport()
        if not items:
            return []
        modes = await page_store.fetch_modes(db, {i.feed_id for i in items})
        stored = await page_store.pages_for(
            db, [(i.article_id, i.entry.content_hash) for i in items]
        )
        out: list[Entry | None] = [None] * len(items)
        to_fetch: list[int] = []
        reasons: dict[int, str | None] = {}
        for n, item in enumerate(items):
            page = stored.get((item.article_id, item.entry.content_hash))
            if page is not None:
                report.reused += 1
                out[n] = apply_page(item.entry, page)
                continue
            reasons[n] = self._skip_reason(item.entry, modes.get(item.feed_id, "auto"))
        if _ASK_GATE in reasons.values():
            # built only when a short entry needs it: full-content feeds never compile it (the
            # keywords' patterns cost ~0.1 s on the event loop, and import the lemmatiser)
            gate = self._relaxed_gate(await topic_store.all_keywords(db))
            reasons = {n: _gate_reason(items[n].entry, gate) if r == _ASK_GATE else r
                       for n, r in reasons.items()}
        for n, reason in reasons.items():
            item = items[n]
            if reason is None:
                to_fetch.append(n)
            else:
                report.not_needed += 1
                out[n] = _feed_text(item.entry, reason)
        pages = await self._read_all([items[n] for n in to_fetch])
        report.fetched = len(to_fetch)
        for n, page in zip(to_fetch, pages, strict=True):
            out[n] = apply_page(items[n].entry, page)
            if page.source == ARTICLE_PAGE:
                report.read += 1
            else:
                report.failed += 1
        await page_store.save_pages(db, pages)
        if to_fetch:
            log.info("article pages: %d fetched, %d read, %d failed (fed text kept), %d reused",
                     report.fetched, report.read, report.failed, report.reused)
        return [e for e in out if e is not None]

    def _relaxed_gate(self, keywords: set[str]) -> Gate | None:
        """One group holding every keyword of every topic: any one hit lets a page be fetched."""
        words = tuple(sorted(keywords))
        if not words:
            return None
        gate = self._gates.get(words)
        if gate is None:
            from bot.match.gate import Gate

            self._gates = {words: Gate([words])}
            gate = self._gates[words]
        return gate

    def _skip_reason(self, entry: Entry, mode: str) -> str | None:
        """None when the page should be fetched; else why the feed's text is enough (or
        _ASK_GATE: up to the relaxed gate, see _gate_reason)."""
        if mode == "never":
            return "fetch_article: never"
        if not entry.url:
            return "no link to fetch"
        if mode == "always":
            return None
        if entry.content:
            return "the feed carries the full content"
        if len(entry.summary) >= self.short_chars:
            return f"summary is long enough ({len(entry.summary):,} characters)"
        return _ASK_GATE

    async def _read_all(self, items: Sequence[EnrichItem]) -> list[StoredPage]:
        """Read every page, concurrently, within `budget` seconds; a page still waiting then is
        given up (its entry is matched on the feed's text) rather than holding the cycle."""
        if not items:
            return []
        tasks = [asyncio.create_task(self._read(item)) for item in items]
        _done, pending = await asyncio.wait(tasks, timeout=self.budget)
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
        out = []
        for item, task in zip(items, tasks, strict=True):
            if task.cancelled() or task.exception() is not None:
                out.append(StoredPage(
                    item.article_id, item.entry.content_hash, item.feed_id, FEED_SUMMARY,
                    f"not read within this cycle's {self.budget:g} s for article pages",
                    fetched_at=utcnow()))
            else:
                out.append(task.result())
        return out

    async def _read(self, item: EnrichItem) -> StoredPage:
        """Fetch and extract one page; a failure is a StoredPage saying why (never raises)."""
        entry = item.entry
        url = entry.url or ""

        def failed(note: str, status: int | None = None, page: ExtractedPage | None = None) -> StoredPage:
            return StoredPage(item.article_id, entry.content_hash, item.feed_id, FEED_SUMMARY, note,
                              http_status=status, fetched_at=utcnow(),
                              canonical_url=page.canonical_url if page else None,
                              language=page.language if page else None)

        try:
            fetched = await self.pages.fetch(url)
            if not fetched.ok or fetched.body is None:
                return failed(fetched.error or "no body", fetched.status or None)
            loop = asyncio.get_running_loop()
            page = await loop.run_in_executor(
                self._pool, _extract, fetched.body, fetched.final_url or url, fetched.content_type
            )
        except Exception as exc:  # one page must never cost the cycle
            log.exception("reading the article page %s failed", url)
            return failed(f"unexpected error: {type(exc).__name__}")
        if not page.ok:
            return failed(page.error or "no article text", fetched.status, page)
        return StoredPage(
            item.article_id, entry.content_hash, item.feed_id, ARTICLE_PAGE,
            f"page text, {len(page.text):,} characters", text=page.text,
            canonical_url=page.canonical_url, published=page.published, site_name=page.site_name,
            language=page.language, http_status=fetched.status, fetched_at=utcnow(),
        )


def _extract(body: bytes, url: str, content_type: str | None) -> ExtractedPage:
    return extract_article(body, url=url, content_type=content_type)


def _feed_text(entry: Entry, reason: str) -> Entry:
    """The entry as the feed gave it, labelled with its source."""
    if entry.content:
        return replace(entry, text_source=FEED_CONTENT, text_source_note=reason)
    return replace(entry, text_source=FEED_SUMMARY, text_source_note=reason)


def apply_page(entry: Entry, page: StoredPage) -> Entry:
    """The entry with the page's text as content (or the feed's text, noting why)."""
    if page.source != ARTICLE_PAGE or not page.text:
        return _feed_text(entry, f"article page not used: {page.note or 'no text'}")
    if len(page.text) <= len(entry.content):
        return _feed_text(entry, "the feed's content is longer than the page's text")
    return replace(
        entry, content=page.text, published=entry.published or page.published,
        text_source=ARTICLE_PAGE, text_source_note=page.note or "",
    )


def with_text_source(change: Change, entry: Entry) -> Change:
    """The change labelled with the text it was found in (for the JSONL and the outbox)."""
    return replace(change, text_source=entry.text_source, text_source_note=entry.text_source_note)
