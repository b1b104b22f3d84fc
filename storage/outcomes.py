"""What matching decided for one article, stored in one transaction.

Evaluations (for `why`), matches, claim revisions (applied changes), proposals (changes
left for admins to review) and outbox rows are written together, so a crash leaves either
all of an article's results or none of them.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import aiosqlite

from bot.checkpoint import checkpoint
from bot.models import ClaimState
from storage.db import Database, select_in, to_db_time, utcnow
from storage.topics import save_claim

# json.dumps(detail, default=str) builds an encoder per call (any keyword but the defaults does);
# one encoder with the same settings gives the same text, ~2.5x cheaper for ~4 rows per entry.
_DETAIL_JSON = json.JSONEncoder(default=str)


@dataclass(frozen=True)
class Post:
    """One update to send: the change as JSON, and its rendered embed (None where no embed is
    ever sent: the console scope)."""

    kind: str
    claim_id: int | None
    payload: dict[str, Any]
    embed: dict[str, Any] | None
    new_state: ClaimState | None = None  # set when the change is applied to the claim
    reason: str = ""
    proposal: bool = False  # True: stored for admin review instead of applied
    before_value: str | None = None
    after_value: str | None = None
    score: float = 0.0
    evidence: str = ""
    nonce_extra: str = ""  # makes repeatable kinds (article revisions) unique per version


@dataclass(frozen=True)
class TopicOutcome:
    topic_id: int
    guild_id: int
    relevant: bool
    detail: dict[str, Any]
    matches: Sequence[tuple[int, float, str]] = ()  # (claim_id, score, evidence)
    posts: Sequence[Post] = field(default_factory=tuple)


def nonce_for(*parts: object) -> str:
    """A fixed nonce per update (Discord accepts up to 25 characters)."""
    return hashlib.sha256("|".join(map(str, parts)).encode()).hexdigest()[:25]


async def record_outcomes(
    db: Database, article_id: int, content_hash: str, outcomes: Sequence[TopicOutcome],
    *, backlog: bool, actor: str = "dossier",
) -> list[int]:
    """Store every decision about one article; returns the ids of new outbox rows."""
    return await record_many(db, [(article_id, content_hash, outcomes, backlog)], actor=actor)


async def record_many(
    db: Database, decided: Sequence[tuple[int, str, Sequence[TopicOutcome], bool]],
    *, actor: str = "dossier",
) -> list[int]:
    """Store the decisions about many articles in one transaction (batched writes).

    `decided` holds (article id, content hash, outcomes, backlog) per article. Each article
    leaves the matching queue (`pending_articles`) in the same transaction, so a crash keeps
    either all of its results and no queue entry, or none of them and the queue entry.
    """
    now = to_db_time(utcnow())
    outbox_ids: list[int] = []
    evaluations = [
        (article_id, outcome.topic_id, int(outcome.relevant),
         _DETAIL_JSON.encode(outcome.detail), content_hash, now)
        for article_id, content_hash, outcomes, _ in decided for outcome in outcomes
    ]
    matches = [
        (article_id, cid, score, ev, now)
        for article_id, _, outcomes, _ in decided for outcome in outcomes
        for cid, score, ev in outcome.matches
    ]
    async with db.transaction() as conn:
        await conn.executemany(
            """INSERT INTO evaluations (article_id, topic_id, relevant, detail, content_hash,
                   created_at) VALUES (?, ?, ?, ?, ?, ?)
               ON CONFLICT(article_id, topic_id) DO UPDATE SET relevant = excluded.relevant,
                   detail = excluded.detail, content_hash = excluded.content_hash,
                   created_at = excluded.created_at""",
            evaluations,
        )
        await conn.executemany(
            """INSERT INTO matches (article_id, claim_id, score, evidence, created_at)
               VALUES (?, ?, ?, ?, ?)
               ON CONFLICT(article_id, claim_id) DO UPDATE SET score = excluded.score,
                   evidence = excluded.evidence""",
            matches,
        )
        outbox_ids.extend(await _record_posts(conn, decided, actor, now))
        checkpoint("record")
        await conn.executemany("DELETE FROM pending_articles WHERE article_id = ?",
                               [(article_id,) for article_id, *_ in decided])
    return outbox_ids


async def _record_posts(
    conn: aiosqlite.Connection, decided: Sequence[tuple[int, str, Sequence[TopicOutcome], bool]],
    actor: str, now: str | None,
) -> list[int]:
    """Proposals and claim revisions one at a time (their ids are needed), then every new
    outbox row in one executemany; returns the outbox ids in post order."""
    nonces = [
        (article_id, outcome, post, nonce_for(outcome.guild_id, article_id, outcome.topic_id,
                                              post.claim_id, post.kind, post.after_value,
                                              post.nonce_extra))
        for article_id, _, outcomes, _ in decided for outcome in outcomes for post in outcome.posts
    ]
    backlog_of = {article_id: backlog for article_id, _, _, backlog in decided}
    queued = {r[0] for r in await select_in(conn, "SELECT nonce FROM outbox WHERE nonce IN ({})",
                                            [n for *_, n in nonces])}
    rows: list[tuple[Any, ...]] = []
    for article_id, outcome, post, nonce in nonces:
        if nonce in queued:
            continue  # this exact update was already queued
        queued.add(nonce)
        proposal_id = None
        if post.proposal:
            cur = await conn.execute(
                """INSERT INTO proposals (topic_id, claim_id, article_id, kind,
                       before_value, after_value, score, evidence, payload, created_at)
                   VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
                (outcome.topic_id, post.claim_id, article_id, post.kind,
                 post.before_value, post.after_value, post.score, post.evidence,
                 json.dumps(post.payload), now),
            )
            proposal_id = cur.lastrowid
        elif post.new_state is not None and post.claim_id is not None:
            await save_claim(conn, post.claim_id, post.new_state, kind=post.kind,
                             reason=post.reason, article_id=article_id, actor=actor)
            if post.kind in SUPERSEDING:
                await _supersede(conn, outcome.topic_id, post, actor, now)
        rows.append((outcome.guild_id, outcome.topic_id, post.claim_id, article_id, proposal_id,
                     post.kind, json.dumps(post.payload), json.dumps(post.embed or {}),
                     int(backlog_of[article_id]), nonce, now))
    if not rows:
        return []
    await conn.executemany(
        """INSERT INTO outbox (guild_id, topic_id, claim_id, article_id, proposal_id,
               kind, payload, embed, backlog, nonce, created_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
        rows,
    )
    ids = {r[1]: r[0] for r in await select_in(
        conn, "SELECT id, nonce FROM outbox WHERE nonce IN ({})", [r[9] for r in rows])}
    return [ids[r[9]] for r in rows]


SUPERSEDING = ("status_change", "figure_change")  # kinds whose applied update outdates older proposals
SUPERSEDED = "superseded"


async def _supersede(conn: aiosqlite.Connection, topic_id: int, post: Post, actor: str,
                     now: str | None) -> None:
    """Close the claim's pending proposals that an applied update has outdated: of its status
    (any), or of the figure it replaced (same `before`). They came from articles read before
    this one (articles are read oldest first), and accepting one now would set the claim back
    to what an older report said over a newer one ("dismissed" over a later "sued"). Closed as
    `superseded`, decided by the bot: they leave the review queue, and their history stays."""
    same_figure = "" if post.kind == "status_change" else " AND before_value IS ?"
    # the topic narrows the search to the pending index (`proposals_pending`: state, topic_id),
    # not every pending proposal of every topic: one runs per applied update
    params: tuple[Any, ...] = (SUPERSEDED, f"{actor} (newer article)", now or to_db_time(utcnow()),
                               topic_id, post.claim_id, post.kind)
    if same_figure:
        params += (post.before_value,)
    await conn.execute(
        f"""UPDATE proposals SET state = ?, decided_by = ?, decided_at = ?
            WHERE state = 'pending' AND topic_id = ? AND claim_id = ? AND kind = ?{same_figure}""",  # noqa: S608 (fixed text)
        params)


async def matched_claim_ids(db: Database, article_id: int) -> set[int]:
    rows = await db.fetchall("SELECT claim_id FROM matches WHERE article_id = ?", (article_id,))
    return {r[0] for r in rows}


async def matched_claims(db: Database, article_ids: Sequence[int]) -> dict[int, set[int]]:
    """article id -> the claims it matched so far, for many articles in one query."""
    out: dict[int, set[int]] = {}
    for r in await select_in(db.conn, "SELECT article_id, claim_id FROM matches "
                             "WHERE article_id IN ({})", list(article_ids)):
        out.setdefault(r[0], set()).add(r[1])
    return out
