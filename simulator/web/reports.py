"""Report pages: the facilitator's report (debrief, release, downloads), each team's own report, and
the replay of what a team's screen showed at a given scenario time."""

from __future__ import annotations

import math
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext

from ..engine import views
from ..engine.durations import format_clock
from ..engine.exercise import CommandRejected, ExerciseState
from ..reporting.exports import FORMATS, export, render_html
from ..reporting.model import report_model
from ..reporting.pdf_worker import PdfFailed, render_in_child
from . import current_services
from .facilitator import facilitator_required, role_or_404, signed_in
from .i18n import current_language, use_exercise_language
from .publish import publish

bp = Blueprint("reports", __name__)

MIMETYPES = {"html": "text/html", "pdf": "application/pdf", "csv": "text/csv", "json": "application/json"}


def _urls(exercise_id: str) -> dict[str, str]:
    download = {
        f"download_{fmt}": url_for("reports.download", exercise_id=exercise_id, fmt=fmt) for fmt in FORMATS
    }
    return {
        **download,
        "debrief_form": url_for("reports.debrief", exercise_id=exercise_id),
        "release_form": url_for("reports.release", exercise_id=exercise_id),
        "replay": url_for("reports.replay", exercise_id=exercise_id),
        "console": url_for("facilitator.console", exercise_id=exercise_id),
    }


def _page(html: str) -> Response:
    """The report page is the exported document itself, so its styles are inline (a <style> element,
    the organisation's colour, bar widths from numbers). Inline styles are allowed here; scripts are
    not, anywhere. No style value comes from free text: the colour is validated as #RRGGBB."""
    response = Response(html, mimetype="text/html")
    response.headers["Content-Security-Policy"] = (
        "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self'; "
        "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
    )
    return response


@bp.get("/facilitator/exercises/<exercise_id>/report")
@facilitator_required
def report(exercise_id: str) -> ResponseReturnValue:
    role = role_or_404(exercise_id)
    model = _model(current_services().store.exercise(exercise_id).state)
    return _page(
        render_html(
            model,
            interactive=role != "observer",
            urls=_urls(exercise_id),
            render=render_template,
            language=current_language(),
        )
    )


def _model(state: ExerciseState) -> dict[str, Any]:
    """The report model in the reader's language (the exercise's, unless they chose another one); while
    the exercise runs, its mood curves stop at the services clock's now."""
    use_exercise_language(state.scenario.language.value)
    return report_model(state, current_language(), now=current_services().clock.now())


@bp.get("/facilitator/exercises/<exercise_id>/report.<fmt>")
@facilitator_required
def download(exercise_id: str, fmt: str) -> ResponseReturnValue:
    role_or_404(exercise_id)
    if fmt not in FORMATS:
        abort(404)
    model = _model(current_services().store.exercise(exercise_id).state)
    filename = f"crisisdrill-{model['scenario']['id']}-{exercise_id}.{fmt}"
    try:
        # The PDF is laid out in a child process: seconds to a minute of WeasyPrint would otherwise
        # stop every screen this server pushes to (pdf_worker.py).
        data = export(model, fmt, pdf=render_in_child)
    except PdfFailed as exc:
        current_app.logger.error("PDF report of exercise %s: %s", exercise_id, exc)
        message = gettext(
            "The PDF could not be made (%(reason)s). The HTML report has the same content.", reason=str(exc)
        )
        return Response(message, status=500, mimetype="text/plain")
    return Response(
        data,
        mimetype=MIMETYPES[fmt],
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def _command(exercise_id: str, command: Any, done: str) -> ResponseReturnValue:
    if role_or_404(exercise_id) == "observer":
        abort(403)
    try:
        events = current_services().store.run(exercise_id, command)
        publish(current_app._get_current_object(), exercise_id, events)  # type: ignore[attr-defined]
        flash(done, "info")
    except CommandRejected as exc:
        flash(str(exc), "error")
    return redirect(url_for("reports.report", exercise_id=exercise_id) + "#debrief")


@bp.post("/facilitator/exercises/<exercise_id>/report/debrief")
@facilitator_required
def debrief(exercise_id: str) -> ResponseReturnValue:
    form = request.form
    return _command(
        exercise_id,
        lambda ex, now: ex.update_debrief(
            now,
            author=signed_in() or "",
            worked=form.get("worked", ""),
            did_not=form.get("did_not", ""),
            actions=form.get("actions", ""),
        ),
        gettext("Debrief saved; every export includes it."),
    )


@bp.post("/facilitator/exercises/<exercise_id>/report/release")
@facilitator_required
def release(exercise_id: str) -> ResponseReturnValue:
    choice = request.form.get("release", "")
    return _command(
        exercise_id, lambda ex, now: ex.release_report(now, choice), gettext("Report visibility updated.")
    )


@bp.get("/team/report")
def team_report() -> ResponseReturnValue:
    """A team's own report, once released; the ranking only when the facilitator releases it."""
    participant = session.get("participant")
    if not isinstance(participant, dict):
        return redirect(url_for("team.join"))
    state = current_services().store.exercise(participant["exercise_id"]).state
    if state.released == "none":
        use_exercise_language(state.scenario.language.value)
        return render_template("report/not_released.html"), 403
    model = _model(state)
    return _page(
        render_html(
            model,
            audience="team",
            team_slot=participant["team"],  # from the session, never from the request
            show_ranking=state.released == "ranking",
            render=render_template,
            language=current_language(),
        )
    )


@bp.get("/facilitator/exercises/<exercise_id>/replay")
@facilitator_required
def replay(exercise_id: str) -> ResponseReturnValue:
    """What a team's screen showed at scenario time ``at`` (seconds), and what it had published."""
    role_or_404(exercise_id)
    services = current_services()
    state = services.store.exercise(exercise_id).state
    slot = request.args.get("team") or next(iter(state.teams))
    if slot not in state.teams:
        abort(404)
    end_s = max(state.anchor_s, 1.0)
    try:
        at_s = min(max(float(request.args.get("at", end_s)), 0.0), end_s)
    except ValueError:
        at_s = end_s
    if not math.isfinite(at_s):  # ?at=nan
        at_s = end_s
    events = [e for e in services.store.events_after(exercise_id, 0, limit=10**7) if e.scenario_s <= at_s]
    items = [i for e in events if (i := views.team_item(state, e, slot)) is not None]
    answered = {
        i["inject_id"]: i["published_s"]
        for i in reversed(items)
        if i["kind"] == "reply" and i.get("inject_id")
    }
    for item in items:
        if item["kind"] == "inject" and item.get("expects_reply") and item.get("reply_within_s"):
            deadline = item["delivered_s"] + item["reply_within_s"]
            replied = answered.get(item["inject_id"])
            item["state"] = "answered" if replied is not None else ("overdue" if at_s > deadline else "open")
            item["left"] = format_clock(max(0.0, deadline - at_s))
    use_exercise_language(state.scenario.language.value)
    return render_template(
        "report/replay.html",
        exercise_id=exercise_id,
        title=state.title,
        teams=[{"slot": t.slot, "name": t.name} for t in state.teams.values()],
        team=slot,
        team_name=state.teams[slot].name,
        at_s=at_s,
        end_s=end_s,
        at_clock=format_clock(at_s),
        items=list(reversed(items)),
        format_clock=format_clock,
    )
