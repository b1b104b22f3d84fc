"""What the semantic scorer keeps across restarts: the verified weights' sha256 (while the file is
unchanged) and the claim wordings' embeddings (storage/wording_vectors.py). Real model, real
SQLite, a real poll cycle."""

from __future__ import annotations

import json
import logging
import os
import time
from pathlib import Path

import numpy as np
import pytest

from bot.config import Config, parse_config
from bot.match import Thresholds, semantic
from bot.match.semantic import Embedder, SemanticScorer
from bot.pipeline import Pipeline
from bot.settings import load_settings
from bot.startup import SEMANTIC_WEIGHTS_KEY, semantic_scorer, start_semantic
from storage import wording_vectors
from storage.delivery import get_meta
from tests.test_pipeline import CONCLUDED, TOPIC, rss, setup


class Counting(Embedder):
    """The shared model, with every text it embeds written down."""

    def __init__(self, model: Embedder) -> None:
        super().__init__(Path(model.source or ""))
        self.embedded: list[str] = []

    def encode(self, texts, **kwargs):  # type: ignore[no-untyped-def]
        self.embedded.extend(texts)
        return super().encode(texts, **kwargs)


def scorer(model: Embedder) -> tuple[SemanticScorer, Counting]:
    counting = Counting(model)
    return SemanticScorer(embedder=counting), counting


# ---------------------------------------------------------------- the weights' checksum


def test_an_unchanged_weights_file_is_not_hashed_again(embedder, tmp_path, monkeypatch):
    stamp = embedder.weights_stamp
    assert stamp is not None and json.loads(stamp)["sha256"] == semantic.KNOWN_WEIGHTS_SHA256
    local = tmp_path / "minilm"  # another directory: loaded afresh, the same (symlinked) weights
    local.mkdir()
    for name in ("config.json", "vocab.txt", "model.safetensors"):
        (local / name).symlink_to(Path(embedder.source or "") / name)

    def no_hashing(_path: Path) -> str:
        raise AssertionError("a remembered, unchanged file must not be hashed")

    monkeypatch.setattr(semantic, "sha256_of", no_hashing)
    again = Embedder(local)
    again.verified = stamp
    again.load()
    assert again.weights_sha256 == semantic.KNOWN_WEIGHTS_SHA256


def test_a_changed_file_or_a_damaged_stamp_is_hashed_again(tmp_path):
    weights = tmp_path / "model.safetensors"
    weights.write_bytes(b"x" * 64)
    old = os.stat(weights).st_mtime_ns - 10_000_000_000
    os.utime(weights, ns=(old, old))
    stamp = json.dumps({**semantic.file_stamp(weights), "sha256": "a" * 64})
    assert semantic.remembered_sha256(weights, stamp) == "a" * 64
    for damaged in (None, "", "{not json", json.dumps({"sha256": "a" * 64}), json.dumps([1]),
                    json.dumps({**semantic.file_stamp(weights), "sha256": "short"})):
        assert semantic.remembered_sha256(weights, damaged) is None
    weights.write_bytes(b"y" * 64)  # the same size, rewritten
    os.utime(weights, ns=(old, old))  # even with its old mtime put back: ctime moved
    assert semantic.remembered_sha256(weights, stamp) is None


async def test_start_remembers_the_verified_weights(db, tmp_path):
    settings, config = load_settings({}, dotenv=False), parse_config({}, tmp_path / "feeds.yaml")
    first = semantic_scorer(settings, config)
    await start_semantic(db, first)
    stamp = await get_meta(db, SEMANTIC_WEIGHTS_KEY)
    assert stamp is not None and json.loads(stamp)["sha256"] == semantic.KNOWN_WEIGHTS_SHA256
    second = semantic_scorer(settings, config)
    await start_semantic(db, second)
    assert second.embedder.verified == stamp and second.status == "on"


# ---------------------------------------------------------------- claim wordings across restarts


CLAIMS = [
    type("Claim", (), {"key": "review", "statement": "Acme's safety review of the widgets is ongoing.",
                       "aliases": ("Acme is still reviewing widget safety",), "examples": (),
                       "negatives": ()})(),
]


async def test_a_restart_reads_claim_embeddings_instead_of_computing_them(db, embedder):
    first, counting = scorer(embedder)
    await start_semantic(db, first)
    sims = first.similarities(CLAIMS, ["Acme finished its widget safety review."])
    wordings = {CLAIMS[0].statement, *CLAIMS[0].aliases}
    assert wordings <= set(counting.embedded)
    await wording_vectors.store(db, first.embedder.model_key, first.fresh_wordings())
    assert first.fresh_wordings() == {}  # taken once

    second, counting = scorer(embedder)
    await start_semantic(db, second)
    again = second.similarities(CLAIMS, ["Acme finished its widget safety review."])
    assert counting.embedded == ["Acme finished its widget safety review."]  # the sentence only
    assert again is not None and sims is not None
    assert again[0].cosine == pytest.approx(sims[0].cosine, abs=1e-6)


async def test_an_edited_wording_is_embedded_the_rest_is_read(db, embedder):
    first, _ = scorer(embedder)
    await start_semantic(db, first)
    first.similarities(CLAIMS, ["x"])
    await wording_vectors.store(db, first.embedder.model_key, first.fresh_wordings())
    edited = type("Claim", (), {**vars(type(CLAIMS[0])), "statement": "Acme ended its safety review."})()
    second, counting = scorer(embedder)
    await start_semantic(db, second)
    second.similarities([edited], ["x"])
    assert sorted(counting.embedded) == sorted(["x", "Acme ended its safety review."])


async def test_another_model_finds_nothing_and_old_rows_go(db):
    vector = np.zeros(384, dtype="<f4")
    vector[0] = 1.0
    await wording_vectors.store(db, "old-weights:128:384", {"a claim": vector.tobytes()})
    assert await wording_vectors.load(db, "new-weights:128:384") == {}
    assert await wording_vectors.load(db, "old-weights:128:384") == {}  # deleted with the switch


async def test_damaged_rows_are_skipped_and_computed_again(db, embedder, caplog):
    first, _ = scorer(embedder)
    await start_semantic(db, first)
    key = first.embedder.model_key
    good = embedder.encode(["fine wording"])[0].astype("<f4").tobytes()
    nan = np.full(384, np.nan, dtype="<f4").tobytes()
    long = np.zeros(384, dtype="<f4").tobytes()  # finite, but not a unit vector
    await wording_vectors.store(db, key, {"fine wording": good, "short row": b"\x00" * 10,
                                          "nan row": nan, "zero row": long})
    second, counting = scorer(embedder)
    caplog.set_level(logging.WARNING, logger="bot.startup")
    await start_semantic(db, second)
    assert "3 stored wording embeddings were damaged" in caplog.text
    second.claims.get(["fine wording", "short row", "nan row", "zero row"])
    assert sorted(counting.embedded) == ["nan row", "short row", "zero row"]
    repaired = second.fresh_wordings()
    await wording_vectors.store(db, key, repaired)
    assert len((await wording_vectors.load(db, key))["nan row"]) == 4 * 384


async def test_the_cycle_stores_new_wordings_and_a_restart_embeds_none(db, server, fetcher, embedder):
    server.route("/a", body=rss(CONCLUDED), etag='"a1"')
    await setup(db, server, "/a")
    first, counting = scorer(embedder)
    await start_semantic(db, first)
    await Pipeline(db, fetcher, thresholds=Thresholds(), guard=False, semantic=first).run_cycle(force=True)
    claim_texts = {c.statement for c in TOPIC.claims}
    assert claim_texts <= set(counting.embedded)
    stored = await wording_vectors.load(db, first.embedder.model_key)
    assert claim_texts <= set(stored)

    second, counting = scorer(embedder)
    await start_semantic(db, second)
    server.route("/a", body=rss(CONCLUDED, ("g-9", "https://news.example/9", CONCLUDED[2] + " again",
                                            CONCLUDED[3])), etag='"a2"')
    await Pipeline(db, fetcher, thresholds=Thresholds(), guard=False, semantic=second).run_cycle(force=True)
    assert counting.embedded, "the new entry's sentences are embedded"
    assert not set(counting.embedded) & set(stored), "no stored wording is embedded again"


async def test_lexical_only_fallback_stores_nothing(db, server, fetcher, monkeypatch, tmp_path):
    server.route("/a", body=rss(CONCLUDED), etag='"a1"')
    await setup(db, server, "/a")
    monkeypatch.setattr(semantic, "PACKAGE", "no_such_model_package_here")
    monkeypatch.delenv(semantic.MODEL_ENV, raising=False)
    off = semantic_scorer(load_settings({}, dotenv=False), Config(path=None, feeds=(), topics=()))
    await start_semantic(db, off)
    report = await Pipeline(db, fetcher, thresholds=Thresholds(), guard=False, semantic=off).run_cycle(force=True)
    assert report.new_articles == 1 and report.outbox_ids  # matched lexical-only
    assert (await db.fetchone("SELECT count(*) FROM wording_vectors"))[0] == 0


def test_a_just_written_weights_file_is_not_remembered(embedder, tmp_path):
    local = tmp_path / "fresh"
    local.mkdir()
    source = Path(embedder.source or "")
    for name in ("config.json", "vocab.txt"):
        (local / name).symlink_to(source / name)
    weights = local / "model.safetensors"
    weights.write_bytes((source / "model.safetensors").read_bytes())
    # "a moment ago" whatever the load costs: hashing 91 MB under load can outlast RACY_NS,
    # so the file's times are put a minute ahead of the clock rather than relied on being fresh
    ahead = time.time_ns() + 60_000_000_000
    os.utime(weights, ns=(ahead, ahead))
    fresh = Embedder(local)
    fresh.load()
    assert fresh.weights_sha256 == semantic.KNOWN_WEIGHTS_SHA256
    assert fresh.weights_stamp is None  # written a moment ago: hashed again next time


async def test_the_table_keeps_a_bounded_number_of_rows_per_model(db):
    vector = np.zeros(384, dtype="<f4")
    vector[0] = 1.0
    blob = vector.tobytes()
    await wording_vectors.store(db, "m", {f"wording {i}": blob for i in range(5)}, keep=3)
    await wording_vectors.store(db, "m", {}, keep=3)  # nothing new: no transaction at all
    assert len(await wording_vectors.load(db, "m")) == 3
    assert len(await wording_vectors.load(db, "m", limit=2)) == 2
