"""From an exercise's state to the scorer's plain input, and to the report."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from scoring.inputs import (
    DeliveryFact,
    ExerciseFacts,
    InjectSpec,
    Override,
    Phrase,
    Policy,
    ReplyFact,
    ScenarioSpec,
    TeamSpec,
)
from scoring.report import build_report

from .debrief import approval_summary, mood_end_s, mood_summary, reactions_summary
from .exercise import ExerciseState
from .scenario import Inject, Scenario


def _inject_spec(state_or_scenario: ExerciseState | Scenario, inject: Inject) -> InjectSpec:
    persona = (
        state_or_scenario.persona(inject.from_)
        if isinstance(state_or_scenario, ExerciseState)
        else next((p for p in state_or_scenario.personas if p.id == inject.from_), None)
    )
    return InjectSpec(
        id=inject.id,
        channel=inject.channel.value,
        persona_name=persona.name if persona else inject.from_,
        persona_kind=persona.kind.value if persona else "public",
        severity=inject.severity,
        expects_reply=inject.expects_reply,
        reply_within_s=inject.reply_within,
        key_points=tuple(Phrase(k.id, k.label, tuple(k.phrases)) for k in inject.rubric.key_points),
        red_flags=tuple(Phrase(k.id, k.label, tuple(k.phrases)) for k in inject.rubric.red_flags),
    )


def scenario_spec(scenario: Scenario, state: ExerciseState | None = None) -> ScenarioSpec:
    weights = scenario.scoring
    injects = [*scenario.injects, *(state.adhoc_injects.values() if state else [])]
    return ScenarioSpec(
        id=scenario.id,
        title=scenario.title,
        language=scenario.language.value,
        facts=tuple((f.id, f.text) for f in scenario.facts),
        injects=tuple(_inject_spec(state or scenario, i) for i in injects),
        policy=Policy(
            speed_weight=weights.speed,
            consistency_weight=weights.consistency,
            target_fraction=weights.speed_target,
            coverage=weights.coverage,
            facts=weights.facts,
            contradictions=weights.contradictions,
            red_flags=weights.red_flags,
            tone=weights.tone,
        ),
    )


def exercise_facts(state: ExerciseState) -> ExerciseFacts:
    """Everything the scorer needs, taken from the folded event log."""
    return ExerciseFacts(
        exercise_id=state.exercise_id,
        title=state.title,
        scenario=scenario_spec(state.scenario, state),
        teams=tuple(TeamSpec(t.slot, t.name) for t in state.teams.values()),
        deliveries=tuple(DeliveryFact(d.inject_id, d.team, d.scenario_s) for d in state.deliveries.values()),
        replies=tuple(
            ReplyFact(r.reply_id, r.team, r.inject_id, r.channel, r.kind, r.text, r.scenario_s)
            for r in state.replies
        ),
        overrides=tuple(
            Override(
                kind=o["kind"],
                team=o["team"],
                comment=o["comment"],
                author=o.get("author", ""),
                reply_id=o.get("reply_id"),
                key_point=o.get("key_point"),
                met=o.get("met"),
                points=float(o.get("points", 0.0)),
            )
            for o in state.overrides
        ),
    )


def exercise_report(state: ExerciseState, now: datetime | None = None) -> dict[str, Any]:
    """The explained score report of an exercise (docs/report-format.md), with the chain of command,
    the public mood (up to ``now`` while it runs) and the crowd's reactions."""
    report = build_report(exercise_facts(state))
    report["exercise"]["status"] = str(state.status)
    report["exercise"]["notes"] = list(state.notes)
    report["exercise"]["options"] = dict(state.options)
    report["approval"] = approval_summary(state)
    report["mood"] = mood_summary(state, mood_end_s(state, now))
    report["reactions"] = reactions_summary(state)
    return report
