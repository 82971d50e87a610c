"""Socket.IO namespaces with Flask-SocketIO's test client: rooms, isolation, acks, bad payloads."""

from __future__ import annotations

from sqlalchemy import func, select

from simulator.store.models import ReplyRecord
from simulator.web.extensions import socketio
from simulator.web.scheduler import tick_once
from tests.web.conftest import command, console, join, pushed_items, sign_in

FAC, TEAM, PROJ = "/facilitator", "/team", "/projector"


def started(app, services, exercise_id, clock, minutes=0.0):
    _, fac = console(app, exercise_id)
    _, red = join(app, services, exercise_id, "team-1", "Rita")
    _, blue = join(app, services, exercise_id, "team-2", "Bob")
    assert command(fac, FAC, "start_exercise", {"speed": 1})["ok"]
    if minutes:
        clock.advance(minutes * 60)
        tick_once(app)
    for sio, ns in ((fac, FAC), (red, TEAM), (blue, TEAM)):
        sio.get_received(ns)
    return fac, red, blue


def test_connections_without_the_right_session_are_refused(app, exercise_id):
    anonymous = app.test_client()
    for namespace in (FAC, TEAM, PROJ):
        assert not socketio.test_client(app, namespace=namespace, flask_test_client=anonymous).is_connected(
            namespace
        )
    signed_in_elsewhere = sign_in(app)  # signed in, but no console opened: no exercise in the session
    assert not socketio.test_client(app, namespace=FAC, flask_test_client=signed_in_elsewhere).is_connected(
        FAC
    )


def test_sync_gives_each_audience_its_snapshot(app, services, exercise_id):
    _, fac = console(app, exercise_id)
    _, red = join(app, services, exercise_id, "team-1", "Rita")
    snapshot = command(fac, FAC, "sync", {"after_seq": 0})["snapshot"]
    assert [t["name"] for t in snapshot["teams"]] == ["Red", "Blue"]
    assert {i["inject_id"] for i in snapshot["injects"]} >= {"first-post", "outrage"}
    team = command(red, TEAM, "sync", {"after_seq": 0})["snapshot"]
    assert team["team"] == {"slot": "team-1", "name": "Red"}
    assert "join_code" not in str(team) and "Blue" not in str(team)
    assert team["briefing"].startswith("You are the communications cell")


def test_facilitator_controls_reach_every_team_at_once(app, services, exercise_id, clock):
    fac, red, blue = started(app, services, exercise_id, clock)
    assert command(fac, FAC, "set_speed", {"speed": 20})["ok"]
    assert command(fac, FAC, "pause_exercise")["ok"]
    for sio in (red, blue):
        statuses = [i for i in pushed_items(sio, TEAM) if i["kind"] == "status"]
        assert [(s["change"], s["status"], s["speed"]) for s in statuses] == [
            ("speed_changed", "running", 20.0),
            ("exercise_paused", "paused", 20.0),
        ]


def test_a_targeted_inject_reaches_only_its_team(app, services, exercise_id, clock):
    fac, red, blue = started(app, services, exercise_id, clock)
    ack = command(fac, FAC, "fire_inject", {"inject_id": "regulator-call"})
    assert ack["ok"] and ack["released"] == 1
    assert [i["inject_id"] for i in pushed_items(blue, TEAM) if i["kind"] == "inject"] == ["regulator-call"]
    assert pushed_items(red, TEAM) == []
    wall = pushed_items(fac, FAC)
    assert [(i["inject_id"], i["team"]) for i in wall if i["kind"] == "inject"] == [
        ("regulator-call", "team-2")
    ]


def test_scheduled_releases_are_pushed_by_the_scheduler(app, services, exercise_id, clock):
    _, red, blue = started(app, services, exercise_id, clock)
    clock.advance(60)
    assert tick_once(app) == 2
    for sio in (red, blue):
        (item,) = pushed_items(sio, TEAM)
        assert item["inject_id"] == "first-post" and item["persona"]["name"] == "Jane Doe"
        assert item["text"] == "Is it true that Acme Bikes batteries catch fire?"  # placeholders filled


def test_team_b_never_receives_team_a_replies_and_forged_team_ids_are_ignored(
    app, services, exercise_id, clock
):
    fac, red, blue = started(app, services, exercise_id, clock, minutes=1)
    ack = command(
        red,
        TEAM,
        "post_reply",
        {
            "key": "reply-0001",
            "text": "We are aware.",
            "inject_id": "first-post",
            "team": "team-2",
            "exercise_id": "x",
        },
    )
    assert ack["ok"] and ack["duplicate"] is False
    assert [i["text"] for i in pushed_items(red, TEAM) if i["kind"] == "reply"] == ["We are aware."]
    assert pushed_items(blue, TEAM) == []
    (wall,) = [i for i in pushed_items(fac, FAC) if i["kind"] == "reply"]
    assert wall["team"] == "team-1" and wall["author"] == "Rita" and wall["response_s"] == 0


def test_duplicate_reply_keys_are_stored_once(app, services, exercise_id, clock):
    _, red, _ = started(app, services, exercise_id, clock, minutes=1)
    payload = {"key": "same-key-001", "text": "We know.", "inject_id": "first-post"}
    first = command(red, TEAM, "post_reply", payload)
    again = command(red, TEAM, "post_reply", payload)
    assert again == {"ok": True, "reply_id": first["reply_id"], "seq": None, "duplicate": True}
    with services.sessions() as session:
        assert session.scalar(select(func.count()).select_from(ReplyRecord)) == 1


def test_malformed_payloads_get_an_error_that_names_the_field(app, services, exercise_id, clock):
    fac, red, _ = started(app, services, exercise_id, clock, minutes=1)
    cases = [
        (
            red,
            TEAM,
            "post_reply",
            {"key": "k-00000001", "text": 42},
            "malformed payload: text: expected text, got int",
        ),
        (red, TEAM, "post_reply", ["not", "an", "object"], "expected an object with named fields, got list"),
        (red, TEAM, "post_reply", {"text": "hi"}, "key: required"),
        (red, TEAM, "post_reply", {"key": "k", "text": "x" * 6000}, "text: at most 5000 characters"),
        (
            red,
            TEAM,
            "post_reply",
            {"key": "k-00000002", "text": "hi", "inject_id": "regulator-call"},
            "was not delivered to this team",
        ),
        (fac, FAC, "set_speed", {"speed": "fast"}, "speed: expected a number from 1 to 60, got str"),
        (fac, FAC, "set_speed", {"speed": 99}, "got 99"),
        (fac, FAC, "fire_inject", {"inject_id": "nope"}, "unknown inject 'nope'"),
        (
            fac,
            FAC,
            "fire_inject",
            {"inject_id": "first-post", "teams": "team-1"},
            "teams: expected a list of team slots",
        ),
        (fac, FAC, "post_adhoc", {"channel": "fax", "text": "x", "persona_id": "jdoe"}, "channel"),
        (fac, FAC, "start_exercise", None, "cannot start: the exercise is running"),
    ]
    for sio, namespace, event, payload, message in cases:
        ack = sio.emit(event, payload, namespace=namespace, callback=True)
        assert ack["ok"] is False and message in ack["error"], (event, payload, ack)
        assert ack["retryable"] is False
    assert red.is_connected(TEAM) and fac.is_connected(FAC)


def test_observers_watch_and_take_notes_but_cannot_command(app, services, exercise_id, clock):
    from simulator.store import accounts

    accounts.add_facilitator(services.sessions, services.clock, "olga", "observer-password")
    accounts.add_member(services.sessions, services.clock, exercise_id, "olga", "observer")
    client = sign_in(app, "olga", "observer-password")
    assert client.get(f"/facilitator/exercises/{exercise_id}").status_code == 200
    olga = socketio.test_client(app, namespace=FAC, flask_test_client=client)
    assert "observers cannot control" in command(olga, FAC, "start_exercise")["error"]
    ack = command(olga, FAC, "add_note", {"text": "Red hesitated", "team": "team-1"})
    assert ack["ok"]
    (note,) = [i for i in pushed_items(olga, FAC) if i["kind"] == "note"]
    assert note["author"] == "olga" and note["team"] == "team-1"


def test_a_stranger_cannot_open_someone_elses_exercise(app, services, exercise_id):
    from simulator.store import accounts

    accounts.add_facilitator(services.sessions, services.clock, "mallory", "mallory-password")
    client = sign_in(app, "mallory", "mallory-password")
    assert client.get(f"/facilitator/exercises/{exercise_id}").status_code == 404
    with client.session_transaction() as session:
        session["console_exercise"] = exercise_id  # even a forged session key does not help
    assert not socketio.test_client(app, namespace=FAC, flask_test_client=client).is_connected(FAC)


def test_signing_out_ends_the_socket_session(app, services, exercise_id):
    client, fac = console(app, exercise_id)
    client.post("/facilitator/logout")
    assert [m["name"] for m in fac.get_received(FAC)] == ["session_ended"]
    assert "sign in again" in command(fac, FAC, "start_exercise")["error"]


def test_reconnecting_clients_catch_up_with_what_they_missed(app, services, exercise_id, clock):
    fac, red, blue = started(app, services, exercise_id, clock, minutes=1)
    seen = command(blue, TEAM, "sync", {"after_seq": 0})["snapshot"]["last_seq"]
    blue.disconnect(TEAM)
    command(fac, FAC, "fire_inject", {"inject_id": "regulator-call"})
    command(red, TEAM, "post_reply", {"key": "reply-0002", "text": "We know.", "inject_id": "first-post"})
    command(fac, FAC, "send_message", {"text": "Ten minutes left", "teams": ["team-2"]})
    blue.connect(TEAM)
    missed = command(blue, TEAM, "sync", {"after_seq": seen})
    assert [(i["kind"], i.get("inject_id") or i.get("text")) for i in missed["items"]] == [
        ("inject", "regulator-call"),
        ("message", "Ten minutes left"),
    ]
    assert missed["last_seq"] > seen


def test_projector_shows_headlines_and_replies_only_when_asked(app, services, exercise_id, clock):
    client, fac = console(app, exercise_id)
    assert client.get(f"/projector/{exercise_id}").status_code == 200
    projector = socketio.test_client(app, namespace=PROJ, flask_test_client=client)
    _, red = join(app, services, exercise_id, "team-1", "Rita")
    command(fac, FAC, "start_exercise")
    clock.advance(60)
    tick_once(app)
    command(red, TEAM, "post_reply", {"key": "reply-0003", "text": "Hidden", "inject_id": "first-post"})
    command(fac, FAC, "show_replies_on_projector", {"show": True})
    command(red, TEAM, "post_reply", {"key": "reply-0004", "text": "Shown", "inject_id": "first-post"})
    clock.advance(200)  # first-post unanswered by team-2: its escalation is that team's business
    tick_once(app)
    items = pushed_items(projector, PROJ)
    assert [i["inject_id"] for i in items if i["kind"] == "inject"] == [
        "first-post",
        "troll-post",
    ]  # once, not per team
    assert [i["text"] for i in items if i["kind"] == "reply"] == ["Shown"]
    snapshot = command(projector, PROJ, "sync", {"after_seq": 0})["snapshot"]
    assert [i["text"] for i in snapshot["items"] if i["kind"] == "reply"] == ["Shown"]  # not the hidden one
    assert "outrage" not in {i.get("inject_id") for i in snapshot["items"]}


def test_join_and_sign_in_pages_explain_bad_input(app, exercise_id):
    client = app.test_client()
    response = client.post("/facilitator/login", data={"name": "alice", "password": "wrong"})
    assert response.status_code == 401 and "wrong password" in response.get_data(as_text=True)
    response = client.get("/join/NOPE42")
    assert response.status_code == 404 and "No team has the join code" in response.get_data(as_text=True)


def test_forms_require_a_csrf_token(services, exercise_id):
    from simulator.web import create_app

    strict = create_app({"TESTING": True}, services=services)
    response = strict.test_client().post("/facilitator/login", data={"name": "alice", "password": "x"})
    assert response.status_code == 400 and "CSRF" in response.get_data(as_text=True)


def test_only_the_owner_adds_co_facilitators_and_observers(app, services, exercise_id):
    from simulator.store import accounts

    for name in ("bob", "olga"):
        accounts.add_facilitator(services.sessions, services.clock, name, f"{name}-password-123")
    owner = sign_in(app)
    response = owner.post(
        f"/facilitator/exercises/{exercise_id}/members", data={"name": "bob", "role": "facilitator"}
    )
    assert response.status_code == 302
    assert accounts.exercise_role(services.sessions, exercise_id, "bob") == "facilitator"
    owner.post(f"/facilitator/exercises/{exercise_id}/members", data={"name": "ghost", "role": "observer"})
    assert "no facilitator named &#39;ghost&#39;" in owner.get(
        f"/facilitator/exercises/{exercise_id}"
    ).get_data(as_text=True)
    bob = sign_in(app, "bob", "bob-password-123")
    assert (
        bob.post(
            f"/facilitator/exercises/{exercise_id}/members", data={"name": "olga", "role": "observer"}
        ).status_code
        == 403
    )
    assert accounts.exercise_role(services.sessions, exercise_id, "olga") is None
    dashboard = bob.get("/facilitator/").get_data(as_text=True)
    assert f'data-exercise-id="{exercise_id}"' in dashboard
