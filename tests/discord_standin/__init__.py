"""A local stand-in for Discord (REST + gateway) so tests run the real discord.py client offline.

    from tests.discord_standin import DiscordStandIn, fixtures, running_client

    world = fixtures.make_guild()
    async with DiscordStandIn(guilds=[world.guild]) as standin:
        async with running_client(bot, standin):
            callback = await standin.interact(fixtures.slash_interaction(
                "ping", {"text": "hi"}, guild=world.guild, channel=world.channel, member=world.admin))
            assert callback.json["type"] == 4
"""

from tests.discord_standin import fixtures
from tests.discord_standin.server import (
    ALREADY_ACKNOWLEDGED,
    EMPTY_MESSAGE,
    INVALID_FORM_BODY,
    MISSING_ACCESS,
    MISSING_PERMISSIONS,
    SERVER_ERROR,
    UNKNOWN_CHANNEL,
    UNKNOWN_INTERACTION,
    UNKNOWN_MESSAGE,
    UNKNOWN_WEBHOOK,
    ApiError,
    DiscordStandIn,
    InteractionState,
    RecordedFile,
    RecordedRequest,
    running_client,
)

__all__ = [
    "ALREADY_ACKNOWLEDGED",
    "EMPTY_MESSAGE",
    "INVALID_FORM_BODY",
    "MISSING_ACCESS",
    "MISSING_PERMISSIONS",
    "SERVER_ERROR",
    "UNKNOWN_CHANNEL",
    "UNKNOWN_INTERACTION",
    "UNKNOWN_MESSAGE",
    "UNKNOWN_WEBHOOK",
    "ApiError",
    "DiscordStandIn",
    "InteractionState",
    "RecordedFile",
    "RecordedRequest",
    "fixtures",
    "running_client",
]
