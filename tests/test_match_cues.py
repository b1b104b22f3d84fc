"""Status cues (bot/match/cues.yaml) and figures, one test per cue family, on invented sentences
in several languages: a family is general news language, not any one story's wording."""

from __future__ import annotations

import pytest

from bot.match.changes import _cue_hits
from bot.match.cues import cue_book, parse_cues
from bot.match.figures import extract_figures
from bot.models import Status

# family -> (status announced, sentences that announce it, in several languages)
FAMILIES = {
    "conclusion": (Status.CONCLUDED, [
        "The regulator has concluded its inquiry into the bakery chain.",
        "The watchdog published its findings on the dam collapse on Friday.",
        "The union chief testified before the senate panel on Tuesday.",
        "Die Untersuchung der Behörde ist abgeschlossen.",
        "L'enquête interne a conclu que le fournisseur était responsable.",
        "La auditoría concluyó el lunes.",
    ]),
    "finding": (Status.CONCLUDED, [
        "The inspectors found that the dam's spillway had not been maintained.",
        "The auditors concluded that the charity's accounts were sound.",
        "Die Prüfer kamen zu dem Schluss, dass die Bilanz stimmte.",
        "La commission a conclu que le barrage était mal entretenu.",
        "La auditoría determinó que las cuentas eran correctas.",
    ]),
    "ruling": (Status.CONCLUDED, [
        "A judge dismissed the tenants' lawsuit against the landlord.",
        "The toy maker settled the case for an undisclosed sum.",
        "The airline was fined by the aviation authority.",
        "Das Gericht hat die Klage der Mieter abgewiesen.",
        "Le tribunal a débouté les plaignants.",
        "El juez desestimó la demanda contra la constructora.",
    ]),
    "grant": (Status.CONCLUDED, [
        "The judge granted the landlord's motion to dismiss the tenants' suit.",
        "The court has granted a motion for summary judgment in the miller's favour.",
        "Das Gericht hat dem Antrag auf Klageabweisung stattgegeben.",
        "Le tribunal a fait droit à la demande de rejet du bailleur.",
        "El juez concedió la moción para desestimar la demanda.",
    ]),
    "appeal": (Status.ONGOING, [
        "The tenants have appealed the ruling.",
        "An appeal was filed on Monday.",
        "Die Mieter haben Berufung eingelegt.",
        "Les locataires ont fait appel du jugement.",
        "Los inquilinos recurrieron la sentencia.",
    ]),
    "rejection": (Status.CONCLUDED, [
        "The tenants' claims against the landlord have been rejected.",
        "The bakers' proposal was rejected at the meeting.",
        "Die Klage der Mieter wurde abgewiesen und der Antrag wurde abgelehnt.",
        "La plainte des locataires a été rejetée.",
        "La demanda de los inquilinos fue rechazada.",
    ]),
    "start": (Status.ONGOING, [
        "Residents filed a class action against the chemical plant.",
        "The hospital sued its software vendor on Friday.",
        "A judge ruled the farmers' suit can proceed.",
        "Die Reederei hat den Hersteller verklagt.",
        "Le syndicat a intenté un procès contre la mairie.",
        "La aerolínea presentó una demanda contra el fabricante.",
        "La aerolínea presentó su demanda en octubre.",
    ]),
    "confirmation": (Status.CONFIRMED, [
        "The bank confirmed the data leak on Monday.",
        "The carmaker admitted the emissions software was faulty.",
        "Der Konzern bestätigte den Datenabfluss.",
        "Le constructeur a reconnu le défaut.",
        "La empresa confirmó la filtración.",
    ]),
    "announcement": (Status.CONFIRMED, [
        "The carmaker announced a recall of the heaters.",
        "Der Konzern hat den Rückruf angekündigt.",
        "La empresa anunció el cierre de la planta.",
    ]),
    "denial": (Status.DENIED, [
        "The mayor denied the bribery allegations.",
        "Der Minister bestritt die Vorwürfe.",
        "Le ministre a démenti les accusations.",
        "El alcalde negó las acusaciones.",
    ]),
    "reopening": (Status.ONGOING, [
        "The regulator reopened its inquiry into the bakery chain.",
        "Die Behörde hat die Ermittlungen wieder aufgenommen.",
        "La fiscalía reabrió la investigación.",
    ]),
    "retraction": (Status.RETRACTED, [
        "The newspaper retracted the story about the senator.",
        "The council reversed its decision on the bus depot.",
        "Die Zeitung hat den Bericht zurückgezogen.",
        "El diario se retractó del reportaje.",
    ]),
    "dispute": (Status.DISPUTED, [
        "The miner contested the inspectors' report.",
        "The retailer appealed the ruling.",
        "Der Hersteller hat den Bescheid angefochten.",
        "La empresa impugnó la multa.",
    ]),
}


@pytest.mark.parametrize("family", sorted(FAMILIES))
def test_each_cue_family_is_recognised_in_several_languages(family: str) -> None:
    status, sentences = FAMILIES[family]
    assert family in {f.name for f in cue_book().families}
    for sentence in sentences:
        hits = _cue_hits([sentence])
        assert status in {h.status for h in hits}, sentence
        assert not any(h.negated for h in hits if h.status is status), sentence


def test_every_family_of_the_resource_has_a_test() -> None:
    assert {f.name for f in cue_book().families} == set(FAMILIES)


@pytest.mark.parametrize("sentence", [
    "The regulator has not concluded its inquiry.",
    "The hospital never sued its software vendor.",
    "The bank has not confirmed the data leak.",
    "Die Untersuchung ist noch nicht abgeschlossen.",
])
def test_negation_is_kept(sentence: str) -> None:
    hits = _cue_hits([sentence])
    assert hits and all(h.negated for h in hits), sentence


@pytest.mark.parametrize("sentence", [
    "The chain reportedly settled the case.",
    "Sources said the regulator concluded its inquiry.",
    "Según fuentes, la empresa confirmó la filtración.",
])
def test_hedging_and_attribution_are_kept(sentence: str) -> None:
    hits = _cue_hits([sentence])
    assert hits and all(h.hedged for h in hits), sentence


def test_a_cue_in_a_clause_telling_the_background_is_never_applied() -> None:
    hits = _cue_hits(["The carmaker changed its policy after a complaint was filed in Brussels."])
    assert hits and all(h.hedged for h in hits)
    assert not any(h.hedged for h in _cue_hits(["A complaint was filed in Brussels on Monday."]))


def test_an_announcement_settles_no_dispute() -> None:
    hits = _cue_hits(["The company announced that its review found no evidence."])
    assert {h.family for h in hits} >= {"announcement"}
    assert all(Status.DISPUTED not in h.froms for h in hits if h.family == "announcement")


def test_a_longer_cue_of_another_family_wins() -> None:
    hits = _cue_hits(["The motion was rejected by shareholders at the meeting."])
    assert {h.family for h in hits} <= {"conclusion", "rejection"}  # not the denial family's "rejected"
    assert {h.status for h in hits} == {Status.CONCLUDED}


def test_rejected_in_the_passive_is_a_decision_not_the_actors_denial() -> None:
    # the active voice is the actor's own denial; the passive, someone else's decision on it,
    # which moves only claims about a proceeding (`about`)
    assert {h.family for h in _cue_hits(["The mayor rejected the bribery allegations."])} == {"denial"}
    passive = _cue_hits(["The mayor's appeal was rejected on Monday."])
    assert {h.family for h in passive} == {"rejection"} and all(h.moves for h in passive)


@pytest.mark.parametrize("sentence", [
    "A judge dismissed the bulk of the tenants' lawsuit against the landlord.",
    "A judge dismissed part of the tenants' lawsuit on Monday.",
    "We are pleased several of the tenants' claims have been rejected.",
    "The court partially dismissed the tenants' claims.",
    "Das Gericht hat die Klage teilweise abgewiesen.",
    "Le tribunal a partiellement débouté les plaignants.",
    "El juez desestimó parcialmente la demanda.",
])
def test_a_cue_that_ends_only_a_part_ends_nothing(sentence: str) -> None:
    ending = {f.name for f in cue_book().families if f.whole}
    assert not any(h.family in ending for h in _cue_hits([sentence])), sentence


def test_a_part_does_not_stop_a_start_or_a_whole_ruling() -> None:
    assert {h.status for h in _cue_hits(["Several tenants sued the landlord on Monday."])} == {Status.ONGOING}
    assert {h.status for h in _cue_hits(["A judge dismissed the tenants' lawsuit."])} == {Status.CONCLUDED}
    # a quantity of time before the cue's clause is no part of what it ends
    assert {h.status for h in _cue_hits(["Several months later, the regulator concluded its inquiry."])} == {
        Status.CONCLUDED}


def test_base_forms_announce_nothing() -> None:
    assert _cue_hits(["Residents are expected to sue the chemical plant."]) == []
    assert _cue_hits(["The regulator will publish a report."]) == []


def test_a_malformed_resource_is_refused_clearly() -> None:
    with pytest.raises(ValueError, match="not a string"):
        parse_cues({"families": {"x": {"to": "concluded", "from": ["ongoing"], "en": [False]}},
                    "negation": {"en": ["not"]}, "hedging": {"en": ["may"]}, "background": {"en": ["earlier"]}})
    with pytest.raises(ValueError, match="bad `to`"):
        parse_cues({"families": {"x": {"to": "finished", "from": ["ongoing"], "en": ["ended"]}}})
    base = {"negation": {"en": ["not"]}, "hedging": {"en": ["may"]}, "background": {"en": ["earlier"]},
            "subordinate": {"en": ["after"]}}
    with pytest.raises(ValueError, match="unknown kinds"):
        parse_cues({**base, "families": {"x": {"to": "concluded", "from": ["ongoing"], "about": ["trial"],
                                               "en": ["ended"]}}, "processes": {"legal": {"en": ["suit"]}}})
    with pytest.raises(ValueError, match="quantity kind"):
        parse_cues({**base, "families": {"x": {"to": "concluded", "from": ["ongoing"], "en": ["ended"]}},
                    "quantities": {"weight": {"en": ["kilos"]}}})


# process kind -> statements naming such a proceeding, in several languages
PROCESSES = {
    "legal": ["Tenants may take the landlord to court.", "Die Mieter haben Klage eingereicht.",
              "Les locataires ont porté plainte.", "Los inquilinos presentaron una demanda."],
    "inquiry": ["The regulator opened an investigation.", "Die Untersuchung dauert an.",
                "Une enquête est ouverte.", "La investigación sigue abierta."],
    "hearing": ["The senate panel asked the chief to testify.", "Der Ausschuss lud den Chef vor.",
                "La commission a convoqué le patron.", "La comisión citó al director."],
    "vote": ["Shareholders will vote on the proposal.", "Die Abstimmung findet im Mai statt.",
             "Le scrutin a lieu en mai.", "La votación será en mayo."],
}


@pytest.mark.parametrize("kind", sorted(PROCESSES))
def test_each_kind_of_proceeding_is_recognised_in_several_languages(kind: str) -> None:
    from bot.match.normalise import concepts, fold

    book = cue_book()
    for sentence in PROCESSES[kind]:
        assert kind in book.process_kinds(set(concepts(fold(sentence)))), sentence


def test_every_kind_of_proceeding_and_quantity_of_the_resource_has_a_test() -> None:
    book = cue_book()
    assert set(book.processes) == set(PROCESSES)
    assert {f.name for f in book.families if f.about} == {"conclusion", "finding", "ruling", "rejection", "start",
                                                          "reopening", "grant", "appeal"}
    assert set(book.quantities) == {"money", "share", "size"}


@pytest.mark.parametrize(("text", "figures"), [
    ("a weekly quota of 120 parcels", ("120",)),
    ("the quota rose to 150 parcels a week", ("150",)),
    ("losses of $500m", ("$500 million",)),
    ("a fine of £140m", ("£140 million",)),
    ("550 millones de dólares", ("$550 million",)),
    ("über 500 Millionen Dollar Schaden", ("$500 million",)),
    ("plus de 500 millions de dollars", ("$500 million",)),
    ("1,2 Milliarden Euro", ("€1.2 billion",)),
    ("7.000 vuelos cancelados", ("7,000",)),
    ("8,5 Millionen Computer", ("8,500,000",)),
    ("between $350-500m in costs", ("$350 million", "$500 million")),
    ("entre 350 y 500 millones de dólares", ("$350 million", "$500 million")),
    ("turnout was 31 per cent", ("31%",)),
    ("42 Prozent der Stimmen", ("42%",)),
    ("Unit 8200 in 2024 on May 3", ()),
    ("version 3.5 shipped", ()),
])
def test_figures_in_any_unit_and_language(text: str, figures: tuple[str, ...]) -> None:
    assert extract_figures(text) == figures


@pytest.fixture
def french(monkeypatch: pytest.MonkeyPatch):
    """The French lemmatiser loaded (DOSSIER_LANGUAGES=en,fr); every cache cleared after."""
    from bot.match import normalise

    def clear() -> None:
        for f in (normalise.languages, normalise.lemma, normalise.concept, normalise.rarity):
            f.cache_clear()

    monkeypatch.setenv(normalise.LANGUAGES_ENV, "en,fr")
    clear()
    yield
    monkeypatch.delenv(normalise.LANGUAGES_ENV)
    clear()


def test_languages_setting_loads_a_lemmatiser_and_refuses_unknown_codes(french: None,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    from bot.match import normalise
    from bot.match.matcher import Matcher
    from bot.models import ClaimState, Entry, TopicState

    assert normalise.languages() == ("en", "fr")
    assert normalise.concept("poursuivies") == normalise.concept("poursuivie")  # French inflection
    topic = TopicState(key="t", title="Orion", keywords=(("orion",),), claims=(
        ClaimState("suit", "Orion was sued by dockworkers.", Status.ALLEGED,
                   aliases=("Les dockers poursuivent Orion en justice",)),))
    entry = Entry(identity="x", url=None, title="Orion", summary="", published=None, source="",
                  content_hash="x", content="Les dockers ont poursuivi Orion en justice lundi.")
    result = Matcher([topic]).match(entry)[0]
    assert "suit" in {m.claim_key for m in result.matches}  # the alias, in another inflection
    monkeypatch.setenv(normalise.LANGUAGES_ENV, "en,xx")
    normalise.languages.cache_clear()
    with pytest.raises(ValueError, match="xx"):
        normalise.languages()


def test_a_cue_in_the_lead_is_proposed_for_the_matched_claim_never_applied() -> None:
    from bot.match import Matcher, Thresholds, detect_changes
    from bot.models import ChangeKind, ClaimState, Entry, TopicState

    topic = TopicState(key="orion", title="Orion and the Port Authority",
                       keywords=(("orion",), ("harbour", "port authority")),
                       claims=(ClaimState("audit", "Orion's audit of how the Port Authority uses its servers "
                                                   "is ongoing.", Status.ONGOING),))
    e = Entry(identity="x", url=None, title="Inquiry concluded", summary="", published=None,
              source="Harbour Gazette", content_hash="x",
              content="Orion's audit of how the Port Authority uses its servers found no misuse.")
    th = Thresholds()
    result = Matcher([topic], th).match(e)[0]
    assert result.matches and result.claim_windows["audit"] == (1,)  # the body sentence, not the title
    status = [c for c in detect_changes(topic, e, result, th) if c.kind is ChangeKind.STATUS_CHANGE]
    assert [(c.claim_key, c.after, c.confident) for c in status] == [("audit", "concluded", False)]


def test_a_start_told_as_history_does_not_reopen_a_concluded_claim() -> None:
    hits = _cue_hits(["The inquiry was launched in August 2023."])
    assert hits and all(Status.CONCLUDED not in h.froms for h in hits)
    reopened = _cue_hits(["The regulator reopened the inquiry."])
    assert any(Status.CONCLUDED in h.froms and h.status is Status.ONGOING for h in reopened)


def test_an_unknown_language_stops_the_start_with_its_code() -> None:
    from bot.settings import SettingsError, load_settings

    assert load_settings({"DOSSIER_LANGUAGES": "en,de,fr,es"}, dotenv=False)
    with pytest.raises(SettingsError, match="xx"):
        load_settings({"DOSSIER_LANGUAGES": "en,xx"}, dotenv=False)


@pytest.mark.parametrize("sentence", [
    "The bakery faces growing challenges in its export markets.",
    "Its files were shared with the regulator's staff.",
    "The appeals of two shops were heard together.",
])
def test_a_cue_word_read_as_a_noun_announces_nothing(sentence: str) -> None:
    assert _cue_hits([sentence]) == []


def test_the_same_word_as_a_verb_is_still_a_cue() -> None:
    assert {h.family for h in _cue_hits(["The bakery challenges the ruling."])} == {"dispute"}


@pytest.mark.parametrize(("statement", "referred"), [
    ("The miller moved its stock before the ban.", "ban"),
    ("Der Müller verlegte das Lager vor dem Verbot.", "verbot"),
    ("Le meunier a déplacé le stock avant l'interdiction.", "linterdiction"),
    ("El molinero trasladó el stock antes de la prohibición.", "prohibicion"),
])
def test_references_to_other_events_in_a_statement_are_read_in_each_language(statement: str,
                                                                             referred: str) -> None:
    from bot.match.changes import _referred

    assert referred in _referred(statement)
    # a word the statement also asserts outside the reference is the claim's own
    assert _referred("The miller moved its stock before the ban, and the ban was lifted.") == frozenset()


@pytest.mark.parametrize("sentence", [
    "The judge denied the motion to dismiss the tenants' lawsuit.",
    "The judge denied the landlord's motion to dismiss on Monday.",
    "The motion to dismiss was rejected on Monday.",
    "The court dismissed the motion, so the tenants' case goes to trial.",
    "The landlord lost its bid to dismiss the suit.",
    "Der Antrag auf Klageabweisung wurde abgelehnt.",
    "Le juge a rejeté la demande de rejet des locataires.",
    "El juez rechazó la moción para desestimar la demanda.",
])
def test_a_refused_request_to_end_the_case_means_the_case_goes_on(sentence: str) -> None:
    # a ruling on a motion decides the motion, not the case: nothing concludes or is denied
    hits = _cue_hits([sentence])
    assert hits and {h.status for h in hits} == {Status.ONGOING}, sentence
    assert all(h.moves == {"legal"} for h in hits if h.family == "motion"), sentence


@pytest.mark.parametrize("sentence", [
    "A judge granted a motion to dismiss in part.",
    "The judge granted the landlord's motion to dismiss the claims of several tenants.",
    "Das Gericht hat dem Antrag auf Klageabweisung teilweise stattgegeben.",
])
def test_a_request_to_end_the_case_granted_in_part_ends_nothing(sentence: str) -> None:
    assert not any(h.status is Status.CONCLUDED for h in _cue_hits([sentence])), sentence


def test_granted_ends_a_case_only_when_it_grants_a_request_to_end_it() -> None:
    assert _cue_hits(["The city granted the bakery a licence for a new oven."]) == []
    assert {h.status for h in _cue_hits(["The judge granted the motion to dismiss."])} == {Status.CONCLUDED}


@pytest.mark.parametrize("sentence", [
    "The court dismissed the suit; the tenants have appealed.",
    "The judge dismissed the case, and an appeal was filed the next day.",
    "Die Klage wurde abgewiesen, die Mieter haben Berufung eingelegt.",
    "El juez desestimó la demanda y los inquilinos recurrieron.",
])
def test_a_ruling_appealed_is_not_final(sentence: str) -> None:
    hits = _cue_hits([sentence])
    assert not any(h.status is Status.CONCLUDED for h in hits), sentence
    assert any(h.family == "appeal" and Status.CONCLUDED in h.froms for h in hits), sentence


@pytest.mark.parametrize("sentence", [
    "The landlord agreed to settle, pending court approval.",
    "The landlord settled the case, subject to court approval.",
    "Der Vermieter hat den Streit beigelegt, vorbehaltlich der Zustimmung des Gerichts.",
    "El casero llegó a un acuerdo, pendiente de aprobación judicial.",
])
def test_a_settlement_pending_approval_is_not_final(sentence: str) -> None:
    assert not any(h.status is Status.CONCLUDED for h in _cue_hits([sentence])), sentence
    final = sentence.split(",")[0] + "."
    assert Status.CONCLUDED in {h.status for h in _cue_hits([final])}, final


@pytest.mark.parametrize("sentence", [
    "The landlord settled with some of the plaintiffs.",
    "The landlord settled with several tenants on Monday.",
    "Der Vermieter hat den Streit mit einigen Mietern beigelegt.",
])
def test_a_settlement_with_some_of_the_parties_ends_nothing(sentence: str) -> None:
    assert not any(h.status is Status.CONCLUDED for h in _cue_hits([sentence])), sentence


def test_a_suit_allowed_to_proceed_is_under_way() -> None:
    for sentence in ("A judge allowed the tenants' suit to proceed.",
                     "The ruling allows the class action to continue."):
        assert {h.status for h in _cue_hits([sentence])} == {Status.ONGOING}, sentence


@pytest.mark.parametrize(("sentence", "figure"), [
    ("The chef had previously been fined in May, which resulted in 40 closures.", "40"),
    ("Der Koch war zuvor im Mai bestraft worden, was 40 Schließungen zur Folge hatte.", "40"),
    ("Le chef avait déjà été condamné en mai, ce qui a entraîné 40 fermetures.", "40"),
    ("El chef había sido multado anteriormente en mayo, lo que provocó 40 cierres.", "40"),
])
def test_a_figure_told_as_a_recall_is_history(sentence: str, figure: str) -> None:
    from bot.match.changes import _recalled
    from bot.match.normalise import fold

    folded = fold(sentence)
    assert _recalled(folded, folded.index(figure)), sentence
    assert not _recalled(folded, folded.index(fold(sentence.split()[1])))  # before the recall word


@pytest.mark.parametrize("sentence", [
    "The chain previously counted 40 closures, but now reports 55 closures.",
    "Die Kette zählte zuvor 40 Schließungen, meldet jetzt aber 55 Schließungen.",
    "La chaîne comptait précédemment 40 fermetures, mais en annonce maintenant 55.",
    "La cadena contaba anteriormente 40 cierres, pero ahora informa de 55.",
])
def test_a_recall_ends_where_the_news_begins(sentence: str) -> None:
    from bot.match.changes import _recalled
    from bot.match.normalise import fold

    folded = fold(sentence)
    assert _recalled(folded, folded.index("40")) and not _recalled(folded, folded.index("55")), sentence


@pytest.mark.parametrize("sentence", [
    "The judge rejected the motion on Monday.",
    "The court denied the landlord's petition.",
    "The motion was rejected by the judge.",
    "Das Gericht hat den Antrag abgewiesen.",
    "Le tribunal a rejeté la requête du bailleur.",
    "El juez rechazó la moción del casero.",
])
def test_a_court_deciding_a_bare_request_shows_the_case_goes_on_and_ends_nothing(sentence: str) -> None:
    # whose request it was is not told: whichever side lost, the case is under way
    hits = _cue_hits([sentence])
    assert hits and {(h.status, h.family) for h in hits} == {(Status.ONGOING, "motion")}, sentence
    assert all(h.froms == {Status.ALLEGED} and h.moves == {"legal"} for h in hits), sentence


@pytest.mark.parametrize(("sentence", "status"), [
    ("Shareholders rejected the motion at the meeting.", Status.DENIED),  # a meeting's, as before
    ("The regulator rejected the merger request.", Status.DENIED),  # no court named
    ("The court dismissed the tenants' lawsuit.", Status.CONCLUDED),  # no request: the case
])
def test_a_request_outside_a_court_or_no_request_is_read_as_before(sentence: str, status: Status) -> None:
    assert {h.status for h in _cue_hits([sentence])} == {status}, sentence


@pytest.mark.parametrize("sentences", [
    ["The judge dismissed the tenants' suit on Monday.", "The tenants have appealed."],
    ["The judge dismissed the tenants' suit.", "A spokesman said little.", "An appeal was filed on Friday."],
    ["Das Gericht hat die Klage der Mieter abgewiesen.", "Die Mieter haben Berufung eingelegt."],
    ["Le tribunal a débouté les locataires.", "Les locataires ont fait appel."],
    ["El juez desestimó la demanda de los inquilinos.", "Los inquilinos recurrieron."],
])
def test_a_ruling_appealed_in_a_later_sentence_is_not_final(sentences: list[str]) -> None:
    hits = _cue_hits(sentences)
    assert not any(h.status is Status.CONCLUDED for h in hits), sentences
    assert any(h.family == "appeal" for h in hits), sentences
    # not appealed, or appealed before the ruling it would stop: the ruling ends the case
    assert Status.CONCLUDED in {h.status for h in _cue_hits([sentences[0], "The tenants have not appealed."])}
    assert Status.CONCLUDED in {h.status for h in _cue_hits([sentences[-1], sentences[0]])}


def test_an_appeal_far_after_a_ruling_is_not_read_as_its_appeal() -> None:
    ruling = "The judge dismissed the tenants' suit on Monday."
    filler = ["The building has forty flats.", "It was built in 1962.", "The roof was redone last year.",
              "A new caretaker started in May."]
    hits = _cue_hits([ruling, *filler, "The tenants have appealed."])
    assert Status.CONCLUDED in {h.status for h in hits}  # four sentences on: as likely another ruling's
    hits = _cue_hits([ruling, *filler[:2], "The tenants have appealed."])
    assert Status.CONCLUDED not in {h.status for h in hits}
