"""bot.parse.text's fast paths give exactly what the slow ones give (html.parser, the regex).

`_strip_simple` reads common feed HTML without html.parser and `_unify_line_breaks` replaces a
regex substitution; both exist for speed only, so any input where they differ is a bug. The
inputs are generated (seeded) from the pieces that decide how html.parser reads a tag: quotes,
"<" and ">" in odd places, bare attribute values, entities, skipped elements, comments, CDATA.
"""

from __future__ import annotations

import random

import pytest

from bot.parse import text as T

PIECES = [
    "<p>", "</p>", "<P>", "</P >", "<br/>", "<br />", "<hr>", "<td>", "</th>", "<li>",
    '<a href="https://x.example/a?b=1&amp;c=2">', "</a>", "<a href='x'>", '<a title="it\'s">',
    "<img src=x.png>", '<img alt="a>b">', '<a b="<c>">', "<em\nclass=\"k\">", "</em>",
    "<script>", "</script>", "<style>p{}</style>", "<svg/>", "<math>", "</math>",
    "<!-- note -->", "<!--", "<![CDATA[<b>x</b>]]>", "<!DOCTYPE html>", "<?xml x?>",
    "<", ">", "< p>", "</ p>", "<p/ >", "<my-tag>", "</a b>", "<a =x>", '<a b=c d="e">',
    "&amp;", "&lt;p&gt;", "&#8217;", "&#x2019;", "&nbsp;", "&bogus;", "&", "&amp",
    "Text ", "more words.", " ", "\n", "\t", "“curly”", "é", "\u2028", "\r\n", "\r", "\x0b",
    "\x85", "\x0c", "\u2029", "\x00", "\ufeff",
]


def _parser_text(markup: str) -> str:
    parser = T._TextExtractor()
    parser.feed(markup)
    parser.close()
    return "".join(parser.parts)


def _samples(count: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    return ["".join(rng.choice(PIECES) for _ in range(rng.randint(1, 30))) for _ in range(count)]


@pytest.mark.parametrize("seed", range(4))
def test_simple_strip_equals_html_parser(seed: int) -> None:
    fast = 0
    for markup in _samples(3000, seed):
        if T._strip_simple(markup) is not None:  # tried before _close_constructs: a no-op then
            assert T._close_constructs(markup) == markup, repr(markup)
        closed = T._close_constructs(markup)
        simple = T._strip_simple(closed)
        if simple is not None:
            fast += 1
            assert simple == _parser_text(closed), repr(markup)
    assert fast > 300  # the fast path was taken often enough for the comparison to mean something


def test_simple_strip_takes_common_markup_and_declines_the_rest() -> None:
    assert T._strip_simple('<p>A <a href="https://x.example/">link</a> &amp; more</p>') == "\nA link & more\n"
    assert T._strip_simple("<td>1</td><th>2</th>") == " 1  2 "
    for markup in ("<script>x</script>", "a < b", '<a b="c>d">', "<!DOCTYPE html>", "<a b=c>"):
        assert T._strip_simple(markup) is None, markup


@pytest.mark.parametrize("seed", range(2))
def test_line_breaks_equal_the_regex(seed: int) -> None:
    for value in _samples(3000, seed):
        assert T._unify_line_breaks(value) == T._LINE_BREAKS.sub("\n", value), repr(value)


def test_html_to_text_unchanged_on_paragraph_markup() -> None:
    markup = "<p>First&nbsp;line\r\nwith a break</p>\n<p>Second “quoted” <b>bold</b></p><ul><li>one</li></ul>"
    assert T.html_to_text(markup) == "First line\nwith a break\nSecond “quoted” bold\none"


def test_unusable_url_chars_are_the_old_per_character_test() -> None:
    from bot.parse.urls import _UNUSABLE_CHAR

    for code in range(0x110000):
        ch = chr(code)
        assert bool(_UNUSABLE_CHAR.search(ch)) == (ch.isspace() or code < 0x20 or ch == "\x7f"), hex(code)
