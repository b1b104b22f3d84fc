"""One Change <-> a JSON object: the stable interface for `--format jsonl` and the outbox.

Consumers are programs (jq, scripts), so text stays raw, not markdown-escaped; only control
characters are removed so a payload printed to a terminal cannot carry escape sequences.
Keys: topic, topic_title, claim, change, article{url,title,source,published}, score,
evidence, before, after, diff, confident, text_source, text_source_note. Do not rename them.
`text_source` is where the matched text came from: "feed_content", "article_page" (the page
behind the link was read) or "feed_summary" (the feed's summary only); `text_source_note` says
why in a few words (e.g. "article page not used: HTTP 404"). Both are null when unknown.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from bot.diff import build_diff
from bot.models import ArticleRef, Change, ChangeKind
from bot.render.sanitize import strip_control


def _text(value: str | None) -> str | None:
    return None if value is None else strip_control(value)


def iso_utc(when: datetime | None) -> str | None:
    """ISO 8601 in UTC with a "Z" suffix; a naive datetime is taken as UTC."""
    if when is None:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when.astimezone(UTC).isoformat().replace("+00:00", "Z")


def change_to_json(change: Change) -> dict[str, Any]:
    """The JSON-ready dict for one change (json.dumps(..., ensure_ascii=False) works)."""
    article = change.article
    return {
        "topic": change.topic_key,
        "topic_title": _text(change.topic_title),
        "claim": change.claim_key,
        "change": str(change.kind),
        "article": {
            "url": _text(article.url),
            "title": _text(article.title),
            "source": _text(article.source),
            "published": iso_utc(article.published),
        },
        "score": round(float(change.score), 1),
        "evidence": _text(change.evidence),
        "before": _text(change.before),
        "after": _text(change.after),
        "diff": strip_control(change.diff or build_diff(change)),
        "confident": bool(change.confident),
        "text_source": change.text_source or None,
        "text_source_note": _text(change.text_source_note) or None,
        "corroborated_by": [_text(s) for s in change.corroborated_by],
    }


def _parse_time(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        when = datetime.fromisoformat(value)
    except ValueError:
        return None
    return when if when.tzinfo is not None else when.replace(tzinfo=UTC)


def _str(value: Any) -> str | None:
    return None if value is None else str(value)


def change_from_json(payload: dict[str, Any]) -> Change:
    """Rebuild a Change from `change_to_json` output (for console rendering from the outbox).

    The claim statement is not part of the payload; the stored `diff` carries what it showed.
    Unknown kinds fall back to new_development rather than failing the whole drain.
    """
    article = payload.get("article") or {}
    try:
        kind = ChangeKind(payload.get("change"))
    except ValueError:
        kind = ChangeKind.NEW_DEVELOPMENT
    try:
        score = float(payload.get("score") or 0.0)
    except (TypeError, ValueError):
        score = 0.0
    return Change(
        kind=kind,
        topic_key=str(payload.get("topic") or ""),
        topic_title=str(payload.get("topic_title") or ""),
        claim_key=_str(payload.get("claim")),
        claim_statement=None,
        article=ArticleRef(
            url=_str(article.get("url")),
            title=str(article.get("title") or ""),
            source=str(article.get("source") or ""),
            published=_parse_time(article.get("published")),
        ),
        score=score,
        evidence=str(payload.get("evidence") or ""),
        before=_str(payload.get("before")),
        after=_str(payload.get("after")),
        confident=bool(payload.get("confident", True)),
        diff=str(payload.get("diff") or ""),
        text_source=str(payload.get("text_source") or ""),
        text_source_note=str(payload.get("text_source_note") or ""),
        corroborated_by=tuple(str(s) for s in (payload.get("corroborated_by") if isinstance(
            payload.get("corroborated_by"), list) else ()) if s),
    )
