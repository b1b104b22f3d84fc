"""SSRF guard: address classification, URL checks, and the fetcher applying them per hop.

No test contacts anything but loopback: fake names resolve through `FakeResolver`, and
blocked targets are refused before any connection is opened.
"""

from __future__ import annotations

import ipaddress

import pytest

from bot.fetch.client import Fetcher
from bot.fetch.ssrf import (
    GuardedResolver,
    UnsafeURLError,
    check_public_url,
    describe_address,
    is_public_address,
)
from tests.feedserver import FakeResolver, FeedServer

RSS = b"<rss version='2.0'><channel><title>t</title></channel></rss>"


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "127.255.0.9",
        "10.0.0.1",
        "172.16.5.4",
        "192.168.1.1",
        "169.254.169.254",
        "100.64.1.1",
        "100.127.255.254",
        "0.0.0.0",
        "224.0.0.1",
        "239.255.255.250",
        "240.0.0.1",
        "255.255.255.255",
        "192.0.2.10",
        "198.18.0.1",
        "::1",
        "::",
        "fe80::1",
        "fc00::1",
        "fd12:3456::1",
        "ff02::1",
        "fec0::1",
        "::ffff:127.0.0.1",
        "::ffff:10.1.2.3",
        "::ffff:169.254.169.254",
        "::127.0.0.1",
        "::a00:1",
        "64:ff9b::7f00:1",
        "64:ff9b::a9fe:a9fe",
        "64:ff9b:1::1",
        "2002:7f00:1::",
        "2002:a00:1::1",
        "2002:a9fe:a9fe::1",
        "2001:0:4136:e378:8000:63bf:80ff:fffe",  # Teredo, client 127.0.0.1
        "2001:db8::1",
    ],
)
def test_non_public_addresses_rejected(address: str) -> None:
    ip = ipaddress.ip_address(address)
    assert not is_public_address(ip)
    assert describe_address(ip)


@pytest.mark.parametrize(
    "address",
    [
        "93.184.216.34",
        "1.1.1.1",
        "8.8.8.8",
        "100.128.0.1",  # just outside CGNAT
        "2606:4700:4700::1111",
        "::ffff:8.8.8.8",
        "64:ff9b::808:808",
        "2002:808:808::1",
    ],
)
def test_public_addresses_accepted(address: str) -> None:
    assert is_public_address(ipaddress.ip_address(address))


def test_descriptions_name_the_kind() -> None:
    assert describe_address(ipaddress.ip_address("127.0.0.1")) == "loopback"
    assert describe_address(ipaddress.ip_address("10.0.0.1")) == "private"
    assert describe_address(ipaddress.ip_address("169.254.169.254")) == "link-local"
    assert describe_address(ipaddress.ip_address("100.64.1.1")) == "shared (CGNAT)"
    assert describe_address(ipaddress.ip_address("::ffff:127.0.0.1")) == "loopback"
    assert describe_address(ipaddress.ip_address("2002:7f00:1::")) == "loopback"


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("http://127.0.0.1/feed", "127.0.0.1 is a loopback address"),
        ("http://10.1.2.3:8080/feed", "10.1.2.3 is a private address"),
        ("http://169.254.169.254/latest/meta-data/", "link-local"),
        ("http://100.64.1.1/", "CGNAT"),
        ("http://[::1]/feed", "::1 is a loopback address"),
        ("http://[::ffff:127.0.0.1]/feed", "::ffff:7f00:1 (127.0.0.1) is a loopback address"),
        ("http://[2002:7f00:1::]/feed", "2002:7f00:1:: (127.0.0.1) is a loopback address"),
        ("http://[fe80::1]/feed", "fe80::1 is a link-local address"),
        ("http://2130706433/feed", "not a canonical IP address"),
        ("http://127.1/feed", "not a canonical IP address"),
        ("ftp://example.com/feed.xml", "scheme 'ftp' is not allowed"),
        ("file:///etc/passwd", "scheme 'file' is not allowed"),
        ("gopher://example.com/", "scheme 'gopher'"),
        ("example.com/feed", "scheme '(none)'"),
        ("http:///feed", "no host"),
    ],
)
async def test_check_public_url_rejects(url: str, message: str) -> None:
    resolver = FakeResolver({})
    with pytest.raises(UnsafeURLError) as info:
        await check_public_url(url, resolve=resolver.getaddrinfo)
    assert message in str(info.value)
    assert resolver.calls == []  # decided without DNS


async def test_check_public_url_rejects_name_resolving_to_private() -> None:
    resolver = FakeResolver({"intranet.example.test": "10.0.0.7"})
    with pytest.raises(
        UnsafeURLError, match=r"intranet\.example\.test resolves to private address 10\.0\.0\.7"
    ):
        await check_public_url("https://intranet.example.test/feed", resolve=resolver.getaddrinfo)


async def test_check_public_url_rejects_if_any_answer_is_private() -> None:
    resolver = FakeResolver({"mixed.example.test": ["93.184.216.34", "127.0.0.1"]})
    with pytest.raises(UnsafeURLError, match=r"loopback address 127\.0\.0\.1"):
        await check_public_url("http://mixed.example.test/", resolve=resolver.getaddrinfo)


async def test_check_public_url_rejects_unresolvable_name() -> None:
    resolver = FakeResolver({})
    with pytest.raises(UnsafeURLError, match=r"cannot resolve nowhere\.example\.test"):
        await check_public_url("http://nowhere.example.test/", resolve=resolver.getaddrinfo)


async def test_check_public_url_accepts_public_name_and_literal() -> None:
    resolver = FakeResolver({"feeds.example.test": ["93.184.216.34", "2606:4700::1"]})
    await check_public_url("https://feeds.example.test/rss", resolve=resolver.getaddrinfo)
    await check_public_url("HTTP://93.184.216.34/rss", resolve=resolver.getaddrinfo)
    assert resolver.calls == ["feeds.example.test"]


async def test_guarded_resolver_refuses_private_answers() -> None:
    guarded = GuardedResolver(FakeResolver({"a.example.test": ["1.1.1.1", "192.168.0.2"],
                                            "b.example.test": "1.1.1.1"}))
    with pytest.raises(UnsafeURLError, match=r"private address 192\.168\.0\.2"):
        await guarded.resolve("a.example.test", 80)
    assert [r["host"] for r in await guarded.resolve("b.example.test", 80)] == ["1.1.1.1"]


# -- the fetcher applies the guard on every hop ---------------------------------------


@pytest.mark.parametrize(
    "host", ["127.0.0.1", "[::ffff:127.0.0.1]", "[::1]", "169.254.169.254", "10.0.0.1"]
)
async def test_guarded_fetch_refuses_literal_private_ip(server: FeedServer, host: str) -> None:
    server.route("/feed", body=RSS)
    async with Fetcher(resolver=FakeResolver({})) as fetcher:
        result = await fetcher.fetch(server.url("/feed", host=host), guard=True)
    assert not result.ok
    assert result.status == 0
    assert result.error is not None
    assert result.error.startswith("blocked: ")
    assert server.count() == 0


async def test_guarded_fetch_refuses_name_resolving_to_private(server: FeedServer) -> None:
    server.route("/feed", body=RSS)
    resolver = FakeResolver({"feeds.example.test": "127.0.0.1"})
    async with Fetcher(resolver=resolver) as fetcher:
        result = await fetcher.fetch(server.url("/feed", host="feeds.example.test"), guard=True)
    assert result.error == "blocked: feeds.example.test resolves to loopback address 127.0.0.1"
    assert result.status == 0
    assert server.count() == 0
    assert resolver.calls == ["feeds.example.test"]


async def test_unguarded_fetch_and_allow_private_reach_loopback(server: FeedServer) -> None:
    server.route("/feed", body=RSS)
    resolver = FakeResolver({"feeds.example.test": "127.0.0.1"})
    async with Fetcher(resolver=resolver) as fetcher:
        result = await fetcher.fetch(server.url("/feed", host="feeds.example.test"), guard=False)
    assert result.ok, result.error
    assert result.body == RSS
    async with Fetcher(resolver=resolver, allow_private=True) as fetcher:
        result = await fetcher.fetch(server.url("/feed"), guard=True)
    assert result.ok, result.error
    assert server.count("/feed") == 2


class _PretendPublicOnce:
    """Address policy for tests: the first check of 127.0.0.1 passes (as if the setup hop
    were a public server), every later check uses the real rule."""

    def __init__(self) -> None:
        self.used = False

    def __call__(self, ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
        if not self.used and ip == ipaddress.IPv4Address("127.0.0.1"):
            self.used = True
            return True
        return is_public_address(ip)


def _pretend_loopback_is_public(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    return ip == ipaddress.IPv4Address("127.0.0.1") or is_public_address(ip)


async def test_redirect_to_literal_loopback_is_blocked(server: FeedServer) -> None:
    server.route("/secret", body=b"internal admin page")
    server.redirect("/start", server.url("/secret"))  # http://127.0.0.1:port/secret
    resolver = FakeResolver({"feeds.example.test": "127.0.0.1"})
    async with Fetcher(resolver=resolver, address_policy=_PretendPublicOnce()) as fetcher:
        result = await fetcher.fetch(server.url("/start", host="feeds.example.test"), guard=True)
    assert result.error == "blocked: 127.0.0.1 is a loopback address"
    assert result.final_url == server.url("/secret")
    assert result.body is None
    assert server.count("/start") == 1
    assert server.count("/secret") == 0


@pytest.mark.parametrize(
    ("location", "message"),
    [
        ("http://169.254.169.254/latest/meta-data/", "169.254.169.254 is a link-local address"),
        ("http://[::ffff:10.0.0.1]/", "::ffff:a00:1 (10.0.0.1) is a private address"),
        ("http://127.0.0.2:1/", "127.0.0.2 is a loopback address"),
        ("http://internal.example.test/admin", "internal.example.test resolves to private"),
        ("file:///etc/passwd", "scheme 'file' is not allowed"),
        ("ftp://feeds.example.test/feed", "scheme 'ftp' is not allowed"),
    ],
)
async def test_redirect_to_non_public_target_is_blocked(
    server: FeedServer, location: str, message: str
) -> None:
    server.redirect("/start", location, status=301)
    resolver = FakeResolver({"feeds.example.test": "127.0.0.1",
                             "internal.example.test": "10.20.30.40"})
    async with Fetcher(resolver=resolver, address_policy=_pretend_loopback_is_public) as fetcher:
        result = await fetcher.fetch(server.url("/start", host="feeds.example.test"), guard=True)
    assert result.error is not None
    assert result.error.startswith("blocked: ")
    assert message in result.error
    assert server.count() == 1


async def test_guarded_redirect_between_public_hosts_is_followed(server: FeedServer) -> None:
    server.route("/feed", body=RSS)
    server.redirect("/old", server.url("/feed", host="new.example.test"), status=308)
    resolver = FakeResolver({"old.example.test": "127.0.0.1", "new.example.test": "127.0.0.1"})
    async with Fetcher(resolver=resolver, address_policy=_pretend_loopback_is_public) as fetcher:
        result = await fetcher.fetch(server.url("/old", host="old.example.test"), guard=True)
    assert result.ok, result.error
    assert result.body == RSS
    assert result.final_url == server.url("/feed", host="new.example.test")
    assert resolver.calls == ["old.example.test", "new.example.test"]
