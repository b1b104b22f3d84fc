"""OPML in and out: the list of feeds other readers (Miniflux, FreshRSS, reader) exchange.

Import is all or nothing. The file is refused before anything is stored when it is over
1 MB, has over 2,000 outlines, is not well-formed, is not OPML, declares a DTD or entities
(defusedxml refuses them: no entity expansion, no external references), or names a feed
that fails the checks of `/admin feed add` (an http(s) URL; for a server, a public address).
Feeds already followed are skipped and reported, as are duplicates within the file.
"""

from __future__ import annotations

import asyncio
import xml.etree.ElementTree as ET  # to write, and its ParseError; parsing goes through defusedxml
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from email.utils import format_datetime

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException

from bot.config import DEFAULT_INTERVAL, validate_feed_url
from bot.render.sanitize import collapse_whitespace, strip_control
from bot.service.errors import InvalidInputError, UnsafeFeedError, shown
from storage import feed_import
from storage.db import Database, utcnow
from storage.feed_import import NewFeed
from storage.guilds import AuditEntry

MAX_BYTES = 1024 * 1024
MAX_OUTLINES = 2000
MAX_URL = 2000
MAX_NAME = 100
MAX_LISTED = 5  # problems named in one error message
SSRF_CONCURRENCY = 8
LIMITS = "at most 1 MB and 2,000 outlines, no DTD or entity declarations"


@dataclass(frozen=True)
class OpmlFeed:
    url: str
    name: str | None


@dataclass(frozen=True)
class ImportReport:
    added: list[str]
    skipped: list[str] = field(default_factory=list)  # already followed, or twice in the file

    def summary(self) -> str:
        text = f"Imported {len(self.added)} feed{'s' if len(self.added) != 1 else ''}"
        if self.skipped:
            text += f"; skipped {len(self.skipped)} already followed (or listed twice)"
        return text + "."


def _refuse(why: str) -> InvalidInputError:
    return InvalidInputError(f"That OPML file cannot be imported: {why}. Nothing was changed. "
                             f"(Limits: {LIMITS}.)")


def too_large(size: int) -> InvalidInputError:
    return _refuse(f"it is {size / 1024 / 1024:.1f} MB")


def _attr(element: ET.Element, name: str) -> str | None:
    """OPML attribute names are case-insensitive in practice (xmlUrl, xmlurl)."""
    wanted = name.lower()
    for key, value in element.attrib.items():
        if key.lower() == wanted:
            return value
    return None


def _name(outline: ET.Element) -> str | None:
    raw = _attr(outline, "title") or _attr(outline, "text") or ""
    name = collapse_whitespace(strip_control(raw))[:MAX_NAME].strip()
    return name or None


def parse_opml(data: bytes) -> list[OpmlFeed]:
    """The feeds (outlines with an xmlUrl, at any depth) of an OPML document, in order."""
    if len(data) > MAX_BYTES:
        raise too_large(len(data))
    try:
        root = SafeET.fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException:
        raise _refuse("it declares a DTD or entities, which Dossier never expands") from None
    except ET.ParseError as exc:
        raise _refuse(f"it is not well-formed XML ({exc})") from None
    if root.tag.lower() != "opml" or root.find("body") is None:
        raise _refuse(f"it is not OPML (the root element is {shown(root.tag)}, with no <body>)")
    outlines = list(root.iter("outline"))
    if len(outlines) > MAX_OUTLINES:
        raise _refuse(f"it has {len(outlines):,} outlines")
    feeds = []
    for outline in outlines:
        url = (_attr(outline, "xmlUrl") or "").strip()
        if url:
            feeds.append(OpmlFeed(url, _name(outline)))
    if not feeds:
        raise _refuse("it lists no feed (no outline has an xmlUrl)")
    return feeds


def render_opml(title: str, feeds: Sequence[tuple[str, str | None]], *,
                created: datetime | None = None) -> str:
    """An OPML 2.0 document listing `feeds` as (url, name)."""
    root = ET.Element("opml", version="2.0")
    head = ET.SubElement(root, "head")
    ET.SubElement(head, "title").text = strip_control(title)
    ET.SubElement(head, "dateCreated").text = format_datetime(created or utcnow())
    body = ET.SubElement(root, "body")
    for url, name in feeds:
        label = strip_control(name or url)
        ET.SubElement(body, "outline", type="rss", text=label, title=label, xmlUrl=strip_control(url))
    ET.indent(root)
    return ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n"


def _check_urls(feeds: Sequence[OpmlFeed]) -> list[OpmlFeed]:
    """Valid http(s) URLs, each once; any invalid one refuses the whole file."""
    bad = []
    seen: dict[str, OpmlFeed] = {}
    for f in feeds:
        try:
            if len(f.url) > MAX_URL:
                raise ValueError("too long")
            validate_feed_url(f.url)
        except ValueError:
            bad.append(f.url)
            continue
        seen.setdefault(f.url, f)
    if bad:
        listed = ", ".join(shown(u) for u in bad[:MAX_LISTED])
        more = f" and {len(bad) - MAX_LISTED} more" if len(bad) > MAX_LISTED else ""
        raise _refuse(f"{len(bad)} feed address{'es are' if len(bad) > 1 else ' is'} not an "
                      f"absolute http(s) URL: {listed}{more}")
    return list(seen.values())


def _repeats(feeds: Sequence[OpmlFeed]) -> list[str]:
    """URLs listed a second (third...) time in the file."""
    seen: set[str] = set()
    out = []
    for f in feeds:
        if f.url in seen:
            out.append(f.url)
        seen.add(f.url)
    return out


def _new(feeds: Sequence[OpmlFeed]) -> list[NewFeed]:
    return [NewFeed(f.url, f.name, int(DEFAULT_INTERVAL.total_seconds())) for f in feeds]


async def import_console(db: Database, data: bytes) -> ImportReport:
    """The operator's import (`dossier feeds import`): trusted like feeds.yaml, no SSRF guard."""
    parsed = await asyncio.to_thread(parse_opml, data)  # up to 1 MB of XML: off the event loop
    feeds = _check_urls(parsed)
    added = await feed_import.add_console_feeds(db, _new(feeds))
    new = set(added)
    return ImportReport(added, [f.url for f in feeds if f.url not in new] + _repeats(parsed))


async def _unsafe(feeds: Sequence[OpmlFeed]) -> list[tuple[str, str]]:
    from bot.fetch.ssrf import UnsafeURLError, check_public_url

    gate = asyncio.Semaphore(SSRF_CONCURRENCY)

    async def one(url: str) -> tuple[str, str] | None:
        async with gate:
            try:
                await check_public_url(url)
            except UnsafeURLError as exc:
                return url, str(exc)
        return None

    return [r for r in await asyncio.gather(*(one(f.url) for f in feeds)) if r is not None]


async def import_guild(db: Database, guild_id: int, data: bytes, *, actor_id: int, actor_name: str,
                       allow_private: bool = False) -> ImportReport:
    """A server's import (`/admin feed import`): the checks of `/admin feed add` for every feed."""
    parsed = await asyncio.to_thread(parse_opml, data)  # up to 1 MB of XML: off the event loop
    feeds = _check_urls(parsed)
    if not allow_private:
        unsafe = await _unsafe(feeds)
        if unsafe:
            listed = "; ".join(f"{shown(u)}: {why}" for u, why in unsafe[:MAX_LISTED])
            raise UnsafeFeedError(f"That OPML file cannot be imported: I will not fetch {len(unsafe)} of "
                                  f"its feeds ({listed}). Nothing was changed.")
    audit = [AuditEntry(guild_id, actor_id, actor_name, "feed.import", f"{len(feeds)} feeds from OPML",
                        ", ".join(f.url for f in feeds)[:900])]
    added, already = await feed_import.subscribe_many(db, guild_id, _new(feeds), audit)
    return ImportReport(added, already + _repeats(parsed))


async def export_console(db: Database) -> str:
    return render_opml("Dossier: the operator's feeds", await feed_import.console_feeds(db))


async def export_guild(db: Database, guild_id: int) -> str:
    return render_opml("Dossier: this server's feeds", await feed_import.guild_feeds(db, guild_id))
