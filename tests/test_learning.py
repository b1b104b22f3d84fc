"""Learning from the review queue: decisions become claim examples, shown in /claim, undoable."""

from __future__ import annotations

import pytest

from bot.service import NotFoundError, admin, browse, review
from storage import examples, topics
from tests.test_service_browse import GUILD_A, GUILD_B, article_with_proposal, setup_two_guilds

EVIDENCE = "Unit 8200 kept 9,000 TB on Azure."  # what article_with_proposal's change carries


async def claim_state(db, guild_id: int = GUILD_A, key: str = "storage"):
    """The claim as the matcher loads it for the next cycle."""
    record = await topics.get_topic(db, guild_id, "msft")
    return next(c for c in record.state.claims if c.key == key)


async def test_accept_teaches_a_positive_example(db):
    await setup_two_guilds(db)
    article_id, proposal_id = await article_with_proposal(db, GUILD_A)
    outcome = await review.decide(db, GUILD_A, proposal_id, "accept", actor_id=7, actor_name="bob")
    assert outcome.learnt == "positive" and outcome.example_id is not None
    state = await claim_state(db)
    assert state.examples == (EVIDENCE,) and state.negatives == ()
    assert (await claim_state(db, GUILD_B)).examples == ()  # another server learnt nothing
    shown = (await browse.claim_detail(db, GUILD_A, "msft", "storage")).examples
    assert [(e.id, e.kind, e.text, e.proposal_id, e.actor) for e in shown] == [
        (outcome.example_id, "positive", EVIDENCE, proposal_id, "admin:7")]
    assert shown[0].article_url == "https://news.example/leak"
    row = await db.fetchone("SELECT article_id FROM claim_examples WHERE id = ?", (outcome.example_id,))
    assert row["article_id"] == article_id


async def test_not_related_teaches_a_negative_and_reject_teaches_nothing(db):
    await setup_two_guilds(db)
    _, rejected = await article_with_proposal(db, GUILD_A)
    outcome = await review.decide(db, GUILD_A, rejected, "reject", actor_id=7, actor_name="bob")
    assert outcome.learnt is None and outcome.example_id is None
    assert (await claim_state(db)).examples == () and (await claim_state(db)).negatives == ()
    _, unrelated = await article_with_proposal(db, GUILD_A, identity="g2", url="https://news.example/2")
    outcome = await review.decide(db, GUILD_A, unrelated, "unrelated", actor_id=7, actor_name="bob")
    assert outcome.learnt == "negative" and outcome.unmatched
    state = await claim_state(db)
    assert state.negatives == (EVIDENCE,) and state.examples == ()


async def test_the_same_evidence_is_learnt_once(db):
    await setup_two_guilds(db)
    _, first = await article_with_proposal(db, GUILD_A)
    _, second = await article_with_proposal(db, GUILD_A, identity="g2", url="https://news.example/2",
                                            after="10,000 TB")
    assert (await review.decide(db, GUILD_A, first, "accept", actor_id=7, actor_name="bob")).example_id
    again = await review.decide(db, GUILD_A, second, "accept", actor_id=7, actor_name="bob")
    assert again.example_id is None and again.learnt is None
    assert (await claim_state(db)).examples == (EVIDENCE,)


async def test_the_matcher_gets_the_newest_examples_only(db):
    await setup_two_guilds(db)
    record = await topics.get_topic(db, GUILD_A, "msft")
    claim_id = record.claim_ids["storage"]
    async with db.transaction() as conn:
        for i in range(examples.MAX_PER_KIND + 3):
            await examples.add_example(conn, claim_id, "positive", f"wording {i}", proposal_id=None,
                                       article_id=None, actor="admin:1")
        await examples.add_example(conn, claim_id, "negative", "  off\n topic  ", proposal_id=None,
                                   article_id=None, actor="admin:1")
    state = await claim_state(db)
    assert state.examples == tuple(f"wording {i}" for i in range(3, examples.MAX_PER_KIND + 3))
    assert state.negatives == ("off topic",)
    assert len((await browse.claim_detail(db, GUILD_A, "msft", "storage")).examples) == examples.MAX_PER_KIND + 4


async def test_an_admin_can_undo_an_example_and_it_is_audited(db):
    await setup_two_guilds(db)
    _, proposal_id = await article_with_proposal(db, GUILD_A)
    taught = await review.decide(db, GUILD_A, proposal_id, "accept", actor_id=7, actor_name="bob")
    with pytest.raises(NotFoundError):  # another server cannot touch it
        await admin.remove_example(db, GUILD_B, "msft", "storage", taught.example_id, actor_id=9,
                                   actor_name="mallory")
    with pytest.raises(NotFoundError, match="no learnt example #999"):
        await admin.remove_example(db, GUILD_A, "msft", "storage", 999, actor_id=7, actor_name="bob")
    removed = await admin.remove_example(db, GUILD_A, "msft", "storage", taught.example_id,
                                         actor_id=7, actor_name="bob")
    assert (removed.id, removed.kind, removed.text) == (taught.example_id, "positive", EVIDENCE)
    assert (await claim_state(db)).examples == ()
    assert (await browse.claim_detail(db, GUILD_A, "msft", "storage")).examples == []
    entry = (await admin.audit_log(db, GUILD_A)).entries[0]
    assert (entry.action, entry.actor_id, entry.target) == ("claim.unlearn", 7, "msft/storage")
    assert EVIDENCE in entry.detail
    with pytest.raises(NotFoundError):
        await admin.remove_example(db, GUILD_A, "msft", "storage", taught.example_id, actor_id=7,
                                   actor_name="bob")


async def test_examples_survive_claim_edits_and_go_with_the_claim(db):
    await setup_two_guilds(db)
    _, proposal_id = await article_with_proposal(db, GUILD_A)
    await review.decide(db, GUILD_A, proposal_id, "unrelated", actor_id=7, actor_name="bob")
    await admin.edit_statement(db, GUILD_A, "msft", "storage", "Unit 8200 kept its archive on Azure.",
                               actor_id=7, actor_name="bob")
    state = await claim_state(db)
    assert state.statement == "Unit 8200 kept its archive on Azure." and state.negatives == (EVIDENCE,)
    await admin.remove_topic(db, GUILD_A, "msft", actor_id=7, actor_name="bob")
    assert (await db.fetchone("SELECT COUNT(*) FROM claim_examples"))[0] == 0


# --- the lexical matcher uses what was learnt --------------------------------------------------

def _topic(**learnt):
    from bot.models import ClaimState, Status, TopicState

    return TopicState(
        key="orion-port", title="Orion and the Port Authority",
        keywords=(("orion",), ("port authority", "harbour")),
        claims=(ClaimState("suspension", "Orion suspended the Port Authority's video analytics subscriptions.",
                           Status.CONFIRMED, **learnt),
                ClaimState("audit", "Orion's audit of how the Port Authority uses its servers is ongoing.",
                           Status.ONGOING)),
    )


def _score(topic, title: str, content: str, semantic=None) -> float:
    from bot.match import Matcher, Thresholds
    from bot.models import Entry

    e = Entry(identity=title, url="https://news.example/a", title=title, summary="", content=content,
              published=None, source="Harbour Gazette", content_hash=title)
    result = Matcher([topic], Thresholds(), semantic=semantic).match(e)[0]
    return next((m.score for m in result.scores if m.claim_key == "suspension"), 0.0)


def test_an_accepted_example_credits_what_says_the_same_thing_only():
    from bot.match.semantic import SemanticScorer

    scorer = SemanticScorer()
    wording = "Orion cut off the harbour authority's access to its camera analysis tools."
    same = ("Port Authority loses Orion tools", "Orion cut off the harbour authority's access to its camera "
            "analysis tools on Monday, the agency said.")
    on_topic = ("Port Authority and Orion", "Orion's harbour contract with the Port Authority runs until 2027, "
                "the agency said on Monday.")
    assert _score(_topic(examples=(wording,)), *same, semantic=scorer) > _score(_topic(), *same, semantic=scorer)
    assert _score(_topic(examples=(wording,)), *on_topic, semantic=scorer) == pytest.approx(
        _score(_topic(), *on_topic, semantic=scorer))
    # lexical-only, examples are not claim variants: whole news sentences would match the story at large
    assert _score(_topic(examples=(wording,)), *same) == _score(_topic(), *same)


def test_a_not_related_example_lowers_what_resembles_it_only():
    from bot.match import Thresholds

    told_off = "Orion suspended the Port Authority's video analytics subscriptions in a 2019 trial, archives show."
    same = ("Orion and the Port Authority", told_off)
    other = ("Orion and the Port Authority", "Orion suspended the Port Authority's video analytics "
             "subscriptions on Friday after a review.")
    assert _score(_topic(), *same) >= Thresholds().low
    assert _score(_topic(negatives=(told_off,)), *same) < Thresholds().low
    assert _score(_topic(negatives=(told_off,)), *other) >= Thresholds().low
    assert _score(_topic(negatives=("Heavy snow closed the harbour.",)), *same) == _score(_topic(), *same)


async def test_a_database_from_before_claim_examples_is_migrated(tmp_path):
    import aiosqlite

    from storage.db import Database, migrations

    steps = migrations()
    index = next(i for i, (_, name, _) in enumerate(steps) if "claim_examples" in name)
    path = tmp_path / "old.db"
    async with aiosqlite.connect(path) as conn:  # a database left by the version before it
        for version, _, sql in steps[:index]:
            await conn.executescript(sql)
            await conn.execute(f"PRAGMA user_version = {version}")
        await conn.execute("INSERT INTO topics (guild_id, key, title, keywords, exclude, origin, created_at, "
                           "updated_at) VALUES (0, 't', 'T', '[[\"a\"]]', '[]', 'config', '2026-01-01T00:00:00+00:00', '2026-01-01T00:00:00+00:00')")
        await conn.execute("INSERT INTO claims (topic_id, key, statement, status, created_at, updated_at) "
                           "VALUES (1, 'c', 'A claim.', 'alleged', '2026-01-01T00:00:00+00:00', '2026-01-01T00:00:00+00:00')")
        await conn.commit()
    db = await Database.open(path)
    try:
        assert await db.user_version() == len(steps)
        record = await topics.get_topic(db, 0, "t")
        assert record.state.claims[0].examples == () and record.state.claims[0].negatives == ()
        async with db.transaction() as conn:
            await examples.add_example(conn, record.claim_ids["c"], "positive", "Said otherwise.",
                                       proposal_id=None, article_id=None, actor="admin:1")
        assert (await topics.get_topic(db, 0, "t")).state.claims[0].examples == ("Said otherwise.",)
    finally:
        await db.close()
