"""bot.render: sanitising, Discord embeds within limits, terminal text and the JSON interface."""

from __future__ import annotations

import json
import re
import warnings
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

from bot.diff import build_diff
from bot.models import ArticleRef, Change, ChangeKind
from bot.render.embed import (
    COLORS,
    DEFAULT_COLOR,
    EMPTY,
    TOTAL_LIMIT,
    color_for,
    embed_length,
    fit_embed,
    render_digest,
    render_embed,
    safe_url,
    truncate_text,
)
from bot.render.jsonl import change_from_json, change_to_json
from bot.render.sanitize import (
    ZWSP,
    clean,
    code_block_safe,
    escape_markdown,
    neutralise_mentions,
    strip_control,
    utf16_len,
)
from bot.render.terminal import render_terminal

with warnings.catch_warnings():  # discord.py imports the deprecated audioop (Python 3.11)
    warnings.simplefilter("ignore", DeprecationWarning)
    import discord

ARTICLE = ArticleRef(
    url="https://www.theguardian.com/world/2025/sep/25/microsoft-unit-8200",
    title="Microsoft blocks Israel's use of its technology in mass surveillance",
    source="The Guardian",
    published=datetime(2025, 9, 25, 10, 0, tzinfo=UTC),
)
STATEMENT = "Microsoft opened an external review of Azure use by Unit 8200."
EVIDENCE = "Microsoft said it had concluded its review and ceased services to Unit 8200."

VALUES: dict[ChangeKind, tuple[str | None, str | None]] = {
    ChangeKind.STATUS_CHANGE: ("ongoing", "concluded"),
    ChangeKind.FIGURE_CHANGE: ("8,000 TB", "11,500 TB"),
    ChangeKind.NEW_SOURCE: (None, "The Guardian"),
    ChangeKind.DETAIL_CHANGE: (STATEMENT, EVIDENCE),
    ChangeKind.NEW_DEVELOPMENT: (None, None),
    ChangeKind.ARTICLE_REVISED: ("Old headline", "New headline"),
    ChangeKind.MATCH_CHECK: (None, None),
}

HOSTILE = (
    "@everyone @here <@&123> <@!1> <@42> <#5> </admin ban:99> @Moderators "
    "**bold** [link](http://x) ```diff\n+ fake``` \x1b[31mred\x1b[0m \x1b]0;pwned\x07 "
    "# heading\n> quote\n- item\n1. first"
)
# Anything that would still ping, resolve or mention: the neutralised forms contain a ZWSP.
LIVE_MENTION = re.compile(r"@(everyone|here)|<[@#/]|(?<![\w.\u200b])@\w", re.IGNORECASE)


def make(kind: ChangeKind = ChangeKind.STATUS_CHANGE, *, diff: bool = True, **kw: Any) -> Change:
    before, after = VALUES[kind]
    unclaimed = kind is ChangeKind.NEW_DEVELOPMENT
    base: dict[str, Any] = {
        "kind": kind, "topic_key": "microsoft-imod", "topic_title": "Microsoft and the IMOD",
        "claim_key": None if unclaimed else "review",
        "claim_statement": None if unclaimed else STATEMENT,
        "article": ARTICLE, "score": 87.04, "evidence": EVIDENCE,
        "before": before, "after": after, "confident": True,
    }
    base.update(kw)
    change = Change(**base)
    return replace(change, diff=build_diff(change)) if diff else change


def hostile_change(kind: ChangeKind, text: str = HOSTILE, url: str | None = None) -> Change:
    article = ArticleRef(url=url or ARTICLE.url, title=text, source=text, published=None)
    return make(kind, article=article, evidence=text, claim_statement=text,
                before=text, after=text, topic_title=text)


def strings(obj: Any) -> Iterator[str]:
    if isinstance(obj, str):
        yield obj
    elif isinstance(obj, dict):
        for value in obj.values():
            yield from strings(value)
    elif isinstance(obj, list):
        for value in obj:
            yield from strings(value)


def assert_within_limits(embed: dict[str, Any]) -> None:
    obj = discord.Embed.from_dict(embed)
    assert len(obj) <= TOTAL_LIMIT
    assert embed_length(embed) <= TOTAL_LIMIT  # also in UTF-16 units
    assert utf16_len(embed.get("title", "")) <= 256
    assert utf16_len(embed.get("description", "")) <= 4096
    fields = embed.get("fields", [])
    assert len(fields) <= 25
    for field in fields:
        assert 0 < utf16_len(field["name"]) <= 256 and field["name"].strip()
        assert 0 < utf16_len(field["value"]) <= 1024 and field["value"].strip()
    assert utf16_len(embed.get("footer", {}).get("text", "")) <= 2048
    assert utf16_len(embed.get("author", {}).get("name", "")) <= 256
    assert obj.to_dict()  # discord.py accepts it


# --- sanitize -----------------------------------------------------------------------------


@pytest.mark.parametrize("raw", [
    "@everyone", "@here", "<@&123>", "<@!1>", "<@42>", "<#5>", "</cmd:123>", "</a b:1>",
    "@Moderators", "ping @everyone now", "x@here", "\u200b@everyone", "@EVERYONE",
])
def test_neutralise_mentions(raw: str) -> None:
    out = neutralise_mentions(raw)
    assert ZWSP in out
    assert not LIVE_MENTION.search(out)
    assert out.replace(ZWSP, "") == raw.replace(ZWSP, "")  # nothing else changes


def test_neutralise_leaves_emails_and_is_idempotent() -> None:
    assert neutralise_mentions("press@example.com") == "press@example.com"
    once = neutralise_mentions(HOSTILE)
    assert neutralise_mentions(once).replace(ZWSP, "") == once.replace(ZWSP, "")


def test_escape_markdown() -> None:
    assert escape_markdown("**bold** [link](http://x)") == r"\*\*bold\*\* \[link\](http://x)"
    assert escape_markdown("a_b ~~s~~ `c` |spoil| \\") == r"a\_b \~\~s\~\~ \`c\` \|spoil\| \\"
    assert escape_markdown("# h\n## h2\n-# sub\n> q\n- item\n+ item\n12. n") == (
        "\\# h\n\\## h2\n\\-# sub\n\\> q\n\\- item\n\\+ item\n12\\. n"
    )
    assert escape_markdown("well-known 3.5 #tag") == "well-known 3.5 #tag"


def test_escape_markdown_leaves_urls_intact() -> None:
    url = "https://example.com/a_b*c~d"
    assert escape_markdown(f"see {url}.") == f"see {url}."
    assert escape_markdown(f"**{url}**") == f"\\*\\*{url}\\*\\*"


def test_strip_control_removes_terminal_escapes() -> None:
    raw = "a\x1b[31mb\x1b[0m\x1b]0;title\x07c\x1b]8;;http://x\x1b\\d\x07e\x9bf\u202eg\x00h\tok\nnext"
    assert strip_control(raw) == "abcdefgh\tok\nnext"


def test_clean_collapses_truncates_and_escapes() -> None:
    out = clean("  **a**\n\n@everyone\x1b[2J  " + "x" * 500, 50)
    assert utf16_len(out) <= 50 and out.endswith("…")
    assert out.startswith(r"\*\*a\*\* @" + ZWSP + "everyone")
    assert "\n" not in out and "\x1b" not in out


def test_clean_never_leaves_a_dangling_escape() -> None:
    for limit in range(2, 30):
        out = clean("*" * 40, limit)
        body = out.removesuffix("…")
        assert (len(body) - len(body.rstrip("\\"))) % 2 == 0
        assert utf16_len(out) <= limit


def test_code_block_safe_breaks_fences_but_does_not_escape() -> None:
    out = code_block_safe("a ``` b ```` c **d** @here")
    assert "```" not in out and "``" not in out
    assert "**d**" in out
    assert "@" + ZWSP + "here" in out


# --- embeds ---------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", list(ChangeKind))
def test_every_kind_renders_an_embed(kind: ChangeKind) -> None:
    change = make(kind)
    embed = render_embed(change)
    assert_within_limits(embed)
    assert embed["color"] == COLORS[kind]
    assert embed["url"] == ARTICLE.url
    assert embed["timestamp"] == "2025-09-25T10:00:00+00:00"
    assert embed["description"].startswith("```diff\n")
    assert embed["description"].endswith("\n```")
    assert change.diff.splitlines()[0] in embed["description"]
    names = [f["name"] for f in embed["fields"]]
    assert names[:1] == ["Topic"]
    assert {"Change", "Score", "Source", "Published", "Evidence"} <= set(names)
    assert ("Claim" in names) == (kind is not ChangeKind.NEW_DEVELOPMENT)
    footer = embed["footer"]["text"]
    assert footer.startswith("Dossier · microsoft-imod")
    assert footer.endswith("review") == (kind is not ChangeKind.NEW_DEVELOPMENT)
    assert discord.Embed.from_dict(embed).title == embed["title"]


def test_colours_are_distinct() -> None:
    assert len(set(COLORS.values())) == len(ChangeKind) == len(COLORS)
    assert DEFAULT_COLOR not in COLORS.values()
    assert color_for("something_new") == DEFAULT_COLOR


def test_status_embed_content() -> None:
    embed = render_embed(make(ChangeKind.STATUS_CHANGE))
    assert embed["title"] == "Status change: " + escape_markdown(ARTICLE.title)
    assert embed["description"] == "```diff\n- status: ongoing\n+ status: concluded\n```"
    fields = {f["name"]: f["value"] for f in embed["fields"]}
    assert fields["Score"] == "87.0"
    assert fields["Source"] == "The Guardian"
    assert fields["Claim"] == f"**review** — {STATEMENT}"
    assert fields["Evidence"] == "> " + EVIDENCE
    assert fields["Published"] == f"<t:{int(ARTICLE.published.timestamp())}:f>"  # type: ignore[union-attr]


def test_proposed_change_is_labelled() -> None:
    embed = render_embed(make(ChangeKind.FIGURE_CHANGE, confident=False))
    assert embed["description"].startswith("*Proposed")
    fields = {f["name"]: f["value"] for f in embed["fields"]}
    assert fields["Change"] == "Figure change (proposed)"


def test_missing_diff_is_built() -> None:
    embed = render_embed(make(ChangeKind.FIGURE_CHANGE, diff=False))
    assert "- figures: 8,000 TB" in embed["description"]


def test_unknown_published_and_naive_datetime() -> None:
    undated = replace(ARTICLE, published=None)
    embed = render_embed(make(article=undated))
    assert "timestamp" not in embed
    assert {f["name"]: f["value"] for f in embed["fields"]}["Published"] == "unknown"
    naive = replace(ARTICLE, published=datetime(2025, 9, 25, 10, 0))
    assert render_embed(make(article=naive))["timestamp"] == "2025-09-25T10:00:00+00:00"
    other = replace(ARTICLE, published=datetime(2025, 9, 25, 12, 0,
                                                 tzinfo=timezone(timedelta(hours=2))))
    assert render_embed(make(article=other))["timestamp"] == "2025-09-25T10:00:00+00:00"


@pytest.mark.parametrize("url", [
    "javascript:alert(1)", "JavaScript:alert(1)", " javascript:alert(1)", "data:text/html,x",
    "file:///etc/passwd", "ftp://example.com/x", "http://", "https://exa mple.com/",
    "https://example.com/\x00", "//example.com/x", "not a url", "", None,
    "https://example.com/" + "a" * 3000,
])
def test_unsafe_urls_are_not_used(url: str | None) -> None:
    assert safe_url(url) is None
    article = replace(ARTICLE, url=url)
    embed = render_embed(make(article=article))
    assert "url" not in embed
    assert_within_limits(embed)
    digest = render_digest([make(article=article)], title="Backlog")
    assert "](" not in digest["description"]


def test_safe_url_quotes_parentheses_and_unicode() -> None:
    assert safe_url("https://en.wikipedia.org/wiki/Unit_8200_(IDF)") == \
        "https://en.wikipedia.org/wiki/Unit_8200_%28IDF%29"
    assert safe_url("https://example.com/é?q=1&r=2#f") == "https://example.com/%C3%A9?q=1&r=2#f"
    assert safe_url("HTTPS://Example.com/x") == "HTTPS://Example.com/x"


@pytest.mark.parametrize("kind", list(ChangeKind))
def test_mentions_are_neutralised_in_every_embed_string(kind: ChangeKind) -> None:
    embed = render_embed(hostile_change(kind))
    assert_within_limits(embed)
    for text in strings(embed):
        assert not LIVE_MENTION.search(text), text


@pytest.mark.parametrize("kind", list(ChangeKind))
def test_markdown_injection_is_escaped(kind: ChangeKind) -> None:
    embed = render_embed(hostile_change(kind, "**bold** [link](http://x) __u__ ||s||"))
    escaped = r"\*\*bold\*\* \[link\](http://x) \_\_u\_\_ \|\|s\|\|"
    assert escaped in embed["title"]
    fields = {f["name"]: f["value"] for f in embed["fields"]}
    assert fields["Evidence"] == "> " + escaped
    assert fields["Source"] == escaped
    assert escaped in fields["Topic"]
    if "Claim" in fields:
        assert escaped in fields["Claim"]
    for text in [embed["title"], *fields.values()]:
        assert "**bold**" not in text and "[link](" not in text


def _assert_one_closed_block(description: str) -> None:
    assert description.count("```") == 2
    start = description.index("```diff\n")
    assert description.endswith("\n```")
    assert start == 0 or description[start - 1] == "\n"


@pytest.mark.parametrize("kind", list(ChangeKind))
def test_backticks_cannot_break_the_diff_block(kind: ChangeKind) -> None:
    text = "a ``` **escape** ```` b\n```\n@everyone `` c"
    embed = render_embed(hostile_change(kind, text))
    _assert_one_closed_block(embed["description"])
    assert_within_limits(embed)


@pytest.mark.parametrize("kind", list(ChangeKind))
@pytest.mark.parametrize("filler", ["x", "🙂", "`", "*", "@everyone ", "\n"])
def test_huge_inputs_stay_within_every_limit(kind: ChangeKind, filler: str) -> None:
    huge = filler * (100_000 // len(filler))
    change = make(
        kind, article=ArticleRef(url=ARTICLE.url, title=huge, source=huge, published=None),
        evidence=huge, claim_statement=huge, before=huge, after=huge,
        topic_title=huge, claim_key="k" * 500, topic_key="t" * 500,
    )
    embed = render_embed(change)
    assert_within_limits(embed)
    _assert_one_closed_block(embed["description"])
    for text in strings(embed):
        assert not LIVE_MENTION.search(text)


def test_huge_multiline_diff_is_cut_at_lines() -> None:
    diff = "\n".join(f"+ line {i} " + "y" * 50 for i in range(500))
    embed = render_embed(replace(make(ChangeKind.DETAIL_CHANGE), diff=diff))
    assert_within_limits(embed)
    _assert_one_closed_block(embed["description"])
    assert "… (truncated)\n```" in embed["description"]
    assert "+ line 0 " in embed["description"]


# --- fit_embed ------------------------------------------------------------------------------


def test_fit_embed_enforces_each_limit() -> None:
    raw = {
        "title": "T" * 1000,
        "description": "D" * 10_000,
        "fields": [{"name": "N" * 300, "value": "V" * 2000, "inline": True} for _ in range(40)],
        "footer": {"text": "F" * 3000},
        "author": {"name": "A" * 300},
    }
    out = fit_embed(raw)
    assert_within_limits(out)
    assert out["title"].endswith("…")
    assert raw["title"] == "T" * 1000  # input untouched
    assert len(raw["fields"]) == 40


def test_fit_embed_prefers_shrinking_description_over_dropping_fields() -> None:
    raw = {
        "title": "t", "description": "D" * 4096,
        "fields": [{"name": f"f{i}", "value": "v" * 100, "inline": False} for i in range(20)],
    }
    out = fit_embed(raw)
    assert_within_limits(out)
    assert len(out["fields"]) == 20
    assert out["description"].endswith("…")


def test_fit_embed_fills_empty_names_and_values() -> None:
    out = fit_embed({"title": "x", "fields": [{"name": "", "value": ""}, {"name": " ", "value": None}]})
    assert out["fields"] == [
        {"name": EMPTY, "value": EMPTY, "inline": False},
        {"name": EMPTY, "value": EMPTY, "inline": False},
    ]
    discord.Embed.from_dict(out)


def test_fit_embed_keeps_small_embed_unchanged() -> None:
    embed = render_embed(make())
    assert fit_embed(embed) == embed


def test_truncate_text_closes_an_open_code_block() -> None:
    text = "intro\n```diff\n" + "\n".join(f"+ {i}" for i in range(100)) + "\n```\nafter"
    for limit in (10, 16, 20, 40, 100, 200):
        out = truncate_text(text, limit)
        assert utf16_len(out) <= limit
        assert out.count("```") % 2 == 0, out
        assert "…" in out


def test_truncate_text_field_value_with_block() -> None:
    out = fit_embed({"fields": [{"name": "Diff", "value": "```diff\n" + "+ x\n" * 600 + "```"}]})
    value = out["fields"][0]["value"]
    assert len(value) <= 1024 and value.endswith("\n…\n```") and value.count("```") == 2


# --- digest ---------------------------------------------------------------------------------


def test_digest_of_fifty_changes() -> None:
    changes = [
        make(list(ChangeKind)[i % len(ChangeKind)],
             article=replace(ARTICLE, title=f"Story {i} " + HOSTILE * 50,
                             url=f"https://example.com/{i}",
                             published=ARTICLE.published + timedelta(hours=i)))  # type: ignore[operator]
        for i in range(50)
    ]
    embed = render_digest(changes, title="Backlog: @everyone **Microsoft**")
    assert_within_limits(embed)
    lines = embed["description"].splitlines()
    assert lines[-1] == "… and 30 more"
    assert len(lines) == 21
    assert lines[0].startswith("• **Status change** · review · [Story 0 ")
    assert "](https://example.com/0) — " in lines[0]
    assert embed["title"] == "Backlog: @" + ZWSP + r"everyone \*\*Microsoft\*\*"
    assert embed["color"] == DEFAULT_COLOR
    assert embed["footer"]["text"] == "Dossier · 50 updates"
    assert embed["timestamp"] == "2025-09-27T11:00:00+00:00"
    for text in strings(embed):
        assert not LIVE_MENTION.search(text)


def test_digest_cuts_by_size_too() -> None:
    huge = "z" * 100_000
    changes = [make(article=replace(ARTICLE, title=huge, source=huge)) for _ in range(50)]
    embed = render_digest(changes, title=huge, max_items=50)
    assert_within_limits(embed)
    assert embed["description"].endswith("more")
    assert embed["color"] == COLORS[ChangeKind.STATUS_CHANGE]


def test_digest_empty_and_single() -> None:
    assert render_digest([], title="Nothing")["description"] == "No updates."
    one = render_digest([make()], title="One")
    assert "more" not in one["description"]
    assert one["footer"]["text"] == "Dossier · 1 update"


# --- terminal -------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", list(ChangeKind))
def test_every_kind_renders_in_terminal(kind: ChangeKind) -> None:
    change = make(kind)
    text = render_terminal(change)
    lines = text.splitlines()
    where = "microsoft-imod" if kind is ChangeKind.NEW_DEVELOPMENT else "microsoft-imod / review"
    asked = "  [question: about this claim?]" if kind is ChangeKind.MATCH_CHECK else ""
    assert lines[0] == f"[{kind}] {where}  (score 87){asked}"
    assert lines[1] == f"The Guardian — {ARTICLE.title} — {ARTICLE.url} — 2025-09-25"
    for diff_line in change.diff.splitlines():
        assert diff_line in lines
    assert lines[-1].startswith("> ")
    assert "\x1b" not in text


def test_terminal_example() -> None:
    text = render_terminal(make(ChangeKind.STATUS_CHANGE, confident=False, score=86.5))
    assert text == (
        "[status_change] microsoft-imod / review  (score 86.5)  [proposed]\n"
        f"The Guardian — {ARTICLE.title} — {ARTICLE.url} — 2025-09-25\n"
        "- status: ongoing\n"
        "+ status: concluded\n"
        f"> {EVIDENCE}"
    )


def test_terminal_colours() -> None:
    text = render_terminal(make(ChangeKind.FIGURE_CHANGE), color=True)
    assert "\x1b[31m- figures: 8,000 TB\x1b[0m" in text
    assert "\x1b[32m+ figures: 11,500 TB\x1b[0m" in text
    assert text.startswith("\x1b[1m[figure_change]")


@pytest.mark.parametrize("color", [False, True])
@pytest.mark.parametrize("kind", list(ChangeKind))
def test_terminal_strips_escapes_and_mentions(kind: ChangeKind, color: bool) -> None:
    change = hostile_change(kind)
    change = replace(change, diff=change.diff + "\n+ \x1b]0;pwned\x07 \x1b[2J @everyone")
    text = render_terminal(change, color=color)
    assert "pwned" not in text and "[2J" not in text and "[31mred" not in text
    assert "\x07" not in text and "\x9b" not in text
    ours = re.sub(r"\x1b\[[0-9;]*m", "", text) if color else text
    assert "\x1b" not in ours
    assert not LIVE_MENTION.search(text)


def test_terminal_caps_huge_inputs() -> None:
    huge = "w" * 100_000
    change = make(article=replace(ARTICLE, title=huge, source=huge, url=huge),
                  evidence=huge, before=huge, after=huge)
    assert len(render_terminal(change)) < 5000


# --- jsonl ----------------------------------------------------------------------------------

KEYS = {"topic", "topic_title", "claim", "change", "article", "score", "evidence", "before",
        "after", "diff", "confident", "text_source", "text_source_note", "corroborated_by"}


@pytest.mark.parametrize("kind", list(ChangeKind))
def test_json_keys_are_exactly_the_interface(kind: ChangeKind) -> None:
    payload = change_to_json(make(kind))
    assert set(payload) == KEYS
    assert set(payload["article"]) == {"url", "title", "source", "published"}
    assert payload["change"] == kind.value
    assert payload["claim"] == (None if kind is ChangeKind.NEW_DEVELOPMENT else "review")
    json.loads(json.dumps(payload, ensure_ascii=False))


def test_json_values() -> None:
    payload = change_to_json(make(ChangeKind.FIGURE_CHANGE, confident=False))
    assert payload == {
        "topic": "microsoft-imod",
        "topic_title": "Microsoft and the IMOD",
        "claim": "review",
        "change": "figure_change",
        "article": {"url": ARTICLE.url, "title": ARTICLE.title, "source": "The Guardian",
                    "published": "2025-09-25T10:00:00Z"},
        "score": 87.0,
        "evidence": EVIDENCE,
        "before": "8,000 TB",
        "after": "11,500 TB",
        "diff": "- figures: 8,000 TB\n+ figures: 11,500 TB",
        "confident": False,
        "text_source": None,
        "text_source_note": None,
        "corroborated_by": [],
    }


def test_json_names_the_text_source() -> None:
    change = replace(make(ChangeKind.STATUS_CHANGE), text_source="feed_summary",
                     text_source_note="article page not used: HTTP 404\x1b[31m")
    payload = change_to_json(change)
    assert payload["text_source"] == "feed_summary"
    assert payload["text_source_note"] == "article page not used: HTTP 404"  # escape stripped
    back = change_from_json(payload)
    assert (back.text_source, back.text_source_note) == ("feed_summary", payload["text_source_note"])


def test_json_is_raw_text_without_controls() -> None:
    change = hostile_change(ChangeKind.ARTICLE_REVISED, "**Ünïcode** @everyone\x1b[31m — “q”\x00")
    payload = change_to_json(change)
    assert payload["article"]["title"] == "**Ünïcode** @everyone — “q”"
    assert payload["article"]["published"] is None
    dumped = json.dumps(payload, ensure_ascii=False)
    assert "Ünïcode" in dumped and "\\u001b" not in dumped and "\x1b" not in dumped


def test_json_published_in_utc_and_score_rounded() -> None:
    other = replace(ARTICLE, published=datetime(2025, 9, 25, 12, 30,
                                                tzinfo=timezone(timedelta(hours=2))))
    payload = change_to_json(make(article=other, score=66.666))
    assert payload["article"]["published"] == "2025-09-25T10:30:00Z"
    assert payload["score"] == 66.7


def test_json_round_trip_for_console() -> None:
    for kind in ChangeKind:
        change = make(kind)
        back = change_from_json(json.loads(json.dumps(change_to_json(change))))
        assert back.kind is kind and back.diff == change.diff
        assert back.article == change.article
        assert back.claim_key == change.claim_key
        assert render_terminal(back) == render_terminal(replace(change, score=87.0))


def test_change_from_json_tolerates_odd_payloads() -> None:
    back = change_from_json({"change": "mystery", "score": "x", "article": {"published": "bad"}})
    assert back.kind is ChangeKind.NEW_DEVELOPMENT
    assert back.score == 0.0 and back.article.published is None
    render_terminal(back)


def test_why_features_read_as_words():
    from bot.discord_bot.format import features_text

    text = features_text({"coverage": 0.613, "distinctive_hit": 3.0, "window": 2.0, "verb": 0.75,
                          "anchor": 1.0, "actor": 0.25, "explained_by": "@everyone", "in_title": 1.0})
    assert "61% of the claim's weight" in text and "3 distinctive terms" in text and "two sentences" in text
    assert "claim's action missing ×0.75" in text and "another organisation acts ×0.25" in text
    assert "named actors" not in text and "in the title" in text
    assert "better explained by" in text and "@everyone" not in text  # feed-derived keys stay inert
    assert features_text({"estimate": 1.0, "terms_hit": 2.0}).startswith("below the review threshold")
    assert "penalties ×0.6" in features_text({"coverage": 0.2, "penalty": 0.6})
    both = features_text({"coverage": 0.2, "lexical": 31.0, "semantic": 62.5, "cosine": 0.531})
    assert both.startswith("lexical 31 + semantic 62 (cosine 0.53)")  # /why shows both parts



def test_embed_and_terminal_say_when_the_change_was_found_in_the_page() -> None:
    change = replace(make(ChangeKind.STATUS_CHANGE), text_source="article_page")
    assert render_embed(change)["footer"]["text"].endswith("found in the article page")
    assert "found in the article page" in render_terminal(change)
    plain = make(ChangeKind.STATUS_CHANGE)
    assert "article page" not in render_embed(plain)["footer"]["text"]
    assert "article page" not in render_terminal(plain)
