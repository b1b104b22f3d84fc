"""Poll-cycle cost of the real `dossier run --once`, side by side with lemon24/reader.

    python bench/pipeline.py [--feeds 100,1000,3000] [--repeat 3] [--quick] [--no-reader]

Serves N loopback feeds x 20 entries built at bench time from the real articles in
../shared/corpus (dev.jsonl, story3/articles.jsonl; cycled with unique ids and links, never
copied into the repository). Every entry carries its whole text in `content:encoded` (a
full-content feed); every feed has an ETag and a Last-Modified, so an unchanged feed answers
304. The topics are both corpus `topics.yaml` files; entries are mixed so that ~14 % of them
pass a topic gate (Dossier's own gate decides which articles pass).

Workloads, each one process of `dossier run --once --format jsonl` on the same database, and
one process of reader (update_feeds + the same keyword gate) on its own database:
  W1  cold start: every entry is new (N x 20 entries)
  W2  next cycle: every feed answers 304
  W3  500 new full-content entries spread over ~40 % of the feeds
  W4  500 new SHORT entries (title + ~300-character summary, no content) whose links lead to
      local HTML news pages: what article fetching adds, where Dossier fetches articles
For each: wall time, entries/s, CPU, peak RSS (the process's own ru_maxrss via wait4), and for
Dossier the event-loop lag p99 / worst stall (DOSSIER_LOOP_STATS, bot/monitor.py) and, in
brackets, the worst *busy* stall (the part of a lag the loop's thread spent computing: on a
shared machine, the plain lag also counts the time other programs held the CPU). Medians of
`--repeat` runs. `--long-running`: W1, W2 and W3 as cycles of one process instead (what a
long-running bot pays; bench/long_cycle.py). reader is installed in a throwaway venv under
bench/.cache (not a dependency).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import platform
import random
import re
import shutil
import signal
import site
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from html import escape as html_escape
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import yaml
from aiohttp import web

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.match.gate import Gate  # noqa: E402
from bot.match.normalise import fold  # noqa: E402

try:  # the article benchmark's page layouts (branch `article`), when present
    from bench.pages import BUILDERS, LAYOUTS, Other

    PAGE_LAYOUTS: tuple[Any, Any, tuple[str, ...]] | None = (BUILDERS, Other, tuple(LAYOUTS))
except (ImportError, AttributeError):
    PAGE_LAYOUTS = None

ENTRIES_PER_FEED = 20
GATE_SHARE = 0.14  # share of entries that pass a topic gate (issue 14's workload)
CHANGED_SHARE = 0.4  # W3/W4: share of the feeds that gain entries
SUMMARY_CHARS = 300
READER_VERSION = "3.26"
CACHE = ROOT / "bench" / ".cache"
BASE_TIME = datetime(2026, 1, 1, tzinfo=UTC)
CYCLE_LOG = re.compile(
    r"cycle: (?P<polled>\d+) polled, (?P<not_modified>\d+) not modified, (?P<failed>\d+) failed, "
    r"(?P<new>\d+) new, (?P<revised>\d+) revised, (?P<updates>\d+) updates"
)


# -- corpus ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class Article:
    title: str
    text: str
    passes: bool  # passes some topic's gate on title + text


def find_corpus(explicit: str | None) -> Path:
    candidates = [Path(explicit)] if explicit else []
    if os.environ.get("DOSSIER_CORPUS"):
        candidates.append(Path(os.environ["DOSSIER_CORPUS"]))
    candidates += [ROOT.parent / "shared" / "corpus", ROOT.parents[1] / "shared" / "corpus"]
    for path in candidates:
        if (path / "dev.jsonl").is_file() and (path / "story3" / "articles.jsonl").is_file():
            return path
    raise SystemExit(f"corpus not found (tried {', '.join(map(str, candidates))}); pass --corpus")


def load_topics(corpus: Path) -> list[dict[str, Any]]:
    topics: list[dict[str, Any]] = []
    for path in (corpus / "topics.yaml", corpus / "story3" / "topics.yaml"):
        topics += yaml.safe_load(path.read_text(encoding="utf-8"))["topics"]
    keys = [t["key"] for t in topics]
    if len(set(keys)) != len(keys):
        raise SystemExit(f"topic keys collide across the corpus topics files: {keys}")
    return topics


def load_articles(corpus: Path, topics: Sequence[dict[str, Any]]) -> tuple[list[Article], list[Article]]:
    """The corpus articles split into (pass a gate, pass none), by Dossier's own gate."""
    gates = [Gate(t["keywords"], t.get("exclude", ())) for t in topics]
    passing: list[Article] = []
    failing: list[Article] = []
    for path in (corpus / "dev.jsonl", corpus / "story3" / "articles.jsonl"):
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            row = json.loads(line)
            title = row.get("title") or row["text"][:80].rsplit(" ", 1)[0]
            folded = fold(f"{title}\n{row['text']}")
            passes = any(g.check(folded).passed for g in gates)
            (passing if passes else failing).append(Article(title, row["text"], passes))
    if not passing or not failing:
        raise SystemExit("the corpus needs articles that pass a topic gate and articles that do not")
    return passing, failing


# -- the feeds and pages served ---------------------------------------------------------------

@dataclass
class Entry:
    number: int
    article: Article
    short: bool  # W4: title + summary only, the link leads to a page


@dataclass
class FeedState:
    entries: list[int] = field(default_factory=list)  # entry numbers, oldest first
    version: int = 0
    body: bytes = b""


class Corpus:
    """Entry k's article: ~GATE_SHARE of the entries come from the gate-passing articles."""

    def __init__(self, passing: list[Article], failing: list[Article]) -> None:
        self.passing = passing
        self.failing = failing

    def article(self, k: int) -> Article:
        before = math.floor(k * GATE_SHARE)
        if math.floor((k + 1) * GATE_SHARE) > before:
            return self.passing[before % len(self.passing)]
        return self.failing[(k - before) % len(self.failing)]


def summary_of(text: str, limit: int = SUMMARY_CHARS) -> str:
    flat = " ".join(text.split())
    if len(flat) <= limit:
        return flat
    return flat[:limit].rsplit(" ", 1)[0] + "…"


def paragraphs_html(text: str) -> str:
    return "".join(f"<p>{html_escape(p.strip())}</p>" for p in text.split("\n") if p.strip())


class BenchServer:
    """aiohttp on loopback in its own thread: N feeds on 127.0.0.1, news pages on other
    127.0.0.x hosts (as if each feed's links led to its own site)."""

    def __init__(self, corpus: Corpus, n_feeds: int, page_hosts: int) -> None:
        self.corpus = corpus
        self.feeds = [FeedState() for _ in range(n_feeds)]
        self.entries: dict[int, Entry] = {}
        self.next_number = 0
        self.page_host_count = max(1, page_hosts)
        self.page_bases: list[str] = []
        self.hits: Counter[str] = Counter()
        self.port = 0
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="bench-server", daemon=True)
        self._runner: web.AppRunner | None = None

    # life cycle
    def __enter__(self) -> BenchServer:
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._start(), self._loop).result()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._runner is not None:
            asyncio.run_coroutine_threadsafe(self._runner.cleanup(), self._loop).result()
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join()
        self._loop.close()

    async def _start(self) -> None:
        app = web.Application()
        app.router.add_get("/feed/{index}.xml", self._feed)
        app.router.add_get("/article/{number}.html", self._page)
        app.router.add_get("/robots.txt", self._robots)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        feed_site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await feed_site.start()
        self.port = self._runner.addresses[0][1]
        for i in range(self.page_host_count):
            host = f"127.0.{1 + (i + 1) // 254}.{1 + (i + 1) % 254}"
            site = web.TCPSite(self._runner, host, 0)
            await site.start()
            self.page_bases.append(f"http://{host}:{site._server.sockets[0].getsockname()[1]}")

    # content
    def feed_url(self, index: int) -> str:
        return f"http://127.0.0.1:{self.port}/feed/{index}.xml"

    def link(self, feed: int, number: int) -> str:
        return f"{self.page_bases[feed % len(self.page_bases)]}/article/{number}.html"

    def add_entries(self, feed: int, count: int, *, short: bool) -> None:
        for _ in range(count):
            k = self.next_number
            self.next_number += 1
            self.entries[k] = Entry(k, self.corpus.article(k), short)
            self.feeds[feed].entries.append(k)

    def publish(self, feeds: Sequence[int]) -> None:
        """Bump the version (new validators) of `feeds` and render their documents."""
        for index in feeds:
            state = self.feeds[index]
            state.version += 1
            state.body = self._render(index, state)

    def _validators(self, index: int, state: FeedState) -> tuple[str, str]:
        modified = BASE_TIME + timedelta(hours=state.version, seconds=index)
        return f'"f{index}-v{state.version}"', format_datetime(modified, usegmt=True)

    def _render(self, index: int, state: FeedState) -> bytes:
        items = []
        for k in reversed(state.entries[-ENTRIES_PER_FEED:]):
            entry = self.entries[k]
            article = entry.article
            published = format_datetime(BASE_TIME + timedelta(minutes=k), usegmt=True)
            content = "" if entry.short else \
                f"<content:encoded>{escape(paragraphs_html(article.text))}</content:encoded>"
            items.append(
                f"<item><guid isPermaLink=\"false\">bench-{k}</guid>"
                f"<link>{escape(self.link(index, k))}</link>"
                f"<title>{escape(article.title)}</title><pubDate>{published}</pubDate>"
                f"<description>{escape(summary_of(article.text))}</description>{content}</item>"
            )
        return (
            "<?xml version=\"1.0\" encoding=\"utf-8\"?>"
            "<rss version=\"2.0\" xmlns:content=\"http://purl.org/rss/1.0/modules/content/\">"
            f"<channel><title>Bench feed {index}</title><link>{self.page_bases[0]}/</link>"
            f"<description>loopback feed {index}</description>{''.join(items)}</channel></rss>"
        ).encode()

    def page_html(self, number: int) -> str:
        """The news page behind entry `number`: in bench/pages.py's layouts (issue 11's page
        benchmark) where that module exists, else a simple page of our own."""
        entry = self.entries[number]
        previous = [self.entries[k].article for k in range(max(0, number - 6), number)]
        if PAGE_LAYOUTS is not None:
            builders, other, layouts = PAGE_LAYOUTS
            record = {"title": entry.article.title, "text": entry.article.text, "published": None}
            others = [other(a.title, a.text.split(". ")[0][:200]) for a in previous]
            return builders[layouts[number % len(layouts)]](record, others)
        return self.simple_page(number, [a.title for a in previous[1:]])

    def simple_page(self, number: int, others: list[str]) -> str:
        """A news page: navigation, cookie notice, the article, a box of other headlines, footer."""
        entry = self.entries[number]
        headlines = "".join(f"<li><a href=\"/article/{number - i - 1}.html\">{html_escape(t)}</a></li>"
                            for i, t in enumerate(reversed(others)))
        return (
            "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<title>{html_escape(entry.article.title)} | Bench News</title></head><body>"
            "<header><nav><a href=\"/\">Home</a> <a href=\"/world\">World</a> "
            "<a href=\"/business\">Business</a> <a href=\"/tech\">Technology</a></nav>"
            "<div class=\"cookie\">We use cookies to improve your experience. "
            "<button>Accept all</button></div></header>"
            f"<main><article><h1>{html_escape(entry.article.title)}</h1>"
            f"<p class=\"byline\">By Bench Staff, {BASE_TIME:%d %B %Y}</p>"
            f"{paragraphs_html(entry.article.text)}</article>"
            f"<aside><h2>Most read</h2><ul>{headlines}</ul>"
            "<div class=\"newsletter\">Sign up to our morning briefing.</div></aside></main>"
            "<footer><p>© Bench News. All rights reserved.</p><a href=\"/privacy\">Privacy</a> "
            "<a href=\"/terms\">Terms</a></footer></body></html>"
        )

    # handlers
    async def _feed(self, request: web.Request) -> web.StreamResponse:
        index = int(request.match_info["index"])
        if not 0 <= index < len(self.feeds):
            raise web.HTTPNotFound
        state = self.feeds[index]
        etag, modified = self._validators(index, state)
        match = request.headers.get("If-None-Match")
        since = request.headers.get("If-Modified-Since")
        if (match is not None and match == etag) or (match is None and since == modified):
            self.hits["feed_304"] += 1
            return web.Response(status=304, headers={"ETag": etag, "Last-Modified": modified})
        self.hits["feed_200"] += 1
        return web.Response(body=state.body, content_type="application/rss+xml", charset="utf-8",
                            headers={"ETag": etag, "Last-Modified": modified})

    async def _page(self, request: web.Request) -> web.StreamResponse:
        number = int(request.match_info["number"])
        if number not in self.entries:
            raise web.HTTPNotFound
        self.hits["page"] += 1
        return web.Response(text=self.page_html(number), content_type="text/html")

    async def _robots(self, request: web.Request) -> web.StreamResponse:
        self.hits["robots"] += 1
        return web.Response(text="User-agent: *\nAllow: /\n", content_type="text/plain")


# -- measured processes ------------------------------------------------------------------------

@dataclass
class Measure:
    wall: float
    cpu: float  # user + system, the process and the children it waited for
    peak_rss_mb: float  # the process's own high-water mark (VmHWM)
    returncode: int
    tree_rss_mb: float = 0.0  # sampled: the process and its children together (worker pools)
    info: dict[str, Any] = field(default_factory=dict)


PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


def tree_rss(pid: int) -> int:
    """Resident bytes of `pid` and its descendants now (Linux /proc; 0 elsewhere)."""
    total = 0
    todo = [pid]
    while todo:
        p = todo.pop()
        try:
            total += int(Path(f"/proc/{p}/statm").read_text().split()[1]) * PAGE
            for task in Path(f"/proc/{p}/task").iterdir():
                todo += [int(c) for c in (task / "children").read_text().split()]
        except (OSError, ValueError, IndexError):
            continue
    return total


def high_water_mark(pid: int) -> int:
    """VmHWM of `pid` in bytes (0 if unreadable): the peak RSS of the program it runs now."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return 0


def run_measured(cmd: Sequence[str], env: dict[str, str], out: Path, err: Path,
                 cwd: Path | None = None) -> Measure:
    """Run `cmd`: wall time and CPU (wait4's rusage), peak RSS (VmHWM, sampled every 20 ms while
    the process runs: monotonic, so at most the last 20 ms are missed) and the peak resident
    size of its process tree.

    Not ru_maxrss: Linux folds the forking parent's high-water mark into the child's at exec,
    so a bench process holding 200 MB of feeds would show as every child's floor."""
    peak_tree = 0
    hwm = 0
    done = threading.Event()

    def sample(pid: int) -> None:
        nonlocal peak_tree, hwm
        while True:
            hwm = max(hwm, high_water_mark(pid))
            peak_tree = max(peak_tree, tree_rss(pid))
            if done.wait(0.02):
                return

    with out.open("wb") as stdout, err.open("wb") as stderr:
        started = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=stdout, stderr=stderr, env=env, cwd=cwd or ROOT)
        sampler = threading.Thread(target=sample, args=(proc.pid,), daemon=True)
        sampler.start()
        _, status, usage = os.wait4(proc.pid, 0)  # (an exited process has no VmHWM left)
        wall = time.perf_counter() - started
        done.set()
        sampler.join()
    proc.returncode = os.waitstatus_to_exitcode(status)
    peak = hwm / 2**20 if hwm else usage.ru_maxrss / 1024
    return Measure(wall, usage.ru_utime + usage.ru_stime, peak, proc.returncode,
                   tree_rss_mb=max(peak, peak_tree / 2**20))


def dossier_command() -> list[str]:
    """`dossier` as `python -m bot` (the same entry point), run with cwd=ROOT so the code measured
    is this checkout's whatever the venv's editable install points at."""
    return [sys.executable, "-m", "bot"]


def reader_python(version: str) -> Path:
    """The throwaway venv with lemon24/reader (created once, reused from bench/.cache)."""
    venv = CACHE / f"reader-{version}"
    python = venv / "bin" / "python"
    marker = venv / ".installed"
    if marker.exists() and python.exists():
        return python
    print(f"creating a throwaway venv with reader=={version} in {venv} ...", file=sys.stderr)
    shutil.rmtree(venv, ignore_errors=True)
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    # reader vendors a feedparser that imports `sgmllib` (sgmllib3k), which newer feedparser
    # releases no longer pull in.
    subprocess.run([str(python), "-m", "pip", "install", "--quiet", f"reader=={version}", "sgmllib3k"],
                   check=True)
    marker.touch()
    return python


@dataclass
class Workload:
    name: str
    title: str
    entries: int  # new entries the cycle should find
    feeds: int  # feeds polled


@dataclass
class Run:
    """One repeat at one size: every workload's measures for both programs."""

    dossier: dict[str, Measure] = field(default_factory=dict)
    reader: dict[str, Measure] = field(default_factory=dict)
    workloads: dict[str, Workload] = field(default_factory=dict)
    hits: dict[str, dict[str, dict[str, int]]] = field(default_factory=dict)  # workload -> program
    again: dict[str, list[Measure]] = field(default_factory=dict)  # Dossier's --step-repeat runs
    # --compare: did every run of a step print the same JSON lines, both checkouts? (the same
    # server, so the same loopback ports: compared byte for byte)
    same_output: dict[str, bool] = field(default_factory=dict)


def fetch_article_supported() -> bool:
    """Whether this Dossier knows the per-feed `fetch_article` key (issue 11's article fetching)."""
    from bot.config import ConfigError, parse_config

    feed = {"url": "http://127.0.0.1/feed.xml", "fetch_article": "never"}
    try:
        parse_config({"feeds": [feed], "topics": []}, Path("probe.yaml"))
    except ConfigError:
        return False
    return True


def write_config(path: Path, server: BenchServer, topics: Sequence[dict[str, Any]], n: int,
                 fetch_article: str | None = None) -> None:
    feeds: list[dict[str, Any]] = [{"url": server.feed_url(i), "name": f"Bench {i}", "interval": "15m"}
                                   for i in range(n)]
    if fetch_article:
        for feed in feeds:
            feed["fetch_article"] = fetch_article
    path.write_text(yaml.safe_dump({"feeds": feeds, "topics": list(topics)}, allow_unicode=True,
                                   sort_keys=False), encoding="utf-8")


def one_run(n: int, args: argparse.Namespace, corpus: Corpus, topics: Sequence[dict[str, Any]],
            reader_py: Path | None, index: int, reader_first: bool) -> Run:
    rng = random.Random(14)
    changed = max(1, min(round(n * CHANGED_SHARE), args.new))
    new_entries = min(args.new, changed * 10)  # a feed shows 20 entries: keep the new ones visible
    run = Run()
    outputs: dict[str, bytes] = {}  # --compare: the first run's printed lines per step
    with tempfile.TemporaryDirectory(prefix="dossier-pipebench-") as tmp_name, \
            BenchServer(corpus, n, page_hosts=min(changed, args.page_hosts)) as server:
        tmp = Path(tmp_name)
        config = tmp / "feeds.yaml"
        write_config(config, server, topics, n)
        (tmp / "urls.txt").write_text("\n".join(server.feed_url(i) for i in range(n)) + "\n")
        (tmp / "topics.json").write_text(json.dumps(
            [{"key": t["key"], "keywords": t["keywords"], "exclude": t.get("exclude", [])} for t in topics]))
        drop = {"DISCORD_TOKEN", "DOSSIER_CONFIG", "DOSSIER_DB"}
        env = {k: v for k, v in os.environ.items() if k not in drop}
        env.update({"DOSSIER_ALLOW_PRIVATE_FEEDS": "1", "DOSSIER_LOG_LEVEL": "INFO", "PYTHONUNBUFFERED": "1"})
        env.update(dict(kv.split("=", 1) for kv in args.env))

        def spread(count: int, short: bool) -> None:
            chosen = rng.sample(range(n), changed)
            for j in range(count):
                server.add_entries(chosen[j % changed], 1, short=short)
            server.publish(chosen)

        for i in range(n):
            server.add_entries(i, ENTRIES_PER_FEED, short=False)
        server.publish(range(n))
        steps = [
            Workload("W1", f"cold start, {n * ENTRIES_PER_FEED:,} entries", n * ENTRIES_PER_FEED, n),
            Workload("W2", "next cycle, every feed 304", 0, n),
            Workload("W3", f"{new_entries} new entries over {changed} feeds", new_entries, n),
            Workload("W4", f"{new_entries} new short entries (pages) over {changed} feeds", new_entries, n),
        ]
        never = "W4" in args.workloads and args.fetch_baseline
        if never:  # the same W4 on a copy of the database, with article fetching off
            steps.append(Workload("W4n", "W4 with fetch_article: never (no pages)", new_entries, n))
            write_config(tmp / "feeds-never.yaml", server, topics, n, fetch_article="never")
        for step in steps:
            if step.name not in args.workloads and step.name != "W4n":
                continue  # (a skipped W3 adds nothing, so W4 alone still finds only its entries)
            if step.name == "W3":
                spread(new_entries, short=False)
            elif step.name == "W4":
                spread(new_entries, short=True)
                if never:
                    for suffix in ("", "-wal", "-shm"):
                        if (tmp / f"dossier.db{suffix}").exists():
                            shutil.copyfile(tmp / f"dossier.db{suffix}", tmp / f"dossier-never.db{suffix}")
            run.workloads[step.name] = step
            programs = ["reader", "dossier"] if reader_first else ["dossier", "reader"]
            if step.name == "W4n":
                programs = ["dossier"]
            for program in programs:
                before = Counter(server.hits)
                if program == "dossier":
                    db = tmp / ("dossier-never.db" if step.name == "W4n" else "dossier.db")
                    cfg = tmp / "feeds-never.yaml" if step.name == "W4n" else config
                    again = args.step_repeat - 1 if step.name in ("W2", "W3") else 0
                    roots: list[Path | None] = [args.dossier_root]
                    if args.compare and step.name in ("W2", "W3"):
                        roots.append(args.compare)
                        again = max(again, 1)
                    if again:  # the same step again from the same database (see --step-repeat)
                        copy_db(db, tmp / "before-step.db")
                    for attempt in range(len(roots) * args.step_repeat if len(roots) > 1 else again + 1):
                        root = roots[attempt % len(roots)]  # alternated with --compare
                        if attempt:
                            copy_db(tmp / "before-step.db", db)
                        stats = tmp / f"loop-{step.name}.jsonl"
                        stats.unlink(missing_ok=True)
                        measure = run_measured(
                            [*dossier_command(), "run", "--once", "--format", "jsonl",
                             "--config", str(cfg), "--db", str(db)],
                            {**env, "DOSSIER_LOOP_STATS": str(stats)},
                            tmp / f"dossier-{step.name}.out", tmp / f"dossier-{step.name}.err",
                            cwd=root)
                        measure.info = dossier_info(tmp, step.name, stats)
                        check(measure, f"dossier {step.name}", tmp / f"dossier-{step.name}.err")
                        if len(roots) > 1:  # every run's output against the first one's
                            printed = (tmp / f"dossier-{step.name}.out").read_bytes()
                            first = outputs.setdefault(step.name, printed)
                            run.same_output[step.name] = run.same_output.get(step.name, True) \
                                and printed == first
                        if root is not args.dossier_root:
                            run.again.setdefault(f"{step.name}@compare", []).append(measure)
                            shutil.copyfile(tmp / f"dossier-{step.name}.out",
                                            tmp / f"dossier-{step.name}-compare.out")
                        elif attempt:
                            run.again.setdefault(step.name, []).append(measure)
                        else:
                            run.dossier[step.name] = measure
                elif reader_py is not None:
                    measure = run_measured(
                        [str(reader_py), str(ROOT / "bench" / "reader_cycle.py"), "--repo", str(ROOT),
                         "--db", str(tmp / "reader.sqlite"), "--feeds", str(tmp / "urls.txt"),
                         "--topics", str(tmp / "topics.json"), "--workers", str(args.reader_workers),
                         "--extra-path", os.pathsep.join(site.getsitepackages())],
                        env, tmp / f"reader-{step.name}.out", tmp / f"reader-{step.name}.err")
                    check(measure, f"reader {step.name}", tmp / f"reader-{step.name}.err")
                    measure.info = json.loads((tmp / f"reader-{step.name}.out").read_text().splitlines()[-1])
                    run.reader[step.name] = measure
                run.hits.setdefault(step.name, {})[program] = dict(Counter(server.hits) - before)
        if args.keep:
            shutil.copytree(tmp, Path(args.keep) / f"{n}-feeds-run{index}", dirs_exist_ok=True)
    return run


def long_running(n: int, args: argparse.Namespace, corpus: Corpus, topics: Sequence[dict[str, Any]],
                 forget: bool) -> dict[str, Any]:
    """W1, W2, W3 as cycles of ONE `dossier run` process (bench/long_cycle.py), the feeds changed
    between cycles exactly as `one_run` changes them: what a long-running bot pays for W3 (no
    start-up, the matcher and the model in memory). `forget`: the scorer's sentence cache is
    emptied before W3, as if its text were new (the bench's W3 entries repeat W1's articles)."""
    rng = random.Random(14)
    changed = max(1, min(round(n * CHANGED_SHARE), args.new))
    new_entries = min(args.new, changed * 10)
    cycles: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="dossier-pipebench-") as tmp_name, \
            BenchServer(corpus, n, page_hosts=1) as server:
        tmp = Path(tmp_name)
        config = tmp / "feeds.yaml"
        write_config(config, server, topics, n)
        drop = {"DISCORD_TOKEN", "DOSSIER_CONFIG", "DOSSIER_DB"}
        env = {k: v for k, v in os.environ.items() if k not in drop}
        env.update({"DOSSIER_ALLOW_PRIVATE_FEEDS": "1", "DOSSIER_LOG_LEVEL": "WARNING",
                    "PYTHONUNBUFFERED": "1"})
        env.update(dict(kv.split("=", 1) for kv in args.env))
        for i in range(n):
            server.add_entries(i, ENTRIES_PER_FEED, short=False)
        server.publish(range(n))

        def failed(why: str) -> SystemExit:
            tail = (tmp / "long.err").read_text(errors="replace")[-3000:]
            return SystemExit(f"long_cycle.py {why}:\n{tail}")

        root = args.dossier_root or ROOT
        with (tmp / "long.err").open("wb") as err:
            proc = subprocess.Popen(
                [sys.executable, str(ROOT / "bench" / "long_cycle.py"), "--config", str(config),
                 "--db", str(tmp / "dossier.db"), "--root", str(root)],
                cwd=root, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=err, text=True)
            assert proc.stdin is not None and proc.stdout is not None

            def cycle(name: str, *flags: str) -> None:
                proc.stdin.write(" ".join(["cycle", str(tmp / f"dossier-{name}.out"), *flags]) + "\n")
                proc.stdin.flush()
                line = proc.stdout.readline()
                if not line:
                    raise failed("ended")
                cycles[name] = json.loads(line)

            cycle("W1")
            cycle("W2")
            chosen = rng.sample(range(n), changed)
            for j in range(new_entries):
                server.add_entries(chosen[j % changed], 1, short=False)
            server.publish(chosen)
            cycle("W3", *(["forget"] if forget else []))
            proc.stdin.write("\n")
            proc.stdin.close()
            _, status, usage = os.wait4(proc.pid, 0)
        if status != 0:
            raise failed("failed")
        cycles["peak_rss_mb"] = usage.ru_maxrss / 1024
        if args.keep:
            shutil.copytree(tmp, Path(args.keep) / f"{n}-feeds-long{'-forget' if forget else ''}",
                            dirs_exist_ok=True)
    return cycles


def long_table(n: int, runs: dict[str, list[dict[str, Any]]]) -> str:
    """The --long-running cycles: medians per cycle, the runs in brackets."""
    lines = [f"### {n:,} feeds, one long-running process (bench/long_cycle.py)", "",
             "| cycle | run time (runs) | CPU (runs) | new | updates |", "|---|---:|---:|---:|---:|"]
    for label, key, which in (("W1 cold start", "W1", "warm"), ("W2 every feed 304", "W2", "warm"),
                              ("W3 new entries (their sentences seen in W1)", "W3", "warm"),
                              ("W3, sentence cache emptied first (new text)", "W3", "forget")):
        got = [r[key] for r in runs[which]]
        if not got:
            continue
        walls, cpus = [g["wall"] for g in got], [g["cpu"] for g in got]
        lines.append(f"| {label} | {med(walls):.2f} s ({', '.join(f'{w:.2f}' for w in walls)}) | "
                     f"{med(cpus):.2f} s ({', '.join(f'{c:.2f}' for c in cpus)}) | {got[0]['new']} | "
                     f"{got[0]['updates']} |")
    peaks = [r["peak_rss_mb"] for rs in runs.values() for r in rs]
    lines.append(f"\npeak RSS of the process: {max(peaks):.0f} MB")
    return "\n".join(lines)


def copy_db(source: Path, target: Path) -> None:
    """Copy an SQLite database with its WAL files (no process has it open)."""
    for suffix in ("", "-wal", "-shm"):
        dest = Path(f"{target}{suffix}")
        if Path(f"{source}{suffix}").exists():
            shutil.copyfile(f"{source}{suffix}", dest)
        else:
            dest.unlink(missing_ok=True)


def check(measure: Measure, what: str, err: Path) -> None:
    if measure.returncode != 0:
        tail = err.read_text(errors="replace")[-3000:]
        raise SystemExit(f"{what} exited with {measure.returncode}:\n{tail}")


def dossier_info(tmp: Path, name: str, stats: Path) -> dict[str, Any]:
    """What the run said: its cycle log line, the updates it printed, its loop statistics."""
    info: dict[str, Any] = {}
    out = (tmp / f"dossier-{name}.out").read_text(encoding="utf-8", errors="replace")
    info["updates_printed"] = sum(1 for line in out.splitlines() if line.startswith("{"))
    found = CYCLE_LOG.search((tmp / f"dossier-{name}.err").read_text(encoding="utf-8", errors="replace"))
    if found:
        info.update({k: int(v) for k, v in found.groupdict().items()})
    if stats.exists():
        lines = stats.read_text(encoding="utf-8").splitlines()
        if lines:
            info["loop"] = json.loads(lines[-1])["loop_stats"]
    return info


# -- report ------------------------------------------------------------------------------------

def med(values: Sequence[float]) -> float:
    return statistics.median(values) if values else float("nan")


def run_seconds(program: str, measure: Measure) -> float | None:
    """In-process time: from after the imports to the end (config, database, the cycle, output).
    Start-up (interpreter and imports) is the process wall time minus this."""
    if program == "dossier":
        return measure.info.get("loop", {}).get("duration_s")
    return measure.info.get("run_s")


def summarise(n: int, runs: Sequence[Run]) -> dict[str, Any]:
    """Medians over the repeats, per workload and program."""
    out: dict[str, Any] = {"feeds": n, "repeats": len(runs), "workloads": {}}
    for name, step in runs[0].workloads.items():
        row: dict[str, Any] = {"title": step.title, "entries": step.entries, "feeds": step.feeds,
                               "server_hits": runs[0].hits.get(name, {})}
        for program in ("dossier", "reader"):
            measures = [getattr(r, program)[name] for r in runs if name in getattr(r, program)]
            if program == "dossier":
                measures += [m for r in runs for m in r.again.get(name, [])]
            if not measures:
                continue
            insides = [x for x in (run_seconds(program, m) for m in measures) if x is not None]
            inside = med(insides) if insides else None
            row[program] = {
                "run_s": round(inside, 3) if inside is not None else None,
                "runs_s": insides,
                "wall_s": round(med([m.wall for m in measures]), 3),
                "walls_s": [round(m.wall, 3) for m in measures],
                "entries_per_s": round(step.entries / inside, 1) if step.entries and inside else None,
                "cpu_s": round(med([m.cpu for m in measures]), 3),
                "peak_rss_mb": round(med([m.peak_rss_mb for m in measures]), 1),
                "tree_rss_mb": round(med([m.tree_rss_mb for m in measures]), 1),
                "info": measures[len(measures) // 2].info,
            }
            if program == "dossier":
                loops = [m.info["loop"] for m in measures if "loop" in m.info]
                if loops:
                    row[program]["loop_p99_ms"] = med([x["lag_p99_ms"] for x in loops])
                    row[program]["loop_max_ms"] = med([x["lag_max_ms"] for x in loops])
                    runs_cpu = [x["cpu_s"] for x in loops if "cpu_s" in x]
                    row[program]["run_cpu_s"] = round(med(runs_cpu), 3) if runs_cpu else None
                    busy = [x["lag_busy_max_ms"] for x in loops if "lag_busy_max_ms" in x]
                    row[program]["loop_busy_max_ms"] = med(busy) if busy else None
                    row[program]["gc_max_ms"] = med([max(x["gc_max_ms"]) for x in loops])
                    cpu = [max(x["gc_cpu_max_ms"]) for x in loops if "gc_cpu_max_ms" in x]
                    row[program]["gc_cpu_max_ms"] = med(cpu) if cpu else None
        out["workloads"][name] = row
    return out


def fmt(value: float | None, spec: str = ".2f") -> str:
    return "–" if value is None or (isinstance(value, float) and math.isnan(value)) else format(value, spec)


def table(summary: dict[str, Any]) -> str:
    with_reader = any("reader" in row for row in summary["workloads"].values())
    head = ("| workload | Dossier run (process) | entries/s | CPU (run) | peak RSS | loop p99 / max (busy) |"
            + (" reader run (process) | entries/s | CPU | peak RSS | Dossier/reader run, CPU |"
               if with_reader else ""))
    lines = [
        f"### {summary['feeds']:,} feeds x {ENTRIES_PER_FEED} entries (medians of {summary['repeats']}"
        + (f"; Dossier's W2 and W3 of {summary['repeats'] * summary['step_repeat']}"
           if summary.get("step_repeat", 1) > 1 else "") + ")",
        "", head, "|---" + "|---:" * (head.count("|") - 2) + "|",
    ]
    for name, row in summary["workloads"].items():
        d = row.get("dossier", {})
        r = row.get("reader", {})
        loop = (f"{fmt(d.get('loop_p99_ms'), '.0f')} / {fmt(d.get('loop_max_ms'), '.0f')} ms"
                + (f" ({fmt(d['loop_busy_max_ms'], '.0f')})" if d.get("loop_busy_max_ms") is not None else "")
                if d else "–")
        line = (f"| {name} {row['title']} | {fmt(d.get('run_s'))} s ({fmt(d.get('wall_s'))} s) "
                f"| {fmt(d.get('entries_per_s'), ',.0f')} | {fmt(d.get('cpu_s'))} s"
                + (f" ({fmt(d['run_cpu_s'])} s)" if d.get("run_cpu_s") is not None else "") + " "
                f"| {rss(d)} | {loop} |")
        if with_reader and not r:
            line += " – | – | – | – | – |"
        elif with_reader:
            ratio = d["run_s"] / r["run_s"] if d.get("run_s") and r.get("run_s") else None
            cpu_ratio = d["cpu_s"] / r["cpu_s"] if d.get("cpu_s") and r.get("cpu_s") else None
            line += (f" {fmt(r.get('run_s'))} s ({fmt(r.get('wall_s'))} s) "
                     f"| {fmt(r.get('entries_per_s'), ',.0f')} | {fmt(r.get('cpu_s'))} s "
                     f"| {rss(r)} | {fmt(ratio)}x, {fmt(cpu_ratio)}x |")
        lines.append(line)
    notes = []
    for name, row in summary["workloads"].items():
        d = row.get("dossier", {}).get("info", {})
        r = row.get("reader", {}).get("info", {})
        hits = row["server_hits"]
        notes.append(
            f"- {name}: Dossier saw {d.get('new', '?')} new, {d.get('not_modified', '?')} not "
            f"modified, {d.get('failed', '?')} failed, {d.get('updates', '?')} updates"
            f"{served(hits, 'dossier')}"
            + (f"; reader {r.get('new')} new, {r.get('not_modified')} not modified, {r.get('errors')} "
               f"errors, gate passed {r.get('passed')} of {r.get('gated')}{served(hits, 'reader')}"
               if r else "")
        )
    w4 = summary["workloads"].get("W4", {}).get("dossier")
    w4n = summary["workloads"].get("W4n", {}).get("dossier")
    pages = summary["workloads"].get("W4", {}).get("server_hits", {}).get("dossier", {}).get("page", 0)
    if w4 and w4n:
        notes.append(
            f"- article fetching adds (W4 - W4n): {fmt(w4['run_s'] - w4n['run_s'])} s run time, "
            f"{fmt(w4['cpu_s'] - w4n['cpu_s'])} s CPU"
            + (f" ({fmt(1000 * (w4['cpu_s'] - w4n['cpu_s']) / pages, '.1f')} ms CPU per page, {pages} pages)"
               if pages else "")
            + f", {fmt(w4['peak_rss_mb'] - w4n['peak_rss_mb'], '+.0f')} MB peak RSS")
    elif w4:
        notes.append(f"- W4: {pages} article pages fetched"
                     + ("" if pages else " (this Dossier does not fetch articles: W4 is a plain cycle)"))
    if summary.get("idle_loop"):
        idle = summary["idle_loop"]
        notes.append(f"- an idle event loop on this machine before these runs: lag p99 "
                     f"{fmt(idle['lag_p99_ms'], '.0f')} ms, worst {fmt(idle['lag_max_ms'], '.0f')} ms "
                     f"(the floor under Dossier's loop figures)")
    if summary.get("load_average"):
        notes.append(f"- load average after these runs (1, 5, 15 min): {summary['load_average']}")
    return "\n".join([*lines, "", *notes])


def compared(runs: Sequence[Run], other: Path) -> str:
    """W2 and W3 of this checkout and of `other`, alternated on the same database: medians."""
    lines = ["", f"A/B, alternated from the same database: this checkout ({ROOT}) and {other}", "",
             "| workload | run time, this (runs) | other (runs) | in-process CPU, this | other "
             "| process CPU, this | other | peak RSS, this | other | updates, this / other, printed |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for name in ("W2", "W3"):
        mine = [m for r in runs
                for m in ([r.dossier[name]] if name in r.dossier else []) + r.again.get(name, [])]
        theirs = [m for r in runs for m in r.again.get(f"{name}@compare", [])]
        if not mine or not theirs:
            continue

        def cells(ms: Sequence[Measure]) -> tuple[str, str, str, str, float]:
            runs_s = [m.info.get("loop", {}).get("duration_s") for m in ms]
            cpu = [m.info.get("loop", {}).get("cpu_s") for m in ms]
            runs_s = [x for x in runs_s if x is not None]
            cpu = [x for x in cpu if x is not None]
            return (f"{fmt(med(runs_s), '.3f')} s ({', '.join(f'{x:.2f}' for x in runs_s)})",
                    f"{fmt(med(cpu), '.3f')} s", f"{fmt(med([m.cpu for m in ms]), '.2f')} s",
                    "/".join(sorted({str(m.info.get('updates', '?')) for m in ms})),
                    med([m.peak_rss_mb for m in ms]))

        a, b = cells(mine), cells(theirs)
        same = [r.same_output[name] for r in runs if name in r.same_output]
        verdict = "identical" if same and all(same) else "DIFFERENT" if same else "?"
        lines.append(f"| {name} | {a[0]} | {b[0]} | {a[1]} | {b[1]} | {a[2]} | {b[2]} "
                     f"| {fmt(a[4], '.0f')} MB | {fmt(b[4], '.0f')} MB | {a[3]} / {b[3]}, {verdict} |")
    return "\n".join(lines)


def rss(row: dict[str, Any]) -> str:
    """Peak RSS of the process, and of its process tree where child processes add to it."""
    if not row:
        return "–"
    text = f"{fmt(row.get('peak_rss_mb'), '.0f')} MB"
    if row.get("tree_rss_mb", 0) > row.get("peak_rss_mb", 0) + 5:
        text += f" (tree {fmt(row['tree_rss_mb'], '.0f')} MB)"
    return text


def served(hits: dict[str, dict[str, int]], program: str) -> str:
    h = hits.get(program, {})
    return (f" (served {h.get('feed_200', 0)} feeds, {h.get('feed_304', 0)} x 304, "
            f"{h.get('page', 0)} pages, {h.get('robots', 0)} robots.txt)")


IDLE_LOOP = """
import asyncio, json
from bot.monitor import LoopLagMonitor
async def main():
    async with LoopLagMonitor() as monitor:
        await asyncio.sleep(SECONDS)
    print(json.dumps(monitor.snapshot()))
asyncio.run(main())
"""


def idle_loop_lag(seconds: float = 2.0) -> dict[str, Any]:
    """The lag an idle event loop sees on this machine now: the floor under Dossier's figures."""
    proc = subprocess.run([sys.executable, "-c", IDLE_LOOP.replace("SECONDS", str(seconds))],
                          capture_output=True, text=True, cwd=ROOT, check=True)
    return json.loads(proc.stdout)


def machine() -> str:
    model = "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
        mem_kb = int(next(x for x in Path("/proc/meminfo").read_text().splitlines()
                          if x.startswith("MemTotal")).split()[1])
        ram = f"{mem_kb / 2**20:.0f} GiB RAM"
    except (OSError, StopIteration, ValueError):
        ram = "? RAM"
    return (f"{os.cpu_count()} cores ({model}), {ram}, Python {platform.python_version()}, "
            f"{platform.system()} {platform.release()}")


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--feeds", default="100", help="comma-separated feed counts (default 100)")
    ap.add_argument("--repeat", type=int, default=3, help="runs per size; medians are reported")
    ap.add_argument("--quick", action="store_true", help="20 feeds, one run (a quick look)")
    ap.add_argument("--no-reader", action="store_true", help="skip lemon24/reader")
    ap.add_argument("--workloads", default="W1,W2,W3,W4")
    ap.add_argument("--new", type=int, default=500, help="new entries in W3 and W4")
    ap.add_argument("--page-hosts", type=int, default=64, help="loopback hosts serving W4 pages")
    ap.add_argument("--reader-version", default=READER_VERSION)
    ap.add_argument("--reader-workers", type=int, default=1, help="reader's update_feeds(workers=)")
    ap.add_argument("--env", action="append", default=[], metavar="KEY=VALUE",
                    help="extra environment for the dossier process (e.g. DOSSIER_SEMANTIC=1)")
    ap.add_argument("--no-fetch-baseline", dest="fetch_baseline", action="store_false",
                    help="skip W4n (W4 again with fetch_article: never), run where Dossier has the key")
    ap.add_argument("--idle-seconds", type=float, default=2.0,
                    help="time an idle event loop this long first, for the machine's lag floor (0: skip)")
    ap.add_argument("--corpus", help="corpus folder (default ../shared/corpus)")
    ap.add_argument("--json", help="also write the summaries as JSON to this file")
    ap.add_argument("--keep", help="copy each run's folder (config, outputs, databases) here")
    ap.add_argument("--step-repeat", type=int, default=1, metavar="K",
                    help="run Dossier's W2 and W3 K times each from the same database (restored "
                         "before each run; the medians count every run): repeats without W1's cost")
    ap.add_argument("--compare", type=Path, default=None, metavar="CHECKOUT",
                    help="also run W2 and W3 from this checkout, alternating with this one from "
                         "the same database (--step-repeat times each); a table of both at the end")
    ap.add_argument("--dossier-root", type=Path, default=None, metavar="CHECKOUT",
                    help="run the dossier command from this checkout (A/B against another branch)")
    ap.add_argument("--long-running", action="store_true",
                    help="instead of one process per workload: W1, W2, W3 as cycles of one "
                         "process (bench/long_cycle.py), --repeat times, and as often again with "
                         "the sentence cache emptied before W3 (new text)")
    args = ap.parse_args(argv)
    # SIGTERM ends the bench like Ctrl-C: temporary folders and the server are cleaned up.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    sizes = [20] if args.quick else [int(x) for x in args.feeds.split(",") if x.strip()]
    repeat = 1 if args.quick else max(1, args.repeat)
    args.workloads = {w.strip().upper() for w in args.workloads.split(",")}

    corpus_dir = find_corpus(args.corpus)
    topics = load_topics(corpus_dir)
    passing, failing = load_articles(corpus_dir, topics)
    corpus = Corpus(passing, failing)
    reader_py = None if args.no_reader else reader_python(args.reader_version)
    args.fetch_baseline = args.fetch_baseline and fetch_article_supported()

    print(f"machine: {machine()}; load average before: {[round(x, 2) for x in os.getloadavg()]}")
    print(f"date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC; command: python bench/pipeline.py "
          + " ".join(argv if argv is not None else sys.argv[1:]))
    print(f"corpus: {corpus_dir} ({len(passing)} articles pass a gate, {len(failing)} do not; "
          f"{GATE_SHARE:.0%} of entries drawn from the passing ones); topics: "
          f"{', '.join(t['key'] for t in topics)}")
    print("W4 pages: " + (f"bench/pages.py layouts ({', '.join(PAGE_LAYOUTS[2])})" if PAGE_LAYOUTS
                          else "a simple page (navigation, cookie notice, most read, footer)"))
    print(f"dossier: {' '.join(dossier_command())} in {args.dossier_root or ROOT}"
          + (f"; reader {args.reader_version} (update_feeds workers={args.reader_workers})"
             if reader_py else "; reader skipped"))
    summaries = []
    if args.long_running:
        for n in sizes:
            runs = {"warm": [], "forget": []}
            for _ in range(repeat):  # alternated, so both see the same load
                runs["warm"].append(long_running(n, args, corpus, topics, forget=False))
                runs["forget"].append(long_running(n, args, corpus, topics, forget=True))
            print()
            print(long_table(n, runs), flush=True)
            print(f"- load average after these runs (1, 5, 15 min): {[round(x, 2) for x in os.getloadavg()]}")
        return 0
    for n in sizes:
        idle = idle_loop_lag(args.idle_seconds) if args.idle_seconds > 0 else None
        # The same workload each repeat (same seed); who runs first alternates.
        runs = [one_run(n, args, corpus, topics, reader_py, index=r, reader_first=bool(r % 2))
                for r in range(repeat)]
        summary = summarise(n, runs)
        summary["load_average"] = [round(x, 2) for x in os.getloadavg()]
        summary["step_repeat"] = max(1, args.step_repeat)
        summary["idle_loop"] = idle
        summaries.append(summary)
        print()
        print(table(summary), flush=True)
        if args.compare:
            summary["compare"] = compared(runs, args.compare)
            print(summary["compare"], flush=True)
    if args.json:
        Path(args.json).write_text(json.dumps({"machine": machine(), "summaries": summaries}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
