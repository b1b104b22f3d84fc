"""bot.diff: word diff and the per-kind "what changed" lines."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from bot.diff import build_diff, word_diff
from bot.diff.words import grouped_lines
from bot.models import ArticleRef, Change, ChangeKind

ARTICLE = ArticleRef(
    url="https://www.theguardian.com/world/2025/sep/25/microsoft-unit-8200",
    title="Microsoft blocks Israel's use of its technology in mass surveillance",
    source="The Guardian",
    published=datetime(2025, 9, 25, 10, 0, tzinfo=UTC),
)
STATEMENT = (
    "Microsoft stored 8,000 TB of intercepted calls in Azure data centres in the "
    "Netherlands and Ireland, according to leaked documents."
)
EVIDENCE = (
    "Microsoft stored 11,500 TB of intercepted calls in Azure data centres in the "
    "Netherlands and Ireland, according to leaked documents seen by the Guardian."
)


def make(kind: ChangeKind, **kw: object) -> Change:
    base: dict[str, object] = {
        "kind": kind, "topic_key": "microsoft-imod", "topic_title": "Microsoft and the IMOD",
        "claim_key": "storage", "claim_statement": STATEMENT, "article": ARTICLE,
        "score": 87.0, "evidence": EVIDENCE, "before": None, "after": None, "confident": True,
    }
    base.update(kw)
    return Change(**base)  # type: ignore[arg-type]


# --- word_diff ------------------------------------------------------------------------------


def test_word_diff_groups_runs() -> None:
    assert word_diff("the cat sat on the mat", "the dog sat on the mat") == [
        (" ", "the"), ("-", "cat"), ("+", "dog"), (" ", "sat on the mat"),
    ]


def test_word_diff_keeps_punctuation_with_words_and_ignores_case() -> None:
    ops = word_diff("It stored 8,000 TB.", "it stored 11,500 TB!")
    assert ops == [(" ", "it stored"), ("-", "8,000"), ("+", "11,500"), (" ", "TB!")]


def test_word_diff_insert_delete_and_empty() -> None:
    assert word_diff("", "") == []
    assert word_diff("", "new words") == [("+", "new words")]
    assert word_diff("old words", "") == [("-", "old words")]
    assert word_diff("a b c", "a c") == [(" ", "a"), ("-", "b"), (" ", "c")]


def test_word_diff_reconstructs_both_sides() -> None:
    old, new = STATEMENT, EVIDENCE
    ops = word_diff(old, new)
    assert " ".join(t for op, t in ops if op != "+").lower().replace(".", "") == \
        old.lower().replace(".", "")
    assert " ".join(t for op, t in ops if op != "-") == new


def test_grouped_lines_show_changed_region_with_context() -> None:
    lines = grouped_lines(STATEMENT, EVIDENCE)
    assert lines[0] == "- Microsoft stored 8,000 TB of intercepted …"
    assert lines[1] == "+ Microsoft stored 11,500 TB of intercepted …"
    assert lines[2] == "+ … to leaked documents seen by the Guardian."
    assert len(lines) == 3  # not one word per line


def test_grouped_lines_caps_hunks() -> None:
    old = " ".join(f"w{i}" for i in range(200))
    new = " ".join(f"w{i}" if i % 10 else f"x{i}" for i in range(200))
    lines = grouped_lines(old, new, max_groups=3)
    assert len(lines) == 7
    assert lines[-1] == "  … 17 more changes"


# --- build_diff -----------------------------------------------------------------------------


def test_status_change() -> None:
    change = make(ChangeKind.STATUS_CHANGE, before="ongoing", after="concluded")
    assert build_diff(change) == "- status: ongoing\n+ status: concluded"


def test_status_change_without_before() -> None:
    assert build_diff(make(ChangeKind.STATUS_CHANGE, after="confirmed")) == "+ status: confirmed"


def test_figure_change() -> None:
    change = make(ChangeKind.FIGURE_CHANGE, before="8,000 TB", after="11,500 TB")
    assert build_diff(change) == "- figures: 8,000 TB\n+ figures: 11,500 TB"


def test_new_source() -> None:
    assert build_diff(make(ChangeKind.NEW_SOURCE, after="+972 Magazine")) == \
        "+ source: +972 Magazine"
    assert build_diff(make(ChangeKind.NEW_SOURCE)) == "+ source: The Guardian"


def test_detail_change_is_word_diff_of_statement_against_evidence() -> None:
    text = build_diff(make(ChangeKind.DETAIL_CHANGE))
    assert text.splitlines() == [
        "- Microsoft stored 8,000 TB of intercepted …",
        "+ Microsoft stored 11,500 TB of intercepted …",
        "+ … to leaked documents seen by the Guardian.",
    ]


def test_detail_change_identical_wording_still_shows_text() -> None:
    text = build_diff(make(ChangeKind.DETAIL_CHANGE, evidence=STATEMENT))
    assert text == "  " + STATEMENT


def test_detail_change_without_statement() -> None:
    assert build_diff(make(ChangeKind.DETAIL_CHANGE, claim_statement=None)) == "+ " + EVIDENCE


def test_new_development() -> None:
    change = make(ChangeKind.NEW_DEVELOPMENT, claim_key=None, claim_statement=None)
    assert build_diff(change) == "+ " + EVIDENCE


def test_new_development_without_evidence_uses_title() -> None:
    change = make(ChangeKind.NEW_DEVELOPMENT, claim_key=None, claim_statement=None, evidence="")
    assert build_diff(change) == "+ " + ARTICLE.title


def test_article_revised() -> None:
    change = make(ChangeKind.ARTICLE_REVISED, before="Old headline", after="New headline")
    assert build_diff(change) == "- Old headline\n+ New headline"


@pytest.mark.parametrize("kind", list(ChangeKind))
def test_every_kind_renders_prefixed_lines(kind: ChangeKind) -> None:
    text = build_diff(make(kind, before="a", after="b"))
    assert text
    assert all(line[:2] in ("- ", "+ ", "  ") for line in text.splitlines())


def test_newlines_in_feed_text_cannot_forge_lines() -> None:
    change = make(ChangeKind.STATUS_CHANGE, before="ongoing\n+ status: retracted",
                  after="concluded\r\n- x")
    lines = build_diff(change).splitlines()
    assert lines == ["- status: ongoing + status: retracted", "+ status: concluded - x"]


def test_long_inputs_are_capped_and_fast() -> None:
    huge = "word " * 20_000
    change = make(ChangeKind.DETAIL_CHANGE, claim_statement=huge + "end",
                  evidence=huge + "finish", before=huge, after=huge)
    text = build_diff(change)
    assert all(len(line) <= 300 for line in text.splitlines())
    for kind in ChangeKind:
        assert all(len(ln) <= 300 for ln in build_diff(replace(change, kind=kind)).splitlines())


def test_deterministic() -> None:
    change = make(ChangeKind.DETAIL_CHANGE)
    assert {build_diff(change) for _ in range(5)} == {build_diff(replace(change))}


def test_callers_store_it_on_the_change() -> None:
    change = make(ChangeKind.FIGURE_CHANGE, before="8,000 TB", after="11,500 TB")
    stored = replace(change, diff=build_diff(change))
    assert stored.diff.startswith("- figures")
