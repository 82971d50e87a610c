"""Run a server with a log of its garbage-collector pauses: ``python -m bench.gcwatch <module>``.

The server module is imported first (it monkey-patches before anything else is loaded), then a
``gc.callbacks`` hook writes every full (generation 2) collection, and any collection that took more
than 5 ms, to ``$GC_LOG`` as JSON lines. The hook costs microseconds per collection.
"""

import importlib
import sys

server = importlib.import_module(sys.argv[1])  # monkey-patches, then imports the app

import gc  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import time  # noqa: E402
from typing import Any  # noqa: E402

_started: list[float] = [0.0, 0.0]


def _watch(phase: str, info: dict[str, Any]) -> None:
    """Young collections happen thousands of times a second under load: for them only the wall
    clock is read (no system call); the CPU clock only for full collections."""
    full = info["generation"] == 2
    if phase == "start":
        _started[0] = time.perf_counter()
        if full:
            _started[1] = time.thread_time()
        return
    wall_ms = (time.perf_counter() - _started[0]) * 1000
    if full or wall_ms > 5:
        cpu_ms = (time.thread_time() - _started[1]) * 1000 if full else wall_ms
        record = {"at_ms": time.time() * 1000, "gen": info["generation"], "wall_ms": wall_ms}
        _log.write(json.dumps({**record, "cpu_ms": cpu_ms, "collected": info["collected"]}) + "\n")


_log = open(os.environ["GC_LOG"], "a", buffering=1)  # noqa: SIM115 - lives as long as the process
gc.callbacks.append(_watch)
sys.exit(server.main())
