"""A status cue written in another language only is not read in a plainly English text (branch
`noadmin`): folded, French "a voté" is the English "a vote", and "the plan goes to a vote"
ends nothing. A French text, and a short title, keep their cues."""

from __future__ import annotations

from bot.match.changes import _cue_hits
from bot.match.cues import cue_book
from bot.models import Status

ENGLISH = ("The tenants' petition, signed by more than two hundred people, will go to a vote at the "
           "council meeting later this year, and the landlord has said that he will not be there.")
FRENCH = ("Le conseil municipal a voté mardi soir et la pétition des locataires a été rejetée par "
          "une large majorité, a indiqué la mairie dans un communiqué publié mercredi.")


def statuses(*sentences: str) -> set[Status]:
    return {h.status for h in _cue_hits(list(sentences)) if h.family == "conclusion"}


def test_the_folded_french_cue_is_a_known_foreign_cue() -> None:
    assert "a vote" in cue_book().foreign and "voted" not in cue_book().foreign


def test_another_languages_cue_is_not_read_in_english() -> None:
    assert statuses(ENGLISH) == set()
    assert statuses(ENGLISH.replace("will go to a vote", "voted")) == {Status.CONCLUDED}


def test_a_french_text_or_a_short_title_keeps_it() -> None:
    assert statuses(FRENCH) == {Status.CONCLUDED}
    assert statuses("Petition: council a vote") == {Status.CONCLUDED}  # too short to tell: read as before
