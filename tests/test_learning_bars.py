"""Decisions as labels at a score: each claim's own match bar, and the questions that earn them
(bot/match/learnt.py). Invented examples only."""

from __future__ import annotations

from dataclasses import replace

import pytest

from bot.match import Matcher, Thresholds, learnt
from bot.match.learnt import CAP, claim_bar, match_checks, questions
from bot.models import ChangeKind, ClaimMatch, ClaimState, Entry, Status, TopicState
from bot.service import review
from storage import examples, topics
from tests.test_service_browse import GUILD_A, article_with_proposal, setup_two_guilds

LOW = 40.0


def test_no_labels_or_too_few_leave_the_bar_at_low():
    assert claim_bar((), LOW) == LOW
    assert claim_bar([(46.0, False)], LOW) == LOW  # one decision is not enough to act on


def test_not_related_above_the_bar_raises_it_and_yes_below_lowers_it():
    raised = claim_bar([(46.0, False), (44.0, False)], LOW)
    assert LOW < raised <= LOW + CAP
    lowered = claim_bar([(33.0, True), (35.0, True)], LOW)
    assert LOW - CAP <= lowered < LOW
    # labels that agree with the bar as it is teach little: it stays close to low
    assert abs(claim_bar([(70.0, True), (10.0, False)], LOW) - LOW) < 1.0
    # more evidence moves it further, never beyond the cap
    assert claim_bar([(46.0, False)] * 6, LOW) > raised
    assert claim_bar([(95.0, False)] * 40, LOW) == LOW + CAP
    assert claim_bar([(1.0, True)] * 40, LOW) == LOW - CAP


def test_answers_that_cancel_out_leave_any_low_exactly():
    assert claim_bar([(37.33 + 8, True), (37.33 - 8, False)], 37.33) == 37.33


def test_the_bar_follows_the_topics_low_and_ignores_label_order():
    labels = [(52.0, False), (49.0, False), (61.0, True)]
    assert claim_bar(labels, 50.0) - 50.0 == pytest.approx(claim_bar([(s - 10, y) for s, y in labels], LOW) - LOW)
    assert claim_bar(labels, LOW) == claim_bar(list(reversed(labels)), LOW)


def _m(key: str, score: float, evidence: str = "a sentence") -> ClaimMatch:
    return ClaimMatch(key, score, evidence, {})


def test_questions_are_the_nearest_to_the_bar_within_reach():
    scores = [_m("far", 80.0), _m("near", 41.0), _m("below", 30.0), _m("edge", 25.5), _m("zero", 0.0),
              _m("mute", 39.0, evidence=" ")]
    bars = dict.fromkeys(("far", "near", "below", "edge", "zero", "mute"), LOW)
    asked = questions(scores, bars, {})
    assert [q.claim_key for q in asked] == ["near", "below", "edge"]
    assert [q.claim_key for q in questions(scores, bars, {"near": learnt.ASK_UNTIL})] == ["below", "edge"]
    assert [q.claim_key for q in questions(scores, bars, {}, skip=frozenset({"below"}))] == ["near", "edge"]
    # a claim's own bar decides what is uncertain: with its bar at 50, 41 is as close as 59
    assert [q.claim_key for q in questions([_m("near", 41.0), _m("far", 80.0)], {"near": 50.0, "far": 70.0}, {})] \
        == ["near", "far"]
    many = [_m(f"c{i}", 40.0 + i) for i in range(6)]
    assert len(questions(many, {m.claim_key: LOW for m in many}, {})) == learnt.ASK_PER_ARTICLE


def _topic(**learnt_fields) -> TopicState:
    return TopicState(
        key="orion-port", title="Orion and the Port Authority",
        keywords=(("orion",), ("port authority", "harbour")),
        claims=(ClaimState("suspension", "Orion suspended the Port Authority's video analytics subscriptions.",
                           Status.CONFIRMED, **learnt_fields),
                ClaimState("audit", "Orion's audit of how the Port Authority uses its servers is ongoing.",
                           Status.ONGOING)),
    )


ENTRY = Entry(identity="a", url="https://news.example/a", title="Orion and the Port Authority", summary="",
              content="Orion suspended the Port Authority's video analytics subscriptions on Friday.",
              published=None, source="Harbour Gazette", content_hash="a")


def _result(topic: TopicState, low: float = LOW):
    return Matcher([topic], Thresholds(low=low, high=max(60.0, low))).match(ENTRY)[0]


def test_a_claims_learnt_bar_decides_its_match_and_why_shows_it():
    score = next(m.score for m in _result(_topic()).scores if m.claim_key == "suspension")
    low = score - 2  # a server whose bar is just under this claim's score
    plain = _result(_topic(), low)
    assert "suspension" in {m.claim_key for m in plain.matches}
    # "not related" several times just above this score: the claim's bar moves above it
    taught = _topic(labels=((score + 1, False),) * 8)
    result = _result(taught, low)
    assert "suspension" not in {m.claim_key for m in result.matches}
    shown = next(m for m in result.scores if m.claim_key == "suspension")
    assert shown.score == score and shown.features["learnt_bar"] > score
    # the other claim is untouched
    assert [(m.claim_key, m.score) for m in result.scores if m.claim_key == "audit"] == \
        [(m.claim_key, m.score) for m in plain.scores if m.claim_key == "audit"]


def test_without_enough_answers_matching_is_exactly_as_before():
    score = next(m.score for m in _result(_topic()).scores if m.claim_key == "suspension")
    low = score - 2
    assert _result(_topic(), low) == _result(_topic(labels=((score + 1, False),)), low)  # one answer only
    assert Matcher([_topic()], Thresholds()).bars == ({"suspension": LOW, "audit": LOW},)


def test_match_checks_ask_about_uncertain_claims_as_review_proposals():
    topic = _topic()
    low = next(m.score for m in _result(topic).scores if m.claim_key == "suspension") - 5
    result = _result(topic, low)
    scores = {m.claim_key: m.score for m in result.scores}
    asked = match_checks(topic, ENTRY, result, low)
    assert [c.claim_key for c in asked] == ["suspension"]  # "audit" is far below the bar
    change = asked[0]
    assert change.kind is ChangeKind.MATCH_CHECK and not change.confident
    assert change.score == scores["suspension"] and change.article.url == ENTRY.url and change.evidence
    # a claim with a change already proposed for this article is not asked about twice
    assert match_checks(topic, ENTRY, result, low, proposed=[replace(change)]) == []
    # nor one that has had enough answers, or was asked about often enough (answered or not)
    enough = _topic(labels=((low + 30, True), (low - 30, False)) * (learnt.ASK_UNTIL // 2))
    assert match_checks(enough, ENTRY, _result(enough, low), low) == []
    assert match_checks(_topic(asked=learnt.ASK_UNTIL), ENTRY, result, low) == []
    assert match_checks(topic, ENTRY, result, low, asked={"suspension": learnt.ASK_UNTIL}) == []


# --- the review queue: a question's answer is a label -------------------------------------------

async def _question(db, score: float = 37.0, identity: str = "q1") -> tuple[int, int]:
    """A stored match-check proposal for claim "storage" of GUILD_A; (article id, proposal id)."""
    from storage import articles
    from storage.outcomes import Post, TopicOutcome, record_outcomes
    from tests.test_service_browse import FEED_A, detail, entry, feed_id

    stored = await articles.store_entries(db, await feed_id(db, FEED_A), [entry(identity, url=f"https://news.example/{identity}")])
    record = await topics.get_topic(db, GUILD_A, "msft")
    claim_id = record.claim_ids["storage"]
    post = Post(kind="match_check", claim_id=claim_id, payload={"change": "match_check", "topic": "msft",
                                                                "claim": "storage", "score": score},
                embed=None, proposal=True, score=score, evidence="Unit 8200 kept files on the cloud.")
    outcome = TopicOutcome(record.id, GUILD_A, True, detail(), [], [post])
    await record_outcomes(db, stored[0].article_id, stored[0].entry.content_hash, [outcome], backlog=False)
    row = await db.fetchone("SELECT id FROM proposals WHERE kind = 'match_check' ORDER BY id DESC")
    return stored[0].article_id, row[0]


async def test_yes_to_a_question_matches_the_article_and_labels_the_claim(db):
    await setup_two_guilds(db)
    article_id, proposal_id = await _question(db, score=37.0)
    before = await browse.claim_detail(db, GUILD_A, "msft", "storage")
    outcome = await review.decide(db, GUILD_A, proposal_id, "accept", actor_id=7, actor_name="bob")
    assert outcome.rev is None and outcome.after is None and outcome.learnt == "positive"
    after = await browse.claim_detail(db, GUILD_A, "msft", "storage")
    assert after.total_revisions == before.total_revisions  # nothing applied to the claim
    match = await db.fetchone("SELECT score FROM matches WHERE article_id = ?", (article_id,))
    assert match is not None and match["score"] == 37.0
    assert (await db.fetchone("SELECT COUNT(*) FROM outbox WHERE kind = 'match_check' AND "
                              "payload LIKE '%accepted_by%'"))[0] == 0  # nothing posted as news
    state = next(c for c in (await topics.get_topic(db, GUILD_A, "msft")).state.claims if c.key == "storage")
    assert state.labels == ((37.0, True),) and state.asked == 1
    row = (await examples.examples_of_claim(db, (await topics.get_topic(db, GUILD_A, "msft")).claim_ids["storage"]))
    assert row[0].score == 37.0


async def test_no_to_a_question_and_undo_remove_the_label(db):
    from bot.service import admin

    await setup_two_guilds(db)
    _, proposal_id = await _question(db, score=44.0)
    outcome = await review.decide(db, GUILD_A, proposal_id, "unrelated", actor_id=7, actor_name="bob")
    state = next(c for c in (await topics.get_topic(db, GUILD_A, "msft")).state.claims if c.key == "storage")
    assert state.labels == ((44.0, False),)
    await admin.remove_example(db, GUILD_A, "msft", "storage", outcome.example_id, actor_id=7, actor_name="bob")
    state = next(c for c in (await topics.get_topic(db, GUILD_A, "msft")).state.claims if c.key == "storage")
    assert state.labels == ()


async def test_a_change_proposals_decision_teaches_an_example_but_is_no_label(db):
    await setup_two_guilds(db)
    _, proposal_id = await article_with_proposal(db, GUILD_A)  # scored 55
    await review.decide(db, GUILD_A, proposal_id, "unrelated", actor_id=7, actor_name="bob")
    state = next(c for c in (await topics.get_topic(db, GUILD_A, "msft")).state.claims if c.key == "storage")
    assert state.negatives and state.labels == ()


from bot.service import browse  # noqa: E402  (kept beside the tests that read /claim)

# --- settings, the poll cycle, /claim and /why ----------------------------------------------------

def test_questions_can_be_turned_off_by_setting_or_feeds_yaml(tmp_path):
    from bot.config import ConfigError, parse_config
    from bot.settings import load_settings
    from bot.startup import match_questions

    path = tmp_path / "feeds.yaml"
    on, off = load_settings({}, dotenv=False), load_settings({"DOSSIER_MATCH_QUESTIONS": "off"}, dotenv=False)
    plain = parse_config({}, path)
    assert match_questions(on, plain) and not match_questions(off, plain)
    assert not match_questions(on, parse_config({"matching": {"questions": "off"}}, path))
    assert match_questions(on, parse_config({"matching": {"questions": "on"}}, path))
    # unset: Discord asks, the console does not (no review queue there; JSON lines stay updates)
    assert not match_questions(on, plain, console=True)
    asked = load_settings({"DOSSIER_MATCH_QUESTIONS": "on"}, dotenv=False)
    assert match_questions(asked, plain, console=True)
    assert match_questions(on, parse_config({"matching": {"questions": "on"}}, path), console=True)
    assert not match_questions(asked, parse_config({"matching": {"questions": "off"}}, path), console=True)
    with pytest.raises(ConfigError, match=r"matching\.questions: must be on or off"):
        parse_config({"matching": {"questions": "sometimes"}}, path)


async def test_a_poll_cycle_asks_about_an_uncertain_match_once(db, server, fetcher):
    from bot.pipeline import Pipeline
    from storage import outbox
    from tests.test_pipeline import rss, setup

    # "units" scores ~53 here (lexical): just below a bar of 60, a match the bot is unsure of
    unsure = ("g-9", "https://news.example/acme-canada", "Acme widgets news",
              "Regulators asked Acme about the widgets it sold in Canada.")
    server.route("/a", body=rss(unsure), etag='"q1"')
    await setup(db, server, "/a")
    low = 60.0
    await Pipeline(db, fetcher, thresholds=Thresholds(low=low, high=90), guard=False).run_cycle(force=True)
    rows = await db.fetchall("SELECT c.key, p.score FROM proposals p JOIN claims c ON c.id = p.claim_id "
                             "WHERE p.kind = 'match_check'")
    assert [r["key"] for r in rows] == ["units"] and abs(rows[0]["score"] - low) < learnt.ASK_WITHIN
    printed = [r.payload for r in await outbox.pending(db, 0) if r.payload["change"] == "match_check"]
    assert {p["claim"] for p in printed} == {r["key"] for r in rows} and not any(p["confident"] for p in printed)
    # the same article seen again asks nothing more
    server.route("/a", body=rss(unsure), etag='"q2"')
    await Pipeline(db, fetcher, thresholds=Thresholds(low=low, high=90), guard=False).run_cycle(force=True)
    again = await db.fetchall("SELECT id FROM proposals WHERE kind = 'match_check'")
    assert len(again) == len(rows)


async def test_with_questions_off_the_cycle_asks_nothing(db, server, fetcher):
    from bot.pipeline import Pipeline
    from tests.test_pipeline import rss, setup

    unsure = ("g-9", "https://news.example/acme-canada", "Acme widgets news",
              "Regulators asked Acme about the widgets it sold in Canada.")
    server.route("/a", body=rss(unsure), etag='"q1"')
    await setup(db, server, "/a")
    await Pipeline(db, fetcher, thresholds=Thresholds(low=60, high=90), guard=False,
                   questions=False).run_cycle(force=True)
    assert (await db.fetchone("SELECT COUNT(*) FROM proposals WHERE kind = 'match_check'"))[0] == 0


async def test_claim_shows_the_learnt_bar_and_why_names_it(db):
    from bot.discord_bot.format import claim_embed, features_text

    await setup_two_guilds(db)
    for score in (44.0, 45.0):
        _, proposal_id = await _question(db, score=score, identity=f"q{score:g}")
        await db.executemany("UPDATE proposals SET evidence = ? WHERE id = ?", [(f"sentence {score}", proposal_id)])
        await review.decide(db, GUILD_A, proposal_id, "unrelated", actor_id=7, actor_name="bob")
    detail = await browse.claim_detail(db, GUILD_A, "msft", "storage")
    assert detail.low == LOW and detail.bar == claim_bar([(44.0, False), (45.0, False)], LOW) > LOW
    shown = str(claim_embed(detail).to_dict())
    assert f"Match bar', 'value': '{detail.bar:g} (this server's is 40" in shown.replace('"', "'")
    assert "(at 44)" in shown
    assert "learnt bar 43.5" in features_text({"learnt_bar": 43.5})


def test_a_question_reads_as_one_in_the_review_channel_and_the_terminal():
    from bot.diff import build_diff
    from bot.render.embed import QUESTION_NOTE, render_embed
    from bot.render.terminal import render_terminal

    topic = _topic()
    low = next(m.score for m in _result(topic).scores if m.claim_key == "suspension") - 5
    change = match_checks(topic, ENTRY, _result(topic, low), low)[0]
    change = replace(change, diff=build_diff(change))
    embed = render_embed(change)
    assert embed["title"].startswith("About this claim?") and embed["description"].startswith(QUESTION_NOTE)
    assert change.evidence in change.diff
    assert "[question: about this claim?]" in render_terminal(change).splitlines()[0]


async def test_one_cycle_over_a_backlog_asks_no_more_than_the_cap(db, server, fetcher, monkeypatch):
    from bot.pipeline import Pipeline
    from tests.test_pipeline import rss, setup

    monkeypatch.setattr(learnt, "ASK_UNTIL", 1)
    items = [(f"g-{i}", f"https://news.example/acme-{i}", "Acme widgets news",
              f"Regulators asked Acme about the widgets it sold in Canada (report {i}).") for i in range(3)]
    server.route("/a", body=rss(*items), etag='"b1"')
    await setup(db, server, "/a")
    await Pipeline(db, fetcher, thresholds=Thresholds(low=60, high=90), guard=False).run_cycle(force=True)
    assert (await db.fetchone("SELECT COUNT(*) FROM proposals WHERE kind = 'match_check'"))[0] == 1
