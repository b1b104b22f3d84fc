"""Change detection: compare what a matched article says with each claim's current state.

Kinds (see `ChangeKind`): `status_change` from generic English status cues attached to the
claim's own subject ("the review ... has now concluded"), `figure_change` when a figure of the
claim's kind in the claim's evidence sentences differs from the recorded one, `new_source`,
`detail_change` (a confident match with no other change, not just background) and
`new_development` (relevant, no claim matched). `article_revised` is the caller's (storage
knows the previous version).

Why the caution: a wrong automatic update is worse than a proposal. A change is `confident`
only when the match is at or above `thresholds.high` and nothing makes it ambiguous: a
negated or hedged cue ("has not concluded", "reportedly", "sources said"), two different new
values, a figure that contradicts a confirmed one, or a cue that conflicts with another in the
same article.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from itertools import compress

from bot.match.cues import cue_book
from bot.match.figures import Figure, parse_figure_text, parse_figures
from bot.match.matcher import TopicResult, entry_sentences
from bot.match.normalise import concepts, fold
from bot.match.reading import EntryText
from bot.match.scorer import claim_terms
from bot.match.thresholds import Thresholds
from bot.models import ArticleRef, Change, ChangeKind, ClaimMatch, ClaimState, Entry, Status, TopicState

_DIGIT = re.compile(r"\d")
SUBJECT_WINDOW = 4  # concepts after a cue that may still name what it is about ("concluded its review")


@dataclass(frozen=True, slots=True)
class _ClaimInfo:
    terms: frozenset[str]
    distinctive: frozenset[str]  # terms few of the topic's claims share: what a cue must be about
    figures: tuple[Figure, ...]
    statement_figures: tuple[Figure, ...]
    unique: frozenset[str] = frozenset()  # terms no other claim of the topic has
    units: frozenset[str] = frozenset()  # units of its figures and statement figures


_INFO_CACHE: dict[int, tuple[TopicState, dict[str, _ClaimInfo], dict[str, ClaimState]]] = {}
_INFO_CACHE_SIZE = 64


def _claim_info(topic: TopicState) -> dict[str, _ClaimInfo]:
    """Per-claim terms and figures of `topic` (see `_topic_cached`)."""
    return _topic_cached(topic)[1]


def _topic_cached(topic: TopicState) -> tuple[TopicState, dict[str, _ClaimInfo], dict[str, ClaimState]]:
    """`_compute_claim_info`, cached by identity: hashing a topic walks all its claims, and the
    pipeline passes the same TopicState object for a whole cycle. The cache holds the topic, so
    its id cannot be reused while cached; equal topics rebuilt elsewhere are merely recomputed.
    Worker threads may race to fill it: they compute the same value, and dict get/set/clear are
    single operations."""
    hit = _INFO_CACHE.get(id(topic))
    if hit is not None and hit[0] is topic:
        return hit
    entry = (topic, _compute_claim_info(topic), {c.key: c for c in topic.claims})
    if len(_INFO_CACHE) >= _INFO_CACHE_SIZE:
        _INFO_CACHE.clear()  # rare (64 topic versions); one call, so safe from worker threads
    _INFO_CACHE[id(topic)] = entry
    return entry


def _compute_claim_info(topic: TopicState) -> dict[str, _ClaimInfo]:
    terms = {c.key: frozenset(claim_terms(" ".join((c.statement, *c.aliases)))) for c in topic.claims}
    df: dict[str, int] = {}
    for ts in terms.values():
        for t in ts:
            df[t] = df.get(t, 0) + 1
    limit = max(1, len(topic.claims) // 4)
    out = {}
    for c in topic.claims:
        figs = tuple(f for f in (parse_figure_text(x) for x in c.figures) if f is not None)
        stated = tuple(parse_figures(c.statement))
        out[c.key] = _ClaimInfo(terms[c.key], frozenset(t for t in terms[c.key] if df[t] <= limit),
                                figs, stated, frozenset(t for t in terms[c.key] if df[t] == 1),
                                frozenset(f.unit for f in (*figs, *stated)))
    return out


def _ref(entry: Entry) -> ArticleRef:
    return ArticleRef(entry.url, entry.title, entry.source, entry.published)


def _change(kind: ChangeKind, topic: TopicState, claim: ClaimState | None, article: ArticleRef, score: float,
            evidence: str, before: str | None, after: str | None, confident: bool) -> Change:
    return Change(
        kind=kind, topic_key=topic.key, topic_title=topic.title,
        claim_key=claim.key if claim else None, claim_statement=claim.statement if claim else None,
        article=article, score=round(score, 2), evidence=evidence, before=before, after=after,
        confident=confident,
    )


@dataclass(frozen=True, slots=True)
class _Cue:
    status: Status
    sentence: int
    negated: bool
    hedged: bool
    about: bool  # next to a term of this claim that no other claim of the topic has


@dataclass(frozen=True, slots=True)
class _CueHit:
    status: Status
    froms: frozenset[Status]
    sentence: int
    about: frozenset[str]  # concepts of the cue's subject and object
    negated: bool
    hedged: bool
    family: str


@cache
def _families_by_word() -> dict[str, tuple[int, ...]]:
    """Cue word -> the indices of the shipped families one of whose cues has it as its longest
    word (no argument: hashing a CueBook walks every family)."""
    book = cue_book()
    return {w: tuple(i for i, f in enumerate(book.families) if w in f.words) for w in book.words}


def _cue_hits(sentences: Sequence[str] | EntryText, only: frozenset[int] | None = None) -> list[_CueHit]:
    """Every status cue of the entry, read once: what it is about, negated or hedged.

    A cue inside a longer cue of another family ("rejected by shareholders" holds "rejected")
    gives way to the longer one. (One regex of every family was tried: with some 250
    alternatives it is several times slower than one pass per family.) `sentences` may be the
    entry as the matcher read it (`EntryText`: its folded sentences and word sets are reused).
    """
    text = sentences if isinstance(sentences, EntryText) else EntryText(sentences)
    out: list[_CueHit] = []
    book = cue_book()
    # the cue words of the whole entry (its word set is the gates'): a sentence has no others
    entry_words = book.words.intersection(text.words)
    if not entry_words:
        return out
    by_word = _families_by_word()
    n = len(text.sentences)
    # the other sentences are not read: most of a long entry is skipped here
    indices = range(n) if only is None else sorted(i for i in only if 0 <= i < n)
    lines = text.lines
    hedging_words = book.hedging_words
    for si in indices:
        words = text.words_of(si)
        here = entry_words.intersection(words)
        if not here:
            continue
        folded = lines[si]
        # a family can match only if the longest word of one of its cues is a word here
        families = sorted({i for word in here for i in by_word[word]})  # in the book's order
        found = [(m.start(), m.end(), family) for family in (book.families[i] for i in families)
                 for m in family.regex.finditer(folded)]
        if not found:
            continue
        # no hedging phrase without its longest word (cues.required_words): most sentences
        hedged = ((hedging_words is None or not hedging_words.isdisjoint(words))
                  and book.hedging.search(folded) is not None)
        for start, end, family in found:
            if len(found) > 1 and any(s <= start and end <= e and e - s > end - start for s, e, _ in found):
                continue
            before = folded[:start]
            clause_start = max(before.rfind(";"), before.rfind(". "))
            subject = concepts(folded[clause_start + 1: start])[-SUBJECT_WINDOW:]
            obj = concepts(folded[end: end + 80])[:SUBJECT_WINDOW]
            negated = bool(book.negation.search(folded[max(0, start - 30): start]))
            # inside a clause that tells the background ("after a complaint was filed")
            clause = folded[max(clause_start + 1, before.rfind(",") + 1): start]
            subordinate = bool(book.subordinate.search(clause))
            out.append(_CueHit(family.to, family.froms, si, frozenset((*subject, *obj)), negated,
                               hedged or subordinate, family.name))
    return out


def _status_cues(hits: Sequence[_CueHit], info: _ClaimInfo, claim: ClaimState,
                 window: Sequence[int]) -> list[_Cue]:
    """The cues about this claim: in the sentences its score came from, or naming one of its
    distinctive terms next to the cue (subject or object)."""
    status, distinctive = claim.status, info.distinctive
    return [_Cue(h.status, h.sentence, h.negated, h.hedged, not h.about.isdisjoint(info.unique)) for h in hits
            if h.status != status and status in h.froms
            and (h.sentence in window or not h.about.isdisjoint(distinctive))]


@lru_cache(maxsize=4096)
def _sentence_figures(sentence: str) -> tuple[Figure, ...]:
    """`parse_figures` of one sentence; kept across entries, as feeds repeat their sentences
    (a story's background paragraph, a summary that is also the content's lead)."""
    return tuple(parse_figures(sentence))


def _window_figures(
    figures_of: Callable[[int], Sequence[Figure]], indices: Sequence[int], info: _ClaimInfo
) -> list[tuple[int, Figure]]:
    """Figures in the claim's evidence sentences that are of a kind the claim tracks."""
    units = info.units
    out = []
    for si in indices:
        for f in figures_of(si):
            if f.unit == "" and not (set(f.nouns) & info.terms):
                continue  # a count of something the claim does not talk about
            if f.unit not in units and (units or f.unit == ""):
                continue  # a claim that tracks a count is not updated by a sum of money
            out.append((si, f))
    return out


ABOUT_TERMS = 2  # distinctive claim terms a sentence names to count as reporting on the claim


def _about_claim(concept_sets: Sequence[frozenset[str]], numeric: Sequence[int],
                 info: _ClaimInfo) -> list[int]:
    """Sentences with a number beyond the best window that report on the claim (ABOUT_TERMS of its
    distinctive terms): a matched article often gives the new figure a paragraph after the
    sentence that matched best ("Delta sued CrowdStrike ..." then "The outage cost it $500 million")."""
    distinctive = info.distinctive
    return [i for i in numeric if len(concept_sets[i] & distinctive) >= ABOUT_TERMS]


def _evidence_sentences(result: TopicResult, match: ClaimMatch, sentences: Sequence[str]) -> list[int]:
    idx = list(result.claim_windows.get(match.claim_key, ()))
    if not idx and match.evidence:  # a result built by hand: find the evidence in the sentences
        idx = [i for i, s in enumerate(sentences) if s and s in match.evidence]
    return [i for i in idx if 0 <= i < len(sentences)]


def detect_changes(
    topic: TopicState, entry: Entry, result: TopicResult, thresholds: Thresholds
) -> list[Change]:
    """Classify what `entry` changes about `topic`'s claims (see module doc); pure."""
    if not result.relevant:
        return []
    sentences = list(result.sentences) or entry_sentences(entry)[0]
    text = result.text  # the entry as the matcher read it (folded sentences, word sets)
    if text is None or not text.same_sentences(sentences):
        text = EntryText(sentences, result.title_sentences)
    _, infos, claims = _topic_cached(topic)
    article = _ref(entry)  # frozen: one for all the entry's changes
    changes: list[Change] = []
    changed: set[str] = set()
    # matched claims share sentences; one without a digit has no figure (parse_figures' own test)
    figures_of = cache(lambda si: _sentence_figures(sentences[si]) if text.has_digit(si) else ())
    concepts_of = cache(lambda si: concepts(sentences[si]))
    concept_sets: Sequence[frozenset[str]] = ()
    cue_hits: list[_CueHit] = []
    movable_by: dict[Status, list[_CueHit]] = {}
    numeric: list[int] = []  # sentences holding a digit: the only ones a figure can come from
    lead_sentences = max(1, result.title_sentences)
    if result.matches:
        numeric = list(compress(range(len(sentences)), map(_DIGIT.search, sentences)))
        concept_sets = result.sentence_concepts if len(result.sentence_concepts) == len(sentences) \
            else [frozenset(concepts(s)) for s in sentences]
        # a cue counts only in a matched claim's window or next to one of its distinctive terms:
        # the other sentences are not read for cues at all
        distinctive = frozenset().union(*(infos[m.claim_key].distinctive for m in result.matches
                                          if m.claim_key in infos))
        windows = {i for m in result.matches for i in result.claim_windows.get(m.claim_key, ())}
        readable = frozenset(i for i, cs in enumerate(concept_sets)
                             if i in windows or i < lead_sentences or not cs.isdisjoint(distinctive))
        cue_hits = _cue_hits(text, readable if result.claim_windows else None)
    for match in result.matches:
        claim = claims.get(match.claim_key)
        if claim is None or match.score < thresholds.low:
            continue
        info = infos[claim.key]
        strong = match.score >= thresholds.high
        # status
        window = _evidence_sentences(result, match, sentences)
        # the lead (title, or first sentence) states the news: its cue applies to every matched
        # claim it can move, as a proposal only
        lead = (*range(lead_sentences),)
        movable = movable_by.get(claim.status)
        if movable is None:  # the cues that can move a claim of this status, once per status
            movable = movable_by[claim.status] = [h for h in cue_hits
                                                  if h.status != claim.status and claim.status in h.froms]
        cues = _status_cues(movable, info, claim, (*window, *lead))
        positive = [c for c in cues if not c.negated]
        if positive:
            targets = {c.status for c in positive}
            cue = positive[0]
            conflict = len(targets) > 1 or any(c.negated for c in cues)
            # applied without review only when the cue is attached to this claim's own words (its
            # subject or object names a term no other claim of the topic has): a cue merely in
            # the claim's evidence, or next to a name several claims share ("Delta"), may be
            # about another claim told in the same sentence
            confident = strong and not conflict and not cue.hedged and cue.about
            changes.append(_change(ChangeKind.STATUS_CHANGE, topic, claim, article, match.score,
                                   sentences[cue.sentence], claim.status.value, cue.status.value, confident))
            changed.add(claim.key)
        # figures
        idx = sorted({*window, *_about_claim(concept_sets, numeric, info)})
        candidates = []
        for si, fig in _window_figures(figures_of, idx, info):
            same_kind = [f for f in info.figures if f.unit == fig.unit]
            if any(f.same_as(fig) for f in same_kind) or any(f.same_as(fig) for f in info.statement_figures):
                continue  # background: the figure we already have
            candidates.append((si, fig, same_kind[0] if same_kind else None))
        if candidates:
            # the figure of the sentence that is most about this claim ("Proposal 9, on human
            # rights due diligence, won 26%" over "Proposal 8 won 27%" for a due-diligence claim)
            about = {i: len(info.distinctive.intersection(concepts_of(i))) for i, _, _ in candidates}
            si, fig, old = max(candidates, key=lambda c: about[c[0]])  # the first on a tie
            distinct = {(f.unit, f.value) for _, f, _ in candidates}
            hedging_words = cue_book().hedging_words
            hedged = ((hedging_words is None or not hedging_words.isdisjoint(text.words_of(si)))
                      and cue_book().hedging.search(text.lines[si]) is not None)
            contradicts_confirmed = old is not None and claim.status is Status.CONFIRMED
            confident = (strong and len(distinct) == 1 and old is not None and not hedged
                         and not contradicts_confirmed)
            changes.append(_change(ChangeKind.FIGURE_CHANGE, topic, claim, article, match.score,
                                   sentences[si], old.text if old else None, fig.text, confident))
            changed.add(claim.key)
    # detail: the strongest match, when nothing else changed and it is not just background
    if not changed and result.matches:
        best = result.matches[0]
        claim = claims.get(best.claim_key)
        background = bool(cue_book().background.search(fold(best.evidence)))
        if claim is not None and best.score >= thresholds.high and not background:
            changes.append(_change(ChangeKind.DETAIL_CHANGE, topic, claim, article, best.score, best.evidence,
                                   claim.statement, best.evidence, True))
            changed.add(claim.key)
    # new sources: an outlet not yet cited, for matched claims without another change
    source = (entry.source or "").strip()
    if source:
        for match in result.matches:
            claim = claims.get(match.claim_key)
            if claim is None or claim.key in changed or source in claim.sources:
                continue
            changes.append(_change(ChangeKind.NEW_SOURCE, topic, claim, article, match.score, match.evidence,
                                   None, source, match.score >= thresholds.high))
    if not result.matches:
        evidence = _topic_sentence(result, sentences, text.lines) or entry.title
        best_score = result.scores[0].score if result.scores else 0.0
        changes.append(_change(ChangeKind.NEW_DEVELOPMENT, topic, None, article, best_score, evidence,
                               None, entry.title or evidence, False))
    return changes


def _topic_sentence(result: TopicResult, sentences: Sequence[str], folded_sentences: Sequence[str]) -> str:
    """The sentence that best shows why the entry is about the topic: the most keyword hits."""
    keywords = [fold(k) for group in result.gate.hits for k in group]
    best, best_hits = "", 0
    for s, folded in zip(sentences, folded_sentences, strict=True):
        hits = sum(1 for k in keywords if k.split()[0] in folded)
        if hits > best_hits:
            best, best_hits = s, hits
    return best
