"""Prometheus metrics: off by default; with DOSSIER_METRICS_PORT the real `dossier run` serves them."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys

import aiohttp
import pytest

from bot.metrics import error_kind
from bot.settings import SettingsError, load_settings
from tests.feedserver import FeedServer
from tests.test_run import ROOT, config_for, story_server  # noqa: F401 - the fixture


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def samples(text: str) -> dict[str, float]:
    out = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            name, _, value = line.rpartition(" ")
            out[name] = float(value)
    return out


async def scrape(port: int) -> dict[str, float]:
    async with aiohttp.ClientSession() as session, session.get(f"http://127.0.0.1:{port}/metrics") as resp:
        assert resp.status == 200
        return samples(await resp.text())


async def test_run_serves_cycle_entries_updates_errors_backlog_and_loop_lag(story_server, tmp_path) -> None:  # noqa: F811
    url, names, _ = story_server
    config = config_for(url, names, tmp_path)
    async with FeedServer() as broken:
        broken.route("/down.xml", status=500)
        text = config.read_text(encoding="utf-8")
        config.write_text(text.replace("feeds:\n", f"feeds:\n  - url: {broken.url('/down.xml')}\n", 1),
                          encoding="utf-8")
        port = free_port()
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "run", "--config", str(config), "--db", str(tmp_path / "d.db"),
            cwd=ROOT, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE,
            env={**os.environ, "DISCORD_TOKEN": "", "DOSSIER_METRICS_PORT": f"127.0.0.1:{port}"},
        )
        try:
            found: dict[str, float] = {}
            for _ in range(200):  # until a cycle and a lag sample are in (the process owns its timing)
                await asyncio.sleep(0.1)
                try:
                    found = await scrape(port)
                except aiohttp.ClientConnectionError:
                    continue
                if found.get("dossier_cycles_total", 0) >= 1 and found.get("dossier_event_loop_lag_seconds_count"):
                    break
        finally:
            proc.send_signal(signal.SIGINT)
            _, err = await asyncio.wait_for(proc.communicate(), timeout=30)
    assert found.get("dossier_cycles_total", 0) >= 1, found
    assert found["dossier_entries_fetched_total"] > 0
    assert sum(v for k, v in found.items() if k.startswith("dossier_updates_total{")) > 0
    assert found['dossier_fetch_errors_total{kind="http_5xx"}'] == 1
    assert found["dossier_cycle_duration_seconds_count"] >= 1
    assert found['dossier_outbox_backlog{state="pending"}'] >= 0
    assert found["dossier_last_cycle_end_timestamp_seconds"] > 0
    assert found["dossier_event_loop_lag_seconds_count"] >= 1
    assert b"Prometheus metrics on port" in err


def test_metrics_are_off_by_default_and_the_setting_is_checked() -> None:
    assert load_settings({}, dotenv=False).metrics_address is None
    assert load_settings({"DOSSIER_METRICS_PORT": "0"}, dotenv=False).metrics_address is None
    assert load_settings({"DOSSIER_METRICS_PORT": "9108"}, dotenv=False).metrics_address == ("127.0.0.1", 9108)
    assert load_settings({"DOSSIER_METRICS_PORT": "0.0.0.0:9108"}, dotenv=False).metrics_address == (
        "0.0.0.0", 9108)
    with pytest.raises(SettingsError, match="DOSSIER_METRICS_PORT"):
        load_settings({"DOSSIER_METRICS_PORT": "lots"}, dotenv=False)


def test_fetch_error_kinds_are_a_small_fixed_set() -> None:
    assert error_kind("HTTP 404") == "http_4xx" and error_kind("HTTP 503") == "http_5xx"
    assert error_kind("timed out after 30s") == "timeout" and error_kind("cannot resolve host x") == "dns"
    assert error_kind("blocked: 10.0.0.1 is a private address") == "blocked"
    assert error_kind("body exceeds 10 MB") == "too_large" and error_kind("anything else") == "other"


async def test_a_scrape_during_the_cycle_observer_sees_the_cycle_whole_or_not_at_all(monkeypatch) -> None:
    """The observer queries the database before touching any metric: a scrape while it waits
    must not see the cycle counted without its updates (the run test saw that under load)."""
    from datetime import UTC, datetime, timedelta
    from types import SimpleNamespace

    import bot.metrics as metrics_module
    from storage.health import CycleRecord

    metrics = metrics_module.Metrics()
    seen = []

    async def kinds(db, ids):
        seen.append(metrics.registry.get_sample_value("dossier_cycles_total"))
        return {"status_change": 2}

    async def nothing(*args):
        seen.append(metrics.registry.get_sample_value("dossier_cycles_total"))
        return []

    async def backlog(db):
        return 0, 0

    monkeypatch.setattr(metrics_module.metrics_store, "update_kinds", kinds)
    monkeypatch.setattr(metrics_module.metrics_store, "fetch_errors_since", nothing)
    monkeypatch.setattr(metrics_module.health_store, "outbox_backlog", backlog)
    now = datetime(2026, 1, 1, tzinfo=UTC)
    record = CycleRecord(started_at=now, finished_at=now + timedelta(seconds=1), polled=2, failed=1,
                         entries=3, updates=2)
    await metrics.observe_cycle(None, record, SimpleNamespace(outbox_ids=[1, 2]))
    assert seen == [0.0, 0.0]
    assert metrics.registry.get_sample_value("dossier_cycles_total") == 1
    assert metrics.registry.get_sample_value("dossier_updates_total", {"kind": "status_change"}) == 2
