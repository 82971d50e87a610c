"""Scale-out for real: two server processes on PostgreSQL and a Redis message queue.

The facilitator is connected to process A, the teams to process B. The scheduler runs in one of them
(the lease holder); killing it hands the releases to the other without releasing anything twice, and a
Redis restart (pub/sub is at-most-once) loses nothing on the screens: they catch up from the log.
"""

from __future__ import annotations

import threading
from collections import Counter
from pathlib import Path

import pytest
import requests
from sqlalchemy import func, select

from simulator.config import load_settings
from simulator.services import open_services
from simulator.store import accounts, migrate
from simulator.store.leases import Lease
from simulator.store.models import DeliveryRecord, ReplyRecord
from tests.conftest import require_service
from tests.factories import DATA
from tests.live import LiveServer, RedisServer, Screen, form_post, free_port

pytestmark = [pytest.mark.slow, pytest.mark.postgres]

PASSWORD = "correct-horse-battery"


def injects_of(items: list[dict]) -> list[str]:
    return [i["inject_id"] for i in items if i["kind"] == "inject"]


def wait_for_holder(services, server: LiveServer, timeout_s: float = 20) -> None:
    """Wait until ``server``'s process holds the scheduler lease."""
    lease = Lease(services.sessions, services.clock)
    pid = str(server.process.pid)
    pause = threading.Event()
    for _ in range(int(timeout_s / 0.1)):
        holder = lease.current_holder()
        if holder and holder.split(":")[1] == pid:
            return
        pause.wait(0.1)  # polling the database: nothing to wait on across processes
    raise AssertionError(f"process {pid} never took the scheduler lease (holder: {lease.current_holder()})")


@pytest.mark.parametrize(
    "async_mode",
    # eventlet: the default, with psycopg2 made cooperative; gevent: the production recommendation
    # (deploy/env.example), with psycopg 3.
    ["eventlet", "gevent"],
)
def test_two_processes_share_releases_survive_a_dead_scheduler_and_a_redis_restart(
    tmp_path: Path, postgres_url: str, async_mode: str
) -> None:
    require_service(RedisServer.available(), "redis-server")
    redis = RedisServer(free_port(), tmp_path / "redis")
    redis.start()
    env = {
        "DATABASE_URL": postgres_url,
        "MESSAGE_QUEUE_URL": redis.url,
        "CRISISDRILL_INSTANCE": str(tmp_path / "instance"),  # shared: same secret key for both
        "CRISISDRILL_SCENARIOS": str(DATA),
        "ASYNC_MODE": async_mode,
    }
    services = open_services(load_settings(env))
    migrate.upgrade(services.engine)
    accounts.add_facilitator(services.sessions, services.clock, "alice", PASSWORD)
    exercise = services.store.create_exercise(
        services.library.get("mini-drill"), ["Red", "Blue"], owner="alice"
    )
    exercise_id, teams = exercise.state.exercise_id, exercise.state.teams

    a, b = LiveServer(env, free_port()), LiveServer(env, free_port())
    screens: list[Screen] = []
    try:
        a.start()
        wait_for_holder(services, a)  # A releases injects; B stands by
        b.start()

        facilitator_http = requests.Session()
        login = form_post(
            facilitator_http, f"{a.url}/facilitator/login", {"name": "alice", "password": PASSWORD}
        )
        assert login.status_code == 302
        assert facilitator_http.get(f"{a.url}/facilitator/exercises/{exercise_id}", timeout=10).ok
        facilitator = Screen(a.url, "/facilitator", facilitator_http)
        team_screens = {}
        for slot, name in (("team-1", "Rita"), ("team-2", "Bob")):
            http = requests.Session()
            joined = form_post(http, f"{b.url}/join/{teams[slot].join_code}", {"display_name": name})
            assert joined.status_code == 302
            team_screens[slot] = Screen(b.url, "/team", http)
        red, blue = team_screens["team-1"], team_screens["team-2"]
        screens = [facilitator, red, blue]

        # 1. Released by A's scheduler, received by teams connected to B (through Redis).
        assert facilitator.call("start_exercise", {"speed": 30})["ok"]  # 1 scenario minute = 2 s
        red.wait_for(lambda items: "first-post" in injects_of(items))
        ack = red.call(
            "post_reply", {"key": "so-reply-1", "text": "We are aware.", "inject_id": "first-post"}
        )
        assert ack["ok"]
        facilitator.wait_for(lambda items: any(i["kind"] == "reply" for i in items))

        # 2. kill -9 the scheduler's process: B takes the lease over and keeps releasing.
        a.kill()
        wait_for_holder(services, b)
        blue.wait_for(lambda items: "regulator-call" in injects_of(items), timeout_s=30)
        a.start()  # the facilitator's screen reconnects to A by itself

        # 3. Redis down: pushes between processes are lost, the database keeps everything.
        redis.kill()
        posted = facilitator.call(
            "post_adhoc",
            {"channel": "microblog", "text": "Is anyone answering?", "persona_id": "jdoe", "teams": []},
            timeout_s=20,
        )
        assert posted["ok"], posted
        ack = blue.call(
            "post_reply",
            {"key": "so-reply-2", "text": "Our recall plan is ready.", "inject_id": "regulator-call"},
        )
        assert ack["ok"]
        redis.start()
        # Heartbeats flow again through the restarted Redis; screens notice the gap and catch up.
        for screen in (red, blue):
            screen.wait_for(
                lambda items: any(i["inject_id"].startswith("adhoc") for i in items if "inject_id" in i)
            )
        facilitator.wait_for(lambda items: sum(i["kind"] == "reply" for i in items) == 2, timeout_s=30)
        red.wait_for(lambda items: "late-article" in injects_of(items), timeout_s=30)

        for screen in (red, blue):
            delivered = Counter(injects_of(screen.items))
            assert max(delivered.values()) == 1, delivered
        with services.sessions() as session:
            assert session.scalar(select(func.count()).select_from(ReplyRecord)) == 2
            pairs = session.execute(select(DeliveryRecord.inject_id, DeliveryRecord.team_slot)).all()
            assert len(pairs) == len(set(pairs)), "an inject was released twice"
            for slot, screen in team_screens.items():
                stored = {inject for inject, team in pairs if team == slot}
                assert set(injects_of(screen.items)) == stored
    finally:
        for screen in screens:
            screen.close()
        a.stop()
        b.stop()
        redis.kill()
        services.engine.dispose()
