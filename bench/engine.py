"""In-process benchmarks of the event store, the engine and the score report (no server).

- Reply ingestion through the event store on SQLite (WAL, synchronous=FULL): each reply is one
  committed transaction, as when a reply is acknowledged.
- Restart cost: rebuilding an exercise's state from its event log.
- Release scan: one scheduler tick on an exercise of 50 teams.
- Score report: full text scoring of 50 teams × 200 replies.
"""

from __future__ import annotations

import gc
import statistics
import time
from pathlib import Path
from typing import Any

from simulator.config import load_settings
from simulator.engine.clock import ManualClock
from simulator.services import Services, open_services
from simulator.store import migrate
from simulator.store.exercises import ExerciseStore

REPLIES = 600
TEAMS = 50


def open_bench_services(folder: Path) -> tuple[Services, ManualClock]:
    clock = ManualClock()
    env = {"CRISISDRILL_INSTANCE": str(folder), "ASYNC_MODE": "threading"}
    services = open_services(load_settings(env), clock=clock)
    migrate.upgrade(services.engine)
    return services, clock


def started_exercise(services: Services, clock: ManualClock, teams: int) -> str:
    scenario = services.library.get("ceo-scandal")
    names = [f"Team {i}" for i in range(1, teams + 1)]
    exercise_id = services.store.create_exercise(scenario, names).state.exercise_id
    services.store.run(exercise_id, lambda ex, now: ex.start(now, speed=1))
    clock.advance(scenario.duration)
    services.store.run(exercise_id, lambda ex, now: ex.tick(now))
    return exercise_id


def bench_replies(folder: Path) -> dict[str, Any]:
    services, clock = open_bench_services(folder)
    exercise_id = started_exercise(services, clock, TEAMS)
    state = services.store.exercise(exercise_id).state
    targets = [
        (inject_id, team) for (inject_id, team) in state.deliveries if state.inject(inject_id).expects_reply
    ]
    latencies = []
    start = time.perf_counter()
    for n in range(REPLIES):
        inject_id, team = targets[n % len(targets)]
        began = time.perf_counter()
        services.store.run(
            exercise_id,
            lambda ex, now, n=n, i=inject_id, t=team: ex.post_reply(
                now, team=t, key=f"bench-{n:08d}", text="We are aware and we apologise.", inject_id=i
            ),
        )
        latencies.append(time.perf_counter() - began)
    total = time.perf_counter() - start
    latencies.sort()
    return {
        "replies_per_s": REPLIES / total,
        "p50_ms": statistics.median(latencies) * 1000,
        "p99_ms": latencies[int(len(latencies) * 0.99) - 1] * 1000,
        "events": services.store.event_count(),
        "exercise_id": exercise_id,
        "services": services,
    }


def bench_rebuild(services: Services, exercise_id: str, repeat: int = 7) -> float:
    timings = []
    for _ in range(repeat):
        fresh = ExerciseStore(services.sessions, services.clock)
        began = time.perf_counter()
        fresh.exercise(exercise_id)
        timings.append(time.perf_counter() - began)
    return statistics.median(timings) * 1000


def bench_tick(services: Services, exercise_id: str, repeat: int = 51) -> float:
    exercise = services.store.exercise(exercise_id)
    timings = []
    for _ in range(repeat):
        began = time.perf_counter()
        exercise.tick(services.clock.now())
        timings.append(time.perf_counter() - began)
    return statistics.median(timings) * 1000


def bench_report(teams: int = 50, replies_per_team: int = 200, repeat: int = 3) -> dict[str, Any]:
    """Full text scoring of a synthetic exercise: ``teams`` × ``replies_per_team`` varied replies."""
    import random

    from scoring.inputs import DeliveryFact, ExerciseFacts, ReplyFact, TeamSpec
    from scoring.report import build_report
    from simulator.engine.scoring_input import scenario_spec
    from simulator.paths import scenarios_dir
    from simulator.services import ScenarioLibrary

    scenario = ScenarioLibrary(scenarios_dir()).get("ceo-scandal")
    spec = scenario_spec(scenario)
    rng = random.Random(5)
    answerable = [i for i in scenario.injects if i.expects_reply]
    openers = [
        "We are aware and deeply sorry.",
        "Thank you for raising this.",
        "No comment for now.",
        "We understand the anger.",
    ]
    closers = [
        "We will update you within 2 hours.",
        "So far 3 customers contacted us.",
        "Our CEO is on leave.",
        "The board dismissed the CEO.",
    ]
    slots = [f"team-{i}" for i in range(1, teams + 1)]
    deliveries = tuple(DeliveryFact(i.id, slot, i.at or 600.0) for slot in slots for i in scenario.injects)
    replies = []
    for slot in slots:
        for n in range(replies_per_team):
            inject = rng.choice(answerable)
            points = [k.phrases[0] for k in inject.rubric.key_points if rng.random() < 0.6]
            text = " ".join(
                [rng.choice(openers), *(p.capitalize() + "." for p in points), rng.choice(closers)]
            )
            published = (inject.at or 600.0) + rng.uniform(10, inject.reply_within or 300)
            replies.append(
                ReplyFact(f"{slot}-{n}", slot, inject.id, inject.channel.value, "public", text, published)
            )
    facts = ExerciseFacts(
        "bench", "Bench", spec, tuple(TeamSpec(s, s) for s in slots), deliveries, tuple(replies)
    )
    timings = []
    for _ in range(repeat):
        gc.collect()  # each repetition starts from a collected heap, not the previous one's garbage
        began = time.perf_counter()
        build_report(facts)
        timings.append(time.perf_counter() - began)
    return {"median_s": statistics.median(timings), "replies": len(replies)}


def bench_engine(folder: Path) -> dict[str, Any]:
    replies = bench_replies(folder)
    replies["replies"] = REPLIES
    services, exercise_id = replies.pop("services"), replies.pop("exercise_id")
    try:
        replies["rebuild_ms"] = bench_rebuild(services, exercise_id)
        replies["tick_ms"] = bench_tick(services, exercise_id)
    finally:
        services.engine.dispose()
    return replies
