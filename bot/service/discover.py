"""`/admin feed add` with a site or article address: fetch it (SSRF guard and the fetcher's
limits), and if it is a web page, offer the feeds it declares instead of the page itself.

The page's HTML (up to 512 KB, parsed in pure Python) is read in a worker thread: parsing it
on the event loop would hold Discord's heartbeat and the poll loop for the whole parse.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from bot.fetch.client import Fetcher
from bot.parse.article import charset_of
from bot.parse.discover import FeedLink, find_feed_links, looks_like_html
from bot.service.errors import InvalidInputError, UnsafeFeedError, shown


@dataclass(frozen=True)
class Discovery:
    """What the address turned out to be.

    `feeds` empty and `note` None: the address itself is a feed (or could not be checked
    now: `note` says why and it is added as given, as before discovery existed).
    """

    url: str
    feeds: list[FeedLink] = field(default_factory=list)
    note: str | None = None


async def require_public_url(url: str) -> None:
    """The SSRF guard before an admin's address is fetched or followed: UnsafeFeedError for a
    private, loopback or unresolvable host (redirects are checked again on every hop)."""
    from bot.fetch.ssrf import UnsafeURLError, check_public_url

    try:
        await check_public_url(url)
    except UnsafeURLError as exc:
        raise UnsafeFeedError(f"I will not fetch {shown(url)}: {exc}.") from None


async def discover(fetcher: Fetcher, url: str, *, allow_private: bool = False) -> Discovery:
    """Fetch `url` once; a web page yields its declared feeds (an error if it declares none)."""
    if not allow_private:
        await require_public_url(url)
    result = await fetcher.fetch(url, guard=not allow_private)
    if result.error and result.error.startswith("blocked:"):  # a redirect to a private address
        raise UnsafeFeedError(f"I will not fetch {shown(url)}: {result.error}.")
    if not result.ok or result.body is None:
        return Discovery(url, note=f"I could not check it now ({result.error or 'no body'})")
    if not looks_like_html(result.body, result.content_type):
        return Discovery(url)
    links = await asyncio.to_thread(_links, result.body, result.final_url or url, result.content_type)
    if not links:
        raise InvalidInputError(
            f"{shown(url)} is a web page that declares no feed (no <link rel=\"alternate\" "
            "type=\"application/rss+xml\"> or atom+xml). Give the feed's own address. Nothing was changed.")
    return Discovery(url, links)


def _links(body: bytes, page_url: str, content_type: str | None) -> list[FeedLink]:
    """The page's feeds, decoded with its declared charset (header, else <meta>; UTF-8 if unknown)."""
    try:
        return find_feed_links(body, page_url, charset_of(content_type, body))
    except LookupError:  # an unknown charset name
        return find_feed_links(body, page_url)
