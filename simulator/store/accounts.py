"""Facilitator accounts, with hashed passwords."""

from __future__ import annotations

import re
import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from werkzeug.security import check_password_hash, generate_password_hash

from ..engine.clock import Clock
from .models import FacilitatorRecord

NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,79}$")
MIN_PASSWORD = 10


class AccountError(ValueError):
    pass


def new_password() -> str:
    """A random password that is easy to type from a projector (no look-alike characters)."""
    alphabet = "abcdefghjkmnpqrstuvwxyz23456789"
    return "-".join("".join(secrets.choice(alphabet) for _ in range(4)) for _ in range(3))


def add_facilitator(sessions: sessionmaker[Session], clock: Clock, name: str, password: str) -> None:
    if not NAME.match(name):
        raise AccountError(
            f"invalid facilitator name {name!r}: use 1-80 letters, digits, '.', '_', '@' or '-'"
        )
    if len(password) < MIN_PASSWORD:
        raise AccountError(f"password too short: at least {MIN_PASSWORD} characters")
    with sessions.begin() as session:
        if session.get(FacilitatorRecord, name) is not None:
            raise AccountError(f"facilitator {name!r} already exists")
        session.add(
            FacilitatorRecord(
                name=name, password_hash=generate_password_hash(password), created_at=clock.now()
            )
        )


def set_password(sessions: sessionmaker[Session], name: str, password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise AccountError(f"password too short: at least {MIN_PASSWORD} characters")
    with sessions.begin() as session:
        record = session.get(FacilitatorRecord, name)
        if record is None:
            raise AccountError(f"no facilitator named {name!r}")
        record.password_hash = generate_password_hash(password)


def check_facilitator(sessions: sessionmaker[Session], name: str, password: str) -> bool:
    with sessions() as session:
        record = session.get(FacilitatorRecord, name)
        return record is not None and check_password_hash(record.password_hash, password)


def facilitator_names(sessions: sessionmaker[Session]) -> list[str]:
    with sessions() as session:
        return list(session.scalars(select(FacilitatorRecord.name).order_by(FacilitatorRecord.name)))
