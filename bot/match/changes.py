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
from dataclasses import dataclass, replace
from functools import cache, lru_cache
from itertools import compress

from rapidfuzz import fuzz

from bot.match.crosslang import (
    MIN_FUNCTION_HITS,
    any_function_words,
    claim_names,
    function_words,
    governed_count,
    inflected,
    same_or_cognate,
    word_before,
)
from bot.match.cues import CueBook, cue_book
from bot.match.figures import TIME_WORDS, Figure, parse_figure_text, parse_figures, scale_words
from bot.match.matcher import TopicResult, entry_sentences
from bot.match.normalise import STOPWORDS, concepts, fold, languages
from bot.match.reading import EntryText
from bot.match.scorer import claim_terms
from bot.match.thresholds import Thresholds
from bot.models import ArticleRef, Change, ChangeKind, ClaimMatch, ClaimState, Entry, Status, TopicState

_DIGIT = re.compile(r"\d")
_PLAIN_NUMBER = re.compile(r"(?<![\d.,])\d+(?![\d.,]\d)")
_NO_NOUN = frozenset(concepts("items"))  # what `parse_figure_text` reads a bare stored count as
MODAL_CHARS = 24  # how far before a cue a modal word hedges it ("is expected to be dismissed")
PARTIAL_CHARS = 40  # how far before an ending cue a part is named ("several claims were")
SUBJECT_WINDOW = 4  # concepts after a cue that may still name what it is about ("concluded its review")


@dataclass(frozen=True, slots=True)
class _ClaimInfo:
    terms: frozenset[str]
    distinctive: frozenset[str]  # terms few of the topic's claims share: what a cue must be about
    figures: tuple[Figure, ...]
    statement_figures: tuple[Figure, ...]
    unique: frozenset[str] = frozenset()  # terms no other claim of the topic has
    units: frozenset[str] = frozenset()  # units of its figures and statement figures
    stored: tuple[str, ...] = ()  # its figures as stored, beside `figures` (what a change replaces)
    counted: frozenset[str] = frozenset()  # what its counts count ("flight" for "5,000 flights")
    quantities: frozenset[str] = frozenset()  # kinds of figure its statement names ("cost": money)
    kinds: frozenset[str] = frozenset()  # kinds of proceeding its statement names ("sue": legal)
    former: tuple[Figure, ...] = ()  # figures it held before its current ones (its revisions)
    rate: bool = False  # its statement or a figure of it is a rate ("120 a week")
    proceeding_words: frozenset[str] = frozenset()  # words of its kinds of proceeding, and its quantity words
    names: frozenset[float] = frozenset()  # numbers its statement uses as no figure ("Microsoft 365")
    referred: frozenset[str] = frozenset()  # terms only in its references to other events ("before X")
    parties: frozenset[str] = frozenset()  # its distinctive terms that name no proceeding, cue or quantity
    governors: frozenset[str] = frozenset()  # words its statement's counts are objects of ("cancelled")


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


@dataclass(frozen=True, slots=True)
class _Wording:
    """What `_ClaimInfo` takes from the claims' statements and aliases alone (the costly part:
    terms, concepts, figures of the statement), shared by every version of a topic whose
    claims keep their wordings while their figures and statuses change."""

    terms: frozenset[str]
    distinctive: frozenset[str]
    stated: tuple[Figure, ...]
    unique: frozenset[str]
    quantities: frozenset[str]
    kinds: frozenset[str]
    stated_rate: bool
    proceeding_words: frozenset[str]
    names: frozenset[float]
    referred: frozenset[str]
    parties: frozenset[str]
    governors: frozenset[str] = frozenset()


_WORDING_CACHE: dict[tuple[object, ...], dict[str, _Wording]] = {}
_FIGURES_CACHE: dict[tuple[int, str, tuple[str, ...], tuple[str, ...]], tuple[_Wording, _ClaimInfo]] = {}


def _compute_claim_info(topic: TopicState) -> dict[str, _ClaimInfo]:
    """Each claim's `_ClaimInfo`. A confident change gives the pipeline a new topic version
    (one claim's figures or status differ) thousands of times in a cold start: the wordings'
    part is then found again by the claims' wordings, and each claim's figures' part by its
    figures, instead of reading every statement again (~11 % of a cold start's CPU)."""
    words = _wordings(topic)
    out = {}
    for c in topic.claims:
        w = words[c.key]
        key = (id(w), c.key, tuple(c.figures), tuple(c.former_figures))
        hit = _FIGURES_CACHE.get(key)
        if hit is None or hit[0] is not w:
            if len(_FIGURES_CACHE) >= 64 * _INFO_CACHE_SIZE:
                _FIGURES_CACHE.clear()
            hit = _FIGURES_CACHE[key] = (w, _with_figures(w, c))
        out[c.key] = hit[1]
    return out


def _with_figures(w: _Wording, c: ClaimState) -> _ClaimInfo:
    parsed = [(x, _stored_figure(x, w.stated)) for x in c.figures]
    figs = tuple(f for _, f in parsed if f is not None)
    counted = frozenset(n for f in (*figs, *w.stated) if f.unit == "" for n in f.nouns) - _NO_NOUN
    return _ClaimInfo(w.terms, w.distinctive, figs, w.stated, w.unique,
                      frozenset(f.unit for f in (*figs, *w.stated)),
                      tuple(x for x, f in parsed if f is not None), counted, w.quantities, w.kinds,
                      tuple(f for x in c.former_figures
                            if (f := _stored_figure(x, w.stated)) is not None),
                      w.stated_rate or any(_is_rate(fold(text), f) for text in c.figures
                                           for f in parse_figures(text)),
                      w.proceeding_words, w.names, w.referred, w.parties, w.governors)


def _wordings(topic: TopicState) -> dict[str, _Wording]:
    # the lemmatisers' languages too: they decide the terms (tests switch them)
    sig = (languages(), tuple((c.key, c.statement, tuple(c.aliases)) for c in topic.claims))
    hit = _WORDING_CACHE.get(sig)
    if hit is None:
        if len(_WORDING_CACHE) >= _INFO_CACHE_SIZE:
            _WORDING_CACHE.clear()
        hit = _WORDING_CACHE[sig] = _compute_wordings(topic)
    return hit


def _compute_wordings(topic: TopicState) -> dict[str, _Wording]:
    wording = {c.key: " ".join((c.statement, *c.aliases)) for c in topic.claims}
    terms = {c.key: frozenset(claim_terms(wording[c.key])) for c in topic.claims}
    df: dict[str, int] = {}
    for ts in terms.values():
        for t in ts:
            df[t] = df.get(t, 0) + 1
    limit = max(1, len(topic.claims) // 4)
    quantity_words = cue_book().quantities
    out = {}
    for c in topic.claims:
        stated = tuple(parse_figures(c.statement))
        kinds = cue_book().process_kinds(set(concepts(fold(wording[c.key]))))
        distinctive = frozenset(t for t in terms[c.key] if df[t] <= limit)
        out[c.key] = _Wording(
            terms[c.key], distinctive, stated, frozenset(t for t in terms[c.key] if df[t] == 1),
            frozenset(k for k, words in quantity_words.items() if words & terms[c.key]),
            kinds,
            any(_is_rate(fold(c.statement), f) for f in parse_figures(c.statement)),
            _proceeding_words(terms[c.key], kinds),
            frozenset(float(n) for n in _PLAIN_NUMBER.findall(wording[c.key])) - {f.value for f in stated},
            _referred(c.statement) & terms[c.key],
            _parties(distinctive),
            _governors(c.statement, stated))
    return out


def _governors(statement: str, stated: Sequence[Figure]) -> frozenset[str]:
    """The word each count of a statement is the object of ("cancelled" in "cancelled more than
    5,000 flights"): what ties a count to the claim in a language that cannot write its unit
    (`crosslang.governed_count`)."""
    folded = fold(statement)
    found = (word_before(folded, f.start, STOPWORDS) for f in stated if f.unit == "")
    return frozenset(w for w in found if w)


def _parties(distinctive: frozenset[str]) -> frozenset[str]:
    """Who a claim's proceeding is between, as far as its words tell: its distinctive terms less
    the words of quantities and of cues; the words of the proceeding a cue is about are left out
    when it is read (`_party_claims`: "shareholders", not "sue")."""
    book = cue_book()
    return distinctive - frozenset().union(*book.quantities.values()) - book.words


def _proceeding_words(terms: frozenset[str], kinds: frozenset[str]) -> frozenset[str]:
    """What names a claim's proceeding in a figure's clause: the words of its kinds ("lawsuit",
    "court", "damages" for a legal one) and its own words of a quantity ("fine")."""
    book = cue_book()
    own = frozenset().union(*(terms & words for words in book.quantities.values()))
    return own.union(*(book.processes[k] for k in kinds))


_PHRASE_END = re.compile(r"[,;.:()]|$")


def _referred(statement: str) -> frozenset[str]:
    """The concepts a statement names only in references to other events: from a word of
    `references` (cues.yaml: "before", "after", "since") to the end of that phrase."""
    pattern = cue_book().references
    folded = fold(statement)
    if pattern is None:
        return frozenset()
    inside: list[str] = []
    rest: list[str] = []
    pos = 0
    for m in pattern.finditer(folded):
        if m.start() < pos:
            continue
        end = _PHRASE_END.search(folded, m.end()).start()
        rest.extend(concepts(folded[pos: m.start()]))
        inside.extend(concepts(folded[m.end(): end]))
        pos = end
    rest.extend(concepts(folded[pos:]))
    return frozenset(inside) - frozenset(rest)


def _stored_figure(text: str, stated: Sequence[Figure]) -> Figure | None:
    """A stored figure read back; one written without its unit ("5.4 billion") takes the unit of
    the statement's figure of that value ("$5.4 billion")."""
    fig = parse_figure_text(text)
    if fig is not None and fig.unit == "" and set(fig.nouns) <= _NO_NOUN:
        return next((s for s in stated if abs(s.value - fig.value) <= 1e-9 * max(1.0, fig.value)), fig)
    return fig


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


# _Cue and _CueHit are read-only by use but not frozen: several are built per entry and
# claim, and a frozen dataclass's __init__ (object.__setattr__ per field) costs ~4 times more

@dataclass(slots=True)
class _Cue:
    status: Status
    sentence: int
    negated: bool
    hedged: bool
    about: bool  # next to a term of this claim that no other claim of the topic has
    sole: bool = True  # this claim alone fits the cue best among the claims it could move
    evidence: int = 0  # its distinctive terms next to the cue, +1 when the cue names its proceeding
    proceeding: bool = False  # the cue's clause names a proceeding of the claim's kind


@dataclass(slots=True)
class _CueHit:
    status: Status
    froms: frozenset[Status]
    sentence: int
    about: frozenset[str]  # concepts of the cue's subject and object
    negated: bool
    hedged: bool
    family: str
    moves: frozenset[str] = frozenset()  # kinds of proceeding its family moves (empty: any claim)
    kinds: frozenset[str] = frozenset()  # kinds of proceeding its clause names ("lawsuit": legal)
    context: tuple[str, ...] = ()  # concepts of its clause, up to 80 characters after it
    appeal: bool = False  # a ruling appealed: the sentence's ending cues are not final
    span: tuple[int, int] = (0, 0)  # where its clause starts and the cue ends, in the folded sentence
    act: frozenset[str] = frozenset()  # the concepts of the cue's own words ("testified": testify)


@lru_cache(maxsize=1024)
def _act(cue: str) -> frozenset[str]:
    """The concepts of a cue's own words: the act it reports ("testified", "sued")."""
    return frozenset(concepts(cue))


@lru_cache(maxsize=1024)
def _phrase_kinds(cue: str) -> frozenset[str]:
    """The kinds of proceeding a cue's own words name ("testified": a hearing)."""
    return cue_book().process_kinds(frozenset(concepts(cue)))


@cache
def _families_by_word() -> dict[str, tuple[int, ...]]:
    """Cue word -> the indices of the shipped families one of whose cues has it as its longest
    word (no argument: hashing a CueBook walks every family)."""
    book = cue_book()
    return {w: tuple(i for i, f in enumerate(book.families) if w in f.words) for w in book.words}


def _cue_hits(sentences: Sequence[str] | EntryText, only: frozenset[int] | None = None,
              statuses: frozenset[Status] | None = None) -> list[_CueHit]:
    """Every status cue of the entry, read once: what it is about, negated or hedged.

    A cue inside a longer cue of another family ("rejected by shareholders" holds "rejected")
    gives way to the longer one. (One regex of every family was tried: with some 250
    alternatives it is several times slower than one pass per family.) `sentences` may be the
    entry as the matcher read it (`EntryText`: its folded sentences and word sets are reused).
    `statuses`: the statuses of the claims it may move; a cue that can move none of them is not
    read (an appeal still makes its sentence's ending cues not final).
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
        # no hedging phrase without its longest word (cues.required_words): most sentences
        hedged = ((hedging_words is None or not hedging_words.isdisjoint(words))
                  and book.hedging.search(folded) is not None)
        # a family can match only if the longest word of one of its cues is a word here
        families = sorted({i for word in here for i in by_word[word]})  # in the book's order
        found = [(m.start(), m.end(), family) for family in (book.families[i] for i in families)
                 for m in family.regex.finditer(folded)]
        # a request to end the case (`dismissal_motions`) or a condition still to be met
        # (`pending`) can only be read where their words are: most sentences skip both
        motions = book.dismissal_motions if book.dismissal_motions is not None and (
            book.motion_words is None or not book.motion_words.isdisjoint(words)) else None
        pending = book.pending is not None and (
            book.pending_words is None or not book.pending_words.isdisjoint(words)) and bool(
            book.pending.search(folded))
        start_at = len(out)
        appealed = False  # a ruling appealed: the sentence's ending cues are not final
        for start, end, family in found:
            if len(found) > 1 and any(s <= start and end <= e and e - s > end - start for s, e, _ in found):
                continue
            if statuses is not None and not (family.whole or family.motion) \
                    and family.froms.isdisjoint(statuses):
                # it can move none of the claims: not read ("reopened" when no claim has ended)
                appealed = appealed or (family.appeal
                                        and not book.negation.search(folded, max(0, start - 30), start))
                continue
            before = folded[:start]
            cue = folded[start:end]
            if book.foreign and " ".join(cue.split()) in book.foreign and _plainly_english(text):
                continue  # another language's cue in English words: "to go to a vote" is no "a voté"
            if cue[-1] == "s" and " " not in cue and book.determiners:
                prev = before.rstrip().rsplit(None, 1)
                if prev and prev[-1] in book.determiners:
                    continue  # a noun: "the growing challenges", "its files"
            clause_start = max(before.rfind(";"), before.rfind(". "))
            status, froms, name = family.to, family.froms, family.name
            moves, whole = family.about, family.whole
            phrase_start = max(clause_start + 1, before.rfind(",") + 1)
            motion_end = motion_stop = -1
            if (family.motion or family.whole) and motions is not None:
                motion_end, motion_stop = _motion_end(folded, motions, phrase_start, start, end)
            if family.motion and motion_end < 0:
                continue  # "granted" ends a case only by granting a request to end it
            if motion_end >= 0 and not family.motion:
                # the request to end the case was refused: the case goes on
                status, froms, name, moves, whole = Status.ONGOING, MOTION_FROMS, "motion", LEGAL, False
            elif whole and not family.motion and book.requests is not None \
                    and (book.request_words is None or not book.request_words.isdisjoint(words)) \
                    and _names_request(folded, book.requests, phrase_start, start, end) \
                    and _court_sentence(folded):
                # a court decided a request whose side the text does not tell ("the judge rejected
                # the motion"): the case is under way, whichever side lost; it ends nothing
                status, froms, name, moves, whole = Status.ONGOING, MOTION_FROMS, "motion", LEGAL, False
            if whole and pending and status is Status.CONCLUDED:
                continue  # not final yet: "agreed to settle, pending court approval"
            if whole and book.partial is not None and (
                    book.partial_words is None or not book.partial_words.isdisjoint(words)) and (
                    book.partial.search(folded, max(phrase_start, start - PARTIAL_CHARS), start)
                    or book.partial.match(folded, _after_links(folded, book, end))
                    or (motion_end >= 0 and book.partial.search(folded, motion_end, motion_stop))):
                continue  # about a part: "dismissed the bulk of the suit", "several claims were rejected"
            told = concepts(folded[clause_start + 1: start])
            after = concepts(folded[end: end + 80])
            subject, obj = told[-SUBJECT_WINDOW:], after[:SUBJECT_WINDOW]
            negated = bool(book.negation.search(folded[max(0, start - 30): start]))
            # a modal hedges the verb it comes before ("could be dismissed"), not the sentence
            modal = not hedged and book.modal is not None and bool(
                book.modal.search(folded[max(0, start - MODAL_CHARS): start]))
            context = (*told, *after)
            kinds = (book.process_kinds(context) | _phrase_kinds(cue)) if moves else frozenset()
            # inside a clause that tells the background ("after a complaint was filed")
            clause = folded[phrase_start: start]
            subordinate = bool(book.subordinate.search(clause))
            if family.appeal and not negated:
                appealed = True
            out.append(_CueHit(status, froms, si, frozenset((*subject, *obj)), negated,
                               hedged or subordinate or modal, name, moves, kinds, context,
                               appeal=family.appeal, span=(clause_start + 1, end), act=_act(cue)))
        if appealed and len(out) > start_at:
            # a ruling appealed is not final: the sentence's ending cues end nothing
            out[start_at:] = [h for h in out[start_at:] if not (h.status is Status.CONCLUDED and h.moves)]
    endings = [h.sentence for h in out if h.status is Status.CONCLUDED and "legal" in h.moves]
    if endings:
        # an appeal told in a later sentence ("The judge dismissed the suit. The tenants have
        # appealed."): the rulings before it are not final either
        appealed_at = _appeal_after(text, entry_words, min(endings))
        if appealed_at is not None:
            out = [h for h in out if not (h.status is Status.CONCLUDED and "legal" in h.moves
                                          and h.sentence < appealed_at)]
    return out


def _plainly_english(text: EntryText) -> bool:
    """The entry is read as English and uses enough common English words to tell (a title
    alone is not taken as English here: a German headline keeps its German cues)."""
    words = text.words
    return len(words & function_words("en")) >= MIN_FUNCTION_HITS and text.language == "en"


APPEAL_SENTENCES = 3  # how many sentences after a ruling may report its appeal


def _appeal_after(text: EntryText, entry_words: frozenset[str], first: int) -> int | None:
    """The last of the APPEAL_SENTENCES sentences after `first` (read for the claims or not)
    that reports an appeal (`appeal: true` families), not negated; None when none does. Further
    on, an appeal is as likely another ruling's."""
    book = cue_book()
    found = None
    for family in book.families:
        if not family.appeal or family.words.isdisjoint(entry_words):
            continue
        for si in range(first + 1, min(len(text.sentences), first + 1 + APPEAL_SENTENCES)):
            if family.words.isdisjoint(text.words_of(si)):
                continue
            folded = text.lines[si]
            for m in family.regex.finditer(folded):
                if not book.negation.search(folded, max(0, m.start() - 30), m.start()):
                    found = max(found or 0, si)
                    break
    return found


def _names_request(folded: str, requests: re.Pattern[str], phrase_start: int, start: int, end: int) -> bool:
    """A bare request (`requests`) is the cue's own subject or object: in its phrase before it, or
    after it up to the end of that phrase or a word joining another clause (`clause_links`: "the
    suit was dismissed and the motion rejected" names no request as what was dismissed)."""
    book = cue_book()
    links = book.clause_links
    before = folded[max(phrase_start, start - MOTION_CHARS): start]
    if links is not None:
        cuts = [m.end() for m in links.finditer(before)]
        before = before[cuts[-1]:] if cuts else before
    if requests.search(before):
        return True
    after = folded[end: end + MOTION_CHARS]
    stop = _CLAUSE_STOP.search(after)
    after = after[: stop.start()] if stop else after
    if links is not None and (m := links.search(after)):
        after = after[: m.start()]
    return requests.search(after) is not None


def _court_sentence(folded: str) -> bool:
    """The sentence names a legal proceeding and no vote: a request decided in it is a court's
    ("the judge rejected the motion"), not a meeting's ("shareholders rejected the motion"). The
    request words are no evidence either way (a German "Antrag" is also a meeting's motion)."""
    book = cue_book()
    kinds = book.process_kinds(frozenset(concepts(folded)) - (book.request_words or frozenset()))
    return "legal" in kinds and "vote" not in kinds


MOTION_FROMS = frozenset({Status.ALLEGED})  # a refused request to end a case: it is under way
LEGAL = frozenset({"legal"})
MOTION_CHARS = 40  # how far from a ruling its object or subject names the request it decides
_CLAUSE_STOP = re.compile(r"[,;:.()]")
_PARTY_CLAUSE_END = re.compile(r"[;:.()]|, (?:but|while|and|which|who|so|as)\b")


def _motion_end(folded: str, motions: re.Pattern[str], clause_start: int, start: int,
                end: int) -> tuple[int, int]:
    """Where a request to end the case (`dismissal_motions`) named as the cue's subject or object
    ("the motion to dismiss was rejected", "denied the landlord's motion to dismiss", "lost its
    bid to dismiss") ends, and where its clause ends, within the cue's clause and MOTION_CHARS
    of it; (-1, -1) when none is."""
    stop = _CLAUSE_STOP.search(folded, end, end + MOTION_CHARS)
    m = motions.search(folded, max(clause_start, start - MOTION_CHARS),
                       stop.start() if stop else end + MOTION_CHARS)
    if m is None:
        return -1, -1
    stop = _CLAUSE_STOP.search(folded, m.end())  # the request's own phrase: "to dismiss the suit in part"
    return m.end(), (stop.start() if stop else len(folded))


def _after_links(folded: str, book: CueBook, pos: int) -> int:
    """Past the link words right after `pos` ("settled with the", "granted the motion ... in"):
    where a part (`partial`) would be named."""
    if book.partial_links is None:
        return pos + 1 + (folded.startswith(" the ", pos) and 4)
    m = book.partial_links.match(folded, pos)
    return m.end() if m else pos


def _fits(hit: _CueHit, info: _ClaimInfo, claim: ClaimState, window: Sequence[int]) -> bool:
    """Can this cue move this claim? It announces another status the claim may move from; it is
    in the sentences the claim's score came from (or the lead) or names one of its distinctive
    terms; and a cue of a proceeding (a suit filed, a ruling, a hearing held) needs a claim about
    a proceeding of a kind it moves, and of the kind its own clause names ("dismissed the
    lawsuit" concludes no investigation, and nothing about the losses a suit is over).
    (`detect_changes` runs this test inlined.)"""
    if hit.status == claim.status or claim.status not in hit.froms:
        return False
    if not (hit.sentence in window or not hit.about.isdisjoint(info.distinctive)):
        return False
    return not (hit.moves and (info.kinds.isdisjoint(hit.moves)
                               or (hit.kinds and info.kinds.isdisjoint(hit.kinds))))


def _others_proceeding(hit: _CueHit, key: str, infos: dict[str, _ClaimInfo],
                       sentence: frozenset[str], folded: str) -> bool:
    """The cue is about another proceeding than claim `key`'s: its sentence names the parties of
    another claim of its kind of proceeding and not this claim's ("the shareholders' suit may
    proceed" moves no claim about the shops' suits). When it names both, the cue's own clause
    decides; when it names no one's, the cue may be the claim's. A cue reporting the claim's own
    act (its statement's verb) that no other such claim waits for stays the claim's."""
    kinds = (hit.kinds & hit.moves) or hit.moves  # what it moves (a suit), not what else it names
    suits, index = _suits(infos, kinds)
    if len(suits) < 2:
        return False  # one proceeding of that kind: no other parties to name
    named = sentence & index.keys()  # party words of any such claim, less words of proceedings
    if not named or not any(len(index[w]) > 1 or key not in index[w] for w in named):
        return False  # no one's, or this claim's only
    own = infos[key].parties
    if not own.isdisjoint(named):
        # both named ("X's suit goes on; Y's ..."): the cue's own clause, to ";" or ", while ..."
        begin, end = hit.span
        cut = _PARTY_CLAUSE_END.search(folded, end, end + 80)
        clause = index.keys() & concepts(folded[begin: cut.start() if cut else end + 80])
        if not (own.isdisjoint(clause) and any(len(index[w]) > 1 or key not in index[w] for w in clause)):
            return False
    # another's parties: unless the cue reports this claim's own act and no other claim's
    # ("asked to testify": "testifying")
    act = hit.act & infos[key].terms
    return not act or any(not act.isdisjoint(infos[k].terms) for k in suits if k != key)


_SUITS: dict[tuple[int, frozenset[str]],
             tuple[dict[str, _ClaimInfo], tuple[tuple[str, ...], dict[str, frozenset[str]]]]] = {}


def _suits(infos: dict[str, _ClaimInfo],
           kinds: frozenset[str]) -> tuple[tuple[str, ...], dict[str, frozenset[str]]]:
    """The claims of a topic about a proceeding of one of `kinds`, and their parties' words (less
    the words of those proceedings) -> the claims naming them; cached per topic like `_stating`."""
    hit = _SUITS.get((id(infos), kinds))
    if hit is not None and hit[0] is infos:
        return hit[1]
    suits = tuple(k for k, info in infos.items() if not info.kinds.isdisjoint(kinds))
    ignored = _process_words(kinds)
    index: dict[str, set[str]] = {}
    for k in suits:
        for word in infos[k].parties - ignored:
            index.setdefault(word, set()).add(k)
    out = (suits, {w: frozenset(ks) for w, ks in index.items()})
    if len(_SUITS) >= _INFO_CACHE_SIZE * 4:
        _SUITS.clear()
    _SUITS[(id(infos), kinds)] = (infos, out)
    return out


@lru_cache(maxsize=64)
def _process_words(kinds: frozenset[str]) -> frozenset[str]:
    processes = cue_book().processes
    return frozenset().union(*(processes[k] for k in kinds if k in processes))


def _cue_owners(hits: Sequence[_CueHit], fitting: dict[str, list[int]],
                infos: dict[str, _ClaimInfo]) -> dict[int, frozenset[str]]:
    """Each cue goes to the claims it fits whose distinctive terms its subject and object (twice)
    and its clause name most ("shareholders sued" is the investors' suit, not the customers');
    ties keep them all."""
    claims_of: dict[int, list[str]] = {}
    for key, indices in fitting.items():
        for hi in indices:
            claims_of.setdefault(hi, []).append(key)
    out = {}
    for hi, keys in claims_of.items():
        if len(keys) == 1:
            out[hi] = frozenset(keys)
            continue
        hit = hits[hi]
        context = frozenset(hit.context)
        fit = {k: 2 * len(hit.about & (d := infos[k].distinctive)) + len(context & d) for k in keys}
        best = max(fit.values())
        out[hi] = frozenset(k for k in keys if fit[k] == best)
    return out


@lru_cache(maxsize=4096)
def _sentence_figures(sentence: str) -> tuple[Figure, ...]:
    """`parse_figures` of one sentence; kept across entries, as feeds repeat their sentences
    (a story's background paragraph, a summary that is also the content's lead)."""
    return tuple(parse_figures(sentence))


def _unit_kind(unit: str) -> str:
    return {"%": "share", "TB": "size", "": "count"}.get(unit, "money")


_NEXT_WORD = re.compile(r"\s+([^\W\d_][\w'-]*)")  # a word; punctuation or a number ends the phrase
RATE_WORDS = 3  # words between a figure and its rate word ("1,100 flights daily", "$2 million in fines each")


def _is_rate(folded: str, fig: Figure) -> bool:
    """The figure is a rate: a word of `rates` (cues.yaml) follows it within RATE_WORDS words of
    its phrase ("1,100 flights daily", "$4 million per shop"). Such a figure is no new total of a
    claim whose own figure is not a rate."""
    rates = cue_book().rates
    if rates is None:
        return False
    wording = fold(fig.wording)
    at = folded.find(wording, fig.start, fig.start + len(wording) + 2) if wording else -1
    pos = at + len(wording) if at >= 0 else fig.end
    for _ in range(RATE_WORDS + 1):
        m = _NEXT_WORD.match(folded, pos)
        if m is None:
            return False
        if rates.match(folded, m.start(1)):
            return True
        pos = m.end()
    return False


SHARE_WORDS = 3  # words after a share that may say what it is a share of ("26% of the votes")


def _share_of_kind(folded: str, fig: Figure) -> bool:
    """The words right after a share name a kind of share (`quantities`: "of votes", "turnout")."""
    after = concepts(folded[fig.end: fig.end + 40])[:SHARE_WORDS]
    return not cue_book().quantities.get("share", frozenset()).isdisjoint(after)


def _head_noun(folded: str, fig: Figure, english: bool = True) -> frozenset[str]:
    """What a sum or share is of, when the text says so (empty: it does not say, or it names only
    a kind of amount: "a $60mn hit", "$36 million in total", "26% of votes"):
    - the thing it is written as the attribute of ("a $500 million lawsuit", "a $380 million
      revenue hit");
    - what it measures, after a measure link with no determiner ("$3.7 billion in cash", "$25
      billion of market value"; `measures` in cues.yaml);
    - the words it stands in brackets after ("the healthcare sector ($1.9 billion)": one part
      of a breakdown).
    The figure is of that thing; a claim that does not name it does not take it. The first
    reading is English word order only (`english`): German puts its verb there ("ein Bußgeld
    von 8,5 Millionen Euro verhängt"), French and Spanish their complements ("au transporteur")."""
    book = cue_book()
    wording = fold(fig.wording)
    at = folded.find(wording, fig.start, fig.start + len(wording) + 2) if wording else -1
    start, end = (at, at + len(wording)) if at >= 0 else (fig.start, fig.end)
    kind = book.quantities.get("share", frozenset()) if fig.unit == "%" else frozenset()
    if not english:
        # a word of quantity in another language ("ein Bußgeld von 8,5 Millionen Euro", "une
        # amende de"): says what kind of figure it is, which the claim's units judge, not
        # what other thing it is of (the English claim cannot name "Bußgeld")
        kind = kind | _all_quantity_words()
    opened = folded.rfind("(", max(0, start - 2), start)
    if opened >= 0 and folded[end: end + 1] == ")":
        before = _LAST_WORDS.search(folded, 0, opened)
        return _thing(before.group(0) if before else "", book)
    bracket = _BRACKET.match(folded, end)
    if bracket is not None:  # "$143 million (airlines)": whose it is
        return _thing(bracket.group(1), book, kind)
    link = book.measures.match(folded, end) if book.measures is not None else None
    if link is not None:
        rest = _PHRASE_WORD.findall(_PHRASE.match(folded, link.end()).group())[:MEASURE_WORDS]
        if not rest or rest[0] in book.determiners or any(_DIGIT.search(w) or w in TIME_WORDS for w in rest):
            return frozenset()  # "in the second quarter", "in July", "of 2024": when, not what
        return _thing(" ".join(rest), book, kind)
    window = folded[max(0, start - MEASURED_CHARS): start]
    named = book.measured_links is not None and book.measured_links.search(window) is not None \
        and book.measured is not None and book.measured.search(window)
    if named:  # "annual revenue of $3.4 trillion", "a loss of just $36 million"
        return _thing(named.group(1), book, kind)
    m = _HEAD.match(folded, end) if english else None
    if m is None or m.group(1) in STOPWORDS or m.group(1) in scale_words() \
            or m.group(1) in any_function_words():  # "au" of "500 millions de dollars au transporteur"
        return frozenset()
    return _thing(m.group(1), book)


_HEAD = re.compile(r" ([^\W\d_]{3,})")
MEASURED_CHARS = 40  # how far before a sum "revenue of" may name what it is ("revenue of about $3 billion")
MEASURE_WORDS = 3  # words after "in"/"of" that may name what a sum measures ("in out-of-pocket losses")
_PHRASE = re.compile(r"[^,.;:()\u2014\u2013]{0,60}")  # up to the end of a phrase
_PHRASE_WORD = re.compile(r"[\w'-]+")
_BRACKET = re.compile(r" ?\(([^\W\d_][^()\d]{0,40})\)")  # words in brackets right after a figure
_LAST_WORDS = re.compile(r"(?:[^\W\d_]+\W+)?[^\W\d_]+\W*$")  # the two words before a bracket


@cache
def _all_quantity_words() -> frozenset[str]:
    """Every word of quantity of every language in cues.yaml (`quantities`): in an entry in
    another language such a word says what kind of figure a sum is, not what thing it is of."""
    return frozenset().union(*cue_book().quantities.values())


def _thing(text: str, book: CueBook, kind: frozenset[str] = frozenset()) -> frozenset[str]:
    """The concepts of `text`, or none when one of them names a kind of amount (`amounts` in
    cues.yaml: "hit", "total", "losses") or, for a share, a kind of share (`kind`: "votes")."""
    # a function word of another language ("plus de", "más de", "über": more than) names nothing;
    # casefolded as the cue data is written ("bußgeld": "bussgeld")
    found = frozenset(c.casefold() for c in concepts(text)) - any_function_words()
    if not found or not found.isdisjoint(book.amounts) or not found.isdisjoint(kind):
        return frozenset()
    return found


def _window_figures(
    figures_of: Callable[[int], Sequence[Figure]], head_of: Callable[[int, Figure], frozenset[str]],
    indices: Sequence[int], info: _ClaimInfo, rate_of: Callable[[int, Figure], bool] | None = None,
    shares_of: Callable[[int, Figure], bool] = lambda si, f: False,
    context_of: Callable[[int, Figure], tuple[set[str], set[str]]] | None = None,
    governed_of: Callable[[int, Figure, _ClaimInfo], bool] | None = None,
) -> list[tuple[int, Figure]]:
    """Figures in the claim's evidence sentences that are of a kind the claim tracks: its units
    (a claim that tracks a count is not updated by a sum of money); a count of the same thing
    ("7,000 flights" for "5,000 flights", not "291 updates" for "8.5 million devices"), or a
    share in place of it when no such count is there and the share is of a kind of share ("26%
    of votes" for "60 shareholders", not "97% of sensors are back online" for "8.5 million
    devices"). A claim that tracks no figure yet takes the kinds its statement names
    (`quantities` in cues.yaml: "will cost" takes money) and counts of what it names; a claim
    about a proceeding (a suit, an inquiry) takes a sum only from a clause that names such a
    proceeding or its own quantity ("$500 million in damages", not "a price tag of $500 million"
    on the outage, which is the losses'). A sum written as the attribute of a thing
    the claim does not name ("a $500 million lawsuit" for a claim on losses) is not its figure,
    nor is a rate ("1,100 flights daily", "$4 million per shop") of a claim that tracks a total.
    In a language that cannot write what the claim counts, a count its own verb governs stands
    for a count of that thing (`governed_of`: "cancelado 7.000 vuelos" for "cancelled 5,000
    flights", crosslang.governed_count)."""
    units = info.units
    out = []
    shares = []
    for si in indices:
        for f in figures_of(si):
            if f.unit == "":
                if units and "" not in units:
                    continue
                if not (set(f.nouns) & (info.counted or info.terms)) \
                        and (governed_of is None or not governed_of(si, f, info)):
                    continue  # a count of something the claim does not count
                if f.value in info.names:
                    continue  # the number of a name the claim writes ("365 services" of "Microsoft 365")
            elif units and f.unit not in units:
                if f.unit == "%" and "" in units and ("share" in info.quantities or shares_of(si, f)):
                    shares.append((si, f))
                continue
            elif not units and _unit_kind(f.unit) not in info.quantities:
                continue
            elif not units and info.kinds and f.unit != "%" and context_of is not None \
                    and context_of(si, f)[0].isdisjoint(info.proceeding_words):
                continue  # a sum for a claim about a proceeding: its clause names none
            if rate_of is not None and not info.rate and rate_of(si, f):
                continue
            if f.unit != "":
                head = head_of(si, f)
                if head and head.isdisjoint(info.terms):
                    continue
            out.append((si, f))
    if shares and not any(f.unit == "" for _, f in out):
        out.extend(shares)
    return out


_STATING: dict[int, tuple[TopicState, dict[tuple[str, float], tuple[str, ...]]]] = {}


def _stating(topic: TopicState) -> dict[tuple[str, float], tuple[str, ...]]:
    """(unit, value) -> the claims of `topic` that state that figure; cached like `_topic_cached`."""
    hit = _STATING.get(id(topic))
    if hit is not None and hit[0] is topic:
        return hit[1]
    out: dict[tuple[str, float], tuple[str, ...]] = {}
    for key, info in _claim_info(topic).items():
        for f in {(f.unit, f.value) for f in (*info.figures, *info.statement_figures, *info.former)}:
            out[f] = (*out.get(f, ()), key)
    if len(_STATING) >= _INFO_CACHE_SIZE:
        _STATING.clear()
    _STATING[id(topic)] = (topic, out)
    return out


def _within_stated(fig: Figure, info: _ClaimInfo) -> bool:
    """The figure restates the claim: one of its values, one it held before (history told again:
    "the $500 million suit" once the claim says $550 million), or inside a range it states
    ("$0.54-1.08 billion" within "$0.4 billion to $1.5 billion")."""
    for known in (info.figures, info.statement_figures, info.former):  # no tuple built per call
        for f in known:
            if f.same_as(fig):
                return True
    lo, hi = fig.bounds or (fig.value, fig.value)
    return any(f.bounds and f.unit == fig.unit and f.bounds[0] <= lo and hi <= f.bounds[1]
               for f in info.statement_figures)


CLAUSE = 3  # the affinity one distinctive term in a figure's own clause gives

CLAUSE_END = re.compile(r"[;:()\u2014\u2013]| - |, (?:but|while|and|which|who)\b")
NEAR_CHARS = 70  # a figure's neighbourhood: what it is the figure of is usually named this close


def _words(text: str) -> set[str]:
    """Concepts of a figure's neighbourhood, without numbers and scale words: another figure
    ("to $500 million") says nothing of what this one is about."""
    scales = scale_words()  # once, not per word
    return {c for c in concepts(text) if not _DIGIT.search(c) and c not in scales}


FAR_OFF = 10.0  # a new value this many times above or below the claim's is likelier another quantity


def _far_off(fig: Figure, info: _ClaimInfo) -> int:
    """1 when the claim tracks a figure of this unit and the new one is FAR_OFF times larger or
    smaller: estimates are revised, rarely tenfold ("$350-500 million" is one airline's loss, not
    a revision of a $5.4 billion industry estimate). Breaks ties between claims only."""
    old = next((f for f in info.figures if f.unit == fig.unit and f.value > 0), None)
    if old is None or fig.value <= 0:
        return 0
    ratio = fig.value / old.value
    return int(ratio >= FAR_OFF or ratio <= 1 / FAR_OFF)


def _part_of_count(fig: Figure, info: _ClaimInfo) -> bool:
    """A figure far below the claim's own figure of that unit is a part of it, not a new total:
    a count FAR_OFF times below (the claim's count is a running total of flights cancelled or
    people affected, and such a number is one day's or one place's), a sum FAR_OFF squared times
    below (estimates of money are cut, but not a hundredfold: "$36 million" of one sector against
    the "$5.4 billion" of all). Shares are not judged so."""
    if fig.unit == "%" or fig.unit == "TB":
        return False
    factor = FAR_OFF if fig.unit == "" else FAR_OFF * FAR_OFF
    old = next((f for f in info.figures if f.unit == fig.unit and f.value > 0), None)
    return old is not None and fig.value * factor <= old.value


def _figure_context(folded: str, fig: Figure) -> tuple[set[str], set[str]]:
    """The concepts of a figure's own clause (within NEAR_CHARS) and of the rest of its sentence."""
    before = folded[max(0, fig.start - NEAR_CHARS): fig.start]
    after = folded[fig.end: fig.end + NEAR_CHARS // 2]
    cut = [m.end() for m in CLAUSE_END.finditer(before)]
    clause_before = before[cut[-1]:] if cut else before
    m = CLAUSE_END.search(after)
    clause_after = after[: m.start()] if m else after
    clause = _words(clause_before) | _words(clause_after)
    return clause, _words(folded) - clause


def _figure_affinity(context: tuple[set[str], set[str]], fig: Figure, info: _ClaimInfo) -> int:
    """How much the words around a figure are this claim's: its distinctive terms in the figure's
    clause (within NEAR_CHARS) count three times, those elsewhere in the sentence once; +1 when
    the claim tracks a share or a size already, +2 for a count of what the claim counts. The
    figure goes to the claim it fits best."""
    clause, rest = context
    score = CLAUSE * len(clause & info.distinctive) + len(rest & info.distinctive)
    if fig.unit in info.units and fig.unit in ("%", "TB"):
        score += 1  # a claim that tracks a share or a size (money and counts say too little alone)
    if fig.unit == "" and info.counted and set(fig.nouns) & info.counted:
        score += 2
    return score


ABOUT_TERMS = 2  # distinctive claim terms a sentence names to count as reporting on the claim


def _about_claim(numeric: Sequence[tuple[int, frozenset[str]]], info: _ClaimInfo) -> list[int]:
    """Sentences with a number beyond the best window that report on the claim (ABOUT_TERMS of its
    distinctive terms): a matched article often gives the new figure a paragraph after the
    sentence that matched best ("Delta sued CrowdStrike ..." then "The outage cost it $500 million")."""
    distinctive = info.distinctive
    return [i for i, cs in numeric if len(cs & distinctive) >= ABOUT_TERMS]


def _evidence_sentences(result: TopicResult, match: ClaimMatch, sentences: Sequence[str]) -> list[int]:
    idx = list(result.claim_windows.get(match.claim_key, ()))
    if not idx and match.evidence:  # a result built by hand: find the evidence in the sentences
        idx = [i for i, s in enumerate(sentences) if s and s in match.evidence]
    return [i for i in idx if 0 <= i < len(sentences)]


class _Memo(dict):  # type: ignore[type-arg]
    """A dict that fills itself: `fn(key)` on a miss. Its `__getitem__` is a cheap per-entry
    cache (a hit is one C-level lookup; `functools.cache` costs more to create per entry)."""

    __slots__ = ("fn",)

    def __init__(self, fn: Callable[[int], tuple[Figure, ...]]) -> None:
        super().__init__()
        self.fn = fn

    def __missing__(self, key: int) -> tuple[Figure, ...]:
        value = self[key] = self.fn(key)
        return value


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
    figures_of = _Memo(lambda si: _sentence_figures(sentences[si]) if text.has_digit(si) else ()).__getitem__
    folded_of = text.lines.__getitem__  # fold(sentences[si]), read once
    # the same for every claim, computed once per figure: keyed by (sentence, offset) as
    # `restated` is (hashing a Figure walks all its fields; `functools.cache` per entry costs
    # more than the dicts)
    heads: dict[tuple[int, int], frozenset[str]] = {}
    rates: dict[tuple[int, int], bool] = {}
    contexts: dict[tuple[int, int], tuple[set[str], set[str]]] = {}

    def head_of(si: int, fig: Figure) -> frozenset[str]:
        found = heads.get(key := (si, fig.start))
        if found is None:
            found = heads[key] = _head_noun(folded_of(si), fig, text.language == "en")
        return found

    def rate_of(si: int, fig: Figure) -> bool:
        found = rates.get(key := (si, fig.start))
        if found is None:
            found = rates[key] = _is_rate(folded_of(si), fig)
        return found

    def shares_of(si: int, fig: Figure) -> bool:  # rare (a share for a claim counting): not cached
        return _share_of_kind(folded_of(si), fig)

    recalling = cue_book().recalled_words
    recalls: dict[int, bool] = {}  # sentence -> it holds a recall word (most hold none)

    def recalled_of(si: int, fig: Figure) -> bool:
        has = recalls.get(si)
        if has is None:
            has = recalls[si] = recalling is None or not recalling.isdisjoint(text.words_of(si))
        return has and _recalled(folded_of(si), fig.start)

    def context_of(si: int, fig: Figure) -> tuple[set[str], set[str]]:
        found = contexts.get(key := (si, fig.start))
        if found is None:
            found = contexts[key] = _figure_context(folded_of(si), fig)
        return found

    unread: set[tuple[int, int, int]] = set()  # (claim info, sentence, offset): counts taken by their verb

    def governed_of(si: int, fig: Figure, info: _ClaimInfo) -> bool:
        # a count whose unit this language cannot write the claim's way (crosslang.governed_count);
        # within FAR_OFF of the claim's count: the number is tied by its verb, not its magnitude,
        # but an unread unit leaves no room for a tenfold one
        if not info.governors or not info.counted or _far_off(fig, info):
            return False
        if not governed_count(folded_of(si), fig.start, text.language, info.governors, info.counted):
            return False
        unread.add((id(info), si, fig.start))
        return True

    figure_candidates: list[tuple[ClaimState, ClaimMatch, int, Figure, int, bool]] = []
    parts: dict[tuple[int, int], int] = {}  # figures that are a part of a claim's: its best affinity
    breakdowns: set[tuple[str, int, str]] = set()  # (claim, sentence, unit): a part of its total there
    concept_sets: Sequence[frozenset[str]] = ()
    cue_hits: list[_CueHit] = []
    # sentences holding a digit (the only ones a figure can come from), with their concepts
    numeric_sets: list[tuple[int, frozenset[str]]] = []
    lead_sentences = max(1, result.title_sentences)
    unmatched = _near_claims(result, thresholds, claims)
    if result.matches or unmatched:
        concept_sets = result.sentence_concepts if len(result.sentence_concepts) == len(sentences) \
            else [frozenset(concepts(s)) for s in sentences]
        digits = text.digit_lines()  # ASCII text: read once for the entry (the same as _DIGIT's)
        numeric_sets = [(i, concept_sets[i]) for i in compress(
            range(len(sentences)), digits if digits is not None else map(_DIGIT.search, sentences))]
        # a cue counts only in a matched claim's window or next to one of its distinctive terms
        # (or in a near claim's semantic sentence): the other sentences are not read for cues at all
        distinctive = frozenset().union(*(infos[m.claim_key].distinctive for m in result.matches
                                          if m.claim_key in infos))
        windows = {i for m in result.matches for i in result.claim_windows.get(m.claim_key, ())}
        windows.update(i for _, i in unmatched)
        readable = frozenset(i for i, cs in enumerate(concept_sets)
                             if i in windows or i < lead_sentences or not cs.isdisjoint(distinctive))
        statuses = frozenset(claims[m.claim_key].status for m in result.matches if m.claim_key in claims)
        if unmatched:
            statuses |= {claims[m.claim_key].status for m, _ in unmatched}
        cue_hits = _cue_hits(text, readable if result.claim_windows else None, statuses)
    # the lead (title, or first sentence) states the news: its cue applies to every matched
    # claim it can move, as a proposal only
    lead = (*range(lead_sentences),)
    windows_of: dict[str, list[int]] = {}
    movable_by: dict[Status, list[int]] = {}
    fitting: dict[str, list[int]] = {}
    for match in result.matches:
        claim = claims.get(match.claim_key)
        if claim is None or match.score < thresholds.low:
            continue
        window = windows_of[claim.key] = _evidence_sentences(result, match, sentences)
        if cue_hits:
            movable = movable_by.get(claim.status)
            if movable is None:  # the cues that can move a claim of this status, once per status
                movable = movable_by[claim.status] = [hi for hi, h in enumerate(cue_hits)
                                                      if h.status != claim.status and claim.status in h.froms]
            info = infos[claim.key]
            near, distinctive, kinds = {*window, *lead}, info.distinctive, info.kinds
            # `_fits`, inlined: the same test for every claim and cue of a cycle
            # (and not a cue about what the claim names only as a reference: "confirmed the
            # decision" for a claim that something happened "before the decision")
            referred, terms = info.referred, info.terms
            fitting[claim.key] = [
                hi for hi in movable
                if ((h := cue_hits[hi]).sentence in near or not h.about.isdisjoint(distinctive))
                and not (h.moves and (kinds.isdisjoint(h.moves) or (h.kinds and kinds.isdisjoint(h.kinds))))
                and not (referred and (named := h.about & terms) and named <= referred)]
    owners = _cue_owners(cue_hits, fitting, infos) if cue_hits else {}
    for hi, keys in owners.items():
        # a cue of a proceeding that only one claim fits: not that claim's when its sentence names
        # another proceeding's parties and not the claim's (several fit: `_cue_owners` chose)
        if len(keys) == 1 and cue_hits[hi].moves and infos[key := next(iter(keys))].kinds \
                and _others_proceeding(h := cue_hits[hi], key, infos, concept_sets[h.sentence],
                                       folded_of(h.sentence)):
            owners[hi] = frozenset()
    for match in result.matches:
        claim = claims.get(match.claim_key)
        if claim is None or match.score < thresholds.low:
            continue
        info = infos[claim.key]
        strong = match.score >= thresholds.high
        # status
        window = windows_of[claim.key]
        cues = [_Cue(h.status, h.sentence, h.negated, h.hedged, not h.about.isdisjoint(info.unique),
                     len(owners[hi]) == 1,
                     len(h.about & info.distinctive) + (not h.kinds.isdisjoint(info.kinds)),
                     not h.kinds.isdisjoint(info.kinds))
                for hi in fitting.get(claim.key, ()) if claim.key in owners[hi] for h in (cue_hits[hi],)]
        positive = [c for c in cues if not c.negated]
        if positive:
            targets = {c.status for c in positive}
            cue = positive[0]
            conflict = len(targets) > 1 or any(c.negated for c in cues)
            if conflict:
                # a rival with one sign only (`evidence` < SIGNS: one word of the claim near it)
                # is likelier another claim's or a mention in passing ("The company ended its
                # quarter with ...", "denied the allegations" beside "they sued"): it does not
                # make a cue with two signs ambiguous, unless that cue is negated
                signed = [c for c in cues if c.evidence >= SIGNS]
                if signed and not any(c.negated for c in signed) and len({c.status for c in signed}) == 1:
                    cue, conflict = signed[0], False
            # applied without review only when the cue is attached to this claim's own words (its
            # subject or object names a term no other claim of the topic has): a cue merely in
            # the claim's evidence, or next to a name several claims share ("Delta"), may be
            # about another claim told in the same sentence
            # and with two signs that it is this claim's: two of its terms, or one and the kind
            # of proceeding it is about ("Officials confirmed the decision" names one word of a
            # claim that mentions a decision in passing)
            # (a term the claim shares with another, "investigation", does when the cue names
            # the claim's kind of proceeding and no other matched claim fits the cue as well)
            # a match between `low` and `high` is applied too when the cue itself ties the article
            # to the claim beyond doubt (`_cue_tied`): the article-level doubt is answered by the
            # sentence ("Delta sued ..." for a claim that businesses may sue)
            confident = ((strong or _cue_tied(cue)) and not conflict and not cue.hedged and cue.sole
                         and cue.evidence >= SIGNS and (cue.about or cue.proceeding))
            # (a status is never corroborated by a second outlet, see `_corroborated`)
            changes.append(_change(ChangeKind.STATUS_CHANGE, topic, claim, article, match.score,
                                   sentences[cue.sentence], claim.status.value, cue.status.value, confident))
            changed.add(claim.key)
        # figures: gathered for every claim first, then each goes to the claim it fits best
        idx = sorted({*window, *_about_claim(numeric_sets, info)})
        for si, fig in _window_figures(figures_of, head_of, idx, info, rate_of, shares_of, context_of,
                                       governed_of):
            if _within_stated(fig, info):
                continue  # background: the figure we already have
            if recalled_of(si, fig):
                continue  # history told again: "had previously been arrested ..., resulting in 20 arrests"
            if _part_of_count(fig, info):
                # a part of this claim's total (one sector's loss of everyone's): no other
                # claim's new value either, unless it fits that claim better (`_attributed_figures`)
                key = (si, fig.start)
                parts[key] = max(parts.get(key, -1), _figure_affinity(context_of(si, fig), fig, info))
                breakdowns.add((claim.key, si, fig.unit))
                continue
            affinity = _figure_affinity(context_of(si, fig), fig, info) - _far_off(fig, info)
            # a count read by its verb alone is proposed, never applied: its unit went unread
            attached = si in window and affinity >= CLAUSE and (id(info), si, fig.start) not in unread
            figure_candidates.append((claim, match, si, fig, affinity, attached))
    for key, si, unit in breakdowns:
        # a sentence that breaks one claim's total down: its other parts ("$860 million" of the
        # airlines beside "$36 million" of manufacturing) are that total's too
        total = next(f for f in infos[key].figures if f.unit == unit)
        for fig in figures_of(si):
            if fig.unit == unit and fig.value <= total.value:
                parts[(si, fig.start)] = max(parts.get((si, fig.start), -1),
                                             _figure_affinity(context_of(si, fig), fig, infos[key]))
    stating = _stating(topic)
    restated = {(si, fig.start): max((_figure_affinity(context_of(si, fig), fig, infos[k]) + RESTATED
                                      for k in stating.get((fig.unit, fig.value), ())), default=-1)
                for _, _, si, fig, _, _ in figure_candidates}
    for key, affinity in parts.items():  # a part of a claim's total goes to one that fits it better
        if key in restated and affinity > restated[key]:
            restated[key] = affinity
    attributed = _attributed_figures(figure_candidates, infos, sentences, restated)
    for claim, match, si, fig, old, confident, tied in attributed:
        before = infos[claim.key].stored[infos[claim.key].figures.index(old)] if old is not None else None
        change = _change(ChangeKind.FIGURE_CHANGE, topic, claim, article, match.score, sentences[si],
                         before, fig.said, confident and (match.score >= thresholds.high or tied))
        # tied as a confident figure is, below `high` only: a second outlet may settle it
        changes.append(_corroborated(change, claim) if confident and not change.confident else change)
        changed.add(claim.key)
    if unmatched:
        read = {*parts, *((si, f.start) for _, _, si, f, _, _ in figure_candidates)}  # matched claims'
        changes.extend(_near_changes(topic, unmatched, result, sentences, article, cue_hits, owners, infos,
                                     claims, read, figures_of, head_of, rate_of, shares_of, context_of))
        if any(not infos[m.claim_key].figures and infos[m.claim_key].quantities for m, _ in unmatched) \
                and text.language != "en":
            rivals = dict(parts)  # what matched claims read, at their best affinity
            for _, _, si, f, affinity, _ in figure_candidates:
                rivals[(si, f.start)] = max(rivals.get((si, f.start), affinity), affinity)
            # the figures matched claims took (pure, and asked again only here: rare)
            taken = {(t[2], t[3].start)
                     for t in _attributed_figures(figure_candidates, infos, sentences, restated)}
            changes.extend(_first_figures_abroad(
                topic, unmatched, sentences, article, infos, claims, taken, rivals, figures_of,
                head_of, rate_of, context_of, folded_of, [i for i, _ in numeric_sets]))
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
        evidence = _topic_sentence(result, sentences) or entry.title
        best_score = result.scores[0].score if result.scores else 0.0
        changes.append(_change(ChangeKind.NEW_DEVELOPMENT, topic, None, article, best_score, evidence,
                               None, entry.title or evidence, False))
    return changes


SIGNS = 2  # signs that a cue is a claim's (its terms next to it, its kind of proceeding) to apply it


def _cue_tied(cue: _Cue) -> bool:
    """A cue that says by itself which claim it moves: next to a term only this claim has
    (`about`), and its clause names the claim's kind of proceeding (`proceeding`), with at least
    two signs in all (`evidence`): the claim's own party and its act ("Delta sued CrowdStrike"
    for "airlines ... may go to court"). Such a cue needs no high article score to be applied
    (the article is matched at `low` or more); the other conditions of a confident update still
    hold (one status, not negated, hedged, modal or background, this claim alone fits it)."""
    return cue.about and cue.proceeding and cue.evidence >= SIGNS


def _near_claims(result: TopicResult, thresholds: Thresholds,
                 claims: dict[str, ClaimState]) -> list[tuple[ClaimMatch, int]]:
    """Claims not matched whose semantic evidence alone would match them: a paraphrase ("an
    executive testifying before U.S. representatives" for "the committee asked the CEO to
    testify") shares few of the claim's words, so its combined score falls short of `low`. With
    the sentence the semantic side found closest. Such a claim may only be proposed a change
    that ties itself to the claim (`_near_changes`); learnt "not related" examples and a
    stronger claim explaining its evidence rule it out. Empty without a semantic side."""
    if not result.scores or "semantic" not in result.scores[0].features:
        return []  # lexical-only (every claim scored has semantic points when the side is on)
    out = []
    matched = {m.claim_key for m in result.matches}
    low = thresholds.low
    for m in result.scores:
        if m.score >= low or m.claim_key in matched or m.claim_key not in claims:
            continue
        f = m.features
        points, idx = f.get("semantic"), f.get("semantic_sentence")
        if not isinstance(points, float) or points < low or not isinstance(idx, float):
            continue
        if "negative_similarity" in f or "explained_by" in f or f.get("learnt_bar", low) != low:
            continue
        out.append((m, int(idx)))
    return out


def _near_changes(
    topic: TopicState, near: Sequence[tuple[ClaimMatch, int]], result: TopicResult, sentences: Sequence[str],
    article: ArticleRef, cue_hits: Sequence[_CueHit], owners: dict[int, frozenset[str]],
    infos: dict[str, _ClaimInfo], claims: dict[str, ClaimState],
    used: set[tuple[int, int]],
    figures_of: Callable[[int], Sequence[Figure]], head_of: Callable[[int, Figure], frozenset[str]],
    rate_of: Callable[[int, Figure], bool], shares_of: Callable[[int, Figure], bool],
    context_of: Callable[[int, Figure], tuple[set[str], set[str]]],
) -> list[Change]:
    """Changes for near claims (`_near_claims`), proposed only, never applied, each tied to the
    claim by more than its words:
    - a status cue in the claim's closest sentence whose own words are the claim's act ("asked to
      testify" -> "testifying", "expected to sue" -> "sued"), of the claim's kind of proceeding,
      not negated or hedged, that no matched claim took;
    - a figure of a unit the claim already tracks, in its window, with one of its distinctive
      terms in the sentence, that no matched claim read (`used`: (sentence, offset)) and no other
      claim states, not hedged.
    One value of each kind, or none (two different ones: ambiguous)."""
    out = []
    stating = _stating(topic)
    hedging = cue_book().hedging
    for match, closest in near:
        claim, info = claims[match.claim_key], infos[match.claim_key]
        hits = [h for hi, h in enumerate(cue_hits)
                if h.sentence == closest and not owners.get(hi) and _near_cue(h, info, claim.status)]
        if hits and len({h.status for h in hits}) == 1:
            out.append(_change(ChangeKind.STATUS_CHANGE, topic, claim, article, match.score,
                               sentences[closest], claim.status.value, hits[0].status.value, False))
        if not info.figures:
            continue
        units = {f.unit for f in info.figures}
        found = []
        window = _evidence_sentences(result, match, sentences)
        for si, fig in _window_figures(figures_of, head_of, window, info, rate_of, shares_of, context_of):
            others = stating.get((fig.unit, fig.value), ())
            if fig.unit not in units or (si, fig.start) in used or _within_stated(fig, info) \
                    or _part_of_count(fig, info) or any(k != claim.key for k in others):
                continue
            affinity = _figure_affinity(context_of(si, fig), fig, info)
            folded = fold(sentences[si])
            if affinity >= 1 and not hedging.search(folded) and not _recalled(folded, fig.start):
                found.append((affinity, si, fig))
        if not found:
            continue
        best = max(a for a, _, _ in found)
        top = [(si, fig) for a, si, fig in found if a == best]
        if len({(f.unit, f.bounds or f.value) for _, f in top}) == 1:
            si, fig = top[0]
            old = next(f for f in info.figures if f.unit == fig.unit)
            out.append(_change(ChangeKind.FIGURE_CHANGE, topic, claim, article, match.score, sentences[si],
                               info.stored[info.figures.index(old)], fig.said, False))
    return out


def _first_figures_abroad(
    topic: TopicState, near: Sequence[tuple[ClaimMatch, int]], sentences: Sequence[str], article: ArticleRef,
    infos: dict[str, _ClaimInfo], claims: dict[str, ClaimState], taken: set[tuple[int, int]],
    rivals: dict[tuple[int, int], int],
    figures_of: Callable[[int], Sequence[Figure]], head_of: Callable[[int, Figure], frozenset[str]],
    rate_of: Callable[[int, Figure], bool], context_of: Callable[[int, Figure], tuple[set[str], set[str]]],
    folded_of: Callable[[int], str], numeric: Sequence[int],
) -> list[Change]:
    """A near claim's first figure, in an entry in another language than the claims': proposed
    only, never applied. In German, French or Spanish the claim's words ("cost", "losses") are
    mostly not there to be matched, so a claim the semantic side finds near (`_near_claims`) and
    that tracks no figure yet is proposed a figure of a kind its statement names ("cost":
    money) from a sentence that ties it to the claim twice over: one of the claim's names
    (spelt alike in every language: "Delta") in the sentence, and in the figure's own clause a
    word of quantity the claim itself uses ("cost"), inflected from its stem ("costaron":
    `crosslang.inflected`) or a cognate of it. Not a figure a matched claim took (`taken`) or
    another claim states, nor one a matched claim read (as a candidate or a part of its total:
    `rivals`, its best affinity) unless it fits this claim better; not hedged or told as
    history; one value, or none."""
    out = []
    stating = _stating(topic)
    book = cue_book()
    for match, closest in near:
        claim, info = claims[match.claim_key], infos[match.claim_key]
        if info.figures or not info.quantities:
            continue
        names = claim_names(" ".join((claim.statement, *claim.aliases)))
        kind = frozenset().union(*(book.quantities.get(k, frozenset()) for k in info.quantities))
        own = info.terms & kind
        if not names or not own:
            continue
        found = []
        for si, fig in _window_figures(figures_of, head_of, numeric, info, rate_of, context_of=context_of):
            key = (si, fig.start)
            if key in taken or any(k != claim.key for k in stating.get((fig.unit, fig.value), ())):
                continue
            if key in rivals and _figure_affinity(context_of(si, fig), fig, info) <= rivals[key]:
                continue
            folded = folded_of(si)
            if names.isdisjoint(concepts(folded)) or book.hedging.search(folded) \
                    or _recalled(folded, fig.start):
                continue
            # the claim's own word of quantity; in the sentence the semantic side found closest
            # to the claim, a word of that kind of quantity in the language ("coûté": "coût")
            words = (own | kind) if si == closest else own
            if any(inflected(w, words) or any(same_or_cognate(w, o) for o in own)
                   for w in _PHRASE_WORD.findall(_clause(folded, fig).casefold())):
                found.append((si, fig))
        if len({(f.unit, f.bounds or f.value) for _, f in found}) == 1:
            si, fig = found[0]
            out.append(_change(ChangeKind.FIGURE_CHANGE, topic, claim, article, match.score, sentences[si],
                               None, fig.said, False))
    return out


def _clause(folded: str, fig: Figure) -> str:
    """A figure's own clause (within NEAR_CHARS, cut at CLAUSE_END), as text."""
    before = folded[max(0, fig.start - NEAR_CHARS): fig.start]
    after = folded[fig.end: fig.end + NEAR_CHARS // 2]
    cut = [m.end() for m in CLAUSE_END.finditer(before)]
    m = CLAUSE_END.search(after)
    return (before[cut[-1]:] if cut else before) + " " + (after[: m.start()] if m else after)


def _near_cue(hit: _CueHit, info: _ClaimInfo, status: Status) -> bool:
    """A cue that can move a near claim: another status it may move from, of its kind of
    proceeding (as `_fits`), not negated or hedged, and reporting the claim's own act."""
    if hit.negated or hit.hedged or hit.status == status or status not in hit.froms:
        return False
    if hit.moves and (info.kinds.isdisjoint(hit.moves) or (hit.kinds and info.kinds.isdisjoint(hit.kinds))):
        return False
    return not hit.act.isdisjoint(info.terms)


def _recalled(folded: str, start: int) -> bool:
    """A word of `recalled` (cues.yaml: "previously", "had already", "zuvor") comes before the
    figure at `start` in its sentence, with no `recall_ends` word ("but now") or ";" between:
    the figure is told as history, not news."""
    book = cue_book()
    if book.recalled is None:
        return False
    last = None
    for m in book.recalled.finditer(folded, 0, start):
        last = m
    if last is None:
        return False
    between = folded[last.end(): start]
    return ";" not in between and (book.recall_ends is None or book.recall_ends.search(between) is None)


RESTATED = 2  # a figure another claim states is that claim's, unless it fits this one far better


def _attributed_figures(
    candidates: Sequence[tuple[ClaimState, ClaimMatch, int, Figure, int, bool]], infos: dict[str, _ClaimInfo],
    sentences: Sequence[str], restated: dict[tuple[int, int], int],
) -> list[tuple[ClaimState, ClaimMatch, int, Figure, Figure | None, bool, bool]]:
    """One figure change per claim, each figure given only to the claims it fits best.

    A sentence often names several claims and several figures ("Delta, which sued CrowdStrike,
    says the outage cost it $500 million"): a figure read by every claim whose evidence holds it
    would be proposed to each. It goes to the claims with the highest `_figure_affinity`; each
    claim then takes its best figure (the first on a tie). Confident (if the match is strong, or
    the figure is `tied` to the claim: see `_figure_tied`):
    one new value for the claim, replacing a figure of the same unit, in the claim's evidence with
    one of its distinctive terms in the figure's own clause, not hedged, and not contradicting a
    confirmed claim. A figure that restates another claim's ("8.5 million
    Windows devices" for the crash claim, read in a sentence about kernel access) goes to none
    when that claim fits it as well (`restated`: its affinity + RESTATED)."""
    best: dict[tuple[int, int], int] = {}
    for _, _, si, fig, affinity, _ in candidates:
        key = (si, fig.start)
        best[key] = max(best.get(key, affinity), affinity)
    kept: dict[str, list[tuple[ClaimState, ClaimMatch, int, Figure, int, bool]]] = {}
    for cand in candidates:
        claim, _, si, fig, affinity, _ = cand
        if affinity == best[(si, fig.start)] and affinity > restated.get((si, fig.start), -1):
            kept.setdefault(claim.key, []).append(cand)
    out = []
    for mine in kept.values():
        claim, match, si, fig, affinity, attached = max(mine, key=lambda c: c[4])
        info = infos[claim.key]
        old = next((f for f in info.figures if f.unit == fig.unit), None)
        same_unit = old is not None
        if old is None and fig.unit == "%":  # a share now stands for the count ("60" -> "26%")
            old = next((f for f in info.figures if f.unit == ""), None)
        distinct = {(f.unit, f.bounds or f.value) for _, _, _, f, _, _ in mine}
        hedged = bool(cue_book().hedging.search(fold(sentences[si])))
        contradicts_confirmed = same_unit and claim.status is Status.CONFIRMED
        confident = (attached and len(distinct) == 1 and same_unit and not hedged
                     and not contradicts_confirmed)
        out.append((claim, match, si, fig, old, confident, _figure_tied(affinity, fig, info)))
    return out


SYNDICATED = 90  # rapidfuzz ratio of two evidence sentences above which they are one text republished


def _corroborated(change: Change, claim: ClaimState) -> Change:
    """A figure change applied when another outlet's pending proposal already reports the same
    value for the claim as it stands (same kind and `before`): the article scored below `high`,
    but its figure is tied to the claim as a confident one is (in the claim's evidence, a term of
    the claim in its own clause, one value, not hedged), and a second, independent report of the
    same number settles what the article score leaves open. Independent: another outlet (not
    empty, compared case-blind), another link, not the same sentence republished (a wire story in
    two feeds: SYNDICATED), and that report not hedged itself. Contested — a pending proposal of
    another value for the same `before` — it stays a proposal. Its `corroborated_by` names the
    other outlets (diff, history, `/why`).

    Statuses are not corroborated: a status is one of a few words, and a misreading repeats
    across outlets reporting the same event (a multi-outlet replay of the alternative
    configurations: "the Department of Transportation ... announced an investigation", read as
    confirming Delta's losses by two outlets, was the only status corroborated, and was wrong)."""
    pending = [p for p in claim.proposed if p.kind == change.kind.value and p.before == change.before]
    source = _outlet(change.article.source)
    if not pending or not source or change.after is None:
        return change
    if not all(_same_value(change.kind, p.after, change.after) for p in pending):
        return change  # another value is pending for the same state: contested
    hedging = cue_book().hedging
    evidence = fold(change.evidence)
    outlets = []
    for p in pending:
        if _outlet(p.source) in ("", source) or (p.url and p.url == change.article.url):
            continue
        other = fold(p.evidence)
        if hedging.search(other) or fuzz.ratio(other, evidence) >= SYNDICATED:
            continue
        outlets.append(p.source.strip())
    if not outlets:
        return change
    return replace(change, confident=True, corroborated_by=tuple(dict.fromkeys(outlets)))


def _outlet(name: str) -> str:
    return " ".join(name.split()).casefold()


def _same_value(kind: ChangeKind, a: str, b: str) -> bool:
    """The same status, or the same figure however it is written ("$550 million", "$550m")."""
    if a.strip().casefold() == b.strip().casefold():
        return True
    if kind is not ChangeKind.FIGURE_CHANGE:
        return False
    fa, fb = parse_figure_text(a), parse_figure_text(b)
    return fa is not None and fb is not None and fa.same_as(fb)


def _figure_tied(affinity: int, fig: Figure, info: _ClaimInfo) -> bool:
    """A figure whose sentence says by itself whose it is, so it needs no high article score to
    be applied (the article is matched at `low` or more): besides the distinctive term of the
    claim in its own clause that any confident figure needs, another of its terms in the
    sentence (affinity above CLAUSE: "Delta said the outage cost it $550 million" for a claim on
    Delta's losses), and a revision of the claim's own figure of that unit, not FAR_OFF from it
    (estimates are revised, rarely tenfold: a far value is likelier another quantity)."""
    return affinity > CLAUSE and any(f.unit == fig.unit for f in info.figures) and not _far_off(fig, info)


def _topic_sentence(result: TopicResult, sentences: Sequence[str]) -> str:
    """The sentence that best shows why the entry is about the topic: the most keyword hits."""
    keywords = [fold(k) for group in result.gate.hits for k in group]
    best, best_hits = "", 0
    for s in sentences:
        folded = fold(s)
        hits = sum(1 for k in keywords if k.split()[0] in folded)
        if hits > best_hits:
            best, best_hits = s, hits
    return best
