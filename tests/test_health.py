"""`dossier health` (the container's healthcheck) through the real command, and the compose file."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import aiosqlite
import yaml

from bot.service.health import check
from storage import health as health_store
from storage.db import Database, utcnow
from storage.health import CycleRecord
from tests.test_run import config_for, dossier, story_server  # noqa: F401 - the fixture

ROOT = Path(__file__).resolve().parents[1]


async def _set_times(path: Path, *, finished_ago: timedelta | None, started_ago: timedelta) -> None:
    async with await Database.open(path) as db:
        now = utcnow()
        if finished_ago is None:
            await db.executemany("DELETE FROM meta WHERE key = ?", [(health_store.LAST_CYCLE_KEY,)])
        else:
            end = now - finished_ago
            await health_store.record_cycle(db, CycleRecord(end - timedelta(seconds=3), end, 2, 0, 5, 1))
        await health_store.mark_process_start(db, now - started_ago)


async def test_health_after_a_cycle_then_stale_then_just_started(story_server, tmp_path) -> None:  # noqa: F811
    url, names, _ = story_server
    config, db = config_for(url, names, tmp_path), tmp_path / "dossier.db"
    code, _, err = await dossier("run", "--once", "--config", str(config), "--db", str(db))
    assert code == 0, err
    code, out, err = await dossier("health", "--config", str(config), "--db", str(db))
    assert code == 0, err
    assert out.startswith("ok: last poll cycle finished") and "updates" in out

    # The feeds poll every 15 minutes (the default): 2 hours without a cycle is unhealthy.
    await _set_times(db, finished_ago=timedelta(hours=2), started_ago=timedelta(hours=3))
    code, out, err = await dossier("health", "--db", str(db))
    assert code == 1 and out == ""
    assert err.strip() == ("last poll cycle finished 2h00m ago "
                           "(limit 45m: 3 x the shortest feed interval, 15m)")
    assert len(err.strip().splitlines()) == 1

    # Within the limit (40 minutes) is still healthy.
    await _set_times(db, finished_ago=timedelta(minutes=40), started_ago=timedelta(hours=3))
    assert (await dossier("health", "--db", str(db)))[0] == 0

    # A process that started 5 minutes ago, after an old cycle, gets time for its first one...
    await _set_times(db, finished_ago=timedelta(hours=2), started_ago=timedelta(minutes=5))
    code, out, _ = await dossier("health", "--db", str(db))
    assert code == 0 and "first poll cycle not finished yet" in out
    # ...but not forever.
    await _set_times(db, finished_ago=None, started_ago=timedelta(hours=1))
    code, _, err = await dossier("health", "--db", str(db))
    assert code == 1 and "no poll cycle finished since the start 60m ago" in err


async def test_health_without_a_database_or_a_run_is_unhealthy(tmp_path) -> None:
    missing = tmp_path / "none.db"
    code, _, err = await dossier("health", "--db", str(missing))
    assert code == 1 and "no database at" in err and not missing.exists()
    async with await Database.open(tmp_path / "fresh.db"):
        pass
    code, _, err = await dossier("health", "--db", str(tmp_path / "fresh.db"))
    assert code == 1 and "`dossier run` has not run on this database" in err


async def test_a_read_only_database_is_unhealthy(tmp_path) -> None:
    path = tmp_path / "dossier.db"
    async with await Database.open(path) as db:
        now = utcnow()
        await health_store.record_cycle(db, CycleRecord(now, now, 1, 0, 0, 0))
        assert (await check(db)).ok
    conn = await aiosqlite.connect(f"file:{path}?mode=ro", uri=True)
    try:
        result = await check(Database(conn, path))
    finally:
        await conn.close()
    assert not result.ok and "is not writable" in result.reason and "readonly" in result.reason


async def test_cycles_are_recorded_by_the_pipeline_with_entries_and_updates(story_server, tmp_path) -> None:  # noqa: F811
    url, names, _ = story_server
    config, db_path = config_for(url, names, tmp_path), tmp_path / "dossier.db"
    code, _, err = await dossier("run", "--once", "--config", str(config), "--db", str(db_path))
    assert code == 0, err
    async with await Database.open(db_path) as db:
        cycle = await health_store.last_cycle(db)
        started = await health_store.process_started_at(db)
    assert cycle is not None and started is not None and started <= cycle.finished_at
    assert cycle.polled == len(names) and cycle.entries > 0 and cycle.updates > 0
    assert timedelta(0) <= cycle.duration < timedelta(seconds=60)


def test_compose_uses_dossier_health_as_the_healthcheck() -> None:
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))
    service = compose["services"]["dossier"]
    check_ = service["healthcheck"]
    assert check_["test"] == ["CMD", "dossier", "health"]
    for key in ("interval", "timeout", "start_period"):
        assert str(check_[key]).endswith(("s", "m"))
    assert int(check_["retries"]) >= 1
    # The check reads the same database as the bot: DOSSIER_DB comes from the image, on the volume.
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    assert "DOSSIER_DB=/data/dossier.db" in dockerfile and 'ENTRYPOINT ["dossier"]' in dockerfile
    assert any(v.split(":")[1] == "/data" for v in service["volumes"])
