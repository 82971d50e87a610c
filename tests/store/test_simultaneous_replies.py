"""Every team answers the same inject at the same instant, through several server processes: every
reply is stored once, none fails (a peer platform deadlocks here and loses a quarter of the answers)."""

from __future__ import annotations

import threading
from collections import Counter

from sqlalchemy import func, select

from simulator.store.exercises import ExerciseStore
from simulator.store.models import ReplyRecord

TEAMS = 40
PROCESSES = 4


def test_simultaneous_replies_from_every_team_are_all_stored_once(services, clock):
    scenario = services.library.get("mini-drill")
    names = [f"Team {i}" for i in range(1, TEAMS + 1)]
    exercise_id = services.store.create_exercise(scenario, names).state.exercise_id
    services.store.run(exercise_id, lambda ex, now: ex.start(now, speed=1))
    clock.advance(61)
    services.store.run(exercise_id, lambda ex, now: ex.tick(now))  # first-post reaches every team
    # Each "process" has its own store (its own cache and lock); they share the database.
    stores = [ExerciseStore(services.sessions, clock) for _ in range(PROCESSES)]
    start = threading.Barrier(TEAMS)
    failures: list[BaseException] = []
    acks: list[int] = []

    def answer(index: int) -> None:
        team = f"team-{index + 1}"
        store = stores[index % PROCESSES]
        start.wait()
        try:
            stored = store.run(
                exercise_id,
                lambda ex, now: ex.post_reply(
                    now, team=team, key=f"same-instant-{team}", text="We are aware.", inject_id="first-post"
                ),
            )
            acks.append(len(stored))
        except BaseException as exc:  # every failure is what this test looks for
            failures.append(exc)

    threads = [threading.Thread(target=answer, args=(i,)) for i in range(TEAMS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not failures, failures[:3]
    assert len(acks) == TEAMS
    with services.sessions() as session:
        teams = Counter(session.scalars(select(ReplyRecord.team_slot)))
        assert session.scalar(select(func.count()).select_from(ReplyRecord)) == TEAMS
    assert set(teams.values()) == {1} and len(teams) == TEAMS
