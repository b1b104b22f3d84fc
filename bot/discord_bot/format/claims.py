"""Topics and claims: `/topics`, `/topic`, `/claim`, `/history` (and admin confirmations)."""

from __future__ import annotations

from collections.abc import Sequence

import discord

from bot.discord_bot.format.common import (
    PAGE_CHARS,
    actor_text,
    channel_text,
    diff_block,
    embed,
    link,
    pages_from_lines,
    status_text,
    when,
)
from bot.render import kind_label
from bot.render.sanitize import clean, plain
from bot.service.browse import ClaimDetail, LearntExample, Revision, TopicDetail, TopicSummary


def topics_pages(topics: Sequence[TopicSummary]) -> list[discord.Embed]:
    lines = []
    for t in topics:
        warn = " ⚠️ channel problem" if t.channel_error else ""
        retired = f", {t.retired_claims} retired" if t.retired_claims else ""
        lines.append(
            f"**{clean(t.key, 80)}** — {clean(t.title, 200)}\n"
            f"  {t.claims} claim{'s' if t.claims != 1 else ''}{retired} · last change "
            f"{when(t.last_change_at)} · posts to {channel_text(t.channel_id)}{warn}"
        )
    return pages_from_lines(
        lines, title="Topics tracked in this server",
        header="Use `/topic <key>` for one topic, `/claim` for one claim.\n\n",
        empty="No topics yet. Admins can add one with `/admin topic add`.", per_page=8,
    )


def topic_pages(detail: TopicDetail) -> list[discord.Embed]:
    keywords = " AND ".join("(" + ", ".join(clean(w, 60) for w in group) + ")"
                            for group in detail.keywords) or "none"
    header_parts = [
        f"**Keywords:** {keywords}",
        *([f"**Excluded:** {', '.join(clean(w, 60) for w in detail.exclude)}"] if detail.exclude else []),
        f"**Posts to:** {channel_text(detail.channel_id, detail.channel_error)}",
        f"**Last change:** {when(detail.last_change_at)}",
        f"**Claims:** {len(detail.claims)}"
        + (f" ({detail.retired_claims} retired)" if detail.retired_claims else ""),
    ]
    header = "\n".join(header_parts) + "\n\n"
    lines = []
    for c in detail.claims:
        extras = []
        if c.figures:
            extras.append("figures: " + ", ".join(clean(f, 60) for f in c.figures))
        if c.sources:
            extras.append(f"{len(c.sources)} source{'s' if len(c.sources) != 1 else ''}")
        extras.append(f"changed {when(c.last_change_at)}")
        lines.append(f"{status_text(c.status)} **{clean(c.key, 60)}** — {clean(c.statement, 400)}\n"
                     f"  {' · '.join(extras)}")
    return pages_from_lines(lines, title=clean(detail.title, 200) + f" ({clean(detail.key, 60)})",
                            header=header, per_page=6, empty="No claims yet.")


def _revision_lines(r: Revision) -> list[str]:
    """The facts a revision changed, as diff lines."""
    lines = []
    if r.status_before:
        lines += [f"- status: {r.status_before}", f"+ status: {r.status}"]
    lines += [f"- figure: {f}" for f in r.figures_removed]
    lines += [f"+ figure: {f}" for f in r.figures_added]
    lines += [f"- source: {s}" for s in r.sources_removed]
    lines += [f"+ source: {s}" for s in r.sources_added]
    return lines


def _statement_diff(ops: Sequence[tuple[str, str]]) -> str:
    """Inline word diff: ~~removed~~ and **added**; unchanged words as they are."""
    parts = []
    for op, words in ops:
        text = clean(words, 600)
        if not text:
            continue
        if op == "-":
            parts.append(f"~~{text}~~")
        elif op == "+":
            parts.append(f"**{text}**")
        else:
            parts.append(text)
    return " ".join(parts)


def revision_text(r: Revision, *, first: bool = False) -> str:
    """One revision: who, when, the statement's word diff, the facts it changed, its source."""
    head = (f"**Revision {r.rev}** · {clean(kind_label(r.kind), 60)} · {when(r.created_at)} · "
            f"by {actor_text(r.actor)}")
    out = [head]
    changed = any(op != " " for op, _ in r.statement_diff)
    if first or not changed:
        out.append(f"> {clean(r.statement, 700)}" + ("" if first else " *(statement unchanged)*"))
    else:
        out.append(f"> {_statement_diff(r.statement_diff)}")
    facts = _revision_lines(r)
    if first:
        facts = [f"+ status: {r.status}", *(f"+ figure: {f}" for f in r.figures),
                 *(f"+ source: {s}" for s in r.sources)]
    block = diff_block(facts, 700)
    if block:
        out.append(block)
    if r.reason:
        out.append(f"*{clean(r.reason, 300)}*")
    if r.article_url or r.article_title:
        out.append("Source: " + link(r.article_title, r.article_url))
    return "\n".join(out)


def claim_embed(detail: ClaimDetail) -> discord.Embed:
    fields = [
        {"name": "Status", "value": status_text(detail.status), "inline": True},
        {"name": "Last change", "value": when(detail.last_change_at), "inline": True},
        {"name": "Revisions", "value": str(detail.total_revisions), "inline": True},
        {"name": "Figures", "value": ", ".join(clean(f, 100) for f in detail.figures) or "none",
         "inline": False},
    ]
    # Sources: outlets cited, with a link to the article that added each when we have it.
    links: dict[str, str] = {}
    for r in detail.revisions:
        if r.article_url:
            for s in r.sources_added:
                links.setdefault(s, r.article_url)
    sources = [link(s, links.get(s), 80) for s in detail.sources]
    fields.append({"name": "Sources", "value": "\n".join(sources) or "none yet", "inline": False})
    if detail.aliases:
        fields.append({"name": "Also phrased as",
                       "value": "\n".join(f"• {clean(a, 200)}" for a in detail.aliases), "inline": False})
    if detail.examples:
        fields.append({"name": f"Learnt from reviews ({len(detail.examples)})",
                       "value": learnt_text(detail.examples), "inline": False})
    answers = sum(e.score is not None for e in detail.examples)
    if answers and detail.bar is not None and detail.low is not None:
        fields.append({"name": "Match bar", "value": f"{detail.bar:g} (this server's is {detail.low:g}; "
                       f"learnt from {answers} answer{'s' if answers != 1 else ''} to match checks)",
                       "inline": False})
    if detail.retired_at is not None:
        merged = f", merged into **{clean(detail.merged_into, 60)}**" if detail.merged_into else ""
        fields.append({"name": "Retired", "value": f"{when(detail.retired_at)}{merged}", "inline": False})
    recent = list(reversed(detail.revisions))[:3]
    changes = []
    for r in recent:
        lines = _revision_lines(r)
        summary = "; ".join(line[2:] for line in lines if line.startswith("+")) or kind_label(r.kind)
        has_article = r.article_url or r.article_title
        source = f" — {link(r.article_title, r.article_url, 80)}" if has_article else ""
        changes.append(f"• rev {r.rev} {when(r.created_at)}: {clean(summary, 150)}{source}")
    fields.append({"name": "Last changes", "value": "\n".join(changes) or "none", "inline": False})
    return embed({
        "title": f"{clean(detail.topic_key, 60)} › {clean(detail.key, 60)}",
        "description": f"> {clean(detail.statement, 1500)}\n\n"
                       f"Full history: `/history {detail.topic_key} {detail.key}`"[:2000],
        "fields": fields,
        "footer": {"text": plain(detail.topic_title, 200)},
    })


def learnt_text(examples: Sequence[LearntExample], *, limit: int = 1000) -> str:
    """Newest first: `#id` ✅ accepted wording / 🚫 "not related", cut to fit one embed field."""
    lines = []
    for e in reversed(list(examples)):
        icon = "✅" if e.kind == "positive" else "🚫"
        at = f" (at {e.score:g})" if e.score is not None else ""
        lines.append(f"`#{e.id}` {icon}{at} {clean(e.text, 160)}")
    out, used = [], 0
    for i, line in enumerate(lines):
        if used + len(line) + 1 > limit - 40:
            out.append(f"… and {len(lines) - i} more")
            break
        out.append(line)
        used += len(line) + 1
    return "\n".join(out)


def history_pages(topic_key: str, claim_key: str, revisions: Sequence[Revision]) -> list[discord.Embed]:
    """Every revision with its diff, newest first, a few per page."""
    blocks = []
    ordered = list(revisions)
    for i, r in enumerate(ordered):
        blocks.append(revision_text(r, first=i == 0))
    blocks.reverse()
    pages: list[list[str]] = []
    size = 0
    for block in blocks:
        block = block[:PAGE_CHARS]
        if not pages or len(pages[-1]) >= 3 or size + len(block) + 2 > PAGE_CHARS:
            pages.append([])
            size = 0
        pages[-1].append(block)
        size += len(block) + 2
    title = f"History of {clean(topic_key, 60)} › {clean(claim_key, 60)}"
    if not pages:
        return [embed({"title": title, "description": "No revisions."})]
    return [embed({"title": title, "description": "\n\n".join(chunk)}) for chunk in pages]
