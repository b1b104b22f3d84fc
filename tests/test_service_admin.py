"""bot.service.admin on real SQLite: validation, revisions, audit rows and server isolation."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from bot.service import ConflictError, InvalidInputError, NotFoundError, admin, browse
from bot.service.errors import UnsafeFeedError
from storage import feeds, outbox, topics
from storage.delivery import mark_channel_broken
from tests.test_service_browse import (
    ALICE,
    FEED_A,
    FEED_B,
    GUILD_A,
    GUILD_B,
    MALLORY,
    article_with_proposal,
    feed_id,
    setup_two_guilds,
)

PUBLIC_FEED = "http://93.184.215.14/rss"  # a literal public IP: the SSRF guard needs no DNS


async def audit_rows(db, guild_id: int) -> list[tuple]:
    rows = await db.fetchall(
        "SELECT actor_id, actor_name, action, target FROM audit_log WHERE guild_id = ? "
        "AND action != 'guild.install' ORDER BY id", (guild_id,))
    return [tuple(r) for r in rows]


# --- topics -----------------------------------------------------------------------------------


async def test_add_topic_parses_keyword_groups_and_is_audited(db):
    await setup_two_guilds(db)
    topic = await admin.add_topic(db, GUILD_A, "cloud", "Cloud deals",
                                  " microsoft, azure ;israel,  unit   8200;; ", exclude="xbox; gaming",
                                  **ALICE)
    assert topic.keywords == (("microsoft", "azure"), ("israel", "unit 8200"))
    assert topic.exclude == ("xbox", "gaming") and topic.origin == "admin" and topic.claims == []
    assert await audit_rows(db, GUILD_A) == [(1, "alice", "topic.add", "cloud")]
    with pytest.raises(ConflictError, match="already has a topic `cloud`"):
        await admin.add_topic(db, GUILD_A, "cloud", "Again", "x", **ALICE)
    await admin.add_topic(db, GUILD_B, "cloud", "B's own", "x", **ALICE)  # keys are per server


@pytest.mark.parametrize(("key", "keywords", "message"), [
    ("Bad Key", "a", "not a valid topic key"),
    ("-dash", "a", "not a valid topic key"),
    ("ok", " ; , ;", "at least one keyword"),
])
async def test_add_topic_rejects_bad_input(db, key, keywords, message):
    with pytest.raises(InvalidInputError, match=message):
        await admin.add_topic(db, GUILD_A, key, "Title", keywords, **ALICE)
    assert await browse.list_topics(db, GUILD_A) == []


async def test_rename_keywords_excludes_and_remove(db):
    await setup_two_guilds(db)
    assert (await admin.rename_topic(db, GUILD_A, "msft", "  New   title ", **ALICE)).title == "New title"
    changed = await admin.set_keywords(db, GUILD_A, "msft", "azure; idf", **ALICE)
    assert changed.keywords == (("azure",), ("idf",))
    assert (await admin.set_excludes(db, GUILD_A, "msft", "", **ALICE)).exclude == ()
    record = await topics.get_topic(db, GUILD_A, "msft")  # what the matcher will load
    assert record.state.keywords == (("azure",), ("idf",)) and record.state.title == "New title"
    assert (await browse.topic_detail(db, GUILD_B, "msft")).title == "Microsoft and Unit 8200"
    removed = await admin.remove_topic(db, GUILD_A, "msft", **ALICE)
    assert removed.key == "msft" and removed.claims == 2
    assert await browse.list_topics(db, GUILD_A) == []
    assert [r[2] for r in await audit_rows(db, GUILD_A)] == [
        "topic.rename", "topic.keywords", "topic.excludes", "topic.remove"]


async def test_removing_a_topic_drops_its_unsent_updates(db):
    await setup_two_guilds(db)
    await article_with_proposal(db, GUILD_A)
    await admin.remove_topic(db, GUILD_A, "msft", **ALICE)
    assert await outbox.pending(db, GUILD_A) == []
    assert (await db.fetchone("SELECT COUNT(*) FROM proposals"))[0] == 0


# --- claims -----------------------------------------------------------------------------------


async def test_claim_edits_are_revisions_by_the_admin(db):
    await setup_two_guilds(db)
    added = await admin.add_claim(db, GUILD_A, "msft", "contract", "Microsoft renewed the contract.",
                                  "Alleged", **ALICE)
    assert added.status.value == "alleged" and added.revisions[0].actor == "admin:1"
    await admin.set_status(db, GUILD_A, "msft", "contract", "disputed", **ALICE)
    await admin.add_figure(db, GUILD_A, "msft", "contract", "$133m", **ALICE)
    await admin.add_source(db, GUILD_A, "msft", "contract", "The Guardian", **ALICE)
    change = await admin.edit_statement(db, GUILD_A, "msft", "contract",
                                        "Microsoft ended the contract.", **ALICE)
    assert change.before.statement == "Microsoft renewed the contract." and change.rev == 5
    assert change.after.figures == ("$133m",) and change.after.sources == ("The Guardian",)
    history = await browse.claim_history(db, GUILD_A, "msft", "contract")
    assert [(h.kind, h.actor) for h in history] == [
        ("created", "admin:1"), ("status_change", "admin:1"), ("figure_change", "admin:1"),
        ("new_source", "admin:1"), ("edit", "admin:1")]
    assert "alice" in history[1].reason
    assert [r[2] for r in await audit_rows(db, GUILD_A)] == [
        "claim.add", "claim.set_status", "claim.add_figure", "claim.add_source", "claim.edit"]
    record = await topics.get_topic(db, GUILD_A, "msft")
    assert "contract" in record.claim_ids


async def test_claim_edit_errors_are_clear_and_write_nothing(db):
    await setup_two_guilds(db)
    with pytest.raises(InvalidInputError, match=re.escape("`maybe` is not a status. Use one of: alleged")):
        await admin.add_claim(db, GUILD_A, "msft", "x", "Statement.", "maybe", **ALICE)
    with pytest.raises(ConflictError, match="already has a claim `storage`"):
        await admin.add_claim(db, GUILD_A, "msft", "storage", "Dup.", "alleged", **ALICE)
    with pytest.raises(ConflictError, match="already alleged"):
        await admin.set_status(db, GUILD_A, "msft", "storage", "alleged", **ALICE)
    with pytest.raises(ConflictError, match="already has the figure"):
        await admin.add_figure(db, GUILD_A, "msft", "storage", "8,000 TB", **ALICE)
    with pytest.raises(InvalidInputError, match="statement cannot be empty"):
        await admin.edit_statement(db, GUILD_A, "msft", "storage", "   ", **ALICE)
    with pytest.raises(InvalidInputError, match="too long"):
        await admin.edit_statement(db, GUILD_A, "msft", "storage", "x" * 1001, **ALICE)
    with pytest.raises(NotFoundError, match="No topic `nope`"):
        await admin.add_claim(db, GUILD_A, "nope", "x", "Statement.", "alleged", **ALICE)
    assert (await browse.claim_detail(db, GUILD_A, "msft", "storage")).total_revisions == 1
    assert await audit_rows(db, GUILD_A) == []


async def test_retire_claim_keeps_key_taken(db):
    await setup_two_guilds(db)
    await admin.retire_claim(db, GUILD_A, "msft", "review", **ALICE)
    assert "review" not in (await topics.get_topic(db, GUILD_A, "msft")).claim_ids
    with pytest.raises(NotFoundError, match="it was retired"):
        await admin.set_status(db, GUILD_A, "msft", "review", "concluded", **ALICE)
    with pytest.raises(ConflictError, match="retired claim keeps its key"):
        await admin.add_claim(db, GUILD_A, "msft", "review", "Again.", "alleged", **ALICE)


async def test_merge_moves_sources_figures_matches_and_proposals(db):
    await setup_two_guilds(db)
    await admin.add_source(db, GUILD_A, "msft", "review", "AP", **ALICE)
    await admin.add_figure(db, GUILD_A, "msft", "review", "3 weeks", **ALICE)
    article_id, proposal_id = await article_with_proposal(db, GUILD_A, claim_key="review")
    await admin.add_source(db, GUILD_A, "msft", "storage", "The Guardian", **ALICE)
    outcome = await admin.merge_claims(db, GUILD_A, "msft", "review", "msft", "storage", **ALICE)
    assert outcome.target_after.figures == ("8,000 TB", "3 weeks")
    assert outcome.target_after.sources == ("The Guardian", "AP")
    assert "Microsoft ordered an external review." in outcome.target_after.aliases
    assert (outcome.moved_matches, outcome.moved_proposals) == (1, 1)
    record = await topics.get_topic(db, GUILD_A, "msft")
    assert list(record.claim_ids) == ["storage"]
    source = await browse.claim_detail(db, GUILD_A, "msft", "review")
    assert source.retired_at is not None and source.merged_into == "storage"
    assert source.revisions[-1].kind == "merged"
    target_history = await browse.claim_history(db, GUILD_A, "msft", "storage")
    assert target_history[-1].kind == "merge" and target_history[-1].actor == "admin:1"
    moved = await db.fetchone("SELECT claim_id FROM matches WHERE article_id = ?", (article_id,))
    assert moved[0] == record.claim_ids["storage"]
    proposal = await db.fetchone("SELECT claim_id FROM proposals WHERE id = ?", (proposal_id,))
    assert proposal[0] == record.claim_ids["storage"]
    with pytest.raises(InvalidInputError, match="into itself"):
        await admin.merge_claims(db, GUILD_A, "msft", "storage", "msft", "storage", **ALICE)


# --- feeds ------------------------------------------------------------------------------------


async def test_add_feed_guards_against_private_targets(db):
    await setup_two_guilds(db)
    with pytest.raises(UnsafeFeedError, match=re.escape("I will not fetch `http://127.0.0.1/rss`")):
        await admin.add_feed(db, GUILD_A, "http://127.0.0.1/rss", **ALICE)
    with pytest.raises(InvalidInputError, match="is not a feed URL"):
        await admin.add_feed(db, GUILD_A, "ftp://example.com/rss", **ALICE)
    with pytest.raises(InvalidInputError, match="be polite"):
        await admin.add_feed(db, GUILD_A, PUBLIC_FEED, interval="10s", **ALICE)
    with pytest.raises(InvalidInputError, match="not an interval"):
        await admin.add_feed(db, GUILD_A, PUBLIC_FEED, interval="soon", **ALICE)
    assert len((await browse.feed_health(db, GUILD_A)).feeds) == 2
    local = await admin.add_feed(db, GUILD_A, "http://127.0.0.1/rss", allow_private=True, **ALICE)
    assert local.created and local.feed.origin == "admin"


async def test_feeds_are_shared_but_subscriptions_are_per_server(db):
    await setup_two_guilds(db)
    added = await admin.add_feed(db, GUILD_A, f"<{PUBLIC_FEED}>", name="Example", interval="30m", **ALICE)
    assert added.created and added.feed.name == "Example" and added.feed.interval.total_seconds() == 1800
    with pytest.raises(ConflictError, match="already follows"):
        await admin.add_feed(db, GUILD_A, PUBLIC_FEED, **ALICE)
    shared = await admin.add_feed(db, GUILD_B, PUBLIC_FEED, name="B's name", interval="2h", **ALICE)
    assert not shared.created and shared.feed.name == "Example"  # B cannot rename A's feed
    assert not (await admin.remove_feed(db, GUILD_A, PUBLIC_FEED, **ALICE)).deleted  # B still uses it
    assert (await admin.remove_feed(db, GUILD_B, PUBLIC_FEED, **ALICE)).deleted
    with pytest.raises(feeds.FeedNotFoundError):
        await feeds.get_feed(db, PUBLIC_FEED)
    config_feed = await admin.remove_feed(db, GUILD_A, FEED_A, **ALICE)
    assert not config_feed.deleted and (await feeds.get_feed(db, FEED_A)).origin == "config"
    with pytest.raises(NotFoundError, match="does not follow"):
        await admin.remove_feed(db, GUILD_A, FEED_A, **ALICE)


async def test_pause_and_resume_subscription_and_automatic_pause(db):
    await setup_two_guilds(db)
    paused = await admin.pause_feed(db, GUILD_A, FEED_A, **ALICE)
    assert paused.paused_here_at is not None
    with pytest.raises(ConflictError, match="already paused"):
        await admin.pause_feed(db, GUILD_A, FEED_A, **ALICE)
    assert not (await browse.feed_health(db, GUILD_B)).feeds[0].paused
    resumed = await admin.resume_feed(db, GUILD_A, FEED_A, **ALICE)
    assert not resumed.paused
    with pytest.raises(ConflictError, match="is not paused"):
        await admin.resume_feed(db, GUILD_A, FEED_A, **ALICE)
    now = datetime(2026, 1, 1, tzinfo=UTC)
    await feeds.record_poll(db, await feed_id(db, FEED_B), now=now, next_poll_at=now, status=500,
                            ok=False, error="HTTP 500", etag=None, last_modified=None, failures=8,
                            pause_reason="paused after 8 failures in a row: HTTP 500")
    cleared = await admin.resume_feed(db, GUILD_A, FEED_B, **ALICE)
    assert not cleared.paused and cleared.failures == 0
    assert [r[2] for r in await audit_rows(db, GUILD_A)] == ["feed.pause", "feed.resume", "feed.resume"]


# --- channels, thresholds, audit ----------------------------------------------------------------


async def test_setting_a_topic_channel_clears_its_error_and_releases_held_updates(db):
    await setup_two_guilds(db)
    await article_with_proposal(db, GUILD_A)
    await admin.set_topic_channel(db, GUILD_A, "msft", 10, **ALICE)
    await mark_channel_broken(db, GUILD_A, 10, "404 Unknown Channel")
    (row,) = await outbox.pending(db, GUILD_A)
    await outbox.hold(db, [row.id], error="404")
    result = await admin.set_topic_channel(db, GUILD_A, "msft", 11, **ALICE)
    assert (result.channel_id, result.released) == (11, 1)
    assert (await browse.feed_health(db, GUILD_A)).broken_channels == []
    assert [r.id for r in await outbox.pending(db, GUILD_A)] == [row.id]
    with pytest.raises(InvalidInputError):
        await admin.set_topic_channel(db, GUILD_A, "msft", 0, **ALICE)


async def test_setting_the_review_channel_releases_held_updates(db):
    await setup_two_guilds(db)
    await article_with_proposal(db, GUILD_A)
    (row,) = await outbox.pending(db, GUILD_A)
    await outbox.hold(db, [row.id], error="no review channel")
    assert await outbox.pending(db, GUILD_A) == []
    result = await admin.set_admin_channel(db, GUILD_A, 42, **ALICE)
    assert (result.channel_id, result.released) == (42, 1)
    assert [r.id for r in await outbox.pending(db, GUILD_A)] == [row.id]
    assert (await admin.set_admin_channel(db, GUILD_A, 43, **ALICE)).released == 0


async def test_admin_channel_and_thresholds(db):
    await setup_two_guilds(db)
    assert (await admin.set_admin_channel(db, GUILD_A, 42, **ALICE)).channel_id == 42
    assert (await db.fetchone("SELECT admin_channel_id FROM guilds WHERE guild_id = ?", (GUILD_A,)))[0] == 42
    for low, high in [(-1, 50), (10, 101)]:
        with pytest.raises(InvalidInputError, match="from 0 to 100"):
            await admin.set_thresholds(db, GUILD_A, low, high, **ALICE)
    for low, high in [(70, 60), (30, 30)]:
        with pytest.raises(InvalidInputError, match="low threshold must be below the high one"):
            await admin.set_thresholds(db, GUILD_A, low, high, **ALICE)
    assert await admin.set_thresholds(db, GUILD_A, 30, 70, **ALICE) == admin.ThresholdSetting(30, 70)
    assert await browse.thresholds(db, GUILD_A) == (30, 70)
    assert await browse.thresholds(db, GUILD_B, default_low=1, default_high=2) == (1, 2)
    await admin.set_thresholds(db, GUILD_A, None, None, **ALICE)
    assert await browse.thresholds(db, GUILD_A) == (40.0, 60.0)


async def test_one_threshold_alone_keeps_the_other(db):
    await setup_two_guilds(db)
    # Low alone on a server that follows the defaults: high keeps following the default.
    assert await admin.set_thresholds(db, GUILD_A, 50, None, **ALICE) == admin.ThresholdSetting(50, None)
    assert await browse.thresholds(db, GUILD_A) == (50, 60.0)
    assert await browse.thresholds(db, GUILD_A, default_high=80) == (50, 80)
    with pytest.raises(InvalidInputError, match=r"must be below this server's high threshold, 60 \(the default\)"):
        await admin.set_thresholds(db, GUILD_A, 65, None, **ALICE)
    # High alone keeps this server's own low.
    assert await admin.set_thresholds(db, GUILD_A, None, 90, **ALICE) == admin.ThresholdSetting(50, 90)
    with pytest.raises(InvalidInputError, match="must be above this server's low threshold, 50"):
        await admin.set_thresholds(db, GUILD_A, None, 50, **ALICE)
    assert await browse.thresholds(db, GUILD_A) == (50, 90)  # a refusal changes nothing
    # The defaults given are the bot's configured ones, not the matcher's.
    with pytest.raises(InvalidInputError, match="high threshold, 45"):
        await admin.set_thresholds(db, GUILD_B, 50, None, default_low=20, default_high=45, **ALICE)
    details = await db.fetchall("SELECT detail FROM audit_log WHERE action = 'guild.thresholds' ORDER BY id")
    assert [r[0] for r in details] == ["low 50, high default", "low 50, high 90"]


async def test_audit_log_is_paginated_newest_first_and_per_server(db):
    await setup_two_guilds(db)
    for i in range(5):
        await admin.add_topic(db, GUILD_A, f"t{i}", f"T{i}", "w", **ALICE)
    await admin.add_topic(db, GUILD_B, "other", "Other", "w", **MALLORY)
    page = await admin.audit_log(db, GUILD_A, offset=0, limit=2)
    assert [e.target for e in page.entries] == ["t4", "t3"] and page.total == 6 and page.has_more
    last = await admin.audit_log(db, GUILD_A, offset=4, limit=2)
    assert [e.action for e in last.entries] == ["topic.add", "guild.install"] and not last.has_more
    assert all(e.actor_name != "mallory" for e in (await admin.audit_log(db, GUILD_A, limit=100)).entries)


# --- isolation ----------------------------------------------------------------------------------


async def test_a_server_cannot_touch_another_servers_topics_claims_or_feeds(db):
    await setup_two_guilds(db)
    await admin.add_topic(db, GUILD_A, "secret", "A only", "w", **ALICE)
    await admin.add_claim(db, GUILD_A, "secret", "c", "A's claim.", "alleged", **ALICE)
    await admin.add_feed(db, GUILD_A, PUBLIC_FEED, **ALICE)
    attempts = [
        admin.rename_topic(db, GUILD_B, "secret", "pwned", **MALLORY),
        admin.set_keywords(db, GUILD_B, "secret", "x", **MALLORY),
        admin.remove_topic(db, GUILD_B, "secret", **MALLORY),
        admin.set_topic_channel(db, GUILD_B, "secret", 1, **MALLORY),
        admin.add_claim(db, GUILD_B, "secret", "x", "y", "alleged", **MALLORY),
        admin.set_status(db, GUILD_B, "secret", "c", "denied", **MALLORY),
        admin.retire_claim(db, GUILD_B, "secret", "c", **MALLORY),
        admin.merge_claims(db, GUILD_B, "secret", "c", "msft", "storage", **MALLORY),
        admin.merge_claims(db, GUILD_B, "msft", "storage", "secret", "c", **MALLORY),
        admin.remove_feed(db, GUILD_B, PUBLIC_FEED, **MALLORY),
        admin.pause_feed(db, GUILD_B, PUBLIC_FEED, **MALLORY),
        admin.resume_feed(db, GUILD_B, PUBLIC_FEED, **MALLORY),
        browse.topic_detail(db, GUILD_B, "secret"),
        browse.claim_detail(db, GUILD_B, "secret", "c"),
        browse.claim_history(db, GUILD_B, "secret", "c"),
    ]
    for attempt in attempts:
        with pytest.raises(NotFoundError):
            await attempt
    assert (await browse.topic_detail(db, GUILD_A, "secret")).title == "A only"
    claim = await browse.claim_detail(db, GUILD_A, "secret", "c")
    assert claim.status.value == "alleged" and claim.retired_at is None
    assert [f.url for f in (await browse.feed_health(db, GUILD_B)).feeds] == [FEED_A, FEED_B]
    assert (await browse.search(db, GUILD_B, "A's claim")).claims == []
    assert await audit_rows(db, GUILD_B) == []


async def test_feed_fetch_article_is_set_for_a_feed_only_this_server_follows(db):
    from storage import article_pages

    await setup_two_guilds(db)
    with pytest.raises(ConflictError, match="also followed by 1 other server"):
        await admin.set_feed_fetch_article(db, GUILD_A, FEED_A, "never", **ALICE)
    await admin.remove_feed(db, GUILD_B, FEED_A, **ALICE)
    assert await admin.set_feed_fetch_article(db, GUILD_A, FEED_A, " Never ", **ALICE) == "never"
    modes = await article_pages.fetch_modes(db)
    assert modes[(await feeds.get_feed(db, FEED_A)).id] == "never"
    assert (1, "alice", "feed.fetch_article", FEED_A) in await audit_rows(db, GUILD_A)
    with pytest.raises(InvalidInputError, match="auto, always, never"):
        await admin.set_feed_fetch_article(db, GUILD_A, FEED_A, "sometimes", **ALICE)
    with pytest.raises(NotFoundError):
        await admin.set_feed_fetch_article(db, GUILD_B, FEED_A, "always", **ALICE)


def test_role_alerts_ping_only_on_confident_fresh_updates_of_chosen_kinds() -> None:
    from bot.service.alerts import mention_for, parse_kinds
    from storage.alerts import Alert

    alert = Alert(42, ("status_change",))
    assert mention_for(alert, kind="status_change", confident=True, backlog=False, review=False) == 42
    assert mention_for(alert, kind="figure_change", confident=True, backlog=False, review=False) is None
    assert mention_for(alert, kind="status_change", confident=False, backlog=False, review=False) is None
    assert mention_for(alert, kind="status_change", confident=True, backlog=True, review=False) is None
    assert mention_for(alert, kind="status_change", confident=True, backlog=False, review=True) is None
    assert mention_for(Alert(None, ("status_change",)), kind="status_change", confident=True,
                       backlog=False, review=False) is None
    assert parse_kinds("all") == ("status_change", "figure_change", "new_source", "new_development")
    assert parse_kinds("figure_change,  status_change") == ("status_change", "figure_change")
    assert parse_kinds("none") == () and parse_kinds("") == ()
