"""bot.parse: feed bytes -> normalised Entry, canonical URLs, HTML -> plain text."""

from __future__ import annotations

import dataclasses
import re
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.models import Entry
from bot.parse import ParsedFeed, canonical_url, html_to_text, http_url, inline_text, parse_feed
from bot.parse.text import MAX_TEXT_CHARS, MAX_TITLE_CHARS

FEED_URL = "https://news.example.com/feeds/main.xml"
TAG = re.compile(r"</?[A-Za-z][^>]*>")


def parse(body: str | bytes, **kwargs: object) -> ParsedFeed:
    data = body.encode("utf-8") if isinstance(body, str) else body
    kwargs.setdefault("feed_url", FEED_URL)
    return parse_feed(data, **kwargs)  # type: ignore[arg-type]


def rss(items: str, *, title: str = "Example News", extra: str = "") -> str:
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        f'<rss version="2.0"{extra}><channel><title>{title}</title><link>https://news.example.com/</link>'
        f"{items}</channel></rss>"
    )


def only(result: ParsedFeed) -> Entry:
    assert result.error is None, result.error
    assert len(result.entries) == 1, result.entries
    return result.entries[0]


# --- formats -------------------------------------------------------------------------------------


def test_rss2_entry_is_normalised() -> None:
    body = rss("""
      <item>
        <title>  Acme   fined &amp; <b>warned</b>  </title>
        <link>https://News.Example.com/2024/acme-fined?utm_source=rss&amp;id=7#comments</link>
        <guid isPermaLink="false">acme-2024-0001</guid>
        <pubDate>Tue, 14 May 2024 10:30:00 +0200</pubDate>
        <description>&lt;p&gt;The regulator fined Acme.&lt;/p&gt;&lt;p&gt;Acme said it would appeal.&lt;/p&gt;</description>
      </item>""")
    result = parse(body)
    assert result.title == "Example News"
    assert result.warning is None
    entry = only(result)
    assert entry.title == "Acme fined & warned"
    assert entry.url == "https://news.example.com/2024/acme-fined?id=7"
    assert entry.identity == "acme-2024-0001"
    assert entry.summary == "The regulator fined Acme.\nAcme said it would appeal."
    assert entry.content == ""
    assert entry.published == datetime(2024, 5, 14, 8, 30, tzinfo=UTC)
    assert entry.source == "Example News"
    assert re.fullmatch(r"[0-9a-f]{64}", entry.content_hash)


def test_rss2_content_encoded_is_content() -> None:
    body = rss(
        """<item><title>T</title><link>https://a.example/1</link>
        <description>Short summary.</description>
        <content:encoded><![CDATA[<p>Full <em>article</em> text.</p><p>Second paragraph.</p>]]></content:encoded>
        </item>""",
        extra=' xmlns:content="http://purl.org/rss/1.0/modules/content/"',
    )
    entry = only(parse(body))
    assert entry.summary == "Short summary."
    assert entry.content == "Full article text.\nSecond paragraph."
    assert entry.body == entry.content


def test_atom_entry() -> None:
    body = """<?xml version="1.0" encoding="utf-8"?>
    <feed xmlns="http://www.w3.org/2005/Atom">
      <title type="text">Atom Wire</title>
      <id>urn:uuid:feed</id>
      <updated>2024-05-14T12:00:00Z</updated>
      <entry>
        <title type="html">Leak &lt;em&gt;confirmed&lt;/em&gt;</title>
        <link rel="alternate" href="/stories/leak?fbclid=abc"/>
        <link rel="edit" href="https://atom.example.org/edit/1"/>
        <id>tag:atom.example.org,2024:leak</id>
        <updated>2024-05-14T09:15:00+02:00</updated>
        <summary type="text">Company confirms the leak.</summary>
        <content type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml"><p>Para <b>one</b>.</p><p>Para two.</p></div></content>
      </entry>
    </feed>"""
    result = parse(body, feed_url="https://atom.example.org/feed.atom")
    assert result.title == "Atom Wire"
    entry = only(result)
    assert entry.title == "Leak confirmed"
    assert entry.url == "https://atom.example.org/stories/leak"
    assert entry.identity == "tag:atom.example.org,2024:leak"
    assert entry.summary == "Company confirms the leak."
    assert entry.content == "Para one.\nPara two."
    assert entry.published == datetime(2024, 5, 14, 7, 15, tzinfo=UTC)


def test_atom_xml_base_is_honoured() -> None:
    body = """<feed xmlns="http://www.w3.org/2005/Atom" xml:base="https://cdn.example.net/blog/">
      <title>B</title>
      <entry><title>x</title><id>urn:x</id><link href="posts/1.html"/></entry>
    </feed>"""
    entry = only(parse(body))
    assert entry.url == "https://cdn.example.net/blog/posts/1.html"


def test_rdf_rss1_entry() -> None:
    body = """<?xml version="1.0"?>
    <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"
             xmlns="http://purl.org/rss/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/">
      <channel rdf:about="https://rdf.example.org/">
        <title>RDF Daily</title><link>https://rdf.example.org/</link><description>d</description>
      </channel>
      <item rdf:about="https://rdf.example.org/item/1">
        <title>Inquiry opens</title>
        <link>https://rdf.example.org/item/1?utm_medium=feed</link>
        <description>An inquiry opened today.</description>
        <dc:date>2024-05-14T23:30:00-01:00</dc:date>
      </item>
    </rdf:RDF>"""
    result = parse(body)
    entry = only(result)
    assert result.title == "RDF Daily"
    assert entry.title == "Inquiry opens"
    assert entry.url == "https://rdf.example.org/item/1"
    assert entry.summary == "An inquiry opened today."
    assert entry.published == datetime(2024, 5, 15, 0, 30, tzinfo=UTC)


def test_empty_but_valid_feed_is_not_an_error() -> None:
    result = parse(rss(""))
    assert result == ParsedFeed(title="Example News", entries=(), error=None)


def test_parsed_feed_is_frozen() -> None:
    result = parse(rss(""))
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.title = "x"  # type: ignore[misc]


# --- source ----------------------------------------------------------------------------------------


def test_source_prefers_configured_name_then_feed_title_then_host() -> None:
    item = "<item><title>t</title><link>https://a.example/1</link></item>"
    assert only(parse(rss(item), source_name="The Ledger")).source == "The Ledger"
    assert only(parse(rss(item, title="Feed &amp; Co"))).source == "Feed & Co"
    no_title = '<rss version="2.0"><channel>' + item + "</channel></rss>"
    assert only(parse(no_title, feed_url="https://Wire.Example.org:8443/rss")).source == "wire.example.org"


# --- HTML and text -----------------------------------------------------------------------------------


def test_html_in_summary_becomes_plain_text() -> None:
    summary = (
        "&lt;div&gt;&lt;h2&gt;Update&lt;/h2&gt;&lt;p&gt;First&amp;nbsp;line&lt;br/&gt;second line&lt;/p&gt;"
        "&lt;ul&gt;&lt;li&gt;one&lt;/li&gt;&lt;li&gt;two&lt;/li&gt;&lt;/ul&gt;"
        "&lt;style&gt;p { color: red }&lt;/style&gt;&lt;script&gt;alert('x')&lt;/script&gt;"
        "&lt;p&gt;Caf&amp;eacute; &amp;amp; &amp;#8220;quotes&amp;#8221;&lt;/p&gt;&lt;/div&gt;"
    )
    entry = only(parse(rss(f"<item><title>t</title><description>{summary}</description></item>")))
    assert entry.summary == "Update\nFirst line\nsecond line\none\ntwo\nCafé & “quotes”"


def test_script_and_everyone_survive_only_as_plain_text() -> None:
    body = rss("""<item>
        <title><![CDATA[Breaking: <script>alert(1)</script> @everyone <b>read</b> this]]></title>
        <link>https://a.example/1</link>
        <description>&lt;script&gt;steal()&lt;/script&gt;Hey @everyone and @here &amp;lt;script&amp;gt;x&amp;lt;/script&amp;gt;
        &lt;img src=x onerror=alert(1)&gt;&lt;a href="javascript:alert(1)"&gt;click&lt;/a&gt;</description>
        </item>""")
    entry = only(parse(body))
    assert entry.title == "Breaking: @everyone read this"
    assert "@everyone" in entry.summary and "@here" in entry.summary
    assert "click" in entry.summary
    for text in (entry.title, entry.summary, entry.content):
        assert not TAG.search(text)
        assert "steal()" not in text and "alert" not in text


def test_plain_text_atom_title_keeps_literal_ampersands() -> None:
    body = """<feed xmlns="http://www.w3.org/2005/Atom"><title>f</title>
      <entry><id>urn:1</id><title type="text">AT&amp;T &amp; 5 &lt; 6</title></entry></feed>"""
    assert only(parse(body)).title == "AT&T & 5 < 6"


@pytest.mark.parametrize(
    ("markup", "text"),
    [
        ("<p>a</p><p>b</p>", "a\nb"),
        ("a<br>b<br/>c", "a\nb\nc"),
        ("  lots \t of\n\n   space  ", "lots of\nspace"),
        ("x&nbsp;&amp;&nbsp;y", "x & y"),
        ("keep <!-- hidden --> this", "keep this"),
        ("cut <!-- never closed", "cut"),
        ("a < b and c > d", "a < b and c > d"),
        ("<table><tr><td>1</td><td>2</td></tr></table>", "1 2"),
        ("&lt;p&gt;double-escaped&lt;/p&gt;", "double-escaped"),
        ("ctrl\x00\x07chars\u200b ok\ufeff", "ctrlchars\u200b ok"),
        ("<noscript>n</noscript><template>t</template><svg><title>s</title></svg>shown", "shown"),
        ("<![CDATA[x <y>]]>", "x"),
        ("", ""),
    ],
)
def test_html_to_text(markup: str, text: str) -> None:
    assert html_to_text(markup) == text


def test_text_is_capped() -> None:
    long_words = "word " * (MAX_TEXT_CHARS // 2)
    capped = html_to_text(f"<p>{long_words}</p>")
    assert len(capped) <= MAX_TEXT_CHARS + 1 and capped.endswith("…")
    assert len(inline_text("t " * MAX_TITLE_CHARS)) <= MAX_TITLE_CHARS + 1


@pytest.mark.parametrize(
    "junk",
    ["<a " * 20_000, "<!--" * 20_000, '<a b="' * 20_000, "<?" * 40_000, "</" * 40_000, "<![CDATA[" * 10_000],
)
def test_malformed_markup_is_linear_time(junk: str) -> None:
    # html.parser alone is quadratic on unterminated constructs (minutes for these inputs).
    start = time.perf_counter()
    html_to_text(junk)
    inline_text(junk)
    assert time.perf_counter() - start < 2


# --- URLs ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("HTTPS://Example.COM/Path/Case?b=2&a=1", "https://example.com/Path/Case?b=2&a=1"),
        ("http://example.com:80/a", "http://example.com/a"),
        ("https://example.com:443/a", "https://example.com/a"),
        ("https://example.com:8443/a", "https://example.com:8443/a"),
        ("https://example.com/a#section-2", "https://example.com/a"),
        ("https://example.com/a?", "https://example.com/a"),
        ("https://example.com", "https://example.com/"),
        ("https://user:pw@example.com./a", "https://example.com/a"),
        (
            "https://e.com/a?utm_source=x&id=1&UTM_Campaign=y&fbclid=f&gclid=g&mc_cid=1&mc_eid=2&igshid=i"
            "&ref=r&ref_src=s&cmpid=c&ocid=o&spm=s&yclid=y&_hsenc=h&_hsmi=m&mkt_tok=t&msclkid=m&page=2",
            "https://e.com/a?id=1&page=2",
        ),
        ("https://e.com/a?utm_source=x&utm_medium=y", "https://e.com/a"),
        ("https://e.com/a?x=%20y&&z", "https://e.com/a?x=%20y&z"),
        ("https://e.com/search?q=ref&reference=1", "https://e.com/search?q=ref&reference=1"),
        ("  https://e.com/a\n/b  ", "https://e.com/a/b"),
    ],
)
def test_canonical_url(url: str, expected: str) -> None:
    assert canonical_url(url) == expected
    assert canonical_url(expected) == expected  # idempotent


@pytest.mark.parametrize(
    ("url", "base", "expected"),
    [
        ("/a/b", FEED_URL, "https://news.example.com/a/b"),
        ("story.html", FEED_URL, "https://news.example.com/feeds/story.html"),
        ("../x?utm_term=1", FEED_URL, "https://news.example.com/x"),
        ("//cdn.example.net/p", FEED_URL, "https://cdn.example.net/p"),
        ("https://other.example/p", FEED_URL, "https://other.example/p"),
    ],
)
def test_canonical_url_resolves_relative_links(url: str, base: str, expected: str) -> None:
    assert canonical_url(url, base) == expected


@pytest.mark.parametrize(
    "url",
    ["javascript:alert(1)", "data:text/html,<b>x</b>", "mailto:a@b.example", "ftp://e.com/f", "file:///etc/passwd",
     "http://", "http:///path", "https://exa mple.com/", "http://[::1", "https://e.com:99999/", "", "   "],
)
def test_http_url_rejects_non_web_links(url: str) -> None:
    assert http_url(url) is None
    canonical_url(url)  # never raises


def test_relative_link_in_rss_resolved_against_feed_url() -> None:
    entry = only(parse(rss("<item><title>t</title><link>/2024/05/story?utm_campaign=x</link></item>")))
    assert entry.url == "https://news.example.com/2024/05/story"


def test_javascript_link_becomes_none() -> None:
    entry = only(parse(rss("<item><title>t</title><link>javascript:alert(1)</link></item>")))
    assert entry.url is None
    assert entry.identity.startswith("sha256:")


# --- identity and hashing --------------------------------------------------------------------------


def test_identity_prefers_guid_then_url_then_hash() -> None:
    items = """
      <item><title>a</title><guid isPermaLink="false">g-1</guid><link>https://a.example/1</link></item>
      <item><title>b</title><link>https://a.example/2?utm_source=x</link></item>
      <item><title>c</title><pubDate>Tue, 14 May 2024 10:30:00 GMT</pubDate></item>
      <item><title>d</title></item>
    """
    entries = parse(rss(items)).entries
    assert [e.identity for e in entries][:2] == ["g-1", "https://a.example/2"]
    assert entries[2].identity.startswith("sha256:") and entries[3].identity.startswith("sha256:")
    assert entries[2].identity != entries[3].identity
    again = parse(rss(items)).entries
    assert [e.identity for e in again] == [e.identity for e in entries]


def test_guid_identity_does_not_depend_on_feed_url() -> None:
    body = rss("<item><title>t</title><guid>relative-guid-7</guid></item>")
    first = only(parse(body, feed_url="https://a.example/feed"))
    moved = only(parse(body, feed_url="https://b.example/other/feed"))
    assert first.identity == moved.identity == "relative-guid-7"


def test_hash_identity_uses_title_and_date() -> None:
    def item(title: str, date: str) -> str:
        return rss(f"<item><title>{title}</title><pubDate>{date}</pubDate></item>")

    base = only(parse(item("Same", "Tue, 14 May 2024 10:30:00 GMT"))).identity
    assert only(parse(item("Same", "Tue, 14 May 2024 10:30:00 GMT"))).identity == base
    assert only(parse(item("Other", "Tue, 14 May 2024 10:30:00 GMT"))).identity != base
    assert only(parse(item("Same", "Wed, 15 May 2024 10:30:00 GMT"))).identity != base


def test_content_hash_ignores_timestamps_but_not_text() -> None:
    def item(date: str, text: str = "Acme denies the report.") -> str:
        return rss(
            f"<item><title>Acme</title><guid>g</guid><pubDate>{date}</pubDate>"
            f"<description>{text}</description></item>"
        )

    first = only(parse(item("Tue, 14 May 2024 10:30:00 GMT")))
    churned = only(parse(item("Wed, 15 May 2024 11:00:00 +0200")))
    revised = only(parse(item("Tue, 14 May 2024 10:30:00 GMT", "Acme confirms the report.")))
    assert first.published != churned.published
    assert first.content_hash == churned.content_hash
    assert revised.content_hash != first.content_hash
    assert first.identity == churned.identity == revised.identity == "g"


def test_duplicate_identities_in_one_feed_keep_the_first() -> None:
    items = "<item><title>one</title><guid>g</guid></item><item><title>two</title><guid>g</guid></item>"
    assert [e.title for e in parse(rss(items)).entries] == ["one"]


def test_entries_with_nothing_to_show_are_dropped() -> None:
    items = "<item></item><item><title>  </title><description></description></item><item><title>x</title></item>"
    assert [e.title for e in parse(rss(items)).entries] == ["x"]


# --- dates -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("date", "expected"),
    [
        ("Tue, 14 May 2024 10:30:00 +0200", datetime(2024, 5, 14, 8, 30, tzinfo=UTC)),
        ("Tue, 14 May 2024 01:30:00 +0200", datetime(2024, 5, 13, 23, 30, tzinfo=UTC)),
        ("2024-05-14T10:30:00+02:00", datetime(2024, 5, 14, 8, 30, tzinfo=UTC)),
        ("Tue, 14 May 2024 10:30:00 EST", datetime(2024, 5, 14, 15, 30, tzinfo=UTC)),
        ("Thu, 01 Jan 1970 00:00:00 GMT", None),
        ("not a date", None),
    ],
)
def test_published_is_utc(date: str, expected: datetime | None) -> None:
    entry = only(parse(rss(f"<item><title>t</title><pubDate>{date}</pubDate></item>")))
    assert entry.published == expected
    if entry.published is not None:
        assert entry.published.utcoffset() is not None and entry.published.utcoffset().total_seconds() == 0


def test_updated_used_when_no_published() -> None:
    body = """<feed xmlns="http://www.w3.org/2005/Atom"><title>f</title>
      <entry><id>urn:1</id><title>t</title><updated>2024-05-14T10:30:00+02:00</updated></entry></feed>"""
    assert only(parse(body)).published == datetime(2024, 5, 14, 8, 30, tzinfo=UTC)


# --- broken input ----------------------------------------------------------------------------------


def test_broken_xml_keeps_recovered_entries() -> None:
    body = rss("<item><title>Good &nbsp; one</title><link>https://a.example/1</link></item>"
               "<item><title>Unclosed <b>bold</title><link>https://a.example/2</link></item>")
    result = parse(body)
    assert result.error is None
    assert result.warning and "XML syntax error" in result.warning
    assert [e.url for e in result.entries] == ["https://a.example/1", "https://a.example/2"]
    assert result.entries[0].title == "Good one"


def test_truncated_feed_keeps_what_it_has() -> None:
    body = rss("<item><title>first</title><guid>1</guid></item><item><title>sec")[:-30]
    result = parse(body)
    assert result.error is None
    assert result.entries[0].title == "first"


def test_garbage_xml_is_not_a_feed() -> None:
    result = parse(b'<?xml version="1.0"?>\n<root>\n<a></b>\n</root>')
    assert result.entries == ()
    assert result.error == "not a feed: XML syntax error at line 3 (mismatched tag)"
    undeclared = parse(b"<root>\n<a>\n</b>\n</root>")
    assert undeclared.error == "not a feed: XML syntax error at line 3 (mismatched tag)"


@pytest.mark.parametrize("body", [b"", b"   \n\t ", b"\n"])
def test_empty_body(body: bytes) -> None:
    assert parse(body) == ParsedFeed(title=None, entries=(), error="not a feed: empty body")


@pytest.mark.parametrize(
    "body",
    [
        b"<!DOCTYPE html><html><head><title>Login</title></head><body><p>Please sign in</p></body></html>",
        b"<html><body><p>Moved<br></body></html>",
        b'<!doctype html>\n<html lang="en"><meta charset="utf-8"><title>404</title><h1>Not found</h1>',
    ],
)
def test_html_page_is_not_a_feed(body: bytes) -> None:
    result = parse(body)
    assert result.entries == ()
    assert result.error is not None and result.error.startswith("not a feed")
    assert "HTML" in result.error


def test_html_page_that_declares_feeds_names_them() -> None:
    page = (b'<!doctype html><html><head><title>Kestrel Rail news</title>'
            b'<link rel="alternate" type="application/rss+xml" href="/news/rss.xml">'
            b'<link rel="alternate" type="application/atom+xml" href="https://kestrel.example/atom">'
            b'</head><body><p>Latest</p></body></html>')
    result = parse_feed(page, feed_url="https://kestrel.example/news/")
    assert result.error is not None and "HTML" in result.error
    assert result.error.endswith("the page declares a feed: https://kestrel.example/news/rss.xml (and 1 more)")
    assert "declares" not in (parse(b"<html><body><p>Moved<br></body></html>").error or "")


def test_body_that_looks_like_a_path_is_not_opened() -> None:
    # feedparser.parse(bytes) would open() a filename; we pass a stream, so this is just bad XML.
    result = parse(b"/etc/passwd")
    assert result.entries == ()
    assert result.error is not None and result.error.startswith("not a feed")


@pytest.mark.parametrize(
    "body",
    [
        b"\xff\xfe\x00\x00garbage",
        b"\x00" * 100,
        bytes(range(256)) * 10,
        b"<rss>" * 5000,
        b"<" * 100_000,
        b"<rss version='2.0'><channel><item><title>" + b"<b>" * 20_000,
        b'{"version": "https://jsonfeed.org/version/1.1", "items": []}',
        b"<?xml version='1.0' encoding='no-such-codec'?><rss version='2.0'><channel><title>x</title></channel></rss>",
    ],
)
def test_never_raises_on_junk(body: bytes) -> None:
    start = time.perf_counter()
    result = parse(body)
    assert time.perf_counter() - start < 3
    assert isinstance(result, ParsedFeed)
    assert result.error is None or result.error.startswith("not a feed")


def test_non_bytes_input_is_an_error_not_an_exception() -> None:
    result = parse_feed("<rss/>", feed_url=FEED_URL)  # type: ignore[arg-type]
    assert result.error is not None and result.entries == ()


# --- encodings -------------------------------------------------------------------------------------


def test_declared_utf8_with_latin1_bytes_does_not_raise() -> None:
    body = rss("<item><title>Caf\xe9 owner fined</title><guid>1</guid></item>").encode("latin-1")
    result = parse(body)
    assert result.error is None
    entry = result.entries[0]
    assert entry.title.startswith("Caf") and entry.title.endswith("owner fined")


def test_utf16_body() -> None:
    body = rss("<item><title>Zürich • 東京</title><guid>1</guid></item>").replace('"utf-8"', '"utf-16"')
    for encoded in (body.encode("utf-16"), body.encode("utf-16-le"), body.encode("utf-16-be")):
        entry = only(parse(encoded))
        assert entry.title == "Zürich • 東京"


def test_http_charset_overrides_xml_declaration() -> None:
    body = rss("<item><title>Caf\xe9 cr\xe8me</title><guid>1</guid></item>").encode("latin-1")
    result = parse(body, content_type="application/rss+xml; charset=ISO-8859-1")
    assert only(result).title == "Café crème"


def test_http_charset_when_no_declaration() -> None:
    xml = '<rss version="2.0"><channel><title>t</title><item><title>\u00c5rhus \u20ac5</title></item></channel></rss>'
    entry = only(parse(xml.encode("cp1252"), content_type="text/xml; charset=windows-1252"))
    assert entry.title == "Århus €5"


# --- hostile documents -----------------------------------------------------------------------------


def _billion_laughs(separator: str = "\n") -> bytes:
    decls = ['<!ENTITY lol "lol">'] + [
        f'<!ENTITY lol{i} "' + (f"&lol{i - 1};" if i > 1 else "&lol;") * 10 + '">' for i in range(1, 10)
    ]
    return (
        '<?xml version="1.0"?>\n<!DOCTYPE rss [' + separator + separator.join(decls) + "]>\n"
        '<rss version="2.0"><channel><title>&lol9;</title>'
        "<item><title>&lol9;</title><description>&lol9;</description></item></channel></rss>"
    ).encode()


@pytest.mark.parametrize(
    "body",
    [_billion_laughs(), _billion_laughs(""), _billion_laughs().decode().encode("utf-16")],
    ids=["multiline", "one-line", "utf-16"],
)
def test_billion_laughs_is_refused_quickly(body: bytes) -> None:
    start = time.perf_counter()
    result = parse(body)
    assert time.perf_counter() - start < 2
    assert result.entries == ()
    assert result.error == "not a feed: refused DTD entities that reference other entities (entity expansion attack)"


def test_quadratic_entity_blowup_is_refused_quickly() -> None:
    # One 100 KB entity used 1,000 times: no nesting, but 100 MB of text (8 s and 400 MB unguarded).
    body = (
        '<?xml version="1.0"?>\n<!DOCTYPE rss [\n<!ENTITY a "' + "A" * 100_000 + '">\n]>\n'
        '<rss version="2.0"><channel><item><title>' + "&a;" * 1000 + "</title></item></channel></rss>"
    ).encode()
    start = time.perf_counter()
    result = parse(body)
    assert time.perf_counter() - start < 2
    assert result.error is not None and "refused DTD entities" in result.error


def test_small_literal_entities_still_work() -> None:
    body = (
        '<!DOCTYPE rss [\n  <!ENTITY id "tag:example.com,">\n]>\n'
        '<rss version="2.0"><channel><item><guid isPermaLink="false">&id;2024:1</guid><title>t</title></item>'
        "</channel></rss>"
    )
    assert only(parse(body)).identity == "tag:example.com,2024:1"


def test_external_entities_are_not_read(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-VALUE", encoding="utf-8")
    body = (
        f'<?xml version="1.0"?>\n<!DOCTYPE rss [\n<!ENTITY xxe SYSTEM "{secret.as_uri()}">\n]>\n'
        '<rss version="2.0"><channel><item><title>a &xxe; b</title><guid>1</guid></item></channel></rss>'
    )
    result = parse(body)
    assert result.error is None
    assert "TOP-SECRET" not in result.entries[0].title


def test_huge_body_parses() -> None:
    paragraph = "<p>" + "Lorem ipsum dolor sit amet, <b>consectetur</b> adipiscing elit. " * 20 + "</p>"
    items = "".join(
        f"<item><title>Long {i}</title><guid>g{i}</guid><link>https://a.example/{i}</link>"
        f"<description><![CDATA[{paragraph * 80}]]></description></item>"
        for i in range(50)
    )
    body = rss(items).encode()
    assert len(body) > 5_000_000
    start = time.perf_counter()
    result = parse(body)
    assert time.perf_counter() - start < 15
    assert result.error is None and len(result.entries) == 50
    assert all(len(e.summary) <= MAX_TEXT_CHARS + 1 for e in result.entries)
    assert not TAG.search(result.entries[0].summary)


def test_many_small_entries() -> None:
    items = "".join(
        f"<item><title>Story {i}</title><guid>g{i}</guid><pubDate>Tue, 14 May 2024 10:30:00 GMT</pubDate>"
        f"<description>&lt;p&gt;Text {i}&lt;/p&gt;</description></item>"
        for i in range(2000)
    )
    result = parse(rss(items))
    assert len(result.entries) == 2000
    assert result.entries[-1].summary == "Text 1999"
