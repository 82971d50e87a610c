"""The cookie session, without decoding it again for every Socket.IO event."""

from __future__ import annotations

from flask import Flask, Request
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface


class SocketAwareSessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie session, except for Socket.IO events after the first.

    Flask opens the session whenever a request context is pushed, and Flask-SocketIO pushes one
    for every event, with the environ of the connection's handshake: the cookie was verified and
    decoded again for each reply (about 5 % of the server's CPU under load). Flask-SocketIO then
    replaces that session at once with the connection's own copy, saved in the environ at the first
    event (``saved_session``), so from then on an empty session is all the context needs."""

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        if "saved_session" in request.environ:
            return self.session_class()
        return super().open_session(app, request)
