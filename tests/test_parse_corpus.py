"""Robustness: every file of feedparser's own test corpus goes through parse_feed cleanly.

The corpus (../shared/feedcorpus, see its README.md) is read in place, never copied. Each folder
is one test: no exception, no hang, and every entry produced is a valid normalised Entry.
"""

from __future__ import annotations

import re
import time
from datetime import timedelta
from pathlib import Path

import pytest

from bot.models import Entry
from bot.parse import ParsedFeed, http_url, parse_feed
from bot.parse.text import MAX_TEXT_CHARS, MAX_TITLE_CHARS

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "feedcorpus"
FOLDERS = ("wellformed", "entities", "encoding", "illformed", "json")
FEED_URL = "http://example.com/feeds/corpus.xml"
PER_FILE_BUDGET_S = 2.0

# "Header: Content-type: text/xml; charset=..." lines in a file's leading comment.
_CONTENT_TYPE = re.compile(rb"^Header:\s*Content-type:\s*(.+?)\s*$", re.MULTILINE | re.IGNORECASE)
_TAG = re.compile(r"</?[A-Za-z][A-Za-z0-9:-]*(?:\s[^<>]*)?/?>")
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f\ud800-\udfff]")


def _content_type(body: bytes) -> str | None:
    match = _CONTENT_TYPE.search(body)
    return match.group(1).decode("latin-1") if match else None


def _check_entry(entry: Entry, where: str) -> None:
    assert isinstance(entry, Entry), where
    for name in ("identity", "title", "summary", "content", "source", "content_hash"):
        value = getattr(entry, name)
        assert isinstance(value, str), f"{where}: {name} is {type(value).__name__}"
        assert not _CONTROL.search(value), f"{where}: control character in {name}"
    assert entry.identity.strip(), f"{where}: empty identity"
    assert entry.source.strip(), f"{where}: empty source"
    assert re.fullmatch(r"[0-9a-f]{64}", entry.content_hash), where
    assert "\n" not in entry.title and len(entry.title) <= MAX_TITLE_CHARS + 1, where
    assert len(entry.summary) <= MAX_TEXT_CHARS + 1 and len(entry.content) <= MAX_TEXT_CHARS + 1, where
    for name in ("title", "summary", "content"):
        assert not _TAG.search(getattr(entry, name)), f"{where}: tag left in {name}: {getattr(entry, name)!r}"
    if entry.url is not None:
        assert entry.url.startswith(("http://", "https://")), f"{where}: url {entry.url!r}"
        assert http_url(entry.url) == entry.url, f"{where}: url not canonical: {entry.url!r}"
    if entry.published is not None:
        assert entry.published.utcoffset() == timedelta(0), f"{where}: published not UTC"


def _corpus_files(folder: str) -> list[Path]:
    if not CORPUS.is_dir():
        pytest.skip(f"feed corpus not found at {CORPUS}")
    files = sorted(p for p in (CORPUS / folder).rglob("*") if p.is_file())
    if not files:
        pytest.skip(f"no files in {CORPUS / folder}")
    return files


@pytest.mark.parametrize("folder", FOLDERS)
def test_corpus_folder_parses_cleanly(folder: str) -> None:
    entries = 0
    for path in _corpus_files(folder):
        where = str(path.relative_to(CORPUS))
        body = path.read_bytes()
        start = time.perf_counter()
        result = parse_feed(body, feed_url=FEED_URL, content_type=_content_type(body))
        elapsed = time.perf_counter() - start
        assert elapsed < PER_FILE_BUDGET_S, f"{where}: took {elapsed:.2f}s"
        assert isinstance(result, ParsedFeed), where
        assert isinstance(result.entries, tuple), where
        if result.error is not None:
            assert result.error.startswith("not a feed: ") and not result.entries, f"{where}: {result.error}"
        assert result.title is None or (isinstance(result.title, str) and result.title), where
        identities = [entry.identity for entry in result.entries]
        assert len(identities) == len(set(identities)), f"{where}: duplicate identities"
        for entry in result.entries:
            _check_entry(entry, where)
        entries += len(result.entries)
    if folder == "wellformed":
        assert entries > 300  # the corpus really produced entries, not just errors


def test_corpus_wellformed_feeds_are_mostly_usable() -> None:
    """Sanity: the parser must not reject well-formed feeds wholesale (only CDF is unsupported)."""
    failures = []
    for path in _corpus_files("wellformed"):
        body = path.read_bytes()
        result = parse_feed(body, feed_url=FEED_URL, content_type=_content_type(body))
        if result.error is not None and "/cdf/" not in path.as_posix():
            failures.append(f"{path.relative_to(CORPUS)}: {result.error}")
    assert not failures, failures[:10]
