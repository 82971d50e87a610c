"""What the report adds to the scores: the chain of command, the public mood and the crowd's reactions,
each derived from the folded event log (docs/report-format.md, "approval", "mood", "reactions")."""

from __future__ import annotations

from datetime import datetime
from itertools import pairwise
from statistics import median
from typing import Any

from .exercise import ExerciseState, Status
from .mood import advance

MOOD_SAMPLE_S = 30.0


def approval_summary(state: ExerciseState) -> dict[str, Any]:
    """Per team: drafts, decisions, time lost waiting for approval, who approved what; and every draft.

    A draft's wait is from its submission to the lead's decision; for a published draft that is the
    time the reply lost to approval (its speed score counts the publication time)."""
    replies = {(r.team, r.key): r for r in state.replies}
    drafts = []
    for draft in state.drafts.values():
        wait = None if draft.reviewed_s is None else round(draft.reviewed_s - draft.drafted_s, 1)
        reply = replies.get((draft.team, draft.key))
        drafts.append(
            {
                "draft_id": draft.draft_id,
                "team": draft.team,
                "inject_id": draft.inject_id,
                "kind": draft.kind,
                "channel": draft.channel,
                "author": draft.author,
                "author_role": draft.author_role,
                "drafted_s": draft.drafted_s,
                "status": draft.status,
                "reviewer": draft.reviewer,
                "reviewed_s": draft.reviewed_s,
                "wait_s": wait,
                "comment": draft.comment,
                "text": draft.text,
                "published_text": draft.published_text,
                "reply_id": reply.reply_id if reply else None,
            }
        )
    teams = []
    for slot, team in state.teams.items():
        mine = [d for d in drafts if d["team"] == slot]
        published = [d["wait_s"] for d in mine if d["status"] in ("approved", "edited")]
        approvers: dict[str, int] = {}
        for d in mine:
            if d["reviewer"] and d["status"] != "rejected":
                approvers[d["reviewer"]] = approvers.get(d["reviewer"], 0) + 1
        teams.append(
            {
                "team": slot,
                "name": team.name,
                "drafts": len(mine),
                "approved": sum(d["status"] == "approved" for d in mine),
                "edited": sum(d["status"] == "edited" for d in mine),
                "rejected": sum(d["status"] == "rejected" for d in mine),
                "pending": sum(d["status"] == "pending" for d in mine),
                "wait_total_s": round(sum(published), 1),
                "wait_median_s": round(median(published), 1) if published else None,
                "wait_max_s": max(published) if published else None,
                "approvers": approvers,
            }
        )
    return {"enabled": state.chain_of_command, "teams": teams, "drafts": drafts}


def mood_end_s(state: ExerciseState, now: datetime | None) -> float:
    """Where the mood curves stop: where the exercise ended or stands (``now``, while it runs)."""
    if state.status is Status.running and now is not None:
        return state.scenario_time(now)
    return state.anchor_s


def mood_summary(state: ExerciseState, until_s: float) -> dict[str, Any]:
    """Every team's mood from 0 to ``until_s``: a curve (sampled every 30 s and at every change, on
    both sides of a jump), its start, end, peak and average, and the changes with their causes."""
    rules = state.scenario.mood
    teams = []
    for slot, team in state.teams.items():
        mood = state.mood(slot)
        points = [p for p in mood.points if p.at_s <= until_s]
        curve: list[list[float]] = []
        for index, point in enumerate(points):
            following = points[index + 1].at_s if index + 1 < len(points) else until_s
            if index > 0:
                previous = points[index - 1]
                curve.append(
                    [
                        point.at_s,
                        round(advance(previous.value, previous.rate, point.at_s - previous.at_s, rules), 1),
                    ]
                )
            curve.append([point.at_s, round(point.value, 1)])
            t = point.at_s + MOOD_SAMPLE_S
            while t < following:
                curve.append([round(t, 1), round(advance(point.value, point.rate, t - point.at_s, rules), 1)])
                t += MOOD_SAMPLE_S
        last = points[-1]
        end = advance(last.value, last.rate, until_s - last.at_s, rules)
        curve.append([until_s, round(end, 1)])
        values = [v for _, v in curve]
        average = _time_average(curve)
        teams.append(
            {
                "team": slot,
                "name": team.name,
                "start": rules.start,
                "end": round(end, 1),
                "peak": round(max(values), 1),
                "average": round(average, 1),
                "curve": curve,
                "changes": [
                    {
                        "at_s": p.at_s,
                        "cause": p.cause,
                        "delta": p.delta,
                        "value": round(p.value, 1),
                        **p.detail,
                    }
                    for p in points
                    if p.cause != "start" and (p.delta != 0 or p.cause == "post")
                ],
            }
        )
    return {"rules": rules.model_dump(mode="json"), "until_s": until_s, "teams": teams}


def _time_average(curve: list[list[float]]) -> float:
    total = span = 0.0
    for (t0, v0), (t1, v1) in pairwise(curve):
        total += (v0 + v1) / 2 * (t1 - t0)
        span += t1 - t0
    return total / span if span else curve[0][1]


def reactions_summary(state: ExerciseState) -> list[dict[str, Any]]:
    """Every automatic reaction, with what became of it (released, held, suppressed, still planned)."""
    return [
        {**reaction.as_dict(), "team_name": state.teams[reaction.team].name}
        for reaction in state.reactions.values()
    ]
