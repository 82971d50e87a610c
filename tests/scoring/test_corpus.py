"""The labelled corpus: do the scores mean something?

Two data files in tests/data/scoring/, written as a crisis-communication trainer would judge:
- pairs.yaml: two replies to the same inject, ``better`` genuinely better than ``worse`` on one
  criterion (speed, coverage, facts, red_flags, tone) and otherwise similar;
- contradictions.yaml: one team's replies with exactly one planted contradiction, and consistent
  controls.

Every case is scored end to end through ``crisisdrill score SCENARIO REPLIES.csv`` (the CSV is replayed
through the engine), and the scorer must agree with the labels often enough: at least 90 % of the pairs
per criterion ranked right, at least 80 % of the planted contradictions detected, at most one control
flagged. Failures are listed with the scorer's reasons, so a regression is easy to diagnose.
"""

from __future__ import annotations

import csv
import json
import math
from collections import Counter
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from simulator.cli import main
from simulator.engine.loader import load_scenario
from simulator.engine.scenario import Scenario

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "data" / "scoring"
SCENARIOS = ROOT / "scenarios"

CRITERIA = ("speed", "coverage", "facts", "red_flags", "tone")
MIN_PAIRS = {"speed": 6, "coverage": 12, "facts": 12, "red_flags": 12, "tone": 12}
MIN_RANKED = 0.90
MIN_PLANTED_DETECTED = 0.80
MAX_CONTROLS_FLAGGED = 1
MICROBLOG_LIMIT = 280
FRENCH_SCENARIOS = {"salarie-poubelles", "pub-ratee"}
ALL_SCENARIOS = {"ceo-scandal", "product-failure", "angry-customer", "ngo-supply-chain", *FRENCH_SCENARIOS}

PAIRS: list[dict[str, Any]] = yaml.safe_load((DATA / "pairs.yaml").read_text(encoding="utf-8"))
CONTRADICTIONS: list[dict[str, Any]] = yaml.safe_load(
    (DATA / "contradictions.yaml").read_text(encoding="utf-8")
)


@cache
def scenario(scenario_id: str) -> Scenario:
    return load_scenario(SCENARIOS / f"{scenario_id}.yaml")


def inject(scenario_id: str, inject_id: str):
    return next(i for i in scenario(scenario_id).injects if i.id == inject_id)


def persona_kind(scenario_id: str, inject_id: str) -> str:
    found = scenario(scenario_id)
    sender = inject(scenario_id, inject_id).from_
    return next(p.kind.value for p in found.personas if p.id == sender)


def seconds(value: str) -> float:
    from simulator.engine.durations import parse_duration

    return parse_duration(value)


def score(scenario_id: str, rows: list[dict[str, str]], path: Path) -> dict[str, dict[str, Any]]:
    """Run ``crisisdrill score`` on ``rows`` written to ``path``; the report's teams by name."""
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=["team", "inject_id", "published_at", "channel", "text"])
        writer.writeheader()
        writer.writerows(rows)
    result = CliRunner().invoke(
        main, ["score", scenario_id, str(path)], env={"CRISISDRILL_SCENARIOS": str(SCENARIOS)}
    )
    assert result.exit_code == 0, f"crisisdrill score failed on {path.name}:\n{result.output}"
    report = json.loads(result.stdout)
    return {team["name"]: team for team in report["teams"]}


def criterion_value(team: dict[str, Any], criterion: str) -> float:
    return team["speed"] if criterion == "speed" else team["consistency_parts"][criterion]


def reasons(team: dict[str, Any], criterion: str, inject_id: str | None = None) -> list[str]:
    """The team's reasons on ``criterion``; for speed and coverage, only those about ``inject_id``
    (the other injects are unanswered by design and would drown the message)."""
    found = []
    for reason in team["reasons"]:
        if reason["criterion"] != criterion:
            continue
        if criterion in ("speed", "coverage") and inject_id and reason["inject_id"] != inject_id:
            continue
        found.append(f"{reason['points']:+g}: {reason['why']}")
    return found


# --- the corpus itself -------------------------------------------------------------------------------


def test_corpus_has_the_required_counts_and_is_well_formed() -> None:
    problems: list[str] = []

    ids = [c["id"] for c in PAIRS] + [c["id"] for c in CONTRADICTIONS]
    problems += [f"duplicate id {i}" for i, n in Counter(ids).items() if n > 1]

    per_criterion = Counter(c["criterion"] for c in PAIRS)
    problems += [f"unknown criterion {c}" for c in per_criterion if c not in CRITERIA]
    for criterion, minimum in MIN_PAIRS.items():
        if per_criterion[criterion] < minimum:
            problems.append(f"{per_criterion[criterion]} {criterion} pairs, at least {minimum} needed")
    if len(PAIRS) < 60:
        problems.append(f"{len(PAIRS)} pairs, at least 60 needed")
    french = sum(c["scenario"] in FRENCH_SCENARIOS for c in PAIRS)
    if french < 0.4 * len(PAIRS):
        problems.append(f"only {french} of {len(PAIRS)} pairs in French, at least 40% needed")
    missing = ALL_SCENARIOS - {c["scenario"] for c in PAIRS}
    if missing:
        problems.append(f"no pairs on {sorted(missing)}")

    planted = [c for c in CONTRADICTIONS if c["planted"]]
    controls = [c for c in CONTRADICTIONS if not c["planted"]]
    if len(planted) < 12:
        problems.append(f"{len(planted)} planted contradictions, at least 12 needed")
    if len(controls) < 6:
        problems.append(f"{len(controls)} control cases, at least 6 needed")

    for case in PAIRS:
        where = case["id"]
        spec = inject(case["scenario"], case["inject_id"])
        troll = persona_kind(case["scenario"], case["inject_id"]) == "troll"
        if not spec.expects_reply or spec.at is None:
            problems.append(f"{where}: {spec.id} expects no reply or is not scheduled")
        if not (spec.targets("team-1") and spec.targets("team-2")):
            problems.append(f"{where}: {spec.id} is only sent to {spec.to}, not to both teams")
        if troll and case["criterion"] != "red_flags":
            problems.append(f"{where}: answers a troll outside a red_flags case")
        times = {side: seconds(case[side]["published_at"]) for side in ("better", "worse")}
        if case["criterion"] != "speed" and times["better"] != times["worse"]:
            problems.append(f"{where}: better and worse must be published at the same time")
        if case["criterion"] == "speed" and times["better"] >= times["worse"]:
            problems.append(f"{where}: the better reply must come first")
        for side in ("better", "worse"):
            text = case[side]["text"]
            if times[side] <= spec.at:
                problems.append(f"{where}: {side} is published before {spec.id} arrives")
            if spec.channel.value == "microblog" and len(text) > MICROBLOG_LIMIT:
                problems.append(f"{where}: {side} is {len(text)} characters, over {MICROBLOG_LIMIT}")
        if case["criterion"] == "speed" and case["better"]["text"] != case["worse"]["text"]:
            problems.append(f"{where}: speed pairs keep the same text")

    for case in CONTRADICTIONS:
        if not 2 <= len(case["replies"]) <= 4:
            problems.append(f"{case['id']}: {len(case['replies'])} replies, 2 to 4 expected")
        for reply in case["replies"]:
            if not reply["inject_id"]:
                if reply["channel"] != "statement":
                    problems.append(f"{case['id']}: only a statement may answer no inject")
                continue
            spec = inject(case["scenario"], reply["inject_id"])
            if not spec.targets("team-1"):
                problems.append(f"{case['id']}: {spec.id} is only sent to {spec.to}, not to team-1")
            if seconds(reply["published_at"]) <= spec.at:
                problems.append(f"{case['id']}: a reply to {spec.id} comes before it arrives")
            if spec.channel.value == "microblog" and len(reply["text"]) > MICROBLOG_LIMIT:
                problems.append(f"{case['id']}: a reply to {spec.id} is over {MICROBLOG_LIMIT} characters")

    assert not problems, "\n".join(problems)


# --- pairs -------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def pair_reports(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, dict[str, Any]]]:
    """Each pair scored once: teams "better" and "worse" in one CSV.

    "worse" is written first, so it takes the slot team-1 and "better" team-2. Some scenarios target a
    phone call at one slot only, so the two slots are not always delivered the same posts; in this
    order the difference never favours "better" (team-2 expects as many posts or one more, of equal or
    higher severity), so a pair cannot be ranked right because of the slots."""
    folder = tmp_path_factory.mktemp("pairs")
    reports = {}
    for case in PAIRS:
        channel = inject(case["scenario"], case["inject_id"]).channel.value
        rows = [
            {
                "team": side,
                "inject_id": case["inject_id"],
                "published_at": case[side]["published_at"],
                "channel": channel,
                "text": case[side]["text"],
            }
            for side in ("worse", "better")
        ]
        reports[case["id"]] = score(case["scenario"], rows, folder / f"{case['id']}.csv")
    return reports


@pytest.mark.parametrize("criterion", CRITERIA)
def test_pairs_are_ranked_right(criterion: str, pair_reports: dict[str, dict[str, dict[str, Any]]]) -> None:
    cases = [c for c in PAIRS if c["criterion"] == criterion]
    failures = []
    for case in cases:
        teams = pair_reports[case["id"]]
        better, worse = (criterion_value(teams[side], criterion) for side in ("better", "worse"))
        if better > worse:
            continue
        lines = [f"- {case['id']} ({case['scenario']}/{case['inject_id']}): better {better} <= worse {worse}"]
        lines.append(f"    why: {' '.join(case['why'].split())}")
        for side in ("better", "worse"):
            found = reasons(teams[side], criterion, case["inject_id"]) or ["(no reason)"]
            lines += [f"    {side}: {line}" for line in found]
        failures.append("\n".join(lines))
    ranked = len(cases) - len(failures)
    needed = math.ceil(MIN_RANKED * len(cases))
    assert ranked >= needed, (
        f"{criterion}: {ranked}/{len(cases)} pairs ranked right, {needed} needed "
        f"({MIN_RANKED:.0%}). Failures:\n" + "\n".join(failures)
    )


# --- contradictions ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def contradiction_reports(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    folder = tmp_path_factory.mktemp("contradictions")
    reports = {}
    for case in CONTRADICTIONS:
        rows = [
            {
                "team": "team",
                "inject_id": reply["inject_id"] or "",
                "published_at": reply["published_at"],
                "channel": reply["channel"],
                "text": reply["text"],
            }
            for reply in case["replies"]
        ]
        reports[case["id"]] = score(case["scenario"], rows, folder / f"{case['id']}.csv")["team"]
    return reports


def _detected(team: dict[str, Any]) -> bool:
    """Contradictions + facts below their maximum (both are scaled by answered / expected), or a
    reason on either criterion."""
    parts = team["consistency_parts"]
    engagement = team["answered"] / team["expected"] if team["expected"] else 1.0
    below_max = parts["contradictions"] + parts["facts"] < 200 * engagement - 0.01
    return below_max or any(r["criterion"] in ("contradictions", "facts") for r in team["reasons"])


def _explain(case: dict[str, Any], team: dict[str, Any]) -> str:
    lines = [f"- {case['id']} ({case['scenario']}): {' '.join(case['why'].split())}"]
    found = reasons(team, "contradictions") + reasons(team, "facts")
    lines += [f"    {line}" for line in found or ["(no contradictions or facts reason)"]]
    return "\n".join(lines)


def test_planted_contradictions_are_detected(contradiction_reports: dict[str, dict[str, Any]]) -> None:
    planted = [c for c in CONTRADICTIONS if c["planted"]]
    missed = [c for c in planted if not _detected(contradiction_reports[c["id"]])]
    detected = len(planted) - len(missed)
    needed = math.ceil(MIN_PLANTED_DETECTED * len(planted))
    assert detected >= needed, (
        f"{detected}/{len(planted)} planted contradictions detected, {needed} needed "
        f"({MIN_PLANTED_DETECTED:.0%}). Missed:\n"
        + "\n".join(_explain(c, contradiction_reports[c["id"]]) for c in missed)
    )


def test_consistent_controls_are_not_flagged(contradiction_reports: dict[str, dict[str, Any]]) -> None:
    controls = [c for c in CONTRADICTIONS if not c["planted"]]
    flagged = [
        c
        for c in controls
        if any(r["criterion"] == "contradictions" for r in contradiction_reports[c["id"]]["reasons"])
    ]
    assert len(flagged) <= MAX_CONTROLS_FLAGGED, (
        f"{len(flagged)}/{len(controls)} consistent controls flagged as contradictory, at most "
        f"{MAX_CONTROLS_FLAGGED} allowed:\n"
        + "\n".join(_explain(c, contradiction_reports[c["id"]]) for c in flagged)
    )
