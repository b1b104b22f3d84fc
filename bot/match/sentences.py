"""Sentence segmentation: claims are judged on one or two sentences, never on a whole page.

A whole-page score lets an article that merely shares vocabulary with a claim (spread over
ten sentences) look like a match; a sentence window requires the claim's terms together.
"""

from __future__ import annotations

import re

# A sentence ends at . ! ? (optionally followed by a closing quote/bracket) before whitespace
# and an upper-case letter, digit or opening quote; newlines and bullets always end one.
_SPLIT = re.compile(
    r"(?<=[.!?])[\"'”’)\]]*\s+(?=[\"'“‘(\[]?[A-Z0-9\u0590-\u05FF])"
    r"|\s*\n+\s*|\s*[•●▪◦]\s*"
)
# Abbreviations that end in a full stop but rarely end a sentence.
_ABBREV = re.compile(
    r"(?:\b(?:Mr|Mrs|Ms|Dr|Prof|Gen|Brig|Col|Lt|Sgt|Capt|Gov|Sen|Rep|St|Jr|Sr|Inc|Corp|Ltd|Co|No|Vol|vs"
    r"|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)|\b[A-Z](?:\.[A-Z])*)\.$"
)
MAX_SENTENCE = 600  # characters; run-on text (tables, lists without stops) is cut into pieces


def split_sentences(text: str) -> list[str]:
    """Split plain text into sentences (deterministic, no model, any language)."""
    pieces = [p.strip() for p in _SPLIT.split(text) if p and p.strip()]
    out: list[str] = []
    for piece in pieces:
        if out and _ABBREV.search(out[-1]) and not out[-1].endswith(("\n",)):
            out[-1] = f"{out[-1]} {piece}"
        else:
            out.append(piece)
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
