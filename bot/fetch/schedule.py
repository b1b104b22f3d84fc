"""When to poll a feed next: pure functions, no clock and no I/O (pass `now` and an rng).

Rules, in order:

1. Healthy feed: the configured interval with ±10% jitter, so feeds added together do not
   stay in lock-step and hit servers at the same second.
2. Failing feed: exponential backoff, interval * 2**(failures-1) (also jittered), so a
   broken server is not hammered; the delay is capped at `MAX_DELAY`.
3. `Cache-Control: max-age` longer than the delay (healthy feeds only) pushes the poll
   later: the server told us the document will not change before then.
4. `Retry-After` (429/503) wins when it is later still: the server asked us to wait.

Nothing is ever scheduled more than `MAX_DELAY` ahead, whatever a server says. After
`PAUSE_AFTER_FAILURES` failures in a row the caller pauses the feed (`should_pause`).
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta

JITTER = 0.10
MAX_DELAY = timedelta(hours=24)
PAUSE_AFTER_FAILURES = 8
_MAX_EXPONENT = 30  # 2**30 intervals is far past MAX_DELAY; avoids float overflow

_default_rng = random.Random()


def backoff_delay(interval: timedelta, failures: int) -> timedelta:
    """Un-jittered delay after `failures` failures in a row (the interval when 0), capped."""
    seconds = interval.total_seconds()
    if failures > 0:
        seconds *= 2 ** min(failures - 1, _MAX_EXPONENT)
    return min(timedelta(seconds=max(seconds, 0.0)), MAX_DELAY)


def next_poll(
    now: datetime,
    interval: timedelta,
    *,
    failures: int,
    retry_after: float | None = None,
    max_age: float | None = None,
    rng: random.Random | None = None,
) -> datetime:
    """The time to poll a feed next (see the module docstring for the rules).

    `failures` counts failures in a row including this poll (0 after a success);
    `retry_after` and `max_age` are seconds from the last response, or None.
    """
    rng = rng or _default_rng
    max_seconds = MAX_DELAY.total_seconds()
    delay = backoff_delay(interval, failures).total_seconds()
    delay *= rng.uniform(1 - JITTER, 1 + JITTER)
    if failures <= 0 and max_age is not None and max_age > 0:
        delay = max(delay, max_age)
    if retry_after is not None and retry_after > 0:
        delay = max(delay, retry_after)
    return now + timedelta(seconds=min(delay, max_seconds))


def should_pause(failures: int) -> bool:
    """True once a feed has failed `PAUSE_AFTER_FAILURES` times in a row."""
    return failures >= PAUSE_AFTER_FAILURES
