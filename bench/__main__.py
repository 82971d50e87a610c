"""Run the benchmarks: ``python -m bench [--quick] [part ...]`` (parts: engine report fanout ingest scaleout).

A full run (every part, not ``--quick``) writes docs/benchmarks.md; any other run writes
bench/results/benchmarks.md, so a partial or quick run never replaces the published figures. Raw
results go next to it as JSON. Needs PostgreSQL (``BENCH_POSTGRES_URL``, default the local ``test``
database) for ``ingest`` and ``scaleout``, and Redis for ``scaleout``.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from pathlib import Path
from typing import Any

from . import engine, live, markdown
from .about import about, server_versions
from .deployment import POSTGRES_URL
from .harness import raise_fd_limit, scratch_dir, stop_on_sigterm

ROOT = Path(__file__).resolve().parent.parent
PARTS = ("engine", "report", "fanout", "ingest", "scaleout")


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("parts", nargs="*", metavar="part", help=f"{', '.join(PARTS)} (default: all)")
    parser.add_argument("--quick", action="store_true", help="fewer screens and broadcasts (~3 min)")
    parser.add_argument("--keep", action="store_true", help="keep the scratch folder (server logs)")
    parser.add_argument(
        "--modes", default=",".join(live.MODES), help="async modes for the fan-out (default: %(default)s)"
    )
    args = parser.parse_args(argv)
    unknown = set(args.parts) - set(PARTS)
    if unknown:
        parser.error(f"unknown part(s) {', '.join(sorted(unknown))}; choose from {', '.join(PARTS)}")
    return args


def run(parts: set[str], quick: bool, modes: list[str], folder: Path) -> dict[str, Any]:
    began = time.monotonic()

    def done(what: str) -> None:
        print(f"[{time.monotonic() - began:5.0f} s] {what} done", flush=True)

    results: dict[str, Any] = {"about": about(), "quick": quick}
    lab = live.Lab(folder, quick=quick)
    # The report first: the engine benchmark leaves thousands of objects behind, which every garbage
    # collection during the report would traverse again (a report runs in a server that freezes its
    # start-up objects, or in a fresh CLI process).
    if "report" in parts:
        results["report"] = engine.bench_report()
        done("report")
    if "engine" in parts:
        results["engine"] = engine.bench_engine(folder / "engine")
        done("engine")
    if "fanout" in parts:
        results["fanout"] = {}
        for mode in modes:
            results["fanout"][mode] = live.fanout_mode(lab, lab.sqlite(), mode)
            done(f"fan-out {mode}")
    if "ingest" in parts:
        results["ingest"] = {"SQLite (eventlet)": live.ingestion(lab, lab.sqlite(), "sqlite")}
        done("ingestion on SQLite")
    if parts & {"ingest", "scaleout"}:
        on_postgres = live.postgres(lab, parts)
        for name, measured in on_postgres.get("ingest", {}).items():
            results["ingest"][name] = measured
        if "scaleout" in on_postgres:
            results["scaleout"] = on_postgres["scaleout"]
        results["servers"] = server_versions(POSTGRES_URL, live.QUEUE_URL)
        done("PostgreSQL parts")
    for deployment in lab.deployments.values():
        deployment.close()
    return results


def _json_safe(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _json_safe(v) for k, v in value.items() if k != "sample"}
    if isinstance(value, list | tuple):
        return [_json_safe(v) for v in value]
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def main(argv: list[str] | None = None) -> int:
    args = parse(sys.argv[1:] if argv is None else argv)
    parts = set(args.parts or PARTS)
    raise_fd_limit()
    stop_on_sigterm()
    began = time.monotonic()
    with scratch_dir(keep=args.keep) as folder:
        print(f"scratch folder: {folder}", flush=True)
        results = run(parts, args.quick, args.modes.split(","), folder)
    results["elapsed_s"] = time.monotonic() - began
    results["load_end"] = " ".join(Path("/proc/loadavg").read_text().split()[:3])
    report = markdown.render(results)
    official = parts == set(PARTS) and not args.quick and args.modes == ",".join(live.MODES)
    target = ROOT / "docs" / "benchmarks.md" if official else ROOT / "bench" / "results" / "benchmarks.md"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(report, encoding="utf-8")
    (ROOT / "bench" / "results").mkdir(exist_ok=True)
    (ROOT / "bench" / "results" / "results.json").write_text(json.dumps(_json_safe(results), indent=1))
    print(report)
    print(f"written to {target.relative_to(ROOT)} in {results['elapsed_s']:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
