"""The unit of explanation: every point given or taken, with why."""

from __future__ import annotations

from dataclasses import dataclass
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
        data: dict[str, Any] = {
            "inject_id": self.inject_id,
            "criterion": self.criterion,
            "points": self.points,
            "why": self.why,
        }
        if self.max_points is not None:
            data["max_points"] = self.max_points
        if self.reply_id is not None:
            data["reply_id"] = self.reply_id
        return data
