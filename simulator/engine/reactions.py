"""The reactive crowd: personas answering a team's published reply, by the scenario's rules.

A published reply is matched once against its inject's rubric (``rubric_matches``); the result is
stored in the reply's event and drives red-flag escalations, the mood and these rules, so all three
agree. Each matching rule plans one reaction (an event), due ``after`` scenario seconds later; the
facilitator may hold, edit, suppress or send it early; when due it is released to the team as an
ad-hoc post shown under the reply.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from scoring.matching import first_matches

from .scenario import Inject, Persona, PersonaKind, Reaction, Scenario


@dataclass(frozen=True)
class RubricMatch:
    key_points: tuple[str, ...]
    red_flags: tuple[tuple[str, str], ...]  # (red flag id, the phrase the reply said)

    @property
    def red_flag_ids(self) -> list[str]:
        return [flag for flag, _ in self.red_flags]

    def as_data(self) -> dict[str, list[str]]:
        return {"key_points": list(self.key_points), "red_flags": self.red_flag_ids}


NO_MATCH = RubricMatch((), ())


def rubric_matches(text: str, inject: Inject | None, language: str) -> RubricMatch:
    """The key points a reply covers and the red flags it raises, for the inject it answers."""
    if inject is None:
        return NO_MATCH
    rubric = inject.rubric
    found = first_matches(text, [item.phrases for item in (*rubric.key_points, *rubric.red_flags)], language)
    said, raised = found[: len(rubric.key_points)], found[len(rubric.key_points) :]
    covered = tuple(k.id for k, phrase in zip(rubric.key_points, said, strict=True) if phrase is not None)
    flags = tuple(
        (f.id, phrase) for f, phrase in zip(rubric.red_flags, raised, strict=True) if phrase is not None
    )
    return RubricMatch(covered, flags)


def rule_applies(rule: Reaction, inject: Inject | None, author: Persona | None, match: RubricMatch) -> bool:
    """Does ``rule`` answer a reply to ``inject`` (None: a reply to no inject) that matched ``match``?"""
    if rule.injects and (inject is None or inject.id not in rule.injects):
        return False
    if rule.from_ == "author" and inject is None:
        return False
    key_points = len(inject.rubric.key_points) if inject is not None else 0
    match rule.when:
        case "any_reply":
            return True
        case "covers_key_points":
            needed = min(rule.min_key_points or key_points, key_points)
            return key_points > 0 and len(match.key_points) >= needed
        case "red_flag":
            flags = match.red_flag_ids
            return bool(flags) and (rule.flag is None or rule.flag in flags)
        case "vague":
            return key_points > 0 and not match.key_points and not match.red_flags
        case "feeds_troll":
            return author is not None and author.kind is PersonaKind.troll
    return False  # pragma: no cover - the model allows no other value


def matching_rules(
    scenario: Scenario, inject: Inject | None, author: Persona | None, match: RubricMatch
) -> list[tuple[int, Reaction]]:
    """The rules of ``scenario`` a reply fires, in file order."""
    return [
        (index, rule)
        for index, rule in enumerate(scenario.reactions)
        if rule_applies(rule, inject, author, match)
    ]


WHY = {
    "covers_key_points": "the reply covered {covered} of {total} key points",
    "red_flag": "the reply raised the red flag {flags}",
    "vague": "the reply covered none of the key points",
    "feeds_troll": "the reply answered a troll",
    "any_reply": "the team published a reply",
}


@dataclass
class PlannedReaction:
    """A reaction as the facilitator sees it: planned (waiting), held, suppressed or released."""

    reaction_id: str
    team: str
    reply_id: str
    rule: int
    when: str
    persona: str
    channel: str
    text: str
    due_s: float
    mood: float
    expects_reply: bool
    reply_within: float | None
    severity: int
    why: dict[str, Any]
    status: str = "planned"  # planned | held | suppressed | released
    released_s: float | None = None

    @classmethod
    def from_event(cls, d: dict[str, Any]) -> PlannedReaction:
        return cls(
            d["reaction_id"], d["team"], d["reply_id"], d["rule"], d["when"], d["persona"],
            d["channel"], d["text"], d["due_s"], d["mood"], d["expects_reply"],
            d.get("reply_within"), d["severity"], d.get("why", {}),
        )  # fmt: skip

    def as_dict(self) -> dict[str, Any]:
        return {
            "reaction_id": self.reaction_id,
            "team": self.team,
            "reply_id": self.reply_id,
            "rule": self.rule,
            "when": self.when,
            "persona": self.persona,
            "channel": self.channel,
            "text": self.text,
            "due_s": self.due_s,
            "mood": self.mood,
            "expects_reply": self.expects_reply,
            "reply_within": self.reply_within,
            "severity": self.severity,
            "why": self.why,
            "status": self.status,
            "released_s": self.released_s,
        }

    def explain(self) -> str:
        """Why it was planned, in English (the console translates from ``why``)."""
        return WHY.get(self.when, self.when).format(**self.why.get("params", {}))

    def inject_data(self) -> dict[str, Any]:
        """The ad-hoc inject that carries it to the team."""
        return {
            "id": self.reaction_id,
            "channel": self.channel,
            "from": self.persona,
            "text": self.text,
            "to": [self.team],
            "expects_reply": self.expects_reply,
            "reply_within": self.reply_within,
            "severity": self.severity,
        }
