"""Percentiles and the per-broadcast summary shared by the live benchmarks."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from typing import Any


def percentile(values: Sequence[float], p: float) -> float:
    """Nearest-rank percentile (``p`` in 0..100); NaN for no values."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[rank - 1]


def deliveries_summary(deliveries: list[tuple[int, float]], broadcasts: int, screens: int) -> dict[str, Any]:
    """Latency figures of ``broadcasts`` broadcasts that should each reach ``screens`` screens."""
    latencies = [ms for _, ms in deliveries]
    per_broadcast = Counter(b for b, _ in deliveries)
    last: dict[int, float] = {}
    for b, ms in deliveries:
        last[b] = max(last.get(b, 0.0), ms)
    lost = sum(max(0, screens - per_broadcast.get(b, 0)) for b in range(broadcasts))
    extra = sum(max(0, n - screens) for n in per_broadcast.values())
    lasts = list(last.values())
    slow = sorted(last.items(), key=lambda kv: -kv[1])[:3]
    return {
        "p50": percentile(latencies, 50),
        "p99": percentile(latencies, 99),
        "max": max(latencies, default=math.nan),
        "last_p50": percentile(lasts, 50),
        "last_max": max(lasts, default=math.nan),
        "lost": lost,
        "duplicated": extra,
        "deliveries": len(latencies),
        "slowest": [(b, round(ms, 1)) for b, ms in slow],
    }
