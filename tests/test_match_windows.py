"""WindowScorer (numpy) against the pure-Python reference scorer (tests/match_reference.py).

The reference, as Dossier used it, only scored the windows around each wording's three heaviest
sentences; WindowScorer scores every window. With the shortlist unbounded (`exhaustive` fixture)
the two must agree exactly; with the old default, WindowScorer is never lower and sometimes higher.
"""

from __future__ import annotations

import importlib.util
import random
from dataclasses import replace
from pathlib import Path

import pytest

from bot.match.matcher import Matcher, entry_sentences
from bot.match.scorer import FOREIGN_ACTOR_FACTOR, CompiledTopic, WindowScore
from bot.match.windows import WindowScorer
from bot.models import ClaimState, Entry, Status, TopicState
from tests.match_reference import score_sentences


def reference(ct: CompiledTopic, sets: list[frozenset[str]]) -> list[WindowScore | None]:
    return score_sentences(ct, sets, floor=0.0, top_sentences=TOP["n"])

_spec = importlib.util.spec_from_file_location("bench_speed", Path(__file__).parents[1] / "bench" / "speed.py")
assert _spec is not None and _spec.loader is not None
speed = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(speed)

DEFAULT_TOP_SENTENCES = 3
TOP = {"n": DEFAULT_TOP_SENTENCES}

ORION = TopicState(
    key="orion-port",
    title="Orion Cloud and the Port Authority camera contract",
    keywords=(("orion", "dana reyes"), ("port authority", "harbour")),
    claims=(
        ClaimState("audit", "Orion's audit of how the Port Authority uses its servers is ongoing.", Status.ONGOING,
                   aliases=("The Port Authority server audit by Orion continues.",)),
        ClaimState("storage", "The harbour camera footage was stored on Orion servers in Norway, up to 3,000 "
                   "terabytes of video.", Status.ALLEGED,
                   aliases=("Orion kept 3,000 TB of harbour video in Norwegian data centres.",)),
        ClaimState("firings", "Orion fired four engineers who protested the harbour camera contract in Norway.",
                   Status.CONFIRMED, aliases=("Orion dismissed four engineers after their protest.",)),
        ClaimState("suspension", "Orion suspended the Port Authority's video analytics subscriptions.",
                   Status.CONFIRMED),
        ClaimState("empty", "It is ongoing.", Status.ONGOING),  # no content term: no variant at all
    ),
)
LUMEN = TopicState(
    key="lumen-deal", title="Lumen Systems harbour deal",
    keywords=(("lumen",), ("harbour", "port authority")),
    claims=(ClaimState("deal", "Lumen Systems signed a harbour analytics deal with the Port Authority.",
                       Status.CONFIRMED),),
)
FRAGMENTS = (
    "Orion fired four engineers", "who protested the harbour camera contract", "in Norway",
    "Google fired four engineers", "Lumen Systems suspended its analytics subscriptions",
    "the Port Authority said its audit of the servers is ongoing", "harbour camera footage was stored",
    "up to 3,000 terabytes of video", "Orion's servers in Norway", "Amazon stored the video",
    "Dana Reyes declined to comment", "the weather was quiet", "engineers protested again",
    "Orion suspended the Port Authority's video analytics subscriptions", "a data centre in Norway",
)


@pytest.fixture
def exhaustive(monkeypatch: pytest.MonkeyPatch) -> None:
    """The reference scores the windows around every sentence, not only the heaviest three."""
    monkeypatch.setitem(TOP, "n", 10**9)


def load_entry(i: int, text: str, title: str = "") -> Entry:
    return Entry(identity=f"e{i}", url=None, title=title, summary="", content=text, published=None,
                 source="Test Wire", content_hash=f"h{i}")


def invented_entries(n: int, seed: int) -> list[Entry]:
    rng = random.Random(seed)
    out = []
    for i in range(n):
        sentences = [" ".join(rng.sample(FRAGMENTS, rng.randint(1, 3))).capitalize() + "."
                     for _ in range(rng.randint(1, 9))]
        out.append(load_entry(i, " ".join(sentences[1:]), title=sentences[0]))
    return out


def with_aliases(claims: tuple[ClaimState, ...], rng: random.Random) -> tuple[ClaimState, ...]:
    """Synthetic claims, one in three with an alias (a second wording: several variants per claim)."""
    return tuple(ClaimState(c.key, c.statement, c.status, aliases=(f"{speed._phrase(rng)}.",))
                 if i % 3 == 0 else c for i, c in enumerate(claims))


def assert_same(got: list[WindowScore | None], ref: list[WindowScore | None]) -> int:
    """Claim by claim: same None-ness, same score; same features when the window is the same."""
    assert len(got) == len(ref)
    same_window = 0
    for ci, (g, r) in enumerate(zip(got, ref, strict=True)):
        assert (g is None) == (r is None), ci
        if g is None or r is None:
            continue
        assert g.exact and r.exact
        assert g.score == pytest.approx(r.score, abs=1e-9), (ci, g, r)
        if (g.start, g.size) == (r.start, r.size):
            same_window += 1
            assert g.coverage == pytest.approx(r.coverage, abs=1e-9)
            assert (g.hits, g.distinctive) == (r.hits, r.distinctive), (ci, g, r)
            assert (g.actor, g.anchor, g.verb) == (r.actor, r.anchor, r.verb), (ci, g, r)
    return same_window


def cases() -> list[tuple[Matcher, list[Entry]]]:
    out = [(Matcher([ORION, LUMEN]), invented_entries(150, seed=1))]
    synthetic = [speed.make_entry(i, random.Random(100 + i)) for i in range(60)]
    for n in (10, 100):
        claims = speed.make_claims(n, random.Random(7 + n))
        out.append((Matcher([speed.topic_with(claims)]), synthetic))
        out.append((Matcher([speed.topic_with(with_aliases(claims, random.Random(n)))]), synthetic))
    return out


def test_equivalent_to_the_reference_on_every_claim(exhaustive: None) -> None:
    compared = same_window = 0
    for m, entries in cases():
        for ct in m.compiled:
            ws = WindowScorer(ct)
            for e in entries:
                sets = m.reader.sentence_sets(entry_sentences(e)[0])
                ref = reference(ct, sets)
                same_window += assert_same(ws.best(sets), ref)
                compared += sum(r is not None for r in ref)
    assert compared > 10_000
    assert same_window > 0.99 * compared  # windows differ only on exact ties


def test_never_below_the_default_reference_which_shortlists_sentences() -> None:
    higher = 0
    for m, entries in cases():
        for ct in m.compiled:
            ws = WindowScorer(ct)
            for e in entries:
                sets = m.reader.sentence_sets(entry_sentences(e)[0])
                for g, r in zip(ws.best(sets), reference(ct, sets), strict=True):
                    assert (g is None) == (r is None)
                    if g is not None and r is not None:
                        assert g.score >= r.score - 1e-9
                        higher += g.score > r.score + 1e-9
    assert higher > 0  # TOP_SENTENCES misses a better window now and then (see the next test)


def firing_topic() -> tuple[Matcher, CompiledTopic, int]:
    m = Matcher([ORION, LUMEN])
    ct = m.compiled[0]
    return m, ct, next(i for i, c in enumerate(ct.claims) if c.key == "firings")


def test_penalised_heavy_sentences_do_not_hide_a_clean_one(exhaustive: None,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    m, ct, firings = firing_topic()
    heavy = "Lumen fired four engineers who protested the harbour camera contract."
    sentences = [heavy, "Markets were quiet.", heavy, "Markets were quiet.", heavy, "Markets were quiet.",
                 "Orion fired four engineers in Norway."]
    sets = m.reader.sentence_sets(sentences)
    got = WindowScorer(ct).best(sets)[firings]
    assert got is not None and (got.start, got.size, got.actor) == (6, 1, 1.0)
    assert_same(WindowScorer(ct).best(sets), reference(ct, sets))
    # the default shortlist: only the windows of the three heavy (foreign) sentences are scored
    monkeypatch.setitem(TOP, "n", DEFAULT_TOP_SENTENCES)
    shortlisted = reference(ct, sets)[firings]
    assert shortlisted is not None and shortlisted.start != 6 and shortlisted.score < got.score


def test_pair_counts_shared_terms_once(exhaustive: None) -> None:
    m, ct, firings = firing_topic()
    # both sentences have "Orion" and "engineers": the pair has every term of the claim once
    sets = m.reader.sentence_sets(["Orion fired four engineers.",
                                   "Orion engineers protested the harbour camera contract in Norway."])
    got = WindowScorer(ct).best(sets)
    win = got[firings]
    assert win is not None and (win.start, win.size) == (0, 2)
    v = ct.variants[win.variant]
    assert win.hits == len(v.terms)
    assert win.coverage == pytest.approx(1.0, abs=1e-12)
    assert_same(got, reference(ct, sets))


def test_pair_whose_second_sentence_adds_nothing_keeps_the_single_sentence(exhaustive: None) -> None:
    m, ct, firings = firing_topic()
    sets = m.reader.sentence_sets(["Orion fired four engineers who protested the harbour camera contract.",
                                   "Orion engineers."])
    got = WindowScorer(ct).best(sets)
    win = got[firings]
    assert win is not None and (win.start, win.size) == (0, 1)
    assert_same(got, reference(ct, sets))


def test_foreign_actor_in_the_acting_sentence_of_a_pair_is_penalised(exhaustive: None) -> None:
    # the claim's statement alone (its alias acts with another verb, "dismissed")
    claims = tuple(replace(c, aliases=()) if c.key == "firings" else c for c in ORION.claims)
    m = Matcher([replace(ORION, claims=claims), LUMEN])
    ct = m.compiled[0]
    firings = next(i for i, c in enumerate(ct.claims) if c.key == "firings")
    ws = WindowScorer(ct)
    # Lumen (another topic's company) carries the act ("fired"): the pair is Lumen's story, not Orion's
    theirs = m.reader.sentence_sets(["Lumen fired four engineers.", "They protested the harbour contract."])
    # Lumen only appears in the sentence without the act: the pair is not penalised
    ours = m.reader.sentence_sets(["Managers fired four engineers.", "Lumen staff protested the harbour contract."])
    win_theirs, win_ours = ws.best(theirs)[firings], ws.best(ours)[firings]
    # the penalised pair scores below the second sentence alone, or is the best window, penalised
    assert win_theirs is not None
    assert win_theirs.actor == FOREIGN_ACTOR_FACTOR if win_theirs.size == 2 else win_theirs.start == 1
    assert win_ours is not None and win_ours.size == 2 and win_ours.actor == 1.0
    assert win_theirs.score < win_ours.score
    assert_same(ws.best(theirs), reference(ct, theirs))
    assert_same(ws.best(ours), reference(ct, ours))


def test_empty_entry_and_unrelated_text_give_no_window() -> None:
    m, ct, _ = firing_topic()
    ws = WindowScorer(ct)
    assert ws.best([]) == [None] * len(ct.claims)
    unrelated = m.reader.sentence_sets(["The weather was mild.", "Markets were quiet."])
    assert ws.best(unrelated) == [None] * len(ct.claims)


def test_claim_with_no_term_hit_is_none(exhaustive: None) -> None:
    m, ct, firings = firing_topic()
    sets = m.reader.sentence_sets(["Managers fired four engineers who protested."])
    got = WindowScorer(ct).best(sets)
    keys = [c.key for c in ct.claims]
    assert got[firings] is not None
    assert got[keys.index("empty")] is None  # no wording with content terms
    assert got[keys.index("audit")] is None  # "Orion", "audit", "servers"...: none in the text
    assert_same(got, reference(ct, sets))


def test_window_products_run_on_one_blas_thread():
    """Matching keeps to one core: BLAS threads would compete with the event loop under load."""
    from threadpoolctl import threadpool_info

    import bot.match.windows  # noqa: F401  (the limit is set when window scoring is imported)

    blas = [pool for pool in threadpool_info() if pool["user_api"] == "blas"]
    assert blas, "numpy's BLAS was not found"
    assert all(pool["num_threads"] == 1 for pool in blas), blas
