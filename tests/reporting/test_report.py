"""The end-of-exercise report in every format, from one rehearsal exercise."""

from __future__ import annotations

import csv
import io
import json
import re
from html.parser import HTMLParser

import pytest
from click.testing import CliRunner
from pypdf import PdfReader

from simulator.cli import main
from simulator.engine.clock import ManualClock
from simulator.rehearsal import rehearse
from simulator.reporting.exports import export, render_html
from simulator.reporting.model import EXERCISE_MARK, report_model
from simulator.store.exercises import ExerciseStore

DEBRIEF = {
    "worked": "Fast holding statement",
    "did_not": "Nobody owned the regulator letter",
    "actions": "Name a regulator contact in the plan",
}


@pytest.fixture(scope="module")
def rehearsed(tmp_path_factory):
    """A finished ceo-scandal rehearsal with 3 bot teams and a debrief, on SQLite."""
    from simulator.config import load_settings
    from simulator.services import open_services
    from simulator.store import migrate

    folder = tmp_path_factory.mktemp("report")
    clock = ManualClock()
    services = open_services(
        load_settings({"CRISISDRILL_INSTANCE": str(folder), "ASYNC_MODE": "threading"}), clock=clock
    )
    migrate.upgrade(services.engine)
    store = ExerciseStore(services.sessions, clock)
    exercise_id = rehearse(store, clock, services.library.get("ceo-scandal"), 3, 20, 4)["exercise"]["id"]
    store.run(exercise_id, lambda ex, now: ex.update_debrief(now, author="alice", **DEBRIEF))
    yield services, store, exercise_id, folder
    services.engine.dispose()


class Ranking(HTMLParser):
    """Reads the ranking table's total, speed and consistency cells per team."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: dict[str, dict[str, str]] = {}
        self.team: str | None = None
        self.cell: str | None = None
        self.in_ranking = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "table" and attrs.get("id") == "ranking":
            self.in_ranking = True
        if self.in_ranking and tag == "tr" and attrs.get("data-team"):
            self.team = attrs["data-team"]
            self.rows[self.team] = {}
        classes = (attrs.get("class") or "").split()
        if self.in_ranking and self.team and tag == "td":
            self.cell = next((c for c in ("total", "speed", "consistency") if c in classes), None)

    def handle_endtag(self, tag):
        if tag == "table":
            self.in_ranking = False
        if tag == "td":
            self.cell = None

    def handle_data(self, data):
        if self.cell and self.team and data.strip() and self.cell not in self.rows[self.team]:
            self.rows[self.team][self.cell] = data.strip()


def ranking_of(html: str) -> dict[str, dict[str, str]]:
    parser = Ranking()
    parser.feed(html)
    return parser.rows


def test_every_format_carries_the_same_numbers(rehearsed):
    _, store, exercise_id, _ = rehearsed
    model = report_model(store.exercise(exercise_id).state)
    data = json.loads(export(model, "json"))
    totals = {t["team"]: t for t in data["teams"]}
    assert len(totals) == 3 and data["debrief"]["worked"] == DEBRIEF["worked"]

    everything = list(csv.DictReader(io.StringIO(export(model, "csv").decode())))
    assert all(row["mark"] == EXERCISE_MARK for row in everything)
    sections = ("draft", "reaction", "mood")  # the chain of command, reactions and mood rows
    rows = [
        row for row in everything if not row["kind"].startswith("debrief:") and row["kind"] not in sections
    ]
    assert {row["team"] for row in everything if row["kind"] == "mood"} == set(totals)
    debrief_rows = [row["text"] for row in everything if row["kind"].startswith("debrief:")]
    assert len(rows) == data["exercise"]["replies"]
    assert [text.split(": ", 1)[1] for text in debrief_rows] == list(DEBRIEF.values())
    for row in rows:
        team = totals[row["team"]]
        assert float(row["total"]) == team["total"] and float(row["speed"]) == team["speed"]
        assert float(row["consistency"]) == team["consistency"] and int(row["rank"]) == team["rank"]

    html = export(model, "html").decode()
    shown = ranking_of(html)
    assert set(shown) == set(totals)
    pdf_text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(export(model, "pdf"))).pages)
    # pypdf returns some runs as UTF-16 code units: drop the NULs and other control bytes it leaves
    flat = re.sub(r"\s+", " ", re.sub(r"[\x00-\x08]", "", pdf_text))
    for slot, team in totals.items():
        assert team["name"] in flat
        assert float(shown[slot]["total"]) == pytest.approx(team["total"], abs=0.05)
        for cell in ("total", "speed", "consistency"):
            assert shown[slot][cell] in flat, (slot, cell, shown[slot][cell])
    for note in DEBRIEF.values():
        assert note in flat and note in html
    assert (
        EXERCISE_MARK.casefold() in flat.casefold() and EXERCISE_MARK in html
    )  # the PDF sets it in capitals


def test_a_team_report_shows_nothing_of_the_other_teams(rehearsed):
    _, store, exercise_id, _ = rehearsed
    state = store.exercise(exercise_id).state
    model = report_model(state)
    own = render_html(model, audience="team", team_slot="team-1", show_ranking=False)
    others = [r.text for r in state.replies if r.team != "team-1"]
    mine = [r.text for r in state.replies if r.team == "team-1"]
    assert 'id="team-team-1"' in own and 'id="team-team-2"' not in own
    assert not any(text in own for text in others if text not in mine)
    assert set(ranking_of(own)) == {"team-1"}
    ranked = render_html(model, audience="team", team_slot="team-1", show_ranking=True)
    assert set(ranking_of(ranked)) == {"team-1", "team-2", "team-3"}


def test_cli_exports_each_format(rehearsed, monkeypatch, tmp_path):
    _, _, exercise_id, folder = rehearsed
    monkeypatch.setenv("CRISISDRILL_INSTANCE", str(folder))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    runner = CliRunner()
    for fmt in ("html", "pdf", "csv", "json"):
        target = tmp_path / f"report.{fmt}"
        result = runner.invoke(main, ["report", exercise_id, "--format", fmt, "-o", str(target)])
        assert result.exit_code == 0, result.output
        assert target.stat().st_size > 1000
    assert target.read_text().startswith("{")
    assert (tmp_path / "report.pdf").read_bytes().startswith(b"%PDF")
    refused = runner.invoke(main, ["report", exercise_id, "--format", "pdf"])
    assert refused.exit_code == 1 and "a PDF needs a file" in refused.output
