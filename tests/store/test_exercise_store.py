"""The event store on SQLite and PostgreSQL: exactly-once releases, idempotent replies, restarts."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from simulator.engine.events import Event, EventType
from simulator.engine.exercise import CommandRejected
from simulator.store import projections
from simulator.store.exercises import ExerciseNotFound, ExerciseStore
from simulator.store.models import DeliveryRecord, EventRecord, ExerciseRecord, ReplyRecord, TeamRecord


def tick(exercise, now):
    return exercise.tick(now)


@pytest.fixture
def running(services, clock):
    """A started exercise of the mini drill with teams Red and Blue."""
    scenario = services.library.get("mini-drill")
    created = services.store.create_exercise(scenario, ["Red", "Blue"])
    services.store.run(created.state.exercise_id, lambda ex, now: ex.start(now))
    return created.state.exercise_id


def count(services, record, **where):
    with services.sessions() as session:
        query = select(func.count()).select_from(record)
        for name, value in where.items():
            query = query.where(getattr(record, name) == value)
        return session.scalar(query)


def test_create_exercise_gives_each_team_a_unique_readable_join_code(services):
    scenario = services.library.get("mini-drill")
    first = services.store.create_exercise(scenario, ["Red", "Blue", "Green"])
    second = services.store.create_exercise(scenario, ["Red"])
    codes = [t.join_code for ex in (first, second) for t in ex.state.teams.values()]
    assert len(set(codes)) == 4
    assert all(len(c) == 6 and not set(c) & set("01OI") for c in codes)
    assert services.store.find_join_code(codes[1].lower()) == (first.state.exercise_id, "team-2")
    assert services.store.find_join_code("ZZZZZZ") is None
    assert count(services, TeamRecord) == 4


def test_commands_append_numbered_events_and_update_projections(services, clock, running):
    clock.advance(60)
    stored = services.store.run(running, tick)
    assert [e.seq for e in stored] == [3, 4]
    assert all(e.id is not None for e in stored)
    assert count(services, DeliveryRecord, exercise_id=running) == 2
    with services.sessions() as session:
        assert session.get(ExerciseRecord, running).status == "running"


def test_restart_rebuilds_the_same_state_and_resumes_at_the_right_scenario_time(services, clock, running):
    clock.advance(60)
    services.store.run(running, tick)
    services.store.run(
        running,
        lambda ex, now: ex.post_reply(
            now, team="team-1", key="key-000001", text="We are aware.", inject_id="first-post"
        ),
    )
    before = services.store.exercise(running).state
    clock.advance(90)  # the server is down for 90 s of wall time

    restarted = ExerciseStore(services.sessions, clock)  # a new process: empty cache
    after = restarted.exercise(running).state
    assert after.deliveries == before.deliveries
    assert after.replies == before.replies
    assert after.scenario_time(clock.now()) == 150
    released = restarted.run(running, tick)
    assert ("first-post", "team-1") not in {(e.data["inject_id"], e.data["team"]) for e in released}
    assert {(e.data["inject_id"], e.data["team"]) for e in released} == {
        ("troll-post", "team-1"),
        ("troll-post", "team-2"),
    }


def test_fire_now_racing_a_scheduled_release_from_another_process_delivers_once(services, clock, running):
    process_a = services.store
    process_b = ExerciseStore(services.sessions, clock)
    process_b.exercise(running)
    clock.advance(60)
    if services.engine.dialect.name == "postgresql":
        return _racing_writers_queue_on_postgresql(services, process_a, process_b, running)

    def fire_while_a_ticks(exercise, now):
        process_a.run(running, tick)  # A commits its scheduled release while B is deciding
        return exercise.fire_now(now, "first-post")

    assert process_b.run(running, fire_while_a_ticks) == []
    assert count(services, DeliveryRecord, exercise_id=running, inject_id="first-post") == 2
    assert count(services, EventRecord, exercise_id=running, type="inject_delivered") == 2


def _racing_writers_queue_on_postgresql(services, process_a, process_b, running):
    """On PostgreSQL, B deciding holds the exercise's advisory lock: A's tick waits for B's commit,
    then finds the inject already delivered (B fired it) and releases only the other team's copy."""
    a_stored: list = []
    a_thread = threading.Thread(target=lambda: a_stored.extend(process_a.run(running, tick)))

    def fire_while_a_ticks(exercise, now):
        a_thread.start()
        a_thread.join(timeout=0.3)
        assert a_thread.is_alive(), "A wrote while B held the exercise's lock"
        return exercise.fire_now(now, "first-post")

    assert len(process_b.run(running, fire_while_a_ticks)) == 2
    a_thread.join(timeout=10)
    assert not a_thread.is_alive() and a_stored == []
    assert count(services, DeliveryRecord, exercise_id=running, inject_id="first-post") == 2
    assert count(services, EventRecord, exercise_id=running, type="inject_delivered") == 2


def test_the_database_refuses_a_second_event_with_the_same_dedupe_key(services, clock, running):
    event = Event(EventType.inject_skipped, clock.now(), 0.0, {"inject_id": "troll-post"}, "same-key")
    with services.sessions() as session, pytest.raises(IntegrityError), session.begin():
        for seq in (90, 91):
            session.add(
                EventRecord(
                    exercise_id=running, seq=seq, type=str(event.type), at=event.at,
                    scenario_s=0.0, data=event.data, dedupe_key=event.dedupe_key,
                )
            )  # fmt: skip
            session.flush()


def test_a_retried_reply_is_stored_once(services, clock, running):
    clock.advance(60)
    services.store.run(running, tick)

    def reply(exercise, now):
        return exercise.post_reply(
            now, team="team-2", key="retry-key-1", text="We know.", inject_id="first-post"
        )

    first = services.store.run(running, reply)
    again = ExerciseStore(services.sessions, clock).run(running, reply)
    assert len(first) == 1 and again == []
    assert count(services, ReplyRecord, exercise_id=running) == 1


def test_rejected_commands_write_nothing(services, running):
    before = services.store.event_count()
    with pytest.raises(CommandRejected):
        services.store.run(running, lambda ex, now: ex.start(now))
    assert services.store.event_count() == before


def test_unknown_exercise(services):
    with pytest.raises(ExerciseNotFound, match="no exercise with id 'nope'"):
        services.store.exercise("nope")


def test_projections_can_be_rebuilt_from_the_event_log(services, clock, running):
    clock.advance(5 * 60)
    services.store.run(running, tick)
    services.store.run(
        running,
        lambda ex, now: ex.post_reply(
            now, team="team-2", key="key-000002", text="Our recall plan is ready.", inject_id="regulator-call"
        ),
    )

    def snapshot():
        with services.sessions() as session:
            return (
                sorted(
                    (d.inject_id, d.team_slot, d.scenario_s, d.event_id)
                    for d in session.scalars(select(DeliveryRecord))
                ),
                sorted((r.id, r.text, r.event_id) for r in session.scalars(select(ReplyRecord))),
                sorted((t.slot, t.join_code) for t in session.scalars(select(TeamRecord))),
                [(e.id, e.status, e.last_seq) for e in session.scalars(select(ExerciseRecord))],
            )

    before = snapshot()
    with services.sessions.begin() as session:
        replayed = projections.rebuild(session)
    assert replayed == services.store.event_count()
    assert snapshot() == before
