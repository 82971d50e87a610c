"""The unit of explanation: every point given or taken, with why."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any


@dataclass(frozen=True)
class Reason:
    inject_id: str | None
    criterion: str  # speed | coverage | facts | contradictions | red_flags | tone | adjustment
    points: float  # points earned (or, when negative, taken) on that criterion's 0-100 scale
    why: str
    max_points: float | None = None
    reply_id: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if v is not None or k in ("inject_id", "points", "why")}
