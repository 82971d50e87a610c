"""A named lease in the database: at most one server process holds it at a time.

The scheduler (releasing injects, clock heartbeats) must run in exactly one process when several serve
the same database. The holder renews its lease well before it expires; when the holder dies, its lease
runs out and another process takes over within ``ttl``. A row with an expiry works the same on SQLite
and PostgreSQL and, unlike a session-bound advisory lock, is also lost by a holder that hangs.

Correctness does not rest on the lease: if two processes ever ticked at once (a holder frozen past its
expiry), the event log's unique ``(exercise, dedupe_key)`` constraint still stops an inject from being
released twice. The lease keeps the work, and the pushes, in one place.

Expiry times come from the injected clock; processes sharing a database must have synchronised clocks
(NTP), which the few seconds of ``ttl`` tolerate.
"""

from __future__ import annotations

import os
import secrets
import socket
from datetime import timedelta

from sqlalchemy import case, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from ..engine.clock import Clock
from .models import LeaseRecord

SCHEDULER_LEASE = "scheduler"


def process_identity() -> str:
    """Who holds a lease, readable in the database: host, pid and a random suffix."""
    return f"{socket.gethostname()[:80]}:{os.getpid()}:{secrets.token_hex(3)}"


class Lease:
    """Acquire, renew and release one named lease for this process."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        clock: Clock,
        name: str = SCHEDULER_LEASE,
        holder: str | None = None,
        ttl: timedelta = timedelta(seconds=5),
        renew_every: timedelta = timedelta(seconds=1),
    ) -> None:
        self.sessions = sessions
        self.clock = clock
        self.name = name
        self.holder = holder or process_identity()
        self.ttl = ttl
        self.renew_every = renew_every
        self._valid_until = 0.0  # epoch seconds: we hold the lease until then without asking again
        self._renewed_at = 0.0

    def hold(self) -> bool:
        """Take the lease if it is free or expired, renew it if ours; True while we hold it.

        Touches the database at most once per ``renew_every`` while held."""
        now = self.clock.now().timestamp()
        if now < self._valid_until and now - self._renewed_at < self.renew_every.total_seconds():
            return True
        expires = now + self.ttl.total_seconds()
        with self.sessions() as session, session.begin():
            taken = session.execute(
                update(LeaseRecord)
                .where(
                    LeaseRecord.name == self.name,
                    or_(LeaseRecord.holder == self.holder, LeaseRecord.expires_at < now),
                )
                .values(
                    holder=self.holder,
                    expires_at=expires,
                    acquired_at=case((LeaseRecord.holder == self.holder, LeaseRecord.acquired_at), else_=now),
                )
                .execution_options(synchronize_session=False)
            ).rowcount
        if not taken:
            taken = self._create(now, expires)
        if taken:
            self._valid_until, self._renewed_at = expires, now
        else:
            self._valid_until = 0.0
        return bool(taken)

    def _create(self, now: float, expires: float) -> bool:
        """First use of this lease name: insert the row (another process may win the race)."""
        try:
            with self.sessions() as session, session.begin():
                if session.get(LeaseRecord, self.name) is not None:
                    return False
                session.add(
                    LeaseRecord(name=self.name, holder=self.holder, expires_at=expires, acquired_at=now)
                )
        except IntegrityError:
            return False
        return True

    def release(self) -> None:
        """Give the lease up now (clean shutdown), so another process takes over at once."""
        self._valid_until = 0.0
        with self.sessions() as session, session.begin():
            session.execute(
                update(LeaseRecord)
                .where(LeaseRecord.name == self.name, LeaseRecord.holder == self.holder)
                .values(expires_at=0.0)
                .execution_options(synchronize_session=False)
            )

    def current_holder(self) -> str | None:
        """The process holding the lease now, or None when it is free or expired."""
        now = self.clock.now().timestamp()
        with self.sessions() as session:
            row = session.execute(
                select(LeaseRecord.holder, LeaseRecord.expires_at).where(LeaseRecord.name == self.name)
            ).first()
        return row[0] if row and row[1] >= now else None
