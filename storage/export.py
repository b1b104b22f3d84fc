"""Reads for exporting a topic's dossier: every claim (retired ones too) and every revision,
with the article behind it and the evidence sentence that was matched.

One query per table, joined here, so an export of a large topic is a handful of statements
whatever the number of revisions.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from storage.db import Database, from_db_time
from storage.topics import ClaimRevision


@dataclass(frozen=True)
class RevisionRow(ClaimRevision):
    """A claim revision (`storage.topics.ClaimRevision`) with what an export adds to it."""

    claim_id: int
    article_source: str | None
    article_published: datetime | None
    evidence: str | None  # the sentence matched for this claim in that article
    score: float | None


async def topic_revisions(db: Database, topic_id: int) -> list[RevisionRow]:
    """Every revision of every claim of the topic, by claim then revision number.

    The evidence comes from the article's match for that claim, else from the proposal an
    admin accepted for it (the latest one, should there be several).
    """
    rows = await db.fetchall(
        """SELECT r.*, a.url AS article_url, a.title AS article_title, a.source AS article_source,
                  a.published_at AS article_published,
                  COALESCE(m.evidence, (SELECT p.evidence FROM proposals p
                                        WHERE p.claim_id = r.claim_id AND p.article_id = r.article_id
                                        ORDER BY p.id DESC LIMIT 1)) AS evidence,
                  COALESCE(m.score, (SELECT p.score FROM proposals p
                                     WHERE p.claim_id = r.claim_id AND p.article_id = r.article_id
                                     ORDER BY p.id DESC LIMIT 1)) AS score
           FROM claim_revisions r
           JOIN claims c ON c.id = r.claim_id
           LEFT JOIN articles a ON a.id = r.article_id
           LEFT JOIN matches m ON m.article_id = r.article_id AND m.claim_id = r.claim_id
           WHERE c.topic_id = ?
           ORDER BY r.claim_id, r.rev""",
        (topic_id,),
    )
    return [
        RevisionRow(
            claim_id=r["claim_id"], rev=r["rev"], statement=r["statement"], status=r["status"],
            figures=tuple(json.loads(r["figures"])), sources=tuple(json.loads(r["sources"])),
            change_kind=r["change_kind"], reason=r["reason"], actor=r["actor"],
            created_at=from_db_time(r["created_at"]), article_url=r["article_url"],
            article_title=r["article_title"], article_source=r["article_source"],
            article_published=from_db_time(r["article_published"]),
            evidence=r["evidence"],
            score=r["score"],
        )
        for r in rows
    ]
