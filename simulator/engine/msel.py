"""MSEL spreadsheets: a scenario as a Master Scenario Events List, in CSV or XLSX, and back.

One row per inject (``time`` as ``+HH:MM:SS`` from the start, ``id``, ``from``, ``channel``, ``to``,
``severity``, ``subject``, ``text``, ``expects_reply``, ``reply_within``, ``key_points``, ``red_flags``,
``escalate``). The rest of the scenario goes in the sheets ``scenario`` (key/value rows, ``mood.*``
included), ``personas``, ``facts`` and ``reactions`` (one row per rule) of an XLSX workbook, or in the
``#`` lines above the table of a CSV file, which hold the scenario's YAML without its injects. The format
is documented in docs/scenario-format.md ("MSEL spreadsheets").

Reading builds the same dict as the YAML loader and validates it with the same models and the same
cross-checks (``loader.scenario_errors``), so every problem of a file is reported at once, each naming its
sheet, row and column (``injects row 7, column time: '5 min' is not +HH:MM:SS``) or, in the CSV
header, its line and field. Pure: bytes and text in, bytes and text out (openpyxl for XLSX).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import warnings
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import yaml

from .durations import format_duration
from .loader import (
    Problem,
    duplicate_keys,
    field_path,
    key_line,
    locate,
    parse_scenario,
    scenario_errors,
)
from .scenario import Escalation, Inject, MoodRules, Persona, Phrase, Reaction, Scenario

MAX_ROWS = 5000  # per sheet: far beyond any scenario, small enough to bound the work on a bad file
MAX_XLSX_UNCOMPRESSED = 50 * 1024 * 1024  # a 1 MB upload must not inflate into gigabytes

_ARROW = re.compile(r"\s*(?:->|→)\s*")
_TIME = re.compile(r"^\+?(\d+):([0-5]?\d):([0-5]?\d(?:\.\d+)?)$")
TIME_HELP = "+HH:MM:SS (the time from the start of the exercise, e.g. +00:05:00)"
RUBRIC_HELP = "'id: label | phrase | phrase …'"
ESCALATE_HELP = "'unanswered 5m -> inject-id' or 'red_flag flag-id -> inject-id'"


# --- columns ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    """A column of a sheet: its header, the model key it fills, how its cells are read."""

    name: str
    key: str
    kind: str = "text"  # text, time, duration, int, number, bool, slots, ids, rubric, escalate
    aliases: tuple[str, ...] = ()
    required: bool = False


INJECT_COLUMNS = (
    Column("time", "at", "time", ("at", "offset", "start")),
    Column("id", "id", aliases=("inject", "inject_id"), required=True),
    Column("from", "from", aliases=("persona", "sender"), required=True),
    Column("channel", "channel", required=True),
    Column("to", "to", "slots", ("audience", "targets", "teams")),
    Column("severity", "severity", "int"),
    Column("subject", "subject", aliases=("title", "headline")),
    Column("text", "text", required=True),
    Column("expects_reply", "expects_reply", "bool", ("reply_expected",)),
    Column("reply_within", "reply_within", "duration", ("reply_window",)),
    Column("key_points", "rubric.key_points", "rubric"),
    Column("red_flags", "rubric.red_flags", "rubric"),
    Column("escalate", "escalate", "escalate", ("escalation", "escalations")),
)
PERSONA_COLUMNS = (
    Column("id", "id", required=True),
    Column("name", "name", required=True),
    Column("handle", "handle", required=True),
    Column("kind", "kind", required=True),
    Column("followers", "followers", "int"),
    Column("verified", "verified", "bool"),
    Column("bio", "bio"),
    Column("email", "email"),
)
FACT_COLUMNS = (Column("id", "id", required=True), Column("text", "text", required=True))
REACTION_COLUMNS = (
    Column("when", "when", required=True),
    Column("from", "from", aliases=("persona", "sender"), required=True),
    Column("after", "after", "duration", ("delay",)),
    Column("injects", "injects", "ids", ("inject",)),
    Column("flag", "flag", aliases=("red_flag",)),
    Column("min_key_points", "min_key_points", "int"),
    Column("channel", "channel"),
    Column("mood", "mood", "number"),
    Column("expects_reply", "expects_reply", "bool", ("reply_expected",)),
    Column("reply_within", "reply_within", "duration", ("reply_window",)),
    Column("severity", "severity", "int"),
    Column("limit", "limit", "int"),
    Column("text", "text", required=True),
)

SCORING_FIELDS = (
    "speed",
    "consistency",
    "speed_target",
    "coverage",
    "facts",
    "contradictions",
    "red_flags",
    "tone",
)
MOOD_FIELDS = tuple(MoodRules.model_fields)
SCENARIO_KEYS = {
    "id": "text",
    "title": "text",
    "language": "text",
    "summary": "text",
    "briefing": "text",
    "duration": "duration",
    "organisation.name": "text",
    "organisation.handle": "text",
    "organisation.colour": "text",
    "organisation.website": "text",
    "tags": "list",
    **{f"scoring.{k}": "number" for k in SCORING_FIELDS},
    **{f"mood.{k}": ("bool" if k == "visible_to_teams" else "number") for k in MOOD_FIELDS},
}
IGNORED_COLUMNS = ("notes", "note", "comment", "comments")

# sheet order, for sorting problems as the workbook reads
_SHEETS = ("injects", "scenario", "personas", "facts", "reactions")


def _header_key(name: str) -> str:
    return re.sub(r"[\s\-]+", "_", name.strip().lower())


# --- writing ---------------------------------------------------------------------------------------


def _number(value: float) -> int | float:
    return int(value) if float(value).is_integer() else value


def _decimal(value: float) -> str:
    """The shortest decimal that reads back as exactly ``value``, never in exponent form."""
    return format(Decimal(repr(float(value))), "f")


def duration_cell(seconds: float) -> str:
    """A duration as the loader reads it back exactly: ``5m``, ``1h30m``, ``90.5s``."""
    return format_duration(seconds) if float(seconds).is_integer() else f"{_decimal(seconds)}s"


def time_cell(seconds: float) -> str:
    """Scenario time as ``+HH:MM:SS`` (``+HH:MM:SS.s`` for fractions), exact on reading back."""
    whole = int(seconds) // 60 * 60
    hours, minutes = divmod(whole // 60, 60)
    rest = seconds - whole  # exact: whole is 0 or at least half of seconds
    secs = f"{int(rest):02d}" if float(rest).is_integer() else ("0" if rest < 10 else "") + _decimal(rest)
    return f"+{hours:02d}:{minutes:02d}:{secs}"


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", "\\n")


def rubric_cell(items: Iterable[Phrase]) -> str:
    """One line per rubric item: ``id: label | phrase | phrase``."""
    return "\n".join(
        f"{p.id}: {_escape(p.label)} | " + " | ".join(_escape(x) for x in p.phrases) for p in items
    )


def escalate_cell(rules: Iterable[Escalation]) -> str:
    """One line per rule: ``unanswered 5m -> target`` or ``red_flag flag-id -> target``."""
    lines = []
    for rule in rules:
        if rule.when == "unanswered":
            head = "unanswered" + (f" {duration_cell(rule.after)}" if rule.after is not None else "")
            head += f" flag {rule.flag}" if rule.flag else ""
        else:
            head = f"red_flag {rule.flag}" if rule.flag else "red_flag"
            head += f" after {duration_cell(rule.after)}" if rule.after is not None else ""
        lines.append(f"{head} -> {rule.inject}")
    return "\n".join(lines)


def inject_row(inject: Inject) -> list[Any]:
    """The cells of one inject, in the order of ``INJECT_COLUMNS``."""
    return [
        time_cell(inject.at) if inject.at is not None else "",
        inject.id,
        inject.from_,
        inject.channel.value,
        "all" if inject.to == "all" else ", ".join(inject.to),
        inject.severity,
        inject.subject if inject.subject is not None else "",
        inject.text,
        "yes" if inject.expects_reply else "no",
        duration_cell(inject.reply_within) if inject.reply_within is not None else "",
        rubric_cell(inject.rubric.key_points),
        rubric_cell(inject.rubric.red_flags),
        escalate_cell(inject.escalate),
    ]


def _tags_cell(tags: list[str]) -> str:
    # Commas separate tags; a tag with a comma in it forces one tag per line (each line ended).
    return "".join(f"{t}\n" for t in tags) if any("," in t for t in tags) else ", ".join(tags)


def scenario_rows(scenario: Scenario) -> list[tuple[str, Any]]:
    """The ``scenario`` sheet: (key, value) rows; empty optional values are left out."""
    org, scoring = scenario.organisation, scenario.scoring
    rows: list[tuple[str, Any]] = [
        ("id", scenario.id),
        ("title", scenario.title),
        ("language", scenario.language.value),
        ("summary", scenario.summary),
        ("briefing", scenario.briefing),
        ("duration", duration_cell(scenario.duration)),
        ("organisation.name", org.name),
        ("organisation.handle", org.handle),
        ("organisation.colour", org.colour),
    ]
    if org.website is not None:
        rows.append(("organisation.website", org.website))
    rows.append(("tags", _tags_cell(scenario.tags)))
    for key in SCORING_FIELDS:
        rows.append((f"scoring.{key}", _number(getattr(scoring, key))))
    for key in MOOD_FIELDS:
        value = getattr(scenario.mood, key)
        rows.append(
            (f"mood.{key}", ("yes" if value else "no") if isinstance(value, bool) else _number(value))
        )
    return rows


def reaction_row(rule: Reaction) -> list[Any]:
    """The cells of one reaction rule, in the order of ``REACTION_COLUMNS``."""
    return [
        rule.when,
        rule.from_,
        duration_cell(rule.after),
        ", ".join(rule.injects),
        rule.flag or "",
        rule.min_key_points if rule.min_key_points is not None else "",
        rule.channel.value if rule.channel is not None else "",
        _number(rule.mood),
        "yes" if rule.expects_reply else "no",
        duration_cell(rule.reply_within) if rule.reply_within is not None else "",
        rule.severity,
        rule.limit if rule.limit is not None else "",
        rule.text,
    ]


def persona_row(persona: Persona) -> list[Any]:
    return [
        persona.id,
        persona.name,
        persona.handle,
        persona.kind.value,
        persona.followers,
        "yes" if persona.verified else "no",
        persona.bio,
        persona.email if persona.email is not None else "",
    ]


# --- YAML (the library format, and the header of a CSV) --------------------------------------------


class _Flow(list):
    """A list dumped on one line: [a, b]."""


class _FlowMap(dict):
    """A mapping dumped on one line: {id: x, text: y}."""


class _Dumper(yaml.SafeDumper):
    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        super().increase_indent(flow, False)  # "key:\n  - item", as the shipped scenarios are written


def _block(value: Any) -> Any:
    """``value`` with every flow list and mapping turned into block style."""
    if isinstance(value, dict):
        return {k: _block(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_block(v) for v in value]
    return value


def _str(dumper: yaml.SafeDumper, value: str) -> yaml.Node:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _str)
_Dumper.add_representer(_Flow, lambda d, v: d.represent_sequence("tag:yaml.org,2002:seq", v, flow_style=True))
_Dumper.add_representer(
    _FlowMap, lambda d, v: d.represent_mapping("tag:yaml.org,2002:map", v.items(), flow_style=True)
)


def _dump(data: dict[str, Any]) -> str:
    return yaml.dump(
        data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=10**9, default_flow_style=False
    )


def _inject_data(inject: Inject) -> dict[str, Any]:
    data: dict[str, Any] = {"id": inject.id}
    if inject.at is not None:
        data["at"] = duration_cell(inject.at)
    data["channel"] = inject.channel.value
    data["from"] = inject.from_
    if inject.to != "all":
        data["to"] = _Flow(inject.to)
    if inject.subject is not None:
        data["subject"] = inject.subject
    data["text"] = inject.text
    if inject.expects_reply:
        data["expects_reply"] = True
    if inject.reply_within is not None:
        data["reply_within"] = duration_cell(inject.reply_within)
    if inject.severity != 1:
        data["severity"] = inject.severity
    rubric = {
        kind: [_FlowMap(id=p.id, label=p.label, phrases=_Flow(p.phrases)) for p in items]
        for kind, items in (("key_points", inject.rubric.key_points), ("red_flags", inject.rubric.red_flags))
        if items
    }
    if rubric:
        data["rubric"] = rubric
    if inject.escalate:
        data["escalate"] = [
            _FlowMap(
                {"when": r.when}
                | ({"after": duration_cell(r.after)} if r.after is not None else {})
                | ({"flag": r.flag} if r.flag else {})
                | {"inject": r.inject}
            )
            for r in inject.escalate
        ]
    return data


def _reaction_data(rule: Reaction) -> dict[str, Any]:
    data: dict[str, Any] = {"when": rule.when, "from": rule.from_}
    if rule.injects:
        data["injects"] = _Flow(rule.injects)
    if rule.flag is not None:
        data["flag"] = rule.flag
    if rule.min_key_points is not None:
        data["min_key_points"] = rule.min_key_points
    if rule.after != Reaction.model_fields["after"].default:
        data["after"] = duration_cell(rule.after)
    if rule.channel is not None:
        data["channel"] = rule.channel.value
    if rule.mood:
        data["mood"] = _number(rule.mood)
    if rule.expects_reply:
        data["expects_reply"] = True
    if rule.reply_within is not None:
        data["reply_within"] = duration_cell(rule.reply_within)
    if rule.severity != 1:
        data["severity"] = rule.severity
    if rule.limit is not None:
        data["limit"] = rule.limit
    data["text"] = rule.text
    return data


def _scenario_data(scenario: Scenario, with_injects: bool = True) -> dict[str, Any]:
    org = scenario.organisation
    data: dict[str, Any] = {
        "id": scenario.id,
        "title": scenario.title,
        "language": scenario.language.value,
        "summary": scenario.summary,
        "briefing": scenario.briefing,
        "duration": duration_cell(scenario.duration),
        "organisation": _FlowMap(
            {"name": org.name, "handle": org.handle, "colour": org.colour}
            | ({"website": org.website} if org.website is not None else {})
        ),
    }
    if scenario.tags:
        data["tags"] = _Flow(scenario.tags)
    defaults = type(scenario.scoring)()
    weights = {
        k: _number(getattr(scenario.scoring, k))
        for k in SCORING_FIELDS
        if getattr(scenario.scoring, k) != getattr(defaults, k)
    }
    if weights:
        data["scoring"] = _FlowMap(weights)
    default_mood = type(scenario.mood)()
    mood = {
        k: (v if isinstance(v, bool) else _number(v))
        for k in MOOD_FIELDS
        if (v := getattr(scenario.mood, k)) != getattr(default_mood, k)
    }
    if mood:
        data["mood"] = _FlowMap(mood)
    data["facts"] = [{"id": f.id, "text": f.text} for f in scenario.facts]
    data["personas"] = [
        _FlowMap(
            {"id": p.id, "name": p.name, "handle": p.handle, "kind": p.kind.value}
            | ({"followers": p.followers} if p.followers else {})
            | ({"verified": True} if p.verified else {})
            | ({"bio": p.bio} if p.bio else {})
            | ({"email": p.email} if p.email is not None else {})
        )
        for p in scenario.personas
    ]
    if with_injects:
        data["injects"] = [_inject_data(i) for i in scenario.injects]
    if scenario.reactions:
        data["reactions"] = [_reaction_data(r) for r in scenario.reactions]
    return data


def to_yaml(scenario: Scenario) -> str:
    """The scenario as library YAML (what ``parse_scenario`` reads back into an equal model)."""
    return _dump(_scenario_data(scenario))


# --- CSV -------------------------------------------------------------------------------------------

CSV_INTRO = (
    "## Crisis Drill scenario in the MSEL layout. The # lines are the scenario in YAML (all but its injects)",
    "## and the table below them has one row per inject. Format: docs/scenario-format.md (MSEL spreadsheets)",
)


def to_csv(scenario: Scenario) -> str:
    """The scenario as one CSV text: ``#`` header lines (YAML), then the inject table."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    header = _dump(_block(_scenario_data(scenario, with_injects=False))).splitlines()
    for line in [*CSV_INTRO, *(f"# {line}" if line else "#" for line in header)]:
        writer.writerow([line])
    writer.writerow([c.name for c in INJECT_COLUMNS])
    for inject in scenario.injects:
        writer.writerow(inject_row(inject))
    return out.getvalue()


# --- XLSX ------------------------------------------------------------------------------------------


def to_xlsx(scenario: Scenario) -> bytes:
    """The scenario as an XLSX workbook: sheets injects (the MSEL), scenario, personas, facts."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    book = Workbook()
    bold, wrap = Font(bold=True), Alignment(wrap_text=True, vertical="top")

    def sheet(title: str, header: list[str], rows: list[list[Any]], widths: dict[int, int]) -> None:
        ws = book.create_sheet(title)
        ws.append(header)
        for row in rows:
            ws.append(row)
        for cells in ws.iter_rows():
            for cell in cells:
                if isinstance(cell.value, str):
                    cell.data_type = "s"  # text that starts with "=" stays text, not a formula
                cell.alignment = wrap
        for cell in ws[1]:
            cell.font = bold
        ws.freeze_panes = "A2"
        for index, width in widths.items():
            ws.column_dimensions[chr(ord("A") + index)].width = width

    book.remove(book.active)
    sheet(
        "injects",
        [c.name for c in INJECT_COLUMNS],
        [inject_row(i) for i in scenario.injects],
        {0: 11, 1: 22, 2: 14, 3: 10, 4: 12, 5: 8, 6: 30, 7: 60, 8: 8, 9: 8, 10: 50, 11: 50, 12: 34},
    )
    sheet("scenario", ["key", "value"], [list(r) for r in scenario_rows(scenario)], {0: 22, 1: 100})
    sheet(
        "personas",
        [c.name for c in PERSONA_COLUMNS],
        [persona_row(p) for p in scenario.personas],
        {0: 16, 1: 24, 2: 20, 3: 12, 4: 10, 5: 8, 6: 60, 7: 32},
    )
    sheet("facts", ["id", "text"], [[f.id, f.text] for f in scenario.facts], {0: 20, 1: 100})
    sheet(
        "reactions",
        [c.name for c in REACTION_COLUMNS],
        [reaction_row(r) for r in scenario.reactions],
        {0: 18, 1: 14, 2: 8, 3: 30, 4: 18, 5: 8, 6: 10, 7: 6, 8: 8, 9: 8, 10: 8, 11: 6, 12: 80},
    )
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def export(scenario: Scenario, fmt: str) -> bytes:
    """``csv`` (UTF-8 with a byte-order mark, so spreadsheet programs read accents), ``xlsx`` or
    ``yaml``, as file contents."""
    if fmt == "csv":
        return to_csv(scenario).encode("utf-8-sig")
    if fmt == "xlsx":
        return to_xlsx(scenario)
    if fmt == "yaml":
        return to_yaml(scenario).encode()
    raise ValueError(f"unknown format {fmt!r}; expected csv, xlsx or yaml")


# --- reading: cells ----------------------------------------------------------------------------------


class CellError(ValueError):
    """A cell that cannot be read; the message says what was expected."""


def _is_empty(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _as_text(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    return str(value)


def _seconds_of(value: Any) -> float | None:
    """Seconds of a spreadsheet time value (a cell formatted as a time), else None."""
    if isinstance(value, dt.timedelta):
        return value.total_seconds()
    if isinstance(value, dt.time):
        return value.hour * 3600 + value.minute * 60 + value.second + value.microsecond / 1e6
    return None


def parse_time(value: Any) -> float:
    """The ``time`` column: ``+HH:MM:SS`` (or a spreadsheet time value) → seconds."""
    seconds = _seconds_of(value)
    if seconds is not None:
        return seconds
    match = _TIME.match(value.strip()) if isinstance(value, str) else None
    if not match:
        raise CellError(f"{_as_text(value)!r} is not {TIME_HELP}")
    return int(match[1]) * 3600 + int(match[2]) * 60 + float(match[3])


def _cell_lines(text: str) -> list[str]:
    """The non-empty lines of a cell (line breaks only: not the other separators of splitlines)."""
    return [line for line in re.split(r"\r\n|\r|\n", text) if line.strip()]


def _split_unescaped(line: str) -> list[str]:
    """Split on ``|`` and undo the escapes ``\\|``, ``\\\\`` and ``\\n``."""
    parts, current, chars = [], [], iter(line)
    for char in chars:
        if char == "\\":
            nxt = next(chars, "")
            current.append({"n": "\n", "|": "|", "\\": "\\"}.get(nxt, "\\" + nxt))
        elif char == "|":
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
    parts.append("".join(current))
    return [p.strip() for p in parts]


def parse_rubric(text: str) -> tuple[list[dict[str, Any]], list[int], list[tuple[int, str]]]:
    """``id: label | phrase | phrase`` per line → (rubric items, the number of each item's line among
    the cell's non-empty lines, (number, problem) pairs)."""
    items, numbers, problems = [], [], []
    for number, line in enumerate(_cell_lines(text), start=1):
        item_id, colon, rest = line.partition(":")
        if not colon or not item_id.strip() or " " in item_id.strip():
            problems.append((number, f"expected {RUBRIC_HELP}, got {line.strip()!r}"))
            continue
        label, *phrases = _split_unescaped(rest)
        items.append({"id": item_id.strip(), "label": label, "phrases": phrases})
        numbers.append(number)
    return items, numbers, problems


def parse_escalate(text: str) -> tuple[list[dict[str, Any]], list[int], list[tuple[int, str]]]:
    """``unanswered 5m -> target`` / ``red_flag flag-id -> target`` per line → (escalation rules, the
    number of each rule's line among the cell's non-empty lines, (number, problem) pairs)."""
    rules, numbers, problems = [], [], []
    for number, line in enumerate(_cell_lines(text), start=1):
        parts = _ARROW.split(line.strip())
        words = parts[0].split(None, 1) if len(parts) == 2 else []
        if len(parts) != 2 or not words or not parts[1]:
            problems.append((number, f"expected {ESCALATE_HELP}, got {line.strip()!r}"))
            continue
        when = words[0].lower().replace("-", "_")
        params = words[1] if len(words) > 1 else ""
        rule: dict[str, Any] = {"when": when, "inject": parts[1]}
        flag = re.search(r"(?:^|\s)flag\s+(\S+)", params)
        if flag:
            rule["flag"] = flag[1]
            params = params[: flag.start()] + params[flag.end() :]
        after = re.search(r"(?:^|\s)after\s+(.+)$", params.strip())
        if after:
            rule["after"] = after[1].strip()
            params = params.strip()[: after.start()]
        rest = params.strip()
        slot = {"unanswered": "after", "red_flag": "flag"}.get(when)
        if rest and slot is not None:  # an unknown "when" is reported by the model
            if slot in rule:
                problems.append((number, f"unexpected {rest!r}; expected {ESCALATE_HELP}"))
                continue
            rule[slot] = rest
        rules.append(rule)
        numbers.append(number)
    return rules, numbers, problems


def _cell_value(kind: str, value: Any) -> Any:
    """The value a non-empty cell gives the model (validation happens in the model)."""
    if kind == "text":
        return _as_text(value)
    if kind == "time":
        return parse_time(value)
    if kind == "duration":
        seconds = _seconds_of(value)
        return seconds if seconds is not None else value
    if kind in ("int", "number"):
        return int(value) if isinstance(value, float) and value.is_integer() else value
    if kind == "bool":
        return value
    if kind == "ids":
        return [s for s in re.split(r"[\s,;]+", _as_text(value)) if s]
    if kind == "slots":
        text = _as_text(value).strip()
        return "all" if text.lower() == "all" else [s for s in re.split(r"[\s,;]+", text) if s]
    if kind == "list":
        text = _as_text(value)
        parts = text.splitlines() if "\n" in text else text.split(",")
        return [p.strip() for p in parts if p.strip()]
    raise AssertionError(kind)


# --- reading: tables -------------------------------------------------------------------------------


@dataclass
class Row:
    number: int  # the sheet's row number (CSV: counting the table's header as row 1)
    line: int | None  # CSV: the file's line where the row starts
    cells: list[Any]
    numbers: dict[str, list[int]] = field(default_factory=dict)  # rubric/escalate: line of each item


@dataclass
class Table:
    """One sheet read as a header row and item rows, with where each item came from."""

    sheet: str
    columns: tuple[Column, ...]
    header: Row | None = None
    positions: dict[str, int] = field(default_factory=dict)  # column key → index in the row
    names: dict[str, str] = field(default_factory=dict)  # column key → header as written
    rows: list[Row] = field(default_factory=list)  # the non-empty rows, one per item
    items: list[dict[str, Any]] = field(default_factory=list)


@dataclass(order=True)
class _Found:
    """A problem and where it sorts: by line (CSV), then sheet, row and column."""

    order: tuple[Any, ...]
    problem: Problem = field(compare=False)


class _Problems:
    def __init__(self, source: str) -> None:
        self.source = source
        self.found: list[_Found] = []

    def add(self, order: tuple[Any, ...], line: int | None, where: str, message: str) -> None:
        self.found.append(_Found((line or 0, *order), Problem(self.source, line, where, message)))

    def sorted(self) -> list[Problem]:
        return list(dict.fromkeys(f.problem for f in sorted(self.found)))


def _order(sheet: str, row: int = 0, column: int = -1, item: int = 0) -> tuple[int, int, int, int]:
    return (_SHEETS.index(sheet) if sheet in _SHEETS else len(_SHEETS), row, column, item)


def _col_order(table: Table, key: str) -> int:
    return next((i for i, c in enumerate(table.columns) if c.key == key), len(table.columns))


def read_table(table: Table, rows: Iterable[Row], problems: _Problems) -> None:
    """Fill ``table`` from its rows: header first, then one item per non-empty row."""
    by_name = {_header_key(a): c for c in table.columns for a in (c.name, *c.aliases)}
    for row in rows:
        if table.header is None:
            if all(_is_empty(v) for v in row.cells):
                continue
            table.header = row
            for index, raw in enumerate(row.cells):
                if _is_empty(raw):
                    continue
                name = _as_text(raw).strip()
                column = by_name.get(_header_key(name))
                where = f"{table.sheet} row {row.number}, column {name}"
                if column is None:
                    if not name.startswith("#") and _header_key(name) not in IGNORED_COLUMNS:
                        allowed = ", ".join(c.name for c in table.columns)
                        problems.add(
                            _order(table.sheet, row.number, index),
                            row.line,
                            where,
                            f"unknown column; expected one of: {allowed} (or notes)",
                        )
                elif column.key in table.positions:
                    problems.add(
                        _order(table.sheet, row.number, index),
                        row.line,
                        where,
                        f"column {column.name} is given twice (first as {table.names[column.key]!r})",
                    )
                else:
                    table.positions[column.key], table.names[column.key] = index, name
            for column in table.columns:
                if column.required and column.key not in table.positions:
                    problems.add(
                        _order(table.sheet, row.number, len(row.cells)),
                        row.line,
                        f"{table.sheet} row {row.number}",
                        f"missing column {column.name}",
                    )
            continue
        if all(_is_empty(v) for v in row.cells):
            continue
        if row.number > MAX_ROWS:
            problems.add(_order(table.sheet, row.number), row.line, table.sheet, f"more than {MAX_ROWS} rows")
            return
        table.rows.append(row)
        table.items.append(_read_item(table, row, problems))
    if table.header is None:
        problems.add(
            _order(table.sheet),
            None,
            table.sheet,
            "no header row; expected the columns " + ", ".join(c.name for c in table.columns),
        )


def _read_item(table: Table, row: Row, problems: _Problems) -> dict[str, Any]:
    item: dict[str, Any] = {}
    known = set(table.positions.values())
    for index, value in enumerate(row.cells):
        if index not in known and not _is_empty(value) and table.header is not None:
            header_cell = table.header.cells[index] if index < len(table.header.cells) else None
            if _is_empty(header_cell):
                problems.add(
                    _order(table.sheet, row.number, index),
                    row.line,
                    f"{table.sheet} row {row.number}, column {index + 1}",
                    "a value in a column without a header; give the column a name or leave it empty",
                )
    for column in table.columns:
        index = table.positions.get(column.key)
        value = row.cells[index] if index is not None and index < len(row.cells) else None
        if _is_empty(value):
            continue
        where = f"{table.sheet} row {row.number}, column {table.names[column.key]}"
        order = _order(table.sheet, row.number, _col_order(table, column.key))
        if column.kind in ("rubric", "escalate"):
            parse = parse_rubric if column.kind == "rubric" else parse_escalate
            unit = "item" if column.kind == "rubric" else "rule"
            parsed, row.numbers[column.key], found = parse(_as_text(value))
            for number, message in found:
                problems.add((*order[:3], number), row.line, f"{where}, {unit} {number}", message)
            if column.kind == "rubric":
                item.setdefault("rubric", {})[column.key.split(".")[1]] = parsed
            else:
                item["escalate"] = parsed
            continue
        try:
            item[column.key] = _cell_value(column.kind, value)
        except CellError as exc:
            problems.add(order, row.line, where, str(exc))
    return item


# --- reading: validation, shared by CSV and XLSX ---------------------------------------------------

# (order, line, field) of a pydantic location; None to leave the problem out
Place = Callable[[tuple[Any, ...], str], tuple[tuple[Any, ...], int | None, str] | None]


def _table_place(
    table: Table, loc: tuple[Any, ...], kind: str
) -> tuple[tuple[Any, ...], int | None, str] | None:
    """Where a problem at ``loc`` (relative to the table's section) is, in the sheet."""
    if not loc or not isinstance(loc[0], int) or loc[0] >= len(table.rows):
        return _order(table.sheet), None, table.sheet
    row = table.rows[loc[0]]
    base = f"{table.sheet} row {row.number}"
    if len(loc) == 1:
        return _order(table.sheet, row.number), row.line, base
    key, rest = str(loc[1]), loc[2:]
    suffix, item = "", 0
    if key == "rubric":
        if rest and rest[0] in ("key_points", "red_flags"):
            key = f"rubric.{rest[0]}"
            if len(rest) > 1 and isinstance(rest[1], int):
                item = _number_of(row, key, rest[1])
                suffix = f", item {item}" + (f" ({field_path(rest[2:])})" if rest[2:] else "")
        else:
            keys = [k for k in ("rubric.key_points", "rubric.red_flags") if k in table.names]
            name = " and ".join(table.names[k] for k in keys) or "key_points and red_flags"
            return (
                _order(table.sheet, row.number, _col_order(table, "rubric.key_points")),
                row.line,
                (f"{base}, columns {name}" if len(keys) > 1 else f"{base}, column {name}"),
            )
    elif key == "escalate" and rest and isinstance(rest[0], int):
        item = _number_of(row, key, rest[0])
        suffix = f", rule {item}" + (f" ({field_path(rest[1:])})" if rest[1:] else "")
    elif key == "injects" and rest and isinstance(rest[0], int):  # a reaction's list of inject ids
        item = rest[0] + 1
        suffix = f", item {item}"
    if kind == "missing" and key not in table.positions:
        return None  # reported once, as a missing column
    name = table.names.get(key) or next((c.name for c in table.columns if c.key == key), key)
    order = _order(table.sheet, row.number, _col_order(table, key), item)
    return order, row.line, f"{base}, column {name}{suffix}"


def _number_of(row: Row, key: str, index: int) -> int:
    numbers = row.numbers.get(key, [])
    return numbers[index] if index < len(numbers) else index + 1


def _validate(data: dict[str, Any], place: Place, problems: _Problems) -> Scenario | None:
    """Validate ``data`` with the scenario model and the loader's cross-checks; collect problems."""

    def add(loc: tuple[Any, ...], kind: str, message: str) -> None:
        where = place(loc, kind)
        if where is not None:
            order, line, label = where
            if kind == "missing" and ", column " in label:
                message = "required; the cell is empty"
            problems.add(order, line, label, message)

    scenario, errors = scenario_errors(data)
    for loc, kind, message in errors:
        add(loc, kind, message)
    return scenario if not problems.found else None


# --- reading: CSV ----------------------------------------------------------------------------------


def _delimiter(lines: list[str]) -> str:
    first = next((x for x in lines if x.strip() and not x.lstrip('"').startswith("#")), "")
    counts = {d: first.count(d) for d in (",", ";", "\t")}
    return max(counts, key=lambda d: counts[d]) if any(counts.values()) else ","


def _header_line(raw: str, delimiter: str) -> str:
    """A ``#`` line as written, or re-joined when a spreadsheet program quoted or split it."""
    text = raw.rstrip("\r\n")
    if not text.startswith('"'):
        return text.rstrip(delimiter)  # empty cells a spreadsheet program added
    cells = next(csv.reader([text], delimiter=delimiter), [])
    while len(cells) > 1 and not cells[-1]:
        cells.pop()
    return delimiter.join(cells)


def parse_csv(content: str | bytes, source: str = "<csv>") -> tuple[Scenario | None, list[Problem]]:
    """Read an MSEL CSV; return the scenario (None if invalid) and every problem found."""
    problems = _Problems(source)
    if isinstance(content, bytes):
        try:
            content = content.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            problems.add(
                (), None, "", f"not UTF-8 text ({exc.reason} at byte {exc.start}); save the CSV as UTF-8"
            )
            return None, problems.sorted()
    content = content.removeprefix("\ufeff")
    lines = content.splitlines(keepends=True)
    delimiter = _delimiter(lines)

    # The # lines before the table: the scenario's YAML, one YAML line per file line.
    yaml_lines: list[str] = []
    yaml_at: list[int] = []  # file line of each YAML line
    start = 0
    for number, raw in enumerate(lines, start=1):
        if raw.startswith("#") or raw.startswith('"#'):
            text = _header_line(raw, delimiter)[1:]
            yaml_lines.append(text[1:] if text.startswith(" ") else text)
            yaml_at.append(number)
            start = number
        elif raw.strip():
            break
        else:
            start = number
    table = Table("injects", INJECT_COLUMNS)
    reader = csv.reader(io.StringIO("".join(lines[start:])), delimiter=delimiter)
    rows: list[Row] = []
    first = 0
    try:
        for cells in reader:
            line = start + first + 1
            if rows or any(c.strip() for c in cells):
                rows.append(Row(len(rows) + 1, line, cells))
            first = reader.line_num
    except csv.Error as exc:
        problems.add((), start + reader.line_num, "", f"invalid CSV: {exc}")
    read_table(table, rows, problems)

    def file_line(yaml_line: int | None) -> int | None:
        return yaml_at[yaml_line - 1] if yaml_line and yaml_line <= len(yaml_at) else None

    data, root = _csv_header(yaml_lines, file_line, problems)
    if data is None:
        return None, problems.sorted()
    data["injects"] = table.items

    def place(loc: tuple[Any, ...], kind: str) -> tuple[tuple[Any, ...], int | None, str] | None:
        if loc and loc[0] == "injects":
            if len(loc) == 1 and table.header is not None:
                return _order("injects"), table.header.line, "injects"
            return _table_place(table, loc[1:], kind)
        yaml_line = key_line(root, loc) if kind == "extra_forbidden" else locate(root, loc)[0]
        return (), file_line(yaml_line), field_path(loc)

    return _validate(data, place, problems), problems.sorted()


def _csv_header(
    yaml_lines: list[str], file_line: Callable[[int | None], int | None], problems: _Problems
) -> tuple[dict[str, Any] | None, yaml.Node | None]:
    """Parse the YAML of the ``#`` lines; None when it cannot be used (problems say why)."""
    if not any(x.strip() and not x.lstrip().startswith("#") for x in yaml_lines):
        problems.add(
            (),
            1,
            "",
            "no scenario header: the file must start with # lines giving the scenario in YAML (id, title, "
            "summary, briefing, duration, organisation, personas…); export a scenario to see the layout",
        )
        return None, None
    try:
        loader = yaml.SafeLoader("\n".join(yaml_lines))
        try:
            root = loader.get_single_node()
            data = loader.construct_document(root) if root is not None else None
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        what = " ".join(str(p) for p in (exc.context, exc.problem) if p)
        problems.add(
            (), file_line(mark.line + 1 if mark else None), "", f"invalid YAML in the # lines: {what}"
        )
        return None, None
    except (yaml.YAMLError, ValueError, TypeError, IndexError) as exc:  # PyYAML's constructors raise these
        problems.add((), None, "", f"invalid YAML in the # lines: {exc or type(exc).__name__}")
        return None, None
    if not isinstance(data, dict):
        problems.add((), file_line(1), "", "the # lines must be a mapping of scenario fields (id, title, …)")
        return None, None
    for line, where, message in duplicate_keys(root):
        problems.add((), file_line(line), where, message)
    if "injects" in data:
        problems.add(
            (),
            file_line(key_line(root, ("injects",))),
            "injects",
            "injects go in the table below the # lines, one row per inject",
        )
        del data["injects"]
    return data, root


# --- reading: XLSX ---------------------------------------------------------------------------------


def _sheet_rows(ws: Any) -> Iterator[Row]:
    for number, cells in enumerate(ws.iter_rows(values_only=True), start=1):
        if number > MAX_ROWS + 1:
            return
        yield Row(number, None, list(cells))


def parse_xlsx(content: bytes, source: str = "<xlsx>") -> tuple[Scenario | None, list[Problem]]:
    """Read an MSEL workbook; return the scenario (None if invalid) and every problem found."""
    problems = _Problems(source)
    book = _open_workbook(content, problems)
    if book is None:
        return None, problems.sorted()
    sheets = {name.strip().lower(): book[name] for name in book.sheetnames}
    data: dict[str, Any] = {}
    tables: dict[str, Table] = {}
    missing: set[str] = set()
    for name, columns in (
        ("injects", INJECT_COLUMNS),
        ("personas", PERSONA_COLUMNS),
        ("facts", FACT_COLUMNS),
        ("reactions", REACTION_COLUMNS),
    ):
        if name not in sheets:
            if name not in ("facts", "reactions"):
                missing.add(name)
                problems.add(
                    _order(name),
                    None,
                    name,
                    f"missing sheet {name!r}; the workbook has: {', '.join(book.sheetnames)}",
                )
            continue
        table = tables[name] = Table(name, columns)
        read_table(table, _sheet_rows(sheets[name]), problems)
        data[name] = table.items
    key_rows: dict[str, int] = {}
    if "scenario" in sheets:
        _read_scenario_sheet(sheets["scenario"], data, key_rows, problems)
    else:
        missing.add("scenario")
        problems.add(_order("scenario"), None, "scenario", "missing sheet 'scenario' (key and value columns)")

    def place(loc: tuple[Any, ...], kind: str) -> tuple[tuple[Any, ...], int | None, str] | None:
        section = str(loc[0]) if loc else ""
        if "personas" in missing and kind == "reference" and loc[-1:] == ("from",):
            return None  # every sender is unknown without the personas sheet: said once, as missing
        if section in tables:
            return _table_place(tables[section], loc[1:], kind)
        if section in missing or ("scenario" in missing and section not in tables):
            return None
        key = ".".join(str(p) for p in loc if not isinstance(p, int))
        row = key_rows.get(key)
        if row is None:
            return _order("scenario"), None, f"scenario ({key})"
        return _order("scenario", row), None, f"scenario row {row} ({key})"

    return _validate(data, place, problems), problems.sorted()


def _open_workbook(content: bytes, problems: _Problems) -> Any:
    from openpyxl import load_workbook

    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            if sum(i.file_size for i in archive.infolist()) > MAX_XLSX_UNCOMPRESSED:
                problems.add((), None, "", "the workbook is too large once uncompressed")
                return None
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # openpyxl warns about features it drops (styles, validation)
            return load_workbook(io.BytesIO(content), data_only=True)
    except Exception as exc:  # openpyxl raises many kinds of errors on a file that is not a workbook
        problems.add((), None, "", f"not an XLSX workbook ({type(exc).__name__}: {exc})")
        return None


def _read_scenario_sheet(
    ws: Any, data: dict[str, Any], key_rows: dict[str, int], problems: _Problems
) -> None:
    for row in _sheet_rows(ws):
        cells = [*row.cells, None, None]
        key, value = cells[0], cells[1]
        if _is_empty(key):
            if not _is_empty(value):
                problems.add(
                    _order("scenario", row.number),
                    None,
                    f"scenario row {row.number}",
                    "a value without a key",
                )
            continue
        name = _as_text(key).strip()
        if row.number == 1 and name.lower() == "key":
            continue
        if name.startswith("#"):
            continue
        kind = SCENARIO_KEYS.get(name)
        where = f"scenario row {row.number} ({name})"
        if kind is None:
            problems.add(
                _order("scenario", row.number),
                None,
                where,
                "unknown key; expected one of: " + ", ".join(SCENARIO_KEYS),
            )
            continue
        if name in key_rows:
            problems.add(
                _order("scenario", row.number),
                None,
                where,
                f"key given twice (first on row {key_rows[name]}); give each key once",
            )
            continue
        key_rows[name] = row.number
        if name.startswith("organisation."):
            data.setdefault("organisation", {})
        if _is_empty(value):
            continue
        parsed = _cell_value(kind, value)  # no "time" kind here: nothing to report before the model
        if "." in name:
            group, sub = name.split(".", 1)
            data.setdefault(group, {})[sub] = parsed
        else:
            data[name] = parsed
    data.setdefault("organisation", {})


# --- any upload ------------------------------------------------------------------------------------

FORMATS = {".yaml": "yaml", ".yml": "yaml", ".csv": "csv", ".xlsx": "xlsx"}


def format_of(filename: str, content: bytes = b"") -> str | None:
    """``yaml``, ``csv`` or ``xlsx`` from the file name (or the content: an XLSX is a zip)."""
    suffix = "." + filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    if suffix in FORMATS:
        return FORMATS[suffix]
    return "xlsx" if content.startswith(b"PK\x03\x04") else None


def read_scenario(content: bytes, filename: str) -> tuple[Scenario | None, str | None, list[Problem]]:
    """Read an uploaded scenario in YAML, CSV or XLSX: (scenario, its YAML for the library, problems).

    A YAML file keeps its text (comments and layout); a spreadsheet is written as ``to_yaml``."""
    fmt = format_of(filename, content)
    if fmt is None:
        return (
            None,
            None,
            [Problem(filename, None, "", "unknown file type; expected .yaml, .yml, .csv or .xlsx")],
        )
    if fmt == "xlsx":
        scenario, problems = parse_xlsx(content, filename)
    elif fmt == "csv":
        scenario, problems = parse_csv(content, filename)
    else:
        try:
            text = content.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            return (
                None,
                None,
                [Problem(filename, None, "", f"not UTF-8 text ({exc.reason} at byte {exc.start})")],
            )
        scenario, problems = parse_scenario(text, filename)
        return scenario, (text if scenario is not None else None), problems
    return scenario, (to_yaml(scenario) if scenario is not None else None), problems
