"""Public mood: one index per team, 0 (calm) to 100 (outrage), folded from the event log.

The rules (tuned per scenario by ``MoodRules``; explained for scenario writers in
docs/scenario-format.md, "Public mood"):

- every delivered post that expects a reply, from anyone but a troll, heats the mood while the team has
  not answered it: ``heat_per_minute × severity × reach`` per scenario minute, where reach grows with
  the square root of the persona's followers (clamped to 0.5–3);
- a published reply stops its post heating; it takes ``reply_relief`` off (first reply to a post) plus
  ``key_point_relief × severity × share of key points newly covered``, and adds
  ``red_flag × severity`` for each red flag it raises;
- an automatic reaction adds its own ``mood``;
- while nothing heats, the mood drifts back toward ``start`` at ``cool_per_minute``;
- the index stays within 0–100.

Between two events the mood moves at a constant rate, so a team's mood is a list of ``MoodPoint``s
(value and rate after each change): the value at any scenario time is exact, without sampling, and the
report draws the same curve the console showed.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass, field
from typing import Any

from .scenario import Inject, MoodRules, Persona, PersonaKind

MOOD_MIN, MOOD_MAX = 0.0, 100.0


@dataclass(frozen=True)
class MoodPoint:
    """The mood right after a change: value, heat rate (points per scenario second) and why."""

    at_s: float
    value: float
    rate: float
    cause: str  # start | post | reply | red_flag | reaction
    delta: float = 0.0
    detail: dict[str, Any] = field(default_factory=dict)


def reach(persona: Persona | None, rules: MoodRules) -> float:
    """How much more a post of ``persona`` heats than one of a reference account (0.5 to 3)."""
    followers = persona.followers if persona is not None else 0
    return min(3.0, max(0.5, math.sqrt(followers / rules.reach_reference)))


def heats(inject: Inject, persona: Persona | None) -> bool:
    """Posts that expect a reply heat the mood; a troll's never do (ignoring a troll costs nothing)."""
    return inject.expects_reply and (persona is None or persona.kind is not PersonaKind.troll)


def advance(value: float, rate: float, seconds: float, rules: MoodRules) -> float:
    """The mood ``seconds`` later, heating at ``rate`` or, when nothing heats, cooling toward start."""
    if seconds <= 0:
        return value
    if rate > 0:
        return min(MOOD_MAX, value + rate * seconds)
    cool = rules.cool_per_minute / 60 * seconds
    if value > rules.start:
        return max(rules.start, value - cool)
    return min(rules.start, value + cool)


@dataclass
class TeamMood:
    """One team's mood: its history of changes and the posts heating it now."""

    rules: MoodRules
    points: list[MoodPoint] = field(default_factory=list)
    heating: dict[str, float] = field(default_factory=dict)  # inject id -> points per scenario second
    covered: dict[str, set[str]] = field(default_factory=dict)  # inject id -> key points covered
    answered: set[str] = field(default_factory=set)
    peak: float = 0.0

    def __post_init__(self) -> None:
        if not self.points:
            self.points.append(MoodPoint(0.0, float(self.rules.start), 0.0, "start"))
            self.peak = float(self.rules.start)

    @property
    def last(self) -> MoodPoint:
        return self.points[-1]

    def value_at(self, scenario_s: float) -> float:
        """The mood at ``scenario_s`` (at or after the last change)."""
        last = self.last
        return advance(last.value, last.rate, scenario_s - last.at_s, self.rules)

    def peak_at(self, scenario_s: float) -> float:
        return max(self.peak, self.value_at(scenario_s))

    def _change(self, at_s: float, delta: float, cause: str, **detail: Any) -> None:
        before = self.value_at(at_s)
        value = min(MOOD_MAX, max(MOOD_MIN, before + delta))
        self.peak = max(self.peak, before, value)
        rate = sum(self.heating.values())
        self.points.append(MoodPoint(at_s, value, rate, cause, round(value - before, 2), detail))

    def post(self, at_s: float, inject: Inject, persona: Persona | None) -> None:
        if inject.id in self.heating or inject.id in self.answered or not heats(inject, persona):
            return
        self.heating[inject.id] = (
            self.rules.heat_per_minute * inject.severity * reach(persona, self.rules) / 60
        )
        self._change(at_s, 0.0, "post", inject_id=inject.id)

    def reply(
        self,
        at_s: float,
        inject: Inject | None,
        persona: Persona | None,
        key_points: list[str],
        red_flags: list[str],
    ) -> None:
        if inject is None or (persona is not None and persona.kind is PersonaKind.troll):
            return  # answering a troll has no direct effect (the feeds_troll reactions are its cost)
        first = inject.id not in self.answered
        self.answered.add(inject.id)
        self.heating.pop(inject.id, None)
        covered = self.covered.setdefault(inject.id, set())
        known = {k.id for k in inject.rubric.key_points}
        new = (set(key_points) & known) - covered
        covered |= new
        relief = self.rules.reply_relief if first else 0.0
        if known:
            relief += self.rules.key_point_relief * inject.severity * len(new) / len(known)
        spike = self.rules.red_flag * inject.severity * len(red_flags)
        cause = "red_flag" if red_flags else "reply"
        self._change(
            at_s,
            spike - relief,
            cause,
            inject_id=inject.id,
            key_points=sorted(new),
            red_flags=list(red_flags),
        )

    def reaction(self, at_s: float, delta: float, reaction_id: str) -> None:
        self._change(at_s, delta, "reaction", reaction_id=reaction_id)


def engagement(
    persona: Persona | None,
    inject_id: str,
    team: str,
    age_s: float,
    unanswered_s: float,
    peak_mood: float,
) -> tuple[int, int]:
    """(likes, shares) of a public post ``age_s`` scenario seconds old.

    Counts grow with the persona's followers and with the team's worst mood so far (never down, as on a
    real network); they level off once the team answers, while an unanswered post (``unanswered_s``:
    how long it went unanswered) keeps growing. A per-post factor keeps two posts from looking alike."""
    if age_s <= 0:
        return 0, 0
    followers = persona.followers if persona is not None else 0
    audience = max(150.0, float(followers))
    seed = int(hashlib.sha1(f"{inject_id}:{team}".encode()).hexdigest()[:6], 16)
    jitter = 0.75 + (seed % 1000) / 2000  # 0.75 to 1.25
    share_ratio = 0.12 + (seed // 1000 % 100) / 400  # 0.12 to 0.37
    spread = (1 - math.exp(-age_s / 600)) + unanswered_s / 1200
    heat = 0.5 + peak_mood / 100
    likes = audience * 0.015 * spread * heat * jitter
    return int(likes), int(likes * share_ratio)
