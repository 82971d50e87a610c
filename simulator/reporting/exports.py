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
from .language import language_of, number, say, when
from .model import translated

FORMATS = ("html", "pdf", "csv", "json")
CSV_COLUMNS = (
    "mark",
    "exercise_id", "team", "team_name", "rank", "total", "speed", "consistency", "inject_id", "channel",
    "kind", "published_at", "published_s", "response_s", "speed_points", "speed_max_points",
    "key_points_met", "key_points_missed", "red_flags", "author", "text",
    "drafted_s", "role", "status", "reviewer", "wait_s", "comment", "published_text", "persona", "why",
    "due_s", "mood_delta", "mood_start", "mood_peak", "mood_peak_s", "mood_end", "mood_average",
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
    if audience == "team":
        model = {**model, **own_sections(model, team_slot)}  # the page never holds another team's
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
        **own_sections(model, team_slot),
    }


def own_sections(model: dict[str, Any], team_slot: str | None) -> dict[str, Any]:
    """The chain of command, the public mood and the reactions of one team only."""
    approval = model.get("approval") or {"enabled": False, "teams": [], "drafts": []}
    mood = model.get("mood") or {"teams": []}
    return {
        "approval": {
            **approval,
            "teams": [t for t in approval["teams"] if t["team"] == team_slot],
            "drafts": [d for d in approval["drafts"] if d["team"] == team_slot],
        },
        "mood": {**mood, "teams": [t for t in mood["teams"] if t["team"] == team_slot]},
        # only what the team saw: held or suppressed reactions are the facilitator's business
        "reactions": [
            r for r in model.get("reactions") or [] if r["team"] == team_slot and r["status"] == "released"
        ],
    }


def to_pdf(html: str) -> bytes:
    """The same HTML, laid out for print by WeasyPrint (A4, the exercise mark on every page)."""
    from weasyprint import HTML

    return HTML(string=html, base_url=str(static_dir())).write_pdf()


def to_json(model: dict[str, Any]) -> str:
    return json.dumps(model, ensure_ascii=False, indent=2) + "\n"


def to_csv(model: dict[str, Any]) -> str:
    """One row per reply with its scores (the team's totals repeat on each of its rows), then the
    drafts, the automatic reactions, each team's public mood and the debrief; every row carries the
    exercise mark."""
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
                        "drafted_s": _blank(reply.get("drafted_s")),
                        "reviewer": reply.get("approved_by") or "",
                        "wait_s": _blank(reply.get("approval_wait_s")),
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
    rows += _debrief_rows(model, teams)
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


def _blank(value: Any) -> Any:
    return "" if value is None else value


def _debrief_rows(model: dict[str, Any], teams: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """After the replies: the drafts (``kind`` = ``draft``), the automatic reactions (``reaction``) and
    one public mood summary per team (``mood``), each on the team's score columns; words in English."""
    rows: list[dict[str, Any]] = []

    def team_columns(slot: str) -> dict[str, Any]:
        team = teams.get(slot) or {"name": slot}
        return {
            "team": slot,
            "team_name": team["name"],
            **{k: team.get(k, "") for k in ("rank", "total", "speed", "consistency")},
        }

    def at(seconds: Any) -> dict[str, Any]:
        if seconds is None:
            return {"published_s": "", "published_at": ""}
        return {"published_s": seconds, "published_at": format_clock(float(seconds))}

    approval = model.get("approval") or {}
    for draft in sorted(approval.get("drafts") or [], key=lambda d: (d["drafted_s"], d["team"])):
        published = draft["status"] in ("approved", "edited")
        rows.append(
            {
                **team_columns(draft["team"]),
                "inject_id": draft.get("inject_id") or "",
                "channel": draft.get("channel", ""),
                "kind": "draft",
                **at(draft.get("reviewed_s") if published else None),
                "author": draft.get("author", ""),
                "text": draft.get("text", ""),
                "drafted_s": draft["drafted_s"],
                "role": draft.get("author_role", ""),
                "status": draft["status"],
                "reviewer": draft.get("reviewer") or "",
                "wait_s": _blank(draft.get("wait_s")),
                "comment": draft.get("comment", ""),
                "published_text": draft.get("published_text") or "",
            }
        )
    reactions = model.get("reactions") or []
    for reaction in sorted(reactions, key=lambda r: (r.get("released_s") or r["due_s"], r["team"])):
        explained = reaction.get("explain")
        rows.append(
            {
                **team_columns(reaction["team"]),
                "inject_id": reaction.get("inject_id") or "",
                "channel": reaction.get("channel", ""),
                "kind": "reaction",
                **at(reaction.get("released_s")),
                "text": reaction.get("shown_text") or reaction.get("text", ""),
                "status": reaction["status"],
                "persona": reaction.get("persona_name") or reaction.get("persona", ""),
                "why": say(explained, "en") if explained else "",
                "due_s": reaction.get("due_s", ""),
                "mood_delta": reaction.get("mood", ""),
            }
        )
    for mood in (model.get("mood") or {}).get("teams") or []:
        rows.append(
            {
                **team_columns(mood["team"]),
                "kind": "mood",
                **at(None),
                "mood_start": mood.get("start", ""),
                "mood_peak": mood.get("peak", ""),
                "mood_peak_s": _blank(mood.get("peak_s")),
                "mood_end": mood.get("end", ""),
                "mood_average": mood.get("average", ""),
            }
        )
    return rows


def export(model: dict[str, Any], fmt: str, pdf: Callable[[str], bytes] = to_pdf) -> bytes:
    """The facilitator's report in ``fmt`` (html, pdf, csv or json), as bytes. ``pdf`` lays the HTML
    out: in this process by default, in a child process from the server (``pdf_worker``)."""
    if fmt == "json":
        return to_json(model).encode()
    if fmt == "csv":
        return to_csv(model).encode()
    html = render_html(model)
    return html.encode() if fmt == "html" else pdf(html)
