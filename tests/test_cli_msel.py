"""``crisisdrill scenario export`` and ``crisisdrill scenario import``: MSEL spreadsheets from and into
the library folder."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from simulator.cli import main
from simulator.engine import msel
from simulator.engine.loader import check_scenario_file
from tests.factories import gen_scenario


@pytest.fixture
def cli(tmp_path: Path, library: Path, monkeypatch: pytest.MonkeyPatch):
    """Run the CLI on a library folder of its own (the mini drill), from a temp working folder."""
    monkeypatch.setenv("CRISISDRILL_INSTANCE", str(tmp_path / "instance"))
    monkeypatch.setenv("CRISISDRILL_SCENARIOS", str(library))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()

    def invoke(*args: str, expect: int = 0):
        result = runner.invoke(main, list(args), catch_exceptions=False)
        assert result.exit_code == expect, result.output
        return result

    return invoke


def exported(fmt: str, new_id: str) -> bytes:
    return msel.export(gen_scenario().model_copy(update={"id": new_id}), fmt)


def test_export_csv_to_stdout_and_xlsx_to_a_file(cli, tmp_path):
    out = cli("scenario", "export", "mini-drill", "--format", "csv").output
    assert out == msel.to_csv(gen_scenario())
    result = cli("scenario", "export", "mini-drill", "-o", "mini.xlsx")  # format from the file name
    assert "Wrote mini.xlsx (6 injects" in result.output
    assert msel.parse_xlsx((tmp_path / "mini.xlsx").read_bytes()) == (gen_scenario(), [])
    cli("scenario", "export", "mini-drill", "--format", "csv", "-o", "mini.csv")
    assert (tmp_path / "mini.csv").read_bytes().startswith(b"\xef\xbb\xbf## Crisis Drill scenario")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["mini-drill", "--format", "xlsx"], "an XLSX workbook needs a file: add -o FILE.xlsx"),
        (["mini-dril", "--format", "csv"], "unknown scenario 'mini-dril'; did you mean mini-drill?"),
        (["mini-drill", "-o", "mini.txt"], "cannot tell the format from mini.txt"),
    ],
)
def test_export_explains_what_is_wrong(cli, args, message):
    assert message in cli("scenario", "export", *args, expect=1).output


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_import_adds_the_scenario_to_the_library_as_yaml(cli, library, tmp_path, fmt):
    (tmp_path / f"new.{fmt}").write_bytes(exported(fmt, "mini-copy"))
    result = cli("scenario", "import", f"new.{fmt}")
    assert f"Imported mini-copy (6 injects) into {library / 'mini-copy.yaml'}" in result.output
    found, problems = check_scenario_file(library / "mini-copy.yaml")
    assert problems == [] and found == gen_scenario().model_copy(update={"id": "mini-copy"})
    assert "mini-copy" in cli("scenario", "list").output


def test_import_refuses_an_existing_id_unless_replace(cli, library, tmp_path):
    before = (library / "mini.yaml").read_text()
    content = msel.export(gen_scenario(), "csv").replace(b"title: Mini drill", b"title: Mini drill v2")
    (tmp_path / "mini.csv").write_bytes(content)
    result = cli("scenario", "import", "mini.csv", expect=1)
    assert "the library already has a scenario 'mini-drill' (mini.yaml); pass --replace" in result.output
    assert (library / "mini.yaml").read_text() == before
    cli("scenario", "import", "mini.csv", "--replace")
    assert "title: Mini drill v2" in (library / "mini.yaml").read_text()
    assert sorted(p.name for p in library.iterdir()) == ["mini.yaml"]  # replaced in place, no leftovers


def test_import_prints_every_problem_and_writes_nothing(cli, library, tmp_path):
    content = exported("csv", "broken").replace(b"+00:02:00", b"2 min")
    (tmp_path / "broken.csv").write_bytes(content.replace(b",jdoe,news,", b",jane,news,"))
    result = cli("scenario", "import", "broken.csv", expect=1)
    assert "broken.csv:36: injects row 3, column time: '2 min' is not +HH:MM:SS" in result.output
    assert "broken.csv:38: injects row 5, column from: unknown persona 'jane'" in result.output
    assert "2 problem(s) in broken.csv: nothing imported" in result.output
    assert sorted(p.name for p in library.iterdir()) == ["mini.yaml"]


def test_import_as_yaml_writes_elsewhere_or_to_stdout(cli, library, tmp_path):
    (tmp_path / "mini.xlsx").write_bytes(msel.export(gen_scenario(), "xlsx"))
    assert cli("scenario", "import", "mini.xlsx", "--as-yaml", "-").output == msel.to_yaml(gen_scenario())
    cli("scenario", "import", "mini.xlsx", "--as-yaml", "out.yaml")
    assert check_scenario_file(tmp_path / "out.yaml") == (gen_scenario(), [])
    assert (
        "out.yaml exists: pass --replace"
        in cli("scenario", "import", "mini.xlsx", "--as-yaml", "out.yaml", expect=1).output
    )
    assert sorted(p.name for p in library.iterdir()) == ["mini.yaml"]


def test_import_of_a_missing_or_unknown_file(cli):
    assert "cannot read nothing.csv" in cli("scenario", "import", "nothing.csv", expect=1).output
    Path("notes.txt").write_text("hello")
    assert (
        "unknown file type; expected .yaml, .yml, .csv or .xlsx"
        in cli("scenario", "import", "notes.txt", expect=1).output
    )
