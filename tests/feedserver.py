"""A local feed server and a fake DNS resolver for tests: loopback only, no internet.

    async with FeedServer() as server:
        server.route("/feed.xml", body=b"<rss/>", etag='"v1"')
        url = server.url("/feed.xml")
        ...
        assert server.count("/feed.xml") == 1
        assert server.requests[0].headers["User-Agent"].startswith("Dossier/")

Routes answer with a fixed response, honour If-None-Match / If-Modified-Since when the
route has validators (304), can gzip the body, or delegate to a custom async handler.
Unknown paths answer 404. `FakeResolver` maps made-up host names (e.g.
"feeds.example.test") to addresses so tests can exercise DNS paths without real DNS.
"""

from __future__ import annotations

import gzip
import socket
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from types import TracebackType
from typing import Self

from aiohttp import web
from aiohttp.abc import AbstractResolver, ResolveResult
from aiohttp.test_utils import TestServer
from multidict import CIMultiDict, CIMultiDictProxy

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@dataclass
class Route:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    etag: str | None = None
    last_modified: str | None = None
    gzip: bool = False
    handler: Handler | None = None


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str
    headers: CIMultiDictProxy[str]


class FeedServer:
    """aiohttp server on 127.0.0.1 serving configurable responses per path."""

    def __init__(self, host: str = "127.0.0.1") -> None:
        self.host = host
        self.routes: dict[str, Route] = {}
        self.requests: list[RecordedRequest] = []
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._dispatch)
        self._server = TestServer(app, host=host)

    async def __aenter__(self) -> Self:
        await self._server.start_server()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self._server.close()

    @property
    def port(self) -> int:
        assert self._server.port is not None
        return self._server.port

    def url(self, path: str = "/", *, host: str | None = None) -> str:
        """Absolute URL for `path`; `host` lets a test use a fake name for this server."""
        return f"http://{host or self.host}:{self.port}{path}"

    def route(self, path: str, **kwargs: object) -> Route:
        """Set (replace) the response for `path`; kwargs are `Route` fields."""
        route = Route(**kwargs)  # type: ignore[arg-type]
        self.routes[path] = route
        return route

    def redirect(self, path: str, location: str, status: int = 302) -> Route:
        return self.route(path, status=status, headers={"Location": location})

    def handler(self, path: str, handler: Handler) -> Route:
        return self.route(path, handler=handler)

    def count(self, path: str | None = None) -> int:
        """Requests received (for `path`, or in total)."""
        return sum(1 for r in self.requests if path is None or r.path == path)

    def headers_for(self, path: str) -> list[CIMultiDictProxy[str]]:
        return [r.headers for r in self.requests if r.path == path]

    async def _dispatch(self, request: web.Request) -> web.StreamResponse:
        self.requests.append(RecordedRequest(request.method, request.path, request.headers))
        route = self.routes.get(request.path)
        if route is None:
            return web.Response(status=404, text="not found")
        if route.handler is not None:
            return await route.handler(request)
        headers: CIMultiDict[str] = CIMultiDict(route.headers)
        if route.etag is not None:
            headers["ETag"] = route.etag
        if route.last_modified is not None:
            headers["Last-Modified"] = route.last_modified
        if _matches(request.headers, route):
            return web.Response(status=304, headers=headers)
        body = route.body
        if route.gzip:
            body = gzip.compress(body)
            headers["Content-Encoding"] = "gzip"
        return web.Response(status=route.status, body=body, headers=headers)


def _matches(headers: Mapping[str, str], route: Route) -> bool:
    """True when the request's validators match the route's (-> 304)."""
    if route.status != 200:
        return False
    inm = headers.get("If-None-Match")
    if inm is not None and route.etag is not None:
        return inm == route.etag
    ims = headers.get("If-Modified-Since")
    return ims is not None and route.last_modified is not None and ims == route.last_modified


class FakeResolver(AbstractResolver):
    """Resolves only the names it was given; anything else fails like NXDOMAIN.

    Tests pass it to `Fetcher(resolver=...)` so no real DNS lookup ever happens.
    """

    def __init__(self, names: Mapping[str, list[str] | str]) -> None:
        self.names = {k: [v] if isinstance(v, str) else list(v) for k, v in names.items()}
        self.calls: list[str] = []

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        self.calls.append(host)
        if host not in self.names:
            raise OSError(socket.EAI_NONAME, f"fake resolver: unknown host {host}")
        return [
            ResolveResult(
                hostname=host, host=address, port=port,
                family=socket.AF_INET6 if ":" in address else socket.AF_INET,
                proto=0, flags=socket.AI_NUMERICHOST,
            )
            for address in self.names[host]
        ]

    async def close(self) -> None:
        return None

    async def getaddrinfo(self, host: str, port: int) -> list[str]:
        """The `resolve=` callable for `check_public_url`."""
        self.calls.append(host)
        if host not in self.names:
            raise socket.gaierror(socket.EAI_NONAME, f"fake resolver: unknown host {host}")
        return list(self.names[host])
