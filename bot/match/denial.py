"""A claim that denies something is told only by a sentence that denies something.

"Microsoft found no evidence that its technology was used to harm people" is a denial; the
sentence "its technology was used to harm people" asserts what the claim denies (it is what
another claim alleges, or the opposite of this one). Sentence embeddings barely see negation
(a sentence and its negation are near neighbours: Ettinger 2020, "What BERT is not"; Kassner &
Schütze 2020, "Negated and misprimed probes"), so the cosine of a denying wording to an
asserting sentence says "same subject", not "same statement". The semantic side therefore
counts a wording that denies (`denies`: what `scorer.negated_term` finds) only against
sentences that negate (`negates`: the negation markers of the cue resource, four languages);
against the others it gives nothing, and `why` shows the cosine that was not counted.

Nothing here knows a story: which wordings deny comes from the admin's claim statements and
aliases, what negates from the language data in cues.yaml.
"""

from __future__ import annotations

import re
from functools import lru_cache

from bot.match.cues import cue_book
from bot.match.normalise import fold
from bot.match.scorer import negated_term


@lru_cache(maxsize=4096)
def denies(wording: str) -> bool:
    """Whether a claim wording denies something ("found no evidence", "offered no compensation")."""
    return negated_term(wording) is not None


# a capitalised "No" after a lower-case word or a comma starts a name, not a negation
# ("the No Azure for Apartheid campaign said"), as in `scorer.negated_term`
_NAMED = re.compile(r"(?<=[a-z,\"”’]\s)(?:No|Not|Never)\b")


def negates(sentence: str) -> bool:
    """Whether a sentence holds a negation ("no", "not", "without", "has yet to", "kein"...)."""
    return cue_book().negation.search(fold(_NAMED.sub(" ", sentence))) is not None


__all__ = ["denies", "negates"]
