"""/search at scale: SQLite FTS5 (bm25, snippets) against the LIKE scan it replaced.

    python bench/search.py [--articles 100000] [--repeat 15] [--seed 7]

Builds a throwaway database with the real migrations (so the FTS triggers index every row
as it is inserted, as in the bot), one server with one topic, and N synthetic articles
(title ~8 words, summary ~60 words) drawn from a Zipf-distributed generated vocabulary plus a
few planted terms of known frequency, each evaluated for that server's topic so both
searches see them. Then, per query, the median time of the ranked FTS search
(storage.search.search_articles) and of the old LIKE search (storage.guilds.search_articles),
both through the storage layer with the limit /search uses (15). Generated text only, no
corpus; one process, one connection. The machine may be shared: medians of repeated runs.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from storage import guilds as guild_store
from storage import search as search_store
from storage.db import Database

GUILD = 1
LIMIT = 15
# Planted terms: (word, share of articles whose summary carries it).
PLANTED = {"quorvex": 0.00005, "zentrique": 0.001, "plumbago": 0.02, "harbourage": 0.2}
QUERIES = [
    ("rare word (5 articles)", "quorvex"),
    ("uncommon word (0.1%)", "zentrique"),
    ("common word (2%)", "plumbago"),
    ("very common word (20%)", "harbourage"),
    ("two words", "plumbago harbourage"),
    ("prefix", "zentri*"),
    ("no match", "xylophonic"),
]


def vocabulary(rng: random.Random, size: int = 20000) -> list[str]:
    consonants, vowels = "bcdfghklmnprstvz", "aeiou"
    words: set[str] = set()
    while len(words) < size:
        n = rng.randint(2, 5)
        words.add("".join(rng.choice(consonants) + rng.choice(vowels) for _ in range(n)))
    return sorted(words)


def text(rng: random.Random, vocab: list[str], cum_weights: list[float], n: int) -> str:
    return " ".join(rng.choices(vocab, cum_weights=cum_weights, k=n))


async def build(db: Database, n: int, rng: random.Random) -> float:
    vocab = vocabulary(rng)
    weights = list(itertools.accumulate(1.0 / (rank + 1) for rank in range(len(vocab))))  # Zipf, s = 1
    now = "2026-01-01T00:00:00+00:00"
    async with db.transaction() as conn:
        await conn.execute("INSERT INTO topics (guild_id, key, title, keywords, created_at, updated_at) "
                           "VALUES (?, 'bench', 'Bench', '[]', ?, ?)", (GUILD, now, now))
    topic_id = (await db.fetchone("SELECT id FROM topics WHERE guild_id = ?", (GUILD,)))[0]
    started = time.perf_counter()
    batch = 5000
    for start in range(0, n, batch):
        rows, evals = [], []
        for i in range(start, min(n, start + batch)):
            summary = text(rng, vocab, weights, 60)
            for word, share in PLANTED.items():
                if rng.random() < share:
                    summary += " " + word
            rows.append((i + 1, f"id-{i}", f"https://news.example/{i}", text(rng, vocab, weights, 8),
                         summary, "", now, "Outlet", f"h{i}", now, now))
            evals.append((i + 1, topic_id, now))
        async with db.transaction() as conn:
            await conn.executemany(
                "INSERT INTO articles (id, identity, url, title, summary, content, published_at, source, "
                "content_hash, first_seen_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
            await conn.executemany(
                "INSERT INTO evaluations (article_id, topic_id, relevant, detail, content_hash, created_at) "
                "VALUES (?, ?, 1, '{}', 'h', ?)", evals)
    return time.perf_counter() - started


async def timed(fn, repeat: int) -> tuple[float, int]:
    times, found = [], 0
    for _ in range(repeat):
        t0 = time.perf_counter()
        found = len(await fn())
        times.append(time.perf_counter() - t0)
    return statistics.median(times) * 1000, found


async def main(articles: int, repeat: int, seed: int) -> None:
    rng = random.Random(seed)
    with tempfile.TemporaryDirectory() as tmp:
        async with await Database.open(Path(tmp) / "bench.db") as db:
            build_s = await build(db, articles, rng)
            await db.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            size = (Path(tmp) / "bench.db").stat().st_size
            fts_pages = (await db.fetchone(
                "SELECT SUM(pgsize) FROM dbstat WHERE name LIKE 'articles_fts%'"))
            fts_size = fts_pages[0] if fts_pages and fts_pages[0] else 0
            print(f"{articles:,} articles inserted (FTS triggers on) in {build_s:.1f} s; "
                  f"database {size / 1e6:.0f} MB, of which the article index {fts_size / 1e6:.0f} MB")
            rebuild_t0 = time.perf_counter()
            async with db.transaction() as conn:
                await conn.execute("INSERT INTO articles_fts (articles_fts) VALUES ('rebuild')")
            rebuild_s = time.perf_counter() - rebuild_t0
            print(f"index rebuilt from scratch (what the migration does) in {rebuild_s:.1f} s")
            print(f"\nmedian of {repeat} runs, limit {LIMIT}, ms")
            print(f"{'query':28} {'FTS5 ranked':>12} {'hits':>5} {'LIKE':>10} {'hits':>5} {'LIKE/FTS':>9}")
            for label, query in QUERIES:
                fts = search_store.fts_query(query)
                f_ms, f_n = await timed(
                    lambda q=fts: search_store.search_articles(db, GUILD, q, LIMIT), repeat)
                like_text = query.rstrip("*")
                l_ms, l_n = await timed(
                    lambda q=like_text: guild_store.search_articles(db, GUILD, q, LIMIT), repeat)
                print(f"{label:28} {f_ms:12.2f} {f_n:5d} {l_ms:10.2f} {l_n:5d} {l_ms / f_ms:8.1f}x")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    asyncio.run(main(args.articles, args.repeat, args.seed))
