"""Poll scheduling: jitter, backoff, max-age, Retry-After, caps, pausing."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest

from bot.fetch.schedule import (
    JITTER,
    MAX_DELAY,
    PAUSE_AFTER_FAILURES,
    backoff_delay,
    next_poll,
    should_pause,
)

NOW = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)
HALF_HOUR = timedelta(minutes=30)


def delay(**kwargs: object) -> float:
    kwargs.setdefault("failures", 0)
    kwargs.setdefault("rng", random.Random(1))
    interval = kwargs.pop("interval", HALF_HOUR)
    when = next_poll(NOW, interval, **kwargs)  # type: ignore[arg-type]
    return (when - NOW).total_seconds()


def test_healthy_feed_uses_interval_with_ten_percent_jitter() -> None:
    rng = random.Random(42)
    delays = [
        (next_poll(NOW, HALF_HOUR, failures=0, retry_after=None, max_age=None, rng=rng) - NOW)
        .total_seconds()
        for _ in range(500)
    ]
    assert all(1800 * (1 - JITTER) <= d <= 1800 * (1 + JITTER) for d in delays)
    assert len(set(delays)) > 400  # actually jittered
    assert min(delays) < 1800 * 0.95 and max(delays) > 1800 * 1.05  # spread both ways


def test_same_seed_same_schedule() -> None:
    assert delay(rng=random.Random(7)) == delay(rng=random.Random(7))


def test_result_keeps_timezone() -> None:
    when = next_poll(NOW, HOUR, failures=0, retry_after=None, max_age=None,
                     rng=random.Random(0))
    assert when.tzinfo is UTC


def test_works_without_rng() -> None:
    when = next_poll(NOW, HOUR, failures=0, retry_after=None, max_age=None, rng=None)
    assert NOW + HOUR * 0.9 <= when <= NOW + HOUR * 1.1


@pytest.mark.parametrize(("failures", "factor"), [(1, 1), (2, 2), (3, 4), (4, 8), (5, 16)])
def test_backoff_doubles_per_failure(failures: int, factor: int) -> None:
    assert backoff_delay(HALF_HOUR, failures) == HALF_HOUR * factor
    d = delay(failures=failures)
    assert 1800 * factor * 0.9 <= d <= 1800 * factor * 1.1


def test_backoff_is_capped_at_max_delay() -> None:
    assert backoff_delay(HALF_HOUR, 7) == MAX_DELAY  # 30 min * 64 = 32 h
    assert backoff_delay(HALF_HOUR, 10_000) == MAX_DELAY  # no overflow
    assert delay(failures=50) <= MAX_DELAY.total_seconds()


def test_max_age_longer_than_interval_pushes_poll_later() -> None:
    assert delay(max_age=3 * 3600) == 3 * 3600


def test_max_age_shorter_than_interval_is_ignored() -> None:
    assert delay(max_age=60) == delay()


def test_max_age_is_capped() -> None:
    assert delay(max_age=7 * 24 * 3600) == MAX_DELAY.total_seconds()


def test_max_age_does_not_delay_a_failing_feed() -> None:
    assert delay(failures=1, max_age=6 * 3600) == delay(failures=1)


def test_retry_after_wins_when_later() -> None:
    assert delay(failures=1, retry_after=4 * 3600) == 4 * 3600
    assert delay(retry_after=2 * 3600, max_age=3600) == 2 * 3600


def test_retry_after_earlier_than_backoff_is_ignored() -> None:
    assert delay(failures=3, retry_after=10) == delay(failures=3)


def test_retry_after_is_capped() -> None:
    assert delay(retry_after=30 * 24 * 3600) == MAX_DELAY.total_seconds()


def test_negative_hints_are_ignored() -> None:
    assert delay(retry_after=-5, max_age=-5) == delay()


def test_pause_after_repeated_failures() -> None:
    assert PAUSE_AFTER_FAILURES == 8
    assert not should_pause(0)
    assert not should_pause(PAUSE_AFTER_FAILURES - 1)
    assert should_pause(PAUSE_AFTER_FAILURES)
    assert should_pause(PAUSE_AFTER_FAILURES + 5)
