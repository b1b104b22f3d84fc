"""The text side of matching: sentence splitting, the gate's word set, the concept reader and the
damping of explained matches. Their fast paths (string pre-checks, translate instead of a regex)
are pinned against the plain definitions they replace, on fixed and on random (seeded) texts."""

from __future__ import annotations

import random
import re
import unicodedata

import pytest

from bot.match import sentences
from bot.match.gate import Gate, word_set
from bot.match.matcher import EXPLAINED_FACTOR, EXPLAINED_RATIO, Matcher, _explained_elsewhere
from bot.match.normalise import POSSESSIVE_RE, TOKEN_RE, fold
from bot.match.scorer import WindowScore, _line_tokens
from bot.match.sentences import split_sentences
from bot.models import ClaimMatch, ClaimState, Status, TopicState

# Characters and fragments that exercise stops, abbreviations, closing quotes, bullets, digits,
# underscores, possessives and non-ASCII letters.
_FRAGMENTS = [*"aAbBzZxX.. ,,!?\n•●'\"”’)]([“‘-_0123456789", "Mr", "Mrs", "Sept", "Capt", "U.S", "No", "vs",
              "Vs", " vs", "xvs", "St", "Dec", "A", "J", "Inc", "xMr", "_Mr", "1Mr", "(Mr", "ÉMr", " ", "  ",
              "é", "ש", "\t", "officials", "leak", "8,000", "1.5", "'s", "Orion", "harbour"]


def _random_texts(n: int, seed: int, longest: int = 40) -> list[str]:
    rng = random.Random(seed)
    return ["".join(rng.choice(_FRAGMENTS) for _ in range(rng.randint(0, longest))) for _ in range(n)]


def _ends_with_abbreviation(piece: str) -> bool:
    """The definition `sentences._abbreviated` implements, without its string pre-checks."""
    return piece.endswith(".") and sentences._ABBREV.search(piece[-sentences._ABBREV_TAIL:]) is not None


def _pieces_by_finditer(text: str) -> list[str]:
    """The definition `sentences._pieces` implements: each piece ends with its stop."""
    out: list[str] = []
    lines = text.split("\n")
    if any(b in text for b in "•●▪◦"):
        lines = [part for line in lines for part in sentences._BULLET.split(line)]
    for line in lines:
        start = 0
        for m in sentences._STOP.finditer(line):
            out.append(line[start:m.end(1)])
            start = m.end()
        out.append(line[start:])
    return out


# --- sentences ------------------------------------------------------------------------------

def test_abbreviations_do_not_end_a_sentence():
    assert split_sentences("Mr. Smith met U.S. officials. They talked.") == [
        "Mr. Smith met U.S. officials.", "They talked."]
    assert split_sentences("On Sept. 5 Orion sued Lumen vs. Globex. Dr. Reyes (Prof. Lee) agreed.") == [
        "On Sept. 5 Orion sued Lumen vs. Globex.", "Dr. Reyes (Prof. Lee) agreed."]
    assert split_sentences("The audit was done by J. Reyes. It found a leak. Then more.") == [
        "The audit was done by J. Reyes.", "It found a leak.", "Then more."]
    assert split_sentences("Mr.\nSmith left. St.\nMary") == ["Mr. Smith left.", "St. Mary"]


def test_the_abbreviation_pre_check_never_changes_the_answer():
    fixed = ["Mr.", "Mrs.", "Sept.", "(Sept.", "x-Mr.", "xMr.", "_Mr.", "1Mr.", "ÉMr.", "U.S.", "A.B.C.",
             "e.g.", "vs.", "xvs.", "Vs.", "officials.", "a leak.", "by 26%.", "in 2024.", "A.", "a.", "Z.",
             "Corp.", "Corpx.", "Inc.", "Ltd.", "J.", " J.", ".", "", "No", "the U.S", "St. Mary.",
             "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaA.B.C.D.E.F.G.H.I.J.K.L."]
    generated = _random_texts(20000, seed=11)
    rng = random.Random(12)
    words = [*sentences._ABBREV_WORDS, "A", "U.S", "ab", "abcd", "abcde", "MR", "mr", "VS", "É", "1", "_A"]
    ending = [rng.choice(_FRAGMENTS) + rng.choice(" (-._1x\"é") + rng.choice(words) + "." for _ in range(20000)]
    for piece in fixed + generated + ending:
        assert sentences._abbreviated(piece) == _ends_with_abbreviation(piece), repr(piece)


def test_pieces_keep_their_stops_like_a_finditer_walk():
    assert sentences._pieces('He said "Go." Then (Reuters) left! Why? 5 more.') == [
        'He said "Go."', "Then (Reuters) left!", "Why?", "5 more."]
    for text in _random_texts(5000, seed=13, longest=80):
        assert sentences._pieces(text) == _pieces_by_finditer(text), repr(text)


def test_bullets_newlines_and_run_on_text():
    assert split_sentences("Items:\n• first one • second ● third") == ["Items:", "first one", "second", "third"]
    run_on = " ".join(["word"] * 400)  # 1,999 characters, no stop
    parts = split_sentences(run_on)
    assert all(len(p) <= sentences.MAX_SENTENCE for p in parts) and " ".join(parts) == run_on
    assert split_sentences("") == [] and split_sentences(" \n \n") == []


# --- the gate's word set --------------------------------------------------------------------

def test_word_set_is_the_set_of_regex_words_for_ascii_and_other_text():
    assert word_set("orion's harbour_2 8,000 sit-in") == {"orion", "s", "harbour_2", "8", "000", "sit", "in"}
    assert word_set(fold("Israël’s café — Zürich")) == {"israel", "s", "cafe", "zurich"}
    assert word_set("שלום orion") == {"שלום", "orion"}
    ascii_chars = [chr(i) for i in range(128)]
    rng = random.Random(21)
    texts = ["".join(rng.choice(ascii_chars) for _ in range(rng.randint(0, 60))) for _ in range(3000)]
    for text in texts + _random_texts(3000, seed=22):
        assert word_set(text) == frozenset(re.findall(r"\w+", text)), repr(text)


def _regex_gate_hits(groups: tuple[tuple[str, ...], ...], folded: str) -> tuple[tuple[str, ...], ...]:
    """The hits a gate reports, found with each keyword's own regex only (no word-set shortcut)."""
    return tuple(tuple(k for k, rx in zip(g.keywords, g.regexes, strict=True) if rx.search(folded))
                 for g in Gate(groups).groups)


def test_gate_hits_with_the_word_set_match_the_keyword_regexes():
    groups = (("orion", "dana reyes", "unit 8200"), ("harbour", "port authority"))
    gate = Gate(groups, ("stock tips",))
    texts = ["Orion’s harbours", "ORION's chief Dana-Reyes met the Port   Authority", "Orionic harbour",
             "Unit-8200 and the harbourses", "dana the reyes port", "Orion harbour stock tips"]
    for text in texts:
        folded = fold(text)
        result = gate.check(folded, word_set(folded))
        assert result.hits == _regex_gate_hits(groups, folded), text
    assert gate.check(fold("Orion harbour stock tips")).excluded_by == "stock tips"


# --- the concept reader ---------------------------------------------------------------------

def test_line_tokens_are_the_token_regex_matches_of_each_line():
    assert _line_tokens(["orion fired four engineers", "8,000 terabytes in 2024", "cafe_x and"]) == [
        ["orion", "fired", "four", "engineers"], ["8,000", "terabytes", "in", "2024"], ["cafe", "x", "and"]]
    assert _line_tokens([]) == [] and _line_tokens([""]) == [[]]
    rng = random.Random(31)
    for _ in range(2000):
        lines = [t.replace("\n", " ") for t in _random_texts(rng.randint(0, 6), seed=rng.random())]
        assert _line_tokens(lines) == [TOKEN_RE.findall(line) for line in lines], lines


ORION = TopicState(
    key="orion-port", title="Orion harbour cameras", keywords=(("orion",), ("harbour",)),
    claims=(ClaimState("firings", "Orion fired four engineers who protested the harbour camera contract.",
                       Status.CONFIRMED),
            ClaimState("imod", "Orion hosted IMOD data and used artificial intelligence.", Status.ALLEGED)),
)


@pytest.mark.parametrize("spelled", [True, False])
def test_sentence_sets_read_each_sentence_as_its_own_tokens(spelled: bool):
    reader = Matcher([ORION]).reader
    if not spelled:
        reader.spelled = None
    texts = ["Orion’s engineers were fired.", "The Israeli Ministry of Defense used artificial intelligence.",
             "Orion moved 8,000 terabytes on 3.5 servers", "Sit-in at the harbour: Zürich’s protesters",
             "o'brien's camera", ""] + [t.replace("\n", " ") for t in _random_texts(300, seed=41)]
    got = reader.sentence_sets(texts)
    again = reader.sentence_sets(texts, fold("\n".join(texts)))
    assert got == again and all(type(s) is frozenset for s in got)
    for text, concepts in zip(texts, got, strict=True):
        line = POSSESSIVE_RE.sub("", fold(text)).replace("-", " ")
        tokens = TOKEN_RE.findall(line)
        expected = {c for tok in tokens for c in reader._cache[tok]}
        if reader.spelled is not None:
            expected |= reader.spelled.found_in(line, tokens)
        assert concepts == expected, text
    assert "s" not in got[0] and "orion" in got[0]
    if spelled:
        assert "imod" in got[1]


def test_possessives_are_dropped_before_tokenising():
    reader = Matcher([ORION]).reader
    owned, irish, plain, joined = reader.sentence_sets(["Orion’s engineers", "O'Brien's cameras", "Orion engineers",
                                                        "OBrien cameras"])
    assert owned == plain and "s" not in owned
    assert irish == joined


# --- matches explained by a stronger one ----------------------------------------------------

def _explained_reference(scores: list[ClaimMatch], windows: dict[str, tuple[int, ...]], low: float) -> list[ClaimMatch]:
    """Every pair compared, the first explaining match in `scores` order wins."""
    strong = [m for m in scores if m.score >= low and m.claim_key in windows]
    if len(strong) < 2:
        return scores
    out = []
    for m in scores:
        by = next((a for a in strong if a is not m and a.score >= EXPLAINED_RATIO * m.score
                   and set(windows[m.claim_key]) <= set(windows[a.claim_key])), None)
        if not any(m is b for b in strong):
            by = None
        if by is not None:
            m = ClaimMatch(m.claim_key, round(m.score * EXPLAINED_FACTOR, 2), m.evidence,
                           {**m.features, "explained_by": by.claim_key, "score_before": m.score})
        out.append(m)
    return out


def test_explained_elsewhere_matches_the_all_pairs_definition():
    rng = random.Random(51)
    for _ in range(3000):
        n = rng.randint(0, 8)
        windows = {}
        scores = []
        for i in range(n):
            start = rng.randint(0, 4)
            windows[f"c{i}"] = tuple(range(start, start + rng.randint(1, 2)))
            scores.append(ClaimMatch(f"c{i}", rng.choice([0.0, 30.0, 40.0, 45.0, 50.0, 56.25, 60.0, 75.0, 90.0]),
                                     "evidence", {"raw": 1.0}))
        assert _explained_elsewhere(scores, windows, 40.0) == _explained_reference(scores, windows, 40.0)
    # the first explaining match in `scores` order is named, not the strongest
    windows = {"weak": (1,), "first": (1, 2), "best": (0, 1)}
    first = EXPLAINED_RATIO * 40.0
    scores = [ClaimMatch("weak", 40.0, "", {}), ClaimMatch("first", first, "", {}),
              ClaimMatch("best", 2 * first, "", {})]
    damped = _explained_elsewhere(scores, windows, 40.0)
    assert damped[0].features["explained_by"] == "first" and damped[0].score == 40.0 * EXPLAINED_FACTOR
    assert "explained_by" not in damped[1].features  # best >= ratio * first, but (1, 2) is not inside (0, 1)


# --- WindowScore ----------------------------------------------------------------------------

def test_window_score_reads_like_the_record_it_was():
    w = WindowScore(12.5, 3, 2, 0.5, 4, 2, 1.0, 0.8, 0.75, 1)
    assert (w.score, w.start, w.size, w.coverage, w.hits, w.distinctive) == (12.5, 3, 2, 0.5, 4, 2)
    assert (w.actor, w.anchor, w.verb, w.variant, w.exact) == (1.0, 0.8, 0.75, 1, True)
    assert w == WindowScore(12.5, 3, 2, 0.5, 4, 2, 1.0, 0.8, 0.75, 1, True)
    assert repr(w).startswith("WindowScore(score=12.5, start=3, size=2")


# --- folding and status cues ------------------------------------------------------------------

_MARKS = {"’": "'", "‘": "'", "ʼ": "'", "`": "'", "´": "'", "′": "'", **dict.fromkeys("‐‑‒–—―−", "-")}


def _fold_by_definition(text: str) -> str:
    """What `fold` does, char by char: marks first, then NFKD without combining marks, lower."""
    text = "".join(_MARKS.get(c, c) for c in text)
    text = unicodedata.normalize("NFKD", text)
    return "".join(c for c in text if not unicodedata.combining(c)).lower()


def test_fold_straightens_marks_and_drops_accents():
    assert fold("Israël’s café — Zürich") == "israel's cafe - zurich"
    assert fold("`Orion` ‘harbour’ −5") == "'orion' 'harbour' -5"
    assert fold("Ångström ǅ") == "angstrom dz"
    assert fold("″") == "′′"  # NFKD comes after the marks are straightened: as before


def test_fold_fast_paths_match_the_definition_on_random_text():
    rng = random.Random(11)
    alphabet = [*map(chr, range(0x250)), *_MARKS, "″", "İ", "ß", "ﬁ", "é", "ש", "ő", "\u0301"]
    texts = ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 30))) for _ in range(3000)]
    for text in [*texts, *_random_texts(1000, seed=12)]:
        assert fold(text) == _fold_by_definition(text), repr(text)


def test_every_status_cue_passes_the_word_pre_check():
    from bot.match.changes import _cue_hits
    from bot.match.cues import cue_book

    for family in cue_book().families:
        for cue in family.phrases:
            if "\\" in cue:
                continue  # a pattern, not a phrase
            # a family that decides a request to end a case needs the request in its clause
            request = " the motion to dismiss" if family.motion else ""
            hits = _cue_hits([f"The Orion harbour audit {cue}{request} on Monday."])
            assert family.to in {h.status for h in hits}, cue
    assert _cue_hits(["The Orion harbour audit was discussed on Monday."]) == []


def test_cue_pre_check_reads_each_sentence_of_an_entry():
    from bot.match.changes import _cue_hits

    hits = _cue_hits(["Orion said nothing.", "The harbour audit has concluded.", "Dock workers rejected it."])
    assert [(h.sentence, h.status) for h in hits] == [(1, Status.CONCLUDED), (2, Status.DENIED)]


def test_claim_info_follows_an_edited_topic_and_stays_bounded():
    from dataclasses import replace

    from bot.match import changes

    topic = TopicState("t", "T", (("orion",),), claims=(ClaimState("c", "Orion stored 3,000 TB.", Status.ALLEGED,
                                                                   figures=("3,000 TB",)),))
    assert changes._claim_info(topic)["c"].figures[0].value == 3000
    edited = replace(topic, claims=(replace(topic.claims[0], figures=("9,000 TB",)),))
    assert changes._claim_info(edited)["c"].figures[0].value == 9000
    assert changes._claim_info(topic) is changes._claim_info(topic)
    for i in range(3 * changes._INFO_CACHE_SIZE):
        changes._claim_info(replace(topic, key=f"t{i}"))
    assert len(changes._INFO_CACHE) <= changes._INFO_CACHE_SIZE
