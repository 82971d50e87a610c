"""The wheel carries everything a user needs: scenarios, templates and static files are found from an
install outside the checkout, not only from an editable install."""

from __future__ import annotations

import os
import subprocess
import sys
import venv
from pathlib import Path

import pytest

from tests.conftest import ROOT

pytestmark = pytest.mark.slow


def run(*args: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=600, check=False)


def test_built_wheel_installed_elsewhere_lists_the_scenario_library(tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    built = run(
        sys.executable,
        "-m",
        "build",
        "--wheel",
        "--no-isolation",
        "--outdir",
        str(dist),
        str(ROOT),
        cwd=tmp_path,
    )
    assert built.returncode == 0, built.stdout[-2000:] + built.stderr[-2000:]
    wheel = next(dist.glob("crisisdrill-*.whl"))

    target = tmp_path / "venv"
    venv.EnvBuilder(with_pip=True).create(target)
    python = target / "bin" / "python"
    installed = run(
        str(python),
        "-m",
        "pip",
        "install",
        "--quiet",
        "--disable-pip-version-check",
        str(wheel),
        cwd=tmp_path,
    )
    assert installed.returncode == 0, installed.stderr[-2000:]

    env = {k: v for k, v in os.environ.items() if not k.startswith(("CRISISDRILL_", "PYTHON"))}
    env["CRISISDRILL_INSTANCE"] = str(tmp_path / "instance")
    listed = run(str(target / "bin" / "crisisdrill"), "scenario", "list", cwd=tmp_path, env=env)
    assert listed.returncode == 0, listed.stderr
    shipped = sorted(p.stem for p in (ROOT / "scenarios").glob("*.yaml"))
    for scenario_id in shipped:
        assert scenario_id in listed.stdout

    probe = (
        "from simulator.paths import templates_dir, static_dir, is_checkout;"
        "assert not is_checkout();"
        "assert (templates_dir() / 'index.html').is_file(), templates_dir();"
        "assert (static_dir() / 'css' / 'app.css').is_file();"
        "assert (static_dir() / 'vendor' / 'socket.io.min.js').is_file();"
        "from simulator.store.migrate import head_revision; assert head_revision();"
        "from simulator.translations import translations;"
        "assert translations('fr').gettext('Scenario library') == 'Bibliothèque de scénarios'"
    )
    checked = run(str(python), "-c", probe, cwd=tmp_path, env=env)
    assert checked.returncode == 0, checked.stderr
