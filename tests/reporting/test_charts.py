"""The report's SVG charts: well-formed standalone SVG, untrusted data escaped, edge cases drawn."""

from __future__ import annotations

import copy
import json
import xml.etree.ElementTree as ET
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from simulator.reporting import charts
from simulator.reporting.charts import (
    all_charts,
    coverage_heatmap_svg,
    escalations_svg,
    mood_svg,
    response_times_svg,
    timeline_svg,
)

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "report_model_sample.json"
NS = {"svg": "http://www.w3.org/2000/svg"}
HOSTILE = '<script>alert(1)</script> & "Co"'
CHARTS: list[Callable[[dict[str, Any]], str]] = [
    timeline_svg,
    response_times_svg,
    coverage_heatmap_svg,
    escalations_svg,
    mood_svg,
]
chart_params = pytest.mark.parametrize("chart", CHARTS, ids=lambda f: f.__name__)


# --- helpers ---------------------------------------------------------------------------------------------


def team(
    slot: str,
    name: str,
    *,
    response_s: dict[str, float] | None = None,
    median: float | None = None,
    p90: float | None = None,
    key_points: dict[str, dict[str, bool]] | None = None,
) -> dict[str, Any]:
    return {
        "team": slot,
        "name": name,
        "median_response_s": median,
        "p90_response_s": p90,
        "response_s": response_s or {},
        "key_points": key_points or {},
    }


def timeline_team(
    slot: str,
    name: str,
    deliveries: Sequence[tuple[str, float, str]] = (),
    replies: Sequence[tuple[str | None, float]] = (),
) -> dict[str, Any]:
    return {
        "team": slot,
        "name": name,
        "deliveries": [{"inject_id": i, "at_s": at, "origin": origin} for i, at, origin in deliveries],
        "replies": [
            {"reply_id": f"r{n}", "inject_id": i, "at_s": at, "kind": "public"}
            for n, (i, at) in enumerate(replies)
        ],
    }


def model(
    teams: list[dict[str, Any]],
    timeline: list[dict[str, Any]] | None = None,
    escalations: list[dict[str, Any]] | None = None,
    duration_s: float = 3600.0,
    injects: Sequence[str] = (),
) -> dict[str, Any]:
    return {
        "teams": teams,
        "injects": [{"inject_id": i} for i in injects],
        "escalations": escalations or [],
        "timeline": {
            "duration_s": duration_s,
            "teams": timeline
            if timeline is not None
            else [timeline_team(t["team"], t["name"]) for t in teams],
        },
        "mood": {"until_s": 300.0, "teams": [mood_team(t["team"], t["name"]) for t in teams]},
    }


def mood_team(slot: str, name: str, inject: str = "post-a") -> dict[str, Any]:
    """A team whose mood heated on an unanswered post, then a reply calmed it."""
    return {
        "team": slot,
        "name": name,
        "start": 20.0,
        "end": 24.0,
        "peak": 44.0,
        "average": 27.5,
        "curve": [[0.0, 20.0], [60.0, 20.0], [120.0, 44.0], [120.0, 30.0], [300.0, 24.0]],
        "changes": [
            {"at_s": 60.0, "cause": "post", "delta": 0.0, "value": 20.0, "inject_id": inject},
            {"at_s": 120.0, "cause": "reply", "delta": -14.0, "value": 30.0, "inject_id": inject},
        ],
    }


def one_team_everything(slot: str, name: str) -> dict[str, Any]:
    """A model with one team that has something in every chart."""
    return model(
        [
            team(
                slot,
                name,
                response_s={"post-a": 60.0, "post-b": 200.0},
                median=130.0,
                p90=200.0,
                key_points={"post-a": {"acknowledge": True, "apology": False}},
            )
        ],
        [
            timeline_team(
                slot, name, [("post-a", 0, "scheduled"), ("esc", 300, "escalation")], [("post-a", 60)]
            )
        ],
        [{"team": slot, "team_name": name, "inject_id": "esc", "at_s": 300.0, "why": "late"}],
        injects=["post-a", "esc"],
    )


def parse(svg: str) -> ET.Element:
    root = ET.fromstring(svg)  # raises on anything not well-formed
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    return root


def titles(root: ET.Element) -> list[str]:
    return [el.text or "" for el in root.iter("{http://www.w3.org/2000/svg}title")]


def texts(root: ET.Element) -> list[str]:
    return ["".join(el.itertext()) for el in root.iter("{http://www.w3.org/2000/svg}text")]


def height(svg: str) -> float:
    return float(parse(svg).get("viewBox", "").split()[3])


# --- every chart ---------------------------------------------------------------------------------------------


@chart_params
def test_sample_renders_a_standalone_accessible_svg(chart: Callable[[dict[str, Any]], str]) -> None:
    sample = json.loads(SAMPLE.read_text())
    if chart is mood_svg:  # the sample predates the public mood
        sample["mood"] = {"teams": [mood_team(t["team"], t["name"]) for t in sample["teams"]]}
    svg = chart(sample)
    root = parse(svg)
    assert root.get("width") == "100%"
    assert len(root.get("viewBox", "").split()) == 4
    assert root.get("role") == "img"
    assert root.get("font-family") == "system-ui, sans-serif"
    first, second = list(root)[:2]
    assert first.tag.endswith("title") and first.text
    assert second.tag.endswith("desc") and second.text
    assert {t["name"] for t in sample["teams"]} <= set(titles(root))
    assert "<script" not in svg and "http://" not in svg.replace('xmlns="http://www.w3.org/2000/svg"', "")


def test_all_charts_returns_the_four_by_name_and_the_mood_when_it_moved() -> None:
    sample = json.loads(SAMPLE.read_text())
    result = all_charts(sample)
    assert result == {
        "timeline": timeline_svg(sample),
        "response_times": response_times_svg(sample),
        "coverage": coverage_heatmap_svg(sample),
        "escalations": escalations_svg(sample),
    }
    moved = one_team_everything("team-1", "Red")
    assert all_charts(moved)["mood"] == mood_svg(moved)
    moved["mood"]["teams"][0]["changes"] = []
    assert "mood" not in all_charts(moved)


def test_charts_are_pure_and_deterministic() -> None:
    sample = json.loads(SAMPLE.read_text())
    before = copy.deepcopy(sample)
    assert all_charts(sample) == all_charts(sample)
    assert sample == before


@chart_params
def test_a_hostile_team_name_is_escaped(chart: Callable[[dict[str, Any]], str]) -> None:
    svg = chart(one_team_everything("team-1", HOSTILE))
    assert HOSTILE not in svg
    assert "<script>" not in svg
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp;" in svg
    root = parse(svg)
    assert not [el for el in root.iter() if el.tag.endswith("script")]
    assert HOSTILE in titles(root)  # the full name, unescaped by the parser, in a tooltip
    assert any(t.startswith("<script>alert(1") for t in texts(root))  # shown (cut: 34 characters)


@chart_params
def test_hostile_slots_and_inject_ids_are_escaped(chart: Callable[[dict[str, Any]], str]) -> None:
    bad = '"><script>x</script><x a="'
    m = one_team_everything(bad, "Red")
    m["teams"][0]["response_s"] = {bad: 30.0}
    m["teams"][0]["key_points"] = {bad: {bad: True}}
    m["timeline"]["teams"][0]["deliveries"].append({"inject_id": bad, "at_s": 10, "origin": "escalation"})
    m["timeline"]["teams"][0]["replies"].append({"inject_id": bad, "at_s": 40, "kind": bad})
    m["escalations"][0]["inject_id"] = bad
    m["mood"]["teams"][0]["changes"][0]["inject_id"] = bad
    svg = chart(m)
    root = parse(svg)
    assert not [el for el in root.iter() if el.tag.endswith("script") or el.tag.endswith("}x")]
    assert any(bad in t for t in titles(root))


@chart_params
def test_characters_xml_cannot_carry_are_dropped(chart: Callable[[dict[str, Any]], str]) -> None:
    name = "Red\x00\x08\x1b[31m\ufffe\ud800 team\nline two"
    root = parse(chart(one_team_everything("team-1", name)))
    assert "Red[31m team line two" in titles(root)


@settings(max_examples=40, deadline=None)
@given(name=st.text(max_size=60), inject=st.text(max_size=30))
def test_any_name_or_inject_id_gives_a_well_formed_document(name: str, inject: str) -> None:
    m = one_team_everything(name, name)
    m["teams"][0]["response_s"][inject] = 90.0
    m["teams"][0]["key_points"][inject] = {inject: False}
    m["timeline"]["teams"][0]["replies"].append({"inject_id": inject, "at_s": 90, "kind": "dm"})
    for svg in all_charts(m).values():
        parse(svg)


@chart_params
def test_a_very_long_name_is_cut_with_an_ellipsis_and_kept_whole_in_a_tooltip(
    chart: Callable[[dict[str, Any]], str],
) -> None:
    name = "The Extraordinarily Long-Named Communications Task Force " * 4
    root = parse(chart(one_team_everything("team-1", name)))
    shown = [t for t in texts(root) if t.startswith("The Extraord")]
    assert shown and all(t.endswith("…") and len(t) <= charts.LABEL_CHARS for t in shown)
    assert " ".join(name.split()) in titles(root)


@chart_params
def test_no_teams_gives_an_empty_state(chart: Callable[[dict[str, Any]], str]) -> None:
    for empty in ({}, model([], [])):
        root = parse(chart(empty))
        assert root.get("width") == "100%"
        assert any(t.startswith("No ") for t in texts(root))


@chart_params
def test_one_team(chart: Callable[[dict[str, Any]], str]) -> None:
    root = parse(chart(one_team_everything("team-1", "Only")))
    assert "Only" in titles(root)


@chart_params
def test_fifty_teams_each_get_a_row_or_column(chart: Callable[[dict[str, Any]], str]) -> None:
    teams = [
        team(
            f"team-{i}",
            f"Team {i:02d}",
            response_s={"a": 30.0 * i},
            median=30.0 * i,
            p90=30.0 * i,
            key_points={"a": {"k": i % 2 == 0}},
        )
        for i in range(50)
    ]
    escalations = [{"team": "team-3", "team_name": "Team 03", "inject_id": "esc", "at_s": 60.0}]
    svg = chart(model(teams, escalations=escalations))
    root = parse(svg)
    shown = titles(root)
    assert all(f"Team {i:02d}" in shown for i in range(50))
    if chart not in (coverage_heatmap_svg, mood_svg):  # the mood: one plot, a line and a legend each
        assert height(svg) > 50 * 14  # compact rows, yet one per team


# --- timeline ------------------------------------------------------------------------------------------------


def test_timeline_ticks_dots_and_minute_axis() -> None:
    m = model(
        [team("team-1", "Red"), team("team-2", "Blue")],
        [
            timeline_team(
                "team-1",
                "Red",
                [("a", 0, "scheduled"), ("b", 120, "scheduled"), ("esc", 360, "escalation")],
                [("a", 65), (None, 400)],
            ),
            timeline_team("team-2", "Blue", [("a", 0, "scheduled")]),
        ],
    )
    root = parse(timeline_svg(m))
    lines = list(root.iter("{http://www.w3.org/2000/svg}line"))
    escalation_ticks = [el for el in lines if el.get("stroke") == charts.VERMILLION]
    assert len(escalation_ticks) == 1 + 1  # the one delivered, and the legend's
    assert "Red: escalation esc delivered at 6:00" in titles(root)
    assert "Red: public to a at 1:05" in titles(root)
    assert "Red: public statement at 6:40" in titles(root)  # a reply to no post: a ring
    labels = texts(root)
    assert {"0:00", "5:00", "30:00", "60:00"} <= set(labels)
    assert "statement" in labels


def test_timeline_of_a_short_scenario_labels_every_minute() -> None:
    m = model([team("team-1", "Red")], duration_s=300)
    labels = texts(parse(timeline_svg(m)))
    assert {"0:00", "1:00", "2:00", "3:00", "4:00", "5:00"} <= set(labels)


def test_timeline_stretches_to_an_event_past_the_duration() -> None:
    m = model([team("team-1", "Red")], [timeline_team("team-1", "Red", [], [("a", 900)])], duration_s=0)
    root = parse(timeline_svg(m))
    assert "over 15:00 of scenario time" in root.find("svg:desc", NS).text  # type: ignore[union-attr]
    assert "14:00" in texts(root)


def test_timeline_with_no_replies_at_all() -> None:
    m = model([team("team-1", "Red"), team("team-2", "Blue")])
    root = parse(timeline_svg(m))
    circles = list(root.iter("{http://www.w3.org/2000/svg}circle"))
    assert len(circles) == 1  # the legend's only
    assert "0 replies" in root.find("svg:desc", NS).text  # type: ignore[union-attr]


# --- response times --------------------------------------------------------------------------------------------


def test_response_times_dots_median_and_p90() -> None:
    m = model(
        [
            team("team-1", "Red", response_s={"a": 60.0, "b": 120.0, "c": 600.0}, median=120.0, p90=600.0),
            team("team-2", "Blue"),  # answered nothing: median and p90 are None
        ]
    )
    root = parse(response_times_svg(m))
    tips = titles(root)
    assert {"Red: a answered in 1:00", "Red: b answered in 2:00", "Red: c answered in 10:00"} <= set(tips)
    assert "Red: median 2:00" in tips and "Red: 90th percentile 10:00" in tips
    labels = texts(root)
    assert "no answers" in labels
    assert "2:00 · 10:00" in labels and "– · –" in labels
    assert {"0", "2", "10"} <= set(labels)  # minutes


def test_response_times_when_nobody_answered() -> None:
    m = model([team("team-1", "Red"), team("team-2", "Blue")])
    root = parse(response_times_svg(m))
    assert texts(root).count("no answers") == 2


def test_response_times_ignore_values_that_are_not_numbers() -> None:
    red = team("team-1", "Red", median=float("nan"))
    red["response_s"] = {"a": None, "b": "soon", "c": 30.0}
    m = model([red])
    tips = titles(parse(response_times_svg(m)))
    assert "Red: c answered in 0:30" in tips
    assert not [t for t in tips if "median" in t]


# --- coverage -------------------------------------------------------------------------------------------------


def test_coverage_cells_met_missed_and_not_applicable() -> None:
    m = model(
        [
            team("team-1", "Red", key_points={"a": {"ack": True, "sorry": False}, "b": {"facts": True}}),
            team("team-2", "Blue", key_points={"b": {"facts": False}}),
        ],
        injects=["b", "a"],  # the delivery order rows follow
    )
    root = parse(coverage_heatmap_svg(m))
    tips = titles(root)
    assert "Red — a: ack: met" in tips
    assert "Red — a: sorry: missed" in tips
    assert "Blue — a: ack: not applicable" in tips
    assert "Blue — b: facts: missed" in tips
    rows = [t for t in texts(root) if t in ("a: ack", "a: sorry", "b: facts")]
    assert rows == ["b: facts", "a: ack", "a: sorry"]


def test_coverage_stays_compact_with_sixty_key_points() -> None:
    points = {f"inject-{i}": {f"point-{j}": (i + j) % 3 > 0 for j in range(4)} for i in range(15)}
    m = model([team("team-1", "Red", key_points=points), team("team-2", "Blue")])
    svg = coverage_heatmap_svg(m)
    root = parse(svg)
    cells = [t for t in titles(root) if t.startswith(("Red — ", "Blue — "))]
    assert len(cells) == 2 * 60
    assert height(svg) < 60 * 16 + 120  # compact rows
    sizes = {float(el.get("font-size", 0)) for el in root.iter("{http://www.w3.org/2000/svg}text")}
    assert min(sizes) <= 10.5


def test_coverage_without_key_points_gives_an_empty_state() -> None:
    root = parse(coverage_heatmap_svg(model([team("team-1", "Red")])))
    assert any(t.startswith("No key messages") for t in texts(root))


# --- escalations -----------------------------------------------------------------------------------------------


def test_escalation_bars_with_counts() -> None:
    escalations = [
        {"team": "team-2", "team_name": "Blue", "inject_id": f"esc-{i}", "at_s": 60.0 * i} for i in range(3)
    ]
    m = model([team("team-1", "Red"), team("team-2", "Blue")], escalations=escalations)
    root = parse(escalations_svg(m))
    bars = [el for el in root.iter("{http://www.w3.org/2000/svg}rect") if el.get("fill") == charts.VERMILLION]
    assert len(bars) == 1
    assert "Blue: 3 escalations (esc-0 at 0:00, esc-1 at 1:00, esc-2 at 2:00)" in titles(root)
    labels = texts(root)
    assert "3" in labels and "0" in labels


def test_no_escalations_gives_an_empty_state() -> None:
    root = parse(escalations_svg(model([team("team-1", "Red")])))
    assert "No escalations fired." in texts(root)
    assert not [
        el for el in root.iter("{http://www.w3.org/2000/svg}rect") if el.get("fill") == charts.VERMILLION
    ]


def test_an_escalation_for_a_team_missing_from_the_teams_list_still_shows() -> None:
    m = model([], [], escalations=[{"team": "team-9", "team_name": "Ghost", "inject_id": "e", "at_s": 5.0}])
    assert "Ghost" in titles(parse(escalations_svg(m)))


# --- public mood ---------------------------------------------------------------------------------------------


def test_mood_lines_bands_legend_and_a_marker_per_change() -> None:
    m = model([team("team-1", "Red"), team("team-2", "Blue")], duration_s=600.0)
    root = parse(mood_svg(m))
    lines = root.findall(".//{http://www.w3.org/2000/svg}polyline")
    assert len(lines) == 2 and lines[0].get("stroke") != lines[1].get("stroke")
    assert lines[0].get("stroke-dasharray") is None and lines[1].get("stroke-dasharray")
    assert {"calm", "tense", "heated", "outrage", "Red", "Blue", "0", "100", "10"} <= set(texts(root))
    tips = titles(root)
    assert (
        "Red at 2:00: reply post-a (−14), mood 30" in tips
        and "Blue at 1:00: post post-a (+0), mood 20" in tips
    )
    assert any(t.startswith("Red: from 20 to 24, peak 44") for t in tips)
    # y: 0 at the bottom of the plot, 100 at its top; x: 600 s of scenario time
    first = [tuple(map(float, p.split(","))) for p in lines[0].get("points").split()]
    assert first[0][0] == 92 and first[-1][0] == pytest.approx(92 + (900 - 16 - 92) * 300 / 600)
    assert first[2][1] < first[0][1]  # 44 is higher than 20


def test_mood_values_out_of_range_or_not_numbers_stay_on_the_chart() -> None:
    m = model([team("team-1", "Red")], duration_s=600.0)
    m["mood"]["teams"][0]["curve"] = [[0, 20], [60, 250], ["x", 5], [90, None], [120, -40], [float("nan"), 1]]
    root = parse(mood_svg(m))
    points = [tuple(map(float, p.split(","))) for p in root.find(".//{*}polyline").get("points").split()]
    assert len(points) == 3 and max(y for _, y in points) <= height(mood_svg(m))


def test_mood_of_a_team_without_a_curve_is_in_the_legend_only() -> None:
    m = model([team("team-1", "Red"), team("team-2", "Blue")])
    m["mood"]["teams"][1]["curve"] = []
    root = parse(mood_svg(m))
    assert len(root.findall(".//{*}polyline")) == 1 and "Blue" in texts(root)
