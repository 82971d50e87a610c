"""Alembic environment: the URL and connection come from ``simulator.store.migrate``."""

from __future__ import annotations

from alembic import context

from simulator.store.models import Base

config = context.config
target_metadata = Base.metadata


def run_migrations() -> None:
    connection = config.attributes.get("connection")
    if connection is None:
        raise RuntimeError("run migrations through `crisisdrill db upgrade`")
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=True,  # SQLite cannot ALTER most things: batch mode recreates tables
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


run_migrations()
