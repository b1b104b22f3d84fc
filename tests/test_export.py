"""`dossier export` end to end: a real poll into a real database, then the real command."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from bot.config import FeedConfig
from bot.fetch.client import Fetcher
from bot.match import Thresholds
from bot.pipeline import Pipeline
from bot.render.dossier import csv_cell
from bot.service import admin as admin_service
from storage import feeds, topics
from storage.db import Database
from tests.feedserver import FeedServer
from tests.test_pipeline import TOPIC, UNRELATED, rss, with_initial_figures_for
from tests.test_run import dossier

HOSTILE_TITLE = "Acme concludes safety review ``` @everyone <@123> **widgets** [click](https://evil.example)"
CONCLUDED = ("g-1", "https://news.example/acme-review-done", HOSTILE_TITLE.replace("<", "&lt;"),
             "Acme said on Monday it has concluded its safety review of the exploding widgets. "
             "The company recalled up to 40,000 widgets sold in Canada last year.")


@pytest.fixture
async def filled_db(tmp_path: Path) -> Path:
    """One topic whose review was concluded by a feed article (auto) and edited by an admin."""
    path = tmp_path / "dossier.db"
    async with FeedServer() as server, await Database.open(path) as db:
        server.route("/wire.xml", body=rss(CONCLUDED, UNRELATED, title="=HYPERLINK(\"x\") @here Wire"))
        await feeds.sync_config_feeds(db, [FeedConfig(server.url("/wire.xml"))])
        await topics.install_topics(db, 0, [with_initial_figures_for(TOPIC)])
        async with Fetcher(allow_private=True, timeout=5) as fetcher:
            await Pipeline(db, fetcher, thresholds=Thresholds(low=20, high=60), guard=False).run_cycle(force=True)
        await admin_service.add_figure(db, 0, "acme-recall", "units", "41,000 widgets",
                                       actor_id=42, actor_name="ed")
    return path


async def test_markdown_export_has_each_claim_then_its_timeline_and_is_safe(filled_db: Path) -> None:
    code, out, err = await dossier("export", "acme-recall", "--db", str(filled_db))
    assert code == 0, err
    assert out.startswith("# Dossier: Acme and the widget recall")
    review = out[out.index("Acme's safety review"):out.index("Acme recalled up to")]
    assert "Status: **concluded**" in review
    assert "#### Timeline (2 revisions)" in review
    assert "applied by feeds.yaml" in review and "applied by auto" in review
    assert "- status: ongoing\n" in review and "+ status: concluded\n" in review
    assert "Evidence (score" in review and "has concluded its safety review" in review
    assert "https://news.example/acme-review-done" in review
    assert "applied by admin" in out and "+ figure: 41,000 widgets" in out
    # Feed text cannot ping, break the diff block or hide a link.
    assert "@everyone" not in out and "@here" not in out and "<@123>" not in out
    assert "```" not in out.replace("  ```diff\n", "").replace("  ```\n", "")
    assert "\\*\\*widgets\\*\\*" in out and "\\[click\\]" in out


async def test_csv_export_is_one_row_per_revision_without_formulas(filled_db: Path, tmp_path: Path) -> None:
    target = tmp_path / "out" / "acme.csv"
    code, out, err = await dossier("export", "acme-recall", "--format", "csv", "--out", str(target),
                                   "--db", str(filled_db))
    assert code == 0, err
    assert out == "" and f"wrote {target}" in err
    rows = list(csv.DictReader(io.StringIO(target.read_text(encoding="utf-8"))))
    by_claim: dict[str, list[dict[str, str]]] = {}
    for row in rows:
        by_claim.setdefault(row["claim"], []).append(row)
    assert [r["rev"] for r in by_claim["review"]] == ["1", "2"]
    concluded = by_claim["review"][1]
    assert concluded["change"] == "status_change" and concluded["status_before"] == "ongoing"
    assert concluded["applied_by"] == "auto" and concluded["article_url"].startswith("https://news.example/")
    assert concluded["article_source"].startswith("'=HYPERLINK")  # shown, never run
    assert by_claim["units"][-1]["applied_by"] == "admin" and by_claim["units"][-1]["actor"] == "admin:42"
    assert all(not cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row.values())


async def test_json_export_is_versioned_and_complete(filled_db: Path) -> None:
    code, out, err = await dossier("export", "acme-recall", "--format", "json", "--db", str(filled_db))
    assert code == 0, err
    doc = json.loads(out)
    assert doc["format"] == 1 and doc["topic"]["key"] == "acme-recall" and doc["topic"]["guild_id"] == 0
    claims = {c["key"]: c for c in doc["claims"]}
    assert set(claims) == {"review", "units"}
    rev = claims["review"]["revisions"][1]
    assert set(rev) >= {"rev", "date", "change", "status", "status_before", "statement", "diff",
                        "evidence", "score", "article", "applied_by", "actor", "reason"}
    assert rev["status_before"] == "ongoing" and rev["status"] == "concluded"
    assert rev["article"]["title"] == HOSTILE_TITLE  # data kept as the feed wrote it
    assert claims["units"]["figures"][-1] == "41,000 widgets"


async def test_unknown_topic_other_guild_and_missing_database_are_clear_errors(filled_db: Path,
                                                                               tmp_path: Path) -> None:
    code, out, err = await dossier("export", "nope", "--db", str(filled_db))
    assert code == 1 and out == "" and "no topic 'nope' in the console's topics (there: acme-recall)" in err
    code, _, err = await dossier("export", "acme-recall", "--guild", "99", "--db", str(filled_db))
    assert code == 1 and "no topic 'acme-recall' in the topics of server 99" in err  # not the console's
    missing = tmp_path / "typo.db"
    code, _, err = await dossier("export", "acme-recall", "--db", str(missing))
    assert code == 2 and "no database at" in err and not missing.exists()


def test_csv_cells_that_would_run_as_formulas_are_quoted() -> None:
    assert csv_cell("=1+1") == "'=1+1" and csv_cell("@SUM(A1)") == "'@SUM(A1)"
    assert csv_cell("- status: x") == "'- status: x" and csv_cell("plain") == "plain"
    assert csv_cell("a\x1b[31mb") == "ab"
