"""Public pages: the scenario library and a health check."""

from __future__ import annotations

from flask import Blueprint, jsonify, render_template
from flask.typing import ResponseReturnValue

from ..engine.durations import format_duration
from ..services import DatabaseUnreachable
from . import current_services

bp = Blueprint("pages", __name__)


@bp.get("/")
def index() -> ResponseReturnValue:
    services = current_services()
    return render_template(
        "index.html",
        scenarios=services.library.all(),
        problems=services.library.problems,
        format_duration=format_duration,
    )


@bp.get("/healthz")
def healthz() -> ResponseReturnValue:
    """200 when this process serves and reaches its database; 503 (not a traceback) when it does not."""
    services = current_services()
    try:
        services.check_database()
    except DatabaseUnreachable as exc:
        return jsonify(status="database unreachable", error=str(exc)), 503
    return jsonify(status="ok", scenarios=len(services.library.scenarios))
