"""The bare baseline: a Flask-SocketIO server that only relays a payload to team rooms.

No database, no session, no engine: a screen connects to ``/team`` with ``auth={"team": slot}`` and
joins ``team:<slot>``; the driver connects to ``/facilitator`` and calls ``fire`` with
``{"teams": [...], "message": {...}}``, which is emitted to each team's room, exactly as our
``publish`` does, then acknowledged. Whatever our server adds on top of these figures is ours.

Run as ``ASYNC_MODE=eventlet PORT=5001 python -m bench.bare_server`` (eventlet, gevent or threading;
optional ``MESSAGE_QUEUE_URL``). Stock library settings: no tuning of any kind, so it shows what
Flask-SocketIO gives out of the box.
"""

import os

ASYNC_MODE = os.environ.get("ASYNC_MODE", "eventlet")
if ASYNC_MODE == "eventlet":
    import warnings

    warnings.filterwarnings("ignore", message=r"\s*Eventlet is deprecated")
    import eventlet

    eventlet.monkey_patch()
elif ASYNC_MODE == "gevent":
    from gevent import monkey

    monkey.patch_all()

from typing import Any  # noqa: E402

from flask import Flask  # noqa: E402
from flask_socketio import SocketIO, join_room  # noqa: E402


def create() -> tuple[Flask, SocketIO]:
    app = Flask(__name__)
    socketio = SocketIO(
        app,
        async_mode=ASYNC_MODE,
        message_queue=os.environ.get("MESSAGE_QUEUE_URL") or None,
        max_http_buffer_size=64 * 1024,
    )

    @app.get("/healthz")
    def healthz() -> str:
        return "ok"

    @socketio.on("connect", namespace="/team")
    def team_connect(auth: Any = None) -> None:
        join_room(f"team:{(auth or {}).get('team', 'none')}")

    @socketio.on("connect", namespace="/facilitator")
    def facilitator_connect(auth: Any = None) -> None:
        pass

    @socketio.on("fire", namespace="/facilitator")
    def fire(data: dict[str, Any]) -> dict[str, Any]:
        for team in data["teams"]:
            socketio.emit("push", data["message"], to=f"team:{team}", namespace="/team")
        return {"ok": True}

    return app, socketio


def main() -> None:
    app, socketio = create()
    kwargs: dict[str, Any] = {"host": "127.0.0.1", "port": int(os.environ["PORT"]), "log_output": False}
    if ASYNC_MODE == "eventlet":
        kwargs["max_size"] = 10_000
    if ASYNC_MODE == "threading":
        kwargs["allow_unsafe_werkzeug"] = True
    print(f"bare server on {kwargs['port']} ({ASYNC_MODE})", flush=True)
    socketio.run(app, use_reloader=False, **kwargs)


if __name__ == "__main__":
    main()
