"""What admins hit on Discord (issue 13): message links, staff-only proposals, page buttons
that expire, the audit log's channels, review autocomplete, /search's minimum, thresholds.

Same world as test_discord_commands.py: the real bot and command tree against the local
Discord stand-in, real interaction payloads through its gateway.
"""

from __future__ import annotations

import asyncio
import logging
import re
from typing import Any

import pytest

from bot.discord_bot import paginate
from tests.discord_standin import ApiError, RecordedRequest, fixtures
from tests.test_discord_commands import EPHEMERAL, FIGURE, Env, data_of, env, text_of

__all__ = ["env"]  # the fixture, imported for the tests below

JUMP = re.compile(r"https://discord\.com/channels/(\w+)/(\d+)/(\d+)")


async def set_update_channel(env: Env) -> None:
    options, resolved = env.channel_option(env.a.world.channel)
    options.insert(0, fixtures.option("topic", "acme-recall"))
    data_of(await env.admin("channel", options=options, resolved=resolved))


async def test_updates_link_to_the_server_message(env: Env) -> None:
    await set_update_channel(env)
    await env.poll()
    await env.sender.drain()
    sent = await env.db.fetchall(
        "SELECT channel_id, message_id FROM outbox WHERE guild_id = ? AND state = 'sent' "
        "AND proposal_id IS NULL", (env.a.id,))
    assert sent
    text = text_of(data_of(await env.call("updates", who=env.a.world.member)))
    links = JUMP.findall(text)
    assert links and "@me" not in text
    assert {(int(g), int(c), int(m)) for g, c, m in links} == {
        (env.a.id, r["channel_id"], r["message_id"]) for r in sent}
    for _, channel_id, message_id in links:  # each link names a message the bot really posted
        assert env.standin.messages[message_id]["channel_id"] == channel_id


async def test_members_never_see_review_proposals(env: Env) -> None:
    await set_update_channel(env)
    await env.poll()
    await env.sender.drain()
    proposal = await env.db.fetchone("SELECT * FROM outbox WHERE guild_id = ? AND proposal_id IS NOT NULL",
                                     (env.a.id,))
    assert proposal is not None and proposal["state"] == "sent"  # posted to the staff-only channel
    title = FIGURE[2]  # the article only a proposal came from

    member = text_of(data_of(await env.call("updates", who=env.a.world.member)))
    assert title not in member and "**review**" not in member
    assert "Acme concludes safety review" in member  # the update itself is listed
    admin = text_of(data_of(await env.call("updates", who=env.a.world.admin)))
    assert title in admin
    shared = text_of(data_of(await env.call("updates", {"public": True}, who=env.a.world.admin),
                             ephemeral=False))
    assert title not in shared  # an admin's public answer is shown to members too

    admin_channel = f"<#{env.a.admin_channel['id']}>"
    why_member = text_of(data_of(await env.call("why", {"url": FIGURE[1]}, who=env.a.world.member)))
    assert "review proposal" not in why_member and admin_channel not in why_member
    assert "keyword gate passed" in why_member  # the rest of the explanation is still there
    why_admin = text_of(data_of(await env.call("why", {"url": FIGURE[1]}, who=env.a.world.admin)))
    assert "review proposal (units)" in why_admin and admin_channel in why_admin
    why_public = text_of(data_of(await env.call("why", {"url": FIGURE[1], "public": True},
                                                who=env.a.world.admin), ephemeral=False))
    assert "review proposal" not in why_public


# --- page buttons ---------------------------------------------------------------------------------

ORIGINAL = r"/webhooks/\d+/(?P<token>[^/]+)/messages/@original"
INVALID_TOKEN = ApiError(401, 50027, "Invalid Webhook Token")  # what Discord says after 15 minutes


class KeepViews(dict[str, Any]):
    """Stands in for paginate._live and keeps every view, so a test can await a finished one."""

    def pop(self, key: str, default: Any = None) -> Any:
        return self.get(key, default)


async def paged_history(env: Env) -> tuple[RecordedRequest, dict[str, Any]]:
    """/history of a claim with 8 revisions: three pages, with Previous / Next buttons."""
    for i in range(7):
        data_of(await env.admin("claim", "edit", options={
            "topic": "acme-recall", "claim": "review",
            "statement": f"Acme's safety review of the exploding widgets is in phase {i}."}))
    callback = await env.call("history", {"topic": "acme-recall", "claim": "review"}, who=env.a.world.member)
    data = data_of(callback)
    assert data["components"]
    return callback, data


def buttons(data: dict[str, Any]) -> list[dict[str, Any]]:
    return data["components"][0]["components"]


def press(env: Env, custom_id: str, message: dict[str, Any]) -> Any:
    return env.standin.interact(fixtures.component_interaction(
        custom_id, message, guild=env.a.world.guild, channel=env.a.world.channel, member=env.a.world.member))


async def test_page_buttons_are_removed_when_they_time_out(env: Env, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(paginate, "PAGE_TIMEOUT", 0.2)
    callback, _ = await paged_history(env)
    edit = await env.standin.wait_for_request("PATCH", ORIGINAL)  # the timeout edits the reply
    assert edit.status == 200 and edit.json["components"] == []
    message = env.standin.messages[callback.response["resource"]["message"]["id"]]
    assert message["components"] == []
    assert "Page 1 of 3" in message["embeds"][0]["footer"]["text"]
    assert "run the command again" in message["embeds"][0]["footer"]["text"]


async def test_the_timeout_edits_through_the_latest_press(env: Env, monkeypatch: pytest.MonkeyPatch) -> None:
    views = KeepViews()
    monkeypatch.setattr(paginate, "_live", views)
    callback, data = await paged_history(env)
    view = views[buttons(data)[1]["custom_id"].split(":")[2]]
    message = env.standin.messages[callback.response["resource"]["message"]["id"]]
    payload = fixtures.component_interaction(buttons(data)[1]["custom_id"], message, guild=env.a.world.guild,
                                             channel=env.a.world.channel, member=env.a.world.member)
    turned = await env.standin.interact(payload)
    assert turned.json["type"] == 7
    # Pages turned for more than 15 minutes would outlive the command's token: the press's is used.
    await view.on_timeout()
    edit = env.standin.requests_to("PATCH", ORIGINAL)[-1]
    assert re.fullmatch(ORIGINAL, edit.route)["token"] == payload["token"]  # type: ignore[index]
    assert message["components"] == []
    assert "Page 2 of 3" in message["embeds"][0]["footer"]["text"]
    view.stop()


async def test_expired_interaction_leaves_buttons_that_a_press_removes(
        env: Env, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    views = KeepViews()
    monkeypatch.setattr(paginate, "_live", views)
    monkeypatch.setattr(paginate, "PAGE_TIMEOUT", 0.2)
    env.standin.queue_error("PATCH", ORIGINAL, INVALID_TOKEN)
    callback, data = await paged_history(env)
    view = views[buttons(data)[1]["custom_id"].split(":")[2]]
    await asyncio.wait_for(view.closed.wait(), 5)
    assert view.is_finished()
    assert env.standin.requests_to("PATCH", ORIGINAL)[-1].status == 401
    message = env.standin.messages[callback.response["resource"]["message"]["id"]]
    assert message["components"]  # Discord refused the edit: the buttons are still there
    answered = await press(env, buttons(data)[1]["custom_id"], message)
    assert answered.json["type"] == 7  # answered, not "This interaction failed"
    assert answered.json["data"]["components"] == []
    assert "run the command again" in answered.json["data"]["embeds"][0]["footer"]["text"]
    assert message["components"] == []
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


async def test_page_buttons_from_before_a_restart_are_removed_on_press(env: Env) -> None:
    stale = "dossier:pages:0123456789abcdef:next"
    message = fixtures.message(env.a.world.channel_id, guild_id=env.a.id, flags=EPHEMERAL,
                               application_id=env.standin.application_id,
                               embeds=[{"title": "History", "footer": {"text": "Page 1 of 3"}}],
                               components=[fixtures.action_row(fixtures.button("dossier:pages:0123456789abcdef:prev",
                                                                               "Previous"),
                                                               fixtures.button(stale, "Next"))])
    answered = await press(env, stale, message)
    assert answered.json["type"] == 7 and answered.json["data"]["components"] == []
    assert answered.json["data"]["embeds"][0]["footer"]["text"].startswith("Page 1 of 3 · ")


# --- admin views and options ---------------------------------------------------------------------


async def test_the_audit_log_shows_channels_as_mentions(env: Env) -> None:
    await set_update_channel(env)
    options, resolved = env.channel_option(env.a.admin_channel)
    data_of(await env.admin("review-channel", options=options, resolved=resolved))
    data_of(await env.admin("topic", "rename", options={"topic": "acme-recall", "title": "See <#123> now"}))
    audit = text_of(data_of(await env.admin("audit")))
    assert f"**topic.channel** acme-recall → <#{env.a.world.channel_id}>" in audit
    assert f"**guild.admin\\_channel** → <#{env.a.admin_channel['id']}>" in audit
    assert str(env.a.id) not in audit  # the server itself is not shown as a number
    assert "<#123>" not in audit and "See" in audit  # text an admin typed still cannot mention


async def test_review_decide_autocompletes_this_servers_pending_proposals(env: Env) -> None:
    await env.poll()
    pending = await env.db.fetchall(
        "SELECT p.id FROM proposals p JOIN topics t ON t.id = p.topic_id WHERE t.guild_id = ? "
        "AND p.state = 'pending' ORDER BY p.id", (env.a.id,))
    assert pending
    ids = [r["id"] for r in pending]

    async def complete(typed: str, *, who: dict[str, Any] | None = None, server: Any = None) -> list[dict]:
        return await env.complete("admin", {"proposal": typed, "decision": "accept"}, "proposal",
                                  group="review", sub="decide", who=who or env.a.world.admin, server=server)

    choices = await complete("")
    assert [c["value"] for c in choices] == ids
    assert choices[0]["name"].startswith(f"#{ids[0]} Figure change · acme-recall › units: ")
    assert "55,000" in choices[0]["name"]
    assert [c["value"] for c in await complete(str(ids[0]))] == [ids[0]]
    assert [c["value"] for c in await complete("units")] == ids
    assert await complete("no such words") == []
    assert await complete("", who=env.a.world.member) == []  # members never see the queue
    b_ids = {r["id"] for r in await env.db.fetchall(
        "SELECT p.id FROM proposals p JOIN topics t ON t.id = p.topic_id WHERE t.guild_id = ?", (env.b.id,))}
    b_choices = await complete("", who=env.b.world.admin, server=env.b)
    assert {c["value"] for c in b_choices} == b_ids and not b_ids & set(ids)
    # Decided proposals leave the list.
    data_of(await env.admin("review", "decide", options={"proposal": ids[0], "decision": "reject"}))
    assert ids[0] not in [c["value"] for c in await complete("")]
    assert await complete(str(ids[0])) == []


async def test_review_decide_autocomplete_stays_within_discords_limits(env: Env) -> None:
    await env.poll()
    row = await env.db.fetchone("SELECT p.* FROM proposals p JOIN topics t ON t.id = p.topic_id "
                                "WHERE t.guild_id = ? LIMIT 1", (env.a.id,))
    columns = [c for c in row.keys() if c != "id"]  # noqa: SIM118 - sqlite rows need keys()
    copies = [[("x" * 300) if c == "after_value" else row[c] for c in columns] for _ in range(30)]
    await env.db.executemany(  # copies of a proposal with a very long value
        f"INSERT INTO proposals ({', '.join(columns)}) VALUES ({', '.join('?' for _ in columns)})", copies)
    choices = await env.complete("admin", {"proposal": ""}, "proposal", group="review", sub="decide",
                                 who=env.a.world.admin)  # checks 25 choices, names within 100
    assert len(choices) == 25 and all(c["name"].endswith("…") for c in choices[1:])


async def test_search_says_its_minimum_length_in_the_option(env: Env) -> None:
    (put,) = env.standin.requests_to("PUT", rf"/applications/{env.standin.application_id}/commands")
    search = next(c for c in put.json if c["name"] == "search")
    query = next(o for o in search["options"] if o["name"] == "query")
    assert (query["min_length"], query["max_length"]) == (2, 200)
    # Discord refuses shorter input itself; the service still checks what arrives.
    short = data_of(await env.call("search", {"query": " a "}, who=env.a.world.member))
    assert "at least 2" in short["content"]


async def test_thresholds_accept_low_or_high_alone(env: Env) -> None:
    async def thresholds() -> tuple[float | None, float | None]:
        row = await env.db.fetchone("SELECT match_low, match_high FROM guilds WHERE guild_id = ?", (env.a.id,))
        return row["match_low"], row["match_high"]

    low = data_of(await env.admin("thresholds", options={"low": 35.0}))  # bot defaults here: 20 / 90
    assert "**35**" in low["content"] and "**90**" in low["content"]
    assert await thresholds() == (35.0, None)  # high keeps following the default
    high = data_of(await env.admin("thresholds", options={"high": 75.0}))
    assert "**35**" in high["content"] and "**75**" in high["content"]
    assert await thresholds() == (35.0, 75.0)
    refused = data_of(await env.admin("thresholds", options={"low": 80.0}))
    assert "must be below this server's high threshold, 75" in refused["content"]
    assert "Nothing was changed" in refused["content"]
    refused = data_of(await env.admin("thresholds", options={"high": 35.0}))
    assert "must be above this server's low threshold, 35" in refused["content"]
    assert await thresholds() == (35.0, 75.0)
