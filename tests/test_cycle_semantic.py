"""The poll cycle with the semantic scorer on: the model loads only when a cycle queues an
article (a cycle of 304s never reads it), what loading writes is written then, a model that
cannot load still means lexical-only said once, and the queue is matched beside the fetching
with the same results. Real model, real SQLite, a local feed server."""

from __future__ import annotations

import logging
import shutil
import sys
from pathlib import Path

import pytest

from bot.match import Thresholds, semantic
from bot.match.semantic import Embedder, SemanticScorer
from bot.pipeline import Pipeline
from bot.service.browse import SEMANTIC_STATUS_KEY
from bot.startup import SEMANTIC_WEIGHTS_KEY, note_semantic
from storage import articles, outcomes, wording_vectors
from storage.db import Database
from storage.delivery import get_meta
from tests.real_command import acme_config, run_twice
from tests.test_pipeline import CONCLUDED, TOPIC, UNRELATED, rss, setup

ROOT = Path(__file__).resolve().parents[1]
LAZY = "on (loaded when an entry needs it)"


@pytest.fixture(scope="module")
def model() -> Embedder:
    e = Embedder()
    e.load()
    return e


class Watched(Embedder):
    """The shared model's directory, loaded afresh, with every load and embedded text noted."""

    def __init__(self, model: Embedder) -> None:
        super().__init__(Path(model.source or ""))
        self.loads = 0
        self.embedded: list[str] = []

    def load(self):  # type: ignore[no-untyped-def]
        if self._model is None:
            self.loads += 1
        return super().load()

    def encode(self, texts, **kwargs):  # type: ignore[no-untyped-def]
        self.embedded.extend(texts)
        return super().encode(texts, **kwargs)


def pipe(db: Database, fetcher, scorer: SemanticScorer | None = None, **kwargs) -> Pipeline:  # type: ignore[no-untyped-def]
    return Pipeline(db, fetcher, thresholds=Thresholds(), guard=False, semantic=scorer, **kwargs)


# ---------------------------------------------------------------- loading only when needed


async def test_a_cycle_with_nothing_new_never_loads_the_model(db, server, fetcher, model):
    server.route("/a", body=rss(CONCLUDED, UNRELATED), etag='"a1"')
    await setup(db, server, "/a")
    await pipe(db, fetcher).run_cycle(force=True)  # the entries are stored (lexical-only)

    watched = Watched(model)
    scorer = SemanticScorer(embedder=watched)
    await note_semantic(db, scorer)
    report = await pipe(db, fetcher, scorer).run_cycle(force=True)
    assert report.not_modified == 1 and report.new_articles == 0
    assert watched.loads == 0 and not scorer.loaded
    assert await get_meta(db, SEMANTIC_STATUS_KEY) == LAZY


async def test_the_first_queued_article_loads_it_and_what_loading_writes_is_written(
        db, server, fetcher, model):
    server.route("/a", body=rss(CONCLUDED), etag='"a1"')
    await setup(db, server, "/a")
    first = Watched(model)
    scorer = SemanticScorer(embedder=first)
    await note_semantic(db, scorer)
    report = await pipe(db, fetcher, scorer).run_cycle(force=True)
    assert report.new_articles == 1 and report.outbox_ids
    assert first.loads == 1 and scorer.loaded
    assert await get_meta(db, SEMANTIC_STATUS_KEY) == "on"
    assert await get_meta(db, SEMANTIC_WEIGHTS_KEY)  # the verified sha256, for the next start
    stored = await wording_vectors.load(db, first.model_key)
    assert {c.statement for c in TOPIC.claims} <= set(stored)
    evaluation = await db.fetchone("SELECT detail FROM evaluations WHERE relevant = 1")
    assert evaluation is not None and '"cosine"' in evaluation[0]  # scored with the model

    # the next start: loaded at its first new article, with the stored wordings read first
    second = Watched(model)
    again = SemanticScorer(embedder=second)
    await note_semantic(db, again)
    server.route("/a", body=rss(CONCLUDED, ("g-9", "https://news.example/9", CONCLUDED[2] + " again",
                                            CONCLUDED[3])), etag='"a2"')
    await pipe(db, fetcher, again).run_cycle(force=True)
    assert second.loads == 1 and second.embedded
    assert not set(second.embedded) & set(stored), "no stored wording is embedded again"


async def test_a_missing_model_is_said_at_start_once(db, server, fetcher, monkeypatch, caplog):
    monkeypatch.setattr(semantic, "PACKAGE", "no_such_model_package_here")
    monkeypatch.delenv(semantic.MODEL_ENV, raising=False)
    caplog.set_level(logging.INFO, logger="bot.match.semantic")
    scorer = SemanticScorer()
    await note_semantic(db, scorer)
    status = await get_meta(db, SEMANTIC_STATUS_KEY)
    assert status is not None and status.startswith("unavailable, lexical-only: ")
    server.route("/a", body=rss(CONCLUDED), etag='"a1"')
    await setup(db, server, "/a")
    report = await pipe(db, fetcher, scorer).run_cycle(force=True)
    assert report.outbox_ids  # matched lexical-only
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1 and "not installed" in warnings[0].getMessage()
    assert await get_meta(db, SEMANTIC_STATUS_KEY) == status


async def test_a_model_that_fails_to_load_is_said_once_when_first_needed(
        db, server, fetcher, model, tmp_path, caplog):
    broken = tmp_path / "broken"
    broken.mkdir()
    for name in ("config.json", "vocab.txt"):
        shutil.copy(Path(model.source or "") / name, broken / name)
    (broken / "model.safetensors").write_bytes(b"\x10\x00\x00\x00\x00\x00\x00\x00{not json}")
    caplog.set_level(logging.INFO, logger="bot.match.semantic")
    scorer = SemanticScorer(embedder=Embedder(broken))
    await note_semantic(db, scorer)
    assert await get_meta(db, SEMANTIC_STATUS_KEY) == LAZY  # the files are there
    server.route("/a", body=rss(CONCLUDED), etag='"a1"')
    await setup(db, server, "/a")
    report = await pipe(db, fetcher, scorer).run_cycle(force=True)
    assert report.outbox_ids  # matched lexical-only
    status = await get_meta(db, SEMANTIC_STATUS_KEY)
    assert status is not None and status.startswith("unavailable, lexical-only: ")
    assert "cannot read the model" in status
    server.route("/a", body=rss(CONCLUDED, UNRELATED), etag='"a2"')
    await pipe(db, fetcher, scorer).run_cycle(force=True)
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1 and "lexical-only" in warnings[0].getMessage()
    assert (await db.fetchone("SELECT count(*) FROM wording_vectors"))[0] == 0


async def test_the_real_command_on_a_cycle_of_304s_does_not_load_the_model(tmp_path, server):
    """`dossier run --once` twice: the first finds an entry and loads the model, the second
    (every feed 304) neither loads it nor says so."""
    server.route("/a", body=rss(CONCLUDED), etag='"a1"')
    config = acme_config(tmp_path, server.url("/a"))
    logs = await run_twice(config, tmp_path / "d.db", semantic="on")
    assert "semantic scorer on: all-MiniLM-L6-v2" in logs[0] and "1 new" in logs[0]
    assert "1 not modified" in logs[1]
    assert "semantic scorer" not in logs[1]
    async with await Database.open(tmp_path / "d.db") as db:
        assert await get_meta(db, SEMANTIC_STATUS_KEY) == LAZY


# ---------------------------------------------------------------- matching beside the fetching


def story() -> list[bytes]:
    """Six feeds: the review concluded, said again, and unrelated news, in turns."""
    again = ("g-9", "https://news.example/acme-again", "Acme's widget review is over",
             "Acme has concluded its safety review of the exploding widgets, it said again.")
    recall = ("g-7", "https://news.example/acme-units", "Acme widens widget recall",
              "Acme recalled up to 55,000 widgets sold in Canada, up from 40,000.")
    picks = [(CONCLUDED, UNRELATED), (again,), (recall, UNRELATED), (UNRELATED,), (again, recall),
             (CONCLUDED,)]
    return [rss(*items, title=f"W{n}") for n, items in enumerate(picks)]


async def test_matching_beside_the_fetching_changes_nothing(tmp_path, server, fetcher, model,
                                                          monkeypatch):
    for n, body in enumerate(story()):
        server.route(f"/f{n}", body=body)
    segments: list[int] = []
    real = Pipeline.process_pending

    async def counting(self, report=None, among=None):  # type: ignore[no-untyped-def]
        if among is not None:
            segments.append(len(among))
        return await real(self, report, among)

    monkeypatch.setattr(Pipeline, "process_pending", counting)
    outputs = []
    scorer = SemanticScorer(embedder=Watched(model))
    for batch, segment in ((50, 50), (1, 1), (2, 3)):
        segments.clear()
        async with await Database.open(tmp_path / f"b{batch}-{segment}.db") as db:
            await setup(db, server, *(f"/f{n}" for n in range(6)))
            await pipe(db, fetcher, scorer, batch_feeds=batch, match_segment=segment).run_cycle(force=True)
            outputs.append((
                [(r[0], r[1]) for r in await db.fetchall("SELECT kind, payload FROM outbox ORDER BY id")],
                await db.fetchall("SELECT a.identity, e.topic_id, e.relevant, e.detail FROM evaluations e "
                                  "JOIN articles a ON a.id = e.article_id ORDER BY a.identity"),
            ))
            assert not await articles.pending_articles(db, limit=10, max_attempts=3)
        if (batch, segment) == (1, 1):
            # one segment per batch that queued something new: matched while the next is fetched
            assert segments == [2, 1, 1]
    assert outputs[0][0] and outputs[0] == outputs[1] == outputs[2]


async def test_an_article_still_waiting_to_be_matched_is_matched_before_a_batch_touches_it(
        db, server, fetcher, monkeypatch):
    """The same entry revised in a later batch (a syndicated copy with other text): the first
    version is matched and recorded before the second is stored, as when the batches ran one
    after the other, whatever the matching beside it had reached."""
    revised = (CONCLUDED[0], CONCLUDED[1], CONCLUDED[2],
               CONCLUDED[3] + " Regulators said they would look at the findings.")
    server.route("/f0", body=rss(CONCLUDED, title="W0"))
    server.route("/f1", body=rss(UNRELATED, title="W1"))
    server.route("/f2", body=rss(revised, title="W2"))
    await setup(db, server, "/f0", "/f1", "/f2")
    waiting_when_stored: list[int] = []
    real_store = articles.store_feeds

    async def store(database, feeds, polls=()):  # type: ignore[no-untyped-def]
        identities = {e.identity for _, entries in feeds for e in entries}
        queued = await database.fetchall(
            "SELECT a.identity FROM pending_articles p JOIN articles a ON a.id = p.article_id")
        waiting_when_stored.extend(1 for r in queued if r[0] in identities)
        return await real_store(database, feeds, polls)

    monkeypatch.setattr(articles, "store_feeds", store)
    report = await pipe(db, fetcher, batch_feeds=1, match_segment=50).run_cycle(force=True)
    assert report.new_articles == 2 and report.revised_articles == 1
    assert waiting_when_stored == []
    recorded = await db.fetchall("SELECT e.content_hash FROM evaluations e JOIN articles a "
                                 "ON a.id = e.article_id WHERE a.identity = ?",
                                 (CONCLUDED[0],))
    assert len(recorded) >= 1
    kinds = [r[0] for r in await db.fetchall("SELECT kind FROM outbox ORDER BY id")]
    assert "article_revised" in kinds  # the revision is compared with the version matched first


async def test_a_failure_in_the_matching_lane_fails_the_cycle_and_keeps_the_queue(
        db, server, fetcher, monkeypatch):
    for n, body in enumerate(story()):
        server.route(f"/f{n}", body=body)
    await setup(db, server, *(f"/f{n}" for n in range(6)))

    async def broken(*_args, **_kwargs):  # type: ignore[no-untyped-def]
        raise RuntimeError("disk full")

    monkeypatch.setattr(outcomes, "record_many", broken)
    with pytest.raises(RuntimeError, match="disk full"):
        await pipe(db, fetcher, batch_feeds=1, match_segment=1).run_cycle(force=True)
    assert await articles.pending_articles(db, limit=50, max_attempts=3)  # nothing lost
    monkeypatch.undo()
    await pipe(db, fetcher).run_cycle(force=True)
    assert not await articles.pending_articles(db, limit=50, max_attempts=3)



def test_console_start_up_does_not_import_the_page_extractor():
    """trafilatura (~70 ms of every start) is imported when a page is first read, not before."""
    import subprocess

    code = ("import sys, bot.cli, bot.runner, bot.pipeline, bot.enrich; "
            "sys.exit('trafilatura' in sys.modules)")
    assert subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=False).returncode == 0


async def test_a_stop_while_waiting_for_the_lane_leaves_the_touching_batch_unstored(
        db, server, fetcher, monkeypatch):
    """A stop that comes while a batch waits for the lane to match an article it touches: the
    lane stops without matching it, so the batch is not stored (its feed is fetched again next
    time) rather than overwriting the version still queued."""
    revised = (CONCLUDED[0], CONCLUDED[1], CONCLUDED[2],
               CONCLUDED[3] + " Regulators said they would look at the findings.")
    server.route("/f0", body=rss(CONCLUDED, title="W0"), etag='"a"')
    server.route("/f1", body=rss(revised, title="W1"), etag='"b"')
    await setup(db, server, "/f0", "/f1")
    stopping = pipe(db, fetcher, batch_feeds=1, match_segment=50)
    real = Pipeline.process_pending

    async def stop_first(self, report=None, among=None):  # type: ignore[no-untyped-def]
        if among is not None:
            self.stop.set()  # a SIGTERM as the lane starts
        return await real(self, report, among)

    monkeypatch.setattr(Pipeline, "process_pending", stop_first)
    report = await stopping.run_cycle(force=True)
    assert report.new_articles == 1 and report.revised_articles == 0
    queued = await articles.pending_articles(db, limit=10, max_attempts=3)
    assert len(queued) == 1 and "Regulators" not in queued[0].entry.body  # the first version waits
    assert (await db.fetchone("SELECT etag FROM feeds WHERE url = ?", (server.url("/f1"),)))[0] is None
    monkeypatch.undo()
    report = await pipe(db, fetcher, batch_feeds=1).run_cycle(force=True)
    assert report.revised_articles == 1
    kinds = [r[0] for r in await db.fetchall("SELECT kind FROM outbox ORDER BY id")]
    assert "article_revised" in kinds
