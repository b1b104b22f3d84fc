"""Reduce untrusted feed markup to plain text.

Feed text is attacker-controlled and later shown in Discord and fed to the matcher, so every
field is turned into plain text here, once: tags stripped with the stdlib HTML parser (no
regex guessing about markup), script/style dropped, entities unescaped, control characters
removed, whitespace collapsed and the length capped.
"""

from __future__ import annotations

import html
import re
import unicodedata
from html.parser import HTMLParser

MAX_TEXT_CHARS = 100_000  # summary / content cap: enough for any article, bounded for storage
MAX_TITLE_CHARS = 1_000  # a "title" longer than this is a body pasted into the wrong element
# Markup beyond limit * ratio cannot matter (it would be cut anyway) but would cost parse time.
_MARKUP_RATIO = 10

# Elements whose text is never article text.
_SKIP = frozenset({"script", "style", "noscript", "template", "svg", "math"})
# Elements that end a paragraph or line: rendered as a newline so sentences don't run together.
_BLOCK = frozenset({
    "address", "article", "aside", "blockquote", "br", "caption", "dd", "div", "dl", "dt",
    "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr",
    "li", "main", "nav", "ol", "p", "pre", "section", "table", "tbody", "thead", "tfoot", "tr", "ul",
})
_CELL = frozenset({"td", "th"})

# Anything still shaped like a tag after one pass (double-escaped HTML such as "&amp;lt;p&amp;gt;").
_TAG_LIKE = re.compile(r"</?[A-Za-z][A-Za-z0-9:-]*(?:\s[^<>]*)?/?>")
_MAX_PASSES = 3
# C0/C1 controls (newline and tab are handled as whitespace), BOM, lone surrogates.
_JUNK = re.compile("[\x00-\x08\x0e-\x1f\x7f-\x84\x86-\x9f\ufeff\ud800-\udfff]")
_LINE_BREAKS = re.compile("\r\n?|[\x0b\x0c\x85\u2028\u2029]")  # (what _unify_line_breaks does)
_OTHER_BREAKS = ("\x0b", "\x0c", "\x85", "\u2028", "\u2029")


class _TextExtractor(HTMLParser):
    """Collects text nodes, turning block boundaries into newlines and dropping skipped elements."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip_depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP:
            self._skip_depth += 1
        elif tag in _BLOCK:
            self.parts.append("\n")
        elif tag in _CELL:
            self.parts.append(" ")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        # <br/>, <hr/>, <svg/>: a self-closed element never opens a skipped region.
        if tag in _BLOCK:
            self.parts.append("\n")
        elif tag in _CELL:
            self.parts.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP:
            self._skip_depth = max(0, self._skip_depth - 1)
        elif tag in _BLOCK:
            self.parts.append("\n")
        elif tag in _CELL:
            self.parts.append(" ")

    def handle_data(self, data: str) -> None:
        if not self._skip_depth:
            self.parts.append(data)


def _close_constructs(markup: str) -> str:
    """Escape every "<" that does not open a complete tag, comment or CDATA section; drop comments.

    html.parser rescans unterminated constructs ("<a <a <a ...", "<!--<!--...") once per
    character on close(), which is quadratic: 50 KB of such junk in a title takes minutes.
    After this linear pass every construct it sees is complete. Each `find` that fails is
    remembered, because it would fail again from any later position; an unterminated
    comment ends the text, as it does in browsers.
    """
    out: list[str] = []
    i = 0
    no_cdata_end = no_gt = False
    while (j := markup.find("<", i)) >= 0:
        out.append(markup[i:j])
        if markup.startswith("<!--", j):
            k = markup.find("-->", j + 4)
            if k < 0:  # as in browsers, an unterminated comment runs to the end
                return "".join(out)
            i = k + 3
            continue
        if markup.startswith("<![CDATA[", j):
            k = -1 if no_cdata_end else markup.find("]]>", j + 9)
            if k >= 0:
                out.append(html.escape(markup[j + 9 : k], quote=False))
                i = k + 3
                continue
            no_cdata_end = True
        elif j + 1 < len(markup) and (markup[j + 1].isalpha() or markup[j + 1] in "/!?"):
            k = -1 if no_gt else markup.find(">", j + 1)
            if k >= 0:
                out.append(markup[j : k + 1])
                i = k + 1
                continue
            no_gt = True
        out.append("&lt;")
        i = j + 1
    out.append(markup[i:])
    return "".join(out)


# A tag html.parser reads exactly as this pattern does: a start tag with well-formed attributes
# (no "<" or ">" inside quoted values, no bare values) or an end tag without attributes.
_SIMPLE_TAG = re.compile(
    r"""<(?:/([a-zA-Z][a-zA-Z0-9]*)\s*|([a-zA-Z][a-zA-Z0-9]*)"""
    r"""(?:\s+[a-zA-Z_:][-a-zA-Z0-9_:.]*(?:\s*=\s*(?:"[^"<>]*"|'[^'<>]*'))?)*\s*/?)>"""
)


def _strip_simple(markup: str) -> str | None:
    """What `_TextExtractor` gives for markup whose every "<" opens a `_SIMPLE_TAG` outside the
    skipped elements (most feed HTML: paragraphs, links, emphasis), without html.parser's
    per-tag Python overhead (~3x faster); None for anything else, which the parser reads.
    Same output by construction: text between tags unescaped as html.parser does with
    convert_charrefs, a newline per block tag, a space per cell tag (tests compare both)."""
    parts: list[str] = []
    pos = 0
    for m in _SIMPLE_TAG.finditer(markup):
        text = markup[pos : m.start()]
        if "<" in text:
            return None  # a "<" the pattern did not take: html.parser decides what it is
        if text:
            parts.append(html.unescape(text) if "&" in text else text)
        name = (m.group(1) or m.group(2)).lower()
        if name in _SKIP:
            return None
        if name in _BLOCK:
            parts.append("\n")
        elif name in _CELL:
            parts.append(" ")
        pos = m.end()
    text = markup[pos:]
    if "<" in text:
        return None
    if text:
        parts.append(html.unescape(text) if "&" in text else text)
    return "".join(parts)


def _strip_once(markup: str) -> str:
    # Markup `_strip_simple` takes whole is markup `_close_constructs` leaves as it is (each "<"
    # opens a tag that ends at the first ">"), so it is tried first; else the linear pass runs.
    simple = _strip_simple(markup)
    if simple is not None:
        return simple
    closed = _close_constructs(markup)
    simple = _strip_simple(closed)
    if simple is not None:
        return simple
    parser = _TextExtractor()
    try:
        parser.feed(closed)
        parser.close()
    except Exception:
        # html.parser raises on a few malformed declarations ("<![foo["); fall back to a crude
        # strip rather than losing the whole field.
        return html.unescape(re.sub(r"<[^>]*>", " ", markup))
    return "".join(parser.parts)


def _strip_markup(markup: str) -> str:
    """Strip tags until nothing tag-shaped is left (a few passes for double-escaped feeds)."""
    if "<" not in markup and "&" not in markup:
        return markup  # no tag and no entity: the parser would hand it back unchanged (~80 %
        # of the fields of a full-content feed: titles, plain summaries; ~15 us each)
    text = markup
    for _ in range(_MAX_PASSES):
        text = _strip_once(text)
        if not _TAG_LIKE.search(text):
            break
    else:
        text = _TAG_LIKE.sub(" ", text)
    return text


def _cap(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    cut = text[:limit]
    space = cut.rfind(" ", max(0, limit - 200))  # prefer a word boundary near the limit
    return (cut[:space] if space > 0 else cut).rstrip() + "…"


def _unify_line_breaks(value: str) -> str:
    """`_LINE_BREAKS.sub("\\n", value)` by `str.replace`: the same result (a CR LF pair, then a
    lone CR, then each other break), ~5x cheaper on the usual text that has none."""
    if "\r" in value:
        value = value.replace("\r\n", "\n").replace("\r", "\n")
    for brk in _OTHER_BREAKS:
        if brk in value:
            value = value.replace(brk, "\n")
    return value


def clean_text(value: str) -> str:
    """Remove control characters and lone surrogates; NFC-normalise so hashes are stable."""
    return unicodedata.normalize("NFC", _JUNK.sub("", _unify_line_breaks(value)))


def html_to_text(markup: str | None, *, limit: int = MAX_TEXT_CHARS) -> str:
    """Plain text of an HTML fragment: one line per paragraph, whitespace collapsed, capped."""
    if not markup:
        return ""
    text = clean_text(_strip_markup(markup[: limit * _MARKUP_RATIO]))
    lines = (" ".join(line.split()) for line in text.split("\n"))
    return _cap("\n".join(line for line in lines if line), limit)


def inline_text(markup: str | None, *, limit: int = MAX_TITLE_CHARS) -> str:
    """Plain single-line text (titles, outlet names): like html_to_text but with no newlines."""
    if not markup:
        return ""
    return _cap(" ".join(clean_text(_strip_markup(markup[: limit * _MARKUP_RATIO])).split()), limit)
