"""Parse only the items of a changed feed that are new: split the document into its items at
the byte level, hash each, and give the parser the document with the known items left out.

A feed that changed usually changed by one or two items out of twenty; feedparser and the
HTML-to-text step cost ~2 ms per full-content item, so re-parsing the nineteen others is most
of the cost of a cycle with a few new entries (issue 14, W3). The split is a conservative
scanner: anything it is not sure about (no items found, CDATA or nesting it cannot follow,
non-whitespace between items) makes it answer None, and the whole document is parsed as before.
"""

from __future__ import annotations

import hashlib
import itertools
import re

# <item ...>...</item> or <entry ...>...</entry>, with an optional namespace prefix
_ITEM = re.compile(
    rb"<((?:[A-Za-z_][\w.-]*:)?(?:item|entry))(?=[\s>])[^>]*>.*?</\1\s*>", re.DOTALL
)


def item_digest(raw: bytes) -> str:
    return hashlib.blake2b(raw, digest_size=12).hexdigest()


def split_items(body: bytes) -> tuple[bytes, list[bytes], bytes] | None:
    """(what comes before the first item, every item, what comes after the last); None when
    the document cannot be split with certainty."""
    matches = list(_ITEM.finditer(body))
    if not matches:
        return None
    for prev, cur in itertools.pairwise(matches):
        if body[prev.end():cur.start()].strip():
            return None  # something else between items (a comment, another element)
    items = [m.group(0) for m in matches]
    for raw, m in zip(items, matches, strict=True):
        name = m.group(1)
        if raw.count(b"<![CDATA[") != raw.count(b"]]>") or raw.count(b"<" + name) != 1:
            return None  # an item boundary inside CDATA, or nested items: parse it all
    head, tail = body[:matches[0].start()], body[matches[-1].end():]
    if _ITEM.search(tail) or b"<![CDATA[" in head:
        return None
    return head, items, tail


def without_known_items(body: bytes, known: frozenset[str]) -> tuple[bytes | None, tuple[str, ...]]:
    """(the document with the items whose digest is in `known` left out, or None to parse the
    whole body; the digests of all its items, to remember for the next poll)."""
    split = split_items(body)
    if split is None:
        return None, ()
    head, items, tail = split
    digests = tuple(item_digest(raw) for raw in items)
    if not known:
        return None, digests
    fresh = [raw for raw, d in zip(items, digests, strict=True) if d not in known]
    return head + b"".join(fresh) + tail, digests
