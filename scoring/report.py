"""The score report: one deterministic, explained result per team, computed once from the events.

Policy:
- speed and consistency are 0-100 (see ``scoring.speed`` and ``scoring.consistency``);
  total = (speed × speed_weight + consistency × consistency_weight) / 100, weights from the scenario
  (50/50 by default). Facilitator adjustments are added to the total (clamped to 0-100); the report
  keeps both ``total_auto`` and ``total``.
- Ranking: higher total first; ties broken by higher consistency, then higher speed, then more answers,
  then the shorter median response time, then team name and slot. Scores are compared rounded to two
  decimals, so the order never depends on floating-point noise.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from . import lexicon
from .consistency import FactsSheet, Subjects, analyse, score_consistency
from .inputs import ExerciseFacts
from .reasons import Reason, phrase
from .speed import score_speed
from .text import PhraseMatcher, Text

REPORT_VERSION = 1


def build_report(facts: ExerciseFacts) -> dict[str, Any]:
    """The report for every team of an exercise, as JSON-ready data (docs/report-format.md)."""
    scenario = facts.scenario
    language = scenario.language
    policy = scenario.policy
    prepare = _preparer(facts)
    by_text: dict[str, list] = {}  # teams repeat their lines: analyse each distinct text once
    analysed = {
        r.reply_id: by_text.setdefault(r.text, analyse(r.text, language, prepare))
        if r.text not in by_text
        else by_text[r.text]
        for r in facts.replies
    }
    fact_sentences = [s for _, text in scenario.facts for s in analyse(text, language, prepare, is_fact=True)]
    subjects = Subjects([*fact_sentences, *(s for group in by_text.values() for s in group)])
    facts_sheet = FactsSheet(fact_sentences, subjects)

    teams = []
    for team in facts.teams:
        speed = score_speed(facts, team.slot)
        consistency = score_consistency(
            prepare, facts, team.slot, speed.answered, speed.expected, subjects, analysed, facts_sheet
        )
        total_auto = (speed.score * policy.speed_weight + consistency.score * policy.consistency_weight) / (
            policy.speed_weight + policy.consistency_weight
        )
        adjustments = [o for o in facts.overrides if o.team == team.slot and o.kind == "adjust"]
        adjusted = total_auto + sum(o.points for o in adjustments)
        reasons: list[Reason] = [*speed.reasons, *consistency.reasons]
        reasons += [
            Reason(
                None,
                "adjustment",
                o.points,
                phrase("adjustment", author=o.author or phrase("the_facilitator"), comment=o.comment),
            )
            for o in adjustments
        ]
        teams.append(
            {
                "team": team.slot,
                "name": team.name,
                "rank": 0,
                "total": round(max(0.0, min(100.0, adjusted)), 2),
                "total_auto": round(total_auto, 2),
                "speed": speed.score,
                "consistency": consistency.score,
                "consistency_parts": consistency.parts,
                "answered": speed.answered,
                "expected": speed.expected,
                "median_response_s": speed.median_response_s,
                "p90_response_s": speed.p90_response_s,
                "response_s": speed.responses,
                "key_points": consistency.key_points,
                "adjustments": [
                    {"points": o.points, "comment": o.comment, "author": o.author} for o in adjustments
                ],
                "reasons": [r.to_dict() for r in reasons],
            }
        )
    teams.sort(key=_rank_key)
    for rank, team in enumerate(teams, start=1):
        team["rank"] = rank
    return {
        "version": REPORT_VERSION,
        "exercise": {
            "id": facts.exercise_id,
            "title": facts.title,
            "scenario_id": scenario.id,
            "scenario_title": scenario.title,
            "language": language,
            "teams": len(facts.teams),
            "replies": len(facts.replies),
        },
        "policy": {
            "speed_weight": policy.speed_weight,
            "consistency_weight": policy.consistency_weight,
            "speed_target_fraction": policy.target_fraction,
            "consistency_parts": {
                "coverage": policy.coverage,
                "facts": policy.facts,
                "contradictions": policy.contradictions,
                "red_flags": policy.red_flags,
                "tone": policy.tone,
            },
        },
        "teams": teams,
    }


def _preparer(facts: ExerciseFacts) -> Callable[[str], Text]:
    """One ``PhraseMatcher`` for the exercise, and each text prepared once."""
    language = facts.scenario.language
    phrases = [
        p
        for inject in facts.scenario.injects
        for item in (*inject.key_points, *inject.red_flags)
        for p in item.phrases
    ]
    phrases += [p for group in lexicon.LISTS for p in group[language]]
    phrases += [
        p for group in lexicon.STATUS_GROUPS[language] for synonyms in group.values() for p in synonyms
    ]
    texts = [r.text for r in facts.replies] + [text for _, text in facts.scenario.facts]
    matcher = PhraseMatcher(language, phrases, texts)
    cache: dict[str, Text] = {}

    def prepare(text: str) -> Text:
        if text not in cache:
            cache[text] = matcher.text(text)
        return cache[text]

    return prepare


def _rank_key(team: dict[str, Any]) -> tuple[Any, ...]:
    median = team["median_response_s"]
    return (
        -round(team["total"], 2),
        -round(team["consistency"], 2),
        -round(team["speed"], 2),
        -team["answered"],
        median if median is not None else float("inf"),
        team["name"].casefold(),
        team["team"],
    )
