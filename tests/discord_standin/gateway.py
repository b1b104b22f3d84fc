"""The stand-in's gateway: a websocket speaking just enough of Discord's gateway v10.

HELLO -> (client) IDENTIFY -> READY + GUILD_CREATE per guild; heartbeats are acknowledged;
RESUME with a known session answers RESUMED; tests push events with :meth:`Gateway.dispatch`.
Frames are zlib-stream compressed (one shared deflate stream, Z_SYNC_FLUSH per message) when
the client asks for ``compress=zlib-stream``, as discord.py does; otherwise plain JSON text.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import secrets
import zlib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from aiohttp import WSMsgType, web

if TYPE_CHECKING:
    from tests.discord_standin.server import DiscordStandIn

log = logging.getLogger(__name__)

# Opcodes
DISPATCH, HEARTBEAT, IDENTIFY, PRESENCE, VOICE_STATE, RESUME, RECONNECT = 0, 1, 2, 3, 4, 6, 7
REQUEST_MEMBERS, INVALIDATE_SESSION, HELLO, HEARTBEAT_ACK = 8, 9, 10, 11


@dataclass
class GatewaySession:
    """One websocket connection from the client."""

    ws: web.WebSocketResponse
    query: dict[str, str]
    compressor: Any = None  # zlib compressobj when zlib-stream was requested
    session_id: str | None = None
    sequence: int = 0
    identify: dict[str, Any] | None = None
    received: list[dict[str, Any]] = field(default_factory=list)
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    async def send(self, payload: dict[str, Any]) -> None:
        """Send one gateway payload, compressed if the client asked for it."""
        text = json.dumps(payload)
        async with self.lock:
            if self.ws.closed:
                return
            if self.compressor is not None:
                data = self.compressor.compress(text.encode()) + self.compressor.flush(zlib.Z_SYNC_FLUSH)
                await self.ws.send_bytes(data)
            else:
                await self.ws.send_str(text)


class Gateway:
    """Websocket endpoint at ``/gateway``; owned by :class:`DiscordStandIn`."""

    def __init__(self, standin: DiscordStandIn, *, heartbeat_interval_ms: int = 41_250) -> None:
        self.standin = standin
        self.heartbeat_interval_ms = heartbeat_interval_ms
        self.sessions: list[GatewaySession] = []
        self.received: list[dict[str, Any]] = []
        self.identified = asyncio.Event()
        self._known_sessions: dict[str, int] = {}
        self._connections: set[web.WebSocketResponse] = set()

    @property
    def current(self) -> GatewaySession | None:
        """The latest identified (or resumed) open session."""
        for session in reversed(self.sessions):
            if session.session_id and not session.ws.closed:
                return session
        return None

    async def handle(self, request: web.Request) -> web.WebSocketResponse:
        """aiohttp handler for the websocket upgrade."""
        ws = web.WebSocketResponse(autoping=True)
        await ws.prepare(request)
        self._connections.add(ws)
        query = dict(request.query)
        session = GatewaySession(ws=ws, query=query)
        if query.get("compress") == "zlib-stream":
            session.compressor = zlib.compressobj()
        self.sessions.append(session)
        self.standin._record_ws_connect(request)
        try:
            await session.send({"op": HELLO, "d": {"heartbeat_interval": self.heartbeat_interval_ms,
                                                   "_trace": ["standin"]}, "s": None, "t": None})
            async for msg in ws:
                if msg.type == WSMsgType.TEXT:
                    await self._on_payload(session, json.loads(msg.data))
                elif msg.type == WSMsgType.BINARY:
                    await self._on_payload(session, json.loads(msg.data.decode()))
                elif msg.type == WSMsgType.ERROR:
                    break
        finally:
            self._connections.discard(ws)
            if session.session_id:
                self._known_sessions[session.session_id] = session.sequence
        return ws

    async def _on_payload(self, session: GatewaySession, payload: dict[str, Any]) -> None:
        session.received.append(payload)
        self.received.append(payload)
        op = payload.get("op")
        if op == HEARTBEAT:
            await session.send({"op": HEARTBEAT_ACK, "d": None, "s": None, "t": None})
        elif op == IDENTIFY:
            await self._identify(session, payload["d"])
        elif op == RESUME:
            await self._resume(session, payload["d"])
        else:
            log.debug("stand-in gateway got op %s", op)

    async def _identify(self, session: GatewaySession, data: dict[str, Any]) -> None:
        standin = self.standin
        if standin.token is not None and data.get("token") != standin.token:
            await session.ws.close(code=4004, message=b"Authentication failed.")
            return
        session.identify = data
        session.session_id = secrets.token_hex(16)
        self._known_sessions[session.session_id] = 0
        ready: dict[str, Any] = {
            "v": 10,
            "user": standin.bot_user,
            "guilds": [{"id": g["id"], "unavailable": True} for g in standin.guilds.values()],
            "session_id": session.session_id,
            "session_type": "normal",
            "resume_gateway_url": standin.gateway_url,
            "application": {"id": str(standin.application_id), "flags": standin.application_flags},
            "private_channels": [],
            "relationships": [],
            "presences": [],
            "guild_join_requests": [],
            "geo_ordered_rtc_regions": [],
            "user_settings": {},
            "_trace": ["standin"],
        }
        if "shard" in data:
            ready["shard"] = data["shard"]
        await self._dispatch_on(session, "READY", ready)
        for guild in list(standin.guilds.values()):
            await self._dispatch_on(session, "GUILD_CREATE", guild)
        self.identified.set()

    async def _resume(self, session: GatewaySession, data: dict[str, Any]) -> None:
        sid = data.get("session_id")
        if sid in self._known_sessions and (self.standin.token is None or data.get("token") == self.standin.token):
            session.session_id = sid
            session.sequence = max(self._known_sessions[sid], int(data.get("seq") or 0))
            await self._dispatch_on(session, "RESUMED", {"_trace": ["standin"]})
        else:
            await session.send({"op": INVALIDATE_SESSION, "d": False, "s": None, "t": None})

    async def _dispatch_on(self, session: GatewaySession, event: str, data: Any) -> int:
        session.sequence += 1
        if session.session_id:
            self._known_sessions[session.session_id] = session.sequence
        await session.send({"op": DISPATCH, "t": event, "s": session.sequence, "d": data})
        return session.sequence

    async def dispatch(self, event: str, data: Any) -> int:
        """Send a DISPATCH event to the current session; returns its sequence number."""
        session = self.current
        if session is None:
            raise RuntimeError("no identified gateway session: is the client connected?")
        return await self._dispatch_on(session, event, data)

    async def send_raw(self, payload: dict[str, Any]) -> None:
        """Send an arbitrary payload (e.g. op 7 RECONNECT) to the current session."""
        session = self.current
        if session is None:
            raise RuntimeError("no identified gateway session")
        await session.send(payload)

    async def close(self, code: int = 1001) -> None:
        """Close every open websocket (the server is going away)."""
        for ws in list(self._connections):
            with contextlib.suppress(Exception):
                await ws.close(code=code, message=b"stand-in stopping")
