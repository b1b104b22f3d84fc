"""Figures in German, French and Spanish follow-ups of English claims (branch `intl`).

An invented story (a signal workers' strike at an invented rail operator), never corpus text.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from bot.match import Matcher, Thresholds, detect_changes
from bot.match.changes import _head_noun
from bot.match.crosslang import governed_count, inflected, word_before
from bot.match.figures import parse_figures
from bot.match.normalise import STOPWORDS, fold
from bot.match.numbering import _common, _head_at, number_words
from bot.models import ChangeKind, ClaimState, Entry, Status, TopicState
from tests.semantic_standin import Sim

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


# --- number formats, scale words, currency names (figures.py with numbering.py's CLDR data) ---

def read(text: str) -> list[tuple[str, str]]:
    """(canonical, as written) of each figure of `text`."""
    return [(f.text, f.said) for f in parse_figures(text)]


def test_scale_words_and_currency_names_of_each_language_come_from_cldr():
    words = number_words()
    for word, value in (("millionen", 1e6), ("mio", 1e6), ("milliarden", 1e9), ("mrd", 1e9), ("millions", 1e6),
                        ("milliards", 1e9), ("md", 1e9), ("millones", 1e6), ("millon", 1e6), ("mil", 1e3),
                        ("tausend", 1e3), ("mille", 1e3), ("million", 1e6), ("billion", 1e9), ("bn", 1e9)):
        assert words.scales[word] == value, word
    assert words.phrases == {"mil millones": 1e9}
    for word, sign in (("dollar", "$"), ("dollars", "$"), ("dolares", "$"), ("euro", "€"), ("euros", "€"),
                       ("pfund", "£"), ("libras", "£"), ("yen", "¥"), ("franken", "CHF"), ("francos", "CHF"),
                       ("usd", "$"), ("eur", "€")):
        assert words.currency_words[word] == sign, word
    assert words.signs["a$"] == "A$" and words.signs["us$"] == "$"  # "dollar" is the first one's: USD
    # a modifier of a currency's name is no currency word ("nouveau shekel", "nuevo séquel")
    assert not {"nouveau", "nouveaux", "nuevo", "nuevos", "neue", "us", "des", "britisches", "schweizer",
                "suisse", "australien"} & set(words.currency_words)
    assert _head_at("nouveau shekel israélien", "fr", _common("fr")) == 1
    assert _head_at("nuevo séquel israelí", "es", _common("es")) == 1
    # the shekel is not among CURRENCIES (it stood there for the first story only): no currency word
    assert words.currency_words.keys().isdisjoint({"shekel", "schekel", "sequel", "nis"})
    assert {"prozent", "pour cent", "por ciento", "percent", "per cent"} <= set(words.percent_words)


def test_german_figures():
    assert read("Der Konzern Halvor zahlt eine Strafe von 8,5 Millionen Euro.") == [("€8.5 million", "8,5 Millionen Euro")]
    assert read("Die Kosten liegen bei 1,2 Mrd. Euro.") == [("€1.2 billion", "1,2 Mrd. Euro")]
    assert read("Halvor hat 12.000 Kunden informiert.")[0][0] == "12,000"
    assert read("Der Anteil stieg auf 26 Prozent.") == [("26%", "26 Prozent")]
    assert read("Ein Schaden von 40 Millionen US-Dollar.") == [("$40 million", "40 Millionen US-Dollar")]


def test_french_figures_and_space_grouping():
    assert read("Halvor a reçu une amende de 8,5 millions d'euros.") == [("€8.5 million", "8,5 millions d'euros")]
    assert read("La facture atteint 2 milliards de dollars.") == [("$2 billion", "2 milliards de dollars")]
    # grouped with the narrow no-break space (CLDR's French) or the no-break space
    assert read("Halvor a informé 1\u202f300\u202f000 clients.") == [("1,300,000", "1\u202f300\u202f000")]
    assert read("Halvor a informé 45\u00a0000 clients.") == [("45,000", "45\u00a0000")]
    assert read("La part atteint 3 pour cent.") == [("3%", "3 pour cent")]


def test_spanish_figures_and_ranges():
    assert read("Halvor pagará 550 millones de dólares.") == [("$550 million", "550 millones de dólares")]
    assert read("La multa asciende a 2,5 mil millones de euros.") == [("€2.5 billion", "2,5 mil millones de euros")]
    # a range: both bounds say the whole range, the lower one takes the upper's unit
    assert read("Las pérdidas costaron entre 350 y 500 millones de dólares.") == [
        ("$350 million", "350 y 500 millones de dólares"), ("$500 million", "350 y 500 millones de dólares")]
    assert read("Halvor notificó a 7.000 clientes.")[0] == ("7,000", "7.000")
    assert read("La cuota llegó al 26 por ciento.") == [("26%", "26 por ciento")]


def test_english_figures_read_as_before():
    assert read("Halvor cancelled 7,000 orders.") == [("7,000", "7,000")]
    assert read("The fine was 1.5 million dollars.") == [("$1.5 million", "1.5 million dollars")]
    assert read("Halvor lost $1.938 billion.") == [("$1.938 billion", "$1.938 billion")]
    assert read("a $2bn charge and a £3.5m fine") == [("$2 billion", "$2bn"), ("£3.5 million", "£3.5m")]
    assert read("26 per cent of votes, 27 percent of seats") == [("26%", "26 per cent"), ("27%", "27 percent")]
    # English writes no decimal as "7.000": a three-digit group after a dot is thousands there too
    assert read("Halvor cancelled 7.000 orders.") == [("7,000", "7.000")]
    # "billion" is English's 10^9 whatever the text (German/French "Billion" is 10^12): the claims are English
    assert read("2 billion euros") == [("€2 billion", "2 billion euros")]
    # a plain space between numbers groups nothing ("in 2024 300 people" is two numbers)
    assert read("Halvor hired 12 000 staff")[0][0] != "12,000"


# --- a near claim's first figure in another language (changes._first_figures_abroad) ---

STRIKE_COST = TopicState(
    key="orvane-cost", title="Orvane Rail strike costs", keywords=(("orvane",),),
    claims=(
        ClaimState("losses", "The strike will cost Orvane Rail heavily; the company has not yet put a figure on "
                   "its losses.", Status.ALLEGED),
        ClaimState("upgrade", "Orvane Rail plans to upgrade the signalling of its northern lines.", Status.ALLEGED),
    ),
)
# the rest of a Spanish report, with none of the claims' words
ES_REST = (" Los sindicatos piden un aumento salarial para el personal de la red. La huelga continúa esta "
           "semana y no hay acuerdo a la vista.")


class NearSemantic:
    """The semantic side as a stand-in: `losses` is near (cosine 0.47: 48 points) in the first
    sentence naming the strike (`word`), nothing else is."""

    def __init__(self, word: str = "huelga") -> None:
        self.word = word

    def similarities(self, claims: Iterable[ClaimState], sentences: Sequence[str]) -> list[Sim]:
        out = []
        for c in claims:
            hit = next((i for i, s in enumerate(sentences) if self.word in s), -1)
            out.append(Sim(c.key, 0.47 if c.key == "losses" and hit >= 0 else 0.2, hit))
        return out


def first_figures(content: str, title: str = "Huelga en Orvane Rail", near: str = "huelga",
                  ) -> list[tuple[str, str, bool]]:
    e = entry(title, content)
    out = []
    for r in Matcher((STRIKE_COST,), TH, semantic=NearSemantic(near)).match(e):
        assert "losses" not in {m.claim_key for m in r.matches}  # near, not matched: the case at hand
        out += [(c.claim_key or "", c.after or "", c.confident) for c in detect_changes(STRIKE_COST, e, r, TH)
                if c.kind is ChangeKind.FIGURE_CHANGE]
    return out


def test_a_near_claims_first_figure_tied_by_its_name_and_its_own_quantity_word_is_proposed():
    got = first_figures("Orvane Rail calcula que la huelga le ha costado 12 millones de euros." + ES_REST)
    assert got == [("losses", "12 millones de euros", False)]


def test_a_money_figure_without_the_claims_name_or_its_quantity_word_is_not_proposed():
    # the name alone: a sum for something else
    assert not first_figures("Por la huelga, Orvane Rail invertirá 12 millones de euros en trenes." + ES_REST)
    # the quantity word alone: whose cost is not said
    assert not first_figures("La huelga ha costado 12 millones de euros a los comercios de la región." + ES_REST)
    # two different sums: ambiguous, none
    assert not first_figures("Orvane Rail calcula que la huelga le ha costado 12 millones de euros. Orvane Rail "
                             "dijo después que la huelga le había costado 15 millones de euros." + ES_REST)


def test_a_stem_with_an_inflection_reads_as_the_word():
    stems = frozenset({"cost", "loss"})
    assert inflected("costaron", stems) and inflected("costado", stems) and inflected("cost", stems)
    assert not inflected("costumbres", stems)  # more than an inflection added
    assert not inflected("cos", stems)


FR_REST = (" Les syndicats demandent une hausse des salaires pour le personnel du réseau. Aucun accord n'est "
           "en vue cette semaine, selon la direction.")


def test_in_the_closest_sentence_a_word_of_the_claims_kind_of_quantity_in_the_language_ties_it():
    # "coûté" is no form of "cost"; it is of "coût", a word of money in the cue data
    got = first_figures("Orvane Rail a indiqué que la grève lui a coûté plus de 12 millions d'euros." + FR_REST,
                        title="Grève chez Orvane Rail", near="grève lui")
    assert got == [("losses", "12 millions d'euros", False)]
    # the same sentence when the semantic side found another one closest: not tied
    got = first_figures("La grève continue dans le nord. Orvane Rail a indiqué avoir coûté plus de 12 millions "
                        "d'euros à ses clients." + FR_REST, title="Grève chez Orvane Rail", near="continue")
    assert not got


def test_function_words_of_other_languages_name_no_thing_a_sum_is_of():
    def of(sentence: str) -> frozenset[str]:
        folded = fold(sentence)
        fig = parse_figures(folded, folded=True)[0]
        return _head_noun(folded, fig)

    assert of("coûté plus de 500 millions de dollars au transporteur") == frozenset()
    assert of("a $500 million lawsuit against the carrier") == {"lawsuit"}


# an unseen story: a data breach, the fine reported by a German outlet
BREACH = TopicState(
    key="halvor-breach", title="Halvor Bank customer data breach", keywords=(("halvor",),),
    claims=(
        ClaimState("fine", "The data protection authority may fine Halvor Bank over the breach.", Status.ALLEGED),
        ClaimState("notified", "Halvor Bank has notified more than 40,000 customers whose data was exposed.",
                   Status.CONFIRMED, figures=("40,000 customers",)),
    ),
)
DE_REST = (" Die Bank will die Sicherheitslücke inzwischen geschlossen haben. Kunden sollen ihre Passwörter "
           "ändern, teilte das Institut mit.")


class BreachSemantic(NearSemantic):
    """`fine` near in the first sentence naming the authority's decision ("Bußgeld")."""

    def similarities(self, claims: Iterable[ClaimState], sentences: Sequence[str]) -> list[Sim]:
        hit = next((i for i, s in enumerate(sentences) if self.word in s), -1)
        return [Sim(c.key, 0.47 if c.key == "fine" and hit >= 0 else 0.2, hit) for c in claims]


def breach_figures(content: str, near: str = "Bußgeld") -> list[tuple[str, str, bool]]:
    e = entry("Datenleck bei Halvor Bank", content)
    out = []
    for r in Matcher((BREACH,), TH, semantic=BreachSemantic(near)).match(e):
        out += [(c.claim_key or "", c.after or "", c.confident) for c in detect_changes(BREACH, e, r, TH)
                if c.kind is ChangeKind.FIGURE_CHANGE]
    return out


def test_a_fine_in_euros_reported_in_german_is_proposed_to_the_claim_about_the_fine():
    got = breach_figures("Die Datenschutzbehörde hat gegen Halvor Bank ein Bußgeld von 8,5 Millionen Euro "
                         "verhängt." + DE_REST)
    assert got == [("fine", "8,5 Millionen Euro", False)]
    # the count of customers is no sum, and a sum is no count of customers
    got = breach_figures("Die Datenschutzbehörde hat gegen Halvor Bank ein Bußgeld verhängt. Halvor Bank hat "
                         "45.000 Kunden informiert, der Schaden liege bei 2 Millionen Euro." + DE_REST)
    assert ("fine", "2 Millionen Euro", False) not in got
