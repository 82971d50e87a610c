"""The report model: the score report plus everything a debrief needs, as plain JSON-ready data."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ..engine.durations import format_duration
from ..engine.exercise import ExerciseState
from ..engine.mood import reach
from ..engine.scoring_input import exercise_report
from ..engine.views import render_text
from .language import explain, gettext_of, language_of, localise_reasons, say

EXERCISE_MARK = "EXERCISE — simulated content"
MAIN_MOOD_CHANGES = 10
"""The mood changes a team's table lists: the largest ones, in time order."""
QUOTE_CHARS = 80


def report_model(state: ExerciseState, language: str = "en", now: datetime | None = None) -> dict[str, Any]:
    """The full report of an exercise (see docs/report-format.md for ``teams``), its words (score
    reasons, scorecards, mood changes, reactions' reasons) in ``language`` ("en" or "fr"; the data
    exports keep English). ``now``: while the exercise runs, the mood curves stop there.

    Adds to the score report: the scenario and organisation, the debrief, the release state, per-team
    scorecards in plain words, a per-inject table of every team's replies with their points, notes,
    overrides and approval, the escalations that fired, the timeline data the charts draw, and in the
    ``approval``, ``mood`` and ``reactions`` sections the names and plain words a reader needs."""
    report = exercise_report(state, now)
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
            approval_wait = {
                r.reply_id: None if r.drafted_s is None else round(r.scenario_s - r.drafted_s, 1)
                for r in replies
            }
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
                        "draft_id": r.draft_id,
                        "drafted_s": r.drafted_s,
                        "approved_by": r.approved_by,
                        "approval_wait_s": approval_wait[r.reply_id],
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
    _describe_approval(state, report["approval"], persona_name)
    _describe_mood(state, report["mood"], persona_name, language)
    _describe_reactions(state, report["reactions"], persona_name, language)
    return report


def _describe_approval(state: ExerciseState, approval: dict[str, Any], persona_name: dict[str, str]) -> None:
    """Each draft with its team's name and the persona of the post it answers (none: a statement)."""
    for draft in approval["drafts"]:
        inject = state.inject(draft["inject_id"]) if draft["inject_id"] else None
        draft["team_name"] = state.teams[draft["team"]].name
        draft["persona"] = persona_name.get(inject.from_, inject.from_) if inject else None


def _describe_mood(
    state: ExerciseState, mood: dict[str, Any], persona_name: dict[str, str], language: str
) -> None:
    """Per team: when the peak was (``peak_s``) and its main changes in plain words (``main_changes``:
    the ``MAIN_MOOD_CHANGES`` largest, in time order). A post's change is the heat it added while
    unanswered (``estimated``: rate × time, before the 0–100 bounds and any cooling)."""
    rules = state.scenario.mood
    until_s = mood["until_s"]
    for team in mood["teams"]:
        curve = team["curve"]
        team["peak_s"] = next((at for at, value in curve if value >= team["peak"]), 0.0)
        answered_at: dict[str, float] = {}
        for point in state.mood(team["team"]).points:
            if point.cause in ("reply", "red_flag") and point.at_s <= until_s:
                answered_at.setdefault(point.detail.get("inject_id", ""), point.at_s)
        changes: list[dict[str, Any]] = []
        for change in team["changes"]:
            inject_id = change.get("inject_id")
            inject = state.inject(inject_id) if inject_id else None
            entry: dict[str, Any] = {
                "at_s": change["at_s"],
                "cause": change["cause"],
                "delta": change["delta"],
                "value": change["value"],
                "inject_id": inject_id,
                "estimated": False,
            }
            cause = change["cause"]
            if cause == "post":
                answered = answered_at.get(inject_id)
                open_s = (answered if answered is not None else until_s) - change["at_s"]
                persona = state.persona(inject.from_) if inject else None
                severity = inject.severity if inject else 1
                rate = rules.heat_per_minute * severity * reach(persona, rules) / 60
                who = persona_name.get(inject.from_, inject.from_) if inject else ""
                entry.update(
                    delta=round(min(100.0, rate * max(open_s, 0.0)), 1),
                    estimated=True,
                    code="mood.post" if answered is not None else "mood.post_open",
                    params={"inject": inject_id, "who": who, "duration": format_duration(open_s)},
                )
            elif cause == "reaction":
                reaction = state.reactions.get(change.get("reaction_id", ""))
                who = persona_name.get(reaction.persona, reaction.persona) if reaction else ""
                text = _quote(render_text(reaction.text, state, reaction.team)) if reaction else ""
                entry.update(
                    reaction_id=change.get("reaction_id"),
                    code="mood.reaction",
                    params={"who": who, "text": text},
                )
            elif cause == "red_flag":
                labels = {f.id: f.label for f in inject.rubric.red_flags} if inject else {}
                flags = ", ".join(labels.get(f, f) for f in change.get("red_flags") or [])
                entry.update(
                    red_flags=list(change.get("red_flags") or []),
                    code="mood.red_flag",
                    params={"flags": flags, "inject": inject_id},
                )
            else:
                count = len(change.get("key_points") or [])
                code = {0: "mood.reply", 1: "mood.reply_key_point"}.get(count, "mood.reply_key_points")
                entry.update(
                    key_points=list(change.get("key_points") or []),
                    code=code,
                    params={"inject": inject_id, "count": count},
                )
            changes.append(entry)
        main = sorted(
            (c for c in changes if abs(c["delta"]) >= 0.5),
            key=lambda c: -abs(c["delta"]),
        )[:MAIN_MOOD_CHANGES]
        main.sort(key=lambda c: c["at_s"])
        for entry in main:
            entry["text"] = say(entry, language)
        team["main_changes"] = main


def _describe_reactions(
    state: ExerciseState, reactions: list[dict[str, Any]], persona_name: dict[str, str], language: str
) -> None:
    """Each reaction with its persona's name, the reply it answers (its post and time), its text as the
    team sees it (``shown_text``: placeholders filled) and why it was planned in plain words
    (``explain``: the phrase, ``why_text``: its text)."""
    replies = {r.reply_id: r for r in state.replies}
    for reaction in reactions:
        reply = replies.get(reaction["reply_id"])
        inject = state.inject(reply.inject_id) if reply and reply.inject_id else None
        why = reaction.get("why") or {}
        params = dict(why.get("params") or {})
        if inject and params.get("flags"):
            labels = {f.id: f.label for f in inject.rubric.red_flags}
            params["flags"] = ", ".join(labels.get(f.strip(), f.strip()) for f in params["flags"].split(","))
        reaction["persona_name"] = persona_name.get(reaction["persona"], reaction["persona"])
        reaction["inject_id"] = reply.inject_id if reply else None
        reaction["reply_s"] = reply.scenario_s if reply else None
        reaction["shown_text"] = render_text(reaction["text"], state, reaction["team"])
        reaction["explain"] = {
            "code": f"reaction.{why.get('code', reaction.get('when', ''))}",
            "params": params,
        }
        reaction["why_text"] = say(reaction["explain"], language)


def _quote(text: str) -> str:
    """``text`` on one line, cut to about ``QUOTE_CHARS`` characters."""
    flat = " ".join(str(text).split())
    return flat if len(flat) <= QUOTE_CHARS else flat[: QUOTE_CHARS - 1].rstrip() + "…"


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
    result = {**model, "language": language, "teams": teams, "injects": injects}
    if model.get("mood"):
        result["mood"] = {
            **model["mood"],
            "teams": [
                {
                    **team,
                    "main_changes": [
                        {**c, "text": say(c, language)} if c.get("code") else c
                        for c in team.get("main_changes") or []
                    ],
                }
                for team in model["mood"]["teams"]
            ],
        }
    if model.get("reactions") is not None:
        result["reactions"] = [
            {**r, "why_text": say(r["explain"], language)} if r.get("explain") else r
            for r in model["reactions"]
        ]
    return result


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
