"""What the figures were measured on: machine, library versions, date, commit."""

from __future__ import annotations

import json
import os
import platform
import subprocess
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = (
    "flask",
    "flask-socketio",
    "python-socketio",
    "python-engineio",
    "simple-websocket",
    "eventlet",
    "gevent",
    "greenlet",
    "sqlalchemy",
    "psycopg2-binary",
    "psycopg",
    "redis",
)


def machine() -> str:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    return f"{cpu}, {os.cpu_count()} cores, Python {platform.python_version()}, {platform.system()} {platform.release()}"


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "not installed"


def _run(*command: str) -> str:
    try:
        return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=10).stdout.strip()
    except OSError:
        return ""


def versions() -> dict[str, str]:
    found = {name: _version(name) for name in PACKAGES}
    found["node"] = _run("node", "--version").lstrip("v") or "not installed"
    client = ROOT / "node_modules" / "socket.io-client" / "package.json"
    found["socket.io-client (npm)"] = json.loads(client.read_text())["version"] if client.exists() else "-"
    return found


def about() -> dict[str, Any]:
    commit = _run("git", "rev-parse", "--short", "HEAD")
    # The benchmark's own output (a previous run's docs/benchmarks.md) is not a change to what is measured.
    dirty = bool(
        _run("git", "status", "--porcelain", "--untracked-files=no", "--", ".", ":!docs/benchmarks.md")
    )
    return {
        "machine": machine(),
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "commit": f"{commit}{' + uncommitted changes' if dirty else ''}" if commit else "uncommitted",
        "versions": versions(),
        "load": " ".join(Path("/proc/loadavg").read_text().split()[:3]),
    }


def server_versions(postgres_url: str, redis_url: str) -> str:
    """PostgreSQL's and Redis's versions, for the record."""
    import redis
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    engine = create_engine(make_url(postgres_url).set(drivername="postgresql+psycopg2"))
    try:
        with engine.connect() as connection:
            postgres = connection.execute(text("SHOW server_version")).scalar()
    finally:
        engine.dispose()
    queue = redis.Redis.from_url(redis_url)
    try:
        version = queue.info("server")["redis_version"]
    finally:
        queue.close()
    return f"PostgreSQL {postgres}, Redis {version}, on loopback"
