"""``views.team_items`` (what publishing asks) gives each team exactly what ``team_item`` gives it
event by event, while looking at one-team events for their own team only."""

from __future__ import annotations

from simulator.engine import views
from simulator.engine.events import EventType
from tests.factories import gen_exercise, play

TEAMS = ("Red", "Blue", "Green")


def brute_force(state, events):
    seen = {}
    for slot in state.teams:
        items = [item for e in events if (item := views.team_item(state, e, slot)) is not None]
        if items:
            seen[slot] = items
    return seen


def test_every_batch_of_a_drill_gives_each_team_what_it_sees_and_no_more():
    exercise, clock = gen_exercise(teams=TEAMS)
    batches = [
        play(exercise, exercise.join(clock.now(), "p-red", "team-1", "Rita")),
        play(exercise, exercise.start(clock.now(), speed=1)),
    ]
    clock.advance(600)
    batches.append(play(exercise, exercise.tick(clock.now())))  # the scenario's injects, per team
    batches.append(
        play(
            exercise,
            exercise.post_adhoc(clock.now(), channel="microblog", text="Is it true?", persona_id="troll"),
        )
    )
    batches.append(
        play(
            exercise,
            exercise.post_reply(
                clock.now(),
                team="team-2",
                key="reply-key-0001",
                text="We are looking into it.",
                channel="microblog",
            ),
        )
    )
    assert any(e.type is EventType.inject_delivered for e in batches[2])
    for events in batches:
        assert views.team_items(exercise.state, events) == brute_force(exercise.state, events)


def test_a_reply_concerns_its_own_team_only():
    exercise, clock = gen_exercise(teams=TEAMS)
    play(exercise, exercise.start(clock.now(), speed=1))
    reply = play(
        exercise,
        exercise.post_reply(
            clock.now(), team="team-3", key="reply-key-0002", text="We apologise.", channel="microblog"
        ),
    )
    assert views.teams_concerned(exercise.state, reply) == ["team-3"]
    assert list(views.team_items(exercise.state, reply)) == ["team-3"]
    assert list(views.moods_payload(exercise.state, clock.now(), ["team-3"])) == ["team-3"]
