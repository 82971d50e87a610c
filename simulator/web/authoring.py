"""Scenario authoring: upload a scenario (YAML, or an MSEL spreadsheet in CSV or XLSX) into the
library, and download any scenario of the library as YAML or as an MSEL spreadsheet.

An upload is checked with the same validator as ``crisisdrill scenario validate``: when the file has
problems, the page lists every one of them (line and field for YAML, sheet, row and column for a
spreadsheet) and nothing is written. A valid scenario is written as YAML into the library folder and
the library is reloaded, so it appears at once in the new-exercise form. A scenario id the library
already has is replaced only when the facilitator ticks "replace".
"""

from __future__ import annotations

import re
from typing import Any

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from ..engine import msel
from ..engine.loader import Problem
from ..scenario_files import ScenarioExists, library_file, save_scenario
from ..services import UnknownScenario
from . import current_services
from .facilitator import facilitator_required

bp = Blueprint("authoring", __name__, url_prefix="/facilitator/scenarios")

MAX_UPLOAD_BYTES = 1024 * 1024
DOWNLOADS = {
    "yaml": ("application/yaml; charset=utf-8", "{id}.yaml"),
    "csv": ("text/csv; charset=utf-8", "{id}-msel.csv"),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "{id}-msel.xlsx"),
}


def _display_name(filename: str) -> str:
    """The uploaded file's own name, for messages only (never used as a path)."""
    name = re.split(r"[\\/]", filename)[-1].strip()
    return name[:120] or "the file"


def _size(limit: int) -> str:
    return f"{limit // (1024 * 1024)} MB" if limit % (1024 * 1024) == 0 else f"{limit:,} bytes"


def _where(problem: Problem) -> str:
    parts = [f"line {problem.line}"] if problem.line else []
    if problem.field:
        parts.append(problem.field)
    return " · ".join(parts) or "the file"


def _page(status: int = 200, **context: Any) -> ResponseReturnValue:
    context.setdefault("problems", [])
    context.setdefault("replace", False)
    context["max_size"] = _size(MAX_UPLOAD_BYTES)
    return render_template("facilitator/scenario_upload.html", **context), status


@bp.get("/upload")
@facilitator_required
def upload_form() -> ResponseReturnValue:
    return _page()


@bp.post("/upload")
@facilitator_required
def upload() -> ResponseReturnValue:
    replace = request.form.get("replace") == "yes"
    upload = request.files.get("scenario")
    if upload is None or not upload.filename:
        return _page(400, error="Choose a scenario file (YAML, CSV or XLSX).", replace=replace)
    filename = _display_name(upload.filename)
    content = upload.stream.read(MAX_UPLOAD_BYTES + 1)
    if len(content) > MAX_UPLOAD_BYTES:
        return _page(
            413,
            error=f"{filename} is larger than {_size(MAX_UPLOAD_BYTES)}: nothing was added.",
            replace=replace,
        )
    found, text, problems = msel.read_scenario(content, filename)
    if found is None or text is None:
        return _page(
            422,
            filename=filename,
            problems=[{"where": _where(p), "message": p.message} for p in problems],
            replace=replace,
        )
    library = current_services().library
    existed = found.id in library.scenarios
    try:
        path = save_scenario(library.directory, found.id, text, replace=replace)
    except ScenarioExists as exc:
        return _page(
            409,
            error=(
                f"The library already has a scenario {found.id!r} ({exc.path.name}). Tick "
                "“Replace” to overwrite it, or give your scenario another id."
            ),
            filename=filename,
            replace=replace,
        )
    library.reload()
    if found.id not in library.scenarios:
        # Written, but the library did not take it (e.g. another file declares the same id).
        mine = [p for p in library.problems if p.source == str(path)]
        return _page(
            409,
            filename=filename,
            error=f"{path.name} was written but the library did not load it; fix the problems below.",
            problems=[{"where": _where(p), "message": p.message} for p in mine],
            replace=replace,
        )
    flash(
        f"Scenario “{found.title}” ({found.id}, {len(found.injects)} injects) "
        f"{'replaced' if existed else 'added'}: choose it below to create an exercise.",
        "info",
    )
    return redirect(url_for("facilitator.dashboard", scenario_id=found.id) + "#new-exercise")


@bp.get("/<scenario_id>/download/<fmt>")
@facilitator_required
def download(scenario_id: str, fmt: str) -> ResponseReturnValue:
    if fmt not in DOWNLOADS:
        abort(404)
    library = current_services().library
    try:
        scenario = library.get(scenario_id)
    except UnknownScenario:
        abort(404)
    if fmt == "yaml":
        path = library_file(library.directory, scenario.id)
        data = path.read_bytes() if path is not None else msel.export(scenario, "yaml")
    else:
        data = msel.export(scenario, fmt)
    mimetype, name = DOWNLOADS[fmt]
    return Response(
        data,
        mimetype=mimetype,
        headers={"Content-Disposition": f'attachment; filename="{name.format(id=scenario.id)}"'},
    )
