"""Projections: tables derived from the event log, kept in step in the same transaction.

``rebuild`` drops every projection row and replays the log, which proves they hold nothing the log
does not."""

from __future__ import annotations

from sqlalchemy import delete, insert, select, update
from sqlalchemy.orm import Session

from ..engine.events import Event, EventType
from .models import (
    Base,
    DeliveryRecord,
    EventRecord,
    ExerciseRecord,
    ParticipantRecord,
    ReplyRecord,
    TeamRecord,
)

_STATUS_AFTER = {
    EventType.exercise_started: "running",
    EventType.exercise_resumed: "running",
    EventType.exercise_paused: "paused",
    EventType.exercise_ended: "ended",
}


def project_all(session: Session, exercise_id: str, events: list[Event]) -> None:
    """Update the projection tables for events appended together (``id`` and ``seq`` set): one
    ``UPDATE exercises`` for the batch, one insert per projected row (a 50-team release is one batch)."""
    if not events:
        return
    if events[0].type is EventType.exercise_created:
        for event in events:
            project(session, exercise_id, event)
        return
    values: dict[str, object] = {"last_seq": events[-1].seq}
    for event in events:
        values.update(_exercise_changes(event))
    session.execute(update(ExerciseRecord).where(ExerciseRecord.id == exercise_id).values(**values))
    per_table: dict[type[Base], list[dict[str, object]]] = {}
    for event in events:
        if (row := _row(exercise_id, event)) is not None:
            per_table.setdefault(row[0], []).append(row[1])
    for model, rows in per_table.items():
        # Core executemany, not ORM objects: a burst of replies is inserted without the unit of work.
        session.execute(insert(model.__table__), rows)  # type: ignore[attr-defined]


def _exercise_changes(event: Event) -> dict[str, object]:
    values: dict[str, object] = {}
    if event.type in _STATUS_AFTER:
        values["status"] = _STATUS_AFTER[event.type]
    if event.type in (EventType.exercise_started, EventType.speed_changed) and "speed" in event.data:
        values["speed"] = float(event.data["speed"])
    return values


def project(session: Session, exercise_id: str, event: Event) -> None:
    """Update the projection tables for one event (``event.id`` and ``seq`` must be set)."""
    d = event.data
    if event.type is EventType.exercise_created:
        session.add(
            ExerciseRecord(
                id=exercise_id,
                scenario_id=d["scenario"]["id"],
                title=d["title"],
                status="draft",
                speed=float(d.get("speed", 1.0)),
                created_at=event.at,
                last_seq=event.seq or 0,
                owner=d.get("owner"),
                label=d.get("label"),
            )
        )
        session.flush()
        for team in d["teams"]:
            session.add(TeamRecord(exercise_id=exercise_id, **team))
        return
    values: dict[str, object] = {"last_seq": event.seq, **_exercise_changes(event)}
    session.execute(update(ExerciseRecord).where(ExerciseRecord.id == exercise_id).values(**values))
    row = _row(exercise_id, event)
    if row is not None:
        model, values = row
        session.add(model(**values))


def _row(exercise_id: str, event: Event) -> tuple[type[Base], dict[str, object]] | None:
    """The projection row an event adds, if any: its model and its column values."""
    d = event.data
    match event.type:
        case EventType.team_added:
            return TeamRecord, dict(
                exercise_id=exercise_id, slot=d["slot"], name=d["name"], join_code=d["join_code"]
            )
        case EventType.participant_joined:
            return ParticipantRecord, dict(
                id=d["participant_id"],
                exercise_id=exercise_id,
                team_slot=d["team"],
                display_name=d["display_name"],
                joined_at=event.at,
            )
        case EventType.inject_delivered:
            return DeliveryRecord, dict(
                exercise_id=exercise_id,
                inject_id=d["inject_id"],
                team_slot=d["team"],
                origin=d["origin"],
                scenario_s=event.scenario_s,
                delivered_at=event.at,
                event_id=event.id,
            )
        case EventType.reply_posted:
            return ReplyRecord, dict(
                id=d["reply_id"],
                exercise_id=exercise_id,
                team_slot=d["team"],
                inject_id=d.get("inject_id"),
                channel=d["channel"],
                kind=d["kind"],
                text=d["text"],
                author=d["author"],
                idempotency_key=d["key"],
                scenario_s=event.scenario_s,
                published_at=event.at,
                event_id=event.id,
            )
        case _:
            return None


def rebuild(session: Session) -> int:
    """Recreate every projection row from the event log; return the number of events replayed."""
    for record in (ReplyRecord, DeliveryRecord, ParticipantRecord, TeamRecord, ExerciseRecord):
        session.execute(delete(record))
    count = 0
    rows = session.scalars(select(EventRecord).order_by(EventRecord.exercise_id, EventRecord.seq))
    for row in rows:
        project(session, row.exercise_id, to_event(row))
        count += 1
    return count


def to_event(row: EventRecord) -> Event:
    return Event(
        type=EventType(row.type),
        at=row.at,
        scenario_s=row.scenario_s,
        data=row.data,
        dedupe_key=row.dedupe_key,
        seq=row.seq,
        id=row.id,
    )
