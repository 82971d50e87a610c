"""Database engines: SQLite (WAL) by default, any SQLAlchemy URL through ``DATABASE_URL``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import StaticPool

from ..config import SettingsError


def default_database_url(instance_dir: Path) -> str:
    return f"sqlite:///{instance_dir / 'crisisdrill.db'}"


def normalise_url(url: str, async_mode: str = "eventlet") -> str:
    """Pick the PostgreSQL driver from the async mode.

    Under eventlet only psycopg2 cooperates with the monkey-patched sockets (psycopg 3 does not
    support eventlet), so a bare ``postgresql://`` URL becomes ``postgresql+psycopg2://``. Under gevent
    or threading psycopg 3 is used when installed, else psycopg2. An explicit driver is kept."""
    parsed = make_url(url)
    if parsed.drivername in {"postgresql", "postgres"}:
        driver = "psycopg2"
        if async_mode != "eventlet":
            try:
                import psycopg  # noqa: F401

                driver = "psycopg"
            except ImportError:
                driver = "psycopg2"
        parsed = parsed.set(drivername=f"postgresql+{driver}")
    elif parsed.drivername == "postgresql+psycopg" and async_mode == "eventlet":
        raise SettingsError(
            "DATABASE_URL asks for psycopg 3 (postgresql+psycopg://), which does not cooperate with "
            "eventlet: use postgresql:// (psycopg2) or ASYNC_MODE=gevent"
        )
    return parsed.render_as_string(hide_password=False)


def make_engine(url: str, async_mode: str = "eventlet", echo: bool = False) -> Engine:
    """An engine with the settings our stack needs (see shared STACK-NOTES)."""
    url = normalise_url(url, async_mode)
    parsed = make_url(url)
    kwargs: dict[str, Any] = {"echo": echo, "future": True}
    if parsed.get_backend_name() == "sqlite":
        kwargs["connect_args"] = {"check_same_thread": False, "timeout": 15}
        if parsed.database in (None, "", ":memory:"):
            # One shared connection: under monkey patching each greenlet would get its own empty DB.
            kwargs["poolclass"] = StaticPool
        else:
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    kwargs["pool_pre_ping"] = True
    # A database that stops answering must fail a request in seconds, not hang it (and the scheduler).
    kwargs["connect_args"] = {"connect_timeout": 5}
    kwargs["pool_timeout"] = 10
    kwargs["pool_size"] = 10
    kwargs["max_overflow"] = 20
    return create_engine(url, **kwargs)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    # FULL: an acknowledged reply survives a power cut, not only a crash (~1,400 commits/s here).
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA busy_timeout=15000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)
