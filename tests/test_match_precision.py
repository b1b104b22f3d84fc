"""Claim precision (branch `claimsprec`): evidence that another reading explains better does not
make a claim match. Invented examples only (no corpus text)."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from bot.match import Matcher, Thresholds
from bot.match.denial import denies, negates
from bot.match.scorer import NO_VERB_FACTOR
from bot.match.semantic import ClaimEmbeddings, Embedder, SemanticScorer, best_similarities
from bot.models import ClaimState, Entry, Status, TopicState


@dataclass(frozen=True)
class Claim:
    key: str
    statement: str
    aliases: tuple[str, ...] = ()
    examples: tuple[str, ...] = ()
    negatives: tuple[str, ...] = ()


@pytest.fixture(scope="module")
def embedder() -> Embedder:
    e = Embedder()
    e.load()
    return e


def test_which_wordings_deny_and_which_sentences_negate() -> None:
    assert denies("The regulator found no evidence that the dam's sensors were tampered with.")
    assert denies("Orion has offered customers no refund.")
    assert not denies("Orion's sensors were tampered with, the regulator says.")
    assert not denies("Orion has not yet put a figure on the repairs.")  # pending, not denied
    assert not denies("The No Dams for Profit campaign occupied the lobby.")  # a name
    assert negates("The regulator said it had found no evidence of tampering.")
    assert negates("Orion has yet to comment.")
    assert negates("Die Behörde fand keine Hinweise.")
    assert negates('"No sign of tampering," the inspector said.')
    assert not negates("The dam's sensors were tampered with, inspectors say.")
    assert not negates('Orion gave in, the No Dams for Profit campaign said.')  # a name mid-sentence


DENIAL = "The regulator found no evidence that the dam's sensors were tampered with."
ASSERTS = "Inspectors say the dam's sensors were tampered with before the flood."
DENIES = "The regulator said it found no evidence of tampering with the dam's sensors."


def test_a_denying_wording_counts_only_against_sentences_that_negate(embedder) -> None:
    cache = ClaimEmbeddings(embedder)
    claim = Claim("clean", DENIAL)
    asserted = best_similarities([claim], [ASSERTS], cache)[0]
    # the cosine is high (embeddings barely see negation), and it is not counted
    assert asserted.unsaid > 0.5
    assert asserted.cosine == 0.0
    denied = best_similarities([claim], [ASSERTS, DENIES], cache)[0]
    assert denied.sentence_index == 1 and denied.cosine > 0.6 and denied.unsaid == -1.0
    # a claim that asserts is read as before
    plain = best_similarities([Claim("tamper", "The dam's sensors were tampered with.")], [ASSERTS], cache)[0]
    assert plain.cosine > 0.5 and plain.unsaid == -1.0


def test_an_asserting_part_of_a_claim_still_counts(embedder) -> None:
    # "X; Y denies Z": the first clause asserts, only the denying wordings need a negation
    cache = ClaimEmbeddings(embedder)
    mixed = Claim("refund", "Orion's only gesture so far is a $20 voucher sent to hikers",
                  aliases=("it has offered hikers no refund",))
    sim = best_similarities([mixed], ["Orion sent hikers a $20 voucher as an apology."], cache)[0]
    assert sim.cosine > 0.5


TOPIC = TopicState(
    key="dam", title="The Orion dam flood",
    keywords=(("orion",), ("dam", "flood")),
    claims=(
        ClaimState("tampering", "Inspectors allege the Orion dam's sensors were tampered with before the flood.",
                   Status.ALLEGED),
        ClaimState("no-tampering", "Orion said it found no evidence that the dam's sensors were tampered with.",
                   Status.DISPUTED),
    ),
)


def entry(title: str, content: str) -> Entry:
    return Entry(identity=title, url="https://news.example/a", title=title, summary="", content=content,
                 published=None, source="Valley Courier", content_hash=title)


def test_an_article_asserting_what_a_claim_denies_does_not_match_it(embedder) -> None:
    scorer = SemanticScorer(embedder=embedder)
    matcher = Matcher((TOPIC,), Thresholds(), semantic=scorer)
    asserting = entry("Orion dam flood: sensors tampered with, inspectors say",
                      "Inspectors say the Orion dam's sensors were tampered with before the flood. "
                      "Residents downstream were evacuated on Tuesday.")
    result = matcher.match(asserting)[0]
    keys = {m.claim_key for m in result.matches}
    assert "tampering" in keys and "no-tampering" not in keys
    denial = next(s for s in result.scores if s.claim_key == "no-tampering")
    assert denial.features["cosine"] < denial.features["cosine_not_denying"]  # `why` shows it
    denying = entry("Orion finds no sign of sabotage at flooded dam",
                    "Orion said on Monday it found no evidence that the dam's sensors were tampered with. "
                    "Residents downstream were evacuated on Tuesday.")
    assert "no-tampering" in {m.claim_key for m in matcher.match(denying)[0].matches}


def test_why_names_the_cosine_a_denial_did_not_count() -> None:
    from bot.discord_bot.format.why import features_text

    text = features_text({"lexical": 30.0, "semantic": 0.0, "cosine": 0.2, "cosine_not_denying": 0.61})
    assert "cosine 0.61 not counted: the claim denies" in text


def test_lexically_a_denial_is_told_by_a_window_that_negates() -> None:
    # lexical-only: the denied term ("evidence") in a sentence that negates nothing is not the act
    matcher = Matcher((TOPIC,), Thresholds())
    asserting = entry("Orion dam flood inquiry",
                      "The evidence shows the Orion dam's sensors were tampered with, inspectors said. "
                      "Residents downstream were evacuated on Tuesday.")
    denial = next(s for s in matcher.match(asserting)[0].scores if s.claim_key == "no-tampering")
    assert denial.features["verb"] == NO_VERB_FACTOR and denial.features["denial_not_negated"] == 1.0
    denying = entry("Orion dam flood inquiry",
                    "Orion found no evidence that the dam's sensors were tampered with, it said. "
                    "Residents downstream were evacuated on Tuesday.")
    told = next(s for s in matcher.match(denying)[0].scores if s.claim_key == "no-tampering")
    assert told.features["verb"] == 1.0 and "denial_not_negated" not in told.features
    assert told.score > denial.score


def test_why_names_a_denial_whose_window_negates_nothing() -> None:
    from bot.discord_bot.format.why import features_text

    text = features_text({"coverage": 0.5, "verb": NO_VERB_FACTOR, "denial_not_negated": 1.0})
    assert f"the claim denies, its window negates nothing ×{NO_VERB_FACTOR:g}" in text
    assert "claim's action missing" in features_text({"coverage": 0.5, "verb": NO_VERB_FACTOR})


# ---- a sentence another claim states in its own words (bot/match/compete.py)

def test_a_reading_is_owned_by_a_claim_whose_words_state_the_sentence() -> None:
    from bot.match.compete import owned_readings

    points = {0: [75.0, 20.0, 5.0], 1: [10.0, 30.0, 0.0]}
    readings = [(1, 0, 0.62, (0.62, 0.41)), (2, 1, 0.5, (0.3, 0.5)), (0, 0, 0.8, (0.8, 0.2))]
    owned = owned_readings(points, readings, high=60.0, ratio=2.0)
    # claim 1 read sentence 0, which claim 0 states (75 >= 60 and 20 <= 75 / 2): its next best is 0.41
    assert [(o.claim, o.owner, o.sentence, o.fallback, o.fallback_sentence) for o in owned] == [(1, 0, 0, 0.41, 1)]
    # claim 1's own words on the sentence at more than half of claim 0's: not owned
    assert owned_readings({0: [75.0, 40.0, 5.0]}, readings[:1], high=60.0, ratio=2.0) == []
    # nobody states the sentence confidently (below `high`): not owned
    assert owned_readings({0: [55.0, 20.0, 5.0]}, readings[:1], high=60.0, ratio=2.0) == []
    # the fallback never exceeds the reading it replaces, and with one candidate there is none
    assert owned_readings(points, [(1, 0, 0.3, (0.3, 0.5))], 60.0, 2.0)[0].fallback == 0.3
    assert owned_readings(points, [(1, 0, 0.62, (0.62,))], 60.0, 2.0)[0].fallback_sentence == -1


FERRY = TopicState(
    key="ferry", title="The Orion ferry storm",
    keywords=(("orion",), ("storm", "ferry", "ferries")),
    claims=(
        ClaimState("sailings", "Orion cancelled more than 300 ferry sailings in the week after the storm.",
                   Status.CONFIRMED),
        ClaimState("losses", "The storm will cost Orion heavily; the company has not yet put a figure on its "
                   "losses.", Status.ALLEGED),
    ),
)
SAILINGS = "Orion cancelled more than 300 ferry sailings in the week after the storm, the operator said."


@dataclass(frozen=True)
class Reading:
    claim_key: str
    cosine: float
    sentence_index: int
    cosines: tuple[float, ...] = ()

    @property
    def score(self) -> float:
        return self.cosine


class FixedSemantic:
    """Cosines per claim key and candidate sentence (the model's edge, faked)."""

    def __init__(self, table: dict[str, tuple[float, float]], report_all: bool = True) -> None:
        self.table = table
        self.report_all = report_all

    def similarities(self, claims, sentences):
        out = []
        for c in claims:
            row = self.table[c.key][: len(sentences)]
            best = max(range(len(row)), key=row.__getitem__)
            out.append(Reading(c.key, row[best], best, tuple(row) if self.report_all else ()))
        return out


def test_a_sentence_that_states_another_claim_lends_this_one_no_cosine() -> None:
    article = entry("Orion ferry storm", f"{SAILINGS} Passengers queued at the terminal on Monday.")
    # candidates: the title, then the body sentence with claim terms; "losses" is close to the
    # sailings sentence (0.66) as claims of one story are, and far from the title (0.30)
    table = {"sailings": (0.35, 0.80), "losses": (0.30, 0.66)}
    result = Matcher((FERRY,), Thresholds(), semantic=FixedSemantic(table)).match(article)[0]
    losses = next(s for s in result.scores if s.claim_key == "losses")
    assert {m.claim_key for m in result.matches} == {"sailings"}
    assert losses.features["cosine_owned_by"] == "sailings"
    assert losses.features["cosine_before_owned"] == 0.66 and losses.features["cosine"] == 0.30
    # the same reading without the rule (a semantic side that reports no per-sentence cosines)
    before = Matcher((FERRY,), Thresholds(), semantic=FixedSemantic(table, report_all=False)).match(article)[0]
    assert "losses" in {m.claim_key for m in before.matches}


def test_why_names_the_claim_that_owns_the_sentence() -> None:
    from bot.discord_bot.format.why import features_text

    text = features_text({"lexical": 20.0, "semantic": 10.0, "cosine": 0.3, "cosine_owned_by": "sailings",
                          "cosine_before_owned": 0.66})
    assert "cosine 0.66 on a sentence sailings states in its own words" in text
