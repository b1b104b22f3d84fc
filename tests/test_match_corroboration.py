"""Corroboration (branch `noadmin`): a change left as a proposal only because its tie to the claim
is weak is applied when another outlet's pending proposal already reports the same value.
Invented stories: a bakery's bread recall (change detection) and a toy recall (one real poll
cycle over two feeds, the storage and review queue behind it)."""

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
from tests.test_match_changes import COURT, TH, entry
from tests.test_match_confident import BREACH
from tests.test_pipeline import rss

# the oven claim's own words next to the cue ("confirmed ... faulty thermostat"): all a confident
# update needs but the article's score, which `high` out of reach keeps below the bar
TIED = ("Brightloaf recall: the bakery confirmed the faulty thermostat in its oven, a spokesman said.")
# one word of the claim next to the cue ("confirmed the contamination"): a loose reading
WEAK = ("Brightloaf recall: a faulty thermostat in a Brightloaf oven caused the mould contamination, "
        "the union says. The bakery confirmed the contamination on Monday.")
BELOW_HIGH = Thresholds(low=30.0, high=100.0)
EARLIER = Proposed("status_change", "alleged", "confirmed", "Daily Crust", "https://crust.example/1",
                   "The bakery has confirmed a faulty thermostat in one oven was to blame.")


def with_pending(*pending: Proposed, topic: TopicState = COURT, key: str = "oven-fault") -> TopicState:
    return replace(topic, claims=tuple(replace(c, proposed=pending) if c.key == key else c for c in topic.claims))


def oven_change(topic: TopicState, text: str = TIED, source: str = "Bakers Weekly") -> Change:
    e = replace(entry("Brightloaf recall in court", text), source=source)
    result = next(r for r in Matcher([topic], BELOW_HIGH).match(e) if r.topic_key == topic.key)
    return next(c for c in detect_changes(topic, e, result, BELOW_HIGH)
                if c.kind is ChangeKind.STATUS_CHANGE and c.claim_key == "oven-fault")


def test_a_proposal_below_high_is_a_proposal_alone() -> None:
    change = oven_change(COURT)
    assert (change.after, change.confident, change.corroborated_by) == ("confirmed", False, ())


def test_a_loosely_tied_status_is_not_corroborated() -> None:
    # a status is one of a few words: two loose readings by two outlets agree by chance
    change = oven_change(with_pending(EARLIER), WEAK)
    assert (change.after, change.confident) == ("confirmed", False)


def test_another_outlets_pending_report_of_the_same_value_applies_it() -> None:
    change = oven_change(with_pending(EARLIER))
    assert (change.after, change.confident, change.corroborated_by) == ("confirmed", True, ("Daily Crust",))
    assert build_diff(change).endswith("+ reported by: Bakers Weekly, Daily Crust")
    assert "also reported by Daily Crust" in describe(change)


def test_the_same_outlet_a_republished_text_or_a_hedged_report_corroborates_nothing() -> None:
    same_outlet = replace(EARLIER, source=" bakers  WEEKLY ")
    syndicated = replace(EARLIER, evidence="Brightloaf recall: the bakery confirmed the faulty thermostat in its "
                                           "oven, the spokesman said.")
    hedged = replace(EARLIER, evidence="The bakery reportedly confirmed the contamination, sources said.")
    same_link = replace(EARLIER, url="https://news.example/b")  # the article read again
    for pending in (same_outlet, syndicated, hedged, same_link):
        assert oven_change(with_pending(pending)).confident is False, pending


def test_a_contested_or_outdated_pending_report_corroborates_nothing() -> None:
    denied = Proposed("status_change", "alleged", "denied", "Flour Post", None, "The bakery denied the fault.")
    assert oven_change(with_pending(EARLIER, denied)).confident is False  # two values pending: contested
    stale = replace(EARLIER, before="disputed")  # proposed when the claim stood otherwise
    assert oven_change(with_pending(stale)).confident is False
    figure = replace(EARLIER, kind="figure_change")
    assert oven_change(with_pending(figure)).confident is False


def test_a_hedged_new_report_is_not_made_confident_by_a_pending_one() -> None:
    hedged = "Brightloaf recall: the bakery reportedly confirmed the faulty thermostat in its oven, sources said."
    change = oven_change(with_pending(EARLIER), hedged)
    assert change.confident is False and change.corroborated_by == ()


def test_a_figure_written_differently_by_another_outlet_corroborates() -> None:
    # the figure's own clause names none of the claim's words: proposed, even from a strong match
    text = ("SwiftParcel paid refunds and legal fees after the breach. Its finance chief told investors on "
            "Tuesday that the total came to $11 million.")
    e = replace(entry("SwiftParcel breach update", text), source="Parcel Times")

    def change(t: TopicState) -> Change:
        result = next(r for r in Matcher([t], TH).match(e) if r.topic_key == t.key)
        return next(c for c in detect_changes(t, e, result, TH) if c.kind is ChangeKind.FIGURE_CHANGE)

    assert (change(BREACH).after, change(BREACH).confident) == ("$11 million", False)
    earlier = Proposed("figure_change", "$8 million", "$11m", "Courier Daily", None,
                       "The breach has cost SwiftParcel $11m so far, its auditors found.")
    got = change(with_pending(earlier, topic=BREACH, key="breach-cost"))
    assert (got.confident, got.corroborated_by) == (True, ("Courier Daily",))
    other = replace(earlier, after="$14 million", evidence="The breach cost SwiftParcel $14 million, auditors found.")
    assert change(with_pending(other, topic=BREACH, key="breach-cost")).confident is False


# --- the real cycle: two feeds (two outlets), one bot -------------------------------------------

OVEN = TopicConfig(
    key="brightloaf-court", title="Brightloaf's recall in court",
    keywords=(("brightloaf",), ("recall", "lawsuit", "sued", "investigation")),
    claims=tuple(ClaimConfig(c.key, c.statement, c.status) for c in COURT.claims),
)
FIRST = ("g-1", "https://crust.example/oven", "Brightloaf recall", TIED)
SECOND = ("g-2", "https://weekly.example/oven", "Brightloaf recall: the oven",
          "Brightloaf recall: inspectors found mould. The bakery has confirmed a faulty thermostat in one "
          "oven was to blame.")


async def oven_updates(db) -> tuple[list, list, list]:
    """(status updates applied, their claim's revisions, status proposals with their states)."""
    rows = [r for r in await outbox.pending(db, 0) if r.payload["change"] == "status_change"
            and r.payload["claim"] == "oven-fault"]
    record = await topics.get_topic(db, 0, OVEN.key)
    history = await topics.claim_history(db, record.claim_ids["oven-fault"])
    proposals = await db.fetchall("SELECT state, decided_by FROM proposals WHERE kind = 'status_change'")
    return rows, history, [tuple(p) for p in proposals]


async def test_a_second_outlet_in_the_same_cycle_applies_the_value(db, server, fetcher):
    server.route("/crust", body=rss(FIRST, title="Daily Crust"))
    server.route("/weekly", body=rss(SECOND, title="Bakers Weekly"))
    await feeds.sync_config_feeds(db, [FeedConfig(server.url("/crust")), FeedConfig(server.url("/weekly"))])
    await topics.install_topics(db, 0, [OVEN])
    await Pipeline(db, fetcher, thresholds=BELOW_HIGH, guard=False).run_cycle(force=True)
    rows, history, proposals = await oven_updates(db)
    applied = [r for r in rows if r.payload["confident"]]
    assert len(applied) == 1 and applied[0].payload["after"] == "confirmed"
    outlets = {applied[0].payload["article"]["source"], *applied[0].payload["corroborated_by"]}
    assert outlets == {"Daily Crust", "Bakers Weekly"}
    assert "+ reported by: " in applied[0].payload["diff"]
    assert history[-1].status == "confirmed" and "also reported by" in (history[-1].reason or "")
    assert set(history[-1].sources) >= {"Daily Crust", "Bakers Weekly"}
    assert [s for s, _ in proposals] == ["superseded"]  # the first report left the queue
    # /why on the article that was applied names the other outlet
    report = await browse.why(db, 0, applied[0].payload["article"]["url"])
    post = next(p for p in report.posts if p.kind == "status_change")
    assert post.corroborated_by == tuple(applied[0].payload["corroborated_by"])
    text = str(why_embed(report).to_dict())
    assert f"also reported by {post.corroborated_by[0]}" in text


async def test_a_second_outlet_in_a_later_cycle_applies_the_value(db, server, fetcher):
    server.route("/crust", body=rss(FIRST, title="Daily Crust"))
    await feeds.sync_config_feeds(db, [FeedConfig(server.url("/crust"))])
    await topics.install_topics(db, 0, [OVEN])
    pipe = Pipeline(db, fetcher, thresholds=BELOW_HIGH, guard=False)
    await pipe.run_cycle(force=True)
    rows, _, proposals = await oven_updates(db)
    assert [r.payload["confident"] for r in rows] == [False] and [s for s, _ in proposals] == ["pending"]
    # the same outlet again (another feed of it) corroborates nothing
    server.route("/crust2", body=rss(("g-3", "https://crust.example/oven-2", "Brightloaf oven",
                                      SECOND[3]), title="Daily Crust"))
    await feeds.sync_config_feeds(db, [FeedConfig(server.url("/crust")), FeedConfig(server.url("/crust2"))])
    await pipe.run_cycle(force=True)
    rows, _, proposals = await oven_updates(db)
    assert not any(r.payload["confident"] for r in rows)
    server.route("/weekly", body=rss(SECOND, title="Bakers Weekly"))
    await feeds.sync_config_feeds(db, [FeedConfig(server.url(p)) for p in ("/crust", "/crust2", "/weekly")])
    await pipe.run_cycle(force=True)
    rows, history, proposals = await oven_updates(db)
    applied = [r for r in rows if r.payload["confident"]]
    assert len(applied) == 1 and applied[0].payload["corroborated_by"] == ["Daily Crust"]
    assert history[-1].status == "confirmed"
    assert sorted(s for s, _ in proposals) == ["superseded", "superseded"]
