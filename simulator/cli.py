"""The ``crisisdrill`` command."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click
from sqlalchemy.exc import OperationalError, ProgrammingError

from .config import Settings, SettingsError, load_settings
from .engine.durations import format_clock, format_duration
from .engine.exercise import CommandRejected, Exercise
from .engine.loader import check_scenario_file
from .engine.scenario import Scenario
from .services import DatabaseUnreachable, Services, UnknownScenario, open_services
from .store import accounts, migrate, projections

DEMO_SCENARIO = "ceo-scandal"
DEMO_TEAMS = ("Red", "Blue", "Green")
DEMO_FACILITATOR = "demo"


def fail(message: str, status: int = 2) -> None:
    click.echo(f"crisisdrill: {message}", err=True)
    sys.exit(status)


@contextmanager
def services_or_exit(needs_schema: bool = True) -> Iterator[Services]:
    """Open the services, turning unreachable databases and bad settings into clear errors."""
    try:
        services = open_services(load_settings())
        services.check_database()
        if needs_schema and not migrate.is_up_to_date(services.engine):
            fail("the database schema is not up to date: run `crisisdrill db upgrade` first")
        yield services
    except SettingsError as exc:
        fail(str(exc))
    except DatabaseUnreachable as exc:
        fail(str(exc))
    except (OperationalError, ProgrammingError) as exc:
        fail(f"database error: {str(exc.orig or exc).splitlines()[0]}")


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="crisisdrill")
def main() -> None:
    """Crisis Drill: rehearse a social-media crisis with live injects and explainable scores."""


# --- server -------------------------------------------------------------------------------------


@main.command()
@click.option("--host", help="Interface to listen on (HOST, default 127.0.0.1).")
@click.option("--port", type=int, help="Port (PORT, default 5000).")
@click.option("--async-mode", type=click.Choice(["eventlet", "gevent", "threading"]), help="ASYNC_MODE.")
def run(host: str | None, port: int | None, async_mode: str | None) -> None:
    """Start the server (eventlet by default)."""
    env = dict(os.environ)
    if host:
        env["HOST"] = host
    if port:
        env["PORT"] = str(port)
    if async_mode:
        env["ASYNC_MODE"] = async_mode
    try:  # refuse bad settings here, with a clear message and status 2, before starting anything
        settings = load_settings(env)
    except SettingsError as exc:
        fail(str(exc))
    if settings.production and not settings.secret_key:
        fail("SECRET_KEY must be set when CRISISDRILL_ENV=production")
    # A fresh interpreter, so the entry module can monkey-patch before anything else is imported.
    os.execve(sys.executable, [sys.executable, "-m", "simulator.serve"], env)


# --- scenarios ----------------------------------------------------------------------------------


@main.group()
def scenario() -> None:
    """Validate, list, show, import and export scenarios."""


@scenario.command("validate")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
def scenario_validate(paths: tuple[Path, ...]) -> None:
    """Check scenario files (default: the whole library). Exit 1 on any error."""
    files: list[Path] = []
    for path in paths or (load_settings().scenarios_dir,):
        if path.is_dir():
            files += sorted([*path.glob("*.yaml"), *path.glob("*.yml")])
        else:
            files.append(path)
    if not files:
        fail("no scenario file to validate", 1)
    bad = 0
    seen_ids: dict[str, Path] = {}
    for path in files:
        found, problems = check_scenario_file(path)
        if found is not None and found.id in seen_ids:
            click.echo(f"{path}:1: id: scenario id {found.id!r} is already used by {seen_ids[found.id]}")
            bad += 1
            continue
        if problems:
            bad += 1
            for problem in problems:
                click.echo(str(problem))
        else:
            assert found is not None
            seen_ids[found.id] = path
            click.echo(f"{path}: ok ({found.id}, {len(found.injects)} injects)")
    if bad:
        click.echo(f"{bad} of {len(files)} file(s) invalid", err=True)
        sys.exit(1)


def _library() -> Any:
    from .services import ScenarioLibrary

    try:
        return ScenarioLibrary(load_settings().scenarios_dir)
    except SettingsError as exc:
        fail(str(exc))


@scenario.command("list")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def scenario_list(as_json: bool) -> None:
    """List the scenario library."""
    library = _library()
    rows = [
        {
            "id": s.id,
            "language": s.language.value,
            "duration": format_duration(s.duration),
            "injects": len(s.injects),
            "title": s.title,
        }
        for s in library.all()
    ]
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
    else:
        click.echo(f"{'ID':<22} {'LANG':<4} {'LENGTH':>7} {'INJECTS':>7}  TITLE")
        for r in rows:
            click.echo(f"{r['id']:<22} {r['language']:<4} {r['duration']:>7} {r['injects']:>7}  {r['title']}")
    for problem in library.problems:
        click.echo(f"warning: {problem}", err=True)


@scenario.command("show")
@click.argument("scenario_id")
def scenario_show(scenario_id: str) -> None:
    """Show a scenario and the timeline of its injects."""
    try:
        found: Scenario = _library().get(scenario_id)
    except UnknownScenario as exc:
        fail(str(exc), 1)
        return
    click.echo(f"{found.title}  [{found.id}, {found.language.value}, {format_duration(found.duration)}]")
    click.echo(f"Organisation: {found.organisation.name} {found.organisation.handle}")
    click.echo(f"\n{found.summary}\n")
    click.echo(
        f"Facts: {len(found.facts)}   Personas: {len(found.personas)}   Injects: {len(found.injects)}\n"
    )
    timed = sorted((i for i in found.injects if i.at is not None), key=lambda i: i.at or 0)
    triggered = [i for i in found.injects if i.at is None]
    for inject in timed:
        click.echo(_inject_line(found, inject, format_clock(inject.at or 0)))
    if triggered:
        click.echo("\nFired by escalations or by hand:")
        for inject in triggered:
            sources = [
                f"{src.id} ({rule.when}{' ' + format_duration(rule.after) if rule.after else ''}"
                f"{' ' + rule.flag if rule.flag else ''})"
                for src in found.injects
                for rule in src.escalate
                if rule.inject == inject.id
            ]
            line = _inject_line(found, inject, "   --   ")
            click.echo(line + (f"  ← {', '.join(sources)}" if sources else ""))


def _inject_line(found: Scenario, inject: Any, when: str) -> str:
    persona = found.persona(inject.from_)
    reply = f" reply≤{format_duration(inject.reply_within)}" if inject.expects_reply else ""
    targets = "" if inject.to == "all" else f" → {','.join(inject.to)}"
    return (
        f"{when}  {inject.channel.value:<9} sev{inject.severity} {inject.id:<26} "
        f"{persona.name} ({persona.kind.value}){reply}{targets}"
    )


@scenario.command("schema")
@click.option("-o", "--output", type=click.Path(path_type=Path), help="Write to a file instead of stdout.")
def scenario_schema(output: Path | None) -> None:
    """Print the JSON Schema of the scenario format (generated from the models)."""
    text = json.dumps(scenario_json_schema(), indent=2, ensure_ascii=False) + "\n"
    if output:
        output.write_text(text, encoding="utf-8")
    else:
        click.echo(text, nl=False)


def scenario_json_schema() -> dict[str, Any]:
    schema = Scenario.model_json_schema(by_alias=True, mode="validation")
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "Crisis Drill scenario"
    return schema


@scenario.command("export")
@click.argument("scenario_id")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["csv", "xlsx", "yaml"]),
    help="MSEL spreadsheet (csv, xlsx) or yaml. Default: from the -o file name, else csv.",
)
@click.option("-o", "--output", type=click.Path(path_type=Path), help="Write to a file (required for xlsx).")
def scenario_export(scenario_id: str, fmt: str | None, output: Path | None) -> None:
    """Export a scenario as an MSEL spreadsheet (one row per inject): CSV or XLSX."""
    from .engine import msel

    fmt = fmt or (output.suffix.lower().lstrip(".") if output else "csv").replace("yml", "yaml")
    if fmt not in ("csv", "xlsx", "yaml"):
        fail(f"cannot tell the format from {output}: add --format csv, xlsx or yaml", 1)
    if fmt == "xlsx" and output is None:
        fail("an XLSX workbook needs a file: add -o FILE.xlsx", 1)
    try:
        found = _library().get(scenario_id)
    except UnknownScenario as exc:
        fail(str(exc), 1)
        return
    if output is None:
        click.echo(msel.to_csv(found) if fmt == "csv" else msel.to_yaml(found), nl=False)
        return
    data = msel.export(found, fmt)
    output.write_bytes(data)
    click.echo(f"Wrote {output} ({len(found.injects)} injects, {len(data):,} bytes)", err=True)


@scenario.command("import")
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False))
@click.option(
    "--as-yaml",
    "out",
    type=click.Path(path_type=Path, dir_okay=False, allow_dash=True),
    help="Write the YAML to this file ('-' for stdout) instead of the library folder.",
)
@click.option("--replace", is_flag=True, help="Overwrite a scenario of the same id (or the --as-yaml file).")
def scenario_import(file: Path, out: Path | None, replace: bool) -> None:
    """Check a scenario (MSEL CSV or XLSX, or YAML) and add it to the library as YAML.

    Every problem is printed (sheet, row and column, or line and field) and nothing is written."""
    from .engine import msel
    from .scenario_files import ScenarioExists, save_scenario

    try:
        content = file.read_bytes()
    except OSError as exc:
        fail(f"cannot read {file}: {exc.strerror}", 1)
        return
    found, text, problems = msel.read_scenario(content, str(file))
    if found is None or text is None:
        for problem in problems:
            click.echo(str(problem))
        fail(f"{len(problems)} problem(s) in {file}: nothing imported", 1)
        return
    if out is not None and str(out) == "-":
        click.echo(text, nl=False)
        return
    if out is not None:
        if out.exists() and not replace:
            fail(f"{out} exists: pass --replace to overwrite it", 1)
        out.write_text(text, encoding="utf-8")
        target = out
    else:
        try:
            target = save_scenario(load_settings().scenarios_dir, found.id, text, replace=replace)
        except SettingsError as exc:
            fail(str(exc))
            return
        except ScenarioExists as exc:
            fail(str(exc).replace("tick replace (or pass --replace)", "pass --replace"), 1)
            return
    click.echo(f"Imported {found.id} ({len(found.injects)} injects) into {target}")


# --- exercises ----------------------------------------------------------------------------------


@main.group()
def exercise() -> None:
    """Create and list exercises."""


@exercise.command("create")
@click.option("--scenario", "scenario_id", required=True, help="Scenario id (see `scenario list`).")
@click.option("--teams", required=True, help='Comma-separated team names, e.g. "Red,Blue,Green".')
@click.option("--title", help="Exercise title (default: the scenario's).")
@click.option("--speed", type=float, default=1.0, show_default=True, help="Time compression ×1 to ×60.")
@click.option("--owner", help="Facilitator who owns the exercise.")
def exercise_create(scenario_id: str, teams: str, title: str | None, speed: float, owner: str | None) -> None:
    """Create an exercise and print each team's join code."""
    names = [n.strip() for n in teams.split(",")]
    if not teams.strip():
        fail('--teams needs at least one team name, e.g. --teams "Red,Blue"', 1)
    with services_or_exit() as services:
        try:
            chosen = services.library.get(scenario_id)
            created = services.store.create_exercise(chosen, names, title=title, speed=speed, owner=owner)
        except (UnknownScenario, CommandRejected) as exc:
            fail(str(exc), 1)
            return
        print_exercise(services.settings, created)


def print_exercise(settings: Settings, created: Exercise) -> None:
    state = created.state
    base = settings.base_url
    click.echo(f"Exercise {state.exercise_id}: {state.title} ({state.scenario.id}, {state.status})")
    click.echo(f"  Facilitator console: {base}/facilitator/exercises/{state.exercise_id}")
    click.echo(f"  Projector view:      {base}/projector/{state.exercise_id}")
    for team in state.teams.values():
        click.echo(f"  {team.name:<16} join code {team.join_code}   {base}/join/{team.join_code}")


@exercise.command("list")
def exercise_list() -> None:
    """List exercises, newest first."""
    with services_or_exit() as services:
        rows = services.store.list_exercises()
        if not rows:
            click.echo('No exercise yet: `crisisdrill exercise create --scenario ID --teams "A,B"`.')
        for row in rows:
            click.echo(
                f"{row.id}  {row.status:<8} {row.scenario_id:<20} {row.created_at:%Y-%m-%d %H:%M}  {row.title}"
            )


# --- scores -------------------------------------------------------------------------------------


def _emit_json(data: Any, output: Path | None) -> None:
    text = json.dumps(data, ensure_ascii=False, indent=2) + "\n"
    if output:
        output.write_text(text, encoding="utf-8")
        click.echo(f"Wrote {output}", err=True)
    else:
        click.echo(text, nl=False)


@main.command("score")
@click.argument("scenario_id")
@click.argument("replies", type=click.Path(path_type=Path))
@click.option("-o", "--output", type=click.Path(path_type=Path), help="Write the JSON report to a file.")
def score(scenario_id: str, replies: Path, output: Path | None) -> None:
    """Score replies gathered outside the platform (CSV: team,inject_id,published_at,channel,text)."""
    from .paper import CsvProblems, score_csv

    try:
        found = _library().get(scenario_id)
    except UnknownScenario as exc:
        fail(str(exc), 1)
        return
    try:
        report = score_csv(found, replies)
    except CsvProblems as exc:
        for problem in exc.problems:
            click.echo(problem, err=True)
        fail(f"{len(exc.problems)} problem(s) in {replies}: nothing scored", 1)
        return
    _emit_json(report, output)


@main.command()
@click.argument("scenario_id")
@click.option(
    "--teams", type=click.IntRange(1, 50), default=5, show_default=True, help="Bot teams (behaviours cycle)."
)
@click.option(
    "--speed", type=click.FloatRange(1, 60), default=10, show_default=True, help="Time compression."
)
@click.option("--seed", type=int, default=1, show_default=True, help="Random seed (same seed, same report).")
@click.option("--owner", help="Facilitator who can open it in the web app (e.g. demo).")
@click.option("-o", "--output", type=click.Path(path_type=Path), help="Write the JSON report to a file.")
def rehearse(
    scenario_id: str, teams: int, speed: float, seed: int, owner: str | None, output: Path | None
) -> None:
    """Run an exercise headlessly with bot teams of known behaviour, in virtual time; print the report.

    The exercise is kept in the database (its id is in the report)."""
    from .engine.clock import ManualClock
    from .rehearsal import rehearse as play
    from .store.exercises import ExerciseStore

    with services_or_exit() as services:
        try:
            chosen = services.library.get(scenario_id)
        except UnknownScenario as exc:
            fail(str(exc), 1)
            return
        clock = ManualClock(services.clock.now())
        if owner and owner not in accounts.facilitator_names(services.sessions):
            fail(f"no facilitator named {owner!r}: create it with `crisisdrill facilitator add {owner}`", 1)
        report = play(ExerciseStore(services.sessions, clock), clock, chosen, teams, speed, seed, owner=owner)
    click.echo(f"Rehearsal stored as exercise {report['exercise']['id']}", err=True)
    _emit_json(report, output)


@main.command()
@click.argument("exercise_id")
@click.option(
    "--format", "fmt", type=click.Choice(["html", "pdf", "csv", "json"]), default="json", show_default=True
)
@click.option("-o", "--output", type=click.Path(path_type=Path), help="Write to a file (required for pdf).")
def report(exercise_id: str, fmt: str, output: Path | None) -> None:
    """The end-of-exercise report: explained scores, scorecards, charts, debrief, all replies."""
    from .reporting.exports import export
    from .reporting.model import report_model
    from .store.exercises import ExerciseNotFound

    if fmt == "pdf" and output is None:
        fail("a PDF needs a file: add -o report.pdf", 1)
    with services_or_exit() as services:
        try:
            state = services.store.exercise(exercise_id).state
        except ExerciseNotFound as exc:
            fail(str(exc), 1)
            return
        data = export(report_model(state, now=services.clock.now()), fmt)
    if output is None:
        click.echo(data.decode(), nl=False)
    else:
        output.write_bytes(data)
        click.echo(f"Wrote {output} ({len(data):,} bytes)", err=True)


# --- database -----------------------------------------------------------------------------------


@main.group()
def db() -> None:
    """Database schema."""


@db.command("upgrade")
def db_upgrade() -> None:
    """Create or upgrade the database schema (safe to run again)."""
    with services_or_exit(needs_schema=False) as services:
        migrate.upgrade(services.engine)
        url = services.engine.url.render_as_string(hide_password=True)
        click.echo(f"Database {url} is at revision {migrate.current_revision(services.engine)}.")


@db.command("rebuild")
def db_rebuild() -> None:
    """Rebuild every projection table from the event log."""
    with services_or_exit() as services, services.sessions.begin() as session:
        count = projections.rebuild(session)
    click.echo(f"Rebuilt projections from {count} events.")


# --- facilitators and the demo ------------------------------------------------------------------


@main.group()
def facilitator() -> None:
    """Facilitator accounts."""


@facilitator.command("add")
@click.argument("name")
@click.option("--password", help="Password (default: generate one and print it).")
def facilitator_add(name: str, password: str | None) -> None:
    """Create a facilitator account."""
    generated = password is None
    password = password or accounts.new_password()
    with services_or_exit() as services:
        try:
            accounts.add_facilitator(services.sessions, services.clock, name, password)
        except accounts.AccountError as exc:
            fail(str(exc), 1)
    click.echo(f"Facilitator {name} created." + (f" Password: {password}" if generated else ""))


@main.command()
def demo() -> None:
    """Prepare the demo: database, a demo facilitator, a CEO-scandal exercise with three teams.

    Safe to run again: it reuses the demo account and the demo exercise while it is not ended."""
    with services_or_exit(needs_schema=False) as services:
        migrate.upgrade(services.engine)
        password = ensure_demo_facilitator(services)
        current = next(
            (r for r in services.store.list_exercises() if r.label == "demo" and r.status != "ended"), None
        )
        if current is None:
            try:
                chosen = services.library.get(DEMO_SCENARIO)
            except UnknownScenario as exc:
                fail(str(exc), 1)
                return
            created = services.store.create_exercise(
                chosen, DEMO_TEAMS, owner=DEMO_FACILITATOR, label="demo", speed=10
            )
        else:
            created = services.store.exercise(current.id)
        base = services.settings.base_url
        click.echo("")
        click.echo("Crisis Drill demo")
        click.echo(f"  Sign in at {base}/facilitator/login as {DEMO_FACILITATOR!r}, password {password}")
        print_exercise(services.settings, created)
        click.echo("")


def ensure_demo_facilitator(services: Services) -> str:
    """The demo account's password, kept in ``instance/demo-facilitator.txt`` so reruns print it."""
    path = services.settings.instance_dir / "demo-facilitator.txt"
    if path.exists():
        password = path.read_text(encoding="utf-8").strip()
    else:
        password = accounts.new_password()
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(password + "\n", encoding="utf-8")
        path.chmod(0o600)
    if DEMO_FACILITATOR in accounts.facilitator_names(services.sessions):
        accounts.set_password(services.sessions, DEMO_FACILITATOR, password)
    else:
        accounts.add_facilitator(services.sessions, services.clock, DEMO_FACILITATOR, password)
    return password


if __name__ == "__main__":
    main()
