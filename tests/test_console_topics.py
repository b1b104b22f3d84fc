"""The console's topics are feeds.yaml as written: what the file drops stops being followed,
kept for when the file names it again (bot.runner.bootstrap, storage.topics.retire_removed)."""

from __future__ import annotations

from pathlib import Path

import yaml

from bot.config import parse_config
from bot.runner import bootstrap
from storage import claims_admin, feeds, guilds, topics
from storage.db import Database

RAIL = {
    "key": "rail", "title": "Kestrel Rail derailment", "keywords": [["kestrel"]],
    "claims": [
        {"key": "cause", "statement": "A cracked axle derailed the Kestrel Rail night train.",
         "status": "alleged"},
        {"key": "inquiry", "statement": "The safety board opened an inquiry into Kestrel Rail.",
         "status": "ongoing"},
    ],
}
DAM = {"key": "dam", "title": "Valmora dam leak", "keywords": [["valmora"]],
       "claims": [{"key": "leak", "statement": "The Valmora dam leaks.", "status": "alleged"}]}


def config(*topic_list, tmp: Path):
    return parse_config(yaml.safe_load(yaml.safe_dump({"topics": list(topic_list)})), tmp / "feeds.yaml")


def without_claim(topic: dict, key: str) -> dict:
    return {**topic, "claims": [c for c in topic["claims"] if c["key"] != key]}


async def keys(db: Database) -> dict[str, list[str]]:
    return {t.state.key: sorted(t.claim_ids) for t in await topics.topics_for_scope(db, 0)}


async def test_a_topic_the_file_drops_is_retired_and_comes_back_with_its_history(tmp_path):
    async with await Database.open(tmp_path / "d.db") as db:
        await bootstrap(db, config(RAIL, DAM, tmp=tmp_path))
        assert await keys(db) == {"rail": ["cause", "inquiry"], "dam": ["leak"]}
        await bootstrap(db, config(RAIL, tmp=tmp_path))
        assert await keys(db) == {"rail": ["cause", "inquiry"]}
        assert [t.state.key for t in await topics.all_topics(db)] == ["rail"]  # not matched either
        assert await topics.all_keywords(db) == {"kestrel"}
        await bootstrap(db, config(RAIL, DAM, tmp=tmp_path))
        assert await keys(db) == {"rail": ["cause", "inquiry"], "dam": ["leak"]}
        leak = (await topics.get_topic(db, 0, "dam")).claim_ids["leak"]
        kinds = [r.change_kind for r in await topics.claim_history(db, leak)]
        assert kinds == ["created"]  # the same claim, not a new one


async def test_a_claim_the_file_drops_is_retired_with_a_revision_and_restored(tmp_path):
    async with await Database.open(tmp_path / "d.db") as db:
        await bootstrap(db, config(RAIL, tmp=tmp_path))
        inquiry = (await topics.get_topic(db, 0, "rail")).claim_ids["inquiry"]
        await bootstrap(db, config(without_claim(RAIL, "inquiry"), tmp=tmp_path))
        assert await keys(db) == {"rail": ["cause"]}
        await bootstrap(db, config(without_claim(RAIL, "inquiry"), tmp=tmp_path))  # idempotent
        history = await topics.claim_history(db, inquiry)
        assert [(r.change_kind, r.reason) for r in history] == [
            ("created", "claim added from feeds.yaml"), ("retired", "removed from feeds.yaml")]
        await bootstrap(db, config(RAIL, tmp=tmp_path))
        assert await keys(db) == {"rail": ["cause", "inquiry"]}
        assert [r.change_kind for r in await topics.claim_history(db, inquiry)][-1] == "restored"


async def test_what_an_admin_retired_or_added_is_left_alone(tmp_path):
    async with await Database.open(tmp_path / "d.db") as db:
        await bootstrap(db, config(RAIL, tmp=tmp_path))
        await claims_admin.retire_claim(db, 0, "rail", "inquiry", reason="duplicate", actor="ops")
        await bootstrap(db, config(RAIL, tmp=tmp_path))  # still in the file: stays retired
        assert await keys(db) == {"rail": ["cause"]}


async def test_a_server_seeded_from_the_file_keeps_topics_the_file_drops(tmp_path):
    async with await Database.open(tmp_path / "d.db") as db:
        await topics.install_topics(db, 7, config(RAIL, DAM, tmp=tmp_path).topics)
        await bootstrap(db, config(RAIL, tmp=tmp_path))  # the console scope only
        assert {t.state.key for t in await topics.topics_for_scope(db, 7)} == {"rail", "dam"}


def feeds_config(*urls: str, tmp: Path):
    data = {"feeds": [{"url": u} for u in urls], "topics": [RAIL]}
    return parse_config(yaml.safe_load(yaml.safe_dump(data)), tmp / "feeds.yaml")


async def polled(db: Database) -> list[str]:
    return [f.url for f in await feeds.due_feeds(db)]


async def test_a_feed_the_file_drops_is_no_longer_polled_and_comes_back(tmp_path):
    a, b = "https://a.example/rss", "https://b.example/rss"
    async with await Database.open(tmp_path / "d.db") as db:
        await bootstrap(db, feeds_config(a, b, tmp=tmp_path))
        assert await polled(db) == [a, b]
        await bootstrap(db, feeds_config(a, tmp=tmp_path))
        assert await polled(db) == [a]
        assert (await feeds.get_feed(db, b)).paused_reason == "removed from feeds.yaml"
        await bootstrap(db, feeds_config(a, b, tmp=tmp_path))
        assert await polled(db) == [a, b]


async def test_a_feed_paused_by_hand_or_subscribed_by_a_server_is_left_alone(tmp_path):
    a, b = "https://a.example/rss", "https://b.example/rss"
    async with await Database.open(tmp_path / "d.db") as db:
        await bootstrap(db, feeds_config(a, b, tmp=tmp_path))
        await feeds.set_paused(db, a, True)
        await guilds.subscribe_urls(db, 7, [b])
        await bootstrap(db, feeds_config(a, tmp=tmp_path))  # a listed but paused by hand; b dropped
        assert await polled(db) == [b]  # a server still follows b
        assert (await feeds.get_feed(db, a)).paused_reason == "paused by an admin"
