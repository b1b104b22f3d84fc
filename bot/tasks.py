"""The `dossier` commands that work on the database without polling: export, feeds, health.

Each opens the database named by --db / $DOSSIER_DB (never creating one: a typo in the path
must not look like an empty dossier), does one thing through bot/service/, and returns the
exit code. Messages for the user go to stderr; the requested output to stdout or --out.
"""

from __future__ import annotations

import argparse
import contextlib
import sqlite3
import sys
from pathlib import Path

from bot.service.errors import NotFoundError, ServiceError
from bot.settings import Settings
from storage.db import Database, StorageError

EXIT_FAILED = 1


def require_database(path: Path) -> None:
    """Commands that read the dossier never create an empty one by mistake."""
    if not path.is_file():
        raise StorageError(f"no database at {path} (set --db or DOSSIER_DB; `dossier run` creates it)")


async def open_existing(path: Path) -> Database:
    require_database(path)
    return await Database.open(path)


def write_output(text: str, out: str | None, *, keep: Path | None = None) -> None:
    """To stdout, or to `out` written whole (a temporary file renamed over it). `keep` is the
    database: `--out data/dossier.db` (a slip of the keyboard) must not replace it."""
    if out is None:
        sys.stdout.write(text)
        sys.stdout.flush()
        return
    target = Path(out)
    if keep is not None and _same_file(target, keep):
        raise ServiceError(f"cannot write {out}: it is the database; nothing was written")
    tmp = target.with_name(target.name + ".tmp")
    try:
        if target.is_dir():
            raise IsADirectoryError(21, "is a directory: name the file to write", str(target))
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_text(text, encoding="utf-8", newline="")
        tmp.replace(target)
    except OSError as exc:
        with contextlib.suppress(OSError):
            tmp.unlink(missing_ok=True)
        raise ServiceError(f"cannot write {out}: {exc.strerror or exc}; nothing was written") from None


def _same_file(target: Path, database: Path) -> bool:
    """`target` is the database file or one of its -wal / -shm companions."""
    names = {database.resolve()} | {database.resolve().with_name(database.name + x) for x in ("-wal", "-shm")}
    return target.resolve() in names


async def export_command(args: argparse.Namespace, settings: Settings) -> int:
    from bot.service.export import export_file

    async with await open_existing(settings.db_path) as db:
        try:
            result = await export_file(db, args.guild, args.topic, args.format)
        except NotFoundError:
            raise ServiceError(await _unknown_topic(db, args.guild, args.topic)) from None
    write_output(result.content, args.out, keep=settings.db_path)
    if args.out:
        data = result.export
        print(f"wrote {args.out}: {data.topic_key}, {len(data.claims)} claims, "
              f"{data.revision_count} revisions", file=sys.stderr)
    return 0


async def _unknown_topic(db: Database, guild_id: int, key: str) -> str:
    """The CLI's words for a topic key that is not there (the service's sentence speaks to a
    Discord member: "Try /topics"), with the keys there are."""
    from bot.service.browse import list_topics

    keys = [t.key for t in await list_topics(db, guild_id)]
    scope = "the console's topics" if guild_id == 0 else f"the topics of server {guild_id}"
    known = ", ".join(keys[:20]) + (", ..." if len(keys) > 20 else "") if keys else "none"
    return f"no topic {key!r} in {scope} (there: {known})"


async def feeds_command(args: argparse.Namespace, settings: Settings) -> int:
    """OPML of the operator's feeds (feeds.yaml's and imported ones), out or in."""
    from bot.service import opml

    if args.feeds_command == "export":
        async with await open_existing(settings.db_path) as db:
            text = await opml.export_console(db)
        write_output(text, args.file, keep=settings.db_path)
        if args.file:
            print(f"wrote {args.file}", file=sys.stderr)
        return 0
    data, size = read_limited(Path(args.file), opml.MAX_BYTES)
    if size > opml.MAX_BYTES:
        raise opml.too_large(size)
    async with await open_existing(settings.db_path) as db:
        report = await opml.import_console(db, data)
    print(report.summary())
    for url in report.added:
        print(f"+ {url}")
    for url in report.skipped:
        print(f"= {url} (already there)")
    return 0


def read_limited(path: Path, limit: int) -> tuple[bytes, int]:
    """(content, size): a file over `limit` bytes is not read at all."""
    try:
        size = path.stat().st_size
        if size > limit:
            return b"", size
        with path.open("rb") as fh:
            data = fh.read(limit + 1)
        return data, len(data)
    except OSError as exc:
        raise StorageError(f"cannot read {path}: {exc.strerror or exc}") from None


async def health_command(args: argparse.Namespace, settings: Settings) -> int:
    """Exit 0 when polling is on time and the database writable; else 1 and one line why."""
    from bot.service.health import check
    from storage.db import migrations

    try:
        require_database(settings.db_path)
        async with await Database.open(settings.db_path, migrate=False) as db:
            version, latest = await db.user_version(), migrations()[-1][0]
            if version < latest:
                result_ok, reason = False, (f"database schema {version} is older than this Dossier "
                                            f"({latest}): `dossier run` has not started on it")
            else:
                result = await check(db)
                result_ok, reason = result.ok, result.reason
    except StorageError as exc:  # its message names the file already
        result_ok, reason = False, str(exc)
    except (OSError, sqlite3.Error) as exc:
        result_ok, reason = False, f"database {settings.db_path}: {exc}"
    print(reason, file=sys.stdout if result_ok else sys.stderr)
    return 0 if result_ok else EXIT_FAILED


async def run_task(args: argparse.Namespace, settings: Settings) -> int:
    """Run one of the database commands; a service error is one line on stderr, exit 1."""
    handlers = {"export": export_command, "feeds": feeds_command, "health": health_command}
    try:
        return await handlers[args.command](args, settings)
    except ServiceError as exc:
        print(f"dossier: {exc}", file=sys.stderr)
        return EXIT_FAILED
