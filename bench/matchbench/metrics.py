"""Scores against the corpus labels (definitions from the corpus READMEs and issue 12).

- topic P/R/F1 over (article, topic) pairs; labels `either` are not scored;
- claim P/R/F1 micro-averaged over articles, on the main (first) topic's claims;
- distinct changes: a labelled change counts once per (claim, kind, new value), values
  compared lower-cased without spaces, commas or currency signs; it is found when an article
  labelled with it yields that change (the first such article in date order is the one that
  moves the claim). Changes a system yields that no article of the story is labelled with
  (distinct the same way) are counted as spurious.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from bench.matchbench.predict import Prediction, SeenChange

_DROP = re.compile(r"[\s,$€£¥₹]+")


def norm_value(value: str | None) -> str:
    """Lower-cased, without spaces, commas or currency signs ("$500 Million" -> "500million")."""
    return _DROP.sub("", (value or "").lower())


def same_value(label: str | None, value: str | None) -> bool:
    """`value` states the labelled value: equal once normalised, or the labelled figure inside a
    figure text that adds its unit ("7,000" in "7,000 flights", but not "500" in "1,500")."""
    want, got = norm_value(label), norm_value(value)
    if not want or not got:
        return False
    if want == got:
        return True
    return re.search(rf"(?<![0-9.]){re.escape(want)}(?![0-9])", got) is not None


# Judging what a claim shows (not counting distinct labels, which the issue defines on the
# normalised text): a figure is its numbers, each times its scale word, so "7.000" states
# "7,000 flights" and "550 millones" states "$550 million". Bench-side reading only.
_SCALES = {"thousand": 1e3, "k": 1e3, "tausend": 1e3,
           "million": 1e6, "millions": 1e6, "millones": 1e6, "millon": 1e6, "millón": 1e6,
           "millionen": 1e6, "mio": 1e6, "mn": 1e6, "m": 1e6,
           "billion": 1e9, "billions": 1e9, "bn": 1e9, "milliard": 1e9, "milliards": 1e9,
           "milliarden": 1e9, "mrd": 1e9, "b": 1e9}
_NUMBER = re.compile(r"(\d[\d,.]*)\s*([a-zA-Zäöüéó]+)?")


def _number(text: str) -> float | None:
    if re.fullmatch(r"\d{1,3}(?:[.,]\d{3})+", text):  # 7,000 / 7.000 / 1,234,567
        return float(re.sub(r"[.,]", "", text))
    try:
        return float(text.replace(",", ""))
    except ValueError:
        return None


def figure_values(text: str | None) -> tuple[float, ...]:
    """The numbers a figure text states, scaled ("350 y 500 millones" -> 3.5e8, 5e8)."""
    found: list[tuple[float, float | None]] = []
    for m in _NUMBER.finditer(text or ""):
        value = _number(m.group(1).rstrip(".,"))
        if value is not None:
            found.append((value, _SCALES.get((m.group(2) or "").lower())))
    out: list[float] = []
    scale = 1.0
    for value, own in reversed(found):  # "350 to 500 million": the scale word applies to both
        scale = own if own is not None else scale
        out.append(value * scale)
    return tuple(reversed(out))


def same_figure(label: str | None, value: str | None) -> bool:
    """`value` shows the labelled figure: `same_value`, or the same numbers once scaled."""
    if same_value(label, value):
        return True
    if ("%" in (label or "")) != ("%" in (value or "")):
        return False
    want = figure_values(label)
    return bool(want) and want == figure_values(value)


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

    def as_dict(self) -> dict[str, float | int]:
        return {"p": round(self.p, 3), "r": round(self.r, 3), "f1": round(self.f1, 3),
                "tp": self.tp, "fp": self.fp, "fn": self.fn}


ChangeKey = tuple[str, str, str]  # claim, kind, normalised value


@dataclass(frozen=True)
class LabelledChange:
    claim: str
    kind: str
    to: str  # as the first article carrying it writes it
    records: tuple[str, ...]  # ids of the articles labelled with it, in the order given

    def key(self) -> ChangeKey:
        return self.claim, self.kind, norm_value(self.to)


def labelled_changes(records: Iterable[dict[str, Any]]) -> list[LabelledChange]:
    """Distinct labelled changes, in order of first appearance in `records`."""
    seen: dict[ChangeKey, LabelledChange] = {}
    for record in records:
        for lab in record["expected"].get("changes") or ():
            key = (lab["claim"], lab["kind"], norm_value(lab["to"]))
            old = seen.get(key)
            ids = (*old.records, record["id"]) if old else (record["id"],)
            seen[key] = LabelledChange(lab["claim"], lab["kind"], old.to if old else lab["to"], ids)
    return list(seen.values())


def carries(change: SeenChange, claim: str, kind: str, to: str) -> bool:
    return change.claim == claim and change.kind == kind and same_value(to, change.after)


@dataclass
class Scores:
    topic: Counts = field(default_factory=Counts)
    claim: Counts = field(default_factory=Counts)
    per_claim: dict[str, Counts] = field(default_factory=dict)  # claim key -> its own counts
    changes_labelled: int = 0  # distinct
    changes_found: int = 0  # distinct
    changes_spurious: int = 0  # distinct values yielded that no article is labelled with
    changes_emitted: int = 0  # status/figure changes yielded, all articles
    changes_confident: int = 0
    missed_changes: list[str] = field(default_factory=list)
    spurious_changes: list[str] = field(default_factory=list)
    misses: list[str] = field(default_factory=list)  # per-article differences, for --verbose

    def as_dict(self) -> dict[str, Any]:
        return {"topic": self.topic.as_dict(), "claim": self.claim.as_dict(),
                "per_claim": {k: c.as_dict() for k, c in sorted(self.per_claim.items())},
                "changes": {"labelled": self.changes_labelled, "found": self.changes_found,
                            "spurious": self.changes_spurious, "emitted": self.changes_emitted,
                            "confident": self.changes_confident,
                            "missed": self.missed_changes, "spurious_values": self.spurious_changes}}


def score(records: Sequence[dict[str, Any]], predictions: Sequence[Prediction], main_topic: str,
          *, with_changes: bool = True) -> Scores:
    """Compare one system's predictions (one per record, same order) with the labels."""
    out = Scores()
    yielded: dict[str, list[SeenChange]] = {}
    for rec, pred in zip(records, predictions, strict=True):
        exp = rec["expected"]
        for topic_key, label in exp["topics"].items():
            if label == "either":
                continue
            got = bool(pred.relevant.get(topic_key))
            out.topic.add({topic_key} if got else set(), {topic_key} if label == "yes" else set())
            if got != (label == "yes"):
                out.misses.append(f"{rec['id']}: topic {topic_key} labelled {label}, got {got}")
        expected = set(exp.get("claims") or ())
        out.claim.add(pred.claims, expected)
        for key in pred.claims | expected:
            out.per_claim.setdefault(key, Counts()).add(pred.claims & {key}, expected & {key})
        if pred.claims != expected:
            out.misses.append(f"{rec['id']}: claims missing {sorted(expected - pred.claims)}, "
                              f"extra {sorted(pred.claims - expected)}")
        main = [c for c in pred.changes if c.topic == main_topic]
        yielded[rec["id"]] = main
        out.changes_emitted += len(main)
        out.changes_confident += sum(c.confident for c in main)
    if not with_changes:
        return out
    labelled = labelled_changes(records)
    out.changes_labelled = len(labelled)
    for lab in labelled:
        if any(carries(c, lab.claim, lab.kind, lab.to) for rid in lab.records for c in yielded[rid]):
            out.changes_found += 1
        else:
            out.missed_changes.append(f"{lab.claim} {lab.kind} -> {lab.to}")
    spurious: dict[ChangeKey, SeenChange] = {}
    for changes in yielded.values():
        for c in changes:
            if not any(carries(c, lab.claim, lab.kind, lab.to) for lab in labelled):
                spurious.setdefault((c.claim, c.kind, norm_value(c.after)), c)
    out.changes_spurious = len(spurious)
    out.spurious_changes = [f"{c.claim} {c.kind} -> {c.after}" for c in spurious.values()]
    return out
