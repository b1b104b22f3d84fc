"""Make untrusted feed text safe to show: no pings, no markdown tricks, no terminal escapes.

Anyone who controls a feed controls titles, summaries and outlet names. Rendered into a
Discord message they could ping @everyone, hide a link behind innocent text, close our
```diff block early, or (on a console) move the cursor and rewrite earlier output. The
Discord sender should still post with `AllowedMentions.none()`; this is the second line.
"""

from __future__ import annotations

import re

ZWSP = "\u200b"
ELLIPSIS = "…"

# ANSI/VT escape sequences: CSI (ESC [ ... final), OSC (ESC ] ... BEL or ST), other 2-byte ESC.
_ANSI = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]"
    r"|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?"
    r"|\x1b[PX^_][^\x1b]*(?:\x1b\\)?"
    r"|\x1b[ -/]*[0-~]?"
)
# C0 controls except tab and newline, DEL, C1 controls (\x9b is a one-byte CSI), and the bidi
# overrides/isolates that can make text display in a different order than it reads.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ufeff]")
_LINE_SEPARATORS = re.compile(r"\r\n?|[\u2028\u2029\x85]")
_WS = re.compile(r"\s+")

_EVERYONE = re.compile(r"@(everyone|here)", re.IGNORECASE)
# <@123>, <@!123>, <@&123>, <#123>, </cmd sub:123>: break the syntax after "<".
_ANGLE_MENTION = re.compile(r"<(?=[@#/])")
# Plain "@Moderators" / "@user": not a ping when a bot posts it, but it looks like one.
# The lookbehind leaves e-mail addresses (press@example.com) alone.
_PLAIN_MENTION = re.compile(r"(?<![\w.+\-\u200b])@(?=\w)")

# Like Discord's autolink: trailing punctuation and markup are not part of the URL.
_URL = re.compile(r"https?://[^\s<>]*[^\s<>.,:;\"')\]*_~`|]", re.IGNORECASE)
_MD_CHARS = re.compile(r"([\\*_~`|>\[\]])")
# Block syntax that only means something at the start of a line: headings, subtext,
# bullet and numbered lists.
_MD_LINE_START = re.compile(r"^(\s*)(?:(#{1,3}|-#|[-+])|(\d+)\.)(?=\s)", re.MULTILINE)


def strip_control(text: str) -> str:
    """Remove terminal escapes and control characters; keep newlines and tabs."""
    text = _LINE_SEPARATORS.sub("\n", text)
    text = _ANSI.sub("", text)
    return _CONTROL.sub("", text)


def collapse_whitespace(text: str) -> str:
    """One line of text: newlines in a title or evidence must not start a new block."""
    return _WS.sub(" ", text).strip()


def neutralise_mentions(text: str) -> str:
    """Break every mention syntax with a zero-width space so nothing can ping or resolve."""
    text = _EVERYONE.sub("@" + ZWSP + r"\1", text)
    text = _ANGLE_MENTION.sub("<" + ZWSP, text)
    return _PLAIN_MENTION.sub("@" + ZWSP, text)


def _escape_plain(text: str) -> str:
    text = _MD_CHARS.sub(r"\\\1", text)
    return _MD_LINE_START.sub(_escape_line_start, text)


def _escape_line_start(m: re.Match[str]) -> str:
    if m.group(2):
        return m.group(1) + "\\" + m.group(2)
    return m.group(1) + m.group(3) + "\\."  # "1\." (a backslash before a digit is literal)


def escape_markdown(text: str) -> str:
    """Escape Discord markdown so feed text shows literally.

    URLs are left untouched: Discord links them before applying escapes, so a backslash
    inside a URL would end up in the link. The brackets of a masked link "[x](url)" are
    outside the URL and get escaped, so the real target stays visible.
    """
    out: list[str] = []
    pos = 0
    for match in _URL.finditer(text):
        out.append(_escape_plain(text[pos:match.start()]))
        out.append(match.group(0))
        pos = match.end()
    out.append(_escape_plain(text[pos:]))
    return "".join(out)


def utf16_len(text: str) -> int:
    """Length as Discord's limits may count it (UTF-16 code units); never below len()."""
    return len(text.encode("utf-16-le", errors="surrogatepass")) // 2


def cut(text: str, limit: int) -> str:
    """The longest prefix of `text` within `limit` UTF-16 units (never splits a character)."""
    if limit <= 0:
        return ""
    head = text[:limit]
    if utf16_len(head) <= limit:
        return head
    data = head.encode("utf-16-le", errors="surrogatepass")[: 2 * limit]
    return data.decode("utf-16-le", errors="ignore")


def truncate(text: str, limit: int, marker: str = ELLIPSIS) -> str:
    """Cut `text` to `limit` with a visible marker, without leaving a dangling escape."""
    if utf16_len(text) <= limit:
        return text
    room = limit - utf16_len(marker)
    if room <= 0:
        return cut(marker, limit)
    kept = cut(text, room).rstrip()
    # An odd run of trailing backslashes would escape our marker: drop one.
    trailing = len(kept) - len(kept.rstrip("\\"))
    if trailing % 2:
        kept = kept[:-1]
    return kept + marker


def clean(text: str, limit: int | None = None) -> str:
    """Untrusted text for embed titles, fields and descriptions: one line, no pings, escaped."""
    text = collapse_whitespace(strip_control(text))
    if limit is not None:
        text = truncate(text, limit)  # cut before escaping: 100k-char titles stay cheap
    text = escape_markdown(neutralise_mentions(text))
    return text if limit is None else truncate(text, limit)


def plain(text: str, limit: int | None = None) -> str:
    """Untrusted text where markdown does not render (footer, author): no pings, one line."""
    text = neutralise_mentions(collapse_whitespace(strip_control(text)))
    return text if limit is None else truncate(text, limit)


def code_block_safe(text: str) -> str:
    """Text for inside a ``` block: no escaping (it would show), but no way to close the block.

    A zero-width space after every backtick that is followed by another means no run of
    three backticks survives, so the content cannot end the block and start markdown.
    """
    text = neutralise_mentions(strip_control(text)).replace("\t", "    ")
    return re.sub(r"`(?=`)", "`" + ZWSP, text)
