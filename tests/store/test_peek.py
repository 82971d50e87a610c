"""``ExerciseStore.peek``: what the scheduler asks every tick before it opens a write transaction."""

from __future__ import annotations

import pytest

from simulator.store.exercises import ExerciseStore
from simulator.web import create_app
from simulator.web.scheduler import tick_once


def tick(exercise, now):
    return exercise.tick(now)


@pytest.fixture
def running(services):
    created = services.store.create_exercise(services.library.get("mini-drill"), ["Red", "Blue"])
    services.store.run(created.state.exercise_id, lambda ex, now: ex.start(now))
    return created.state.exercise_id


def test_peek_shows_what_is_due_and_stores_nothing(services, clock, running):
    before = services.store.event_count()
    assert services.store.peek(running, tick) == []  # nothing due at the start
    clock.advance(3600)
    due = services.store.peek(running, tick)
    assert due and services.store.event_count() == before
    stored = services.store.run(running, tick)
    assert [e.data for e in stored] == [e.data for e in due]


def test_a_store_that_never_saw_the_exercise_reads_it_first(services, clock, running):
    clock.advance(3600)
    other = ExerciseStore(services.sessions, clock)  # another process: nothing cached
    assert other.peek(running, tick) == services.store.peek(running, tick) != []


def test_the_scheduler_writes_nothing_when_nothing_is_due(services, clock, running, monkeypatch):
    app = create_app({"TESTING": True}, services=services)

    def no_write(*_args, **_kwargs):
        raise AssertionError("a write transaction with nothing due")

    monkeypatch.setattr(services.store, "run", no_write)
    assert tick_once(app) == 0
    monkeypatch.undo()
    clock.advance(3600)
    assert tick_once(app) > 0  # due: released
    assert tick_once(app) == 0  # and not twice
