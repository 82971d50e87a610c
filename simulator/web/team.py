"""Team pages: join with a code and a display name, then the team screen."""

from __future__ import annotations

import secrets
from typing import Any

from flask import Blueprint, current_app, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext

from ..engine.exercise import DISPLAY_NAME_MAX, ROLES, CommandRejected, ExerciseState
from ..store.exercises import ExerciseNotFound
from . import current_services
from . import payloads as p
from .i18n import use_exercise_language
from .publish import publish
from .ratelimit import client_ip, current_limits, too_many
from .rejections import localised

bp = Blueprint("team", __name__)


@bp.route("/join", methods=["GET", "POST"])
@p.form_limits(code=16)
def join() -> ResponseReturnValue:
    if request.method == "POST":
        limited = current_limits().hit("join", client_ip())
        if limited:
            return too_many(limited)
        code = "".join(request.form.get("code", "").split()).upper()[:16]
        return redirect(url_for("team.join_code", code=code or "-"))
    return render_template("team/join.html", error=None, code="")


@bp.route("/join/<code>", methods=["GET", "POST"])
@p.form_limits(display_name=200)
def join_code(code: str) -> ResponseReturnValue:
    services = current_services()
    limits, ip = current_limits(), client_ip()
    # Checked before the look-up, so a limited client learns nothing about which codes exist.
    limited = limits.check("join_unknown_code", ip) or (
        limits.hit("join", ip) if request.method == "POST" else None
    )
    if limited:
        return too_many(limited)
    found = services.store.find_join_code(code[:16])
    if found is None:
        limits.hit("join_unknown_code", ip)
        error = gettext(
            "No team has the join code %(code)s. Check the code on the screen and try again.",
            code=repr(code[:16]),
        )
        return render_template("team/join.html", error=error, code=code[:16]), 404
    exercise_id, slot = found
    state = services.store.exercise(exercise_id).state
    team_name = state.teams[slot].name
    error = None
    display_name = ""
    if request.method == "POST":
        display_name = " ".join(request.form.get("display_name", "").split())[:200]
        role = request.form.get("role", "")[:32] or None
        participant_id = secrets.token_hex(8)
        try:
            events = services.store.run(
                exercise_id, lambda ex, now: ex.join(now, participant_id, slot, display_name, role)
            )
        except CommandRejected as exc:
            error = localised(str(exc))
        else:
            publish(current_app._get_current_object(), exercise_id, events)  # type: ignore[attr-defined]
            session.clear()
            session["participant"] = {
                "exercise_id": exercise_id,
                "team": slot,
                "participant_id": participant_id,
                "display_name": events[0].data["display_name"],
            }
            return redirect(url_for("team.team_screen"))
    use_exercise_language(state.scenario.language.value)
    return render_template(
        "team/join_name.html",
        code=code.upper(),
        team_name=team_name,
        title=state.title,
        error=error,
        display_name=display_name,
        max_len=DISPLAY_NAME_MAX,
        roles=ROLES if state.chain_of_command else (),
        role=request.form.get("role", "community_manager"),
    ), 400 if error else 200


@bp.get("/team")
def team_screen() -> ResponseReturnValue:
    participant = session.get("participant")
    if not isinstance(participant, dict):
        return redirect(url_for("team.join"))
    state = joined_state(participant)
    if state is None:
        session.pop("participant", None)  # a session for an exercise or team that is not there
        return redirect(url_for("team.join"))
    organisation = state.scenario.organisation
    use_exercise_language(state.scenario.language.value)
    return render_template(
        "team/screen.html",
        participant={
            "display_name": participant["display_name"],
            "team_name": state.teams[participant["team"]].name,
            "team_slot": participant["team"],
            "participant_id": participant["participant_id"],
        },
        exercise={"id": state.exercise_id, "title": state.title},
        organisation={
            "name": organisation.name,
            "handle": organisation.handle,
            "colour": organisation.colour,
        },
    )


def joined_state(participant: Any) -> ExerciseState | None:
    """The exercise of a session's ``participant``, when that participant joined, in that exercise,
    the team the session names; otherwise None (a stale or tampered session is bound to nothing)."""
    if not isinstance(participant, dict):
        return None
    exercise_id, team, pid = (participant.get(k) for k in ("exercise_id", "team", "participant_id"))
    if not all(isinstance(v, str) and v for v in (exercise_id, team, pid)):
        return None
    try:
        state = current_services().store.exercise(exercise_id).state
    except ExerciseNotFound:
        return None
    joined = state.participants.get(pid)
    if team not in state.teams or not isinstance(joined, dict) or joined.get("team") != team:
        return None
    return state


@bp.post("/team/leave")
def leave() -> ResponseReturnValue:
    session.pop("participant", None)
    return redirect(url_for("team.join"))
