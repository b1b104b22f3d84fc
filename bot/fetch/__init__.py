"""HTTP: the feed fetcher, the poll schedule, the SSRF guard, and article pages (article.py)."""

from bot.fetch.client import Fetcher, FetchResult
from bot.fetch.schedule import PAUSE_AFTER_FAILURES, next_poll, should_pause
from bot.fetch.ssrf import UnsafeURLError, check_public_url, is_public_address

__all__ = [
    "PAUSE_AFTER_FAILURES",
    "FetchResult",
    "Fetcher",
    "UnsafeURLError",
    "check_public_url",
    "is_public_address",
    "next_poll",
    "should_pause",
]
