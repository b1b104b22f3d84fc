"""Sentence segmentation: claims are judged on one or two sentences, never on a whole page.

A whole-page score lets an article that merely shares vocabulary with a claim (spread over
ten sentences) look like a match; a sentence window requires the claim's terms together.
"""

from __future__ import annotations

import re
from operator import add

# A sentence ends at . ! ? (optionally followed by a closing quote/bracket) before whitespace
# and an upper-case letter, digit or opening quote; newlines and bullets always end one.
# Newlines and bullets are split first with str methods; the stop pattern starts with a
# mandatory character class so the regex engine scans for it instead of trying every position.
_STOP = re.compile(r"([.!?][\"'”’)\]]*)[^\S\n]+(?=[\"'“‘(\[]?[A-Z0-9\u0590-\u05FF])")
_BULLET = re.compile(r"\s*[•●▪◦]\s*")
_BULLETS = "•●▪◦"
# Abbreviations that end in a full stop but rarely end a sentence: these words, and initials
# ("U.S.", "J.").
_ABBREV_WORDS = ("Mr Mrs Ms Dr Prof Gen Brig Col Lt Sgt Capt Gov Sen Rep St Jr Sr Inc Corp Ltd Co No Vol vs "
                 "Jan Feb Mar Apr Jun Jul Aug Sep Sept Oct Nov Dec").split()
_ABBREV = re.compile(r"(?:\b(?:" + "|".join(_ABBREV_WORDS) + r")|\b[A-Z](?:\.[A-Z])*)\.$")
_ABBREV_LONGEST = max(map(len, _ABBREV_WORDS))
_ABBREV_LOWER = tuple(f"{w}." for w in _ABBREV_WORDS if w.islower())  # "vs."
_ABBREV_TAIL = 24  # characters of a piece's end the abbreviation check reads
MAX_SENTENCE = 600  # characters; run-on text (tables, lists without stops) is cut into pieces


def _pieces(text: str) -> list[str]:
    """Lines (and bullet items) cut at every sentence stop, each piece keeping its stop."""
    lines = text.split("\n")
    if any(b in text for b in _BULLETS):  # a few substring searches, not a set test per character
        lines = [part for line in lines for part in _BULLET.split(line)]
    out: list[str] = []
    for line in lines:
        # split() keeps the stop group: [piece, stop, piece, stop, ..., last piece]
        parts = _STOP.split(line)
        out.extend(map(add, parts[:-1:2], parts[1::2]))
        out.append(parts[-1])
    return out


def _abbreviated(piece: str) -> bool:
    """Does the piece end with an abbreviation ("Mr.", "U.S.") rather than a sentence stop?

    The regex search runs on a few pieces only. An abbreviation is a word of at most
    _ABBREV_LONGEST letters, capitalised but for "vs", or a capital initial; it follows a
    non-word character or starts the piece. So two string tests settle most pieces: a long
    last word ("officials.") or only lower-case letters where the abbreviation would be
    ("a leak.") cannot end with one.
    """
    if not piece.endswith("."):
        return False
    if len(piece) > _ABBREV_LONGEST + 1 and piece[-2 - _ABBREV_LONGEST:-2].isalnum():
        return False
    if piece[-1 - _ABBREV_LONGEST:-1].islower() and not piece.endswith(_ABBREV_LOWER):
        return False
    return _ABBREV.search(piece[-_ABBREV_TAIL:]) is not None


def split_sentences(text: str) -> list[str]:
    """Split plain text into sentences (deterministic, no model, any language)."""
    out: list[str] = []
    for piece in map(str.strip, _pieces(text)):
        if not piece:
            continue
        if out and _abbreviated(out[-1]):
            out[-1] = f"{out[-1]} {piece}"
        else:
            out.append(piece)
    if max(map(len, out), default=0) <= MAX_SENTENCE:
        return out
    final: list[str] = []
    for sentence in out:
        while len(sentence) > MAX_SENTENCE:
            cut = sentence.rfind(" ", 0, MAX_SENTENCE)
            cut = cut if cut > MAX_SENTENCE // 2 else MAX_SENTENCE
            final.append(sentence[:cut].strip())
            sentence = sentence[cut:].strip()
        if sentence:
            final.append(sentence)
    return final
