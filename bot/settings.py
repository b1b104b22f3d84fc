"""Runtime settings, built once at start by `load_settings()` (never at import).

The environment (and a `.env` file, via python-dotenv) provides defaults; command-line
flags override them. The Discord token is kept out of `repr` so it is never logged.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from dotenv import load_dotenv

LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


class SettingsError(ValueError):
    """An environment variable has a value Dossier cannot use."""


class StartError(RuntimeError):
    """Dossier cannot start with these settings: Discord refused the token or cannot be
    reached. The message is one line for the operator (never the token)."""


@dataclass(frozen=True)
class Settings:
    config_path: Path = Path("feeds.yaml")
    db_path: Path = Path("data/dossier.db")
    log_level: str = "INFO"
    allow_private_feeds: bool = False
    discord_token: str | None = field(default=None, repr=False)
    discord_api_base: str | None = None
    admin_role: str | None = None
    match_low: float | None = None  # None: the matcher's tuned default
    match_high: float | None = None
    batch_feeds: int = 50  # feeds fetched, parsed and stored together (DOSSIER_BATCH_FEEDS)
    match_segment: int = 50  # queued articles handed to matching together (DOSSIER_MATCH_SEGMENT)
    metrics_address: tuple[str, int] | None = None  # DOSSIER_METRICS_PORT: Prometheus, off by default
    semantic: bool = True  # DOSSIER_SEMANTIC=off: lexical matching only (small machines)
    semantic_model: Path | None = None  # DOSSIER_SEMANTIC_MODEL: model directory instead of the package
    # DOSSIER_EMBED_THREADS=2: embed on a second thread while a core is idle (same vectors; faster
    # on a host with a spare core, ~20-30 MB more peak memory); 1: never (docs/decisions.md)
    embed_threads: int = 1
    article_short_chars: int = 1500  # a summary shorter than this gets its article page read
    # DOSSIER_MATCH_QUESTIONS: on/off; unset = ask on Discord (admins answer in the review queue),
    # not in console mode (nobody there can answer, and JSON-lines consumers expect updates only)
    match_questions: bool | None = None

    @property
    def console_mode(self) -> bool:
        """Without a token Dossier runs the same pipeline and prints posts to the terminal."""
        return not self.discord_token


_ON = {"1", "true", "yes", "on"}
_OFF = {"0", "false", "no", "off"}


def _flag(value: str | None) -> bool:
    """Lenient on: anything but on/true/yes/1 is off (DOSSIER_ALLOW_PRIVATE_FEEDS stays off
    on a typo, the safe side for an SSRF guard)."""
    return (value or "").strip().lower() in _ON


def _switch(env: Mapping[str, str], name: str, default: bool) -> bool:
    """on/off, true/false, yes/no, 1/0; anything else is an error rather than a guess."""
    raw = (env.get(name) or "").strip().lower()
    if not raw:
        return default
    if raw in _ON:
        return True
    if raw in _OFF:
        return False
    raise SettingsError(f"{name} must be on or off, got {raw!r}")


def _check_languages(env: Mapping[str, str]) -> None:
    """DOSSIER_LANGUAGES (read by bot.match.normalise on first use) checked at start: a code
    simplemma has no dictionary for stops the start with its name, not the first poll cycle."""
    codes = [c.strip().lower() for c in (env.get("DOSSIER_LANGUAGES") or "").split(",") if c.strip()]
    if not codes:
        return  # English only: nothing to check, and simplemma is not imported at every start
    from simplemma.strategies.dictionaries.dictionary_factory import SUPPORTED_LANGUAGES

    unknown = [c for c in codes if c not in SUPPORTED_LANGUAGES]
    if unknown:
        raise SettingsError(f"DOSSIER_LANGUAGES: no lemmatiser for {', '.join(unknown)} "
                            "(codes like en, de, fr, es)")


def _threshold(env: Mapping[str, str], name: str) -> float | None:
    raw = env.get(name)
    if raw is None or not raw.strip():
        return None
    try:
        value = float(raw)
    except ValueError:
        raise SettingsError(f"{name} must be a number from 0 to 100, got {raw!r}") from None
    if not 0 <= value <= 100:
        raise SettingsError(f"{name} must be from 0 to 100, got {value}")
    return value


def _api_base(env: Mapping[str, str]) -> str | None:
    """DISCORD_API_BASE checked at start (an http(s) URL with a host), not at login."""
    raw = (env.get("DISCORD_API_BASE") or "").strip()
    if not raw:
        return None
    parts = urlsplit(raw)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise SettingsError(f"DISCORD_API_BASE must be an http(s) URL like https://discord.com, got {raw!r}")
    return raw


def _metrics_address(env: Mapping[str, str]) -> tuple[str, int] | None:
    raw = (env.get("DOSSIER_METRICS_PORT") or "").strip()
    if not raw or raw == "0":
        return None
    host, _, port = raw.rpartition(":")
    try:
        number = int(port)
    except ValueError:
        number = -1
    if not 1 <= number <= 65535:
        raise SettingsError(f"DOSSIER_METRICS_PORT must be a port (1-65535) or host:port, got {raw!r}")
    return host or "127.0.0.1", number


def _count(env: Mapping[str, str], name: str, default: int) -> int:
    raw = (env.get(name) or "").strip()
    if not raw:
        return default
    try:
        value = int(raw.replace(",", "").replace("_", ""))
    except ValueError:
        raise SettingsError(f"{name} must be a whole number, got {raw!r}") from None
    if value < 0:
        raise SettingsError(f"{name} must not be negative, got {value}")
    return value


def load_settings(
    env: Mapping[str, str] | None = None,
    *,
    config: str | Path | None = None,
    db: str | Path | None = None,
    dotenv: bool = True,
) -> Settings:
    """Build settings from the environment (after loading `.env`) and CLI overrides."""
    if env is None:
        if dotenv:
            load_dotenv(override=False)
        env = os.environ
    level = (env.get("DOSSIER_LOG_LEVEL") or "INFO").strip().upper()
    if level not in LOG_LEVELS:
        allowed = ", ".join(LOG_LEVELS)
        raise SettingsError(f"DOSSIER_LOG_LEVEL must be one of {allowed}, got {level!r}")
    low = _threshold(env, "DOSSIER_MATCH_LOW")
    high = _threshold(env, "DOSSIER_MATCH_HIGH")
    _check_languages(env)
    if low is not None and high is not None and low > high:
        raise SettingsError(
            f"DOSSIER_MATCH_LOW ({low}) must not exceed DOSSIER_MATCH_HIGH ({high})"
        )
    raw_batch = (env.get("DOSSIER_BATCH_FEEDS") or "50").strip()
    if not raw_batch.isdigit() or int(raw_batch) < 1:
        raise SettingsError(f"DOSSIER_BATCH_FEEDS must be a whole number of at least 1, got {raw_batch!r}")
    raw_segment = (env.get("DOSSIER_MATCH_SEGMENT") or "50").strip()
    if not raw_segment.isdigit() or int(raw_segment) < 1:
        raise SettingsError(
            f"DOSSIER_MATCH_SEGMENT must be a whole number of at least 1, got {raw_segment!r}")
    short = _count(env, "DOSSIER_ARTICLE_SHORT_CHARS", 1500)
    embed_threads = _count(env, "DOSSIER_EMBED_THREADS", 1)
    if embed_threads not in (1, 2):
        raise SettingsError(f"DOSSIER_EMBED_THREADS must be 1 or 2, got {embed_threads}")
    return Settings(
        batch_feeds=int(raw_batch),
        match_segment=int(raw_segment),
        config_path=Path(config or env.get("DOSSIER_CONFIG") or "feeds.yaml"),
        db_path=Path(db or env.get("DOSSIER_DB") or "data/dossier.db"),
        log_level=level,
        allow_private_feeds=_flag(env.get("DOSSIER_ALLOW_PRIVATE_FEEDS")),
        discord_token=(env.get("DISCORD_TOKEN") or "").strip() or None,
        discord_api_base=_api_base(env),
        admin_role=(env.get("DOSSIER_ADMIN_ROLE") or "").strip() or None,
        match_low=low,
        match_high=high,
        metrics_address=_metrics_address(env),
        semantic=_switch(env, "DOSSIER_SEMANTIC", True),
        semantic_model=Path(model) if (model := (env.get("DOSSIER_SEMANTIC_MODEL") or "").strip()) else None,
        article_short_chars=short,
        embed_threads=embed_threads,
        match_questions=(_switch(env, "DOSSIER_MATCH_QUESTIONS", True)
                         if (env.get("DOSSIER_MATCH_QUESTIONS") or "").strip() else None),
    )
