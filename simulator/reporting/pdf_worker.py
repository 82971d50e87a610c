"""Lay out a report's HTML as a PDF in a child process: ``python -m simulator.reporting.pdf_worker``.

WeasyPrint takes seconds to a minute for a real report (15 s for 12 teams and 145 replies, 60 s for
50 teams and 583 replies, on a 2-core machine) and holds the GIL all along. In the server's process,
under eventlet or gevent, that would stop every screen of every exercise for as long, past Socket.IO's
ping timeout (so they would all drop and reconnect). In a child process the layout uses another core
and the server only waits on a pipe, which eventlet and gevent make a cooperative wait (both patch
``subprocess``). The CLI lays out in its own process (``exports.to_pdf``).

The child reads the HTML on stdin and writes the PDF on stdout; anything else goes to stderr. A child
needs a lot of memory (460 MB at its peak for 12 teams), so a server process runs at most
``MAX_CHILDREN`` at once; further downloads wait for a turn.
"""

from __future__ import annotations

import subprocess
import sys
import threading

TIMEOUT_S = 600.0
MAX_CHILDREN = 2
_turns = threading.BoundedSemaphore(MAX_CHILDREN)  # green under eventlet or gevent (patched first)


class PdfFailed(RuntimeError):
    """The child could not lay the report out; the message says why."""


def render_in_child(html: str, timeout_s: float = TIMEOUT_S) -> bytes:
    try:
        with _turns:
            done = subprocess.run(
                [sys.executable, "-m", __name__],
                input=html.encode(),
                capture_output=True,
                timeout=timeout_s,
                check=False,
            )
    except subprocess.TimeoutExpired:
        raise PdfFailed(f"the PDF layout took more than {timeout_s:g} s and was stopped") from None
    if done.returncode != 0 or not done.stdout.startswith(b"%PDF"):
        lines = done.stderr.decode(errors="replace").strip().splitlines()
        reason = lines[-1] if lines else "no output"
        raise PdfFailed(f"the PDF layout failed (exit status {done.returncode}): {reason}")
    return done.stdout


def main() -> int:
    from .exports import to_pdf

    html = sys.stdin.buffer.read().decode()
    sys.stdout.buffer.write(to_pdf(html))
    sys.stdout.buffer.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
