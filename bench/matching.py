"""Matching quality on both labelled dev stories, in one run (issue 12; page mode: issue 11).

    python bench/matching.py [--story dev|story3|all] [--mode full,summary,page] [--replay]
                             [--replay-mode full,summary,page] [--learning] [--all]
                             [--json] [--verbose] [--corpus PATH]
                             [--topics STORY=FILE ...] [--systems dossier,naive,minilm]

For each story (`../shared/corpus/dev.jsonl` + topics.yaml, `../shared/corpus/story3/`, read
from disk, never copied) and each feed mode (full text; title + ~300-character summary; page
mode once branch `article` registers it), Dossier and two baselines measured in the same run:
topic and claim P/R/F1 and distinct labelled changes found (definitions in
bench/matchbench/metrics.py). Then each story is followed as a server would follow it (`dossier
run --once` per feed snapshot, bench/matchbench/replay.py; `--replay`) and the review-learning
simulation (bench/matchbench/learning.py; `--learning`); `--all` runs both. They start the bot
once per snapshot, so they take minutes, not seconds. Speed is
bench/speed.py.

`--topics STORY=FILE` (repeatable) scores a story's labelled articles under another admin's
configuration of the same story (feeds.yaml `topics:` schema, same topic and claim keys as the
labels: the bench stops and names any labelled key the file lacks). It shows how much the figures
depend on how claims and keywords are phrased (docs/performance.md, "Robustness to how claims
are written"). `--systems dossier` skips the two baselines.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.matchbench import modes as mode_registry
from bench.matchbench.corpus import STORIES, TopicsMismatch, default_corpus, load_story
from bench.matchbench.learning import simulate
from bench.matchbench.quality import SYSTEMS, measure, predictors
from bench.matchbench.replay import FEED_KINDS, replay
from bench.matchbench.report import Out, learning_block, misses, mode_table, replay_block
from bot.match import Thresholds


def build_parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--story", choices=(*STORIES, "all"), default="all")
    ap.add_argument("--mode", default="all", help="comma-separated modes (default: all registered)")
    ap.add_argument("--corpus", type=Path, default=None,
                    help="corpus folder (default: $DOSSIER_CORPUS or ../shared/corpus)")
    ap.add_argument("--low", type=float, default=None, help="match threshold (default: the bot's)")
    ap.add_argument("--high", type=float, default=None, help="apply threshold (default: the bot's)")
    ap.add_argument("--replay", action=argparse.BooleanOptionalAction, default=False,
                    help="also follow each story as a server would")
    ap.add_argument("--replay-mode", default="full",
                    help=f"comma-separated feeds to replay: {', '.join(FEED_KINDS)} (default: full)")
    ap.add_argument("--learning", action=argparse.BooleanOptionalAction, default=False,
                    help="also run the review-learning simulation")
    ap.add_argument("--all", action="store_true", help="--replay and --learning")
    ap.add_argument("--topics", action="append", default=[], metavar="STORY=FILE",
                    help="score STORY under the topics in FILE instead of its topics.yaml "
                         "(same topic and claim keys as the labels; repeatable)")
    ap.add_argument("--systems", default="all",
                    help=f"comma-separated systems: {', '.join(SYSTEMS)} (default: all)")
    ap.add_argument("--json", action="store_true", help="print the figures as one JSON document")
    ap.add_argument("--verbose", "-v", action="store_true", help="print what Dossier missed, per article")
    return ap


def _choices(given: str, known: dict, what: str) -> list[str]:
    names = list(known) if given == "all" else [n.strip() for n in given.split(",")]
    unknown = [n for n in names if n not in known]
    if unknown:
        raise SystemExit(f"unknown {what} {unknown}; known: {', '.join(known)}")
    return names


def run_story(name: str, args: argparse.Namespace, thresholds: Thresholds, out: Out) -> dict[str, Any]:
    """One story: every mode and system, then the replay and the learning simulation."""
    story = load_story(name, args.corpus, args.topics_files.get(name))
    available = mode_registry.available()
    systems = {k: v for k, v in predictors(story, thresholds).items() if k in args.systems}
    results = [measure(story, available[m], systems) for m in args.modes]
    source = f"; topics from {args.topics_files[name]}" if name in args.topics_files else ""
    out(f"\n== {name}: {len(story.records)} articles, main topic {story.main_topic} "
        f"({len(story.claim_keys)} claims){source}")
    mode_table(results, out)
    if args.verbose:
        misses(results, out)
    entry: dict[str, Any] = {"articles": len(story.records), "main_topic": story.main_topic,
                             "topics_file": str(args.topics_files.get(name, "")) or None,
                             "modes": {r.mode.name: r.as_dict() for r in results}}
    # the bot under replay runs with the same thresholds as the in-process matcher
    env = {"DOSSIER_MATCH_LOW": str(thresholds.low), "DOSSIER_MATCH_HIGH": str(thresholds.high)}
    if args.replay:
        entry["replay"] = {}
        for kind in args.replay_kinds:
            followed = replay(story, FEED_KINDS[kind], env=env)
            replay_block(followed, out, verbose=args.verbose)
            entry["replay"][kind] = followed.summary()
    if args.learning:
        learnt = simulate(story, FEED_KINDS[args.replay_kinds[0]], env=env)
        learning_block(learnt, out, verbose=args.verbose)
        entry["learning"] = learnt.as_dict()
    return entry


def _topics_files(given: list[str]) -> dict[str, Path]:
    """`--topics STORY=FILE` values -> {story: file}; unknown story or missing file: exit."""
    out: dict[str, Path] = {}
    for item in given:
        name, sep, file = item.partition("=")
        if not sep or not file:
            raise SystemExit(f"--topics {item!r}: expected STORY=FILE")
        if name not in STORIES:
            raise SystemExit(f"--topics {item!r}: unknown story {name!r}; known: {', '.join(STORIES)}")
        if not Path(file).is_file():
            raise SystemExit(f"--topics {item!r}: no file {file}")
        out[name] = Path(file)
    return out


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    args.corpus = args.corpus or default_corpus()
    if not args.corpus.is_dir():
        print(f"no corpus at {args.corpus}: pass --corpus or set DOSSIER_CORPUS", file=sys.stderr)
        return 2
    args.modes = _choices(args.mode, mode_registry.available(), "mode")
    args.replay_kinds = _choices(args.replay_mode, FEED_KINDS, "replay mode")
    args.systems = _choices(args.systems, dict.fromkeys(SYSTEMS), "system")
    if "dossier" not in args.systems:
        raise SystemExit("--systems must include dossier (the ratios and changes are Dossier's)")
    args.topics_files = _topics_files(args.topics)
    args.replay = args.replay or args.all
    args.learning = args.learning or args.all
    default = Thresholds()
    thresholds = Thresholds(low=default.low if args.low is None else args.low,
                            high=default.high if args.high is None else args.high)
    out: Out = (lambda _line: None) if args.json else print
    given = argv if argv is not None else sys.argv[1:]
    doc: dict[str, Any] = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": " ".join(["python bench/matching.py", *given]), "corpus": str(args.corpus),
        "thresholds": {"low": thresholds.low, "high": thresholds.high}, "stories": {},
    }
    from bench.matchbench.predict import _semantic_scorer

    scoring = "lexical + semantic (one combined score)" if _semantic_scorer() else "lexical only"
    out(f"corpus {args.corpus}; thresholds low={thresholds.low} high={thresholds.high}; dossier: {scoring}")
    t_start = time.perf_counter()
    for name in STORIES if args.story == "all" else [args.story]:
        try:
            doc["stories"][name] = run_story(name, args, thresholds, out)
        except TopicsMismatch as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
    doc["seconds"] = round(time.perf_counter() - t_start, 1)
    out(f"\n({doc['seconds']} s)")
    if args.json:
        print(json.dumps(doc, indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
