"""The projector view: a read-only page for the room's big screen."""

from __future__ import annotations

from flask import Blueprint, render_template, session
from flask.typing import ResponseReturnValue

from . import current_services
from .facilitator import facilitator_required, role_or_404
from .i18n import use_exercise_language

bp = Blueprint("projector", __name__)


@bp.get("/projector/<exercise_id>")
@facilitator_required
def screen(exercise_id: str) -> ResponseReturnValue:
    role_or_404(exercise_id)
    state = current_services().store.exercise(exercise_id).state
    session["projector_exercise"] = exercise_id
    organisation = state.scenario.organisation
    use_exercise_language(state.scenario.language.value)
    return render_template(
        "projector.html",
        exercise={"id": exercise_id, "title": state.title},
        organisation={
            "name": organisation.name,
            "handle": organisation.handle,
            "colour": organisation.colour,
        },
    )
