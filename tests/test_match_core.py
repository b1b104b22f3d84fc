"""Matching behaviour pinned on invented examples (no corpus text)."""

from __future__ import annotations

import time
from dataclasses import replace

from bot.match import Matcher, Thresholds, detect_changes, extract_figures
from bot.match.gate import Gate
from bot.match.matcher import EXPLAINED_FACTOR, EXPLAINED_RATIO, _explained_elsewhere
from bot.match.normalise import fold
from bot.models import ChangeKind, ClaimState, Entry, Status, TopicState

ORION = TopicState(
    key="orion-port",
    title="Orion Cloud and the Port Authority camera contract",
    keywords=(("orion", "dana reyes"), ("port authority", "harbour")),
    exclude=("stock tips",),
    claims=(
        ClaimState("audit", "Orion's audit of how the Port Authority uses its servers is ongoing.", Status.ONGOING),
        ClaimState("storage", "The harbour camera footage was stored on Orion servers in Norway, up to 3,000 "
                   "terabytes of video.", Status.ALLEGED, figures=("3,000 TB",)),
        ClaimState("firings", "Orion fired four engineers who protested the harbour camera contract.",
                   Status.CONFIRMED),
        ClaimState("suspension", "Orion suspended the Port Authority's video analytics subscriptions.",
                   Status.CONFIRMED),
    ),
)
LUMEN = TopicState(
    key="lumen-deal", title="Lumen Systems harbour deal",
    keywords=(("lumen",), ("harbour", "port authority")),
    claims=(ClaimState("deal", "Lumen Systems signed a harbour analytics deal with the Port Authority.",
                       Status.CONFIRMED),),
)
TH = Thresholds()


def entry(title: str, content: str, source: str = "Harbour Gazette") -> Entry:
    return Entry(identity=title, url="https://news.example/a", title=title, summary="", content=content,
                 published=None, source=source, content_hash=title)


def orion_result(e: Entry):
    return next(r for r in Matcher([ORION, LUMEN], TH).match(e) if r.topic_key == "orion-port")


def score(result, key: str) -> float:
    return next((s.score for s in result.scores if s.claim_key == key), 0.0)


def test_gate_plurals_possessives_curly_apostrophes_multiword_and_exclude():
    gate = Gate((("orion", "dana reyes"), ("port authority", "harbour")), ("stock tips",))
    assert gate.check(fold("Orion’s deal with the harbours")).passed
    assert gate.check(fold("ORION's chief Dana-Reyes met the Port   Authority")).hits == (
        ("orion", "dana reyes"), ("port authority",))
    assert not gate.check(fold("Orionic harbour")).passed  # word boundary
    result = gate.check(fold("Orion harbour stock tips"))
    assert not result.passed and result.excluded_by == "stock tips"


def test_another_companys_firing_does_not_match_the_firing_claim():
    ours = orion_result(entry("Orion fires engineers", "Orion fired four engineers who protested the harbour "
                                                      "camera contract, the company said."))
    theirs = orion_result(entry("Harbour protest", "Lumen Systems fired four engineers who protested its "
                                                    "harbour camera contract. Orion declined to comment."))
    assert "firings" in {m.claim_key for m in ours.matches}
    assert "firings" not in {m.claim_key for m in theirs.matches}
    assert score(theirs, "firings") < score(ours, "firings")


def test_concluded_audit_is_a_status_change_and_negation_is_not_confident():
    done = entry("Orion concludes harbour audit",
                 "Orion has concluded its audit of how the Port Authority uses its servers.")
    r = orion_result(done)
    changes = detect_changes(ORION, done, r, TH)
    status = [c for c in changes if c.kind is ChangeKind.STATUS_CHANGE and c.claim_key == "audit"]
    assert status and status[0].before == "ongoing" and status[0].after == "concluded"
    negated = entry("Harbour audit drags on",
                    "Orion has not concluded its audit of how the Port Authority uses its servers.")
    r = orion_result(negated)
    assert not any(c.kind is ChangeKind.STATUS_CHANGE and c.confident for c in detect_changes(ORION, negated, r, TH))
    hedged = entry("Harbour audit", "Orion has reportedly concluded its audit of how the Port Authority uses "
                                    "its servers, sources said.")
    r = orion_result(hedged)
    assert not any(c.kind is ChangeKind.STATUS_CHANGE and c.confident for c in detect_changes(ORION, hedged, r, TH))


def test_figure_normalisation():
    assert extract_figures("up to 3,000 terabytes of video") == ("3,000 TB",)
    assert extract_figures("3 petabytes") == ("3,000 TB",)
    assert extract_figures("3000TB") == ("3,000 TB",)
    assert extract_figures("won 31 per cent of the vote") == ("31%",)
    assert extract_figures("More than 40 dockworkers signed") == ("40",)
    assert extract_figures("Unit 7 in 2024 on May 3, Proposal 12") == ()


def test_new_figure_is_a_figure_change_and_restated_figure_is_not():
    new = entry("Harbour footage larger than thought",
                "The harbour camera footage stored on Orion servers in Norway reached 4,200 terabytes of video.")
    r = orion_result(new)
    figs = [c for c in detect_changes(ORION, new, r, TH) if c.kind is ChangeKind.FIGURE_CHANGE]
    assert [(c.claim_key, c.before, c.after) for c in figs] == [("storage", "3,000 TB", "4,200 terabytes")]  # as the article writes it
    same = entry("Orion suspends harbour analytics",
                 "Orion suspended the Port Authority's video analytics subscriptions. The harbour camera footage "
                 "was stored on Orion servers in Norway, 3 petabytes of video.")
    r = orion_result(same)
    assert "storage" in {m.claim_key for m in r.matches}
    assert not [c for c in detect_changes(ORION, same, r, TH) if c.kind is ChangeKind.FIGURE_CHANGE]


def test_new_source_and_new_development():
    e = entry("Orion suspends harbour analytics", "Orion suspended the Port Authority's video analytics "
                                                  "subscriptions on Monday.", source="Fjord Times")
    r = orion_result(e)
    kinds = {(c.kind, c.claim_key) for c in detect_changes(ORION, e, r, TH)}
    assert (ChangeKind.NEW_SOURCE, "suspension") in kinds or (ChangeKind.DETAIL_CHANGE, "suspension") in kinds
    known = replace(ORION, claims=tuple(replace(c, sources=("Fjord Times",)) for c in ORION.claims))
    assert not [c for c in detect_changes(known, e, r, TH) if c.kind is ChangeKind.NEW_SOURCE]
    dev = entry("Orion opens harbour office", "Orion opened a new office next to the Port Authority building.")
    r = orion_result(dev)
    assert r.relevant and not r.matches
    changes = detect_changes(ORION, dev, r, TH)
    assert [c.kind for c in changes] == [ChangeKind.NEW_DEVELOPMENT] and changes[0].claim_key is None


def test_foreign_language_text_neither_crashes_nor_matches_at_random():
    dutch = entry("Orion en de haven", "Orion heeft de camerabeelden van de havenautoriteit opgeslagen in "
                                       "Noorwegen, zeggen bronnen. De audit loopt nog.")
    hebrew = entry("אוריון והנמל", "החברה אוריון השעתה את שירותי הווידאו של רשות הנמל. Orion harbour")
    for e in (dutch, hebrew):
        for r in Matcher([ORION, LUMEN], TH).match(e):
            assert not r.matches
            detect_changes(ORION, e, r, TH)


def test_matching_is_deterministic_and_explained():
    e = entry("Orion fires engineers", "Orion fired four engineers who protested the harbour camera contract.")
    a = Matcher([ORION, LUMEN], TH).match(e)
    b = Matcher([ORION, LUMEN], TH).match(e)
    assert a == b
    best = a[0].scores[0]
    assert best.claim_key == "firings" and {"coverage", "actor", "verb", "window"} <= set(best.features)


def test_speed_smoke():
    m = Matcher([ORION, LUMEN], TH)
    text = "Orion fired four engineers who protested the harbour camera contract. " * 30
    e = entry("Orion", text[:2000])
    t0 = time.perf_counter()
    for _ in range(50):
        m.match(e)
    assert (time.perf_counter() - t0) / 50 < 0.05  # generous: 50 ms per entry


def test_british_and_american_spellings_and_inflections_meet():
    from bot.match.normalise import concept

    assert concept("centre") == concept("centers") == concept("center")
    assert concept("labour") == concept("labor")
    assert concept("organised") == concept("organizing")
    assert concept("cancelled") == concept("canceled") == concept("cancels")
    assert concept("sued") == concept("sues") and concept("went") == concept("go")  # the lemmatiser
    assert concept("promise") == ("promise",)  # "-ise" -> "-ize" only where that is a word
    assert concept("four") == ("four",)  # not "for": the -our rule keeps short words
    # no synonym table: a demonym is not its country (aliases say that for a claim)
    assert concept("dutch") != concept("netherlands")


PETITION = TopicState(
    key="orion-petition", title="Orion investors",
    keywords=(("orion",), ("harbour", "port authority")),
    claims=(ClaimState("petition", "More than 40 pension funds signed a letter asking Orion to publish an "
                       "audit of its harbour camera privacy safeguards.", Status.ONGOING),
            ClaimState("firings", "Orion fired four engineers who protested the harbour camera contract.",
                       Status.CONFIRMED)),
)


def _petition_score(text: str):
    result = Matcher([PETITION], TH).match(entry("Investors", text))[0]
    return next(s for s in result.scores if s.claim_key == "petition")


def test_a_window_naming_most_of_a_claim_needs_not_use_its_verb():
    # "filed a resolution" instead of "signed a letter": five distinctive terms carry it
    rich = _petition_score("Pension funds filed a resolution asking Orion to publish an audit of its "
                           "harbour camera privacy safeguards.")
    assert rich.features["verb"] == 1.0 and rich.score >= TH.low
    # four distinctive terms and not its act: the missing verb still counts against it
    from bot.match.scorer import NO_VERB_FACTOR, VERB_WAIVER_DISTINCTIVE

    few = _petition_score("Pension funds asked Orion for a harbour audit.")
    many = _petition_score("Pension funds asked Orion to publish a harbour camera privacy audit.")
    assert few.features["distinctive_hit"] < VERB_WAIVER_DISTINCTIVE and few.features["verb"] == NO_VERB_FACTOR
    assert many.features["distinctive_hit"] >= VERB_WAIVER_DISTINCTIVE and many.features["verb"] == 1.0


ACRONYMS = TopicState(
    key="orion-hpa", title="Orion and the HPA",
    keywords=(("orion",), ("harbour", "hpa")),
    claims=(ClaimState("ai", "Orion sold AI camera analytics to the HPA for harbour surveillance.",
                       Status.CONFIRMED),),
)


def test_acronyms_written_out_meet_the_claims_acronyms():
    from bot.match.normalise import TOKEN_RE
    from bot.match.scorer import SpelledAcronyms, spelled_acronyms

    spelled = spelled_acronyms([ACRONYMS], {"ai", "hpa", "orion"})
    assert isinstance(spelled, SpelledAcronyms)

    def found(text: str) -> set[str]:
        folded = fold(text)
        return spelled.found_in(folded, TOKEN_RE.findall(folded))

    assert found("the Harbour Police Authority bought it") == {"hpa"}  # initials of the claim's own acronym
    assert found("artificial intelligence cameras") == set()  # no table of acronyms: aliases say that
    assert found("he paid attention") == set()  # stopwords do not stand for letters
    assert found("Amnesty International said") == set()  # two-letter acronyms are not guessed
    written = Matcher([ACRONYMS], TH).match(entry(
        "Orion deal", "Orion sold AI camera analytics to the Harbour Police Authority "
                      "for harbour surveillance."))[0]
    short = Matcher([ACRONYMS], TH).match(entry(
        "Orion deal", "Orion sold AI camera analytics to the HPA for harbour surveillance."))[0]
    assert score(written, "ai") == score(short, "ai") >= TH.low


def test_a_figure_change_takes_the_figure_of_the_sentence_about_the_claim():
    topic = TopicState(
        key="orion-vote", title="Orion shareholder votes",
        keywords=(("orion",), ("shareholder", "vote")),
        claims=(ClaimState("audit-vote", "Orion shareholders backed a proposal for a harbour privacy audit "
                           "with 12% of votes.", Status.ONGOING, figures=("12%",)),),
    )
    e = entry("Orion vote results",
              "Proposal 4, on a new stadium sponsorship by Orion, won 31% of shareholder votes. "
              "Proposal 5, for a harbour privacy audit, won 19% of Orion shareholder votes.")
    result = Matcher([topic], TH).match(e)[0]
    # evidence of two sentences, the unrelated figure first
    result = replace(result, claim_windows={"audit-vote": (1, 2)})
    figures = [c for c in detect_changes(topic, e, result, TH) if c.kind is ChangeKind.FIGURE_CHANGE]
    assert figures and figures[0].after == "19%" and figures[0].before == "12%"
    assert not figures[0].confident  # two different new values in the evidence: a proposal


def test_a_sentence_another_claim_explains_much_better_is_damped_and_says_so():
    topic = TopicState(
        key="orion-audits", title="Orion audits",
        keywords=(("orion",), ("harbour", "port authority")),
        claims=(
            ClaimState("audit", "Orion's audit of the harbour camera contract is ongoing.", Status.ONGOING),
            ClaimState("no-harm", "Orion said an earlier audit found no evidence its harbour cameras harmed "
                       "fishermen or dock workers.", Status.DISPUTED),
        ),
    )
    e = entry("Orion statement", "An Orion audit found no evidence that its harbour cameras harmed "
                                 "fishermen or dock workers.")
    result = Matcher([topic], TH).match(e)[0]
    by_key = {s.claim_key: s for s in result.scores}
    assert by_key["no-harm"].score >= TH.high
    # the audit claim's words are all there: on its own reading it is a match ...
    audit = by_key["audit"]
    assert audit.score >= TH.low
    # ... which the damping halves once another claim explains the same sentence EXPLAINED_RATIO times
    # better (the scores are capped at 100, so the claims' uncapped readings are compared here)
    damped = _explained_elsewhere(
        [replace(audit, score=40.0), replace(by_key["no-harm"], score=40.0 * EXPLAINED_RATIO)],
        {"audit": (0,), "no-harm": (0,)}, TH.low)
    assert damped[0].features["explained_by"] == "no-harm"
    assert damped[0].score == round(40.0 * EXPLAINED_FACTOR, 2)
    # alone, the same audit sentence is not damped
    alone = Matcher([topic], TH).match(entry("Orion audit", "Orion's audit of the harbour camera contract "
                                                            "continues, the company said."))[0]
    assert "explained_by" not in next(s for s in alone.scores if s.claim_key == "audit").features


def test_non_english_entries_match_through_names_and_aliases_only():
    hebrew = entry("אוריון", "אוריון פיטרה ארבעה מהנדסים שמחו על חוזה המצלמות בנמל. Orion harbour.")
    dutch = entry("Orion ontslaat ingenieurs", "Orion heeft vier ingenieurs ontslagen die protesteerden tegen "
                                               "het cameracontract van de haven. Orion harbour.")
    for e in (hebrew, dutch):
        result = orion_result(e)  # no crash, and no claim from names alone
        assert result.matches == ()
    # an alias in the outlet's language lets the claim be followed there
    aliased = replace(ORION, claims=tuple(
        replace(c, aliases=("Orion ontsloeg vier ingenieurs die protesteerden tegen het cameracontract van "
                            "de haven.",)) if c.key == "firings" else c for c in ORION.claims))
    result = next(r for r in Matcher([aliased], TH).match(dutch))
    assert [m.claim_key for m in result.matches] == ["firings"]
    assert result.matches[0].features["alias"] == 1.0


def test_a_large_topic_keeps_its_matches_and_the_ten_best_other_claims():
    from bot.match.matcher import SCORES_KEPT

    claims = tuple(ClaimState(f"c{i}", f"Orion harbour claim number {i} about cranes and permit {i}.",
                              Status.ALLEGED) for i in range(40))
    topic = replace(ORION, claims=(*ORION.claims, *claims))
    result = Matcher([topic], TH).match(entry("Orion fires engineers", "Orion fired four engineers who "
                                              "protested the harbour camera contract, the company said."))[0]
    keys = [s.claim_key for s in result.scores]
    assert "firings" in {m.claim_key for m in result.matches}
    assert len(keys) == len(result.matches) + SCORES_KEPT  # not all 44 claims
    assert keys[0] == "firings" and [s.score for s in result.scores] == sorted(
        (s.score for s in result.scores), reverse=True)


def test_a_claims_date_weighs_half_a_term_of_its_content():
    topic = TopicState(key="orion-july", title="Orion", keywords=(("orion",),),
                       claims=(ClaimState("deal", "Orion signed the harbour deal in July.", Status.CONFIRMED),))
    from bot.match.normalise import concept

    variant = Matcher([topic], TH).compiled[0].variants[0]
    weight = dict(zip(variant.terms, variant.weights, strict=True))
    # both unique to the claim; a word's weight is its language rarity (wordfreq), a date's is half
    from bot.match.normalise import rarity

    assert weight[concept("july")[0]] == weight[concept("deal")[0]] / rarity(concept("deal")[0]) / 2
    assert weight[concept("harbour")[0]] > weight[concept("deal")[0]]  # "harbour" is the rarer word


def test_a_window_naming_three_distinctive_terms_keeps_its_score_without_the_named_place():
    """The named place is what a follow-up updates ("moved to Sweden"): the claim is still told."""
    matcher = Matcher([ORION], TH)
    moved = matcher.match(entry("Update", "Orion declined to comment. The harbour camera footage was "
                                          "stored on servers in Sweden, the ministry said."))[0]
    storage = {s.claim_key: s for s in moved.scores}["storage"]
    assert storage.features["distinctive_hit"] >= 3 and storage.features["anchor"] == 1.0
    assert storage.score >= TH.low and "Sweden" in storage.evidence
    # two distinctive terms and no named place or company of the claim: still penalised
    thin = matcher.match(entry("Update", "The port authority said the footage was stored abroad, Orion said."))[0]
    thin_storage = {s.claim_key: s for s in thin.scores}["storage"]
    assert thin_storage.features["distinctive_hit"] == 2
    assert thin_storage.features.get("anchor", thin_storage.features.get("penalty")) == 0.8


HARD_NEGATIVES = {  # the story's vocabulary, another story: none of these is a follow-up
    "outage": ("Orion cloud outage disrupts harbour services",
               "An outage at Orion's servers in Norway left the Port Authority's booking system offline for "
               "six hours on Tuesday. Orion said the fault was fixed."),
    "layoffs": ("Orion to cut 1,200 jobs",
                "Orion will lay off 1,200 staff worldwide, including engineers at its harbour logistics unit, "
                "the company said, citing slowing demand."),
    "another year's vote": ("Orion shareholders reject proposals at 2019 meeting",
                            "At Orion's 2019 annual meeting, shareholders rejected a proposal on harbour "
                            "pollution reporting."),
    "an official resigns": ("Port Authority security chief resigns",
                            "The head of the Port Authority's security division resigned on Monday after a "
                            "failed inspection, officials said. Orion was not involved."),
    "data-centre expansion": ("Orion expands data centre in Norway",
                              "Orion will build a second data centre near the harbour in Norway, adding 300 "
                              "jobs, the Port Authority said."),
}


def test_hard_negatives_pass_the_gate_but_match_no_claim():
    matcher = Matcher([ORION], TH)
    for name, (title, body) in HARD_NEGATIVES.items():
        result = matcher.match(entry(title, body))[0]
        assert result.relevant, name  # about the topic's actors: the gate lets it through
        assert result.matches == (), (name, [(s.claim_key, s.score) for s in result.scores[:2]])
        changes = detect_changes(ORION, entry(title, body), result, TH)
        assert [c.kind for c in changes] == [ChangeKind.NEW_DEVELOPMENT], name  # never a claim change
