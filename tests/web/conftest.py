"""Web fixtures: an app on the test database, signed-in facilitators and joined participants."""

from __future__ import annotations

import pytest

from simulator.store import accounts
from simulator.web import create_app
from simulator.web.extensions import socketio

PASSWORD = "correct-horse-battery"


@pytest.fixture
def app(services):
    return create_app({"TESTING": True, "WTF_CSRF_ENABLED": False}, services=services)


@pytest.fixture
def exercise_id(services):
    """A draft exercise of the mini drill owned by 'alice', teams Red (team-1) and Blue (team-2)."""
    accounts.add_facilitator(services.sessions, services.clock, "alice", PASSWORD)
    created = services.store.create_exercise(
        services.library.get("mini-drill"), ["Red", "Blue"], owner="alice"
    )
    return created.state.exercise_id


def sign_in(app, name="alice", password=PASSWORD):
    client = app.test_client()
    response = client.post("/facilitator/login", data={"name": name, "password": password})
    assert response.status_code == 302, response.get_data(as_text=True)
    return client


def console(app, exercise_id, name="alice"):
    """A facilitator's HTTP client (console page opened) and its Socket.IO client."""
    client = sign_in(app, name)
    assert client.get(f"/facilitator/exercises/{exercise_id}").status_code == 200
    sio = socketio.test_client(app, namespace="/facilitator", flask_test_client=client)
    assert sio.is_connected("/facilitator")
    return client, sio


def join(app, services, exercise_id, slot, display_name="Sam"):
    """A participant who joined team ``slot`` with its code, and its Socket.IO client."""
    state = services.store.exercise(exercise_id).state
    client = app.test_client()
    response = client.post(f"/join/{state.teams[slot].join_code}", data={"display_name": display_name})
    assert response.status_code == 302, response.get_data(as_text=True)
    sio = socketio.test_client(app, namespace="/team", flask_test_client=client)
    assert sio.is_connected("/team")
    return client, sio


def pushed_items(sio, namespace):
    """Every item pushed to ``sio`` since the last call."""
    return [
        item
        for message in sio.get_received(namespace)
        if message["name"] == "push"
        for item in message["args"][0]["items"]
    ]


def command(sio, namespace, name, payload=None):
    return sio.emit(name, payload if payload is not None else {}, namespace=namespace, callback=True)
