"""An update applied by the bot closes the claim's older pending proposals it has outdated
(branch `noadmin`): accepting one of them would set the claim back to what an older article
said. Real SQLite, the storage and review service the bot uses."""

from __future__ import annotations

from dataclasses import replace

import pytest

from bot.models import Status
from bot.render.jsonl import change_to_json
from bot.service import ConflictError, review
from storage import articles, topics
from storage.outcomes import Post, TopicOutcome, record_outcomes
from tests.test_service_browse import FEED_A as FEED
from tests.test_service_browse import (
    GUILD_A,
    GUILD_B,
    article_with_proposal,
    detail,
    entry,
    feed_id,
    figure_change,
    setup_two_guilds,
)


async def apply_update(db, guild_id: int, *, kind: str, before: str | None, after: str,
                       identity: str = "newer", url: str = "https://news.example/newer") -> None:
    """Store a newer article whose change the bot applied to the claim `storage` (not a proposal)."""
    stored = await articles.store_entries(db, await feed_id(db, FEED), [entry(identity, url=url, title="Newer")])
    record = await topics.get_topic(db, guild_id, "msft")
    claim_id = record.claim_ids["storage"]
    claim = next(c for c in record.state.claims if c.key == "storage")
    if kind == "figure_change":
        figures = tuple(after if f == before else f for f in claim.figures)
        new_state = replace(claim, figures=figures)
    else:
        new_state = replace(claim, status=Status(after))
    change = replace(figure_change(url=url, after=after), before=before, confident=True)
    post = Post(kind=kind, claim_id=claim_id, payload=change_to_json(change), embed={"title": "update"},
                new_state=new_state, reason=f"{kind} -> {after}", before_value=before, after_value=after,
                score=70.0, evidence=change.evidence)
    outcome = TopicOutcome(record.id, guild_id, True, detail(), [(claim_id, 70.0, change.evidence)], [post])
    await record_outcomes(db, stored[0].article_id, stored[0].entry.content_hash, [outcome], backlog=False)


async def state_of(db, proposal_id: int) -> tuple[str, str | None]:
    row = await db.fetchone("SELECT state, decided_by FROM proposals WHERE id = ?", (proposal_id,))
    return row[0], row[1]


async def test_an_applied_figure_update_supersedes_the_older_proposal_for_that_figure(db):
    await setup_two_guilds(db)
    _, mine = await article_with_proposal(db, GUILD_A)  # 8,000 TB -> 9,000 TB, pending
    _, theirs = await article_with_proposal(db, GUILD_B, identity="g2", url="https://news.example/2")
    await apply_update(db, GUILD_A, kind="figure_change", before="8,000 TB", after="10,000 TB")
    state, by = await state_of(db, mine)
    assert state == "superseded" and by is not None and "newer article" in by
    assert (await review.pending(db, GUILD_A)).total == 0
    with pytest.raises(ConflictError, match="superseded"):
        await review.decide(db, GUILD_A, mine, "accept", actor_id=7, actor_name="bob")
    claim = next(c for c in (await topics.get_topic(db, GUILD_A, "msft")).state.claims if c.key == "storage")
    assert claim.figures == ("10,000 TB",)  # the newer article's value stays
    assert await state_of(db, theirs) == ("pending", None)  # another server's queue is its own


async def test_an_update_of_another_kind_or_figure_leaves_the_proposal_pending(db):
    await setup_two_guilds(db)
    _, proposal = await article_with_proposal(db, GUILD_A)
    await apply_update(db, GUILD_A, kind="status_change", before="alleged", after="confirmed")
    assert await state_of(db, proposal) == ("pending", None)
    await apply_update(db, GUILD_A, kind="figure_change", before="42 servers", after="50 servers",
                       identity="other", url="https://news.example/other")
    assert await state_of(db, proposal) == ("pending", None)
    assert (await review.pending(db, GUILD_A)).total == 1


async def test_claims_carry_their_newest_pending_proposals_with_their_outlet(db):
    await setup_two_guilds(db)
    ids = [(await article_with_proposal(db, GUILD_A, identity=f"p{i}", url=f"https://news.example/p{i}",
                                        after=f"{9000 + i:,} TB"))[1] for i in range(topics.MAX_PROPOSED + 2)]
    claim = next(c for c in (await topics.get_topic(db, GUILD_A, "msft")).state.claims if c.key == "storage")
    assert len(claim.proposed) == topics.MAX_PROPOSED and len(ids) == topics.MAX_PROPOSED + 2
    first, last = claim.proposed[0], claim.proposed[-1]
    assert (first.after, last.after) == ("9,002 TB", f"{9000 + topics.MAX_PROPOSED + 1:,} TB")  # the newest
    assert (last.kind, last.before, last.url) == ("figure_change", "8,000 TB", f"https://news.example/p{len(ids) - 1}")
    assert last.source  # the outlet of its article (the feed's name)
    other = next(c for c in (await topics.get_topic(db, GUILD_B, "msft")).state.claims if c.key == "storage")
    assert other.proposed == ()
