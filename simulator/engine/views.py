"""The only payload builders: what each audience may see of an exercise.

Three audiences: the facilitators (everything), one team (its own deliveries, replies, members and the
public lifecycle; never another team's data) and the projector (clock, phase and headlines; team
replies only when the facilitator chooses to show them). Every push is a dict with ``seq`` (the event's
position in the exercise log) and ``kind``. Clients build their screens by applying the items of a
snapshot and then each push, in ``seq`` order, with the same code.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from .events import Event, EventType
from .exercise import REPLY_LIMITS, ROLES, ExerciseState, Status
from .mood import engagement
from .scenario import Inject, Persona

STATUS_EVENTS = {
    EventType.exercise_started,
    EventType.exercise_paused,
    EventType.exercise_resumed,
    EventType.speed_changed,
    EventType.exercise_ended,
}
HEADLINE_CHANNELS = {"news", "microblog", "social"}
ENGAGEMENT_CHANNELS = {"microblog", "social"}


def clock_payload(state: ExerciseState, now: datetime) -> dict[str, Any]:
    """Enough for a client to run the scenario clock itself between pushes:
    ``scenario_s + (client_now - server_at_ms) / 1000 × speed`` while running."""
    return {
        "status": str(state.status),
        "speed": state.speed,
        "scenario_s": round(state.scenario_time(now), 3),
        "server_at_ms": int(now.timestamp() * 1000),
        "duration_s": state.scenario.duration,
    }


def render_text(text: str | None, state: ExerciseState, team: str | None) -> str:
    """Fill the placeholders of scenario text for one team."""
    if not text:
        return ""
    organisation = state.scenario.organisation
    if team in state.teams:
        team_name = state.teams[team].name
    else:  # text shown to no team in particular (the report, the facilitator's timeline)
        team_name = "votre équipe" if state.scenario.language.value == "fr" else "your team"
    return (
        text.replace("{organisation.name}", organisation.name)
        .replace("{organisation.handle}", organisation.handle)
        .replace("{team.name}", team_name)
    )


def persona_payload(persona: Persona | None) -> dict[str, Any]:
    """A persona with a locally generated avatar (initials on a colour derived from the id)."""
    if persona is None:
        return {"id": "unknown", "name": "Unknown", "handle": "@unknown", "kind": "public", "followers": 0,
                "verified": False, "bio": "", "avatar": {"initials": "?", "hue": 0}}  # fmt: skip
    words = [w for w in persona.name.replace("-", " ").split() if w[:1].isalnum()]
    initials = "".join(w[0] for w in words[:2]).upper() or persona.handle[1:3].upper()
    hue = int(hashlib.sha1(persona.id.encode()).hexdigest()[:4], 16) % 360
    return {
        "id": persona.id,
        "name": persona.name,
        "handle": persona.handle,
        "kind": persona.kind.value,
        "followers": persona.followers,
        "verified": persona.verified,
        "bio": persona.bio,
        "email": persona.email,
        "avatar": {"initials": initials, "hue": hue},
    }


def inject_payload(state: ExerciseState, inject: Inject, team: str | None) -> dict[str, Any]:
    return {
        "inject_id": inject.id,
        "channel": inject.channel.value,
        "persona": persona_payload(state.persona(inject.from_)),
        "subject": render_text(inject.subject, state, team),
        "text": render_text(inject.text, state, team),
        "expects_reply": inject.expects_reply,
        "reply_within_s": inject.reply_within,
        "severity": inject.severity,
    }


def _delivery(state: ExerciseState, event: Event, team: str | None) -> dict[str, Any] | None:
    inject = state.inject(event.data["inject_id"])
    if inject is None:
        return None
    payload = inject_payload(state, inject, team)
    payload.update(kind="inject", delivered_s=event.scenario_s, origin=event.data["origin"])
    in_reply_to = _adhoc_reply_target(state, inject.id)
    if in_reply_to:
        payload["in_reply_to"] = in_reply_to
    return payload


def _adhoc_reply_target(state: ExerciseState, inject_id: str) -> str | None:
    return state.adhoc_reply_to.get(inject_id)


def _reply(state: ExerciseState, event: Event) -> dict[str, Any]:
    d = event.data
    payload = {
        "kind": "reply",
        "reply_id": d["reply_id"],
        "team": d["team"],
        "inject_id": d.get("inject_id"),
        "channel": d["channel"],
        "reply_kind": d["kind"],
        "text": d["text"],
        "author": d["author"],
        "published_s": event.scenario_s,
        "key": d["key"],
    }
    delivery = state.deliveries.get((d.get("inject_id") or "", d["team"]))
    if delivery is not None:
        payload["response_s"] = round(event.scenario_s - delivery.scenario_s, 1)
    if d.get("draft_id"):
        payload.update(draft_id=d["draft_id"], drafted_s=d.get("drafted_s"), approved_by=d.get("approved_by"))
    return payload


def _draft(event: Event) -> dict[str, Any]:
    d = event.data
    return {
        "kind": "draft",
        "draft_id": d["draft_id"],
        "team": d["team"],
        "key": d["key"],
        "inject_id": d.get("inject_id"),
        "channel": d["channel"],
        "reply_kind": d["kind"],
        "text": d["text"],
        "author": d["author"],
        "author_id": d["author_id"],
        "author_role": d["author_role"],
        "drafted_s": event.scenario_s,
    }


def _review(event: Event) -> dict[str, Any]:
    d = event.data
    item = {
        "kind": "draft_review",
        "draft_id": d["draft_id"],
        "team": d["team"],
        "decision": d["decision"],
        "comment": d.get("comment", ""),
        "reviewer": d["reviewer"],
        "reviewed_s": event.scenario_s,
    }
    if "text" in d:
        item["text"] = d["text"]
    return item


def _participant(d: dict[str, Any], with_team: bool) -> dict[str, Any]:
    item = {
        "kind": "participant",
        "participant_id": d["participant_id"],
        "display_name": d["display_name"],
        "role": d.get("role") or "member",
    }
    if with_team:
        item["team"] = d["team"]
    return item


def reaction_payload(state: ExerciseState, reaction_id: str) -> dict[str, Any]:
    """A planned reaction as the console shows it, with its current status and text."""
    reaction = state.reactions[reaction_id]
    return {
        "kind": "reaction",
        **reaction.as_dict(),
        "text": render_text(reaction.text, state, reaction.team),
        "persona_name": (p.name if (p := state.persona(reaction.persona)) else reaction.persona),
    }


def _status(event: Event, state: ExerciseState) -> dict[str, Any]:
    status = {
        EventType.exercise_started: Status.running,
        EventType.exercise_resumed: Status.running,
        EventType.exercise_paused: Status.paused,
        EventType.exercise_ended: Status.ended,
    }.get(event.type, state.status)
    return {
        "kind": "status",
        "status": str(status),
        "speed": float(event.data.get("speed", state.speed)),
        "scenario_s": event.scenario_s,
        "server_at_ms": int(event.at.timestamp() * 1000),
        "change": str(event.type),
    }


# Events about one team (``data["team"]``) that no other team sees and that change no other team's
# mood (a planned reaction is the console's business only).
_ONE_TEAM_EVENTS = frozenset(
    {
        EventType.inject_delivered,
        EventType.reaction_planned,
        EventType.reply_posted,
        EventType.participant_joined,
        EventType.participant_role_changed,
        EventType.draft_submitted,
        EventType.draft_reviewed,
    }
)


def teams_concerned(state: ExerciseState, events: Iterable[Event]) -> list[str]:
    """The teams whose screens or mood ``events`` may change, in the exercise's order.

    A reply concerns its own team only: publishing it need not ask each of 50 teams what it sees."""
    wanted: set[str] = set()
    for event in events:
        if event.type not in _ONE_TEAM_EVENTS:
            return list(state.teams)
        wanted.add(event.data["team"])
    return [slot for slot in state.teams if slot in wanted]


def team_items(state: ExerciseState, events: list[Event]) -> dict[str, list[dict[str, Any]]]:
    """What each team sees of ``events``, for the teams that see something, in the exercise's order.

    An event about one team is looked at for that team only: an inject released to 50 teams is 50
    events of one team each, not 2,500 questions."""
    owned = [(event, event.data["team"] if event.type in _ONE_TEAM_EVENTS else None) for event in events]
    result = {}
    for slot in teams_concerned(state, events):
        items = [
            item
            for event, owner in owned
            if owner in (None, slot) and (item := team_item(state, event, slot)) is not None
        ]
        if items:
            result[slot] = items
    return result


def team_item(state: ExerciseState, event: Event, team: str) -> dict[str, Any] | None:
    """What team ``team`` sees of ``event``, or None when the event is none of its business."""
    d = event.data
    item: dict[str, Any] | None = None
    if event.type in STATUS_EVENTS:
        item = _status(event, state)
    elif event.type is EventType.inject_delivered and d["team"] == team:
        item = _delivery(state, event, team)
    elif event.type is EventType.reply_posted and d["team"] == team:
        item = _reply(state, event)
    elif event.type is EventType.participant_joined and d["team"] == team:
        item = _participant(d, with_team=False)
    elif event.type is EventType.participant_role_changed and d["team"] == team:
        item = {"kind": "participant_role", "participant_id": d["participant_id"], "role": d["role"]}
    elif event.type is EventType.draft_submitted and d["team"] == team:
        item = _draft(event)
    elif event.type is EventType.draft_reviewed and d["team"] == team:
        item = _review(event)
    elif event.type is EventType.options_changed:
        item = {"kind": "options", "options": team_options(state)}
    elif event.type is EventType.facilitator_message and (not d["teams"] or team in d["teams"]):
        item = {"kind": "message", "text": d["text"], "sent_s": event.scenario_s}
    elif event.type is EventType.report_released:
        item = {"kind": "report_released", "release": d["release"]}
    if item is not None:
        item["seq"] = event.seq
    return item


def facilitator_item(state: ExerciseState, event: Event) -> dict[str, Any]:
    """What facilitators see of ``event``: everything."""
    d = event.data
    item: dict[str, Any]
    if event.type in STATUS_EVENTS:
        item = _status(event, state)
    elif event.type is EventType.inject_delivered:
        item = _delivery(state, event, d["team"]) or {"kind": "inject", "inject_id": d["inject_id"]}
        item.update(team=d["team"], cause=d.get("cause"))
    elif event.type is EventType.reply_posted:
        item = _reply(state, event)
    elif event.type is EventType.participant_joined:
        item = _participant(d, with_team=True)
    elif event.type is EventType.participant_role_changed:
        item = {"kind": "participant_role", **d}
    elif event.type is EventType.draft_submitted:
        item = _draft(event)
    elif event.type is EventType.draft_reviewed:
        item = _review(event)
    elif d.get("reaction_id") in state.reactions:  # planned, changed or released (posted)
        item = reaction_payload(state, d["reaction_id"])
    elif event.type is EventType.options_changed:
        item = {"kind": "options", "options": dict(state.options)}
    elif event.type is EventType.facilitator_message:
        item = {"kind": "message", "text": d["text"], "teams": d["teams"], "sent_s": event.scenario_s}
    elif event.type is EventType.escalation_fired:
        item = {"kind": "escalation", **d}
    elif event.type in (EventType.inject_skipped, EventType.inject_held, EventType.inject_unheld):
        item = {
            "kind": "inject_state",
            "inject_id": d["inject_id"],
            "change": str(event.type).removeprefix("inject_"),
        }
    elif event.type is EventType.team_added:
        item = {"kind": "team", "slot": d["slot"], "name": d["name"], "join_code": d["join_code"]}
    elif event.type is EventType.note_added:
        item = {"kind": "note", **d, "noted_s": event.scenario_s, "noted_at": event.at.isoformat()}
    elif event.type is EventType.adhoc_inject_posted:
        item = {"kind": "adhoc", "inject_id": d["inject"]["id"]}
    elif event.type is EventType.projector_changed:
        item = {"kind": "projector", **d}
    elif event.type is EventType.score_overridden:
        item = {"kind": "override", **d}
    elif event.type is EventType.debrief_updated:
        item = {"kind": "debrief", **d}
    elif event.type is EventType.report_released:
        item = {"kind": "report_released", **d}
    else:
        item = {"kind": str(event.type)}
    item["seq"] = event.seq
    item["at_s"] = event.scenario_s
    return item


def projector_item(
    state: ExerciseState, event: Event, replies_shown: bool | None = None
) -> dict[str, Any] | None:
    """The room's big screen: lifecycle, the first delivery of each public inject, and team replies
    while the facilitator shows them."""
    d = event.data
    item: dict[str, Any] | None = None
    if event.type in STATUS_EVENTS:
        item = _status(event, state)
    elif event.type is EventType.inject_delivered:
        inject = state.inject(d["inject_id"])
        first = state.first_delivery_seq.get(d["inject_id"]) == event.seq
        public = (
            inject is not None and inject.to == "all" and d["origin"] != "escalation"
        )  # not one team's consequence
        if public and first and inject.channel.value in HEADLINE_CHANNELS:
            item = _delivery(state, event, None)
            if item is not None:
                item.pop("expects_reply", None)
                item.pop("reply_within_s", None)
    elif event.type is EventType.reply_posted and (
        state.projector_shows_replies if replies_shown is None else replies_shown
    ):
        item = _reply(state, event)
        item.pop("key", None)
        item["team_name"] = state.teams[d["team"]].name
    elif event.type is EventType.projector_changed:
        item = {"kind": "projector", **d}
    if item is not None:
        item["seq"] = event.seq
    return item


def team_snapshot(state: ExerciseState, team: str, events: list[Event], now: datetime) -> dict[str, Any]:
    """Everything a team screen needs after a page load or reconnect."""
    scenario = state.scenario
    return {
        "exercise": {"id": state.exercise_id, "title": state.title, "language": scenario.language.value},
        "clock": clock_payload(state, now),
        "organisation": scenario.organisation.model_dump(mode="json"),
        "team": {"slot": team, "name": state.teams[team].name},
        "briefing": render_text(scenario.briefing, state, team),
        "limits": REPLY_LIMITS,
        "options": team_options(state),
        "pulse": team_pulse(state, team, now),
        "items": [i for e in events if (i := team_item(state, e, team)) is not None],
        "last_seq": state.last_seq,
    }


def team_options(state: ExerciseState) -> dict[str, bool]:
    """The options a team screen needs (whether replies need approval, whether it sees its mood)."""
    return {
        "chain_of_command": state.chain_of_command,
        "mood_visible": bool(state.options.get("mood_visible")),
    }


def team_pulse(state: ExerciseState, team: str, now: datetime) -> dict[str, Any]:
    """What moves on a team screen between events: like and share counts of its public posts and,
    when the facilitator shows it, its mood."""
    return team_pulses(state, now, [team])[team]


def team_pulses(
    state: ExerciseState, now: datetime, teams: list[str] | None = None
) -> dict[str, dict[str, Any]]:
    """``team_pulse`` of every team (or of ``teams``) in one pass over the deliveries."""
    now_s = state.scenario_time(now)
    wanted = state.team_slots if teams is None else teams
    peaks = {slot: state.mood(slot).peak_at(now_s) for slot in wanted}
    pulses: dict[str, dict[str, Any]] = {slot: {"engagement": {}} for slot in wanted}
    for (inject_id, slot), delivery in state.deliveries.items():
        inject = state.inject(inject_id)
        if slot not in pulses or inject is None or inject.channel.value not in ENGAGEMENT_CHANNELS:
            continue
        answered_s = state.first_reply_s.get((inject_id, slot))
        unanswered_s = (answered_s if answered_s is not None else now_s) - delivery.scenario_s
        age_s = now_s - delivery.scenario_s
        persona = state.persona(inject.from_)
        likes, shares = engagement(persona, inject_id, slot, age_s, unanswered_s, peaks[slot])
        pulses[slot]["engagement"][inject_id] = [likes, shares]
    if state.options.get("mood_visible"):
        for slot, pulse in pulses.items():
            pulse["mood"] = round(state.mood(slot).value_at(now_s), 1)
    return pulses


def moods_payload(
    state: ExerciseState, now: datetime, slots: Iterable[str] | None = None
) -> dict[str, dict[str, Any]]:
    """Teams' moods now (every team's by default), for the console: value, whether it is rising,
    and which posts heat it."""
    now_s = state.scenario_time(now)
    result = {}
    for slot in state.teams if slots is None else slots:
        mood = state.mood(slot)
        result[slot] = {
            "value": round(mood.value_at(now_s), 1),
            "rising": mood.last.rate > 0 and mood.value_at(now_s) < 100,
            "heating": sorted(mood.heating),
        }
    return result


def facilitator_snapshot(state: ExerciseState, events: list[Event], now: datetime) -> dict[str, Any]:
    """Everything the console needs: the scenario timeline, teams, and every item so far."""
    scenario = state.scenario
    injects = [
        {
            **inject_payload(state, inject, None),
            "at_s": inject.at,
            "to": inject.to,
            "escalates_to": [
                {"when": r.when, "after_s": r.after, "flag": r.flag, "inject": r.inject}
                for r in inject.escalate
            ],
            "key_points": [{"id": k.id, "label": k.label} for k in inject.rubric.key_points],
            "red_flags": [{"id": k.id, "label": k.label} for k in inject.rubric.red_flags],
        }
        for inject in [*scenario.injects, *state.adhoc_injects.values()]
    ]
    return {
        "exercise": {
            "id": state.exercise_id,
            "title": state.title,
            "language": scenario.language.value,
            "scenario_id": scenario.id,
            "summary": scenario.summary,
        },
        "clock": clock_payload(state, now),
        "organisation": scenario.organisation.model_dump(mode="json"),
        "teams": [{"slot": t.slot, "name": t.name, "join_code": t.join_code} for t in state.teams.values()],
        "personas": [persona_payload(p) for p in [*scenario.personas, *state.adhoc_personas.values()]],
        "injects": injects,
        "skipped": sorted(state.skipped),
        "held": sorted(state.held),
        "projector_shows_replies": state.projector_shows_replies,
        "options": dict(state.options),
        "moods": moods_payload(state, now),
        "roles": list(ROLES),
        "items": [facilitator_item(state, e) for e in events],
        "last_seq": state.last_seq,
    }


def projector_snapshot(state: ExerciseState, events: list[Event], now: datetime) -> dict[str, Any]:
    """The projector's items: replies only if they were posted while shown and are still shown."""
    items = []
    shown = False
    for event in events:
        if event.type is EventType.projector_changed:
            shown = bool(event.data["show_replies"])
        if event.type is EventType.reply_posted and not (shown and state.projector_shows_replies):
            continue
        item = projector_item(state, event, replies_shown=shown)
        if item is not None:
            items.append(item)
    return {
        "exercise": {
            "id": state.exercise_id,
            "title": state.title,
            "language": state.scenario.language.value,
        },
        "clock": clock_payload(state, now),
        "organisation": state.scenario.organisation.model_dump(mode="json"),
        "teams": [{"slot": t.slot, "name": t.name} for t in state.teams.values()],
        "items": items,
        "last_seq": state.last_seq,
    }
