"""Builders for Discord API payloads: users, guilds, roles, channels, messages, interactions.

Every builder returns plain dicts shaped like Discord's JSON (API v10), complete enough for
discord.py to parse. Ids are fresh snowflakes unless given.

    world = make_guild(bot_user())
    payload = slash_interaction("ping", {"text": "hi"}, guild=world.guild,
                                channel=world.channel, member=world.admin)
"""

from __future__ import annotations

import itertools
import secrets
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

Payload = dict[str, Any]

DISCORD_EPOCH_MS = 1_420_070_400_000

# Permission bits (https://discord.com/developers/docs/topics/permissions).
ADMINISTRATOR = 1 << 3
MANAGE_CHANNELS = 1 << 4
MANAGE_GUILD = 1 << 5
ADD_REACTIONS = 1 << 6
VIEW_CHANNEL = 1 << 10
SEND_MESSAGES = 1 << 11
MANAGE_MESSAGES = 1 << 13
EMBED_LINKS = 1 << 14
ATTACH_FILES = 1 << 15
READ_MESSAGE_HISTORY = 1 << 16
MENTION_EVERYONE = 1 << 17
USE_EXTERNAL_EMOJIS = 1 << 18
MANAGE_ROLES = 1 << 28
USE_APPLICATION_COMMANDS = 1 << 31
SEND_MESSAGES_IN_THREADS = 1 << 38
ALL_PERMISSIONS = (1 << 53) - 1

EVERYONE_PERMISSIONS = (
    VIEW_CHANNEL | SEND_MESSAGES | ADD_REACTIONS | EMBED_LINKS | ATTACH_FILES
    | READ_MESSAGE_HISTORY | USE_EXTERNAL_EMOJIS | USE_APPLICATION_COMMANDS | SEND_MESSAGES_IN_THREADS
)
ADMIN_ROLE_PERMISSIONS = EVERYONE_PERMISSIONS | MANAGE_GUILD | MANAGE_MESSAGES | MANAGE_CHANNELS
BOT_ROLE_PERMISSIONS = EVERYONE_PERMISSIONS | MANAGE_MESSAGES

# Channel types, interaction types, option types, component types.
GUILD_TEXT = 0
APPLICATION_COMMAND = 2
MESSAGE_COMPONENT = 3
APPLICATION_COMMAND_AUTOCOMPLETE = 4
SUB_COMMAND = 1
SUB_COMMAND_GROUP = 2
STRING, INTEGER, BOOLEAN, USER, CHANNEL, ROLE, MENTIONABLE, NUMBER = 3, 4, 5, 6, 7, 8, 9, 10
BUTTON = 2
STRING_SELECT = 3

DEFAULT_APPLICATION_ID = 1_100_000_000_000_000_001

_counter = itertools.count(1)


def snowflake() -> int:
    """A fresh, increasing snowflake for 'now'."""
    ms = int(time.time() * 1000) - DISCORD_EPOCH_MS
    return (ms << 22) | (next(_counter) & 0x3FFFFF)


def iso_now() -> str:
    """Discord-style ISO 8601 timestamp."""
    return datetime.now(UTC).isoformat()


def user(user_id: int | None = None, username: str = "tester", *, bot: bool = False) -> Payload:
    """A user object."""
    return {
        "id": str(user_id or snowflake()),
        "username": username,
        "global_name": None if bot else username.title(),
        "discriminator": "0",
        "avatar": None,
        "bot": bot,
        "system": False,
        "public_flags": 0,
        "flags": 0,
    }


def bot_user(application_id: int = DEFAULT_APPLICATION_ID, username: str = "Dossier") -> Payload:
    """The application's bot user (same id as the application, as for modern apps)."""
    payload = user(application_id, username, bot=True)
    payload["verified"] = True
    payload["mfa_enabled"] = False
    return payload


def role(guild_id: int | str, name: str, permissions: int, *, role_id: int | str | None = None,
         position: int = 1, managed: bool = False) -> Payload:
    """A role object; ``role_id == guild_id`` makes it @everyone."""
    return {
        "id": str(role_id or snowflake()),
        "name": name,
        "color": 0,
        "colors": {"primary_color": 0, "secondary_color": None, "tertiary_color": None},
        "hoist": False,
        "icon": None,
        "unicode_emoji": None,
        "position": position,
        "permissions": str(permissions),
        "managed": managed,
        "mentionable": False,
        "flags": 0,
    }


def everyone_role(guild_id: int | str, permissions: int = EVERYONE_PERMISSIONS) -> Payload:
    """The @everyone role (its id is the guild id)."""
    return role(guild_id, "@everyone", permissions, role_id=guild_id, position=0)


def text_channel(guild_id: int | str, name: str = "general", *, channel_id: int | str | None = None,
                 position: int = 0, parent_id: int | str | None = None,
                 overwrites: list[Payload] | None = None) -> Payload:
    """A guild text channel."""
    return {
        "id": str(channel_id or snowflake()),
        "type": GUILD_TEXT,
        "guild_id": str(guild_id),
        "name": name,
        "position": position,
        "permission_overwrites": overwrites or [],
        "topic": None,
        "nsfw": False,
        "last_message_id": None,
        "rate_limit_per_user": 0,
        "parent_id": str(parent_id) if parent_id else None,
        "flags": 0,
    }


def member(user_payload: Payload, roles: list[Payload] | None = None, *, nick: str | None = None,
           permissions: int | None = None) -> Payload:
    """A guild member. ``permissions`` adds the resolved permission string interactions carry."""
    payload: Payload = {
        "user": user_payload,
        "nick": nick,
        "avatar": None,
        "banner": None,
        "roles": [r["id"] for r in roles or []],
        "joined_at": iso_now(),
        "premium_since": None,
        "deaf": False,
        "mute": False,
        "flags": 0,
        "pending": False,
        "communication_disabled_until": None,
    }
    if permissions is not None:
        payload["permissions"] = str(permissions)
    return payload


def guild(*, guild_id: int | str | None = None, name: str = "Dossier Test Guild", owner_id: int | str,
          roles: list[Payload], channels: list[Payload], members: list[Payload]) -> Payload:
    """A full GUILD_CREATE payload (as the gateway sends it)."""
    gid = str(guild_id or snowflake())
    for channel in channels:
        channel["guild_id"] = gid
    return {
        "id": gid,
        "name": name,
        "icon": None,
        "splash": None,
        "discovery_splash": None,
        "owner_id": str(owner_id),
        "afk_channel_id": None,
        "afk_timeout": 300,
        "verification_level": 0,
        "default_message_notifications": 0,
        "explicit_content_filter": 0,
        "roles": roles,
        "emojis": [],
        "stickers": [],
        "features": [],
        "mfa_level": 0,
        "application_id": None,
        "system_channel_id": None,
        "system_channel_flags": 0,
        "rules_channel_id": None,
        "vanity_url_code": None,
        "description": None,
        "banner": None,
        "premium_tier": 0,
        "premium_subscription_count": 0,
        "preferred_locale": "en-US",
        "public_updates_channel_id": None,
        "nsfw_level": 0,
        "premium_progress_bar_enabled": False,
        "safety_alerts_channel_id": None,
        # GUILD_CREATE-only fields
        "joined_at": iso_now(),
        "large": False,
        "unavailable": False,
        "member_count": len(members),
        "voice_states": [],
        "members": members,
        "channels": channels,
        "threads": [],
        "presences": [],
        "stage_instances": [],
        "guild_scheduled_events": [],
        "soundboard_sounds": [],
    }


def member_permissions(guild_payload: Payload, member_payload: Payload) -> int:
    """Guild-level permissions of a member: owner/administrator get everything."""
    user_id = member_payload["user"]["id"]
    if str(guild_payload["owner_id"]) == str(user_id):
        return ALL_PERMISSIONS
    roles = {r["id"]: int(r["permissions"]) for r in guild_payload["roles"]}
    value = roles.get(str(guild_payload["id"]), 0)
    for role_id in member_payload.get("roles", []):
        value |= roles.get(str(role_id), 0)
    return ALL_PERMISSIONS if value & ADMINISTRATOR else value


@dataclass
class GuildWorld:
    """A ready-made guild: roles, one text channel, an owner, an admin, a plain member, the bot."""

    guild: Payload
    everyone_role: Payload
    admin_role: Payload
    bot_role: Payload
    channel: Payload
    owner: Payload
    admin: Payload
    member: Payload
    bot_member: Payload

    @property
    def guild_id(self) -> int:
        return int(self.guild["id"])

    @property
    def channel_id(self) -> int:
        return int(self.channel["id"])


def make_guild(bot: Payload | None = None, *, name: str = "Dossier Test Guild",
               everyone_permissions: int = EVERYONE_PERMISSIONS,
               admin_permissions: int = ADMIN_ROLE_PERMISSIONS,
               bot_permissions: int = BOT_ROLE_PERMISSIONS,
               channel_name: str = "dossier") -> GuildWorld:
    """Build a :class:`GuildWorld`; the admin role has MANAGE_GUILD, the plain member has none."""
    bot = bot or bot_user()
    gid = snowflake()
    everyone = everyone_role(gid, everyone_permissions)
    admin_role = role(gid, "Editors", admin_permissions, position=2)
    bot_role = role(gid, bot["username"], bot_permissions, position=1, managed=True)
    channel = text_channel(gid, channel_name)
    owner = member(user(username="owner"))
    admin = member(user(username="editor"), [admin_role])
    plain = member(user(username="reader"))
    bot_member = member(bot, [bot_role])
    payload = guild(guild_id=gid, name=name, owner_id=owner["user"]["id"],
                    roles=[everyone, admin_role, bot_role], channels=[channel],
                    members=[owner, admin, plain, bot_member])
    return GuildWorld(payload, everyone, admin_role, bot_role, channel, owner, admin, plain, bot_member)


def embed(title: str = "Title", description: str = "Description") -> Payload:
    """A minimal rich embed."""
    return {"type": "rich", "title": title, "description": description}


def message(channel_id: int | str, content: str = "", *, author: Payload | None = None,
            guild_id: int | str | None = None, message_id: int | str | None = None,
            embeds: list[Payload] | None = None, components: list[Payload] | None = None,
            flags: int = 0, nonce: str | int | None = None, interaction: Payload | None = None,
            webhook_id: int | str | None = None, application_id: int | str | None = None) -> Payload:
    """A message object, as returned by REST or MESSAGE_CREATE."""
    payload: Payload = {
        "id": str(message_id or snowflake()),
        "channel_id": str(channel_id),
        "author": author or bot_user(),
        "content": content,
        "timestamp": iso_now(),
        "edited_timestamp": None,
        "tts": False,
        "mention_everyone": False,
        "mentions": [],
        "mention_roles": [],
        "mention_channels": [],
        "attachments": [],
        "embeds": embeds or [],
        "reactions": [],
        "pinned": False,
        "type": 0,
        "flags": flags,
        "components": components or [],
    }
    if guild_id is not None:
        payload["guild_id"] = str(guild_id)
    if nonce is not None:
        payload["nonce"] = nonce
    if webhook_id is not None:
        payload["webhook_id"] = str(webhook_id)
    if application_id is not None:
        payload["application_id"] = str(application_id)
    if interaction is not None:
        payload["interaction_metadata"] = interaction
    return payload


def button(custom_id: str, label: str = "Go", *, style: int = 1) -> Payload:
    """A button component."""
    return {"type": BUTTON, "custom_id": custom_id, "label": label, "style": style, "disabled": False}


def action_row(*components: Payload) -> Payload:
    """An action row around components."""
    return {"type": 1, "components": list(components)}


def option(name: str, value: Any, *, option_type: int | None = None, focused: bool = False) -> Payload:
    """A command interaction option; the type is inferred from the value when not given."""
    if option_type is None:
        if isinstance(value, bool):
            option_type = BOOLEAN
        elif isinstance(value, int):
            option_type = INTEGER
        elif isinstance(value, float):
            option_type = NUMBER
        else:
            option_type = STRING
    payload: Payload = {"name": name, "type": option_type, "value": value}
    if focused:
        payload["focused"] = True
    return payload


def _options(options: dict[str, Any] | list[Payload] | None, focused: str | None = None) -> list[Payload]:
    if options is None:
        return []
    if isinstance(options, list):
        return options
    return [option(k, v, focused=(k == focused)) for k, v in options.items()]


def _base_interaction(interaction_type: int, *, guild: Payload | None, channel: Payload | None,
                      member: Payload | None, user_payload: Payload | None, application_id: int,
                      app_permissions: int, locale: str, token: str | None) -> Payload:
    interaction_id = snowflake()
    payload: Payload = {
        "id": str(interaction_id),
        "application_id": str(application_id),
        "type": interaction_type,
        "token": token or f"standin-token-{interaction_id}-{secrets.token_hex(8)}",
        "version": 1,
        "app_permissions": str(app_permissions),
        "locale": locale,
        "entitlements": [],
        "entitlement_sku_ids": [],
        "attachment_size_limit": 10 * 1024 * 1024,
        "authorizing_integration_owners": {},
        "context": 0 if guild is not None else 1,
    }
    if channel is None and guild is None and user_payload is not None:
        channel = {"id": str(snowflake()), "type": 1, "last_message_id": None, "flags": 0,
                   "recipients": [user_payload]}
    if channel is not None:
        payload["channel_id"] = channel["id"]
        payload["channel"] = dict(channel)
    if guild is not None:
        assert member is not None, "a guild interaction needs a member"
        gid = guild["id"]
        payload["guild_id"] = gid
        payload["guild"] = {"id": gid, "locale": guild.get("preferred_locale", "en-US"),
                            "features": guild.get("features", [])}
        payload["guild_locale"] = guild.get("preferred_locale", "en-US")
        payload["authorizing_integration_owners"] = {"0": gid}
        resolved = dict(member)
        resolved.setdefault("permissions", str(member_permissions(guild, member)))
        payload["member"] = resolved
    else:
        assert user_payload is not None, "a DM interaction needs a user"
        payload["user"] = user_payload
        payload["authorizing_integration_owners"] = {"1": user_payload["id"]}
    return payload


def slash_interaction(name: str, options: dict[str, Any] | list[Payload] | None = None, *,
                      guild: Payload | None, channel: Payload | None, member: Payload | None = None,
                      user: Payload | None = None, subcommand: str | None = None,
                      subcommand_group: str | None = None, command_id: int | None = None,
                      command_guild_id: int | str | None = None, resolved: Payload | None = None,
                      application_id: int = DEFAULT_APPLICATION_ID,
                      app_permissions: int = BOT_ROLE_PERMISSIONS, locale: str = "en-US",
                      token: str | None = None, _type: int = APPLICATION_COMMAND,
                      _focused: str | None = None) -> Payload:
    """A type 2 APPLICATION_COMMAND interaction for ``/name [group] [subcommand] options``.

    ``options`` is ``{name: value}`` (types inferred) or a list of :func:`option` dicts.
    ``command_guild_id`` marks the command as a guild command (``data.guild_id``).
    """
    payload = _base_interaction(_type, guild=guild, channel=channel, member=member, user_payload=user,
                                application_id=application_id, app_permissions=app_permissions,
                                locale=locale, token=token)
    opts = _options(options, _focused)
    if subcommand is not None:
        opts = [{"name": subcommand, "type": SUB_COMMAND, "options": opts}]
    if subcommand_group is not None:
        assert subcommand is not None, "a subcommand group needs a subcommand"
        opts = [{"name": subcommand_group, "type": SUB_COMMAND_GROUP, "options": opts}]
    data: Payload = {"id": str(command_id or snowflake()), "name": name, "type": 1, "options": opts}
    if command_guild_id is not None:
        data["guild_id"] = str(command_guild_id)
    if resolved is not None:
        data["resolved"] = resolved
    payload["data"] = data
    return payload


def autocomplete_interaction(name: str, options: dict[str, Any] | list[Payload], focused: str, **kwargs: Any
                             ) -> Payload:
    """A type 4 autocomplete interaction; ``focused`` names the option being typed.

    Accepts the same keywords as :func:`slash_interaction`.
    """
    if isinstance(options, list):
        for opt in options:
            if opt["name"] == focused:
                opt["focused"] = True
    return slash_interaction(name, options, _type=APPLICATION_COMMAND_AUTOCOMPLETE, _focused=focused,
                             **kwargs)


def component_interaction(custom_id: str, message_payload: Payload, *, guild: Payload | None,
                          channel: Payload | None, member: Payload | None = None,
                          user: Payload | None = None, component_type: int = BUTTON,
                          values: list[str] | None = None, application_id: int = DEFAULT_APPLICATION_ID,
                          app_permissions: int = BOT_ROLE_PERMISSIONS, locale: str = "en-US",
                          token: str | None = None) -> Payload:
    """A type 3 MESSAGE_COMPONENT interaction: a button press (or select, with ``values``)."""
    payload = _base_interaction(MESSAGE_COMPONENT, guild=guild, channel=channel, member=member,
                                user_payload=user, application_id=application_id,
                                app_permissions=app_permissions, locale=locale, token=token)
    data: Payload = {"custom_id": custom_id, "component_type": component_type}
    if values is not None or component_type != BUTTON:
        data["values"] = values or []
    payload["data"] = data
    payload["message"] = message_payload
    return payload
