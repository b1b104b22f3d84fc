"""The language data the matcher reads from packages (babel's CLDR numbers, dateparser's locale
files) may be missing, unreadable or of another shape: matching degrades and says so once, it
never crashes. And hostile text (a long run of digits and separators) is read in linear time."""

from __future__ import annotations

import logging
import random
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import pytest

from bot.match import aboutness, crosslang, figures, numbering
from bot.match.aboutness import dated_in_past, last_year_words
from bot.match.cues import FOLLOWED
from bot.match.figures import parse_figures
from bot.match.normalise import fold


def _clear() -> None:
    numbering.number_words.cache_clear()
    figures._tables.cache_clear()
    figures.scale_words.cache_clear()
    last_year_words.cache_clear()


@pytest.fixture
def fresh() -> Iterator[None]:
    """Each test reads the data anew, and leaves the real tables for the tests after it."""
    _clear()
    yield
    _clear()


def test_without_babel_figures_are_read_plain_and_a_warning_says_so_once(fresh, monkeypatch, caplog):
    monkeypatch.setitem(sys.modules, "babel", None)  # `from babel import Locale` raises ImportError
    caplog.set_level(logging.WARNING, logger="bot.match.numbering")
    assert [(f.text, f.said) for f in parse_figures("Halvor cut 1,200 jobs, 26% of its staff.")] == [
        ("1,200", "1,200"), ("26%", "26%")]
    parse_figures("Die Strafe: 8,5 Millionen Euro.")  # no scale or currency word to read it with: no crash
    assert parse_figures("") == [] and parse_figures("no figure here") == []
    assert parse_figures("Halvor cut 5mn jobs")[0].value == 5e6  # English news's own abbreviations remain
    parse_figures("Es kostete 3 Millionen.")
    warnings = [r for r in caplog.records if "CLDR number data unreadable" in r.getMessage()]
    assert len(warnings) == 1 and "babel" in warnings[0].getMessage()


def test_cldr_data_of_another_shape_degrades_too(fresh, monkeypatch, caplog):
    from babel import Locale

    class Renamed(Locale):  # a babel whose private data renamed a key
        @property
        def _data(self):  # type: ignore[override]
            return {}

    monkeypatch.setattr("babel.Locale", Renamed)
    caplog.set_level(logging.WARNING, logger="bot.match.numbering")
    assert [f.text for f in parse_figures("Halvor cut 1,200 jobs.")] == ["1,200"]
    assert "KeyError" in caplog.text


def _dateparser_at(tmp_path: Path, files: dict[str, bytes]) -> SimpleNamespace:
    data = tmp_path / "dateparser" / "data" / "date_translation_data"
    data.mkdir(parents=True)
    (tmp_path / "dateparser" / "__init__.py").write_text("", encoding="utf-8")
    for lang, body in files.items():
        (data / f"{lang}.py").write_bytes(body)
    return SimpleNamespace(origin=str(tmp_path / "dateparser" / "__init__.py"))


def test_unreadable_dateparser_locale_files_date_nothing_by_words_and_say_so_once(fresh, tmp_path, monkeypatch,
                                                                                  caplog):
    spec = _dateparser_at(tmp_path, {
        "en": b'info = {"year": [call()], "relative-type": {}}\n',  # not a literal: never run
        "de": b"info = {\n",  # a syntax error
        "es": b"info = {'year': ['a\xf1o']}\n",  # not UTF-8
        # fr: missing
    })
    monkeypatch.setattr(aboutness.importlib.util, "find_spec", lambda name: spec)
    caplog.set_level(logging.WARNING, logger="bot.match.aboutness")
    assert last_year_words() == (frozenset(), frozenset())
    assert not dated_in_past(fold("Last year, Lumina's trains stopped."), 2025)
    assert dated_in_past(fold("In 2024, Lumina's trains stopped."), 2025)  # explicit years still date
    last_year_words()
    warnings = [r.getMessage() for r in caplog.records if "locale data unreadable" in r.getMessage()]
    assert len(warnings) == 1 and all(lang in warnings[0] for lang in ("en", "de", "es", "fr"))


def test_without_dateparser_nothing_is_dated_by_words(fresh, monkeypatch):
    monkeypatch.setattr(aboutness.importlib.util, "find_spec", lambda name: None)
    assert last_year_words() == (frozenset(), frozenset())
    assert not dated_in_past(fold("l'an dernier"), None)


def test_one_list_of_followed_languages():
    assert aboutness.LANGUAGES == numbering.LANGUAGES == ("en", *FOLLOWED)
    assert crosslang.FOLLOWED is FOLLOWED


def _cpu(text: str) -> float:
    start = time.process_time()
    parse_figures(text)
    dated_in_past(fold(text), 2025)
    return time.process_time() - start


@pytest.mark.parametrize("unit", ["1 ", "1\u202f000 ", "1,", "2020 last year ", "mixed"])
def test_long_hostile_lines_are_read_in_linear_time(unit):
    """A line 8x longer costs about 8x (a quadratic path would cost 64x): measured in CPU time,
    generous for a shared machine."""
    rng = random.Random(3)

    def line(n: int) -> str:
        if unit == "mixed":
            return "".join(rng.choice("0123456789 ,.-\u00a0\u202f$%") for _ in range(n))
        return unit * (n // len(unit))

    _cpu(line(1000))  # tables loaded
    small, large = line(8_000), line(64_000)
    ratio = _cpu(large) / max(min(_cpu(small) for _ in range(3)), 1e-3)
    assert ratio < 24, ratio


def test_edge_entries_through_matching_and_change_detection():
    """No title, no date, no text, a language none of FOLLOWED, a wall of numbers: each is read
    (relevant or not), none raises."""
    from bot.match import Matcher, Thresholds, detect_changes
    from bot.models import ClaimState, Entry, Status, TopicState

    topic = TopicState(
        key="halvor-fine", title="Halvor Bank fined over its 2025 data breach",
        keywords=(("halvor",), ("fine", "breach", "strafe", "amende")),
        claims=(ClaimState("fine", "The regulator fined Halvor Bank 8 million euros over the breach.",
                           Status.ALLEGED, figures=("€8 million",)),))
    lead = "Halvor Bank was fined 9 million euros over its data breach, the regulator said."
    bodies = [
        ("", ""), ("", lead), (lead, ""),
        ("Halvor", "La banca Halvor è stata multata di 9 milioni di euro per la violazione dei dati. " * 3),
        ("Halvor fine", "Halvor breach fine " + "1 2,000 3.000 4\u202f000 $5 6% 2019 last year " * 2000),
        ("Halvor fine", "Halvor breach fine. " + "Halvor. " * 3000),
    ]
    th = Thresholds()
    m = Matcher((topic,), th)
    for title, body in bodies:
        e = Entry(identity=title + body[:50], url=None, title=title, summary="", content=body, published=None,
                  source="t", content_hash=str(hash(title + body)))
        for r in m.match(e):
            detect_changes(topic, e, r, th)
    e = Entry(identity="lead", url=None, title="", summary="", content=lead, published=None, source="t",
              content_hash="lead")
    assert m.match(e)[0].relevant  # no title, no date: the first sentence is the lead
