"""German, French and Spanish follow-ups against English claims (bot/match/crosslang.py).

An invented story (a freight derailment at an invented rail operator), never corpus text.
"""

from __future__ import annotations

from bot.match import Matcher, Thresholds
from bot.match.combine import combined
from bot.match.crosslang import MAX_BOOST, combined_in, entry_language, reach_view, reachable
from bot.match.matcher import entry_sentences
from bot.match.reading import EntryText
from bot.match.scorer import SCALE
from bot.models import ClaimState, Entry, Status, TopicState

KESTREL = TopicState(
    key="kestrel", title="Kestrel Rail freight derailment at Valmora",
    keywords=(("kestrel rail", "kestrel"),),
    claims=(
        ClaimState("derailment", "A Kestrel Rail freight train derailed near Valmora station; the national rail "
                   "safety investigator has opened an investigation into the signalling system.", Status.ONGOING),
        ClaimState("refunds", "Kestrel Rail offered passengers refunds for the cancelled services.",
                   Status.CONFIRMED),
        ClaimState("resignation", "Kestrel Rail's chief executive Ilse Marwood resigned after the derailment.",
                   Status.ALLEGED),
    ),
)
TH = Thresholds()


def entry(title: str, content: str) -> Entry:
    return Entry(identity=title, url="https://news.example/a", title=title, summary="", content=content,
                 published=None, source="Gazette", content_hash=title)


FOLLOW_UPS = {
    "es": entry("Descarrilamiento de Kestrel Rail",
                "Un tren de mercancías de Kestrel Rail descarriló el martes cerca de la estación de Valmora. "
                "La autoridad de seguridad ferroviaria ha abierto una investigación sobre el sistema de "
                "señalización, según fuentes del sector. Los vecinos de la zona fueron evacuados durante la "
                "noche y no hubo heridos."),
    "de": entry("Entgleisung bei Kestrel Rail",
                "Ein Güterzug von Kestrel Rail ist am Dienstag in der Nähe des Bahnhofs Valmora entgleist. "
                "Die Sicherheitsbehörde hat eine Untersuchung des Signalsystems eingeleitet, wie aus Kreisen "
                "der Branche verlautete. Die Anwohner wurden in der Nacht evakuiert, es gab keine Verletzten."),
    "fr": entry("Déraillement chez Kestrel Rail",
                "Un train de marchandises de Kestrel Rail a déraillé mardi près de la gare de Valmora. "
                "L'autorité de sécurité ferroviaire a ouvert une enquête sur le système de signalisation, "
                "selon des sources du secteur. Les riverains ont été évacués pendant la nuit et il n'y a pas "
                "eu de blessés."),
}
# the same operator and town in another event: names only
OTHER_EVENT = {
    "de": entry("Kestrel Rail stellt neue Züge vor",
                "Kestrel Rail hat am Dienstag in Valmora neue Züge für den Regionalverkehr vorgestellt. Die "
                "Fahrzeuge sollen ab dem Sommer auf den Strecken im Norden eingesetzt werden, teilte das "
                "Unternehmen mit. Der Preis wurde nicht genannt."),
    "es": entry("Kestrel Rail presenta nuevos trenes",
                "Kestrel Rail presentó el martes en Valmora nuevos trenes para el tráfico regional. Los "
                "vehículos se utilizarán a partir del verano en las líneas del norte, informó la empresa. No "
                "se dio a conocer el precio de la operación."),
}


def language_of(e: Entry) -> str:
    return entry_language(EntryText(*entry_sentences(e)).words)


def test_the_language_of_an_entry_is_read_from_its_function_words():
    for lang, e in FOLLOW_UPS.items():
        assert language_of(e) == lang
    english = entry("Kestrel Rail derailment", "A Kestrel Rail freight train derailed near Valmora station on "
                    "Tuesday, and the investigator said it would look at the signalling system of the line.")
    assert language_of(english) == "en"
    # a headline alone, or a text with a few foreign words, stays English (read as before)
    assert language_of(entry("Kestrel Rail: Entgleisung in Valmora", "")) == "en"
    assert entry_language({"die", "der", "und"}) == "en"


def test_the_language_is_read_once_per_entry_and_is_that_entry_s(monkeypatch):
    # the matcher and detect_changes both need it: the entry's text keeps its answer
    import bot.match.reading as reading

    calls = []
    monkeypatch.setattr(reading, "entry_language", lambda words: calls.append(words) or entry_language(words))
    text = EntryText(*entry_sentences(FOLLOW_UPS["de"]))
    assert (text.language, text.language, len(calls)) == ("de", "de", 1)
    monkeypatch.undo()
    # answers of other entries, or of a set changed since, are never reused
    german = EntryText(*entry_sentences(FOLLOW_UPS["de"])).words
    english = EntryText(*entry_sentences(entry("Kestrel Rail derailment", "The train derailed and the "
                                                "investigator said it would look at the signals of the line."))).words
    for _ in range(2):
        assert entry_language(german) == "de" and entry_language(german) == "de"
        assert entry_language(english) == "en" and entry_language(english) == "en"
    mutable = set(english)
    assert entry_language(mutable) == "en"
    mutable |= german
    mutable -= english
    assert entry_language(mutable) == "de"


def test_which_claim_words_another_language_can_carry():
    assert reachable("update", "de") and reachable("software", "de")  # loanwords, spelt alike
    assert not reachable("five", "de") and not reachable("flight", "de")  # English words in German web text
    assert reachable("department", "es") and reachable("investigation", "fr")  # departamento, investigation
    assert not reachable("lawsuit", "es") and not reachable("refund", "fr")
    assert reachable("8.5", "de") and reachable("zorbulax", "fr")  # numbers; a word no list knows (a name)


def test_a_follow_up_in_german_french_or_spanish_matches_the_claim_it_is_about():
    matcher = Matcher([KESTREL], TH)
    for lang, e in FOLLOW_UPS.items():
        result = matcher.match(e)[0]
        assert [m.claim_key for m in result.matches] == ["derailment"], lang
        # read with the English normaliser the same words score less: in German and Spanish (few
        # cognates of these claim words) below the threshold
        english = {KESTREL.claims[ci].key: w.score * SCALE
                       for ci, w in matcher.window_scorers[0].best_of(result.sentence_concepts, 0.0, 10)}
        assert english["derailment"] < result.matches[0].score, lang
        assert lang == "fr" or english["derailment"] < TH.low, lang


def test_the_same_names_in_another_event_do_not_match():
    matcher = Matcher([KESTREL], TH)
    for lang, e in OTHER_EVENT.items():
        result = matcher.match(e)[0]
        assert language_of(e) == lang
        assert result.matches == (), lang


def test_the_correction_is_bounded_and_english_entries_are_read_as_before():
    matcher = Matcher([KESTREL], TH)
    ct = matcher.compiled[0]
    view = reach_view(ct, "es")
    for v, w in zip(ct.variants, view.variants, strict=True):
        assert v.norm / MAX_BOOST - 1e-9 <= w.norm <= v.norm + 1e-9
        assert (v.terms, v.weights) == (w.terms, w.weights)
    assert matcher._scorers("en") is matcher.window_scorers
    assert matcher._scorers("nl") is matcher.window_scorers  # a language without cue data: as English
    assert matcher._scorers("de") is matcher._scorers("de") is not matcher.window_scorers


def test_the_english_only_model_may_raise_a_non_english_score_never_lower_it():
    assert combined_in("de", 50.0, 0.20) == 50.0 > combined(50.0, 0.20)  # the model did not read it
    assert combined_in("es", 50.0, 0.70) == combined(50.0, 0.70) > 50.0  # names, numbers, subwords met
    assert combined_in("en", 50.0, 0.20) == combined(50.0, 0.20)
    assert combined_in("fr", 50.0, None) == 50.0


class _Unread:
    """A semantic side that finds every sentence far from every claim (an English-only model
    reading German): cosine 0.1 on the first candidate."""

    def similarities(self, claims, sentences):
        return [_Sim(0.1) for _ in claims]


class _Sim:
    sentence_index = 0

    def __init__(self, cosine: float) -> None:
        self.score = cosine


def test_a_german_follow_up_keeps_its_lexical_points_when_the_model_cannot_read_it():
    lexical_only = Matcher([KESTREL], TH).match(FOLLOW_UPS["de"])[0]
    with_model = Matcher([KESTREL], TH, semantic=_Unread()).match(FOLLOW_UPS["de"])[0]
    assert [m.claim_key for m in with_model.matches] == ["derailment"]
    match = with_model.matches[0]
    assert match.features["language"] == "de" and match.features["cosine"] == 0.1
    assert match.score == match.features["lexical"] == lexical_only.matches[0].score
    # an English entry: the low cosine lowers its score as before
    english = entry("Kestrel Rail derailment", "A Kestrel Rail freight train derailed near Valmora station on "
                    "Tuesday; the national rail safety investigator opened an investigation.")
    m_en = Matcher([KESTREL], TH, semantic=_Unread()).match(english)[0]
    derail = next(s for s in m_en.scores if s.claim_key == "derailment")
    assert "language" not in derail.features and derail.score == combined(derail.features["lexical"], 0.1)
