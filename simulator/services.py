"""What the CLI and the web app share: settings, database, event store, scenario library."""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
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


@dataclass
class ScenarioLibrary:
    """The scenario files of one folder, loaded once and reloaded on demand."""

    directory: Path
    scenarios: dict[str, Scenario] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.reload()

    def reload(self) -> None:
        self.scenarios, self.problems = load_library(self.directory)

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
