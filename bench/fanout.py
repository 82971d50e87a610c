"""Benchmark 1 (inject fan-out) and 4 (memory per screen), against our server and the bare one.

One broadcast = one facilitator ``post_adhoc`` to the teams that have screens (our server: stored,
then published per team room) or one ``fire`` (bare server: the same push, emitted per team room).
The emitter writes its send time into the inject text; each screen subtracts it from its receive time.
Screens are added in stages (100 on 10 teams, 500 on 50, 1000 on 50) to one server, so the memory per
screen comes from the same run.
"""

from __future__ import annotations

import copy
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .clients import Facilitator
from .harness import Fleet, Server, milliseconds
from .stats import deliveries_summary

Fire = Callable[[int], None]


@dataclass(frozen=True)
class Stage:
    screens: int
    teams: int
    broadcasts: int

    @property
    def slots(self) -> list[str]:
        return [f"team-{n}" for n in range(1, self.teams + 1)]

    @property
    def gap_s(self) -> float:
        """Pause after each acknowledged broadcast, so that one has reached every screen."""
        return 0.1 + self.screens / 5000


# The 500-screen stage carries the targets: 100 broadcasts, so that its p99 is not decided by the
# single slowest broadcast (with 50, one broadcast's 500 deliveries are 2 % of the sample).
FULL = (Stage(100, 10, 20), Stage(500, 50, 100), Stage(1000, 50, 25))
QUICK = (Stage(100, 10, 10), Stage(500, 50, 20))


def real_fire(facilitator: Facilitator, teams: list[str]) -> Fire:
    def fire(n: int) -> None:
        payload = {"persona_id": "jdoe", "channel": "microblog", "teams": teams}
        ack = facilitator.call("post_adhoc", {**payload, "text": f"bench#{n}@{milliseconds():.3f}"})
        if not ack.get("ok"):
            raise RuntimeError(f"post_adhoc refused: {ack}")

    return fire


def bare_fire(facilitator: Facilitator, teams: list[str], sample: dict[str, Any]) -> Fire:
    """The bare server relays a copy of a push our server sent, with a fresh send time."""
    message = copy.deepcopy(sample)
    item = next(i for i in message["items"] if i.get("kind") == "inject")

    def fire(n: int) -> None:
        item["text"] = f"bench#{n}@{milliseconds():.3f}"
        if not facilitator.call("fire", {"teams": teams, "message": message}).get("ok"):
            raise RuntimeError("bare fire refused")

    return fire


def measure(
    fire: Fire,
    fleets: list[Fleet],
    broadcasts: int,
    gap_s: float = 0.2,
    while_: Callable[[], bool] = lambda: True,
) -> dict[str, Any]:
    """Up to ``broadcasts`` broadcasts, ``gap_s`` apart once acknowledged, as long as ``while_()``;
    every screen should get each."""
    for fleet in fleets:
        fleet.deliveries()  # forget anything older
    screens = sum(f.connected for f in fleets)
    began = milliseconds()
    fired = 0
    while fired < broadcasts and while_():
        fire(fired)
        fired += 1
        time.sleep(gap_s)
    broadcasts = fired
    seen: list[tuple[int, float]] = []
    sample = None
    deadline = time.monotonic() + 5
    while True:
        for fleet in fleets:
            got, fleet_sample = fleet.deliveries()
            seen += got
            sample = sample or fleet_sample
        if len(seen) >= broadcasts * screens or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    summary = deliveries_summary(seen, broadcasts, screens)
    return {**summary, "screens": screens, "broadcasts": broadcasts, "began_ms": began, "sample": sample}


def gc_summary(server: Server, since_ms: float) -> dict[str, Any]:
    full = [p for p in server.gc_pauses(since_ms) if p["gen"] == 2]
    return {
        "gen2": len(full),
        "gen2_max_ms": max((p["wall_ms"] for p in full), default=0.0),
        "gen2_cpu_max_ms": max((p["cpu_ms"] for p in full), default=0.0),
    }


def added_screens(stage: Stage, held: dict[str, int]) -> list[tuple[str, int]]:
    """(team, index) of the screens to connect so every team of ``stage`` has its share."""
    share = stage.screens // stage.teams
    wanted = [(slot, k) for slot in stage.slots for k in range(held.get(slot, 0), share)]
    for slot in stage.slots:
        held[slot] = max(held.get(slot, 0), share)
    return wanted


def series(
    server: Server,
    stages: tuple[Stage, ...],
    client: Callable[[str, int], dict[str, Any]],
    fire_for: Callable[[list[str]], Fire],
    folder: Path,
    at_stage: Callable[[Stage, list[Fleet]], dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """Every stage on one server: connect the stage's extra screens, measure, read the memory.

    ``at_stage`` runs after each stage's measurement (the ingestion benchmark uses it)."""
    fleets: list[Fleet] = []
    held: dict[str, int] = {}
    results: dict[str, Any] = {"rss0_kib": server.rss_kib, "stages": []}
    try:
        for stage in stages:
            wanted = added_screens(stage, held)
            began = time.monotonic()
            fleets.append(Fleet(server.url, "/team", [client(slot, k) for slot, k in wanted], folder))
            connect_s = time.monotonic() - began
            time.sleep(1)  # let the connection burst settle
            cpu_s = server.cpu_s
            result = measure(fire_for(stage.slots), fleets, stage.broadcasts, stage.gap_s)
            result.update(
                cpu_ms=(server.cpu_s - cpu_s) * 1000 / stage.broadcasts,
                teams=stage.teams,
                connect_s=connect_s,
                rss_kib=server.rss_kib,
                **gc_summary(server, result["began_ms"]),
            )
            if at_stage is not None:
                result["extra"] = at_stage(stage, fleets)
            results["stages"].append(result)
            print(
                f"  {server.name}: {result['screens']} screens, p50 {result['p50']:.0f} ms, "
                f"p99 {result['p99']:.0f} ms, {result['lost']} lost (connected in {connect_s:.1f} s)",
                flush=True,
            )
    finally:
        for fleet in fleets:
            fleet.close()
    return results
