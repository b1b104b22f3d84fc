"""A poll's new entries are read oldest first, whatever the feed's direction (bot/parse/order.py)."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.models import Entry
from bot.parse.order import oldest_first


def _e(name: str, day: int | None) -> Entry:
    when = datetime(2025, 3, day, 12, tzinfo=UTC) if day else None
    return Entry(identity=name, url=f"https://news.example/{name}", title=name, summary="", content="",
                 published=when, source="Example", content_hash=name)


def _names(entries: tuple[Entry, ...]) -> list[str]:
    return [e.identity for e in entries]


def test_a_newest_first_feed_is_read_from_its_bottom() -> None:
    feed = [_e("dismissed", 9), _e("undated", None), _e("filed", 2)]
    # the undated item sits between a newer and an older one: it is read between them
    assert _names(oldest_first(feed)) == ["filed", "undated", "dismissed"]


def test_an_oldest_first_feed_keeps_its_order() -> None:
    feed = [_e("filed", 2), _e("undated", None), _e("dismissed", 9)]
    assert _names(oldest_first(feed)) == ["filed", "undated", "dismissed"]


def test_dates_out_of_order_are_sorted_and_an_undated_feed_keeps_its_order() -> None:
    assert _names(oldest_first([_e("b", 5), _e("c", 7), _e("a", 1), _e("d", 3)])) == ["a", "d", "b", "c"]
    # without dates nothing tells the feed's direction
    assert _names(oldest_first([_e("x", None), _e("y", None), _e("z", None)])) == ["x", "y", "z"]
