"""The labelled dev stories, read from `../shared/corpus` (never copied into this repository).

A story is a `topics.yaml` (the project's feeds.yaml schema) and a JSON-lines file of
articles with `expected` labels (see the corpus READMEs). The main topic, whose claims are
scored, is the first topic of the file.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import yaml

from bot.config import TopicConfig, parse_config
from bot.match.figures import seed_claim_figures
from bot.models import ClaimState, TopicState

ROOT = Path(__file__).resolve().parents[2]
CORPUS_ENV = "DOSSIER_CORPUS"

# story name -> (articles file, topics file), relative to the corpus folder
STORIES: dict[str, tuple[str, str]] = {
    "dev": ("dev.jsonl", "topics.yaml"),
    "story3": ("story3/articles.jsonl", "story3/topics.yaml"),
}


def default_corpus() -> Path:
    """`$DOSSIER_CORPUS`, else `../shared/corpus` beside the repository (or beside a parent of
    it: a git worktree lives one level deeper than the main checkout)."""
    if os.environ.get(CORPUS_ENV):
        return Path(os.environ[CORPUS_ENV])
    for parent in (ROOT, *ROOT.parents):
        candidate = parent.parent / "shared" / "corpus"
        if candidate.is_dir():
            return candidate
    return ROOT.parent / "shared" / "corpus"


@dataclass(frozen=True)
class Story:
    name: str
    topics_raw: dict[str, Any]  # topics.yaml as loaded (for the replay's feeds.yaml)
    configs: tuple[TopicConfig, ...]  # validated, claims seeded with their figures
    topics: tuple[TopicState, ...]
    records: tuple[dict[str, Any], ...]  # file order

    @property
    def main_topic(self) -> str:
        return self.topics[0].key

    @property
    def claim_keys(self) -> tuple[str, ...]:
        return tuple(c.key for c in self.topics[0].claims)


def topic_states(configs: tuple[TopicConfig, ...]) -> tuple[TopicState, ...]:
    """TopicConfig -> TopicState, as the bot installs them (figures seeded from statements)."""
    return tuple(
        TopicState(
            key=t.key, title=t.title, keywords=t.keywords, exclude=t.exclude,
            claims=tuple(ClaimState(key=c.key, statement=c.statement, status=c.status, aliases=c.aliases,
                                    figures=c.figures, sources=c.sources) for c in t.claims),
        )
        for t in configs
    )


def load_records(path: Path) -> tuple[dict[str, Any], ...]:
    lines = path.read_text(encoding="utf-8").splitlines()
    return tuple(json.loads(line) for line in lines if line.strip())


class TopicsMismatch(ValueError):
    """A topics file that cannot score a story's labels (a labelled topic or claim key missing)."""


def label_keys(records: Sequence[dict[str, Any]]) -> tuple[set[str], set[str]]:
    """(topic keys, main-topic claim keys) the story's labels use."""
    topics: set[str] = set()
    claims: set[str] = set()
    for r in records:
        expected = r.get("expected") or {}
        topics.update(expected.get("topics") or {})
        claims.update(expected.get("claims") or [])
        claims.update(c["claim"] for c in expected.get("changes") or [] if c.get("claim"))
    return topics, claims


def check_keys(story: Story, source: Path | str) -> None:
    """Raise `TopicsMismatch` naming every labelled key `source` lacks: the labels are by key, so
    another admin's configuration must use the same topic and claim keys (and the same main
    topic first) to be scored on the same articles."""
    topics, claims = label_keys(story.records)
    have_topics = {t.key for t in story.topics}
    problems = []
    if missing := sorted(topics - have_topics):
        problems.append(f"topic keys in the labels missing from the file: {', '.join(missing)}")
    if missing := sorted(claims - set(story.claim_keys)):
        problems.append(f"claim keys of main topic {story.main_topic!r} in the labels missing from "
                        f"the file: {', '.join(missing)}")
    if problems:
        raise TopicsMismatch(f"{source} cannot score story {story.name!r}: " + "; ".join(problems))


def load_story(name: str, corpus: Path | None = None, topics_file: Path | None = None) -> Story:
    """A labelled story; `topics_file` replaces its topics.yaml (another admin's configuration
    of the same story, checked against the labels' keys)."""
    corpus = corpus or default_corpus()
    articles, topics = STORIES[name]
    topics_path = topics_file or corpus / topics
    raw = yaml.safe_load(topics_path.read_text(encoding="utf-8"))
    configs = seed_claim_figures(parse_config(raw, topics_path).topics)
    story = Story(name=name, topics_raw=raw, configs=configs, topics=topic_states(configs),
                  records=load_records(corpus / articles))
    if topics_file is not None:
        check_keys(story, topics_path)
    return story


def make_story(name: str, topics_raw: dict[str, Any], records: list[dict[str, Any]]) -> Story:
    """A story from data in memory (tests build a synthetic one)."""
    configs = seed_claim_figures(parse_config(topics_raw, Path(f"{name}.yaml")).topics)
    return Story(name=name, topics_raw=topics_raw, configs=configs, topics=topic_states(configs),
                 records=tuple(records))


def published(record: dict[str, Any]) -> datetime | None:
    """The record's `published` day as an aware datetime (noon UTC), None when unknown."""
    value = record.get("published")
    if not value:
        return None
    try:
        day = date.fromisoformat(str(value)[:10])
    except ValueError:
        return None
    return datetime(day.year, day.month, day.day, 12, tzinfo=UTC)


def date_order(records: tuple[dict[str, Any], ...] | list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Records in `published` order; an undated record goes right after the record before it
    in the file (undated records at the top of the file go first). Stable on equal days."""
    groups: list[tuple[datetime | None, list[dict[str, Any]]]] = []
    for record in records:
        when = published(record)
        if when is None and groups:
            groups[-1][1].append(record)
        else:
            groups.append((when, [record]))
    earliest = datetime.min.replace(tzinfo=UTC)
    ordered = sorted(groups, key=lambda g: g[0] or earliest)  # sorted() is stable
    return [r for _, group in ordered for r in group]
