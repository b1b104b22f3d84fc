"""Fetching the article page behind a feed entry, politely and safely.

Article links are untrusted even in a trusted feed, so every page (and robots.txt) is fetched
with the SSRF guard on (lifted only by DOSSIER_ALLOW_PRIVATE_FEEDS, through the fetcher's
`allow_private`), with the feed fetcher's caps on time, redirects and decompressed size.

Politeness, on top of the fetcher's global limit:
- at most `per_host` requests in flight to one host;
- robots.txt is read once per host (cached for `ROBOTS_TTL`) and honoured for our User-Agent;
- a host that keeps failing (or does not resolve, or answers 429) is skipped for a while, so a
  feed of dead links costs one or two requests, not one per entry.

`ArticleFetcher.fetch` never raises: a `PageFetch` says what happened, and the caller falls
back to the feed's own text.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from types import TracebackType
from typing import Self
from urllib.parse import urlsplit
from urllib.robotparser import RobotFileParser

from aiohttp.abc import AbstractResolver

from bot.fetch.client import (
    DEFAULT_MAX_BYTES,
    DEFAULT_USER_AGENT,
    Fetcher,
    FetchResult,
    utcnow,
)
from bot.fetch.ssrf import AddressPolicy, UnsafeURLError, check_url_target, is_public_address

log = logging.getLogger(__name__)

PAGE_ACCEPT = "text/html, application/xhtml+xml;q=0.9, */*;q=0.1"
PAGE_TYPES = frozenset({"text/html", "application/xhtml+xml"})  # others are not read (PDF, images)
DEFAULT_PER_HOST = 2
DEFAULT_GLOBAL = 8
DEFAULT_PAGE_TIMEOUT = 20.0  # a page is worth less than a feed: give up sooner
ROBOTS_MAX_BYTES = 512 * 1024  # RFC 9309 asks parsers to read at least 500 KiB
ROBOTS_TTL = timedelta(hours=24)
HOST_FAILURES_TO_SKIP = 3
HOST_SKIP_FIRST = timedelta(minutes=30)
HOST_SKIP_MAX = timedelta(hours=24)
ROBOTS_AGENT = "Dossier"  # the product token robots.txt groups are matched against

# Statuses that say something about the host, not only the page: count towards skipping it.
_HOST_STATUSES = frozenset({401, 403, 429, 500, 502, 503, 504})


@dataclass(frozen=True, slots=True)
class PageFetch:
    """What fetching one page did: `body` on success, else `error` (and no body)."""

    url: str
    final_url: str | None = None
    status: int = 0
    body: bytes | None = None
    content_type: str | None = None
    error: str | None = None  # "HTTP 404", "robots.txt disallows", "host skipped until ..."

    @property
    def ok(self) -> bool:
        return self.error is None and self.body is not None


@dataclass
class _Host:
    """What we know about one host: its robots.txt, its limit, and whether to skip it."""

    semaphore: asyncio.Semaphore
    robots: RobotFileParser | None = None
    robots_error: str | None = None  # robots.txt could not be read: treat as "disallow all"
    robots_until: datetime | None = None
    robots_lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    failures: int = 0
    skip_until: datetime | None = None
    skip_reason: str = ""


class ArticleFetcher:
    """Fetches article pages; use as `async with ArticleFetcher(...) as pages`."""

    def __init__(
        self,
        *,
        allow_private: bool = False,
        user_agent: str = DEFAULT_USER_AGENT,
        per_host: int = DEFAULT_PER_HOST,
        concurrency: int = DEFAULT_GLOBAL,
        timeout: float = DEFAULT_PAGE_TIMEOUT,
        max_bytes: int = DEFAULT_MAX_BYTES,
        resolver: AbstractResolver | None = None,
        address_policy: AddressPolicy = is_public_address,
        clock: Callable[[], datetime] = utcnow,
        robots: bool = True,
    ) -> None:
        if per_host <= 0:
            raise ValueError("per_host must be positive")
        self.per_host = per_host
        self.allow_private = allow_private
        self.user_agent = user_agent
        self.obey_robots = robots
        self._clock = clock
        self._policy = address_policy

        def fetcher(accept: str, content_types: frozenset[str] | None = None) -> Fetcher:
            return Fetcher(
                user_agent=user_agent, timeout=timeout, max_bytes=max_bytes, concurrency=concurrency,
                allow_private=allow_private, resolver=resolver, address_policy=address_policy,
                clock=clock, accept=accept, content_types=content_types,
            )

        self._fetcher = fetcher(PAGE_ACCEPT, PAGE_TYPES)
        # robots.txt is text/plain: its own fetcher (no type filter), same guard and caps.
        self._robots_fetcher = fetcher("text/plain, */*;q=0.5")
        self._hosts: dict[str, _Host] = {}
        self.requests = 0  # HTTP requests made (pages and robots.txt), for tests and benches

    async def __aenter__(self) -> Self:
        await self._fetcher.__aenter__()
        await self._robots_fetcher.__aenter__()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self._fetcher.close()
        await self._robots_fetcher.close()

    def _host(self, key: str) -> _Host:
        host = self._hosts.get(key)
        if host is None:
            host = self._hosts[key] = _Host(asyncio.Semaphore(self.per_host))
        return host

    def skipped(self, url: str) -> str | None:
        """Why this URL's host is being skipped now, or None."""
        host = self._hosts.get(_host_key(url))
        if host is None or host.skip_until is None or host.skip_until <= self._clock():
            return None
        return f"host skipped until {host.skip_until:%Y-%m-%d %H:%M} UTC ({host.skip_reason})"

    async def fetch(self, url: str) -> PageFetch:
        """GET one article page; never raises."""
        try:
            parts = urlsplit(url)
        except ValueError:
            return PageFetch(url, error="not a valid URL")
        if parts.scheme not in ("http", "https") or not parts.hostname:
            return PageFetch(url, error="not an http(s) URL")
        if not self.allow_private:
            try:
                check_url_target(url, policy=self._policy)  # literal IPs; names: on every hop
            except UnsafeURLError as exc:
                return PageFetch(url, error=f"blocked: {exc}")
            except ValueError as exc:
                return PageFetch(url, error=f"not a valid URL: {exc}")
        key = _host_key(url)
        reason = self.skipped(url)
        if reason:
            return PageFetch(url, error=reason)
        host = self._host(key)
        async with host.semaphore:
            reason = self.skipped(url)  # another request may have failed while we waited
            if reason:
                return PageFetch(url, error=reason)
            if self.obey_robots:
                refusal = await self._robots_refusal(host, parts.scheme, key, url)
                if refusal:
                    return PageFetch(url, error=refusal)
            self.requests += 1
            result = await self._fetcher.fetch(url, guard=True)
        self._account(host, result)
        if not result.ok:
            return PageFetch(url, result.final_url, result.status, error=result.error)
        return PageFetch(url, result.final_url, result.status, result.body, result.content_type)

    def _account(self, host: _Host, result: FetchResult) -> None:
        """Count host-level failures; skip the host after a few, or at once on 429."""
        now = self._clock()
        if result.ok or (result.status and result.status not in _HOST_STATUSES):
            host.failures = 0  # the host answers; only this page is missing
            return
        host.failures += 1
        if result.status == 429:
            wait = timedelta(seconds=result.retry_after or HOST_SKIP_FIRST.total_seconds())
            self._skip(host, now, max(wait, timedelta(minutes=1)), result.error or "HTTP 429")
        elif host.failures >= HOST_FAILURES_TO_SKIP:
            doublings = min(host.failures - HOST_FAILURES_TO_SKIP, 6)
            wait = min(HOST_SKIP_FIRST * (2**doublings), HOST_SKIP_MAX)
            self._skip(host, now, wait, f"{host.failures} failures in a row, last: {result.error}")

    @staticmethod
    def _skip(host: _Host, now: datetime, wait: timedelta, reason: str) -> None:
        host.skip_until = now + wait
        host.skip_reason = reason
        log.info("skipping article pages of a host for %s: %s", wait, reason)

    async def _robots_refusal(self, host: _Host, scheme: str, key: str, url: str) -> str | None:
        """None when robots.txt lets us fetch `url`; else why not."""
        async with host.robots_lock:
            now = self._clock()
            if host.robots_until is None or host.robots_until <= now:
                await self._load_robots(host, f"{scheme}://{key}/robots.txt")
                # An unreachable robots.txt is asked again sooner; until then its host's pages
                # are refused without a request, so a dead host costs one request, not one a page.
                host.robots_until = now + (HOST_SKIP_FIRST if host.robots_error else ROBOTS_TTL)
        if host.robots_error:
            return f"robots.txt unreadable ({host.robots_error}): not fetched"
        if host.robots is not None and not host.robots.can_fetch(ROBOTS_AGENT, url):
            return "robots.txt disallows this page"
        return None

    async def _load_robots(self, host: _Host, robots_url: str) -> None:
        """RFC 9309: 4xx means no rules; 5xx or no answer means "disallow all" for now."""
        self.requests += 1
        result = await self._robots_fetcher.fetch(robots_url, guard=True)
        host.robots, host.robots_error = None, None
        if result.ok and result.body is not None:
            host.robots = await asyncio.to_thread(parse_robots, result.body)
            return
        if 400 <= result.status < 500 and result.status != 429:
            return  # no robots.txt: everything allowed
        host.robots_error = result.error or "no answer"
        self._account(host, result)


def parse_robots(body: bytes) -> RobotFileParser:
    """robots.txt bytes -> its rules. Pure-Python parsing of up to 512 KB takes ~0.2 s, so the
    fetcher runs it in a worker thread rather than on the event loop."""
    parser = RobotFileParser()
    parser.parse(body[:ROBOTS_MAX_BYTES].decode("utf-8", errors="replace").splitlines())
    return parser


def _host_key(url: str) -> str:
    """host[:port], lower-cased: the unit of politeness (the netloc when the port is bad)."""
    parts = urlsplit(url)
    try:
        port = parts.port
    except ValueError:
        return parts.netloc.lower()
    host = (parts.hostname or "").lower()
    return f"{host}:{port}" if port else host
