"""The scenario library follows its folder: a file added by another process appears without a restart."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from simulator.services import ScenarioLibrary
from tests.factories import DATA


def test_the_library_sees_files_added_changed_and_removed_by_someone_else(tmp_path: Path) -> None:
    library = ScenarioLibrary(tmp_path)
    assert library.all() == []
    added = tmp_path / "mini.yaml"
    shutil.copy(DATA / "mini.yaml", added)
    assert [s.id for s in library.all()] == ["mini-drill"]

    text = added.read_text(encoding="utf-8")
    added.write_text(text.replace("id: mini-drill", "id: mini-drill-2", 1), encoding="utf-8")
    os.utime(added, ns=(added.stat().st_atime_ns, added.stat().st_mtime_ns + 1_000_000))
    assert library.get("mini-drill-2").id == "mini-drill-2"
    assert "mini-drill" not in library.scenarios

    added.unlink()
    assert library.scenarios == {}
