"""bench/pages.py: every layout's page, read by the bot's extraction, gives back the article's
paragraphs and none of the other stories' headlines or teasers (synthetic story, no corpus)."""

from __future__ import annotations

import pytest

from bench.matchbench.corpus import make_story
from bench.pages import LAYOUTS, build_pages, layout_of, others_for, page_entries, paragraphs
from bot.parse.article import extract_article

TOPICS = {"topics": [{"key": "harbour", "title": "The Port of Northwick fine",
                      "keywords": [["northwick"], ["harbour", "port"]],
                      "claims": [{"key": "fine", "statement": "The regulator fined the Port of Northwick.",
                                  "status": "alleged"}]}]}


def record(n: int) -> dict:
    text = "\n".join(
        f"Paragraph {k} of story {n}: the Port of Northwick and its harbour authority were the subject "
        f"of hearing number {n * 10 + k}, where witnesses described sludge dumped near pier {k}."
        for k in range(4))
    return {"id": f"story-{n}", "url": f"https://example.test/{n}", "title": f"Northwick harbour hearing {n}",
            "source": "Wire", "published": "2026-03-02", "text": text,
            "expected": {"topics": {"harbour": "yes"}, "claims": [], "changes": []}}


STORY = make_story("synthetic", TOPICS, [record(n) for n in range(8)])


@pytest.mark.parametrize("index", range(len(LAYOUTS)))
def test_each_layout_gives_back_the_article_and_nothing_of_other_stories(index: int) -> None:
    page = list(build_pages(STORY).values())[index]
    got = extract_article(page, url=None, content_type="text/html; charset=utf-8")
    assert got.ok, (layout_of(index), got.error)
    lines, wanted = got.text.split("\n"), paragraphs(STORY.records[index])
    assert [line for line in lines if line in wanted] == wanted, layout_of(index)
    assert len(lines) - len(wanted) <= 4, lines  # the old table layout keeps a byline, an ad label
    for other in others_for(STORY, index):
        assert other.title not in got.text and other.teaser not in got.text, layout_of(index)


def test_page_mode_reads_every_page_through_the_bot() -> None:
    entries = page_entries(STORY)
    assert [e.text_source for e in entries] == ["article_page"] * len(STORY.records)
    for entry, rec in zip(entries, STORY.records, strict=True):
        assert [line for line in entry.content.split("\n") if line in paragraphs(rec)] == paragraphs(rec)
    assert all(len(e.summary) <= 400 for e in entries)


def test_replay_serves_each_record_page_by_id() -> None:
    from bench.matchbench.replay import FEED_KINDS
    from bench.pages import page_provider

    kind = FEED_KINDS["page"]
    assert not kind.full and kind.pages is not None
    provide = kind.pages(STORY)
    page = provide("story-3")
    assert page is not None and paragraphs(STORY.records[3])[0].encode() in page
    assert provide("missing") is None
    assert page_provider(STORY)("story-3") == page
