"""One poll cycle of lemon24/reader plus Dossier's keyword gate: the baseline of bench/pipeline.py.

Runs under the throwaway venv that bench/pipeline.py creates (reader installed there, never a
Dossier dependency). Dossier's gate is loaded from the repository by file path, without
`bot/__init__`'s imports, so only the standard library is needed besides reader:

    python bench/reader_cycle.py --repo . --db reader.sqlite --feeds urls.txt --topics topics.json

Prints one JSON object: feeds updated, entries new/modified, entries gated and passed, errors.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
import time
import types
from datetime import UTC, datetime
from pathlib import Path
from typing import Any


def load_gate(repo: Path) -> tuple[Any, Any, Any]:
    """Import bot.match.gate (and what it needs) from `repo` without running package __init__s."""
    for name in ("bot", "bot.match", "bot.parse"):
        module = types.ModuleType(name)
        module.__path__ = [str(repo / name.replace(".", "/"))]
        sys.modules[name] = module
    from bot.match.gate import Gate
    from bot.match.normalise import fold
    from bot.parse.text import html_to_text

    return Gate, fold, html_to_text


def peak_rss_mb() -> float | None:
    """VmHWM of this process (Linux), in MB."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024, 1)
    except (OSError, ValueError):
        pass
    return None


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repo", required=True, type=Path)
    ap.add_argument("--db", required=True)
    ap.add_argument("--feeds", required=True, type=Path, help="feed URLs, one a line")
    ap.add_argument("--topics", required=True, type=Path, help="JSON: [{key, keywords, exclude}]")
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--extra-path", default="",
                    help="Dossier's site-packages, searched after reader's own (the gate's imports)")
    args = ap.parse_args()
    # Appended, not prepended: reader's own packages win; what only Dossier has (its gate's
    # lemmatiser and word lists) is found there.
    sys.path.extend(p for p in args.extra_path.split(os.pathsep) if p)

    gate_cls, fold, html_to_text = load_gate(args.repo.resolve())
    from reader import make_reader

    # imported lazily on the first update; import it now, as Dossier imports its parser
    with contextlib.suppress(ImportError):
        import reader._vendor.feedparser
    started = time.perf_counter()  # after imports, as Dossier's in-process time

    gates = [(t["key"], gate_cls(t["keywords"], t.get("exclude", ())))
             for t in json.loads(args.topics.read_text(encoding="utf-8"))]
    reader = make_reader(args.db)
    cycle_start = datetime.now(UTC)
    existing = {feed.url for feed in reader.get_feeds()}
    for url in args.feeds.read_text(encoding="utf-8").split():
        if url not in existing:
            reader.add_feed(url)

    new = modified = errors = not_modified = 0
    changed: list[str] = []
    for result in reader.update_feeds_iter(scheduled=False, workers=args.workers):
        if result.error is not None:
            errors += 1
        elif result.value is None:
            not_modified += 1
        elif result.value.new or result.value.modified:
            new += result.value.new
            modified += result.value.modified
            changed.append(result.url)
    updated_at = time.perf_counter()

    gated = passed = 0
    for url in changed:
        for entry in reader.get_entries(feed=url):
            if entry.last_updated < cycle_start:
                continue
            body = max((c.value for c in entry.content), key=len, default="") or entry.summary or ""
            folded = fold(f"{entry.title or ''}\n{html_to_text(body)}")
            gated += 1
            if any(gate.check(folded).passed for _, gate in gates):
                passed += 1
    reader.close()
    print(json.dumps({
        "new": new, "modified": modified, "errors": errors, "not_modified": not_modified,
        "changed_feeds": len(changed), "gated": gated, "passed": passed,
        "update_s": round(updated_at - started, 3),
        "gate_s": round(time.perf_counter() - updated_at, 3),
        "run_s": round(time.perf_counter() - started, 3),
        "peak_rss_mb": peak_rss_mb(),  # a cross-check of the bench's own sampling
    }))
    return 0


if __name__ == "__main__":
    sys.exit(main())
