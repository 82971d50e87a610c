"""The live benchmarks (1, 2, 4, 5): real servers in subprocesses, screens in Node processes.

``Lab`` keeps one SQLite and one PostgreSQL deployment per run, with participants joined once over
HTTP (GET the join page, POST it with its CSRF token, as a phone does) and reused by every server.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import fanout, ingest
from .clients import Facilitator, join_screens
from .deployment import FACILITATOR, Deployment, postgres_database
from .fanout import Stage
from .harness import Fleet, Server

MODES = ("eventlet", "gevent", "threading")
PARTICIPANTS_PER_TEAM = 10  # screens beyond that are second screens of the same participants
REPLIERS_PER_TEAM = 2  # 100 repliers on 50 teams
QUEUE_URL = "redis://127.0.0.1:6379/11"


@dataclass
class Joined:
    deployment: Deployment
    screens: dict[str, list[str]]
    repliers: dict[str, list[str]]

    def screen(self, slot: str, k: int) -> dict[str, Any]:
        cookies = self.screens[slot]
        return {"cookie": cookies[k % len(cookies)]}


@dataclass
class Lab:
    folder: Path
    quick: bool = False
    joined: dict[str, Joined] = field(default_factory=dict)
    deployments: dict[str, Deployment] = field(default_factory=dict)

    @property
    def ingest_s(self) -> float:
        return 2.0 if self.quick else 4.0

    def join(self, name: str, deployment: Deployment, url: str) -> Joined:
        if name not in self.joined:
            screens = join_screens(url, deployment.codes, PARTICIPANTS_PER_TEAM)
            repliers = join_screens(url, deployment.codes, REPLIERS_PER_TEAM)
            self.joined[name] = Joined(deployment, screens, repliers)
        return self.joined[name]

    def sqlite(self) -> Deployment:
        if "sqlite" not in self.deployments:
            self.deployments["sqlite"] = Deployment(self.folder / "sqlite")
        return self.deployments["sqlite"]


def facilitator(server: Server, deployment: Deployment) -> Facilitator:
    return Facilitator(server.url, deployment.exercise_id, *FACILITATOR)


def fanout_mode(lab: Lab, deployment: Deployment, mode: str) -> dict[str, Any]:
    """Benchmark 1 and 4 in one async mode: our server, then the bare one with the same screens."""
    stages = fanout.QUICK if lab.quick else fanout.FULL
    with Server("simulator.serve", deployment.server_env(mode), lab.folder) as server:
        joined = lab.join("sqlite", deployment, server.url)
        console = facilitator(server, deployment)
        try:
            ours = fanout.series(
                server, stages, joined.screen, lambda teams: fanout.real_fire(console, teams), lab.folder
            )
        finally:
            console.close()
    sample = ours["stages"][0]["sample"]
    with Server("bench.bare_server", {"ASYNC_MODE": mode}, lab.folder) as server:
        relay = Facilitator(server.url, None)
        try:
            bare = fanout.series(
                server,
                stages,
                lambda slot, _k: {"auth": {"team": slot}},
                lambda teams: fanout.bare_fire(relay, teams, sample),
                lab.folder,
            )
        finally:
            relay.close()
    return {"ours": ours, "bare": bare}


def ingestion_at(
    lab: Lab, server: Server, console: Facilitator, joined: Joined
) -> Callable[[Stage, list[Fleet]], dict[str, Any]]:
    """An ``at_stage`` hook: at 500 screens, replies pour in while injects keep fanning out."""

    def run(stage: Stage, fleets: list[Fleet]) -> dict[str, Any]:
        if stage.screens != 500:
            return {}
        marker = f"reply-target-{secrets.token_hex(4)}"
        ack = console.call(
            "post_adhoc",
            {"persona_id": "jdoe", "channel": "microblog", "text": marker, "expects_reply": True,
             "reply_within_s": 3600},
        )  # fmt: skip
        if not ack.get("ok"):
            raise RuntimeError(f"post_adhoc refused: {ack}")
        inject_id = joined.deployment.adhoc_inject(marker)
        clients = [{"cookie": c} for cookies in joined.repliers.values() for c in cookies]
        with Fleet(server.url, "/team", clients, lab.folder) as repliers:
            steady: dict[str, Any] = {}
            load = threading.Thread(
                target=lambda: steady.update(
                    ingest.sustained(repliers, joined.deployment, inject_id, lab.ingest_s)
                )
            )
            load.start()
            time.sleep(0.5)
            during = fanout.measure(
                fanout.real_fire(console, stage.slots), fleets, 20, gap_s=0.2, while_=load.is_alive
            )
            load.join()
            during.pop("sample")
            burst = ingest.burst(repliers, joined.deployment, inject_id)
        return {"sustained": steady, "fanout": during, "burst": burst}

    return run


def ingestion(lab: Lab, deployment: Deployment, name: str, mode: str = "eventlet") -> dict[str, Any]:
    """Benchmark 2 on one database: 500 screens, fan-out alone, then replies + fan-out, then burst."""
    stage = Stage(500, 50, 10 if lab.quick else 20)
    with Server("simulator.serve", deployment.server_env(mode), lab.folder) as server:
        joined = lab.join(name, deployment, server.url)
        console = facilitator(server, deployment)
        try:
            hook = ingestion_at(lab, server, console, joined)
            return fanout.series(
                server, (stage,), joined.screen, lambda t: fanout.real_fire(console, t), lab.folder, hook
            )
        finally:
            console.close()


def scale_out(lab: Lab, deployment: Deployment, mode: str = "eventlet") -> dict[str, Any]:
    """Benchmark 5: the facilitator on process A, 500 screens on process B, Redis between them,
    compared with one process without a queue (and, in a full run, one process with the queue)."""
    stage = Stage(500, 50, 10 if lab.quick else 25)
    layouts = {"one": None} if lab.quick else {"one": None, "one+redis": QUEUE_URL}
    results = {}
    for name, queue in layouts.items():
        with Server("simulator.serve", deployment.server_env(mode, queue), lab.folder) as server:
            results[name] = _fanout_through(lab, deployment, server, server, stage)
    env = deployment.server_env(mode, QUEUE_URL)
    with Server("simulator.serve", env, lab.folder) as a, Server("simulator.serve", env, lab.folder) as b:
        results["two"] = _fanout_through(lab, deployment, a, b, stage)
    return results


def _fanout_through(lab: Lab, deployment: Deployment, a: Server, b: Server, stage: Stage) -> dict[str, Any]:
    """Fan-out from a facilitator on ``a`` to screens on ``b``."""
    joined = lab.join("postgres", deployment, a.url)
    console = facilitator(a, deployment)
    try:
        return fanout.series(b, (stage,), joined.screen, lambda t: fanout.real_fire(console, t), lab.folder)
    finally:
        console.close()


def postgres(lab: Lab, parts: set[str]) -> dict[str, Any]:
    results: dict[str, Any] = {}
    with postgres_database() as url:
        deployment = Deployment(lab.folder / "postgres", database_url=url)
        try:
            if "ingest" in parts:
                results["ingest"] = {
                    "PostgreSQL (eventlet)": ingestion(lab, deployment, "postgres"),
                    # The production recommendation (docs/deployment.md): psycopg 3, natively cooperative.
                    "PostgreSQL (gevent, psycopg 3)": ingestion(lab, deployment, "postgres", "gevent"),
                }
            if "scaleout" in parts:
                results["scaleout"] = scale_out(lab, deployment)
        finally:
            deployment.close()
            lab.joined.pop("postgres", None)
    return results
