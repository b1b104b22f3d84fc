"""Speed and memory of the sentence-embedding runtime (bot/match/semantic.py).

    python bench/semantic.py [--sentences 400] [--runs 3] [--candidates 4]

Rates are given in wall time and in this process's CPU time (`time.process_time`): on a shared
machine the second says what the code costs, the first what it got.

Reports the model's load time, sentences/s (median of runs, one BLAS thread as the bot runs
it), gated entries/s when each entry sends `--candidates` sentences to be compared with every
claim of a topic (claim embeddings cached, as in the bot), resident memory after load and the
peak. Sentences come from ../shared/corpus (read only; never copied into the repo), and the
claims from its topics.yaml. Baseline in the same run: rapidfuzz token_set_ratio of every
claim against the same candidate sentences (the issue's naive matcher).
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import yaml  # noqa: E402
from rapidfuzz import fuzz  # noqa: E402

from bench.matchbench.corpus import default_corpus  # noqa: E402
from bot.match.combine import CANDIDATES  # noqa: E402
from bot.match.semantic import ClaimEmbeddings, Embedder, SemanticScorer, best_similarities  # noqa: E402
from bot.models import ClaimState, Status  # noqa: E402

CORPUS = default_corpus()  # $DOSSIER_CORPUS, else ../shared/corpus beside the repository


def memory_mb() -> tuple[float, float]:
    """(current RSS, peak RSS) of this process in MB, from /proc (Linux)."""
    status = Path("/proc/self/status").read_text()
    fields = dict(re.findall(r"(\w+):\s+(\d+) kB", status))
    return int(fields["VmRSS"]) / 1024, int(fields["VmHWM"]) / 1024


def corpus_sentences(limit: int) -> list[str]:
    out: list[str] = []
    for path in (CORPUS / "dev.jsonl", CORPUS / "story3" / "articles.jsonl"):
        for line in path.read_text(encoding="utf-8").splitlines():
            text = json.loads(line).get("text") or ""
            out.extend(s.strip() for s in re.split(r"(?<=[.!?])\s+|\n+", text) if len(s.strip()) > 20)
    return out[:limit]


def corpus_claims() -> list[ClaimState]:
    data = yaml.safe_load((CORPUS / "topics.yaml").read_text(encoding="utf-8"))
    topics = data.get("topics", data) if isinstance(data, dict) else data
    return [ClaimState(c["key"], c["statement"], Status.ONGOING, aliases=tuple(c.get("aliases") or ()))
            for t in topics for c in t.get("claims", [])]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sentences", type=int, default=400)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--candidates", type=int, default=1 + CANDIDATES,
                    help="sentences embedded per gated entry (default: the title + combine.CANDIDATES)")
    args = ap.parse_args()

    sentences = corpus_sentences(args.sentences)
    claims = corpus_claims()
    base_rss, _ = memory_mb()
    t0 = time.perf_counter()
    embedder = Embedder()
    embedder.load()
    load_s = time.perf_counter() - t0
    loaded_rss, _ = memory_mb()

    rates, cpu_rates = [], []
    for _ in range(args.runs):
        t, c = time.perf_counter(), time.process_time()
        embedder.encode(sentences)
        rates.append(len(sentences) / (time.perf_counter() - t))
        cpu_rates.append(len(sentences) / (time.process_time() - c))

    cache = ClaimEmbeddings(embedder)
    entries = [sentences[i:i + args.candidates] for i in range(0, len(sentences), args.candidates)]
    best_similarities(claims, entries[0], cache)  # claim embeddings cached, as in a running bot
    entry_rates = []
    for _ in range(args.runs):
        t = time.perf_counter()
        for candidates in entries:
            best_similarities(claims, candidates, cache)
        entry_rates.append(len(entries) / (time.perf_counter() - t))

    batched_rates, batched_cpu = [], []
    for _ in range(args.runs):
        scorer = SemanticScorer(embedder=embedder)  # empty sentence cache each run
        scorer.claims = cache
        t, c = time.perf_counter(), time.process_time()
        scorer.similarities_many([(claims, candidates) for candidates in entries])
        batched_rates.append(len(entries) / (time.perf_counter() - t))
        batched_cpu.append(len(entries) / (time.process_time() - c))

    t = time.perf_counter()
    for candidates in entries:
        for c in claims:
            max(fuzz.token_set_ratio(c.statement, s) for s in candidates)
    naive_rate = len(entries) / (time.perf_counter() - t)
    rss, peak = memory_mb()

    print(f"model: all-MiniLM-L6-v2 from {embedder.source} (weights sha256 {embedder.weights_sha256})")
    print(f"load: {load_s:.2f} s; RSS {base_rss:.0f} MB before, {loaded_rss:.0f} MB after load, "
          f"{rss:.0f} MB at the end, peak {peak:.0f} MB")
    print(f"encode: {statistics.median(rates):.1f} sentences/s (median of {args.runs}: "
          f"{', '.join(f'{r:.1f}' for r in rates)}), {statistics.median(cpu_rates):.1f} per CPU second; "
          f"{len(sentences)} corpus sentences, batches of 32")
    entry_rate = statistics.median(entry_rates)
    print(f"semantic scoring: {entry_rate:.1f} gated entries/s with {args.candidates} candidate sentences "
          f"each against {len(claims)} claims (naive rapidfuzz baseline {naive_rate:.0f} entries/s, "
          f"x{naive_rate / entry_rate:.0f} faster)")
    print(f"  the same entries in one similarities_many call (one cycle's gated entries batched): "
          f"{statistics.median(batched_rates):.1f} entries/s, "
          f"{statistics.median(batched_cpu):.1f} per CPU second")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
