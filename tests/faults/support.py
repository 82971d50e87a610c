"""Shared set-up for fault tests: a migrated database with a facilitator and a two-team mini drill,
the real server in a subprocess, signing in over HTTP or in Chromium, and condition waits."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests
from sqlalchemy import func, select

from simulator.config import load_settings
from simulator.services import Services, open_services
from simulator.store import accounts, migrate
from simulator.store.models import DeliveryRecord, EventRecord, ReplyRecord
from tests.factories import DATA
from tests.live import LiveServer, form_post, free_port

PASSWORD = "correct-horse-battery"


def wait_until(predicate: Callable[[], Any], timeout_s: float, what: str, poll_s: float = 0.05) -> Any:
    """Wait for ``predicate()`` to be truthy (and return it); fail with ``what`` after ``timeout_s``."""
    deadline = time.monotonic() + timeout_s
    pause = threading.Event()  # never set: a timed wait between polls
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout_s}s waiting for {what}")
        pause.wait(poll_s)


@dataclass
class Drill:
    """A mini drill (teams Red = team-1, Blue = team-2) owned by ``alice``, served by ``server``."""

    services: Services  # the test's own connection to the database, never through a fault
    server: LiveServer
    exercise_id: str
    join_codes: dict[str, str]

    @property
    def url(self) -> str:
        return self.server.url

    # --- signing in over HTTP (for python Screens) --------------------------------------------

    def facilitator_http(self) -> requests.Session:
        http = requests.Session()
        login = form_post(http, f"{self.url}/facilitator/login", {"name": "alice", "password": PASSWORD})
        assert login.status_code == 302, login.text
        console = http.get(f"{self.url}/facilitator/exercises/{self.exercise_id}", timeout=10)
        assert console.status_code == 200
        return http

    def team_http(self, slot: str, name: str) -> requests.Session:
        http = requests.Session()
        joined = form_post(http, f"{self.url}/join/{self.join_codes[slot]}", {"display_name": name})
        assert joined.status_code == 302, joined.text
        return http

    # --- signing in with a browser (one context per person) -----------------------------------

    def open_console(self, page: Any, base: str | None = None) -> Any:
        """Sign ``page`` in as alice and open the exercise's console (at ``base``, default the server)."""
        base = base or self.url
        page.goto(f"{base}/facilitator/login")
        page.fill("input[name=name]", "alice")
        page.fill("input[name=password]", PASSWORD)
        page.click("form button[type=submit]")
        page.wait_for_url("**/facilitator/")
        page.goto(f"{base}/facilitator/exercises/{self.exercise_id}")
        page.wait_for_selector("#connection[data-state=online]", timeout=10_000)
        return page

    def open_team_screen(self, page: Any, slot: str, name: str, base: str | None = None) -> Any:
        """Join team ``slot`` as ``name`` in ``page`` and wait for its screen to be online."""
        page.goto(f"{base or self.url}/join/{self.join_codes[slot]}")
        page.fill("input[name=display_name]", name)
        page.click("form button[type=submit]")
        page.wait_for_url("**/team")
        page.wait_for_selector("#connection[data-state=online]", timeout=10_000)
        return page

    # --- the database as the test sees it -----------------------------------------------------

    def replies(self) -> list[ReplyRecord]:
        with self.services.sessions() as session:
            return list(
                session.scalars(select(ReplyRecord).where(ReplyRecord.exercise_id == self.exercise_id))
            )

    def deliveries(self) -> list[tuple[str, str]]:
        """(inject id, team slot) of every delivery row."""
        with self.services.sessions() as session:
            rows = session.execute(
                select(DeliveryRecord.inject_id, DeliveryRecord.team_slot).where(
                    DeliveryRecord.exercise_id == self.exercise_id
                )
            )
            return [(inject, team) for inject, team in rows]

    def delivered_events(self) -> list[tuple[str, str]]:
        """(inject id, team slot) of every ``inject_delivered`` event in the log."""
        with self.services.sessions() as session:
            rows = session.scalars(
                select(EventRecord.data).where(
                    EventRecord.exercise_id == self.exercise_id, EventRecord.type == "inject_delivered"
                )
            )
            return [(data["inject_id"], data["team"]) for data in rows]

    def event_count(self, event_type: str) -> int:
        with self.services.sessions() as session:
            return (
                session.scalar(
                    select(func.count())
                    .select_from(EventRecord)
                    .where(EventRecord.exercise_id == self.exercise_id, EventRecord.type == event_type)
                )
                or 0
            )

    def last_event(self, event_type: str) -> EventRecord:
        with self.services.sessions() as session:
            row = session.scalars(
                select(EventRecord)
                .where(EventRecord.exercise_id == self.exercise_id, EventRecord.type == event_type)
                .order_by(EventRecord.seq.desc())
                .limit(1)
            ).first()
            assert row is not None, f"no {event_type} event"
            return row


@contextmanager
def live_drill(tmp_path: Path, database_url: str, server_database_url: str | None = None) -> Iterator[Drill]:
    """Migrate ``database_url``, create the drill, serve it with eventlet (the server may reach the
    database through another URL, e.g. a proxy); stop everything afterwards."""
    instance = tmp_path / "instance"
    env = {
        "CRISISDRILL_INSTANCE": str(instance),
        "CRISISDRILL_SCENARIOS": str(DATA),
        "ASYNC_MODE": "eventlet",
        "DATABASE_URL": database_url,
    }
    services = open_services(load_settings(env))
    try:
        migrate.upgrade(services.engine)
        accounts.add_facilitator(services.sessions, services.clock, "alice", PASSWORD)
        exercise = services.store.create_exercise(
            services.library.get("mini-drill"), ["Red", "Blue"], owner="alice"
        )
        codes = {slot: team.join_code for slot, team in exercise.state.teams.items()}
        server = LiveServer({**env, "DATABASE_URL": server_database_url or database_url}, free_port())
        server.start()
        try:
            yield Drill(services, server, exercise.state.exercise_id, codes)
        finally:
            server.stop()
    finally:
        services.engine.dispose()
