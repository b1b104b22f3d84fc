"""Topics and claims per scope (guild_id; 0 is the console), with every claim's revisions.

A claim never changes without a row in `claim_revisions` saying what changed it, why,
which article was the source and who (feeds.yaml, dossier, or an admin) made it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

import aiosqlite

from bot.models import ClaimState, Proposed, Status, TopicState
from storage.db import Database, from_db_time, to_db_time, utcnow
from storage.examples import texts_for_claims

CONFIG_ACTOR = "feeds.yaml"


class TopicNotFoundError(LookupError):
    pass


class ClaimNotFoundError(LookupError):
    pass


class DuplicateKeyError(ValueError):
    pass


@dataclass(frozen=True)
class TopicRecord:
    id: int
    guild_id: int
    channel_id: int | None
    state: TopicState
    claim_ids: dict[str, int]  # active claims only
    updated_at: datetime | None = None


@dataclass(frozen=True)
class ClaimRevision:
    rev: int
    statement: str
    status: str
    figures: tuple[str, ...]
    sources: tuple[str, ...]
    change_kind: str
    reason: str
    article_url: str | None
    article_title: str | None
    actor: str
    created_at: datetime | None


def _hash(obj: Any) -> str:
    return hashlib.sha256(json.dumps(obj, sort_keys=True, default=str).encode()).hexdigest()[:16]


def _claim_state(r: Any) -> ClaimState:
    return ClaimState(
        key=r["key"], statement=r["statement"], status=Status(r["status"]),
        aliases=tuple(json.loads(r["aliases"])), figures=tuple(json.loads(r["figures"])),
        sources=tuple(json.loads(r["sources"])),
    )


async def install_topics(db: Database, guild_id: int, topics: Sequence[Any], *,
                         figures_for: Callable[[str], tuple[str, ...]] | None = None) -> None:
    """Seed a scope from feeds.yaml topics (TopicConfig with ClaimConfig claims).

    Missing topics and claims are created. One that exists is updated only when its
    definition in the file changed since it was last applied, so an admin's later edits
    survive restarts while an edited file still takes effect (as a recorded revision).

    `figures_for(statement)` gives a claim the file lists no figures for its initial figures
    (bot.match.figures.extract_figures). It is called only for a claim that is new or whose
    definition changed: an existing claim is compared with the figures it was last applied
    with (its last feeds.yaml revision), so a start with an unchanged file reads no figures
    (reading them loads the lemmatiser: ~0.25 s of CPU per start).
    """
    now = to_db_time(utcnow())
    async with db.transaction() as conn:
        for topic in topics:
            digest = _hash([topic.title, topic.keywords, topic.exclude])
            cur = await conn.execute(
                "SELECT id, config_hash FROM topics WHERE guild_id = ? AND key = ?",
                (guild_id, topic.key),
            )
            row = await cur.fetchone()
            if row is None:
                cur = await conn.execute(
                    """INSERT INTO topics (guild_id, key, title, keywords, exclude, origin,
                           config_hash, created_at, updated_at)
                       VALUES (?, ?, ?, ?, ?, 'config', ?, ?, ?)""",
                    (guild_id, topic.key, topic.title, json.dumps(topic.keywords),
                     json.dumps(topic.exclude), digest, now, now),
                )
                topic_id = int(cur.lastrowid or 0)
            else:
                topic_id = row["id"]
                if row["config_hash"] != digest:
                    await conn.execute(
                        """UPDATE topics SET title = ?, keywords = ?, exclude = ?, config_hash = ?,
                               updated_at = ? WHERE id = ?""",
                        (topic.title, json.dumps(topic.keywords), json.dumps(topic.exclude),
                         digest, now, topic_id),
                    )
            for claim in topic.claims:
                await _install_claim(conn, topic_id, claim, now, figures_for)


async def statements_to_read(db: Database, guild_id: int, topics: Sequence[Any]) -> list[str]:
    """The statements whose figures `install_topics` will ask `figures_for` for: claims that
    list no figures and are new or changed (so a start can read them in a worker thread)."""
    out = []
    for topic in topics:
        row = await db.fetchone("SELECT id FROM topics WHERE guild_id = ? AND key = ?",
                                (guild_id, topic.key))
        for claim in topic.claims:
            if claim.figures:
                continue
            if row is None or await _claim_row(db.conn, row["id"], claim) is not None:
                out.append(claim.statement)
    return out


async def _claim_row(conn: aiosqlite.Connection, topic_id: int, claim: Any) -> tuple[Any] | None:
    """(the claim's row or None when new,) unless it is unchanged since it was applied (None)."""
    cur = await conn.execute(
        "SELECT id, config_hash FROM claims WHERE topic_id = ? AND key = ?", (topic_id, claim.key)
    )
    row = await cur.fetchone()
    if row is not None:
        # unchanged since it was applied (with the initial figures it was applied with, which
        # its last feeds.yaml revision holds): nothing to do, and no figures to read
        applied = tuple(claim.figures) or await _applied_figures(conn, row["id"])
        if applied is not None and _config_digest(claim, applied) == row["config_hash"]:
            return None
    return (row,)


async def _install_claim(conn: aiosqlite.Connection, topic_id: int, claim: Any, now: str,
                         figures_for: Callable[[str], tuple[str, ...]] | None = None) -> None:
    found = await _claim_row(conn, topic_id, claim)
    if found is None:
        return
    row = found[0]
    figures = tuple(claim.figures) or (figures_for(claim.statement) if figures_for else ())
    state = ClaimState(
        key=claim.key, statement=claim.statement, status=claim.status,
        aliases=tuple(claim.aliases), figures=figures, sources=tuple(claim.sources),
    )
    digest = _config_digest(claim, figures)
    if row is None:
        cur = await conn.execute(
            """INSERT INTO claims (topic_id, key, statement, status, aliases, figures, sources,
                   config_hash, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
            (topic_id, state.key, state.statement, state.status.value, json.dumps(state.aliases),
             json.dumps(state.figures), json.dumps(state.sources), digest, now, now),
        )
        await add_revision(conn, int(cur.lastrowid or 0), state, kind="created",
                           reason="claim added from feeds.yaml", article_id=None,
                           actor=CONFIG_ACTOR)
    elif row["config_hash"] != digest:
        await conn.execute("UPDATE claims SET config_hash = ?, aliases = ? WHERE id = ?",
                           (digest, json.dumps(state.aliases), row["id"]))
        await save_claim(conn, row["id"], state, kind="edit", reason="feeds.yaml changed",
                         article_id=None, actor=CONFIG_ACTOR)


def _config_digest(claim: Any, figures: tuple[str, ...]) -> str:
    """What feeds.yaml said of a claim, with its initial figures (`config_hash`)."""
    return _hash([claim.statement, claim.status, tuple(claim.aliases), figures, tuple(claim.sources)])


async def _applied_figures(conn: aiosqlite.Connection, claim_id: int) -> tuple[str, ...] | None:
    """The figures the claim's definition in feeds.yaml was last applied with (None: never):
    those of its last revision that `install_topics` wrote (retired/restored ones keep the
    claim's figures of the moment)."""
    cur = await conn.execute(
        """SELECT figures FROM claim_revisions WHERE claim_id = ? AND actor = ?
               AND change_kind IN ('created', 'edit') ORDER BY rev DESC LIMIT 1""",
        (claim_id, CONFIG_ACTOR),
    )
    found = await cur.fetchone()
    return tuple(json.loads(found["figures"])) if found is not None else None


async def add_revision(
    conn: aiosqlite.Connection, claim_id: int, state: ClaimState, *, kind: str, reason: str,
    article_id: int | None, actor: str,
) -> int:
    """Append a revision; runs inside the caller's transaction so `rev` cannot race."""
    cur = await conn.execute(
        "SELECT COALESCE(MAX(rev), 0) + 1 FROM claim_revisions WHERE claim_id = ?", (claim_id,)
    )
    rev = (await cur.fetchone())[0]
    await conn.execute(
        """INSERT INTO claim_revisions (claim_id, rev, statement, status, figures, sources,
               change_kind, reason, article_id, actor, created_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
        (claim_id, rev, state.statement, state.status.value, json.dumps(state.figures),
         json.dumps(state.sources), kind, reason, article_id, actor, to_db_time(utcnow())),
    )
    return int(rev)


async def save_claim(
    conn: aiosqlite.Connection, claim_id: int, state: ClaimState, *, kind: str, reason: str,
    article_id: int | None, actor: str,
) -> int:
    """Write a claim's new current state and the revision that records it."""
    await conn.execute(
        """UPDATE claims SET statement = ?, status = ?, figures = ?, sources = ?, aliases = ?,
               updated_at = ? WHERE id = ?""",
        (state.statement, state.status.value, json.dumps(state.figures),
         json.dumps(state.sources), json.dumps(state.aliases), to_db_time(utcnow()), claim_id),
    )
    return await add_revision(conn, claim_id, state, kind=kind, reason=reason,
                              article_id=article_id, actor=actor)


async def topics_for_scope(db: Database, guild_id: int) -> list[TopicRecord]:
    return await _topics(db, "WHERE t.guild_id = ? AND t.retired_at IS NULL", (guild_id,))


async def all_topics(db: Database) -> list[TopicRecord]:
    """Every scope's topics that are matched (a topic retired from feeds.yaml is not)."""
    return await _topics(db, "WHERE t.retired_at IS NULL", ())


async def retire_removed(db: Database, guild_id: int, topics: Sequence[Any]) -> list[str]:
    """Make a scope whose only source is feeds.yaml (the console's) follow the file when
    topics or claims are taken out of it, and put back when they return.

    Retired, not deleted: a topic the file no longer names stops being matched and listed,
    a claim it no longer names is retired with a revision saying why; their history, matches
    and learnt examples stay, and naming them in the file again brings them back (a
    'restored' revision for a claim). Only what came from the file is touched: a claim an
    admin added (no `config_hash`) or retired by hand stays as it is. Returns one line per
    change, for the log.
    """
    now = to_db_time(utcnow())
    wanted = {t.key: {c.key for c in t.claims} for t in topics}
    said: list[str] = []
    async with db.transaction() as conn:
        cur = await conn.execute(
            "SELECT id, key, retired_at FROM topics WHERE guild_id = ? AND origin = 'config'",
            (guild_id,))
        for topic in await cur.fetchall():
            if topic["key"] not in wanted:
                if topic["retired_at"] is None:
                    await conn.execute("UPDATE topics SET retired_at = ?, updated_at = ? WHERE id = ?",
                                       (now, now, topic["id"]))
                    said.append(f"topic {topic['key']} is no longer in feeds.yaml: retired "
                                "(kept; name it again to bring it back)")
                continue
            if topic["retired_at"] is not None:
                await conn.execute("UPDATE topics SET retired_at = NULL, updated_at = ? WHERE id = ?",
                                   (now, topic["id"]))
                said.append(f"topic {topic['key']} is back in feeds.yaml: restored")
            said += await _follow_file_claims(conn, topic["id"], topic["key"],
                                              wanted[topic["key"]], now)
    return said


async def _follow_file_claims(conn: aiosqlite.Connection, topic_id: int, topic_key: str,
                              wanted: set[str], now: str) -> list[str]:
    """Retire the file's claims it no longer names; restore those it retired and names again."""
    said = []
    cur = await conn.execute(
        """SELECT c.*, (SELECT r.actor FROM claim_revisions r WHERE r.claim_id = c.id
                        ORDER BY r.rev DESC LIMIT 1) AS last_actor
           FROM claims c WHERE c.topic_id = ? AND c.config_hash IS NOT NULL
               AND c.merged_into IS NULL""", (topic_id,))
    for row in await cur.fetchall():
        named, retired = row["key"] in wanted, row["retired_at"] is not None
        if not named and not retired:
            await conn.execute("UPDATE claims SET retired_at = ?, updated_at = ? WHERE id = ?",
                               (now, now, row["id"]))
            await add_revision(conn, row["id"], _claim_state(row), kind="retired",
                               reason="removed from feeds.yaml", article_id=None,
                               actor=CONFIG_ACTOR)
            said.append(f"claim {topic_key}/{row['key']} is no longer in feeds.yaml: retired")
        elif named and retired and row["last_actor"] == CONFIG_ACTOR:
            await conn.execute("UPDATE claims SET retired_at = NULL, updated_at = ? WHERE id = ?",
                               (now, row["id"]))
            await add_revision(conn, row["id"], _claim_state(row), kind="restored",
                               reason="back in feeds.yaml", article_id=None, actor=CONFIG_ACTOR)
            said.append(f"claim {topic_key}/{row['key']} is back in feeds.yaml: restored")
    return said


async def get_topic(db: Database, guild_id: int, key: str) -> TopicRecord:
    found = await _topics(db, "WHERE t.guild_id = ? AND t.key = ?", (guild_id, key))
    if not found:
        raise TopicNotFoundError(f"no topic {key!r}")
    return found[0]


async def _topics(db: Database, where: str, params: tuple[Any, ...]) -> list[TopicRecord]:
    """The topics `where` selects, each with its active claims (their examples, questions asked,
    former figures and pending proposals): six queries whatever the number of topics (the
    matching reads every topic once per chunk of articles; a query per topic and kind was ~50
    round trips to the database thread per read)."""
    rows = await db.fetchall(f"SELECT * FROM topics t {where} ORDER BY t.id", params)  # noqa: S608
    if not rows:
        return []
    topic_ids = [t["id"] for t in rows]
    by_topic: dict[int, list[Any]] = {tid: [] for tid in topic_ids}
    asked: dict[tuple[int, int], int] = {}
    for start in range(0, len(topic_ids), 500):  # stay under SQLite's bound-parameter limit
        chunk = topic_ids[start:start + 500]
        marks = ",".join("?" * len(chunk))
        for c in await db.fetchall(
            f"SELECT * FROM claims WHERE topic_id IN ({marks}) AND retired_at IS NULL "  # noqa: S608
            "ORDER BY id", tuple(chunk),
        ):
            by_topic[c["topic_id"]].append(c)
        for r in await db.fetchall(
            f"""SELECT topic_id, claim_id, COUNT(*) FROM proposals WHERE topic_id IN ({marks})
                AND kind = 'match_check' GROUP BY topic_id, claim_id""",  # noqa: S608
            tuple(chunk),
        ):
            asked[(r[0], r[1])] = r[2]
    claim_ids = [c["id"] for claims in by_topic.values() for c in claims]
    learnt = await texts_for_claims(db, claim_ids)
    held = await _held_before(db, claim_ids)
    proposed = await _proposed(db, topic_ids)
    out = []
    for t in rows:
        claim_rows = by_topic[t["id"]]
        claims = []
        for c in claim_rows:
            state = _former(_claim_state(c), held.get(c["id"], ()))
            if c["id"] in proposed:
                state = replace(state, proposed=proposed[c["id"]])
            if (t["id"], c["id"]) in asked:
                state = replace(state, asked=asked[(t["id"], c["id"])])
            if c["id"] in learnt:
                taught = learnt[c["id"]]
                state = replace(state, examples=taught.positive, negatives=taught.negative,
                                labels=taught.labels)
            claims.append(state)
        state = TopicState(
            key=t["key"], title=t["title"],
            keywords=tuple(tuple(g) for g in json.loads(t["keywords"])),
            exclude=tuple(json.loads(t["exclude"])),
            claims=tuple(claims),
        )
        out.append(TopicRecord(
            id=t["id"], guild_id=t["guild_id"], channel_id=t["channel_id"], state=state,
            claim_ids={c["key"]: c["id"] for c in claim_rows},
            updated_at=from_db_time(t["updated_at"]),
        ))
    return out


MAX_PROPOSED = 20  # pending proposals a claim carries for corroboration: its newest (queues grow)


async def _proposed(db: Database, topic_ids: Sequence[int]) -> dict[int, tuple[Proposed, ...]]:
    """claim id -> its newest MAX_PROPOSED pending figure proposals, oldest first, with
    their article's outlet (what corroboration compares: bot.match.changes). One query per 500
    topics, on the index of pending proposals."""
    out: dict[int, list[Proposed]] = {}
    for start in range(0, len(topic_ids), 500):
        chunk = tuple(topic_ids[start:start + 500])
        marks = ",".join("?" * len(chunk))
        rows = await db.fetchall(
            f"""SELECT claim_id, kind, before_value, after_value, evidence, source, url FROM (
                  SELECT p.id, p.claim_id, p.kind, p.before_value, p.after_value, p.evidence, a.source, a.url,
                         ROW_NUMBER() OVER (PARTITION BY p.claim_id ORDER BY p.id DESC) AS newest
                  FROM proposals p LEFT JOIN articles a ON a.id = p.article_id
                  WHERE p.state = 'pending' AND p.topic_id IN ({marks}) AND p.claim_id IS NOT NULL
                  AND p.kind = 'figure_change' AND p.after_value IS NOT NULL)
                WHERE newest <= ? ORDER BY id""",  # noqa: S608 - placeholders only
            (*chunk, MAX_PROPOSED),
        )
        for r in rows:
            out.setdefault(r["claim_id"], []).append(Proposed(
                r["kind"], r["before_value"], r["after_value"], r["source"] or "", r["url"], r["evidence"]))
    return {k: tuple(v) for k, v in out.items()}


async def _held_before(db: Database, claim_ids: Sequence[int]) -> dict[int, tuple[str, ...]]:
    """claim id -> the figure lists (JSON) its revisions recorded, oldest first, each once: one
    query per 500 claims."""
    out: dict[int, list[str]] = {}
    for start in range(0, len(claim_ids), 500):  # stay under SQLite's bound-parameter limit
        chunk = tuple(claim_ids[start:start + 500])
        marks = ",".join("?" * len(chunk))
        rows = await db.fetchall(
            f"""SELECT claim_id, figures, MIN(rev) AS first FROM claim_revisions
                WHERE claim_id IN ({marks}) GROUP BY claim_id, figures
                ORDER BY claim_id, first""",  # noqa: S608 - placeholders only
            chunk,
        )
        for r in rows:
            out.setdefault(r["claim_id"], []).append(r["figures"])
    return {k: tuple(v) for k, v in out.items()}


def _former(state: ClaimState, figure_lists: Sequence[str]) -> ClaimState:
    """The claim with the figures its revisions held that it no longer holds (what
    bot.apply.apply_change keeps within a cycle)."""
    figures = dict.fromkeys(f for js in figure_lists for f in json.loads(js))
    former = tuple(f for f in figures if f not in state.figures)
    return replace(state, former_figures=former) if former else state


async def claim_history(db: Database, claim_id: int) -> list[ClaimRevision]:
    rows = await db.fetchall(
        """SELECT r.*, a.url AS article_url, a.title AS article_title FROM claim_revisions r
           LEFT JOIN articles a ON a.id = r.article_id WHERE r.claim_id = ? ORDER BY r.rev""",
        (claim_id,),
    )
    return [
        ClaimRevision(
            rev=r["rev"], statement=r["statement"], status=r["status"],
            figures=tuple(json.loads(r["figures"])), sources=tuple(json.loads(r["sources"])),
            change_kind=r["change_kind"], reason=r["reason"], article_url=r["article_url"],
            article_title=r["article_title"], actor=r["actor"],
            created_at=from_db_time(r["created_at"]),
        )
        for r in rows
    ]


async def all_keywords(db: Database) -> set[str]:
    """Every keyword of every topic (all servers), in one query: what the article-page gate
    needs, without loading each topic's claims and examples."""
    rows = await db.fetchall("SELECT keywords FROM topics WHERE retired_at IS NULL")
    return {k for r in rows for group in json.loads(r["keywords"]) for k in group}
