"""`dossier run` end to end: the real command, feeds from a local server, a real database."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from pathlib import Path

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from bot.demo.replay import load_steps, render_rss

ROOT = Path(__file__).resolve().parents[1]
JSONL_KEYS = {"topic", "claim", "change", "article", "score", "evidence", "before", "after", "diff"}


async def dossier(*args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    """Run the real `python -m bot` in a subprocess (it owns its own event loop)."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", *args, cwd=ROOT,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        env={**os.environ, "DISCORD_TOKEN": "", "DOSSIER_LOG_LEVEL": "INFO", **(env or {})},
    )
    out, err = await asyncio.wait_for(proc.communicate(), timeout=60)
    return proc.returncode or 0, out.decode(), err.decode()


def config_for(server_url: str, names: list[str], tmp_path: Path) -> Path:
    """The shipped topics, with feeds pointing at the local server."""
    shipped = (ROOT / "feeds.yaml").read_text(encoding="utf-8")
    topics = shipped[shipped.index("topics:"):]
    feeds = "".join(f"  - url: {server_url}/feeds/{n}.xml\n    name: {n}\n" for n in names)
    path = tmp_path / "feeds.yaml"
    path.write_text(f"feeds:\n{feeds}{topics}", encoding="utf-8")
    return path


@pytest.fixture
async def story_server():
    """Serves step 2 of the demo replay (the richest one), with ETags, and counts requests."""
    steps = load_steps()
    feeds = {**steps[0].feeds, **steps[1].feeds}
    hits: list[tuple[str, str | None]] = []

    async def handle(request: web.Request) -> web.Response:
        name = request.match_info["name"]
        hits.append((name, request.headers.get("If-None-Match")))
        body = render_rss(feeds[name])
        etag = f'"{name}-v1"'
        if request.headers.get("If-None-Match") == etag:
            return web.Response(status=304, headers={"ETag": etag})
        return web.Response(body=body, content_type="application/rss+xml", headers={"ETag": etag})

    app = web.Application()
    app.router.add_get("/feeds/{name}.xml", handle)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    try:
        yield str(server.make_url("")).rstrip("/"), sorted(feeds), hits
    finally:
        await server.close()


async def test_once_jsonl_prints_updates_then_nothing_on_a_second_run(story_server, tmp_path):
    url, names, hits = story_server
    config = config_for(url, names, tmp_path)
    db = tmp_path / "dossier.db"
    code, out, err = await dossier("run", "--once", "--format", "jsonl", "--config", str(config),
                                   "--db", str(db))
    assert code == 0, err
    lines = [json.loads(line) for line in out.splitlines()]
    assert lines, f"no updates printed; stderr:\n{err}"
    for line in lines:
        assert set(line) >= JSONL_KEYS
        assert set(line["article"]) >= {"url", "title", "source", "published"}
        assert line["topic"] == "microsoft-imod"
    assert "Traceback" not in err
    # the Azure outage story is not about the topic: no update may cite it
    assert not any("outage" in line["article"]["title"].lower() for line in lines)
    # tracking parameters are stripped from article links
    assert not any("utm_" in (line["article"]["url"] or "") for line in lines)

    code, out, err = await dossier("run", "--once", "--format", "jsonl", "--config", str(config),
                                   "--db", str(db))
    assert code == 0, err
    assert out == ""
    second = hits[len(names):]
    assert second and all(inm for _, inm in second)  # conditional GET on the second run


async def test_demo_shows_update_posts_offline():
    code, out, err = await dossier("run", "--demo", "--format", "jsonl")
    assert code == 0, err
    lines = [json.loads(line) for line in out.splitlines()]
    kinds = {line["change"] for line in lines}
    assert len(lines) >= 5, err
    assert "no update" not in err
    assert "status_change" in kinds or "figure_change" in kinds, kinds
    # the briefs feed carries one short line per entry: its update comes from the page behind it
    # questions about uncertain matches belong to Discord's review queue, never to the console's output
    assert "match_check" not in kinds, kinds
    from_page = [line for line in lines if line["text_source"] == "article_page"]
    assert [(p["claim"], p["change"], p["before"], p["after"]) for p in from_page] == [
        ("shareholders", "figure_change", "60", "90")]
    assert from_page[0]["article"]["url"].endswith("/pages/shareholders-letter")


async def test_demo_with_other_topics_says_why_nothing_is_printed(tmp_path):
    config = tmp_path / "feeds.yaml"
    config.write_text("topics:\n  - key: rail\n    title: Kestrel Rail derailment\n"
                      "    keywords: [kestrel]\n", encoding="utf-8")
    code, out, err = await dossier("run", "--demo", "--format", "jsonl", "--config", str(config))
    assert code == 0, err
    assert out == ""
    assert f"none of the topics in {config} matched the demo's feeds" in err


async def test_text_output_is_readable(story_server, tmp_path):
    url, names, _ = story_server
    config = config_for(url, names, tmp_path)
    code, out, err = await dossier("run", "--once", "--config", str(config),
                                   "--db", str(tmp_path / "d.db"))
    assert code == 0, err
    assert "microsoft-imod" in out and "\x1b[" not in out  # no colour codes when not a TTY


async def test_a_failing_cycle_does_not_end_the_console_loop(tmp_path, monkeypatch, caplog):
    import bot.runner as runner
    from bot.config import load_config
    from bot.pipeline import CycleReport
    from bot.settings import Settings

    class Stop(BaseException):
        pass

    calls = []

    async def flaky_cycle(self, *, force=False):
        calls.append(force)
        if len(calls) == 1:
            raise RuntimeError("database is locked")
        if len(calls) == 3:
            raise Stop
        return CycleReport()

    async def no_wait(db):
        return 0.0

    monkeypatch.setattr(runner.Pipeline, "run_cycle", flaky_cycle)
    monkeypatch.setattr(runner, "seconds_to_next_poll", no_wait)
    config = load_config(ROOT / "feeds.yaml")
    with pytest.raises(Stop):
        await runner.run_console(Settings(db_path=tmp_path / "d.db"), config, once=False, fmt="jsonl")
    assert len(calls) == 3
    assert "poll cycle failed" in caplog.text and "database is locked" in caplog.text


async def test_demo_never_writes_to_the_configured_database_but_honours_db(tmp_path):
    real = tmp_path / "real.db"
    code, out, err = await dossier("run", "--demo", "--format", "jsonl", env={"DOSSIER_DB": str(real)})
    assert code == 0, err
    assert out and not real.exists()
    chosen = tmp_path / "demo.db"
    code, out, err = await dossier("run", "--demo", "--format", "jsonl", "--db", str(chosen))
    assert code == 0, err
    assert out and chosen.exists()
