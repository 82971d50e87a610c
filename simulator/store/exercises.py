"""The exercise store: run engine commands against the event log, exactly once.

``run`` loads the exercise (a cached fold, caught up with events other processes appended), asks the
engine for new events, and appends them in one transaction with consecutive ``seq`` numbers. The
unique constraints on (exercise, seq) and (exercise, dedupe_key) turn a race between two writers into
an ``IntegrityError`` for one of them; that one catches up and re-runs its command on the fresher state,
where the engine no longer finds anything to release twice.
"""

from __future__ import annotations

import hashlib
import secrets
import threading
import time
from collections.abc import Callable, Sequence
from contextlib import nullcontext
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, insert, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from ..engine.clock import Clock
from ..engine.events import Event
from ..engine.exercise import Exercise
from ..engine.scenario import Scenario
from .models import EventRecord, ExerciseRecord, TeamRecord
from .projections import project_all, to_event

Command = Callable[[Exercise, datetime], list[Event]]

JOIN_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud in a room
JOIN_CODE_LENGTH = 6
MAX_ATTEMPTS = 8


@dataclass(eq=False)
class _Pending:
    """A command waiting for the next group commit of its exercise."""

    command: Command
    stored: list[Event] = field(default_factory=list)
    error: BaseException | None = None
    done: bool = False


class ExerciseNotFound(LookupError):
    pass


class WriteConflict(RuntimeError):
    """Raised when a command kept colliding with other writers (should not happen in practice)."""


class ExerciseStore:
    """Creates exercises and runs commands on them; safe for concurrent greenlets and processes."""

    def __init__(self, sessions: sessionmaker[Session], clock: Clock) -> None:
        self.sessions = sessions
        self.clock = clock
        self._cache: dict[str, Exercise] = {}
        self._locks: dict[str, threading.Lock] = {}
        self._locks_guard = threading.Lock()
        self._queues: dict[str, list[_Pending]] = {}

    # --- creating ------------------------------------------------------------------------------

    def create_exercise(
        self,
        scenario: Scenario,
        team_names: Sequence[str],
        *,
        title: str | None = None,
        speed: float = 1.0,
        owner: str | None = None,
        label: str | None = None,
        options: dict[str, bool] | None = None,
    ) -> Exercise:
        """Create an exercise with a fresh id and a unique join code per team."""
        for _ in range(MAX_ATTEMPTS):
            exercise_id = secrets.token_hex(5)
            with self.sessions() as session:
                codes = self._new_join_codes(session, len(team_names))
                created = Exercise.create(
                    exercise_id,
                    scenario,
                    team_names,
                    codes,
                    self.clock.now(),
                    title=title,
                    speed=speed,
                    options=options,
                )
                created.data["owner"] = owner
                created.data["label"] = label
                try:
                    with session.begin():
                        self._append(session, exercise_id, 0, [created])
                except IntegrityError:
                    continue
            return self.exercise(exercise_id)
        raise WriteConflict("could not allocate a unique exercise id and join codes")

    def _new_join_codes(self, session: Session, count: int) -> list[str]:
        taken = set(session.scalars(select(TeamRecord.join_code)))
        session.rollback()  # end the read transaction before the write
        codes: list[str] = []
        while len(codes) < count:
            code = "".join(secrets.choice(JOIN_CODE_ALPHABET) for _ in range(JOIN_CODE_LENGTH))
            if code not in taken and code not in codes:
                codes.append(code)
        return codes

    def new_join_code(self) -> str:
        with self.sessions() as session:
            return self._new_join_codes(session, 1)[0]

    # --- reading -------------------------------------------------------------------------------

    def exercise(self, exercise_id: str) -> Exercise:
        """The exercise with every stored event applied."""
        with self._lock(exercise_id), self.sessions() as session:
            return self._fresh(session, exercise_id)

    def cached(self, exercise_id: str) -> Exercise:
        """The exercise as this process last saw it, without a database read when it has one.

        After ``run`` the cache holds every event ``run`` stored, which is all a push or an
        acknowledgement needs; use ``exercise`` to include what other processes appended since."""
        with self._lock(exercise_id):
            exercise = self._cache.get(exercise_id)
        return exercise if exercise is not None else self.exercise(exercise_id)

    def peek(self, exercise_id: str, command: Command) -> list[Event]:
        """The events ``command`` would store on the state this process last saw; stores nothing.

        For the scheduler, which asks every tick whether anything is due when almost always nothing
        is: a real ``run`` is a write transaction. The cached state misses what other processes did
        since this one last read the log (the scheduler's heartbeat reads it every tick), so a
        release that only they made due waits one tick; a false "due" costs one empty ``run``."""
        with self._lock(exercise_id):
            exercise = self._cache.get(exercise_id)
            if exercise is None:
                with self.sessions() as session:
                    exercise = self._fresh(session, exercise_id)
            return command(exercise, self.clock.now())

    def events_after(self, exercise_id: str, after_seq: int = 0, limit: int = 10_000) -> list[Event]:
        """Stored events with ``seq > after_seq``, in order (for clients catching up)."""
        with self.sessions() as session:
            rows = session.scalars(
                select(EventRecord)
                .where(EventRecord.exercise_id == exercise_id, EventRecord.seq > after_seq)
                .order_by(EventRecord.seq)
                .limit(limit)
            )
            return [to_event(row) for row in rows]

    def list_exercises(self) -> list[ExerciseRecord]:
        with self.sessions() as session:
            return list(session.scalars(select(ExerciseRecord).order_by(ExerciseRecord.created_at.desc())))

    def running_exercise_ids(self) -> list[str]:
        with self.sessions() as session:
            return list(session.scalars(select(ExerciseRecord.id).where(ExerciseRecord.status == "running")))

    def live_exercise_ids(self) -> list[str]:
        """Running or paused exercises (their screens get clock heartbeats)."""
        with self.sessions() as session:
            return list(
                session.scalars(
                    select(ExerciseRecord.id).where(ExerciseRecord.status.in_(("running", "paused")))
                )
            )

    def find_join_code(self, code: str) -> tuple[str, str] | None:
        """(exercise id, team slot) for a join code, case-insensitive; None when unknown."""
        wanted = "".join(str(code).split()).upper()
        with self.sessions() as session:
            row = session.execute(
                select(TeamRecord.exercise_id, TeamRecord.slot).where(TeamRecord.join_code == wanted)
            ).first()
            return (row[0], row[1]) if row else None

    # --- writing -------------------------------------------------------------------------------

    def run(self, exercise_id: str, command: Command) -> list[Event]:
        """Run ``command(exercise, now)`` and store the events it returns; return them as stored.

        ``CommandRejected`` from the engine propagates with nothing written for this command.

        Group commit: commands that arrive while another is being stored wait for the exercise's
        lock; whoever takes it next runs every waiting command, in arrival order, each on the state
        the previous ones left, and commits them in one transaction. A burst of replies costs one
        commit (one disk flush) per batch instead of one per reply; each caller still gets its own
        events back only after they are committed."""
        pending = _Pending(command)
        with self._locks_guard:
            self._queues.setdefault(exercise_id, []).append(pending)
        time.sleep(0)  # yield (monkey-patched under eventlet/gevent): ready handlers join this batch
        with self._lock(exercise_id):
            if not pending.done:
                with self._locks_guard:
                    batch, self._queues[exercise_id] = self._queues[exercise_id], []
                self._store_batch(exercise_id, batch)
        if pending.error is not None:
            raise pending.error
        return pending.stored

    def _store_batch(self, exercise_id: str, batch: list[_Pending]) -> None:
        """Run and commit ``batch`` (the exercise's lock held); every entry ends done."""
        try:
            for _ in range(MAX_ATTEMPTS):
                try:
                    self._try_batch(exercise_id, batch)
                    return
                except IntegrityError:
                    self.forget(exercise_id)  # another process got there first: catch up, think again
            failure: BaseException = WriteConflict(
                f"exercise {exercise_id}: too many concurrent writers, command not applied"
            )
        except Exception as exc:  # the database is away, …: every command of the batch fails
            self.forget(exercise_id)
            failure = exc
        for entry in batch:
            entry.stored, entry.error, entry.done = [], failure, True

    def _try_batch(self, exercise_id: str, batch: list[_Pending]) -> None:
        with self.sessions() as session:
            queued = _queues_writers(session)
            with session.begin() if queued else nullcontext():
                if queued:
                    _wait_for_other_writers(session, exercise_id)
                exercise = self._fresh(session, exercise_id, end_read=not queued)
                with nullcontext() if queued else session.begin():
                    # The cached state runs ahead of the database until the commit: readers wait
                    # on the lock we hold, and a failure forgets the cache.
                    first_seq = exercise.state.last_seq
                    results: list[tuple[list[Event], BaseException | None]] = []
                    for entry in batch:
                        try:
                            events = entry.command(exercise, self.clock.now())
                        except Exception as exc:  # rejected (or a bug): this command only
                            results.append(([], exc))
                            continue
                        seq = exercise.state.last_seq
                        numbered = [event.stored(seq + i) for i, event in enumerate(events, start=1)]
                        exercise.apply_all(numbered)  # the next command sees these
                        results.append((numbered, None))
                    everything = [event for numbered, _ in results for event in numbered]
                    stored = iter(self._append(session, exercise_id, first_seq, everything))
        for entry, (numbered, error) in zip(batch, results, strict=True):
            entry.stored = [next(stored) for _ in numbered]  # the same events, with their ids
            entry.error, entry.done = error, True

    def _append(self, session: Session, exercise_id: str, last_seq: int, events: list[Event]) -> list[Event]:
        """Insert the events with consecutive ``seq`` in one statement (a 50-team release is one
        round trip, ids come back through RETURNING), then their projections."""
        if not events:
            return []
        rows = [
            {
                "exercise_id": exercise_id,
                "seq": last_seq + offset,
                "type": str(event.type),
                "at": event.at,
                "scenario_s": event.scenario_s,
                "data": event.data,
                "dedupe_key": event.dedupe_key,
            }
            for offset, event in enumerate(events, start=1)
        ]
        # Core, not ORM objects: the unit of work cost more CPU than everything else a reply does here.
        table = EventRecord.__table__
        returning = insert(table).returning(table.c.id, table.c.seq)
        ids = {seq: row_id for row_id, seq in session.execute(returning, rows)}
        stored = [event.stored(row["seq"], ids[row["seq"]]) for event, row in zip(events, rows, strict=True)]
        project_all(session, exercise_id, stored)
        return stored

    def _fresh(self, session: Session, exercise_id: str, end_read: bool = True) -> Exercise:
        exercise = self._cache.get(exercise_id)
        after = exercise.state.last_seq if exercise else 0
        rows = session.scalars(
            select(EventRecord)
            .where(EventRecord.exercise_id == exercise_id, EventRecord.seq > after)
            .order_by(EventRecord.seq)
        )
        events = [to_event(row) for row in rows]
        if end_read:
            session.rollback()  # end the read transaction: writes open their own
        if exercise is None:
            if not events:
                raise ExerciseNotFound(f"no exercise with id {exercise_id!r}")
            exercise = Exercise.from_events(events)
            self._cache[exercise_id] = exercise
        else:
            exercise.apply_all(events)
        return exercise

    def forget(self, exercise_id: str | None = None) -> None:
        """Drop cached state (all of it by default); the next read rebuilds from the log."""
        if exercise_id is None:
            self._cache.clear()
        else:
            self._cache.pop(exercise_id, None)

    def _lock(self, exercise_id: str) -> threading.Lock:
        with self._locks_guard:
            return self._locks.setdefault(exercise_id, threading.Lock())

    def event_count(self) -> int:
        with self.sessions() as session:
            return session.scalar(select(func.count()).select_from(EventRecord)) or 0


def _queues_writers(session: Session) -> bool:
    """Whether writers of one exercise wait for each other in the database (PostgreSQL).

    There, each write transaction takes a transaction-scoped advisory lock on the exercise before it
    reads the latest ``seq``, so writers in every process append one after the other: every team
    answering the same inject at the same instant costs a short wait, not retries or failures. SQLite
    has a single writer anyway; within a process the store's own lock queues writers, and the unique
    constraints make a rare collision between processes retry."""
    return session.get_bind().dialect.name == "postgresql"


def _wait_for_other_writers(session: Session, exercise_id: str) -> None:
    key = int.from_bytes(hashlib.blake2b(exercise_id.encode(), digest_size=8).digest(), "big", signed=True)
    session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})
