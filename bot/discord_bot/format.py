"""Service results (bot.service dataclasses) -> discord.Embed pages.

Pure functions, no I/O. Every piece of text that came from a feed, a config file or an admin
goes through `bot.render.sanitize.clean` (or `code_block_safe` inside code blocks), so no
reply can ping, hide a link or break its markdown; every embed goes through `fit_embed`,
so none can exceed Discord's limits. Long lists become several pages (see paginate.py).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import discord

from bot.render import kind_label
from bot.render.embed import DEFAULT_COLOR, EMPTY, fit_embed, safe_url
from bot.render.sanitize import clean, code_block_safe, plain

PAGE_CHARS = 3500  # description budget per page, leaving room for fields and the page footer
PER_PAGE = 10

STATUS_ICONS = {
    "alleged": "❔", "confirmed": "✅", "disputed": "⚖️", "denied": "❌",
    "ongoing": "⏳", "concluded": "🏁", "retracted": "↩️",
}
STATE_LABELS = {"sent": "posted", "pending": "waiting to be posted", "held": "held (channel problem)"}
OK_COLOR = 0x2ECC71
WARN_COLOR = 0xE67E22
ERROR_COLOR = 0xE74C3C


# --- small helpers --------------------------------------------------------------------------


def embed(data: dict[str, Any]) -> discord.Embed:
    """A discord.Embed from a payload dict, cut to Discord's limits first."""
    data = {"type": "rich", "color": DEFAULT_COLOR, **data}
    return discord.Embed.from_dict(fit_embed(data))


def when(value: datetime | None, style: str = "R") -> str:
    """Discord timestamp markup (each reader sees their own timezone), or 'never'."""
    if value is None:
        return "never"
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return f"<t:{int(value.timestamp())}:{style}>"


def duration(value: timedelta) -> str:
    seconds = int(value.total_seconds())
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size and seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


def status_text(status: Any) -> str:
    value = str(getattr(status, "value", status))
    return f"{STATUS_ICONS.get(value, '•')} {value}"


def link(title: str | None, url: str | None, limit: int = 150) -> str:
    """`[title](url)` for a safe http(s) URL, else the cleaned title alone."""
    text = clean(title or "", limit) or "(untitled)"
    target = safe_url(url)
    return f"[{text}]({target})" if target else text


def actor_text(actor: str | None) -> str:
    """Who made a revision: feeds.yaml, Dossier itself, or an admin (shown as a mention)."""
    if not actor:
        return "unknown"
    if actor.startswith("admin:"):
        ident = actor.split(":", 1)[1]
        return f"<@{ident}>" if ident.isdigit() else clean(ident, 80)
    if actor == "dossier":
        return "Dossier (automatic)"
    return clean(actor, 80)


def channel_text(channel_id: int | None, error: str | None = None) -> str:
    if channel_id is None:
        return "not set"
    text = f"<#{channel_id}>"
    return f"{text} ⚠️ {clean(error, 200)}" if error else text


def pages_from_lines(lines: Sequence[str], *, title: str, header: str = "", color: int = DEFAULT_COLOR,
                     per_page: int = PER_PAGE, empty: str = "Nothing to show.",
                     url: str | None = None) -> list[discord.Embed]:
    """Lines spread over as many embeds as needed; each page repeats the header."""
    budget = PAGE_CHARS - len(header)
    pages: list[list[str]] = []
    size = 0
    for line in lines:
        line = line[:budget]
        if not pages or len(pages[-1]) >= per_page or size + len(line) + 1 > budget:
            pages.append([])
            size = 0
        pages[-1].append(line)
        size += len(line) + 1
    if not pages:
        pages = [[empty]]
    out = []
    for chunk in pages:
        data: dict[str, Any] = {"title": title, "description": (header + "\n".join(chunk)).strip(),
                                "color": color}
        if url:
            data["url"] = url
        out.append(embed(data))
    return out


def _diff_block(lines: Iterable[str], limit: int = 1000) -> str:
    body: list[str] = []
    used = 0
    for line in lines:
        line = code_block_safe(line)
        if used + len(line) + 1 > limit - 20:
            body.append("… (cut)")
            break
        body.append(line)
        used += len(line) + 1
    return "```diff\n" + "\n".join(body) + "\n```" if body else ""


# --- browse ---------------------------------------------------------------------------------


def topics_pages(topics: Sequence[Any]) -> list[discord.Embed]:
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


def topic_pages(detail: Any) -> list[discord.Embed]:
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


def _revision_lines(r: Any) -> list[str]:
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


def revision_text(r: Any, *, first: bool = False) -> str:
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
    block = _diff_block(facts, 700)
    if block:
        out.append(block)
    if r.reason:
        out.append(f"*{clean(r.reason, 300)}*")
    if r.article_url or r.article_title:
        out.append("Source: " + link(r.article_title, r.article_url))
    return "\n".join(out)


def claim_embed(detail: Any) -> discord.Embed:
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


def history_pages(topic_key: str, claim_key: str, revisions: Sequence[Any]) -> list[discord.Embed]:
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


def updates_pages(updates: Sequence[Any]) -> list[discord.Embed]:
    lines = []
    for u in updates:
        where = ""
        if u.state == "sent" and u.channel_id and u.message_id:
            where = f" · [message](https://discord.com/channels/@me/{u.channel_id}/{u.message_id})"
        what = "review" if u.review else kind_label(u.kind)
        subject = clean(u.claim_key or u.topic_key or "", 60)
        state = STATE_LABELS.get(u.state, u.state)
        lines.append(f"**{clean(what, 40)}** · {subject} · {link(u.article_title, u.article_url, 120)}"
                     f" — {clean(u.article_source or '', 60)}\n  {when(u.created_at)} · {state}{where}")
    return pages_from_lines(lines, title="Recent updates", per_page=8,
                            empty="No updates yet: nothing matched this server's topics.")


def marked(snippet: str, limit: int) -> str:
    """A search snippet: feed text escaped, then the hits (private-use markers) in bold."""
    from storage.search import HIT_END, HIT_START

    text = clean(snippet, limit)
    if text.count(HIT_START) != text.count(HIT_END):  # cut inside a hit: drop the marks
        return text.replace(HIT_START, "").replace(HIT_END, "")
    return text.replace(HIT_START, "**").replace(HIT_END, "**")


def search_pages(results: Any) -> list[discord.Embed]:
    lines = [f"__Claims__ ({len(results.claims)}, best first)"]
    for c in results.claims:
        lines.append(f"{status_text(c.status)} **{clean(c.topic_key, 60)} › {clean(c.claim_key, 60)}** — "
                     f"{marked(c.snippet or c.statement, 300)}")
    if not results.claims:
        lines.append("no claim matches")
    lines.append(f"__Articles__ ({len(results.articles)}, best first)")
    for a in results.articles:
        lines.append(f"• {link(a.title, a.url, 150)} — {clean(a.source, 60)} · "
                     f"{when(a.published or a.first_seen)}")
        if getattr(a, "snippet", ""):
            lines.append(f"  {marked(a.snippet, 300)}")
    if not results.articles:
        lines.append("no article matches")
    return pages_from_lines(lines, title=f"Search: {clean(results.query, 100)}", per_page=14)


def health_pages(report: Any) -> list[discord.Embed]:
    lines = []
    if report.broken_channels:
        lines.append("__Channels Dossier cannot post to__ (updates are kept until fixed)")
        for b in report.broken_channels:
            lines.append(f"⚠️ topic **{clean(b.topic_key, 60)}** → {channel_text(b.channel_id)}: "
                         f"{clean(b.error, 200)}")
        lines.append("")
    for f in report.feeds:
        if f.paused:
            icon = "⏸️"
        elif f.last_error:
            icon = "⚠️"
        elif f.last_ok_at is None:
            icon = "🕓"
        else:
            icon = "✅"
        name = clean(f.name or f.url, 100)
        target = safe_url(f.url)
        title = f"[{name}]({target})" if target else name
        parts = [f"{icon} **{title}** · every {duration(f.interval)}",
                 f"  last poll {when(f.last_poll_at)} · last success {when(f.last_ok_at)}"]
        if f.paused:
            parts.append(f"  paused: {clean(f.pause_reason or 'paused', 200)}")
        if f.last_error:
            failures = f" ({f.failures} in a row)" if f.failures else ""
            parts.append(f"  last error{failures}: {clean(f.last_error, 200)}")
        elif not f.paused:
            parts.append(f"  next poll {when(f.next_poll_at)}")
        lines.append("\n".join(parts))
    paused = sum(1 for f in report.feeds if f.paused)
    failing = sum(1 for f in report.feeds if f.last_error and not f.paused)
    header = (f"{len(report.feeds)} feed{'s' if len(report.feeds) != 1 else ''} · {paused} paused · "
              f"{failing} failing\n\n")
    color = ERROR_COLOR if report.broken_channels or failing else (WARN_COLOR if paused else OK_COLOR)
    return pages_from_lines(lines, title="Feed health", header=header, color=color, per_page=8,
                            empty="This server follows no feeds. Admins: `/admin feed add`.")


def _gate_text(t: Any) -> str:
    if not t.evaluated:
        return "not evaluated (the topic did not exist yet, or the article came from another feed)"
    lines = [("✅ keyword gate passed" if t.gate_passed else "❌ keyword gate failed")]
    for g in t.groups:
        group = ", ".join(clean(w, 40) for w in g.keywords) or "(group since removed)"
        hits = ", ".join(clean(w, 40) for w in g.hits)
        lines.append(f"{'✓' if g.passed else '✗'} ({group}) → {hits or 'no hit'}")
    if t.excluded_by:
        lines.append(f"✗ excluded by **{clean(t.excluded_by, 60)}**")
    return "\n".join(lines)


BAND_TEXT = {"apply": "≥ high: applied if unambiguous", "review": "≥ low: proposed for review",
             "below": "below low: not matched"}


def features_text(features: dict[str, float | str]) -> str:
    """The features that decided a claim's score, in words (see bot/match/matcher.py)."""
    f = features
    parts: list[str] = []
    if f.get("estimate"):  # evaluations stored before every window was scored exactly
        return f"below the review threshold in every window ({_num(f.get('terms_hit'))} claim terms at best)"
    if "coverage" in f:
        parts.append(f"{100 * _num(f['coverage']):.0f}% of the claim's weight")
    if "distinctive_hit" in f:
        parts.append(f"{_num(f['distinctive_hit']):.0f} distinctive terms")
    if _num(f.get("window")) == 2:
        parts.append("two sentences")
    if _num(f.get("in_title")):
        parts.append("in the title")
    if _num(f.get("alias")):
        parts.append("via an alias")
    for key, text in (("verb", "claim's action missing"), ("anchor", "none of its named actors"),
                      ("actor", "another organisation acts")):
        if key in f and _num(f[key]) < 1:
            parts.append(f"{text} ×{_num(f[key]):g}")
    if "penalty" in f and _num(f["penalty"]) < 1:  # below-threshold records: penalties combined
        parts.append(f"penalties ×{_num(f['penalty']):.2g}")
    if f.get("explained_by"):
        parts.append(f"better explained by {clean(str(f['explained_by']), 60)} ×0.8")
    if "score_before_gate" in f:
        parts.append(f"{_num(f['score_before_gate']):.1f} before the keyword gate")
    return clean(" · ".join(parts), 300)


def _num(value: object) -> float:
    try:
        return float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return 0.0


def why_embed(report: Any) -> discord.Embed:
    thresholds = f"Thresholds here: review at **{report.low:g}**, apply at **{report.high:g}**."
    if not report.found:
        return embed({
            "title": "Why: article not seen",
            "description": f"Dossier has not seen {clean(report.query, 300)} in this server's feeds, "
                           "so it did nothing with it. It may come from a feed this server does not "
                           "follow (see `/feeds`), or it has not been polled yet.\n\n" + thresholds,
            "color": WARN_COLOR,
        })
    article = report.article
    seen = ", ".join(clean(s.feed_name or s.feed_url, 80) for s in report.seen_in) or "no feed of this server"
    description = [
        f"{link(article.title, article.url, 200)} — {clean(article.source, 80)}",
        f"Published {when(article.published, 'f')} · first seen {when(article.first_seen)} in {seen}",
        "",
        thresholds,
    ]
    fields = []
    for t in report.topics[:20]:
        value = [_gate_text(t)]
        if t.evaluated and t.relevant:
            if t.best:
                value.append("Best claims:")
                for c in t.best:
                    value.append(f"• **{clean(c.claim_key, 60)}** {c.score:.1f} "
                                 f"({BAND_TEXT.get(c.band, c.band)})")
                    detail = features_text(c.features)
                    if detail:
                        value.append(f"  {detail}")
            else:
                value.append("No claim scored: a new development at most.")
        fields.append({"name": f"Topic {clean(t.topic_key, 80)}", "value": "\n".join(value),
                       "inline": False})
    if report.posts:
        posts = []
        for p in report.posts[:10]:
            what = "review proposal" if p.review else kind_label(p.kind)
            where = f" in {channel_text(p.channel_id)}" if p.channel_id else ""
            posts.append(f"• {clean(what, 40)} ({clean(p.claim_key or p.topic_key or '', 60)}): "
                         f"{STATE_LABELS.get(p.state, p.state)}{where}")
        fields.append({"name": "Posts", "value": "\n".join(posts), "inline": False})
    else:
        fields.append({"name": "Posts", "value": "No post went out for this article.", "inline": False})
    return embed({
        "title": "Why: " + clean(article.title, 200),
        "url": safe_url(article.url) or None,
        "description": "\n".join(description),
        "fields": fields,
    })


# --- admin ----------------------------------------------------------------------------------


def audit_pages(rows: Sequence[Any]) -> list[discord.Embed]:
    lines = []
    for r in rows:
        who = f"<@{r.actor_id}>" if r.actor_id else clean(r.actor_name or "Dossier", 60)
        detail = f" — {clean(r.detail, 300)}" if r.detail else ""
        lines.append(f"{when(r.created_at)} {who} **{clean(r.action, 60)}** "
                     f"{clean(r.target, 120)}{detail}")
    return pages_from_lines(lines, title="Audit log", per_page=12,
                            empty="No admin actions recorded yet.")


def pending_pages(proposals: Sequence[Any]) -> list[discord.Embed]:
    lines = []
    for p in proposals:
        change = ""
        if p.before or p.after:
            change = f" `{clean(str(p.before or '∅'), 60)} → {clean(str(p.after or '∅'), 60)}`"
        subject = f"{clean(p.topic_key, 60)} › {clean(p.claim_key or '—', 60)}"
        lines.append(f"**#{p.id}** {clean(kind_label(p.kind), 40)} · {subject}{change} · "
                     f"score {p.score:.1f}\n  {link(p.article_title, p.article_url, 120)} · "
                     f"{when(p.created_at)}")
    return pages_from_lines(lines, title="Review queue", per_page=8,
                            empty="Nothing waiting for review.")


def value_or_blank(text: str | None) -> str:
    return text if text else EMPTY
