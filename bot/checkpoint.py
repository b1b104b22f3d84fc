"""Crash-test hook: make the process kill itself at a named point of the poll cycle.

`DOSSIER_CRASH_AT=store:3` sends the process `DOSSIER_CRASH_SIGNAL` (KILL, the default, TERM,
or a list such as TERM,TERM: a second signal) the 3rd time it passes the `store` checkpoint.
Unset, a checkpoint is one dict lookup. The crash test (tests/test_crash.py) uses it to stop
the real `dossier run` at exact points (after a fetch, inside a store transaction, between
matching and recording, between printing and marking) instead of sleeping to hit a window.
"""

from __future__ import annotations

import os
import signal

_passes: dict[str, int] = {}


def checkpoint(name: str) -> None:
    """Count a pass of `name`; kill this process if the crash spec names this pass."""
    spec = os.environ.get("DOSSIER_CRASH_AT")
    if not spec:
        return
    target, _, nth = spec.partition(":")
    if target != name:
        return
    _passes[name] = _passes.get(name, 0) + 1
    if _passes[name] == int(nth or 1):
        for signame in os.environ.get("DOSSIER_CRASH_SIGNAL", "KILL").upper().split(","):
            os.kill(os.getpid(), getattr(signal, f"SIG{signame.strip()}"))
