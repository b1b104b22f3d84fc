"""`/why`: what Dossier did with one article in this server, and which numbers decided it."""

from __future__ import annotations

import discord

from bot.discord_bot.format.common import STATE_LABELS, WARN_COLOR, channel_text, embed, link, when
from bot.match.matcher import EXPLAINED_FACTOR
from bot.render import kind_label
from bot.render.embed import safe_url
from bot.render.sanitize import clean
from bot.service.browse import TopicWhy, WhyReport


def _gate_text(t: TopicWhy) -> str:
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
    if "cosine" in f:  # the semantic scorer was on: the score is both parts (bot/match/combine.py)
        parts.append(f"lexical {_num(f.get('lexical')):.0f} + semantic {_num(f.get('semantic')):.0f} "
                     f"(cosine {_num(f['cosine']):.2f})")
    if "cosine_not_denying" in f:  # bot/match/denial.py
        parts.append(f"cosine {_num(f['cosine_not_denying']):.2f} not counted: the claim denies, "
                     "the sentence denies nothing")
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
            if key == "verb" and _num(f.get("denial_not_negated")):  # bot/match/denial.py
                text = "the claim denies, its window negates nothing"
            parts.append(f"{text} ×{_num(f[key]):g}")
    if "penalty" in f and _num(f["penalty"]) < 1:  # below-threshold records: penalties combined
        parts.append(f"penalties ×{_num(f['penalty']):.2g}")
    if f.get("explained_by"):
        parts.append(f"better explained by {clean(str(f['explained_by']), 60)} ×{EXPLAINED_FACTOR:g}")
    if "learnt_bar" in f:  # answers to match checks moved this claim's bar (bot/match/learnt.py)
        parts.append(f"this claim's learnt bar {_num(f['learnt_bar']):g}")
    if "score_before_gate" in f:
        parts.append(f"{_num(f['score_before_gate']):.1f} before the keyword gate")
    return clean(" · ".join(parts), 300)


def _num(value: object) -> float:
    try:
        return float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return 0.0


TEXT_SOURCES = {"feed_content": "the feed's full content", "article_page": "the article page",
                "feed_summary": "the feed's summary"}


def why_embed(report: WhyReport) -> discord.Embed:
    thresholds = f"Thresholds here: review at **{report.low:g}**, apply at **{report.high:g}**."
    article = report.article
    if not report.found or article is None:
        return embed({
            "title": "Why: article not seen",
            "description": f"Dossier has not seen {clean(report.query, 300)} in this server's feeds, "
                           "so it did nothing with it. It may come from a feed this server does not "
                           "follow (see `/feeds`), or it has not been polled yet.\n\n" + thresholds,
            "color": WARN_COLOR,
        })
    seen = ", ".join(clean(s.feed_name or s.feed_url, 80) for s in report.seen_in) or "no feed of this server"
    description = [
        f"{link(article.title, article.url, 200)} — {clean(article.source, 80)}",
        f"Published {when(article.published, 'f')} · first seen {when(article.first_seen)} in {seen}",
    ]
    if report.text_source:
        note = report.text_source_note
        source = TEXT_SOURCES.get(report.text_source, clean(report.text_source, 40))
        description.append(f"Matched on: {source}" + (f" ({clean(note, 200)})" if note else ""))
    description += ["", thresholds]
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
        elif t.evaluated and t.in_passing:
            value.append("Mentions the topic only in passing: its lead is about something else and "
                         "fewer than two claims matched, so nothing was proposed.")
        fields.append({"name": f"Topic {clean(t.topic_key, 80)}", "value": "\n".join(value),
                       "inline": False})
    if report.posts:
        posts = []
        for p in report.posts[:10]:
            what = "review proposal" if p.review else kind_label(p.kind)
            where = f" in {channel_text(p.channel_id)}" if p.channel_id else ""
            others = ", ".join(p.corroborated_by)
            also = f", also reported by {clean(others, 120)}" if others else ""
            posts.append(f"• {clean(what, 40)} ({clean(p.claim_key or p.topic_key or '', 60)}{also}): "
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
