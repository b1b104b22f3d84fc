"""Run a story through the real bot: one loopback feed, `dossier run --once` per snapshot.

`Follower` owns a temporary directory (feeds.yaml generated from the story's topics.yaml,
the SQLite database) and a `FeedServer`. `play()` publishes the records in the order given,
about `per_snapshot` new ones at a time, the feed holding the newest `window` items, and
runs the real command as a subprocess after each snapshot (console mode, JSON lines). After
each run an optional admin policy decides the pending proposals through the public review
service (`bot.service.review`), as an admin on Discord would.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any, Self

import yaml

from bench.matchbench.corpus import ROOT, Story
from bench.matchbench.feed import FeedServer, PageProvider, feed_item, rss_bytes
from bot.pipeline import CONSOLE_SCOPE
from bot.service import review
from storage.db import Database

WINDOW = 20  # a feed carries its newest 20 items
PER_SNAPSHOT = 6  # new articles between two polls
ADMIN_ID = 1  # the simulated admin's Discord id, as recorded in revisions ("admin:1")

AdminPolicy = Callable[[review.ProposalView], str | None]  # accept | reject | unrelated | None


def snapshots(records: Sequence[dict[str, Any]],
              per_snapshot: int = PER_SNAPSHOT) -> list[list[dict[str, Any]]]:
    """`records` cut into consecutive snapshots of about `per_snapshot` (sizes differ by <= 1)."""
    if not records:
        return []
    count = max(1, round(len(records) / per_snapshot))
    base, extra = divmod(len(records), count)
    out, start = [], 0
    for i in range(count):
        size = base + (1 if i < extra else 0)
        out.append(list(records[start:start + size]))
        start += size
    return out


@dataclass
class Decisions:
    accepted: list[review.ProposalView] = field(default_factory=list)
    rejected: list[review.ProposalView] = field(default_factory=list)
    unrelated: list[review.ProposalView] = field(default_factory=list)
    left: int = 0  # pending when the replay ended (the policy did not decide them)
    questions_left: int = 0  # of which questions about uncertain matches (match_check)


class Follower:
    def __init__(self, story: Story, *, full: bool = True, pages: PageProvider | None = None,
                 env: dict[str, str] | None = None) -> None:
        self.story = story
        self.full = full
        self._tmp = tempfile.TemporaryDirectory(prefix=f"dossier-follow-{story.name}-")
        self.dir = Path(self._tmp.name)
        self.db_path = self.dir / "dossier.db"
        self.config_path = self.dir / "feeds.yaml"
        self.server = FeedServer(pages)
        self.extra_env = env or {}
        self.published: list[dict[str, Any]] = []
        self.updates: list[dict[str, Any]] = []  # every JSON line the runs printed
        self.decisions = Decisions()
        self.runs = 0

    def __enter__(self) -> Self:
        self.server.__enter__()
        feeds = [{"url": self.server.url("/feed.xml"), "name": f"{self.story.name} (replay)"}]
        config = {"feeds": feeds, "topics": self.story.topics_raw.get("topics") or []}
        self.config_path.write_text(yaml.safe_dump(config, allow_unicode=True, sort_keys=False),
                                    encoding="utf-8")
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.server.__exit__(exc_type, exc, tb)
        self._tmp.cleanup()

    def record_id(self, article_url: str | None) -> str | None:
        """The corpus id behind an article link this feed published."""
        prefix = self.server.url("/article/")
        if article_url and article_url.startswith(prefix):
            return article_url.removeprefix(prefix)
        return None

    def publish(self, new: Sequence[dict[str, Any]], window: int = WINDOW) -> None:
        self.published.extend(new)
        newest = list(reversed(self.published[-window:]))
        items = [feed_item(r, self.server.article_url(r["id"]), full=self.full) for r in newest]
        self.server.feed = rss_bytes(f"{self.story.name} replay", self.server.url("/"), items)

    def run_once(self) -> list[dict[str, Any]]:
        """`dossier run --once --format jsonl` on this follower's database; its JSON lines."""
        env = {k: v for k, v in os.environ.items() if k != "DISCORD_TOKEN"}
        env.update({"DOSSIER_ALLOW_PRIVATE_FEEDS": "1", "DOSSIER_LOG_LEVEL": "WARNING", **self.extra_env})
        env["PYTHONPATH"] = os.pathsep.join(filter(None, (str(ROOT), env.get("PYTHONPATH"))))
        cmd = [sys.executable, "-m", "bot", "run", "--once", "--format", "jsonl",
               "--config", str(self.config_path), "--db", str(self.db_path)]
        done = subprocess.run(cmd, cwd=self.dir, env=env, capture_output=True, text=True, timeout=600,
                              check=False)
        if done.returncode != 0:
            raise RuntimeError(f"dossier run --once exited {done.returncode}: {done.stderr[-2000:]}")
        lines = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
        self.updates.extend(lines)
        self.runs += 1
        return lines

    async def _decide(self, policy: AdminPolicy) -> None:
        async with await Database.open(self.db_path) as db:
            offset = 0
            while True:
                page = await review.pending(db, CONSOLE_SCOPE, offset=offset, limit=50)
                if not page.proposals:
                    return
                for proposal in page.proposals:
                    decision = policy(proposal)
                    if decision is None:
                        offset += 1
                        continue
                    await review.decide(db, CONSOLE_SCOPE, proposal.id, decision, actor_id=ADMIN_ID,
                                        actor_name="bench-admin")
                    {"accept": self.decisions.accepted, "reject": self.decisions.rejected,
                     "unrelated": self.decisions.unrelated}[decision].append(proposal)

    async def _pending_count(self) -> tuple[int, int]:
        """(proposals pending, of which match-check questions)."""
        async with await Database.open(self.db_path) as db:
            total, questions, offset = 0, 0, 0
            while True:
                page = await review.pending(db, CONSOLE_SCOPE, offset=offset, limit=50)
                total = page.total
                questions += sum(p.kind == "match_check" for p in page.proposals)
                offset += len(page.proposals)
                if not page.proposals or offset >= page.total:
                    return total, questions

    def play(self, records: Sequence[dict[str, Any]], policy: AdminPolicy | None = None,
             per_snapshot: int = PER_SNAPSHOT) -> None:
        """Publish `records` snapshot by snapshot, running the bot (and the admin) after each."""
        for new in snapshots(records, per_snapshot):
            self.publish(new)
            self.run_once()
            if policy is not None:
                asyncio.run(self._decide(policy))
        self.decisions.left, self.decisions.questions_left = asyncio.run(self._pending_count())

    def read(self, reader: Callable[[Database], Any]) -> Any:
        """Run an async storage read against the database (after the runs)."""

        async def go() -> Any:
            async with await Database.open(self.db_path) as db:
                return await reader(db)

        return asyncio.run(go())

