"""Sentence segmentation: claims are judged on one or two sentences, never on a whole page.

A whole-page score lets an article that merely shares vocabulary with a claim (spread over
ten sentences) look like a match; a sentence window requires the claim's terms together.
"""

from __future__ import annotations

import re

# A sentence ends at . ! ? (optionally followed by a closing quote/bracket) before whitespace
# and an upper-case letter, digit or opening quote; newlines and bullets always end one.
# Newlines and bullets are split first with str methods; the stop pattern starts with a
# mandatory character class so the regex engine scans for it instead of trying every position.
_STOP = re.compile(r"([.!?][\"'”’)\]]*)[^\S\n]+(?=[\"'“‘(\[]?[A-Z0-9\u0590-\u05FF])")
_BULLET = re.compile(r"\s*[•●▪◦]\s*")
_BULLETS = frozenset("•●▪◦")
# Abbreviations that end in a full stop but rarely end a sentence.
_ABBREV = re.compile(
    r"(?:\b(?:Mr|Mrs|Ms|Dr|Prof|Gen|Brig|Col|Lt|Sgt|Capt|Gov|Sen|Rep|St|Jr|Sr|Inc|Corp|Ltd|Co|No|Vol|vs"
    r"|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)|\b[A-Z](?:\.[A-Z])*)\.$"
)
_ABBREV_TAIL = 24  # characters of a piece's end the abbreviation check reads
MAX_SENTENCE = 600  # characters; run-on text (tables, lists without stops) is cut into pieces


def _pieces(text: str) -> list[str]:
    out: list[str] = []
    lines = text.split("\n")
    if not _BULLETS.isdisjoint(text):
        lines = [part for line in lines for part in _BULLET.split(line)]
    for line in lines:
        start = 0
        for m in _STOP.finditer(line):
            out.append(line[start:m.end(1)])
            start = m.end()
        out.append(line[start:])
    return out


def _abbreviated(piece: str) -> bool:
    return piece.endswith(".") and _ABBREV.search(piece[-_ABBREV_TAIL:]) is not None


def split_sentences(text: str) -> list[str]:
    """Split plain text into sentences (deterministic, no model, any language)."""
    out: list[str] = []
    for piece in _pieces(text):
        piece = piece.strip()
        if not piece:
            continue
        if out and _abbreviated(out[-1]):
            out[-1] = f"{out[-1]} {piece}"
        else:
            out.append(piece)
    final: list[str] = []
    for sentence in out:
        if len(sentence) <= MAX_SENTENCE:
            final.append(sentence)
            continue
        while len(sentence) > MAX_SENTENCE:
            cut = sentence.rfind(" ", 0, MAX_SENTENCE)
            cut = cut if cut > MAX_SENTENCE // 2 else MAX_SENTENCE
            final.append(sentence[:cut].strip())
            sentence = sentence[cut:].strip()
        if sentence:
            final.append(sentence)
    return final
