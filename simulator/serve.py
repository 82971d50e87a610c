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
elif ASYNC_MODE == "gevent":
    from gevent import monkey

    monkey.patch_all()

import logging  # noqa: E402
import sys  # noqa: E402

from simulator.config import SettingsError, load_settings  # noqa: E402
from simulator.services import DatabaseUnreachable, open_services  # noqa: E402
from simulator.store.migrate import is_up_to_date  # noqa: E402
from simulator.web import create_app  # noqa: E402
from simulator.web.extensions import socketio  # noqa: E402
from simulator.web.scheduler import run_scheduler  # noqa: E402

MAX_CONNECTIONS = 10_000  # eventlet's WSGI server silently caps at 1024 otherwise


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
    app = create_app(services=services)
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
