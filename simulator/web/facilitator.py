"""Facilitator pages: sign-in, dashboard, exercise creation, console, join sheet and QR codes."""

from __future__ import annotations

import functools
import io
from collections.abc import Callable
from typing import Any

import segno
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

from ..engine.durations import format_duration
from ..engine.exercise import CommandRejected
from ..services import UnknownScenario
from ..store import accounts
from .publish import end_user_sessions

bp = Blueprint("facilitator", __name__, url_prefix="/facilitator")


def _services() -> Any:
    return current_app.extensions["crisisdrill"]


def signed_in() -> str | None:
    """The signed-in facilitator's name, if the session is still valid."""
    name = session.get("facilitator")
    if name and accounts.session_is_valid(_services().sessions, name, float(session.get("signed_in_at", 0))):
        return str(name)
    return None


def facilitator_required(view: Callable[..., ResponseReturnValue]) -> Callable[..., ResponseReturnValue]:
    @functools.wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> ResponseReturnValue:
        if signed_in() is None:
            return redirect(url_for("facilitator.login", next=request.path))
        return view(*args, **kwargs)

    return wrapped


def role_or_404(exercise_id: str) -> str:
    """The signed-in facilitator's role in the exercise; 404 when they have none (no leak of ids)."""
    role = accounts.exercise_role(_services().sessions, exercise_id, signed_in())
    if role is None:
        abort(404)
    return role


def join_url(code: str) -> str:
    return f"{_services().settings.base_url}/join/{code}"


@bp.route("/login", methods=["GET", "POST"])
def login() -> ResponseReturnValue:
    error = None
    if request.method == "POST":
        name = request.form.get("name", "").strip()[:80]
        password = request.form.get("password", "")[:200]
        if accounts.check_facilitator(_services().sessions, name, password):
            session.clear()
            session["facilitator"] = name
            session["signed_in_at"] = _services().clock.now().timestamp()
            return redirect(url_for("facilitator.dashboard"))
        error = "Unknown name or wrong password."
    return render_template("facilitator/login.html", error=error), 401 if error else 200


@bp.post("/logout")
def logout() -> ResponseReturnValue:
    name = signed_in()
    if name:
        accounts.end_sessions(_services().sessions, _services().clock, name)
        end_user_sessions(name)
    session.clear()
    return redirect(url_for("facilitator.login"))


@bp.get("/")
@facilitator_required
def dashboard() -> ResponseReturnValue:
    services = _services()
    return render_template(
        "facilitator/dashboard.html",
        me=signed_in(),
        exercises=accounts.visible_exercises(services.sessions, signed_in() or ""),
        scenarios=services.library.all(),
        format_duration=format_duration,
        form=request.args,
    )


@bp.post("/exercises")
@facilitator_required
def create_exercise() -> ResponseReturnValue:
    services = _services()
    form = request.form
    names = [n.strip() for n in form.get("teams", "").replace("\n", ",").split(",") if n.strip()]
    try:
        speed = float(form.get("speed", "1") or 1)
    except ValueError:
        speed = -1
    try:
        scenario = services.library.get(form.get("scenario_id", ""))
        if not names:
            raise CommandRejected("Teams: give at least one team name, separated by commas.")
        created = services.store.create_exercise(
            scenario, names, title=form.get("title", "").strip()[:200] or None, speed=speed, owner=signed_in()
        )
    except (UnknownScenario, CommandRejected) as exc:
        flash(str(exc), "error")
        # Keep what was typed: nothing the facilitator entered is lost on an error.
        return redirect(
            url_for(
                "facilitator.dashboard",
                **{k: form.get(k, "") for k in ("scenario_id", "teams", "title", "speed")},
            )
        )
    return redirect(url_for("facilitator.console", exercise_id=created.state.exercise_id))


@bp.get("/exercises/<exercise_id>")
@facilitator_required
def console(exercise_id: str) -> ResponseReturnValue:
    role = role_or_404(exercise_id)
    services = _services()
    state = services.store.exercise(exercise_id).state
    session["console_exercise"] = exercise_id  # the socket's room comes from here, not from the client
    teams = [
        {
            "slot": t.slot,
            "name": t.name,
            "join_code": t.join_code,
            "join_url": join_url(t.join_code),
            "qr_url": url_for("facilitator.qr", exercise_id=exercise_id, slot=t.slot),
        }
        for t in state.teams.values()
    ]
    return render_template(
        "facilitator/console.html",
        exercise={
            "id": exercise_id,
            "title": state.title,
            "scenario_id": state.scenario.id,
            "status": str(state.status),
        },
        role=role,
        me=signed_in(),
        teams=teams,
        members=[{"name": n, "role": r} for n, r in accounts.members(services.sessions, exercise_id)],
        join_sheet_url=url_for("facilitator.join_sheet", exercise_id=exercise_id),
        projector_url=url_for("projector.screen", exercise_id=exercise_id),
        dashboard_url=url_for("facilitator.dashboard"),
        add_member_url=url_for("facilitator.add_member", exercise_id=exercise_id),
        lang=state.scenario.language.value,
    )


@bp.post("/exercises/<exercise_id>/members")
@facilitator_required
def add_member(exercise_id: str) -> ResponseReturnValue:
    if role_or_404(exercise_id) != "owner":
        abort(403)
    try:
        accounts.add_member(
            _services().sessions,
            _services().clock,
            exercise_id,
            request.form.get("name", "").strip(),
            request.form.get("role", ""),
        )
        flash(f"{request.form.get('name')} added as {request.form.get('role')}.", "info")
    except accounts.AccountError as exc:
        flash(str(exc), "error")
    return redirect(url_for("facilitator.console", exercise_id=exercise_id))


@bp.get("/exercises/<exercise_id>/join-sheet")
@facilitator_required
def join_sheet(exercise_id: str) -> ResponseReturnValue:
    role_or_404(exercise_id)
    state = _services().store.exercise(exercise_id).state
    teams = [
        {
            "name": t.name,
            "join_code": t.join_code,
            "join_url": join_url(t.join_code),
            "qr_svg": qr_svg(join_url(t.join_code)),
        }
        for t in state.teams.values()
    ]
    return render_template(
        "facilitator/join_sheet.html", title=state.title, teams=teams, lang=state.scenario.language.value
    )


@bp.get("/exercises/<exercise_id>/qr/<slot>.svg")
@facilitator_required
def qr(exercise_id: str, slot: str) -> ResponseReturnValue:
    role_or_404(exercise_id)
    team = _services().store.exercise(exercise_id).state.teams.get(slot)
    if team is None:
        abort(404)
    return Response(qr_svg(join_url(team.join_code)), mimetype="image/svg+xml")


def qr_svg(url: str) -> str:
    """A QR code as standalone SVG, made locally (no external service)."""
    buffer = io.BytesIO()
    segno.make(url, error="m").save(buffer, kind="svg", scale=8, border=2, xmldecl=False, svgns=True)
    return buffer.getvalue().decode()
