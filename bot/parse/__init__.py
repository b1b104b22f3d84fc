"""Parse step: feed bytes -> normalised `Entry` objects (pure CPU, never raises).

See `bot.parse.feed` for the feed handling, `bot.parse.urls` for canonical URLs and
`bot.parse.text` for the HTML-to-plain-text reduction.
"""

from bot.parse.feed import ParsedFeed, parse_feed
from bot.parse.text import html_to_text, inline_text
from bot.parse.urls import TRACKING_PARAMS, canonical_url, http_url

__all__ = [
    "TRACKING_PARAMS",
    "ParsedFeed",
    "canonical_url",
    "html_to_text",
    "http_url",
    "inline_text",
    "parse_feed",
]
