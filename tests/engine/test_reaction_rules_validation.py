"""Reaction rules (``reactions:``) are checked against the whole scenario: their persona, the injects
they name, their red flag and key-point count, their placeholders, and whether they could fire at all;
each problem names its line and field. The shipped scenarios use the reactive crowd and the mood."""

from __future__ import annotations

from pathlib import Path

import pytest

from simulator.engine.loader import load_library, parse_scenario
from simulator.engine.scenario import MoodRules, PersonaKind, Reaction

SHIPPED = Path(__file__).resolve().parents[2] / "scenarios"

# 24 lines, so the first rule of ``reactions`` starts on line 26.
BASE = """\
id: reactions-drill
title: Reactions drill
summary: A drill to check reaction rules.
briefing: You are the communications cell of Acme Bikes.
duration: 10m
organisation: {name: Acme Bikes, handle: "@acmebikes"}
personas:
  - {id: jdoe, name: Jane Doe, handle: "@jdoe_news", kind: journalist}
  - {id: grumpy, name: Grumpy, handle: "@grumpy", kind: troll}
injects:
  - id: first-post
    at: 1m
    channel: microblog
    from: jdoe
    text: "Is it true that your batteries catch fire?"
    rubric:
      key_points: [{id: ack, label: Acknowledges, phrases: ["we are aware"]}, {id: fix, label: Fix, phrases: ["recall"]}]
      red_flags: [{id: no-comment, label: Refuses, phrases: ["no comment"]}, {id: blame, label: Blames, phrases: ["misuse"]}]
  - {id: second-post, at: 2m, channel: email, from: jdoe, text: "Any news?",
     rubric: {key_points: [{id: ack, label: Acknowledges, phrases: ["we are aware"]}], red_flags: [{id: no-comment, label: Refuses, phrases: ["no comment"]}]}}
  - {id: third-post, at: 3m, channel: email, from: jdoe, text: "And now?",
     rubric: {red_flags: [{id: spin, label: Spins, phrases: ["award-winning"]}]}}
  - {id: memo, at: 3m, channel: memo, from: jdoe, text: "Internal note."}
  - {id: troll-post, at: 4m, channel: microblog, from: grumpy, text: "LOL"}
reactions:
"""
FIRST_RULE_LINE = BASE.count("\n") + 1


def check(*rules: str) -> list[tuple[int | None, str, str]]:
    """(line, field, message) of every problem of BASE with these rules (one flow mapping each)."""
    text = BASE + "".join(f"  - {rule}\n" for rule in rules) if rules else BASE + "  []\n"
    scenario, problems = parse_scenario(text, "drill.yaml")
    assert (scenario is None) == bool(problems)
    return [(p.line, p.field, p.message) for p in problems]


def test_the_base_scenario_is_valid():
    assert FIRST_RULE_LINE == 26
    assert check() == []


@pytest.mark.parametrize(
    "rule",
    [
        "{when: any_reply, from: jdoe, text: Noted.}",
        "{when: any_reply, from: author, injects: [memo], text: Noted.}",  # any reply: key points not needed
        "{when: any_reply, from: jdoe, injects: [], text: Noted.}",
        "{when: feeds_troll, from: author, text: 'Ha! {organisation.handle} answers me.'}",
        "{when: feeds_troll, from: author, injects: [troll-post], limit: 2, text: Ha!}",
        "{when: covers_key_points, from: jdoe, text: 'Thanks, {team.name}.'}",
        "{when: covers_key_points, from: jdoe, injects: [first-post], min_key_points: 2, text: Thanks.}",
        "{when: covers_key_points, from: jdoe, min_key_points: 5, text: Thanks.}",  # all of each inject's
        "{when: vague, from: author, injects: [first-post, second-post], text: Which is it,"
        " expects_reply: true, reply_within: 5m, severity: 2}",
        "{when: red_flag, from: jdoe, text: Really}",
        "{when: red_flag, from: jdoe, flag: spin, text: Really}",  # a red flag of one inject is enough
        "{when: red_flag, from: jdoe, injects: [first-post, second-post], flag: no-comment, text: Really}",
        "{when: red_flag, from: jdoe, injects: [third-post], text: Really, mood: 12, after: 90s, channel: news}",
    ],
)
def test_rules_that_can_fire_are_valid(rule):
    assert check(rule) == []


def test_from_author_names_the_persona_of_the_answered_inject():
    scenario, _ = parse_scenario(BASE + "  - {when: feeds_troll, from: author, text: Ha!}\n")
    assert scenario is not None and scenario.reactions == [
        Reaction(when="feeds_troll", **{"from": "author"}, text="Ha!")
    ]


@pytest.mark.parametrize(
    ("rule", "field", "message"),
    [
        (
            "{when: any_reply, from: jane, text: Hi}",
            "reactions[0].from",
            "unknown persona 'jane'; expected author (the persona of the inject the reply answers) or one "
            "of the personas' ids: grumpy, jdoe",
        ),
        (
            "{when: any_reply, from: jdoe, injects: [first-post, frist-post], text: Hi}",
            "reactions[0].injects[1]",
            "unknown inject 'frist-post'; expected the id of an inject of this scenario",
        ),
        (
            "{when: any_reply, from: jdoe, text: 'Hi {team}'}",
            "reactions[0].text",
            "unknown placeholder {team}; expected one of {organisation.handle}, {organisation.name}, "
            "{team.name}",
        ),
        (
            "{when: red_flag, from: jdoe, flag: denial, text: Hi}",
            "reactions[0].flag",
            "unknown red flag 'denial'; expected the id of a red flag of one of the injects: blame, "
            "no-comment, spin",
        ),
        (
            "{when: red_flag, from: jdoe, injects: [second-post], flag: blame, text: Hi}",
            "reactions[0].flag",
            "unknown red flag 'blame' for inject 'second-post'; expected one of: no-comment",
        ),
        (
            "{when: red_flag, from: jdoe, injects: [first-post, second-post, third-post], flag: blame, text: Hi}",
            "reactions[0].flag",
            "unknown red flag 'blame' for injects 'second-post', 'third-post'; expected a red flag of each "
            "inject the rule names (they have none in common)",
        ),
        (
            "{when: red_flag, from: jdoe, injects: [memo], flag: blame, text: Hi}",
            "reactions[0].flag",
            "unknown red flag 'blame' for inject 'memo'; this inject has no red flags (define them under "
            "rubric.red_flags)",
        ),
        (
            "{when: covers_key_points, from: jdoe, injects: [first-post, second-post], min_key_points: 2, text: Hi}",
            "reactions[0].min_key_points",
            "2 is more than the key points of inject 'second-post' (1), so the rule never fires for it; "
            "expected at most 1 (the key-point count of each inject the rule names)",
        ),
        (
            "{when: covers_key_points, from: jdoe, injects: [memo], text: Hi}",
            "reactions[0].injects[0]",
            "inject 'memo' has no key points, so a covers_key_points rule never fires for replies to it",
        ),
        (
            "{when: vague, from: author, injects: [first-post, third-post], text: Hi}",
            "reactions[0].injects[1]",
            "inject 'third-post' has no key points, so a vague rule never fires for replies to it",
        ),
        (
            "{when: red_flag, from: jdoe, injects: [memo], text: Hi}",
            "reactions[0].injects[0]",
            "inject 'memo' has no red flags, so a red_flag rule never fires for replies to it",
        ),
        (
            "{when: feeds_troll, from: author, injects: [first-post], text: Hi}",
            "reactions[0].injects[0]",
            "inject 'first-post' is not from a troll, so a feeds_troll rule never fires for replies to it",
        ),
    ],
)
def test_each_reference_problem_names_its_line_field_and_what_was_expected(rule, field, message):
    assert check(rule) == [(FIRST_RULE_LINE, field, message)]


def test_a_rule_the_scenario_can_never_fire_is_reported_on_its_when():
    no_trolls = BASE.replace("kind: troll", "kind: public")
    scenario, problems = parse_scenario(no_trolls + "  - {when: feeds_troll, from: author, text: Ha!}\n")
    assert scenario is None
    assert [(p.line, p.field, p.message) for p in problems] == [
        (
            FIRST_RULE_LINE,
            "reactions[0].when",
            "no inject of this scenario is from a troll, so a feeds_troll rule never fires",
        )
    ]


def test_a_problem_prints_as_file_line_field_message():
    _, problems = parse_scenario(
        BASE
        + "  - {when: any_reply, from: jdoe, text: Hi}\n  - {when: red_flag, from: jdoe, flag: x, text: Hi}\n",
        "drill.yaml",
    )
    assert [str(p) for p in problems] == [
        "drill.yaml:27: reactions[1].flag: unknown red flag 'x'; expected the id of a red flag of one of the "
        "injects: blame, no-comment, spin"
    ]


def test_a_follow_up_without_a_reply_window_is_reported_once_even_beside_another_mistake():
    rule = "{when: vague, from: author, injects: [first-post], text: Hi, expects_reply: true}"
    assert check(rule) == [
        (FIRST_RULE_LINE, "reactions[0]", 'a reaction that expects a reply needs "reply_within" (a duration '
         'like "90s", "5m", "1h30m" or "HH:MM:SS")'),
    ]  # fmt: skip
    # pydantic skips the model's own check when another field is wrong: the cross-check still says it
    found = check(rule.replace("text: Hi", "text: Hi, severity: 9"))
    assert [(line, field) for line, field, _ in found] == [
        (FIRST_RULE_LINE, "reactions[0]"),
        (FIRST_RULE_LINE, "reactions[0].severity"),
    ]


def test_model_rules_of_a_reaction_are_reported():
    found = check(
        "{when: covers_key_points, from: jdoe, flag: no-comment, text: Hi}",
        "{when: red_flag, from: jdoe, min_key_points: 1, text: Hi}",
        "{when: sometimes, from: jdoe, text: Hi, mood: -60}",
    )
    assert found == [
        (26, "reactions[0]", '"flag" only applies to when: red_flag'),
        (27, "reactions[1]", '"min_key_points" only applies to when: covers_key_points'),
        (28, "reactions[2].mood", "input should be greater than or equal to -50, got -60"),
        (
            28,
            "reactions[2].when",
            "expected one of 'covers_key_points', 'red_flag', 'vague', 'feeds_troll' or 'any_reply', got "
            "'sometimes'",
        ),
    ]


# --- the shipped scenarios -------------------------------------------------------------------------

LIBRARY, LIBRARY_PROBLEMS = load_library(SHIPPED)


@pytest.mark.parametrize("scenario_id", sorted(LIBRARY))
def test_every_shipped_scenario_has_a_tuned_mood_and_a_reactive_crowd(scenario_id):
    assert LIBRARY_PROBLEMS == []
    scenario = LIBRARY[scenario_id]
    assert scenario.mood != MoodRules()
    rules = scenario.reactions
    assert 6 <= len(rules) <= 10
    kinds = {rule.when for rule in rules}
    assert {"covers_key_points", "red_flag", "vague", "feeds_troll"} <= kinds
    for rule in rules:
        if rule.when == "red_flag":
            assert rule.flag is not None  # a red flag of the injects, checked by the validator
        if rule.when == "feeds_troll":
            assert rule.from_ == "author"
        if rule.when == "vague":  # a journalist's follow-up question, which the team must answer
            assert rule.expects_reply and rule.reply_within is not None and rule.injects
            assert {scenario.persona(scenario.inject(i).from_).kind for i in rule.injects} == {
                PersonaKind.journalist
            }
        channels = (
            {rule.channel.value} if rule.channel else {scenario.inject(i).channel.value for i in rule.injects}
        )
        if not channels or "microblog" in channels:
            shown = rule.text.replace("{organisation.name}", scenario.organisation.name)
            shown = shown.replace("{organisation.handle}", scenario.organisation.handle)
            assert len(shown) <= 280, rule.text  # a microblog post
