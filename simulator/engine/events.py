"""Domain events: the append-only facts an exercise is made of.

Every event records the wall time it happened (``at``, UTC) and the scenario time at that moment
(``scenario_s``). ``dedupe_key`` names facts that may happen at most once per exercise (a delivery of
an inject to a team, a reply with a client idempotency key): the store refuses a second event with the
same key, which is what makes releases exactly-once even when two writers race.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from typing import Any


class EventType(StrEnum):
    exercise_created = "exercise_created"
    team_added = "team_added"
    participant_joined = "participant_joined"
    exercise_started = "exercise_started"
    exercise_paused = "exercise_paused"
    exercise_resumed = "exercise_resumed"
    speed_changed = "speed_changed"
    exercise_ended = "exercise_ended"
    inject_delivered = "inject_delivered"
    inject_skipped = "inject_skipped"
    inject_held = "inject_held"
    inject_unheld = "inject_unheld"
    adhoc_inject_posted = "adhoc_inject_posted"
    escalation_fired = "escalation_fired"
    reply_posted = "reply_posted"
    facilitator_message = "facilitator_message"
    note_added = "note_added"
    projector_changed = "projector_changed"
    score_overridden = "score_overridden"
    debrief_updated = "debrief_updated"
    report_released = "report_released"
    options_changed = "options_changed"
    participant_role_changed = "participant_role_changed"
    draft_submitted = "draft_submitted"
    draft_reviewed = "draft_reviewed"
    reaction_planned = "reaction_planned"
    reaction_changed = "reaction_changed"


@dataclass(frozen=True)
class Event:
    """One fact. ``seq`` (order within the exercise) and ``id`` (global) are set by the store."""

    type: EventType
    at: datetime
    scenario_s: float
    data: dict[str, Any] = field(default_factory=dict)
    dedupe_key: str | None = None
    seq: int | None = None
    id: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "seq": self.seq,
            "type": str(self.type),
            "at": self.at.isoformat(),
            "scenario_s": self.scenario_s,
            "data": self.data,
            "dedupe_key": self.dedupe_key,
        }

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> Event:
        return cls(
            type=EventType(raw["type"]),
            at=datetime.fromisoformat(raw["at"]),
            scenario_s=float(raw["scenario_s"]),
            data=dict(raw.get("data") or {}),
            dedupe_key=raw.get("dedupe_key"),
            seq=raw.get("seq"),
            id=raw.get("id"),
        )

    def stored(self, seq: int, event_id: int | None = None) -> Event:
        """A copy carrying the position the store gave it."""
        return replace(self, seq=seq, id=event_id)


def delivery_key(inject_id: str, team: str) -> str:
    return f"deliver:{inject_id}:{team}"


def reply_key(team: str, idempotency_key: str) -> str:
    return f"reply:{team}:{idempotency_key}"


def escalation_key(inject_id: str, rule_index: int, team: str) -> str:
    return f"escalate:{inject_id}:{rule_index}:{team}"


def draft_key(team: str, idempotency_key: str) -> str:
    return f"draft:{team}:{idempotency_key}"


def review_key(draft_id: str) -> str:
    return f"review:{draft_id}"


def reaction_key(reply_id: str, rule_index: int) -> str:
    return f"react:{reply_id}:{rule_index}"


def reaction_release_key(reaction_id: str) -> str:
    return f"react-release:{reaction_id}"
