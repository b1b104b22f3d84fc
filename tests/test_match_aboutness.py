"""Hard negatives (branch `negatives`): an article about another incident, or about the same
company's other news, that mentions the tracked story in passing is not relevant to it; a real
follow-up that recaps the story in background stays in. Invented story and articles only (no
corpus text), read lexical-only so the tests are fast."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.match import Matcher, Thresholds
from bot.match.aboutness import about, dated_in_past, last_year_words, lead_carries, lead_indices, name_groups
from bot.match.matcher import TopicResult
from bot.match.normalise import fold
from bot.match.scorer import topic_names
from bot.models import ClaimState, Entry, Status, TopicState

RAIL = TopicState(
    key="lumina-signals", title="Lumina Rail's signalling software failure of 3 March 2025",
    keywords=(("lumina", "lumina rail"), ("signal failure", "signalling failure", "breakdown", "disruption",
                                          "panne", "ausfall", "averia")),
    claims=(
        ClaimState("faulty-patch", "A faulty software patch to Lumina Rail's signalling system, installed on "
                   "3 March 2025, stopped every Lumina train in the region; it was a defect, not sabotage.",
                   Status.CONFIRMED),
        ClaimState("refunds", "Lumina Rail will refund season-ticket holders for the days its trains stood "
                   "still.", Status.ALLEGED),
        ClaimState("inquiry", "The national rail regulator has opened an inquiry into Lumina Rail's software "
                   "testing.", Status.ONGOING),
    ),
)


def entry(body: str, title: str = "", published: datetime | None = None) -> Entry:
    return Entry(identity=body[:40], url=None, title=title, summary="", content=body,
                 published=published, source="test", content_hash=body[:40])


def result(matcher: Matcher, e: Entry) -> TopicResult:
    return matcher.match(e)[0]


def matcher() -> Matcher:
    return Matcher([RAIL], Thresholds())


ANOTHER_INCIDENT = (
    "Harbourline's trains stood still for six hours on Monday after a power fault in its control centre. "
    "Commuters queued outside closed stations across the city. "
    "Harbourline said power was back by the evening and that its engineers were checking every line. "
    "It was the worst rail disruption since a faulty software patch from Lumina Rail stopped every Lumina "
    "train in the region last year."
)
SAME_COMPANY_OTHER_NEWS = (
    "Lumina Rail, whose signalling failure stopped trains across the region last year, will cut 300 jobs. "
    "The operator's chief executive said the cuts come from automating ticket offices."
)
AUTRE_INCIDENT = (
    "La panne qui a touché lundi le réseau de Harbourline a bloqué des milliers de voyageurs pendant six heures. "
    "Les trains sont restés à quai dans toutes les gares de la ville. "
    "Selon Harbourline, une coupure de courant dans le centre de contrôle est à l'origine de la panne. "
    "C'est la panne la plus grave depuis celle de Lumina Rail l'an dernier."
)
DATED_EARLIER = (
    "Harbourline's network was halted on Monday by a power breakdown, stranding thousands of commuters. "
    "Engineers restored power by the evening. "
    "In March 2025, a faulty software patch to Lumina Rail's signalling system stopped every Lumina train "
    "in the region."
)
FOLLOW_UP = (
    "Lumina Rail will refund season-ticket holders for the days its trains stood still, the operator said on "
    "Tuesday. "
    "The refunds cover the week after the signalling failure. "
    "Last year a faulty software patch to Lumina Rail's signalling system stopped every Lumina train in the "
    "region; it was a defect, not sabotage, the operator said."
)
LEAD_ELSEWHERE = (
    "Commuter groups met the transport minister on Wednesday to ask for a new timetable. "
    "The groups said trust in the network had not recovered since the signalling failure. "
    "The national rail regulator has opened an inquiry into Lumina Rail's software testing, the minister said. "
    "Lumina Rail also confirmed it will refund season-ticket holders for the days its trains stood still."
)


def test_an_article_about_another_incident_that_mentions_the_story_in_passing_stays_out() -> None:
    m = matcher()
    for body in (ANOTHER_INCIDENT, AUTRE_INCIDENT):
        r = result(m, entry(body))
        assert r.gate.passed
        # without the aboutness check it would have been relevant (matched or topical) ...
        assert r.in_passing, body[:60]
        # ... and now it is not, and none of its matches reaches the pipeline
        assert not r.relevant


def test_same_company_other_news_and_a_story_dated_earlier_stay_out() -> None:
    m = matcher()
    r = result(m, entry(SAME_COMPANY_OTHER_NEWS, published=datetime(2026, 2, 1, tzinfo=UTC)))
    assert r.in_passing and not r.relevant
    r = result(m, entry(DATED_EARLIER, published=datetime(2026, 5, 4, tzinfo=UTC)))
    assert r.in_passing and not r.relevant


def test_a_follow_up_that_recaps_the_story_in_background_stays_in_with_the_recap() -> None:
    m = matcher()
    r = result(m, entry(FOLLOW_UP, published=datetime(2026, 2, 1, tzinfo=UTC)))
    assert r.relevant and not r.in_passing
    keys = {c.claim_key for c in r.matches}
    assert "refunds" in keys
    assert "faulty-patch" in keys  # the background recap counts for the claim it states


def test_a_follow_up_whose_lead_is_elsewhere_stays_in_when_it_reports_several_claims() -> None:
    m = matcher()
    r = result(m, entry(LEAD_ELSEWHERE))
    assert {c.claim_key for c in r.matches} >= {"inquiry", "refunds"}
    assert r.relevant and not r.in_passing


def test_the_lead_names_the_story_when_a_title_does() -> None:
    m = matcher()
    body = ("Commuters queued for hours on Monday. "
            "It was the worst disruption since Lumina Rail's signalling failure stopped every train.")
    assert not result(m, entry(body)).relevant
    # the same text under a title about the story is about the story
    titled = result(m, entry(body, title="Lumina Rail signalling failure: commuters still waiting"))
    assert titled.relevant and not titled.in_passing


def test_last_year_in_several_languages_comes_from_dateparser_locale_data() -> None:
    years, lasts = last_year_words()
    assert {"year", "an", "jahr", "ano"} <= years
    assert {"last", "derniere", "letztes", "pasado"} <= lasts
    assert "el" not in lasts  # "el año" is not "last year"
    for text in ("the outage last year", "last year's outage", "la panne de l'an dernier",
                 "l'année dernière", "der Ausfall letztes Jahr", "im letzten Jahr", "la avería del año pasado"):
        assert dated_in_past(fold(text), None), text
    for text in ("the outage on friday", "this year's outage", "el año de la avería", "the last train",
                 "the outage lasted a year"):
        assert not dated_in_past(fold(text), None), text
    assert dated_in_past(fold("in march 2025 the trains stopped"), 2026)
    assert not dated_in_past(fold("in march 2025 the trains stopped"), 2025)
    assert not dated_in_past(fold("in march 2025 the trains stopped"), None)


def test_name_groups_are_the_groups_the_admin_wrote_as_names() -> None:
    assert name_groups(RAIL.keywords, topic_names(RAIL)) == frozenset({0})
    # no group of names: a lead sentence must hit every group
    plain = (("signal failure", "breakdown"), ("commuters",))
    assert name_groups(plain, topic_names(RAIL)) == frozenset()
    lines = [fold("Commuters faced a breakdown on Monday."), fold("Nothing else.")]
    hits = [frozenset({0, 1}), frozenset()]
    assert lead_carries(lines, 0, hits, 2, frozenset(), [], None)
    assert not lead_carries(lines, 0, [frozenset({1}), frozenset()], 2, frozenset(), [], None)
    assert lead_carries(lines, 0, [frozenset({1}), frozenset()], 2, frozenset({1}), [], None)
    # a matched claim's evidence in the lead carries it too, unless dated in the past
    assert lead_carries(lines, 0, [frozenset(), frozenset()], 2, frozenset(), [(0, 1)], None)
    dated = [fold("Last year commuters faced a breakdown."), fold("Nothing else.")]
    assert not lead_carries(dated, 0, [frozenset({0, 1}), frozenset()], 2, frozenset(), [(0,)], None)


def test_why_says_when_a_topic_is_only_mentioned_in_passing() -> None:
    from bot.discord_bot.format import why_embed
    from bot.match.explain import explain
    from bot.service.browse import TopicWhy, WhyReport
    from storage.guilds import ArticleHit

    detail = explain(result(matcher(), entry(ANOTHER_INCIDENT)))
    assert detail["in_passing"] is True and detail["relevant"] is False
    assert "in_passing" not in explain(result(matcher(), entry(FOLLOW_UP)))
    topic = TopicWhy("lumina-signals", RAIL.title, evaluated=True, gate_passed=True,
                     relevant=False, in_passing=bool(detail.get("in_passing")))
    report = WhyReport("q", "https://news.example/h", True, 40.0, 60.0,
                       article=ArticleHit(1, "https://news.example/h", "Harbourline halted", "Wire", None, None),
                       topics=[topic])
    text = why_embed(report).to_dict()["fields"][0]["value"]
    assert "only in passing" in text


def test_a_heading_before_the_first_sentence_is_read_with_the_lead() -> None:
    lines = [fold(s) for s in ("Key points:", "Lumina Rail will refund all season-ticket holders.", "More text.")]
    assert lead_indices(lines, 0) == range(2)
    byline = [fold("Wire staff | 2026-02-01"), *lines]
    assert lead_indices(byline, 0) == range(3)
    assert lead_indices(lines, 1) == range(2)  # a title, then the first sentence
    assert lead_indices(lines[1:], 0) == range(1)
    r = result(matcher(), entry("Key points:\n" + SAME_COMPANY_OTHER_NEWS.replace("last year", "on Monday")))
    assert r.relevant  # the lead (past the heading) names the story, undated


def test_two_claims_read_in_one_sentence_are_one_reference() -> None:
    lines = [fold(s) for s in ("Commuters queued outside the stations on Monday.", "Trains were late.", "Nothing.",
                               "A reference.")]
    hits = [frozenset()] * 4
    ref = lines[3]
    assert not about(lines, 0, hits, 2, frozenset({0}), [(3,), (2, 3)], [ref, ref], None)
    assert about(lines, 0, hits, 2, frozenset({0}), [(2,), (3,)], [lines[2], ref], None)
    assert not about(lines, 0, hits, 2, frozenset({0}), [(2, 3)], [ref], None)  # one claim, however long
