"""Shared fixtures and factories (after CTFd's ``gen_*`` helpers): tests stay short."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import text

from simulator.config import load_settings
from simulator.engine.clock import ManualClock
from simulator.services import Services, open_services
from simulator.store import migrate
from tests.factories import DATA

ROOT = Path(__file__).resolve().parent.parent

POSTGRES_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql+psycopg2://postgres@127.0.0.1:5432/test")


def postgres_available() -> bool:
    try:
        import psycopg2

        psycopg2.connect(POSTGRES_URL.replace("postgresql+psycopg2", "postgresql"), connect_timeout=2).close()
        return True
    except Exception:
        return False


def _database_urls() -> list:
    params = [pytest.param("sqlite", id="sqlite")]
    params.append(pytest.param("postgres", id="postgres", marks=pytest.mark.postgres))
    return params


@pytest.fixture(params=_database_urls())
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A migrated, empty database: SQLite in a temp folder, and PostgreSQL when it runs.

    PostgreSQL tests skip on a laptop without it, but fail under CI=true."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'test.db'}"
        return
    with postgres_schema(request.node.nodeid) as url:
        yield url


def require_service(available: bool, what: str) -> None:
    """Skip on a laptop without ``what``; fail under CI=true, where every service must run."""
    if available:
        return
    if os.environ.get("CI") == "true":
        pytest.fail(f"{what} is required under CI=true but unavailable")
    pytest.skip(f"{what} unavailable")


@contextmanager
def postgres_schema(name: str) -> Iterator[str]:
    """A URL on a fresh PostgreSQL schema of its own (dropped afterwards)."""
    require_service(postgres_available(), f"PostgreSQL at {POSTGRES_URL}")
    schema = f"t_{os.getpid()}_{abs(hash(name)) % 10**8}"
    from sqlalchemy import create_engine

    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield f"{POSTGRES_URL}?options=-csearch_path%3D{schema}"
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture
def postgres_url(request: pytest.FixtureRequest) -> Iterator[str]:
    """An empty PostgreSQL schema of its own (fails under CI=true when PostgreSQL is down)."""
    with postgres_schema(request.node.nodeid) as url:
        yield url


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def services(database_url: str, tmp_path: Path, clock: ManualClock) -> Iterator[Services]:
    """Services on a migrated database, a manual clock and the test scenario folder."""
    env = {
        "DATABASE_URL": database_url,
        "CRISISDRILL_INSTANCE": str(tmp_path / "instance"),
        "ASYNC_MODE": "threading",
    }
    built = open_services(load_settings(env), clock=clock, library_dir=DATA)
    migrate.upgrade(built.engine)
    yield built
    built.engine.dispose()


@pytest.fixture
def library(tmp_path: Path) -> Path:
    """A scenario library folder of the test's own (imports and uploads write into it): the mini drill."""
    folder = tmp_path / "scenarios"
    folder.mkdir()
    shutil.copy(DATA / "mini.yaml", folder / "mini.yaml")
    return folder
