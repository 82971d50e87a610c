"""Typed SQLAlchemy 2 models. ``EventRecord`` is the source of truth; the rest are projections that
``projections.rebuild`` can recreate from the events at any time."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes on every backend (SQLite keeps no zone: store naive UTC, read back aware)."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: pass an aware UTC datetime")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        return value.replace(tzinfo=UTC) if value is not None else None


BigId = BigInteger().with_variant(Integer, "sqlite")


class Base(DeclarativeBase):
    pass


class EventRecord(Base):
    """One domain event. Append-only: rows are never updated or deleted."""

    __tablename__ = "events"
    __table_args__ = (
        UniqueConstraint("exercise_id", "seq", name="uq_events_exercise_seq"),
        UniqueConstraint("exercise_id", "dedupe_key", name="uq_events_exercise_dedupe"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    exercise_id: Mapped[str] = mapped_column(String(32), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    type: Mapped[str] = mapped_column(String(40))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    scenario_s: Mapped[float] = mapped_column(Float)
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    dedupe_key: Mapped[str | None] = mapped_column(String(200))


class ExerciseRecord(Base):
    __tablename__ = "exercises"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    scenario_id: Mapped[str] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(16), index=True)
    speed: Mapped[float] = mapped_column(Float)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_seq: Mapped[int] = mapped_column(Integer, default=0)
    owner: Mapped[str | None] = mapped_column(String(80), index=True)
    label: Mapped[str | None] = mapped_column(String(40))


class TeamRecord(Base):
    __tablename__ = "teams"
    __table_args__ = (UniqueConstraint("exercise_id", "slot", name="uq_teams_exercise_slot"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    exercise_id: Mapped[str] = mapped_column(ForeignKey("exercises.id", ondelete="CASCADE"), index=True)
    slot: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(80))
    join_code: Mapped[str] = mapped_column(String(16), unique=True)


class ParticipantRecord(Base):
    __tablename__ = "participants"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    exercise_id: Mapped[str] = mapped_column(ForeignKey("exercises.id", ondelete="CASCADE"), index=True)
    team_slot: Mapped[str] = mapped_column(String(16))
    display_name: Mapped[str] = mapped_column(String(80))
    joined_at: Mapped[datetime] = mapped_column(UTCDateTime)


class DeliveryRecord(Base):
    __tablename__ = "deliveries"
    __table_args__ = (UniqueConstraint("exercise_id", "inject_id", "team_slot", name="uq_deliveries_once"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    exercise_id: Mapped[str] = mapped_column(ForeignKey("exercises.id", ondelete="CASCADE"), index=True)
    inject_id: Mapped[str] = mapped_column(String(64))
    team_slot: Mapped[str] = mapped_column(String(16))
    origin: Mapped[str] = mapped_column(String(16))
    scenario_s: Mapped[float] = mapped_column(Float)
    delivered_at: Mapped[datetime] = mapped_column(UTCDateTime)
    event_id: Mapped[int] = mapped_column(BigId)


class ReplyRecord(Base):
    __tablename__ = "replies"
    __table_args__ = (
        UniqueConstraint("exercise_id", "team_slot", "idempotency_key", name="uq_replies_key"),
        Index("ix_replies_exercise_team", "exercise_id", "team_slot"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    exercise_id: Mapped[str] = mapped_column(ForeignKey("exercises.id", ondelete="CASCADE"))
    team_slot: Mapped[str] = mapped_column(String(16))
    inject_id: Mapped[str | None] = mapped_column(String(64))
    channel: Mapped[str] = mapped_column(String(16))
    kind: Mapped[str] = mapped_column(String(16))
    text: Mapped[str] = mapped_column(Text)
    author: Mapped[str] = mapped_column(String(80))
    idempotency_key: Mapped[str] = mapped_column(String(64))
    scenario_s: Mapped[float] = mapped_column(Float)
    published_at: Mapped[datetime] = mapped_column(UTCDateTime)
    event_id: Mapped[int] = mapped_column(BigId)


class FacilitatorRecord(Base):
    """A facilitator account (not event-sourced: accounts are not part of an exercise's story)."""

    __tablename__ = "facilitators"

    name: Mapped[str] = mapped_column(String(80), primary_key=True)
    password_hash: Mapped[str] = mapped_column(String(256))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # Sessions signed in before this moment are no longer valid (sign-out ends them everywhere).
    sessions_valid_after: Mapped[datetime | None] = mapped_column(UTCDateTime)


class MemberRecord(Base):
    """A facilitator or read-only observer added to an exercise by its owner."""

    __tablename__ = "exercise_members"

    exercise_id: Mapped[str] = mapped_column(ForeignKey("exercises.id", ondelete="CASCADE"), primary_key=True)
    facilitator: Mapped[str] = mapped_column(
        ForeignKey("facilitators.name", ondelete="CASCADE"), primary_key=True
    )
    role: Mapped[str] = mapped_column(String(16))
    added_at: Mapped[datetime] = mapped_column(UTCDateTime)


class LeaseRecord(Base):
    """A named lease held by one server process until ``expires_at`` (epoch seconds) unless renewed:
    the scheduler's single-holder lock (see ``leases``)."""

    __tablename__ = "leases"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    holder: Mapped[str] = mapped_column(String(128))
    expires_at: Mapped[float] = mapped_column(Float)
    acquired_at: Mapped[float] = mapped_column(Float)
