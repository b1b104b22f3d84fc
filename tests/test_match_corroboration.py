"""Corroboration (branch `noadmin`): a figure change tied to its claim as a confident one is, left
as a proposal only because the article scored below `high`, is applied when another outlet's
pending proposal already reports the same number. Statuses are never corroborated. Invented
stories: a parcel company's data breach (change detection, and one real poll cycle over two
feeds with the storage and review queue behind it) and a bakery's recall."""

from __future__ import annotations

from dataclasses import replace

from bot.apply import describe
from bot.config import ClaimConfig, FeedConfig, TopicConfig
from bot.diff import build_diff
from bot.discord_bot.format.why import why_embed
from bot.match import Matcher, Thresholds, detect_changes
from bot.models import Change, ChangeKind, Proposed, TopicState
from bot.pipeline import Pipeline
from bot.service import browse
from storage import feeds, outbox, topics
from tests.test_match_changes import COURT
from tests.test_match_confident import BREACH, entry
from tests.test_pipeline import rss, with_initial_figures_for

BELOW_HIGH = Thresholds(low=30.0, high=100.0)  # every match below `high`: only the sentence ties apply
# "cost" (the claim's) in the figure's own clause: tied as a confident figure is; scored 91.8 < 100
TIED = ("SwiftParcel paid refunds and legal fees after the breach. Its finance chief told investors on "
        "Tuesday that the breach had cost it $11 million.")
EARLIER = Proposed("figure_change", "$8 million", "$11m", "Courier Daily", "https://courier.example/1",
                   "The breach has now cost the company $11m, its chief executive said on Wednesday.")


def with_pending(*pending: Proposed, topic: TopicState = BREACH, key: str = "breach-cost") -> TopicState:
    return replace(topic, claims=tuple(replace(c, proposed=pending) if c.key == key else c for c in topic.claims))


def changes(topic: TopicState, text: str, kind: ChangeKind = ChangeKind.FIGURE_CHANGE,
            title: str = "SwiftParcel breach update") -> list[Change]:
    e = replace(entry(title, text), source="Parcel Times")
    result = next(r for r in Matcher([topic], BELOW_HIGH).match(e) if r.topic_key == topic.key)
    return [c for c in detect_changes(topic, e, result, BELOW_HIGH) if c.kind is kind]


def figure(topic: TopicState, text: str = TIED) -> Change:
    return next(c for c in changes(topic, text) if c.claim_key == "breach-cost")


def test_a_figure_below_high_is_a_proposal_alone() -> None:
    change = figure(BREACH)
    assert (change.before, change.after, change.confident, change.corroborated_by) == (
        "$8 million", "$11 million", False, ())


def test_another_outlets_pending_report_of_the_same_number_applies_it() -> None:
    change = figure(with_pending(EARLIER))  # "$11m" there, "$11 million" here: the same figure
    assert (change.after, change.confident, change.corroborated_by) == ("$11 million", True, ("Courier Daily",))
    assert build_diff(change).endswith("+ reported by: Parcel Times, Courier Daily")
    assert "also reported by Courier Daily" in describe(change)


def test_the_same_outlet_a_republished_text_a_hedged_report_or_the_same_link_corroborate_nothing() -> None:
    same_outlet = replace(EARLIER, source=" parcel  TIMES ")
    syndicated = replace(EARLIER, evidence="Its finance chief told investors on Tuesday that the breach had "
                                           "cost it $11 million.")
    hedged = replace(EARLIER, evidence="The breach reportedly cost the company $11m, sources said.")
    same_link = replace(EARLIER, url="https://news.example/breach")  # the article read again
    for pending in (same_outlet, syndicated, hedged, same_link):
        assert figure(with_pending(pending)).confident is False, pending


def test_a_contested_or_outdated_pending_report_corroborates_nothing() -> None:
    other = Proposed("figure_change", "$8 million", "$14 million", "Freight Post", None,
                     "The breach cost SwiftParcel $14 million, auditors found.")
    assert figure(with_pending(EARLIER, other)).confident is False  # two values pending: contested
    assert figure(with_pending(replace(EARLIER, before="$9 million"))).confident is False  # another state
    assert figure(with_pending(replace(EARLIER, kind="status_change"))).confident is False


def test_a_hedged_or_loosely_tied_figure_is_not_made_confident_by_a_pending_one() -> None:
    hedged = TIED.replace("cost it $11 million", "cost it an estimated $11 million")
    # the figure's own clause names none of the claim's words: not tied as a confident figure is
    loose = TIED.replace("that the breach had cost it $11 million", "that the total came to $11 million")
    for text in (hedged, loose):
        change = figure(with_pending(EARLIER), text)
        assert change.confident is False and change.corroborated_by == (), text


def test_a_status_is_never_corroborated() -> None:
    # the oven claim's own words next to the cue, below `high`; another outlet said the same
    text = "Brightloaf recall: the bakery confirmed the faulty thermostat in its oven, a spokesman said."
    earlier = Proposed("status_change", "alleged", "confirmed", "Daily Crust", None,
                       "The bakery has confirmed a faulty thermostat in one oven was to blame.")
    topic = with_pending(earlier, topic=COURT, key="oven-fault")
    change = next(c for c in changes(topic, text, ChangeKind.STATUS_CHANGE, "Brightloaf recall in court")
                  if c.claim_key == "oven-fault")
    assert (change.after, change.confident, change.corroborated_by) == ("confirmed", False, ())


# --- the real cycle: two feeds (two outlets), one bot -------------------------------------------

BREACH_CONFIG = with_initial_figures_for(TopicConfig(
    key=BREACH.key, title=BREACH.title, keywords=BREACH.keywords,
    claims=tuple(ClaimConfig(c.key, c.statement, c.status) for c in BREACH.claims),
))
FIRST = ("g-1", "https://courier.example/breach", "SwiftParcel breach update",
         "SwiftParcel's refunds and legal fees kept piling up after the breach. The breach has now cost "
         "the company $11m, its chief executive said on Wednesday.")
SECOND = ("g-2", "https://times.example/breach", "SwiftParcel breach update", TIED)


async def breach_updates(db) -> tuple[list, list, list]:
    """(figure updates of the cost claim, the claim's revisions, figure proposals' states)."""
    rows = [r for r in await outbox.pending(db, 0) if r.payload["change"] == "figure_change"
            and r.payload["claim"] == "breach-cost"]
    record = await topics.get_topic(db, 0, BREACH.key)
    history = await topics.claim_history(db, record.claim_ids["breach-cost"])
    proposals = await db.fetchall("SELECT state FROM proposals WHERE kind = 'figure_change'")
    return rows, history, [p[0] for p in proposals]


async def test_a_second_outlet_in_the_same_cycle_applies_the_figure(db, server, fetcher):
    server.route("/courier", body=rss(FIRST, title="Courier Daily"))
    server.route("/times", body=rss(SECOND, title="Parcel Times"))
    await feeds.sync_config_feeds(db, [FeedConfig(server.url("/courier")), FeedConfig(server.url("/times"))])
    await topics.install_topics(db, 0, [BREACH_CONFIG])
    await Pipeline(db, fetcher, thresholds=BELOW_HIGH, guard=False).run_cycle(force=True)
    rows, history, proposals = await breach_updates(db)
    applied = [r for r in rows if r.payload["confident"]]
    assert len(applied) == 1 and len(rows) == 2
    outlets = {applied[0].payload["article"]["source"], *applied[0].payload["corroborated_by"]}
    assert outlets == {"Courier Daily", "Parcel Times"}
    assert "+ reported by: " in applied[0].payload["diff"]
    assert "also reported by" in (history[-1].reason or "") and history[-1].actor == "dossier"
    assert set(history[-1].sources) >= {"Courier Daily", "Parcel Times"}
    assert proposals == ["superseded"]  # the first report left the review queue
    # /why on the article that was applied names the other outlet
    report = await browse.why(db, 0, applied[0].payload["article"]["url"])
    post = next(p for p in report.posts if p.kind == "figure_change")
    assert post.corroborated_by == tuple(applied[0].payload["corroborated_by"])
    assert f"also reported by {post.corroborated_by[0]}" in str(why_embed(report).to_dict())


async def test_a_second_outlet_in_a_later_cycle_applies_the_figure(db, server, fetcher):
    server.route("/courier", body=rss(FIRST, title="Courier Daily"))
    await feeds.sync_config_feeds(db, [FeedConfig(server.url("/courier"))])
    await topics.install_topics(db, 0, [BREACH_CONFIG])
    pipe = Pipeline(db, fetcher, thresholds=BELOW_HIGH, guard=False)
    await pipe.run_cycle(force=True)
    rows, _, proposals = await breach_updates(db)
    assert [r.payload["confident"] for r in rows] == [False] and proposals == ["pending"]
    # the same outlet again (another feed of it) corroborates nothing
    server.route("/courier2", body=rss(("g-3", "https://courier.example/breach-2", "SwiftParcel update",
                                        SECOND[3]), title="Courier Daily"))
    await feeds.sync_config_feeds(db, [FeedConfig(server.url("/courier")), FeedConfig(server.url("/courier2"))])
    await pipe.run_cycle(force=True)
    rows, _, proposals = await breach_updates(db)
    assert not any(r.payload["confident"] for r in rows) and proposals == ["pending", "pending"]
    server.route("/times", body=rss(SECOND, title="Parcel Times"))
    await feeds.sync_config_feeds(db, [FeedConfig(server.url(p)) for p in ("/courier", "/courier2", "/times")])
    await pipe.run_cycle(force=True)
    rows, history, proposals = await breach_updates(db)
    applied = [r for r in rows if r.payload["confident"]]
    assert len(applied) == 1 and applied[0].payload["corroborated_by"] == ["Courier Daily"]
    assert "$11" in history[-1].figures[0] and proposals == ["superseded", "superseded"]


def test_pending_proposals_do_not_rebuild_the_matcher() -> None:
    """A cycle's proposals give the pipeline a new topic version for the next article; the
    matcher does not read them, so its key must not change (a W1 cold start rebuilt it 30 times
    instead of once when it did: +13 % CPU, +28 MB)."""
    from bot.pipeline import _matcher_key

    recorded = replace(BREACH, claims=tuple(
        replace(c, status=c.status, figures=("$11 million",), sources=("Parcel Times",), asked=2,
                former_figures=("$8 million",), proposed=(EARLIER,)) for c in BREACH.claims))
    assert _matcher_key(recorded) == _matcher_key(BREACH)
    reworded = replace(BREACH, claims=tuple(replace(c, statement=c.statement + " Still.") for c in BREACH.claims))
    assert _matcher_key(reworded) != _matcher_key(BREACH)
