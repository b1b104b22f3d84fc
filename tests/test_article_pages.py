"""Article pages behind short entries: every bad page gets a clear outcome and loses nothing.

Pages are served from a local HTTP server (no internet); hosts with made-up names are mapped
onto loopback by a fake resolver.
"""

from __future__ import annotations

import asyncio
import ipaddress
from datetime import UTC, datetime, timedelta

import pytest
from aiohttp import web

from bot.enrich import ARTICLE_PAGE, FEED_CONTENT, FEED_SUMMARY, ArticleReader, EnrichItem
from bot.fetch.article import ArticleFetcher
from bot.fetch.ssrf import is_public_address
from bot.models import Entry
from bot.parse.article import extract_article
from storage import article_pages, articles, feeds
from storage.db import Database
from tests.feedserver import FakeResolver, FeedServer

PARAGRAPHS = [
    "Acme Corp said on Tuesday that its safety review of the exploding widgets has concluded, "
    "three months after the first reports of injuries reached regulators.",
    "The company recalled up to 52,000 widgets sold in Canada and the United States, more than "
    "the 40,000 it named in March, according to a statement published on its website.",
    "Regulators in Ottawa said they would study the findings before deciding on any penalty; a "
    "spokesperson declined to say how long that would take.",
]


def page(paragraphs: list[str] = PARAGRAPHS, *, title: str = "Acme ends widget review",
         charset: str | None = "utf-8", lang: str = "en") -> str:
    meta = f'<meta charset="{charset}">' if charset else ""
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    return (
        f'<!doctype html><html lang="{lang}"><head>{meta}<title>{title} | Wire</title>'
        '<link rel="canonical" href="https://news.example/acme-review">'
        '<meta property="og:site_name" content="The Wire">'
        '<meta property="article:published_time" content="2026-03-03T10:00:00Z"></head><body>'
        '<nav><ul><li><a href="/">Home</a></li><li><a href="/world">World</a></li></ul></nav>'
        '<div class="cookie-banner">We use cookies to improve your experience. Accept all</div>'
        f"<article><h1>{title}</h1>{body}"
        '<aside class="related"><h3>Most read</h3><ul>'
        '<li><a href="/x">Acme widget review is ongoing, says insider</a></li>'
        '<li><a href="/y">Rival recalls 90,000 gadgets</a></li></ul></aside></article>'
        '<div class="newsletter">Sign up for our newsletter to get the news first</div>'
        "<footer><p>Copyright 2026 The Wire. All rights reserved.</p></footer></body></html>"
    )


HTML = {"Content-Type": "text/html; charset=utf-8"}


def entry(n: int, url: str | None, *, summary: str = "Acme says its widget review is over.",
          content: str = "") -> Entry:
    return Entry(identity=f"g-{n}", url=url, title="Acme ends widget review", summary=summary,
                 content=content, published=None, source="Wire", content_hash=f"h-{n}")


async def stored_items(db: Database, feed_url: str, entries: list[Entry]) -> list[EnrichItem]:
    """Real article rows (the page store refers to them) for `entries`."""
    await feeds.add_feed(db, feed_url, name="Wire", interval=timedelta(minutes=15), origin="config")
    feed = await feeds.get_feed(db, feed_url)
    stored = await articles.store_entries(db, feed.id, entries)
    return [EnrichItem(s.article_id, feed.id, s.entry) for s in stored]


async def install_topic(db: Database) -> None:
    from bot.config import ClaimConfig, TopicConfig
    from bot.models import Status
    from storage import topics

    await topics.install_topics(db, 0, [TopicConfig(
        key="acme", title="Acme widgets", keywords=(("acme",), ("widget", "widgets")),
        claims=(ClaimConfig("review", "Acme's safety review of the exploding widgets is ongoing.", Status.ONGOING),),
    )])


def reader(**kwargs: object) -> ArticleReader:
    kwargs.setdefault("allow_private", True)
    kwargs.setdefault("timeout", 5)
    return ArticleReader(ArticleFetcher(**kwargs))  # type: ignore[arg-type]


async def enrich_one(db: Database, server: FeedServer, path: str, **kwargs: object) -> Entry:
    await install_topic(db)
    items = await stored_items(db, server.url("/feed"), [entry(1, server.url(path))])
    async with reader(**kwargs) as r:
        return (await r.enrich(db, items))[0]


# --- extraction (pure) ------------------------------------------------------------------------


def test_extraction_keeps_the_article_and_drops_the_boilerplate() -> None:
    got = extract_article(page().encode(), url="https://news.example/a?utm_source=x",
                          content_type="text/html; charset=utf-8")
    assert got.ok, got.error
    assert got.text.split("\n") == PARAGRAPHS
    for junk in ("cookies", "Most read", "ongoing, says insider", "90,000", "newsletter", "Copyright",
                 "Home"):
        assert junk not in got.text
    assert got.canonical_url == "https://news.example/acme-review"
    assert got.site_name == "The Wire" and got.language == "en"
    assert got.published == datetime(2026, 3, 3, tzinfo=UTC)


def test_extraction_reads_other_encodings() -> None:
    text = ["Компания Acme завершила проверку безопасности взрывающихся виджетов во вторник, "
            "через три месяца после первых сообщений о травмах.",
            "Компания отозвала до 52 000 виджетов, проданных в Канаде и США, говорится в заявлении."]
    body = page(text, title="Acme завершила проверку", charset=None, lang="ru").encode("windows-1251")
    got = extract_article(body, url=None, content_type="text/html; charset=windows-1251")
    assert got.ok and got.text.split("\n") == text and got.language == "ru"
    latin = ["Acme a conclu mardi son enquête de sécurité sur les widgets défectueux, trois mois "
             "après les premiers signalements de blessés auprès des autorités.",
             "L'entreprise a rappelé jusqu'à 52 000 widgets vendus au Canada et aux États-Unis."]
    body = page(latin, charset="iso-8859-1", lang="fr").encode("iso-8859-1")
    got = extract_article(body, url=None, content_type="text/html")  # charset only in <meta>
    assert got.ok and got.text.split("\n") == latin


@pytest.mark.parametrize(
    ("body", "content_type", "error"),
    [
        (b"", "text/html", "empty page"),
        (b"  \n ", "text/html", "empty page"),
        (b"%PDF-1.7 binary", "application/pdf", "not HTML (application/pdf)"),
        (b'{"a": 1}', "application/json", "not HTML (application/json)"),
        (page(["Subscribe to read the full story."]).encode(), "text/html", "too little article text"),
        (b"<html><body>" + b"<p>word word</p>" * 12_000, "text/html",  # bounded cost: refused
         "page too complex (12,002 elements, limit 10,000)"),
    ],
)
def test_extraction_refuses_what_is_not_an_article(body: bytes, content_type: str, error: str) -> None:
    got = extract_article(body, url=None, content_type=content_type)
    assert not got.ok and got.error is not None and got.error.startswith(error)


# --- enrich: the outcome of every bad page ----------------------------------------------------


async def test_short_entry_is_matched_on_the_page_text(db, server) -> None:
    server.route("/story", body=page().encode(), headers=HTML)
    got = await enrich_one(db, server, "/story")
    assert got.text_source == ARTICLE_PAGE
    assert got.content.split("\n") == PARAGRAPHS
    assert got.summary == "Acme says its widget review is over."  # the feed's text is kept too
    assert got.published == datetime(2026, 3, 3, tzinfo=UTC)  # the entry had none
    stored = await article_pages.latest_page(db, 1)
    assert stored is not None and stored.source == ARTICLE_PAGE and stored.site_name == "The Wire"
    assert stored.canonical_url == "https://news.example/acme-review"
    ua = server.headers_for("/story")[0]["User-Agent"]
    assert ua.startswith("Dossier/") and "text/html" in server.headers_for("/story")[0]["Accept"]


async def never_ending(request: web.Request) -> web.StreamResponse:
    resp = web.StreamResponse(headers={"Content-Type": "text/html"})
    await resp.prepare(request)
    await resp.write(b"<html><body><p>" + b"start " * 100)
    for _ in range(400):  # bounded: about 20 s, far past the client's 1 s timeout
        await asyncio.sleep(0.05)
        await resp.write(b"more words ")
    return resp


async def huge(request: web.Request) -> web.StreamResponse:
    resp = web.StreamResponse(headers={"Content-Type": "text/html"})
    await resp.prepare(request)
    chunk = b"<p>" + b"x" * (1024 * 1024 - 7) + b"</p>\n"
    for _ in range(20):  # 20 MB
        await resp.write(chunk)
    return resp


@pytest.mark.parametrize(
    ("setup", "note"),
    [
        (lambda s: s.route("/p", status=404), "HTTP 404"),
        (lambda s: s.route("/p", status=403), "HTTP 403"),
        (lambda s: s.route("/p", status=429, headers={"Retry-After": "120"}), "HTTP 429"),
        (lambda s: s.route("/p", body=page(["Subscribe to continue reading."]).encode(), headers=HTML),
         "too little article text"),
        (lambda s: s.handler("/p", huge), "body exceeds 10 MB"),
        (lambda s: s.handler("/p", never_ending), "timed out after 1s"),
        (lambda s: s.route("/p", body=b"<html><body>" + b"<p>a</p>" * 8_000_000, gzip=True,
                           headers=HTML), "body exceeds 10 MB"),
        (lambda s: s.route("/p", body=b"%PDF-1.7 " + b"x" * 20_000_000,  # refused unread: not the size
                           headers={"Content-Type": "application/pdf"}),
         "content type application/pdf not wanted"),
        (lambda s: s.route("/p", body=b"", headers=HTML), "empty page"),
    ],
    ids=["404", "403", "429", "paywall", "20MB", "never-ends", "gzip-bomb", "pdf", "empty"],
)
async def test_bad_page_falls_back_to_the_feed_text(db, server, setup, note) -> None:
    setup(server)
    # Only the never-ending page needs the short timeout; the others get room to finish on a
    # loaded machine (the test server gzips 64 MB for the gzip bomb before its first byte).
    got = await enrich_one(db, server, "/p", timeout=1 if note.startswith("timed out") else 10)
    assert got.text_source == FEED_SUMMARY
    assert note in got.text_source_note
    assert got.summary == "Acme says its widget review is over." and got.content == ""
    stored = await article_pages.latest_page(db, 1)
    assert stored is not None and stored.source == FEED_SUMMARY and note in (stored.note or "")


async def test_429_skips_the_host_until_retry_after(db, server) -> None:
    now = [datetime(2026, 3, 3, 12, tzinfo=UTC)]
    server.route("/a", status=429, headers={"Retry-After": "120"})
    server.route("/b", body=page().encode(), headers=HTML)
    async with ArticleFetcher(allow_private=True, clock=lambda: now[0]) as pages:
        assert (await pages.fetch(server.url("/a"))).error == "HTTP 429"
        skipped = await pages.fetch(server.url("/b"))
        assert skipped.error is not None and skipped.error.startswith("host skipped until 2026-03-03 12:02")
        assert server.count("/b") == 0
        now[0] += timedelta(seconds=121)
        assert (await pages.fetch(server.url("/b"))).ok


async def test_host_that_does_not_resolve_costs_one_request(server) -> None:
    now = [datetime(2026, 3, 3, 12, tzinfo=UTC)]
    resolver = FakeResolver({})  # dead.example.test does not resolve
    async with ArticleFetcher(allow_private=True, resolver=resolver, clock=lambda: now[0]) as pages:
        errors = [(await pages.fetch(f"http://dead.example.test/{n}")).error for n in range(10)]
        assert all("cannot resolve host dead.example.test" in (e or "") for e in errors)
        assert pages.requests == 1 and len(resolver.calls) == 1  # robots.txt only
        now[0] += timedelta(minutes=31)  # tried again after a while
        await pages.fetch("http://dead.example.test/11")
        assert pages.requests == 2


async def test_failing_host_is_skipped_for_a_while(server) -> None:
    now = [datetime(2026, 3, 3, 12, tzinfo=UTC)]
    for n in range(10):
        server.route(f"/p{n}", status=503)
    async with ArticleFetcher(allow_private=True, clock=lambda: now[0]) as pages:
        errors = [(await pages.fetch(server.url(f"/p{n}"))).error for n in range(10)]
        assert errors[:3] == ["HTTP 503"] * 3
        assert all((e or "").startswith("host skipped until 2026-03-03 12:30") for e in errors[3:])
        assert sum(server.count(f"/p{n}") for n in range(10)) == 3
        now[0] += timedelta(minutes=31)
        assert (await pages.fetch(server.url("/p9"))).error == "HTTP 503"
        again = await pages.fetch(server.url("/p8"))  # the skip doubles after each new failure
        assert (again.error or "").startswith("host skipped until 2026-03-03 13:31")


async def test_a_missing_page_does_not_skip_its_host(server) -> None:
    server.route("/ok", body=page().encode(), headers=HTML)
    async with ArticleFetcher(allow_private=True) as pages:
        for n in range(5):
            assert (await pages.fetch(server.url(f"/gone{n}"))).error == "HTTP 404"
        assert (await pages.fetch(server.url("/ok"))).ok


# --- SSRF guard -----------------------------------------------------------------------------


def _loopback_is_public(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """news.example.test is served from loopback: count it as public, nothing else private."""
    return ip == ipaddress.IPv4Address("127.0.0.1") or is_public_address(ip)


@pytest.mark.parametrize(
    ("location", "message"),
    [
        ("http://127.0.0.2:1/admin", "blocked: 127.0.0.2 is a loopback address"),
        ("http://169.254.169.254/latest/meta-data/", "blocked: 169.254.169.254 is a link-local address"),
    ],
)
async def test_redirect_to_private_address_is_refused(server, location, message) -> None:
    server.redirect("/story", location)
    resolver = FakeResolver({"news.example.test": "127.0.0.1"})
    async with ArticleFetcher(resolver=resolver, address_policy=_loopback_is_public) as pages:
        got = await pages.fetch(server.url("/story", host="news.example.test"))
    assert got.error == message and got.body is None


class _PublicOnce:
    """The first address check passes (the article's host, as if public); later ones are real."""

    def __init__(self) -> None:
        self.used = False

    def __call__(self, ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
        if not self.used:
            self.used = True
            return True
        return is_public_address(ip)


async def test_redirect_to_127_0_0_1_is_refused_unless_private_is_allowed(server) -> None:
    server.route("/secret", body=page().encode(), headers=HTML)
    server.redirect("/story", server.url("/secret"))  # http://127.0.0.1:port/secret
    resolver = FakeResolver({"news.example.test": "127.0.0.1"})
    async with ArticleFetcher(resolver=resolver, address_policy=_PublicOnce(), robots=False) as pages:
        got = await pages.fetch(server.url("/story", host="news.example.test"))
    assert got.error == "blocked: 127.0.0.1 is a loopback address"
    assert server.count("/secret") == 0
    async with ArticleFetcher(resolver=resolver, allow_private=True, robots=False) as pages:
        assert (await pages.fetch(server.url("/story", host="news.example.test"))).ok
    assert server.count("/secret") == 1


@pytest.mark.parametrize("url", ["ftp://news.example/a", "javascript:alert(1)", "http://x:99999/a",
                                 "http://[::1", "/relative/path", ""])
async def test_odd_links_get_an_outcome_not_an_exception(url) -> None:
    async with ArticleFetcher(robots=False, resolver=FakeResolver({})) as pages:
        got = await pages.fetch(url)
    assert not got.ok and got.error


async def test_link_to_loopback_is_refused_before_any_request(server) -> None:
    server.route("/story", body=page().encode(), headers=HTML)
    async with ArticleFetcher() as pages:  # the guard on: no private flag
        got = await pages.fetch(server.url("/story"))
    assert got.error == "blocked: 127.0.0.1 is a loopback address"
    assert server.count() == 0


async def test_private_flag_lifts_the_guard_for_redirects(server) -> None:
    server.route("/real", body=page().encode(), headers=HTML)
    server.redirect("/story", server.url("/real"))
    async with ArticleFetcher(allow_private=True) as pages:
        got = await pages.fetch(server.url("/story"))
    assert got.ok and got.final_url == server.url("/real")


# --- robots.txt, limits -----------------------------------------------------------------------


async def test_robots_txt_is_honoured_and_read_once_per_host(db, server) -> None:
    server.route("/robots.txt", body=b"User-agent: *\nDisallow: /private/\n",
                 headers={"Content-Type": "text/plain"})
    server.route("/news/1", body=page().encode(), headers=HTML)
    server.route("/news/2", body=page().encode(), headers=HTML)
    server.route("/private/3", body=page().encode(), headers=HTML)
    async with ArticleFetcher(allow_private=True) as pages:
        results = [await pages.fetch(server.url(p)) for p in ("/news/1", "/private/3", "/news/2")]
    assert [r.ok for r in results] == [True, False, True]
    assert results[1].error == "robots.txt disallows this page"
    assert server.count("/private/3") == 0
    assert server.count("/robots.txt") == 1


async def test_robots_txt_is_parsed_off_the_event_loop(server, monkeypatch) -> None:
    """A robots.txt may be 512 KB of pure-Python parsing: never on the loop Discord runs on."""
    import threading

    from bot.fetch import article as article_fetch

    threads: list[threading.Thread] = []
    parse = article_fetch.parse_robots

    def recording(body: bytes):  # type: ignore[no-untyped-def]
        threads.append(threading.current_thread())
        return parse(body)

    monkeypatch.setattr(article_fetch, "parse_robots", recording)
    server.route("/robots.txt", body=b"User-agent: *\nDisallow: /private/\n")
    server.route("/private/a", body=page().encode(), headers=HTML)
    async with ArticleFetcher(allow_private=True) as pages:
        assert (await pages.fetch(server.url("/private/a"))).error == "robots.txt disallows this page"
    assert threads and threading.main_thread() not in threads


async def test_robots_txt_for_our_agent_and_unreachable_robots(server) -> None:
    server.route("/robots.txt", body=b"User-agent: Dossier\nDisallow: /\n\nUser-agent: *\nAllow: /\n")
    server.route("/a", body=page().encode(), headers=HTML)
    async with ArticleFetcher(allow_private=True) as pages:
        assert (await pages.fetch(server.url("/a"))).error == "robots.txt disallows this page"
    server.route("/robots.txt", status=503)
    async with ArticleFetcher(allow_private=True) as pages:
        got = await pages.fetch(server.url("/a"))
    assert got.error is not None and got.error.startswith("robots.txt unreadable (HTTP 503)")
    assert server.count("/a") == 0


async def test_per_host_limit(server) -> None:
    in_flight = {"a": 0, "b": 0}
    peak = {"a": 0, "b": 0}
    release = asyncio.Event()
    both_full = asyncio.Event()

    def slow(host: str):
        async def handle(request: web.Request) -> web.Response:
            in_flight[host] += 1
            peak[host] = max(peak[host], in_flight[host])
            if sum(in_flight.values()) == 4:
                both_full.set()
            try:
                await asyncio.wait_for(release.wait(), timeout=5)
            finally:
                in_flight[host] -= 1
            return web.Response(body=page().encode(), headers=HTML)
        return handle

    for n in range(6):
        server.handler(f"/a{n}", slow("a"))
        server.handler(f"/b{n}", slow("b"))
    resolver = FakeResolver({"a.example.test": "127.0.0.1", "b.example.test": "127.0.0.1"})
    async with ArticleFetcher(allow_private=True, resolver=resolver, per_host=2, concurrency=8) as pages:
        tasks = [asyncio.create_task(pages.fetch(server.url(f"/{h}{n}", host=f"{h}.example.test")))
                 for n in range(6) for h in ("a", "b")]
        await asyncio.wait_for(both_full.wait(), timeout=5)  # both hosts at their limit at once
        release.set()
        results = await asyncio.gather(*tasks)
    assert all(r.ok for r in results)
    assert peak == {"a": 2, "b": 2}


# --- when to fetch, reuse ---------------------------------------------------------------------


async def test_what_is_fetched_and_what_is_not(db, server) -> None:
    for n in range(1, 5):
        server.route(f"/p{n}", body=page().encode(), headers=HTML)
    await install_topic(db)
    entries = [
        entry(1, server.url("/p1")),  # short, names a keyword: fetched
        entry(2, server.url("/p2"), content="Full text of the story in the feed itself. " * 10),
        entry(3, server.url("/p3"), summary="Acme widget news. " + "Long summary words. " * 100),
        Entry(identity="g-4", url=server.url("/p4"), title="Sunny weekend", summary="Weather is sunny.",
              content="", published=None, source="Wire", content_hash="h-4"),  # no keyword
        entry(5, None),  # no link
    ]
    items = await stored_items(db, server.url("/feed"), entries)
    async with reader() as r:
        got = await r.enrich(db, items)
    assert [e.text_source for e in got] == [ARTICLE_PAGE, FEED_CONTENT, FEED_SUMMARY, FEED_SUMMARY,
                                           FEED_SUMMARY]
    assert "long enough" in got[2].text_source_note
    assert "no topic keyword" in got[3].text_source_note
    assert got[4].text_source_note == "no link to fetch"
    assert server.count("/p1") == 1 and server.count() == 2  # robots.txt and /p1


async def test_fetch_article_modes(db, server) -> None:
    server.route("/p", body=page().encode(), headers=HTML)
    await install_topic(db)
    full = entry(1, server.url("/p"), content="Short feed content about Acme widgets.")
    items = await stored_items(db, server.url("/feed"), [full])
    assert await article_pages.set_fetch_mode(db, server.url("/feed"), "always")
    async with reader() as r:
        got = (await r.enrich(db, items))[0]
    assert got.text_source == ARTICLE_PAGE  # always: even with a content element
    other = await stored_items(db, server.url("/feed2"), [entry(2, server.url("/p2"))])
    await article_pages.set_fetch_mode(db, server.url("/feed2"), "never")
    async with reader() as r:
        got = (await r.enrich(db, other))[0]
    assert got.text_source == FEED_SUMMARY and got.text_source_note == "fetch_article: never"
    assert server.count("/p") == 1
    with pytest.raises(ValueError, match=r"auto\|always\|never"):
        await article_pages.set_fetch_mode(db, server.url("/feed"), "sometimes")


async def test_stored_text_is_reused_and_failures_are_not_retried(db, server) -> None:
    server.route("/ok", body=page().encode(), headers=HTML)
    server.route("/gone", status=404)
    await install_topic(db)
    items = await stored_items(db, server.url("/feed"), [entry(1, server.url("/ok")),
                                                         entry(2, server.url("/gone"))])
    async with reader() as r:
        first = await r.enrich(db, items)
    async with reader() as r:  # a new process: only the database remembers
        again = await r.enrich(db, items)
        assert r.last_report.reused == 2 and r.last_report.fetched == 0
    assert again == first
    assert server.count("/ok") == 1 and server.count("/gone") == 1
    # a new revision of the entry is read again, once
    revised = [EnrichItem(items[0].article_id, items[0].feed_id,
                          Entry(**{**{f: getattr(items[0].entry, f) for f in (
                              "identity", "url", "title", "summary", "content", "published", "source")},
                              "content_hash": "h-1b"}))]
    async with reader() as r:
        await r.enrich(db, revised)
        await r.enrich(db, revised)
    assert server.count("/ok") == 2


# --- the pipeline -----------------------------------------------------------------------------


def rss(*items: tuple[str, str, str, str]) -> bytes:
    """items: (guid, link, title, description): a title + short summary feed."""
    body = "".join(
        f"<item><guid isPermaLink='false'>{g}</guid><link>{link}</link><title>{t}</title>"
        f"<description>{d}</description></item>" for g, link, t, d in items
    )
    return (f"<?xml version='1.0' encoding='utf-8'?><rss version='2.0'><channel><title>Wire</title>"
            f"{body}</channel></rss>").encode()


async def test_cycle_finds_the_change_in_the_page_and_falls_back_on_failure(db, server) -> None:
    from bot.fetch.client import Fetcher
    from bot.match import Thresholds
    from bot.pipeline import Pipeline
    from storage import outbox

    server.route("/story", body=page().encode(), headers=HTML)
    server.route("/gone", status=404)
    server.route("/feed", body=rss(
        ("g-1", server.url("/story"), "Acme widget update", "Acme widgets: the latest."),
        ("g-2", server.url("/gone"), "Acme widget review concluded",
         "Acme said its safety review of the exploding widgets has concluded."),
    ))
    await feeds.sync_config_feeds(db, [feeds_config(server.url("/feed"))])
    await install_topic(db)
    async with Fetcher(allow_private=True, timeout=5) as fetcher, reader() as articles_reader:
        pipe = Pipeline(db, fetcher, thresholds=Thresholds(), guard=False, articles=articles_reader)
        await pipe.run_cycle(force=True)
        rows = await outbox.pending(db, 0)
        by_url = {}
        for r in rows:
            by_url.setdefault(r.payload["article"]["url"], []).append(r.payload)
        page_updates = by_url[server.url("/story")]  # the summary alone says nothing of it
        assert any(p["change"] == "status_change" and p["after"] == "concluded" for p in page_updates)
        assert all(p["text_source"] == ARTICLE_PAGE for p in page_updates)
        print({u: [(p["change"], p.get("before"), p.get("after"), p.get("confident")) for p in v] for u, v in by_url.items()})
        fallback = by_url[server.url("/gone")]  # the page failed: matched on the summary
        # matched on the summary: an update, compared with the claim as the page's article
        # (stored first) left it, concluded already, so not a second status change
        assert fallback and not any(p["change"] == "status_change" for p in fallback)
        assert all(p["text_source"] == FEED_SUMMARY and "HTTP 404" in p["text_source_note"]
                   for p in fallback)
        # the feed changes an entry's text: a new revision, its page read once more
        server.route("/feed", body=rss(
            ("g-1", server.url("/story"), "Acme widget update (corrected)", "Acme widgets: the latest."),
        ))
        await pipe.run_cycle(force=True)
        await pipe.run_cycle(force=True)
    assert server.count("/story") == 2 and server.count("/gone") == 1


def feeds_config(url: str):
    from bot.config import FeedConfig

    return FeedConfig(url, name="Wire")


async def test_dossier_run_once_reads_pages_and_honours_fetch_article(server, tmp_path) -> None:
    """The real `dossier run --once --format jsonl`: pages behind short entries are read (the
    private flag lets it reach loopback), and `fetch_article: never` in feeds.yaml stops it."""
    import json

    from tests.test_run import dossier

    server.route("/story", body=page().encode(), headers=HTML)
    server.route("/other", body=page().encode(), headers=HTML)
    server.route("/a.xml", body=rss(("g-1", server.url("/story"), "Acme widget update",
                                     "Acme widgets: the latest.")))
    server.route("/b.xml", body=rss(("g-2", server.url("/other"), "Acme widget news",
                                     "Acme widgets: more.")))
    config = tmp_path / "feeds.yaml"
    config.write_text(
        f"feeds:\n  - url: {server.url('/a.xml')}\n  - url: {server.url('/b.xml')}\n"
        "    fetch_article: never\n"
        "topics:\n  - key: acme\n    title: Acme widgets\n    keywords: [[acme], [widget, widgets]]\n"
        "    claims:\n      - key: review\n"
        "        statement: \"Acme's safety review of the exploding widgets is ongoing.\"\n"
        "        status: ongoing\n", encoding="utf-8")
    code, out, err = await dossier("run", "--once", "--format", "jsonl", "--config", str(config),
                                   "--db", str(tmp_path / "d.db"),
                                   env={"DOSSIER_ALLOW_PRIVATE_FEEDS": "1"})
    assert code == 0, err
    lines = [json.loads(line) for line in out.splitlines()]
    status = [p for p in lines if p["change"] == "status_change"]
    assert [(p["article"]["url"], p["after"], p["text_source"]) for p in status] == [
        (server.url("/story"), "concluded", ARTICLE_PAGE)]
    assert server.count("/story") == 1 and server.count("/other") == 0
    assert server.headers_for("/story")[0]["User-Agent"].startswith("Dossier/")


async def test_a_slow_host_does_not_hold_the_cycle(db, server) -> None:
    release = asyncio.Event()

    async def stalls(request: web.Request) -> web.Response:
        await asyncio.wait_for(release.wait(), timeout=10)  # bounded: released at the end
        return web.Response(body=page().encode(), headers=HTML)

    server.route("/fast", body=page().encode(), headers=HTML)
    server.handler("/slow", stalls)
    await install_topic(db)
    items = await stored_items(db, server.url("/feed"), [entry(1, server.url("/fast")),
                                                         entry(2, server.url("/slow"))])
    async with ArticleReader(ArticleFetcher(allow_private=True, timeout=30), budget=0.5) as r:
        got = await r.enrich(db, items)
    release.set()
    assert [e.text_source for e in got] == [ARTICLE_PAGE, FEED_SUMMARY]
    assert "not read within this cycle's 0.5 s" in got[1].text_source_note
