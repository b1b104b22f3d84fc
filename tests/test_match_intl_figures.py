"""Figures in German, French and Spanish follow-ups of English claims (branch `intl`).

An invented story (a signal workers' strike at an invented rail operator), never corpus text.
"""

from __future__ import annotations

from bot.match import Matcher, Thresholds, detect_changes
from bot.match.crosslang import governed_count, word_before
from bot.match.normalise import STOPWORDS, fold
from bot.models import ChangeKind, ClaimState, Entry, Status, TopicState

ORVANE = TopicState(
    key="orvane", title="Orvane Rail signal workers' strike", keywords=(("orvane",),),
    claims=(
        ClaimState("cancellations", "Orvane Rail cancelled more than 1,200 trains during the signal workers' "
                   "strike.", Status.ONGOING, figures=("1,200 trains",)),
        ClaimState("evacuation", "Orvane Rail evacuated passengers from a stranded train near Lisca.",
                   Status.CONFIRMED),
        ClaimState("fine", "The rail regulator may fine Orvane Rail over the strike.", Status.ALLEGED),
    ),
)
TH = Thresholds()
# the rest of a Spanish report: enough of the language's common words to be read as Spanish
ES_TAIL = (" La huelga continúa y no hay acuerdo con los sindicatos, que piden un aumento salarial para el "
           "personal de la red.")


def entry(title: str, content: str) -> Entry:
    return Entry(identity=title + content, url="https://news.example/a", title=title, summary="",
                 content=content, published=None, source="Gazette", content_hash=title + content)


def figure_changes(title: str, content: str) -> list[tuple[str, str, bool]]:
    e = entry(title, content)
    out = []
    for r in Matcher((ORVANE,), TH).match(e):
        out += [(c.claim_key or "", c.after or "", c.confident) for c in detect_changes(ORVANE, e, r, TH)
                if c.kind is ChangeKind.FIGURE_CHANGE]
    return out


def test_the_word_a_count_is_the_object_of():
    s = fold("Orvane Rail afirma haber cancelado más de 1.450 trenes")
    assert word_before(s, s.index("1.450"), frozenset({"mas", "de"})) == "cancelado"
    assert word_before(s, s.index("1.450"), frozenset()) == "de"
    claim = fold("Orvane Rail cancelled more than 1,200 trains")
    assert word_before(claim, claim.index("1,200"), STOPWORDS) == "cancelled"
    assert word_before("1,200 trains", 0, STOPWORDS) == ""


def test_a_count_governed_by_the_claims_verb_stands_for_its_unit_only_where_the_unit_cannot_be_written():
    s = fold("Orvane Rail afirma haber cancelado 1.450 trenes")
    at = s.index("1.450")
    assert governed_count(s, at, "es", frozenset({"cancelled"}), frozenset({"train"}))
    assert not governed_count(s, at, "es", frozenset({"evacuated"}), frozenset({"train"}))
    # English writes the unit: the unit is read, never the verb instead
    assert not governed_count(s, at, "en", frozenset({"cancelled"}), frozenset({"train"}))
    # a unit the language can write ("software" is German too) must be written
    assert not governed_count(s, at, "de", frozenset({"cancelled"}), frozenset({"software"}))


def test_a_spanish_count_governed_by_the_claims_verb_is_proposed_not_applied():
    got = figure_changes("Huelga en Orvane Rail", "Según la empresa, Orvane Rail afirma haber cancelado 1.450 "
                         "trenes desde el inicio de la huelga de los trabajadores de señalización." + ES_TAIL)
    assert got == [("cancellations", "1.450", False)]


def test_a_count_of_another_act_does_not_move_the_claim():
    # the claim is matched ("canceló"), but the number is what was evacuated
    got = figure_changes("Huelga en Orvane Rail", "Orvane Rail canceló los trenes del lunes por la huelga de "
                         "los trabajadores de señalización y ha evacuado a 1.450 pasajeros de un tren parado."
                         + ES_TAIL)
    assert not [c for c in got if c[0] == "cancellations"]
    # a number no verb governs: not the claim's either
    got = figure_changes("Huelga en Orvane Rail", "Orvane Rail canceló los trenes del lunes por la huelga de "
                         "los trabajadores de señalización; 1.450 pasajeros se quedaron sin viaje." + ES_TAIL)
    assert not [c for c in got if c[0] == "cancellations"]


def test_a_tenfold_count_with_an_unread_unit_is_not_taken():
    got = figure_changes("Huelga en Orvane Rail", "Según la empresa, Orvane Rail afirma haber cancelado 14.500 "
                         "billetes desde el inicio de la huelga de los trabajadores de señalización." + ES_TAIL)
    assert not [c for c in got if c[0] == "cancellations"]


def test_english_counts_still_need_their_unit():
    assert figure_changes("Orvane Rail strike", "Orvane Rail said it had cancelled 1,450 trains since the signal "
                          "workers' strike began.") == [("cancellations", "1,450", True)]
    assert not figure_changes("Orvane Rail strike", "Orvane Rail said it had cancelled 1,450 coaches since the "
                              "signal workers' strike began.")
