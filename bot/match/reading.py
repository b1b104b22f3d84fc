"""One entry's text, read once and shared by matching and change detection.

Why: the matcher splits an entry into sentences, folds them and takes the word set of the
whole text for the gates; change detection then folded every sentence it read again and
re-derived each sentence's word set for the cue words, once per topic. An `EntryText` holds
the sentences, their folded forms and word sets, computed at most once per entry (the
per-sentence parts lazily, on first use), and every topic's `TopicResult` of the entry points
at the same one (`TopicResult.text`). Nothing here decides anything: each value is exactly what
`fold` / `gate.word_set` give for the same text (pinned by tests/test_match_reading.py).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from bot.match.crosslang import entry_language
from bot.match.normalise import fold

# As gate.word_set: for ASCII text \w is [A-Za-z0-9_], every other character becomes a space;
# line breaks are kept here, so one translate of the entry gives both the entry's word set and
# each sentence's words (a line break is not a word character either way).
_NON_WORD_ASCII_LINES = str.maketrans(
    {c: " " for c in map(chr, range(128)) if not (c.isalnum() or c == "_" or c == "\n")})
_WORDS = re.compile(r"\w+")
_DIGIT = re.compile(r"\d")
# every ASCII byte but the digits and the line break: deleting them leaves each line's digits
_NOT_DIGIT_LINES = bytes(b for b in range(128) if not (48 <= b <= 57 or b == 10))


class EntryText:
    """The sentences of an entry (title first), folded and split into words once.

    `folded` is `fold` of the sentences joined by line breaks and `words` its word set (what the
    gates read). `lines[i]` is `fold(sentences[i])`: taken from `folded` when its lines are the
    sentences (they hold no line break: `entry_sentences` splits at them), else folded one by
    one. Read-only once built; the lazy parts are filled by a single assignment each, so worker
    threads sharing one may at worst compute a part twice.
    """

    __slots__ = ("_ascii", "_digit_lines", "_digits", "_language", "_line_words", "_lines", "_spaced",
                 "folded", "n_title", "sentences", "words")

    def __init__(self, sentences: Sequence[str], n_title: int = 0) -> None:
        self.sentences: tuple[str, ...] = tuple(sentences)
        self.n_title = n_title
        joined = "\n".join(self.sentences)
        self._ascii = joined.isascii()  # O(1): str knows its widest character
        self.folded = fold(joined)
        self._spaced: str | None = None
        if self.folded.isascii():
            self._spaced = self.folded.translate(_NON_WORD_ASCII_LINES)
            self.words = frozenset(self._spaced.split())
        else:
            self.words = frozenset(_WORDS.findall(self.folded))
        self._lines: tuple[str, ...] | None = None
        self._line_words: list[str] | list[None] | None = None  # per sentence: its ASCII words spaced
        self._digits: bool | None = None  # does the entry hold a digit at all
        self._digit_lines: list[bool] | None = None  # per sentence: does it hold a digit
        self._language: str | None = None

    @property
    def lines(self) -> tuple[str, ...]:
        """`fold(sentence)` for each sentence, in order."""
        if self._lines is None:
            lines = self.folded.split("\n")
            if len(lines) != len(self.sentences):  # a sentence with its own line breaks
                lines = [fold(s) for s in self.sentences]
            self._lines = tuple(lines)
        return self._lines

    @property
    def language(self) -> str:
        """The language the entry is read in (`crosslang.entry_language` of its words): read once,
        though the matcher and change detection both need it."""
        if self._language is None:
            self._language = entry_language(self.words)
        return self._language

    def words_of(self, i: int) -> list[str]:
        """The words of sentence `i`: `gate.word_set(fold(sentence))` as a list (a word may repeat),
        for a set operation with it; split from the entry's one translate when it is ASCII."""
        if self._line_words is None:
            spaced = self._spaced.split("\n") if self._spaced is not None else []
            self._line_words = spaced if len(spaced) == len(self.sentences) else [None] * len(self.sentences)
        words = self._line_words[i]
        return words.split() if words is not None else _WORDS.findall(self.lines[i])

    def has_digit(self, i: int) -> bool:
        """Does sentence `i` hold a digit (`\\d`) once folded? Only such a sentence can hold a figure."""
        flags = self.digit_lines()
        if flags is not None:
            return flags[i]
        if self._digits is None:
            self._digits = _DIGIT.search(self.folded) is not None
        return self._digits and _DIGIT.search(self.lines[i]) is not None

    def digit_lines(self) -> list[bool] | None:
        """Per sentence: does it hold a digit (`\\d`)? The same whether the sentence is folded or
        not, as the text is ASCII (where `\\d` is 0-9 and folding only lower-cases and straightens
        backticks); None for other text (`_DIGIT` per sentence then). One C-level pass over the
        entry's bytes instead of a regex scan of each sentence (three readers used to scan)."""
        if self._digit_lines is None and self._ascii:
            parts = self.folded.encode("ascii").translate(None, _NOT_DIGIT_LINES).split(b"\n")
            if len(parts) == len(self.sentences):
                self._digit_lines = [part != b"" for part in parts]
        return self._digit_lines

    def same_sentences(self, sentences: Sequence[str]) -> bool:
        """Was this text read from these sentences (so its per-sentence parts apply to them)?"""
        return sentences is self.sentences or tuple(sentences) == self.sentences


__all__ = ["EntryText"]
