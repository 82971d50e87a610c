"""The scenario loader never crashes: whatever the text (YAML or not) or the structure, it returns a
Scenario or a list of problems, each with a message and, where known, a line."""

from __future__ import annotations

import copy
import datetime as dt
import math
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from simulator.engine.loader import MAX_DEPTH, Problem, check_scenario_file, parse_scenario
from simulator.engine.scenario import Scenario
from tests.factories import DATA

# Hypothesis warns when the global ``random`` state moves while it draws an example. A Socket.IO client
# left reconnecting by an earlier live-server test moves it from its own thread (jittered delays); our
# strategies never use ``random``, so that warning says nothing about them.
pytestmark = pytest.mark.filterwarnings("ignore::hypothesis.errors.HypothesisDeprecationWarning")

FUZZ = settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
FUZZ_MINI = settings(FUZZ, max_examples=150)  # each example parses the whole mini scenario
MINI_TEXT = (DATA / "mini.yaml").read_text(encoding="utf-8")
MINI = yaml.safe_load(MINI_TEXT)
DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
YAML_LINE_BREAK = re.compile("\r\n|[\r\n\x85\u2028\u2029]")  # what YAML counts as a new line


def assert_outcome(result: Any, text: str | None = None) -> None:
    scenario, problems = result
    assert isinstance(problems, list)
    if scenario is not None:
        assert isinstance(scenario, Scenario) and problems == []
        return
    assert problems, "no scenario and no problem"
    lines = len(YAML_LINE_BREAK.split(text)) if text is not None else None
    for problem in problems:
        assert isinstance(problem, Problem)
        assert isinstance(problem.message, str) and problem.message.strip()
        assert problem.line is None or (isinstance(problem.line, int) and problem.line >= 1)
        if lines is not None and problem.line is not None:
            assert problem.line <= lines + 1, (problem, lines)
        assert str(problem)  # printable, as `crisisdrill scenario validate` prints it


# --- text ----------------------------------------------------------------------------------------

YAML_BITS = [
    ":",
    ": ",
    "- ",
    "-",
    " ",
    "  ",
    "\n",
    "\n  ",
    "\t",
    "[",
    "]",
    "{",
    "}",
    ",",
    "&a ",
    "*a",
    "&b ",
    "*b",
    "<<: *a",
    "!!str ",
    "!!int ",
    "!!float ",
    "!!binary ",
    "!!timestamp ",
    "!!set ",
    "!!omap ",
    "!!python/name:x",
    "'",
    '"',
    "#",
    "|",
    ">",
    "? ",
    "%YAML 1.1\n",
    "---\n",
    "...\n",
    "@",
    "`",
    "\\",
    "\x00",
    "\ufeff",
    "\u2028",
    "2020-13-45",
    "2024-01-01",
    "12:30:00",
    "0x",
    "0o17",
    "1e999",
    ".nan",
    ".inf",
    "-.inf",
    "~",
    "null",
    "yes",
    "id",
    "title",
    "injects",
    "personas",
    "duration",
    "at",
    "escalate",
    "when",
    "inject",
    "to",
    "rubric",
    "10m",
    "9" * 50,
    "{organisation.name}",
    "{x}",
    "é",
    "🔥",
]
yaml_ish = st.lists(st.sampled_from(YAML_BITS) | st.text(max_size=6), max_size=40).map("".join)


@FUZZ
@given(text=st.text(max_size=400))
def test_any_text(text: str) -> None:
    assert_outcome(parse_scenario(text, "fuzz.yaml"), text)


@FUZZ
@given(text=yaml_ish)
def test_yaml_ish_text(text: str) -> None:
    assert_outcome(parse_scenario(text, "fuzz.yaml"), text)


@FUZZ_MINI
@given(
    cut=st.lists(st.integers(0, MINI_TEXT.count("\n")), max_size=4),
    insert=st.lists(st.tuples(st.integers(0, len(MINI_TEXT)), st.sampled_from(YAML_BITS)), max_size=4),
)
def test_damaged_mini_scenario(cut: list[int], insert: list[tuple[int, str]]) -> None:
    """A real scenario with lines dropped and YAML punctuation typed in at random places."""
    lines = MINI_TEXT.splitlines(keepends=True)
    lines = [line for n, line in enumerate(lines) if n not in cut]
    text = "".join(lines)
    for position, bit in sorted(insert, reverse=True):
        text = text[:position] + bit + text[position:]
    assert_outcome(parse_scenario(text, "fuzz.yaml"), text)


# --- structures dumped to YAML -------------------------------------------------------------------

scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**30), max_value=10**30)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=20)
    | st.dates(min_value=dt.date(1, 1, 1))
    | st.sampled_from(["10m", "1h30m", "00:05:00", "-5m", "microblog", "team-1", "all", "@handle", "#1d4ed8"])
)
keys = st.text(max_size=12) | st.sampled_from(sorted({*MINI, *MINI["injects"][0], *MINI["personas"][0]}))
values = st.recursive(
    scalars,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(keys, children, max_size=5),
    max_leaves=25,
)


def dump(data: Any) -> str:
    return yaml.dump(data, Dumper=DUMPER, allow_unicode=True, sort_keys=False)


@FUZZ
@given(data=values)
def test_any_structure(data: Any) -> None:
    text = dump(data)
    assert_outcome(parse_scenario(text, "fuzz.yaml"), text)


def paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix]
    if isinstance(node, dict):
        for key, value in node.items():
            found += paths(value, (*prefix, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found += paths(value, (*prefix, index))
    return found


MINI_PATHS = paths(MINI)[1:]


def mutate(data: Any, path: tuple[Any, ...], action: str, value: Any) -> None:
    """Change ``data`` in place at ``path``; nothing when an earlier change removed the path."""
    parent = data
    try:
        for part in path[:-1]:
            parent = parent[part]
        current = parent[path[-1]]
    except (KeyError, IndexError, TypeError):
        return
    last = path[-1]
    if action == "delete":
        del parent[last]
    elif action == "replace":
        parent[last] = value
    elif action == "duplicate" and isinstance(parent, list):
        parent.append(current)
    elif action == "add" and isinstance(parent, dict):
        parent[f"{last}_extra"] = value
    else:
        parent[last] = [value, current]


@FUZZ_MINI
@given(
    changes=st.lists(
        st.tuples(
            st.sampled_from(MINI_PATHS),
            st.sampled_from(["delete", "replace", "replace", "duplicate", "add", "wrap"]),
            values,
        ),
        min_size=1,
        max_size=3,
    )
)
def test_mutated_mini_scenario(changes: list[tuple[tuple[Any, ...], str, Any]]) -> None:
    """The real scenario with one to three fields deleted, replaced, duplicated or wrapped: reaches the
    cross-reference checks (personas, escalations, cycles, timing) with odd values."""
    data = copy.deepcopy(MINI)
    for path, action, value in changes:
        mutate(data, path, action, value)
    text = dump(data)
    assert_outcome(parse_scenario(text, "fuzz.yaml"), text)


@FUZZ_MINI
@given(
    duration=scalars,
    at=scalars,
    reply_within=scalars,
    escalate_after=scalars,
    weights=st.dictionaries(st.sampled_from(["speed", "consistency", "coverage", "speed_target"]), scalars),
)
def test_odd_numbers_and_durations(duration, at, reply_within, escalate_after, weights) -> None:
    data = copy.deepcopy(MINI)
    data["duration"] = duration
    data["injects"][1]["at"] = at
    data["injects"][0]["reply_within"] = reply_within
    data["injects"][0]["escalate"][0]["after"] = escalate_after
    data["scoring"] = weights
    text = dump(data)
    scenario, problems = parse_scenario(text, "fuzz.yaml")
    assert_outcome((scenario, problems), text)
    if scenario is not None:  # whatever was accepted is a finite duration the engine can use
        assert math.isfinite(scenario.duration) and scenario.duration > 0


# --- the YAML the fuzzers rarely write, checked by hand --------------------------------------------


def test_hostile_yaml_is_reported_not_crashed_on() -> None:
    laughs = "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{name}: &{name} [{', '.join([f'*{prev}'] * 10)}]\n"
        for prev, name in zip("abcdefgh", "bcdefghi", strict=True)
    )
    cases = {
        "a: &a [*a]": "alias refers to the anchor that contains it",
        "a: &a {b: *a}": "alias refers to the anchor that contains it",
        laughs: "aliases expand to more than",
        "[" * (MAX_DEPTH + 5) + "]" * (MAX_DEPTH + 5): f"nested more than {MAX_DEPTH} levels deep",
        "[" * 5000: f"nested more than {MAX_DEPTH} levels deep",
        "a: " + "1" * 5000: "a number of 5000 characters",
        "a: 0x" + "f" * 5000: "a number of 5002 characters",
        "at: 2024-13-45": "month must be in 1..12",
        "x: !!float abc": "could not convert string to float",
        "x: !!int abc": "invalid literal",
        "duration: .inf": "duration: expected a duration of at most 1,000,000,000 seconds, got inf",
        "duration: .nan": "duration: expected a duration of at most 1,000,000,000 seconds, got nan",
        dump(dict(MINI, duration=10**400)): "invalid YAML: a number of 401 characters",
        dump(dict(MINI, duration=10**39)): "duration: expected a duration of at most",
        dump(dict(MINI, duration="9" * 400 + "s")): "duration: expected a duration of at most",
    }
    for text, message in cases.items():
        scenario, problems = parse_scenario(text, "hostile.yaml")
        assert_outcome((scenario, problems), text)
        assert any(message in str(p) for p in problems), (text[:60], [str(p) for p in problems][:3])
    at_inf = copy.deepcopy(MINI)
    at_inf["injects"][1]["at"] = float("inf")
    _, problems = parse_scenario(dump(at_inf))
    assert [(p.field, p.message) for p in problems] == [
        ("injects[1].at", "expected a duration of at most 1,000,000,000 seconds, got inf")
    ]
    assert problems[0].line is not None


def test_a_long_cycle_of_escalations_is_reported_once() -> None:
    """1,100 injects escalating in a ring: deeper than Python's recursion limit, one problem."""
    injects = [
        {"id": f"i{n}", "channel": "microblog", "from": "jdoe", "text": "t"}
        | {"escalate": [{"when": "unanswered", "after": "1m", "inject": f"i{(n + 1) % 1100}"}]}
        for n in range(1100)
    ]
    _, problems = parse_scenario(dump(dict(MINI, injects=injects)))
    cycles = [p for p in problems if "escalations form a cycle" in p.message]
    assert len(cycles) == 1 and cycles[0].message.startswith("escalations form a cycle: i0 → i1 → i2")


@FUZZ
@given(content=st.binary(max_size=300))
def test_any_file(tmp_path_factory: Any, content: bytes) -> None:
    path: Path = tmp_path_factory.mktemp("fuzz") / "scenario.yaml"
    path.write_bytes(content)
    assert_outcome(check_scenario_file(path))


def test_files_that_cannot_be_read(tmp_path: Path) -> None:
    for path in (tmp_path / "missing.yaml", tmp_path):
        assert_outcome(check_scenario_file(path))
