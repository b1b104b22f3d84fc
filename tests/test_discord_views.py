"""What admins hit on Discord (issue 13): message links, staff-only proposals, page buttons
that expire, the audit log's channels, review autocomplete, /search's minimum, thresholds.

Same world as test_discord_commands.py: the real bot and command tree against the local
Discord stand-in, real interaction payloads through its gateway.
"""

from __future__ import annotations

import re

from tests.discord_standin import fixtures
from tests.test_discord_commands import FIGURE, Env, data_of, env, text_of

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
