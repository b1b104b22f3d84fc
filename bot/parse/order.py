"""The order in which a poll's new entries are read: oldest first.

Change detection compares each entry with the claims as the entries before it left them, so a
poll that brings a suit's filing and its dismissal must read the filing first. Feeds list their
newest item first (RSS and Atom convention), some the other way: the direction is taken from
the entries' own dates (without dates nothing tells it: document order is kept), and an undated
entry keeps its place beside the entry before it (it is newer than the item below it in a
newest-first feed).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from itertools import pairwise

from bot.models import Entry

_EARLIEST = datetime.min.replace(tzinfo=UTC)


def oldest_first(entries: Sequence[Entry]) -> tuple[Entry, ...]:
    """`entries` (in document order) from the oldest to the newest: the document reversed when
    its dated entries run newest first, then sorted by date (stable), an undated entry taking the
    date of the entry before it."""
    dated = [e.published for e in entries if e.published is not None]
    newer_first = sum(a > b for a, b in pairwise(dated))
    older_first = sum(a < b for a, b in pairwise(dated))
    ordered = list(reversed(entries)) if newer_first > older_first else list(entries)
    keyed: list[tuple[datetime, Entry]] = []
    last = _EARLIEST
    for entry in ordered:
        last = entry.published or last
        keyed.append((last, entry))
    keyed.sort(key=lambda k: k[0])  # stable: equal dates keep the order found above
    return tuple(entry for _, entry in keyed)
