"""Changes for claims the semantic side names but the words do not (`changes._near_claims`):
an article paraphrasing a claim scores below the match bar, and its change was lost. Invented
examples; the semantic side is a stand-in that gives each (claim, sentence) a cosine."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from bot.match import Matcher, Thresholds, detect_changes
from bot.models import Change, ChangeKind, ClaimState, Entry, Status, TopicState
from tests.semantic_standin import Sim

TH = Thresholds()
BAKERY = TopicState(
    key="brightloaf-recall", title="Brightloaf's bread recall",
    keywords=(("brightloaf",), ("recall", "recalled", "flour")),
    claims=(
        ClaimState("loaves", "Brightloaf recalled more than 20,000 loaves from its shops.", Status.ONGOING,
                   figures=("20,000 loaves",)),
        ClaimState("hearing", "The county health board has asked Brightloaf's owner to testify at a hearing.",
                   Status.ONGOING),
        ClaimState("vouchers", "Brightloaf's only compensation so far is a $5 voucher sent to grocers as an "
                   "apology; it has offered shoppers nothing.", Status.CONFIRMED, figures=("$5",)),
        ClaimState("supplier-suit", "Grocers are expected to sue the flour miller over the recall.",
                   Status.ALLEGED),
    ),
)


class Semantic:
    """Cosine per (claim key, word in the sentence); 0.2 (no evidence) otherwise."""

    def __init__(self, table: dict[tuple[str, str], float]) -> None:
        self.table = table

    def similarities(self, claims: Iterable[object], sentences: Sequence[str]) -> list[Sim]:
        out = []
        for c in claims:
            key = str(c.key)  # type: ignore[attr-defined]
            best = max(((max((v for (k, w), v in self.table.items() if k == key and w in s), default=0.2), i)
                        for i, s in enumerate(sentences)), default=(0.2, -1))
            out.append(Sim(key, best[0], best[1]))
        return out


def read(text: str, table: dict[tuple[str, str], float],
         title: str = "Brightloaf recall update") -> tuple[list[Change], dict[str, float], set[str]]:
    e = Entry(identity=title, url="https://news.example/b", title=title, summary="", content=text,
              published=None, source="Bakers Weekly", content_hash=title)
    result = next(r for r in Matcher([BAKERY], TH, semantic=Semantic(table)).match(e)
                  if r.topic_key == BAKERY.key)
    changes = [c for c in detect_changes(BAKERY, e, result, TH)
               if c.kind in (ChangeKind.STATUS_CHANGE, ChangeKind.FIGURE_CHANGE)]
    return changes, {m.claim_key: m.score for m in result.scores}, {m.claim_key for m in result.matches}


# sentences with none of the claims' words: a longer article, as most are (no short-text boost)
FILLER = (" The weather in the valley was mild this week. Trains ran on time on most lines. A new park "
          "opened by the river. Local schools start again in September. The mayor praised the volunteers.")
TESTIFYING = "A company manager testifying before state lawmakers on Monday apologised for the Brightloaf recall."
CLOSE = 0.55  # a cosine worth 67 semantic points: the semantic side alone would match


def test_a_near_claims_own_act_reported_done_is_proposed() -> None:
    changes, scores, matched = read(TESTIFYING + FILLER, {("hearing", "testifying"): CLOSE})
    assert "hearing" not in matched and scores["hearing"] < TH.low  # the words differ: no match
    (c,) = changes
    assert (c.claim_key, c.kind, c.after, c.confident) == ("hearing", ChangeKind.STATUS_CHANGE, "concluded", False)
    assert c.evidence == TESTIFYING


def test_a_near_claim_is_not_moved_by_a_cue_that_is_not_its_act_or_is_negated() -> None:
    confirmed = "A company manager confirmed before state lawmakers on Monday that the Brightloaf recall goes on."
    assert not read(confirmed + FILLER, {("hearing", "confirmed"): CLOSE})[0]
    negated = "A company manager has not testified before state lawmakers about the Brightloaf recall."
    assert not read(negated + FILLER, {("hearing", "testified"): CLOSE})[0]


def test_a_claim_the_semantic_side_alone_would_not_match_is_not_near() -> None:
    changes, scores, _ = read(TESTIFYING + FILLER, {("hearing", "testifying"): 0.40})  # 33 points < low
    assert "hearing" in scores and not changes


def test_a_cue_of_another_kind_of_proceeding_does_not_move_a_near_claim() -> None:
    # "sued" is the act of the suit claim, which is near too; the hearing claim is about no suit
    text = "Store owners sued a mill on Monday, weeks after the Brightloaf recall." + FILLER
    changes, _, matched = read(text, {("supplier-suit", "sued"): CLOSE, ("hearing", "sued"): CLOSE})
    assert not matched
    assert [(c.claim_key, c.after) for c in changes] == [("supplier-suit", "ongoing")]


def test_a_near_claim_takes_a_figure_of_a_unit_it_tracks_attached_by_its_words() -> None:
    text = "The forecast now includes a $2mn charge for vouchers after the Brightloaf recall." + FILLER
    changes, _, matched = read(text, {("vouchers", "forecast"): CLOSE})
    assert "vouchers" not in matched
    assert [(c.claim_key, c.before, c.after, c.confident) for c in changes] == [("vouchers", "$5", "$2mn", False)]
    # none of its words in the sentence: the sum may be anyone's
    text = "The forecast now includes a $2mn charge after the Brightloaf recall." + FILLER
    assert not read(text, {("vouchers", "forecast"): CLOSE})[0]
    # the hearing claim tracks no figure: none for it, however close the sentence
    text = "Lawmakers said the Brightloaf recall cost $40,000 so far." + FILLER
    assert not read(text, {("hearing", "Lawmakers"): CLOSE})[0]
