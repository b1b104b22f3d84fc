"""`figures._numbers` finds exactly what the number pattern's `finditer` finds (it only skips the positions
where no match can start), on hand-picked and random text."""

from __future__ import annotations

import random

from bot.match import figures


def _spans(matches: list) -> list:
    return [(m.span(), m.groupdict()) for m in matches]


def test_numbers_same_as_finditer_on_examples() -> None:
    for text in ("us$ 5.4 billion and $350-500m", "x3 1,200 flights; 97% of 8.5 tb",
                 "€ 40 million, 7.000 flüge, ٣ and ² and 5b", "", "no digits here", "a1 b22 c333 us$1"):
        assert _spans(figures._numbers(text)) == _spans(list(figures._tables().number.finditer(text)))


def test_numbers_same_as_finditer_on_random_text() -> None:
    rng = random.Random(5)
    alphabet = [*"ab $€£₪us,.:/#+%- 0123456789kmtbper", "us$", " million", " billion", " tb", "٣", "²"]
    for _ in range(20_000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 30)))
        assert _spans(figures._numbers(text)) == _spans(list(figures._tables().number.finditer(text))), text
