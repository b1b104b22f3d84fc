"""Bad input at the command line: one clear line on stderr, a usage exit code, no traceback,
and nothing written (QA pass, docs/decisions.md)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.cli import main
from tests.test_config import GOOD, write

NOT_SQLITE = b"this is a text file someone passed as --db, long enough to have a header " * 4


@pytest.mark.parametrize("command", [
    ["run", "--once"],
    ["export", "microsoft-imod"],
    ["feeds", "export"],
])
def test_a_file_that_is_not_sqlite_is_one_line_and_left_alone(tmp_path, capsys, command):
    db = tmp_path / "notes.db"
    db.write_bytes(NOT_SQLITE)
    config = write(tmp_path, GOOD)
    code = main([*command, "--config", str(config), "--db", str(db)])
    err = capsys.readouterr().err
    assert code == 2
    assert "Traceback" not in err
    assert f"dossier: cannot use database {db}: file is not a database" in err.splitlines()
    assert db.read_bytes() == NOT_SQLITE


def test_health_on_a_file_that_is_not_sqlite_says_so_once(tmp_path, capsys):
    db = tmp_path / "notes.db"
    db.write_bytes(NOT_SQLITE)
    assert main(["health", "--db", str(db)]) == 1
    err = capsys.readouterr().err
    assert err == f"cannot use database {db}: file is not a database\n"


def test_a_database_directory_that_cannot_be_created_is_one_line(tmp_path, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("x", encoding="utf-8")
    config = write(tmp_path, GOOD)
    code = main(["run", "--once", "--config", str(config), "--db", str(blocker / "sub" / "d.db")])
    err = capsys.readouterr().err
    assert code == 2 and "Traceback" not in err
    assert err.splitlines()[-1].startswith(f"dossier: cannot open database {blocker / 'sub' / 'd.db'}: ")


def test_a_database_that_is_a_directory_is_one_line(tmp_path: Path, capsys):
    config = write(tmp_path, GOOD)
    code = main(["run", "--once", "--config", str(config), "--db", str(tmp_path)])
    err = capsys.readouterr().err
    assert code == 2 and "Traceback" not in err
    assert f"database {tmp_path}" in err.splitlines()[-1]


@pytest.fixture
def console_db(tmp_path: Path) -> Path:
    """A database holding the console's topics of GOOD (no polling)."""
    import asyncio

    from bot.config import load_config
    from storage import topics
    from storage.db import Database

    path = tmp_path / "d.db"

    async def fill() -> None:
        async with await Database.open(path) as db:
            await topics.install_topics(db, 0, list(load_config(write(tmp_path, GOOD)).topics))

    asyncio.run(fill())
    return path


def test_export_of_an_unknown_topic_names_the_topics_there(console_db, capsys):
    assert main(["export", "nope", "--db", str(console_db)]) == 1
    assert capsys.readouterr().err == "dossier: no topic 'nope' in the console's topics (there: microsoft-imod)\n"
    assert main(["export", "microsoft-imod", "--guild", "5", "--db", str(console_db)]) == 1
    assert "in the topics of server 5 (there: none)" in capsys.readouterr().err


@pytest.mark.parametrize("out", ["{dir}", "{file}/sub/x.md"])
def test_export_to_a_path_that_cannot_be_written_is_one_line(console_db, tmp_path, capsys, out):
    blocker = tmp_path / "file"
    blocker.write_text("keep", encoding="utf-8")
    target = out.format(dir=tmp_path, file=blocker)
    assert main(["export", "microsoft-imod", "--db", str(console_db), "--out", target]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"dossier: cannot write {target}: ") and err.endswith("nothing was written\n")
    assert blocker.read_text(encoding="utf-8") == "keep"
    assert not list(tmp_path.glob("*.tmp"))


def test_every_command_takes_config_and_db(tmp_path, capsys):
    """README: "Every command takes the same --config / --db options as `dossier run`"."""
    from bot.cli import build_parser

    parser = build_parser()
    for argv in (["run"], ["check-config"], ["export", "t"], ["feeds", "export"],
                 ["feeds", "import", "f"], ["health"]):
        args = parser.parse_args([*argv, "--config", "c.yaml", "--db", "d.db"])
        assert (args.config, args.db) == ("c.yaml", "d.db"), argv
    config = write(tmp_path, GOOD)
    assert main(["check-config", "--config", str(config), "--db", str(tmp_path / "x.db")]) == 0
    assert not (tmp_path / "x.db").exists()


@pytest.mark.parametrize(("value", "message"), [
    ("not-a-url", "DISCORD_API_BASE must be an http(s) URL like https://discord.com, got 'not-a-url'"),
    ("ftp://x.example", "DISCORD_API_BASE must be an http(s) URL"),
])
def test_a_bad_discord_api_base_stops_the_start(tmp_path, capsys, monkeypatch, value, message):
    monkeypatch.setenv("DISCORD_TOKEN", "secret-token-value")
    monkeypatch.setenv("DISCORD_API_BASE", value)
    code = main(["run", "--once", "--config", str(write(tmp_path, GOOD)), "--db", str(tmp_path / "d.db")])
    err = capsys.readouterr().err
    assert code == 2 and message in err and "secret-token-value" not in err
    assert not (tmp_path / "d.db").exists()


async def _run_with_token(tmp_path: Path, token: str, api_base: str) -> tuple[int, str]:
    from tests.test_run import dossier

    config = write(tmp_path, "feeds: []\n")
    code, out, err = await dossier("run", "--once", "--config", str(config), "--db", str(tmp_path / "d.db"),
                                   env={"DISCORD_TOKEN": token, "DISCORD_API_BASE": api_base})
    return code, out + err


async def test_a_token_discord_refuses_is_one_line_without_the_token(tmp_path):
    from tests.discord_standin import DiscordStandIn

    async with DiscordStandIn(token="the.right.token") as standin:
        code, output = await _run_with_token(tmp_path, "a.wrong.token", standin.base_url)
    assert code == 1, output
    assert "dossier: Discord refused DISCORD_TOKEN (401)" in output
    assert "Traceback" not in output and "a.wrong.token" not in output


async def test_a_discord_that_cannot_be_reached_is_one_line(tmp_path):
    import socket

    with socket.socket() as sock:  # a port nothing listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    code, output = await _run_with_token(tmp_path, "some.token", f"http://127.0.0.1:{port}")
    assert code == 1, output
    assert f"dossier: cannot reach Discord at http://127.0.0.1:{port}/api/v10: " in output
    assert "Traceback" not in output


class _ClosedAfter:
    """A stdout whose reader leaves after `n` lines (`dossier run | head -n`)."""

    def __init__(self, n: int) -> None:
        self.lines: list[str] = []
        self.n = n

    def write(self, text: str) -> int:
        if len(self.lines) >= self.n:
            raise BrokenPipeError(32, "Broken pipe")
        self.lines.append(text)
        return len(text)

    def flush(self) -> None:
        pass

    def isatty(self) -> bool:
        return False


async def test_a_closed_stdout_keeps_what_was_not_printed_queued(tmp_path):
    from bot.post.console import ConsoleSink
    from storage import outbox
    from storage.db import Database

    async with await Database.open(tmp_path / "d.db") as db:
        for i in range(5):
            await outbox.enqueue(db, guild_id=0, topic_id=None, claim_id=None, article_id=None,
                                 kind="new_development", payload={"topic": "t", "n": i}, embed={},
                                 nonce=f"n{i}")
        stream = _ClosedAfter(2)
        with pytest.raises(BrokenPipeError):
            await ConsoleSink("jsonl", stream=stream).drain(db, 0)
        assert [json.loads(line)["n"] for line in stream.lines] == [0, 1]
        assert [row.payload["n"] for row in await outbox.pending(db, 0)] == [2, 3, 4]


def test_the_cli_stops_with_one_line_when_stdout_is_closed(console_db):
    import subprocess
    import sys

    proc = subprocess.Popen([sys.executable, "-m", "bot", "export", "microsoft-imod", "--db", str(console_db)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=Path(__file__).parents[1])
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.close()  # the reader is gone before the first write
    with proc.stderr:
        err = proc.stderr.read().decode()
    assert proc.wait(timeout=60) == 1
    assert err.strip().splitlines() == ["dossier: stdout was closed; stopped"]


@pytest.mark.parametrize(("value", "message"), [
    ("99999999999999999999999", "is not a server id (0 or a Discord snowflake)"),
    ("-1", "is not a server id (0 or a Discord snowflake)"),
    ("abc", "is not a server id (digits"),
])
def test_a_guild_that_is_no_snowflake_is_a_usage_error(console_db, capsys, value, message):
    with pytest.raises(SystemExit) as exited:
        main(["export", "microsoft-imod", "--guild", value, "--db", str(console_db)])
    err = capsys.readouterr().err
    assert exited.value.code == 2 and message in err and "Traceback" not in err


@pytest.mark.parametrize("command", [["export", "microsoft-imod", "--out"], ["feeds", "export"]])
def test_output_over_the_database_is_refused(console_db, capsys, command):
    before = console_db.read_bytes()
    assert main([*command, str(console_db), "--db", str(console_db)]) == 1
    err = capsys.readouterr().err
    assert err == f"dossier: cannot write {console_db}: it is the database; nothing was written\n"
    assert console_db.read_bytes() == before


def test_check_config_shows_each_topics_gate_as_read(tmp_path, capsys):
    """`keywords: [acme, widgets]` is two groups (both words needed): check-config says so."""
    flat = write(tmp_path, "topics: [{key: t, title: T, keywords: [acme, widgets], exclude: [stock tips]},\n"
                           "         {key: u, title: U, keywords: [[acme, widgets]]}]\n")
    assert main(["check-config", "--config", str(flat)]) == 0
    assert capsys.readouterr().out.splitlines() == [
        f"{flat}: ok (0 feeds, 2 topics)",
        "  t: 0 claims; an article must name acme and widgets, unless it names stock tips",
        "  u: 0 claims; an article must name (acme or widgets)",
    ]


def test_jsonl_with_a_discord_token_is_refused_before_anything_starts(tmp_path, capsys, monkeypatch):
    """A tool's `run --once --format jsonl` must not become a second bot on Discord because the
    operator's .env holds the token."""
    monkeypatch.setenv("DISCORD_TOKEN", "secret-token-value")
    code = main(["run", "--once", "--format", "jsonl", "--config", str(write(tmp_path, GOOD)),
                 "--db", str(tmp_path / "d.db")])
    err = capsys.readouterr().err
    assert code == 2 and "--format jsonl is console output, but DISCORD_TOKEN is set" in err
    assert "secret-token-value" not in err and not (tmp_path / "d.db").exists()


@pytest.mark.parametrize(("argv", "message"), [
    ([], "dossier: error: the following arguments are required: {run,check-config,export,feeds,health}"),
    (["feeds"], "dossier feeds: error: the following arguments are required: {export,import}"),
])
def test_a_missing_subcommand_names_the_choices(capsys, argv, message):
    with pytest.raises(SystemExit) as exited:
        main(argv)
    assert exited.value.code == 2 and message in capsys.readouterr().err


def test_a_damaged_table_met_after_opening_is_one_line(console_db, capsys):
    """The schema reads fine, but the revisions table's first page is zeroed (a disk fault)."""
    import sqlite3

    conn = sqlite3.connect(console_db)
    page_size = conn.execute("PRAGMA page_size").fetchone()[0]
    root = conn.execute("SELECT rootpage FROM sqlite_master WHERE name = 'claim_revisions'").fetchone()[0]
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    with console_db.open("r+b") as fh:
        fh.seek((root - 1) * page_size)
        fh.write(b"\0" * page_size)
    assert main(["export", "microsoft-imod", "--db", str(console_db)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"dossier: cannot use database {console_db}: database disk image is malformed")
    assert "Traceback" not in err and err.count("\n") == 1
