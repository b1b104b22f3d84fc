"""EntryText (bot/match/reading.py): each shared value equals what fold / word_set give directly.

Change detection reads the matcher's EntryText instead of folding sentences again; these tests
pin that every value is the one the direct computation gives, on ASCII and non-ASCII text,
sentences with their own line breaks, and digits that only folding makes.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from importlib import resources

import pytest
import yaml

from bot.match import Matcher, Thresholds, detect_changes
from bot.match.changes import _cue_hits
from bot.match.cues import _all_languages, cue_book, required_words
from bot.match.gate import word_set
from bot.match.matcher import entry_sentences
from bot.match.normalise import fold
from bot.match.reading import EntryText
from bot.models import ClaimState, Entry, Status, TopicState

CASES = [
    ["Orion fired 40 staff.", "The review is ongoing."],
    ["Microsoft’s “Azure” cloud held Unit 8200’s calls.", "Israël's ministry – denied it.", "x² rose"],
    ["ΟΔΟΣ ΣΟΦΙΑΣ.", "Straße naïve café_ok under_score", "½ of the 3rd"],
    ["a line\nwith its own break", "next"],
    [],
    [""],
    ["ASCII only here.", "Dépôt non-ASCII there."],
]


def random_entries(seed: int, alphabet: str, entries: int, *, max_chars: int,
                   sentences: tuple[int, int]) -> Iterator[list[str]]:
    """`entries` lists of random sentences (between sentences[0] and sentences[1] - 1 of them,
    each shorter than max_chars) over `alphabet`, the same for the same seed."""
    rng = random.Random(seed)
    for _ in range(entries):
        yield ["".join(rng.choice(alphabet) for _ in range(rng.randrange(0, max_chars)))
               for _ in range(rng.randrange(*sentences))]


@pytest.mark.parametrize("sentences", CASES)
def test_entry_text_equals_direct_computation(sentences: list[str]) -> None:
    text = EntryText(sentences, 1)
    assert text.sentences == tuple(sentences)
    assert text.folded == fold("\n".join(sentences))
    assert text.words == word_set(text.folded)
    assert text.lines == tuple(fold(s) for s in sentences)
    assert [frozenset(text.words_of(i)) for i in range(len(sentences))] == [word_set(fold(s)) for s in sentences]
    assert [text.has_digit(i) for i in range(len(sentences))] == [any(c.isdecimal() for c in fold(s))
                                                                  for s in sentences]
    assert text.same_sentences(list(sentences))
    assert not text.same_sentences([*sentences, "another"])


def test_folding_makes_a_digit() -> None:
    """"x²" has no decimal digit until NFKD folds it to "x2": the figure test reads folded text."""
    text = EntryText(["The area grew to 5 km²", "x² only"])
    assert (text.has_digit(0), text.has_digit(1)) == (True, True)
    assert not EntryText(["no digit", "none here"]).has_digit(1)


def test_random_text_matches_direct_computation() -> None:
    alphabet = "abcXYZ019 .,;'’-–_\né“”²½Σσς"
    for sentences in random_entries(3, alphabet, 200, max_chars=30, sentences=(0, 5)):
        text = EntryText(sentences)
        assert text.words == word_set(fold("\n".join(sentences)))
        assert text.lines == tuple(fold(s) for s in sentences)
        assert [frozenset(text.words_of(i)) for i in range(len(sentences))] == [word_set(fold(s))
                                                                                for s in sentences]


def test_cue_hits_same_from_sentences_and_entry_text() -> None:
    sentences = ["Orion settled the lawsuit on Monday.", "The harbour audit has concluded.",
                 "Nothing here.", "Regulators have not confirmed the fine."]
    assert _cue_hits(EntryText(sentences)) == _cue_hits(sentences)
    only = frozenset({1, 3})
    assert _cue_hits(EntryText(sentences), only) == _cue_hits(sentences, only)


def _topic() -> TopicState:
    claims = (ClaimState(key="audit", status=Status.ONGOING,
                         statement="The harbour audit of Orion's Rotterdam terminal is ongoing."),
              ClaimState(key="fine", status=Status.ALLEGED, statement="Orion was fined 40 million euros.",
                         figures=("€40 million",)))
    return TopicState(key="orion", title="Orion", keywords=(("orion",),), claims=claims)


def test_results_share_one_entry_text_and_changes_agree_without_it() -> None:
    """The matcher's results carry the entry as read; change detection gives the same changes
    when a result comes without it (built by hand or replaced)."""
    from dataclasses import replace

    topic = _topic()
    entry = Entry(identity="e1", url=None, title="Orion's Rotterdam harbour audit has concluded",
                  summary="", content="The harbour audit of Orion's Rotterdam terminal has concluded. "
                  "Orion was fined 55 million euros, regulators said.", published=None,
                  source="Wire", content_hash="h1")
    matcher = Matcher([topic, replace(topic, key="orion2")], Thresholds())
    first, second = matcher.match(entry)
    assert first.text is not None and first.text is second.text
    assert first.sentences is first.text.sentences
    assert first.text.sentences == tuple(entry_sentences(entry)[0])
    with_text = detect_changes(topic, entry, first, matcher.thresholds)
    without = detect_changes(topic, entry, replace(first, text=None), matcher.thresholds)
    assert with_text and with_text == without
    kinds = {c.kind.value for c in with_text}
    assert {"status_change", "figure_change"} <= kinds


def test_lexical_dump_finds_a_changed_result(tmp_path) -> None:
    """bench/lexical_dump.py, which proves a speed-up changed no result: the same code gives the
    same dump, and a dump that differs in one result is reported (exit 1)."""
    import importlib.util
    from pathlib import Path

    spec = importlib.util.spec_from_file_location(
        "lexical_dump", Path(__file__).parents[1] / "bench" / "lexical_dump.py")
    assert spec is not None and spec.loader is not None
    dump = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(dump)
    first, second = tmp_path / "a.txt", tmp_path / "b.txt"
    assert dump.main([str(first), "--entries", "4", "--no-corpus"]) == 0
    assert dump.main([str(second), "--entries", "4", "--no-corpus", "--compare", str(first)]) == 0
    lines = first.read_text(encoding="utf-8").splitlines()
    assert any(line.startswith("change ") for line in lines)
    i = next(i for i, line in enumerate(lines) if line.startswith("score "))
    lines[i] = lines[i].replace("score=", "score=1")
    first.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert dump.main([str(second), "--entries", "4", "--no-corpus", "--compare", str(first)]) == 1


def test_hedging_words_never_hide_a_hedge() -> None:
    """cues.required_words: a sentence the hedging regex matches always holds one of the words,
    so skipping the regex without them changes nothing (every shipped phrase, glued and spaced
    variants, random text); a written pattern disables the shortcut."""
    book = cue_book()
    assert book.hedging_words is not None
    data = yaml.safe_load(resources.files("bot.match").joinpath("cues.yaml").read_text(encoding="utf-8"))
    phrases = [fold(p) for p in _all_languages(data["hedging"])]
    rng = random.Random(5)
    words = [w for p in phrases for w in p.split()] + ["x", "1", "the"]
    texts = [f"{p}" for p in phrases] + [f"un{p}s" for p in phrases] + [f"a {p}, b" for p in phrases]
    for _ in range(400):
        texts.append("".join(rng.choice(words) + rng.choice([" ", "", "-", "'", ", ", "_"])
                             for _ in range(rng.randrange(1, 8))))
    matched = 0
    for t in texts:
        if book.hedging.search(t) is not None:
            matched += 1
            assert not book.hedging_words.isdisjoint(word_set(t)), t
    assert matched > len(phrases)
    assert required_words(["sources said", r"remains un\w+"]) is None
    assert required_words(["sources said", "n't"]) == frozenset({"sources", "n"})


def _digits(texts: list[str] | tuple[str, ...]) -> list[bool]:
    return [any(c.isdecimal() for c in s) for s in texts]  # what `\d` finds


@pytest.mark.parametrize("sentences", CASES)
def test_digit_lines_equal_a_digit_search(sentences: list[str]) -> None:
    text = EntryText(sentences)
    flags = text.digit_lines()
    joined = "\n".join(sentences)
    if sentences and joined.isascii() and "\n" not in "".join(sentences):
        assert flags == _digits(sentences) == _digits(text.lines)  # read by changes and has_digit
    else:
        assert flags is None  # no sentence, non-ASCII, or one with its own line break: searched one by one


def test_digit_lines_on_random_ascii_text() -> None:
    for sentences in random_entries(11, "abcXYZ0129 .,;'`-_\t", 300, max_chars=20, sentences=(1, 6)):
        text = EntryText(sentences)
        assert text.digit_lines() == _digits(sentences)
        assert [text.has_digit(i) for i in range(len(sentences))] == _digits([fold(s) for s in sentences])


def test_line_tokens_with_known_digits_equal_the_searched_ones() -> None:
    """The reader given `digit_lines` tokenises exactly as when it searches each line itself."""
    from bot.match.scorer import _line_tokens, _readable

    for sentences in random_entries(13, "abcXYZ0129 .,;'`-_s", 300, max_chars=20, sentences=(1, 6)):
        text = EntryText(sentences)
        lines = _readable(text.folded).split("\n")
        assert _line_tokens(lines, text.digit_lines()) == _line_tokens(lines)
