"""Speed: how fast a team first answered each post that expected a reply.

Policy (units: scenario seconds; pauses never count, time compression is already applied):
- Response time = first reply to the inject (public, direct message or email) − its delivery to the team.
- Credit per inject: 100 % when the response time is within the target (``target_fraction`` × the
  reply window, 25 % by default), falling linearly to 0 % at the end of the reply window; 0 % when
  unanswered or answered after the window.
- Team speed score (0–100) = severity-weighted mean of the credits over the injects that required a
  reply (delivered to the team, expecting a reply, not from a troll). Replying to a troll is neither
  required nor rewarded.
- Median and 90th percentile (nearest rank) of the response times of answered injects.
"""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass, field

from .inputs import ExerciseFacts, InjectSpec
from .reasons import MESSAGES, Phrase, Reason, phrase


def speed_credit(response_s: float | None, window_s: float, target_fraction: float) -> float:
    """Credit in [0, 1] for answering after ``response_s`` within a ``window_s`` reply window."""
    if response_s is None or response_s > window_s:
        return 0.0
    target_s = window_s * target_fraction
    if response_s <= target_s:
        return 1.0
    return max(0.0, (window_s - response_s) / (window_s - target_s))


@dataclass
class SpeedResult:
    score: float
    answered: int
    expected: int
    median_response_s: float | None
    p90_response_s: float | None
    responses: dict[str, float] = field(default_factory=dict)
    reasons: list[Reason] = field(default_factory=list)


def score_speed(facts: ExerciseFacts, team: str) -> SpeedResult:
    scenario = facts.scenario
    policy = scenario.policy
    first_reply: dict[str, float] = {}
    for reply in sorted(facts.replies_of(team), key=lambda r: r.published_s):
        if reply.inject_id is not None and reply.kind != "statement":
            first_reply.setdefault(reply.inject_id, reply.published_s)
    required: list[tuple[InjectSpec, float]] = []
    for delivery in facts.deliveries_of(team):
        inject = scenario.inject(delivery.inject_id)
        if inject is not None and inject.requires_reply:
            required.append((inject, delivery.delivered_s))
    total_weight = sum(inject.severity for inject, _ in required)
    result = SpeedResult(0.0, 0, len(required), None, None)
    earned = 0.0
    for inject, delivered_s in sorted(required, key=lambda r: r[1]):
        window = float(inject.reply_within_s or 0)
        replied_s = first_reply.get(inject.id)
        response = None if replied_s is None else max(0.0, replied_s - delivered_s)
        credit = speed_credit(response, window, policy.target_fraction)
        share = 100 * inject.severity / total_weight
        earned += credit * share
        if response is not None:
            result.answered += 1
            result.responses[inject.id] = response
        result.reasons.append(
            Reason(
                inject.id,
                "speed",
                round(credit * share, 2),
                _why(inject, response, window, policy.target_fraction, credit),
                round(share, 2),
            )
        )
    result.score = round(earned, 2) if required else 0.0
    times = sorted(result.responses.values())
    if times:
        result.median_response_s = round(statistics.median(times), 1)
        result.p90_response_s = round(times[max(0, math.ceil(0.9 * len(times)) - 1)], 1)
    return result


def _why(
    inject: InjectSpec, response: float | None, window: float, target_fraction: float, credit: float
) -> Phrase:
    noun = f"who.{inject.channel}" if f"who.{inject.channel}" in MESSAGES else "who.other"
    who = phrase(
        noun, possessive=possessive(inject.persona_name), name=inject.persona_name, channel=inject.channel
    )
    if response is None:
        return phrase("speed.never", who=who, window=_clock(window))
    if response > window:
        return phrase("speed.late", who=who, response=_clock(response), window=_clock(window))
    return phrase(
        "speed.in_time",
        who=who,
        response=_clock(response),
        target=_clock(window * target_fraction),
        window=_clock(window),
        credit=f"{credit * 100:.0f}",
    )


def possessive(name: str) -> str:
    return f"{name}'" if name.endswith("s") else f"{name}'s"


def _clock(seconds: float) -> str:
    seconds = round(seconds)
    minutes, secs = divmod(seconds, 60)
    hours, minutes = divmod(minutes, 60)
    if hours:
        return f"{hours}h{minutes:02d}m"
    return f"{minutes}m{secs:02d}s" if minutes else f"{secs}s"
