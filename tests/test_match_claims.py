"""Claim recall mechanisms of branch `claims` (docs/decisions.md "Claim recall and precision"),
on invented examples only."""

from __future__ import annotations

from bot.match import Matcher, Thresholds
from bot.match.scorer import FuzzyVocabulary
from bot.models import ClaimState, Entry, Status, TopicState

TH = Thresholds()


def test_a_word_english_does_not_know_meets_the_claim_word_it_shares_a_long_prefix_with():
    vocab = FuzzyVocabulary(["cancel", "council", "department", "investigation", "investor", "transportation"])
    assert vocab.lookup_all("cancelaciones") == ("cancel",)  # Spanish
    assert vocab.lookup_all("departamento") == ("department",)
    assert vocab.lookup_all("transporteur") == ("transportation",)  # French
    # English words keep their own lemma, even when they share a prefix with a claim word
    assert vocab.lookup_all("departure") is None
    assert vocab.lookup_all("investing") is None
    # a shared prefix that is a small part of the claim word is no cognate
    assert FuzzyVocabulary(["investigation"]).lookup_all("investidura") is None
    # too short a prefix, or none
    assert vocab.lookup_all("canalizar") is None
    assert vocab.lookup_all("zzzzzzzz") is None


def test_cognates_tie_to_every_claim_word_with_the_longest_shared_prefix():
    vocab = FuzzyVocabulary(["investigate", "investigation", "investor"])
    assert set(vocab.lookup_all("investigando") or ()) == {"investigate", "investigation"}


def test_a_spanish_follow_up_reaches_a_claim_through_cognates_of_its_words():
    topic = TopicState(
        key="ferry", title="Northwind Ferries strike",
        keywords=(("northwind",), ("ferry", "ferries", "ferri")),
        claims=(ClaimState("cancelled", "Northwind cancelled 300 ferry departures; the transportation "
                           "department opened an investigation.", Status.ONGOING),
                ClaimState("wages", "Northwind crews demand higher wages and rest days.", Status.ONGOING)),
    )
    spanish = Entry(identity="es", url="https://news.example/es", title="Northwind", summary="",
                    content="Northwind ferri: cancelaciones de 300 salidas; el departamento de transporte "
                            "abrió una investigación.", published=None, source="El Puerto",
                    content_hash="es")
    result = Matcher([topic], TH).match(spanish)[0]
    assert [m.claim_key for m in result.matches] == ["cancelled"]


def test_numbers_read_alike_whatever_the_languages_separators():
    from bot.match.normalise import number_token, raw_tokens

    assert number_token("8,5") == number_token("8.5") == "8.5"  # German/French/Spanish decimal comma
    assert number_token("8.000") == number_token("8,000") == "8000"  # thousands, either way
    assert number_token("1.234,5") == number_token("1,234.5") == "1234.5"
    assert number_token("2.0") == "2"
    assert raw_tokens("8,5 Millionen Rechner") == ["8.5", "millionen", "rechner"]


def test_a_claim_that_denies_something_is_about_what_it_denies():
    from bot.match.scorer import main_verb, negated_term

    assert negated_term("Harbourview said its audit found no evidence that the pumps leaked oil.") == "evidence"
    assert negated_term("The ferry line has offered passengers no compensation.") == "compensation"
    assert main_verb("Harbourview said its audit found no evidence that the pumps leaked oil.") == "evidence"
    # a light verb carries little of the denial: the noun after it does
    assert negated_term("The council did not make a decision on the tunnel.") == "decision"
    # not a denial: a name, a contrast after a comma, something pending
    assert negated_term("Dockers joined the No Tolls for Ferries campaign.") is None
    assert main_verb("The leak was a valve defect, not sabotage; crews sealed it.") == "seal"
    assert negated_term("The port has not yet put a figure on its losses.") is None


def test_a_sentence_asserting_what_a_claim_denies_lacks_the_claims_act():
    topic = TopicState(
        key="pumps", title="Harbourview pump leak",
        keywords=(("harbourview",), ("pump", "pumps", "leak")),
        claims=(ClaimState("no-leak", "Harbourview said its audit found no evidence that the pumps leaked oil "
                           "into the bay.", Status.DISPUTED),
                ClaimState("fine", "Regulators fined Harbourview 2 million euros over the pumps.", Status.ONGOING)),
    )

    def result(text: str):
        e = Entry(identity=text, url="https://news.example/p", title="Harbourview", summary="", content=text,
                  published=None, source="Bay News", content_hash=text)
        return Matcher([topic], TH).match(e)[0]

    def no_leak(text: str):
        return next(m for m in result(text).scores if m.claim_key == "no-leak")

    denial = no_leak("Harbourview repeated that its audit found no evidence the pumps leaked oil into the bay.")
    assert denial.score >= TH.high and denial.features["verb"] == 1.0
    # the same words without the denial: the claim's act ("no evidence") is missing
    assertion = no_leak("Divers filmed Harbourview pumps that leaked oil into the bay.")
    assert assertion.features["verb"] < 1.0 and assertion.score < TH.high


def test_a_mention_without_the_claims_date_and_figure_is_not_weaker_for_it():
    def topic(statement: str) -> TopicState:
        return TopicState(
            key="pier", title="Pier 9 valve leak", keywords=(("pier 9", "harbour crews"),),
            claims=(ClaimState("sealed", statement, Status.CONFIRMED),
                    ClaimState("inquiry", "The port authority opened an inquiry into the harbour pumps.",
                               Status.ONGOING)))

    def sealed(statement: str, text: str) -> float:
        e = Entry(identity=text, url="https://news.example/v", title="Harbour", summary="", content=text,
                  published=None, source="Bay News", content_hash=text)
        result = Matcher([topic(statement)], TH).match(e)[0]
        return next(m.score for m in result.scores if m.claim_key == "sealed")

    mention = "Crews sealed a valve at Pier 9, the port said."
    dated = "Harbour crews sealed the leaking valve at Pier 9 on March 3, 2025, after 40 hours."
    plain = "Harbour crews sealed the leaking valve at Pier 9 after hours."
    assert sealed(dated, mention) == sealed(plain, mention)
    # the date and the figure still add to a window that carries them
    assert sealed(dated, mention) < 100.0
    assert sealed(dated, "Crews sealed a valve at Pier 9 on March 3, the port said.") > sealed(dated, mention)
