"""The background loop that releases due injects of every running exercise.

It runs as a Socket.IO background task, so it works under any async mode; ``socketio.sleep`` yields
to the event loop between ticks.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from flask import Flask

from ..engine.events import Event
from ..engine.exercise import CommandRejected
from .extensions import socketio

log = logging.getLogger(__name__)

TICK_INTERVAL_S = 0.25


def tick_once(app: Flask, on_events: Callable[[str, list[Event]], None] | None = None) -> int:
    """Tick every running exercise once; return the number of events stored."""
    store = app.extensions["crisisdrill"].store
    stored = 0
    for exercise_id in store.running_exercise_ids():
        try:
            events = store.run(exercise_id, lambda exercise, now: exercise.tick(now))
        except CommandRejected:
            continue
        if events:
            stored += len(events)
            if on_events is not None:
                on_events(exercise_id, events)
    return stored


def run_scheduler(
    app: Flask,
    on_events: Callable[[str, list[Event]], None] | None = None,
    should_stop: Callable[[], bool] = lambda: False,
    interval_s: float = TICK_INTERVAL_S,
) -> None:
    """Tick forever (or until ``should_stop()``), surviving errors such as a database hiccup."""
    while not should_stop():
        try:
            tick_once(app, on_events)
        except Exception:  # keep releasing once the database is back
            log.exception("scheduler tick failed; retrying")
        socketio.sleep(interval_s)
