"""What the scorer needs, as plain frozen data (the engine builds it from the event log)."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Literal


@dataclass(frozen=True)
class Phrase:
    id: str
    label: str
    phrases: tuple[str, ...]


@dataclass(frozen=True)
class InjectSpec:
    id: str
    channel: str
    persona_name: str
    persona_kind: str
    severity: int
    expects_reply: bool
    reply_within_s: float | None
    key_points: tuple[Phrase, ...] = ()
    red_flags: tuple[Phrase, ...] = ()

    @property
    def requires_reply(self) -> bool:
        """A reply is expected and scored; posts by trolls never require one."""
        return self.expects_reply and self.persona_kind != "troll" and bool(self.reply_within_s)


@dataclass(frozen=True)
class Policy:
    """Weights (percentages) and the speed curve; see ``scoring.report`` for how they combine."""

    speed_weight: float = 50
    consistency_weight: float = 50
    target_fraction: float = 0.25
    coverage: float = 40
    facts: float = 15
    contradictions: float = 15
    red_flags: float = 15
    tone: float = 15


@dataclass(frozen=True)
class ScenarioSpec:
    id: str
    title: str
    language: str
    facts: tuple[tuple[str, str], ...]
    injects: tuple[InjectSpec, ...]
    policy: Policy = Policy()

    def inject(self, inject_id: str | None) -> InjectSpec | None:
        return self._injects.get(inject_id) if inject_id is not None else None

    @cached_property
    def _injects(self) -> dict[str, InjectSpec]:
        return {i.id: i for i in self.injects}


@dataclass(frozen=True)
class TeamSpec:
    slot: str
    name: str


@dataclass(frozen=True)
class DeliveryFact:
    inject_id: str
    team: str
    delivered_s: float


@dataclass(frozen=True)
class ReplyFact:
    reply_id: str
    team: str
    inject_id: str | None
    channel: str
    kind: str  # public | dm | statement | email
    text: str
    published_s: float


@dataclass(frozen=True)
class Override:
    """A facilitator's correction, kept as an event and shown beside the automatic value."""

    kind: Literal["key_point", "adjust", "contradiction"]
    team: str
    comment: str
    author: str = ""
    reply_id: str | None = None
    key_point: str | None = None
    met: bool | None = None
    points: float = 0.0


@dataclass(frozen=True)
class ExerciseFacts:
    exercise_id: str
    title: str
    scenario: ScenarioSpec
    teams: tuple[TeamSpec, ...]
    deliveries: tuple[DeliveryFact, ...]
    replies: tuple[ReplyFact, ...]
    overrides: tuple[Override, ...] = field(default_factory=tuple)

    @cached_property
    def _by_team(self) -> dict[str, tuple[list[ReplyFact], list[DeliveryFact]]]:
        grouped: dict[str, tuple[list[ReplyFact], list[DeliveryFact]]] = {
            t.slot: ([], []) for t in self.teams
        }
        for reply in self.replies:
            grouped.setdefault(reply.team, ([], []))[0].append(reply)
        for delivery in self.deliveries:
            grouped.setdefault(delivery.team, ([], []))[1].append(delivery)
        return grouped

    def replies_of(self, team: str) -> list[ReplyFact]:
        return self._by_team.get(team, ([], []))[0]

    def deliveries_of(self, team: str) -> list[DeliveryFact]:
        return self._by_team.get(team, ([], []))[1]
