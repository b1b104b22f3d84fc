"""The event-loop lag monitor: it must see a blocking call, time GC, and report through the CLI hook."""

from __future__ import annotations

import asyncio
import gc
import json
import time

import pytest

from bot.monitor import LoopLagMonitor, monitored, stats_target


async def test_a_blocking_call_shows_as_the_worst_stall():
    monitor = LoopLagMonitor(interval=0.01)
    async with monitor:
        await asyncio.sleep(0.05)
        time.sleep(0.25)  # noqa: ASYNC251 - deliberately blocks the event loop: what the monitor exists to catch
        await asyncio.sleep(0.05)
    stats = monitor.snapshot()
    assert monitor.worst >= 0.2
    assert stats["lag_max_ms"] >= 200
    assert monitor.quantile(1.0) >= 0.2
    assert stats["samples"] >= 3
    # most wake-ups were on time: the median is far below the stall
    assert monitor.quantile(0.5) < monitor.worst / 2


async def test_garbage_collections_are_timed():
    monitor = LoopLagMonitor()
    async with monitor:
        gc.collect()
    assert monitor.gc_collections[2] >= 1
    assert monitor.snapshot()["gc_max_ms"][2] > 0
    assert monitor.snapshot()["gc_cpu_max_ms"][2] > 0
    assert monitor._on_gc not in gc.callbacks


def test_quantiles_are_upper_bounds_within_ten_percent():
    monitor = LoopLagMonitor()
    for _ in range(98):
        monitor.record(0.001)
    monitor.record(0.040)
    monitor.record(0.500)
    assert 0.001 <= monitor.quantile(0.5) <= 0.0011
    assert 0.040 <= monitor.quantile(0.99) <= 0.044
    assert monitor.quantile(1.0) == pytest.approx(0.5)
    assert LoopLagMonitor().quantile(0.99) == 0.0


def test_the_environment_variable_selects_where_stats_go():
    assert stats_target({}) is None
    assert stats_target({"DOSSIER_LOOP_STATS": "0"}) is None
    assert stats_target({"DOSSIER_LOOP_STATS": "1"}) == "-"
    assert stats_target({"DOSSIER_LOOP_STATS": "/tmp/x.jsonl"}) == "/tmp/x.jsonl"


async def test_monitored_writes_one_json_line_even_when_the_run_fails(tmp_path):
    target = tmp_path / "stats.jsonl"

    async def work() -> int:
        await asyncio.sleep(0.03)
        return 7

    async def fail() -> None:
        await asyncio.sleep(0.03)
        raise RuntimeError("boom")

    assert await monitored(work(), str(target)) == 7
    with pytest.raises(RuntimeError):
        await monitored(fail(), str(target))
    lines = [json.loads(x)["loop_stats"] for x in target.read_text().splitlines()]
    assert len(lines) == 2
    assert all(x["samples"] >= 1 and x["peak_rss_mb"] > 0 for x in lines)
    assert await monitored(work(), None) == 7  # off: no monitor, nothing written
    assert len(target.read_text().splitlines()) == 2


def test_monitor_rejects_a_bad_interval():
    with pytest.raises(ValueError):
        LoopLagMonitor(interval=0)


@pytest.mark.parametrize("sampler_ran", [True, False])
async def test_a_stall_at_the_very_end_is_counted_when_stopping(sampler_ran):
    monitor = LoopLagMonitor(interval=0.02)
    monitor.start()
    if sampler_ran:
        await asyncio.sleep(0)  # the sampler is now waiting for its first wake-up
    time.sleep(0.1)  # noqa: ASYNC251 - deliberately blocks until after the wake-up was due
    await monitor.stop()
    assert monitor.samples == 1
    assert monitor.worst >= 0.07


async def test_a_computing_stall_is_busy_and_a_descheduled_one_is_not():
    """Busy lag separates a long callback from a process the OS (other programs) kept waiting."""
    computing = LoopLagMonitor(interval=0.01)
    async with computing:
        await asyncio.sleep(0.03)
        end = time.thread_time() + 0.2
        while time.thread_time() < end:  # a long CPU-bound callback on the loop
            pass
        await asyncio.sleep(0.03)
    waiting = LoopLagMonitor(interval=0.01)
    async with waiting:
        await asyncio.sleep(0.03)
        time.sleep(0.2)  # noqa: ASYNC251 - blocks without computing, as a descheduled process would
        await asyncio.sleep(0.03)
    assert computing.snapshot()["lag_busy_max_ms"] >= 150
    assert waiting.snapshot()["lag_max_ms"] >= 150
    assert waiting.snapshot()["lag_busy_max_ms"] < 50


async def test_the_process_cpu_of_the_monitored_span_is_reported():
    monitor = LoopLagMonitor(interval=0.01)
    async with monitor:
        end = time.process_time() + 0.1
        while time.process_time() < end:
            pass
        await asyncio.sleep(0.2)  # waiting costs no CPU
    stats = monitor.snapshot()
    assert 0.1 <= stats["cpu_s"] < stats["duration_s"]


@pytest.mark.parametrize("sampler_ran", [True, False])
async def test_computing_right_after_start_or_before_stop_is_busy(sampler_ran):
    """The loop's CPU is counted from `start()`, not from the sampler's first step: code that
    computes right after start (reading feeds.yaml) is a busy stall too."""
    monitor = LoopLagMonitor(interval=0.01)
    monitor.start()
    if sampler_ran:
        await asyncio.sleep(0)
    end = time.thread_time() + 0.15
    while time.thread_time() < end:
        pass
    await asyncio.sleep(0.03)
    await monitor.stop()
    assert monitor.snapshot()["lag_busy_max_ms"] >= 100
