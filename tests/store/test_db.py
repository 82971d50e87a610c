"""The PostgreSQL driver follows the async mode: only psycopg2 cooperates with eventlet."""

from __future__ import annotations

import pytest

from simulator.config import SettingsError
from simulator.store.db import normalise_url


def test_eventlet_gets_psycopg2() -> None:
    assert normalise_url("postgresql://u@h/db", "eventlet").startswith("postgresql+psycopg2://")
    assert normalise_url("postgres://u@h/db", "eventlet").startswith("postgresql+psycopg2://")


@pytest.mark.parametrize("mode", ["gevent", "threading"])
def test_gevent_and_threading_get_psycopg3_when_installed(mode: str) -> None:
    pytest.importorskip("psycopg")
    assert normalise_url("postgresql://u@h/db", mode).startswith("postgresql+psycopg://")


def test_an_explicit_driver_and_other_databases_are_kept() -> None:
    assert normalise_url("postgresql+psycopg://u@h/db", "gevent") == "postgresql+psycopg://u@h/db"
    assert normalise_url("postgresql+psycopg2://u@h/db", "gevent") == "postgresql+psycopg2://u@h/db"
    assert normalise_url("sqlite:////tmp/x.db", "eventlet") == "sqlite:////tmp/x.db"


def test_psycopg3_under_eventlet_is_refused_with_the_reason() -> None:
    with pytest.raises(SettingsError, match="does not cooperate with eventlet"):
        normalise_url("postgresql+psycopg://u@h/db", "eventlet")
