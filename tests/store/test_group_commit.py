"""Group commit: commands waiting for an exercise are stored together, each on the state the previous
ones left, in one transaction; a rejected command fails alone."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import event

from simulator.engine.exercise import CommandRejected


def test_waiting_commands_are_committed_together_and_a_rejected_one_fails_alone(services, clock):
    store = services.store
    scenario = services.library.get("mini-drill")
    exercise_id = store.create_exercise(scenario, ["Red", "Blue"]).state.exercise_id
    store.run(exercise_id, lambda ex, now: ex.start(now))
    clock.advance(61)
    store.run(exercise_id, lambda ex, now: ex.tick(now))
    before = store.exercise(exercise_id).state.last_seq

    def reply(team: str, key: str):
        return lambda ex, now: ex.post_reply(
            now, team=team, key=key, text="We are aware.", inject_id="first-post"
        )

    commands = {
        "red": reply("team-1", "group-red-1"),
        "blue": reply("team-2", "group-blue-1"),
        "red-again": reply("team-1", "group-red-1"),  # the same key: sees red's reply, stores nothing
        "rejected": lambda ex, now: ex.start(now),  # already running
    }
    results: dict[str, object] = {}
    commits: list[int] = []
    event.listen(services.engine, "commit", lambda _conn: commits.append(1))

    def call(name: str) -> None:
        try:
            results[name] = store.run(exercise_id, commands[name])
        except CommandRejected as exc:
            results[name] = exc

    lock = store._lock(exercise_id)
    with lock:  # a writer is busy: everyone who arrives now waits for the next group commit
        threads = [threading.Thread(target=call, args=(name,)) for name in commands]
        for thread in threads:
            thread.start()
        ready = threading.Event()
        for _ in range(500):
            if len(store._queues.get(exercise_id, [])) == len(commands):
                break
            ready.wait(0.01)
        assert len(store._queues[exercise_id]) == len(commands)
    for thread in threads:
        thread.join(timeout=30)

    assert isinstance(results["rejected"], CommandRejected)
    assert results["red-again"] == []
    stored = [e for name in ("red", "blue") for e in results[name]]
    assert sorted(e.seq for e in stored) == [before + 1, before + 2]
    assert all(e.id is not None for e in stored)
    assert len(commits) == 1, "the waiting commands were not stored in one transaction"
    state = store.exercise(exercise_id).state
    assert {r.team for r in state.replies} == {"team-1", "team-2"} and len(state.replies) == 2


def test_a_failed_commit_fails_the_command_and_forgets_the_state_it_had_applied(services, clock):
    store = services.store
    exercise_id = store.create_exercise(services.library.get("mini-drill"), ["Red"]).state.exercise_id
    store.run(exercise_id, lambda ex, now: ex.start(now))
    seen = store.exercise(exercise_id).state.last_seq

    def boom(_conn):
        raise RuntimeError("disk full")

    event.listen(services.engine, "commit", boom)
    with pytest.raises(RuntimeError, match="disk full"):
        store.run(exercise_id, lambda ex, now: ex.pause(now))
    event.remove(services.engine, "commit", boom)
    assert store.exercise(exercise_id).state.last_seq == seen  # nothing applied that was not stored
    assert store.exercise(exercise_id).state.status.value == "running"
