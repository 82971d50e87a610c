"""End-to-end fixtures: the real eventlet server in a subprocess and Debian's Chromium (Playwright).

Every test here skips on a laptop without ``/usr/bin/chromium`` and fails under ``CI=true``
(``tests/browser.py``). Nothing sleeps: tests wait on conditions, with generous timeouts because the
machines they run on are small and shared.

Screenshots go to the test's temporary folder; with ``CRISISDRILL_SCREENSHOTS=docs/screenshots`` they
are also copied there, for the README:
``CRISISDRILL_SCREENSHOTS=docs/screenshots .venv/bin/pytest tests/e2e/test_full_exercise.py``.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from simulator.config import load_settings
from simulator.services import open_services
from simulator.store import accounts, migrate
from tests.browser import chromium, require_chromium
from tests.conftest import ROOT
from tests.live import LiveServer, free_port

FACILITATOR = "alice"
PASSWORD = "correct-horse-battery"
TIMEOUT_MS = 20_000  # every wait on a page: generous, the machine may be small and busy
SCREENSHOTS_ENV = "CRISISDRILL_SCREENSHOTS"
expect.set_options(timeout=TIMEOUT_MS)  # Playwright's assertions wait 5 s by default

LAPTOP = {"viewport": {"width": 1440, "height": 900}}
PHONE = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
    "user_agent": "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0 Mobile Safari/537.36",
}


@dataclass
class Drill:
    """A running server on a fresh instance folder, with the facilitator account ``alice``."""

    server: LiveServer
    instance: Path

    @property
    def url(self) -> str:
        return self.server.url


FAILED = pytest.StashKey[bool]()  # set on each test item: did its call phase fail?


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    outcome = yield
    report = outcome.get_result()
    if report.when == "call":
        item.stash[FAILED] = report.failed


@pytest.fixture
def start_drill(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Callable[[Path], Drill]]:
    """Start ``python -m simulator.serve`` (eventlet) on a scenario library; stopped after the test,
    when the end of its log is printed if the test failed."""
    servers: list[LiveServer] = []

    def start(scenarios: Path) -> Drill:
        instance = tmp_path / "instance"
        env = {
            "CRISISDRILL_INSTANCE": str(instance),
            "CRISISDRILL_SCENARIOS": str(scenarios),
            "DATABASE_URL": f"sqlite:///{instance / 'e2e.db'}",
            "ASYNC_MODE": "eventlet",
            "CRISISDRILL_ENV": "development",
            "MESSAGE_QUEUE_URL": "",  # one process: never the developer's Redis
            "PUBLIC_URL": "",
        }
        services = open_services(load_settings(env))
        try:
            migrate.upgrade(services.engine)
            accounts.add_facilitator(services.sessions, services.clock, FACILITATOR, PASSWORD)
        finally:
            services.engine.dispose()
        server = LiveServer(env, free_port())
        servers.append(server)
        server.start()
        return Drill(server, instance)

    yield start
    for server in servers:
        server.stop()
        if request.node.stash.get(FAILED, False) and server.log.exists():
            print(f"--- end of {server.log}:", *server.log.read_text().splitlines()[-60:], sep="\n")


@pytest.fixture
def browser() -> Iterator[Any]:
    require_chromium()  # skip (or fail under CI=true) before starting anything
    with chromium() as launched:
        yield launched


@dataclass
class Watch:
    """What the pages reported: CSP violations, uncaught errors and dialogs (type, message)."""

    csp: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    dialogs: list[tuple[str, str]] = field(default_factory=list)
    accept_confirm: str = "End the exercise"

    def attach(self, page: Any, label: str) -> Any:
        page.set_default_timeout(TIMEOUT_MS)
        page.on("console", lambda m: self._console(label, m))
        page.on("pageerror", lambda e: self.errors.append(f"{label}: {e}"))
        page.on("dialog", self._dialog)
        return page

    def _console(self, label: str, message: Any) -> None:
        if "Content Security Policy" in message.text:
            self.csp.append(f"{label}: {message.text}")

    def _dialog(self, dialog: Any) -> None:
        self.dialogs.append((dialog.type, dialog.message))
        if dialog.type == "confirm" and dialog.message.startswith(self.accept_confirm):
            dialog.accept()
        else:
            dialog.dismiss()

    def assert_clean(self) -> None:
        assert not self.csp, self.csp
        assert not self.errors, self.errors
        unexpected = [
            d for d in self.dialogs if not (d[0] == "confirm" and d[1].startswith(self.accept_confirm))
        ]
        assert not unexpected, unexpected


@pytest.fixture
def watch() -> Watch:
    return Watch()


class Shots:
    """Screenshots into the test's temp folder, copied to ``$CRISISDRILL_SCREENSHOTS`` when set."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.folder.mkdir(parents=True, exist_ok=True)
        self.taken: list[Path] = []

    def take(self, page: Any, name: str, **options: Any) -> Path:
        path = self.folder / f"{name}.png"
        page.screenshot(path=str(path), animations="disabled", caret="hide", **options)
        self.taken.append(path)
        return path

    def publish(self) -> None:
        target = os.environ.get(SCREENSHOTS_ENV)
        if not target:
            return
        folder = Path(target) if Path(target).is_absolute() else ROOT / target
        folder.mkdir(parents=True, exist_ok=True)
        for path in self.taken:
            shutil.copyfile(path, folder / path.name)


@pytest.fixture
def shots(tmp_path: Path) -> Iterator[Shots]:
    taken = Shots(tmp_path / "screenshots")
    yield taken
    taken.publish()


# --- what a user does -------------------------------------------------------------------------------


def sign_in(page: Any, url: str) -> None:
    """The facilitator signs in through the login page and lands on the dashboard."""
    page.goto(f"{url}/facilitator/login")
    page.fill("input[name=name]", FACILITATOR)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector("#new-exercise")


def create_exercise(page: Any, scenario_id: str, title: str, teams: str) -> str:
    """Create an exercise from the dashboard form; returns its id once the console has loaded."""
    page.check(f"input[name=scenario_id][value='{scenario_id}']")
    page.fill("#new-exercise input[name=title]", title)
    page.fill("#new-exercise input[name=teams]", teams)
    page.click("#new-exercise button[type=submit]")
    page.wait_for_selector("#console .team-card")
    return page.get_attribute("#console", "data-exercise-id")


def join_codes(console: Any) -> dict[str, str]:
    """slot -> join code, as the console's team cards show them."""
    return {
        card.get_attribute("data-team"): card.locator(".join-code").inner_text().strip()
        for card in console.locator("#team-cards .team-card").all()
    }


def join(page: Any, url: str, code: str, display_name: str) -> None:
    """A participant joins through the join page: code, then display name, then the team screen."""
    page.goto(f"{url}/join")
    page.fill("input[name=code]", code)
    page.click("button[type=submit]")
    page.fill("input[name=display_name]", display_name)
    page.click("button[type=submit]")
    page.wait_for_selector("#team-app .app-header")
    page.wait_for_selector("#connection[data-state=online]")
    page.wait_for_selector(".member-list li .muted", state="attached")  # "(you)": the snapshot is in
