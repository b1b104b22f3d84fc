"""Export a topic's dossier: each claim as it stands, then every revision that made it so.

The data is gathered here once (`export_topic`) and rendered by `bot.render.dossier` as
Markdown (a readable file to hand to a colleague), CSV (one row per revision) or JSON
(versioned, for other tools). The CLI and `/export` both call `export_file`.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from bot.diff.words import grouped_lines
from bot.render.dossier import RENDERERS, ArticleInfo, ClaimExport, DossierExport, RevisionExport
from bot.service.browse import require_topic
from bot.service.errors import InvalidInputError, shown
from storage import claims_admin
from storage import export as export_store
from storage.db import Database, utcnow

FORMATS = ("md", "csv", "json")


@dataclass(frozen=True)
class ExportFile:
    filename: str
    content: str
    export: DossierExport


def applied_by(actor: str) -> str:
    """Who or what applied a revision, in the words an export reader expects."""
    if actor == "dossier":
        return "auto"
    if actor.startswith("admin:"):
        return "admin"
    return actor


def _diff_lines(prev: export_store.RevisionRow | None, cur: export_store.RevisionRow) -> tuple[str, ...]:
    if prev is None:
        lines = [f"+ statement: {cur.statement}", f"+ status: {cur.status}"]
        lines += [f"+ figure: {f}" for f in cur.figures]
        lines += [f"+ source: {s}" for s in cur.sources]
        return tuple(lines)
    lines = []
    if prev.status != cur.status:
        lines += [f"- status: {prev.status}", f"+ status: {cur.status}"]
    lines += [f"- figure: {f}" for f in prev.figures if f not in cur.figures]
    lines += [f"+ figure: {f}" for f in cur.figures if f not in prev.figures]
    lines += [f"- source: {s}" for s in prev.sources if s not in cur.sources]
    lines += [f"+ source: {s}" for s in cur.sources if s not in prev.sources]
    if prev.statement != cur.statement:
        lines += list(grouped_lines(prev.statement, cur.statement)) or [
            f"- {prev.statement}", f"+ {cur.statement}"]
    return tuple(lines)


def _revisions(rows: list[export_store.RevisionRow]) -> list[RevisionExport]:
    out = []
    prev = None
    for r in rows:
        article = None
        if r.article_url or r.article_title:
            article = ArticleInfo(r.article_url, r.article_title, r.article_source, r.article_published)
        out.append(RevisionExport(
            rev=r.rev, date=r.created_at, change=r.change_kind, status=r.status,
            status_before=prev.status if prev is not None and prev.status != r.status else None,
            statement=r.statement, diff=_diff_lines(prev, r), figures=r.figures, sources=r.sources,
            evidence=r.evidence, score=r.score, article=article, applied_by=applied_by(r.actor),
            actor=r.actor, reason=r.reason,
        ))
        prev = r
    return out


async def export_topic(db: Database, guild_id: int, topic_key: str) -> DossierExport:
    """Every claim of the topic (retired ones last) with its full timeline.

    The word diffs are computed in a worker thread: a topic with thousands of revisions must
    not hold up the event loop (Discord's heartbeat).
    """
    topic = await require_topic(db, guild_id, topic_key)
    claims = await claims_admin.claims_of_topic(db, guild_id, topic.key, include_retired=True)
    rows = await export_store.topic_revisions(db, topic.id)
    return await asyncio.to_thread(_assemble, guild_id, topic.key, topic.title, claims, rows)


def _assemble(guild_id: int, topic_key: str, topic_title: str, claims: list[claims_admin.ClaimRow],
              rows: list[export_store.RevisionRow]) -> DossierExport:
    by_claim: dict[int, list[export_store.RevisionRow]] = {}
    for row in rows:
        by_claim.setdefault(row.claim_id, []).append(row)
    ordered = sorted(claims, key=lambda c: (c.retired_at is not None, c.id))
    return DossierExport(
        topic_key=topic_key, topic_title=topic_title, guild_id=guild_id, exported_at=utcnow(),
        claims=[
            ClaimExport(
                key=c.state.key, statement=c.state.statement, status=c.state.status.value,
                aliases=c.state.aliases, figures=c.state.figures, sources=c.state.sources,
                retired_at=c.retired_at, merged_into=c.merged_into_key,
                revisions=_revisions(by_claim.get(c.id, [])),
            )
            for c in ordered
        ],
    )


def parse_format(value: str) -> str:
    fmt = (value or "").strip().lower().lstrip(".")
    if fmt == "markdown":
        fmt = "md"
    if fmt not in FORMATS:
        raise InvalidInputError(f"Unknown export format {shown(value)}: use md, csv or json.")
    return fmt


async def export_file(db: Database, guild_id: int, topic_key: str, fmt: str) -> ExportFile:
    """The rendered file for `topic_key` in `fmt` (md, csv or json)."""
    fmt = parse_format(fmt)
    data = await export_topic(db, guild_id, topic_key)
    stamp = data.exported_at.strftime("%Y%m%d")
    content = await asyncio.to_thread(RENDERERS[fmt], data)
    return ExportFile(f"dossier-{data.topic_key}-{stamp}.{fmt}", content, data)
