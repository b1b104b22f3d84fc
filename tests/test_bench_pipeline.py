"""Smoke test of bench/pipeline.py at a tiny size (3 feeds, no reader), so the harness cannot rot.

It runs the real `dossier run --once` four times through the harness and checks that each
workload did what it claims: all entries new, every feed 304, then the new entries found.
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# ../shared/corpus beside the clone (CI), or beside the main checkout (a git worktree).
CORPUS = next((p for p in (ROOT.parent / "shared" / "corpus", ROOT.parents[1] / "shared" / "corpus")
               if (p / "story3" / "articles.jsonl").is_file()), ROOT.parent / "shared" / "corpus")


def run_bench(out: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """bench/pipeline.py at 3 feeds, without reader or the scorer, its JSON written to `out`."""
    return subprocess.run(
        [sys.executable, str(ROOT / "bench" / "pipeline.py"), "--feeds", "3", "--repeat", "1",
         "--no-reader", "--json", str(out), "--corpus", str(CORPUS), "--env", "DOSSIER_SEMANTIC=off",
         *args],
        capture_output=True, text=True, timeout=120, cwd=ROOT, check=False,
    )


@pytest.mark.skipif(not (CORPUS / "story3" / "articles.jsonl").is_file(),
                    reason="needs ../shared/corpus (the bench reads real articles from it)")
def test_pipeline_bench_runs_every_workload_at_a_tiny_size(tmp_path):
    out = tmp_path / "bench.json"
    # the harness is under test, not the scorer: no model load per process; W3 is W4's
    # code path with full entries, skipped to keep this test short
    proc = run_bench(out, "--idle-seconds", "0.3", "--workloads", "W1,W2,W4")
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "| W1 cold start, 60 entries |" in proc.stdout
    (summary,) = json.loads(out.read_text())["summaries"]
    print(proc.stdout)  # shown by pytest when an assertion below fails
    rows = summary["workloads"]
    assert set(rows) == {"W1", "W2", "W4", "W4n"}  # W4n: W4 with fetch_article: never
    assert rows["W4"]["server_hits"]["dossier"].get("page") == 10  # the pages behind short entries
    assert "page" not in rows["W4n"]["server_hits"]["dossier"]
    w1, w2, w4 = (rows[k]["dossier"] for k in ("W1", "W2", "W4"))
    assert w1["info"]["new"] == 60 and w1["info"]["failed"] == 0
    assert w1["info"]["updates_printed"] == w1["info"]["updates"] > 0
    assert w2["info"]["new"] == 0 and w2["info"]["not_modified"] == 3
    assert rows["W2"]["server_hits"]["dossier"] == {"feed_304": 3}
    assert w4["info"]["new"] == rows["W4"]["entries"] == 10  # a skipped W3 added nothing
    assert summary["idle_loop"]["samples"] > 0
    for row in (w1, w4):  # (W2 may end before the monitor's first 20 ms wake-up)
        assert row["info"]["loop"]["samples"] > 0  # the DOSSIER_LOOP_STATS hook in the CLI works
    for row in (w1, w2, w4):
        assert row["info"]["loop"]["duration_s"] > 0
        assert 0 < row["run_s"] <= row["wall_s"]
        assert row["peak_rss_mb"] > 20 and row["cpu_s"] > 0


@pytest.mark.skipif(not (CORPUS / "story3" / "articles.jsonl").is_file(),
                    reason="needs ../shared/corpus (the bench reads real articles from it)")
def test_long_running_mode_runs_the_workloads_as_cycles_of_one_process(tmp_path):
    proc = run_bench(tmp_path / "unused.json", "--long-running", "--keep", str(tmp_path / "kept"))
    assert proc.returncode == 0, proc.stderr[-3000:]
    print(proc.stdout)
    rows = {line.split("|")[1].strip(): [c.strip() for c in line.split("|")[2:-1]]
            for line in proc.stdout.splitlines() if line.startswith("| W")}
    assert list(rows) == ["W1 cold start", "W2 every feed 304",
                          "W3 new entries (their sentences seen in W1)",
                          "W3, sentence cache emptied first (new text)"]
    new = {k: int(r[2]) for k, r in rows.items()}
    updates = {k: int(r[3]) for k, r in rows.items()}
    assert list(new.values()) == [60, 0, 10, 10]
    assert updates["W1 cold start"] > 0 and updates["W2 every feed 304"] == 0
    kept = tmp_path / "kept"
    # one process for both runs' cycles (W1, W2, W3), and the same updates either way
    for run in ("3-feeds-long", "3-feeds-long-forget"):
        assert sorted(p.name for p in (kept / run).glob("dossier-W*.out")) == [
            "dossier-W1.out", "dossier-W2.out", "dossier-W3.out"]
    for run, label in (("3-feeds-long", "W3 new entries (their sentences seen in W1)"),
                       ("3-feeds-long-forget", "W3, sentence cache emptied first (new text)")):
        assert (kept / run / "dossier-W3.out").read_text().count("\n") == updates[label]


def load_bench():
    spec = importlib.util.spec_from_file_location("bench_pipeline", ROOT / "bench" / "pipeline.py")
    bench = importlib.util.module_from_spec(spec)
    sys.modules["bench_pipeline"] = bench  # dataclasses look their module up there
    try:
        spec.loader.exec_module(bench)
    finally:
        del sys.modules["bench_pipeline"]
    return bench


def test_bench_server_serves_full_and_short_entries_304s_and_pages():
    bench = load_bench()
    passing = [bench.Article("Cloud deal ends", "First paragraph about the deal.\nSecond one.", True)]
    failing = [bench.Article("Weather", "Rain all week.\nThen sun.", False)]
    with bench.BenchServer(bench.Corpus(passing, failing), 2, page_hosts=2) as server:
        server.add_entries(0, 2, short=False)
        server.add_entries(1, 1, short=True)
        server.publish([0, 1])
        def get(url: str | urllib.request.Request) -> tuple[str, str]:
            with urllib.request.urlopen(url, timeout=10) as response:
                return response.read().decode(), response.headers["ETag"]

        body, etag = get(server.feed_url(0))
        assert body.count("<item>") == 2 and body.count("<content:encoded>") == 2
        again = urllib.request.Request(server.feed_url(0), headers={"If-None-Match": etag})
        with pytest.raises(urllib.error.HTTPError) as not_modified:
            get(again)
        not_modified.value.close()
        assert not_modified.value.code == 304
        short, _ = get(server.feed_url(1))
        assert "<content:encoded>" not in short and "<description>" in short
        link = short.split("<link>")[2].split("</link>")[0]  # the channel's link comes first
        assert not link.startswith("http://127.0.0.1:")  # pages live on other loopback hosts
        page, _ = get(link)
        article = server.entries[2].article
        assert article.title in page and article.text.split("\n")[0] in page
        assert server.hits == {"feed_200": 2, "feed_304": 1, "page": 1}


def test_peak_rss_is_the_child_s_own_not_the_bench_process_s(tmp_path):
    """Linux folds the parent's ru_maxrss into a child's at exec: the bench must not report a
    large bench process (it holds every feed) as the floor of Dossier's and reader's memory."""
    bench = load_bench()
    ballast = bytearray(120 * 2**20)
    ballast[:: 4096] = b"x" * len(ballast[:: 4096])  # touch every page: 120 MB resident here
    child = "x = bytearray(40 * 2**20); x[::4096] = b'y' * len(x[::4096]); import time; time.sleep(0.2)"
    measure = bench.run_measured([sys.executable, "-c", child], {}, tmp_path / "out", tmp_path / "err")
    assert measure.returncode == 0
    assert 40 <= measure.peak_rss_mb < 100
    assert len(ballast) == 120 * 2**20


@pytest.mark.skipif(not (CORPUS / "story3" / "articles.jsonl").is_file(),
                    reason="needs ../shared/corpus (the bench reads real articles from it)")
def test_steps_repeat_from_the_same_database_and_alternate_with_another_checkout(tmp_path):
    out = tmp_path / "bench.json"
    proc = run_bench(out, "--idle-seconds", "0", "--workloads", "W1,W3", "--new", "6",
                     "--step-repeat", "2", "--compare", str(ROOT))
    assert proc.returncode == 0, proc.stderr[-3000:]
    print(proc.stdout)
    (summary,) = json.loads(out.read_text())["summaries"]
    w3 = summary["workloads"]["W3"]["dossier"]
    assert len(w3["runs_s"]) == 2  # the step twice, each from the database W1 left
    assert w3["info"]["new"] == 6
    rows = [line for line in summary["compare"].splitlines() if line.startswith("| W3 |")]
    assert len(rows) == 1 and rows[0].count(", ") >= 2  # both checkouts' two run times listed
    updates = w3["info"]["updates"]
    assert rows[0].split("|")[-2].strip() == f"{updates} / {updates}, identical"  # the same code
