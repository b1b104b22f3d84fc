"""Console mode: drain the console scope's outbox to the terminal or as JSON lines.

Logs go to stderr, posts to stdout, so `dossier run --once --format jsonl | jq` works.
"""

from __future__ import annotations

import asyncio
import json
import sys
from typing import TextIO

from bot.checkpoint import checkpoint
from bot.render.jsonl import change_from_json
from bot.render.terminal import render_terminal
from storage import outbox
from storage.db import Database

FORMATS = ("text", "jsonl")
MARK_EVERY = 50  # printed rows marked sent per transaction (the most a crash can reprint)


class ConsoleSink:
    def __init__(self, fmt: str = "text", stream: TextIO | None = None,
                 color: bool | None = None) -> None:
        if fmt not in FORMATS:
            raise ValueError(f"unknown format {fmt!r} (use {' or '.join(FORMATS)})")
        self.fmt = fmt
        self.stream = stream or sys.stdout
        self.color = self.stream.isatty() if color is None else color

    async def drain(self, db: Database, guild_id: int = 0, *,
                    stop: asyncio.Event | None = None) -> int:
        """Print every pending update, then mark it sent; returns how many were printed.

        Rows are marked sent MARK_EVERY at a time (one transaction each): a crash between
        printing and marking prints at most that many once more at the next start (never
        loses one). `stop` ends the drain after the line being printed.
        """
        printed = 0
        while rows := await outbox.pending(db, guild_id):
            for start in range(0, len(rows), MARK_EVERY):
                done = []
                for row in rows[start:start + MARK_EVERY]:
                    if stop is not None and stop.is_set():
                        break
                    try:
                        self.stream.write(self.format(row.payload))
                        self.stream.flush()
                    except BrokenPipeError:  # `dossier run ... | head -1`: the reader is gone
                        if done:  # printed before the reader left; this row stays queued
                            await outbox.mark_sent(db, done)
                        raise
                    checkpoint("print")
                    done.append(row.id)
                if done:
                    await outbox.mark_sent(db, done)
                    printed += len(done)
                if stop is not None and stop.is_set():
                    return printed
        return printed

    def format(self, payload: dict) -> str:
        if self.fmt == "jsonl":
            return json.dumps(payload, ensure_ascii=False, sort_keys=False) + "\n"
        return render_terminal(change_from_json(payload), color=self.color) + "\n\n"
