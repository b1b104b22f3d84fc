"""The SQLite connection: WAL, foreign keys, numbered migrations, explicit transactions.

aiosqlite's `async with connect()` closes the connection but does not commit, so every
write in Dossier goes through `Database.transaction()`, which commits or rolls back.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import sqlite3
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Any

import aiosqlite

log = logging.getLogger(__name__)

_MIGRATION_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")


class StorageError(RuntimeError):
    """The database cannot be used (newer schema than this code, unreadable file)."""


def utcnow() -> datetime:
    return datetime.now(UTC)


def to_db_time(value: datetime | None) -> str | None:
    """Store times as ISO text in UTC so they sort and compare as strings."""
    if value is None:
        return None
    return value.astimezone(UTC).isoformat(timespec="seconds")


def from_db_time(value: str | None) -> datetime | None:
    if not value:
        return None
    parsed = datetime.fromisoformat(value)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def migrations() -> list[tuple[int, str, str]]:
    """(version, name, sql) for every numbered file in storage/migrations, in order."""
    found = []
    for item in resources.files("storage.migrations").iterdir():
        match = _MIGRATION_NAME.match(item.name)
        if match:
            found.append((int(match.group(1)), item.name, item.read_text(encoding="utf-8")))
    found.sort()
    for expected, (version, name, _) in enumerate(found, start=1):
        if version != expected:
            raise StorageError(f"migration {name} is out of sequence (expected {expected:04d})")
    return found


def _reason(exc: BaseException) -> str:
    """The OS's or SQLite's own words ("file is not a database", "Permission denied")."""
    if isinstance(exc, OSError) and exc.strerror:
        return f"{exc.strerror}: {exc.filename}" if exc.filename else exc.strerror
    return str(exc)


class Database:
    """One aiosqlite connection. Writes are serialised by a lock around `transaction()`."""

    def __init__(self, conn: aiosqlite.Connection, path: Path) -> None:
        self.conn = conn
        self.path = path
        self._write_lock = asyncio.Lock()

    @classmethod
    async def open(cls, path: str | Path, *, migrate: bool = True) -> Database:
        """Open (and by default migrate) the database; a file that is not SQLite, a directory
        that cannot be created or a database that cannot be written is one StorageError
        naming the file, not a traceback."""
        path = Path(path)
        try:
            if str(path) != ":memory:":
                path.parent.mkdir(parents=True, exist_ok=True)
            conn = await aiosqlite.connect(path, isolation_level=None)
        except (OSError, sqlite3.Error) as exc:
            raise StorageError(f"cannot open database {path}: {_reason(exc)}") from None
        conn.row_factory = aiosqlite.Row
        db = cls(conn, path)
        try:
            await conn.execute("PRAGMA journal_mode=WAL")
            await conn.execute("PRAGMA foreign_keys=ON")
            await conn.execute("PRAGMA busy_timeout=5000")
            await conn.execute("PRAGMA synchronous=NORMAL")
            if migrate:
                await db.migrate()
        except sqlite3.Error as exc:
            await conn.close()
            raise StorageError(f"cannot use database {path}: {_reason(exc)}") from None
        except BaseException:
            await conn.close()
            raise
        return db

    async def close(self) -> None:
        await self.conn.close()

    async def __aenter__(self) -> Database:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def user_version(self) -> int:
        row = await self.fetchone("PRAGMA user_version")
        return int(row[0]) if row else 0

    async def migrate(self) -> int:
        """Apply every migration newer than `PRAGMA user_version`, each in one transaction."""
        current = await self.user_version()
        steps = migrations()
        latest = steps[-1][0] if steps else 0
        if current > latest:
            raise StorageError(
                f"{self.path}: schema version {current} is newer than this Dossier ({latest})"
            )
        for version, name, sql in steps:
            if version <= current:
                continue
            log.info("applying migration %s", name)
            async with self.transaction() as conn:
                for statement in _split_sql(sql):
                    await conn.execute(statement)
                await conn.execute(f"PRAGMA user_version = {version}")
        return latest

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        """BEGIN IMMEDIATE ... COMMIT, or ROLLBACK on any exception (including cancel).

        aiosqlite runs each statement in its worker thread whether or not the awaiting task is
        still there: a task cancelled while its BEGIN is queued still opens the transaction.
        The ROLLBACK queued behind it closes it again (and is a no-op error if BEGIN failed).
        """
        async with self._write_lock:
            try:
                await self.conn.execute("BEGIN IMMEDIATE")
            except BaseException:
                with contextlib.suppress(sqlite3.OperationalError):  # no transaction was opened
                    await self.conn.execute("ROLLBACK")
                raise
            try:
                yield self.conn
            except BaseException:
                await self.conn.execute("ROLLBACK")
                raise
            else:
                await self.conn.execute("COMMIT")

    async def fetchall(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> list[Any]:
        async with self.conn.execute(sql, params) as cur:
            return list(await cur.fetchall())

    async def fetchone(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> Any:
        async with self.conn.execute(sql, params) as cur:
            return await cur.fetchone()

    async def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        async with self.transaction() as conn:
            await conn.executemany(sql, rows)


async def select_in(conn: aiosqlite.Connection, sql: str, values: Sequence[Any],
                    chunk: int = 500) -> list[Any]:
    """Run `sql`, whose `{}` is an IN list, over `values` in chunks (bound parameters only)."""
    rows: list[Any] = []
    for i in range(0, len(values), chunk):
        part = list(values[i:i + chunk])
        cur = await conn.execute(sql.format(",".join("?" * len(part))), part)
        rows.extend(await cur.fetchall())
    return rows


def _split_sql(script: str) -> list[str]:
    """Split a migration into statements. A statement ends at a ';' that SQLite itself calls
    complete, so a trigger's BEGIN ... END body stays one statement. Comments are dropped
    (our migrations keep no '--' inside string literals)."""
    statements: list[str] = []
    current: list[str] = []
    for line in script.splitlines():
        code = line.split("--", 1)[0]
        if not code.strip():
            continue
        current.append(code)
        text = "\n".join(current)
        if sqlite3.complete_statement(text):
            statements.append(text.strip().rstrip(";").strip())
            current = []
    if "\n".join(current).strip():
        statements.append("\n".join(current).strip().rstrip(";").strip())
    return [s for s in statements if s]
