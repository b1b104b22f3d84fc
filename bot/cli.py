"""The `dossier` command (also `python -m bot`)."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sqlite3
import sys
from collections.abc import Sequence
from pathlib import Path

from bot.config import ConfigError, TopicConfig
from bot.render.dossier import RENDERERS
from bot.settings import Settings, SettingsError, StartError, load_settings
from storage.db import StorageError

EXIT_USAGE = 2
FORMATS = tuple(RENDERERS)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="dossier",
        description="Keep a living file on a story: poll feeds, match claims, post what changed.",
    )
    sub = parser.add_subparsers(dest="command", required=True,
                                metavar="{run,check-config,export,feeds,health}")
    run = sub.add_parser("run", help="poll feeds and post updates (console mode without a token)")
    run.add_argument("--once", action="store_true", help="run one poll cycle and exit")
    run.add_argument("--format", choices=("text", "jsonl"), default="text",
                     help="console output: readable text (default) or one JSON object per update")
    _db_options(run)
    run.add_argument("--demo", action="store_true",
                     help="replay the shipped story snapshots from loopback (works offline)")
    check = sub.add_parser("check-config", help="validate feeds.yaml and exit")
    _db_options(check)  # --db accepted like every command's (README), the file is not opened
    export = sub.add_parser("export", help="write a topic's dossier as Markdown, CSV or JSON")
    export.add_argument("topic", help="the topic's key")
    export.add_argument("--format", choices=FORMATS, default="md",
                        help="md (readable), csv (one row per revision) or json (versioned)")
    export.add_argument("--out", help="write to this file (default: stdout)")
    export.add_argument("--guild", type=_guild_id, default=0,
                        help="a Discord server's id (default: the console's topics)")
    _db_options(export)
    feeds = sub.add_parser("feeds", help="OPML: export or import the console's feeds")
    feeds_sub = feeds.add_subparsers(dest="feeds_command", required=True, metavar="{export,import}")
    feeds_export = feeds_sub.add_parser("export", help="write the console's feeds as OPML")
    feeds_export.add_argument("file", nargs="?", help="OPML file to write (default: stdout)")
    _db_options(feeds_export)
    feeds_import = feeds_sub.add_parser("import", help="add the feeds of an OPML file")
    feeds_import.add_argument("file", help="OPML file to read")
    _db_options(feeds_import)
    health = sub.add_parser("health", help="exit 0 if polling is on time and the database writable")
    _db_options(health)
    return parser


def describe_gate(topic: TopicConfig) -> str:
    """The keyword gate as it is read, so `keywords: [a, b]` (a AND b, two groups) is seen
    for what it is by someone who meant "a or b" (`[[a, b]]`)."""
    groups = " and ".join("(" + " or ".join(group) + ")" if len(group) > 1 else group[0]
                          for group in topic.keywords)
    exclude = f", unless it names {' or '.join(topic.exclude)}" if topic.exclude else ""
    return f"an article must name {groups}{exclude}"


def _guild_id(text: str) -> int:
    """A Discord server id: a snowflake (a positive 64-bit integer), or 0 for the console."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a server id (digits, e.g. 1234567890)") from None
    if not 0 <= value < 2**63:
        raise argparse.ArgumentTypeError(f"{text!r} is not a server id (0 or a Discord snowflake)")
    return value


def _db_options(parser: argparse.ArgumentParser) -> None:
    """The same --config / --db as `dossier run`, so every command finds the same files."""
    parser.add_argument("--config", help="feeds.yaml to use (default: $DOSSIER_CONFIG or feeds.yaml)")
    parser.add_argument("--db", help="SQLite file (default: $DOSSIER_DB or data/dossier.db)")


def configure_logging(level: str) -> None:
    logging.basicConfig(
        level=level, stream=sys.stderr,
        format="%(asctime)s %(levelname)-7s %(name)s: %(message)s", datefmt="%H:%M:%S",
    )
    logging.getLogger("discord").setLevel(max(logging.getLevelName(level), logging.INFO))


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    settings: Settings | None = None
    try:
        settings = load_settings(config=args.config, db=getattr(args, "db", None))
        configure_logging(settings.log_level)
        if args.command == "check-config":
            from bot.config import load_config

            config = load_config(settings.config_path)
            print(f"{config.path}: ok ({len(config.feeds)} feeds, {len(config.topics)} topics)")
            for topic in config.topics:
                print(f"  {topic.key}: {len(topic.claims)} claims; {describe_gate(topic)}")
            return 0
        if args.command != "run":
            from bot.tasks import run_task

            return asyncio.run(run_task(args, settings))
        if args.format == "jsonl" and not settings.console_mode and not args.demo:
            # a tool asking for JSON lines must not start a second instance of the bot on Discord
            # because the operator's .env holds the token
            raise SettingsError("--format jsonl is console output, but DISCORD_TOKEN is set (in the "
                                "environment or .env): run it as `DISCORD_TOKEN= dossier run ...`")
        from bot.monitor import monitored, stats_target
        from bot.runner import run

        demo_db = Path(args.db) if args.db else None
        cycle = run(settings, once=args.once, fmt=args.format, demo=args.demo, demo_db=demo_db)
        return asyncio.run(monitored(cycle, stats_target(os.environ)))
    except (ConfigError, SettingsError, StorageError) as exc:
        print(f"dossier: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except sqlite3.DatabaseError as exc:  # a damaged page met after the database opened
        where = settings.db_path if settings is not None else "the database"
        print(f"dossier: cannot use database {where}: {exc} (restore a copy, or try "
              f"`sqlite3 {where} .recover`)", file=sys.stderr)
        return EXIT_USAGE
    except StartError as exc:
        print(f"dossier: {exc}", file=sys.stderr)
        return 1
    except BrokenPipeError:
        # stdout's reader is gone (`| head`): say so once, and keep Python's exit-time flush
        # of stdout from printing a second error
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        queued = " (updates not printed stay queued for the next run)" if args.command == "run" else ""
        print(f"dossier: stdout was closed; stopped{queued}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
