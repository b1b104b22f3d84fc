"""A local stand-in for Discord's REST API (and, via :mod:`gateway`, its websocket gateway).

Real discord.py clients talk to it over loopback; every request is recorded for assertions.

    async with DiscordStandIn(guilds=[world.guild]) as standin:
        apply_api_base(standin.base_url)
        ...  # start a client with any token
        await standin.dispatch("INTERACTION_CREATE", payload)
        callback = await standin.wait_for_request("POST", r"/interactions/\\d+/.+/callback")
        assert callback.json["type"] == 4

Paths given to the query helpers are regexes matched (``re.fullmatch``) against the route
without its ``/api/v10`` prefix, e.g. ``r"/channels/\\d+/messages"``. Unknown routes answer
404 ``{"code": 0}`` and are recorded like any other request. Failures can be queued per route
(:meth:`DiscordStandIn.queue_response`, :meth:`queue_rate_limit`, :meth:`queue_error`).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import logging
import re
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, Self

from aiohttp import web
from multidict import CIMultiDict

from tests.discord_standin import fixtures
from tests.discord_standin.gateway import Gateway

log = logging.getLogger(__name__)

Payload = dict[str, Any]
Handler = Callable[["_Call"], Awaitable[web.Response]]

EPHEMERAL = 1 << 6
LOADING = 1 << 7
GUILD_MESSAGES_INTENT = 1 << 9
_API_PREFIX = re.compile(r"^/api(?:/v(\d+))?(?=/)")


@dataclass(frozen=True)
class ApiError:
    """A Discord JSON error: HTTP status, error code, message."""

    status: int
    code: int
    message: str

    def body(self) -> Payload:
        return {"message": self.message, "code": self.code}


UNAUTHORIZED = ApiError(401, 0, "401: Unauthorized")
MISSING_ACCESS = ApiError(403, 50001, "Missing Access")
MISSING_PERMISSIONS = ApiError(403, 50013, "Missing Permissions")
UNKNOWN_CHANNEL = ApiError(404, 10003, "Unknown Channel")
UNKNOWN_GUILD = ApiError(404, 10004, "Unknown Guild")
UNKNOWN_MESSAGE = ApiError(404, 10008, "Unknown Message")
UNKNOWN_USER = ApiError(404, 10013, "Unknown User")
UNKNOWN_WEBHOOK = ApiError(404, 10015, "Unknown Webhook")
UNKNOWN_COMMAND = ApiError(404, 10063, "Unknown application command")
UNKNOWN_INTERACTION = ApiError(404, 10062, "Unknown interaction")
ALREADY_ACKNOWLEDGED = ApiError(400, 40060, "Interaction has already been acknowledged.")
EMPTY_MESSAGE = ApiError(400, 50006, "Cannot send an empty message")
INVALID_FORM_BODY = ApiError(400, 50035, "Invalid Form Body")
SERVER_ERROR = ApiError(500, 0, "500: Internal Server Error")
NOT_FOUND = ApiError(404, 0, "404: Not Found")


# Discord's documented limits (https://discord.com/developers/docs/resources/message#embed-object-embed-limits,
# .../interactions/message-components): the real API answers 400 Invalid Form Body past them.
EMBED_LIMITS = {"title": 256, "description": 4096, "footer.text": 2048, "author.name": 256}
EMBED_FIELDS, FIELD_NAME, FIELD_VALUE, EMBEDS_TOTAL = 25, 256, 1024, 6000


def _length(errors: Payload, where: str, value: Any, limit: int, *, minimum: int = 0) -> None:
    if value is None and minimum == 0:
        return
    text = "" if value is None else str(value)
    if len(text) > limit:
        errors[where] = {"_errors": [{"code": "BASE_TYPE_MAX_LENGTH",
                                      "message": f"Must be {limit} or fewer in length."}]}
    elif len(text) < minimum:
        errors[where] = {"_errors": [{"code": "BASE_TYPE_REQUIRED", "message": "This field is required"}]}


def _url_ok(url: Any) -> bool:
    text = str(url)
    return text.startswith(("http://", "https://", "attachment://")) and not any(c.isspace() for c in text)


def _embed_errors(embeds: list[Payload], errors: Payload) -> None:
    """Per-field limits, 25 fields, non-empty field names and values, well-formed URLs, and
    6,000 characters over every embed of the message."""
    total = 0
    for i, embed in enumerate(embeds):
        for key, limit in EMBED_LIMITS.items():
            part, _, sub = key.partition(".")
            value = (embed.get(part) or {}).get(sub) if sub else embed.get(part)
            _length(errors, f"embeds.{i}.{key}", value, limit)
            total += len(str(value or ""))
        for key in ("url", "thumbnail.url", "image.url", "author.url"):
            part, _, sub = key.partition(".")
            value = (embed.get(part) or {}).get(sub) if sub else embed.get(part)
            if value is not None and not _url_ok(value):
                errors[f"embeds.{i}.{key}"] = {"_errors": [{"code": "URL_TYPE_INVALID_URL",
                                                            "message": "Not a well formed URL."}]}
        fields = embed.get("fields") or []
        if len(fields) > EMBED_FIELDS:
            errors[f"embeds.{i}.fields"] = {"_errors": [{"code": "BASE_TYPE_MAX_LENGTH",
                                                         "message": "Must be 25 or fewer in length."}]}
        for j, item in enumerate(fields):
            _length(errors, f"embeds.{i}.fields.{j}.name", item.get("name"), FIELD_NAME, minimum=1)
            _length(errors, f"embeds.{i}.fields.{j}.value", item.get("value"), FIELD_VALUE, minimum=1)
            total += len(str(item.get("name") or "")) + len(str(item.get("value") or ""))
    if total > EMBEDS_TOTAL:
        errors["embeds"] = {"_errors": [{"code": "MAX_EMBED_SIZE_EXCEEDED",
                                         "message": "Embed size exceeds maximum size of 6000"}]}


def _component_errors(rows: list[Payload], errors: Payload) -> None:
    """Action rows (5), buttons per row (5), labels, custom ids and select options."""
    if len(rows) > 5:
        errors["components"] = {"_errors": [{"code": "BASE_TYPE_MAX_LENGTH",
                                             "message": "Must be 5 or fewer in length."}]}
    for i, row in enumerate(rows):
        children = row.get("components") or []
        if len(children) > 5:
            errors[f"components.{i}.components"] = {"_errors": [{"code": "BASE_TYPE_MAX_LENGTH",
                                                                 "message": "Must be 5 or fewer in length."}]}
        for j, comp in enumerate(children):
            where = f"components.{i}.components.{j}"
            _length(errors, f"{where}.custom_id", comp.get("custom_id"), 100)
            _length(errors, f"{where}.label", comp.get("label"), 80)
            _length(errors, f"{where}.placeholder", comp.get("placeholder"), 150)
            options = comp.get("options") or []
            if len(options) > 25:
                errors[f"{where}.options"] = {"_errors": [{"code": "BASE_TYPE_MAX_LENGTH",
                                                           "message": "Must be 25 or fewer in length."}]}
            for k, option in enumerate(options):
                _length(errors, f"{where}.options.{k}.label", option.get("label"), 100, minimum=1)
                _length(errors, f"{where}.options.{k}.value", option.get("value"), 100, minimum=1)
                _length(errors, f"{where}.options.{k}.description", option.get("description"), 100)


@dataclass
class RecordedFile:
    """A file part of a multipart request."""

    field: str
    filename: str | None
    content_type: str
    data: bytes


@dataclass
class RecordedRequest:
    """One HTTP request the stand-in received, and what it answered."""

    method: str
    path: str  # as received, e.g. /api/v10/channels/1/messages
    route: str  # without the /api/vN prefix, e.g. /channels/1/messages
    query: dict[str, str]
    headers: CIMultiDict[str]
    json: Any = None  # JSON body, or payload_json of a multipart body
    files: list[RecordedFile] = field(default_factory=list)
    status: int = 0
    response: Any = None
    queued: bool = False  # answered from a queued (scripted) response

    def matches(self, method: str | None, pattern: str) -> bool:
        """Method (None/'*' = any) and a fullmatch of ``pattern`` on the route (or full path)."""
        if method not in (None, "*") and self.method != method.upper():
            return False
        target = self.path if pattern.startswith("/api/") else self.route
        return re.fullmatch(pattern, target) is not None


@dataclass
class QueuedResponse:
    """A scripted answer for the next ``times`` requests matching method + route regex."""

    method: str
    pattern: str
    status: int
    body: Any
    headers: dict[str, str] = field(default_factory=dict)
    times: int = 1


@dataclass
class InteractionState:
    """What the stand-in knows about a dispatched interaction."""

    payload: Payload
    acknowledged: bool = False
    response_type: int | None = None
    original_message_id: str | None = None

    @property
    def id(self) -> str:
        return str(self.payload["id"])

    @property
    def token(self) -> str:
        return str(self.payload["token"])


@dataclass
class _Call:
    request: web.Request
    record: RecordedRequest
    params: dict[str, str]


def _json(data: Any, *, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    """A JSON response with Discord's exact ``Content-Type: application/json``.

    discord.py parses a body as JSON only when the header is exactly that (no charset).
    """
    response = web.Response(body=json.dumps(data).encode(), status=status, headers=headers)
    response.headers["Content-Type"] = "application/json"
    return response


class _JsonError(Exception):
    def __init__(self, error: ApiError, detail: Payload | None = None) -> None:
        super().__init__(error.message)
        self.error = error
        self.detail = detail


class DiscordStandIn:
    """Discord's REST API + gateway on 127.0.0.1, a free port, for one test.

    ``token``: when set, REST calls must carry ``Bot <token>`` and IDENTIFY that token.
    ``guilds``: GUILD_CREATE payloads (see :func:`fixtures.make_guild`) sent after READY.
    """

    def __init__(self, *, guilds: Iterable[Payload] = (), bot_user: Payload | None = None,
                 application_id: int | None = None, token: str | None = None,
                 owner: Payload | None = None, application_flags: int = 0,
                 heartbeat_interval_ms: int = 41_250, rate_limit_headers: bool = True) -> None:
        self.application_id: int = application_id or (
            int(bot_user["id"]) if bot_user else fixtures.DEFAULT_APPLICATION_ID)
        self.bot_user: Payload = bot_user or fixtures.bot_user(self.application_id)
        self.owner: Payload = owner or fixtures.user(username="app-owner")
        self.token = token
        self.application_flags = application_flags
        self.rate_limit_headers = rate_limit_headers
        self.requests: list[RecordedRequest] = []
        self.ws_connects: list[RecordedRequest] = []
        self.guilds: dict[str, Payload] = {}
        self.channels: dict[str, Payload] = {}
        self.users: dict[str, Payload] = {str(self.bot_user["id"]): self.bot_user}
        self.messages: dict[str, Payload] = {}  # message id -> message
        self.global_commands: list[Payload] = []
        self.guild_commands: dict[str, list[Payload]] = {}
        self.interactions: dict[str, InteractionState] = {}
        self._nonces: dict[tuple[str, str], tuple[float, str]] = {}
        self._queue: list[QueuedResponse] = []
        self._changed = asyncio.Condition()
        self.gateway = Gateway(self, heartbeat_interval_ms=heartbeat_interval_ms)
        self._runner: web.AppRunner | None = None
        self._port: int | None = None
        self._routes: list[tuple[str, re.Pattern[str], Handler]] = self._route_table()
        for guild in guilds:
            self.add_guild(guild)

    # --- lifecycle ---------------------------------------------------------------------

    async def start(self) -> Self:
        """Bind to 127.0.0.1 on a free port and start serving."""
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_get("/gateway", self.gateway.handle)
        app.router.add_route("*", "/{tail:.*}", self._handle)
        self._runner = web.AppRunner(app, shutdown_timeout=1.0, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self._port = int(self._runner.addresses[0][1])
        return self

    async def stop(self) -> None:
        """Close gateway connections and the server."""
        await self.gateway.close()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> Self:
        return await self.start()

    async def __aexit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                        tb: TracebackType | None) -> None:
        await self.stop()

    @property
    def port(self) -> int:
        assert self._port is not None, "stand-in not started"
        return self._port

    @property
    def base_url(self) -> str:
        """What to give ``apply_api_base`` / ``DISCORD_API_BASE``."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def api_base(self) -> str:
        """The versioned REST base, e.g. ``http://127.0.0.1:PORT/api/v10``."""
        return f"{self.base_url}/api/v10"

    @property
    def gateway_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/gateway"

    # --- world -------------------------------------------------------------------------

    def add_guild(self, guild: Payload) -> None:
        """Know a guild (and its channels, members); sent as GUILD_CREATE on IDENTIFY."""
        gid = str(guild["id"])
        self.guilds[gid] = guild
        for channel in guild.get("channels", []):
            channel["guild_id"] = gid
            self.channels[str(channel["id"])] = channel
        for member in guild.get("members", []):
            self.users[str(member["user"]["id"])] = member["user"]

    def add_channel(self, channel: Payload) -> None:
        """Know a channel (a DM, or a guild channel added after the fact)."""
        self.channels[str(channel["id"])] = channel
        gid = channel.get("guild_id")
        if gid is not None and str(gid) in self.guilds:
            self.guilds[str(gid)].setdefault("channels", []).append(channel)

    def messages_in(self, channel_id: int | str) -> list[Payload]:
        """Messages (not deleted) the stand-in holds for a channel, oldest first."""
        return [m for m in self.messages.values() if m["channel_id"] == str(channel_id)]

    # --- gateway -----------------------------------------------------------------------

    async def wait_until_identified(self, timeout: float = 5.0) -> None:  # noqa: ASYNC109
        """Wait until a client has sent IDENTIFY (and got READY)."""
        await asyncio.wait_for(self.gateway.identified.wait(), timeout)

    async def dispatch(self, event: str, data: Any) -> int:
        """Send a gateway DISPATCH event; returns its sequence number.

        INTERACTION_CREATE payloads are registered so their callbacks/follow-ups are accepted;
        GUILD_CREATE payloads are added to the world.
        """
        if event == "INTERACTION_CREATE":
            self.register_interaction(data)
        elif event == "GUILD_CREATE":
            self.add_guild(data)
        return await self.gateway.dispatch(event, data)

    def register_interaction(self, payload: Payload) -> InteractionState:
        """Accept callbacks for this interaction payload (done by :meth:`dispatch`)."""
        state = InteractionState(payload)
        self.interactions[state.id] = state
        return state

    async def interact(self, payload: Payload, timeout: float = 5.0) -> RecordedRequest:  # noqa: ASYNC109
        """Dispatch INTERACTION_CREATE and wait for the client's callback request."""
        await self.dispatch("INTERACTION_CREATE", payload)
        return await self.wait_for_request(
            "POST", rf"/interactions/{payload['id']}/[^/]+/callback", timeout=timeout)

    async def request_reconnect(self) -> None:
        """Send op 7 RECONNECT: the client drops the socket and RESUMEs."""
        await self.gateway.send_raw({"op": 7, "d": None, "s": None, "t": None})

    # --- recorded requests -------------------------------------------------------------

    def requests_to(self, method: str | None, pattern: str) -> list[RecordedRequest]:
        """Recorded requests with this method (None = any) whose route fullmatches ``pattern``."""
        return [r for r in self.requests if r.matches(method, pattern)]

    def unknown_requests(self) -> list[RecordedRequest]:
        """Requests that hit no known route (answered 404 code 0)."""
        return [r for r in self.requests if r.status == 404 and isinstance(r.response, dict)
                and r.response.get("code") == 0 and not r.queued]

    def callbacks(self, interaction_id: int | str | None = None) -> list[RecordedRequest]:
        """Interaction callback requests, optionally for one interaction."""
        ident = str(interaction_id) if interaction_id is not None else r"\d+"
        return self.requests_to("POST", rf"/interactions/{ident}/[^/]+/callback")

    async def wait_for_request(self, method: str | None, pattern: str, *, count: int = 1,
                               timeout: float = 5.0) -> RecordedRequest:  # noqa: ASYNC109
        """Wait until ``count`` matching requests were answered; returns the ``count``-th."""
        def ready() -> bool:
            return len(self.requests_to(method, pattern)) >= count

        async with self._changed:
            try:
                await asyncio.wait_for(self._changed.wait_for(ready), timeout)
            except TimeoutError:
                seen = [f"{r.method} {r.route} -> {r.status}" for r in self.requests]
                raise AssertionError(
                    f"no {count}x {method} {pattern} within {timeout}s; saw: {seen}") from None
        return self.requests_to(method, pattern)[count - 1]

    # --- scripted failures -------------------------------------------------------------

    def queue_response(self, method: str, pattern: str, *, status: int, body: Any = None,
                       headers: dict[str, str] | None = None, times: int = 1) -> None:
        """Answer the next ``times`` matching requests with this status/JSON body instead."""
        self._queue.append(QueuedResponse(method.upper(), pattern, status, body, dict(headers or {}), times))

    def queue_error(self, method: str, pattern: str, error: ApiError = SERVER_ERROR, *, times: int = 1) -> None:
        """Queue a Discord JSON error, e.g. ``MISSING_PERMISSIONS`` or ``UNKNOWN_CHANNEL``.

        Note discord.py retries 500/502/504 after sleeping 1 s, 3 s, ... between attempts.
        """
        self.queue_response(method, pattern, status=error.status, body=error.body(), times=times)

    def queue_rate_limit(self, method: str, pattern: str, *, retry_after: float = 0.01,
                         is_global: bool = False, scope: str = "user", times: int = 1) -> None:
        """Queue a 429 with the body and headers discord.py reads (it then sleeps and retries)."""
        headers = {
            "X-RateLimit-Limit": "5",
            "X-RateLimit-Remaining": "0",
            "X-RateLimit-Reset": f"{time.time() + retry_after:.3f}",
            "X-RateLimit-Reset-After": f"{retry_after:.3f}",
            "X-RateLimit-Scope": scope,
            "Retry-After": str(max(1, round(retry_after))),
            # discord.py treats a 429 without Via as a Cloudflare ban and raises at once.
            "Via": "1.1 google",
        }
        if is_global:
            headers["X-RateLimit-Global"] = "true"
        else:
            headers["X-RateLimit-Bucket"] = self._bucket(method.upper(), pattern)
        body = {"message": "You are being rate limited.", "retry_after": retry_after,
                "global": is_global, "code": 0}
        self.queue_response(method, pattern, status=429, body=body, headers=headers, times=times)

    def _take_queued(self, record: RecordedRequest) -> QueuedResponse | None:
        for queued in self._queue:
            if record.matches(queued.method, queued.pattern):
                queued.times -= 1
                if queued.times <= 0:
                    self._queue.remove(queued)
                return queued
        return None

    # --- HTTP plumbing -----------------------------------------------------------------

    @staticmethod
    def _bucket(method: str, template: str) -> str:
        return hashlib.sha1(f"{method} {template}".encode()).hexdigest()[:16]

    def _headers(self, method: str, template: str) -> dict[str, str]:
        headers = {"Via": "1.1 google"}
        if self.rate_limit_headers:
            headers.update({
                "X-RateLimit-Limit": "50",
                "X-RateLimit-Remaining": "49",
                "X-RateLimit-Reset": f"{time.time() + 1:.3f}",
                "X-RateLimit-Reset-After": "1.000",
                "X-RateLimit-Bucket": self._bucket(method, template),
            })
        return headers

    def _record_ws_connect(self, request: web.Request) -> None:
        self.ws_connects.append(RecordedRequest("GET", request.path, request.path, dict(request.query),
                                                CIMultiDict(request.headers), status=101))

    async def _parse_body(self, request: web.Request, record: RecordedRequest) -> None:
        ctype = request.content_type
        if ctype.startswith("multipart/"):
            reader = await request.multipart()
            while (part := await reader.next()) is not None:
                data = await part.read()  # type: ignore[union-attr]
                name = part.name or ""  # type: ignore[union-attr]
                if name == "payload_json":
                    record.json = json.loads(data)
                else:
                    record.files.append(RecordedFile(
                        name, part.filename,  # type: ignore[union-attr]
                        part.headers.get("Content-Type", "application/octet-stream"), bytes(data)))
        elif request.can_read_body:
            raw = await request.read()
            if raw:
                try:
                    record.json = json.loads(raw)
                except ValueError:
                    record.json = raw.decode(errors="replace")

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        path = request.path
        match = _API_PREFIX.match(path)
        route = path[match.end():] if match else path
        record = RecordedRequest(request.method, path, route, dict(request.query), CIMultiDict(request.headers))
        await self._parse_body(request, record)
        try:
            response = await self._respond(request, record, match is not None)
        except _JsonError as exc:
            body = exc.error.body()
            if exc.detail:
                body["errors"] = exc.detail
            response = _json(body, status=exc.error.status, headers={"Via": "1.1 google"})
        except Exception:  # a stand-in bug: answer 500 so the test sees it, and log it
            log.exception("discord stand-in failed on %s %s", request.method, path)
            response = _json(SERVER_ERROR.body(), status=500, headers={"Via": "1.1 google"})
        record.status = response.status
        if record.response is None and isinstance(response, web.Response) and response.body is not None:
            with contextlib.suppress(ValueError, TypeError):
                record.response = json.loads(response.body)  # type: ignore[arg-type]
        async with self._changed:
            self.requests.append(record)
            self._changed.notify_all()
        return response

    async def _respond(self, request: web.Request, record: RecordedRequest, versioned: bool) -> web.Response:
        queued = self._take_queued(record)
        if queued is not None:
            record.queued = True
            headers = {"Via": "1.1 google", **queued.headers}
            if queued.body is None:
                return web.Response(status=queued.status, headers=headers)
            return _json(queued.body, status=queued.status, headers=headers)
        if not versioned:
            raise _JsonError(NOT_FOUND)
        for method, regex, handler in self._routes:
            m = regex.fullmatch(record.route)
            if m is None or method != request.method:
                continue
            authless = record.route.startswith(("/interactions/", "/webhooks/"))
            if (self.token is not None and not authless
                    and request.headers.get("Authorization") != f"Bot {self.token}"):
                raise _JsonError(UNAUTHORIZED)
            response = await handler(_Call(request, record, m.groupdict()))
            for key, value in self._headers(method, regex.pattern).items():
                response.headers.setdefault(key, value)
            return response
        raise _JsonError(NOT_FOUND)

    def _route_table(self) -> list[tuple[str, re.Pattern[str], Handler]]:
        s = r"(?P<%s>\d+)"
        app, guild, channel, message = s % "app", s % "guild", s % "channel", s % "message"
        cmd, user = s % "command", s % "user"
        token = r"(?P<token>[^/]+)"
        table: list[tuple[str, str, Handler]] = [
            ("GET", "/gateway", self._get_gateway),
            ("GET", "/gateway/bot", self._get_gateway_bot),
            ("GET", "/users/@me", self._get_me),
            ("GET", f"/users/{user}", self._get_user),
            ("GET", "/oauth2/applications/@me", self._get_application),
            ("GET", "/applications/@me", self._get_application),
            ("GET", f"/applications/{app}/commands", self._get_commands),
            ("PUT", f"/applications/{app}/commands", self._put_commands),
            ("POST", f"/applications/{app}/commands", self._post_command),
            ("GET", f"/applications/{app}/commands/{cmd}", self._get_command),
            ("DELETE", f"/applications/{app}/commands/{cmd}", self._delete_command),
            ("GET", f"/applications/{app}/guilds/{guild}/commands", self._get_commands),
            ("PUT", f"/applications/{app}/guilds/{guild}/commands", self._put_commands),
            ("POST", f"/applications/{app}/guilds/{guild}/commands", self._post_command),
            ("GET", f"/applications/{app}/guilds/{guild}/commands/{cmd}", self._get_command),
            ("DELETE", f"/applications/{app}/guilds/{guild}/commands/{cmd}", self._delete_command),
            ("GET", f"/applications/{app}/guilds/{guild}/commands/permissions", self._get_empty_list),
            ("GET", f"/channels/{channel}", self._get_channel),
            ("GET", f"/channels/{channel}/messages", self._get_messages),
            ("POST", f"/channels/{channel}/messages", self._post_message),
            ("GET", f"/channels/{channel}/messages/{message}", self._get_message),
            ("PATCH", f"/channels/{channel}/messages/{message}", self._patch_message),
            ("DELETE", f"/channels/{channel}/messages/{message}", self._delete_message),
            ("PUT", f"/channels/{channel}/messages/{message}/reactions/[^/]+/@me", self._no_content),
            ("POST", f"/channels/{channel}/typing", self._no_content),
            ("GET", f"/guilds/{guild}", self._get_guild),
            ("GET", f"/guilds/{guild}/channels", self._get_guild_channels),
            ("GET", f"/guilds/{guild}/roles", self._get_guild_roles),
            ("GET", f"/guilds/{guild}/members/{user}", self._get_member),
            ("POST", rf"/interactions/(?P<interaction>\d+)/{token}/callback", self._interaction_callback),
            ("POST", f"/webhooks/{app}/{token}", self._webhook_execute),
            ("GET", rf"/webhooks/{app}/{token}/messages/(?P<message>\d+|@original)", self._webhook_get),
            ("PATCH", rf"/webhooks/{app}/{token}/messages/(?P<message>\d+|@original)", self._webhook_edit),
            ("DELETE", rf"/webhooks/{app}/{token}/messages/(?P<message>\d+|@original)", self._webhook_delete),
        ]
        return [(method, re.compile(pattern), handler) for method, pattern, handler in table]

    # --- handlers: misc ----------------------------------------------------------------

    @staticmethod
    async def _no_content(call: _Call) -> web.Response:
        return web.Response(status=204)

    @staticmethod
    async def _get_empty_list(call: _Call) -> web.Response:
        return _json([])

    async def _get_gateway(self, call: _Call) -> web.Response:
        return _json({"url": self.gateway_url})

    async def _get_gateway_bot(self, call: _Call) -> web.Response:
        return _json({
            "url": self.gateway_url,
            "shards": 1,
            "session_start_limit": {"total": 1000, "remaining": 999, "reset_after": 14_400_000,
                                    "max_concurrency": 1},
        })

    async def _get_me(self, call: _Call) -> web.Response:
        return _json(self.bot_user)

    async def _get_user(self, call: _Call) -> web.Response:
        found = self.users.get(call.params["user"])
        if found is None:
            raise _JsonError(UNKNOWN_USER)
        return _json(found)

    async def _get_application(self, call: _Call) -> web.Response:
        return _json({
            "id": str(self.application_id),
            "name": self.bot_user["username"],
            "icon": None,
            "description": "Dossier test application",
            "rpc_origins": [],
            "bot_public": False,
            "bot_require_code_grant": False,
            "bot": self.bot_user,
            "terms_of_service_url": None,
            "privacy_policy_url": None,
            "owner": self.owner,
            "verify_key": "0" * 64,
            "team": None,
            "guild_id": None,
            "flags": self.application_flags,
            "tags": [],
            "install_params": None,
            "custom_install_url": None,
            "interactions_endpoint_url": None,
            "role_connections_verification_url": None,
            "approximate_guild_count": len(self.guilds),
            "redirect_uris": [],
            "integration_types_config": {"0": {}},
        })

    # --- handlers: guilds and channels -------------------------------------------------

    def _guild(self, gid: str) -> Payload:
        found = self.guilds.get(gid)
        if found is None:
            raise _JsonError(UNKNOWN_GUILD)
        return found

    def _channel(self, cid: str) -> Payload:
        found = self.channels.get(cid)
        if found is None:
            raise _JsonError(UNKNOWN_CHANNEL)
        return found

    async def _get_guild(self, call: _Call) -> web.Response:
        guild = self._guild(call.params["guild"])
        skip = {"members", "channels", "threads", "presences", "voice_states", "stage_instances",
                "guild_scheduled_events", "soundboard_sounds", "joined_at", "large", "member_count"}
        return _json({k: v for k, v in guild.items() if k not in skip})

    async def _get_guild_channels(self, call: _Call) -> web.Response:
        return _json(self._guild(call.params["guild"]).get("channels", []))

    async def _get_guild_roles(self, call: _Call) -> web.Response:
        return _json(self._guild(call.params["guild"]).get("roles", []))

    async def _get_member(self, call: _Call) -> web.Response:
        guild = self._guild(call.params["guild"])
        for member in guild.get("members", []):
            if member["user"]["id"] == call.params["user"]:
                return _json(member)
        raise _JsonError(ApiError(404, 10007, "Unknown Member"))

    async def _get_channel(self, call: _Call) -> web.Response:
        return _json(self._channel(call.params["channel"]))

    # --- handlers: messages ------------------------------------------------------------

    def _message(self, cid: str, mid: str) -> Payload:
        self._channel(cid)
        found = self.messages.get(mid)
        if found is None or found["channel_id"] != cid:
            raise _JsonError(UNKNOWN_MESSAGE)
        return found

    @staticmethod
    def _validate_message_body(body: Payload, files: list[RecordedFile], *, creating: bool) -> None:
        content = body.get("content")
        if creating and not (content or body.get("embeds") or body.get("components")
                             or body.get("sticker_ids") or body.get("poll") or files):
            raise _JsonError(EMPTY_MESSAGE)
        errors: Payload = {}
        if content is not None and len(content) > 2000:
            errors["content"] = {"_errors": [{"code": "BASE_TYPE_MAX_LENGTH",
                                              "message": "Must be 2000 or fewer in length."}]}
        if len(body.get("embeds") or []) > 10:
            errors["embeds"] = {"_errors": [{"code": "BASE_TYPE_MAX_LENGTH",
                                             "message": "Must be 10 or fewer in length."}]}
        else:
            _embed_errors(body.get("embeds") or [], errors)
        _component_errors(body.get("components") or [], errors)
        if errors:
            raise _JsonError(INVALID_FORM_BODY, errors)

    def _build_message(self, channel_id: str, body: Payload, files: list[RecordedFile], *,
                       flags: int = 0, webhook: bool = False,
                       interaction: InteractionState | None = None) -> Payload:
        channel = self.channels.get(channel_id, {})
        msg = fixtures.message(
            channel_id, body.get("content") or "", author=self.bot_user, guild_id=channel.get("guild_id"),
            embeds=body.get("embeds"), components=body.get("components"),
            flags=flags | (int(body.get("flags") or 0)), nonce=body.get("nonce"),
            webhook_id=self.application_id if webhook else None,
            application_id=self.application_id if webhook else None,
        )
        msg["tts"] = bool(body.get("tts", False))
        if body.get("message_reference"):
            msg["message_reference"] = body["message_reference"]
            msg["type"] = 19
        msg["attachments"] = [
            {"id": str(fixtures.snowflake()), "filename": f.filename or f.field, "size": len(f.data),
             "url": f"{self.base_url}/attachments/{channel_id}/{f.filename}",
             "proxy_url": f"{self.base_url}/attachments/{channel_id}/{f.filename}",
             "content_type": f.content_type}
            for f in files
        ]
        if interaction is not None:
            payload = interaction.payload
            invoker = (payload.get("member") or {}).get("user") or payload.get("user")
            msg["interaction_metadata"] = {
                "id": interaction.id, "type": payload["type"], "user": invoker,
                "authorizing_integration_owners": payload.get("authorizing_integration_owners", {}),
            }
            if payload["type"] == fixtures.MESSAGE_COMPONENT and payload.get("message"):
                msg["interaction_metadata"]["interacted_message_id"] = payload["message"]["id"]
        self.messages[msg["id"]] = msg
        return msg

    def _apply_edit(self, msg: Payload, body: Payload, files: list[RecordedFile]) -> Payload:
        self._validate_message_body(body, files, creating=False)
        for key in ("content", "embeds", "components", "attachments"):
            if key in body and body[key] is not None:
                msg[key] = body[key]
        if "flags" in body and body["flags"] is not None:
            msg["flags"] = (msg["flags"] & EPHEMERAL) | int(body["flags"])
        msg["flags"] &= ~LOADING
        msg["edited_timestamp"] = fixtures.iso_now()
        return msg

    def _session_intents(self) -> int:
        session = self.gateway.current
        if session is None or session.identify is None:
            return 0
        return int(session.identify.get("intents") or 0)

    async def _echo_event(self, event: str, msg: Payload) -> None:
        """Real Discord sends the bot its own messages when it has the GUILD_MESSAGES intent."""
        if msg.get("guild_id") and not msg["flags"] & EPHEMERAL and self._session_intents() & GUILD_MESSAGES_INTENT:
            await self.gateway.dispatch(event, msg)

    async def _get_messages(self, call: _Call) -> web.Response:
        self._channel(call.params["channel"])
        limit = int(call.record.query.get("limit", 50))
        found = self.messages_in(call.params["channel"])[::-1][:limit]
        return _json(found)

    async def _post_message(self, call: _Call) -> web.Response:
        cid = call.params["channel"]
        self._channel(cid)
        body = call.record.json or {}
        self._validate_message_body(body, call.record.files, creating=True)
        nonce = body.get("nonce")
        if nonce is not None and body.get("enforce_nonce"):
            key = (str(self.bot_user["id"]), str(nonce))
            seen = self._nonces.get(key)
            if seen is not None and time.monotonic() - seen[0] < 300 and seen[1] in self.messages:
                return _json(self.messages[seen[1]])
        msg = self._build_message(cid, body, call.record.files)
        if nonce is not None and body.get("enforce_nonce"):
            self._nonces[(str(self.bot_user["id"]), str(nonce))] = (time.monotonic(), msg["id"])
        await self._echo_event("MESSAGE_CREATE", msg)
        return _json(msg)

    async def _get_message(self, call: _Call) -> web.Response:
        return _json(self._message(call.params["channel"], call.params["message"]))

    async def _patch_message(self, call: _Call) -> web.Response:
        msg = self._message(call.params["channel"], call.params["message"])
        if msg["author"]["id"] != self.bot_user["id"] and set(call.record.json or {}) - {"flags"}:
            raise _JsonError(ApiError(403, 50005, "Cannot edit a message authored by another user"))
        self._apply_edit(msg, call.record.json or {}, call.record.files)
        await self._echo_event("MESSAGE_UPDATE", msg)
        return _json(msg)

    async def _delete_message(self, call: _Call) -> web.Response:
        self._message(call.params["channel"], call.params["message"])
        del self.messages[call.params["message"]]
        return web.Response(status=204)

    # --- handlers: application commands -----------------------------------------------

    def _check_app(self, call: _Call) -> None:
        if int(call.params["app"]) != self.application_id:
            raise _JsonError(MISSING_ACCESS)

    def _command_list(self, call: _Call) -> list[Payload]:
        self._check_app(call)
        gid = call.params.get("guild")
        if gid is None:
            return self.global_commands
        self._guild(gid)
        return self.guild_commands.setdefault(gid, [])

    @staticmethod
    def _command_errors(command: Payload) -> Payload:
        errors: Payload = {}
        ctype = command.get("type", 1)
        name = command.get("name") or ""
        if ctype == 1 and (not re.fullmatch(r"[-_\w]{1,32}", name) or name != name.lower()):
            errors["name"] = {"_errors": [{"code": "APPLICATION_COMMAND_INVALID_NAME",
                                           "message": "Command name is invalid"}]}
        description = command.get("description") or ""
        if ctype == 1 and not 1 <= len(description) <= 100:
            errors["description"] = {"_errors": [{"code": "BASE_TYPE_BAD_LENGTH",
                                                  "message": "Must be between 1 and 100 in length."}]}
        options = command.get("options") or []
        if len(options) > 25:
            errors["options"] = {"_errors": [{"code": "BASE_TYPE_MAX_LENGTH",
                                              "message": "Must be 25 or fewer in length."}]}
        seen_optional = False
        for index, opt in enumerate(options):
            if opt.get("type") in (1, 2):
                sub = DiscordStandIn._command_errors({**opt, "type": 1})
                if sub:
                    errors.setdefault("options", {})[str(index)] = sub
                continue
            if not opt.get("required"):
                seen_optional = True
            elif seen_optional:
                errors.setdefault("options", {})[str(index)] = {"required": {"_errors": [{
                    "code": "APPLICATION_COMMAND_OPTIONS_REQUIRED_INVALID",
                    "message": "Required options must be placed before non-required options"}]}}
            if len(opt.get("choices") or []) > 25:
                errors.setdefault("options", {})[str(index)] = {"choices": {"_errors": [{
                    "code": "BASE_TYPE_MAX_LENGTH", "message": "Must be 25 or fewer in length."}]}}
        return errors

    def _stored_command(self, call: _Call, command: Payload, existing: list[Payload]) -> Payload:
        errors = self._command_errors(command)
        if errors:
            raise _JsonError(INVALID_FORM_BODY, errors)
        ctype = command.get("type", 1)
        previous = next((c for c in existing if c["name"] == command["name"] and c["type"] == ctype), None)
        stored: Payload = {
            "default_member_permissions": None, "dm_permission": True, "nsfw": False,
            "contexts": None, "integration_types": [0], "description": "", "options": [],
            **command,
            "id": previous["id"] if previous else str(fixtures.snowflake()),
            "application_id": str(self.application_id),
            "type": ctype,
            "version": str(fixtures.snowflake()),
        }
        if "guild" in call.params:
            stored["guild_id"] = call.params["guild"]
        return stored

    async def _get_commands(self, call: _Call) -> web.Response:
        return _json(self._command_list(call))

    async def _put_commands(self, call: _Call) -> web.Response:
        current = self._command_list(call)
        body = call.record.json or []
        if not isinstance(body, list) or len(body) > 100:
            raise _JsonError(INVALID_FORM_BODY)
        errors: Payload = {}
        new: list[Payload] = []
        for index, command in enumerate(body):
            try:
                new.append(self._stored_command(call, command, current))
            except _JsonError as exc:
                errors[str(index)] = exc.detail
        if errors:
            raise _JsonError(INVALID_FORM_BODY, errors)
        current[:] = new
        return _json(new)

    async def _post_command(self, call: _Call) -> web.Response:
        current = self._command_list(call)
        stored = self._stored_command(call, call.record.json or {}, current)
        kept = [c for c in current if c["id"] != stored["id"]]
        created = len(kept) == len(current)
        current[:] = [*kept, stored]
        return _json(stored, status=201 if created else 200)

    async def _get_command(self, call: _Call) -> web.Response:
        for command in self._command_list(call):
            if command["id"] == call.params["command"]:
                return _json(command)
        raise _JsonError(UNKNOWN_COMMAND)

    async def _delete_command(self, call: _Call) -> web.Response:
        current = self._command_list(call)
        remaining = [c for c in current if c["id"] != call.params["command"]]
        if len(remaining) == len(current):
            raise _JsonError(UNKNOWN_COMMAND)
        current[:] = remaining
        return web.Response(status=204)

    # --- handlers: interactions and their webhooks -------------------------------------

    async def _interaction_callback(self, call: _Call) -> web.Response:
        state = self.interactions.get(call.params["interaction"])
        if state is None or state.token != call.params["token"]:
            raise _JsonError(UNKNOWN_INTERACTION)
        if state.acknowledged:
            raise _JsonError(ALREADY_ACKNOWLEDGED)
        body = call.record.json or {}
        rtype = int(body.get("type", 0))
        data = body.get("data") or {}
        itype = state.payload["type"]
        allowed = {
            fixtures.APPLICATION_COMMAND: {4, 5, 9, 12},
            fixtures.MESSAGE_COMPONENT: {4, 5, 6, 7, 9, 12},
            fixtures.APPLICATION_COMMAND_AUTOCOMPLETE: {8},
            5: {4, 5, 6, 7},
        }.get(itype, set())
        if rtype not in allowed:
            raise _JsonError(INVALID_FORM_BODY, {"type": {"_errors": [{
                "code": "INTERACTION_RESPONSE_TYPE_INVALID",
                "message": f"Response type {rtype} is not valid for interaction type {itype}"}]}})
        if rtype == 8 and len(data.get("choices") or []) > 25:
            raise _JsonError(INVALID_FORM_BODY, {"data": {"choices": {"_errors": [{
                "code": "BASE_TYPE_MAX_LENGTH", "message": "Must be 25 or fewer in length."}]}}})
        if rtype == 8:
            choice_errors: Payload = {}
            for i, choice in enumerate(data.get("choices") or []):
                _length(choice_errors, f"{i}.name", choice.get("name"), 100, minimum=1)
                if isinstance(choice.get("value"), str):
                    _length(choice_errors, f"{i}.value", choice["value"], 100)
            if choice_errors:
                raise _JsonError(INVALID_FORM_BODY, {"data": {"choices": choice_errors}})
        channel_id = str(state.payload.get("channel_id") or state.payload.get("channel", {}).get("id"))
        message: Payload | None = None
        flags = int(data.get("flags") or 0)
        if rtype == 4:
            self._validate_message_body(data, call.record.files, creating=True)
            message = self._build_message(channel_id, data, call.record.files, webhook=True, interaction=state)
        elif rtype == 5:
            message = self._build_message(channel_id, {"flags": flags}, [], flags=LOADING, webhook=True,
                                          interaction=state)
        elif rtype in (6, 7):
            source = state.payload.get("message") or {}
            message = self.messages.get(str(source.get("id")))
            if message is None and source:
                message = dict(source)
                self.messages[message["id"]] = message
            if rtype == 7 and message is not None:
                self._apply_edit(message, data, call.record.files)
        state.acknowledged = True
        state.response_type = rtype
        if message is not None:
            state.original_message_id = message["id"]
        if call.record.query.get("with_response") not in ("1", "true", "True"):
            return web.Response(status=204)
        answer: Payload = {"interaction": {
            "id": state.id, "type": itype,
            "response_message_loading": rtype == 5,
            "response_message_ephemeral": bool(message and message["flags"] & EPHEMERAL),
        }}
        if message is not None and rtype in (4, 5, 7):
            answer["interaction"]["response_message_id"] = message["id"]
            answer["resource"] = {"type": rtype, "message": message}
        elif rtype != 8:
            answer["resource"] = {"type": rtype}
        return _json(answer)

    def _webhook_interaction(self, call: _Call) -> InteractionState:
        if int(call.params["app"]) != self.application_id:
            raise _JsonError(UNKNOWN_WEBHOOK)
        for state in self.interactions.values():
            if state.token == call.params["token"]:
                if not state.acknowledged:
                    raise _JsonError(UNKNOWN_WEBHOOK)
                return state
        raise _JsonError(UNKNOWN_WEBHOOK)

    def _webhook_message(self, call: _Call) -> tuple[InteractionState, Payload]:
        state = self._webhook_interaction(call)
        mid = call.params["message"]
        if mid == "@original":
            mid = state.original_message_id or ""
        msg = self.messages.get(mid)
        if msg is None:
            raise _JsonError(UNKNOWN_MESSAGE)
        return state, msg

    async def _webhook_execute(self, call: _Call) -> web.Response:
        state = self._webhook_interaction(call)
        body = call.record.json or {}
        self._validate_message_body(body, call.record.files, creating=True)
        channel_id = str(state.payload.get("channel_id") or state.payload.get("channel", {}).get("id"))
        msg = self._build_message(channel_id, body, call.record.files, webhook=True, interaction=state)
        if call.record.query.get("wait") in ("1", "true", "True"):
            return _json(msg)
        return web.Response(status=204)

    async def _webhook_get(self, call: _Call) -> web.Response:
        return _json(self._webhook_message(call)[1])

    async def _webhook_edit(self, call: _Call) -> web.Response:
        _, msg = self._webhook_message(call)
        return _json(self._apply_edit(msg, call.record.json or {}, call.record.files))

    async def _webhook_delete(self, call: _Call) -> web.Response:
        _, msg = self._webhook_message(call)
        del self.messages[msg["id"]]
        return web.Response(status=204)


@contextlib.asynccontextmanager
async def running_client(client: Any, standin: DiscordStandIn, *, token: str | None = None,
                         timeout: float = 5.0, fast_ready: bool = True,  # noqa: ASYNC109
                         ) -> AsyncIterator[Any]:
    """Run a discord.py ``client`` against ``standin`` until the block ends, then close it.

    Points discord.py at the stand-in (``apply_api_base``), starts ``client.start(token)`` as a
    task, waits for IDENTIFY and then ``wait_until_ready`` (no sleeps), and on exit closes the
    client, awaits the task and restores Discord's endpoints. ``fast_ready`` shortens the
    2 s ``guild_ready_timeout`` discord.py waits after the last GUILD_CREATE before on_ready.
    """
    from bot.discord_bot.api_base import apply_api_base

    apply_api_base(standin.base_url)
    if fast_ready:
        client._connection.guild_ready_timeout = 0.05
    task = asyncio.create_task(client.start(token or standin.token or "standin-token"))
    try:
        ready = asyncio.ensure_future(_identified_then_ready(client, standin))
        done, _ = await asyncio.wait({task, ready}, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
        if ready not in done:
            ready.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await ready
            if task in done:
                task.result()  # re-raise the client's own error
                raise AssertionError("client stopped before it was ready")
            raise AssertionError(f"client not ready within {timeout}s")
        ready.result()
        yield client
    finally:
        await client.close()
        if not task.done():
            await asyncio.wait_for(task, timeout)
        elif not task.cancelled():
            task.exception()  # retrieved so asyncio does not warn; the block's error wins
        apply_api_base(None)


async def _identified_then_ready(client: Any, standin: DiscordStandIn) -> None:
    await standin.gateway.identified.wait()  # login is done once IDENTIFY arrived
    await client.wait_until_ready()
