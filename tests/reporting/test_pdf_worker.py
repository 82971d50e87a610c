"""The server lays PDF reports out in a child process (WeasyPrint would hold its event loop for seconds
to a minute); a failed or stuck layout is reported with its reason."""

from __future__ import annotations

import io
import stat
import sys
import threading
from pathlib import Path

import pytest
from pypdf import PdfReader

from simulator.reporting import pdf_worker
from simulator.reporting.pdf_worker import PdfFailed, render_in_child


def fake_python(tmp_path: Path, body: str) -> str:
    script = tmp_path / "python"
    script.write_text(f"#!/bin/sh\n{body}\n")
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return str(script)


def test_the_child_lays_the_html_out_as_a_pdf():
    pdf = render_in_child("<html><body><h1>Holding statement — café</h1></body></html>")
    text = PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    assert "Holding statement — café" in text


def test_a_failed_layout_says_why(tmp_path, monkeypatch):
    monkeypatch.setattr(
        sys, "executable", fake_python(tmp_path, 'echo "OSError: no fonts found" >&2; exit 3')
    )
    with pytest.raises(PdfFailed, match=r"exit status 3\): OSError: no fonts found"):
        render_in_child("<p>x</p>")


def test_output_that_is_not_a_pdf_is_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(sys, "executable", fake_python(tmp_path, "cat"))
    with pytest.raises(PdfFailed, match="exit status 0"):
        render_in_child("<p>not a pdf</p>")


def test_a_stuck_layout_is_stopped(tmp_path, monkeypatch):
    monkeypatch.setattr(sys, "executable", fake_python(tmp_path, "exec sleep 30"))
    with pytest.raises(PdfFailed, match=r"more than 0\.3 s"):
        render_in_child("<p>x</p>", timeout_s=0.3)


def test_children_take_turns(tmp_path, monkeypatch):
    """Each child needs hundreds of MB: beyond ``MAX_CHILDREN`` a download waits for a turn."""
    started = tmp_path / "started"
    monkeypatch.setattr(sys, "executable", fake_python(tmp_path, f"echo x >> {started}; printf %%PDF-1.7"))
    turns = threading.BoundedSemaphore(1)
    monkeypatch.setattr(pdf_worker, "_turns", turns)
    turns.acquire()  # another download holds the only turn
    results: list[bytes] = []
    waiting = threading.Thread(target=lambda: results.append(render_in_child("<p>x</p>")))
    waiting.start()
    waiting.join(timeout=0.5)
    assert waiting.is_alive() and not started.exists()  # no child while the turn is taken
    turns.release()
    waiting.join(timeout=30)
    assert results == [b"%PDF-1.7"] and started.read_text() == "x\n"
