"""Two forward threads in `Embedder.encode` (bot/match/semantic.py): the same vectors, bit for bit.

The second thread runs only while a core is idle (`spare_core`), so which path a cycle takes
depends on the machine's load at that moment; the results must not.
"""

from __future__ import annotations

import random
import threading
from pathlib import Path

import numpy as np
import pytest

from bot.match import semantic
from bot.match.semantic import Embedder
from bot.settings import SettingsError, load_settings

WORDS = ("court ruling settlement regulator fined company million euros outage update airline "
         "flights cancelled contract cloud military protest employees review found evidence "
         "the a of to and in on for with by said was has been will").split()


def _sentences(seed: int, count: int) -> list[str]:
    rng = random.Random(seed)
    return [" ".join(rng.choice(WORDS) for _ in range(rng.randint(3, 60))).capitalize() + "."
            for _ in range(count)]


@pytest.fixture
def two_threads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Force the two-thread path (as if a core were idle) and record which threads ran forwards."""
    monkeypatch.setattr(semantic, "spare_core", lambda: True)
    seen: list[str] = []
    forward = semantic.MiniLM.forward

    def recording(self, tokens):  # type: ignore[no-untyped-def]
        seen.append(threading.current_thread().name)
        return forward(self, tokens)

    monkeypatch.setattr(semantic.MiniLM, "forward", recording)
    return seen


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_two_threads_give_the_same_bits_as_one(embedder, two_threads, seed):
    texts = _sentences(seed, 90)  # ~3,000 word pieces: several batches of PACK_PIECES
    assert len(semantic.pack([embedder.load().tokenizer.encode(t, embedder.load().max_tokens)
                              for t in texts])) > 2
    embedder.threads = 1
    try:
        serial = embedder.encode(texts)
        assert set(two_threads) == {threading.current_thread().name}
        two_threads.clear()
        embedder.threads = 2
        shared = embedder.encode(texts)
    finally:
        embedder.threads = semantic.EMBED_THREADS
    assert any(name.startswith("embed") for name in two_threads), "the helper thread never ran"
    assert shared.dtype == serial.dtype and np.array_equal(shared, serial)


def test_one_thread_by_default_one_batch_or_no_spare_core_stay_on_the_calling_thread(
        embedder, two_threads, monkeypatch):
    assert Embedder().threads == 1 == semantic.EMBED_THREADS  # the default: DOSSIER_EMBED_THREADS=1
    seen = two_threads  # a core is idle (the fixture), but:
    embedder.encode(_sentences(7, 90))  # threads = 1: never a second one
    monkeypatch.setattr(embedder, "threads", 2)
    embedder.encode(_sentences(5, 2))  # one batch
    monkeypatch.setattr(semantic, "spare_core", lambda: False)
    embedder.encode(_sentences(4, 90))  # no idle core
    assert set(seen) == {threading.current_thread().name}


def test_a_failing_batch_fails_the_encode(embedder, two_threads, monkeypatch):
    monkeypatch.setattr(embedder, "threads", 2)
    forward = semantic.MiniLM.forward
    calls = iter(range(1000))

    def failing(self, tokens):  # type: ignore[no-untyped-def]
        if next(calls) == 2:
            raise MemoryError("batch 2")
        return forward(self, tokens)

    monkeypatch.setattr(semantic.MiniLM, "forward", failing)
    texts = _sentences(6, 120)
    batches = len(semantic.pack([embedder.load().tokenizer.encode(t, embedder.load().max_tokens) for t in texts]))
    with pytest.raises(MemoryError, match="batch 2"):
        embedder.encode(texts)
    # after the failure the other thread finishes at most the batch it is on, and takes no other
    assert next(calls) <= 4 < batches


@pytest.mark.parametrize(("line", "cores", "spare"), [
    ("0.50 0.40 0.30 1/120 999\n", {0, 1}, True),  # only the asking thread runs
    ("1.90 1.40 1.30 2/120 999\n", {0, 1}, False),  # another task holds the other core
    ("3.10 2.00 1.00 5/120 999\n", {0, 1, 2, 3}, False),
    ("3.10 2.00 1.00 3/120 999\n", {0, 1, 2, 3}, True),
    ("0.10 0.10 0.10 1/120 999\n", {0}, False),  # one core: never
    ("garbage\n", {0, 1}, False),
])
def test_spare_core_reads_the_runnable_count(tmp_path: Path, monkeypatch, line, cores, spare):
    loadavg = tmp_path / "loadavg"
    loadavg.write_text(line)
    monkeypatch.setattr(semantic.os, "sched_getaffinity", lambda pid: cores, raising=False)
    assert semantic.spare_core(loadavg) is spare
    assert semantic.spare_core(tmp_path / "missing") is False


def test_the_setting_reaches_the_scorer(tmp_path: Path):
    from bot.config import parse_config
    from bot.startup import semantic_scorer

    config = parse_config({"feeds": [], "topics": []}, tmp_path / "feeds.yaml")
    assert load_settings({}, dotenv=False).embed_threads == 1
    settings = load_settings({"DOSSIER_EMBED_THREADS": "2"}, dotenv=False)
    assert settings.embed_threads == 2
    assert semantic_scorer(settings, config).embedder.threads == 2
    assert semantic_scorer(load_settings({}, dotenv=False), config).embedder.threads == 1
    for bad in ("0", "3", "two", "-1"):
        with pytest.raises(SettingsError, match="DOSSIER_EMBED_THREADS"):
            load_settings({"DOSSIER_EMBED_THREADS": bad}, dotenv=False)
