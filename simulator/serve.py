"""Production entry point (``crisisdrill run``): the only module that imports eventlet or gevent.

Monkey patching must happen before Flask, SQLAlchemy or redis are imported, so this module patches
first and imports the application afterwards. The async mode is the ``ASYNC_MODE`` setting.
"""

import os
import warnings

ASYNC_MODE = os.environ.get("ASYNC_MODE", "eventlet")
if ASYNC_MODE == "eventlet":
    # We know eventlet is in bug-fix mode (see docs); the async mode is a setting so it can be swapped.
    warnings.filterwarnings("ignore", message=r"\s*Eventlet is deprecated")
    import eventlet

    eventlet.monkey_patch()

    def _green_psycopg2() -> None:
        """Let psycopg2 wait for PostgreSQL through eventlet's hub instead of blocking it.

        monkey_patch() cannot reach libpq's own socket: without this callback every query, and every
        commit's WAL flush, stops all screens for its duration (measured in docs/benchmarks.md)."""
        try:
            from psycopg2 import OperationalError, extensions
        except ImportError:  # SQLite only
            return

        def wait(connection: object, timeout: float | None = None) -> None:
            while True:
                state = connection.poll()  # type: ignore[attr-defined]
                if state == extensions.POLL_OK:
                    return
                if state == extensions.POLL_READ:
                    eventlet.hubs.trampoline(connection.fileno(), read=True)  # type: ignore[attr-defined]
                elif state == extensions.POLL_WRITE:
                    eventlet.hubs.trampoline(connection.fileno(), write=True)  # type: ignore[attr-defined]
                else:
                    raise OperationalError(f"bad state from psycopg2 poll: {state!r}")

        extensions.set_wait_callback(wait)

    _green_psycopg2()
elif ASYNC_MODE == "gevent":
    from gevent import monkey

    monkey.patch_all()

import gc  # noqa: E402
import logging  # noqa: E402
import sys  # noqa: E402
from collections.abc import Callable, Iterable  # noqa: E402
from typing import Any  # noqa: E402

from simulator.config import SettingsError, load_settings  # noqa: E402
from simulator.services import DatabaseUnreachable, open_services  # noqa: E402
from simulator.store.migrate import is_up_to_date  # noqa: E402
from simulator.web import create_app, offload  # noqa: E402
from simulator.web.extensions import socketio  # noqa: E402
from simulator.web.scheduler import run_scheduler  # noqa: E402

MAX_CONNECTIONS = 10_000  # eventlet's WSGI server silently caps at 1024 otherwise
FULL_GC_INTERVAL_S = 60.0
NEVER = 2**31 - 1  # a collector threshold that is never reached


def calm_garbage_collector() -> None:
    """Keep CPython's full collections out of the fan-outs (measured in docs/benchmarks.md).

    A full collection traverses every tracked object and stops every screen meanwhile: 80-250 ms with
    500-1000 screens on two cores. CPython starts one when enough objects have survived younger
    collections, that is in the middle of a fan-out, the moment that allocates most; eventlet's hub
    promotes more objects than gevent's, hence its stall every few dozen broadcasts.

    - ``gc.freeze()`` once the app is built: the ~200,000 objects of imports, app and scenarios go to
      the permanent generation (they are never garbage) and are no longer traversed.
    - Automatic full collections are off; the young generations are collected as before, so
      short-lived reference cycles are still freed at once.
    - ``collect_garbage`` runs the full collection every ``FULL_GC_INTERVAL_S`` instead: on the clock,
      not on a broadcast's allocations.
    """
    gc.collect()
    gc.freeze()
    young, middle, _ = gc.get_threshold()
    gc.set_threshold(young, middle, NEVER)


def native_runner() -> offload.Runner | None:
    """The async library's pool of native threads, for calls that would hold the loop (offload.py)."""
    if ASYNC_MODE == "eventlet":
        from eventlet import tpool

        return tpool.execute
    if ASYNC_MODE == "gevent":
        import gevent

        return lambda fn, *args: gevent.get_hub().threadpool.apply(fn, args)
    return None


def collect_garbage() -> None:
    """Background task: the full collection that ``calm_garbage_collector`` took off the allocator."""
    while True:
        socketio.sleep(FULL_GC_INTERVAL_S)
        gc.collect()


def without_websocket_compression(wsgi_app: Callable[..., Iterable[bytes]]) -> Callable[..., Iterable[bytes]]:
    """Decline the permessage-deflate extension that browsers offer on every WebSocket.

    With it, each connection keeps its own zlib compressor (about 150 KiB of the 210 KiB a screen
    cost) and every push is deflated once per screen (a fifth of the fan-out's CPU), to save a few
    hundred bytes per push on a local network. Removing the offer before the handshake works for every
    async mode (eventlet's WebSocket, simple-websocket)."""

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        environ.pop("HTTP_SEC_WEBSOCKET_EXTENSIONS", None)
        return wsgi_app(environ, start_response)

    return app


def main() -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("alembic").setLevel(logging.WARNING)
    try:
        settings = load_settings()
        services = open_services(settings)
        services.check_database()
    except (SettingsError, DatabaseUnreachable) as exc:
        print(f"crisisdrill run: {exc}", file=sys.stderr)
        return 2
    if not is_up_to_date(services.engine):
        print(
            "crisisdrill run: the database schema is not up to date; run `crisisdrill db upgrade`",
            file=sys.stderr,
        )
        return 2
    try:
        app = create_app(services=services)
    except SettingsError as exc:  # e.g. production without SECRET_KEY
        print(f"crisisdrill run: {exc}", file=sys.stderr)
        return 2
    offload.install(app, native_runner())
    app.wsgi_app = without_websocket_compression(app.wsgi_app)  # type: ignore[method-assign]
    calm_garbage_collector()
    socketio.start_background_task(collect_garbage)
    socketio.start_background_task(run_scheduler, app)
    print(f"Crisis Drill serving on {settings.base_url} (async mode: {settings.async_mode})", flush=True)
    kwargs = {"host": settings.host, "port": settings.port, "use_reloader": False, "log_output": False}
    if settings.async_mode == "eventlet":
        kwargs["max_size"] = MAX_CONNECTIONS
    if settings.async_mode == "threading":
        kwargs["allow_unsafe_werkzeug"] = True
    socketio.run(app, **kwargs)
    return 0


if __name__ == "__main__":
    sys.exit(main())
