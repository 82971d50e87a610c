"""Which injects are due for which team at a given scenario time: a pure function of the state.

Policy:
- A scheduled inject (one with ``at``) is due for every team it targets once scenario time reaches
  ``at``, unless it was skipped or is held, or was already delivered to that team.
- An ``unanswered`` escalation is due for a team when the team has not replied to the source inject
  within ``after`` of scenario time from its delivery. A reply counts only if it was published before
  that deadline, so the outcome does not depend on when the engine happens to tick.
- ``red_flag`` escalations are not timed: ``Exercise.post_reply`` fires them with the reply.
A release that is already delivered is never due again: each inject reaches each team at most once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .exercise import ExerciseState


@dataclass(frozen=True)
class Release:
    """An inject to deliver to one team, and why."""

    inject_id: str
    team: str
    origin: str  # scheduled | manual | escalation | adhoc
    due_s: float
    cause: dict[str, Any] = field(default_factory=dict)


def due_releases(state: ExerciseState, scenario_s: float) -> list[Release]:
    """Every release due at ``scenario_s`` (scenario seconds), in due order then scenario order."""
    scenario = state.scenario
    releases: list[Release] = []
    blocked = state.skipped | state.held
    for inject in scenario.injects:
        if inject.at is None or inject.at > scenario_s or inject.id in blocked:
            continue
        for team in state.team_slots:
            if inject.targets(team) and (inject.id, team) not in state.deliveries:
                releases.append(Release(inject.id, team, "scheduled", inject.at))

    for (source_id, team), delivery in state.deliveries.items():
        source = state.inject(source_id)
        if source is None:
            continue
        for index, rule in enumerate(source.escalate):
            if rule.when != "unanswered" or rule.after is None or rule.inject in blocked:
                continue
            deadline_s = delivery.scenario_s + rule.after
            if deadline_s > scenario_s or (source_id, index, team) in state.escalations:
                continue
            answered_s = state.first_reply_s.get((source_id, team))
            if answered_s is not None and answered_s <= deadline_s:
                continue
            if (rule.inject, team) in state.deliveries:
                continue
            cause = {
                "source_inject": source_id,
                "rule": index,
                "when": "unanswered",
                "why": unanswered_why(state, source_id, rule.after),
            }
            releases.append(Release(rule.inject, team, "escalation", deadline_s, cause))

    order = {inject.id: i for i, inject in enumerate(scenario.injects)}
    slots = {slot: i for i, slot in enumerate(state.team_slots)}
    releases.sort(key=lambda r: (r.due_s, order.get(r.inject_id, 0), slots.get(r.team, 0)))
    unique: dict[tuple[str, str], Release] = {}
    for release in releases:
        unique.setdefault((release.inject_id, release.team), release)
    return list(unique.values())


FRENCH_CHANNELS = {
    "microblog": "Le message microblog",
    "social": "La publication",
    "news": "L'article",
    "email": "L'e-mail",
    "phone": "L'appel",
    "memo": "La note interne",
}


def unanswered_why(state: ExerciseState, inject_id: str, after_s: float) -> str:
    """Why an ``unanswered`` escalation fired, in the scenario's language (it is stored in the event
    and shown to the facilitators and in the report, beside the scenario's own texts)."""
    inject = state.inject(inject_id)
    persona = state.persona(inject.from_) if inject else None
    if state.scenario.language.value == "fr":
        if inject is None or persona is None:
            return f"{inject_id} : sans réponse pendant {_minutes_fr(after_s)} (temps du scénario)"
        thing = FRENCH_CHANNELS[inject.channel.value]
        return f"{thing} de {persona.name} ({inject_id}) : sans réponse pendant {_minutes_fr(after_s)} (temps du scénario)"
    described = inject_id
    if inject is not None and persona is not None:
        described = f"{persona.name}'s {inject.channel.value} post ({inject_id})"
    return f"{described} left unanswered for {_minutes(after_s)} of scenario time"


def red_flag_why(state: ExerciseState, inject_id: str, phrase: str, label: str) -> str:
    """Why a ``red_flag`` escalation fired, in the scenario's language."""
    if state.scenario.language.value == "fr":
        return f"la réponse à {inject_id} disait « {phrase} » : {label}"
    return f"the reply to {inject_id} said {phrase!r}: {label}"


def _minutes_fr(seconds: float) -> str:
    minutes, secs = divmod(round(seconds), 60)
    return f"{minutes} min {secs:02d} s" if secs else f"{minutes} min"


def _minutes(seconds: float) -> str:
    minutes, secs = divmod(round(seconds), 60)
    return f"{minutes}m{secs:02d}s" if secs else f"{minutes}m"
