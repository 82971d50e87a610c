"""A database with a facilitator and a running exercise, and the environment to serve it.

The exercise uses ``bench/scenario/bench-drill.yaml``, where nothing falls due while the benchmarks
run, so the only pushes the screens get are the benchmark's own (plus the clock heartbeats).
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

from simulator.config import load_settings
from simulator.services import Services, open_services
from simulator.store import accounts, migrate
from simulator.store.models import EventRecord, ReplyRecord

SCENARIOS = Path(__file__).with_name("scenario")
FACILITATOR = ("bench", "bench-password-1234")
POSTGRES_URL = os.environ.get("BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")


@dataclass
class Deployment:
    folder: Path
    database_url: str | None = None
    teams: int = 50
    env: dict[str, str] = field(init=False)
    services: Services = field(init=False)
    exercise_id: str = field(init=False)
    codes: dict[str, str] = field(init=False)

    def __post_init__(self) -> None:
        self.env = {
            "CRISISDRILL_INSTANCE": str(self.folder / "instance"),
            "CRISISDRILL_SCENARIOS": str(SCENARIOS),
            "SECRET_KEY": secrets.token_hex(32),  # the same in every process: cookies work on all
            "RATELIMIT_ENABLED": "off",  # a load test is the flood the limits are there to stop
        }
        if self.database_url:
            self.env["DATABASE_URL"] = self.database_url
        self.services = open_services(load_settings({**self.env, "ASYNC_MODE": "threading"}))
        migrate.upgrade(self.services.engine)
        accounts.add_facilitator(self.services.sessions, self.services.clock, *FACILITATOR)
        names = [f"Team {n}" for n in range(1, self.teams + 1)]
        exercise = self.services.store.create_exercise(
            self.services.library.get("bench-drill"), names, owner=FACILITATOR[0]
        )
        self.exercise_id = exercise.state.exercise_id
        self.services.store.run(self.exercise_id, lambda ex, now: ex.start(now, speed=1))
        self.codes = {slot: team.join_code for slot, team in exercise.state.teams.items()}

    def server_env(self, async_mode: str, queue_url: str | None = None) -> dict[str, str]:
        env = {**self.env, "ASYNC_MODE": async_mode}
        if queue_url:
            env["MESSAGE_QUEUE_URL"] = queue_url
        return env

    def adhoc_inject(self, marker: str) -> str:
        """The id of the ad-hoc inject whose text is ``marker``."""
        self.services.store.forget(self.exercise_id)
        state = self.services.store.exercise(self.exercise_id).state
        return next(i for i, inject in state.adhoc_injects.items() if inject.text == marker)

    def replies_with_prefix(self, prefix: str) -> dict[str, int]:
        """What the database holds for keys starting with ``prefix`` (rows, distinct keys, events)."""
        with self.services.sessions() as session:
            like = ReplyRecord.idempotency_key.like(f"{prefix}-%")
            rows = session.scalar(select(func.count()).select_from(ReplyRecord).where(like)) or 0
            keys = session.scalar(
                select(
                    func.count(func.distinct(ReplyRecord.team_slot + ":" + ReplyRecord.idempotency_key))
                ).where(like)
            )
            events = session.scalar(
                select(func.count())
                .select_from(EventRecord)
                .where(EventRecord.dedupe_key.like(f"reply:%:{prefix}-%"))
            )
        return {"rows": rows, "distinct": keys or 0, "events": events or 0}

    def close(self) -> None:
        self.services.engine.dispose()


@contextmanager
def postgres_database() -> Iterator[str]:
    """A fresh PostgreSQL database for one benchmark, dropped afterwards."""
    name = f"crisisdrill_bench_{secrets.token_hex(4)}"
    url = make_url(POSTGRES_URL)
    admin = create_engine(url.set(drivername="postgresql+psycopg2"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
