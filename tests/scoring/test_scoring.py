"""The scorer's policies, one behaviour per test, plus properties checked with hypothesis."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scoring.inputs import (
    DeliveryFact,
    ExerciseFacts,
    InjectSpec,
    Override,
    Phrase,
    ReplyFact,
    ScenarioSpec,
    TeamSpec,
)
from scoring.report import build_report
from scoring.speed import speed_credit
from scoring.text import Text
from simulator.engine.scoring_input import exercise_report
from tests.factories import gen_exercise, play

ROOT = Path(__file__).resolve().parents[2]

POST = InjectSpec(
    "post", "microblog", "Jane Doe", "journalist", 3, True, 300.0,
    key_points=(Phrase("aware", "Acknowledges", ("we are aware",)), Phrase("inquiry", "Announces an inquiry", ("investigation",))),
    red_flags=(Phrase("no-comment", "Refuses to comment", ("no comment",)),),
)  # fmt: skip
TROLL = InjectSpec("troll", "social", "Grumpy", "troll", 1, True, 300.0)
SCENARIO = ScenarioSpec(
    "s", "S", "en", (("ceo", "The CEO is on leave while the board investigates."),), (POST, TROLL)
)


def facts(*replies: ReplyFact, teams=("team-1", "team-2"), overrides=()) -> ExerciseFacts:
    return ExerciseFacts(
        "ex",
        "Ex",
        SCENARIO,
        tuple(TeamSpec(t, t.title()) for t in teams),
        tuple(DeliveryFact(i, t, 60.0) for t in teams for i in ("post", "troll")),
        replies,
        tuple(overrides),
    )


def reply(team, text, at=90.0, inject="post", kind="public", rid=None) -> ReplyFact:
    return ReplyFact(rid or f"{team}-{at}-{inject}", team, inject, "microblog", kind, text, at)


def team(report, slot):
    return next(t for t in report["teams"] if t["team"] == slot)


@pytest.mark.parametrize(
    ("response_s", "credit"),
    [(None, 0.0), (0, 1.0), (75, 1.0), (187.5, 0.5), (300, 0.0), (301, 0.0)],
)
def test_speed_curve_full_marks_within_target_then_linear_to_zero(response_s, credit):
    assert speed_credit(response_s, 300, 0.25) == pytest.approx(credit)


def test_trolls_are_neither_required_nor_rewarded_and_answering_them_is_a_red_flag():
    report = build_report(
        facts(
            reply("team-1", "We are aware, an investigation is open."),
            reply("team-1", "lol get a life", inject="troll"),
        )
    )
    red = team(report, "team-1")
    assert red["expected"] == 1 and red["answered"] == 1
    assert any(r["criterion"] == "red_flags" and "answered a troll" in r["why"] for r in red["reasons"])


def test_every_point_carries_its_reason():
    report = build_report(facts(reply("team-1", "We are aware. No comment on the rest.")))
    why = {r["criterion"]: r["why"] for r in team(report, "team-1")["reasons"] if r["points"] != 0}
    assert "answered Jane Doe's microblog post in 30s" in why["speed"]
    assert "said 'Acknowledges' ('we are aware')" in why["coverage"]
    assert "Refuses to comment ('no comment')" in why["red_flags"]


def test_contradictions_between_a_teams_own_replies_are_explained():
    report = build_report(
        facts(
            reply("team-1", "Our CEO is on leave while the board looks into the video.", at=90),
            reply(
                "team-1", "The board has dismissed our CEO after the video.", at=200, inject="post", rid="r2"
            ),
        )
    )
    (reason,) = [r for r in team(report, "team-1")["reasons"] if r["criterion"] == "contradictions"]
    assert "'on leave' vs 'dismissed'" in reason["why"]


def test_disagreement_with_the_facts_sheet():
    report = build_report(facts(reply("team-1", "The board dismissed the CEO yesterday.")))
    (reason,) = [r for r in team(report, "team-1")["reasons"] if r["criterion"] == "facts"]
    assert "says 'dismissed', the facts sheet says 'on leave'" in reason["why"]


def test_silence_scores_zero_not_a_perfect_consistency():
    silent = team(build_report(facts()), "team-1")
    assert silent["total"] == 0 and silent["consistency"] == 0 and silent["median_response_s"] is None


def test_ranking_ties_are_broken_deterministically():
    same = facts(
        reply("team-1", "We are aware."), reply("team-2", "We are aware."), teams=("team-2", "team-1")
    )
    report = build_report(same)
    assert [t["team"] for t in report["teams"]] == ["team-1", "team-2"]  # equal on every score: by name
    assert report == build_report(same)


def test_overrides_show_the_automatic_and_the_adjusted_value():
    overrides = [
        Override(
            "key_point",
            "team-1",
            "said it in other words",
            "alice",
            reply_id="r1",
            key_point="inquiry",
            met=True,
        ),
        Override("adjust", "team-1", "ignored the regulator in the room", "alice", points=-5),
        Override(
            "contradiction", "team-1", "tone of the DM contradicts the statement", "alice", reply_id="r1"
        ),
    ]
    base = build_report(facts(reply("team-1", "We are aware.", rid="r1")))
    adjusted = build_report(facts(reply("team-1", "We are aware.", rid="r1"), overrides=overrides))
    before, after = team(base, "team-1"), team(adjusted, "team-1")
    assert after["key_points"]["post"]["inquiry"] is True and before["key_points"]["post"]["inquiry"] is False
    assert after["total"] == pytest.approx(after["total_auto"] - 5)
    assert after["consistency_parts"]["contradictions"] < before["consistency_parts"]["contradictions"]
    assert any("adjusted by alice: ignored the regulator in the room" in r["why"] for r in after["reasons"])


@pytest.mark.parametrize(
    ("text", "phrase", "language", "expected"),
    [
        ("We have apologised to the families.", "apologise", "en", True),
        ("An investigaton is under way.", "investigation", "en", True),
        ("We're aware of the video.", "we are aware", "en", True),
        ("This is a misunderstanding.", "understand", "en", False),
        ("Nous présentons nos excuses.", "nous présentons nos excuses", "fr", True),
        ("Les enquêtes sont ouvertes.", "enquête", "fr", True),
        ("Il a appelé la salariée.", "rappel", "fr", False),
        ("A comment from our team.", "no comment", "en", False),
    ],
)
def test_phrase_matching_is_tolerant_but_not_loose(text, phrase, language, expected):
    assert (Text(text, language).says(phrase) is not None) is expected


words = st.sampled_from(
    ["we", "are", "aware", "sorry", "the", "investigation", "video", "team", "thank", "you", "no", "comment"]
)
texts = st.lists(words, min_size=1, max_size=12).map(" ".join)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(first=texts, second=texts, third=texts, at=st.floats(60, 400))
def test_scores_stay_in_range(first, second, third, at):
    report = build_report(
        facts(
            reply("team-1", first, at), reply("team-1", second, at + 5, rid="b"), reply("team-2", third, at)
        )
    )
    for row in report["teams"]:
        for value in (row["total"], row["speed"], row["consistency"], *row["consistency_parts"].values()):
            assert 0 <= value <= 100


@settings(max_examples=60, deadline=None)
@given(existing=st.lists(texts, max_size=3), at=st.floats(60, 300))
def test_adding_a_reply_with_a_missing_key_point_never_lowers_coverage(existing, at):
    replies = [reply("team-1", text, at + i, rid=f"r{i}") for i, text in enumerate(existing)]
    before = team(build_report(facts(*replies)), "team-1")["consistency_parts"]["coverage"]
    after = team(
        build_report(facts(*replies, reply("team-1", "An investigation is open.", at + 10, rid="new"))),
        "team-1",
    )
    assert after["consistency_parts"]["coverage"] >= before


@settings(max_examples=30, deadline=None)
@given(pauses=st.lists(st.tuples(st.floats(0, 9), st.floats(0, 3600)), max_size=4))
def test_pausing_never_changes_speed_scores(pauses):
    """A reply 40 s of scenario time after delivery scores the same, whatever pauses came between."""

    def speed_after(pause_plan):
        exercise, clock = gen_exercise()
        play(exercise, exercise.start(clock.now()))
        clock.advance(60)
        play(exercise, exercise.tick(clock.now()))  # first-post delivered at 60 s
        for running_s, paused_s in pause_plan:
            clock.advance(running_s)
            play(exercise, exercise.pause(clock.now()))
            clock.advance(paused_s)
            play(exercise, exercise.resume(clock.now()))
        clock.advance(100 - exercise.state.scenario_time(clock.now()))
        play(
            exercise,
            exercise.post_reply(
                clock.now(), team="team-1", key="key-00001", text="We know.", inject_id="first-post"
            ),
        )
        return [
            (t["team"], t["speed"], t["median_response_s"]) for t in exercise_report(exercise.state)["teams"]
        ]

    assert speed_after(pauses) == speed_after([])


def test_scoring_and_engine_are_pure():
    """No web, ORM or async-server imports in the pure packages (import-linter checks it in CI too)."""
    forbidden = {
        "flask",
        "flask_socketio",
        "sqlalchemy",
        "alembic",
        "eventlet",
        "gevent",
        "socketio",
        "engineio",
    }
    for package in ("scoring", "simulator/engine"):
        for path in (ROOT / package).rglob("*.py"):
            tree = ast.parse(path.read_text())
            imported = {
                a.name.split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names
            }
            imported |= {
                n.module.split(".")[0]
                for n in ast.walk(tree)
                if isinstance(n, ast.ImportFrom) and n.module and n.level == 0
            }
            assert not imported & forbidden, (path, imported & forbidden)
