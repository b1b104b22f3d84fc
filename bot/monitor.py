"""Event-loop lag and GC pause statistics, for benchmarks and (later) metrics.

A stalled event loop is the bot's worst failure short of a crash: Discord heartbeats, page
fetches and the poll cycle all wait on it. `LoopLagMonitor` wakes every `interval` seconds
and records how late it woke (the lag any other callback would have seen at that moment);
it also times the garbage collector through `gc.callbacks`, the usual cause of long stalls in
a process holding many objects (wall time, and the collecting thread's CPU time). Memory
stays constant however long it runs: lags go into a fixed log-scaled histogram, so quantiles
are upper bounds within ~10 %.

On a shared machine a wake-up is also late when the OS did not schedule the process, which
says nothing about the code. So each lag is also counted as *busy*: the part of it the loop's
own thread spent on the CPU (`time.thread_time`, at most the lag). A stall by a long callback
is busy; a process kept waiting by other programs is not. (Waiting for the GIL held by a
worker thread is not busy either: that shows in the plain lag.)

`DOSSIER_LOOP_STATS=1` prints one JSON line of statistics to stderr when `dossier run` ends;
`DOSSIER_LOOP_STATS=/some/file` appends it to that file instead.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import json
import math
import resource
import sys
import time
from collections.abc import Coroutine, Mapping
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")

ENV_VAR = "DOSSIER_LOOP_STATS"
DEFAULT_INTERVAL = 0.02  # 20 ms: fine enough to see a 50 ms stall; ~50 wake-ups/s, <1 % of a core

# Histogram buckets: upper bounds from 0.1 ms growing by 10 % up to ~10 min.
_BASE = 1e-4
_RATIO = 1.1
_BUCKETS = int(math.log(600 / _BASE, _RATIO)) + 2


def _bucket(seconds: float) -> int:
    if seconds <= _BASE:
        return 0
    return min(_BUCKETS - 1, math.ceil(math.log(seconds / _BASE, _RATIO)))


def _upper(bucket: int) -> float:
    return _BASE * _RATIO**bucket


class LoopLagMonitor:
    """Samples the running loop's lag every `interval` seconds; see the module docstring."""

    def __init__(self, interval: float = DEFAULT_INTERVAL) -> None:
        if interval <= 0:
            raise ValueError("interval must be positive")
        self.interval = interval
        self.samples = 0
        self.worst = 0.0  # seconds
        self.worst_busy = 0.0  # seconds: the longest lag the loop's thread spent computing
        self.total_lag = 0.0
        self._counts = [0] * _BUCKETS
        self._task: asyncio.Task[None] | None = None
        self._due: float | None = None  # loop time the pending wake-up is due
        self._started = 0.0
        self._stopped: float | None = None
        self._cpu_started = 0.0  # process CPU (all threads) at start, and at stop
        self._cpu_stopped: float | None = None
        self._loop_cpu = 0.0
        self.gc_collections = [0, 0, 0]
        self.gc_worst = [0.0, 0.0, 0.0]  # seconds, per generation
        self.gc_worst_cpu = [0.0, 0.0, 0.0]  # seconds of the collecting thread's CPU
        self.gc_total = 0.0
        self._gc_start: float | None = None
        self._gc_cpu_start = 0.0

    # -- life cycle -------------------------------------------------------------------------

    def start(self) -> None:
        """Start sampling on the running loop (call from a coroutine)."""
        if self._task is not None:
            raise RuntimeError("monitor already started")
        self._started = time.perf_counter()
        self._cpu_started = time.process_time()
        self._loop_cpu = time.thread_time()  # the loop thread's CPU at the last wake-up
        loop = asyncio.get_running_loop()
        # The first wake-up is due one interval from now, even if the task first runs later
        # (code that blocks the loop right after start is a stall like any other).
        self._due = loop.time() + self.interval
        self._task = loop.create_task(self._run(), name="loop-lag-monitor")
        gc.callbacks.append(self._on_gc)

    async def stop(self) -> None:
        if self._task is None:
            return
        with contextlib.suppress(ValueError):
            gc.callbacks.remove(self._on_gc)
        # A wake-up already overdue is a stall too (a short run may have had no sample yet).
        if self._due is not None and (late := asyncio.get_running_loop().time() - self._due) > 0:
            self.worst_busy = max(self.worst_busy, min(late, time.thread_time() - self._loop_cpu))
            self.record(late)
            self._due = None
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task
        self._task = None
        self._stopped = time.perf_counter()
        self._cpu_stopped = time.process_time()

    async def __aenter__(self) -> LoopLagMonitor:
        self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        interval = self.interval
        while True:
            due = self._due if self._due is not None else loop.time() + interval
            self._due = due
            await asyncio.sleep(max(0.0, due - loop.time()))
            now = loop.time()
            lag = max(0.0, now - due)
            cpu = time.thread_time()
            self.worst_busy = max(self.worst_busy, min(lag, cpu - self._loop_cpu))
            self._loop_cpu = cpu
            self.record(lag)
            self._due = now + interval

    def _on_gc(self, phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            self._gc_start = time.perf_counter()
            self._gc_cpu_start = time.thread_time()
        elif self._gc_start is not None:
            took = time.perf_counter() - self._gc_start
            cpu = time.thread_time() - self._gc_cpu_start
            self._gc_start = None
            generation = info.get("generation", 0)
            if 0 <= generation < 3:
                self.gc_collections[generation] += 1
                self.gc_worst[generation] = max(self.gc_worst[generation], took)
                self.gc_worst_cpu[generation] = max(self.gc_worst_cpu[generation], cpu)
            self.gc_total += took

    # -- statistics -------------------------------------------------------------------------

    def record(self, lag: float) -> None:
        """Add one lag sample (seconds). Public so tests and other samplers can feed it (and
        subclasses extend it: bot.metrics observes each sample)."""
        self.samples += 1
        self.total_lag += lag
        self.worst = max(self.worst, lag)
        self._counts[_bucket(lag)] += 1

    def quantile(self, q: float) -> float:
        """Upper bound of the q-quantile of the recorded lags, in seconds (0 without samples)."""
        if not self.samples:
            return 0.0
        rank = max(1, math.ceil(q * self.samples))
        seen = 0
        for bucket, count in enumerate(self._counts):
            seen += count
            if seen >= rank:
                return min(_upper(bucket), self.worst)
        return self.worst

    def snapshot(self) -> dict[str, Any]:
        """Statistics so far, in milliseconds, JSON-ready."""
        end = self._stopped if self._stopped is not None else time.perf_counter()
        cpu_end = self._cpu_stopped if self._cpu_stopped is not None else time.process_time()

        def ms(seconds: float) -> float:
            return round(seconds * 1000, 2)

        return {
            "interval_ms": ms(self.interval),
            "duration_s": round(end - self._started, 3) if self._started else 0.0,
            # the process's CPU (every thread) over the same span: on a shared machine the
            # duration swings with the load, this much less
            "cpu_s": round(cpu_end - self._cpu_started, 3) if self._started else 0.0,
            "samples": self.samples,
            "lag_mean_ms": ms(self.total_lag / self.samples) if self.samples else 0.0,
            "lag_p50_ms": ms(self.quantile(0.50)),
            "lag_p99_ms": ms(self.quantile(0.99)),
            "lag_max_ms": ms(self.worst),
            "lag_busy_max_ms": ms(self.worst_busy),
            "gc_collections": list(self.gc_collections),
            "gc_max_ms": [ms(s) for s in self.gc_worst],
            "gc_cpu_max_ms": [ms(s) for s in self.gc_worst_cpu],  # the same, CPU of the thread
            "gc_total_ms": ms(self.gc_total),
            "peak_rss_mb": round(_peak_rss_bytes() / 2**20, 1),
        }


def _peak_rss_bytes() -> int:
    """This program's peak RSS: VmHWM where /proc has it. Not ru_maxrss alone: Linux folds the
    parent's high-water mark into it at exec, so a child of a large process reports the parent's."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak if sys.platform == "darwin" else peak * 1024  # Linux reports KiB


def stats_target(env: Mapping[str, str]) -> str | None:
    """Where `DOSSIER_LOOP_STATS` sends the statistics: "-" (stderr), a path, or None (off)."""
    value = (env.get(ENV_VAR) or "").strip()
    if value.lower() in {"", "0", "false", "no", "off"}:
        return None
    if value.lower() in {"1", "true", "yes", "on", "-", "stderr"}:
        return "-"
    return value


def write_stats(stats: Mapping[str, Any], target: str) -> None:
    line = json.dumps({"loop_stats": dict(stats)}, sort_keys=True)
    if target == "-":
        print(line, file=sys.stderr, flush=True)
    else:
        with Path(target).open("a", encoding="utf-8") as out:
            out.write(line + "\n")


async def monitored(coro: Coroutine[Any, Any, T], target: str | None) -> T:
    """Await `coro`, sampling loop lag meanwhile when `target` is set; write the stats at the end
    (also when `coro` fails, so a crashed benchmark run still says how the loop fared)."""
    if target is None:
        return await coro
    monitor = LoopLagMonitor()
    monitor.start()
    try:
        return await coro
    finally:
        await monitor.stop()
        write_stats(monitor.snapshot(), target)
