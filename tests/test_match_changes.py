"""Change detection pinned on invented examples (no corpus text): which claim a figure belongs
to, what a claim without a figure may be given, figures quoted as the article writes them."""

from __future__ import annotations

from dataclasses import replace

from bot.apply import apply_change
from bot.match import Matcher, Thresholds, detect_changes
from bot.match.changes import _head_noun
from bot.match.figures import parse_figure_text, parse_figures
from bot.match.normalise import fold
from bot.models import ChangeKind, ClaimState, Entry, Status, TopicState

TH = Thresholds()
BAKERY = TopicState(
    key="brightloaf-recall", title="Brightloaf's bread recall",
    keywords=(("brightloaf",), ("recall", "recalled", "flour")),
    claims=(
        ClaimState("recall-cost", "The recall will cost Brightloaf heavily; the bakery has not put a figure "
                   "on its losses yet.", Status.ALLEGED),
        ClaimState("supplier-suit", "Shops hit by the recall may take the flour miller to court to seek damages.",
                   Status.ALLEGED),
        ClaimState("loaves", "Brightloaf recalled more than 20,000 loaves from its shops.", Status.ONGOING,
                   figures=("20,000 loaves",)),
        ClaimState("hearing", "The county health board has asked Brightloaf's owner to testify at a hearing.",
                   Status.ONGOING),
    ),
)


def entry(title: str, content: str) -> Entry:
    return Entry(identity=title, url="https://news.example/b", title=title, summary="", content=content,
                 published=None, source="Bakers Weekly", content_hash=title)


def figure_changes(text: str, title: str = "Brightloaf recall update") -> dict[str, list[str]]:
    e = entry(title, text)
    result = next(r for r in Matcher([BAKERY], TH).match(e) if r.topic_key == BAKERY.key)
    out: dict[str, list[str]] = {}
    for c in detect_changes(BAKERY, e, result, TH):
        if c.kind is ChangeKind.FIGURE_CHANGE:
            out.setdefault(c.claim_key or "", []).append(c.after or "")
    return out


def test_a_figure_is_quoted_as_the_article_writes_it_and_reads_back() -> None:
    said = {f.said for f in parse_figures("Die Panne kostete 550 Millionen Dollar und 7.000 Flüge fielen aus.")}
    assert said == {"550 Millionen Dollar", "7.000"}  # as written, capitals kept
    rng = parse_figures("Costs of $35 million to $50 million are expected.")
    assert [f.said for f in rng] == ["$35 million to $50 million"] * 2 and rng[0].bounds == (35e6, 50e6)
    spanish = parse_figures("entre 350 y 500 millones de dólares")
    assert spanish[0].said == "350 y 500 millones de dólares" and spanish[0].unit == "$"
    for text in ("550 Millionen Dollar", "350 y 500 millones de dólares", "7.000", "$35 million to $50 million"):
        assert parse_figure_text(text) is not None  # a stored quote is read back as a figure
    assert parse_figure_text("5.4 billion") is not None  # a bare stored number with a scale word


def test_a_dot_before_an_english_scale_word_is_a_decimal_point() -> None:
    assert [f.text for f in parse_figures("healthcare lost $1.938 billion")] == ["$1.938 billion"]
    assert [f.text for f in parse_figures("perdió 1.200 millones de euros")] == ["€1.2 billion"]
    assert [f.text for f in parse_figures("7.000 vuelos cancelados")] == ["7,000"]


def test_a_number_inside_a_name_is_not_a_count() -> None:
    assert parse_figures("Most US Fortune 500 companies were hit") == []
    assert parse_figures("a faulty Config File 117 update") == []
    assert parse_figures("and Route 66 motels, as Windows 11 laptops") == []
    assert [f.text for f in parse_figures("Brightloaf recalled 30,000 loaves")] == ["30,000"]


def test_each_figure_goes_to_the_claim_it_fits_best() -> None:
    got = figure_changes("Brightloaf said the recall cost the bakery $12 million in losses, and shops hit by "
                         "the recall may take the miller to court to seek damages. "
                         "The bakery recalled 31,000 loaves from its shops in all.")
    assert got.get("recall-cost") == ["$12 million"]
    assert got.get("loaves") == ["31,000"]
    assert "supplier-suit" not in got and "hearing" not in got  # a sum is proposed to one claim only


def test_a_claim_without_a_figure_takes_only_the_kinds_its_statement_names() -> None:
    # the hearing claim names no quantity: a share or a sum read beside it is not its figure
    got = figure_changes("Brightloaf's owner will testify at the county health board hearing, where 62% of "
                         "the board's members voted for an inquiry.")
    assert "hearing" not in got


def test_a_sum_written_as_the_attribute_of_another_thing_is_not_the_claims_figure() -> None:
    got = figure_changes("Shops hit by the recall filed a $30 million lawsuit against the flour miller, "
                         "Brightloaf said, as the recall will cost the bakery heavily.")
    assert "recall-cost" not in got and "supplier-suit" not in got


def test_a_figure_another_claim_states_is_not_a_new_value() -> None:
    # "20,000 loaves" is the loaves claim's own figure, read in a sentence about the cost
    got = figure_changes("The recall of 20,000 loaves will cost Brightloaf heavily, the bakery said.")
    assert got == {}


def test_a_count_of_another_thing_does_not_replace_the_claims_count() -> None:
    got = figure_changes("Brightloaf recalled loaves from its shops; 45 trucks carried them back.")
    assert "loaves" not in got


def test_an_accepted_figure_replaces_the_stored_one() -> None:
    e = entry("Brightloaf recall widens", "Brightloaf has now recalled 31,000 loaves from its shops.")
    result = next(r for r in Matcher([BAKERY], TH).match(e) if r.topic_key == BAKERY.key)
    change = next(c for c in detect_changes(BAKERY, e, result, TH) if c.kind is ChangeKind.FIGURE_CHANGE)
    assert change.before == "20,000 loaves"  # as stored, so that accepting it replaces it
    claim = next(c for c in BAKERY.claims if c.key == "loaves")
    assert apply_change(claim, change).figures == ("31,000",)


# --- status cues: which claim a cue moves -------------------------------------------------------

COURT = TopicState(
    key="brightloaf-court", title="Brightloaf's recall in court",
    keywords=(("brightloaf",), ("recall", "lawsuit", "sued", "investigation")),
    claims=(
        ClaimState("recall-cost", "The recall will cost Brightloaf heavily; the bakery has not put a figure "
                   "on its losses yet.", Status.ALLEGED),
        ClaimState("supplier-suit", "Shops hit by the recall may take the flour miller to court to seek damages.",
                   Status.ALLEGED),
        ClaimState("investor-suit", "Brightloaf's shareholders are expected to sue the bakery over the recall.",
                   Status.ALLEGED),
        ClaimState("health-probe", "The county health board has opened an investigation into Brightloaf's ovens.",
                   Status.ONGOING),
        ClaimState("oven-fault", "A faulty thermostat in a Brightloaf oven caused the mould contamination.",
                   Status.ALLEGED),
    ),
)


def status_changes(text: str, title: str = "Brightloaf recall in court") -> dict[str, tuple[str, bool]]:
    e = entry(title, text)
    result = next(r for r in Matcher([COURT], TH).match(e) if r.topic_key == COURT.key)
    return {c.claim_key or "": (c.after or "", c.confident) for c in detect_changes(COURT, e, result, TH)
            if c.kind is ChangeKind.STATUS_CHANGE}


def matched(text: str, title: str = "Brightloaf recall in court") -> set[str]:
    e = entry(title, text)
    return {m.claim_key for m in next(r for r in Matcher([COURT], TH).match(e) if r.topic_key == COURT.key).matches}


def test_a_ruling_on_a_lawsuit_moves_no_claim_about_an_inquiry_or_about_losses() -> None:
    text = ("A judge dismissed the shops' lawsuit against the flour miller over the Brightloaf recall, "
            "which will cost the bakery heavily; the county health board's investigation into "
            "Brightloaf's ovens goes on.")
    assert {"recall-cost", "health-probe", "supplier-suit"} <= matched(text)
    got = status_changes(text)
    assert got.get("supplier-suit", ("",))[0] == "concluded"
    assert "health-probe" not in got and "recall-cost" not in got


def test_a_cue_goes_to_the_claim_its_subject_names() -> None:
    text = ("Brightloaf's shareholders sued the bakery on Monday over the recall. Shops hit by the recall "
            "may take the flour miller to court to seek damages.")
    assert {"investor-suit", "supplier-suit"} <= matched(text)
    got = status_changes(text)
    assert got.get("investor-suit", ("",))[0] == "ongoing"
    assert "supplier-suit" not in got


def test_a_modal_hedges_the_verb_after_it_not_the_whole_sentence() -> None:
    from bot.match.changes import _cue_hits

    assert not any(h.hedged for h in _cue_hits(["The shareholders sued the bakery, which could delay its sale."]))
    assert all(h.hedged for h in _cue_hits(["The shareholders' suit could be dismissed next week."]))
    assert all(h.hedged for h in _cue_hits(["Die Klage könnte abgewiesen werden."]))


def test_a_fact_cue_naming_one_word_of_a_claim_is_proposed_not_applied() -> None:
    passing = ("Brightloaf recall: a faulty thermostat in a Brightloaf oven caused the mould contamination, "
               "the union says. The bakery confirmed the contamination on Monday.")
    full = ("Brightloaf recall: the bakery confirmed that a faulty thermostat in one of its ovens "
            "caused the mould contamination.")
    assert "oven-fault" in matched(passing) and "oven-fault" in matched(full)
    assert status_changes(passing).get("oven-fault") == ("confirmed", False)
    assert status_changes(full).get("oven-fault") == ("confirmed", True)
    # the shareholders' suit named by its plaintiffs and its proceeding: applied
    suit = "Brightloaf's shareholders sued the bakery over the recall on Monday, their lawyers said."
    assert status_changes(suit).get("investor-suit") == ("ongoing", True)


def test_a_share_that_now_stands_for_a_count_is_proposed_in_its_place() -> None:
    topic = TopicState(
        key="bakers-petition", title="Bakers' petition", keywords=(("brightloaf",), ("petition", "vote")),
        claims=(ClaimState("petition", "More than 40 bakers signed a petition asking Brightloaf to audit "
                           "its flour suppliers.", Status.ONGOING, figures=("40",)),),
    )
    e = entry("Brightloaf vote", "The Brightloaf petition asking for an audit of its flour suppliers "
                                 "won 31% of the votes at the bakers' meeting.")
    result = next(r for r in Matcher([topic], TH).match(e) if r.topic_key == topic.key)
    change = next(c for c in detect_changes(topic, e, result, TH) if c.kind is ChangeKind.FIGURE_CHANGE)
    assert (change.before, change.after, change.confident) == ("40", "31%", False)
    assert apply_change(topic.claims[0], change).figures == ("31%",)


def test_a_shared_term_and_the_claims_kind_of_proceeding_apply_a_cue_no_other_claim_fits() -> None:
    others = tuple(ClaimState(f"other{i}", s, Status.CONFIRMED) for i, s in enumerate((
        "Brightloaf sells rye bread in forty towns.", "The mayor opened a new market hall in May.",
        "Flour prices rose sharply over the winter.", "A storm closed the harbour road for two days.",
        "The football club signed a young striker.", "Tram fares will rise in January.")))
    topic = TopicState(
        key="brightloaf-probes", title="Brightloaf probes", keywords=(("brightloaf",), ("recall", "investigation")),
        claims=(ClaimState("board-probe", "The county health board's investigation into the Brightloaf recall and "
                           "its ovens will report in the autumn.", Status.ONGOING),
                ClaimState("union-probe", "The bakers' union has asked for an investigation into night shifts at "
                           "Brightloaf.", Status.ALLEGED),
                *others),
    )
    # the cue names only "investigation" (both probes have it) and an inquiry; one probe is matched
    e = entry("Brightloaf ovens blamed", "The county health board's investigation into the Brightloaf recall "
              "blamed its ovens. Officials said they have published the investigation in full on their "
              "website this morning.")
    result = next(r for r in Matcher([topic], TH).match(e) if r.topic_key == topic.key)
    assert [m.claim_key for m in result.matches] == ["board-probe"]
    got = [(c.claim_key, c.after, c.confident) for c in detect_changes(topic, e, result, TH)
           if c.kind is ChangeKind.STATUS_CHANGE]
    assert got == [("board-probe", "concluded", True)]


def test_a_figure_tenfold_off_a_claims_own_goes_to_the_claim_without_one_on_a_tie() -> None:
    topic = TopicState(
        key="brightloaf-money", title="Brightloaf recall money", keywords=(("brightloaf",), ("recall",)),
        claims=(ClaimState("recall-cost", "The recall will cost the Brightloaf bakery heavily; it has not put a "
                           "figure on its losses yet.", Status.ALLEGED),
                ClaimState("sector-cost", "Analysts estimate the recall will cost the bread sector $900 million "
                           "in losses.", Status.ALLEGED, figures=("$900 million",))),
    )
    # the clause names two terms of each claim: a tie, broken by the sector's far larger figure
    e = entry("Brightloaf recall", "Analysts estimate the recall will cost the Brightloaf bakery $30 million "
                                   "in losses, more than it had said.")
    result = next(r for r in Matcher([topic], TH).match(e) if r.topic_key == topic.key)
    assert {m.claim_key for m in result.matches} == {"recall-cost", "sector-cost"}
    got = [(c.claim_key, c.after) for c in detect_changes(topic, e, result, TH) if c.kind is ChangeKind.FIGURE_CHANGE]
    assert got == [("recall-cost", "$30 million")]


# --- what a claim held before ---------------------------------------------------------------------


def _with_claim(topic: TopicState, key: str, **changes: object) -> TopicState:
    return replace(topic, claims=tuple(replace(c, **changes) if c.key == key else c for c in topic.claims))


def test_a_figure_the_claim_held_before_is_history_not_a_change() -> None:
    text = ("Brightloaf, which first recalled 26,000 loaves from its shops, said the recall will cost the "
            "bakery heavily.")
    e = entry("Brightloaf recall update", text)
    for held, expected in (((), ["26,000"]), (("26,000 loaves",), [])):
        topic = _with_claim(BAKERY, "loaves", figures=("31,000 loaves",), former_figures=held)
        result = next(r for r in Matcher([topic], TH).match(e) if r.topic_key == topic.key)
        got = [c.after for c in detect_changes(topic, e, result, TH) if c.kind is ChangeKind.FIGURE_CHANGE]
        assert got == expected  # and no other claim takes it either


def test_accepting_a_figure_keeps_the_one_it_replaces_as_former() -> None:
    claim = ClaimState("loaves", "Brightloaf recalled loaves.", Status.ONGOING, figures=("20,000 loaves",))
    e = entry("Brightloaf recall widens", "Brightloaf has now recalled 31,000 loaves from its shops.")
    topic = _with_claim(BAKERY, "loaves", figures=claim.figures)
    result = next(r for r in Matcher([topic], TH).match(e) if r.topic_key == topic.key)
    figure = next(c for c in detect_changes(topic, e, result, TH) if c.kind is ChangeKind.FIGURE_CHANGE)
    after = apply_change(claim, figure)
    assert (after.figures, after.former_figures) == (("31,000",), ("20,000 loaves",))
    # a figure in its history again is current again, and no longer former
    back = apply_change(after, replace(figure, before="31,000", after="20,000 loaves"))
    assert (back.figures, back.former_figures) == (("20,000 loaves",), ("31,000",))


def test_a_rate_is_not_a_new_total_unless_the_claim_tracks_a_rate() -> None:
    from bot.match.changes import _is_rate
    from bot.match.normalise import fold

    def rates(text: str) -> list[bool]:
        return [_is_rate(fold(text), f) for f in parse_figures(text)]

    assert rates("The bakery threw away 1,300 loaves daily") == [True]
    assert rates("Shops lost $3 million per store on average") == [True]
    assert rates("the two mills paid $4 million each") == [True]
    assert rates("Die Bäckerei warf 900 Brote täglich weg") == [True]
    assert rates("perdió 5 millones de euros por la retirada") == [False]  # "por": for, not per
    assert rates("Brightloaf recalled 31,000 loaves a week later") == [False]  # a point in time
    assert rates("just over 500 on Monday, per the board") == [False]  # "per" of another clause
    # a total claim is not given a rate; the same figure is news for a claim that tracks one
    got = figure_changes("Brightloaf said it has now recalled 1,300 loaves daily from its shops.")
    assert "loaves" not in got
    quota = TopicState(
        key="brightloaf-quota", title="Brightloaf quota", keywords=(("brightloaf",), ("loaves",)),
        claims=(ClaimState("quota", "Brightloaf must bake 900 gluten-free loaves a week for the county.",
                           Status.ONGOING, figures=("900",)),),
    )
    e = entry("Brightloaf quota raised", "Brightloaf must now bake 1,200 gluten-free loaves a week for the county.")
    result = next(r for r in Matcher([quota], TH).match(e) if r.topic_key == quota.key)
    assert [c.after for c in detect_changes(quota, e, result, TH) if c.kind is ChangeKind.FIGURE_CHANGE] == ["1,200"]


def test_a_finding_ends_an_inquiry_but_not_a_lawsuit() -> None:
    # a verb with a "that" clause reports what someone found: an inquiry's result, a court's reasoning
    reasoning = ("In the shops' lawsuit against the flour miller over the Brightloaf recall, the judge "
                 "concluded that the miller's contracts were unclear, and the case goes on.")
    assert "supplier-suit" in matched(reasoning)
    assert "supplier-suit" not in status_changes(reasoning)
    finding = ("The county health board's investigation into Brightloaf's ovens found that a thermostat "
               "had failed.")
    assert "health-probe" in matched(finding)
    assert status_changes(finding).get("health-probe", ("",))[0] == "concluded"


def test_a_count_tenfold_below_the_claims_is_a_part_of_it_not_a_new_total() -> None:
    # one day's tally of what the claim counts in all
    text = "On Tuesday morning Brightloaf had recalled 300 loaves from its shops, the bakery said."
    assert "loaves" not in figure_changes(text)
    # a sum of money may be cut tenfold: an estimate revised, still proposed
    topic = _with_claim(BAKERY, "recall-cost", figures=("$40 million",))
    e = entry("Brightloaf recall update", "Brightloaf now says the recall will cost the bakery $3 million in losses.")
    result = next(r for r in Matcher([topic], TH).match(e) if r.topic_key == topic.key)
    got = [(c.claim_key, c.after) for c in detect_changes(topic, e, result, TH) if c.kind is ChangeKind.FIGURE_CHANGE]
    assert got == [("recall-cost", "$3 million")]


# --- what a figure measures and whose it is (branch `replay3`) -----------------------------------


def _of(sentence: str) -> frozenset[str]:
    """What change detection reads the first sum or share of `sentence` as being of."""
    folded = fold(sentence)
    return _head_noun(folded, parse_figures(sentence)[0])


def test_what_a_sum_measures_is_read_after_it_before_it_and_in_brackets() -> None:
    assert _of("The bakery ended the quarter with $40 million in cash.") == {"cash"}
    assert _of("The shares fell, wiping out $25 million of market value.") == {"market", "value"}
    assert _of("It reported annual revenue of about $3 billion.") == {"revenue"}
    assert _of("The largest loss falls on bakeries in the north ($310 million).") == {"north"}
    assert _of("Losses range from $6 million (village shops) upwards.") == {"village", "shop"}
    assert _of("It filed a $30 million lawsuit.") == {"lawsuit"}  # the attribute rule, as before
    # a kind of amount, a time or a kind of share says nothing of what the figure is of
    for said in ("The recall meant a $3 million hit to the bakery.", "It lost $36 million in total.",
                 "It cost $12 million in out-of-pocket losses.", "It cost $12 million in July.",
                 "It cost $12 million in the second quarter.", "The proposal won 31% of votes.",
                 "Die Bäckerei verbuchte 5 Millionen Euro an Verlusten.",
                 "La boulangerie a perdu 5 millions d'euros en pertes.",
                 "La panadería perdió 5 millones de euros en total.", "It cost $12 million in lost revenue.",
                 "Perdió 550 millones de dólares en ingresos perdidos y costos adicionales."):
        assert _of(said) == frozenset(), said
    assert _of("Die Bäckerei hielt 40 Millionen Euro an Bargeld.") == {"bargeld"}
    assert _of("La panadería tenía 40 millones de euros en efectivo.") == {"efectivo"}


def test_a_sum_of_something_the_claim_does_not_name_is_not_its_figure() -> None:
    got = figure_changes("Brightloaf ended the quarter with $40 million in cash, and the recall will cost "
                         "the bakery heavily.")
    assert "recall-cost" not in got
    got = figure_changes("Brightloaf said the recall cost the bakery $12 million in losses.")
    assert got.get("recall-cost") == ["$12 million"]


SECTOR = TopicState(
    key="brightloaf-sector", title="Brightloaf recall money", keywords=(("brightloaf",), ("recall",)),
    claims=(ClaimState("sector-cost", "Analysts estimate the Brightloaf recall will cost the bread sector "
                       "$900 million in direct losses.", Status.ALLEGED, figures=("$900 million",)),
            ClaimState("recall-cost", "The recall will cost the Brightloaf bakery heavily.", Status.ALLEGED)),
)


def _sector_figures(text: str) -> list[tuple[str | None, str | None]]:
    e = entry("Brightloaf recall", text)
    result = next(r for r in Matcher([SECTOR], TH).match(e) if r.topic_key == SECTOR.key)
    return [(c.claim_key, c.after) for c in detect_changes(SECTOR, e, result, TH)
            if c.kind is ChangeKind.FIGURE_CHANGE]


def test_a_breakdown_of_a_total_is_not_a_new_total() -> None:
    # one part in brackets, and one part a hundredfold below the claim's own sum
    assert _sector_figures("Analysts estimate the Brightloaf recall's largest direct losses fall on the "
                           "bread sector's bakeries in the north ($310 million).") == []
    assert _sector_figures("Analysts estimate the Brightloaf recall cost the bread sector's village "
                           "shops direct losses of just $4 million.") == []
    # a revision of the total is still read
    assert _sector_figures("Analysts now estimate the Brightloaf recall will cost the bread sector "
                           "$1.2 billion in direct losses.") == [("sector-cost", "$1.2 billion")]


def test_a_claim_about_a_proceeding_takes_a_sum_only_from_a_clause_naming_it() -> None:
    # "a price tag" on the recall is its cost, not what the shops' suit claims
    got = figure_changes("Brightloaf's owner put a price tag of $12 million on the recall, leaving shops "
                         "hit by it no choice but to go to court to seek damages.")
    assert "supplier-suit" not in got
    got = figure_changes("Shops hit by the recall are seeking $5 million in damages from the miller in court.")
    assert got.get("supplier-suit") == ["$5 million"]


def test_a_share_stands_for_a_count_only_when_it_is_a_kind_of_share() -> None:
    topic = TopicState(
        key="brightloaf-letter", title="Brightloaf bakers' letter", keywords=(("brightloaf",), ("letter",)),
        claims=(ClaimState("letter", "More than 60 Brightloaf bakers signed a letter asking the bakery to "
                           "publish a report on its ovens.", Status.ONGOING, figures=("60",)),))

    def shares(text: str) -> list[str | None]:
        e = entry("Brightloaf bakers' letter", text)
        result = next(r for r in Matcher([topic], TH).match(e) if r.topic_key == topic.key)
        return [c.after for c in detect_changes(topic, e, result, TH) if c.kind is ChangeKind.FIGURE_CHANGE]

    assert shares("The Brightloaf bakers' letter asking for a report on its ovens won 31% of votes.") == ["31%"]
    assert shares("The Brightloaf bakers who signed the letter said 97% of the ovens are back online "
                  "after the report.") == []


def test_a_german_noun_before_a_number_is_no_name() -> None:
    # German capitalises nouns: after an article the word is a noun, and the number a count
    assert [f.said for f in parse_figures("Die Bäckerei musste in der Folge 7000 Brote zurückrufen.")] == ["7000"]
    assert parse_figures("Die Bäckerei nutzt Windows 11 Rechner.") == []  # a name still


def test_a_time_of_day_is_not_a_count() -> None:
    assert parse_figures("Services were disrupted from about 6 p.m. ET on Thursday.") == []
    assert parse_figures("The outage began at 6 a.m. and ended at 9 pm.") == []


def test_the_number_of_a_name_in_the_claim_is_not_a_count_of_it() -> None:
    topic = TopicState(
        key="bakeware-outage", title="Bakeware outage", keywords=(("bakeware",), ("outage",)),
        claims=(ClaimState("outage", "A faulty update took down the Bakeware 365 ordering services of bakeries.",
                           Status.CONFIRMED),))

    def counts(text: str) -> list[str | None]:
        e = entry("Bakeware outage", text)
        result = next(r for r in Matcher([topic], TH).match(e) if r.topic_key == topic.key)
        return [c.after for c in detect_changes(topic, e, result, TH) if c.kind is ChangeKind.FIGURE_CHANGE]

    assert counts("The faulty update took down its 365 ordering services for bakeries, Bakeware said.") == []
    assert counts("The faulty update took down 40 ordering services for bakeries, Bakeware said.") == ["40"]


def test_a_cue_about_what_the_claim_names_only_as_a_reference_does_not_move_it() -> None:
    topic = TopicState(
        key="brightloaf-flour", title="Brightloaf flour", keywords=(("brightloaf",), ("flour", "miller")),
        claims=(ClaimState("stock-moved", "The miller moved its flour stock to a warehouse in Leeds before "
                           "Brightloaf's ban.", Status.ALLEGED),
                ClaimState("ban", "Brightloaf may ban the miller's flour from its bakeries.", Status.ALLEGED)))

    def statuses(text: str) -> dict[str, str | None]:
        e = entry("Brightloaf flour", text)
        result = next(r for r in Matcher([topic], TH).match(e) if r.topic_key == topic.key)
        return {c.claim_key or "": c.after for c in detect_changes(topic, e, result, TH)
                if c.kind is ChangeKind.STATUS_CHANGE}

    # the ban is what the stock claim is dated by: confirming it confirms no move of the stock
    got = statuses("The miller moved its flour stock to a warehouse in Leeds, reports say. "
                   "Brightloaf officials confirmed the ban on Monday.")
    assert "stock-moved" not in got
    got = statuses("The miller confirmed it moved its flour stock to a warehouse in Leeds.")
    assert got.get("stock-moved") == "confirmed"


def test_a_cue_whose_clause_names_another_proceedings_parties_does_not_move_the_claim() -> None:
    # the shareholders' suit is already under way; a sentence about it says nothing of the shops'
    topic = _with_claim(COURT, "investor-suit", status=Status.ONGOING)

    def statuses(text: str) -> dict[str, str | None]:
        e = entry("Brightloaf recall in court", text)
        result = next(r for r in Matcher([topic], TH).match(e) if r.topic_key == topic.key)
        assert "supplier-suit" in {m.claim_key for m in result.matches}
        return {c.claim_key or "": c.after for c in detect_changes(topic, e, result, TH)
                if c.kind is ChangeKind.STATUS_CHANGE}

    others = statuses("A judge allowed the shareholders' suit to proceed; shops hit by the Brightloaf recall "
                      "may take the flour miller to court to seek damages.")
    assert "supplier-suit" not in others
    # its own parties, or no parties at all: the cue is the claim's
    assert statuses("A judge allowed the shops' suit to proceed; shops hit by the Brightloaf recall seek "
                    "damages from the flour miller in court.").get("supplier-suit") == "ongoing"
    assert statuses("Shops hit by the Brightloaf recall may take the flour miller to court to seek damages; "
                    "a judge allowed the suit to proceed on Monday.").get("supplier-suit") == "ongoing"


def test_a_refused_motion_to_dismiss_puts_a_suit_under_way_and_concludes_nothing() -> None:
    text = ("Brightloaf's shareholders sued the bakery over the recall. The judge denied the bakery's motion "
            "to dismiss the shareholders' suit on Monday.")
    got = status_changes(text)
    assert got.get("investor-suit", ("",))[0] == "ongoing"
    assert all(after != "concluded" and after != "denied" for after, _ in got.values())


def test_a_figure_told_as_a_recall_is_neither_applied_nor_proposed() -> None:
    # the loaves claim counts loaves; a count in a sentence that recalls earlier events is history
    got = figure_changes("Brightloaf had previously recalled bread from its shops in May, resulting in "
                         "31,000 loaves thrown away. The bakery said shops are restocked.")
    assert "loaves" not in got
    got = figure_changes("Brightloaf previously recalled 20,000 loaves, but now says it recalled 31,000 loaves "
                         "from its shops.")
    assert got.get("loaves") == ["31,000"]  # the news after "but now" is read


SECTORS = TopicState(
    key="bread-recall", title="Bread recall costs", keywords=(("brightloaf",), ("recall",)),
    claims=(
        ClaimState("industry-cost", "Analysts estimate the recall cost the region's bakeries $90 million in "
                   "losses, of which only $10 million to $20 million is insured.", Status.ALLEGED,
                   figures=("$90 million",)),
        ClaimState("brightloaf-cost", "The recall will cost Brightloaf heavily; the bakery chain has not put a "
                   "figure on its losses.", Status.ALLEGED),
        ClaimState("loaves", "Brightloaf recalled more than 20,000 loaves from its shops.", Status.ONGOING,
                   figures=("20,000 loaves",)),
        ClaimState("hearing", "The county health board has asked Brightloaf's owner to testify at a hearing.",
                   Status.ONGOING),
        ClaimState("mould", "Mould in a flour silo at the Millbrook mill spoiled the dough.", Status.ALLEGED),
        ClaimState("strike", "Drivers at the Oakfield depot went on strike over overtime pay.", Status.ONGOING),
        ClaimState("audit", "The food safety agency opened an audit of the Millbrook mill's silos.", Status.ONGOING),
        ClaimState("suit", "Grocers are expected to sue the flour miller over the recall.", Status.ALLEGED),
    ),
)


def test_a_part_of_one_claims_total_is_no_new_value_of_another() -> None:
    # one sector's "$300,000" is a part of the region's $90 million, not the chain's first figure:
    # the chain's claim fits it no better than the region's does
    e = entry("Brightloaf recall costs", "Analysts say the recall cost the region's bakeries $90 million in "
              "losses. Brightloaf said the recall will cost the bakery chain heavily. Cake shops suffered "
              "losses of just $300,000 in the recall, while the region's bakeries and the Brightloaf chain "
              "lost more.")
    result = next(iter(Matcher([SECTORS], TH).match(e)))
    assert {"industry-cost", "brightloaf-cost"} <= {m.claim_key for m in result.matches}
    assert not [c for c in detect_changes(SECTORS, e, result, TH) if c.kind is ChangeKind.FIGURE_CHANGE]


def _hearings(other: str) -> TopicState:
    return TopicState(
        key="hearings", title="Bakery hearings", keywords=(("brightloaf",),),
        claims=(ClaimState("hearing", "The county health board has asked Brightloaf's owner to testify at a "
                           "hearing.", Status.ONGOING),
                ClaimState("licence", other, Status.ONGOING)))


def test_a_cue_reporting_a_claims_own_act_is_that_claims_whatever_parties_it_names() -> None:
    from bot.match.changes import _claim_info, _cue_hits, _others_proceeding
    from bot.match.normalise import concepts

    sentence = "A company manager testifying before lawmakers about the oven licence apologised."
    (hit,) = _cue_hits([sentence])

    def others(topic: TopicState) -> bool:
        return _others_proceeding(hit, "hearing", _claim_info(topic), frozenset(concepts(fold(sentence))),
                                  fold(sentence))

    # the sentence names the licence claim's parties, not the hearing claim's: but "testifying" is
    # the act the hearing claim waits for, and the licence claim's statement has no such act
    assert not others(_hearings("The parliament's licensing committee is reviewing Brightloaf's oven licence."))
    # both claims wait for a testimony: the act tells nothing, the parties decide as before
    assert others(_hearings("The parliament's licensing committee has asked Brightloaf to testify on its "
                            "oven licence."))
