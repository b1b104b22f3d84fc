"""Start-up and the poll loop: config -> database -> pipeline -> console or Discord."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sys
import tempfile
from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path

from bot.config import Config, load_config
from bot.fetch.client import Fetcher
from bot.pipeline import CONSOLE_SCOPE, CycleReport, Pipeline
from bot.post.console import ConsoleSink
from bot.settings import Settings
from bot.shutdown import sleep_unless_stopped, stop_on_signals
from bot.startup import (
    initial_figures,
    make_fetcher,
    make_reader,
    match_questions,
    note_semantic,
    seconds_to_next_poll,
    semantic_scorer,
    settle_memory,
    sync_feeds,
    thresholds_for,
)
from storage import health as health_store
from storage import topics as topic_store
from storage.db import Database

log = logging.getLogger(__name__)

async def bootstrap(db: Database, config: Config) -> None:
    """Load feeds.yaml into the database: feeds, and the console scope's topics (retiring
    those the file no longer names; a claim's initial figures are read only when it is new or
    its definition changed)."""
    await sync_feeds(db, config)
    # read in a worker thread: the first reading imports the lemmatiser and loads its
    # dictionary (~0.3 s, a stall of the event loop otherwise)
    needed = await topic_store.statements_to_read(db, CONSOLE_SCOPE, config.topics)
    read = await asyncio.to_thread(lambda: {s: initial_figures(s) for s in needed}) if needed else {}
    await topic_store.install_topics(db, CONSOLE_SCOPE, config.topics,
                                     figures_for=lambda s: read[s] if s in read else initial_figures(s))
    # the console's topics are feeds.yaml as written: what the file drops stops being followed
    for line in await topic_store.retire_removed(db, CONSOLE_SCOPE, config.topics):
        log.info("%s", line)


def log_report(report: CycleReport) -> None:
    log.info(
        "cycle: %d polled, %d not modified, %d failed, %d new, %d revised, %d updates",
        report.polled, report.not_modified, report.failed, report.new_articles,
        report.revised_articles, len(report.outbox_ids),
    )


@contextlib.asynccontextmanager
async def console_pipeline(settings: Settings, config: Config,
                           stop: asyncio.Event | None = None) -> AsyncIterator[tuple[Database, Pipeline]]:
    """The console's database and pipeline, set up as `dossier run` runs them (bench/long_cycle.py
    drives the same set-up cycle by cycle, so what it measures is what the bot runs)."""
    async with await Database.open(settings.db_path) as db:
        await bootstrap(db, config)
        await health_store.mark_process_start(db)  # `dossier health` allows a first cycle's time
        scorer = semantic_scorer(settings, config)
        await note_semantic(db, scorer)
        async with make_fetcher(settings) as fetcher, make_reader(settings) as reader:
            # Feeds in feeds.yaml are the operator's own: trusted, so no SSRF guard here.
            pipeline = Pipeline(db, fetcher, thresholds=thresholds_for(settings), guard=False,
                                batch_feeds=settings.batch_feeds,
                                match_segment=settings.match_segment, semantic=scorer,
                                articles=reader, stop=stop, settle=True,
                                questions=match_questions(settings, config, console=True))
            settle_memory()
            yield db, pipeline


async def run_console(settings: Settings, config: Config, *, once: bool, fmt: str) -> int:
    sink = ConsoleSink(fmt)
    stop = asyncio.Event()
    async with console_pipeline(settings, config, stop) as (db, pipeline):
        with stop_on_signals(stop):
            return await _console_loop(db, pipeline, sink, once=once, stop=stop)


async def _console_loop(db: Database, pipeline: Pipeline, sink: ConsoleSink, *, once: bool,
                        stop: asyncio.Event) -> int:
    """Cycle, print, sleep; a stop signal ends it after the step in progress (exit 0)."""
    while not stop.is_set():
        try:
            report = await pipeline.run_cycle(force=once)
        except Exception:
            if once:
                raise
            # One bad cycle must not end the loop: say so, keep what was saved, go on.
            log.exception("poll cycle failed; trying again next cycle")
        else:
            log_report(report)
            if report.polled and report.failed == report.polled:
                log.warning("every feed failed this cycle; without internet, "
                            "`dossier run --demo` replays the story offline")
        await sink.drain(db, CONSOLE_SCOPE, stop=stop)
        if once:
            break
        await sleep_unless_stopped(stop, await seconds_to_next_poll(db))
    if stop.is_set():
        log.info("stopped; what was not finished is queued for the next start")
    return 0


async def run_demo(settings: Settings, config: Config, *, fmt: str, db_path: Path | None = None) -> int:
    """Replay the shipped snapshots through the real pipeline, in a throwaway database
    unless `--db` names one (DOSSIER_DB is ignored: a demo never writes to the real file)."""
    from bot.demo.replay import ReplayServer

    sink = ConsoleSink(fmt)
    with tempfile.TemporaryDirectory(prefix="dossier-demo-") as tmp:
        db_path = db_path or Path(tmp) / "demo.db"
        async with ReplayServer() as server, await Database.open(db_path) as db:
            demo_config = replace(config, feeds=server.feed_configs())
            await bootstrap(db, demo_config)
            scorer = semantic_scorer(settings, config)
            await note_semantic(db, scorer)
            async with Fetcher(allow_private=True) as fetcher, \
                    make_reader(settings, allow_private=True) as reader:
                pipeline = Pipeline(db, fetcher, thresholds=thresholds_for(settings), guard=False,
                                    semantic=scorer, articles=reader,
                                    questions=match_questions(settings, config, console=True))
                printed = 0
                for index, step in enumerate(server.steps):
                    server.step = index
                    print(f"── {step.description}", file=sys.stderr, flush=True)
                    report = await pipeline.run_cycle(force=True)
                    log_report(report)
                    printed += await sink.drain(db, CONSOLE_SCOPE)
    if not printed:  # e.g. an operator's own feeds.yaml: its topics are not the replayed story's
        print(f"── no update: none of the topics in {settings.config_path} matched the demo's "
              "feeds (they replay the story of the repository's own feeds.yaml)",
              file=sys.stderr, flush=True)
    return 0


def metrics_server(settings: Settings) -> contextlib.AbstractAsyncContextManager[object]:
    """The Prometheus endpoint when configured (prometheus-client is imported only then)."""
    if settings.metrics_address is None:
        return contextlib.nullcontext()
    from bot.metrics import MetricsServer

    return MetricsServer.start(settings.metrics_address)


async def run(settings: Settings, *, once: bool, fmt: str, demo: bool,
              demo_db: Path | None = None) -> int:
    # the imports' heap first: parsing a feeds.yaml of 3,000 feeds allocates enough to set off
    # full collections that scanned it all (at 3,000 feeds two, of 59 and 101 ms of CPU: on the
    # event loop; with the imports frozen first, 1 ms, and the parse itself 183 -> 104 ms)
    settle_memory()
    # fails before anything is written; in a worker thread: 35 ms of CPU per 1,000 feeds
    config = await asyncio.to_thread(load_config, settings.config_path)
    if demo:
        return await run_demo(settings, config, fmt=fmt, db_path=demo_db)
    async with metrics_server(settings):  # DOSSIER_METRICS_PORT; off by default
        if settings.console_mode:
            log.info("no DISCORD_TOKEN: console mode, posts go to stdout")
            return await run_console(settings, config, once=once, fmt=fmt)
        from bot.discord_bot.app import run_discord

        return await run_discord(settings, config, once=once)
