"""When a change is applied without review (branch `noadmin`), pinned on an invented story (a
data breach at a parcel company): a cue or a figure whose own sentence ties it to the claim is
applied from a match below `high`; a hedged, modal, negated, loosely tied or contested one is
still proposed."""

from __future__ import annotations

from dataclasses import replace

from bot.match import Matcher, Thresholds, detect_changes
from bot.models import Change, ChangeKind, ClaimState, Entry, Status, TopicState

# `high` out of reach: every match is below it, so only the sentence-level ties can apply a change
BELOW_HIGH = Thresholds(low=30.0, high=100.0)

BREACH = TopicState(
    key="swiftparcel-breach", title="SwiftParcel data breach",
    keywords=(("swiftparcel",), ("breach", "hackers", "leak", "lawsuit", "sued")),
    claims=(
        ClaimState("customer-suit", "Customers whose addresses leaked may take SwiftParcel to court over the "
                   "breach.", Status.ALLEGED),
        ClaimState("breach-cost", "The breach may cost SwiftParcel some $8 million in refunds, repairs, legal fees and overtime at its call centres.",
                   Status.ALLEGED, figures=("$8 million",)),
        ClaimState("regulator-probe", "The data protection authority has opened an investigation into "
                   "SwiftParcel's servers.", Status.ONGOING),
        ClaimState("records", "Hackers copied about 40,000 customer records from SwiftParcel's servers.",
                   Status.CONFIRMED, figures=("40,000 records",)),
    ),
)


def entry(title: str, content: str) -> Entry:
    return Entry(identity=title, url="https://news.example/breach", title=title, summary="", content=content,
                 published=None, source="Parcel Times", content_hash=title)


def changes(text: str, topic: TopicState = BREACH, title: str = "SwiftParcel breach update",
            th: Thresholds = BELOW_HIGH, below: bool = True) -> list[Change]:
    e = entry(title, text)
    result = next(r for r in Matcher([topic], th).match(e) if r.topic_key == topic.key)
    out = [c for c in detect_changes(topic, e, result, th)
           if c.kind in (ChangeKind.STATUS_CHANGE, ChangeKind.FIGURE_CHANGE)]
    assert not below or all(c.score < th.high for c in out)
    return out


def got(text: str, claim: str, **kw: object) -> tuple[str | None, bool] | None:
    return next(((c.after, c.confident) for c in changes(text, **kw) if c.claim_key == claim), None)  # type: ignore[arg-type]


# --- a status cue tied to its claim ------------------------------------------------------------

def test_the_claims_own_party_and_proceeding_next_to_the_cue_apply_it_below_high() -> None:
    # "customers" (only this claim's) next to "sued", and a legal proceeding named: applied
    text = "SwiftParcel customers sued the company in court on Monday over the breach of their addresses."
    assert got(text, "customer-suit") == ("ongoing", True)


def test_a_cue_below_high_without_the_claims_own_term_or_proceeding_is_proposed() -> None:
    # the cue names no term only this claim has ("the company" is anyone's): proposed
    text = ("Lawyers for people whose addresses leaked in the SwiftParcel breach said on Monday "
            "that a suit was filed against the company.")
    assert got(text, "customer-suit") == ("ongoing", False)


def test_hedged_modal_or_negated_cues_stay_proposals_or_move_nothing() -> None:
    hedged = "SwiftParcel customers reportedly sued the company in court over the breach, sources said."
    modal = "SwiftParcel customers could sue the company in court over the breach of their addresses."
    negated = "SwiftParcel customers have not sued the company in court over the breach of their addresses."
    assert got(hedged, "customer-suit") == ("ongoing", False)
    assert got(modal, "customer-suit") in (None, ("ongoing", False))
    assert got(negated, "customer-suit") is None


def test_the_same_cue_at_high_is_applied_as_before() -> None:
    text = "SwiftParcel customers sued the company in court on Monday over the breach of their addresses."
    assert got(text, "customer-suit", th=Thresholds(low=30.0, high=31.0), below=False) == ("ongoing", True)


# --- rival cues ----------------------------------------------------------------------------------

def test_a_rival_cue_with_one_sign_does_not_make_a_tied_cue_ambiguous() -> None:
    # "ended" names only "the company" of the suit's claim: one sign, likelier about the quarter
    text = ("SwiftParcel customers sued the company in court on Monday over the breach of their addresses. "
            "SwiftParcel, the company said, ended its quarter with less cash than a year ago.")
    assert got(text, "customer-suit") == ("ongoing", True)


def test_a_rival_cue_with_two_signs_keeps_the_change_a_proposal() -> None:
    # the suit both filed and dismissed, each tied to the customers' suit: ambiguous
    text = ("SwiftParcel customers sued the company in court on Monday over the breach of their addresses. "
            "A judge dismissed the customers' lawsuit against SwiftParcel in court on Friday.")
    change = got(text, "customer-suit")
    assert change is not None and change[1] is False


# --- a figure tied to its claim ------------------------------------------------------------------

def test_a_revised_figure_with_two_of_the_claims_terms_is_applied_below_high() -> None:
    # "cost" in the figure's clause, "refunds" and "breach" in its sentence: a revision of $8 million
    text = "SwiftParcel told investors on Tuesday that the breach had cost it $11 million, mostly in refunds."
    assert got(text, "breach-cost") == ("$11 million", True)


def test_a_figure_with_one_claim_term_only_stays_a_proposal() -> None:
    # the figure's sentence names only "cost"; the claim's other words are in the sentence before
    text = ("SwiftParcel paid refunds and legal fees after the breach. Its finance chief told investors on "
            "Tuesday that the breach had cost it $11 million.")
    assert got(text, "breach-cost") == ("$11 million", False)


def test_a_far_off_hedged_or_first_figure_stays_a_proposal() -> None:
    far = "SwiftParcel told investors on Tuesday that the breach had cost it $900 million, mostly in refunds."
    hedged = "SwiftParcel told investors on Tuesday that the breach had cost it an estimated $11 million, mostly in refunds."
    assert got(far, "breach-cost") in (None, ("$900 million", False))
    assert got(hedged, "breach-cost") == ("$11 million", False)
    # a claim that had no figure of that unit: a first figure is not a revision
    first = replace(BREACH, claims=(replace(BREACH.claims[1], figures=()), *BREACH.claims[2:]))
    assert got("SwiftParcel told investors on Tuesday that the breach had cost it $11 million, mostly in refunds.",
               "breach-cost", topic=first) == ("$11 million", False)
