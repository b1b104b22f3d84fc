"""Bad input at the command line: one clear line on stderr, a usage exit code, no traceback,
and nothing written (QA pass, docs/decisions.md)."""

from __future__ import annotations

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
