"""Every command a member or an admin can run, over the largest and most hostile text the
service accepts and a feed that tries to ping and to break markdown (QA pass).

The stand-in answers 400 as Discord does past its limits (embed sizes, 25 fields, component
labels, autocomplete names), and `data_of` checks the limits and `allowed_mentions` again:
a reply that would fail on the real Discord fails here.
"""

from __future__ import annotations

import json
import re
from dataclasses import replace
from typing import Any

from bot.service.admin import MAX_FIGURE, MAX_SOURCE, MAX_STATEMENT, MAX_TITLE
from tests.discord_standin import fixtures
from tests.test_discord_commands import UNRELATED, Env, answer_of, data_of, env, rss, text_of

__all__ = ["env"]  # the fixture, imported for these tests

PINGS = ("@everyone", "@here", "<@123>", "<@!123>", "<@&456>", "<#789>")
NASTY = "@everyone @here <@123> <@!123> <@&456> <#789> ``` **b** __u__ ||s|| [l](https://evil.example) # h \n> q "


def hostile(length: int, seed: str = "") -> str:
    """`length` characters of mentions and markdown (no more: the service's own limits)."""
    text = (seed + " " + NASTY * (length // len(NASTY) + 1))
    return text[:length]


def assert_cannot_ping(data: dict[str, Any]) -> None:
    """No raw mention in anything the reply shows, outside inline code (where Discord renders
    none: input echoed back by `shown()` has its backticks removed); allowed_mentions is
    checked by data_of."""
    shown = json.dumps({k: v for k, v in data.items() if k != "allowed_mentions"}, ensure_ascii=False)
    shown = re.sub(r"`[^`\n]*`", "``", shown)
    for ping in PINGS:
        assert ping not in shown, ping


async def test_every_command_survives_the_largest_hostile_admin_text(env: Env) -> None:
    admin = env.a.world.admin
    member = env.a.world.member
    added = data_of(await env.admin("topic", "add", options={
        "key": "hostile", "title": hostile(MAX_TITLE, "Hostile"), "keywords": "acme; widget, widgets"}))
    assert "`hostile` added" in added["content"]
    for i in range(27):  # more claims than an embed has fields
        data_of(await env.admin("claim", "add", options={
            "topic": "hostile", "key": f"c{i:02d}", "statement": hostile(MAX_STATEMENT, f"Claim {i}"),
            "status": "alleged"}))
    for i in range(12):  # more figures and sources than a field holds
        data_of(await env.admin("claim", "figure", options={
            "topic": "hostile", "claim": "c00", "figure": hostile(MAX_FIGURE, f"{i},000 TB")}))
        data_of(await env.admin("claim", "source", options={
            "topic": "hostile", "claim": "c00", "source": hostile(MAX_SOURCE, f"Outlet {i}")}))
    for i in range(3):
        data_of(await env.admin("claim", "edit", options={
            "topic": "hostile", "claim": "c00", "statement": hostile(MAX_STATEMENT, f"Edit {i}")}))
    data_of(await env.admin("claim", "retire", options={"topic": "hostile", "claim": "c26",
                                                        "reason": hostile(MAX_STATEMENT)}))

    replies = [
        await env.call("topics", who=member),
        await env.call("topic", {"topic": "hostile"}, who=member),
        await env.call("claim", {"topic": "hostile", "claim": "c00"}, who=member),
        await env.call("claim", {"topic": "hostile", "claim": "c26"}, who=member),
        await env.call("history", {"topic": "hostile", "claim": "c00"}, who=member),
        await env.call("search", {"query": "Claim"}, who=member),
        await env.call("search", {"query": hostile(100)}, who=member),
        await env.admin("audit", who=admin),
    ]
    for callback in replies:
        data = data_of(callback)
        assert_cannot_ping(data)
    assert "Claim" in text_of(data_of(replies[1]))

    for name, options, focused, extra in (
        ("topic", {"topic": "hos"}, "topic", {}),
        ("claim", {"topic": "hostile", "claim": "c"}, "claim", {}),
        ("admin", {"topic": "hostile", "claim": "c0"}, "claim", {"group": "claim", "sub": "edit", "who": admin}),
    ):
        # plain text in the client (no markdown, no mentions): only the limits matter
        assert await env.complete(name, options, focused, **extra)

    exported = await env.call("export", {"topic": "hostile", "format": "md"}, who=member)
    data_of(exported)
    attachment = exported.files[0].data.decode("utf-8")
    for ping in PINGS:
        assert ping not in attachment, ping


async def test_a_hostile_feed_cannot_ping_or_break_any_reply(env: Env) -> None:
    title = hostile(300, "Acme concludes safety review of exploding widgets")
    summary = hostile(6000, "Acme said on Monday it has concluded its safety review of the exploding widgets. "
                            "The company recalled up to 55,000 widgets sold in Canada.")
    link = "https://news.example/acme-hostile"
    xml = str.maketrans({"<": "&lt;", ">": "&gt;", "&": "&amp;"})
    feed_title = hostile(300, "Wire").translate(xml)
    env.feeds.route("/hostile.xml", body=rss(UNRELATED, title=feed_title))
    options, resolved = env.channel_option(env.a.world.channel)
    data_of(await env.admin("channel", options=[fixtures.option("topic", "acme-recall"), *options],
                            resolved=resolved))
    env.bot.settings = replace(env.bot.settings, allow_private_feeds=True)
    followed = await answer_of(env, await env.admin("feed", "add", options={
        "url": env.feeds.url("/hostile.xml"), "name": hostile(100, "Hostile")}))
    assert "Following" in followed["content"]
    await env.poll()  # the backlog (a digest)
    env.feeds.route("/hostile.xml", body=rss(UNRELATED, ("h-1", link, title.translate(xml), summary.translate(xml)),
                                             title=feed_title))
    await env.poll()  # one update per change
    await env.sender.drain()
    posted = env.standin.requests_to("POST", r"/channels/\d+/messages")  # updates and review proposals
    hostile_posts = [p for p in posted if "acme-hostile" in json.dumps(p.json)]
    assert hostile_posts, "the hostile article's updates were not posted"
    for request in posted:
        assert request.status == 200, request.response
        assert_cannot_ping(request.json)
        assert request.json["allowed_mentions"] == {"parse": []}

    member, admin = env.a.world.member, env.a.world.admin
    for callback in (
        await env.call("updates", {"count": 50}, who=member),
        await env.call("updates", {"count": 50}, who=admin),
        await env.call("search", {"query": "safety review"}, who=member),
        await env.call("feeds", who=member),
        await env.call("why", {"url": link}, who=member),
        await env.call("why", {"url": hostile(2000, "https://x.example/")}, who=member),
        await env.admin("status", who=admin),
        await env.admin("review", "list", who=admin),
    ):
        data = data_of(callback)
        assert_cannot_ping(data)
    feeds = await env.complete("admin", {"url": "Hostile"}, "url", group="feed", sub="pause", who=admin)
    assert feeds and all(len(c["value"]) <= 100 for c in feeds)


def test_every_admin_command_checks_permissions_at_run_time() -> None:
    """default_permissions only hides /admin: each subcommand must carry the run-time check,
    so a command added later without it fails here (the members' refusals are in
    test_discord_commands)."""
    from discord import app_commands

    from bot.discord_bot.cogs.admin import Admin

    leaves = [c for c in Admin.admin.walk_commands() if isinstance(c, app_commands.Command)]
    assert len(leaves) > 20
    unchecked = [c.qualified_name for c in leaves
                 if not any(p.__qualname__.startswith("admin_check.") for p in c.checks)]
    assert unchecked == []


async def test_removing_an_unknown_topic_says_so_before_confirming(env: Env) -> None:
    unknown = data_of(await env.admin("topic", "remove", options={"topic": "nope", "confirm": False}))
    assert "No topic `nope`" in unknown["content"]
    known = data_of(await env.admin("topic", "remove", options={"topic": "acme-recall", "confirm": False}))
    assert "Nothing was removed" in known["content"] and "its 2 claim(s)" in known["content"]


ODD_VALUES = ("", " ", "x" * 6000, "@everyone <@123>", "```", "a\x00b", "é🙂\u202e", "-1", "nan",
              "99999999999999999999d", "https://127.0.0.1/x", "javascript:alert(1)", "http://[::1",
              "a;;;b,,c", ";", ",")
KNOWN = {"topic": "acme-recall", "claim": "review", "into_topic": "acme-recall", "into_claim": "units"}


async def test_every_text_option_of_every_command_takes_odd_values(env: Env, caplog) -> None:
    """Each string option of each command (others at sane values) given empty, huge, control,
    bidi, mention, markdown and URL-ish values: always a clear answer within Discord's limits,
    never the unexpected-error reply."""
    from discord import app_commands

    from bot.discord_bot.cogs.admin import Admin
    from bot.discord_bot.cogs.browse import Browse
    from bot.discord_bot.errors import SOMETHING_WENT_WRONG

    commands = [c for c in Admin.admin.walk_commands() if isinstance(c, app_commands.Command)]
    commands += [c for c in Browse.__cog_app_commands__ if isinstance(c, app_commands.Command)]
    sane = {"string": "x", "integer": 1, "number": 50.0, "boolean": False}
    calls = 0
    for command in commands:
        params = command.parameters
        if any(p.required and p.type.name not in sane for p in params):
            continue  # channel, role and attachment options are tested with real objects elsewhere
        base = {p.name: KNOWN.get(p.name, sane[p.type.name]) for p in params if p.type.name in sane}
        path = command.qualified_name.split()
        for param in params:
            if param.type.name != "string" or param.choices:
                continue
            for value in ODD_VALUES:
                options = {**base, param.name: value}
                if path[0] == "admin":
                    callback = await env.admin(*path[1:], options=options)
                else:
                    callback = await env.call(path[0], options, who=env.a.world.member)
                data = await answer_of(env, callback)
                calls += 1
                assert SOMETHING_WENT_WRONG not in str(data), (command.qualified_name, param.name, value[:20])
    assert calls > 500
    assert not [r for r in caplog.records if r.levelname == "ERROR"]
