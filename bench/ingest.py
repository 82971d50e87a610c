"""Benchmark 2: reply ingestion (each reply committed before it is acknowledged).

- Sustained: every replier posts at a fixed rate without waiting for acknowledgements (open loop), so
  a server that cannot keep up shows it as growing acknowledgement times, not as a politely slower
  client. Run while the fan-out benchmark broadcasts to 500 screens.
- Burst: every replier of every team answers the same inject at the same instant; then the same
  replies are sent again (a retry after a lost acknowledgement). The database must hold each reply
  exactly once, and every retry must be acknowledged as a duplicate.
"""

from __future__ import annotations

import secrets
import time
from typing import Any

from .deployment import Deployment
from .harness import Fleet, milliseconds
from .stats import percentile

# Offered above the 500/s target: replies/s is measured from the first send to the last ack, so an
# offer of exactly 500/s could only ever show a little less than 500 even from a server that keeps up.
RATE_PER_SECOND = 550


def _merge(answers: list[dict[str, Any]]) -> dict[str, Any]:
    acks = [ms for a in answers for ms in a["acks"]]
    outcomes: dict[str, int] = {}
    for answer in answers:
        for outcome, n in answer["outcomes"].items():
            outcomes[outcome] = outcomes.get(outcome, 0) + n
    return {
        "sent": len(acks),
        "ok": outcomes.pop("ok", 0),
        "duplicate": outcomes.pop("duplicate", 0),
        "failed": sum(outcomes.values()),
        "errors": sorted(outcomes)[:3],
        "ack_p50": percentile(acks, 50),
        "ack_p99": percentile(acks, 99),
        "ack_max": max(acks, default=0.0),
        "elapsed_s": max(a["elapsed_ms"] for a in answers) / 1000,
    }


def sustained(repliers: Fleet, deployment: Deployment, inject_id: str, duration_s: float) -> dict[str, Any]:
    """Replies/s = acknowledged replies ÷ time from the first send to the last acknowledgement: a
    server slower than the offered rate takes longer to drain the queue, which lowers the figure."""
    prefix = f"steady-{secrets.token_hex(3)}"
    result = _merge(
        repliers.command(
            "replies",
            timeout_s=duration_s + 90,
            inject_id=inject_id,
            rate=RATE_PER_SECOND / repliers.connected,
            duration_s=duration_s,
            prefix=prefix,
        )
    )
    result["offered_per_s"] = RATE_PER_SECOND
    result["per_s"] = result["ok"] / result["elapsed_s"]
    result["stored"] = stored_when_settled(deployment, prefix)
    return result


def stored_when_settled(deployment: Deployment, prefix: str, patience_s: float = 30) -> dict[str, int]:
    """The database's count once it stops changing (replies whose acks timed out may still land)."""
    seen = deployment.replies_with_prefix(prefix)
    deadline = time.monotonic() + patience_s
    while time.monotonic() < deadline:
        time.sleep(1)
        now = deployment.replies_with_prefix(prefix)
        if now == seen:
            break
        seen = now
    return seen


def burst(repliers: Fleet, deployment: Deployment, inject_id: str) -> dict[str, Any]:
    prefix = f"burst-{secrets.token_hex(3)}"
    first = _merge(repliers.command("burst", inject_id=inject_id, at_ms=milliseconds() + 500, prefix=prefix))
    again = _merge(repliers.command("burst", inject_id=inject_id, at_ms=milliseconds() + 500, prefix=prefix))
    stored = deployment.replies_with_prefix(prefix)
    expected = repliers.connected
    first["retry_duplicates"] = again["duplicate"]
    first["retry_failed"] = again["failed"] + again["ok"]  # a retry stored anew is a failure too
    first["stored"] = stored
    first["exactly_once"] = (
        first["ok"] == expected
        and again["duplicate"] == expected
        and stored == {"rows": expected, "distinct": expected, "events": expected}
    )
    return first
