"""The report's exports: HTML (standalone), PDF (WeasyPrint, from the same HTML), CSV and JSON."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from functools import cache
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from ..engine.durations import format_clock
from ..paths import static_dir, templates_dir
from ..translations import translations
from .charts import all_charts
from .language import language_of, number, when
from .model import translated

FORMATS = ("html", "pdf", "csv", "json")
CSV_COLUMNS = (
    "mark",
    "exercise_id", "team", "team_name", "rank", "total", "speed", "consistency", "inject_id", "channel",
    "kind", "published_at", "published_s", "response_s", "speed_points", "speed_max_points",
    "key_points_met", "key_points_missed", "red_flags", "author", "text",
)  # fmt: skip


def report_css() -> str:
    return (static_dir() / "css" / "report.css").read_text(encoding="utf-8")


@cache
def _environment(language: str) -> Environment:
    """A plain Jinja environment (no Flask) speaking ``language``, for exported files."""
    env = Environment(
        loader=FileSystemLoader(str(templates_dir())),
        autoescape=select_autoescape(["html"]),
        extensions=["jinja2.ext.i18n"],
    )
    env.install_gettext_translations(translations(language), newstyle=True)  # type: ignore[attr-defined]
    return env


def render_html(
    model: dict[str, Any],
    *,
    audience: str = "facilitator",
    team_slot: str | None = None,
    show_ranking: bool = True,
    interactive: bool = False,
    urls: dict[str, str] | None = None,
    render: Callable[..., str] | None = None,
    language: str | None = None,
) -> str:
    """The report as one self-contained HTML document (styles and SVG charts inline), in ``language``
    (by default the scenario's).

    ``render`` is Flask's ``render_template`` for the interactive page (it brings ``csrf_token``,
    ``url_for`` and Flask-Babel's gettext, whose locale must be ``language``); exports use a plain Jinja
    environment with the same catalog."""
    language = language_of(language or model["scenario"]["language"])
    model = translated(model, language)
    context = {
        "model": model,
        "charts": all_charts(visible_model(model, audience, team_slot), language),
        "css": Markup(report_css()),  # our own stylesheet, inlined so exports are self-contained
        "audience": audience,
        "team_slot": team_slot,
        "show_ranking": show_ranking,
        "interactive": interactive,
        "urls": urls or {},
        "lang": language,
        "number": number(language),
        "format_when": when(language),
    }
    if render is not None:
        return render("report/report.html", **context)
    return _environment(language).get_template("report/report.html").render(**context)


def visible_model(model: dict[str, Any], audience: str, team_slot: str | None) -> dict[str, Any]:
    """For a team, the model without any other team's data (charts are drawn from it)."""
    if audience != "team":
        return model
    keep = {team_slot}
    return {
        **model,
        "teams": [t for t in model["teams"] if t["team"] in keep],
        "escalations": [e for e in model["escalations"] if e["team"] in keep],
        "statements": [s for s in model["statements"] if s["team"] in keep],
        "injects": [
            {**i, "teams": {k: v for k, v in i["teams"].items() if k in keep}}
            for i in model["injects"]
            if team_slot in i["teams"]
        ],
        "timeline": {
            **model["timeline"],
            "teams": [t for t in model["timeline"]["teams"] if t["team"] in keep],
        },
    }


def to_pdf(html: str) -> bytes:
    """The same HTML, laid out for print by WeasyPrint (A4, the exercise mark on every page)."""
    from weasyprint import HTML

    return HTML(string=html, base_url=str(static_dir())).write_pdf()


def to_json(model: dict[str, Any]) -> str:
    return json.dumps(model, ensure_ascii=False, indent=2) + "\n"


def to_csv(model: dict[str, Any]) -> str:
    """One row per reply with its scores (the team's totals repeat on each of its rows), then the
    debrief; every row carries the exercise mark."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    teams = {t["team"]: t for t in model["teams"]}
    rows = []
    for inject in model["injects"]:
        for slot, cell in inject["teams"].items():
            team = teams[slot]
            speed = next((r for r in cell["reasons"] if r["criterion"] == "speed"), None)
            met = team["key_points"].get(inject["inject_id"], {})
            for index, reply in enumerate(cell["replies"]):
                flags = sum(
                    1
                    for r in cell["reasons"]
                    if r["criterion"] == "red_flags" and r.get("reply_id") == reply["reply_id"]
                )
                rows.append(
                    {
                        "team": slot,
                        "team_name": team["name"],
                        "rank": team["rank"],
                        "total": team["total"],
                        "speed": team["speed"],
                        "consistency": team["consistency"],
                        "inject_id": inject["inject_id"],
                        "channel": reply["channel"],
                        "kind": reply["kind"],
                        "published_s": reply["published_s"],
                        "response_s": reply["response_s"],
                        "speed_points": speed["points"] if speed and index == 0 else "",
                        "speed_max_points": speed.get("max_points", "") if speed and index == 0 else "",
                        "key_points_met": ";".join(k for k, v in met.items() if v),
                        "key_points_missed": ";".join(k for k, v in met.items() if not v),
                        "red_flags": flags,
                        "author": reply["author"],
                        "text": reply["text"],
                    }
                )
    for statement in model["statements"]:
        team = teams[statement["team"]]
        rows.append(
            {
                "team": statement["team"],
                "team_name": team["name"],
                "rank": team["rank"],
                "total": team["total"],
                "speed": team["speed"],
                "consistency": team["consistency"],
                "inject_id": "",
                "channel": statement["channel"],
                "kind": statement["kind"],
                "published_s": statement["published_s"],
                "response_s": "",
                "speed_points": "",
                "speed_max_points": "",
                "key_points_met": "",
                "key_points_missed": "",
                "red_flags": 0,
                "author": "",
                "text": statement["text"],
            }
        )
    rows.sort(key=lambda r: (float(r["published_s"]), r["team"]))
    for row in rows:
        row["published_at"] = format_clock(float(row["published_s"]))
    # the debrief travels with every export: one row per part that was written, after the replies
    labels = {
        "worked": "What worked",
        "did_not": "What did not work",
        "actions": "Actions for the crisis plan",
    }
    debrief = model.get("debrief", {})
    rows += [
        {"kind": f"debrief:{key}", "author": debrief.get("author", ""), "text": f"{label}: {debrief[key]}"}
        for key, label in labels.items()
        if debrief.get(key)
    ]
    for row in rows:
        row["mark"] = model.get("mark", "")
        row["exercise_id"] = model["exercise"]["id"]
        writer.writerow(row)
    return out.getvalue()


def export(model: dict[str, Any], fmt: str) -> bytes:
    """The facilitator's report in ``fmt`` (html, pdf, csv or json), as bytes."""
    if fmt == "json":
        return to_json(model).encode()
    if fmt == "csv":
        return to_csv(model).encode()
    html = render_html(model)
    return html.encode() if fmt == "html" else to_pdf(html)
