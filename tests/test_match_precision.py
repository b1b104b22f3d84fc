"""Claim precision (branch `claimsprec`): evidence that another reading explains better does not
make a claim match. Invented examples only (no corpus text)."""

from __future__ import annotations

from bot.match import Matcher, Thresholds
from bot.match.denial import denies, negates
from bot.match.scorer import NO_VERB_FACTOR
from bot.match.semantic import ClaimEmbeddings, SemanticScorer, best_similarities
from bot.models import ClaimState, Entry, Status, TopicState
from tests.claim_standin import Claim


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
