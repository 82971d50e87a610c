"""MSEL spreadsheets: every shipped scenario survives CSV and XLSX (and YAML) unchanged, and a
hand-written sheet with mistakes gets every one of them reported with its sheet, row and column."""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook, load_workbook

from simulator.engine import msel
from simulator.engine.loader import load_library, parse_scenario
from simulator.engine.scenario import Escalation, MoodRules, Phrase, Reaction, Scenario
from tests.factories import DATA, gen_scenario

SHIPPED = Path(__file__).resolve().parents[2] / "scenarios"
LIBRARY, LIBRARY_PROBLEMS = load_library(SHIPPED)
TIME = "is not +HH:MM:SS (the time from the start of the exercise, e.g. +00:05:00)"


def every_scenario() -> list[Scenario]:
    assert not LIBRARY_PROBLEMS and len(LIBRARY) >= 6
    return [*LIBRARY.values(), gen_scenario()]


def problems_of(found: list) -> list[tuple[int | None, str, str]]:
    return [(p.line, p.field, p.message) for p in found]


def assert_problems(found: list, expected: list[tuple[int | None, str, str]]) -> None:
    """``expected``: (line, field, substring of the message), in order; nothing else reported."""
    got = problems_of(found)
    assert len(got) == len(expected), "\n".join(map(str, found))
    for (line, where, message), (want_line, want_where, want) in zip(got, expected, strict=True):
        assert (line, where) == (want_line, want_where), "\n".join(map(str, found))
        assert want in message, f"{where}: {message!r} lacks {want!r}"


# --- round trips -----------------------------------------------------------------------------------


@pytest.mark.parametrize("scenario", every_scenario(), ids=lambda s: s.id)
def test_every_shipped_scenario_survives_csv_xlsx_and_yaml(scenario):
    back, problems = msel.parse_csv(msel.export(scenario, "csv"), f"{scenario.id}.csv")
    assert problems == [] and back == scenario
    back, problems = msel.parse_xlsx(msel.export(scenario, "xlsx"), f"{scenario.id}.xlsx")
    assert problems == [] and back == scenario
    back, problems = parse_scenario(msel.to_yaml(scenario))
    assert problems == [] and back == scenario


def test_the_round_trips_cover_reactions_and_mood():
    """Every shipped scenario has reaction rules and a tuned mood, so the round trips above check them."""
    for scenario in LIBRARY.values():
        assert 6 <= len(scenario.reactions) <= 10, scenario.id
        assert scenario.mood != MoodRules(), scenario.id


def test_the_csv_header_keeps_the_mood_that_differs_from_the_defaults_and_every_reaction():
    scenario = LIBRARY["ceo-scandal"]
    lines = msel.to_csv(scenario).splitlines()
    header = lines[: lines.index(",".join(c.name for c in msel.INJECT_COLUMNS))]
    mood = header.index("# mood:")
    assert header[mood + 1 : mood + 7] == [
        "#   start: 30",
        "#   visible_to_teams: true",
        "#   heat_per_minute: 1.5",
        "#   red_flag: 15",
        "#   cool_per_minute: 0.4",
        "# facts:",
    ]  # key_point_relief is 8, the default: left out
    reactions = header.index("# reactions:")
    assert header[reactions + 1 : reactions + 4] == [
        "#   - when: covers_key_points",
        "#     from: buzz",
        "#     injects:",
    ]
    assert sum(line.startswith("#   - when: ") for line in header[reactions:]) == len(scenario.reactions)
    plain = gen_scenario()
    assert not any(line.startswith(("# mood", "# reactions")) for line in msel.to_csv(plain).splitlines())


def test_the_csv_is_a_yaml_header_then_one_row_per_inject():
    text = msel.to_csv(gen_scenario())
    lines = text.splitlines()
    assert lines[0].startswith("## Crisis Drill scenario") and "# id: mini-drill" in lines
    header = lines.index(",".join(c.name for c in msel.INJECT_COLUMNS))
    assert all(line.startswith(("#", '"#')) for line in lines[:header])
    assert lines[header + 1] == (
        "+00:01:00,first-post,jdoe,microblog,all,3,,Is it true that {organisation.name} batteries catch "
        "fire?,yes,5m,acknowledge: Acknowledges | we are aware | we know,no-comment: Refuses to comment | "
        'no comment,"unanswered 3m -> outrage'
    )
    assert lines[header + 2] == 'red_flag no-comment -> backlash"'  # a cell of two lines
    assert "+00:04:00,regulator-call,reg,phone,team-2,2," in text
    assert "\n,outrage,jdoe,microblog,all,1,,Still no answer" in text  # no time: fired by escalation


def test_the_workbook_has_the_msel_first_then_scenario_personas_facts_and_reactions():
    book = load_workbook(io.BytesIO(msel.to_xlsx(LIBRARY["ceo-scandal"])))
    assert book.sheetnames == ["injects", "scenario", "personas", "facts", "reactions"]
    injects = list(book["injects"].iter_rows(values_only=True))
    assert injects[0] == tuple(c.name for c in msel.INJECT_COLUMNS)
    assert injects[1][:5] == ("+00:00:00", "video-viral", "eastside", "microblog", "all")
    scenario = dict(list(book["scenario"].iter_rows(values_only=True))[1:])
    assert scenario["id"] == "ceo-scandal" and scenario["duration"] == "1h"
    assert scenario["scoring.speed"] == 50 and scenario["tags"].startswith("leadership, video")
    assert book["personas"]["A1"].value == "id" and book["personas"].max_row == 20
    assert scenario["mood.start"] == 30 and scenario["mood.visible_to_teams"] == "yes"
    assert scenario["mood.key_point_relief"] == 8 and scenario["mood.reach_reference"] == 10000
    reactions = list(book["reactions"].iter_rows(values_only=True))
    assert reactions[0] == (
        "when", "from", "after", "injects", "flag", "min_key_points", "channel", "mood", "expects_reply",
        "reply_within", "severity", "limit", "text",
    )  # fmt: skip
    assert reactions[1][:8] == ("covers_key_points", "buzz", "2m", "video-viral, silence-noticed", None, None,
                                "microblog", -6)  # fmt: skip
    assert reactions[7][:12] == ("red_flag", "author", "2m", "channel7-call", "dismissed-claim", None, None, 6,
                                 "yes", "4m", 3, None)  # fmt: skip
    assert len(reactions) == 11


# --- cells -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("seconds", "cell"),
    [(0, "+00:00:00"), (300, "+00:05:00"), (3725, "+01:02:05"), (90000, "+25:00:00"), (61.5, "+00:01:01.5")],
)
def test_time_cells_read_back_exactly(seconds, cell):
    assert msel.time_cell(seconds) == cell
    assert msel.parse_time(cell) == seconds


@pytest.mark.parametrize("value", ["5 min", "5m", "300", "00:61:00", "-00:05:00", "+5"])
def test_the_time_column_wants_hh_mm_ss(value):
    with pytest.raises(msel.CellError, match=r"is not \+HH:MM:SS"):
        msel.parse_time(value)


def test_spreadsheet_time_values_are_read():
    assert msel.parse_time(dt.time(0, 5, 30)) == 330
    assert msel.parse_time(dt.timedelta(hours=26)) == 93600
    assert msel.parse_time("0:05:00") == 300  # what a spreadsheet program writes back


def test_rubric_cells_escape_bars_backslashes_and_newlines():
    items = [Phrase(id="odd", label="A | B\nC", phrases=["x \\ y", "p|q", "a\\nb"])]
    cell = msel.rubric_cell(items)
    assert cell == "odd: A \\| B\\nC | x \\\\ y | p\\|q | a\\\\nb"
    parsed, numbers, problems = msel.parse_rubric(cell)
    assert [Phrase.model_validate(p) for p in parsed] == items and numbers == [1] and problems == []


def test_escalation_cells_short_and_long_forms():
    rules, _, problems = msel.parse_escalate(
        "unanswered 5m -> a\nred_flag no-comment → b\nunanswered after 1h 30m -> c\n"
        "red_flag no-comment after 2m -> d\nunanswered 90s flag f -> e\n\nRed-Flag x -> f"
    )
    assert problems == []
    assert [Escalation.model_validate(r) for r in rules] == [
        Escalation(when="unanswered", after=300, inject="a"),
        Escalation(when="red_flag", flag="no-comment", inject="b"),
        Escalation(when="unanswered", after=5400, inject="c"),
        Escalation(when="red_flag", flag="no-comment", after=120, inject="d"),
        Escalation(when="unanswered", after=90, flag="f", inject="e"),
        Escalation(when="red_flag", flag="x", inject="f"),
    ]
    assert msel.escalate_cell([Escalation.model_validate(r) for r in rules]).splitlines()[3] == (
        "red_flag no-comment after 2m -> d"
    )


# --- a hand-written CSV ----------------------------------------------------------------------------

HEADER = """\
## A hand-written MSEL
# id: hand-made
# title: Hand made
# summary: A drill.
# briefing: You are the cell.
# duration: 10m
# organisation: {name: Acme, handle: "@acme"}
# personas:
#   - {id: jdoe, name: Jane, handle: "@jdoe", kind: journalist}
"""


def test_a_hand_written_csv_with_aliases_notes_and_blank_rows_is_read():
    text = HEADER + (
        "Time,Inject,Persona,Channel,Audience,Text,Reply window,Expects reply,Key points,Notes,Escalation\n"
        "+00:01:00,first,jdoe,microblog,all,Hello?,5m,yes,ack: Acknowledges | we are aware,"
        "call legal first,unanswered 3m -> follow\n"
        ",,,,,,,,,,\n"
        ',follow,jdoe,email,"team-1, team-3",Still nothing,,,,,\n'
    )
    scenario, problems = msel.parse_csv(text, "hand.csv")
    assert problems == []
    assert [i.id for i in scenario.injects] == ["first", "follow"]
    assert scenario.injects[0].reply_within == 300 and scenario.injects[0].expects_reply
    assert scenario.injects[0].escalate == [Escalation(when="unanswered", after=180, inject="follow")]
    assert scenario.injects[1].to == ["team-1", "team-3"] and scenario.injects[1].at is None


def test_every_problem_of_a_hand_written_csv_names_its_row_and_column():
    text = HEADER + (
        "time,id,persona,channel,audience,text,reply window,expects_reply,key_points,red_flags,escalation\n"
        "+00:01:00,first,jdoe,microblog,all,Hello?,5m,yes,ack: Acknowledges | we are aware,"
        "no-comment: Refuses | no comment,unanswered 3m -> follow\n"
        "5 min,second,jdoe,social,all,Second,,,,,\n"
        "+00:20:00,third,jane,email,team-x,Third,,,Acknowledges the issue,,red_flag nope -> first\n"
        ",follow,jdoe,microblog,,,,maybe,,,soon\n"
    )
    scenario, problems = msel.parse_csv(text, "hand.csv")
    assert scenario is None
    assert_problems(
        problems,
        [
            (12, "injects row 3, column time", f"'5 min' {TIME}"),
            (13, "injects row 4, column time", "20m is beyond the scenario duration (10m)"),
            (
                13,
                "injects row 4, column persona",
                "unknown persona 'jane'; expected one of the personas' ids: jdoe",
            ),
            (13, "injects row 4, column audience", "unknown team slot(s) team-x"),
            (13, "injects row 4, column key_points, item 1", "expected 'id: label | phrase | phrase …'"),
            (
                13,
                "injects row 4, column escalation, rule 1 (flag)",
                "unknown red flag 'nope'; this inject has no",
            ),
            (14, "injects row 5, column text", "required; the cell is empty"),
            (14, "injects row 5, column expects_reply", "input should be a valid boolean"),
            (14, "injects row 5, column escalation, rule 1", "expected 'unanswered 5m -> inject-id' or"),
        ],
    )
    assert str(problems[0]) == f"hand.csv:12: injects row 3, column time: '5 min' {TIME}"


def test_problems_in_the_csv_header_have_the_file_line_and_the_yaml_field():
    text = (
        HEADER.replace('handle: "@jdoe"', 'handle: "jdoe"').replace("duration: 10m", "duration: ten")
        + "# injects: []\n"
        + "time,id,from,chanel,text\n+00:01:00,first,jdoe,microblog,Hi\n"
    )
    _, problems = msel.parse_csv(text, "hand.csv")
    assert_problems(
        problems,
        [
            (6, "duration", "expected a duration like"),
            (9, "personas[0].handle", "expected a handle such as @acme_news"),
            (10, "injects", "injects go in the table below the # lines"),
            (11, "injects row 1, column chanel", "unknown column; expected one of: time, id, from, channel"),
            (11, "injects row 1", "missing column channel"),
        ],
    )


def test_a_csv_without_a_usable_header_says_so_and_still_checks_the_table():
    _, problems = msel.parse_csv("time,id,from,channel,text\n5m,a,b,memo,Hi\n", "bare.csv")
    assert_problems(
        problems,
        [
            (1, "", "no scenario header: the file must start with # lines"),
            (2, "injects row 2, column time", TIME),
        ],
    )
    _, problems = msel.parse_csv("# id: x\n# title: [unclosed\ntime,id,from,channel,text\n", "bad.csv")
    assert_problems(problems, [(2, "", "invalid YAML in the # lines: while parsing a flow sequence")])
    _, problems = msel.parse_csv(b"\xff\xfe# id: x", "utf16.csv")
    assert "not UTF-8 text" in problems[0].message


def test_what_spreadsheet_programs_do_to_a_csv_is_undone():
    scenario = gen_scenario()
    lines = msel.to_csv(scenario).splitlines()
    header = lines.index(",".join(c.name for c in msel.INJECT_COLUMNS))
    padded = [(line + ",,,,") if line.startswith("#") else line for line in lines[:header]]
    table = "\n".join(lines[header:]).replace("+00:01:00", "0:01:00")  # a program's own time format
    back, problems = msel.parse_csv("\ufeff" + "\n".join(padded) + "\n" + table + "\n", "saved.csv")
    assert problems == [] and back == scenario


def test_semicolon_separated_csv_is_read():
    scenario = gen_scenario()
    text = msel.to_csv(scenario)
    lines = text.splitlines(keepends=True)
    header = next(i for i, line in enumerate(lines) if line.startswith("time,"))
    rows = list(csv.reader(io.StringIO("".join(lines[header:]))))
    out = io.StringIO()
    csv.writer(out, delimiter=";", lineterminator="\n").writerows(rows)
    back, problems = msel.parse_csv("".join(lines[:header]) + out.getvalue(), "semicolons.csv")
    assert problems == [] and back == scenario


# --- a hand-written workbook -----------------------------------------------------------------------


def workbook(**sheets: list[list]) -> bytes:
    book = Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


SCENARIO_SHEET = [
    ["key", "value"],
    ["id", "hand-made"],
    ["title", "Hand made"],
    ["summary", "A drill."],
    ["briefing", "You are the cell."],
    ["duration", "10m"],
    ["organisation.name", "Acme"],
    ["organisation.handle", "@acme"],
]
PERSONAS_SHEET = [
    ["id", "name", "handle", "kind", "followers", "verified"],
    ["jdoe", "Jane", "@jdoe", "journalist", 1200, True],
]


def test_a_hand_written_workbook_is_read_with_spreadsheet_values():
    content = workbook(
        Injects=[
            ["Time", "Inject", "Persona", "Channel", "Text", "Severity", "Expects reply", "Reply window"],
            [dt.time(0, 2), "first", "jdoe", "microblog", "Hi", 2.0, True, dt.time(0, 5)],
            [None, "second", "jdoe", "memo", 1984, None, None, None],
        ],
        Scenario=SCENARIO_SHEET,
        Personas=PERSONAS_SHEET,
    )
    scenario, problems = msel.parse_xlsx(content, "hand.xlsx")
    assert problems == []
    first, second = scenario.injects
    assert (first.at, first.severity, first.expects_reply, first.reply_within) == (120, 2, True, 300)
    assert second.text == "1984" and scenario.personas[0].followers == 1200 and scenario.facts == []


def test_every_problem_of_a_hand_written_workbook_names_its_sheet_row_and_column():
    content = workbook(
        injects=[
            ["time", "id", "from", "channel", "text", "severity", "chanel"],
            ["+00:01:00", "first", "jdoe", "microblog", "Hi", 2, None],
            ["+00:02:00", "second", "jdoe", "fax", "Hello", 5, None],
            ["5 min", "third", "jdoe", "memo", None, None, None],
            [None, None, None, None, None, None, None],
            ["+00:03:00", "fourth", "jdoe", "memo", "Text", 1, None, "stray"],
        ],
        scenario=[
            *SCENARIO_SHEET[:7],
            ["organisation.handle", "acme"],
            ["titel", "Typo"],
            ["title", "Again"],
        ],
    )
    scenario, problems = msel.parse_xlsx(content, "hand.xlsx")
    assert scenario is None
    assert_problems(
        problems,
        [
            (None, "injects row 1, column chanel", "unknown column; expected one of: time, id, from"),
            (None, "injects row 3, column channel", "expected one of 'microblog', 'social'"),
            (None, "injects row 3, column severity", "input should be less than or equal to 3, got 5"),
            (None, "injects row 4, column time", f"'5 min' {TIME}"),
            (None, "injects row 4, column text", "required; the cell is empty"),
            (None, "injects row 6, column 8", "a value in a column without a header"),
            (None, "scenario row 8 (organisation.handle)", "expected a handle such as @acme_news"),
            (None, "scenario row 9 (titel)", "unknown key; expected one of: id, title"),
            (None, "scenario row 10 (title)", "key given twice (first on row 3)"),
            (None, "personas", "missing sheet 'personas'; the workbook has: injects, scenario"),
        ],
    )
    assert str(problems[3]) == f"hand.xlsx: injects row 4, column time: '5 min' {TIME}"


def test_rubric_and_escalation_problems_point_at_the_line_in_the_cell():
    content = workbook(
        injects=[
            ["time", "id", "from", "channel", "text", "key_points", "red_flags", "escalate"],
            [
                "+00:01:00",
                "first",
                "jdoe",
                "microblog",
                "Hi",
                "no colon here\nack: Acknowledges\nack: Again | again",
                "flag: Flag | bad",
                "unanswered -> second\nred_flag flag -> first",
            ],
            [None, "second", "jdoe", "memo", "Follow-up", "ack: A | we know", "ack: B | no comment", None],
        ],
        scenario=SCENARIO_SHEET,
        personas=PERSONAS_SHEET,
    )
    _, problems = msel.parse_xlsx(content, "hand.xlsx")
    assert_problems(
        problems,
        [
            (None, "injects row 2, column key_points, item 1", "expected 'id: label | phrase | phrase …'"),
            (None, "injects row 2, column key_points, item 2 (phrases)", "needs at least 1 item"),
            (None, "injects row 2, column escalate, rule 1", 'an "unanswered" escalation needs "after"'),
            (None, "injects row 2, column escalate, rule 2 (inject)", "an inject cannot escalate to itself"),
            (None, "injects row 3, columns key_points and red_flags", "duplicate rubric id(s) ack"),
        ],
    )


RUBRIC_INJECTS = [
    ["time", "id", "from", "channel", "text", "expects_reply", "reply_within", "key_points", "red_flags"],
    [
        "+00:01:00",
        "first",
        "jdoe",
        "microblog",
        "Hi",
        "yes",
        "5m",
        "ack: Acknowledges | we are aware\nfix: Fix | we fix",
        "no-comment: Refuses | no comment",
    ],
    ["+00:02:00", "memo", "jdoe", "memo", "Internal", None, None, None, None],
]


def test_a_hand_written_workbook_reads_reactions_with_aliases_and_mood_keys():
    def book(injects_of_the_last_rule: str) -> bytes:
        return workbook(
            injects=RUBRIC_INJECTS,
            scenario=[*SCENARIO_SHEET, ["mood.start", 40], ["mood.visible_to_teams", "yes"], ["mood.red_flag", 7.5]],
            personas=PERSONAS_SHEET,
            Reactions=[
                ["When", "Persona", "Delay", "Injects", "Flag", "Min key points", "Mood", "Reply window", "Text", "Notes"],
                ["covers_key_points", "jdoe", dt.time(0, 2), "first", None, 2.0, -5, None, "Thanks.", "relief"],
                ["red_flag", "author", "90s", None, "no-comment", None, 10, None, "Really?", None],
                [None, None, None, None, None, None, None, None, None, None],
                ["vague", "author", None, injects_of_the_last_rule, None, None, None, "5m", "Be specific.", None],
            ],
        )  # fmt: skip

    scenario, problems = msel.parse_xlsx(book("first"), "hand.xlsx")
    assert problems == []
    assert scenario.mood == MoodRules(start=40, visible_to_teams=True, red_flag=7.5)
    assert scenario.reactions == [
        Reaction(when="covers_key_points", **{"from": "jdoe"}, after=120, injects=["first"], min_key_points=2,
                 mood=-5, text="Thanks."),
        Reaction(when="red_flag", **{"from": "author"}, after=90, flag="no-comment", mood=10, text="Really?"),
        Reaction(when="vague", **{"from": "author"}, injects=["first"], reply_within=300, text="Be specific."),
    ]  # fmt: skip
    _, problems = msel.parse_xlsx(book("first memo"), "hand.xlsx")  # ids separated by spaces are read too
    assert_problems(
        problems,
        [(None, "reactions row 5, column Injects, item 2", "inject 'memo' has no key points, so a vague")],
    )


def test_every_problem_of_a_reactions_sheet_names_its_row_and_column():
    content = workbook(
        injects=RUBRIC_INJECTS,
        scenario=[*SCENARIO_SHEET, ["mood.start", 150], ["mood.heat", 2]],
        personas=PERSONAS_SHEET,
        reactions=[
            [
                "when",
                "from",
                "after",
                "injects",
                "flag",
                "min_key_points",
                "mood",
                "expects_reply",
                "text",
                "colour",
            ],
            ["sometimes", "jdoe", "1m", None, None, None, None, None, "Hm."],
            ["any_reply", "jane", "soon", "first, frist", None, None, 80, None, "Hi {team}"],
            ["red_flag", "author", None, "first", "denial", None, None, None, "Really?"],
            ["covers_key_points", "jdoe", None, "first", None, 3, None, None, "Thanks."],
            ["vague", "author", None, "memo", None, None, None, "yes", "Could you be specific?"],
            ["any_reply", "jdoe", None, None, None, None, None, None, None],
        ],
    )
    scenario, problems = msel.parse_xlsx(content, "hand.xlsx")
    assert scenario is None
    assert_problems(
        problems,
        [
            (None, "scenario row 9 (mood.start)", "input should be less than or equal to 100, got 150"),
            (None, "scenario row 10 (mood.heat)", "unknown key; expected one of: id, title"),
            (None, "reactions row 1, column colour", "unknown column; expected one of: when, from, after"),
            (
                None,
                "reactions row 2, column when",
                "expected one of 'covers_key_points', 'red_flag', 'vague'",
            ),
            (None, "reactions row 3, column from", "unknown persona 'jane'; expected author (the persona of"),
            (None, "reactions row 3, column after", "expected a duration like"),
            (
                None,
                "reactions row 3, column injects, item 2",
                "unknown inject 'frist'; expected the id of an",
            ),
            (None, "reactions row 3, column mood", "input should be less than or equal to 50, got 80"),
            (None, "reactions row 3, column text", "unknown placeholder {team}"),
            (
                None,
                "reactions row 4, column flag",
                "unknown red flag 'denial' for inject 'first'; expected one",
            ),
            (
                None,
                "reactions row 5, column min_key_points",
                "3 is more than the key points of inject 'first' (2)",
            ),
            (None, "reactions row 6", 'a reaction that expects a reply needs "reply_within"'),
            (
                None,
                "reactions row 6, column injects, item 1",
                "inject 'memo' has no key points, so a vague rule",
            ),
            (None, "reactions row 7, column text", "required; the cell is empty"),
        ],
    )


def test_reaction_problems_in_the_csv_header_have_the_file_line_and_the_yaml_field():
    text = HEADER + (
        "# mood: {start: 20, cool: 1}\n"
        "# reactions:\n"
        "#   - {when: any_reply, from: jane, text: Hi}\n"
        "#   - {when: covers_key_points, from: author, injects: [first], text: Thanks}\n"
        "time,id,from,channel,text\n+00:01:00,first,jdoe,microblog,Hi\n"
    )
    _, problems = msel.parse_csv(text, "hand.csv")
    assert_problems(
        problems,
        [
            (10, "mood.cool", "unknown field; expected one of: cool_per_minute, heat_per_minute"),
            (12, "reactions[0].from", "unknown persona 'jane'; expected author"),
            (13, "reactions[1].injects[0]", "inject 'first' has no key points, so a covers_key_points rule"),
        ],
    )


def test_files_that_are_not_workbooks_are_refused():
    assert "not an XLSX workbook" in msel.parse_xlsx(b"hello", "x.xlsx")[1][0].message
    assert msel.read_scenario(b"hello", "notes.txt")[2][0].message.startswith("unknown file type")
    scenario = gen_scenario()
    found, text, problems = msel.read_scenario(msel.to_xlsx(scenario), "no-extension")
    assert problems == [] and found == scenario and text == msel.to_yaml(scenario)
    original = (DATA / "mini.yaml").read_bytes()
    found, text, problems = msel.read_scenario(original, "mini.yaml")
    assert found == scenario and text == original.decode()  # YAML keeps its comments


# --- property: any valid scenario survives ---------------------------------------------------------

_CHARS = st.characters(
    blacklist_categories=("Cs", "Cc", "Cf", "Co", "Cn", "Zl", "Zp"), blacklist_characters="{}"
)
TEXT = st.text(_CHARS | st.sampled_from(list("\n|\\,;\"#:->='")), max_size=24)
TEXTS = TEXT.map(str.strip).filter(bool)
SECONDS = st.integers(0, 7200) | st.floats(0, 7200, allow_nan=False).map(lambda x: round(x, 3))
WINDOW = st.integers(1, 900) | st.floats(0.5, 900).map(lambda x: round(x, 2))
HANDLE = st.from_regex(r"@[A-Za-z0-9_]{1,12}", fullmatch=True)


@st.composite
def scenarios(draw: st.DrawFn) -> Scenario:
    personas = [
        {
            "id": f"p{i}",
            "name": draw(TEXTS),
            "handle": draw(HANDLE),
            "kind": draw(st.sampled_from(["customer", "journalist", "troll", "official"])),
            "followers": draw(st.integers(0, 10**7)),
            "verified": draw(st.booleans()),
            "bio": draw(st.just("") | TEXTS),
            **({"email": draw(TEXTS)} if draw(st.booleans()) else {}),
        }
        for i in range(draw(st.integers(1, 3)))
    ]
    count = draw(st.integers(1, 4))
    duration = draw(st.integers(60, 7200))
    injects = []
    for i in range(count):
        flags = [
            {"id": f"f{k}", "label": draw(TEXTS), "phrases": draw(st.lists(TEXTS, min_size=1, max_size=3))}
            for k in range(draw(st.integers(0, 2)))
        ]
        points = [
            {"id": f"k{k}", "label": draw(TEXTS), "phrases": draw(st.lists(TEXTS, min_size=1, max_size=3))}
            for k in range(draw(st.integers(0, 2)))
        ]
        rules = []
        for target in range(i + 1, count):  # only forward: no cycles
            if draw(st.booleans()):
                rules.append({"when": "unanswered", "after": draw(WINDOW), "inject": f"i{target}"})
            elif flags and draw(st.booleans()):
                rules.append(
                    {"when": "red_flag", "flag": draw(st.sampled_from(flags))["id"], "inject": f"i{target}"}
                )
        expects = draw(st.booleans())
        injects.append(
            {
                "id": f"i{i}",
                **({"at": min(draw(SECONDS), duration)} if draw(st.booleans()) else {}),
                "channel": draw(st.sampled_from(["microblog", "social", "news", "email", "phone", "memo"])),
                "from": draw(st.sampled_from(personas))["id"],
                **({"subject": draw(TEXTS)} if draw(st.booleans()) else {}),
                "text": draw(TEXTS) + draw(st.sampled_from(["", " {organisation.name}", " {team.name}"])),
                "to": draw(
                    st.just("all")
                    | st.lists(st.sampled_from(["team-1", "team-2", "team-3"]), min_size=1, max_size=3)
                ),
                "expects_reply": expects,
                **({"reply_within": draw(WINDOW)} if expects or draw(st.booleans()) else {}),
                "severity": draw(st.integers(1, 3)),
                "rubric": {"key_points": points, "red_flags": flags},
                "escalate": rules,
            }
        )
    speed = draw(st.integers(0, 100))
    reactions = [draw(reaction_rules(personas, injects)) for _ in range(draw(st.integers(0, 3)))]
    mood = {
        key: draw(strategy)
        for key, strategy in (
            ("start", st.integers(0, 100) | st.floats(0, 100).map(lambda x: round(x, 2))),
            ("visible_to_teams", st.booleans()),
            ("heat_per_minute", st.floats(0, 50).map(lambda x: round(x, 3))),
            ("reach_reference", st.integers(1, 10**6)),
            ("red_flag", st.integers(0, 100)),
            ("cool_per_minute", st.floats(0, 50).map(lambda x: round(x, 3))),
        )
        if draw(st.booleans())
    }
    return Scenario.model_validate(
        {
            "id": "prop",
            "title": draw(TEXTS),
            "language": draw(st.sampled_from(["en", "fr"])),
            "summary": draw(TEXTS),
            "briefing": draw(TEXTS),
            "duration": duration,
            "organisation": {
                "name": draw(TEXTS),
                "handle": draw(HANDLE),
                **({"website": draw(TEXTS)} if draw(st.booleans()) else {}),
            },
            "facts": [{"id": f"fact-{i}", "text": draw(TEXTS)} for i in range(draw(st.integers(0, 2)))],
            "personas": personas,
            "injects": injects,
            "scoring": {
                "speed": speed,
                "consistency": 100 - speed,
                "speed_target": draw(st.floats(0.01, 0.99).map(lambda x: round(x, 4))),
                "tone": draw(st.integers(1, 100)),
            },
            "tags": draw(st.lists(st.from_regex(r"[a-z][a-z ,-]{0,10}[a-z]", fullmatch=True), max_size=3)),
            "mood": mood,
            "reactions": reactions,
        }
    )


@st.composite
def reaction_rules(draw: st.DrawFn, personas: list[dict], injects: list[dict]) -> dict:
    """A reaction rule that the validator accepts for these personas and injects."""
    trolls = {p["id"] for p in personas if p["kind"] == "troll"}
    kinds = {
        "any_reply": injects,
        "covers_key_points": [i for i in injects if i["rubric"]["key_points"]],
        "vague": [i for i in injects if i["rubric"]["key_points"]],
        "red_flag": [i for i in injects if i["rubric"]["red_flags"]],
        "feeds_troll": [i for i in injects if i["from"] in trolls],
    }
    when = draw(st.sampled_from(sorted(k for k, fits in kinds.items() if fits)))
    only = draw(st.lists(st.sampled_from(kinds[when]), max_size=2, unique_by=lambda i: i["id"]))
    rule: dict = {
        "when": when,
        "from": draw(st.sampled_from(["author", *(p["id"] for p in personas)])),
        "text": draw(TEXTS) + draw(st.sampled_from(["", " {organisation.handle}", " {team.name}"])),
        "injects": [i["id"] for i in only],
    }
    if when == "red_flag" and draw(st.booleans()):
        flags = [
            f["id"] for f in (only[0] if only else draw(st.sampled_from(kinds[when])))["rubric"]["red_flags"]
        ]
        shared = [f for f in flags if all(f in [x["id"] for x in i["rubric"]["red_flags"]] for i in only)]
        if shared:
            rule["flag"] = draw(st.sampled_from(shared))
    if when == "covers_key_points" and draw(st.booleans()):
        most = min((len(i["rubric"]["key_points"]) for i in only), default=3)
        rule["min_key_points"] = draw(st.integers(1, most))
    if draw(st.booleans()):
        rule["after"] = draw(WINDOW)
    if draw(st.booleans()):
        rule["channel"] = draw(st.sampled_from(["microblog", "social", "news", "email", "phone", "memo"]))
    if draw(st.booleans()):
        rule["mood"] = draw(st.integers(-50, 50) | st.floats(-50, 50).map(lambda x: round(x, 2)))
    rule["expects_reply"] = draw(st.booleans())
    if rule["expects_reply"] or draw(st.booleans()):
        rule["reply_within"] = draw(WINDOW)
    rule["severity"] = draw(st.integers(1, 3))
    if draw(st.booleans()):
        rule["limit"] = draw(st.integers(1, 5))
    return rule


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios())
def test_any_scenario_survives_csv_and_yaml(scenario):
    back, problems = msel.parse_csv(msel.export(scenario, "csv"), "prop.csv")
    assert problems == [] and back == scenario
    back, problems = parse_scenario(msel.to_yaml(scenario))
    assert problems == [] and back == scenario


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios())
def test_any_scenario_survives_xlsx(scenario):
    back, problems = msel.parse_xlsx(msel.to_xlsx(scenario), "prop.xlsx")
    assert problems == [] and back == scenario


def test_the_csv_example_of_the_documentation_is_valid():
    doc = (SHIPPED.parent / "docs" / "scenario-format.md").read_text(encoding="utf-8")
    section = doc[doc.index("### The rest of the scenario in a CSV file") :]
    example = section[section.index("```text\n") + 8 : section.index("```\n", section.index("```text\n") + 8)]
    scenario, problems = msel.parse_csv(example, "docs.csv")
    assert problems == []
    assert [i.id for i in scenario.injects] == ["first-post", "troll-post", "still-silent", "stonewall"]
    assert scenario.injects[0].escalate[1] == Escalation(
        when="red_flag", flag="no-comment", inject="stonewall"
    )
