"""How a claim is read does not depend on how the admin wrote it (branch phrasing,
docs/decisions.md "Robustness to how claims are written"); invented examples only."""

from __future__ import annotations

from bot.match import Matcher, Thresholds
from bot.match.scorer import NORM_TERMS, SIZE_EXPONENT, main_verb, negated_term, wording_norm
from bot.models import ClaimState, Entry, Status, TopicState

TH = Thresholds(low=40.0, high=60.0)


def test_the_act_is_found_in_active_and_passive_voice():
    assert main_verb("The regulator fined the Port of Northwick 2 million euros.") == "fine"
    assert main_verb("The Port of Northwick was fined 2 million euros by the regulator.") == "fine"
    assert main_verb("Two million euros in fines have been imposed on the port.") == "impose"


def test_a_relative_clause_verb_is_not_the_act():
    # "who protested" / "whose ... lagged" / "that sank" describe a noun; the act comes after
    assert main_verb("Dockers who protested the tolls were dismissed by the port.") == "dismiss"
    assert main_verb("The ferry line, whose recovery lagged behind, cancelled 300 sailings.") == "cancel"
    assert main_verb("Divers raised the barge that sank near the pier.") == "raise"


def test_a_participle_describing_a_noun_is_not_the_act():
    # after a determiner, a preposition or a possessive: an adjective
    assert main_verb("Up to 9,000 litres of leaked oil reached the beach.") == "reach"
    assert main_verb("Its stated aim was to reopen the pier.") is None
    # a hyphenated word is no verb
    assert main_verb("The Leeds-based operator cancelled 40 sailings.") == "cancel"
    # a reduced relative ("an audit published on Monday") gives way to the main verb
    assert main_verb("An audit published on Monday by the council revealed that the pumps leaked.") == "reveal"
    # ... but is still the act when there is no other
    assert main_verb("The audit, published on Monday, is ongoing.") == "publish"


def test_a_contrast_or_a_side_clause_denies_nothing():
    # "X and not Y" asserts X, as ", not Y" does
    assert negated_term("The leak was a valve defect and not sabotage.") is None
    assert negated_term("The leak was a valve defect but not a new one.") is None
    # a negation in a concessive side clause qualifies the claim
    assert negated_term("The port closed the pier, while saying the closure does not affect ferries.") is None
    assert main_verb("The port closed the pier, while saying the closure does not affect ferries.") == "close"
    # a denial in the claim's own clause, or after a semicolon, still is one
    assert negated_term("The audit found no evidence of sabotage.") == "evidence"
    assert negated_term("The port paid 10 euros; it has offered passengers no compensation.") == "compensation"


def test_the_normaliser_counts_a_wordings_heaviest_terms_only():
    short = [1.0] * NORM_TERMS
    assert wording_norm(short) == sum(short) ** SIZE_EXPONENT
    # extra light terms beyond the cap do not make the wording harder to reach
    assert wording_norm([*short, 0.5, 0.5, 0.5]) == wording_norm(short)
    # the heaviest terms are the ones counted, whatever their order
    assert wording_norm([0.25] * 5 + [1.5] * NORM_TERMS) == (1.5 * NORM_TERMS) ** SIZE_EXPONENT
    assert wording_norm([]) == 1.0


STATEMENT_SHORT = "The regulator fined the Port of Northwick 2 million euros for dumping sludge."
STATEMENT_LONG = (
    "In a decision published on March 3 after a two-year inquiry by the maritime environment agency, the "
    "regulator fined the Port of Northwick 2 million euros for dumping dredged sludge from its container "
    "terminal into the estuary, citing repeated breaches of its discharge permit, damage to oyster beds "
    "and seagrass meadows, and the harbour master's failure to report the spills to inspectors."
)


def _topic(statement: str) -> TopicState:
    return TopicState(
        key="port", title="Northwick port",
        keywords=(("northwick",), ("port", "harbour", "estuary")),
        claims=(ClaimState("fine", statement, Status.ALLEGED),
                ClaimState("pier", "The Port of Northwick closed its north pier to ferries for repairs.",
                           Status.ONGOING)),
    )


def _score(statement: str, text: str) -> float:
    entry = Entry(identity=text, url="https://news.example/n", title="Northwick port news", summary="",
                  content=text, published=None, source="Wire", content_hash=text)
    result = Matcher([_topic(statement)], TH).match(entry)[0]
    return next((m.score for m in result.scores if m.claim_key == "fine"), 0.0)


def test_a_claim_written_at_length_is_reached_by_a_sentence_that_tells_its_fact():
    """The same fact, written briefly or journalistically: a news sentence that tells it matches
    both (the long wording is not divided by all of its details), and a sentence about something
    else matches neither."""
    news = "The Port of Northwick was fined for dumping sludge."  # without the cap: 27 points
    assert _score(STATEMENT_SHORT, news) >= TH.low
    assert _score(STATEMENT_LONG, news) >= TH.low
    other = "The Port of Northwick closed its north pier to ferries for repairs on Tuesday."
    assert _score(STATEMENT_SHORT, other) < TH.low
    assert _score(STATEMENT_LONG, other) < TH.low


def test_a_long_wording_is_not_harder_to_reach_from_another_language():
    """crosslang's view (a wording over the terms another language can spell) uses the same
    normaliser: it may be smaller than the English one, never larger."""
    from bot.match.crosslang import reach_view

    matcher = Matcher([_topic(STATEMENT_LONG)], TH)
    ct = matcher.compiled[0]
    for lang in ("de", "es", "fr"):
        for v, w in zip(ct.variants, reach_view(ct, lang).variants, strict=True):
            assert w.norm <= v.norm + 1e-9, (lang, v.text)
