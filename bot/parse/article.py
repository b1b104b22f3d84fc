"""An article page (HTML bytes) -> its main text and metadata, with trafilatura.

Pure and synchronous: the caller runs it in a worker thread. Its cost is bounded by what it is
handed, not by the page: script/style/SVG blocks are cut out, then at most `MAX_EXTRACT_CHARS`
of HTML reach the parser (a longer page is cut there; lxml closes the open elements), and a
document with more than `MAX_TREE_SIZE` elements is refused before extraction. A thread cannot
be killed, so these caps are what keeps one pathological page from holding the extraction
thread for long: about 2 s at worst (see docs/decisions.md, "Article pages").

Before trafilatura, two general clean-ups: layout tables become <div>s (old table-layout sites
would otherwise lose their text or render navigation cells as text) and blocks that are mostly
links ("Read more: <headline>", lists of other headlines) are removed.

Extraction uses `favor_precision`: navigation, cookie notices, related/most-read boxes,
newsletter prompts and footers are dropped, because a headline of another story matched as if
this article said it is worse than a missed sentence.
"""

from __future__ import annotations

import re
import warnings
from configparser import ConfigParser
from dataclasses import dataclass
from datetime import UTC, datetime

from lxml import html as lxml_html

from bot.parse.text import clean_text

MAX_EXTRACT_CHARS = 1_000_000  # of HTML after scripts/styles are cut out: real pages need 30-300 KB
MAX_TREE_SIZE = 10_000  # elements; a news page has 1,000-6,000 (worst case measured: ~2 s)
MIN_TEXT_CHARS = 200  # less than this is a stub (paywall, consent wall, error page)
MAX_TEXT_CHARS = 100_000  # what is kept and matched: more is not one article

_CHARSET = re.compile(r"charset\s*=\s*[\"']?([A-Za-z0-9._:-]+)", re.IGNORECASE)
_META_CHARSET = re.compile(rb"<meta[^>]{0,200}?charset\s*=\s*[\"']?([A-Za-z0-9._:-]+)", re.IGNORECASE)
_HTML_TYPES = ("text/html", "application/xhtml+xml")
# Script, style and inline SVG blocks: never article text, often most of a page's bytes.
_NOT_TEXT = re.compile(r"<(script|style|svg|noscript|template)\b[^>]*>.*?</\1\s*>", re.IGNORECASE | re.DOTALL)



def _config() -> ConfigParser:
    """trafilatura's settings with our tree cap (built on first use: nothing at import)."""
    from trafilatura.settings import use_config

    config = use_config()
    config.set("DEFAULT", "MAX_TREE_SIZE", str(MAX_TREE_SIZE))
    config.set("DEFAULT", "EXTENSIVE_DATE_SEARCH", "off")  # metadata only: no guessing from text
    return config


_CONFIG: list[ConfigParser] = []


@dataclass(frozen=True, slots=True)
class ExtractedPage:
    """The main text of a page, or why there is none (`error`)."""

    text: str = ""
    title: str | None = None
    canonical_url: str | None = None
    published: datetime | None = None
    site_name: str | None = None
    language: str | None = None
    error: str | None = None  # e.g. "not HTML (application/pdf)", "no article text (paywall?)"

    @property
    def ok(self) -> bool:
        return self.error is None and bool(self.text)


def is_html(content_type: str | None, body: bytes) -> bool:
    """HTML by its Content-Type, or (without one) by its first bytes."""
    if content_type:
        return content_type.split(";")[0].strip().lower() in _HTML_TYPES
    head = body[:512].lstrip().lower()
    return head.startswith((b"<!doctype html", b"<html")) or b"<body" in head


def charset_of(content_type: str | None, body: bytes) -> str | None:
    """The declared charset: the HTTP header first, then a <meta> tag near the top."""
    if content_type:
        found = _CHARSET.search(content_type)
        if found:
            return found.group(1).lower()
    found = _META_CHARSET.search(body[:4096])
    return found.group(1).decode("ascii").lower() if found else None


def decode_html(body: bytes, content_type: str | None) -> str:
    """Bytes -> text by the declared charset, else UTF-8, else charset detection."""
    charset = charset_of(content_type, body)
    if charset:
        try:
            return body.decode(charset, errors="replace")
        except LookupError:
            pass  # an unknown charset name: detect instead
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        from charset_normalizer import from_bytes  # a trafilatura dependency

        best = from_bytes(body[:200_000]).best()
        return str(best) if best is not None else body.decode("utf-8", errors="replace")


def _date(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(value).replace(tzinfo=UTC)
    except ValueError:
        return None


def _language(tree: lxml_html.HtmlElement) -> str | None:
    lang = tree.get("lang") or tree.get("{http://www.w3.org/XML/1998/namespace}lang")
    if not lang:
        return None
    lang = lang.strip().split("-")[0].split("_")[0].lower()
    return lang if lang.isalpha() and 2 <= len(lang) <= 3 else None


def extract_article(body: bytes, *, url: str | None, content_type: str | None) -> ExtractedPage:
    """Main text and metadata of one HTML page; never raises for bad input."""
    if not body.strip():
        return ExtractedPage(error="empty page")
    if not is_html(content_type, body):
        kind = (content_type or "unknown type").split(";")[0].strip()
        return ExtractedPage(error=f"not HTML ({kind})")
    text = _NOT_TEXT.sub(" ", decode_html(body, content_type))[:MAX_EXTRACT_CHARS]
    try:
        tree = lxml_html.document_fromstring(text)
    except (ValueError, lxml_html.etree.ParserError) as exc:
        return ExtractedPage(error=f"unreadable HTML: {exc}")
    language = _language(tree)
    elements = sum(1 for _ in tree.iter())
    if elements > MAX_TREE_SIZE:
        return ExtractedPage(language=language,
                             error=f"page too complex ({elements:,} elements, limit {MAX_TREE_SIZE:,})")
    _unwrap_layout_tables(tree)
    _drop_link_paragraphs(tree)
    if not _CONFIG:
        _CONFIG.append(_config())
    # imported on first use: ~70 ms of every start, and a cycle of full-content feeds never reads a page
    import trafilatura

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # lxml/trafilatura FutureWarnings are not ours
            doc = trafilatura.bare_extraction(
                tree, url=url, with_metadata=True, favor_precision=True, include_comments=False,
                include_tables=False, deduplicate=False, config=_CONFIG[0],
            )
    except Exception as exc:  # a library bug on one page must cost that page only
        return ExtractedPage(language=language, error=f"extraction failed: {type(exc).__name__}")
    if doc is None:
        return ExtractedPage(language=language, error="no article text found")
    data = doc if isinstance(doc, dict) else doc.as_dict()
    title = _one_line(str(data.get("title") or "")) or None
    main = _paragraphs(str(data.get("text") or ""), title)
    page = ExtractedPage(
        text=main[:MAX_TEXT_CHARS], title=title,
        canonical_url=str(data.get("url") or "") or None, published=_date(data.get("date")),
        site_name=_one_line(str(data.get("sitename") or "")) or None, language=language,
    )
    if len(main) < MIN_TEXT_CHARS:
        return ExtractedPage(
            title=page.title, canonical_url=page.canonical_url, published=page.published,
            site_name=page.site_name, language=language,
            error=f"too little article text ({len(main)} characters: paywall or stub?)",
        )
    return page


_TABLE_TAGS = frozenset({"table", "thead", "tbody", "tfoot", "tr", "td", "th"})
LAYOUT_CELL_CHARS = 400  # a table cell holding this much text is page layout, not data


def _unwrap_layout_tables(tree: lxml_html.HtmlElement) -> None:
    """Turn layout tables (nested tables, or a cell holding a whole text) into plain <div>s.

    Old sites lay pages out in tables; an extractor that skips tables (as data) would skip the
    article with them, and one that keeps them renders the navigation cells as text.
    """
    for table in list(tree.iter("table")):
        if table.tag != "table":  # already unwrapped as part of an outer layout table
            continue
        cells = list(table.iter("td", "th"))
        nested = table.find(".//table") is not None
        if not nested and not any(len(c.text_content()) > LAYOUT_CELL_CHARS for c in cells):
            continue
        for el in list(table.iter()):
            if el.tag in _TABLE_TAGS:
                el.tag = "div"
                el.attrib.clear()


_LINK_BLOCKS = ("p", "li", "ul", "ol", "div", "aside", "section", "nav", "td")


def _drop_link_paragraphs(tree: lxml_html.HtmlElement) -> None:
    """Remove blocks that are mostly links: a "Read more: <headline>" paragraph, a list or a
    cell of other headlines. Inside an article body they point at other stories, and their
    words are not this one's; the extractor's own link-density rules miss short ones."""
    for el in list(tree.iter(*_LINK_BLOCKS)):
        if el.getparent() is None:
            continue  # already removed with an ancestor
        text = " ".join(el.text_content().split())
        if not text:
            continue
        linked = sum(len(" ".join(a.text_content().split())) for a in el.iter("a"))
        rest = len(text) - linked
        if linked >= 0.5 * len(text) and (rest < 40 or (linked >= 0.7 * len(text) and rest < 300)):
            el.drop_tree()


def _one_line(value: str) -> str:
    return " ".join(clean_text(value).split())


def _paragraphs(text: str, title: str | None) -> str:
    """Clean each paragraph, drop the headline trafilatura repeats as the first line."""
    lines = [_one_line(line) for line in text.splitlines()]
    lines = [line for line in lines if line]
    if lines and title and lines[0] == title:
        lines = lines[1:]
    return "\n".join(lines)
