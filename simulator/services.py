"""What the CLI and the web app share: settings, database, event store, scenario library."""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from .config import Settings
from .engine.clock import Clock, SystemClock
from .engine.loader import Problem, load_library
from .engine.scenario import Scenario
from .store.db import make_engine, make_sessionmaker
from .store.exercises import ExerciseStore


class UnknownScenario(LookupError):
    pass


class DatabaseUnreachable(RuntimeError):
    pass


class ScenarioLibrary:
    """The scenario files of one folder, loaded once and reloaded when a file changes.

    Every read compares the folder's files (names, sizes, modification times) with the last load, so
    a scenario uploaded through one server process, or copied into the folder, appears in every
    process without a restart. The check is a few ``stat`` calls."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._scenarios: dict[str, Scenario] = {}
        self._problems: list[Problem] = []
        self._signature: tuple[tuple[str, int, int], ...] | None = None
        self.reload()

    def _current_signature(self) -> tuple[tuple[str, int, int], ...]:
        try:
            files = [f for f in self.directory.iterdir() if f.suffix in (".yaml", ".yml")]
            return tuple(sorted((f.name, f.stat().st_mtime_ns, f.stat().st_size) for f in files))
        except OSError:
            return ()

    def reload(self) -> None:
        self._signature = self._current_signature()
        self._scenarios, self._problems = load_library(self.directory)

    def _fresh(self) -> None:
        if self._current_signature() != self._signature:
            self.reload()

    @property
    def scenarios(self) -> dict[str, Scenario]:
        self._fresh()
        return self._scenarios

    @property
    def problems(self) -> list[Problem]:
        self._fresh()
        return self._problems

    def all(self) -> list[Scenario]:
        return sorted(self.scenarios.values(), key=lambda s: (s.language, s.title))

    def get(self, scenario_id: str) -> Scenario:
        try:
            return self.scenarios[scenario_id]
        except KeyError:
            close = difflib.get_close_matches(scenario_id, list(self.scenarios), n=3)
            hint = f"; did you mean {', '.join(close)}?" if close else ""
            known = ", ".join(sorted(self.scenarios)) or "none"
            raise UnknownScenario(f"unknown scenario {scenario_id!r}{hint} (available: {known})") from None


@dataclass
class Services:
    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    store: ExerciseStore
    library: ScenarioLibrary
    clock: Clock

    def check_database(self) -> None:
        """Raise ``DatabaseUnreachable`` with the URL (password hidden) and the driver's reason."""
        try:
            with self.engine.connect() as connection:
                connection.execute(text("SELECT 1"))
        except OperationalError as exc:
            url = self.engine.url.render_as_string(hide_password=True)
            reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
            raise DatabaseUnreachable(f"cannot reach the database at {url}: {reason}") from None


def open_services(
    settings: Settings, clock: Clock | None = None, library_dir: Path | None = None
) -> Services:
    engine = make_engine(settings.database_url, settings.async_mode)
    sessions = make_sessionmaker(engine)
    clock = clock or SystemClock()
    return Services(
        settings=settings,
        engine=engine,
        sessions=sessions,
        store=ExerciseStore(sessions, clock),
        library=ScenarioLibrary(library_dir or settings.scenarios_dir),
        clock=clock,
    )
