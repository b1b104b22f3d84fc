"""The one claim score from lexical and semantic evidence (bot/match/combine.py), with a fake
semantic side at the model's edge: it reports given cosines and records what it was asked."""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence

import pytest

from bot.match import Matcher, Thresholds
from bot.match.combine import (
    CANDIDATES,
    COS_FLOOR,
    COS_FULL,
    LEXICAL_WEIGHT,
    candidates,
    combined,
    semantic_points,
    term_evidence,
)
from bot.match.scorer import claim_terms, denial_head, without_dates
from bot.models import ClaimState, Entry, Status, TopicState
from tests.semantic_standin import Sim

TOPIC = TopicState(
    key="orion-port", title="Orion and the Port Authority",
    keywords=(("orion",), ("harbour", "port authority")),
    claims=(
        ClaimState("suit", "Dockworkers may go to court to seek damages from Orion over the harbour cameras.",
                   Status.ALLEGED),
        ClaimState("audit", "Orion's audit of the harbour camera contract is ongoing.", Status.ONGOING),
    ),
)
TH = Thresholds()


class FakeSemantic:
    """Cosine per (claim key, sentence substring); records every call."""

    def __init__(self, table: dict[tuple[str, str], float]) -> None:
        self.table = table
        self.calls: list[list[str]] = []

    def similarities(self, claims: Iterable[object], sentences: Sequence[str]) -> list[Sim]:
        self.calls.append(list(sentences))
        out = []
        for c in claims:
            key = str(c.key)
            best = max(((self.table.get((key, s[:20]), 0.0), i) for i, s in enumerate(sentences)),
                       default=(0.0, -1))
            out.append(Sim(key, best[0], best[1]))
        return out


def entry(title: str, content: str) -> Entry:
    return Entry(identity=title, url="https://news.example/a", title=title, summary="", content=content,
                 published=None, source="Harbour Gazette", content_hash=title)


SUED = "Orion was sued by harbour staff on Friday."


def test_points_and_mean() -> None:
    assert semantic_points(COS_FLOOR) == 0.0 and semantic_points(-1.0) == 0.0
    assert semantic_points(COS_FULL) == 100.0 and semantic_points(0.99) == 100.0
    assert semantic_points((COS_FLOOR + COS_FULL) / 2) == pytest.approx(50.0)
    assert combined(70.0, None) == 70.0  # lexical-only: the lexical score, unchanged
    assert combined(50.0, COS_FULL) == pytest.approx(LEXICAL_WEIGHT * 50 + (1 - LEXICAL_WEIGHT) * 100)


def test_candidates_are_the_title_and_the_sentences_with_most_lexical_evidence() -> None:
    evidence = [0.0, 3.0, 0.0, 1.0, *[0.5] * 20, 9.0]
    got = candidates(evidence, n_title=1)
    assert got[0] == 0 and len(got) == 1 + CANDIDATES
    assert 24 in got and 1 in got and 3 in got and 2 not in got  # no claim term: never a candidate
    assert got[1:] == sorted(got[1:])


def test_a_paraphrase_matches_with_strong_semantic_evidence_and_why_shows_both_parts() -> None:
    e = entry("Lawsuit", SUED)
    lexical = Matcher([TOPIC], TH).match(e)[0]
    fake = FakeSemantic({("suit", SUED[:20]): 0.72})
    both = Matcher([TOPIC], TH, semantic=fake).match(e)[0]
    suit = {m.claim_key: m for m in both.scores}["suit"]
    lex_suit = {m.claim_key: m for m in lexical.scores}.get("suit")
    assert lex_suit is None or lex_suit.score < TH.low  # the words differ: lexical alone misses it
    assert "suit" in {m.claim_key for m in both.matches}
    f = suit.features
    assert f["cosine"] == 0.72 and f["semantic"] == 100.0 and "lexical" in f
    assert suit.score == combined(float(f["lexical"]), 0.72)
    assert SUED in suit.evidence and both.claim_windows["suit"]


def test_topic_closeness_alone_does_not_match() -> None:
    e = entry("Lawsuit", SUED)
    fake = FakeSemantic({("suit", SUED[:20]): 0.45, ("audit", SUED[:20]): 0.45})
    result = Matcher([TOPIC], TH, semantic=fake).match(e)[0]
    assert result.matches == ()


def test_only_gated_entries_and_only_candidate_sentences_are_embedded() -> None:
    fake = FakeSemantic({})
    m = Matcher([TOPIC], TH, semantic=fake)
    m.match(entry("Weather", "It rained on the harbour all week."))  # fails the gate: no Orion
    assert fake.calls == []
    long = " ".join(f"Orion harbour note {i} about cameras." for i in range(30))
    m.match(entry("Orion notes", long))
    assert len(fake.calls) == 1 and 1 <= len(fake.calls[0]) <= 1 + CANDIDATES


def test_semantic_side_off_or_unavailable_is_lexical_only() -> None:
    class Off:
        def similarities(self, claims: Iterable[object], sentences: Sequence[str]) -> None:
            return None

    e = entry("Orion audit", "Orion's audit of the harbour camera contract is ongoing, it said.")
    lexical = Matcher([TOPIC], TH).match(e)[0]
    off = Matcher([TOPIC], TH, semantic=Off()).match(e)[0]
    assert [(m.claim_key, m.score) for m in off.scores] == [(m.claim_key, m.score) for m in lexical.scores]


def test_a_claims_wordings_are_its_statement_aliases_and_clauses_not_examples() -> None:
    from bot.match.scorer import wordings

    claim = ClaimState("f", "Orion fired four engineers; the union says it will appeal the firings.",
                       Status.CONFIRMED, aliases=("Orion sacked four engineers",),
                       examples=("Four engineers were let go by Orion after the harbour protest.",))
    got = wordings(claim)
    assert got[:2] == [claim.statement, claim.aliases[0]]
    assert claim.examples[0] not in got  # learnt examples count on the semantic side, as near-paraphrases
    assert "Orion fired four engineers" in got and "the union says it will appeal the firings" in got
    plain = ClaimState("p", "Orion fired four engineers.", Status.CONFIRMED)
    assert wordings(plain) == ["Orion fired four engineers."]  # one fact: no clause wordings


def test_the_semantic_side_reads_statement_aliases_clauses_examples_and_negatives() -> None:
    """Examples go to the semantic side as examples, not aliases: there they count only for
    near-paraphrases (semantic.EXAMPLE_SAME; tests/test_learning.py)."""
    claim = ClaimState("f", "Orion fired four engineers; the union says it will appeal the firings.",
                       Status.CONFIRMED, aliases=("Orion sacked four engineers",),
                       examples=("Four engineers were let go by Orion after the harbour protest.",),
                       negatives=("Orion hired four engineers for the harbour.",))
    topic = TopicState(key="o", title="Orion", keywords=(("orion",),), claims=(claim,))
    fake = FakeSemantic({})
    seen: list[object] = []
    original = fake.similarities

    def spy(claims: Iterable[object], sentences: Sequence[str]) -> list[Sim]:
        claims = list(claims)
        seen.extend(claims)
        return original(claims, sentences)

    fake.similarities = spy  # type: ignore[method-assign]
    Matcher([topic], TH, semantic=fake).match(entry("Orion", "Orion fired four engineers on Monday."))
    (w,) = seen
    assert w.statement == claim.statement and "Orion sacked four engineers" in w.aliases  # type: ignore[attr-defined]
    assert "Orion fired four engineers" in w.aliases  # a clause  # type: ignore[attr-defined]
    assert w.examples == claim.examples and claim.examples[0] not in w.aliases  # type: ignore[attr-defined]
    assert w.negatives == claim.negatives  # type: ignore[attr-defined]


class FakeBatching(FakeSemantic):
    """Also answers `similarities_many`, as bot.match.semantic.SemanticScorer does."""

    def __init__(self, table: dict[tuple[str, str], float]) -> None:
        super().__init__(table)
        self.batches: list[int] = []

    def similarities_many(self, items: Sequence[tuple[Iterable[object], Sequence[str]]]) -> list[list[Sim]]:
        self.batches.append(len(items))
        return [self.similarities(claims, sentences) for claims, sentences in items]


def test_match_many_embeds_a_cycles_gated_entries_in_one_call_with_the_same_results() -> None:
    entries = [entry("Lawsuit", SUED), entry("Weather", "It rained on the harbour all week."),
               entry("Orion audit", "Orion's audit of the harbour camera contract is ongoing, it said.")]
    table = {("suit", SUED[:20]): 0.72}
    batching = FakeBatching(table)
    many = Matcher([TOPIC], TH, semantic=batching).match_many(entries)
    assert batching.batches == [2]  # two gated entries, one call; the weather entry is not embedded
    one_by_one = Matcher([TOPIC], TH, semantic=FakeSemantic(table))
    assert many == [one_by_one.match(e) for e in entries]


def test_match_many_batches_at_most_batch_entries_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    from bot.match import matcher as matcher_module

    monkeypatch.setattr(matcher_module, "BATCH_ENTRIES", 2)
    batching = FakeBatching({})
    entries = [entry(f"Orion {i}", f"Orion's harbour audit number {i} is ongoing.") for i in range(5)]
    results = Matcher([TOPIC], TH, semantic=batching).match_many(entries)
    assert len(results) == 5 and batching.batches == [2, 2, 1]


def test_entries_failing_the_gate_can_skip_scoring() -> None:
    weather = entry("Weather", "It rained on the harbour all week.")
    skipped = Matcher([TOPIC], TH).match(weather, score_failed=False)[0]
    assert not skipped.scored and skipped.scores == () and not skipped.relevant
    scored = Matcher([TOPIC], TH).match(weather)[0]
    assert scored.scored and not scored.gate.passed


# ------------------------------------------------- claim wordings without dates and figures


class DiceSemantic:
    """A stand-in for sentence embeddings: the "cosine" of a wording and a sentence is the Dice
    overlap of their content terms, best over the claim's wordings (statement and aliases, as
    the matcher hands them over). Enough to show which wordings the semantic side is given."""

    def similarities(self, claims: Iterable[object], sentences: Sequence[str]) -> list[Sim]:
        out = []
        for c in claims:
            texts = (str(getattr(c, "statement", "")), *getattr(c, "aliases", ()))
            best = (0.0, -1)
            for i, s in enumerate(sentences):
                st = set(claim_terms(s))
                for t in texts:
                    wt = set(claim_terms(t))
                    if wt and st:
                        best = max(best, (2 * len(wt & st) / (len(wt) + len(st)), i))
            out.append(Sim(str(c.key), best[0], best[1]))
        return out


def test_without_dates_drops_a_date_but_not_figures_nor_may_the_verb() -> None:
    assert (without_dates("Brakes failed on 40,000 Vela scooters sold by Orion on March 3, 2024")
            == "Brakes failed on 40,000 Vela scooters sold by Orion on")
    assert (without_dates("Orion recalled the Vela scooters on Friday 19 July 2024, citing brakes")
            == "Orion recalled the Vela scooters on citing brakes")
    assert (without_dates("Orion recalled the scooters on July 18, 2024; regulators say brakes failed")
            == "Orion recalled the scooters on; regulators say brakes failed")  # the clause break stays
    assert (without_dates("Orion recalled the Vela scooters on May 3, 2024 after brake failures")
            == "Orion recalled the Vela scooters on after brake failures")
    assert without_dates("Regulators may fine Orion $2 million over 19 scooters") == ""  # no date
    assert without_dates("A 2009 agreement obliges Orion to share the harbour") == ""  # a year alone: a name
    assert without_dates("Orion paid on 3 May 2024") == ""  # too little left


def test_a_background_mention_without_the_claims_date_is_closer_to_its_bare_wording() -> None:
    claim = ClaimState("brakes", "Brakes failed on Vela scooters sold by Orion in March 2024 across the harbour.",
                       Status.CONFIRMED)
    topic = TopicState(key="orion-vela", title="Orion's Vela scooters", keywords=(("orion",),),
                       claims=(claim,))
    bare = without_dates(claim.statement)
    assert bare and "2024" not in bare
    m = Matcher([topic], TH, semantic=DiceSemantic())
    assert bare in m.claim_wordings[0][0].aliases  # the semantic side is given the bare wording
    background = "Orion, whose Vela scooters failed with brake faults, opened a harbour depot."
    got = {s.claim_key: s for s in m.match(entry("Depot", background))[0].scores}["brakes"]
    terms = set(claim_terms(background))
    dice = [2 * len(set(claim_terms(w)) & terms) / (len(set(claim_terms(w))) + len(terms))
            for w in (claim.statement, bare)]
    assert dice[1] > dice[0]
    assert got.features["cosine"] == pytest.approx(dice[1], abs=1e-3)


# ------------------------------------------------- a claim that denies something, semantically

DENIAL = "Orion said its audit found no evidence that the harbour cameras recorded dockworkers."


def test_denial_head_cuts_a_denial_after_what_it_denies_and_leaves_other_wordings() -> None:
    assert denial_head(DENIAL) == "Orion said its audit found no evidence"
    assert (denial_head("Orion says no harbour camera footage was shared with the port.")
            == "Orion says no harbour camera footage")  # the rest of the denied phrase
    for text in ("Orion has not yet put a figure on the harbour losses.",  # pending, not denied
                 "The camera fault was a defect, not a cyberattack on the harbour.",  # contrast
                 "Dockworkers joined the No Cameras for Harbours campaign against Orion."):  # a name
        assert denial_head(text) == text


def test_a_sentence_asserting_what_a_claim_denies_is_not_its_semantic_evidence() -> None:
    topic = TopicState(key="orion-audit", title="Orion's harbour audit", keywords=(("orion",),),
                       claims=(ClaimState("no-evidence", DENIAL, Status.CONFIRMED),))
    m = Matcher([topic], TH, semantic=DiceSemantic())
    assert m.claim_wordings[0][0].statement == denial_head(DENIAL)
    asserting = "Orion harbour cameras recorded dockworkers for months, union files show."
    denying = "Orion said on Monday its audit found no evidence of wrongdoing."
    cos = {s: {x.claim_key: x for x in m.match(entry("Orion", s))[0].scores}["no-evidence"].features["cosine"]
           for s in (asserting, denying)}
    assert cos[denying] > cos[asserting]
    # the whole statement would have been closer to the assertion than to the denial
    whole = set(claim_terms(DENIAL))
    dice = {s: 2 * len(whole & set(claim_terms(s))) / (len(whole) + len(set(claim_terms(s))))
            for s in (asserting, denying)}
    assert dice[asserting] > dice[denying]


# ------------------------------------------------- candidates do not depend on the hash seed

def test_term_evidence_is_the_same_in_every_order_a_term_set_may_iterate_in() -> None:
    # float addition is not associative: a plain sum of these three weights gives 0.0 or 1.0
    # depending on order, and a set's order changes with PYTHONHASHSEED
    weight = {"harbour": 1e16, "cameras": 1.0, "audit": -1e16}
    sums = {term_evidence(weight, order) for order in itertools.permutations(weight)}
    assert sums == {1.0}
    assert term_evidence(weight, ["unknown"]) == 0.0
