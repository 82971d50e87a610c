"""The deployment example works as shipped: nginx from deploy/ in front of two server processes.

The test runs Debian's nginx with the upstream and proxy locations of ``deploy/nginx`` (ports rewritten,
no TLS), two ``crisisdrill`` processes sharing a database and a private Redis, and drives a facilitator
and a team through the proxy over WebSocket.
"""

from __future__ import annotations

import re
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import requests

from simulator.config import load_settings
from simulator.services import open_services
from simulator.store import accounts, migrate
from simulator.web import create_app
from tests.conftest import ROOT, require_service
from tests.factories import DATA
from tests.live import LiveServer, RedisServer, Screen, form_post, free_port

DEPLOY = ROOT / "deploy" / "nginx"
PASSWORD = "correct-horse-battery"


def nginx_config(folder: Path, listen: int, backends: list[int]) -> Path:
    """nginx.conf with the shipped upstream, map and locations; only ports and paths differ."""
    site = (DEPLOY / "crisisdrill.conf").read_text()
    upstream = re.search(r"upstream crisisdrill \{.*?\n\}", site, re.S).group(0)
    servers = "".join(f"    server 127.0.0.1:{port} max_fails=0;\n" for port in backends)
    upstream = re.sub(r"(    server 127\.0\.0\.1:\d+ max_fails=0;\n)+", servers, upstream)
    upgrade_map = re.search(r"map \$http_upgrade \$connection_upgrade \{.*?\n\}", site, re.S).group(0)
    temp = folder / "tmp"
    temp.mkdir(parents=True, exist_ok=True)
    config = folder / "nginx.conf"
    config.write_text(
        f"""daemon off;
worker_processes 1;
pid {folder}/nginx.pid;
error_log {folder}/error.log warn;
events {{ worker_connections 512; }}
http {{
    access_log off;
    client_body_temp_path {temp}/body;
    proxy_temp_path {temp}/proxy;
    fastcgi_temp_path {temp}/fastcgi;
    uwsgi_temp_path {temp}/uwsgi;
    scgi_temp_path {temp}/scgi;
{upstream}
{upgrade_map}
    server {{
        listen 127.0.0.1:{listen};
        client_max_body_size 2m;
        include {DEPLOY / "crisisdrill-proxy.conf"};
    }}
}}
"""
    )
    return config


@contextmanager
def nginx(folder: Path, backends: list[int]) -> Iterator[str]:
    binary = shutil.which("nginx") or "/usr/sbin/nginx"
    require_service(Path(binary).exists(), "nginx (apt-get install -y nginx)")
    port = free_port()
    config = nginx_config(folder, port, backends)
    check = subprocess.run(
        [binary, "-t", "-c", str(config), "-p", str(folder)], capture_output=True, text=True
    )
    assert check.returncode == 0, check.stderr
    process = subprocess.Popen([binary, "-c", str(config), "-p", str(folder)], stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                threading.Event().wait(0.05)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.mark.slow
def test_the_shipped_nginx_example_proxies_pages_and_websockets_to_two_processes(tmp_path: Path) -> None:
    require_service(RedisServer.available(), "redis-server")
    redis = RedisServer(free_port(), tmp_path / "redis")
    redis.start()
    env = {
        "CRISISDRILL_INSTANCE": str(tmp_path / "instance"),
        "CRISISDRILL_SCENARIOS": str(DATA),
        "MESSAGE_QUEUE_URL": redis.url,
        "TRUSTED_PROXIES": "1",
        "ASYNC_MODE": "eventlet",
    }
    services = open_services(load_settings(env))
    migrate.upgrade(services.engine)
    accounts.add_facilitator(services.sessions, services.clock, "alice", PASSWORD)
    exercise = services.store.create_exercise(services.library.get("mini-drill"), ["Red"], owner="alice")
    exercise_id, code = exercise.state.exercise_id, exercise.state.teams["team-1"].join_code
    servers = [LiveServer(env, free_port()), LiveServer(env, free_port())]
    screens: list[Screen] = []
    try:
        for server in servers:
            server.start()
        with nginx(tmp_path / "nginx", [s.port for s in servers]) as url:
            facilitator_http = requests.Session()
            login = form_post(
                facilitator_http, f"{url}/facilitator/login", {"name": "alice", "password": PASSWORD}
            )
            assert login.status_code == 302
            assert facilitator_http.get(f"{url}/facilitator/exercises/{exercise_id}", timeout=10).ok
            facilitator = Screen(url, "/facilitator", facilitator_http)  # WebSocket through nginx
            team_http = requests.Session()
            assert form_post(team_http, f"{url}/join/{code}", {"display_name": "Rita"}).status_code == 302
            red = Screen(url, "/team", team_http)
            screens = [facilitator, red]
            assert facilitator.client.transport() == "websocket"

            assert facilitator.call("start_exercise", {"speed": 60})["ok"]
            red.wait_for(lambda items: any(i.get("inject_id") == "first-post" for i in items))
            ack = red.call(
                "post_reply", {"key": "nginx-reply-1", "text": "We are aware.", "inject_id": "first-post"}
            )
            assert ack["ok"], ack
            facilitator.wait_for(lambda items: any(i["kind"] == "reply" for i in items))
    finally:
        for screen in screens:
            screen.close()
        for server in servers:
            server.stop()
        redis.kill()
        services.engine.dispose()


def test_trusted_proxy_headers_give_the_client_address_and_scheme(services) -> None:
    settings = load_settings(
        {"CRISISDRILL_INSTANCE": str(services.settings.instance_dir), "TRUSTED_PROXIES": "1"}
    )
    services.settings = settings
    app = create_app({"TESTING": True}, services=services)
    seen = {}

    @app.get("/test-client-address")
    def client_address() -> str:
        from flask import request

        seen.update(addr=request.remote_addr, scheme=request.scheme)
        return "ok"

    headers = {"X-Forwarded-For": "203.0.113.9", "X-Forwarded-Proto": "https"}
    assert app.test_client().get("/test-client-address", headers=headers).status_code == 200
    assert seen == {"addr": "203.0.113.9", "scheme": "https"}


def test_without_trusted_proxies_forwarded_headers_are_ignored(app) -> None:
    seen = {}

    @app.get("/test-client-address")
    def client_address() -> str:
        from flask import request

        seen.update(addr=request.remote_addr)
        return "ok"

    app.test_client().get("/test-client-address", headers={"X-Forwarded-For": "203.0.113.9"})
    assert seen == {"addr": "127.0.0.1"}
