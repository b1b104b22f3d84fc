"""bot.service.review on real SQLite: the queue, decisions, revisions, audit and isolation."""

from __future__ import annotations

import asyncio

import pytest

from bot.models import ChangeKind, Status
from bot.service import ConflictError, InvalidInputError, NotFoundError, admin, browse, review
from storage import topics
from tests.test_service_browse import (
    ALICE,
    GUILD_A,
    GUILD_B,
    MALLORY,
    article_with_proposal,
    figure_change,
    setup_two_guilds,
)


async def match_count(db, article_id: int) -> int:
    return (await db.fetchone("SELECT COUNT(*) FROM matches WHERE article_id = ?", (article_id,)))[0]


async def test_pending_lists_only_this_servers_proposals(db):
    await setup_two_guilds(db)
    _, first = await article_with_proposal(db, GUILD_A)
    _, second = await article_with_proposal(db, GUILD_A, identity="g2", url="https://news.example/2",
                                            after="10,000 TB")
    _, other = await article_with_proposal(db, GUILD_B, identity="g3", url="https://news.example/3")
    page = await review.pending(db, GUILD_A)
    assert [p.id for p in page.proposals] == [first, second] and page.total == 2
    view = page.proposals[0]
    assert (view.topic_key, view.claim_key, view.kind, view.before, view.after) == (
        "msft", "storage", "figure_change", "8,000 TB", "9,000 TB")
    assert view.article_title == "Leak" and view.article_source == "Outlet A"
    assert view.diff.startswith("- figures: 8,000 TB") and view.state == "pending"
    assert [p.id for p in (await review.pending(db, GUILD_B)).proposals] == [other]
    assert [p.id for p in (await review.pending(db, GUILD_A, offset=1, limit=1)).proposals] == [second]


async def test_accept_applies_the_change_as_an_admin_revision(db):
    await setup_two_guilds(db)
    article_id, proposal_id = await article_with_proposal(db, GUILD_A)
    outcome = await review.decide(db, GUILD_A, proposal_id, "accept", actor_id=7, actor_name="bob")
    assert (outcome.state, outcome.rev, outcome.claim_key) == ("accepted", 2, "storage")
    assert outcome.before.figures == ("8,000 TB",)
    assert outcome.after.figures == ("9,000 TB",) and outcome.after.sources == ("Outlet A",)
    history = await browse.claim_history(db, GUILD_A, "msft", "storage")
    last = history[-1]
    assert (last.kind, last.actor, last.article_url) == ("figure_change", "admin:7",
                                                         "https://news.example/leak")
    assert last.reason.startswith("accepted by bob: figure 8,000 TB -> 9,000 TB")
    assert last.figures_added == ("9,000 TB",) and last.figures_removed == ("8,000 TB",)
    record = await topics.get_topic(db, GUILD_A, "msft")  # what the matcher loads next cycle
    assert record.state.claims[0].figures == ("9,000 TB",)
    assert (await browse.claim_detail(db, GUILD_B, "msft", "storage")).figures == ("8,000 TB",)
    assert await match_count(db, article_id) == 1
    audit = await admin.audit_log(db, GUILD_A)
    assert (audit.entries[0].action, audit.entries[0].actor_id) == ("review.accept", 7)
    assert "9,000 TB" in audit.entries[0].detail
    assert await review.pending(db, GUILD_A) == review.ReviewPage([], 0, 0)


async def test_an_accepted_change_is_queued_for_the_topics_channel_once(db):
    from storage import outbox

    await setup_two_guilds(db)
    _, proposal_id = await article_with_proposal(db, GUILD_A)
    before = {r.id for r in await outbox.pending(db, GUILD_A)}
    await review.decide(db, GUILD_A, proposal_id, "accept", actor_id=7, actor_name="bob")
    new = [r for r in await outbox.pending(db, GUILD_A) if r.id not in before]
    assert len(new) == 1
    post = new[0]
    assert post.proposal_id is None  # an update for members, not another review post
    assert post.kind == "figure_change" and post.payload["confident"] is True
    assert post.payload["after"] == "9,000 TB" and post.payload["accepted_by"] == "bob"
    assert "+ figures: 9,000 TB" in post.payload["diff"] and post.embed.get("title")
    assert [r for r in await outbox.pending(db, GUILD_B) if r.id not in before] == []
    _, rejected = await article_with_proposal(db, GUILD_A, identity="g9", url="https://news.example/9")
    await review.decide(db, GUILD_A, rejected, "reject", actor_id=7, actor_name="bob")
    updates = [r for r in await outbox.pending(db, GUILD_A) if r.id not in before and r.proposal_id is None]
    assert len(updates) == 1  # a rejected change is not posted


async def test_accept_applies_to_the_claim_as_it_is_now(db):
    await setup_two_guilds(db)
    _, proposal_id = await article_with_proposal(db, GUILD_A)
    await admin.set_status(db, GUILD_A, "msft", "storage", "confirmed", **ALICE)  # after proposing
    outcome = await review.decide(db, GUILD_A, proposal_id, "accept", **ALICE)
    assert outcome.after.status is Status.CONFIRMED and outcome.after.figures == ("9,000 TB",)


async def test_a_decided_proposal_cannot_be_decided_again(db):
    await setup_two_guilds(db)
    _, proposal_id = await article_with_proposal(db, GUILD_A)
    await review.decide(db, GUILD_A, proposal_id, "reject", **ALICE)
    for decision in ("accept", "reject", "unrelated"):
        with pytest.raises(ConflictError, match=rf"#{proposal_id} was already rejected by alice \(1\)"):
            await review.decide(db, GUILD_A, proposal_id, decision, **ALICE)
    assert (await browse.claim_detail(db, GUILD_A, "msft", "storage")).total_revisions == 1
    actions = [e.action for e in (await admin.audit_log(db, GUILD_A)).entries]
    assert actions.count("review.reject") == 1 and "review.accept" not in actions


async def test_reject_records_only_and_unrelated_forgets_the_match(db):
    await setup_two_guilds(db)
    kept, rejected = await article_with_proposal(db, GUILD_A)
    gone, unrelated = await article_with_proposal(db, GUILD_A, identity="g2",
                                                  url="https://news.example/2", after="1 PB")
    rejected_outcome = await review.decide(db, GUILD_A, rejected, "reject", **ALICE)
    assert rejected_outcome.rev is None and not rejected_outcome.unmatched
    outcome = await review.decide(db, GUILD_A, unrelated, " Unrelated ", **ALICE)
    assert outcome.state == "unrelated" and outcome.unmatched
    assert await match_count(db, kept) == 1 and await match_count(db, gone) == 0
    claim = await browse.claim_detail(db, GUILD_A, "msft", "storage")
    assert claim.figures == ("8,000 TB",) and claim.total_revisions == 1
    states = await db.fetchall("SELECT id, state, decided_by FROM proposals ORDER BY id")
    assert [tuple(r) for r in states] == [(rejected, "rejected", "alice (1)"),
                                          (unrelated, "unrelated", "alice (1)")]


async def test_another_server_cannot_see_or_decide_a_proposal(db):
    await setup_two_guilds(db)
    article_id, proposal_id = await article_with_proposal(db, GUILD_A)
    with pytest.raises(NotFoundError, match=rf"No proposal #{proposal_id} in this server"):
        await review.get(db, GUILD_B, proposal_id)
    for decision in ("accept", "reject", "unrelated"):
        with pytest.raises(NotFoundError):
            await review.decide(db, GUILD_B, proposal_id, decision, **MALLORY)
    assert (await review.get(db, GUILD_A, proposal_id)).state == "pending"
    assert await match_count(db, article_id) == 1
    assert (await admin.audit_log(db, GUILD_B)).entries[0].action == "guild.install"


async def test_bad_decisions_and_retired_claims_are_clear_errors(db):
    await setup_two_guilds(db)
    _, proposal_id = await article_with_proposal(db, GUILD_A)
    with pytest.raises(InvalidInputError, match="`maybe` is not a decision"):
        await review.decide(db, GUILD_A, proposal_id, "maybe", **ALICE)
    with pytest.raises(NotFoundError):
        await review.decide(db, GUILD_A, 999_999, "accept", **ALICE)
    await admin.retire_claim(db, GUILD_A, "msft", "storage", **ALICE)
    with pytest.raises(ConflictError, match="was retired, so it cannot be accepted"):
        await review.decide(db, GUILD_A, proposal_id, "accept", **ALICE)
    assert (await review.get(db, GUILD_A, proposal_id)).state == "pending"  # rolled back
    assert (await review.decide(db, GUILD_A, proposal_id, "reject", **ALICE)).state == "rejected"


async def test_accepting_a_proposal_moved_by_a_merge_updates_the_target(db):
    await setup_two_guilds(db)
    _, proposal_id = await article_with_proposal(db, GUILD_A, claim_key="review")
    await admin.merge_claims(db, GUILD_A, "msft", "review", "msft", "storage", **ALICE)
    (view,) = (await review.pending(db, GUILD_A)).proposals
    assert view.claim_key == "storage"
    outcome = await review.decide(db, GUILD_A, proposal_id, "accept", **ALICE)
    assert outcome.claim_key == "storage" and outcome.after.figures == ("9,000 TB",)


def test_change_from_payload_rebuilds_the_change_and_refuses_unknown_kinds():
    from bot.render.jsonl import change_to_json

    original = figure_change(url="https://news.example/x")
    payload = change_to_json(original)
    rebuilt = review.change_from_payload(payload, kind="figure_change",
                                         claim_statement=original.claim_statement)
    assert rebuilt.kind is ChangeKind.FIGURE_CHANGE
    assert (rebuilt.before, rebuilt.after, rebuilt.article) == (original.before, original.after,
                                                                original.article)
    assert rebuilt.claim_statement == original.claim_statement and not rebuilt.confident
    with pytest.raises(InvalidInputError, match="unknown kind"):
        review.change_from_payload({**payload, "change": "bogus"}, kind="", claim_statement=None)


async def test_two_admins_deciding_at_once_decide_only_once(db):
    await setup_two_guilds(db)
    _, proposal_id = await article_with_proposal(db, GUILD_A)
    results = await asyncio.gather(
        review.decide(db, GUILD_A, proposal_id, "accept", actor_id=1, actor_name="alice"),
        review.decide(db, GUILD_A, proposal_id, "accept", actor_id=2, actor_name="bob"),
        return_exceptions=True,
    )
    assert sorted(type(r).__name__ for r in results) == ["ConflictError", "DecisionOutcome"]
    assert (await browse.claim_detail(db, GUILD_A, "msft", "storage")).total_revisions == 2
