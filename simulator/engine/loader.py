"""Read scenario YAML and report every problem with its file, line and field.

``parse_scenario`` never stops at the first error: YAML syntax, duplicate keys, schema errors (from the
pydantic models) and cross-references (personas, escalations, cycles, timing) are all collected, each
as a ``Problem`` that names the file, the line, the field and what was expected.
"""

from __future__ import annotations

import re
import types
import typing
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from .durations import DURATION_HELP, DurationError, format_duration, parse_duration
from .scenario import Scenario

PLACEHOLDERS = {"organisation.name", "organisation.handle", "team.name"}
_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")


@dataclass(frozen=True)
class Problem:
    """One thing wrong in a scenario file."""

    source: str
    line: int | None
    field: str
    message: str

    def __str__(self) -> str:
        where = f"{self.source}:{self.line}" if self.line else self.source
        return f"{where}: {self.field or '(file)'}: {self.message}"


class ScenarioInvalid(Exception):
    """Raised by ``load_scenario`` with every problem found in the file."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


# --- YAML with positions (public: msel.py places the problems of a CSV's YAML header with them) ---


def field_path(loc: Iterable[Any]) -> str:
    """A pydantic location as a dotted field path: ``("injects", 2, "at")`` -> ``"injects[2].at"``."""
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def locate(root: yaml.Node | None, loc: tuple[Any, ...]) -> tuple[int | None, tuple[Any, ...]]:
    """Return (1-based line, the part of ``loc`` that exists in the YAML) for a pydantic location.

    ``root`` is the composed YAML document (``yaml.compose``); the line is that of the deepest node of
    ``loc`` found in it (``None`` when there is no document)."""
    node, found = root, ()
    line = root.start_mark.line + 1 if root is not None else None
    for part in loc:
        child = None
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                if isinstance(key, yaml.ScalarNode) and key.value == str(part):
                    child = value
                    break
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
            child = node.value[part]
        if child is None:
            break
        node, found = child, (*found, part)
        line = child.start_mark.line + 1
    return line, found


def key_line(root: yaml.Node | None, loc: tuple[Any, ...]) -> int | None:
    """1-based line of the key ``loc[-1]`` inside the mapping at ``loc[:-1]`` (for unknown fields); when
    that key is not there, the line ``locate`` gives for the mapping."""
    line, found = locate(root, loc[:-1])
    node = root
    for part in found:
        node = _child(node, part)
    if isinstance(node, yaml.MappingNode):
        for key, _ in node.value:
            if isinstance(key, yaml.ScalarNode) and key.value == str(loc[-1]):
                return key.start_mark.line + 1
    return line


def _child(node: yaml.Node | None, part: Any) -> yaml.Node | None:
    if isinstance(node, yaml.MappingNode):
        return next((v for k, v in node.value if getattr(k, "value", None) == str(part)), None)
    if isinstance(node, yaml.SequenceNode) and isinstance(part, int):
        return node.value[part] if part < len(node.value) else None
    return None


MAX_NODES = 200_000
"""Values a scenario may hold once its aliases are expanded (the largest shipped one has a few thousand)."""
MAX_DEPTH = 50
"""Nesting levels (a scenario needs about six)."""
_INT_TAG = "tag:yaml.org,2002:int"


def _structure_problem(root: yaml.Node) -> tuple[int, str] | None:
    """(line, message) for YAML the checks must not walk: an alias inside its own anchor (a loop),
    nesting deeper than ``MAX_DEPTH``, aliases expanding to more than ``MAX_NODES`` values (a
    "billion laughs"), or an integer too long to be a number anyone meant. Iterative, so it cannot
    itself run out of stack."""
    sizes: dict[int, int] = {}
    open_nodes: set[int] = set()
    stack: list[tuple[yaml.Node, int, bool]] = [(root, 1, False)]
    while stack:
        node, depth, finished = stack.pop()
        key, line = id(node), node.start_mark.line + 1
        children = (
            [part for pair in node.value for part in pair]
            if isinstance(node, yaml.MappingNode)
            else list(node.value)
            if isinstance(node, yaml.SequenceNode)
            else []
        )
        if finished:
            open_nodes.discard(key)
            sizes[key] = 1 + sum(sizes[id(child)] for child in children)
            if sizes[key] > MAX_NODES:
                return line, f"aliases expand to more than {MAX_NODES:,} values; write the scenario out"
            continue
        if key in sizes:
            continue
        if key in open_nodes:
            return line, "an alias refers to the anchor that contains it, which would repeat forever"
        if depth > MAX_DEPTH:
            return line, f"nested more than {MAX_DEPTH} levels deep"
        if isinstance(node, yaml.ScalarNode) and node.tag == _INT_TAG and len(node.value) > 40:
            return line, f"a number of {len(node.value)} characters; write at most 40"
        open_nodes.add(key)
        stack.append((node, depth, True))
        stack.extend((child, depth + 1, False) for child in children)
    return None


def _shown(value: Any) -> str:
    """``value`` for a message: its type for lists and mappings, else a short repr."""
    if isinstance(value, dict | list):
        return type(value).__name__
    try:
        text = repr(value)
    except ValueError:  # an integer too long to print
        return "a number too long to show"
    return text if len(text) <= 120 else text[:120] + "…"


def duplicate_keys(node: yaml.Node, path: tuple[Any, ...] = ()) -> Iterator[tuple[int, str, str]]:
    """Every key given twice in a mapping of the YAML tree ``node`` (``path`` is where ``node`` sits), as
    (1-based line of the repeated key, its field path, a message naming the line it was first given on)."""
    if isinstance(node, yaml.MappingNode):
        seen: dict[str, int] = {}
        for key, value in node.value:
            name = getattr(key, "value", "?")
            if name in seen:
                yield (
                    key.start_mark.line + 1,
                    field_path((*path, name)),
                    f"duplicate key (first given on line {seen[name]}); give each key once",
                )
            else:
                seen[name] = key.start_mark.line + 1
            yield from duplicate_keys(value, (*path, name))
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            yield from duplicate_keys(item, (*path, index))


# --- schema errors in plain words ----------------------------------------------------------------


def _model_at(loc: tuple[Any, ...]) -> type[BaseModel] | None:
    """The pydantic model class found at ``loc`` (to list the allowed fields)."""
    model: Any = Scenario
    for part in loc:
        if isinstance(part, int):
            continue
        fields = {(f.alias or n): f for n, f in model.model_fields.items()}
        if part not in fields:
            return None
        model = _unwrap(fields[part].annotation)
        if model is None:
            return None
    return model if isinstance(model, type) and issubclass(model, BaseModel) else None


def _unwrap(annotation: Any) -> Any:
    for _ in range(4):
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            return annotation
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        origin = typing.get_origin(annotation)
        if origin in (list, typing.Union, types.UnionType, typing.Annotated) and args:
            annotation = args[0]
        else:
            return None
    return None


_PATTERN_HINTS = {
    "id": "a slug: lowercase letters, digits and dashes, e.g. video-leak",
    "inject": "an inject id (a slug such as video-leak)",
    "flag": "a red flag id (a slug such as no-comment)",
    "handle": "a handle such as @acme_news (letters, digits, underscore)",
    "colour": "a colour such as #1d4ed8",
}


def _explain(error: dict[str, Any]) -> str:
    kind, loc, value = error["type"], error["loc"], error.get("input")
    name = next((p for p in reversed(loc) if isinstance(p, str)), "")
    shown = _shown(value)
    if kind == "missing":
        return "missing required field"
    if kind == "extra_forbidden":
        model = _model_at(tuple(loc[:-1]))
        allowed = sorted((f.alias or n) for n, f in model.model_fields.items()) if model else []
        return "unknown field" + (f"; expected one of: {', '.join(allowed)}" if allowed else "")
    if kind == "string_pattern_mismatch":
        return f"expected {_PATTERN_HINTS.get(name, 'text of the documented form')}, got {shown}"
    if kind == "string_too_short":
        return "must not be empty" if not value else error["msg"]
    if kind == "too_short":
        return f"needs at least {error.get('ctx', {}).get('min_length', 1)} item(s)"
    if kind == "enum" or kind == "literal_error":
        expected = error.get("ctx", {}).get("expected", "")
        return f"expected one of {expected}, got {shown}"
    if kind == "value_error":
        return str(error["msg"]).removeprefix("Value error, ")
    if kind in {"model_type", "dict_type"}:
        return f"expected a mapping of fields (key: value), got {shown}"
    if kind == "list_type":
        return f"expected a list (lines starting with '- '), got {shown}"
    return f"{error['msg'][0].lower()}{error['msg'][1:]}, got {shown}"


def _either(messages: list[str]) -> str:
    """One message for a value that matched no member of a union: "expected A or B, got X"."""
    if len(messages) > 1 and all(m.startswith("expected ") and ", got " in m for m in messages):
        wanted = [m.removeprefix("expected ").rpartition(", got ")[0] for m in messages]
        return f"expected {' or '.join(wanted)}, got {messages[0].rpartition(', got ')[2]}"
    return "; or ".join(messages)


# --- cross-references, on the raw data so they are reported alongside schema errors ---------------


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _as_dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _references(data: dict[str, Any]) -> Iterator[tuple[tuple[Any, ...], str]]:
    """Yield (location, message) for problems that need the whole scenario to see."""
    personas = _as_list(data.get("personas"))
    injects = _as_list(data.get("injects"))
    for section in ("personas", "facts", "injects"):
        seen: set[str] = set()
        for index, item in enumerate(_as_list(data.get(section))):
            item_id = _as_dict(item).get("id")
            if not isinstance(item_id, str):
                continue  # the schema reports ids that are not text
            if item_id in seen:
                yield (
                    (section, index, "id"),
                    f"duplicate id {item_id!r} in {section}; ids must be unique",
                )
            seen.add(item_id)
    persona_ids = {p["id"] for p in map(_as_dict, personas) if isinstance(p.get("id"), str)}
    inject_by_id = {str(_as_dict(i).get("id")): _as_dict(i) for i in injects}
    try:
        duration_s: float | None = parse_duration(data.get("duration"))
    except DurationError:
        duration_s = None

    yield from _unknown_placeholders(data.get("briefing"), ("briefing",))
    for index, inject in enumerate(map(_as_dict, injects)):
        if inject.get("expects_reply") is True and inject.get("reply_within") is None:
            # Also checked by Inject._reply_window, which pydantic skips when another field of the
            # inject is wrong: say it here too (parse_scenario drops the duplicate).
            yield (
                ("injects", index),
                'an inject that expects a reply needs "reply_within" (' + DURATION_HELP + ")",
            )
        sender = inject.get("from")
        if isinstance(sender, str) and sender not in persona_ids:
            known = ", ".join(sorted(persona_ids)) or "none defined"
            yield (
                ("injects", index, "from"),
                f"unknown persona {sender!r}; expected one of the personas' ids: {known}",
            )
        at = inject.get("at")
        if at is not None and duration_s is not None:
            try:
                at_s = parse_duration(at)
            except DurationError:
                at_s = None
            if at_s is not None and at_s > duration_s:
                yield (
                    ("injects", index, "at"),
                    f"{format_duration(at_s)} is beyond the scenario duration "
                    f"({format_duration(duration_s)})",
                )
        for field in ("text", "subject"):
            yield from _unknown_placeholders(inject.get(field), ("injects", index, field))
        red_flags = _as_list(_as_dict(inject.get("rubric")).get("red_flags"))
        flags = {f["id"] for f in map(_as_dict, red_flags) if isinstance(f.get("id"), str)}
        for rule_index, rule in enumerate(map(_as_dict, _as_list(inject.get("escalate")))):
            loc = ("injects", index, "escalate", rule_index)
            target = rule.get("inject")
            if isinstance(target, str):
                if target == inject.get("id"):
                    yield (*loc, "inject"), "an inject cannot escalate to itself"
                elif target not in inject_by_id:
                    yield (
                        (*loc, "inject"),
                        f"escalation to unknown inject {target!r}; expected the id of an inject "
                        "of this scenario",
                    )
            flag = rule.get("flag")
            if rule.get("when") == "red_flag" and isinstance(flag, str) and flag not in flags:
                expected = (
                    f"expected one of: {', '.join(sorted(flags))}"
                    if flags
                    else "this inject has no red flags (define them under rubric.red_flags)"
                )
                yield (*loc, "flag"), f"unknown red flag {flag!r}; {expected}"

    yield from _cycles(injects)
    kind_of = {p["id"]: p.get("kind") for p in map(_as_dict, personas) if isinstance(p.get("id"), str)}
    for index, rule in enumerate(map(_as_dict, _as_list(data.get("reactions")))):
        yield from _reaction_references(rule, ("reactions", index), inject_by_id, kind_of)


def _rubric_ids(inject: dict[str, Any], part: str) -> list[str]:
    items = _as_list(_as_dict(inject.get("rubric")).get(part))
    return [i["id"] for i in map(_as_dict, items) if isinstance(i.get("id"), str)]


def _never_fires(when: Any, inject: dict[str, Any], kind_of: dict[str, Any]) -> str | None:
    """Why a ``when`` rule can never fire for replies to ``inject`` (None when it can)."""
    if when in ("covers_key_points", "vague") and not _rubric_ids(inject, "key_points"):
        return "has no key points"
    if when == "red_flag" and not _rubric_ids(inject, "red_flags"):
        return "has no red flags"
    if when == "feeds_troll" and kind_of.get(inject.get("from")) != "troll":
        return "is not from a troll"
    return None


def _reaction_references(
    rule: dict[str, Any],
    loc: tuple[Any, ...],
    inject_by_id: dict[str, dict[str, Any]],
    kind_of: dict[str, Any],
) -> Iterator[tuple[tuple[Any, ...], str]]:
    """Cross-references of one reaction rule: its persona, injects, red flag and key-point count, and
    whether it can fire at all."""
    when = rule.get("when")
    if rule.get("expects_reply") is True and rule.get("reply_within") is None:
        # Also checked by Reaction._consistent, which pydantic skips when another field is wrong.
        yield loc, 'a reaction that expects a reply needs "reply_within" (' + DURATION_HELP + ")"
    sender = rule.get("from")
    if isinstance(sender, str) and sender != "author" and sender not in kind_of:
        known = ", ".join(sorted(kind_of)) or "none defined"
        yield (
            (*loc, "from"),
            f"unknown persona {sender!r}; expected author (the persona of the inject the reply answers) "
            f"or one of the personas' ids: {known}",
        )
    yield from _unknown_placeholders(rule.get("text"), (*loc, "text"))

    flag = rule.get("flag")
    flagged = when == "red_flag" and isinstance(flag, str)  # the flag's own check says more
    listed: list[dict[str, Any]] = []  # the known injects the rule is restricted to
    names = rule.get("injects")
    for position, name in enumerate(names if isinstance(names, list) else []):
        if not isinstance(name, str):
            continue  # the schema reports it
        if name not in inject_by_id:
            yield (
                (*loc, "injects", position),
                f"unknown inject {name!r}; expected the id of an inject of this scenario",
            )
            continue
        listed.append(inject_by_id[name])
        why = None if flagged else _never_fires(when, inject_by_id[name], kind_of)
        if why is not None:
            yield (
                (*loc, "injects", position),
                f"inject {name!r} {why}, so a {when} rule never fires for replies to it",
            )
    restricted = isinstance(names, list) and bool(names)
    everywhere = [_never_fires(when, i, kind_of) for i in inject_by_id.values()]
    if not restricted and not flagged and everywhere and all(everywhere):
        what = {"red_flag": "has red flags", "feeds_troll": "is from a troll"}.get(when, "has key points")
        yield (*loc, "when"), f"no inject of this scenario {what}, so a {when} rule never fires"

    if flagged:
        if restricted:
            lacking = [str(i.get("id")) for i in listed if flag not in _rubric_ids(i, "red_flags")]
            if lacking:
                common = set.intersection(*(set(_rubric_ids(i, "red_flags")) for i in listed))
                which = ", ".join(repr(x) for x in lacking)
                expected = (
                    f"expected one of: {', '.join(sorted(common))}"
                    if common
                    else "expected a red flag of each inject the rule names (they have none in common)"
                    if len(listed) > 1
                    else "this inject has no red flags (define them under rubric.red_flags)"
                )
                yield (*loc, "flag"), f"unknown red flag {flag!r} for {_injects(lacking)} {which}; {expected}"
        else:
            every = sorted({f for i in inject_by_id.values() for f in _rubric_ids(i, "red_flags")})
            if flag not in every:
                expected = (
                    f"expected the id of a red flag of one of the injects: {', '.join(every)}"
                    if every
                    else "no inject of this scenario has red flags"
                )
                yield (*loc, "flag"), f"unknown red flag {flag!r}; {expected}"

    wanted = rule.get("min_key_points")
    if when == "covers_key_points" and type(wanted) is int and restricted:
        counts = [(str(i.get("id")), len(_rubric_ids(i, "key_points"))) for i in listed]
        short = [(name, count) for name, count in counts if 0 < count < wanted]
        if short:
            have = ", ".join(f"{name!r} ({count})" for name, count in short)
            most = min(count for _, count in counts if count)
            yield (
                (*loc, "min_key_points"),
                f"{wanted} is more than the key points of {_injects(short)} {have}, so the rule never "
                f"fires for {'it' if len(short) == 1 else 'them'}; expected at most {most} (the key-point "
                "count of each inject the rule names)",
            )


def _injects(items: list[Any]) -> str:
    return "inject" if len(items) == 1 else "injects"


def _unknown_placeholders(text: Any, loc: tuple[Any, ...]) -> Iterator[tuple[tuple[Any, ...], str]]:
    """Every {…} of ``text`` that is not a placeholder, written exactly (views.render_text fills them)."""
    for name in _PLACEHOLDER.findall(text) if isinstance(text, str) else []:
        if name not in PLACEHOLDERS:
            allowed = ", ".join("{" + p + "}" for p in sorted(PLACEHOLDERS))
            yield loc, f"unknown placeholder {{{name}}}; expected one of {allowed}"


def _cycles(injects: list[Any]) -> Iterator[tuple[tuple[Any, ...], str]]:
    graph: dict[str, list[str]] = {}
    position: dict[str, int] = {}
    for index, inject in enumerate(map(_as_dict, injects)):
        if isinstance(inject.get("id"), str):
            position.setdefault(inject["id"], index)
            targets = [_as_dict(r).get("inject") for r in _as_list(inject.get("escalate"))]
            graph[inject["id"]] = [t for t in targets if isinstance(t, str) and t != inject["id"]]
    reported: set[frozenset[str]] = set()
    state: dict[str, int] = {}  # 1 = on the current path, 2 = done
    for start in graph:
        if state.get(start) is not None:
            continue
        # Depth-first, with an explicit stack: a chain of thousands of escalations must not overflow.
        path, pending = [start], [iter(graph[start])]
        state[start] = 1
        while pending:
            nxt = next(pending[-1], None)
            if nxt is None:
                state[path.pop()] = 2
                pending.pop()
            elif state.get(nxt) == 1:
                cycle = [*path[path.index(nxt) :], nxt]
                key = frozenset(cycle)
                if key not in reported:
                    reported.add(key)
                    yield (
                        ("injects", position[nxt], "escalate"),
                        "escalations form a cycle: " + " → ".join(cycle) + "; a cycle would never end",
                    )
            elif nxt in graph and state.get(nxt) is None:
                state[nxt] = 1
                path.append(nxt)
                pending.append(iter(graph[nxt]))


# --- entry points ----------------------------------------------------------------------------------


def parse_scenario(text: str, source: str = "<scenario>") -> tuple[Scenario | None, list[Problem]]:
    """Parse scenario YAML text; return the scenario (None if invalid) and every problem found."""
    try:
        loader = yaml.SafeLoader(text)
        try:
            root = loader.get_single_node()
            structure = _structure_problem(root) if root is not None else None
            if structure is not None:
                return None, [Problem(source, structure[0], "", f"invalid YAML: {structure[1]}")]
            try:
                data = loader.construct_document(root) if root is not None else None
            except (yaml.YAMLError, RecursionError):
                raise
            except Exception as exc:  # PyYAML's constructors fail on odd tagged values
                # with any error: a date such as 2024-13-45, ``!!float abc``, an empty ``!!int``
                message = f"invalid YAML value: {exc or type(exc).__name__}"
                return None, [Problem(source, None, "", message)]
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        if isinstance(exc, yaml.scanner.ScannerError) and exc.context_mark is not None:
            mark = exc.context_mark
        line = mark.line + 1 if mark else None
        what = " ".join(str(p) for p in (exc.context, exc.problem) if p)
        return None, [Problem(source, line, "", f"invalid YAML: {what}")]
    except yaml.YAMLError as exc:
        return None, [Problem(source, None, "", f"invalid YAML: {exc}")]
    except RecursionError:
        return None, [Problem(source, None, "", f"invalid YAML: nested more than {MAX_DEPTH} levels deep")]

    if not isinstance(data, dict):
        got = "an empty file" if data is None else type(data).__name__
        return None, [
            Problem(source, 1, "", f"expected a mapping of scenario fields (id, title, …), got {got}")
        ]

    problems = [Problem(source, line, field, msg) for line, field, msg in duplicate_keys(root)]
    scenario, errors = scenario_errors(data)
    for loc, kind, message in errors:
        line = key_line(root, loc) if kind == "extra_forbidden" else locate(root, loc)[0]
        problems.append(Problem(source, line, field_path(loc), message))
    problems = sorted(dict.fromkeys(problems), key=lambda p: (p.line or 0, p.field))
    return (scenario if not problems else None), problems


def scenario_errors(data: dict[str, Any]) -> tuple[Scenario | None, list[tuple[tuple[Any, ...], str, str]]]:
    """Validate a scenario mapping (from YAML or a spreadsheet): the model, then the references.

    Each error is ``(loc, kind, message)``; ``kind`` is pydantic's error type, ``"union"`` (one
    message for the alternatives a field may take) or ``"reference"``. Callers turn ``loc`` into a
    line (YAML) or a sheet, row and column (MSEL)."""
    scenario = None
    errors: list[tuple[tuple[Any, ...], str, str]] = []
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as exc:
        branches: dict[tuple[Any, ...], list[str]] = {}
        for error in exc.errors():
            loc = tuple(error["loc"])
            if error["type"] != "extra_forbidden":
                # pydantic names the union member that failed (``to``: "literal['all']", "list[str]"):
                # not a field of the file, so report one problem on the field itself.
                plain = tuple(p for p in loc if not (isinstance(p, str) and "[" in p))
                if plain != loc:
                    branches.setdefault(plain, []).append(_explain(error))
                    continue
            errors.append((loc, error["type"], _explain(error)))
        errors += [(loc, "union", _either(messages)) for loc, messages in branches.items()]
    errors += [(loc, "reference", message) for loc, message in _references(data)]
    return scenario, errors


def check_scenario_file(path: Path) -> tuple[Scenario | None, list[Problem]]:
    """Read and check one scenario file."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None, [Problem(str(path), None, "", "no such file")]
    except UnicodeDecodeError as exc:
        return None, [Problem(str(path), None, "", f"not UTF-8 text ({exc.reason} at byte {exc.start})")]
    except OSError as exc:
        return None, [Problem(str(path), None, "", f"cannot read: {exc.strerror}")]
    return parse_scenario(text, str(path))


def load_scenario(path: Path) -> Scenario:
    """Load one valid scenario or raise ``ScenarioInvalid`` listing every problem."""
    scenario, problems = check_scenario_file(path)
    if scenario is None:
        raise ScenarioInvalid(problems)
    return scenario


def load_library(directory: Path) -> tuple[dict[str, Scenario], list[Problem]]:
    """Every valid scenario of ``directory`` (``*.yaml``/``*.yml``) by id, and the problems of the rest.

    Two files that declare the same id are both a problem: ids must be unique across the library."""
    scenarios: dict[str, Scenario] = {}
    sources: dict[str, Path] = {}
    problems: list[Problem] = []
    files = sorted([*directory.glob("*.yaml"), *directory.glob("*.yml")])
    for path in files:
        scenario, found = check_scenario_file(path)
        problems.extend(found)
        if scenario is None:
            continue
        if scenario.id in scenarios:
            problems.append(
                Problem(
                    str(path),
                    1,
                    "id",
                    f"scenario id {scenario.id!r} is already used by {sources[scenario.id]}",
                )
            )
            continue
        scenarios[scenario.id] = scenario
        sources[scenario.id] = path
    return scenarios, problems
