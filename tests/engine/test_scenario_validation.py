"""Scenario validation: every mistake in tests/data/malformed is reported with its line, field and what
was expected, all of them in one run, and `crisisdrill scenario validate` prints them and exits 1."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from simulator.cli import main
from simulator.engine.loader import check_scenario_file
from tests.factories import DATA

MALFORMED = DATA / "malformed"
MINI = DATA / "mini.yaml"

DURATION = 'expected a duration like "90s", "5m", "1h30m" or "HH:MM:SS"'
HANDLE = "expected a handle such as @acme_news (letters, digits, underscore)"
CHANNELS = "expected one of 'microblog', 'social', 'news', 'email', 'phone' or 'memo'"
KINDS = "expected one of 'customer', 'journalist', 'influencer', 'troll', 'employee'"
NEEDS_WINDOW = 'an inject that expects a reply needs "reply_within"'

# file name → every problem it must report, as (line, field, substring of the message).
# Field "" is a problem with the whole file (YAML syntax, not a mapping).
EXPECTED: dict[str, list[tuple[int, str, str]]] = {
    "yaml-bad-indent.yaml": [(3, "", "invalid YAML: mapping values are not allowed here")],
    "yaml-unclosed-quote.yaml": [(15, "", "invalid YAML: while scanning a quoted scalar")],
    "yaml-missing-colon.yaml": [(3, "", "could not find expected ':'")],
    "empty.yaml": [(1, "", "expected a mapping of scenario fields (id, title, …), got an empty file")],
    "top-level-list.yaml": [(1, "", "expected a mapping of scenario fields (id, title, …), got list")],
    "duplicate-yaml-key.yaml": [(15, "injects[0].at", "duplicate key (first given on line 11)")],
    "missing-required.yaml": [
        (2, "title", "missing required field"),
        (2, "injects", "missing required field"),
    ],
    "unknown-key.yaml": [
        (10, "injects[0].channel", "missing required field"),
        (12, "injects[0].chanel", "unknown field; expected one of: at, channel, escalate"),
    ],
    "unknown-persona.yaml": [
        (14, "injects[0].from", "unknown persona 'jane'; expected one of the personas' ids: jdoe, troll"),
    ],
    "duplicate-inject-id.yaml": [(15, "injects[1].id", "duplicate id 'first-post' in injects")],
    "duplicate-persona-id.yaml": [(10, "personas[2].id", "duplicate id 'jdoe' in personas")],
    "id-not-text.yaml": [
        (10, "personas[1].id", "input should be a valid string, got list"),
        (20, "injects[0].rubric.red_flags[0].id", "input should be a valid string, got dict"),
    ],
    "escalate-unknown-inject.yaml": [
        (16, "injects[0].escalate[0].inject", "escalation to unknown inject 'outrage'; expected the id"),
    ],
    "escalate-to-itself.yaml": [(18, "injects[0].escalate[0].inject", "cannot escalate to itself")],
    "escalation-cycle.yaml": [
        (21, "injects[1].escalate", "escalations form a cycle: step-a → step-b → step-c → step-a"),
    ],
    "at-beyond-duration.yaml": [(16, "injects[1].at", "15m is beyond the scenario duration (10m)")],
    "bad-durations.yaml": [
        (5, "duration", f"{DURATION}, got 'ten minutes'"),
        (11, "injects[0].at", f"{DURATION}, got '5x'"),
        (18, "injects[0].escalate[0].after", f"{DURATION}, got '3 min'"),
    ],
    "unknown-channel.yaml": [(12, "injects[0].channel", f"{CHANNELS}, got 'twitter'")],
    "unknown-persona-kind.yaml": [(11, "personas[0].kind", KINDS)],
    "wrong-types.yaml": [
        (12, "personas[0].followers", "should be a valid integer, unable to parse string as an integer"),
        (19, "injects[0].expects_reply", "should be a valid boolean, unable to interpret input, got 'maybe'"),
        (21, "injects[0].severity", "should be less than or equal to 3, got 7"),
    ],
    "empty-text.yaml": [(14, "injects[0].text", "must not be empty")],
    "reply-without-window.yaml": [(10, "injects[0]", NEEDS_WINDOW)],
    "unknown-red-flag.yaml": [
        (20, "injects[0].escalate[0].flag", "unknown red flag 'denial'; expected one of: no-comment"),
    ],
    "unknown-placeholder.yaml": [
        (4, "briefing", "unknown placeholder {team}; expected one of {organisation.handle}"),
        (14, "injects[0].text", "unknown placeholder {organisation.nme}; expected one of {organisation."),
        (19, "injects[1].subject", "unknown placeholder { team.name }"),  # with spaces: never replaced
    ],
    "bad-handle.yaml": [(10, "personas[0].handle", f"{HANDLE}, got 'jdoe_news'")],
    "to-not-a-list.yaml": [
        (14, "injects[0].to", "expected one of 'all' or a list (lines starting with '- '), got 'team-2'"),
        (20, "injects[1].to", "unknown team slot(s) blue-team; expected team-1, team-2"),
    ],
    "reaction-references.yaml": [
        (
            28,
            "reactions[0].from",
            "unknown persona 'jane'; expected author (the persona of the inject the reply",
        ),
        (29, "reactions[0].text", "unknown placeholder {team}; expected one of {organisation.handle}"),
        (35, "reactions[2].injects[1]", "unknown inject 'frist-post'; expected the id of an inject of this"),
    ],
    "reaction-unknown-red-flag.yaml": [
        (
            27,
            "reactions[0].flag",
            "unknown red flag 'denial' for inject 'first-post'; expected one of: no-comment",
        ),
        (
            28,
            "reactions[1].flag",
            "unknown red flag 'denial'; expected the id of a red flag of one of the injects: blame-rider, no-comment",
        ),
        (
            29,
            "reactions[2].flag",
            "unknown red flag 'blame-rider' for inject 'first-post'; expected one of: no-c",
        ),
    ],
    "reaction-never-fires.yaml": [
        (
            26,
            "reactions[0].injects[0]",
            "inject 'rider-post' has no key points, so a covers_key_points rule never",
        ),
        (27, "reactions[1].injects[1]", "inject 'rider-post' has no key points, so a vague rule never fires"),
        (
            28,
            "reactions[2].min_key_points",
            "3 is more than the key points of inject 'first-post' (2), so the rule never fires for it; expected at "
            "most 2",
        ),
        (
            30,
            "reactions[4].injects[0]",
            "inject 'first-post' has no red flags, so a red_flag rule never fires",
        ),
        (
            31,
            "reactions[5].injects[0]",
            "inject 'rider-post' is not from a troll, so a feeds_troll rule never",
        ),
        (
            32,
            "reactions[6].when",
            "no inject of this scenario is from a troll, so a feeds_troll rule never fires",
        ),
    ],
    "reaction-schema.yaml": [
        (18, "mood.start", "should be less than or equal to 100, got 120"),
        (
            19,
            "mood.heat",
            "unknown field; expected one of: cool_per_minute, heat_per_minute, key_point_relief",
        ),
        (
            21,
            "reactions[0].when",
            "expected one of 'covers_key_points', 'red_flag', 'vague', 'feeds_troll' or 'an",
        ),
        (24, "reactions[1].text", "missing required field"),
        (26, "reactions[2]", '"flag" only applies to when: red_flag'),
        (30, "reactions[3]", 'a reaction that expects a reply needs "reply_within"'),
        (37, "reactions[4].mood", "should be less than or equal to 50, got 80"),
        (38, "reactions[4].after", f"{DURATION}, got 'soon'"),
    ],
    "many-errors.yaml": [
        (2, "id", "expected a slug: lowercase letters, digits and dashes"),
        (3, "title", "must not be empty"),
        (7, "organisation.handle", f"{HANDLE}, got 'acmebikes'"),
        (7, "organisation.colour", "expected a colour such as #1d4ed8, got 'blue'"),
        (9, "personas[0].followers", "should be greater than or equal to 0, got -5"),
        (10, "personas[1].id", "duplicate id 'jdoe' in personas"),
        (10, "personas[1].handle", f"{HANDLE}, got '@john.doe'"),
        (10, "personas[1].kind", KINDS),
        (12, "injects[0]", NEEDS_WINDOW),
        (13, "injects[0].at", "12m is beyond the scenario duration (10m)"),
        (15, "injects[0].from", "unknown persona 'jane'"),
        (16, "injects[0].text", "unknown placeholder {organisation.nme}"),
        (18, "injects[0].severity", "should be greater than or equal to 1, got 0"),
        (19, "injects[0].to", "unknown team slot(s) red-team"),
        (21, "injects[0].escalate[0]", 'an "unanswered" escalation needs "after"'),
        (22, "injects[0].escalate[1].flag", "unknown red flag 'no-comment'; this inject has no red flags"),
        (22, "injects[0].escalate[1].inject", "cannot escalate to itself"),
        (24, "injects[1].channel", f"{CHANNELS}, got 'tiktok'"),
        (26, "injects[1].text", "must not be empty"),
        (27, "injects[1].chanel", "unknown field; expected one of:"),
    ],
}


def test_every_malformed_file_has_expectations():
    files = sorted(p.name for p in MALFORMED.glob("*.yaml"))
    assert files == sorted(EXPECTED)
    assert len(files) >= 18


@pytest.mark.parametrize(("name", "expected"), EXPECTED.items(), ids=list(EXPECTED))
def test_malformed_scenario_reports_each_problem_with_line_field_and_expectation(name, expected):
    scenario, problems = check_scenario_file(MALFORMED / name)

    assert scenario is None
    reported = "\n".join(str(p) for p in problems)
    for line, field, message in expected:
        assert any(p.line == line and p.field == field and message in p.message for p in problems), (
            f"missing line {line}, {field or '(file)'}: {message!r}; reported:\n{reported}"
        )
    # Nothing else: every problem of the file is one that was planted.
    assert sorted((p.line, p.field) for p in problems) == sorted((ln, f) for ln, f, _ in expected), reported


def test_problems_name_the_file():
    _, problems = check_scenario_file(MALFORMED / "unknown-channel.yaml")
    assert [p.source for p in problems] == [str(MALFORMED / "unknown-channel.yaml")]


def test_the_mini_scenario_is_valid():
    scenario, problems = check_scenario_file(MINI)
    assert problems == []
    assert scenario is not None and scenario.id == "mini-drill"


# --- the command --------------------------------------------------------------------------------


def validate(*paths):
    return CliRunner().invoke(main, ["scenario", "validate", *map(str, paths)])


def test_validate_prints_file_line_field_message_and_exits_1_for_a_bad_file():
    bad = MALFORMED / "unknown-persona.yaml"
    result = validate(bad)

    assert result.exit_code == 1
    assert f"{bad}:14: injects[0].from: unknown persona 'jane'; expected one of" in result.output


def test_validate_reports_a_whole_file_problem_with_its_line():
    empty = MALFORMED / "empty.yaml"
    result = validate(empty)

    assert result.exit_code == 1
    assert f"{empty}:1: (file): expected a mapping of scenario fields" in result.output


def test_validate_exits_0_for_a_valid_file():
    result = validate(MINI)

    assert result.exit_code == 0, result.output
    assert f"{MINI}: ok (mini-drill, 6 injects)" in result.output


def test_validate_a_valid_and_a_bad_file_prints_both_and_exits_1():
    bad = MALFORMED / "many-errors.yaml"
    result = validate(MINI, bad)

    assert result.exit_code == 1
    assert f"{MINI}: ok (mini-drill, 6 injects)" in result.output
    assert f"{bad}:2: id: expected a slug" in result.output
    assert f"{bad}:27: injects[1].chanel: unknown field" in result.output
    assert result.output.count(f"{bad}:") == len(EXPECTED["many-errors.yaml"])
    assert "1 of 2 file(s) invalid" in result.output
