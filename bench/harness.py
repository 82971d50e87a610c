"""Processes for the live benchmarks: servers and Node load generators.

Everything runs on loopback, in separate processes, each bounded in time; ``Fleet`` and ``Server``
are context managers so nothing outlives a benchmark, even when it fails.
"""

from __future__ import annotations

import json
import os
import resource
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import requests

ROOT = Path(__file__).resolve().parent.parent
SCREENS_JS = Path(__file__).with_name("screens.js")
CLIENTS_PER_PROCESS = 250
FD_LIMIT = 16_384


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def raise_fd_limit(wanted: int = FD_LIMIT) -> None:
    """Let this process (and its children, which inherit it) hold ``wanted`` sockets."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = min(wanted, hard) if hard != resource.RLIM_INFINITY else wanted
    if soft < target:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))


def rss_kib(pid: int) -> int:
    """Resident memory of a process (VmRSS), in KiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError(f"no VmRSS for {pid}")


def milliseconds() -> float:
    return time.time() * 1000


class Server:
    """``python -m bench.gcwatch <module>`` on a free port, started and stopped with the benchmark.

    ``gc_pauses()`` reads the collector's log (see ``bench.gcwatch``)."""

    def __init__(self, module: str, env: dict[str, str], log_dir: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.module = module
        self.name = f"{module.rsplit('.', 1)[-1]} ({env.get('ASYNC_MODE', 'eventlet')})"
        name = f"{module.rsplit('.', 1)[-1]}-{env.get('ASYNC_MODE', '')}-{self.port}"
        self.log = log_dir / f"{name}.log"
        self.gc_log = log_dir / f"{name}.gc.jsonl"
        self.env = {**os.environ, **env, "PORT": str(self.port), "HOST": "127.0.0.1"}
        self.env["GC_LOG"] = str(self.gc_log)
        self.process: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> Server:
        raise_fd_limit()  # inherited by the server: 1000 screens are 1000 sockets
        with self.log.open("ab") as output:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "bench.gcwatch", self.module],
                cwd=ROOT,
                env=self.env,
                stdout=output,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.module} exited:\n{self.log.read_text()[-3000:]}")
            try:
                if requests.get(f"{self.url}/healthz", timeout=1).status_code == 200:
                    return self
            except requests.RequestException:
                pass
            time.sleep(0.1)
        self.__exit__()
        raise RuntimeError(f"{self.module} did not answer within 60 s")

    def __exit__(self, *_: object) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)

    def gc_pauses(self, since_ms: float = 0) -> list[dict[str, Any]]:
        if not self.gc_log.exists():
            return []
        records = [json.loads(line) for line in self.gc_log.read_text().splitlines() if line.strip()]
        return [r for r in records if r["at_ms"] >= since_ms]

    @property
    def rss_kib(self) -> int:
        assert self.process is not None
        return rss_kib(self.process.pid)

    @property
    def cpu_s(self) -> float:
        """CPU time the server has used so far (user + system, all its threads)."""
        assert self.process is not None
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class Fleet:
    """Screens spread over Node processes of at most ``CLIENTS_PER_PROCESS`` clients each."""

    def __init__(self, url: str, namespace: str, clients: list[dict[str, Any]], folder: Path) -> None:
        self.processes: list[subprocess.Popen[str]] = []
        self._ids = iter(range(10**9))
        self.connected = 0
        raise_fd_limit()  # Node cannot raise its own limit: it inherits ours
        try:
            for start in range(0, len(clients), CLIENTS_PER_PROCESS):
                spec = folder / f"fleet-{os.getpid()}-{id(self)}-{start}.json"
                part = clients[start : start + CLIENTS_PER_PROCESS]
                spec.write_text(
                    json.dumps({"url": url, "namespace": namespace, "clients": part, "base": start})
                )
                # Niced: the phones and laptops of a drill are not on the server; on a shared 2-core
                # machine the load generators yield the CPU to the server they measure.
                command = ["nice", "-n", "10", "node", str(SCREENS_JS), str(spec)]
                self.processes.append(
                    subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
                )
            failures = []
            for process in self.processes:
                status = self._read(process, "connect", timeout_s=120)
                self.connected += status["connected"]
                if status["failed"]:
                    failures.append(status)
            if failures:
                raise RuntimeError(f"screens failed to connect: {failures}")
        except BaseException:
            self.close()
            raise

    def _read(self, process: subprocess.Popen[str], wanted: str, timeout_s: float) -> dict[str, Any]:
        assert process.stdout is not None
        timer = threading.Timer(timeout_s, process.kill)
        timer.start()
        try:
            while line := process.stdout.readline():
                message = json.loads(line)
                if message.get("id") == "error":
                    raise RuntimeError(message["error"])
                if message.get("id") == wanted:
                    return message
        finally:
            timer.cancel()
        raise RuntimeError(f"load generator {process.pid} ended without answering {wanted!r}")

    def command(self, cmd: str, timeout_s: float = 120, **fields: Any) -> list[dict[str, Any]]:
        """Send ``cmd`` to every process at once; return their answers."""
        ident = f"{cmd}-{next(self._ids)}"
        for process in self.processes:
            assert process.stdin is not None
            process.stdin.write(json.dumps({"id": ident, "cmd": cmd, **fields}) + "\n")
            process.stdin.flush()
        return [self._read(p, ident, timeout_s) for p in self.processes]

    def deliveries(self) -> tuple[list[tuple[int, float]], dict[str, Any] | None]:
        """(broadcast, latency ms) of every delivery since the last call, and one push as received."""
        answers = self.command("dump")
        sample = next((a["sample"] for a in answers if a["sample"]), None)
        return [(int(b), float(ms)) for a in answers for b, ms in a["deliveries"]], sample

    def close(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                try:
                    assert process.stdin is not None
                    process.stdin.write('{"id": "quit", "cmd": "quit"}\n')
                    process.stdin.flush()
                    process.wait(timeout=10)
                except (OSError, subprocess.TimeoutExpired):
                    process.kill()
                    process.wait(timeout=10)

    def __enter__(self) -> Fleet:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()


@contextmanager
def scratch_dir(keep: bool = False) -> Iterator[Path]:
    """A temporary folder for instances, logs and load-generator specs (kept on request)."""
    if keep:
        yield Path(tempfile.mkdtemp(prefix="crisisdrill-bench-"))
        return
    with tempfile.TemporaryDirectory(prefix="crisisdrill-bench-") as folder:
        yield Path(folder)


def stop_on_sigterm() -> None:
    """Turn SIGTERM into SystemExit so context managers stop the servers and load generators."""
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
