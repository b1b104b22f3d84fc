"""SSRF guard: refuse to fetch URLs that point into private networks.

Feeds added by Discord users are untrusted input; without this guard anyone could make the
bot request cloud metadata (169.254.169.254), the admin panel on localhost, or hosts on
the LAN, and read the result back through error messages or posts.

Three layers, all using the same rule (`is_public_address`):

- `check_public_url` validates a URL up front (scheme, host, literal IP, DNS answers), so
  a bad feed is refused with a clear message when it is added.
- `GuardedResolver` is an aiohttp resolver that refuses non-public DNS answers at connect
  time, so every connection the fetcher opens (including redirect targets) is checked
  against the address it actually connects to (no DNS-rebinding window).
- `check_url_target` is the cheap per-hop check the fetcher runs on every redirect: scheme
  and literal IP hosts, which aiohttp connects to without calling the resolver.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Awaitable, Callable, Sequence
from functools import lru_cache

from aiohttp.abc import AbstractResolver, ResolveResult
from aiohttp.resolver import ThreadedResolver
from yarl import URL

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
AddressPolicy = Callable[[IPAddress], bool]
Resolve = Callable[[str, int], Awaitable[Sequence[str]]]

ALLOWED_SCHEMES = frozenset({"http", "https"})

_CGNAT = ipaddress.IPv4Network("100.64.0.0/10")
_IPV4_COMPATIBLE = ipaddress.IPv6Network("::/96")  # deprecated ::a.b.c.d form
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")  # well-known NAT64 prefix, embeds IPv4
_NAT64_LOCAL = ipaddress.IPv6Network("64:ff9b:1::/48")  # local-use NAT64 (RFC 8215)
_SIX_TO_FOUR = ipaddress.IPv6Network("2002::/16")  # 6to4, embeds IPv4 in bits 16..48


class UnsafeURLError(ValueError):
    """The URL is not something the bot may fetch (bad scheme, or a non-public target)."""


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 transition address reaches, if it is one."""
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    packed = ip.packed
    if ip in _NAT64:
        return ipaddress.IPv4Address(packed[12:])
    if ip in _SIX_TO_FOUR:
        return ip.sixtofour
    return None


def describe_address(ip: IPAddress) -> str | None:
    """Why `ip` is not public ("loopback", "private", ...), or None when it is public.

    Transition forms (IPv4-mapped, NAT64, 6to4, Teredo) are judged by the IPv4 address
    they embed, so ::ffff:127.0.0.1 is as loopback as 127.0.0.1.
    """
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.scope_id:
            return "scoped (link-local)"
        if ip in _NAT64_LOCAL:
            return "local NAT64"
        embedded = _embedded_ipv4(ip)
        if embedded is not None:
            return describe_address(embedded)
        if ip.teredo is not None:
            server, client = ip.teredo
            return describe_address(server) or describe_address(client)
        if ip in _IPV4_COMPATIBLE and not (ip.is_loopback or ip.is_unspecified):
            return "IPv4-compatible (deprecated)"
    if ip.is_unspecified:
        return "unspecified"
    if ip.is_loopback:
        return "loopback"
    if ip.is_link_local:
        return "link-local"
    if ip.is_multicast:
        return "multicast"
    if isinstance(ip, ipaddress.IPv4Address):
        if ip in _CGNAT:
            return "shared (CGNAT)"
        if ip == ipaddress.IPv4Address("255.255.255.255"):
            return "broadcast"
    elif ip.is_site_local:
        return "site-local"
    if ip.is_reserved:
        return "reserved"
    if ip.is_private or not ip.is_global:
        return "private"
    return None


def _label(ip: IPAddress) -> str:
    """The address as text, with the IPv4 address it embeds: "::ffff:a00:1 (10.0.0.1)"."""
    embedded = _embedded_ipv4(ip) if isinstance(ip, ipaddress.IPv6Address) else None
    return f"{ip} ({embedded})" if embedded is not None else str(ip)


def is_public_address(ip: IPAddress) -> bool:
    """True when `ip` is a globally routable unicast address the bot may connect to."""
    return describe_address(ip) is None


def _literal_ip(host: str) -> IPAddress | None:
    """Parse `host` as an IP literal; raise for numeric hosts that are not canonical.

    Legacy forms like 2130706433 or 127.1 are IPs to the C resolver but not to
    `ipaddress`; refusing them keeps the guard and the socket layer in agreement.
    """
    ip, problem = _read_host(host)
    if problem is not None:
        raise UnsafeURLError(problem)
    return ip


@lru_cache(maxsize=4096)
def _read_host(host: str) -> tuple[IPAddress | None, str | None]:
    """(the IP literal or None, the problem or None): cached, as every poll checks every feed's
    host again and `ipaddress` (with a ValueError for each name) cost ~10 us a request."""
    try:
        return ipaddress.ip_address(host.strip("[]")), None
    except ValueError:
        pass
    if ":" in host or host.replace(".", "").isdigit():
        return None, f"{host} is not a canonical IP address"
    return None, None


def check_url_target(url: str | URL, *, policy: AddressPolicy = is_public_address) -> str:
    """Check scheme, host and literal-IP host of `url` without DNS; return the host.

    Used for every redirect hop: DNS names are left to the connect-time resolver.
    """
    parsed = url if isinstance(url, URL) else URL(url)
    scheme = (parsed.scheme or "").lower()
    if scheme not in ALLOWED_SCHEMES:
        shown = scheme or "(none)"
        raise UnsafeURLError(f"scheme {shown!r} is not allowed (only http and https)")
    host = parsed.raw_host
    if not host:
        raise UnsafeURLError("URL has no host")
    ip = _literal_ip(host)
    if ip is not None and not policy(ip):
        kind = describe_address(ip) or "non-public"
        raise UnsafeURLError(f"{_label(ip)} is a {kind} address")
    return host


async def _getaddrinfo(host: str, port: int) -> list[str]:
    """Every address `host` resolves to, via the event loop's getaddrinfo."""
    loop = asyncio.get_running_loop()
    infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [str(info[4][0]) for info in infos]


async def check_public_url(
    url: str, *, resolve: Resolve | None = None, policy: AddressPolicy = is_public_address
) -> None:
    """Raise `UnsafeURLError` unless `url` is http(s) and every address it reaches is public.

    `resolve(host, port)` returns IP strings; it defaults to the loop's getaddrinfo and is
    injectable so tests never touch real DNS. A name with ANY non-public answer is refused:
    the connection could go to any of them.
    """
    try:
        parsed = URL(url)
    except (ValueError, TypeError) as exc:
        raise UnsafeURLError(f"not a valid URL: {exc}") from exc
    host = check_url_target(parsed, policy=policy)
    if _literal_ip(host) is not None:
        return
    try:
        answers = await (resolve or _getaddrinfo)(host, parsed.port or 0)
    except OSError as exc:
        raise UnsafeURLError(f"cannot resolve {host}: {exc}") from exc
    if not answers:
        raise UnsafeURLError(f"cannot resolve {host}: no addresses")
    for answer in answers:
        _refuse_if_private(host, answer, policy)


def _refuse_if_private(host: str, address: str, policy: AddressPolicy) -> None:
    ip = ipaddress.ip_address(address)
    if not policy(ip):
        kind = describe_address(ip) or "non-public"
        raise UnsafeURLError(f"{host} resolves to {kind} address {_label(ip)}")


class GuardedResolver(AbstractResolver):
    """aiohttp resolver that refuses hosts resolving to any non-public address.

    Wraps another resolver (aiohttp's ThreadedResolver by default). Because aiohttp calls
    it for every new connection, redirect targets are checked at connect time against
    the very addresses the socket will use. It raises `UnsafeURLError`, which aiohttp
    lets through unwrapped (it only wraps OSError).
    """

    def __init__(
        self, inner: AbstractResolver | None = None, *, policy: AddressPolicy = is_public_address
    ) -> None:
        self._inner = inner or ThreadedResolver()
        self._policy = policy

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        results = await self._inner.resolve(host, port, family)
        for result in results:
            _refuse_if_private(host, result["host"], self._policy)
        return results

    async def close(self) -> None:
        await self._inner.close()
