"""Helpers to run the real server in a subprocess and drive it as browsers would (HTTP + Socket.IO)."""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import requests
import socketio

from tests.conftest import ROOT

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class LiveServer:
    """``python -m simulator.serve`` in a subprocess; ``kill()`` is a SIGKILL, ``start()`` restarts it."""

    def __init__(self, env: dict[str, str], port: int) -> None:
        self.env = {**os.environ, **env, "PORT": str(port), "HOST": "127.0.0.1"}
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        self.process: subprocess.Popen[str] | None = None
        self.log = Path(env["CRISISDRILL_INSTANCE"]) / f"server-{port}.log"

    def start(self, timeout_s: float = 30) -> None:
        self.log.parent.mkdir(parents=True, exist_ok=True)
        with self.log.open("a") as output:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "simulator.serve"],
                cwd=ROOT,
                env=self.env,
                stdout=output,
                stderr=subprocess.STDOUT,
                text=True,
            )
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited with {self.process.returncode}:\n{self.log.read_text()}")
            try:
                if requests.get(f"{self.url}/healthz", timeout=1).status_code == 200:
                    return
            except requests.RequestException:
                pass
            threading.Event().wait(0.1)
        raise RuntimeError(f"server did not answer within {timeout_s}s:\n{self.log.read_text()}")

    def kill(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill()


class RedisServer:
    """A private ``redis-server`` on a free port, so a test can kill and restart it."""

    def __init__(self, port: int, folder: Path) -> None:
        self.port = port
        self.url = f"redis://127.0.0.1:{port}/0"
        self.folder = folder
        self.process: subprocess.Popen[bytes] | None = None

    @staticmethod
    def available() -> bool:
        return shutil.which("redis-server") is not None

    def start(self, timeout_s: float = 10) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        self.process = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            cwd=self.folder,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as probe:
                    probe.sendall(b"PING\r\n")
                    if probe.recv(16).startswith(b"+PONG"):
                        return
            except OSError:
                pass
            threading.Event().wait(0.05)
        raise RuntimeError(f"redis-server did not start on port {self.port}")

    def kill(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)


def form_post(http: requests.Session, url: str, data: dict[str, str]) -> requests.Response:
    """GET a form page, then POST it with its CSRF token, as a browser would."""
    page = http.get(url, timeout=10)
    token = CSRF.search(page.text)
    assert token, f"no CSRF token on {url}"
    return http.post(url, data={**data, "csrf_token": token.group(1)}, timeout=10, allow_redirects=False)


class Screen:
    """A Socket.IO client that behaves like our JS screens: sync on every (re)connect, apply pushes
    in ``seq`` order, ignore what it has already seen."""

    def __init__(self, base_url: str, namespace: str, http: requests.Session) -> None:
        self.namespace = namespace
        self.items: list[dict[str, Any]] = []
        self.last_seq = 0
        self._syncing = False
        self._held: list[dict[str, Any]] = []
        self.changed = threading.Condition()
        self.synced = threading.Event()
        self.client = socketio.Client(reconnection=True, reconnection_delay=0.2, reconnection_delay_max=1)
        self.client.on("connect", self._on_connect, namespace=namespace)
        self.client.on("push", self._on_push, namespace=namespace)
        self.client.on("clock", self._on_clock, namespace=namespace)
        self.client.on("catch_up", self._on_catch_up, namespace=namespace)
        self.client.on("disconnect", self.synced.clear, namespace=namespace)
        cookie = "; ".join(f"{c.name}={c.value}" for c in http.cookies)
        self.client.connect(
            base_url,
            namespaces=[namespace],
            headers={"Cookie": cookie},
            transports=["websocket"],
            wait_timeout=10,
        )

    def _apply(self, items: list[dict[str, Any]], snapshot: bool = False) -> None:
        """New items in ``seq`` order; a snapshot replaces what this screen showed, as the JS does."""
        with self.changed:
            if snapshot:
                self.items, self.last_seq = [], 0
            for item in sorted(items, key=lambda i: i["seq"]):
                if item["seq"] > self.last_seq:
                    self.items.append(item)
                    self.last_seq = item["seq"]
            self.changed.notify_all()

    def _on_connect(self, full: bool = False) -> None:
        """Catch up (as the JS does): pushes that arrive meanwhile wait, a refused sync is retried."""
        with self.changed:
            if not self._syncing:
                self._held, self._syncing = [], True

        def sync() -> None:
            while True:
                after = 0 if full else self.last_seq
                try:
                    reply = self.client.call(
                        "sync", {"after_seq": after}, namespace=self.namespace, timeout=10
                    )
                except socketio.exceptions.SocketIOError:
                    return  # disconnected: the reconnection syncs again
                if reply.get("ok"):
                    break
                threading.Event().wait(0.5)  # the server asked to retry (database away)
            if reply.get("snapshot"):
                self._apply(reply["snapshot"]["items"], snapshot=True)
                self.last_seq = max(self.last_seq, reply["snapshot"]["last_seq"])
            else:
                self._apply(reply["items"])
                self.last_seq = max(self.last_seq, reply["last_seq"])
            with self.changed:
                held, self._held, self._syncing = self._held, [], False
            self._apply(held)
            self.synced.set()

        self.client.start_background_task(sync)

    def _on_push(self, message: dict[str, Any]) -> None:
        with self.changed:
            if self._syncing:  # applied after the catch-up, or its older items would be skipped
                self._held.extend(message["items"])
                return
        self._apply(message["items"])

    def _on_clock(self, message: dict[str, Any]) -> None:
        """The heartbeat names the last ``seq``: catch up on pushes this screen missed (as the JS does)."""
        if message.get("last_seq", 0) > self.last_seq and self.synced.is_set():
            self.synced.clear()
            self._on_connect()

    def _on_catch_up(self, _message: Any = None) -> None:
        """The server's message queue was down: reload the whole state (a later push may have come)."""
        self.synced.clear()
        self._on_connect(full=True)

    def wait_for(
        self, predicate: Callable[[list[dict[str, Any]]], bool], timeout_s: float = 20
    ) -> list[dict[str, Any]]:
        with self.changed:
            assert self.changed.wait_for(lambda: predicate(self.items), timeout=timeout_s), self.items
            return list(self.items)

    def call(self, event: str, payload: dict[str, Any], timeout_s: float = 10) -> dict[str, Any]:
        """Emit with an acknowledgement, once connected and caught up (waiting out a reconnection)."""
        deadline = time.monotonic() + timeout_s
        while True:
            left = deadline - time.monotonic()
            assert left > 0 and self.synced.wait(left), (
                f"{self.namespace}: no acknowledgement within {timeout_s}s"
            )
            try:
                return self.client.call(event, payload, namespace=self.namespace, timeout=max(left, 0.1))
            except (socketio.exceptions.BadNamespaceError, socketio.exceptions.TimeoutError):
                self.synced.clear()  # the connection dropped: resend the same payload once reconnected

    def close(self) -> None:
        """Disconnect, or stop reconnecting (``disconnect`` alone leaves a reconnection loop running)."""
        self.client.shutdown()
