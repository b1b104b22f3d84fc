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
