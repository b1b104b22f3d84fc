"""Matching quality on the labelled corpus: topic and claim precision/recall/F1, changes found.

    python bench/matching.py [--corpus ../shared/corpus] [--verbose]

Reads `topics.yaml` and `dev.jsonl` from the corpus folder (never copied into this repo) and
scores two feed kinds built from each record: "full text" (title + the text as content) and
"title + summary" (title + the lead, whole sentences up to ~1,200 characters, as summary, no
content: see `summary_of`).
Definitions follow the corpus README: topic labels `either` are not scored; claim P/R/F1 is
micro-averaged over articles on the claims of the first topic (microsoft-imod); a labelled
change {claim, kind, to} is found when `detect_changes` yields that kind on that claim with
`to` inside `after` (both normalised). The naive baseline (keyword gate + rapidfuzz
token_set_ratio >= 50 of each claim statement against the whole text) runs in the same process.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import yaml
from rapidfuzz import fuzz

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.match import Matcher, Thresholds, detect_changes  # noqa: E402
from bot.match.figures import extract_figures  # noqa: E402
from bot.match.gate import Gate  # noqa: E402
from bot.match.normalise import fold  # noqa: E402
from bot.match.sentences import split_sentences  # noqa: E402
from bot.models import ClaimState, Entry, Status, TopicState  # noqa: E402

CLAIM_TOPIC = "microsoft-imod"
SUMMARY_CHARS = 1200


def load_topics(path: Path) -> list[TopicState]:
    """topics.yaml -> TopicState, each claim starting with the figures its statement names."""
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    out = []
    for t in raw["topics"]:
        claims = tuple(
            ClaimState(key=c["key"], statement=c["statement"], status=Status(c.get("status", "alleged")),
                       aliases=tuple(c.get("aliases") or ()), figures=extract_figures(c["statement"]))
            for c in t.get("claims") or ()
        )
        out.append(TopicState(
            key=t["key"], title=t["title"],
            keywords=tuple(tuple(str(k) for k in g) for g in t.get("keywords") or ()),
            exclude=tuple(str(k) for k in t.get("exclude") or ()), claims=claims,
        ))
    return out


def load_records(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _published(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(value).replace(tzinfo=UTC)
    except ValueError:
        return None


def summary_of(text: str) -> str:
    """What a title + summary feed carries: the lead, whole sentences up to ~SUMMARY_CHARS.

    SUMMARY_CHARS (1,200 characters, about 190 words) is the length under which the naive
    baseline scores on this split what the issue reports for title + summary feeds (0.38):
    feeds that carry a summary usually carry the lead paragraphs, not one line.
    """
    out: list[str] = []
    size = 0
    for sentence in split_sentences(text):
        if out and size + len(sentence) + 1 > SUMMARY_CHARS:
            break
        out.append(sentence)
        size += len(sentence) + 1
    first = " ".join(out)
    if len(first) > SUMMARY_CHARS:
        cut = first.rfind(" ", 0, SUMMARY_CHARS)
        first = first[: cut if cut > 0 else SUMMARY_CHARS] + "…"
    return first


def make_entry(record: dict, kind: str) -> Entry:
    text = record.get("text") or ""
    title = record.get("title") or ""
    summary, content = ("", text) if kind == "full" else (summary_of(text), "")
    return Entry(identity=record["id"], url=record.get("url"), title=title, summary=summary,
                 content=content, published=_published(record.get("published")),
                 source=record.get("source") or "", content_hash=record["id"])


@dataclass
class Counts:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    def add(self, predicted: set[str], expected: set[str]) -> None:
        self.tp += len(predicted & expected)
        self.fp += len(predicted - expected)
        self.fn += len(expected - predicted)

    @property
    def p(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def r(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        return 2 * self.p * self.r / (self.p + self.r) if self.p + self.r else 0.0

    def line(self) -> str:
        return f"P {self.p:.2f}  R {self.r:.2f}  F1 {self.f1:.2f}  (tp {self.tp}, fp {self.fp}, fn {self.fn})"


@dataclass
class Report:
    topic: Counts = field(default_factory=Counts)
    claim: Counts = field(default_factory=Counts)
    changes_found: int = 0
    changes_labelled: int = 0
    changes_emitted: int = 0
    confident: int = 0
    seconds: float = 0.0
    misses: list[str] = field(default_factory=list)


def _norm(value: str) -> str:
    return re.sub(r"[\s,]", "", fold(value))


Predictor = Callable[[Entry], tuple[dict[str, bool], set[str], list[tuple[str, str, str, bool]]]]


def dossier_predictor(topics: list[TopicState], thresholds: Thresholds) -> Predictor:
    matcher = Matcher(topics, thresholds)
    by_key = {t.key: t for t in topics}

    def predict(entry: Entry) -> tuple[dict[str, bool], set[str], list[tuple[str, str, str, bool]]]:
        results = matcher.match(entry)
        relevant = {r.topic_key: r.relevant for r in results}
        claims: set[str] = set()
        changes: list[tuple[str, str, str, bool]] = []
        for r in results:
            if r.topic_key == CLAIM_TOPIC:
                claims = {m.claim_key for m in r.matches}
            if r.relevant:
                for c in detect_changes(by_key[r.topic_key], entry, r, thresholds):
                    changes.append((c.claim_key or "", c.kind.value, c.after or "", c.confident))
        return relevant, claims, changes

    return predict


def baseline_predictor(topics: list[TopicState]) -> Predictor:
    """Keyword gate + token_set_ratio >= 50 of each claim statement over the whole text."""
    gates = {t.key: Gate(t.keywords, t.exclude) for t in topics}
    claim_topic = next(t for t in topics if t.key == CLAIM_TOPIC)

    def predict(entry: Entry) -> tuple[dict[str, bool], set[str], list[tuple[str, str, str, bool]]]:
        text = f"{entry.title}\n{entry.body}"
        relevant = {k: g.check(fold(text)).passed for k, g in gates.items()}
        claims = set()
        if relevant[CLAIM_TOPIC]:
            claims = {c.key for c in claim_topic.claims
                      if fuzz.token_set_ratio(c.statement, text, processor=str.lower) >= 50}
        return relevant, claims, []

    return predict


def evaluate(records: list[dict], kind: str, predict: Predictor) -> Report:
    rep = Report()
    t0 = time.perf_counter()
    for rec in records:
        entry = make_entry(rec, kind)
        relevant, claims, changes = predict(entry)
        exp = rec["expected"]
        for topic_key, label in exp["topics"].items():
            if label == "either":
                continue
            pred = {topic_key} if relevant.get(topic_key) else set()
            rep.topic.add(pred, {topic_key} if label == "yes" else set())
            if bool(pred) != (label == "yes"):
                rep.misses.append(f"{rec['id']}: topic {topic_key} expected {label}, got {bool(pred)}")
        expected_claims = set(exp.get("claims") or ())
        rep.claim.add(claims, expected_claims)
        if claims != expected_claims:
            rep.misses.append(f"{rec['id']}: claims missing {sorted(expected_claims - claims)}, "
                              f"extra {sorted(claims - expected_claims)}")
        rep.changes_emitted += len(changes)
        rep.confident += sum(1 for c in changes if c[3])
        for lab in exp.get("changes") or ():
            rep.changes_labelled += 1
            hit = any(c[0] == lab["claim"] and c[1] == lab["kind"] and _norm(lab["to"]) in _norm(c[2])
                      for c in changes)
            rep.changes_found += hit
            if not hit:
                got = [c for c in changes if c[0] == lab["claim"]]
                rep.misses.append(f"{rec['id']}: change {lab} not found; on that claim: {got}")
    rep.seconds = time.perf_counter() - t0
    return rep


def _ratio(a: float, b: float) -> str:
    return f"x{a / b:.2f}" if b else "n/a"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", default=str(ROOT.parent / "shared" / "corpus"))
    ap.add_argument("--low", type=float, default=None)
    ap.add_argument("--high", type=float, default=None)
    ap.add_argument("--verbose", "-v", action="store_true", help="print per-article misses")
    args = ap.parse_args(argv)
    corpus = Path(args.corpus)
    topics = load_topics(corpus / "topics.yaml")
    records = load_records(corpus / "dev.jsonl")
    default = Thresholds()
    thresholds = Thresholds(low=args.low if args.low is not None else default.low,
                            high=args.high if args.high is not None else default.high)
    print(f"corpus {corpus} ({len(records)} articles), "
          f"thresholds low={thresholds.low} high={thresholds.high}")
    for kind, label in (("full", "full-text feeds"), ("summary", "title + summary feeds")):
        ours = evaluate(records, kind, dossier_predictor(topics, thresholds))
        base = evaluate(records, kind, baseline_predictor(topics))
        print(f"\n== {label}")
        print(f"  topic   dossier  {ours.topic.line()}")
        print(f"          baseline {base.topic.line()}   F1 ratio {_ratio(ours.topic.f1, base.topic.f1)}")
        print(f"  claim   dossier  {ours.claim.line()}")
        print(f"          baseline {base.claim.line()}   F1 ratio {_ratio(ours.claim.f1, base.claim.f1)}")
        print(f"  changes found    {ours.changes_found} of {ours.changes_labelled} labelled "
              f"(baseline {base.changes_found}); {ours.changes_emitted} changes emitted, "
              f"{ours.confident} confident")
        print(f"  time             dossier {1000 * ours.seconds / len(records):.2f} ms/article, "
              f"baseline {1000 * base.seconds / len(records):.2f} ms/article")
        if args.verbose:
            for miss in ours.misses:
                print(f"    - {miss}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
