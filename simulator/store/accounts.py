"""Facilitator accounts, with hashed passwords."""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from werkzeug.security import check_password_hash, generate_password_hash

from ..engine.clock import Clock
from .models import ExerciseRecord, FacilitatorRecord, MemberRecord

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


# werkzeug's scrypt hash of a random password thrown away when it was made: checked for unknown names
# (below). A constant, so that no hash is computed on the server's event loop to make it.
UNKNOWN_NAME_HASH = (
    "scrypt:32768:8:1$s2gvBzZ1xARLO0Nl$7241d95b37f8d773444c69a686"
    "9636ff592883ba6ebae22e38f66900d24b16aff5e04cc14b813615499fd5d0ed353dd6558df5d9ce56b32f6fa9099fd029a595"
)


def check_facilitator(
    sessions: sessionmaker[Session],
    name: str,
    password: str,
    verify: Callable[[str, str], bool] = check_password_hash,
) -> bool:
    """Whether ``password`` is ``name``'s. ``verify(hash, password)`` is werkzeug's check, or the
    same run off the event loop (``simulator.web.offload``).

    An unknown name is checked against a hash of a random password, so that it takes as long as a
    known name with a wrong password: the time of a refusal does not tell which names exist."""
    with sessions() as session:
        record = session.get(FacilitatorRecord, name)
        stored = record.password_hash if record is not None else UNKNOWN_NAME_HASH
    matches = verify(stored, password)  # after the session: a connection is not held for 40 ms
    return record is not None and matches


def facilitator_names(sessions: sessionmaker[Session]) -> list[str]:
    with sessions() as session:
        return list(session.scalars(select(FacilitatorRecord.name).order_by(FacilitatorRecord.name)))


ROLES = ("facilitator", "observer")


def exercise_role(sessions: sessionmaker[Session], exercise_id: str, name: str | None) -> str | None:
    """``owner``, ``facilitator``, ``observer`` or None: what ``name`` may do in an exercise."""
    if not name:
        return None
    with sessions() as session:
        exercise = session.get(ExerciseRecord, exercise_id)
        if exercise is None:
            return None
        if exercise.owner == name:
            return "owner"
        member = session.get(MemberRecord, (exercise_id, name))
        return member.role if member else None


def add_member(sessions: sessionmaker[Session], clock: Clock, exercise_id: str, name: str, role: str) -> None:
    if role not in ROLES:
        raise AccountError(f"role must be one of {', '.join(ROLES)}, got {role!r}")
    with sessions.begin() as session:
        if session.get(FacilitatorRecord, name) is None:
            raise AccountError(
                f"no facilitator named {name!r}: create the account first (crisisdrill facilitator add)"
            )
        exercise = session.get(ExerciseRecord, exercise_id)
        if exercise is None:
            raise AccountError(f"no exercise {exercise_id!r}")
        if exercise.owner == name:
            raise AccountError(f"{name} owns this exercise already")
        member = session.get(MemberRecord, (exercise_id, name))
        if member is None:
            session.add(
                MemberRecord(exercise_id=exercise_id, facilitator=name, role=role, added_at=clock.now())
            )
        else:
            member.role = role


def members(sessions: sessionmaker[Session], exercise_id: str) -> list[tuple[str, str]]:
    with sessions() as session:
        rows = session.execute(
            select(MemberRecord.facilitator, MemberRecord.role)
            .where(MemberRecord.exercise_id == exercise_id)
            .order_by(MemberRecord.facilitator)
        )
        return [(row[0], row[1]) for row in rows]


def visible_exercises(sessions: sessionmaker[Session], name: str) -> list[tuple[ExerciseRecord, str]]:
    """Exercises ``name`` owns or is a member of, newest first, with the role."""
    with sessions() as session:
        owned = session.scalars(select(ExerciseRecord).where(ExerciseRecord.owner == name))
        rows = [(e, "owner") for e in owned]
        joined = session.execute(
            select(ExerciseRecord, MemberRecord.role)
            .join(MemberRecord, MemberRecord.exercise_id == ExerciseRecord.id)
            .where(MemberRecord.facilitator == name)
        )
        rows += [(row[0], row[1]) for row in joined]
        return sorted(rows, key=lambda r: r[0].created_at, reverse=True)


def end_sessions(sessions: sessionmaker[Session], clock: Clock, name: str) -> None:
    """Invalidate every session of ``name`` signed in until now (HTTP and sockets alike)."""
    with sessions.begin() as session:
        record = session.get(FacilitatorRecord, name)
        if record is not None:
            record.sessions_valid_after = clock.now()


def session_is_valid(sessions: sessionmaker[Session], name: str, signed_in_at: float) -> bool:
    """True when ``name`` exists and signed in (epoch seconds) after its last sign-out."""
    with sessions() as session:
        record = session.get(FacilitatorRecord, name)
        if record is None:
            return False
        valid_after = record.sessions_valid_after
        return valid_after is None or signed_in_at > valid_after.timestamp()
