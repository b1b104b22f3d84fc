"""bench/matching.py's metric functions on a synthetic 3-article story (no corpus needed)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.matchbench.corpus import TopicsMismatch, check_keys, date_order, make_story
from bench.matchbench.follow import Follower
from bench.matchbench.learning import learning_admin, learning_available
from bench.matchbench.metrics import labelled_changes, norm_value, same_figure, same_value, score
from bench.matchbench.modes import FULL, SUMMARY, summary_of
from bench.matchbench.predict import Prediction, SeenChange, dossier, naive
from bench.matchbench.quality import measure
from bench.matchbench.replay import admin_policy, gold_states, judge, replay
from bot.match import Thresholds
from bot.service.review import ProposalView
from storage.db import Database
from storage.topics import ClaimRevision

TOPICS = {"topics": [
    {"key": "harbour-fine", "title": "The Port of Northwick fine",
     "keywords": [["northwick"], ["harbour", "port"]],
     "claims": [
         {"key": "fine", "statement": "The regulator fined the Port of Northwick 2 million euros for dumping sludge.",
          "status": "alleged"},
         {"key": "appeal", "statement": "The Port of Northwick appealed the regulator's ruling in court.",
          "status": "alleged"},
     ]},
    {"key": "other", "title": "Another topic", "keywords": [["lighthouse"]]},
]}


def record(rid: str, published: str | None, text: str, topics: dict, claims: list, changes: list) -> dict:
    return {"id": rid, "url": f"https://example.test/{rid}", "title": rid.replace("-", " "), "source": "Wire",
            "published": published, "text": text,
            "expected": {"topics": topics, "claims": claims, "changes": changes}}


RECORDS = [
    record("fine-raised", "2026-03-02",
           "The regulator fined the Port of Northwick 3 million euros for dumping sludge in the harbour.",
           {"harbour-fine": "yes", "other": "no"}, ["fine"],
           [{"claim": "fine", "kind": "figure_change", "to": "3 million euros"}]),
    record("appeal-filed", None,
           "The Port of Northwick appealed the ruling in court on Monday, the harbour's lawyers said.",
           {"harbour-fine": "yes", "other": "either"}, ["appeal", "fine"], []),
    record("lighthouse", "2026-01-01", "A lighthouse near the port was repainted.",
           {"harbour-fine": "no", "other": "yes"}, [], []),
]


def test_values_are_compared_normalised() -> None:
    assert norm_value("$3 Million, euros") == "3millioneuros"
    assert same_value("7,000", "7000 flights")
    assert same_value("500 million", "$500 Million")
    assert not same_value("500 million", "1,500 million")
    assert not same_value("concluded", "ongoing")


def test_scores_against_labels() -> None:
    story = make_story("synthetic", TOPICS, RECORDS)
    preds = [
        Prediction({"harbour-fine": True, "other": False}, {"fine"},
                   [SeenChange("harbour-fine", "fine", "figure_change", "€3 million euros", False)]),
        Prediction({"harbour-fine": True, "other": True}, {"appeal"},  # `other` is `either`: not scored
                   [SeenChange("harbour-fine", "appeal", "status_change", "concluded", True)]),
        Prediction({"harbour-fine": True, "other": True}, {"fine"}, []),
    ]
    s = score(story.records, preds, story.main_topic)
    # topic pairs: 5 scored (one `either`); one false positive (lighthouse on harbour-fine)
    assert (s.topic.tp, s.topic.fp, s.topic.fn) == (3, 1, 0)
    # claims: fine ok, appeal ok, fine missing on article 2, fine extra on the lighthouse
    assert (s.claim.tp, s.claim.fp, s.claim.fn) == (2, 1, 1)
    assert round(s.claim.f1, 3) == round(2 * (2 / 3) * (2 / 3) / (4 / 3), 3)
    assert (s.changes_labelled, s.changes_found, s.changes_spurious) == (1, 1, 1)
    assert s.changes_confident == 1


def test_distinct_changes_count_once() -> None:
    twice = [*RECORDS, record("fine-again", "2026-04-01", "The 3 million euro fine stands.",
                              {"harbour-fine": "yes", "other": "no"}, ["fine"],
                              [{"claim": "fine", "kind": "figure_change", "to": "3 million euros"}])]
    changes = labelled_changes(twice)
    assert len(changes) == 1 and changes[0].records == ("fine-raised", "fine-again")


def test_date_order_keeps_undated_after_their_predecessor() -> None:
    assert [r["id"] for r in date_order(RECORDS)] == ["lighthouse", "fine-raised", "appeal-filed"]


def test_summary_cuts_whole_sentences_near_300() -> None:
    text = " ".join(f"Sentence number {i} says something about the harbour and the fine." for i in range(12))
    summary = summary_of(text)
    assert 250 <= len(summary) <= 400 and summary.endswith(".")
    assert summary_of("x" * 50 + " " + "y" * 500).endswith("…")


def test_systems_run_on_the_story() -> None:
    story = make_story("synthetic", TOPICS, RECORDS)
    systems = {"dossier": dossier(story, Thresholds()), "naive": naive(story), "minilm": "not here"}
    for mode in (FULL, SUMMARY):
        result = measure(story, mode, systems)
        assert result.systems["minilm"].skipped == "not here"
        naive_scores = result.systems["naive"].scores
        assert naive_scores is not None and naive_scores.claim.tp >= 1
        assert result.as_dict()["systems"]["dossier"]["topic"]["tp"] >= 2


def test_figures_are_judged_by_their_numbers() -> None:
    assert same_figure("7.000", "7,000 flights")
    assert same_figure("550 millones", "$550 million")
    assert same_figure("350 y 500 millones", "$350 million to $500 million")
    assert not same_figure("5,000 flights", "7,000")
    assert not same_figure("26%", "26")


def _rev(rev: int, status: str, figures: tuple[str, ...], actor: str) -> ClaimRevision:
    return ClaimRevision(rev=rev, statement="s", status=status, figures=figures, sources=(),
                         change_kind="status_change", reason="", article_url=None, article_title=None,
                         actor=actor, created_at=None)


def test_replay_gold_and_verdicts() -> None:
    story = make_story("synthetic", TOPICS, RECORDS)
    gold = gold_states(story, date_order(story.records))
    fine = gold[("harbour-fine", "fine")]
    assert fine.moved and fine.figures == ("3 million euros",) and fine.stale == {"€2 million"}
    assert not gold[("harbour-fine", "appeal")].moved
    # the bot replaced the figure itself: right without an admin
    right = judge("harbour-fine", "fine", fine, [_rev(1, "alleged", ("€2 million",), "feeds.yaml"),
                                                 _rev(2, "alleged", ("€3 million",), "dossier")])
    assert right.right and right.via == "confident" and not right.false_assertions
    # appended beside the old figure, through an admin: the claim still shows a superseded figure
    stale = judge("harbour-fine", "fine", fine, [_rev(1, "alleged", ("€2 million",), "feeds.yaml"),
                                                 _rev(2, "alleged", ("€2 million", "€3 million"), "admin:1")])
    assert not stale.right and stale.via == "admin"
    # an unmoved claim the bot concluded on its own: not left alone, and a false assertion
    appeal = judge("harbour-fine", "appeal", gold[("harbour-fine", "appeal")],
                   [_rev(1, "alleged", (), "feeds.yaml"), _rev(2, "concluded", (), "dossier")])
    assert not appeal.right and appeal.false_assertions == ["harbour-fine/appeal: status alleged -> concluded"]


def test_replay_runs_the_real_command_on_a_snapshot() -> None:
    story = make_story("synthetic", TOPICS, RECORDS)
    result = replay(story, env={"DOSSIER_SEMANTIC": "off"})  # the harness, not the model, is under test
    assert result.snapshots == 1 and result.articles == 3
    assert {c.claim for c in result.claims} == {"fine", "appeal"}
    assert result.updates >= 1  # the run printed JSON lines for the relevant articles


def _proposal(claim: str | None, kind: str, after: str, url: str) -> ProposalView:
    return ProposalView(id=1, topic_key="harbour-fine", topic_title="t", claim_key=claim, claim_statement=None,
                        kind=kind, before=None, after=after, score=50.0, evidence="e", diff="",
                        article_url=url, article_title=None, article_source=None, state="pending",
                        decided_by=None, created_at=None)


def test_simulated_admins_decide_from_the_labels() -> None:
    story = make_story("synthetic", TOPICS, RECORDS)
    gold = gold_states(story, date_order(story.records))
    replay_admin = admin_policy(gold)
    assert replay_admin(_proposal("fine", "figure_change", "€3 million", "u")) == "accept"
    assert replay_admin(_proposal("fine", "figure_change", "€9 million", "u")) == "reject"
    assert replay_admin(_proposal("fine", "new_source", "Wire", "u")) is None
    with Follower(story) as follower:
        admin = learning_admin(follower, {"appeal-filed": {"appeal", "fine"}})
        link = follower.server.article_url("appeal-filed")
        assert admin(_proposal("appeal", "new_source", "Wire", link)) == "accept"
        assert admin(_proposal("fine", "status_change", "concluded", link)) == "accept"
        assert admin(_proposal("fine", "new_source", "Wire", follower.server.article_url("lighthouse"))) == "unrelated"
        assert admin(_proposal(None, "new_development", "x", link)) is None


async def test_learning_is_detected_by_its_example_table() -> None:
    async with await Database.open(":memory:") as db:  # this build stores claim examples
        assert await learning_available(db)
    async with await Database.open(":memory:", migrate=False) as db:  # a schema without them
        assert not await learning_available(db)


def test_per_claim_counts_add_up() -> None:
    story = make_story("synthetic", TOPICS, RECORDS)
    preds = [Prediction({}, {"fine"}), Prediction({}, {"appeal"}), Prediction({}, {"fine"})]
    s = score(story.records, preds, story.main_topic, with_changes=False)
    assert (s.per_claim["fine"].tp, s.per_claim["fine"].fp, s.per_claim["fine"].fn) == (1, 1, 1)
    assert (s.per_claim["appeal"].tp, s.per_claim["appeal"].fp, s.per_claim["appeal"].fn) == (1, 0, 0)
    assert sum(c.tp for c in s.per_claim.values()) == s.claim.tp


def test_another_configuration_must_hold_the_labelled_keys(tmp_path: Path) -> None:
    """`--topics STORY=FILE`: a file with every labelled key scores the story; a file lacking a
    labelled claim or topic key is refused with the keys named (the labels are by key)."""
    import yaml

    story = make_story("synthetic", TOPICS, RECORDS)
    check_keys(story, "same.yaml")  # the story's own topics hold every key
    short = {"topics": [dict(TOPICS["topics"][0], claims=TOPICS["topics"][0]["claims"][:1])]}
    path = tmp_path / "short.yaml"
    path.write_text(yaml.safe_dump(short), encoding="utf-8")
    with pytest.raises(TopicsMismatch) as err:
        check_keys(make_story("synthetic", short, RECORDS), path)
    assert "appeal" in str(err.value) and "other" in str(err.value) and "short.yaml" in str(err.value)


def test_bench_refuses_a_topics_file_without_the_labelled_keys(tmp_path: Path) -> None:
    from bench import matching

    path = tmp_path / "t.yaml"
    path.write_text("topics:\n  - key: x\n    title: X\n    keywords: [[x]]\n", encoding="utf-8")
    with pytest.raises(SystemExit, match="unknown story"):
        matching.main(["--topics", f"nostory={path}"])
    with pytest.raises(SystemExit, match="expected STORY=FILE"):
        matching.main(["--topics", str(path)])


def test_a_story_is_read_under_another_topics_file(tmp_path: Path) -> None:
    import json

    import yaml

    from bench.matchbench.corpus import load_story

    (tmp_path / "dev.jsonl").write_text("\n".join(json.dumps(r) for r in RECORDS), encoding="utf-8")
    (tmp_path / "topics.yaml").write_text(yaml.safe_dump(TOPICS), encoding="utf-8")
    terse = json.loads(json.dumps(TOPICS))
    terse["topics"][0]["claims"][0]["statement"] = "Northwick was fined 2 million euros."
    (tmp_path / "terse.yaml").write_text(yaml.safe_dump(terse), encoding="utf-8")
    assert load_story("dev", tmp_path).topics[0].claims[0].statement == TOPICS["topics"][0]["claims"][0]["statement"]
    story = load_story("dev", tmp_path, tmp_path / "terse.yaml")
    assert story.topics[0].claims[0].statement == "Northwick was fined 2 million euros."
    assert story.topics[0].claims[0].figures  # seeded from the new statement, as the bot does
    del terse["topics"][0]["claims"][1]
    (tmp_path / "short.yaml").write_text(yaml.safe_dump(terse), encoding="utf-8")
    with pytest.raises(TopicsMismatch, match="appeal"):
        load_story("dev", tmp_path, tmp_path / "short.yaml")
