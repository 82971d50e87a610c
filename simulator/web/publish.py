"""The one module that emits Socket.IO events.

Payloads are built per audience by ``simulator.engine.views`` and sent to rooms named after the
session-derived identity (see ``protocol``). Every emit names its room: nothing is ever broadcast to all
clients. Emits go through the message queue when one is configured, so a team connected to another
process receives them too.
"""

from __future__ import annotations

from flask import Flask

from ..engine import views
from ..engine.events import Event
from . import services_of
from .extensions import socketio
from .protocol import (
    CATCH_UP,
    CLOCK,
    FACILITATOR_NS,
    PROJECTOR_NS,
    PUSH,
    SESSION_ENDED,
    TEAM_NS,
    facilitator_room,
    projector_room,
    team_room,
    user_room,
)


def publish(app: Flask, exercise_id: str, events: list[Event]) -> None:
    """Push newly stored events to every audience that may see them."""
    if not events:
        return
    services = services_of(app)
    state = services.store.exercise(exercise_id).state
    clock = views.clock_payload(state, services.clock.now())
    socketio.emit(
        PUSH,
        {"items": [views.facilitator_item(state, e) for e in events], "clock": clock},
        to=facilitator_room(exercise_id),
        namespace=FACILITATOR_NS,
    )
    for slot in state.teams:
        items = [item for e in events if (item := views.team_item(state, e, slot)) is not None]
        if items:
            socketio.emit(
                PUSH, {"items": items, "clock": clock}, to=team_room(exercise_id, slot), namespace=TEAM_NS
            )
    shown = [item for e in events if (item := views.projector_item(state, e)) is not None]
    if shown:
        socketio.emit(
            PUSH, {"items": shown, "clock": clock}, to=projector_room(exercise_id), namespace=PROJECTOR_NS
        )


def heartbeat(app: Flask, exercise_id: str) -> None:
    """The clock and the last ``seq``, so screens resynchronise and notice a lost push."""
    services = services_of(app)
    state = services.store.exercise(exercise_id).state
    message = {"clock": views.clock_payload(state, services.clock.now()), "last_seq": state.last_seq}
    socketio.emit(CLOCK, message, to=facilitator_room(exercise_id), namespace=FACILITATOR_NS)
    for slot in state.teams:
        socketio.emit(CLOCK, message, to=team_room(exercise_id, slot), namespace=TEAM_NS)
    socketio.emit(CLOCK, message, to=projector_room(exercise_id), namespace=PROJECTOR_NS)


def end_user_sessions(name: str) -> None:
    """Tell every open screen of facilitator ``name`` that its session is over (it disconnects)."""
    message = {"error": "You signed out: sign in again to continue."}
    for namespace in (FACILITATOR_NS, PROJECTOR_NS):
        socketio.emit(SESSION_ENDED, message, to=user_room(name), namespace=namespace)


def ask_screens_to_catch_up() -> None:
    """After a message-queue outage, every screen connected to *this* process reloads its state.

    The one emit without a room: it carries no content, and it stays in this process (the queue is
    what just failed; each process's own subscription tells it when to send this)."""
    for namespace in (FACILITATOR_NS, TEAM_NS, PROJECTOR_NS):
        socketio.emit(CATCH_UP, {}, namespace=namespace, ignore_queue=True)
