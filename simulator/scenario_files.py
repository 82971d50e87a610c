"""The scenario library folder on disk: find the file of a scenario id, add or replace a scenario.

Used by ``crisisdrill scenario import`` and the facilitator's upload page. Writes are atomic (a
temporary file renamed into place), so a library reload never reads half a file, and adding a new
scenario never overwrites a file that appeared meanwhile.
"""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path

_ID_LINE = re.compile(r"""^id:[ \t]*["']?([a-z0-9][a-z0-9-]*)["']?[ \t]*(?:#.*)?$""", re.MULTILINE)


class ScenarioExists(Exception):
    """The library already has this scenario id (or a file of that name); pass ``replace``."""

    def __init__(self, scenario_id: str, path: Path) -> None:
        self.scenario_id, self.path = scenario_id, path
        super().__init__(
            f"the library already has a scenario {scenario_id!r} ({path.name}); "
            "tick replace (or pass --replace) to overwrite it"
        )


def declared_id(path: Path) -> str | None:
    """The top-level ``id:`` of a scenario file, read without parsing the whole YAML."""
    try:
        match = _ID_LINE.search(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError):
        return None
    return match[1] if match else None


def library_file(directory: Path, scenario_id: str) -> Path | None:
    """The file of ``directory`` that declares ``scenario_id`` (``<id>.yaml`` is looked at first)."""
    named = [directory / f"{scenario_id}.yaml", directory / f"{scenario_id}.yml"]
    others = sorted({*directory.glob("*.yaml"), *directory.glob("*.yml")} - set(named))
    return next((p for p in [*named, *others] if p.is_file() and declared_id(p) == scenario_id), None)


def save_scenario(directory: Path, scenario_id: str, text: str, replace: bool = False) -> Path:
    """Write ``text`` (a valid scenario's YAML) into the library; return the file written.

    An existing scenario with this id is overwritten in its own file only when ``replace`` is true;
    otherwise ``ScenarioExists`` is raised, as it is when ``<id>.yaml`` exists (whatever it holds)."""
    existing = library_file(directory, scenario_id)
    target = existing or directory / f"{scenario_id}.yaml"
    if not replace and (existing is not None or target.exists()):
        raise ScenarioExists(scenario_id, existing or target)
    directory.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{scenario_id}.", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as out:
            out.write(text if text.endswith("\n") else text + "\n")
        os.chmod(temporary, 0o644)
        if replace:
            os.replace(temporary, target)
        else:
            try:
                os.link(temporary, target)  # fails if the file appeared since the check
            except FileExistsError:
                raise ScenarioExists(scenario_id, target) from None
            except OSError:  # no hard links on this file system: check, then rename
                if target.exists():
                    raise ScenarioExists(scenario_id, target) from None
                os.replace(temporary, target)
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)
    return target
