"""The ``crisisdrill`` command as a user runs it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from simulator.cli import main
from simulator.store import migrate
from tests.factories import DATA


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """Run the CLI against a fresh SQLite database in a temp instance folder."""
    monkeypatch.setenv("CRISISDRILL_INSTANCE", str(tmp_path / "instance"))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("CRISISDRILL_SCENARIOS", raising=False)
    runner = CliRunner()

    def invoke(*args: str, expect: int = 0):
        result = runner.invoke(main, list(args), catch_exceptions=False)
        assert result.exit_code == expect, result.output
        return result

    return invoke


def test_db_upgrade_is_idempotent(cli):
    head = migrate.head_revision()
    assert f"at revision {head}." in cli("db", "upgrade").output
    assert f"at revision {head}." in cli("db", "upgrade").output


def test_exercise_create_prints_a_join_code_and_url_per_team(cli, monkeypatch):
    monkeypatch.setenv("CRISISDRILL_SCENARIOS", str(DATA))
    cli("db", "upgrade")
    out = cli("exercise", "create", "--scenario", "mini-drill", "--teams", "Red, Blue ,Green").output
    codes = re.findall(r"join code ([A-Z0-9]{6})\s+http://127.0.0.1:5000/join/\1", out)
    assert len(codes) == 3
    assert "Red" in out and "Green" in out
    assert "mini-drill" in cli("exercise", "list").output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--scenario", "mini-dril", "--teams", "A"],
            "unknown scenario 'mini-dril'; did you mean mini-drill?",
        ),
        (["--scenario", "mini-drill", "--teams", "A,,B"], "team 2 has an empty name"),
        (["--scenario", "mini-drill", "--teams", "Red,red"], "duplicate team name(s): Red, red"),
        (["--scenario", "mini-drill", "--teams", " "], "--teams needs at least one team name"),
        (["--scenario", "mini-drill", "--teams", "A", "--speed", "100"], "speed must be from ×1 to ×60"),
    ],
)
def test_exercise_create_explains_bad_input(cli, monkeypatch, args, message):
    monkeypatch.setenv("CRISISDRILL_SCENARIOS", str(DATA))
    cli("db", "upgrade")
    result = cli("exercise", "create", *args, expect=1)
    assert message in result.output


def test_commands_before_db_upgrade_say_what_to_do(cli, monkeypatch):
    monkeypatch.setenv("CRISISDRILL_SCENARIOS", str(DATA))
    result = cli("exercise", "create", "--scenario", "mini-drill", "--teams", "A", expect=2)
    assert "run `crisisdrill db upgrade` first" in result.output


def test_unreachable_database_is_reported_with_its_url(cli, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgresql://nobody:secret@127.0.0.1:1/none")
    result = cli("db", "upgrade", expect=2)
    assert "cannot reach the database at postgresql+psycopg2://nobody:***@127.0.0.1:1/none" in result.output
    assert "secret" not in result.output


def test_scenario_list_and_show(cli, monkeypatch):
    monkeypatch.setenv("CRISISDRILL_SCENARIOS", str(DATA))
    assert re.search(r"mini-drill\s+en\s+10m\s+6\s+Mini drill", cli("scenario", "list").output)
    shown = cli("scenario", "show", "mini-drill").output
    assert "00:01:00  microblog sev3 first-post" in shown
    assert "outrage" in shown and "← first-post (unanswered 3m)" in shown
    assert "unknown scenario 'nope'" in cli("scenario", "show", "nope", expect=1).output


def test_the_shipped_library_validates(cli):
    result = cli("scenario", "validate")
    assert result.output.count(": ok (") >= 6


def test_demo_is_idempotent_and_prints_credentials_and_join_codes(cli):
    first = cli("demo").output
    second = cli("demo").output
    password = re.search(r"as 'demo', password (\S+)", first).group(1)
    assert f"password {password}" in second
    exercise = re.search(r"Exercise (\w+):", first).group(1)
    assert f"Exercise {exercise}:" in second
    assert len(re.findall(r"join code [A-Z0-9]{6}", first)) == 3
