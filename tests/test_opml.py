"""OPML: `dossier feeds export|import` through the real command, and hostile files.

Every refused file must leave the database exactly as it was.
"""

from __future__ import annotations

from pathlib import Path

import defusedxml.ElementTree as SafeET
import pytest

from bot.config import FeedConfig
from bot.service.opml import MAX_BYTES, parse_opml, render_opml
from storage import feeds
from storage.db import Database
from tests.test_run import dossier

EXISTING = "https://wire.example/rss"


def opml(*outlines: str, head: str = "") -> bytes:
    body = "".join(outlines)
    return (f'<?xml version="1.0" encoding="UTF-8"?>{head}<opml version="2.0"><head><title>x</title></head>'
            f"<body>{body}</body></opml>").encode()


def outline(url: str, title: str = "Feed") -> str:
    return f'<outline type="rss" text="{title}" xmlUrl="{url}"/>'


BILLION_LAUGHS = (
    b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
    b'<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>'
    b'<opml version="2.0"><head/><body><outline text="&lol3;" xmlUrl="https://a.example/rss"/></body></opml>'
)
EXTERNAL_ENTITY = (
    b'<?xml version="1.0"?><!DOCTYPE opml [<!ENTITY secret SYSTEM "file:///etc/passwd">]>'
    b'<opml version="2.0"><head/><body><outline text="&secret;" xmlUrl="https://a.example/rss"/></body></opml>'
)
HOSTILE = {
    "entity expansion": (BILLION_LAUGHS, "declares a DTD or entities"),
    "external entity": (EXTERNAL_ENTITY, "declares a DTD or entities"),
    "over 1 MB": (opml(outline("https://a.example/rss", "x" * (MAX_BYTES + 10))), "MB"),
    "over 2,000 outlines": (opml(*(outline(f"https://a.example/{i}") for i in range(2001))),
                            "it has 2,001 outlines"),
    "malformed": (b"<opml><body><outline xmlUrl='https://a.example/rss'></body>", "not well-formed XML"),
    "not opml": (b"<rss version='2.0'><channel/></rss>", "it is not OPML"),
    "no feed": (opml('<outline text="Category"/>'), "lists no feed"),
    "bad url": (opml(outline("https://ok.example/rss"), outline("javascript:alert(1)"),
                     outline("ftp://files.example/rss")), "2 feed addresses are not an absolute http(s) URL"),
}


@pytest.fixture
async def db_path(tmp_path: Path) -> Path:
    path = tmp_path / "dossier.db"
    async with await Database.open(path) as db:
        await feeds.sync_config_feeds(db, [FeedConfig(EXISTING, name="Wire & <Co>")])
    return path


async def feed_rows(path: Path) -> list[tuple]:
    async with await Database.open(path) as db:
        return [tuple(r) for r in await db.fetchall("SELECT url, name, origin, interval_s FROM feeds ORDER BY id")]


async def test_export_writes_the_operators_feeds_as_opml(db_path: Path, tmp_path: Path) -> None:
    code, out, err = await dossier("feeds", "export", "--db", str(db_path))
    assert code == 0, err
    root = SafeET.fromstring(out.encode())
    (item,) = root.iter("outline")
    assert item.get("xmlUrl") == EXISTING and item.get("text") == "Wire & <Co>"
    target = tmp_path / "feeds.opml"
    code, _, err = await dossier("feeds", "export", str(target), "--db", str(db_path))
    assert code == 0 and target.read_text(encoding="utf-8") == out.replace(
        SafeET.fromstring(out.encode()).find("head/dateCreated").text,
        SafeET.fromstring(target.read_bytes()).find("head/dateCreated").text)


async def test_import_adds_new_feeds_and_reports_the_duplicates(db_path: Path, tmp_path: Path) -> None:
    source = tmp_path / "from-reader.opml"
    source.write_bytes(opml(
        '<outline text="News">', outline("https://a.example/rss", "A &amp; B"), "</outline>",  # nested
        outline(EXISTING), outline("https://b.example/atom", "B"), outline("https://b.example/atom", "B again")))
    code, out, err = await dossier("feeds", "import", str(source), "--db", str(db_path))
    assert code == 0, err
    assert out.splitlines()[0] == "Imported 2 feeds; skipped 2 already followed (or listed twice)."
    assert "+ https://a.example/rss" in out and f"= {EXISTING} (already there)" in out
    rows = await feed_rows(db_path)
    assert rows[1:] == [("https://a.example/rss", "A & B", "config", 900),
                        ("https://b.example/atom", "B", "config", 900)]
    # Export -> import into a fresh database gives the same feeds.
    exported = tmp_path / "out.opml"
    assert (await dossier("feeds", "export", str(exported), "--db", str(db_path)))[0] == 0
    other = tmp_path / "other.db"
    async with await Database.open(other):
        pass
    code, out, _ = await dossier("feeds", "import", str(exported), "--db", str(other))
    assert code == 0 and out.startswith("Imported 3 feeds.")
    assert [r[0] for r in await feed_rows(other)] == [r[0] for r in rows]


@pytest.mark.parametrize("case", sorted(HOSTILE))
async def test_a_hostile_or_malformed_file_is_refused_and_changes_nothing(db_path: Path, tmp_path: Path,
                                                                          case: str) -> None:
    data, expected = HOSTILE[case]
    source = tmp_path / "hostile.opml"
    source.write_bytes(data)
    before = await feed_rows(db_path)
    code, out, err = await dossier("feeds", "import", str(source), "--db", str(db_path))
    assert code == 1 and out == ""
    assert err.startswith("dossier: That OPML file cannot be imported:") and expected in err
    assert "Nothing was changed" in err and "at most 1 MB and 2,000 outlines" in err
    assert len(err.strip().splitlines()) == 1
    assert await feed_rows(db_path) == before


def test_render_opml_escapes_names_and_strips_controls() -> None:
    text = render_opml("t", [("https://a.example/rss?x=1&y=2", 'Evil "name" <b>\x1b[31m')])
    item = SafeET.fromstring(text.encode()).find("body/outline")
    assert item.get("xmlUrl") == "https://a.example/rss?x=1&y=2"
    assert item.get("title") == 'Evil "name" <b>'
    assert [f.url for f in parse_opml(text.encode())] == ["https://a.example/rss?x=1&y=2"]
