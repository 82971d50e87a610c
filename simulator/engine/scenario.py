"""The scenario model: what a scenario YAML file may say, as frozen pydantic models.

The JSON Schema in ``docs/scenario.schema.json`` is generated from these models
(``crisisdrill scenario schema``). Cross-references (personas, escalation targets, cycles) are
checked by ``loader.validate_references`` because they need the whole file.
"""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    WithJsonSchema,
    field_validator,
    model_validator,
)

from .durations import DURATION_HELP, DurationError, parse_duration

SLUG = r"^[a-z0-9][a-z0-9-]*$"
TEAM_SLOT = re.compile(r"^team-[1-9][0-9]*$")


class Channel(StrEnum):
    """Where an inject appears on the team screen."""

    microblog = "microblog"  # short public posts (280 characters)
    social = "social"  # a social network page with comments
    news = "news"  # press articles
    email = "email"  # the press office inbox
    phone = "phone"  # calls and voicemails, transcribed
    memo = "memo"  # internal messages


class PersonaKind(StrEnum):
    customer = "customer"
    journalist = "journalist"
    influencer = "influencer"
    troll = "troll"
    employee = "employee"
    activist = "activist"
    official = "official"
    investor = "investor"
    public = "public"


class Language(StrEnum):
    en = "en"
    fr = "fr"


def _duration(value: Any) -> float:
    try:
        return parse_duration(value)
    except DurationError as exc:
        raise ValueError(str(exc)) from None


Duration = Annotated[
    float,
    BeforeValidator(_duration),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "number", "minimum": 0},
                {
                    "type": "string",
                    "pattern": r"^\+?(\d+(\.\d+)?h)?\s*(\d+(\.\d+)?m)?\s*(\d+(\.\d+)?s)?$|^\+?(\d+:)?\d{1,2}:\d{1,2}$",
                },
            ],
            "description": "seconds, or a duration such as 90s, 5m, 1h30m or HH:MM:SS",
        }
    ),
]
"""Seconds, written in YAML as "90s", "5m", "1h30m" or "HH:MM:SS"."""

NonEmpty = Annotated[str, Field(min_length=1)]
Slug = Annotated[str, Field(pattern=SLUG, min_length=1, max_length=64)]


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)

    @field_validator("*", mode="before")
    @classmethod
    def _strip_strings(cls, value: Any) -> Any:
        return value.strip() if isinstance(value, str) else value


class Organisation(_Model):
    name: NonEmpty
    handle: Annotated[str, Field(pattern=r"^@\w{1,30}$")]
    colour: Annotated[str, Field(pattern=r"^#[0-9a-fA-F]{6}$")] = "#1d4ed8"
    website: str | None = None


class Fact(_Model):
    id: Slug
    text: NonEmpty


class Persona(_Model):
    id: Slug
    name: NonEmpty
    handle: Annotated[str, Field(pattern=r"^@\w{1,30}$")]
    kind: PersonaKind
    followers: Annotated[int, Field(ge=0)] = 0
    verified: bool = False
    bio: str = ""
    email: str | None = None


class Phrase(_Model):
    """A rubric item: matched when a reply says one of ``phrases`` (tolerant matching in scoring)."""

    id: Slug
    label: NonEmpty
    phrases: Annotated[list[NonEmpty], Field(min_length=1)]


class Rubric(_Model):
    key_points: list[Phrase] = []
    red_flags: list[Phrase] = []

    @model_validator(mode="after")
    def _unique_ids(self) -> Rubric:
        ids = [p.id for p in [*self.key_points, *self.red_flags]]
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        if dupes:
            raise ValueError(f"duplicate rubric id(s) {', '.join(dupes)}; each id must be unique")
        return self


class Escalation(_Model):
    """Fire another inject at a team: when it left this one unanswered for ``after``, or when its
    reply raised the red flag ``flag``."""

    when: Literal["unanswered", "red_flag"]
    inject: Slug
    after: Duration | None = None
    flag: Slug | None = None

    @model_validator(mode="after")
    def _needs_its_parameter(self) -> Escalation:
        if self.when == "unanswered" and self.after is None:
            raise ValueError('an "unanswered" escalation needs "after" (' + DURATION_HELP + ")")
        if self.when == "red_flag" and not self.flag:
            raise ValueError('a "red_flag" escalation needs "flag" (the id of a red flag of this inject)')
        return self


class Inject(_Model):
    id: Slug
    at: Duration | None = None
    channel: Channel
    from_: Annotated[str, Field(alias="from", min_length=1)]
    subject: str | None = None  # headline of an article, subject of an email
    text: NonEmpty
    to: Literal["all"] | list[str] = "all"
    expects_reply: bool = False
    reply_within: Duration | None = None
    severity: Annotated[int, Field(ge=1, le=3)] = 1
    rubric: Rubric = Rubric()
    escalate: list[Escalation] = []

    @field_validator("to")
    @classmethod
    def _team_slots(cls, value: Any) -> Any:
        if isinstance(value, list):
            if not value:
                raise ValueError('"to" needs at least one team slot, or "all"')
            bad = [slot for slot in value if not TEAM_SLOT.match(slot)]
            if bad:
                raise ValueError(f"unknown team slot(s) {', '.join(bad)}; expected team-1, team-2 …")
        return value

    @model_validator(mode="after")
    def _reply_window(self) -> Inject:
        if self.expects_reply and self.reply_within is None:
            raise ValueError('an inject that expects a reply needs "reply_within" (' + DURATION_HELP + ")")
        if self.reply_within is not None and self.reply_within <= 0:
            raise ValueError('"reply_within" must be longer than 0s')
        return self

    def targets(self, team_slot: str) -> bool:
        """True when this inject is addressed to ``team_slot``."""
        return self.to == "all" or team_slot in self.to


class ScoringWeights(_Model):
    """How the total is made: speed + consistency = 100; consistency's five parts are relative weights;
    full speed marks within ``speed_target`` × the reply window."""

    speed: Annotated[float, Field(ge=0, le=100)] = 50
    consistency: Annotated[float, Field(ge=0, le=100)] = 50
    speed_target: Annotated[float, Field(gt=0, lt=1)] = 0.25
    coverage: Annotated[float, Field(ge=0, le=100)] = 40
    facts: Annotated[float, Field(ge=0, le=100)] = 15
    contradictions: Annotated[float, Field(ge=0, le=100)] = 15
    red_flags: Annotated[float, Field(ge=0, le=100)] = 15
    tone: Annotated[float, Field(ge=0, le=100)] = 15

    @model_validator(mode="after")
    def _sum(self) -> ScoringWeights:
        if abs(self.speed + self.consistency - 100) > 1e-6:
            raise ValueError(f"speed + consistency must be 100, got {self.speed + self.consistency:g}")
        if self.coverage + self.facts + self.contradictions + self.red_flags + self.tone <= 0:
            raise ValueError("at least one consistency part needs a weight above 0")
        return self


class MoodRules(_Model):
    """How a team's public mood (0 calm, 100 outrage) moves; the rules are in docs/scenario-format.md
    ("Public mood") and ``simulator.engine.mood``."""

    start: Annotated[float, Field(ge=0, le=100)] = 20
    visible_to_teams: bool = False
    heat_per_minute: Annotated[float, Field(ge=0, le=50)] = 1.0
    reach_reference: Annotated[int, Field(ge=1)] = 10_000
    red_flag: Annotated[float, Field(ge=0, le=100)] = 12
    key_point_relief: Annotated[float, Field(ge=0, le=100)] = 8
    reply_relief: Annotated[float, Field(ge=0, le=100)] = 2
    cool_per_minute: Annotated[float, Field(ge=0, le=50)] = 0.5


ReactionWhen = Literal["covers_key_points", "red_flag", "vague", "feeds_troll", "any_reply"]


class Reaction(_Model):
    """A persona's automatic answer to a team's published reply (docs/scenario-format.md, "Reactive
    crowd"). ``from: author`` is the persona of the inject the reply answers."""

    when: ReactionWhen
    from_: Annotated[str, Field(alias="from", min_length=1)]
    text: NonEmpty
    after: Duration = 60.0
    injects: list[Slug] = []
    flag: Slug | None = None
    min_key_points: Annotated[int, Field(ge=1)] | None = None
    channel: Channel | None = None
    mood: Annotated[float, Field(ge=-50, le=50)] = 0
    expects_reply: bool = False
    reply_within: Duration | None = None
    severity: Annotated[int, Field(ge=1, le=3)] = 1
    limit: Annotated[int, Field(ge=1)] | None = None

    @model_validator(mode="after")
    def _consistent(self) -> Reaction:
        if self.expects_reply and self.reply_within is None:
            raise ValueError('a reaction that expects a reply needs "reply_within" (' + DURATION_HELP + ")")
        if self.flag is not None and self.when != "red_flag":
            raise ValueError('"flag" only applies to when: red_flag')
        if self.min_key_points is not None and self.when != "covers_key_points":
            raise ValueError('"min_key_points" only applies to when: covers_key_points')
        return self


class Scenario(_Model):
    id: Slug
    title: NonEmpty
    language: Language = Language.en
    summary: NonEmpty
    briefing: NonEmpty
    duration: Duration
    organisation: Organisation
    facts: list[Fact] = []
    personas: Annotated[list[Persona], Field(min_length=1)]
    injects: Annotated[list[Inject], Field(min_length=1)]
    scoring: ScoringWeights = ScoringWeights()
    mood: MoodRules = MoodRules()
    reactions: list[Reaction] = []
    tags: list[str] = []

    def persona(self, persona_id: str) -> Persona:
        return next(p for p in self.personas if p.id == persona_id)

    def inject(self, inject_id: str) -> Inject:
        return next(i for i in self.injects if i.id == inject_id)

    @property
    def inject_ids(self) -> set[str]:
        return {i.id for i in self.injects}
