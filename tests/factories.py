"""Test factories (after CTFd's ``gen_*`` helpers): they keep tests short."""

from __future__ import annotations

from pathlib import Path

from simulator.engine.clock import ManualClock
from simulator.engine.events import Event
from simulator.engine.exercise import Exercise
from simulator.engine.loader import load_scenario
from simulator.engine.scenario import Scenario

DATA = Path(__file__).resolve().parent / "data"


def gen_scenario(name: str = "mini") -> Scenario:
    """A scenario from tests/data (default: the 10-minute mini drill)."""
    return load_scenario(DATA / f"{name}.yaml")


def gen_exercise(
    scenario: Scenario | None = None,
    teams: tuple[str, ...] = ("Red", "Blue"),
    clock: ManualClock | None = None,
    options: dict[str, bool] | None = None,
) -> tuple[Exercise, ManualClock]:
    """An in-memory exercise (no database) and the manual clock that drives it."""
    clock = clock or ManualClock()
    codes = [f"CODE{i}" for i in range(len(teams))]
    created = Exercise.create("ex1", scenario or gen_scenario(), teams, codes, clock.now(), options=options)
    return Exercise.from_events([created.stored(1)]), clock


def play(exercise: Exercise, events: list[Event]) -> list[Event]:
    """Apply events as the store would (numbering them) and return them."""
    stored = [e.stored(exercise.state.last_seq + i) for i, e in enumerate(events, start=1)]
    exercise.apply_all(stored)
    return stored
