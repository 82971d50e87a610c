"""The background loop that releases due injects and keeps every screen's clock in step.

It runs as a Socket.IO background task, so it works under any async mode; ``socketio.sleep`` yields
to the event loop between ticks. A failed tick (the database away for a moment) is logged and retried:
deliveries are in the log before they are pushed, so nothing is lost.

Every server process starts this loop, but only the holder of the database lease ``scheduler`` ticks
(see ``simulator.store.leases``); the others stand by and take over within the lease's time to live
when the holder dies. Pushes go through the message queue when there is one, so screens connected to
any process receive them.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from flask import Flask

from ..engine.events import Event
from ..engine.exercise import CommandRejected, Exercise
from ..store.leases import Lease
from . import services_of
from .extensions import socketio
from .publish import heartbeat, publish

log = logging.getLogger(__name__)

TICK_INTERVAL_S = 0.25
HEARTBEAT_INTERVAL_S = 2.0
HEARTBEAT_SHARES = round(HEARTBEAT_INTERVAL_S / TICK_INTERVAL_S)  # one share of the teams per tick


def _tick(exercise: Exercise, now: datetime) -> list[Event]:
    return exercise.tick(now)


def tick_once(app: Flask) -> int:
    """Release what is due in every running exercise and push it; return the events stored."""
    store = services_of(app).store
    stored = 0
    for exercise_id in store.running_exercise_ids():
        try:
            if not store.peek(exercise_id, _tick):
                continue  # nothing due: no write transaction
            events = store.run(exercise_id, _tick)
        except CommandRejected:
            continue  # paused or ended between the query and the tick
        if events:
            stored += len(events)
            publish(app, exercise_id, events)
    return stored


def heartbeat_once(app: Flask, share: tuple[int, int] = (0, 1)) -> None:
    """Clock heartbeats of every live exercise: to every screen, or to ``share`` (see ``heartbeat``)."""
    for exercise_id in services_of(app).store.live_exercise_ids():
        heartbeat(app, exercise_id, share)


def scheduler_lease(app: Flask) -> Lease:
    services = services_of(app)
    return Lease(services.sessions, services.clock)


def run_scheduler(
    app: Flask, should_stop: Callable[[], bool] = lambda: False, lease: Lease | None = None
) -> None:
    """Tick while holding the scheduler lease, until ``should_stop()``; survive database hiccups."""
    lease = lease or scheduler_lease(app)
    ticks = 0
    holding = False
    while not should_stop():
        try:
            with app.app_context():
                if lease.hold():
                    if not holding:
                        log.info("scheduler: this process (%s) now releases injects", lease.holder)
                        holding = True
                    tick_once(app)
                    heartbeat_once(app, (ticks % HEARTBEAT_SHARES, HEARTBEAT_SHARES))
                    ticks += 1
                elif holding:
                    log.warning("scheduler: lease lost to another process; standing by")
                    holding = False
        except Exception:
            log.exception("scheduler tick failed; retrying")
        socketio.sleep(TICK_INTERVAL_S)
    if holding:
        try:
            lease.release()
        except Exception:
            log.exception("scheduler: could not release the lease (it will expire)")
