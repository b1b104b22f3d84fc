"""Feed bytes -> normalised `Entry` objects: the only place feedparser is called.

`parse_feed` is pure CPU and never raises: a body that is not a usable feed comes back as a
`ParsedFeed` with `error` set, so one broken outlet cannot stop a poll cycle.
"""

from __future__ import annotations

import hashlib
import importlib.util
import io
import logging
import re
import threading
import warnings
import xml.sax
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import feedparser

from bot.models import Entry
from bot.parse.discover import find_feed_links
from bot.parse.text import clean_text, html_to_text, inline_text
from bot.parse.urls import http_url

log = logging.getLogger(__name__)

MAX_BODY_BYTES = 32 * 1024 * 1024  # far above any real feed; the fetcher caps lower anyway
MAX_ENTITY_EXPANSION = 1_000_000  # bytes that DTD entities may add to a document
MAX_ENTITY_DECLS = 64  # real feeds declare a handful; each one costs a scan of the body
MAX_IDENTITY_CHARS = 2_048  # longer guids are hashed: they are keys, not text
MIN_YEAR, MAX_YEAR = 1990, 2100  # dates outside this are feed bugs (epoch zero, year 20245)

# catch_warnings() swaps process-global state; serialise our own callers (parse_feed runs in
# asyncio.to_thread) so two parses cannot restore each other's filters out of order.
_WARNINGS_LOCK = threading.Lock()
_drivers_checked = False  # see _drop_missing_sax_drivers
SAX_DRIVER = "bot.parse.sax_driver"

_ENTITY_DECL = re.compile(rb"""<!ENTITY\s+(%\s*)?([^\s"'>%]+)\s*("[^"]*"|'[^']*')?""")
_ENTITY_REF = re.compile(rb"[&%]([^\s;&%#<>\"']+);")
_PREDEFINED = frozenset({b"amp", b"lt", b"gt", b"quot", b"apos"})
_HTML_HINT = re.compile(rb"<!doctype\s+html|<html[\s>]|<head[\s>]|<body[\s>]", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class ParsedFeed:
    """What one feed body yielded.

    `error` is set when the body was not a usable feed (and then `entries` is empty);
    `warning` notes a malformed feed from which entries were still recovered.
    """

    title: str | None
    entries: tuple[Entry, ...]
    error: str | None
    warning: str | None = None


def _failed(message: str) -> ParsedFeed:
    return ParsedFeed(title=None, entries=(), error=f"not a feed: {message}")


def _ascii_probe(body: bytes) -> bytes:
    """The body with NULs dropped, so markup in UTF-16/32 documents is visible to byte regexes."""
    return body.replace(b"\x00", b"") if b"\x00" in body else body


def _entity_problem(probe: bytes) -> str | None:
    """Refuse DTD entities that nest (billion laughs) or expand to a huge document.

    feedparser drops unsafe declarations itself and expat >= 2.4 limits amplification, but a
    single large entity referenced many times still costs seconds and hundreds of MB before
    expat objects, and the fallback parser then expands it anyway. Legitimate feeds declare,
    at most, a few short literal entities.
    """
    if b"<!ENTITY" not in probe:
        return None
    expansion = 0
    for count, match in enumerate(_ENTITY_DECL.finditer(probe), start=1):
        if count > MAX_ENTITY_DECLS:
            return f"refused more than {MAX_ENTITY_DECLS} DTD entity declarations"
        is_parameter, name, literal = match.groups()
        if literal is None:  # external (SYSTEM/PUBLIC): never fetched, expands to nothing
            continue
        value = literal[1:-1]
        if any(ref not in _PREDEFINED for ref in _ENTITY_REF.findall(value)):
            return "refused DTD entities that reference other entities (entity expansion attack)"
        if not is_parameter:
            expansion += len(value) * probe.count(b"&" + name + b";")
    if expansion > MAX_ENTITY_EXPANSION:
        return f"refused DTD entities that expand to over {MAX_ENTITY_EXPANSION:,} bytes"
    return None


def _describe(exc: BaseException, probe: bytes) -> str:
    """A one-line reason for a feedparser bozo exception, with line numbers of the body we got."""
    if isinstance(exc, xml.sax.SAXParseException):
        line = exc.getLineNumber()
        # feedparser prepends an XML declaration line to documents that have none.
        if not probe.lstrip(b"\xef\xbb\xbf\xff\xfe").startswith(b"<?xml"):
            line = max(1, line - 1)
        return f"XML syntax error at line {line} ({exc.getMessage()})"
    text = " ".join(str(exc).split())[:200]
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _published(raw: Mapping[str, Any]) -> datetime | None:
    """UTC datetime from feedparser's UTC struct_time; None when absent or absurd."""
    # dict.get, not FeedParserDict.get: the latter maps updated->published with a DeprecationWarning.
    for key in ("published_parsed", "updated_parsed"):
        value = dict.get(raw, key)  # type: ignore[arg-type]
        if value is None:
            continue
        try:
            year, month, day, hour, minute, second = (int(part) for part in tuple(value)[:6])
            when = datetime(year, month, day, hour, minute, min(second, 59), tzinfo=UTC)
        except (TypeError, ValueError, OverflowError):
            continue
        if MIN_YEAR <= when.year <= MAX_YEAR:
            return when
    return None


def _field(raw: Mapping[str, Any], key: str) -> Any:
    return dict.get(raw, key)  # type: ignore[arg-type]


def _text_values(raw: Mapping[str, Any]) -> tuple[str, str]:
    """(summary, content) as plain text; content is the longest of the feed's content blocks."""
    summary_raw = _field(raw, "summary")
    summary = html_to_text(summary_raw) if isinstance(summary_raw, str) else ""
    content = ""
    blocks = _field(raw, "content")
    if isinstance(blocks, list):
        for block in blocks:
            value = block.get("value") if isinstance(block, Mapping) else None
            if isinstance(value, str):
                text = html_to_text(value)
                if len(text) > len(content):
                    content = text
    return summary, content


def _link(raw: Mapping[str, Any], feed_url: str) -> str | None:
    """The entry's article URL: `link`, else the first alternate/unspecified link; http(s) only."""
    candidates: list[Any] = [_field(raw, "link")]
    links = _field(raw, "links")
    if isinstance(links, list):
        candidates += [
            link.get("href") for link in links
            if isinstance(link, Mapping) and link.get("rel", "alternate") == "alternate"
        ]
    for candidate in candidates:
        if isinstance(candidate, str) and (url := http_url(candidate, feed_url)):
            return url
    return None


def _sha256(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode("utf-8", "replace")).hexdigest()


def _identity(raw: Mapping[str, Any], url: str | None, title: str, published: datetime | None,
              summary: str, content: str) -> str:
    """guid/id, else canonical URL, else a hash of title and date (plus body when untitled)."""
    guid = _field(raw, "id")
    if isinstance(guid, str) and (guid := clean_text(guid).strip()):
        return guid if len(guid) <= MAX_IDENTITY_CHARS else "sha256:" + _sha256(guid)
    if url:
        return url
    stamp = published.isoformat() if published else ""
    parts = (title, stamp) if title else (title, stamp, summary, content)
    return "sha256:" + _sha256(*parts)


def _entry(raw: Mapping[str, Any], feed_url: str, source: str) -> Entry | None:
    """One feedparser entry as an `Entry`; None when it carries nothing to show."""
    title_raw = _field(raw, "title")
    title = inline_text(title_raw) if isinstance(title_raw, str) else ""
    summary, content = _text_values(raw)
    url = _link(raw, feed_url)
    if not (title or summary or content or url):
        return None
    published = _published(raw)
    return Entry(
        identity=_identity(raw, url, title, published, summary, content),
        url=url,
        title=title,
        summary=summary,
        content=content,
        published=published,
        source=source,
        # Text only: feeds that re-stamp dates on every poll must not look like revisions.
        content_hash=_sha256(title, summary, content),
    )


def _entries(raw_entries: Iterable[Any], feed_url: str, source: str) -> tuple[Entry, ...]:
    """Normalise every entry, skipping empty ones and repeated identities (first one wins)."""
    seen: set[str] = set()
    out: list[Entry] = []
    for raw in raw_entries:
        if not isinstance(raw, Mapping):
            continue
        try:
            entry = _entry(raw, feed_url, source)
        except Exception:  # one bizarre entry must not cost us the rest of the feed
            log.debug("skipped an entry of %s that could not be normalised", feed_url, exc_info=True)
            continue
        if entry is not None and entry.identity not in seen:
            seen.add(entry.identity)
            out.append(entry)
    return tuple(out)


def _declared(page: bytes, page_url: str) -> str:
    """"; the page declares a feed: URL" when an HTML page names its feeds (an operator who
    gave a site's address sees which to use instead); "" when it names none."""
    links = find_feed_links(page, page_url)
    if not links:
        return ""
    more = f" (and {len(links) - 1} more)" if len(links) > 1 else ""
    return f"; the page declares a feed: {inline_text(links[0].url)[:300]}{more}"


def _host(feed_url: str) -> str:
    try:
        host = urlsplit(feed_url).hostname
    except ValueError:
        host = None
    return host or inline_text(feed_url) or "unknown feed"


def _parse(body: bytes, feed_url: str, source_name: str | None, content_type: str | None) -> ParsedFeed:
    if not body.strip():
        return _failed("empty body")
    if len(body) > MAX_BODY_BYTES:
        return _failed(f"body too large ({len(body):,} bytes)")
    probe = _ascii_probe(body)
    if problem := _entity_problem(probe):
        return _failed(problem)

    headers = {"content-type": content_type} if content_type else None
    # BytesIO, never the bytes themselves: feedparser treats a bare string as a path to open().
    # No Content-Location either: feedparser would resolve relative guids against it, and an
    # identity must not change when the feed moves; links are resolved in `_link` instead.
    # Its HTML sanitiser and link rewriting are off: we keep plain text only (bot.parse.text
    # drops script/style and every tag), and they cost 50x more than the parse on long articles.
    result = feedparser.parse(
        io.BytesIO(body), response_headers=headers, resolve_relative_uris=False, sanitize_html=False
    )

    feed_meta = _field(result, "feed")
    title_raw = _field(feed_meta, "title") if isinstance(feed_meta, Mapping) else None
    title = (inline_text(title_raw) if isinstance(title_raw, str) else "") or None
    source = inline_text(source_name or "") or title or _host(feed_url)
    entries = _entries(_field(result, "entries") or (), feed_url, source)

    exc = _field(result, "bozo_exception") if _field(result, "bozo") else None
    benign = exc is None or isinstance(exc, feedparser.ThingsNobodyCaresAboutButMe)
    problem = None if benign else _describe(exc, probe)
    if entries:
        return ParsedFeed(title=title, entries=entries, error=None, warning=problem)
    if not _field(result, "version"):
        if _HTML_HINT.search(probe[:4096]):
            return _failed("looks like an HTML page, not RSS, Atom or RDF" + _declared(body, feed_url))
        return _failed(problem or "no RSS, Atom or RDF document found")
    # A recognised feed with no items (yet): usable, even if the XML needed repairs.
    return ParsedFeed(title=title, entries=(), error=None, warning=problem)


def _drop_missing_sax_drivers() -> None:
    """Once per process (under _WARNINGS_LOCK): leave out of feedparser's preferred SAX drivers
    those that are not installed. feedparser asks `xml.sax.make_parser` for "drv_libxml2"
    first on every parse; where it is missing (the usual case) each parse paid a failed import,
    a scan of sys.path (~0.3 ms a feed). The parser chosen is the same either way."""
    global _drivers_checked
    if _drivers_checked:
        return
    preferred = feedparser.api.PREFERRED_XML_PARSERS
    preferred[:] = [name for name in preferred if importlib.util.find_spec(name) is not None]
    # then our buffered expat (bot/parse/sax_driver.py) ahead of the stdlib's plain one
    preferred.append(SAX_DRIVER)
    _drivers_checked = True


def parse_feed(
    body: bytes,
    *,
    feed_url: str,
    source_name: str | None = None,
    content_type: str | None = None,
) -> ParsedFeed:
    """Parse a fetched feed body into normalised entries. Pure CPU; never raises.

    `feed_url` is the URL the body came from (after redirects): relative links resolve against
    it and its host is the last-resort source name. `content_type` is the HTTP header, whose
    charset overrides the XML declaration as the HTTP spec says.
    """
    try:
        with _WARNINGS_LOCK, warnings.catch_warnings():
            _drop_missing_sax_drivers()
            warnings.simplefilter("ignore")
            return _parse(bytes(body), feed_url, source_name, content_type)
    except Exception as exc:  # parsers of hostile input fail in unforeseen ways: report, not raise
        log.warning("parsing %s failed", feed_url, exc_info=True)
        return _failed(f"parser failed ({type(exc).__name__})")

