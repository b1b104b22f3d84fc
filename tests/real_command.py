"""The real `dossier run --once --format jsonl` on a one-feed Acme config, run twice on the same
database (the second cycle finds every feed 304): for tests of what a start or a cycle costs."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
UNITS_CLAIM = ("      - key: units\n        statement: Acme recalled 40,000 widgets.\n"
               "        status: alleged\n")


def acme_config(tmp_path: Path, feed_url: str, *, extra_claims: str = "") -> Path:
    """feeds.yaml with one feed and the Acme recall topic (its review claim, and `extra_claims`)."""
    config = tmp_path / "feeds.yaml"
    config.write_text(
        f"feeds:\n  - url: {feed_url}\n    name: Wire\n"
        "topics:\n  - key: acme-recall\n    title: Acme and the widget recall\n"
        "    keywords: [acme, [widget, widgets]]\n"
        "    claims:\n      - key: review\n        statement: Acme's safety review of the widgets is ongoing.\n"
        "        status: ongoing\n" + extra_claims, encoding="utf-8")
    return config


async def run_twice(config: Path, db: Path, *, semantic: str, python_flags: tuple[str, ...] = ()) -> list[str]:
    """Each run's stderr (INFO logs); fails the test when a run exits non-zero."""
    env = {**os.environ, "DISCORD_TOKEN": "", "DOSSIER_LOG_LEVEL": "INFO", "DOSSIER_SEMANTIC": semantic,
           "DOSSIER_ALLOW_PRIVATE_FEEDS": "1"}
    env.pop("DOSSIER_SEMANTIC_MODEL", None)
    logs = []
    for _ in range(2):
        proc = await asyncio.create_subprocess_exec(
            sys.executable, *python_flags, "-m", "bot", "run", "--once", "--format", "jsonl",
            "--config", str(config), "--db", str(db), cwd=ROOT, env=env,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
        _out, err = await asyncio.wait_for(proc.communicate(), timeout=120)
        assert proc.returncode == 0, err.decode()
        logs.append(err.decode())
    return logs
