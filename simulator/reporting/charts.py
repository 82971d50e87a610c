"""The report's charts, drawn server-side as standalone SVG strings.

The report page and its PDF (WeasyPrint renders the same HTML) embed these strings inline, so both show
the same pictures without JavaScript or any outside library. Every function is pure: it takes the report
model (see ``model.report_model`` and docs/report-format.md) and returns one ``<svg>`` document with a
``viewBox``, ``width="100%"``, a ``<title>`` and a ``<desc>``.

Team names, inject ids and key point ids are untrusted: every piece of data goes through ``_text``
(``xml.sax.saxutils.escape``, after dropping the characters XML 1.0 does not allow) and only ever into
element content (labels, ``<title>`` tooltips); attribute values are only numbers and constants.
Only presentation attributes are used (no ``<style>``, no ``dominant-baseline``), which WeasyPrint's
SVG renderer and the browsers draw alike. Colours are from the Okabe–Ito colour-blind-safe palette,
always doubled by a shape or a mark so that a grey-scale print still tells them apart.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Iterable, Mapping
from typing import Any
from xml.sax.saxutils import escape

from .language import gettext_of

__all__ = [
    "all_charts",
    "coverage_heatmap_svg",
    "escalations_svg",
    "has_mood",
    "mood_svg",
    "response_times_svg",
    "timeline_svg",
]

WIDTH = 900
"""ViewBox width: about 1:1.1 on a 1000 px wide page, 1:0.75 on an A4 page, so 13 units read at both."""
FONT = "system-ui, sans-serif"

INK = "#1F2328"  # text: 15.8:1 on white
MUTED = "#57606A"  # secondary text and delivery ticks: 6.4:1
GRID = "#D0D7DE"
BAND = "#F3F5F7"  # zebra rows
BLUE = "#0072B2"  # Okabe–Ito blue: replies, answers, met key points (5.0:1)
VERMILLION = "#D55E00"  # Okabe–Ito vermillion: escalations, p90, missed key points (3.9:1)
MISSED_FILL = "#FBE3D4"
NOT_APPLICABLE = "#E8EBEF"
# one line per team in the mood chart: Okabe–Ito colours (no yellow: too light on white), paired with a
# dash pattern and a marker shape (by team index modulo 4), so lines stay apart in grey-scale, where
# they overlap, and up to 28 teams
LINE_COLOURS = (BLUE, VERMILLION, "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000")
LINE_DASHES = ("", "7 3", "2 3", "9 3 2 3")
# public mood bands (0 calm … 100 outrage), lightest to warmest
MOOD_BANDS = ((0, 25, "#EDF4FA"), (25, 50, "#F7F5EC"), (50, 75, "#FCEFE3"), (75, 100, "#FBE1D3"))

LABEL_W = 196  # team label column
LABEL_CHARS = 24  # a longer team name is cut with an ellipsis (the full name stays in a <title>)
SIZE = 13  # base font size, viewBox units
SMALL = 11.5

_XML_INVALID = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


# --- escaping and text -------------------------------------------------------------------------------


def _clean(value: Any) -> str:
    """``value`` as a string XML can carry: no control characters, no lone surrogates, one line."""
    text = "" if value is None else str(value)
    return " ".join(_XML_INVALID.sub("", text).split())


def _text(value: Any) -> str:
    """``value`` escaped for element content (``&``, ``<``, ``>``)."""
    return escape(_clean(value))


def _width_units(char: str) -> int:
    return 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1


def _fit(value: Any, max_chars: int) -> str:
    """``value`` cut to about ``max_chars`` narrow characters, ending with an ellipsis when cut."""
    text = _clean(value)
    if sum(_width_units(c) for c in text) <= max_chars:
        return text
    out, used = [], 0
    for char in text:
        used += _width_units(char)
        if used > max_chars - 1:
            break
        out.append(char)
    return "".join(out).rstrip() + "…"


def _n(x: float) -> str:
    """A coordinate, short: ``12``, ``12.5``."""
    return f"{x:.1f}".removesuffix(".0")


def _mmss(seconds: float) -> str:
    """Scenario seconds as ``m:ss`` (minutes go past 59: ``75:00``)."""
    total = max(0, round(seconds))
    return f"{total // 60}:{total % 60:02d}"


def _number(value: Any) -> float | None:
    """A finite number, or ``None`` for anything else (``None``, booleans, strings, NaN)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if math.isfinite(value) else None


def _plural(count: int, word: str, words: str = "") -> str:
    """``1 team``, ``2 teams`` (``words`` for an irregular plural)."""
    return f"{count} {word if count == 1 else words or word + 's'}"


# --- SVG pieces ----------------------------------------------------------------------------------------


def _svg(kind: str, title: str, desc: str, height: float, body: Iterable[str]) -> str:
    """A standalone SVG document of ``WIDTH`` × ``height`` viewBox units, 100 % wide."""
    ident = f"report-chart-{kind}"
    return "".join(
        [
            f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {_n(height)}" width="100%" ',
            f'class="report-chart {ident}" role="img" aria-labelledby="{ident}-title {ident}-desc" ',
            f'font-family="{FONT}" font-size="{SIZE}" fill="{INK}">',
            f'<title id="{ident}-title">{_text(title)}</title>',
            f'<desc id="{ident}-desc">{_text(desc)}</desc>',
            *body,
            "</svg>",
        ]
    )


def _label(x: float, y: float, full: Any, max_chars: int, *, anchor: str = "end", size: float = SIZE) -> str:
    """A text label cut to ``max_chars``, the full text in a ``<title>`` tooltip."""
    return (
        f"<g><title>{_text(full)}</title>"
        f'<text x="{_n(x)}" y="{_n(y)}" text-anchor="{anchor}" font-size="{_n(size)}">'
        f"{_text(_fit(full, max_chars))}</text></g>"
    )


def _empty(kind: str, title: str, message: str) -> str:
    """A short chart that only says why there is nothing to draw."""
    return _svg(
        kind,
        title,
        message,
        64,
        [
            f'<rect x="0.5" y="0.5" width="{WIDTH - 1}" height="63" rx="6" fill="{BAND}" stroke="{GRID}"/>',
            f'<text x="{WIDTH / 2}" y="37" text-anchor="middle" fill="{MUTED}" font-size="{SIZE + 1}">'
            f"{_text(message)}</text>",
        ],
    )


def _row_height(count: int, roomy: float, compact: float, dense: float) -> float:
    """Row height for ``count`` rows: roomy up to 12, compact up to 25, dense beyond."""
    return roomy if count <= 12 else compact if count <= 25 else dense


def _legend(x: float, y: float, items: list[tuple[str, str]]) -> list[str]:
    """Legend items (``symbol markup drawn at 0,0``, label) laid out left to right from ``x``."""
    out = []
    for symbol, label in items:
        out.append(f'<g transform="translate({_n(x)} {_n(y)})">{symbol}</g>')
        out.append(f'<text x="{_n(x + 12)}" y="{_n(y + 4.5)}" font-size="{SMALL}">{_text(label)}</text>')
        x += 12 + len(label) * SMALL * 0.56 + 24
    return out


# --- the model -----------------------------------------------------------------------------------------


def _teams(model: Mapping[str, Any]) -> list[tuple[str, str]]:
    """``(slot, name)`` of every team, in the report's order (by rank), then any team only the timeline
    or the escalations name. Every chart uses this order, so rows line up from one chart to the next."""
    teams: dict[str, str] = {}

    def add(slot: Any, name: Any) -> None:
        key = _clean(slot)
        if key not in teams:
            teams[key] = _clean(name) or key

    for team in model.get("teams") or []:
        add(team.get("team", team.get("name")), team.get("name"))
    for team in (model.get("timeline") or {}).get("teams") or []:
        add(team.get("team", team.get("name")), team.get("name"))
    for escalation in model.get("escalations") or []:
        add(escalation.get("team"), escalation.get("team_name"))
    return list(teams.items())


def _by_slot(items: Iterable[Mapping[str, Any]] | None) -> dict[str, Mapping[str, Any]]:
    return {_clean(item.get("team", item.get("name"))): item for item in items or []}


# --- axes ------------------------------------------------------------------------------------------------

_TIME_STEPS = (60, 120, 300, 600, 900, 1800, 3600, 7200, 14400)
_MINUTE_STEPS = (0.5, 1, 2, 5, 10, 15, 30, 60, 120, 240)


def _time_step(duration_s: float) -> float:
    """Major tick step in seconds: whole minutes, 5-minute steps for an hour-long scenario."""
    return next((s for s in _TIME_STEPS if duration_s / s <= 12), _TIME_STEPS[-1])


def _minute_step(max_minutes: float) -> float:
    return next((s for s in _MINUTE_STEPS if max_minutes / s <= 10), _MINUTE_STEPS[-1])


def _x_axis(
    x0: float, x1: float, y: float, top: float, ticks: list[tuple[float, str]], minor: list[float], title: str
) -> list[str]:
    """Grid lines from ``top`` down to the axis at ``y``, tick labels below it and the axis title."""
    out = [f'<g stroke="{GRID}" stroke-width="1">']
    out += [f'<line x1="{_n(x)}" y1="{_n(top)}" x2="{_n(x)}" y2="{_n(y)}"/>' for x, _ in ticks]
    out.append("</g>")
    out.append(f'<line x1="{_n(x0)}" y1="{_n(y)}" x2="{_n(x1)}" y2="{_n(y)}" stroke="{MUTED}"/>')
    out.append(f'<g stroke="{MUTED}">')
    out += [f'<line x1="{_n(x)}" y1="{_n(y)}" x2="{_n(x)}" y2="{_n(y + 3)}"/>' for x in minor]
    out += [f'<line x1="{_n(x)}" y1="{_n(y)}" x2="{_n(x)}" y2="{_n(y + 6)}"/>' for x, _ in ticks]
    out.append("</g>")
    out.append(f'<g font-size="{SMALL}" fill="{MUTED}" text-anchor="middle">')
    out += [f'<text x="{_n(x)}" y="{_n(y + 19)}">{_text(label)}</text>' for x, label in ticks]
    out.append("</g>")
    out.append(
        f'<text x="{_n(x1)}" y="{_n(y + 36)}" text-anchor="end" font-size="{SMALL}" fill="{MUTED}">'
        f"{_text(title)}</text>"
    )
    return out


def _bands(rows: int, top: float, row_h: float) -> list[str]:
    """Light zebra bands behind every other row."""
    return [
        f'<rect x="0" y="{_n(top + i * row_h)}" width="{WIDTH}" height="{_n(row_h)}" fill="{BAND}"/>'
        for i in range(0, rows, 2)
    ]


# --- 1. timeline -----------------------------------------------------------------------------------------


def timeline_svg(model: Mapping[str, Any], language: str = "en") -> str:
    """Scenario timeline: one row per team, posts delivered as ticks (escalations in vermillion, taller
    and thicker), replies as dots (statements not tied to a post as rings), over scenario time
    0 … ``model["timeline"]["duration_s"]`` with minute ticks (5-minute labels for an hour)."""
    _ = gettext_of(language)
    title = _("Timeline of the exercise")
    timeline = model.get("timeline") or {}
    teams = _teams(model)
    if not teams:
        return _empty("timeline", title, _("No teams took part in this exercise."))
    data = _by_slot(timeline.get("teams"))
    events = [
        at
        for team in data.values()
        for item in [*(team.get("deliveries") or []), *(team.get("replies") or [])]
        if (at := _number(item.get("at_s"))) is not None
    ]
    duration = _number(timeline.get("duration_s")) or 0.0
    duration = max(duration, *events, 60.0) if events else max(duration, 60.0)

    row_h = _row_height(len(teams), 30, 22, 16)
    font = SIZE if row_h >= 22 else SMALL
    x0, x1, top = LABEL_W + 10, WIDTH - 20, 40
    axis_y = top + len(teams) * row_h

    def x(at: float) -> float:
        return x0 + (x1 - x0) * min(max(at, 0.0), duration) / duration

    step = _time_step(duration)
    ticks = [(x(s), _mmss(s)) for s in _frange(0, duration, step)]
    minor = [x(s) for s in _frange(0, duration, 60)] if step > 60 and duration <= 120 * 60 else []

    body = _bands(len(teams), top, row_h)
    body += _x_axis(x0, x1, axis_y, top, ticks, minor, _("scenario time (m:ss)"))
    has_statements = False
    delivered = escalated = replied = 0
    for i, (slot, name) in enumerate(teams):
        row = top + i * row_h
        team = data.get(slot, {})
        body.append(_label(LABEL_W, row + row_h / 2 + font * 0.35, name, LABEL_CHARS, size=font))
        tick_top, tick_bottom = row + row_h * 0.14, row + row_h * 0.52
        dot_y, dot_r = row + row_h * 0.74, max(2.4, row_h * 0.12)
        for delivery in team.get("deliveries") or []:
            at = _number(delivery.get("at_s"))
            if at is None:
                continue
            escalation = delivery.get("origin") == "escalation"
            escalated += escalation
            delivered += not escalation
            what = "escalation" if escalation else "post"
            colour, width = (VERMILLION, 3) if escalation else (MUTED, 1.4)
            y_top = row + row_h * 0.06 if escalation else tick_top
            tip = f"{name}: {what} {_clean(delivery.get('inject_id'))} delivered at {_mmss(at)}"
            body.append(
                f'<line x1="{_n(x(at))}" y1="{_n(y_top)}" x2="{_n(x(at))}" y2="{_n(tick_bottom)}" '
                f'stroke="{colour}" stroke-width="{width}"><title>{_text(tip)}</title></line>'
            )
        for reply in team.get("replies") or []:
            at = _number(reply.get("at_s"))
            if at is None:
                continue
            replied += 1
            inject = _clean(reply.get("inject_id"))
            kind = _clean(reply.get("kind")) or "reply"
            if inject:
                fill, tip = f'fill="{BLUE}" stroke="#FFFFFF" stroke-width="0.8"', f"{kind} to {inject}"
            else:
                has_statements = True
                fill, tip = f'fill="#FFFFFF" stroke="{BLUE}" stroke-width="1.6"', f"{kind} statement"
            body.append(
                f'<circle cx="{_n(x(at))}" cy="{_n(dot_y)}" r="{_n(dot_r)}" {fill}>'
                f"<title>{_text(f'{name}: {tip} at {_mmss(at)}')}</title></circle>"
            )
    legend = [
        (f'<line x1="0" y1="-6" x2="0" y2="5" stroke="{MUTED}" stroke-width="1.4"/>', _("post delivered")),
        (
            f'<line x1="0" y1="-8" x2="0" y2="5" stroke="{VERMILLION}" stroke-width="3"/>',
            _("escalation delivered"),
        ),
        (f'<circle cx="0" cy="0" r="4" fill="{BLUE}"/>', _("reply")),
    ]
    if has_statements:
        legend.append(
            (
                f'<circle cx="0" cy="0" r="3.5" fill="#FFFFFF" stroke="{BLUE}" stroke-width="1.6"/>',
                _("statement"),
            )
        )
    body = [*_legend(x0, 16, legend), *body]
    desc = (
        f"{_plural(len(teams), 'team')} over {_mmss(duration)} of scenario time: "
        f"{_plural(delivered, 'post')} delivered, {_plural(escalated, 'escalation')}, "
        f"{_plural(replied, 'reply', 'replies')}."
    )
    return _svg("timeline", title, desc, axis_y + 44, body)


def _frange(start: float, stop: float, step: float) -> list[float]:
    """``start``, ``start + step``, … up to ``stop`` included (within rounding)."""
    count = math.floor((stop - start) / step + 1e-9)
    return [start + i * step for i in range(count + 1)]


# --- 2. response times -------------------------------------------------------------------------------------


def response_times_svg(model: Mapping[str, Any], language: str = "en") -> str:
    """Response times per team: each answered post's first response time as a dot, the median as a thick
    dark bar and the 90th percentile as a dashed vermillion bar; x axis in minutes. A team that answered
    nothing says so in its row; the values are repeated as text at the right."""
    _ = gettext_of(language)
    title = _("Response times")
    teams = _teams(model)
    if not teams:
        return _empty("response-times", title, _("No teams took part in this exercise."))
    data = _by_slot(model.get("teams"))
    rows = []
    for slot, name in teams:
        team = data.get(slot, {})
        times = team.get("response_s") or {}
        dots = [(_clean(k), v) for k, raw in times.items() if (v := _number(raw)) is not None]
        rows.append((name, dots, _number(team.get("median_response_s")), _number(team.get("p90_response_s"))))
    values = [v for _, dots, med, p90 in rows for v in [*(d for _, d in dots), med, p90] if v is not None]
    max_minutes = max([v / 60 for v in values] + [1.0])
    step = _minute_step(max_minutes)
    end = math.ceil(max_minutes / step - 1e-9) * step

    row_h = _row_height(len(teams), 30, 22, 16)
    font = SIZE if row_h >= 22 else SMALL
    x0, x1, top, stats_x = LABEL_W + 10, WIDTH - 160, 40, WIDTH - 148
    axis_y = top + len(teams) * row_h

    def x(seconds: float) -> float:
        return x0 + (x1 - x0) * min(max(seconds / 60, 0.0), end) / end

    ticks = [(x(m * 60), f"{m:g}") for m in _frange(0, end, step)]
    body = _bands(len(teams), top, row_h)
    body += _x_axis(x0, x1, axis_y, top, ticks, [], _("minutes from the post's delivery to the first reply"))
    body.append(
        f'<text x="{stats_x}" y="{top - 6}" font-size="{SMALL}" fill="{MUTED}">{_text(_("median · 90th pct."))}</text>'
    )
    jitter = (0.0, -0.16, 0.16, -0.08, 0.08)
    answered = 0
    for i, (name, dots, median, p90) in enumerate(rows):
        row = top + i * row_h
        mid = row + row_h / 2
        baseline = mid + font * 0.35
        body.append(_label(LABEL_W, baseline, name, LABEL_CHARS, size=font))
        if not dots and median is None:
            body.append(
                f'<text x="{_n(x0 + 6)}" y="{_n(baseline)}" font-size="{_n(font)}" fill="{MUTED}" '
                f'font-style="italic">{_text(_("no answers"))}</text>'
            )
        answered += len(dots)
        for j, (inject, seconds) in enumerate(sorted(dots, key=lambda d: d[1])):
            body.append(
                f'<circle cx="{_n(x(seconds))}" cy="{_n(mid + jitter[j % 5] * row_h)}" '
                f'r="{_n(max(2.6, row_h * 0.13))}" fill="{BLUE}" fill-opacity="0.55" stroke="{BLUE}" '
                f'stroke-width="0.8"><title>{_text(f"{name}: {inject} answered in {_mmss(seconds)}")}'
                "</title></circle>"
            )
        half = row_h * 0.4
        if median is not None:
            body.append(
                f'<line x1="{_n(x(median))}" y1="{_n(mid - half)}" x2="{_n(x(median))}" y2="{_n(mid + half)}" '
                f'stroke="{INK}" stroke-width="3"><title>{_text(f"{name}: median {_mmss(median)}")}'
                "</title></line>"
            )
        if p90 is not None:
            body.append(
                f'<line x1="{_n(x(p90))}" y1="{_n(mid - half)}" x2="{_n(x(p90))}" y2="{_n(mid + half)}" '
                f'stroke="{VERMILLION}" stroke-width="2.2" stroke-dasharray="3 2">'
                f"<title>{_text(f'{name}: 90th percentile {_mmss(p90)}')}</title></line>"
            )
        stats = " · ".join(_mmss(v) if v is not None else "–" for v in (median, p90))
        body.append(
            f'<text x="{stats_x}" y="{_n(baseline)}" font-size="{_n(font)}" '
            f'fill="{MUTED if median is None else INK}">{_text(stats)}</text>'
        )
    legend = [
        (
            f'<circle cx="0" cy="0" r="4" fill="{BLUE}" fill-opacity="0.55" stroke="{BLUE}"/>',
            _("answered post"),
        ),
        (f'<line x1="0" y1="-7" x2="0" y2="7" stroke="{INK}" stroke-width="3"/>', _("median")),
        (
            f'<line x1="0" y1="-7" x2="0" y2="7" stroke="{VERMILLION}" stroke-width="2.2" '
            'stroke-dasharray="3 2"/>',
            _("90th percentile"),
        ),
    ]
    body = [*_legend(x0, 16, legend), *body]
    desc = (
        f"First response time to each answered post for {_plural(len(teams), 'team')} "
        f"({_plural(answered, 'answer')} in all), with each team's median and 90th percentile, in minutes."
    )
    return _svg("response-times", title, desc, axis_y + 44, body)


# --- 3. key point coverage ---------------------------------------------------------------------------------


def coverage_heatmap_svg(model: Mapping[str, Any], language: str = "en") -> str:
    """Key point coverage: one row per (inject, key point) any team had to cover, one column per team; a
    cell is met (solid blue), missed (light vermillion with a cross) or not applicable (grey: the team
    never had to answer that post). Rows get compact past 30 so 50+ key points still fit a page."""
    _ = gettext_of(language)
    title = _("Key message coverage")
    teams = _teams(model)
    data = _by_slot(model.get("teams"))
    order = {_clean(i.get("inject_id")): n for n, i in enumerate(model.get("injects") or [])}
    pairs: dict[tuple[str, str], None] = {}
    for slot, _name in teams:
        for inject, points in (data.get(slot, {}).get("key_points") or {}).items():
            for point in points or {}:
                pairs.setdefault((_clean(inject), _clean(point)), None)
    seen = {inject: n for n, inject in enumerate(dict.fromkeys(inject for inject, _ in pairs))}
    # delivery order (the model's injects), then first appearance; stable, so key points keep theirs
    rows = sorted(pairs, key=lambda p: order.get(p[0], len(order) + seen[p[0]]))
    if not teams or not rows:
        return _empty("coverage", title, _("No key messages to cover in this exercise."))

    # compact rows past 15 key points, smaller still past 30 and 80 (an A4 page holds about 90)
    row_h, font = next(
        size
        for limit, size in (
            (15, (20.0, SIZE - 0.5)),
            (30, (16.0, SMALL)),
            (80, (14.0, 10.5)),
            (None, (12.0, 9.5)),
        )
        if limit is None or len(rows) <= limit
    )
    char_w = font * 0.56
    labels = [f"{inject}: {point}" for inject, point in rows]
    label_chars = min(max(len(label) for label in labels), 44)
    label_w = max(120.0, label_chars * char_w + 12)
    x0 = label_w + 8
    room = WIDTH - x0 - 8
    cell_w = min(110.0, room / len(teams))
    # team names: across a wide column, else slanted at 45° (room kept at the right for the last
    # one), else upright when the columns get too narrow for slanted labels not to overlap
    name_w = min(LABEL_CHARS, max(len(name) for _, name in teams)) * SMALL * 0.56
    angle = 0 if cell_w >= 80 else 45
    if angle:
        cell_w = min(cell_w, (room - name_w * 0.71) / (len(teams) - 0.5))
        if cell_w * 0.71 < SMALL + 1:
            angle, cell_w = 90, min(110.0, room / len(teams))
    head_font = SMALL if angle != 90 else max(5.0, min(SMALL, cell_w - 2.5))
    header_chars = int(cell_w / (SMALL * 0.56)) - 1 if angle == 0 else LABEL_CHARS
    header_h = {0: 30.0, 45: 20 + name_w * 0.72, 90: 16 + name_w * head_font / SMALL}[angle]
    top = 30 + header_h
    grid_right = x0 + len(teams) * cell_w

    body = _legend(
        8,
        16,
        [
            (f'<rect x="-5" y="-5" width="10" height="10" fill="{BLUE}"/>', _("met")),
            (
                f'<rect x="-5" y="-5" width="10" height="10" fill="{MISSED_FILL}" stroke="{VERMILLION}"/>'
                f'<path d="M-3 -3L3 3M3 -3L-3 3" stroke="{VERMILLION}" stroke-width="1.6"/>',
                _("missed"),
            ),
            (f'<rect x="-5" y="-5" width="10" height="10" fill="{NOT_APPLICABLE}"/>', _("not applicable")),
        ],
    )
    for j, (_slot, name) in enumerate(teams):
        cx = x0 + (j + 0.5) * cell_w
        if angle == 0:
            body.append(_label(cx, top - 8, name, header_chars, anchor="middle", size=SMALL))
        else:
            shift = 3 if angle == 45 else head_font * 0.35
            body.append(
                f'<g transform="translate({_n(cx + shift)} {_n(top - 6)}) rotate(-{angle})">'
                f"{_label(0, 0, name, LABEL_CHARS, anchor='start', size=head_font)}</g>"
            )
    previous = None
    band = False
    met_total = cells = 0
    for i, ((inject, point), label) in enumerate(zip(rows, labels, strict=True)):
        y = top + i * row_h
        if inject != previous:
            band = not band
            if previous is not None:
                body.append(f'<line x1="0" y1="{_n(y)}" x2="{_n(grid_right)}" y2="{_n(y)}" stroke="{GRID}"/>')
            previous = inject
        if band:
            body.append(f'<rect x="0" y="{_n(y)}" width="{_n(x0 - 2)}" height="{_n(row_h)}" fill="{BAND}"/>')
        body.append(_label(label_w, y + row_h / 2 + font * 0.35, label, label_chars, size=font))
        for j, (slot, name) in enumerate(teams):
            points = (data.get(slot, {}).get("key_points") or {}).get(inject)
            met = None
            if isinstance(points, Mapping):
                for key, value in points.items():
                    if _clean(key) == point:
                        met = bool(value)
            cx, pad = x0 + j * cell_w, 1.0
            w, h = cell_w - 2 * pad, row_h - 2 * pad
            state = _("not applicable") if met is None else _("met") if met else _("missed")
            tip = f"<title>{_text(f'{name} — {label}: {state}')}</title>"
            rect = f'<rect x="{_n(cx + pad)}" y="{_n(y + pad)}" width="{_n(w)}" height="{_n(h)}"'
            if met is None:
                body.append(f'{rect} fill="{NOT_APPLICABLE}">{tip}</rect>')
            elif met:
                met_total += 1
                cells += 1
                body.append(f'{rect} fill="{BLUE}">{tip}</rect>')
            else:
                cells += 1
                s = min(w, h) * 0.28
                mx, my = cx + cell_w / 2, y + row_h / 2
                body.append(
                    f'<g>{tip}{rect} fill="{MISSED_FILL}"/>'
                    f'<path d="M{_n(mx - s)} {_n(my - s)}L{_n(mx + s)} {_n(my + s)}'
                    f'M{_n(mx + s)} {_n(my - s)}L{_n(mx - s)} {_n(my + s)}" '
                    f'stroke="{VERMILLION}" stroke-width="1.6"/></g>'
                )
    desc = (
        f"{_plural(len(rows), 'key message')} × {_plural(len(teams), 'team')}: "
        f"{met_total} of {cells} applicable cells met."
    )
    return _svg("coverage", title, desc, top + len(rows) * row_h + 10, body)


# --- 4. escalations ------------------------------------------------------------------------------------------


def escalations_svg(model: Mapping[str, Any], language: str = "en") -> str:
    """Escalations fired per team, as horizontal bars with their counts (teams with none show 0), or a
    one-line empty state when none fired."""
    _ = gettext_of(language)
    title = _("Escalations fired")
    teams = _teams(model)
    fired: dict[str, list[Mapping[str, Any]]] = {}
    for escalation in model.get("escalations") or []:
        fired.setdefault(_clean(escalation.get("team")), []).append(escalation)
    total = sum(len(v) for v in fired.values())
    if not teams or not total:
        return _empty("escalations", title, _("No escalations fired."))
    most = max(len(v) for v in fired.values())
    step = next(s for s in (1, 2, 5, 10, 20, 50, 100, 200, 500, 10**9) if most / s <= 10)
    end = math.ceil(most / step) * step

    row_h = _row_height(len(teams), 28, 20, 15)
    font = SIZE if row_h >= 20 else SMALL
    x0, x1, top = LABEL_W + 10, WIDTH - 60, 14
    axis_y = top + len(teams) * row_h

    def x(count: float) -> float:
        return x0 + (x1 - x0) * count / end

    ticks = [(x(c), f"{c:g}") for c in _frange(0, end, step)]
    body = _x_axis(x0, x1, axis_y, top, ticks, [], _("escalations fired"))
    for i, (slot, name) in enumerate(teams):
        row = top + i * row_h
        baseline = row + row_h / 2 + font * 0.35
        items = fired.get(slot, [])
        body.append(_label(LABEL_W, baseline, name, LABEL_CHARS, size=font))
        if items:
            which = ", ".join(
                f"{_clean(e.get('inject_id'))} at {_mmss(at)}"
                if (at := _number(e.get("at_s"))) is not None
                else _clean(e.get("inject_id"))
                for e in items
            )
            tip = f"{name}: {_plural(len(items), 'escalation')} ({which})"
            body.append(
                f'<rect x="{_n(x0)}" y="{_n(row + row_h * 0.18)}" width="{_n(x(len(items)) - x0)}" '
                f'height="{_n(row_h * 0.64)}" fill="{VERMILLION}"><title>{_text(tip)}</title></rect>'
            )
        body.append(
            f'<text x="{_n(x(len(items)) + 6)}" y="{_n(baseline)}" font-size="{_n(font)}" '
            f'font-weight="{"bold" if items else "normal"}" fill="{INK if items else MUTED}">{len(items)}</text>'
        )
    desc = f"{_plural(total, 'escalation')} fired across {_plural(len(teams), 'team')}."
    return _svg("escalations", title, desc, axis_y + 44, body)


# --- 5. public mood ----------------------------------------------------------------------------------------


def _marker(shape: int, x: float, y: float, size: float, colour: str, tip: str = "") -> str:
    """A small filled marker centred on ``x, y``: circle, square, triangle or diamond by ``shape``, with
    ``tip`` (already escaped) as its tooltip."""
    match shape % 4:
        case 0:
            tag, shape_attrs = "circle", f'cx="{_n(x)}" cy="{_n(y)}" r="{_n(size)}"'
        case 1:
            h = size * 0.9
            tag, shape_attrs = (
                "rect",
                f'x="{_n(x - h)}" y="{_n(y - h)}" width="{_n(2 * h)}" height="{_n(2 * h)}"',
            )
        case 2:
            h = size * 1.2
            tag = "path"
            shape_attrs = (
                f'd="M{_n(x)} {_n(y - h)}L{_n(x + h)} {_n(y + h * 0.8)}L{_n(x - h)} {_n(y + h * 0.8)}Z"'
            )
        case _:
            h = size * 1.25
            tag = "path"
            shape_attrs = (
                f'd="M{_n(x)} {_n(y - h)}L{_n(x + h)} {_n(y)}L{_n(x)} {_n(y + h)}L{_n(x - h)} {_n(y)}Z"'
            )
    element = f'<{tag} {shape_attrs} fill="{colour}" stroke="#FFFFFF" stroke-width="0.8"'
    return f"{element}><title>{tip}</title></{tag}>" if tip else f"{element}/>"


def _mood_teams(model: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    return [t for t in (model.get("mood") or {}).get("teams") or [] if isinstance(t, Mapping)]


def has_mood(model: Mapping[str, Any]) -> bool:
    """Whether any team's public mood moved (a post heated it, a reply or a reaction changed it)."""
    return any(t.get("changes") for t in _mood_teams(model))


def mood_svg(model: Mapping[str, Any], language: str = "en") -> str:
    """Public mood: one line per team over scenario time (``model["mood"]["teams"][].curve``), on a
    0–100 scale shaded calm / tense / heated / outrage, minutes on the x axis; each line has its own
    colour, dash pattern and marker (at every change, with the change in a tooltip) and a legend."""
    _ = gettext_of(language)
    title = _("Public mood over time")
    mood_teams = _mood_teams(model)
    if not mood_teams:
        return _empty("mood", title, _("No public mood was recorded."))
    names = dict(_teams(model))
    lines = []
    for team in mood_teams:
        slot = _clean(team.get("team", team.get("name")))
        points = [
            (at, min(max(value, 0.0), 100.0))
            for pair in team.get("curve") or []
            if isinstance(pair, list | tuple)
            and len(pair) == 2
            and (at := _number(pair[0])) is not None
            and (value := _number(pair[1])) is not None
        ]
        changes = [
            (at, _number(c.get("value")), c)
            for c in team.get("changes") or []
            if isinstance(c, Mapping) and (at := _number(c.get("at_s"))) is not None
        ]
        lines.append((_clean(team.get("name")) or names.get(slot) or slot, points, changes, team))
    ends = [at for line in lines for at, _value in line[1]]
    until = _number((model.get("mood") or {}).get("until_s")) or 0.0
    planned = _number((model.get("timeline") or {}).get("duration_s")) or 0.0
    duration = max(until, planned, 60.0, *ends)

    # legend: one item per team, wrapping onto as many rows as it needs
    legend: list[str] = []
    lx, ly, row_gap = 8.0, 16.0, 20.0
    for i, (name, *_rest) in enumerate(lines):
        colour, dash = LINE_COLOURS[i % len(LINE_COLOURS)], LINE_DASHES[i % len(LINE_DASHES)]
        label = _fit(name, LABEL_CHARS)
        width = 34 + len(label) * SMALL * 0.56 + 18
        if lx + width > WIDTH and lx > 8:
            lx, ly = 8.0, ly + row_gap
        dashed = f' stroke-dasharray="{dash}"' if dash else ""
        legend.append(
            f"<g><title>{_text(name)}</title>"
            f'<line x1="{_n(lx)}" y1="{_n(ly)}" x2="{_n(lx + 26)}" y2="{_n(ly)}" stroke="{colour}" '
            f'stroke-width="2.4"{dashed}/>{_marker(i, lx + 13, ly, 3.2, colour)}'
            f'<text x="{_n(lx + 32)}" y="{_n(ly + 4.5)}" font-size="{SMALL}">{_text(label)}</text></g>'
        )
        lx += width

    x0, x1 = 92.0, WIDTH - 16.0
    top = ly + 18
    height = 260.0
    bottom = top + height

    def x(at: float) -> float:
        return x0 + (x1 - x0) * min(max(at, 0.0), duration) / duration

    def y(value: float) -> float:
        return bottom - height * min(max(value, 0.0), 100.0) / 100

    band_names = (_("calm"), _("tense"), _("heated"), _("outrage"))
    body = list(legend)
    for (low, high, fill), band in zip(MOOD_BANDS, band_names, strict=True):
        body.append(
            f'<rect x="{_n(x0)}" y="{_n(y(high))}" width="{_n(x1 - x0)}" height="{_n(y(low) - y(high))}" '
            f'fill="{fill}"/>'
        )
        body.append(
            f'<text x="{_n(x0 - 40)}" y="{_n((y(low) + y(high)) / 2 + 4)}" text-anchor="end" '
            f'font-size="{SMALL}" fill="{MUTED}" font-style="italic">{_text(band)}</text>'
        )
    body.append(f'<g font-size="{SMALL}" fill="{MUTED}" text-anchor="end">')
    body += [f'<text x="{_n(x0 - 6)}" y="{_n(y(v) + 4)}">{v}</text>' for v in (0, 25, 50, 75, 100)]
    body.append("</g>")
    body.append(f'<g stroke="{GRID}" stroke-width="1">')
    body += [
        f'<line x1="{_n(x0)}" y1="{_n(y(v))}" x2="{_n(x1)}" y2="{_n(y(v))}"/>' for v in (25, 50, 75, 100)
    ]
    body.append("</g>")
    step = _time_step(duration)
    ticks = [(x(s), f"{s / 60:g}") for s in _frange(0, duration, step)]
    body += _x_axis(x0, x1, bottom, top, ticks, [], _("scenario time (minutes)"))
    body.append(f'<line x1="{_n(x0)}" y1="{_n(top)}" x2="{_n(x0)}" y2="{_n(bottom)}" stroke="{MUTED}"/>')

    summaries = []
    for i, (name, points, changes, team) in enumerate(lines):
        colour, dash = LINE_COLOURS[i % len(LINE_COLOURS)], LINE_DASHES[i % len(LINE_DASHES)]
        start, end, peak = (_number(team.get(k)) for k in ("start", "end", "peak"))
        summary = f"{name}: from {_n(start or 0)} to {_n(end or 0)}, peak {_n(peak or 0)}"
        summaries.append(summary)
        if not points:
            continue
        dashed = f' stroke-dasharray="{dash}"' if dash else ""
        coords = " ".join(f"{_n(x(at))},{_n(y(value))}" for at, value in points)
        body.append(
            f'<polyline points="{coords}" fill="none" stroke="{colour}" stroke-width="2.4" '
            f'stroke-linejoin="round"{dashed}><title>{_text(summary)}</title></polyline>'
        )
        for at, value, change in changes:
            if value is None:
                continue
            delta = _number(change.get("delta")) or 0.0
            cause = _clean(change.get("cause")) or "change"
            what = _clean(change.get("inject_id") or change.get("reaction_id"))
            tip = f"{name} at {_mmss(at)}: {cause}{' ' + what if what else ''}"
            tip += f" ({'+' if delta >= 0 else '−'}{_n(abs(delta))}), mood {_n(value)}"
            body.append(_marker(i, x(at), y(value), 3.4, colour, _text(tip)))
    desc = (
        f"Public mood from 0 (calm) to 100 (outrage) of {_plural(len(lines), 'team')} over "
        f"{_mmss(duration)} of scenario time. "
        + "; ".join(summaries[:12])
        + ("; …" if len(summaries) > 12 else "")
        + "."
    )
    return _svg("mood", title, desc, bottom + 44, body)


# --- all ---------------------------------------------------------------------------------------------------


def all_charts(model: Mapping[str, Any], language: str = "en") -> dict[str, str]:
    """The charts by name: ``timeline``, ``response_times``, ``coverage``, ``escalations``, and ``mood``
    when any team's public mood moved (``has_mood``); their titles, legends and axes in ``language``
    (descriptions and tooltips stay English)."""
    charts = {
        "timeline": timeline_svg(model, language),
        "response_times": response_times_svg(model, language),
        "coverage": coverage_heatmap_svg(model, language),
        "escalations": escalations_svg(model, language),
    }
    if has_mood(model):
        charts["mood"] = mood_svg(model, language)
    return charts
