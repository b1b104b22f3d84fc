"""What the semantic scorer costs in a poll cycle, and the floor under it (issue 14, W3).

    python bench/semantic_cycle.py [--feeds 1000] [--new 500] [--runs 3]

Builds bench/pipeline.py's W3 in-process, without the feeds: the same `--new` entries (the
same corpus articles in the same order, parsed from the same HTML as the feeds carry), matched
by the real Matcher with the real SemanticScorer, and splits the cost:

- model load, with the weights hashed (a first start) and with their sha256 remembered;
- the claim wordings' embeddings (a start without stored ones) — the bot now reads them from
  the database (storage/wording_vectors.py), so a cycle after the first start pays nothing;
- the candidate sentences of the gated entries: how many, how many distinct, how many word
  pieces, and what they cost;
- lexical matching alone (the scorer off), for comparison.

Times are this process's CPU time (`time.process_time`), medians over `--runs`: the machine is
shared, wall time says what the process got, CPU what the code costs. The floor is the word
pieces to embed divided by the forward pass's measured rate (word pieces per CPU second,
one BLAS thread). bench/pipeline.py's W3 recycles the corpus' 65 articles, so its entries repeat
each other; "new text" counts every gated entry's sentences as if no other entry shared them
(what 500 really new entries cost).
"""

from __future__ import annotations

import argparse
import json
import math
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.matchbench.corpus import topic_states  # noqa: E402
from bench.pipeline import (  # noqa: E402
    CHANGED_SHARE,
    ENTRIES_PER_FEED,
    Corpus,
    find_corpus,
    load_articles,
    load_topics,
    paragraphs_html,
    summary_of,
)
from bot.config import parse_config  # noqa: E402
from bot.match import Matcher, Thresholds  # noqa: E402
from bot.match import semantic as semantic_module  # noqa: E402
from bot.match.semantic import Embedder, SemanticScorer  # noqa: E402
from bot.models import Entry  # noqa: E402
from bot.parse.text import html_to_text  # noqa: E402


def w3_entries(n_feeds: int, new: int, corpus: Corpus) -> list[Entry]:
    """bench/pipeline.py's W3 entries: numbers n*20 .. n*20+new-1 (W1 used the ones before)."""
    changed = max(1, min(round(n_feeds * CHANGED_SHARE), new))
    count = min(new, changed * 10)
    first = n_feeds * ENTRIES_PER_FEED
    out = []
    for k in range(first, first + count):
        article = corpus.article(k)
        out.append(Entry(identity=f"bench-{k}", url=None, title=article.title,
                         summary=summary_of(article.text),
                         content=html_to_text(paragraphs_html(article.text)),
                         published=None, source="bench", content_hash=str(k)))
    return out


class Counting(Embedder):
    """The process's model, with what it embeds and the CPU it takes written down."""

    def __init__(self) -> None:
        super().__init__()
        self.calls: list[tuple[list[str], float]] = []

    def encode(self, texts: Any, **kwargs: Any) -> Any:
        start = time.process_time()
        out = super().encode(texts, **kwargs)
        self.calls.append((list(texts), time.process_time() - start))
        return out


def pieces(embedder: Embedder, texts: list[str]) -> int:
    model = embedder.load()
    return sum(len(model.tokenizer.encode(t, model.max_tokens)) for t in texts)


def one_run(topics: Any, entries: list[Entry]) -> dict[str, Any]:
    semantic_module._LOADED.clear()  # a fresh load each run (the process keeps one otherwise)
    start = time.process_time()
    first = Embedder()
    first.load()
    load_hashed = time.process_time() - start
    semantic_module._LOADED.clear()
    start = time.process_time()
    again = Embedder()
    again.verified = first.weights_stamp
    again.load()
    load_remembered = time.process_time() - start

    lexical = Matcher(topics, Thresholds())
    start = time.process_time()
    lexical.match_many(entries, score_failed=False)
    lexical_cpu = time.process_time() - start

    counting = Counting()
    scorer = SemanticScorer(embedder=counting)
    scorer.available()
    matcher = Matcher(topics, Thresholds(), semantic=scorer)
    start = time.process_time()
    results = matcher.match_many(entries, score_failed=False)
    with_semantic = time.process_time() - start
    claim_texts = list(scorer.claims._cache)
    claim_calls = [(texts, cpu) for texts, cpu in counting.calls if set(texts) <= set(claim_texts)]
    sentence_calls = [(texts, cpu) for texts, cpu in counting.calls if not set(texts) <= set(claim_texts)]
    sentence_texts = [t for texts, _ in sentence_calls for t in texts]
    # the items the matcher asked about: every gated (entry, topic) and its candidates
    items = []
    for ei in range(len(entries)):
        sentences = None
        for ti, result in enumerate(results[ei]):
            if result.gate.passed:
                sentences = sentences or set()
                cand = matcher._candidates(ti, result.title_sentences, list(result.sentence_concepts))
                sentences.update(result.sentences[i] for i in cand)
        if sentences is not None:
            items.append(sentences)
    fresh_tokens = sum(pieces(counting, sorted(s)) for s in items)
    return {
        "load_hashed_cpu_s": load_hashed, "load_remembered_cpu_s": load_remembered,
        "lexical_match_cpu_s": lexical_cpu, "match_with_semantic_cpu_s": with_semantic,
        "claim_wordings": len(claim_texts), "claim_pieces": pieces(counting, claim_texts),
        "claim_embed_cpu_s": sum(cpu for _, cpu in claim_calls),
        "gated_entries": len(items), "candidate_sentences": sum(len(s) for s in items),
        "distinct_sentences": len(sentence_texts), "distinct_pieces": pieces(counting, sentence_texts),
        "new_text_pieces": fresh_tokens,
        "sentence_embed_cpu_s": sum(cpu for _, cpu in sentence_calls),
    }


def rate(runs: int = 5) -> float:
    """Word pieces per CPU second of the forward pass (one BLAS thread), on corpus-like
    sentences of 34 pieces (W3's median) in batches of 30."""
    embedder = Embedder()
    text = ("Microsoft said on Thursday that it had stopped the Israeli ministry of defence's "
            "unit from using its cloud services for the surveillance project.")
    texts = [f"{text} {i}" for i in range(30)]
    n = pieces(embedder, texts)
    embedder.encode(texts)
    best = []
    for _ in range(runs):
        start = time.process_time()
        embedder.encode(texts)
        best.append(time.process_time() - start)
    return n / statistics.median(best)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--feeds", type=int, default=1000)
    ap.add_argument("--new", type=int, default=500)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--corpus", default=None)
    ap.add_argument("--json", default=None, help="also write the figures as JSON to this file")
    args = ap.parse_args(argv)
    corpus_dir = find_corpus(args.corpus)
    raw = load_topics(corpus_dir)
    corpus = Corpus(*load_articles(corpus_dir, raw))
    config = parse_config({"topics": raw}, corpus_dir / "topics.yaml")
    topics = topic_states(config.topics)
    entries = w3_entries(args.feeds, args.new, corpus)
    runs = [one_run(topics, entries) for _ in range(args.runs)]
    med = {k: statistics.median(r[k] for r in runs) for k in runs[0]}
    per_piece = rate()
    med["pieces_per_cpu_s"] = per_piece
    med["floor_bench_w3_cpu_s"] = med["distinct_pieces"] / per_piece
    med["floor_new_text_cpu_s"] = med["new_text_pieces"] / per_piece
    print(f"W3 at {args.feeds} feeds: {len(entries)} new entries, "
          f"{med['gated_entries']:.0f} pass a topic gate "
          f"(CPU seconds, medians of {args.runs}; shared machine)")
    print(f"- model load: {med['load_hashed_cpu_s']:.3f} s with the weights hashed, "
          f"{med['load_remembered_cpu_s']:.3f} s with their sha256 remembered")
    print(f"- claim wordings: {med['claim_wordings']:.0f} ({med['claim_pieces']:.0f} pieces), "
          "embedded at every start before; now read from the database")
    print(f"- candidate sentences: {med['candidate_sentences']:.0f}, "
          f"{med['distinct_sentences']:.0f} distinct, {med['distinct_pieces']:.0f} pieces "
          f"({med['new_text_pieces']:.0f} if every entry's text were new)")
    print(f"- matching: lexical only {med['lexical_match_cpu_s']:.3f} s; with the scorer "
          f"{med['match_with_semantic_cpu_s']:.3f} s, of which the sentences' embedding "
          f"{med['sentence_embed_cpu_s']:.3f} s and the claim wordings' {med['claim_embed_cpu_s']:.3f} s")
    print(f"- forward pass: {per_piece:,.0f} pieces per CPU second (one BLAS thread)")
    print(f"- floor of the sentences' embedding: {med['floor_bench_w3_cpu_s']:.2f} s CPU for this W3, "
          f"{med['floor_new_text_cpu_s']:.2f} s for 500 entries of new text")
    if args.json:
        Path(args.json).write_text(json.dumps({"feeds": args.feeds, "runs": runs, "median": med}, indent=1))
    return 0 if math.isfinite(med["pieces_per_cpu_s"]) else 1


if __name__ == "__main__":
    raise SystemExit(main())
