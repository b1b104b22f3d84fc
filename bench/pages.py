"""News-page layouts for the page-mode benchmark (issue 11), built at bench time from corpus texts.

    python bench/pages.py [--story dev|story3|all] [--corpus PATH]   # extractor comparison

Each corpus record becomes a news page in one of four layouts, as different as real sites are:

- `portal`: a big news portal: navigation, cookie banner, breadcrumb, byline; between the
  paragraphs a "Read more" link and a "Related" box with headlines *and teasers* of other
  stories; after them a "Most read" list, a newsletter prompt and a footer full of links;
- `blog`: a WordPress-style post: header widgets, share buttons, tags, an author bio, reader
  comments, a "Recent posts" sidebar of other headlines;
- `tables`: an old table-layout site without semantic tags: paragraphs as text separated by
  <br><br> inside one cell, "Advertisement / Story continues below" mid-text, a "More
  headlines" cell, nav in table cells;
- `app`: a JavaScript-era page of nested <div>s with generated class names: a "Trending"
  carousel of other headlines between paragraphs, a subscription prompt, JSON-LD metadata.

The "other stories" on every page are the other records of the same story (their titles and
first sentences): the worst case, since they share the article's vocabulary. Page mode (the
`page` mode of bench/matching.py) serves the pages on loopback and gives the bot a feed entry
with a ~300-character summary and the page's link; the bot's own ArticleReader (fetch, robots,
extraction, storage) reads them. Nothing here is copied into the repository: pages are built in
memory from ../shared/corpus at run time.
"""

from __future__ import annotations

import argparse
import asyncio
import html
import re
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from aiohttp import web

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.matchbench.corpus import STORIES, Story, default_corpus, load_story
from bench.matchbench.modes import Mode, make_entry, summary_of
from bot.models import Entry

LAYOUTS = ("portal", "blog", "tables", "app")


@dataclass(frozen=True)
class Other:
    """Another story of the same site, as boxes show it."""

    title: str
    teaser: str


def _e(text: str) -> str:
    return html.escape(text, quote=True)


def paragraphs(record: dict[str, Any]) -> list[str]:
    return [p.strip() for p in (record.get("text") or "").split("\n") if p.strip()]


def others_for(story: Story, index: int, n: int = 6) -> list[Other]:
    """The other records' headlines and first sentences, rotating so pages differ."""
    out = []
    records = story.records
    for k in range(1, len(records)):
        r = records[(index + k) % len(records)]
        title = r.get("title") or ""
        first = paragraphs(r)[0] if paragraphs(r) else ""
        teaser = first.split(". ")[0][:200]
        if title:
            out.append(Other(title, teaser))
        if len(out) == n:
            break
    return out


def _head(record: dict[str, Any], site: str, extra: str = "") -> str:
    title = _e(record.get("title") or site)
    published = record.get("published") or ""
    return (f'<head><meta charset="utf-8"><title>{title} | {_e(site)}</title>'
            f'<meta property="og:site_name" content="{_e(site)}">'
            f'<meta property="article:published_time" content="{_e(published)}">'
            '<meta name="viewport" content="width=device-width"><link rel="stylesheet" href="/s.css">'
            f"<script>window.dataLayer=[];function track(e){{dataLayer.push(e)}}</script>{extra}</head>")


def portal(record: dict[str, Any], others: list[Other]) -> str:
    paras = paragraphs(record)
    sections = "".join(f'<li><a href="/{s.lower()}">{s}</a></li>' for s in (
        "World", "Business", "Technology", "Politics", "Climate", "Sport", "Culture", "Opinion"))
    related = "".join(f'<li><a href="/r{i}"><h4>{_e(o.title)}</h4><p>{_e(o.teaser)}</p></a></li>'
                      for i, o in enumerate(others[:3]))
    most_read = "".join(f'<li><a href="/m{i}">{_e(o.title)}</a></li>' for i, o in enumerate(others[2:6]))
    body = []
    for i, p in enumerate(paras):
        body.append(f"<p>{_e(p)}</p>")
        if i == 0 and others:
            body.append('<p class="read-more"><strong>Read more:</strong> '
                        f'<a href="/x">{_e(others[0].title)}</a></p>')
        if i == 1:
            body.append(f'<aside class="related"><h3>Related</h3><ul>{related}</ul></aside>')
            body.append('<div class="ad-slot">Advertisement</div>')
    title = _e(record.get("title") or "")
    return (
        f'<!doctype html><html lang="en">{_head(record, "Daily Portal")}<body>'
        '<div id="cookie-consent"><p>We and our 842 partners use cookies to personalise content and '
        'ads. By clicking "Accept all" you agree.</p><button>Accept all</button><button>Manage</button></div>'
        f'<header class="site-header"><a class="logo" href="/">Daily Portal</a><nav><ul>{sections}</ul></nav>'
        '<form><input placeholder="Search"></form></header>'
        '<nav class="breadcrumb"><a href="/">Home</a> › <a href="/business">Business</a> › '
        '<a href="/tech">Technology</a></nav>'
        f'<main><article><header><h1>{title}</h1><p class="byline">By Staff Reporter · '
        f'{_e(record.get("published") or "")}</p></header><div class="article-body">{"".join(body)}</div>'
        '<div class="share">Share on X · Facebook · LinkedIn · Email</div></article>'
        f'<aside class="most-read"><h2>Most read</h2><ol>{most_read}</ol></aside></main>'
        '<section class="newsletter"><h2>The Morning Brief</h2><p>Get the day\'s top stories in your '
        'inbox every morning. Sign up now, it is free.</p><input placeholder="Email"><button>Sign up'
        '</button></section>'
        '<footer><ul><li><a href="/about">About us</a></li><li><a href="/jobs">Careers</a></li>'
        '<li><a href="/privacy">Privacy policy</a></li><li><a href="/terms">Terms of use</a></li></ul>'
        '<p>© 2026 Daily Portal Media Group. All rights reserved.</p></footer></body></html>'
    )


def blog(record: dict[str, Any], others: list[Other]) -> str:
    paras = "".join(f"<p>{_e(p)}</p>" for p in paragraphs(record))
    recent = "".join(f'<li><a href="/p{i}">{_e(o.title)}</a></li>' for i, o in enumerate(others[:5]))
    comments = "".join(
        f'<li class="comment"><div class="comment-author">reader{i}</div><div class="comment-content">'
        f"<p>{_e(o.teaser)}? I read elsewhere that this is not the whole story.</p></div></li>"
        for i, o in enumerate(others[3:5]))
    title = _e(record.get("title") or "")
    return (
        f'<!doctype html><html lang="en">{_head(record, "Policy Notes")}<body class="single-post">'
        '<div class="top-bar">Policy Notes — independent analysis since 2009 | '
        '<a href="/donate">Donate</a></div><header id="masthead"><h2 class="site-title">'
        '<a href="/">Policy Notes</a></h2><nav id="site-navigation">'
        '<a href="/">Home</a> <a href="/archive">Archive</a> <a href="/about">About</a></nav></header>'
        '<div id="content"><div id="primary"><main id="main">'
        f'<article class="post type-post"><header class="entry-header"><h1 class="entry-title">{title}</h1>'
        '<div class="entry-meta">Posted by <a href="/author/ed">editor</a></div></header>'
        f'<div class="entry-content">{paras}</div>'
        '<footer class="entry-footer"><span class="tags-links">Tagged <a href="/t/cloud">cloud</a>, '
        '<a href="/t/policy">policy</a></span><div class="sharedaddy">Share this: Twitter Facebook</div>'
        '<div class="author-bio">The editor writes about technology policy and corporate accountability.'
        '</div></footer></article>'
        f'<div id="comments"><h2 class="comments-title">2 thoughts on this post</h2><ol>{comments}</ol></div>'
        '</main></div>'
        f'<aside id="secondary" class="widget-area"><section class="widget"><h2>Recent Posts</h2><ul>{recent}'
        '</ul></section><section class="widget"><h2>Subscribe</h2><p>Enter your email address to '
        'follow this blog and receive notifications of new posts by email.</p></section></aside></div>'
        '<footer id="colophon"><p>Proudly powered by WordPress | Theme: Twenty</p></footer></body></html>'
    )


def tables(record: dict[str, Any], others: list[Other]) -> str:
    paras = paragraphs(record)
    chunks = []
    for i, p in enumerate(paras):
        chunks.append(_e(p))
        if i == len(paras) // 2 - 1 and len(paras) > 2:
            chunks.append('<center><font size="1">Advertisement</font></center>'
                          '<font size="1">Story continues below</font>')
    text = "<br><br>\n".join(chunks)
    more = "<br>".join(f'<a href="/h{i}">{_e(o.title)}</a>' for i, o in enumerate(others[:6]))
    nav = "".join(f'<tr><td><a href="/{s.lower()}">{s}</a></td></tr>'
                  for s in ("Front page", "Local", "National", "World", "Markets", "Weather"))
    title = _e(record.get("title") or "")
    return (
        f'<html>{_head(record, "The Evening Wire")}<body bgcolor="#ffffff">'
        '<table width="100%"><tr><td colspan="3"><font size="6">The Evening Wire</font> '
        '<font size="2">Your source for news since 1998</font></td></tr>'
        f'<tr><td width="15%" valign="top"><table>{nav}</table></td>'
        f'<td width="60%" valign="top"><font size="5"><b>{title}</b></font><br>'
        f'<font size="2">Wire staff | {_e(record.get("published") or "")}</font><br><br>'
        f'<font size="3">{text}</font><br><br><font size="2">Copyright 2026 The Evening Wire. '
        'This material may not be published, broadcast, rewritten or redistributed.</font></td>'
        f'<td width="25%" valign="top"><b>More headlines</b><br>{more}<br><br>'
        '<b>Weather</b><br>Sunny, 21°C</td></tr>'
        '<tr><td colspan="3"><font size="1">Home | Contact | Advertise | Subscribe | Privacy</font>'
        '</td></tr></table></body></html>'
    )


def app(record: dict[str, Any], others: list[Other]) -> str:
    paras = paragraphs(record)
    trending = "".join(f'<div class="c-4f2a"><a href="/t{i}"><span class="c-9b1">{_e(o.title)}</span>'
                       '</a></div>' for i, o in enumerate(others[1:5]))
    blocks = []
    for i, p in enumerate(paras):
        blocks.append(f'<div class="c-p1x"><p class="c-text">{_e(p)}</p></div>')
        if i == 2 or (i == len(paras) - 1 and len(paras) <= 2):
            blocks.append('<div class="c-carousel" role="region"><div class="c-h3">Trending now</div>'
                          f"{trending}</div>")
        if i == 3:
            blocks.append('<div class="c-paywall-prompt">Subscribers get unlimited access. Subscribe for '
                          '$1 a week. Already a subscriber? Log in.</div>')
    title = _e(record.get("title") or "")
    ld = ('<script type="application/ld+json">{"@type":"NewsArticle","headline":'
          f'"{_e(record.get("title") or "")}",'
          f'"datePublished":"{_e(record.get("published") or "")}"}}</script>')
    return (
        f'<!doctype html><html lang="en">{_head(record, "Signal", ld)}<body><div id="__next">'
        '<div class="c-nav"><div class="c-logo">Signal</div><div class="c-menu"><a href="/">Latest</a>'
        '<a href="/markets">Markets</a><a href="/tech">Tech</a><a href="/login">Sign in</a></div></div>'
        f'<div class="c-main"><div class="c-hed"><h1>{title}</h1></div><div class="c-dek">'
        'Analysis and reporting</div><div class="c-body">' + "".join(blocks) + "</div>"
        '<div class="c-cta">Follow Signal for alerts on this story.</div></div>'
        '<div class="c-foot"><a href="/terms">Terms</a> <a href="/privacy">Privacy</a> '
        '<a href="/cookies">Cookie settings</a> © Signal Media</div></div></body></html>'
    )


BUILDERS: dict[str, Callable[[dict[str, Any], list[Other]], str]] = {
    "portal": portal, "blog": blog, "tables": tables, "app": app,
}


def layout_of(index: int) -> str:
    return LAYOUTS[index % len(LAYOUTS)]


def build_pages(story: Story) -> dict[str, bytes]:
    """path -> HTML bytes, one page per record (layouts in rotation)."""
    return {f"/{layout_of(i)}/{r['id']}.html": BUILDERS[layout_of(i)](r, others_for(story, i)).encode()
            for i, r in enumerate(story.records)}


@asynccontextmanager
async def serve(pages: dict[str, bytes]) -> AsyncIterator[str]:
    """Serve `pages` (and an allow-all robots.txt) on 127.0.0.1; yields the base URL."""
    async def handle(request: web.Request) -> web.Response:
        body = pages.get(request.path)
        if body is None:
            return web.Response(status=404)
        return web.Response(body=body, content_type="text/html", charset="utf-8")

    web_app = web.Application()
    web_app.router.add_get("/robots.txt", _robots)
    web_app.router.add_get("/{tail:.*}", handle)
    runner = web.AppRunner(web_app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        yield f"http://127.0.0.1:{runner.addresses[0][1]}"
    finally:
        await runner.cleanup()


async def _robots(_request: web.Request) -> web.Response:
    return web.Response(text="User-agent: *\nAllow: /\n")


async def read_pages(story: Story, pages: dict[str, bytes] | None = None) -> list[Entry]:
    """Summary entries linking to served pages, read by the bot's own ArticleReader."""
    from bot.enrich import ArticleReader, EnrichItem
    from bot.fetch.article import ArticleFetcher
    from storage import articles, feeds, topics
    from storage.db import Database

    pages = pages or build_pages(story)
    paths = list(pages)
    async with serve(pages) as base:
        with tempfile.TemporaryDirectory(prefix="dossier-pages-") as tmp:
            async with await Database.open(Path(tmp) / "pages.db") as db:
                feed_url = f"{base}/feed.xml"
                await feeds.add_feed(db, feed_url, name="bench", interval=timedelta(minutes=15),
                                     origin="config")
                feed = await feeds.get_feed(db, feed_url)
                await topics.install_topics(db, 0, list(story.configs))
                entries = []
                for r, path in zip(story.records, paths, strict=True):
                    e = make_entry(r, summary=summary_of(r.get("text") or ""))
                    entries.append(Entry(identity=e.identity, url=base + path, title=e.title,
                                         summary=e.summary, content="", published=e.published,
                                         source=e.source, content_hash=e.content_hash))
                stored = await articles.store_entries(db, feed.id, entries)
                items = [EnrichItem(s.article_id, feed.id, s.entry) for s in stored]
                async with ArticleReader(ArticleFetcher(allow_private=True)) as reader:
                    return await reader.enrich(db, items)


def page_entries(story: Story) -> list[Entry]:
    """Page mode: the entries as the bot matches them after reading each page."""
    return asyncio.run(read_pages(story))


PAGE = Mode("page", "summary + fetched page", page_entries)


def page_provider(story: Story) -> Callable[[str], bytes | None]:
    """record id -> its page (layouts in rotation), for the replay's loopback feed server
    (`dossier run --once` fetches the pages itself there)."""
    by_id = {r["id"]: BUILDERS[layout_of(i)](r, others_for(story, i)).encode()
             for i, r in enumerate(story.records)}
    return by_id.get


# --- extractor comparison (docs/decisions.md) -------------------------------------------------

_SPACE = re.compile(r"\s+")


def _norm(text: str) -> str:
    return _SPACE.sub(" ", html.unescape(text)).strip().lower()


@dataclass
class Quality:
    pages: int = 0
    paragraphs: int = 0
    kept: int = 0  # article paragraphs found whole in the extracted text
    leaked_pages: int = 0  # pages whose extraction holds another story's headline or teaser
    failed: int = 0  # no text at all
    seconds: float = 0.0

    def line(self, name: str) -> str:
        return (f"{name:<12} paragraphs kept {self.kept}/{self.paragraphs} "
                f"({100 * self.kept / max(1, self.paragraphs):.1f}%), pages with other stories' "
                f"text {self.leaked_pages}/{self.pages}, no text {self.failed}, "
                f"{1000 * self.seconds / max(1, self.pages):.1f} ms/page")


def _trafilatura(page: bytes) -> str:
    from bot.parse.article import extract_article

    return extract_article(page, url=None, content_type="text/html; charset=utf-8").text


def _readability(page: bytes) -> str:
    from readability import Document  # optional: pip install readability-lxml

    from bot.parse.text import html_to_text

    return html_to_text(Document(page.decode("utf-8")).summary(html_partial=True))


def _readability_prepped(page: bytes) -> str:
    """readability-lxml after the same clean-up the bot does before trafilatura (a fair match)."""
    from lxml import html as lxml_html
    from readability import Document

    from bot.parse.article import _drop_link_paragraphs, _unwrap_layout_tables
    from bot.parse.text import html_to_text

    tree = lxml_html.document_fromstring(page.decode("utf-8"))
    _unwrap_layout_tables(tree)
    _drop_link_paragraphs(tree)
    return html_to_text(Document(lxml_html.tostring(tree, encoding="unicode")).summary(html_partial=True))


EXTRACTORS: dict[str, Callable[[bytes], str]] = {
    "trafilatura": _trafilatura, "readability": _readability, "readability+": _readability_prepped,
}


def compare(story: Story) -> dict[str, dict[str, Quality]]:
    """extractor -> layout -> quality, on every record of the story."""
    pages = build_pages(story)
    out: dict[str, dict[str, Quality]] = {}
    for name, extract in EXTRACTORS.items():
        try:
            extract(b"<html><body><p>probe</p></body></html>")
        except ImportError:
            print(f"{name}: not installed, skipped", file=sys.stderr)
            continue
        per_layout = out.setdefault(name, {lay: Quality() for lay in LAYOUTS})
        for i, (record, page) in enumerate(zip(story.records, pages.values(), strict=True)):
            q = per_layout[layout_of(i)]
            t0 = time.perf_counter()
            text = extract(page)
            q.seconds += time.perf_counter() - t0
            got = _norm(text)
            paras = [_norm(p) for p in paragraphs(record)]
            q.pages += 1
            q.paragraphs += len(paras)
            q.kept += sum(1 for p in paras if p in got)
            q.failed += not got
            own = _norm(record.get("text") or "")
            foreign = [_norm(s) for o in others_for(story, i) for s in (o.title, o.teaser)]
            if any(f and f not in own and f in got for f in foreign):
                q.leaked_pages += 1
    return out


# --- cost of reading pages (docs/performance.md) -----------------------------------------------


async def _lag_monitor(samples: list[float], stop: asyncio.Event, tick: float = 0.01) -> None:
    """How late the event loop wakes a 10 ms sleeper: the lag any other task would see."""
    loop = asyncio.get_running_loop()
    while not stop.is_set():
        t0 = loop.time()
        await asyncio.sleep(tick)
        samples.append(max(0.0, loop.time() - t0 - tick))


def cost(story: Story, pages: int) -> dict[str, float]:
    """Read `pages` pages (the story's records repeated) through the bot; wall, CPU, lag, memory."""
    import resource

    records = [{**r, "id": f"{r['id']}-{n}"} for n in range(pages // len(story.records) + 1)
               for r in story.records][:pages]
    big = Story(story.name, story.topics_raw, story.configs, story.topics, tuple(records))

    built = build_pages(big)  # bench set-up, not measured

    async def run() -> tuple[list[Entry], list[float]]:
        samples: list[float] = []
        stop = asyncio.Event()
        monitor = asyncio.create_task(_lag_monitor(samples, stop))
        try:
            return await read_pages(big, built), samples
        finally:
            stop.set()
            await monitor

    cpu0, t0 = time.process_time(), time.perf_counter()
    entries, lags = asyncio.run(run())
    wall, cpu = time.perf_counter() - t0, time.process_time() - cpu0
    lags.sort()
    read = sum(1 for e in entries if e.text_source == "article_page")
    return {"pages": len(entries), "read": read, "wall_s": wall, "cpu_ms_per_page": 1000 * cpu / len(entries),
            "lag_p99_ms": 1000 * lags[int(0.99 * (len(lags) - 1))] if lags else 0.0,
            "lag_max_ms": 1000 * lags[-1] if lags else 0.0,
            "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Extractor comparison on the bench page layouts")
    ap.add_argument("--story", choices=(*STORIES, "all"), default="all")
    ap.add_argument("--corpus", type=Path, default=None)
    ap.add_argument("--cost", type=int, default=0, metavar="N",
                    help="instead: read N pages through the bot and report wall, CPU, loop lag, memory")
    args = ap.parse_args(argv)
    corpus = args.corpus or default_corpus()
    if args.cost:
        story = load_story("story3" if args.story == "all" else args.story, corpus)
        figures = cost(story, args.cost)
        print(" ".join(f"{k} {v:.1f}" if isinstance(v, float) else f"{k} {v}" for k, v in figures.items()))
        return 0
    for name in STORIES if args.story == "all" else [args.story]:
        story = load_story(name, corpus)
        print(f"\n== {name}: {len(story.records)} pages, layouts {', '.join(LAYOUTS)}")
        results = compare(story)
        for extractor, per_layout in results.items():
            total = Quality()
            for q in per_layout.values():
                for field in ("pages", "paragraphs", "kept", "leaked_pages", "failed", "seconds"):
                    setattr(total, field, getattr(total, field) + getattr(q, field))
            print(total.line(extractor))
            for layout, q in per_layout.items():
                print("  " + q.line(layout))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
