"""Team pages: join with a code and a display name, then the team screen."""

from __future__ import annotations

import secrets

from flask import Blueprint, current_app, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue

from ..engine.exercise import DISPLAY_NAME_MAX, CommandRejected
from . import current_services
from .publish import publish

bp = Blueprint("team", __name__)


@bp.route("/join", methods=["GET", "POST"])
def join() -> ResponseReturnValue:
    if request.method == "POST":
        code = "".join(request.form.get("code", "").split()).upper()[:16]
        return redirect(url_for("team.join_code", code=code or "-"))
    return render_template("team/join.html", error=None, code="")


@bp.route("/join/<code>", methods=["GET", "POST"])
def join_code(code: str) -> ResponseReturnValue:
    services = current_services()
    found = services.store.find_join_code(code[:16])
    if found is None:
        error = f"No team has the join code {code[:16]!r}. Check the code on the screen and try again."
        return render_template("team/join.html", error=error, code=code[:16]), 404
    exercise_id, slot = found
    state = services.store.exercise(exercise_id).state
    team_name = state.teams[slot].name
    error = None
    display_name = ""
    if request.method == "POST":
        display_name = " ".join(request.form.get("display_name", "").split())[:200]
        participant_id = secrets.token_hex(8)
        try:
            events = services.store.run(
                exercise_id, lambda ex, now: ex.join(now, participant_id, slot, display_name)
            )
        except CommandRejected as exc:
            error = str(exc)
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
    return render_template(
        "team/join_name.html",
        code=code.upper(),
        team_name=team_name,
        title=state.title,
        error=error,
        display_name=display_name,
        max_len=DISPLAY_NAME_MAX,
        lang=state.scenario.language.value,
    ), 400 if error else 200


@bp.get("/team")
def team_screen() -> ResponseReturnValue:
    participant = session.get("participant")
    if not isinstance(participant, dict):
        return redirect(url_for("team.join"))
    state = current_services().store.exercise(participant["exercise_id"]).state
    organisation = state.scenario.organisation
    return render_template(
        "team/screen.html",
        participant={
            "display_name": participant["display_name"],
            "team_name": state.teams[participant["team"]].name,
            "team_slot": participant["team"],
        },
        exercise={"id": state.exercise_id, "title": state.title},
        organisation={
            "name": organisation.name,
            "handle": organisation.handle,
            "colour": organisation.colour,
        },
        lang=state.scenario.language.value,
    )


@bp.post("/team/leave")
def leave() -> ResponseReturnValue:
    session.pop("participant", None)
    return redirect(url_for("team.join"))
