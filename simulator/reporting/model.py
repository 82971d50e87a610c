"""The report model: the score report plus everything a debrief needs, as plain JSON-ready data."""

from __future__ import annotations

from typing import Any

from ..engine.durations import format_duration
from ..engine.exercise import ExerciseState
from ..engine.scoring_input import exercise_report
from ..engine.views import render_text
from .language import explain, gettext_of, language_of, localise_reasons

EXERCISE_MARK = "EXERCISE — simulated content"


def report_model(state: ExerciseState, language: str = "en") -> dict[str, Any]:
    """The full report of an exercise (see docs/report-format.md for ``teams``), its words (score
    reasons, scorecards) in ``language`` ("en" or "fr"; the data exports keep English).

    Adds to the score report: the scenario and organisation, the debrief, the release state, per-team
    scorecards in plain words, a per-inject table of every team's replies with their points, notes and
    overrides, the escalations that fired, and the timeline data the charts draw."""
    report = exercise_report(state)
    scenario = state.scenario
    language = language_of(language)
    for team in report["teams"]:
        team["reasons"] = localise_reasons(team["reasons"], language)
    persona_name = {p.id: p.name for p in [*scenario.personas, *state.adhoc_personas.values()]}
    reasons_by_team = {t["team"]: t["reasons"] for t in report["teams"]}
    escalations = [{**e, "team_name": state.teams[e["team"]].name} for e in _escalations(state)]
    injects = []
    delivered_ids = list(
        dict.fromkeys(d.inject_id for d in sorted(state.deliveries.values(), key=lambda d: d.scenario_s))
    )
    for inject_id in delivered_ids:
        inject = state.inject(inject_id)
        if inject is None:
            continue
        row: dict[str, Any] = {
            "inject_id": inject_id,
            "persona": persona_name.get(inject.from_, inject.from_),
            "channel": inject.channel.value,
            "subject": render_text(inject.subject, state, None),
            "text": render_text(inject.text, state, None),
            "expects_reply": inject.expects_reply,
            "reply_within_s": inject.reply_within,
            "severity": inject.severity,
            "teams": {},
        }
        for slot, team in state.teams.items():
            delivery = state.deliveries.get((inject_id, slot))
            if delivery is None:
                continue
            replies = [r for r in state.replies if r.inject_id == inject_id and r.team == slot]
            row["teams"][slot] = {
                "name": team.name,
                "delivered_s": delivery.scenario_s,
                "origin": delivery.origin,
                "replies": [
                    {
                        "reply_id": r.reply_id,
                        "kind": r.kind,
                        "channel": r.channel,
                        "text": r.text,
                        "author": r.author,
                        "published_s": r.scenario_s,
                        "response_s": round(r.scenario_s - delivery.scenario_s, 1),
                        "notes": [n for n in state.notes if n.get("reply_id") == r.reply_id],
                        "overrides": [o for o in state.overrides if o.get("reply_id") == r.reply_id],
                    }
                    for r in replies
                ],
                "reasons": [x for x in reasons_by_team.get(slot, []) if x.get("inject_id") == inject_id],
            }
        injects.append(row)
    statements = [
        {
            "team": r.team,
            "team_name": state.teams[r.team].name,
            "text": r.text,
            "published_s": r.scenario_s,
            "kind": r.kind,
            "channel": r.channel,
        }
        for r in state.replies
        if r.inject_id is None
    ]
    for team in report["teams"]:
        team["scorecard"] = scorecard(team, [e for e in escalations if e["team"] == team["team"]], language)
        team["notes"] = [n for n in state.notes if n.get("team") == team["team"]]
    report.update(
        language=language,
        mark=EXERCISE_MARK,
        organisation=scenario.organisation.model_dump(mode="json"),
        scenario={
            "id": scenario.id,
            "title": scenario.title,
            "summary": scenario.summary,
            "duration_s": scenario.duration,
            "language": scenario.language.value,
        },
        clock={"status": str(state.status), "speed": state.speed, "scenario_s": state.anchor_s},
        debrief={
            k: state.debrief.get(k, "") for k in ("worked", "did_not", "actions", "author", "updated_at")
        },
        released=state.released,
        injects=injects,
        statements=statements,
        escalations=escalations,
        timeline=_timeline(state),
    )
    return report


def _escalations(state: ExerciseState) -> list[dict[str, Any]]:
    return [
        {
            "team": d.team,
            "inject_id": d.inject_id,
            "at_s": d.scenario_s,
            "why": state.escalation_why.get((d.inject_id, d.team), ""),
        }
        for d in sorted(state.deliveries.values(), key=lambda d: d.scenario_s)
        if d.origin == "escalation"
    ]


def _timeline(state: ExerciseState) -> dict[str, Any]:
    """Deliveries and replies per team over scenario time, for the timeline chart."""
    return {
        "duration_s": max(state.scenario.duration, state.anchor_s),
        "teams": [
            {
                "team": slot,
                "name": team.name,
                "deliveries": [
                    {"inject_id": d.inject_id, "at_s": d.scenario_s, "origin": d.origin}
                    for d in state.deliveries.values()
                    if d.team == slot
                ],
                "replies": [
                    {"reply_id": r.reply_id, "inject_id": r.inject_id, "at_s": r.scenario_s, "kind": r.kind}
                    for r in state.replies
                    if r.team == slot
                ],
            }
            for slot, team in state.teams.items()
        ],
    }


def translated(model: dict[str, Any], language: str) -> dict[str, Any]:
    """``model`` with its words (score reasons, scorecards) in ``language``: reasons carry their codes,
    so any report model can be shown in any language."""
    language = language_of(language)
    if model.get("language", "en") == language:
        return model
    escalations = model.get("escalations") or []
    teams = []
    for team in model["teams"]:
        team = {**team, "reasons": localise_reasons(team["reasons"], language)}
        team["scorecard"] = scorecard(team, [e for e in escalations if e["team"] == team["team"]], language)
        teams.append(team)
    injects = [
        {
            **inject,
            "teams": {
                slot: {**cell, "reasons": localise_reasons(cell["reasons"], language)}
                for slot, cell in inject["teams"].items()
            },
        }
        for inject in model.get("injects") or []
    ]
    return {**model, "language": language, "teams": teams, "injects": injects}


def scorecard(
    team: dict[str, Any], escalations: list[dict[str, Any]], language: str = "en"
) -> dict[str, list[str]]:
    """Strengths and misses in plain words (in ``language``), from the score reasons."""
    _ = gettext_of(language)
    strengths: list[str] = []
    misses: list[str] = []
    for reason in team["reasons"]:
        why, criterion, points = explain(reason, language), reason["criterion"], reason["points"]
        code = reason.get("code")
        maximum = reason.get("max_points")
        if criterion == "speed":
            if code == "speed.never" or (code is None and why.startswith("never answered")):
                misses.append(why)
            elif maximum and points >= 0.8 * maximum:
                strengths.append(_answered(reason, language))
            elif (
                code == "speed.late"
                or (code is None and "after the" in why)
                or (maximum and points < 0.4 * maximum)
            ):
                misses.append(_("{answered} (slow)").format(answered=_answered(reason, language)))
        elif (criterion in ("facts", "contradictions", "red_flags") and points < 0) or (
            criterion == "tone" and points < 60
        ):
            misses.append(why)
        elif criterion == "adjustment":
            (strengths if points > 0 else misses).append(why)
    covered = sum(1 for inject in team["key_points"].values() for met in inject.values() if met)
    total = sum(len(inject) for inject in team["key_points"].values())
    if total:
        line = _("covered {covered} of {total} key messages").format(covered=covered, total=total)
        (strengths if covered >= 0.7 * total else misses).append(line)
    if team["median_response_s"] is not None:
        duration = format_duration(team["median_response_s"])
        strengths.insert(0, _("median response time {duration}").format(duration=duration))
    for escalation in escalations:
        misses.append(
            _("an escalation fired ({inject}): {why}").format(
                inject=escalation["inject_id"], why=escalation["why"]
            )
        )
    return {"strengths": strengths, "misses": misses}


def _answered(reason: dict[str, Any], language: str) -> str:
    """A speed reason without its scoring details: "answered Mia's post in 1m05s"."""
    if reason.get("code") == "speed.in_time":
        params = reason.get("params") or {}
        return explain(
            {"code": "speed.answered", "params": {k: params[k] for k in ("who", "response")}}, language
        )
    return explain(reason, language).split(" (full marks")[0]
