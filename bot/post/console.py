"""Console mode: drain the console scope's outbox to the terminal or as JSON lines.

Logs go to stderr, posts to stdout, so `dossier run --once --format jsonl | jq` works.
"""

from __future__ import annotations

import json
import sys
from typing import TextIO

from bot.render.jsonl import change_from_json
from bot.render.terminal import render_terminal
from storage import outbox
from storage.db import Database

FORMATS = ("text", "jsonl")


class ConsoleSink:
    def __init__(self, fmt: str = "text", stream: TextIO | None = None,
                 color: bool | None = None) -> None:
        if fmt not in FORMATS:
            raise ValueError(f"unknown format {fmt!r} (use {' or '.join(FORMATS)})")
        self.fmt = fmt
        self.stream = stream or sys.stdout
        self.color = self.stream.isatty() if color is None else color

    async def drain(self, db: Database, guild_id: int = 0) -> int:
        """Print every pending update, then mark it sent; returns how many were printed."""
        printed = 0
        while rows := await outbox.pending(db, guild_id):
            for row in rows:
                self.stream.write(self.format(row.payload))
                self.stream.flush()
                await outbox.mark_sent(db, [row.id])
                printed += 1
        return printed

    def format(self, payload: dict) -> str:
        if self.fmt == "jsonl":
            return json.dumps(payload, ensure_ascii=False, sort_keys=False) + "\n"
        return render_terminal(change_from_json(payload), color=self.color) + "\n\n"
