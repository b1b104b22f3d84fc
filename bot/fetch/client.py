"""HTTP fetching for feeds: conditional GET, size cap, redirects, SSRF guard, coalescing.

`Fetcher.fetch` never raises for network, HTTP, timeout, size or SSRF problems: a poll
loop over many feeds must not die because one server misbehaves, so every outcome is a
`FetchResult` whose `error` says what happened in a few words.

Two sessions (one per guard mode) rather than one: the connection pool and aiohttp's DNS
cache must not be shared between guarded and unguarded fetches, or a guarded fetch could
reuse a keep-alive connection to a private host opened by an unguarded one. With
`allow_private=True` only the unguarded session is ever created.
"""

from __future__ import annotations

import asyncio
import errno
import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from types import TracebackType
from typing import Self

import aiohttp
from aiohttp.abc import AbstractResolver
from aiohttp.resolver import ThreadedResolver
from yarl import URL

from bot.fetch.ssrf import (
    AddressPolicy,
    GuardedResolver,
    UnsafeURLError,
    check_url_target,
    is_public_address,
)

log = logging.getLogger(__name__)

DEFAULT_USER_AGENT = "Dossier/0.1 (+https://github.com/dossier-bot/dossier; feed reader bot)"
DEFAULT_MAX_BYTES = 10 * 1024 * 1024
DEFAULT_TIMEOUT = 30.0
DEFAULT_CONNECT_TIMEOUT = 10.0
DEFAULT_CONCURRENCY = 8
MAX_REDIRECTS = 5
MAX_HINT_SECONDS = 24 * 60 * 60.0  # Retry-After / max-age beyond a day are not believed
ACCEPT = (
    "application/rss+xml, application/atom+xml, application/rdf+xml;q=0.9, "
    "application/xml;q=0.9, text/xml;q=0.9, */*;q=0.8"
)
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
_CHUNK = 64 * 1024

Validators = tuple[str | None, str | None]  # (etag, last_modified)


@dataclass(frozen=True, slots=True)
class FetchResult:
    """What one fetch did. `etag`/`last_modified` are the validators to store for next time."""

    url: str
    final_url: str  # after redirects; equals `url` when there were none
    status: int = 0  # 0 when no HTTP response was received
    body: bytes | None = None  # decoded (decompressed) bytes; None on 304 and on errors
    etag: str | None = None
    last_modified: str | None = None
    content_type: str | None = None  # raw Content-Type header, charset included
    not_modified: bool = False
    error: str | None = None  # short human message, e.g. "HTTP 503", "timed out after 30s"
    retry_after: float | None = None  # seconds, from Retry-After (delta or HTTP-date)
    max_age: float | None = None  # seconds, from Cache-Control: max-age

    @property
    def ok(self) -> bool:
        return self.error is None


class _BodyTooLarge(Exception):
    """Internal: the decoded body went past `max_bytes`."""


def utcnow() -> datetime:
    return datetime.now(UTC)


def format_seconds(seconds: float) -> str:
    """30.0 -> "30s", 0.2 -> "0.2s"."""
    return f"{seconds:g}s"


def format_size(n: int) -> str:
    """10485760 -> "10 MB", 65536 -> "64 KB", 100 -> "100 bytes"."""
    if n >= 1024 * 1024:
        return f"{n / (1024 * 1024):g} MB"
    if n >= 1024:
        return f"{n / 1024:g} KB"
    return f"{n} bytes"


def parse_retry_after(value: str | None, now: datetime) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or HTTP-date), clamped.

    Unparseable values give None; past dates give 0; anything over a day is clamped to a
    day so a hostile or broken server cannot switch a feed off.
    """
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        seconds = float(value)
    else:
        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        seconds = (when - now).total_seconds()
    return min(max(seconds, 0.0), MAX_HINT_SECONDS)


def parse_max_age(cache_control: Iterable[str]) -> float | None:
    """Seconds from `Cache-Control: max-age=N` (clamped to a day), or None."""
    for header in cache_control:
        for directive in header.split(","):
            name, _, arg = directive.strip().partition("=")
            if name.strip().lower() != "max-age":
                continue
            arg = arg.strip().strip('"')
            if arg.isdigit():
                return min(float(arg), MAX_HINT_SECONDS)
    return None


def _validator(value: str | None) -> str | None:
    """A validator worth storing and sending: never an empty string."""
    if value is None:
        return None
    value = value.strip()
    return value or None


def _allow_any(_ip: object) -> bool:
    return True


class Fetcher:
    """Fetches feed URLs over a shared aiohttp session; use as `async with Fetcher() as f`.

    - at most `concurrency` requests in flight across all feeds (a global semaphore);
    - concurrent `fetch` calls for the same URL (with the same validators and guard)
      share one request, so a feed used by many topics is fetched once per cycle;
    - `timeout` bounds the whole fetch (all redirect hops and the body read);
    - `max_bytes` caps the body after decompression;
    - `allow_private=True` lifts the SSRF guard for every fetch (the caller decides,
      e.g. from DOSSIER_ALLOW_PRIVATE_FEEDS=1).

    `accept` is the Accept header (feed types by default; article pages ask for HTML);
    `content_types`, when given, refuses a 2xx of any other media type without reading its body.
    `resolver` (the DNS resolver wrapped by the guard) and `address_policy` (which IPs
    count as public) are injectable so tests can map fake names onto loopback.
    """

    def __init__(
        self,
        *,
        user_agent: str = DEFAULT_USER_AGENT,
        timeout: float = DEFAULT_TIMEOUT,
        connect_timeout: float = DEFAULT_CONNECT_TIMEOUT,
        max_bytes: int = DEFAULT_MAX_BYTES,
        concurrency: int = DEFAULT_CONCURRENCY,
        max_redirects: int = MAX_REDIRECTS,
        allow_private: bool = False,
        resolver: AbstractResolver | None = None,
        address_policy: AddressPolicy = is_public_address,
        clock: Callable[[], datetime] = utcnow,
        accept: str = ACCEPT,
        content_types: frozenset[str] | None = None,
    ) -> None:
        if max_bytes <= 0 or concurrency <= 0 or timeout <= 0 or max_redirects < 0:
            raise ValueError("max_bytes, concurrency and timeout must be positive")
        self.user_agent = user_agent
        self.timeout = timeout
        self.connect_timeout = connect_timeout
        self.max_bytes = max_bytes
        self.concurrency = concurrency
        self.max_redirects = max_redirects
        self.allow_private = allow_private
        self.accept = accept
        self.content_types = content_types  # None: any; else other types are refused unread
        self._resolver = resolver
        self._owns_resolver = resolver is None
        self._policy = address_policy
        self._clock = clock
        self._semaphore = asyncio.Semaphore(concurrency)
        self._sessions: dict[bool, aiohttp.ClientSession] = {}
        self._inflight: dict[tuple[str, bool, str | None, str | None], asyncio.Task[FetchResult]]
        self._inflight = {}
        self._open = False

    async def __aenter__(self) -> Self:
        self._open = True
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    async def close(self) -> None:
        """Cancel fetches still in flight and close the sessions."""
        self._open = False
        tasks = list(self._inflight.values())
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        sessions = list(self._sessions.values())
        self._sessions.clear()
        for session in sessions:
            await session.close()
        if self._owns_resolver and self._resolver is not None:
            await self._resolver.close()
            self._resolver = None

    def _session(self, guarded: bool) -> aiohttp.ClientSession:
        """The session for one guard mode, created on first use (needs a running loop)."""
        session = self._sessions.get(guarded)
        if session is not None:
            return session
        if self._resolver is None:
            self._resolver = ThreadedResolver()
        resolver: AbstractResolver = (
            GuardedResolver(self._resolver, policy=self._policy) if guarded else self._resolver
        )
        session = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(resolver=resolver),
            timeout=aiohttp.ClientTimeout(total=None, connect=self.connect_timeout),
            headers={"User-Agent": self.user_agent, "Accept": self.accept},
            cookie_jar=aiohttp.DummyCookieJar(),  # stateless: no tracking across feeds
            trust_env=False,  # an env proxy would bypass the guarded resolver
        )
        self._sessions[guarded] = session
        return session

    async def fetch(
        self,
        url: str,
        *,
        etag: str | None = None,
        last_modified: str | None = None,
        guard: bool,
    ) -> FetchResult:
        """GET `url` conditionally; never raises for network/HTTP/size/SSRF problems.

        `guard=True` refuses non-public targets on every hop (unless `allow_private`).
        Validators are sent only when non-empty. Concurrent calls with the same
        arguments share one request; cancelling one caller does not cancel the others.
        """
        if not self._open:
            raise RuntimeError("use Fetcher as an async context manager")
        guarded = guard and not self.allow_private
        etag, last_modified = _validator(etag), _validator(last_modified)
        key = (url, guarded, etag, last_modified)
        task = self._inflight.get(key)
        if task is None:
            task = asyncio.create_task(self._fetch_limited(url, etag, last_modified, guarded))
            self._inflight[key] = task
            task.add_done_callback(lambda _t: self._inflight.pop(key, None))
        return await asyncio.shield(task)

    async def fetch_many(
        self,
        urls: Iterable[str],
        *,
        guard: bool,
        validators: Mapping[str, Validators] | None = None,
    ) -> dict[str, FetchResult]:
        """Fetch each distinct URL once, concurrently; `validators`: url -> (etag, modified)."""
        validators = validators or {}
        unique = list(dict.fromkeys(urls))
        results = await asyncio.gather(*(
            self.fetch(u, etag=validators.get(u, (None, None))[0],
                       last_modified=validators.get(u, (None, None))[1], guard=guard)
            for u in unique
        ))
        return dict(zip(unique, results, strict=True))

    async def _fetch_limited(
        self, url: str, etag: str | None, last_modified: str | None, guarded: bool
    ) -> FetchResult:
        async with self._semaphore:
            return await self._fetch_chain(url, etag, last_modified, guarded)

    async def _fetch_chain(
        self, url: str, etag: str | None, last_modified: str | None, guarded: bool
    ) -> FetchResult:
        """Follow redirects by hand so every hop's scheme and literal IP is checked."""
        current = url
        status = 0

        def failed(message: str) -> FetchResult:
            return FetchResult(url=url, final_url=current, status=status, etag=etag,
                               last_modified=last_modified, error=message)

        headers: dict[str, str] = {}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        policy = self._policy if guarded else _allow_any
        try:
            async with asyncio.timeout(self.timeout):
                target = URL(url)
                session = self._session(guarded)
                for _hop in range(self.max_redirects + 1):
                    current = str(target)
                    check_url_target(target, policy=policy)
                    async with session.get(
                        target, headers=headers, allow_redirects=False
                    ) as resp:
                        status = resp.status
                        location = resp.headers.get("Location")
                        if status in REDIRECT_STATUSES and location:
                            target = target.join(URL(location)).with_fragment(None)
                            continue
                        return await self._result(url, current, resp, etag, last_modified)
                return failed(f"too many redirects (more than {self.max_redirects})")
        except UnsafeURLError as exc:
            return failed(f"blocked: {exc}")
        except aiohttp.ConnectionTimeoutError:
            return failed(f"connect timed out after {format_seconds(self.connect_timeout)}")
        except TimeoutError:
            return failed(f"timed out after {format_seconds(self.timeout)}")
        except _BodyTooLarge:
            return failed(f"body exceeds {format_size(self.max_bytes)}")
        except aiohttp.ClientConnectorDNSError as exc:
            return failed(f"cannot resolve host {exc.host}")
        except aiohttp.ClientConnectorCertificateError as exc:
            return failed(f"TLS certificate error: {exc.certificate_error}")
        except aiohttp.ClientConnectorError as exc:
            if exc.os_error.errno == errno.ECONNREFUSED or isinstance(
                exc.os_error, ConnectionRefusedError
            ):
                return failed("connection refused")
            return failed(f"connection failed: {exc.os_error.strerror or exc.os_error}")
        except aiohttp.ServerDisconnectedError:
            return failed("server disconnected")
        except aiohttp.ClientPayloadError as exc:
            return failed(f"incomplete body: {exc}")
        except (aiohttp.ClientError, OSError, ValueError) as exc:
            return failed(f"request failed: {exc or type(exc).__name__}")
        except Exception as exc:
            # A bug or an aiohttp surprise must cost one feed, not the whole poll cycle.
            log.exception("unexpected error fetching %s", url)
            return failed(f"unexpected error: {type(exc).__name__}")

    async def _result(
        self,
        url: str,
        final_url: str,
        resp: aiohttp.ClientResponse,
        etag: str | None,
        last_modified: str | None,
    ) -> FetchResult:
        """Turn a non-redirect response into a FetchResult (reading the body on 2xx)."""
        status = resp.status
        retry_after = parse_retry_after(resp.headers.get("Retry-After"), self._clock())
        max_age = parse_max_age(resp.headers.getall("Cache-Control", []))
        new_etag = _validator(resp.headers.get("ETag"))
        new_modified = _validator(resp.headers.get("Last-Modified"))
        content_type = resp.headers.get("Content-Type")
        if status == 304:
            return FetchResult(
                url=url, final_url=final_url, status=status, not_modified=True,
                etag=new_etag or etag, last_modified=new_modified or last_modified,
                content_type=content_type, retry_after=retry_after, max_age=max_age,
            )
        if not 200 <= status < 300:
            return FetchResult(
                url=url, final_url=final_url, status=status, etag=etag,
                last_modified=last_modified, content_type=content_type,
                error=f"HTTP {status}", retry_after=retry_after, max_age=max_age,
            )
        media = (content_type or "").split(";")[0].strip().lower()
        if self.content_types is not None and media and media not in self.content_types:
            return FetchResult(
                url=url, final_url=final_url, status=status, content_type=content_type,
                error=f"content type {media} not wanted", retry_after=retry_after, max_age=max_age,
            )
        body = await self._read_capped(resp)
        return FetchResult(
            url=url, final_url=final_url, status=status, body=body, etag=new_etag,
            last_modified=new_modified, content_type=content_type, retry_after=retry_after, max_age=max_age,
        )

    async def _read_capped(self, resp: aiohttp.ClientResponse) -> bytes:
        """Read the decoded body in chunks, stopping as soon as it passes `max_bytes`."""
        length = resp.content_length
        if length is not None and length > self.max_bytes and not resp.headers.get(
            "Content-Encoding"
        ):
            raise _BodyTooLarge
        body = bytearray()
        async for chunk in resp.content.iter_chunked(_CHUNK):
            body += chunk
            if len(body) > self.max_bytes:
                raise _BodyTooLarge
        return bytes(body)
