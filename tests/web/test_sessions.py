"""The cookie session is decoded once per Socket.IO connection, not once per event."""

from __future__ import annotations

from flask.sessions import SecureCookieSessionInterface

from .conftest import join


def test_socket_events_see_the_session_of_their_connection_without_decoding_the_cookie_again(
    app, services, exercise_id, monkeypatch
):
    _client, red = join(app, services, exercise_id, "team-1", display_name="Sam")
    decoded = []
    original = SecureCookieSessionInterface.open_session
    monkeypatch.setattr(
        SecureCookieSessionInterface,
        "open_session",
        lambda self, app_, request: decoded.append(request.path) or original(self, app_, request),
    )
    for _ in range(3):
        ack = red.emit("sync", {"after_seq": 0}, namespace="/team", callback=True)
        assert ack["ok"] is True, ack  # the handler found the participant in the session
    assert decoded == []


def test_http_requests_still_read_the_signed_cookie(app, services, exercise_id):
    client, _red = join(app, services, exercise_id, "team-1", display_name="Sam")
    assert client.get("/team").status_code == 200  # the joined participant's screen
    client.set_cookie("session", "forged", domain="localhost")
    response = client.get("/team", follow_redirects=False)
    assert response.status_code in (302, 303)  # not a participant any more: back to joining
