"""The real server in a subprocess, driven by real Socket.IO clients: start, deliver, reply,
``kill -9``, restart, reconnect — and nothing lost or doubled."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
import requests
import socketio
from sqlalchemy import func, select

from simulator.config import load_settings
from simulator.services import open_services
from simulator.store import accounts, migrate
from simulator.store.models import DeliveryRecord, ReplyRecord
from tests.factories import DATA
from tests.live import LiveServer, Screen, form_post, free_port

pytestmark = pytest.mark.slow


def injects_of(items, team=None):
    return [
        i["inject_id"] for i in items if i["kind"] == "inject" and (team is None or i.get("team") == team)
    ]


def assert_cross_origin_refused(url: str, http: requests.Session) -> None:
    """A page on another origin cannot ride on the facilitator's cookie (Socket.IO's CSRF)."""
    cookie = "; ".join(f"{c.name}={c.value}" for c in http.cookies)
    intruder = socketio.Client(reconnection=False)
    with pytest.raises(socketio.exceptions.ConnectionError):
        intruder.connect(
            url,
            namespaces=["/facilitator"],
            headers={"Cookie": cookie, "Origin": "http://evil.example"},
            transports=["websocket"],
            wait_timeout=5,
        )


@pytest.mark.parametrize("async_mode", ["eventlet", "gevent", "threading"])
def test_kill_and_restart_mid_exercise_loses_and_doubles_nothing(tmp_path: Path, async_mode: str) -> None:
    env = {
        "CRISISDRILL_INSTANCE": str(tmp_path / "instance"),
        "CRISISDRILL_SCENARIOS": str(DATA),
        "ASYNC_MODE": async_mode,
    }
    services = open_services(load_settings(env))
    migrate.upgrade(services.engine)
    accounts.add_facilitator(services.sessions, services.clock, "alice", "correct-horse-battery")
    exercise = services.store.create_exercise(
        services.library.get("mini-drill"), ["Red", "Blue"], owner="alice"
    )
    exercise_id, teams = exercise.state.exercise_id, exercise.state.teams

    server = LiveServer(env, free_port())
    server.start()
    screens: list[Screen] = []
    try:
        facilitator_http = requests.Session()
        assert (
            form_post(
                facilitator_http,
                f"{server.url}/facilitator/login",
                {"name": "alice", "password": "correct-horse-battery"},
            ).status_code
            == 302
        )
        assert (
            facilitator_http.get(f"{server.url}/facilitator/exercises/{exercise_id}", timeout=10).status_code
            == 200
        )
        facilitator = Screen(server.url, "/facilitator", facilitator_http)
        assert_cross_origin_refused(server.url, facilitator_http)
        team_screens = {}
        for slot, name in (("team-1", "Rita"), ("team-2", "Bob")):
            http = requests.Session()
            assert (
                form_post(
                    http, f"{server.url}/join/{teams[slot].join_code}", {"display_name": name}
                ).status_code
                == 302
            )
            team_screens[slot] = Screen(server.url, "/team", http)
        red, blue = team_screens["team-1"], team_screens["team-2"]
        screens = [facilitator, red, blue]

        assert facilitator.call("start_exercise", {"speed": 20})["ok"]
        red.wait_for(lambda items: "first-post" in injects_of(items))  # 1m of scenario time = 3 s
        ack = red.call(
            "post_reply", {"key": "live-reply-1", "text": "We are aware.", "inject_id": "first-post"}
        )
        assert ack["ok"] and not ack["duplicate"]
        facilitator.wait_for(lambda items: any(i["kind"] == "reply" for i in items))

        server.kill()  # kill -9: no clean shutdown
        server.start()

        ack = red.call(
            "post_reply",
            {"key": "live-reply-1", "text": "We are aware.", "inject_id": "first-post"},
            timeout_s=20,
        )
        assert ack["ok"] and ack["duplicate"]  # the retry after the restart is recognised
        blue.wait_for(
            lambda items: "regulator-call" in injects_of(items), timeout_s=30
        )  # 4m: released after the restart
        ack = blue.call(
            "post_reply",
            {"key": "live-reply-2", "text": "Our recall plan is ready.", "inject_id": "regulator-call"},
        )
        assert ack["ok"]
        wall = facilitator.wait_for(lambda items: sum(i["kind"] == "reply" for i in items) == 2)

        for screen in (red, blue):
            delivered = Counter(injects_of(screen.items))
            assert delivered and max(delivered.values()) == 1, delivered
        assert "regulator-call" not in injects_of(red.items)
        assert all(i.get("team") in (None, "team-1") for i in red.items if i["kind"] == "reply")
        assert (
            Counter((i["inject_id"], i["team"]) for i in wall if i["kind"] == "inject").most_common(1)[0][1]
            == 1
        )
        with services.sessions() as session:
            assert session.scalar(select(func.count()).select_from(ReplyRecord)) == 2
            pairs = session.execute(select(DeliveryRecord.inject_id, DeliveryRecord.team_slot)).all()
            assert len(pairs) == len(set(pairs))
    finally:
        for screen in screens:
            screen.close()
        server.stop()
        services.engine.dispose()
