"""Domain errors whose message is the sentence a Discord cog replies with, as is.

Cogs catch `ServiceError` and send `str(exc)` (ephemeral, no mentions); the subclasses
let them pick a tone or a status without parsing text.
"""

from __future__ import annotations

MAX_SHOWN = 80  # characters of user input echoed back in a message


class ServiceError(Exception):
    """Base class: `str(exc)` is a complete, user-facing sentence."""


class NotFoundError(ServiceError):
    """The topic, claim, feed or proposal does not exist in this server."""


class InvalidInputError(ServiceError):
    """An argument cannot be used (bad slug, status, interval, URL, threshold...)."""


class ConflictError(ServiceError):
    """The request clashes with the current state (key taken, already decided, already subscribed)."""


class UnsafeFeedError(InvalidInputError):
    """The feed URL points at a private or otherwise non-public address."""


def shown(text: object) -> str:
    """User input as inline code: backticks removed, one line, cut to MAX_SHOWN characters.

    Echoing input back must not let it break out of the code span or span many lines.
    """
    value = " ".join(str(text).replace("`", "'").split())
    if len(value) > MAX_SHOWN:
        value = value[: MAX_SHOWN - 1] + "…"
    return f"`{value}`" if value else "`(empty)`"
