"""The forward pass packs sentences instead of padding them: the same embeddings as one sentence
at a time, in batches whose size is bounded."""

from __future__ import annotations

import numpy as np

from bot.match import semantic


def test_packed_batches_equal_one_sentence_at_a_time(embedder):
    texts = ["Fine.", "The regulator fined the company 5 million euros on Tuesday.",
             "word " * 300,  # cut at EMBED_TOKENS
             "Shareholders rejected the proposal, which asked Microsoft to report on the risks of its "
             "contracts with the Israeli military, at the annual meeting in December.", "Fine."]
    together = embedder.encode(texts)
    alone = np.stack([embedder.encode([t])[0] for t in texts])
    assert np.abs(together - alone).max() < 1e-6
    assert np.allclose(np.linalg.norm(together, axis=1), 1.0, atol=1e-5)
    assert np.array_equal(together[0], together[4])


def test_pack_bounds_every_batch_and_keeps_every_text_once():
    rng = np.random.default_rng(3)
    tokens = [[101] * int(n) for n in rng.integers(3, semantic.EMBED_TOKENS + 1, size=500)]
    batches = semantic.pack(tokens, pieces=1000, cells=60_000)
    assert sorted(i for b in batches for i in b) == list(range(500))
    for batch in batches:
        lengths = [len(tokens[i]) for i in batch]
        assert lengths == sorted(lengths)  # similar lengths together: little attention padding
        assert sum(lengths) <= 1000 or len(batch) == 1
        assert len(batch) * max(lengths) ** 2 <= 60_000 or len(batch) == 1
    assert len(batches) < 100  # not one text per batch either
    assert semantic.pack([]) == []
