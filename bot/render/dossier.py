"""Render an exported dossier as Markdown, CSV or JSON (pure functions).

Feed text (titles, evidence, outlets) is untrusted here as in posts. Markdown: one line per
value, markdown escaped and mentions broken (the file may be pasted into Discord or a wiki),
diff lines inside a code block that cannot be closed. CSV: control characters removed and a
cell that a spreadsheet would run as a formula (=, +, -, @) starts with an apostrophe. JSON:
control characters removed, nothing else changed: it is data for other tools.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.render.sanitize import clean, code_block_safe, collapse_whitespace, strip_control

JSON_FORMAT_VERSION = 1  # bump only when a field is renamed or removed; new fields are fine


# --- what is rendered (gathered by bot.service.export) ----------------------------------------


@dataclass(frozen=True)
class ArticleInfo:
    url: str | None
    title: str | None
    source: str | None
    published: datetime | None


@dataclass(frozen=True)
class RevisionExport:
    rev: int
    date: datetime | None
    change: str  # created, status_change, figure_change, new_source, edit, merge, retired, ...
    status: str
    status_before: str | None  # set when this revision changed the status
    statement: str
    diff: tuple[str, ...]  # "- old" / "+ new" lines, as in posts
    figures: tuple[str, ...]
    sources: tuple[str, ...]
    evidence: str | None
    score: float | None
    article: ArticleInfo | None
    applied_by: str  # auto | admin | feeds.yaml (or the raw actor if unknown)
    actor: str  # feeds.yaml | dossier | admin:<user id>
    reason: str


@dataclass(frozen=True)
class ClaimExport:
    key: str
    statement: str
    status: str
    aliases: tuple[str, ...]
    figures: tuple[str, ...]
    sources: tuple[str, ...]
    retired_at: datetime | None
    merged_into: str | None
    revisions: list[RevisionExport]


@dataclass(frozen=True)
class DossierExport:
    topic_key: str
    topic_title: str
    guild_id: int
    exported_at: datetime
    claims: list[ClaimExport]

    @property
    def revision_count(self) -> int:
        return sum(len(c.revisions) for c in self.claims)



# --- helpers ------------------------------------------------------------------------------


def _date(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M UTC") if value else "unknown date"


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _list(values: tuple[str, ...]) -> str:
    return ", ".join(clean(v) for v in values) if values else "none"


# --- Markdown -----------------------------------------------------------------------------


def _md_revision(r: RevisionExport) -> list[str]:
    kind = r.change.replace("_", " ")
    out = [f"- **rev {r.rev}** · {_date(r.date)} · {clean(kind)} · applied by {clean(r.applied_by)}"]
    if r.diff:
        out.append("")
        out.append("  ```diff")
        out += ["  " + line[:2] + code_block_safe(collapse_whitespace(line[2:])) for line in r.diff]
        out.append("  ```")
    if r.evidence:
        score = f" (score {r.score:.1f})" if r.score is not None else ""
        out.append(f"  - Evidence{score}: “{clean(r.evidence)}”")
    if r.article is not None:
        a = r.article
        parts = [clean(a.title or "(untitled)")]
        if a.source:
            parts.append(clean(a.source))
        if a.published:
            parts.append(f"published {_date(a.published)}")
        if a.url:
            parts.append(clean(a.url))
        out.append("  - Article: " + " — ".join(parts))
    if r.reason and r.applied_by != "auto":
        out.append(f"  - Note: {clean(r.reason)}")
    return out


def _md_claim(index: int, c: ClaimExport) -> list[str]:
    out = [f"### {index}. {clean(c.statement)}", ""]
    out.append(f"- Claim: `{code_block_safe(c.key)}`")
    out.append(f"- Status: **{clean(c.status)}**")
    out.append(f"- Figures: {_list(c.figures)}")
    out.append(f"- Sources: {_list(c.sources)}")
    if c.aliases:
        out.append(f"- Also phrased as: {_list(c.aliases)}")
    if c.retired_at is not None:
        merged = f", merged into `{code_block_safe(c.merged_into)}`" if c.merged_into else ""
        out.append(f"- Retired on {_date(c.retired_at)}{merged}")
    out += ["", f"#### Timeline ({len(c.revisions)} revisions)", ""]
    for r in c.revisions:
        out += _md_revision(r)
    out.append("")
    return out


def to_markdown(data: DossierExport) -> str:
    """A readable dossier: each claim as it stands, then its timeline, oldest first."""
    out = [
        f"# Dossier: {clean(data.topic_title)}",
        "",
        f"Topic `{code_block_safe(data.topic_key)}` · exported {_date(data.exported_at)} · "
        f"{len(data.claims)} claims · {data.revision_count} revisions",
        "",
        "Each claim shows its current status, figures and sources, then every revision: what "
        "changed, the evidence sentence, the article, and who applied it (auto: Dossier on a "
        "confident match; admin: a server admin; feeds.yaml: the operator's file).",
        "",
        "## Claims",
        "",
    ]
    for i, claim in enumerate(data.claims, start=1):
        out += _md_claim(i, claim)
    return "\n".join(out).rstrip() + "\n"


# --- CSV ----------------------------------------------------------------------------------

CSV_COLUMNS = (
    "topic", "claim", "rev", "date", "change", "status", "status_before", "statement", "diff",
    "figures", "sources", "evidence", "score", "article_url", "article_title", "article_source",
    "article_published", "applied_by", "actor", "reason",
)
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: object) -> str:
    """Text a spreadsheet shows rather than runs: a leading =, +, - or @ gets an apostrophe."""
    text = "" if value is None else strip_control(str(value))
    return "'" + text if text.startswith(_FORMULA_START) else text


def to_csv(data: DossierExport) -> str:
    """One row per revision, oldest first within each claim."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for c in data.claims:
        for r in c.revisions:
            a = r.article
            writer.writerow([csv_cell(v) for v in (
                data.topic_key, c.key, r.rev, _iso(r.date), r.change, r.status, r.status_before,
                r.statement, "\n".join(r.diff), "; ".join(r.figures), "; ".join(r.sources),
                r.evidence, "" if r.score is None else f"{r.score:.1f}",
                a.url if a else None, a.title if a else None, a.source if a else None,
                _iso(a.published) if a else None, r.applied_by, r.actor, r.reason,
            )])
    return buf.getvalue()


# --- JSON ---------------------------------------------------------------------------------


def _text(value: str | None) -> str | None:
    return None if value is None else strip_control(value)


def _revision_json(r: RevisionExport) -> dict[str, Any]:
    a = r.article
    return {
        "rev": r.rev, "date": _iso(r.date), "change": r.change, "status": r.status,
        "status_before": r.status_before, "statement": _text(r.statement),
        "diff": [_text(line) for line in r.diff], "figures": [_text(f) for f in r.figures],
        "sources": [_text(s) for s in r.sources], "evidence": _text(r.evidence),
        "score": None if r.score is None else round(r.score, 1),
        "article": None if a is None else {
            "url": _text(a.url), "title": _text(a.title), "source": _text(a.source),
            "published": _iso(a.published),
        },
        "applied_by": r.applied_by, "actor": r.actor, "reason": _text(r.reason),
    }


def to_json(data: DossierExport) -> str:
    """Versioned (`"format": 1`): fields may be added, never renamed or removed."""
    doc = {
        "format": JSON_FORMAT_VERSION,
        "exported_at": _iso(data.exported_at),
        "topic": {"key": data.topic_key, "title": _text(data.topic_title), "guild_id": data.guild_id},
        "claims": [
            {
                "key": c.key, "statement": _text(c.statement), "status": c.status,
                "aliases": [_text(x) for x in c.aliases], "figures": [_text(x) for x in c.figures],
                "sources": [_text(x) for x in c.sources], "retired_at": _iso(c.retired_at),
                "merged_into": c.merged_into,
                "revisions": [_revision_json(r) for r in c.revisions],
            }
            for c in data.claims
        ],
    }
    return json.dumps(doc, ensure_ascii=False, indent=2) + "\n"


RENDERERS: dict[str, Callable[[DossierExport], str]] = {
    "md": to_markdown, "csv": to_csv, "json": to_json,
}
