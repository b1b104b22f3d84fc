"""Graceful stop on SIGTERM / SIGINT (what `docker compose stop`, a deploy or Ctrl-C send).

The first signal sets an event: the cycle stops at its next batch boundary (the transaction
in progress commits or rolls back as a whole), the sender finishes the post in flight, and
the process closes Discord and the database and exits 0. A second signal exits at once:
every step is crash-safe (docs/decisions.md), so that loses nothing either.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
from collections.abc import Iterator

log = logging.getLogger(__name__)

SIGNALS = (signal.SIGTERM, signal.SIGINT)
GRACE_SECONDS = 10.0  # how long the post in flight may take before the stop is forced


@contextlib.contextmanager
def stop_on_signals(stop: asyncio.Event) -> Iterator[asyncio.Event]:
    """While inside, SIGTERM/SIGINT set `stop`; a second one ends the process at once."""
    loop = asyncio.get_running_loop()

    def on_signal(signum: int) -> None:
        name = signal.Signals(signum).name
        if stop.is_set():
            log.warning("%s again: exiting now (nothing is lost: every step is crash-safe)", name)
            logging.shutdown()
            os._exit(128 + signum)
        log.info("%s: finishing the step in progress, then stopping (send it again to exit now)",
                 name)
        stop.set()

    installed = []
    for sig in SIGNALS:
        with contextlib.suppress(NotImplementedError, RuntimeError):  # not the main thread
            loop.add_signal_handler(sig, on_signal, sig)
            installed.append(sig)
    try:
        yield stop
    finally:
        for sig in installed:
            loop.remove_signal_handler(sig)


async def sleep_unless_stopped(stop: asyncio.Event, seconds: float) -> bool:
    """Sleep up to `seconds`; True if `stop` was set meanwhile."""
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), timeout=seconds)
    return stop.is_set()
