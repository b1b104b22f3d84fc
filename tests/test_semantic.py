"""The semantic runtime: the real all-MiniLM-L6-v2 from its PyPI package, run with numpy.

The model is loaded once per session (a session fixture and the process-wide cache), so
these tests cost about a second in all.
"""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

import numpy as np
import pytest

from bot.config import ConfigError, parse_config
from bot.match import semantic
from bot.match.semantic import (
    ClaimEmbeddings,
    Embedder,
    ModelUnavailableError,
    SemanticScorer,
    best_similarities,
    scorer_for,
)
from bot.service import browse
from bot.settings import SettingsError, load_settings
from bot.startup import semantic_scorer, start_semantic
from tests.claim_standin import Claim


def test_the_package_weights_are_the_published_ones(embedder):
    assert embedder.weights_sha256 == semantic.KNOWN_WEIGHTS_SHA256
    assert embedder.dim == 384


def test_tokens_and_embedding_match_sentence_transformers(embedder):
    """Golden values from sentence-transformers 6.3 (torch) on the same weights, see docs/decisions.md."""
    model = embedder.load()
    text = "The regulator fined the company 5 million euros."
    assert model.tokenizer.encode(text) == [101, 1996, 21618, 16981, 1996, 2194, 1019, 2454, 19329, 1012, 102]
    accented = "Café déjà-vu: naïve résumé (2024)!"
    assert model.tokenizer.encode(accented) == [
        101, 7668, 2139, 3900, 1011, 24728, 1024, 15743, 13746, 1006, 16798, 2549, 1007, 999, 102]
    vectors = embedder.encode([text, accented])
    assert np.allclose(vectors[0, :8], [0.026684, 0.057934, 0.006921, 0.020617, 0.059365, -0.004789,
                                        0.017409, -0.001057], atol=2e-6)
    assert np.allclose(vectors[1, :8], [-0.091982, -0.003521, 0.06484, 0.020363, 0.0495, 0.046747,
                                        -0.055688, -0.058136], atol=2e-6)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


def test_long_text_is_truncated_like_the_reference(embedder):
    model = embedder.load()
    ids = model.tokenizer.encode("word " * 400)
    assert len(ids) == semantic.MAX_TOKENS and ids[0] == 101 and ids[-1] == 102
    assert embedder.encode(["word " * 400]).shape == (1, 384)
    # Dossier embeds at most EMBED_TOKENS pieces: a longer text equals its first EMBED_TOKENS
    assert model.max_tokens == semantic.EMBED_TOKENS < semantic.MAX_TOKENS
    long, cut = embedder.encode(["word " * 400, "word " * (semantic.EMBED_TOKENS - 2)])
    assert np.allclose(long, cut, atol=1e-6)


def test_gelu_is_the_exact_erf_gelu_to_float32_round_off():
    """BERT's `gelu` is the erf form; the tanh approximation would be off by up to ~1e-3."""
    import math

    xs = np.linspace(-12.0, 12.0, 48_001)
    exact = np.array([0.5 * v * (1.0 + math.erf(v / math.sqrt(2.0))) for v in xs])
    got = semantic._gelu_(xs.astype(np.float32))
    assert got.dtype == np.float32
    assert np.abs(got - exact).max() < 2e-6
    assert np.abs(got - exact)[xs < 0].max() < 2e-6  # the odd half (sign of erf) too


def test_batching_and_order_do_not_change_embeddings(embedder):
    texts = ["Short one.", "A considerably longer sentence about a court ruling on a settlement.",
             "Mid-length sentence here.", ""]
    together = embedder.encode(texts)
    alone = np.stack([embedder.encode([t])[0] for t in texts])
    assert np.allclose(together, alone, atol=1e-5)
    assert embedder.encode([]).shape == (0, 384)


def test_paraphrases_are_closer_than_unrelated_sentences(embedder):
    claim, paraphrase, unrelated = embedder.encode([
        "The company agreed to pay a fine to settle the lawsuit.",
        "The firm settled the case by paying a penalty.",
        "Heavy rain is expected across the north on Sunday.",
    ])
    assert float(claim @ paraphrase) > 0.55
    assert float(claim @ paraphrase) > float(claim @ unrelated) + 0.3


def test_best_similarities_picks_the_claims_sentence(embedder):
    claims = [Claim("fine", "Regulators fined the bank over money laundering failures."),
              Claim("ceo", "The chief executive resigned.", aliases=("the CEO stepped down",))]
    sentences = ["Shares rose 3% in early trading.", "The bank's boss quit on Monday.",
                 "The watchdog imposed a penalty on the lender for anti-money-laundering lapses."]
    cache = ClaimEmbeddings(embedder)
    fine, ceo = best_similarities(claims, sentences, cache)
    assert (fine.claim_key, fine.sentence_index) == ("fine", 2)
    assert (ceo.claim_key, ceo.sentence_index) == ("ceo", 1)
    assert fine.cosine > 0.5 and ceo.cosine > 0.5
    assert fine.score == fine.cosine  # no negatives learnt


def test_claim_cache_reembeds_an_edited_claim_only(embedder):
    cache = ClaimEmbeddings(embedder)
    claim = Claim("c", "The factory closed.")
    best_similarities([claim], ["The plant shut down."], cache)
    assert len(cache) == 1
    before = cache.get(["The factory closed."]).copy()
    edited = Claim("c", "The factory reopened.")
    after = best_similarities([edited], ["The plant shut down."], cache)[0]
    assert len(cache) == 2  # the new wording was embedded; the old one is reused if it returns
    assert np.array_equal(cache.get(["The factory closed."]), before)
    assert after.cosine < best_similarities([claim], ["The plant shut down."], cache)[0].cosine


def test_examples_count_as_wordings_and_negatives_cancel_what_they_match(embedder):
    cache = ClaimEmbeddings(embedder)
    sentence = ["The union called off the strike after a pay deal."]
    plain = Claim("deal", "Workers accepted the employer's wage offer.")
    taught = Claim("deal", plain.statement, examples=("The union called off the strike after a pay deal.",))
    assert best_similarities([taught], sentence, cache)[0].cosine > best_similarities([plain], sentence, cache)[0].cosine
    assert best_similarities([taught], sentence, cache)[0].cosine == pytest.approx(1.0, abs=1e-5)
    told_off = Claim("deal", plain.statement, negatives=("The union called off the strike after a pay deal.",))
    sim = best_similarities([told_off], sentence, cache)[0]
    assert sim.negative == pytest.approx(1.0, abs=1e-5) and sim.score == 0.0
    far = Claim("deal", plain.statement, negatives=("Heavy snow closed the airport.",))
    assert best_similarities([far], sentence, cache)[0].score == pytest.approx(
        best_similarities([plain], sentence, cache)[0].cosine)


def _model_copy(embedder: Embedder, target: Path) -> Path:
    source = Path(embedder.source or "")
    target.mkdir()
    for name in ("config.json", "vocab.txt", "model.safetensors"):
        (target / name).symlink_to(source / name)
    return target


def test_loads_from_a_local_directory(embedder, tmp_path, monkeypatch):
    local = _model_copy(embedder, tmp_path / "minilm")
    direct = Embedder(local)
    assert np.allclose(direct.encode(["a dossier"]), embedder.encode(["a dossier"]), atol=1e-6)
    assert direct.source == str(local)
    monkeypatch.setenv(semantic.MODEL_ENV, str(local))
    assert semantic.default_model_dir() == local
    from_env = Embedder()
    from_env.encode(["x"])
    assert from_env.source == str(local)
    assert load_settings({"DOSSIER_SEMANTIC_MODEL": str(local)}, dotenv=False).semantic_model == local


def test_a_directory_without_the_weights_fails_with_the_reason(tmp_path):
    (tmp_path / "config.json").write_text("{}")
    with pytest.raises(ModelUnavailableError, match=r"model\.safetensors is missing"):
        Embedder(tmp_path).load()


def test_a_corrupt_model_file_fails_cleanly(embedder, tmp_path):
    local = tmp_path / "broken"
    local.mkdir()
    source = Path(embedder.source or "")
    for name in ("config.json", "vocab.txt"):
        shutil.copy(source / name, local / name)
    (local / "model.safetensors").write_bytes(b"\x10\x00\x00\x00\x00\x00\x00\x00{not json}")
    with pytest.raises(ModelUnavailableError, match="cannot read the model"):
        Embedder(local).load()


def test_missing_model_means_lexical_only_and_one_log_line(tmp_path, caplog, monkeypatch):
    monkeypatch.setattr(semantic, "PACKAGE", "no_such_model_package_here")
    monkeypatch.delenv(semantic.MODEL_ENV, raising=False)
    scorer = SemanticScorer()
    caplog.set_level(logging.INFO, logger="bot.match.semantic")
    assert scorer.similarities([Claim("c", "x")], ["y"]) is None
    assert scorer.available() is False
    assert scorer.similarities([Claim("c", "x")], ["y"]) is None
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert "lexical-only" in warnings[0].getMessage()
    assert "not installed" in warnings[0].getMessage()
    assert scorer.status.startswith("unavailable, lexical-only: ")


def test_off_by_setting_never_loads(monkeypatch):
    def fail(*_args, **_kwargs):
        raise AssertionError("the model must not load when the scorer is off")

    monkeypatch.setattr(semantic, "_load", fail)
    for setting, config in ((False, None), (True, False), (False, True)):
        scorer = scorer_for(setting=setting, config=config)
        assert scorer.similarities([Claim("c", "x")], ["y"]) is None
        assert scorer.status == "off (setting)"
    assert scorer_for(setting=True, config=None).enabled
    assert scorer_for(setting=True, config=True).enabled


def test_dossier_semantic_setting():
    assert load_settings({}, dotenv=False).semantic is True
    assert load_settings({"DOSSIER_SEMANTIC": "off"}, dotenv=False).semantic is False
    assert load_settings({"DOSSIER_SEMANTIC": " ON "}, dotenv=False).semantic is True
    assert load_settings({"DOSSIER_SEMANTIC": "0"}, dotenv=False).semantic is False
    with pytest.raises(SettingsError, match="DOSSIER_SEMANTIC must be on or off"):
        load_settings({"DOSSIER_SEMANTIC": "maybe"}, dotenv=False)


def test_feeds_yaml_matching_key(tmp_path):
    path = tmp_path / "feeds.yaml"
    assert parse_config({"feeds": [], "topics": []}, path).matching.semantic is None
    assert parse_config({"matching": {"semantic": False}}, path).matching.semantic is False  # YAML `off`
    assert parse_config({"matching": {"semantic": "off"}}, path).matching.semantic is False
    assert parse_config({"matching": {"semantic": "on"}}, path).matching.semantic is True
    with pytest.raises(ConfigError, match=r"matching\.semantic: must be on or off"):
        parse_config({"matching": {"semantic": "sometimes"}}, path)
    with pytest.raises(ConfigError, match="matching: unknown field 'semantics'"):
        parse_config({"matching": {"semantics": False}}, path)
    with pytest.raises(ConfigError, match="matching: must be a mapping"):
        parse_config({"matching": "off"}, path)


async def test_feed_health_says_whether_semantic_matching_runs(db, tmp_path, monkeypatch):
    settings = load_settings({"DOSSIER_SEMANTIC": "off"}, dotenv=False)
    config = parse_config({}, tmp_path / "feeds.yaml")
    assert (await browse.feed_health(db, 1)).semantic is None
    await start_semantic(db, semantic_scorer(settings, config))
    assert (await browse.feed_health(db, 1)).semantic == "off (setting)"

    monkeypatch.setattr(semantic, "PACKAGE", "no_such_model_package_here")
    monkeypatch.delenv(semantic.MODEL_ENV, raising=False)
    on = load_settings({}, dotenv=False)
    await start_semantic(db, semantic_scorer(on, config))
    assert (await browse.feed_health(db, 1)).semantic.startswith("unavailable, lexical-only")

    monkeypatch.undo()
    await start_semantic(db, semantic_scorer(on, config))
    assert (await browse.feed_health(db, 1)).semantic == "on"


def test_feeds_answer_shows_the_semantic_status():
    from bot.discord_bot.format import health_pages

    report = browse.HealthReport(feeds=[], broken_channels=[],
                                 semantic="unavailable, lexical-only: model.safetensors is missing")
    text = health_pages(report)[0].to_dict().get("description", "")
    assert "Semantic matching: unavailable, lexical-only: model.safetensors is missing" in text
    assert "Semantic matching" not in health_pages(browse.HealthReport([], []))[0].to_dict().get("description", "")


def test_the_scorer_caches_claim_wordings_and_sentences(embedder):
    scorer = SemanticScorer(embedder=embedder)
    calls: list[int] = []
    real = embedder.encode

    def counting(texts, **kwargs):
        calls.append(len(texts))
        return real(texts, **kwargs)

    embedder.encode = counting  # type: ignore[method-assign]
    try:
        claims = [Claim("recall", "The carmaker recalled 40,000 vehicles.")]
        first = scorer.similarities(claims, ["Forty thousand cars were called back.", "Sunny weather."])
        again = scorer.similarities(claims, ["Forty thousand cars were called back.", "Sunny weather."])
    finally:
        del embedder.encode
    assert first == again and first is not None and first[0].sentence_index == 0
    assert calls == [2, 1]  # the sentences once, the claim once; nothing the second time
    assert scorer.status == "on"


def test_concurrent_first_use_loads_the_model_once(embedder, tmp_path, monkeypatch):
    from concurrent.futures import ThreadPoolExecutor

    local = _model_copy(embedder, tmp_path / "shared")
    built: list[Path] = []
    real = semantic.MiniLM

    def counting(model_dir: Path) -> semantic.MiniLM:
        built.append(model_dir)
        return real(model_dir)

    monkeypatch.setattr(semantic, "MiniLM", counting)
    shared = Embedder(local)
    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(lambda t: shared.encode([t]), ["one", "two", "one", "two"]))
    assert built == [local]
    assert np.array_equal(results[0], results[2]) and np.array_equal(results[1], results[3])


def test_many_entries_at_once_equal_one_by_one(embedder):
    scorer = SemanticScorer(embedder=embedder)
    claims = [Claim("recall", "The carmaker recalled 40,000 vehicles."),
              Claim("fine", "Regulators fined the carmaker.", negatives=("The carmaker was fined in 2012.",))]
    items = [(claims, ["Forty thousand cars were called back.", "It rained."]),
             (claims[1:], ["A penalty was imposed on the car company."]),
             (claims, [])]
    many = scorer.similarities_many(items)
    assert many is not None and len(many) == 3
    for (cs, sentences), got in zip(items, many, strict=True):
        one = SemanticScorer(embedder=embedder).similarities(cs, sentences)
        assert [s.claim_key for s in got] == [s.claim_key for s in one]
        assert np.allclose([s.cosine for s in got], [s.cosine for s in one], atol=1e-5)
        assert [s.sentence_index for s in got] == [s.sentence_index for s in one]
    assert many[2][0].sentence_index == -1 and many[2][0].cosine == 0.0
    assert scorer_for(setting=False, config=None).similarities_many(items) is None


def test_learnt_examples_count_for_near_paraphrases_only(embedder):
    """Examples are news sentences on the story's subject: close to much of the story, so they
    vouch (or, negative, veto) only where the sentence says the same thing (EXAMPLE_SAME)."""
    cache = ClaimEmbeddings(embedder)
    statement = "Workers accepted the employer's wage offer."
    sentence = ["The union called off the strike after a pay deal."]
    plain = best_similarities([Claim("deal", statement)], sentence, cache)[0]
    paraphrase = "Union members called off their strike following a wage agreement."  # cosine ~0.90
    on_topic = "The union said the strike would go on next week."  # cosine ~0.70: same subject only
    taught = best_similarities([Claim("deal", statement, examples=(paraphrase,))], sentence, cache)[0]
    assert taught.cosine > plain.cosine and taught.cosine >= semantic.EXAMPLE_SAME
    loose = best_similarities([Claim("deal", statement, examples=(on_topic,))], sentence, cache)[0]
    assert loose.cosine == pytest.approx(plain.cosine)
    vetoed = best_similarities([Claim("deal", statement, negatives=(paraphrase,))], sentence, cache)[0]
    assert vetoed.score == 0.0
    kept = best_similarities([Claim("deal", statement, negatives=(on_topic,))], sentence, cache)[0]
    assert kept.negative > kept.cosine and kept.score == pytest.approx(plain.cosine)
