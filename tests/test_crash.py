"""Crash test: kill the real `dossier run --once` at exact points of a cycle, restart it, and
check that nothing was lost or duplicated.

Two phases are served from a local feed server (the demo story spread over six feeds, so
articles are seen in several feeds and the cycle runs in three batches of two feeds; each entry's
page is served too and read before matching, the article-page step): phase A
is every feed's first poll (a backlog), phase B adds articles and revises one. The reference is
a clean run of A then B. Each trial kills one phase at a checkpoint pass (`bot/checkpoint.py`:
after a fetch, inside the store transaction, after it, between matching and recording, inside
the record transaction, after it, between printing and marking) with SIGKILL or SIGTERM, then
runs it again (and phase B after a crash in A). SIGTERM must exit 0 after the step in
progress; TERM twice exits at once (143). The trial passes when every update the reference
printed was printed (the only duplicates allowed: lines a SIGKILL caught between printing and
marking, the documented console reprint) and the final database holds the same claims,
revisions, proposals, matches, evaluations and outbox rows, with nothing left queued.

CI runs a handful of trials; `DOSSIER_CRASH_TRIALS=200` runs that many (seeded by
`DOSSIER_CRASH_SEED`), spread over every checkpoint pass of both phases.
"""

from __future__ import annotations

import asyncio
import hashlib
import html
import os
import random
import sqlite3
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.demo.replay import load_steps, render_rss
from bot.post.console import MARK_EVERY
from tests.feedserver import FeedServer

ROOT = Path(__file__).resolve().parents[1]
FEEDS = 6
CHECKPOINTS = ("fetch", "store", "stored", "match", "record", "recorded", "print")
# compared after a crash: every column but times, schedules and attempt counters
TABLES = {
    "claims": "topic_id, key, statement, status, aliases, figures, sources, retired_at",
    "claim_revisions": "claim_id, rev, statement, status, figures, sources, change_kind, reason, "
                       "article_id, actor",
    "articles": "id, identity, url, title, summary, content, content_hash, revision_count",
    "article_revisions": "article_id, content_hash, title, summary, content",
    "sightings": "article_id, feed_id",
    "proposals": "id, topic_id, claim_id, article_id, kind, before_value, after_value, score, "
                 "evidence, payload, state",
    "matches": "article_id, claim_id, score, evidence",
    "evaluations": "article_id, topic_id, relevant, detail, content_hash",
    "outbox": "id, guild_id, topic_id, claim_id, article_id, proposal_id, kind, payload, embed, "
              "backlog, state, nonce",
    "pending_articles": "article_id",
}


def phase_feeds() -> list[list[dict[str, Any]]]:
    """Per phase, the six feeds' documents: each article in two feeds, batches of two."""
    steps = load_steps()
    first = {i["guid"]: i for s in steps[:2] for f in s.feeds.values() for i in f["items"]}
    later = {i["guid"]: i for f in steps[2].feeds.values() for i in f["items"]}
    phases = []
    for pool in (first, {**first, **later}):
        items = list(pool.values())
        feeds = []
        for n in range(FEEDS):
            mine = [it for k, it in enumerate(items) if k % FEEDS in (n, (n + 2) % FEEDS)]
            feeds.append({"title": f"Feed {n}", "items": mine})
        phases.append(feeds)
    return phases


def article_page(item: dict[str, Any]) -> str:
    """The page behind an entry: its text with a little of what news pages carry around it."""
    text = html.escape(item["body"])
    return (f"<html><head><title>{html.escape(item['title'])}</title></head><body>"
            "<nav><a href='/'>Home</a> <a href='/world'>World</a></nav><article>"
            f"<h1>{html.escape(item['title'])}</h1><p>{text}</p>"
            f"<p>{text} The company did not respond to a request for comment.</p></article>"
            "<footer>Demo pages for the crash test</footer></body></html>")


@dataclass
class Run:
    code: int
    out: str
    err: str


class Harness:
    """One database's feeds (own paths on the shared server, so trials run side by side)."""

    def __init__(self, server: FeedServer, tmp: Path, fmt: str, name: str,
                 extra_env: dict[str, str] | None = None) -> None:
        self.server = server
        self.extra_env = extra_env or {}
        self.fmt = fmt
        self.name = name
        self.phases = phase_feeds()
        self.db = tmp / f"{name}.db"
        shipped = (ROOT / "feeds.yaml").read_text(encoding="utf-8")
        topics = shipped[shipped.index("\ntopics:") + 1:]
        feeds = "".join(f"  - url: {server.url(self.path(n))}\n    name: Feed {n}\n"
                        for n in range(FEEDS))
        self.config = tmp / f"{name}.yaml"
        self.config.write_text(f"feeds:\n{feeds}{topics}", encoding="utf-8")

    def path(self, n: int) -> str:
        return f"/{self.name}/f/{n}.xml"

    def serve(self, phase: int) -> None:
        """The feeds of `phase`; each entry's link is a local article page (short summaries:
        the page is read before matching, as `fetch_article: auto` does)."""
        for n, feed in enumerate(self.phases[phase]):
            items = []
            for item in feed["items"]:
                # the same page for every trial (URLs are in the output): named by its content
                digest = hashlib.sha256(item["body"].encode()).hexdigest()[:8]
                page = f"/page/{item['guid']}/{digest}"
                self.server.route(page, body=article_page(item).encode(),
                                  headers={"Content-Type": "text/html; charset=utf-8"})
                items.append({**item, "link": self.server.url(page)})
            self.server.route(self.path(n), body=render_rss({**feed, "items": items}),
                              etag=f'"p{phase}-{n}"', headers={"Content-Type": "application/rss+xml"})

    def env(self, *, crash: str | None = None, signal: str = "KILL") -> dict[str, str]:
        env = {**os.environ, "DISCORD_TOKEN": "", "DOSSIER_LOG_LEVEL": "INFO",
               "DOSSIER_BATCH_FEEDS": "2", "DOSSIER_ALLOW_PRIVATE_FEEDS": "1",
               # loading and checking the model costs seconds per start; crash safety does not
               # depend on how entries are scored
               "DOSSIER_SEMANTIC": "off"}
        env.update(self.extra_env)
        env.pop("DOSSIER_CRASH_AT", None)
        if crash:
            env.update(DOSSIER_CRASH_AT=crash, DOSSIER_CRASH_SIGNAL=signal)
        return env

    async def run(self, *, crash: str | None = None, signal: str = "KILL") -> Run:
        env = self.env(crash=crash, signal=signal)
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "run", "--once", "--format", self.fmt,
            "--config", str(self.config), "--db", str(self.db), cwd=ROOT, env=env,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        )
        out, err = await asyncio.wait_for(proc.communicate(), timeout=120)
        return Run(proc.returncode if proc.returncode is not None else -1, out.decode(), err.decode())


def pieces(out: str, fmt: str) -> list[str]:
    """The printed updates: JSON lines, or text blocks (each ends with a blank line)."""
    if fmt == "jsonl":
        return [line for line in out.splitlines() if line]
    return [block for block in out.split("\n\n") if block.strip()]


def dump(db: Path) -> dict[str, list[tuple[Any, ...]]]:
    conn = sqlite3.connect(db)
    try:
        return {t: sorted(conn.execute(f"SELECT {cols} FROM {t}").fetchall(),
                          key=repr)
                for t, cols in TABLES.items()}
    finally:
        conn.close()


@dataclass(frozen=True)
class Reference:
    outputs: list[str]  # every update printed by a clean run of phase A then phase B
    final: dict[str, list[tuple[Any, ...]]]


async def reference(server: FeedServer, tmp: Path, fmt: str, extra_env: dict[str, str] | None = None,
                    tag: str = "") -> Reference:
    h = Harness(server, tmp, fmt, f"reference-{fmt}{tag}", extra_env)
    outputs = []
    for phase in (0, 1):
        h.serve(phase)
        run = await h.run()
        assert run.code == 0, run.err
        assert pieces(run.out, fmt), f"the reference printed no updates in phase {phase}"
        outputs += pieces(run.out, fmt)
    return Reference(outputs, dump(h.db))


async def trial(server: FeedServer, tmp: Path, fmt: str, reference: asyncio.Task[Reference],
                phase: int, point: str, signal: str, extra_env: dict[str, str] | None = None,
                tag: str = "") -> None:
    """Crash `phase` at `point` ("name:pass") with `signal`, restart, compare with `ref`."""
    where = f"{fmt}{tag}, phase {'AB'[phase]}, {point}, SIG{signal}"
    h = Harness(server, tmp, fmt, f"{fmt}{tag}-{phase}-{point.replace(':', '-')}-{signal}", extra_env)
    printed: list[str] = []
    for current in (0, 1):
        h.serve(current)
        if current == phase:
            crashed = await h.run(crash=point, signal=signal)
            if signal == "TERM":
                assert crashed.code == 0, f"SIGTERM must exit 0 ({where}): {crashed.err}"
            elif signal == "TERM,TERM":  # a second signal exits at once
                assert crashed.code in (0, 128 + 15), f"({where}): {crashed.err}"
            else:
                assert crashed.code in (0, -9), crashed.err  # 0: the pass did not occur
            assert "Traceback" not in crashed.err, crashed.err
            printed += pieces(crashed.out, fmt)
        run = await h.run()  # the restart (or the clean run of the other phase)
        assert run.code == 0, run.err
        printed += pieces(run.out, fmt)
    ref = await reference
    got, want = Counter(printed), Counter(ref.outputs)
    assert not want - got, f"updates lost ({where}): {list(want - got)}"
    extra = got - want
    assert set(extra) <= set(want), f"updates that a clean run never printed ({where})"
    if signal != "TERM" and point.startswith("print:"):
        assert sum(extra.values()) <= MARK_EVERY, f"more reprinted than documented ({where})"
    else:
        assert not extra, f"updates printed twice ({where}): {list(extra)}"
    final = dump(h.db)
    for table in TABLES:
        assert final[table] == ref.final[table], f"{table} differs from a clean run ({where})"


CI_TRIALS = {  # phase, checkpoint pass, signal: kills before, inside and after each write
    "jsonl": [(0, "store:2", "KILL"), (0, "recorded:2", "TERM"), (1, "record:1", "KILL"),
              (1, "print:2", "KILL"), (0, "store:1", "TERM,TERM")],
    "text": [(0, "match:1", "KILL"), (1, "stored:1", "TERM")],
}


async def test_killed_anywhere_in_a_cycle_nothing_is_lost_or_doubled(tmp_path: Path) -> None:
    trials = [(fmt, *spec) for fmt, specs in CI_TRIALS.items() for spec in specs]
    count = int(os.environ.get("DOSSIER_CRASH_TRIALS") or 0)
    if count:
        rng = random.Random(int(os.environ.get("DOSSIER_CRASH_SEED") or 13))
        trials = sorted({(rng.choice(("jsonl", "text")), rng.randrange(2),
                          f"{rng.choice(CHECKPOINTS)}:{rng.randint(1, 6)}",
                          rng.choice(("KILL", "TERM", "TERM,TERM"))) for _ in range(count)})
    gate = asyncio.Semaphore(int(os.environ.get("DOSSIER_CRASH_PARALLEL") or 6))
    async with FeedServer() as server:
        references = {fmt: asyncio.create_task(reference(server, tmp_path, fmt))
                      for fmt in ("jsonl", "text")}

        async def one(fmt: str, phase: int, point: str, signal: str) -> None:
            async with gate:
                await trial(server, tmp_path, fmt, references[fmt], phase, point, signal)

        try:
            await asyncio.gather(*(one(*spec) for spec in trials))
        finally:
            for task in references.values():
                task.cancel()
            await asyncio.gather(*references.values(), return_exceptions=True)


# The scorer on, and the queue matched beside the fetching one article at a time: the model
# loads (and writes its status, the weights' sha256 and reads the stored wordings) while the
# batches are fetched and stored, and the matching lane records while the next batch is stored.
SEMANTIC_ENV = {"DOSSIER_SEMANTIC": "on", "DOSSIER_MATCH_SEGMENT": "1"}
# CI runs the first two (each start loads the model: ~20 s of CPU for five); DOSSIER_CRASH_TRIALS runs all
SEMANTIC_TRIALS = [(0, "semantic:1", "KILL"), (0, "recorded:2", "TERM"), (0, "semantic:2", "TERM"),
                   (1, "stored:2", "TERM,TERM"), (0, "wordings:1", "KILL"), (1, "match:2", "KILL")]


async def test_killed_while_the_model_loads_or_matching_runs_beside_the_fetching(tmp_path: Path) -> None:
    gate = asyncio.Semaphore(int(os.environ.get("DOSSIER_CRASH_PARALLEL") or 6))
    async with FeedServer() as server:
        ref = asyncio.create_task(reference(server, tmp_path, "jsonl", SEMANTIC_ENV, "-semantic"))

        async def one(phase: int, point: str, signal: str) -> None:
            async with gate:
                await trial(server, tmp_path, "jsonl", ref, phase, point, signal, SEMANTIC_ENV, "-semantic")

        try:
            trials = SEMANTIC_TRIALS if os.environ.get("DOSSIER_CRASH_TRIALS") else SEMANTIC_TRIALS[:2]
            await asyncio.gather(*(one(*spec) for spec in trials))
        finally:
            ref.cancel()
            await asyncio.gather(ref, return_exceptions=True)
