"""`crisisdrill rehearse`: bot teams of known behaviour, the real engine and store, virtual time."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from simulator.cli import main
from simulator.rehearsal import EXPECTED_ORDER


@pytest.mark.parametrize("scenario_id", ["ceo-scandal", "salarie-poubelles"])
def test_rehearsal_ranks_bots_in_the_expected_order_and_keeps_the_exercise(
    tmp_path, monkeypatch, scenario_id
):
    monkeypatch.setenv("CRISISDRILL_INSTANCE", str(tmp_path / "instance"))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("CRISISDRILL_SCENARIOS", raising=False)
    runner = CliRunner()
    assert runner.invoke(main, ["db", "upgrade"]).exit_code == 0
    result = runner.invoke(main, ["rehearse", scenario_id, "--teams", "5", "--speed", "20", "--seed", "7"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    behaviours = report["rehearsal"]["behaviours"]
    assert [behaviours[t["team"]] for t in report["teams"]] == list(EXPECTED_ORDER)
    assert report["teams"][0]["total"] > report["teams"][1]["total"] > report["teams"][-1]["total"] == 0
    listed = runner.invoke(main, ["exercise", "list"]).output
    assert report["exercise"]["id"] in listed and "ended" in listed
    again = runner.invoke(main, ["report", report["exercise"]["id"]])

    def scores(teams):
        return [(t["team"], t["rank"], t["total"], t["speed"], t["consistency"], t["reasons"]) for t in teams]

    assert scores(json.loads(again.stdout)["teams"]) == scores(
        report["teams"]
    )  # recomputed from the stored log


def test_rehearsal_refuses_an_unknown_scenario(tmp_path, monkeypatch):
    monkeypatch.setenv("CRISISDRILL_INSTANCE", str(tmp_path / "instance"))
    runner = CliRunner()
    runner.invoke(main, ["db", "upgrade"])
    result = runner.invoke(main, ["rehearse", "ceo-scandall"])
    assert result.exit_code == 1 and "did you mean ceo-scandal?" in result.output


def test_rehearsal_owner_must_exist(tmp_path, monkeypatch):
    monkeypatch.setenv("CRISISDRILL_INSTANCE", str(tmp_path / "instance"))
    runner = CliRunner()
    runner.invoke(main, ["db", "upgrade"])
    result = runner.invoke(main, ["rehearse", "ceo-scandal", "--owner", "ghost"])
    assert result.exit_code == 1 and "no facilitator named 'ghost'" in result.output
