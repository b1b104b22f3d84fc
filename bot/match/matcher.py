"""Matcher: entry -> per-topic gate result, relevance and claim matches (pure, thread-safe).

Everything that depends only on the topics (gates, claim weights, the inverted index) is
compiled once in `Matcher.__init__`; `match` only reads it, so one Matcher can serve several
worker threads (`asyncio.to_thread`). The only shared mutable state is the fuzzy-vocabulary
cache, a dict whose single-key reads and writes are atomic under the GIL.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from rapidfuzz import fuzz

from bot.match.aboutness import lead_carries, lead_indices, name_groups, several_claims
from bot.match.combine import (
    SemanticSide,
    Similarity,
    Wordings,
    candidates,
    combined,
    semantic_points,
    term_evidence,
)
from bot.match.crosslang import FOLLOWED, combined_in, reach_view
from bot.match.denial import denies, negates
from bot.match.gate import GateResult
from bot.match.learnt import claim_bar
from bot.match.normalise import fold
from bot.match.reading import EntryText
from bot.match.scorer import (
    NO_VERB_FACTOR,
    SCALE,
    SHORT_TEXT_BOOST,
    SHORT_TEXT_SENTENCES,
    VERB_WAIVER_DISTINCTIVE,
    CompiledTopic,
    ConceptReader,
    FuzzyVocabulary,
    claim_idf,
    foreign_actors,
    semantic_wordings,
    spelled_acronyms,
    topic_names,
)
from bot.match.sentences import split_sentences
from bot.match.thresholds import Thresholds
from bot.match.windows import WindowScorer
from bot.models import ClaimMatch, ClaimState, Entry, TopicState

MAX_SENTENCES = 80  # a very long page is read up to here: feeds put the news first
BATCH_ENTRIES = 64  # entries whose candidate sentences are embedded in one call (~450 sentences)
SCORES_KEPT = 10  # besides the matches, the best-scoring claims kept for `why`
EXPLAINED_RATIO = 2.0  # another claim scoring this much more on the same sentences ...
EXPLAINED_FACTOR = 0.5  # ... explains them better: this claim's reading is halved
# Evidence that reads more like a "not related" example an admin gave for the claim than like
# any wording of the claim (statement, aliases, accepted examples) is not evidence for it.
# Similarity is rapidfuzz `ratio` (0-100) on folded text; from NEGATIVE_SIMILAR on, each point
# the negative is closer than the closest wording takes NEGATIVE_MARGIN-th of the score off, so
# a negative taught for one sentence never hides different evidence for the same claim.
NEGATIVE_SIMILAR = 70.0
NEGATIVE_MARGIN = 10.0


@dataclass(frozen=True, slots=True)
class TopicResult:
    """What one entry means for one topic, with everything `why` needs to explain it.

    `scores` holds every match and the SCORES_KEPT best other claims (a claim none of whose
    terms occur, or that ranks lower, is absent: it scored less than everything shown).
    `sentences` is the entry as read (title first when present); `claim_windows` maps a
    claim key to the sentence indices of its best window, so change detection can look at
    the same sentences the score came from.
    """

    topic_key: str
    gate: GateResult
    relevant: bool
    matches: tuple[ClaimMatch, ...]
    scores: tuple[ClaimMatch, ...]
    sentences: tuple[str, ...] = ()
    claim_windows: dict[str, tuple[int, ...]] = field(default_factory=dict)
    title_sentences: int = 0
    # the concepts of each sentence as the scorer read them (change detection reuses them)
    sentence_concepts: tuple[frozenset[str], ...] = ()
    scored: bool = True  # False: the gate failed and scoring was skipped (`why` scores on demand)
    # True: the gate passed and something matched, but the entry only mentions the topic in
    # passing (its lead is about something else and at most one claim matched: aboutness.py)
    in_passing: bool = False
    # the entry as read once (folded sentences, word sets), shared by the entry's topic results
    # and reused by change detection; None for a result built by hand
    text: EntryText | None = field(default=None, repr=False, compare=False)


def entry_sentences(entry: Entry) -> tuple[list[str], int]:
    """The sentences of an entry: title first, then the longest text (content or summary)."""
    title = (entry.title or "").strip()
    head = split_sentences(title) if title else []
    body = entry.body or ""
    if entry.content and entry.summary and entry.summary[:80] not in entry.content:
        body = f"{entry.summary}\n{entry.content}"
    sentences = head + split_sentences(body)
    if head and len(sentences) > len(head) and fold(sentences[len(head)]) == fold(title):
        del sentences[len(head)]  # the body repeats the title
    return sentences[:MAX_SENTENCES], len(head)


class Matcher:
    """Precompiled topics; `match(entry)` gives one TopicResult per topic, in topic order."""

    def __init__(self, topics: Sequence[TopicState], thresholds: Thresholds | None = None,
                 semantic: SemanticSide | None = None) -> None:
        self.topics = tuple(topics)
        self.thresholds = thresholds or Thresholds()
        # the sentence-embedding side (bot.match.semantic), None for lexical-only; see combine.py.
        # Its positives are the statement, aliases and clauses, and learnt examples, which count
        # only for sentences that say the same thing (semantic.EXAMPLE_SAME: as looser positives
        # they lowered claim F1 after learning, docs/decisions.md); "not related" examples damp
        # on both sides.
        self.semantic = semantic
        self.claim_wordings = tuple(tuple(_semantic_side(c) for c in t.claims) for t in self.topics)
        idf = claim_idf(self.topics)
        foreign = foreign_actors(self.topics)
        self.compiled = tuple(CompiledTopic(t, idf, f) for t, f in zip(self.topics, foreign, strict=True))
        self.window_scorers = tuple(WindowScorer(c) for c in self.compiled)
        # per topic: the keyword groups that name its actors (aboutness.py: does the lead name them)
        self.name_groups = tuple(name_groups(t.keywords, topic_names(t)) for t in self.topics)
        # per followed language, the window scorers of the topics as a sentence in it can meet
        # them (bot/match/crosslang.py), built on the first entry in that language
        self._language_scorers: dict[str, tuple[WindowScorer, ...]] = {}
        # per topic, per claim wording: does it deny something (bot/match/denial.py)
        self.denying = {c.topic.key: tuple(denies(v.text) for v in c.variants) for c in self.compiled}
        # each claim's match bar: `low`, moved by what review decisions taught (bot/match/learnt.py)
        self.bars = tuple({c.key: claim_bar(c.labels, self.thresholds.low) for c in t.claims}
                          for t in self.topics)
        # per topic: its bars when review moved one, else None (most topics: nothing to check
        # per entry)
        self._moved_bars = tuple(b if any(bar != self.thresholds.low for bar in b.values()) else None
                                 for b in self.bars)
        vocabulary = {term for c in self.compiled for v in c.variants for term in v.terms}
        self.vocabulary = FuzzyVocabulary(vocabulary)
        self.reader = ConceptReader(self.vocabulary, spelled=spelled_acronyms(self.topics, vocabulary))

    def match(self, entry: Entry, *, score_failed: bool = True) -> list[TopicResult]:
        """One TopicResult per topic, in topic order. `score_failed=False` skips scoring a topic
        whose gate fails (the poll cycle: such an entry can match nothing there); `why` keeps
        the default to show what it would have scored."""
        return self.match_many([entry], score_failed=score_failed)[0]

    def passes_a_gate(self, entry: Entry) -> bool:
        """Does some topic's gate let the entry through (the gates `match_many` checks)? The
        poll cycle loads the semantic model only once an entry does (bot/pipeline.py)."""
        sentences, n_title = entry_sentences(entry)
        text = EntryText(sentences, n_title)
        return any(ct.gate.check(text.folded, text.words).passed for ct in self.compiled)

    def match_many(self, entries: Sequence[Entry], *, score_failed: bool = True) -> list[list[TopicResult]]:
        """`match` for several entries (a poll cycle's): the same results, and with the semantic
        scorer on, the candidate sentences of every gated (entry, topic) are embedded in one
        batched call (`similarities_many`) per BATCH_ENTRIES entries rather than entry by entry
        (the chunk bounds the sentence vectors held at once on a cold start)."""
        if len(entries) > BATCH_ENTRIES:
            return [r for i in range(0, len(entries), BATCH_ENTRIES)
                    for r in self.match_many(entries[i:i + BATCH_ENTRIES], score_failed=score_failed)]
        read = []
        requests: list[tuple[int, int, list[int]]] = []  # (entry, topic, candidate sentences)
        for ei, entry in enumerate(entries):
            sentences, n_title = entry_sentences(entry)
            text = EntryText(sentences, n_title)
            gates = [ct.gate.check(text.folded, text.words) for ct in self.compiled]
            # an entry no gate lets through is not read further (unless it is to be scored)
            concept_sets = (self.reader.sentence_sets(sentences, text.folded, text.digit_lines())
                            if score_failed or any(g.passed for g in gates) else [])
            # the language the entry is read in (crosslang.py): English, or a followed language
            lang = text.language if concept_sets else "en"
            read.append((sentences, n_title, concept_sets, gates, text, lang, _year(entry)))
            if self.semantic is not None:
                for ti, gate in enumerate(gates):
                    cand = self._candidates(ti, n_title, concept_sets) if gate.passed else []
                    if cand:
                        requests.append((ei, ti, cand))
        semantic = self._similarities(requests, read)
        out = []
        for ei, (sentences, n_title, concept_sets, gates, text, lang, year) in enumerate(read):
            topics = zip(self.compiled, self._scorers(lang), gates, strict=True)
            out.append([
                self._topic_result(ct, scorer, gate, sentences, n_title, concept_sets, semantic.get((ei, ti)),
                                   self._moved_bars[ti], text, lang, year, names=self.name_groups[ti])
                if gate.passed or score_failed
                else TopicResult(ct.topic.key, gate, False, (), (), scored=False)
                for ti, (ct, scorer, gate) in enumerate(topics)
            ])
        return out

    def _scorers(self, lang: str) -> tuple[WindowScorer, ...]:
        """The topics' window scorers for an entry in `lang`: the English ones, or (for a followed
        language) their views normalised over what that language can carry (crosslang.py)."""
        if lang not in FOLLOWED:
            return self.window_scorers
        found = self._language_scorers.get(lang)
        if found is None:
            found = tuple(WindowScorer(reach_view(c, lang)) for c in self.compiled)
            self._language_scorers[lang] = found
        return found

    def _candidates(self, ti: int, n_title: int, concept_sets: list[frozenset[str]]) -> list[int]:
        """The sentences of an entry worth embedding for topic `ti` (see combine.candidates)."""
        weight = self.compiled[ti].term_weight
        return candidates([term_evidence(weight, cs) for cs in concept_sets], n_title)

    def _similarities(self, requests: list[tuple[int, int, list[int]]], read: list[tuple]
                      ) -> dict[tuple[int, int], tuple[list[int], Sequence[Similarity]]]:
        """Semantic evidence per gated (entry, topic): (candidate sentence indices, one result per
        claim); empty when the scorer is off or unavailable. Only the candidates are embedded,
        all in one call when the scorer batches (`similarities_many`)."""
        if self.semantic is None or not requests:
            return {}
        items = [(self.claim_wordings[ti], [read[ei][0][i] for i in cand]) for ei, ti, cand in requests]
        many = getattr(self.semantic, "similarities_many", None)
        if many is not None:
            results = many(items)
        else:
            results = [self.semantic.similarities(claims, sentences) for claims, sentences in items]
            results = None if any(r is None for r in results) else results
        if results is None:
            return {}
        return {(ei, ti): (cand, sims) for (ei, ti, cand), sims in zip(requests, results, strict=True)}

    def _topic_result(self, ct: CompiledTopic, scorer: WindowScorer, gate: GateResult, sentences: list[str],
                      n_title: int, concept_sets: list[frozenset[str]],
                      semantic: tuple[list[int], Sequence[Similarity]] | None = None,
                      bars: dict[str, float] | None = None,
                      text: EntryText | None = None, lang: str = "en",
                      published_year: int | None = None, *, names: frozenset[int]) -> TopicResult:
        low = self.thresholds.low
        denying = self.denying[ct.topic.key]
        short = len(sentences) <= SHORT_TEXT_SENTENCES
        scale = SCALE * (SHORT_TEXT_BOOST if short else 1.0)
        # a claim below `low` gets a short record; with semantic evidence every claim hit gets a
        # full one (its lexical points are half of what decides)
        below = low / scale if semantic is None else 0.0
        # every match, and the best SCORES_KEPT others (for `why`); the rest cost nothing
        kept = scorer.best_of(concept_sets, floor=below, keep=SCORES_KEPT)
        scores: list[ClaimMatch] = []
        passed = gate.passed
        gate_f = 1.0 if passed else 0.0
        short_f = 1.0 if short else 0.0
        windows: dict[str, tuple[int, ...]] = {}
        for ci, win in kept:
            claim = ct.claims[ci]
            windows[claim.key] = tuple(range(win.start, win.start + win.size))
            if win.score < below:
                scores.append(ClaimMatch(claim.key, round(win.score * scale, 2) if passed else 0.0,
                                         sentences[win.start],
                                         {"coverage": win.coverage, "terms_hit": win.hits,
                                          "distinctive_hit": win.distinctive,
                                          "penalty": win.actor * win.anchor * win.verb, "gate": gate_f}))
                continue
            score = round(min(100.0, win.score * scale), 2)
            features: dict[str, float | str] = {
                "coverage": round(win.coverage, 3),
                "terms_hit": float(win.hits),
                "distinctive_hit": float(win.distinctive),
                "actor": win.actor,
                "window": float(win.size),
                "in_title": 1.0 if win.start < n_title else 0.0,
                "alias": 0.0 if ct.variants[win.variant].text == claim.statement else 1.0,
                "gate": gate_f,
                "raw": round(win.score, 3),
                "anchor": win.anchor,
                "verb": win.verb,
                "short_text": short_f,
            }
            if not passed:
                features["score_before_gate"] = score
            evidence = " ".join(sentences[win.start:win.start + win.size])
            if (win.verb == 1.0 and denying[win.variant] and win.distinctive < VERB_WAIVER_DISTINCTIVE
                    and not negates(evidence)):
                # the wording denies ("found no evidence"): a window that negates nothing names
                # what it denies, not its act (bot/match/denial.py); the missing-act factor, named
                features["verb"] = NO_VERB_FACTOR
                features["denial_not_negated"] = 1.0
                score = round(score * NO_VERB_FACTOR, 2)
            if claim.negatives:
                own = (claim.statement, *claim.aliases, *claim.examples)
                factor, closest = negative_factor(evidence, claim.negatives, own)
                if factor < 1.0:
                    features["negative_similarity"] = closest
                    features["score_before_negative"] = score
                    score = round(score * factor, 2)
            scores.append(ClaimMatch(claim.key, score if passed else 0.0, evidence, features))
        if semantic is not None:
            scores = _with_semantic(ct, scores, windows, *semantic, sentences, lang)
        scores = _explained_elsewhere(scores, windows, low)
        if bars and any(bar != low for bar in bars.values()):
            scores = _with_learnt_bars(scores, bars, low)
        ranked = sorted(scores, key=lambda m: (-m.score, m.claim_key))
        matches = tuple(m for m in ranked if m.score >= (bars or {}).get(m.claim_key, low) and m.score > 0)
        if text is None or not text.same_sentences(sentences):
            text = EntryText(sentences, n_title)
        relevant = gate.passed and bool(matches or self._topical(ct, text.lines))
        in_passing = relevant and not self._about(ct, text, n_title, matches, windows, published_year, names)
        return TopicResult(
            topic_key=ct.topic.key, gate=gate, relevant=relevant and not in_passing, matches=matches,
            scores=tuple(ranked), sentences=text.sentences, claim_windows=windows, title_sentences=n_title,
            sentence_concepts=tuple(concept_sets), text=text, in_passing=in_passing,
        )

    @staticmethod
    def _about(ct: CompiledTopic, text: EntryText, n_title: int, matches: Sequence[ClaimMatch],
               windows: dict[str, tuple[int, ...]], published_year: int | None,
               names: frozenset[int]) -> bool:
        """Is the entry about the topic, not mentioning it in passing (`aboutness.about`, in its two
        steps: the lead's keyword groups are read only when fewer than two claims matched)?"""
        evidence = [m.evidence for m in matches]
        if several_claims(evidence):  # most matched entries: the lead need not be read
            return True
        lines = text.lines
        lead = lead_indices(lines, n_title)
        groups = ct.gate.groups
        hits: list[frozenset[int]] = [frozenset()] * len(lines)  # only the lead's are read
        for i in lead:
            hits[i] = frozenset(g for g, grp in enumerate(groups)
                                if grp.regex is not None and grp.regex.search(lines[i]))
        return lead_carries(lines, n_title, hits, len(groups), names,
                            [windows.get(m.claim_key, ()) for m in matches], published_year)

    @staticmethod
    def _topical(ct: CompiledTopic, folded_sentences: Sequence[str]) -> bool:
        """No claim matched: is the entry still about the topic (a new development)?

        Yes when every keyword group is hit within one sentence or two adjacent ones, or in the
        title: the story's actors appear together, not in unrelated paragraphs.
        """
        groups = len(ct.gate.groups)
        if groups == 0:
            return True
        prev: set[int] = set()
        for folded in folded_sentences:
            cur = {i for i, g in enumerate(ct.gate.groups) if g.regex is not None and g.regex.search(folded)}
            if len(cur | prev) == groups:
                return True
            prev = cur
        return False


def _year(entry: Entry) -> int | None:
    """The entry's publication year, when the feed gave a date."""
    return entry.published.year if entry.published is not None else None


def _with_semantic(ct: CompiledTopic, scores: list[ClaimMatch], windows: dict[str, tuple[int, ...]],
                   cand: list[int], sims: Sequence[Similarity], sentences: list[str],
                   lang: str = "en") -> list[ClaimMatch]:
    """Each claim's one score from its lexical points and its best cosine (see combine.py).

    An entry in another language than English (`lang`, crosslang.py) is read by an English-only
    model: a low cosine there says nothing against the claim, a high one still says something
    (names, numbers, shared subwords), so the cosine may raise the score, never lower it below
    the lexical points (`crosslang.combined_in`); `why` shows `language`.

    `why` shows both parts: features `lexical` (points), `cosine`, `semantic` (points) and the
    sentence the cosine came from. A claim no lexical window reached can match on semantic
    evidence alone only if that is strong enough for the combined score to reach `low`. The
    claim's window (what change detection reads) gains the semantic sentence.
    """
    by_key = {m.claim_key: m for m in scores}
    out = []
    for claim, sim in zip(ct.claims, sims, strict=True):
        lexical = by_key.pop(claim.key, None)
        cosine = float(sim.score)
        idx = cand[sim.sentence_index] if 0 <= sim.sentence_index < len(cand) else None
        lex_points = lexical.score if lexical is not None else 0.0
        points = semantic_points(cosine)
        if lexical is None and points == 0.0:
            continue
        score = combined(lex_points, cosine) if lang == "en" else combined_in(lang, lex_points, cosine)
        features = dict(lexical.features) if lexical is not None else {"gate": 1.0}
        features.update({"lexical": lex_points, "cosine": round(cosine, 3), "semantic": round(points, 2)})
        if lang != "en":
            features["language"] = lang
        unsaid = float(getattr(sim, "unsaid", -1.0))
        if unsaid > cosine:  # a wording that denies met a sentence that denies nothing (denial.py)
            features["cosine_not_denying"] = round(unsaid, 3)
        evidence = lexical.evidence if lexical is not None else ""
        if idx is not None:
            features["semantic_sentence"] = float(idx)
            if points > lex_points or not evidence:
                evidence = sentences[idx]
            windows[claim.key] = tuple(sorted({*windows.get(claim.key, ()), idx}))
        out.append(ClaimMatch(claim.key, score, evidence, features))
    out.extend(by_key.values())  # claims the semantic side did not report (none, normally)
    return out


def _semantic_side(claim: ClaimState) -> Wordings:
    """A claim as the semantic side reads it: its statement and other wordings in their semantic
    form (`scorer.semantic_wordings`: denials cut after what they deny, dates left out too);
    learnt examples and negatives apart."""
    first, *rest = semantic_wordings(claim)
    return Wordings(claim.key, first, tuple(w for w in rest if w not in claim.examples),
                    claim.examples, claim.negatives)


def _with_learnt_bars(scores: list[ClaimMatch], bars: dict[str, float], low: float) -> list[ClaimMatch]:
    """Each claim whose bar review decisions moved shows it (`learnt_bar`, for `why`)."""
    return [replace(m, features={**m.features, "learnt_bar": bars[m.claim_key]})
            if bars.get(m.claim_key, low) != low else m for m in scores]


def negative_factor(evidence: str, negatives: Sequence[str], wordings: Sequence[str]) -> tuple[float, float]:
    """(score factor, similarity 0-100 to the closest negative example) for a claim's evidence."""
    text = fold(evidence)
    closest = max(fuzz.ratio(text, fold(n)) for n in negatives)
    if closest < NEGATIVE_SIMILAR:
        return 1.0, round(closest, 1)
    own = max(fuzz.ratio(text, fold(w)) for w in wordings)
    return min(1.0, max(0.0, 1.0 - (closest - own) / NEGATIVE_MARGIN)), round(closest, 1)


def _explained_elsewhere(scores: list[ClaimMatch], windows: dict[str, tuple[int, ...]],
                         low: float) -> list[ClaimMatch]:
    """Damp a match whose evidence lies inside a much stronger match's evidence.

    "An internal review found no evidence its products harmed people" shares words with
    "the review is ongoing", but it is the no-evidence claim's sentence: when every sentence
    of claim B's window is in claim A's window and A scores EXPLAINED_RATIO times more, B is
    most likely a vocabulary coincidence. Only matches (>= low) compete, so the cost stays
    quadratic in the (few) matches, not in the claims. `why` shows it as `explained_by`.
    """
    strong = [m for m in scores if m.score >= low and m.claim_key in windows]
    if len(strong) < 2:
        return scores
    spans = {m.claim_key: frozenset(windows[m.claim_key]) for m in strong}  # built once, not per pair
    strongest = max(m.score for m in strong)
    damped: dict[str, tuple[float, str]] = {}
    for b in strong:
        bar = EXPLAINED_RATIO * b.score
        if strongest < bar:  # nothing scores enough more than b (most matches: no inner loop)
            continue
        wb = spans[b.claim_key]
        for a in strong:  # the first one in `scores` order that explains b
            if a.score >= bar and a is not b and wb <= spans[a.claim_key]:
                damped[b.claim_key] = (round(b.score * EXPLAINED_FACTOR, 2), a.claim_key)
                break
    if not damped:
        return scores
    out = []
    for m in scores:
        if m.claim_key in damped:
            new, by = damped[m.claim_key]
            m = replace(m, score=new, features={**m.features, "explained_by": by, "score_before": m.score})
        out.append(m)
    return out
