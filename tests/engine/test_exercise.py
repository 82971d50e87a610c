"""The engine in virtual time: no database, no sleeping, a ManualClock drives everything."""

from __future__ import annotations

import pytest

from simulator.engine.events import EventType
from simulator.engine.exercise import CommandRejected, Status
from tests.factories import gen_exercise, play


def delivered(events, inject_id=None):
    return sorted(
        (e.data["inject_id"], e.data["team"])
        for e in events
        if e.type is EventType.inject_delivered and (inject_id is None or e.data["inject_id"] == inject_id)
    )


def started(speed=1.0):
    exercise, clock = gen_exercise()
    play(exercise, exercise.start(clock.now(), speed=speed))
    return exercise, clock


def test_scheduled_inject_is_released_at_its_scenario_time_to_every_targeted_team():
    exercise, clock = started()
    clock.advance(59)
    assert play(exercise, exercise.tick(clock.now())) == []
    clock.advance(1)
    events = play(exercise, exercise.tick(clock.now()))
    assert delivered(events) == [("first-post", "team-1"), ("first-post", "team-2")]
    assert all(e.scenario_s == 60 and e.data["origin"] == "scheduled" for e in events)


def test_targeted_inject_reaches_only_its_team():
    exercise, clock = started()
    clock.advance(4 * 60)
    events = play(exercise, exercise.tick(clock.now()))
    assert delivered(events, "regulator-call") == [("regulator-call", "team-2")]


def test_speed_factor_compresses_scenario_time():
    exercise, clock = started(speed=10)
    clock.advance(5.9)
    assert exercise.tick(clock.now()) == []
    clock.advance(0.1)
    assert delivered(exercise.tick(clock.now()), "first-post")


def test_paused_spans_do_not_count():
    exercise, clock = started()
    clock.advance(30)
    play(exercise, exercise.pause(clock.now()))
    clock.advance(3600)
    assert exercise.state.scenario_time(clock.now()) == 30
    assert exercise.tick(clock.now()) == []  # a paused exercise releases nothing
    play(exercise, exercise.resume(clock.now()))
    clock.advance(29)
    assert exercise.tick(clock.now()) == []
    clock.advance(1)
    assert delivered(exercise.tick(clock.now()), "first-post")


def test_speed_change_mid_run_keeps_elapsed_scenario_time():
    exercise, clock = started()
    clock.advance(30)
    play(exercise, exercise.set_speed(clock.now(), 10))
    assert exercise.state.scenario_time(clock.now()) == 30
    clock.advance(2.9)
    assert exercise.tick(clock.now()) == []
    clock.advance(0.1)
    assert exercise.state.scenario_time(clock.now()) == pytest.approx(60)
    assert delivered(exercise.tick(clock.now()), "first-post")


def test_a_late_tick_catches_up_every_due_inject_once_in_order():
    exercise, clock = started()
    clock.advance(9 * 60)
    events = play(exercise, exercise.tick(clock.now()))
    ids = [e.data["inject_id"] for e in events if e.type is EventType.inject_delivered]
    assert ids[:2] == ["first-post", "first-post"]
    assert ids.count("late-article") == 2 and ids.count("regulator-call") == 1
    assert exercise.tick(clock.now()) == []


def test_unanswered_escalation_fires_only_for_teams_that_did_not_reply_in_time():
    exercise, clock = started()
    clock.advance(60)
    play(exercise, exercise.tick(clock.now()))
    clock.advance(40)
    play(
        exercise,
        exercise.post_reply(
            clock.now(), team="team-1", key="k-team1-01", text="We are aware.", inject_id="first-post"
        ),
    )
    clock.advance(140)  # 240 s: three minutes after delivery
    events = play(exercise, exercise.tick(clock.now()))
    assert delivered(events, "outrage") == [("outrage", "team-2")]
    fired = [e for e in events if e.type is EventType.escalation_fired]
    assert fired[0].data["source_inject"] == "first-post" and "unanswered" in fired[0].data["why"]
    assert exercise.tick(clock.now()) == []


def test_a_reply_published_after_the_deadline_does_not_cancel_the_escalation():
    exercise, clock = started()
    clock.advance(60)
    play(exercise, exercise.tick(clock.now()))
    clock.advance(190)  # past the 240 s deadline, but no tick ran in between
    play(
        exercise,
        exercise.post_reply(
            clock.now(), team="team-2", key="k-late-0001", text="We know.", inject_id="first-post"
        ),
    )
    events = play(exercise, exercise.tick(clock.now()))
    assert ("outrage", "team-2") in delivered(events)
    assert any(e.type is EventType.escalation_fired and e.data["team"] == "team-2" for e in events)


def test_red_flag_in_a_reply_fires_its_escalation_for_that_team_only():
    exercise, clock = started()
    clock.advance(60)
    play(exercise, exercise.tick(clock.now()))
    events = play(
        exercise,
        exercise.post_reply(
            clock.now(), team="team-1", key="k-flag-0001", text="No-comment. Bye", inject_id="first-post"
        ),
    )
    assert [e.type for e in events] == [
        EventType.reply_posted,
        EventType.escalation_fired,
        EventType.inject_delivered,
    ]
    assert delivered(events) == [("backlash", "team-1")]
    assert "no comment" in events[1].data["why"]


def test_fire_now_before_the_scheduled_time_releases_once():
    exercise, clock = started()
    clock.advance(30)
    events = play(exercise, exercise.fire_now(clock.now(), "first-post"))
    assert delivered(events) == [("first-post", "team-1"), ("first-post", "team-2")]
    assert events[0].data["origin"] == "manual"
    clock.advance(60)
    assert delivered(exercise.tick(clock.now()), "first-post") == []
    assert exercise.fire_now(clock.now(), "first-post") == []


def test_fire_now_computed_on_stale_state_is_deduplicated_by_key():
    """Two writers that both saw 'not delivered' produce events with the same dedupe key."""
    exercise, clock = started()
    clock.advance(60)
    scheduled = exercise.tick(clock.now())
    manual = exercise.fire_now(clock.now(), "first-post")
    assert {e.dedupe_key for e in scheduled} == {e.dedupe_key for e in manual}


def test_skip_and_hold():
    exercise, clock = started()
    play(exercise, exercise.skip(clock.now(), "troll-post"))
    play(exercise, exercise.hold(clock.now(), "late-article"))
    clock.advance(9 * 60)
    released = {i for i, _ in delivered(play(exercise, exercise.tick(clock.now())))}
    assert "troll-post" not in released and "late-article" not in released
    play(exercise, exercise.unhold(clock.now(), "late-article"))
    assert delivered(play(exercise, exercise.tick(clock.now())), "late-article") == [
        ("late-article", "team-1"),
        ("late-article", "team-2"),
    ]


def test_adhoc_inject_as_a_new_persona_to_some_teams():
    exercise, clock = started()
    clock.advance(10)
    events = play(
        exercise,
        exercise.post_adhoc(
            clock.now(),
            channel="email",
            text="Can you confirm the recall?",
            new_persona={"name": "Sam Reporter", "handle": "@sam_rep", "kind": "journalist"},
            teams=["team-2"],
            expects_reply=True,
            reply_within_s=120,
        ),
    )
    assert events[0].type is EventType.adhoc_inject_posted
    assert delivered(events) == [("adhoc-1", "team-2")]
    assert exercise.state.inject("adhoc-1").expects_reply
    assert exercise.state.persona("adhoc-persona-1").name == "Sam Reporter"


@pytest.mark.parametrize(
    ("command", "message"),
    [
        (lambda ex, now: ex.pause(now), "cannot pause: the exercise is draft"),
        (lambda ex, now: ex.resume(now), "cannot resume"),
        (lambda ex, now: ex.set_speed(now, 61), "speed must be from ×1 to ×60"),
        (lambda ex, now: ex.set_speed(now, "fast"), "speed must be a number"),
        (lambda ex, now: ex.skip(now, "nope"), "unknown inject 'nope'"),
        (lambda ex, now: ex.fire_now(now, "first-post"), "cannot fire an inject: the exercise is draft"),
        (
            lambda ex, now: ex.post_reply(now, team="team-1", key="abcdefgh", text="hi"),
            "cannot publish a reply",
        ),
    ],
)
def test_commands_that_do_not_apply_are_rejected_with_a_reason(command, message):
    exercise, clock = gen_exercise()
    with pytest.raises(CommandRejected, match=message):
        command(exercise, clock.now())


def test_reply_rules():
    exercise, clock = started()
    now = clock.now()
    with pytest.raises(CommandRejected, match="was not delivered to this team"):
        exercise.post_reply(now, team="team-1", key="k-0000001", text="x", inject_id="first-post")
    clock.advance(60)
    play(exercise, exercise.tick(clock.now()))
    with pytest.raises(CommandRejected, match="limited to 280 characters; this one has 281"):
        exercise.post_reply(
            clock.now(), team="team-1", key="k-0000002", text="x" * 281, inject_id="first-post"
        )
    with pytest.raises(CommandRejected, match="cannot be empty"):
        exercise.post_reply(clock.now(), team="team-1", key="k-0000003", text="   ", inject_id="first-post")
    with pytest.raises(CommandRejected, match="needs a channel"):
        exercise.post_reply(clock.now(), team="team-1", key="k-0000004", text="We know.")
    ok = play(
        exercise,
        exercise.post_reply(clock.now(), team="team-1", key="k-0000005", text="Statement", kind="statement"),
    )
    assert ok[0].data["channel"] == "news"
    assert (
        exercise.post_reply(clock.now(), team="team-1", key="k-0000005", text="again", kind="statement") == []
    )


def test_lifecycle_reaches_ended_and_stops_releasing():
    exercise, clock = started()
    clock.advance(30)
    play(exercise, exercise.end(clock.now()))
    assert exercise.state.status is Status.ended
    clock.advance(600)
    assert exercise.tick(clock.now()) == []
    assert exercise.state.scenario_time(clock.now()) == 30
