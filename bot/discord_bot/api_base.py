"""Point discord.py at another Discord API base: a REST proxy, or the test stand-in.

Set ``DISCORD_API_BASE`` (e.g. ``http://127.0.0.1:8080``) to route every REST call through
``{base}/api/v10`` instead of ``https://discord.com/api/v10``. Unset, Dossier talks to
Discord itself. A base that already ends in ``/api/vN`` is used as given.

The gateway needs a word too: a plain (unsharded) discord.py client never asks Discord
where the gateway is, it dials ``wss://gateway.discord.gg`` directly. With a custom base,
``apply_api_base`` makes each fresh connection discover the gateway through
``GET {base}/gateway/bot`` (Discord's documented way), so a REST proxy that forwards that
call keeps using Discord's gateway while a local stand-in hands out its own ``ws://`` URL.
discord.py keeps the scheme it is given and only replaces the query (``v``, ``encoding``,
``compress``), so a plain ``ws://127.0.0.1:PORT/gateway`` works. Resumes use the
``resume_gateway_url`` from READY, as with Discord. Pass ``gateway=`` to skip discovery.
"""

from __future__ import annotations

import re
from typing import Any

import yarl
from discord import http as discord_http
from discord.gateway import DiscordWebSocket

__all__ = ["apply_api_base", "current_api_base"]

_DISCORD_REST_BASE: str = discord_http.Route.BASE
_DISCORD_GATEWAY: yarl.URL = DiscordWebSocket.DEFAULT_GATEWAY
_ORIGINAL_FROM_CLIENT: Any = DiscordWebSocket.__dict__["from_client"]
_VERSIONED = re.compile(r"/api/v\d+$")


def _rest_base(base: str) -> str:
    """``http://host:port`` -> ``http://host:port/api/v10``; versioned bases are kept."""
    url = yarl.URL(base.strip())
    if url.scheme not in ("http", "https") or not url.host:
        raise ValueError(f"DISCORD_API_BASE must be an http(s) URL, got {base!r}")
    text = str(url).rstrip("/")
    if _VERSIONED.search(text):
        return text
    return f"{text}/api/v{discord_http.INTERNAL_API_VERSION}"


async def _from_client_discovering(cls: type[DiscordWebSocket], client: Any, **kwargs: Any) -> Any:
    """``DiscordWebSocket.from_client`` that asks ``GET /gateway/bot`` when given no gateway."""
    if kwargs.get("gateway") is None:
        _shards, url, _limits = await client.http.get_bot_gateway()
        gateway = yarl.URL(url)
        # INVALID_SESSION sends discord.py back to DEFAULT_GATEWAY: make that the discovered one.
        cls.DEFAULT_GATEWAY = gateway
        kwargs["gateway"] = gateway
    return await _ORIGINAL_FROM_CLIENT.__func__(cls, client, **kwargs)


def apply_api_base(base: str | None, *, gateway: str | None = None) -> None:
    """Route discord.py's REST calls (and gateway discovery) through ``base``.

    ``None`` restores Discord's own endpoints. ``gateway`` pins the websocket URL instead
    of discovering it through ``GET /gateway/bot``. Process-wide: call it before starting
    the client.
    """
    if base is None:
        discord_http.Route.BASE = _DISCORD_REST_BASE
        DiscordWebSocket.DEFAULT_GATEWAY = _DISCORD_GATEWAY
        DiscordWebSocket.from_client = _ORIGINAL_FROM_CLIENT  # type: ignore[method-assign]
        return
    discord_http.Route.BASE = _rest_base(base)
    if gateway is not None:
        DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(gateway)
        DiscordWebSocket.from_client = _ORIGINAL_FROM_CLIENT  # type: ignore[method-assign]
    else:
        DiscordWebSocket.DEFAULT_GATEWAY = _DISCORD_GATEWAY
        DiscordWebSocket.from_client = classmethod(_from_client_discovering)  # type: ignore[method-assign,assignment]


def current_api_base() -> str:
    """The REST base discord.py is using now, e.g. ``https://discord.com/api/v10``."""
    return discord_http.Route.BASE
