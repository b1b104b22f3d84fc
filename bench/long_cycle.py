"""One long-running console `dossier run` process, driven cycle by cycle (bench/pipeline.py
`--long-running`): the bench changes its feeds between cycles, so each cycle is told when to run.

    python bench/long_cycle.py --config feeds.yaml --db dossier.db   (then, on stdin:)
    cycle OUT [forget]      one `run_cycle(force=True)` (as `run --once` does), its JSON lines
                            written to OUT; `forget` empties the scorer's sentence cache first
                            (as if the cycle's text were new to the process)
    (an empty line ends the process)

Each cycle answers one JSON line on stdout: wall and CPU seconds of the cycle (the process's
CPU, every thread), new articles, updates. The set-up is `bot.runner.console_pipeline`, the one
`dossier run` runs with; what differs is only that the loop waits for the bench instead of the
poll interval. A checkout given with --root must have `console_pipeline` (main after review5).
"""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


async def serve(settings: Any) -> None:
    # the bot of the checkout under test (--root), imported once sys.path points at it
    from bot.config import load_config
    from bot.pipeline import CONSOLE_SCOPE
    from bot.post.console import ConsoleSink
    from bot.runner import console_pipeline

    config = load_config(settings.config_path)
    async with console_pipeline(settings, config) as (db, pipeline):
        scorer = pipeline.semantic
        loop = asyncio.get_running_loop()
        while (line := (await loop.run_in_executor(None, sys.stdin.readline)).split()):
            _, out, *flags = line
            if "forget" in flags and scorer is not None:
                scorer.sentences = type(scorer.sentences)(scorer.embedder,
                                                          max_entries=scorer.sentences.max_entries)
            wall, cpu = time.perf_counter(), time.process_time()
            report = await pipeline.run_cycle(force=True)
            stream = io.StringIO()  # the JSON lines, written to OUT once drained
            await ConsoleSink("jsonl", stream).drain(db, CONSOLE_SCOPE)
            await asyncio.to_thread(Path(out).write_text, stream.getvalue(), encoding="utf-8")
            print(json.dumps({"wall": round(time.perf_counter() - wall, 3),
                              "cpu": round(time.process_time() - cpu, 3),
                              "new": report.new_articles, "updates": len(report.outbox_ids)}),
                  flush=True)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--config", required=True)
    ap.add_argument("--db", required=True)
    ap.add_argument("--root", type=Path, default=ROOT, help="the checkout whose bot runs (A/B)")
    args = ap.parse_args()
    sys.path.insert(0, str(args.root.resolve()))
    from bot.cli import configure_logging
    from bot.settings import load_settings

    settings = load_settings(config=args.config, db=args.db)
    configure_logging(settings.log_level)
    asyncio.run(serve(settings))
    return 0


if __name__ == "__main__":
    sys.exit(main())
