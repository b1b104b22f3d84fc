"""Shared fixtures: a real SQLite database in a temp file, a local feed server, a fetcher for it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.fetch.client import Fetcher
from bot.match.semantic import Embedder
from storage.db import Database
from tests.feedserver import FeedServer


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = await Database.open(tmp_path / "dossier.db")
    try:
        yield database
    finally:
        await database.close()


@pytest.fixture
async def server() -> AsyncIterator[FeedServer]:
    async with FeedServer() as s:
        yield s


@pytest.fixture
async def fetcher() -> AsyncIterator[Fetcher]:
    """A fetcher allowed to reach the loopback feed server (tests may override it)."""
    async with Fetcher(allow_private=True, timeout=5) as f:
        yield f


@pytest.fixture(scope="session")
def embedder() -> Embedder:
    """The real model, loaded once for every test that embeds (shared: it is read-only)."""
    e = Embedder()
    e.load()
    return e
