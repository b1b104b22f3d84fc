"""One error handler for every slash command: clear words for people, tracebacks for logs.

- A `ServiceError` (bot.service.errors) carries a message written for the user: "no topic
  `x` here", "that URL is not public". It is shown as is, privately.
- A failed check (`app_commands.CheckFailure`, e.g. a member calling an admin command, or
  a server-only command used in DMs) is refused privately; nothing was changed.
- Anything else is a bug: logged with its traceback, and the user gets a private
  "something went wrong" instead of Discord's "The application did not respond".

Every reply is ephemeral and sent with `AllowedMentions.none()`.
"""

from __future__ import annotations

import logging
from typing import Any

import discord
from discord import app_commands

from bot.discord_bot import NO_MENTIONS

log = logging.getLogger(__name__)

SOMETHING_WENT_WRONG = (
    "Something went wrong on Dossier's side; nothing was changed. The error was logged "
    "for the bot's operator."
)


def _service_error_types() -> tuple[type[BaseException], ...]:
    try:
        from bot.service.errors import ServiceError
    except ImportError:  # pragma: no cover - the service layer is part of the package
        return ()
    return (ServiceError,)


def user_message(error: BaseException) -> tuple[str, bool]:
    """What to tell the user about `error`, and whether it was expected (not a bug)."""
    original = error.original if isinstance(error, app_commands.CommandInvokeError) else error
    if isinstance(original, _service_error_types()):
        return str(original) or "That could not be done.", True
    if isinstance(original, app_commands.NoPrivateMessage):
        return "This command only works in a server.", True
    if isinstance(original, app_commands.CheckFailure):
        text = str(original) or "You are not allowed to use this command here."
        if "Nothing was changed" not in text:
            text += " Nothing was changed."
        return text, True
    if isinstance(original, app_commands.TransformerError):
        return f"`{original.value}` is not a valid value for this option.", True
    if isinstance(original, app_commands.CommandNotFound):
        return "This command is no longer available; Discord may still be updating its list.", True
    return SOMETHING_WENT_WRONG, False


async def reply_privately(interaction: discord.Interaction, text: str) -> None:
    """An ephemeral reply, or an ephemeral follow-up if the interaction was answered."""
    try:
        if interaction.response.is_done():
            await interaction.followup.send(text, ephemeral=True, allowed_mentions=NO_MENTIONS)
        else:
            await interaction.response.send_message(text, ephemeral=True,
                                                    allowed_mentions=NO_MENTIONS)
    except discord.HTTPException as exc:  # the token expired, or Discord is down
        log.warning("could not tell the user about an error: %s", exc)


async def on_app_command_error(interaction: discord.Interaction,
                               error: app_commands.AppCommandError) -> None:
    text, expected = user_message(error)
    command = interaction.command.qualified_name if interaction.command else "?"
    if expected:
        log.info("/%s refused for user %s in guild %s: %s", command, interaction.user.id,
                 interaction.guild_id, text)
    else:
        original: Any = getattr(error, "original", error)
        log.error("/%s failed (guild %s, user %s)", command, interaction.guild_id,
                  interaction.user.id, exc_info=original)
    await reply_privately(interaction, text)


def install_error_handler(tree: app_commands.CommandTree) -> None:
    tree.error(on_app_command_error)
