"""Load and validate `feeds.yaml`.

The keys of this file are a stable interface used by tools outside this repository:
the schema may grow, never rename. Every error names the file, the entry and the field,
so `dossier` can stop with one clear line (exit code 2) before anything is written.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml

from bot.models import Status

DEFAULT_INTERVAL = timedelta(minutes=15)
MIN_INTERVAL = timedelta(minutes=1)
MAX_INTERVAL = timedelta(days=7)
SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")
_DURATION = re.compile(r"(\d+)\s*([dhms])")
_UNITS = {"d": 86400, "h": 3600, "m": 60, "s": 1}
_LONGEST = 100 * 365 * 86400  # seconds; any interval is compared with MAX_INTERVAL after this
MAX_CONFIG_BYTES = 10_000_000  # a feeds.yaml of 1,000 feeds and topics is ~200 kB

FEED_KEYS = {"url", "name", "interval", "fetch_article"}
FETCH_ARTICLE_MODES = ("auto", "always", "never")  # storage.article_pages.FETCH_MODES
TOPIC_KEYS = {"key", "title", "keywords", "exclude", "claims"}
CLAIM_KEYS = {"key", "statement", "status", "aliases", "figures", "sources"}
MATCHING_KEYS = {"semantic", "questions"}
TOP_KEYS = {"feeds", "topics", "matching"}


class ConfigError(ValueError):
    """`feeds.yaml` cannot be used; the message says where and why."""


@dataclass(frozen=True)
class FeedConfig:
    url: str
    name: str | None = None
    interval: timedelta = DEFAULT_INTERVAL
    fetch_article: str | None = None  # auto|always|never; None: not set (the database keeps its own)


@dataclass(frozen=True)
class ClaimConfig:
    key: str
    statement: str
    status: Status
    aliases: tuple[str, ...] = ()
    figures: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()


@dataclass(frozen=True)
class TopicConfig:
    key: str
    title: str
    keywords: tuple[tuple[str, ...], ...]
    exclude: tuple[str, ...] = ()
    claims: tuple[ClaimConfig, ...] = ()


@dataclass(frozen=True)
class MatchingConfig:
    """`matching:` in feeds.yaml; None means "not set here" (the environment decides)."""

    semantic: bool | None = None
    questions: bool | None = None  # ask admins about uncertain matches (bot/match/learnt.py)


@dataclass(frozen=True)
class Config:
    path: Path
    feeds: tuple[FeedConfig, ...]
    topics: tuple[TopicConfig, ...]
    matching: MatchingConfig = MatchingConfig()


def parse_interval(text: Any) -> timedelta:
    """'15m', '1h30m', '90s', '2d' or a bare number of minutes -> timedelta."""
    if isinstance(text, bool):
        raise ValueError("expected a duration like 15m")
    if isinstance(text, int | float):
        if not math.isfinite(text):
            raise ValueError(f"{text!r} is not a duration like 15m, 1h or 1h30m")
        return _bounded(text * 60)
    raw = str(text).strip().lower().replace(" ", "")
    if not raw or _DURATION.sub("", raw):
        raise ValueError(f"{text!r} is not a duration like 15m, 1h or 1h30m")
    return _bounded(sum(int(n) * _UNITS[u] for n, u in _DURATION.findall(raw)))


def _bounded(seconds: float) -> timedelta:
    """A duration beyond what timedelta holds ("99999999999999999999d") is still a duration:
    capped far above MAX_INTERVAL so callers say "at most 7d" instead of overflowing."""
    return timedelta(seconds=max(-_LONGEST, min(seconds, _LONGEST)))


def format_interval(value: timedelta) -> str:
    seconds = int(value.total_seconds())
    parts = []
    for unit, size in _UNITS.items():
        if seconds >= size:
            parts.append(f"{seconds // size}{unit}")
            seconds %= size
    return "".join(parts) or "0s"


class _Where:
    """Builds 'feeds.yaml: topics[0] (microsoft-imod): claims[2]: field' prefixes."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def fail(self, where: str, message: str) -> ConfigError:
        return ConfigError(f"{self.path}: {where}: {message}")


def _text(value: Any, where: str, w: _Where, *, required: bool = True) -> str | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise w.fail(where, "is required and must be non-empty text")
        return None
    if isinstance(value, bool):  # YAML 1.1 reads yes/no/on/off/true/false as booleans
        raise w.fail(where, f"must be text, got {str(value).lower()} (put a word like no, yes, "
                            "on or off in quotes: YAML reads it as true or false)")
    if not isinstance(value, str | int | float):
        raise w.fail(where, f"must be text, got {type(value).__name__}")
    return str(value).strip()


def _text_list(value: Any, where: str, w: _Where) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list):
        raise w.fail(where, f"must be a list of text, got {type(value).__name__}")
    out = []
    for i, item in enumerate(value):
        out.append(_text(item, f"{where}[{i}]", w))
    return tuple(t for t in out if t)


def _unknown_keys(entry: dict, allowed: set[str], where: str, w: _Where) -> None:
    extra = sorted(set(map(str, entry)) - allowed)
    if extra:
        raise w.fail(where, f"unknown field {extra[0]!r} (allowed: {', '.join(sorted(allowed))})")


def _required_text(value: Any, where: str, w: _Where) -> str:
    text = _text(value, where, w)
    assert text is not None  # _text raises for a missing required value
    return text


def _list(value: Any, where: str, w: _Where) -> list[Any]:
    """A list of entries; a missing or empty value is an empty list."""
    value = value or []
    if not isinstance(value, list):
        raise w.fail(where, "must be a list")
    return value


def _no_duplicates(values: Sequence[str], where: str, message: str, w: _Where) -> None:
    """Fail at the first entry `where[i]` that repeats an earlier value; `message` is a
    format string for the repeated value, e.g. "duplicate topic key {!r}"."""
    seen: set[str] = set()
    for i, value in enumerate(values):
        if value in seen:
            raise w.fail(where.format(i), message.format(value))
        seen.add(value)


def _slug(value: Any, where: str, w: _Where) -> str:
    text = _required_text(value, where, w)
    if not SLUG.match(text):
        raise w.fail(where, f"{text!r} must be a slug: lowercase letters, digits and '-'")
    return text


def validate_feed_url(url: str) -> str:
    """Only absolute http(s) URLs with a host are feeds."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"{url!r} is not an http(s) URL")
    if any(c.isspace() or ord(c) < 32 or ord(c) == 127 for c in url):
        raise ValueError(f"{url!r} contains spaces or control characters (one URL per entry)")
    try:
        parts.port  # noqa: B018 - urlsplit checks the port only when it is read
    except ValueError:
        raise ValueError(f"{url!r} has an invalid port") from None
    return url


def _feed(raw: Any, where: str, w: _Where) -> FeedConfig:
    if not isinstance(raw, dict):
        raise w.fail(where, "must be a mapping with at least 'url'")
    _unknown_keys(raw, FEED_KEYS, where, w)
    url = _required_text(raw.get("url"), f"{where}.url", w)
    try:
        validate_feed_url(url)
    except ValueError as exc:
        raise w.fail(f"{where}.url", str(exc)) from None
    interval = DEFAULT_INTERVAL
    if raw.get("interval") is not None:
        try:
            interval = parse_interval(raw["interval"])
        except ValueError as exc:
            raise w.fail(f"{where}.interval", str(exc)) from None
        if interval < MIN_INTERVAL:
            raise w.fail(f"{where}.interval", "must be at least 1m (be polite to publishers)")
        if interval > MAX_INTERVAL:
            raise w.fail(f"{where}.interval", "must be at most 7d")
    fetch_article = None
    if raw.get("fetch_article") is not None:
        value = raw["fetch_article"]
        text = str(value).strip().lower() if isinstance(value, str) else None
        if text not in FETCH_ARTICLE_MODES:
            allowed = "|".join(FETCH_ARTICLE_MODES)
            raise w.fail(f"{where}.fetch_article", f"{value!r} is not one of {allowed}")
        fetch_article = text
    return FeedConfig(url=url, name=_text(raw.get("name"), f"{where}.name", w, required=False),
                      interval=interval, fetch_article=fetch_article)


def _keywords(value: Any, where: str, w: _Where) -> tuple[tuple[str, ...], ...]:
    if not isinstance(value, list) or not value:
        raise w.fail(where, "must be a non-empty list of keyword groups, e.g. [[microsoft, azure]]")
    groups = []
    for i, group in enumerate(value):
        words = _text_list(group, f"{where}[{i}]", w)
        if not words:
            raise w.fail(f"{where}[{i}]", "a keyword group needs at least one keyword")
        groups.append(tuple(words))
    return tuple(groups)


def _claim(raw: Any, where: str, w: _Where) -> ClaimConfig:
    if not isinstance(raw, dict):
        raise w.fail(where, "must be a mapping with key, statement and status")
    _unknown_keys(raw, CLAIM_KEYS, where, w)
    key = _slug(raw.get("key"), f"{where}.key", w)
    where = f"{where} ({key})"
    statement = _required_text(raw.get("statement"), f"{where}.statement", w)
    status_text = _required_text(raw.get("status"), f"{where}.status", w)
    try:
        status = Status(status_text.lower())
    except ValueError:
        allowed = "|".join(s.value for s in Status)
        raise w.fail(f"{where}.status", f"{status_text!r} is not one of {allowed}") from None
    return ClaimConfig(
        key=key,
        statement=statement,
        status=status,
        aliases=_text_list(raw.get("aliases"), f"{where}.aliases", w),
        figures=_text_list(raw.get("figures"), f"{where}.figures", w),
        sources=_text_list(raw.get("sources"), f"{where}.sources", w),
    )


def _on_off(value: Any, where: str, w: _Where) -> bool | None:
    """YAML reads `off`/`on` as booleans already; quoted "off"/"on" are accepted too."""
    if value is None or isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("on", "true", "yes"):
        return True
    if text in ("off", "false", "no"):
        return False
    raise w.fail(where, f"must be on or off, got {value!r}")


def _matching(raw: Any, w: _Where) -> MatchingConfig:
    if raw is None:
        return MatchingConfig()
    if not isinstance(raw, dict):
        raise w.fail("matching", "must be a mapping, e.g. {semantic: off}")
    _unknown_keys(raw, MATCHING_KEYS, "matching", w)
    return MatchingConfig(semantic=_on_off(raw.get("semantic"), "matching.semantic", w),
                          questions=_on_off(raw.get("questions"), "matching.questions", w))


def _topic(raw: Any, where: str, w: _Where) -> TopicConfig:
    if not isinstance(raw, dict):
        raise w.fail(where, "must be a mapping with key, title, keywords and claims")
    _unknown_keys(raw, TOPIC_KEYS, where, w)
    key = _slug(raw.get("key"), f"{where}.key", w)
    where = f"{where} ({key})"
    title = _required_text(raw.get("title"), f"{where}.title", w)
    claims_raw = _list(raw.get("claims"), f"{where}.claims", w)
    claims = tuple(_claim(c, f"{where}.claims[{i}]", w) for i, c in enumerate(claims_raw))
    _no_duplicates([c.key for c in claims], f"{where}.claims[{{}}].key", "duplicate claim key {!r}", w)
    return TopicConfig(
        key=key,
        title=title,
        keywords=_keywords(raw.get("keywords"), f"{where}.keywords", w),
        exclude=_text_list(raw.get("exclude"), f"{where}.exclude", w),
        claims=claims,
    )


def parse_config(data: Any, path: Path) -> Config:
    """Validate an already-loaded YAML document."""
    w = _Where(path)
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise w.fail("top level", "must be a mapping with 'feeds' and 'topics'")
    _unknown_keys(data, TOP_KEYS, "top level", w)
    feeds_raw = _list(data.get("feeds"), "feeds", w)
    topics_raw = _list(data.get("topics"), "topics", w)
    feeds = tuple(_feed(f, f"feeds[{i}]", w) for i, f in enumerate(feeds_raw))
    _no_duplicates([f.url for f in feeds], "feeds[{}].url", "duplicate feed {}", w)
    topics = tuple(_topic(t, f"topics[{i}]", w) for i, t in enumerate(topics_raw))
    _no_duplicates([t.key for t in topics], "topics[{}].key", "duplicate topic key {!r}", w)
    return Config(path=path, feeds=feeds, topics=topics, matching=_matching(data.get("matching"), w))


# libyaml's loader when PyYAML has it: 6x faster on a file with a thousand feeds
_BaseLoader: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _UniqueKeyLoader(_BaseLoader):  # type: ignore[misc, valid-type]
    """A safe loader that refuses a key written twice in one mapping. Plain YAML keeps the
    last one silently: a second `feeds:` would drop every feed of the first."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict:
        seen: dict[Any, Any] = {}
        for key_node, _ in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                continue
            key = self.construct_object(key_node, deep=deep)
            try:
                first = seen.setdefault(key, key_node)
            except TypeError:  # an unhashable key: the base constructor says so
                continue
            if first is not key_node:
                raise yaml.constructor.ConstructorError(
                    None, None, f"duplicate key {key!r} (first on line {first.start_mark.line + 1})",
                    key_node.start_mark)
        return super().construct_mapping(node, deep=deep)


def load_config(path: str | Path) -> Config:
    """Read and validate `feeds.yaml`; raises ConfigError with one clear message."""
    path = Path(path)
    try:
        with path.open("rb") as fh:
            raw = fh.read(MAX_CONFIG_BYTES + 1)
    except FileNotFoundError:
        raise ConfigError(f"{path}: file not found (set DOSSIER_CONFIG or --config)") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot be read: {exc.strerror or exc}") from None
    if len(raw) > MAX_CONFIG_BYTES:
        raise ConfigError(f"{path}: over {MAX_CONFIG_BYTES:,} bytes: not a feeds.yaml "
                          "(a thousand feeds and topics take about 200 kB)")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise ConfigError(f"{path}: line {line}: not UTF-8 text (byte 0x{raw[exc.start]:02x}); "
                          "save the file as UTF-8") from None
    try:
        data = yaml.load(text, Loader=_UniqueKeyLoader)  # noqa: S506 - a SafeLoader
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "YAML"
        problem = getattr(exc, "problem", None) or str(exc)
        if mark is not None and text[mark.index:mark.index + 1] == "\t":
            problem = "a tab character: YAML is indented with spaces"
        raise ConfigError(f"{path}: {where}: invalid YAML: {problem}") from None
    return parse_config(data, path)
