"""Every lexical match result and change, dumped, so a speed-up can prove it changed nothing.

    python bench/lexical_dump.py OUT.txt [--entries 400]      # write the dump, print its digest
    python bench/lexical_dump.py OUT.txt --compare BEFORE.txt  # and show the first difference

What is dumped, per entry and topic: the gate, relevance, sentences and the concepts read from
them, every kept score (claim, score, evidence, features), each claim's window, and the repr of
every Change `detect_changes` returns. Inputs: bench/speed.py's synthetic entries against 10,
100 and 1,000 claims, and both labelled dev stories (full text and feed summary, from
../shared/corpus; skipped when absent). Lexical only (no semantic side): this is what the
lexical speed work (docs/performance.md, "Lexical speed") must keep byte-identical. Sets are
printed sorted, so the dump does not depend on PYTHONHASHSEED.
"""

from __future__ import annotations

import argparse
import hashlib
import random
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import speed
from bot.match import Matcher, Thresholds, detect_changes
from bot.models import Entry, TopicState


def _lines(topics: tuple[TopicState, ...], entries: Iterable[Entry], label: str) -> Iterator[str]:
    thresholds = Thresholds()
    matcher = Matcher(topics, thresholds)
    by_key = {t.key: t for t in topics}
    for entry in entries:
        for r in matcher.match(entry):
            yield f"== {label} {entry.identity} {r.topic_key} relevant={r.relevant} gate={r.gate!r}"
            yield f"sentences={r.sentences!r} title={r.title_sentences} scored={r.scored}"
            yield "concepts=" + repr([sorted(cs) for cs in r.sentence_concepts])
            yield f"windows={sorted(r.claim_windows.items())!r}"
            for m in r.scores:
                yield f"score {m!r}"
            yield "matches=" + repr([m.claim_key for m in r.matches])
            if r.relevant:
                for change in detect_changes(by_key[r.topic_key], entry, r, thresholds):
                    yield f"change {change!r}"


def _synthetic(n_entries: int, seed: int = 7) -> Iterator[str]:
    rng = random.Random(seed)
    entries = [speed.make_entry(i, rng) for i in range(n_entries)]
    for n in (10, 100, 1000):
        topic = speed.topic_with(speed.make_claims(n, random.Random(seed + n)))
        yield from _lines((topic,), entries if n <= 100 else entries[: n_entries // 2], f"synthetic{n}")


def _corpus() -> Iterator[str]:
    try:
        from bench.matchbench import modes
        from bench.matchbench.corpus import STORIES, load_story
    except ImportError:  # pragma: no cover - bench package layout changed
        return
    for name in STORIES:
        try:
            story = load_story(name)
        except FileNotFoundError:
            yield f"## story {name}: not found"
            continue
        for mode in ("full", "summary"):
            entries = modes.available()[mode].entries(story)
            yield from _lines(story.topics, entries, f"{name}/{mode}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out", type=Path)
    ap.add_argument("--entries", type=int, default=400)
    ap.add_argument("--compare", type=Path, default=None, help="an earlier dump to compare with")
    ap.add_argument("--no-corpus", action="store_true", help="synthetic entries only")
    args = ap.parse_args(argv)
    digest = hashlib.sha256()
    with args.out.open("w", encoding="utf-8") as f:
        for line in (*_synthetic(args.entries), *(() if args.no_corpus else _corpus())):
            f.write(line + "\n")
            digest.update(line.encode() + b"\n")
    print(f"{args.out}: sha256 {digest.hexdigest()}")
    if args.compare is None:
        return 0
    before = args.compare.read_text(encoding="utf-8").splitlines()
    after = args.out.read_text(encoding="utf-8").splitlines()
    for i, (a, b) in enumerate(zip(before, after, strict=False)):
        if a != b:
            print(f"first difference at line {i + 1}:\n- {a[:400]}\n+ {b[:400]}")
            return 1
    if len(before) != len(after):
        print(f"lengths differ: {len(before)} -> {len(after)} lines")
        return 1
    print(f"identical: {len(after)} lines")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
