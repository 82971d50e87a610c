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
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.typing import ResponseReturnValue
from werkzeug.security import check_password_hash

from ..engine.durations import format_duration
from ..engine.exercise import CommandRejected
from ..engine.scoring_input import exercise_report
from ..reporting.language import localise_reasons
from ..services import UnknownScenario
from ..store import accounts
from . import current_services
from . import payloads as p
from .i18n import current_language, use_exercise_language
from .offload import off_loop
from .publish import end_user_sessions
from .ratelimit import client_ip, current_limits, too_many

bp = Blueprint("facilitator", __name__, url_prefix="/facilitator")


def signed_in() -> str | None:
    """The signed-in facilitator's name, if the session is still valid."""
    name = session.get("facilitator")
    if name and accounts.session_is_valid(
        current_services().sessions, name, float(session.get("signed_in_at", 0))
    ):
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
    role = accounts.exercise_role(current_services().sessions, exercise_id, signed_in())
    if role is None:
        abort(404)
    return role


def join_url(code: str) -> str:
    return f"{current_services().settings.base_url}/join/{code}"


def _verify(password_hash: str, password: str) -> bool:
    return off_loop(check_password_hash, password_hash, password)


@bp.route("/login", methods=["GET", "POST"])
@p.form_limits(name=80, password=200)
def login() -> ResponseReturnValue:
    error = None
    if request.method == "POST":
        name = request.form.get("name", "").strip()[:80]
        password = request.form.get("password", "")[:200]
        limits, ip = current_limits(), client_ip()
        # Only failures count; while limited even the right password is refused (no guessing on).
        limited = limits.check("sign_in", ip, name) or limits.check("sign_in_ip", ip)
        if limited:
            return too_many(limited)
        if accounts.check_facilitator(current_services().sessions, name, password, verify=_verify):
            session.clear()
            session["facilitator"] = name
            session["signed_in_at"] = current_services().clock.now().timestamp()
            return redirect(url_for("facilitator.dashboard"))
        limits.hit("sign_in", ip, name)
        limits.hit("sign_in_ip", ip)
        error = "Unknown name or wrong password."
    return render_template("facilitator/login.html", error=error), 401 if error else 200


@bp.post("/logout")
def logout() -> ResponseReturnValue:
    name = signed_in()
    if name:
        accounts.end_sessions(current_services().sessions, current_services().clock, name)
        end_user_sessions(name)
    session.clear()
    return redirect(url_for("facilitator.login"))


@bp.get("/")
@facilitator_required
def dashboard() -> ResponseReturnValue:
    services = current_services()
    return render_template(
        "facilitator/dashboard.html",
        me=signed_in(),
        exercises=accounts.visible_exercises(services.sessions, signed_in() or ""),
        scenarios=services.library.all(),
        format_duration=format_duration,
        form=request.args,
    )


FORM_FIELDS = ("scenario_id", "teams", "title", "speed", "chain_of_command", "mood_visible", "reactions")


def exercise_options(form: Any) -> dict[str, bool]:
    """The new-exercise form's options. Unticked boxes are not sent, so the form says it has them
    (``options``); the mood gauge follows the scenario unless the facilitator says show or hide."""
    options = {
        "chain_of_command": form.get("chain_of_command") == "on",
        "reactions": form.get("reactions") == "on" or "options" not in form,
    }
    visible = form.get("mood_visible", "scenario")
    if visible in ("show", "hide"):
        options["mood_visible"] = visible == "show"
    return options


@bp.post("/exercises")
@facilitator_required
@p.form_limits(scenario_id=64, teams=2000, title=200, speed=16, mood_visible=16)
def create_exercise() -> ResponseReturnValue:
    services = current_services()
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
            scenario,
            names,
            title=form.get("title", "").strip()[:200] or None,
            speed=speed,
            owner=signed_in(),
            options=exercise_options(form),
        )
    except (UnknownScenario, CommandRejected) as exc:
        flash(str(exc), "error")
        # Keep what was typed: nothing the facilitator entered is lost on an error.
        return redirect(
            url_for(
                "facilitator.dashboard",
                **{k: form.get(k, "") for k in FORM_FIELDS},
            )
        )
    return redirect(url_for("facilitator.console", exercise_id=created.state.exercise_id))


@bp.get("/exercises/<exercise_id>")
@facilitator_required
def console(exercise_id: str) -> ResponseReturnValue:
    role = role_or_404(exercise_id)
    services = current_services()
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
    use_exercise_language(state.scenario.language.value)
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
    )


@bp.post("/exercises/<exercise_id>/members")
@facilitator_required
@p.form_limits(name=80, role=20)
def add_member(exercise_id: str) -> ResponseReturnValue:
    if role_or_404(exercise_id) != "owner":
        abort(403)
    try:
        accounts.add_member(
            current_services().sessions,
            current_services().clock,
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
    state = current_services().store.exercise(exercise_id).state
    teams = [
        {
            "name": t.name,
            "join_code": t.join_code,
            "join_url": join_url(t.join_code),
            "qr_svg": qr_svg(join_url(t.join_code)),
        }
        for t in state.teams.values()
    ]
    use_exercise_language(state.scenario.language.value)
    return render_template("facilitator/join_sheet.html", title=state.title, teams=teams)


@bp.get("/exercises/<exercise_id>/qr/<slot>.svg")
@facilitator_required
def qr(exercise_id: str, slot: str) -> ResponseReturnValue:
    role_or_404(exercise_id)
    team = current_services().store.exercise(exercise_id).state.teams.get(slot)
    if team is None:
        abort(404)
    return Response(qr_svg(join_url(team.join_code)), mimetype="image/svg+xml")


def qr_svg(url: str) -> str:
    """A QR code as standalone SVG, made locally (no external service)."""
    buffer = io.BytesIO()
    segno.make(url, error="m").save(buffer, kind="svg", scale=8, border=2, xmldecl=False, svgns=True)
    return buffer.getvalue().decode()


@bp.get("/exercises/<exercise_id>/scores")
@facilitator_required
def scores(exercise_id: str) -> ResponseReturnValue:
    """The explained scores, recomputed from the event log, with the facilitator's overrides."""
    role = role_or_404(exercise_id)
    state = current_services().store.exercise(exercise_id).state
    use_exercise_language(state.scenario.language.value)
    report = exercise_report(state)
    for team in report["teams"]:
        team["reasons"] = localise_reasons(team["reasons"], current_language())
    replies_by_team: dict[str, list[dict[str, Any]]] = {}
    for reply in state.replies:
        inject = state.inject(reply.inject_id) if reply.inject_id else None
        replies_by_team.setdefault(reply.team, []).append(
            {
                "reply_id": reply.reply_id,
                "inject_id": reply.inject_id,
                "channel": reply.channel,
                "kind": reply.kind,
                "text": reply.text,
                "published": format_duration(reply.scenario_s),
                "key_points": [{"id": k.id, "label": k.label} for k in inject.rubric.key_points]
                if inject
                else [],
            }
        )
    return render_template(
        "facilitator/scores.html",
        report=report,
        exercise_id=exercise_id,
        can_override=role != "observer",
        replies_by_team=replies_by_team,
        format_duration=format_duration,
    )


@bp.post("/exercises/<exercise_id>/overrides")
@facilitator_required
@p.form_limits(kind=20, met=5, points=16, comment=500, team=16, reply_id=32, key_point=64)
def add_override(exercise_id: str) -> ResponseReturnValue:
    if role_or_404(exercise_id) == "observer":
        abort(403)
    form = request.form
    kind = form.get("kind", "")
    met = {"true": True, "false": False}.get(form.get("met", ""))
    try:
        points = float(form["points"]) if form.get("points") else None
    except ValueError:
        flash(f"Points: expected a number from -50 to 50, got {form.get('points')!r}.", "error")
        return redirect(url_for("facilitator.scores", exercise_id=exercise_id))
    try:
        current_services().store.run(
            exercise_id,
            lambda ex, now: ex.override_score(
                now,
                author=signed_in() or "",
                kind=kind,
                comment=form.get("comment", ""),
                team=form.get("team") or None,
                reply_id=form.get("reply_id") or None,
                key_point=form.get("key_point") or None,
                met=met,
                points=points,
            ),
        )
        flash("Override recorded; the scores below include it.", "info")
    except CommandRejected as exc:
        flash(str(exc), "error")
    return redirect(url_for("facilitator.scores", exercise_id=exercise_id))
