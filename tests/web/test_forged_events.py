"""Forged Socket.IO events: a raw client that names another team, another exercise or a role in its
payloads, calls facilitator events on /team, connects where its session does not allow, commands an
exercise it does not run, or commands as an observer, gets an error (or no connection) and changes
nothing in the event log."""

from __future__ import annotations

import inspect

import pytest

from simulator.store import accounts
from simulator.web import sockets
from simulator.web.extensions import socketio
from simulator.web.scheduler import tick_once
from tests.web.conftest import PASSWORD, command, console, join, pushed_items, sign_in
from tests.web.test_security import VALID

FAC, TEAM, PROJ = "/facilitator", "/team", "/projector"

IDENTITY = {
    "team": "team-2",
    "slot": "team-2",
    "team_slot": "team-2",
    "teams": ["team-2"],
    "exercise_id": "other",
    "exercise": "other",
    "participant_id": "someone-else",
    "author": "alice",
    "display_name": "The CEO",
    "role": "owner",
    "facilitator": "alice",
}


def events_of(namespace_class):
    return sorted(
        name[3:]
        for name, _ in inspect.getmembers(namespace_class, inspect.isfunction)
        if name.startswith("on_") and name not in ("on_connect", "on_disconnect")
    )


FACILITATOR_EVENTS = events_of(sockets.FacilitatorNamespace)
TEAM_EVENTS = events_of(sockets.TeamNamespace)
COMMANDS = [e for e in FACILITATOR_EVENTS if e not in ("sync", "add_note")]  # what observers may not do


@pytest.fixture
def drill(app, services, exercise_id, clock):
    """Exercise A (alice's, running, first-post delivered) and exercise B (bob's, three teams, running,
    with a reply from its team-3), with their clients."""
    accounts.add_facilitator(services.sessions, services.clock, "bob", PASSWORD)
    other = services.store.create_exercise(
        services.library.get("mini-drill"), ["Gold", "Silver", "Bronze"], owner="bob"
    ).state.exercise_id
    _, fac = console(app, exercise_id)
    _, red = join(app, services, exercise_id, "team-1", "Rita")
    _, blue = join(app, services, exercise_id, "team-2", "Bob")
    _, bob = console(app, other, "bob")
    _, gold = join(app, services, other, "team-3", "Gus")
    assert command(fac, FAC, "start_exercise", {"speed": 1})["ok"]
    assert command(bob, FAC, "start_exercise", {"speed": 1})["ok"]
    clock.advance(61)
    tick_once(app)  # first-post reaches every team of both exercises
    b_reply = command(
        gold, TEAM, "post_reply", {"key": "gold-00001", "text": "Hi", "inject_id": "first-post"}
    )
    assert b_reply["ok"]
    for sio, ns in ((fac, FAC), (red, TEAM), (blue, TEAM), (bob, FAC), (gold, TEAM)):
        sio.get_received(ns)

    class Drill:
        a, b = exercise_id, other
        b_reply_id = b_reply["reply_id"]

        def last_seq(self, which):
            return services.store.exercise(which).state.last_seq

        def replies(self, which, team):
            return [r for r in services.store.exercise(which).state.replies if r.team == team]

    d = Drill()
    d.fac, d.red, d.blue, d.bob, d.gold = fac, red, blue, bob, gold
    return d


def test_identity_fields_in_a_team_payload_are_ignored(drill, services):
    b_before = drill.last_seq(drill.b)
    ack = command(
        drill.red,
        TEAM,
        "post_reply",
        {"key": "red-000001", "text": "We are aware.", "inject_id": "first-post", **IDENTITY},
    )
    assert ack["ok"]
    (mine,) = drill.replies(drill.a, "team-1")
    assert mine.author == "Rita" and mine.text == "We are aware."
    assert drill.replies(drill.a, "team-2") == []
    assert drill.last_seq(drill.b) == b_before
    assert pushed_items(drill.blue, TEAM) == [] and pushed_items(drill.gold, TEAM) == []
    snapshot = command(drill.red, TEAM, "sync", {"after_seq": 0, **IDENTITY})["snapshot"]
    assert snapshot["team"] == {"slot": "team-1", "name": "Red"} and snapshot["exercise"]["id"] == drill.a
    assert "Blue" not in str(snapshot) and drill.b not in str(snapshot)


def test_commands_hidden_in_a_reply_payload_do_nothing_but_the_reply(drill, services):
    status = services.store.exercise(drill.a).state
    before = (status.status, status.speed, status.last_seq)
    ack = command(
        drill.red,
        TEAM,
        "post_reply",
        {
            "key": "red-000002",
            "text": "Statement",
            "kind": "statement",
            "command": "end_exercise",
            "event": "start_exercise",
            "speed": 60,
            "show": True,
            "inject_id": None,
        },
    )
    assert ack["ok"] and ack["seq"] == before[2] + 1
    state = services.store.exercise(drill.a).state
    assert (state.status, state.speed, state.last_seq) == (before[0], before[1], before[2] + 1)
    assert not state.projector_shows_replies


def test_another_teams_inject_or_reply_cannot_be_used(drill, services):
    before = services.store.event_count()
    ack = command(
        drill.red, TEAM, "post_reply", {"key": "red-000003", "text": "Plan", "inject_id": "regulator-call"}
    )
    assert ack["ok"] is False and "was not delivered to this team" in ack["error"]
    ack = command(drill.fac, FAC, "add_note", {"text": "Mine now", "reply_id": drill.b_reply_id})
    assert ack["ok"] is False and "unknown reply" in ack["error"]
    ack = command(
        drill.fac,
        FAC,
        "post_adhoc",
        {"persona_id": "jdoe", "channel": "microblog", "text": "Re", "in_reply_to": drill.b_reply_id},
    )
    assert ack["ok"] is False and "unknown reply" in ack["error"]
    for event, payload in [
        ("fire_inject", {"inject_id": "troll-post", "teams": ["team-3"]}),
        ("send_message", {"text": "Psst", "teams": ["team-3"]}),
        ("add_note", {"text": "Note", "team": "team-3"}),
    ]:
        ack = command(drill.fac, FAC, event, payload)  # team-3 exists in B only
        assert ack["ok"] is False and "team-3" in ack["error"], (event, ack)
    assert services.store.event_count() == before


def test_facilitator_events_on_the_team_namespace_are_refused(drill, services):
    before = services.store.event_count()
    status = services.store.exercise(drill.a).state.status
    for event in FACILITATOR_EVENTS:
        if event in TEAM_EVENTS:
            continue  # sync: the team's own
        ack = command(drill.red, TEAM, event, dict(VALID[FAC, event]))
        assert ack == {"ok": False, "error": f"unknown event {event!r} on /team", "retryable": False}
    assert services.store.event_count() == before
    assert services.store.exercise(drill.a).state.status == status
    assert drill.red.is_connected(TEAM)


def test_unknown_events_get_an_error_on_every_namespace(drill, app, services):
    client, _ = console(app, drill.a)
    client.get(f"/projector/{drill.a}")
    projector = socketio.test_client(app, namespace=PROJ, flask_test_client=client)
    before = services.store.event_count()
    for sio, namespace, event in [
        (drill.fac, FAC, "post_reply"),  # a team event on the console
        (drill.fac, FAC, "delete_exercise"),
        (projector, PROJ, "start_exercise"),
        (projector, PROJ, "show_replies_on_projector"),
        (drill.red, TEAM, "_identity"),
        (drill.red, TEAM, "_participant"),
        (drill.red, TEAM, "trigger_event"),
    ]:
        ack = command(sio, namespace, event, {"show": True, "text": "x", "key": "k" * 10})
        assert ack["ok"] is False and "unknown event" in ack["error"], (namespace, event, ack)
    assert services.store.event_count() == before


def test_a_participant_session_does_not_open_the_console_or_the_projector(drill, app, services):
    member, _ = join(app, services, drill.a, "team-1", "Mia")
    for namespace in (FAC, PROJ):
        assert not socketio.test_client(app, namespace=namespace, flask_test_client=member).is_connected(
            namespace
        )
    with member.session_transaction() as session:  # a console key without a facilitator sign-in
        session["console_exercise"] = drill.a
        session["projector_exercise"] = drill.a
        session["facilitator"] = "ghost"
    for namespace in (FAC, PROJ):
        assert not socketio.test_client(app, namespace=namespace, flask_test_client=member).is_connected(
            namespace
        )


def test_a_facilitator_cannot_command_another_facilitators_exercise(drill, app, services):
    b_before = drill.last_seq(drill.b)
    alice = sign_in(app)
    for url in (f"/facilitator/exercises/{drill.b}", f"/projector/{drill.b}"):
        assert alice.get(url).status_code == 404
    # Naming B in the payload: ignored, the command is about alice's own exercise.
    for event in ("pause_exercise", "resume_exercise", "set_speed", "send_message"):
        payload = {**VALID[FAC, event], "exercise_id": drill.b, "exercise": drill.b}
        assert command(drill.fac, FAC, event, payload)["ok"], event
    # A session that names B (as if forged): no connection.
    client, _ = console(app, drill.a)
    with client.session_transaction() as session:
        session["console_exercise"] = drill.b
        session["projector_exercise"] = drill.b
    for namespace in (FAC, PROJ):
        sio = socketio.test_client(app, namespace=namespace, flask_test_client=client)
        assert not sio.is_connected(namespace)
    # Alice's open console, after she tried to open B's console: still bound to A.
    assert command(drill.fac, FAC, "sync")["snapshot"]["exercise"]["id"] == drill.a
    assert drill.last_seq(drill.b) == b_before
    assert pushed_items(drill.bob, FAC) == [] and pushed_items(drill.gold, TEAM) == []


def test_an_observer_cannot_command(drill, app, services):
    accounts.add_facilitator(services.sessions, services.clock, "olga", "observer-password")
    accounts.add_member(services.sessions, services.clock, drill.a, "olga", "observer")
    client = sign_in(app, "olga", "observer-password")
    assert client.get(f"/facilitator/exercises/{drill.a}").status_code == 200
    olga = socketio.test_client(app, namespace=FAC, flask_test_client=client)
    before = services.store.event_count()
    assert len(COMMANDS) >= 11
    for event in COMMANDS:
        for payload in (dict(VALID[FAC, event]), {}, {**VALID[FAC, event], "role": "owner"}):
            ack = command(olga, FAC, event, payload)
            assert ack["ok"] is False and ack["retryable"] is False, (event, payload)
            if payload:
                assert ack["error"] == "observers cannot control the exercise", (event, ack)
    assert services.store.event_count() == before
    assert command(olga, FAC, "sync")["ok"]


def test_an_observer_cannot_use_the_owner_forms(drill, app, services):
    accounts.add_facilitator(services.sessions, services.clock, "olga", "observer-password")
    accounts.add_member(services.sessions, services.clock, drill.a, "olga", "observer")
    olga = sign_in(app, "olga", "observer-password")
    exercise = f"/facilitator/exercises/{drill.a}"
    before = services.store.event_count()
    for url, data in [
        (f"{exercise}/members", {"name": "olga", "role": "facilitator"}),
        (f"{exercise}/overrides", {"kind": "adjust", "team": "team-1", "points": "5", "comment": "x"}),
        (f"{exercise}/report/debrief", {"worked": "a", "did_not": "b", "actions": "c"}),
        (f"{exercise}/report/release", {"release": "ranking"}),
    ]:
        assert olga.post(url, data=data).status_code == 403, url
    assert services.store.event_count() == before
    assert accounts.exercise_role(services.sessions, drill.a, "olga") == "observer"


def test_a_co_facilitator_commands_but_does_not_manage_members(drill, app, services):
    accounts.add_member(services.sessions, services.clock, drill.a, "bob", "facilitator")
    client, bob_on_a = console(app, drill.a, "bob")
    assert command(bob_on_a, FAC, "pause_exercise")["ok"]
    response = client.post(f"/facilitator/exercises/{drill.a}/members", data={"name": "bob", "role": "owner"})
    assert response.status_code == 403
    # Bob's console for his own exercise B, opened earlier, still commands B only.
    b_before = drill.last_seq(drill.b)
    assert command(drill.bob, FAC, "send_message", {"text": "B only"})["ok"]
    assert drill.last_seq(drill.b) == b_before + 1
