"""/export through the real bot and the local Discord stand-in: a file attachment for members."""

from __future__ import annotations

import json

from tests.test_discord_commands import EPHEMERAL, Env, data_of, env  # noqa: F401 - the fixture


async def test_export_sends_the_dossier_as_a_file_to_a_member(env: Env) -> None:
    await env.poll()
    callback = await env.call("export", {"topic": "acme-recall", "format": "md"}, who=env.a.world.member)
    data = data_of(callback)
    assert "acme-recall" in data["content"] and "revisions" in data["content"]
    (upload,) = callback.files
    assert upload.filename.startswith("dossier-acme-recall-") and upload.filename.endswith(".md")
    text = upload.data.decode()
    assert text.startswith("# Dossier: Acme and the widget recall")
    assert "+ status: concluded" in text and "applied by auto" in text


async def test_export_json_is_public_when_asked_and_scoped_to_the_server(env: Env) -> None:
    await env.poll()
    callback = await env.call("export", {"topic": "acme-recall", "format": "json", "public": True},
                              who=env.a.world.member)
    data_of(callback, ephemeral=False)
    doc = json.loads(callback.files[0].data)
    assert doc["format"] == 1 and doc["topic"]["guild_id"] == env.a.id
    other = await env.call("export", {"topic": "nope"}, who=env.b.world.member, server=env.b)
    assert "No topic `nope`" in data_of(other)["content"] and not other.files
    assert int(data_of(other).get("flags") or 0) & EPHEMERAL


async def test_export_topic_autocompletes(env: Env) -> None:
    choices = await env.complete("export", {"topic": "acme"}, "topic")
    assert [c["value"] for c in choices] == ["acme-recall"]
