"""Run a call that would hold the event loop on a native thread, under eventlet or gevent.

Under eventlet or gevent every green thread shares one OS thread: checking a password (scrypt, about
40 ms of CPU) at sign-in would stop every screen's pushes for that long. ``hashlib.scrypt`` releases
the GIL, so on a native thread it runs beside the loop. The entry module (``simulator/serve.py``), the
only one allowed to import eventlet or gevent, installs that library's pool of native threads; without
one (threading mode, tests, the CLI) the call runs where it is.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from flask import Flask, current_app

T = TypeVar("T")
Runner = Callable[..., Any]

EXTENSION = "crisisdrill_native_runner"


def install(app: Flask, runner: Runner | None) -> None:
    """``runner(fn, *args)`` runs ``fn(*args)`` on a native thread and returns its result."""
    app.extensions[EXTENSION] = runner


def off_loop(fn: Callable[..., T], *args: Any) -> T:
    runner: Runner | None = current_app.extensions.get(EXTENSION)
    return fn(*args) if runner is None else runner(fn, *args)
