"""The one module that emits Socket.IO events.

Payloads are built per audience by ``simulator.engine.views`` and sent to rooms named after the
session-derived identity (see ``protocol``). Every emit names its rooms: nothing is ever broadcast to all
clients. Emits go through the message queue when one is configured, so a team connected to another
process receives them too.

Teams that get the same payload (a status change, a message to all, the clock) get it from one emit to
the list of their rooms: python-socketio encodes it once, and the queue carries one message, not one
per team.
"""

from __future__ import annotations

from typing import Any

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


def emit_grouped(event: str, per_room: list[tuple[str, dict[str, Any]]], namespace: str) -> None:
    """Emit each distinct payload once, to every room of ``per_room`` that gets it.

    Only payloads whose items have the same ``seq`` numbers can be equal, so only those are compared:
    an inject delivered to 50 teams (50 events, one per team) costs no comparison at all."""
    groups: dict[tuple[int, ...], list[tuple[dict[str, Any], list[str]]]] = {}
    for room, payload in per_room:
        alike = groups.setdefault(tuple(item["seq"] for item in payload.get("items", ())), [])
        rooms = next((r for other, r in alike if other is payload or other == payload), None)
        if rooms is None:
            alike.append((payload, [room]))
        else:
            rooms.append(room)
    for alike in groups.values():
        for payload, rooms in alike:
            socketio.emit(event, payload, to=rooms if len(rooms) > 1 else rooms[0], namespace=namespace)


def publish(app: Flask, exercise_id: str, events: list[Event]) -> None:
    """Push newly stored events to every audience that may see them.

    Team screens first, then the projector, then the facilitators: an inject reaches the rooms
    before the console's larger push (every team's delivery) is encoded. Only the teams the events
    concern are looked at: a reply is one team's business, not fifty's."""
    if not events:
        return
    services = services_of(app)
    state = services.store.cached(exercise_id).state  # holds ``events``: they were just stored here
    now = services.clock.now()
    clock = views.clock_payload(state, now)
    per_team = [
        (team_room(exercise_id, slot), {"items": items, "clock": clock})
        for slot, items in views.team_items(state, events).items()
    ]
    emit_grouped(PUSH, per_team, TEAM_NS)
    shown = [item for e in events if (item := views.projector_item(state, e)) is not None]
    if shown:
        socketio.emit(
            PUSH, {"items": shown, "clock": clock}, to=projector_room(exercise_id), namespace=PROJECTOR_NS
        )
    socketio.emit(
        PUSH,
        {
            "items": [views.facilitator_item(state, e) for e in events],
            "clock": clock,
            # The moods of the teams these events concern; the others' come with the clock.
            "moods": views.moods_payload(state, now, views.teams_concerned(state, events)),
        },
        to=facilitator_room(exercise_id),
        namespace=FACILITATOR_NS,
    )


def heartbeat(app: Flask, exercise_id: str, share: tuple[int, int] = (0, 1)) -> None:
    """The clock and the last ``seq``, so screens resynchronise and notice a lost push; with them
    what moves between events: every team's mood for the console, and each team's pulse (like and
    share counts, its mood when shown) for its screens.

    ``share`` ``(k, n)``: only the k-th of n shares of the teams (by their order), and the console
    and projector with share 0; the scheduler sends one share per tick, so each screen still gets a
    heartbeat every interval but never all of them at once (a heartbeat to 500 screens is as much
    work as an inject, and an inject sent meanwhile waited for it)."""
    k, n = share
    services = services_of(app)
    state = services.store.exercise(exercise_id).state
    now = services.clock.now()
    message = {"clock": views.clock_payload(state, now), "last_seq": state.last_seq}
    if k == 0:
        socketio.emit(
            CLOCK,
            {**message, "moods": views.moods_payload(state, now)},
            to=facilitator_room(exercise_id),
            namespace=FACILITATOR_NS,
        )
        socketio.emit(CLOCK, message, to=projector_room(exercise_id), namespace=PROJECTOR_NS)
    teams = [slot for i, slot in enumerate(state.teams) if i % n == k]
    if not teams:
        return
    per_team = [
        (team_room(exercise_id, slot), {**message, "pulse": pulse})
        for slot, pulse in views.team_pulses(state, now, teams).items()
    ]
    emit_grouped(CLOCK, per_team, TEAM_NS)


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
