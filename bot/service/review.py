"""The review queue: admins accept, reject or mark unrelated the changes Dossier proposed.

Accepting applies the stored change to the claim as it is *now* (not as it was when the
change was proposed), as a revision by "admin:<id>". Rejecting only records the decision;
"unrelated" also forgets the article's match to the claim so it no longer counts as
coverage of that claim.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from bot.apply import apply_change, describe
from bot.diff import build_diff
from bot.models import Change, ChangeKind, ClaimState
from bot.render.embed import render_embed
from bot.render.jsonl import change_from_json, change_to_json
from bot.service.errors import ConflictError, InvalidInputError, NotFoundError, shown
from storage import outbox as outbox_store
from storage import review as review_store
from storage.db import Database
from storage.examples import NEGATIVE, POSITIVE
from storage.guilds import AuditEntry
from storage.outcomes import nonce_for
from storage.review import AlreadyDecidedError, ClaimUnavailableError, ProposalNotFoundError, ProposalRow

DECISIONS = {"accept": "accepted", "reject": "rejected", "unrelated": "unrelated"}
# A match check (ChangeKind.MATCH_CHECK) is a question, not a change: accept = "yes, it is about
# the claim" (the article becomes a match, nothing is applied or posted), "not related" = no;
# either answer is a label for the claim's match bar (bot/match/learnt.py). Reject = skip.
# Only questions are labels for the bar: a change proposal is decided on its change (a status
# accepted at 94 says nothing about where the bar lies; "not related" to a proposed source may
# mean the change belongs to another claim), and with their decisions counted, the bars moved
# by the simulated admin lowered story3's second-half claim F1 (docs/decisions.md).
# What each decision teaches the matcher about the proposal's claim (storage/examples.py):
# accepted evidence is another wording of the claim; "not related" evidence is a negative
# example. A rejection says the proposed value was wrong, not that the article is off-topic,
# so it teaches nothing.
LEARNS = {"accept": POSITIVE, "unrelated": NEGATIVE}
APPLICABLE = {ChangeKind.STATUS_CHANGE, ChangeKind.FIGURE_CHANGE, ChangeKind.NEW_SOURCE,
              ChangeKind.DETAIL_CHANGE}


@dataclass(frozen=True)
class ProposalView:
    id: int
    topic_key: str
    topic_title: str
    claim_key: str | None
    claim_statement: str | None
    kind: str
    before: str | None
    after: str | None
    score: float
    evidence: str
    diff: str  # the stored ```diff body the proposal was posted with
    article_url: str | None
    article_title: str | None
    article_source: str | None
    state: str  # pending | accepted | rejected | unrelated
    decided_by: str | None
    created_at: datetime | None


@dataclass(frozen=True)
class ReviewPage:
    proposals: list[ProposalView]  # oldest first
    total: int
    offset: int


@dataclass(frozen=True)
class DecisionOutcome:
    proposal_id: int
    decision: str  # accept | reject | unrelated
    state: str  # accepted | rejected | unrelated
    topic_key: str
    claim_key: str | None
    before: ClaimState | None  # the claim before an accept
    after: ClaimState | None
    rev: int | None  # revision written by an accept
    unmatched: bool  # "unrelated" removed the article's match to the claim
    learnt: str | None = None  # "positive" | "negative": the evidence became an example of the claim
    example_id: int | None = None  # that example, for undo (/admin claim unlearn)


def _view(p: ProposalRow) -> ProposalView:
    article = p.payload.get("article") if isinstance(p.payload.get("article"), dict) else {}
    return ProposalView(
        id=p.id, topic_key=p.topic_key, topic_title=p.topic_title, claim_key=p.claim_key,
        claim_statement=p.claim_statement, kind=p.kind, before=p.before, after=p.after,
        score=p.score, evidence=p.evidence, diff=str(p.payload.get("diff") or ""),
        article_url=p.article_url or article.get("url"),
        article_title=p.article_title or article.get("title"),
        article_source=p.article_source or article.get("source"),
        state=p.state, decided_by=p.decided_by, created_at=p.created_at,
    )


def change_from_payload(payload: dict[str, Any], *, kind: str, claim_statement: str | None) -> Change:
    """Rebuild the proposed Change from the stored jsonl-shaped payload.

    Unlike the lenient outbox renderer, an unknown change kind is refused: accepting must
    never apply something other than what the admin was shown. `kind` (the proposal row's
    column) wins over the payload when both are present.
    """
    try:
        change_kind = ChangeKind(kind or payload.get("change"))
    except ValueError:
        raise InvalidInputError(f"This proposal has an unknown kind of change ({shown(kind)}).") from None
    change = change_from_json(payload)
    return replace(change, kind=change_kind, claim_statement=claim_statement,
                   confident=bool(payload.get("confident", False)))


async def pending(db: Database, guild_id: int, *, offset: int = 0, limit: int = 10) -> ReviewPage:
    """This server's proposals waiting for a decision, oldest first."""
    offset, limit = max(0, int(offset)), max(1, min(int(limit), 50))
    rows = await review_store.pending_proposals(db, guild_id, offset=offset, limit=limit)
    return ReviewPage([_view(r) for r in rows], await review_store.count_pending(db, guild_id), offset)


async def get(db: Database, guild_id: int, proposal_id: int) -> ProposalView:
    row = await review_store.get_proposal(db, guild_id, int(proposal_id))
    if row is None:
        raise NotFoundError(f"No proposal #{int(proposal_id)} in this server. Try /admin review list.")
    return _view(row)


def _accept(actor_name: str) -> Callable[[ProposalRow, ClaimState], tuple[ClaimState, str]]:
    """The storage callback that turns the proposal into the claim's next state."""

    def apply(proposal: ProposalRow, current: ClaimState) -> tuple[ClaimState, str]:
        change = change_from_payload(proposal.payload, kind=proposal.kind,
                                     claim_statement=current.statement)
        if change.kind not in APPLICABLE:
            raise InvalidInputError(
                f"A {change.kind.value.replace('_', ' ')} does not change a claim; "
                "reject it or mark it unrelated instead."
            )
        return apply_change(current, change), f"accepted by {actor_name}: {describe(change)}"

    return apply


async def _post_accepted(db: Database, guild_id: int, p: ProposalRow, actor_name: str) -> None:
    """An accepted change is news for the topic's channel too, like a confident one."""
    change = change_from_payload(p.payload, kind=p.kind, claim_statement=p.claim_statement)
    change = replace(change, confident=True)
    change = replace(change, diff=build_diff(change))
    payload = {**change_to_json(change), "accepted_by": actor_name}
    await outbox_store.enqueue(
        db, guild_id=guild_id, topic_id=p.topic_id, claim_id=p.claim_id, article_id=p.article_id,
        kind=change.kind.value, payload=payload, embed=render_embed(change),
        nonce=nonce_for("accepted", guild_id, p.id),
    )


async def decide(db: Database, guild_id: int, proposal_id: int, decision: str, *, actor_id: int,
                 actor_name: str) -> DecisionOutcome:
    """Accept, reject or mark unrelated one of this server's proposals (audited, once only)."""
    decision = (decision or "").strip().lower()
    state = DECISIONS.get(decision)
    if state is None:
        raise InvalidInputError(f"{shown(decision)} is not a decision: use accept, reject or unrelated.")
    seen = await get(db, guild_id, proposal_id)  # a clear "not found" before anything else
    what = f"{seen.topic_key}/{seen.claim_key or '-'} {seen.kind}: {seen.before or '(none)'} -> " \
           f"{seen.after or '(none)'}"
    audit = AuditEntry(guild_id, actor_id, actor_name, f"review.{decision}", f"proposal #{seen.id}", what)
    question = seen.kind == ChangeKind.MATCH_CHECK.value  # "is this about the claim?"
    try:
        result = await review_store.decide_proposal(
            db, guild_id, int(proposal_id), state=state, decided_by=f"{actor_name} ({actor_id})",
            apply=_accept(actor_name) if decision == "accept" and not question else None,
            actor=f"admin:{actor_id}", unmatch=decision == "unrelated", audit=audit,
            learn=LEARNS.get(decision), match=question and decision == "accept", label=question,
        )
    except ProposalNotFoundError:
        raise NotFoundError(
            f"No proposal #{int(proposal_id)} in this server. Try /admin review list."
        ) from None
    except AlreadyDecidedError as exc:
        who = f" by {exc.decided_by}" if exc.decided_by else ""
        raise ConflictError(f"Proposal #{int(proposal_id)} was already {exc.state}{who}.") from None
    except ClaimUnavailableError:
        raise ConflictError(
            f"The claim of proposal #{int(proposal_id)} was retired, so it cannot be accepted. "
            "Reject it or mark it unrelated."
        ) from None
    p = result.proposal
    if decision == "accept" and not question:
        await _post_accepted(db, guild_id, p, actor_name)
    return DecisionOutcome(
        proposal_id=p.id, decision=decision, state=state, topic_key=p.topic_key,
        claim_key=p.claim_key, before=result.before, after=result.after, rev=result.rev,
        unmatched=result.unmatched, learnt=LEARNS.get(decision) if result.example_id else None,
        example_id=result.example_id,
    )
