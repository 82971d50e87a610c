"""The exercise state machine: draft → running ⇄ paused → ended.

``ExerciseState`` is a pure fold of the event list; ``Exercise`` turns commands into new events.
Commands never mutate state: the caller persists the events they return, then ``apply``s them. That
order means a command can be retried after a write conflict by re-running it on the fresher state.

Time: every command takes ``now`` (UTC). Scenario time advances at ``speed`` scenario seconds per wall
second while running and stands still while paused, so paused spans never count.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from .events import (
    Event,
    EventType,
    delivery_key,
    draft_key,
    escalation_key,
    reaction_key,
    reaction_release_key,
    reply_key,
    review_key,
)
from .mood import TeamMood
from .reactions import PlannedReaction, RubricMatch, matching_rules, rubric_matches
from .scenario import Channel, Inject, Persona, Scenario
from .schedule import Release, due_releases, red_flag_why

MIN_SPEED, MAX_SPEED = 1.0, 60.0
MAX_TEAMS = 50
TEAM_NAME_MAX = 40
DISPLAY_NAME_MAX = 40

REPLY_KINDS = ("public", "dm", "statement", "email")
"""public: a reply under the post on its channel; dm: a private message to the author; statement: a
press or holding statement; email: an answer to an email."""

REPLY_LIMITS = {"microblog": 280, "social": 2000, "dm": 1000, "statement": 5000, "email": 5000}

ROLES = ("community_manager", "lead", "spokesperson")
"""With a chain of command: community managers draft, leads approve (and publish directly),
spokespersons draft press statements (and anything else). Without one every member is a ``member``."""

REVIEW_DECISIONS = ("approve", "edit", "reject")
REACTION_CHANGES = ("hold", "unhold", "edit", "suppress", "send")
OPTION_NAMES = ("chain_of_command", "mood_visible", "reactions")


class Status(StrEnum):
    draft = "draft"
    running = "running"
    paused = "paused"
    ended = "ended"


class CommandRejected(ValueError):
    """A command that cannot apply to the exercise as it is; the message says why."""


@dataclass(frozen=True)
class Team:
    slot: str
    name: str
    join_code: str


@dataclass(frozen=True)
class Delivery:
    inject_id: str
    team: str
    scenario_s: float
    at: datetime
    origin: str
    due_s: float


@dataclass(frozen=True)
class Reply:
    reply_id: str
    team: str
    inject_id: str | None
    channel: str
    kind: str
    text: str
    author: str
    scenario_s: float
    at: datetime
    key: str
    draft_id: str | None = None
    drafted_s: float | None = None
    approved_by: str | None = None
    key_points: tuple[str, ...] = ()
    red_flags: tuple[str, ...] = ()


@dataclass
class Draft:
    """A reply waiting for (or past) the lead's decision, under a chain of command."""

    draft_id: str
    team: str
    key: str
    inject_id: str | None
    channel: str
    kind: str
    text: str
    author: str
    author_id: str
    author_role: str
    drafted_s: float
    status: str = "pending"  # pending | approved | edited | rejected
    reviewer: str | None = None
    reviewed_s: float | None = None
    comment: str = ""
    published_text: str | None = None


def default_options(scenario: Scenario) -> dict[str, bool]:
    return {
        "chain_of_command": False,
        "mood_visible": scenario.mood.visible_to_teams,
        "reactions": True,
    }


@dataclass
class ExerciseState:
    """Everything known about one exercise, folded from its events."""

    exercise_id: str
    scenario: Scenario
    title: str
    status: Status = Status.draft
    speed: float = 1.0
    anchor_at: datetime | None = None
    anchor_s: float = 0.0
    teams: dict[str, Team] = field(default_factory=dict)
    participants: dict[str, dict[str, Any]] = field(default_factory=dict)
    deliveries: dict[tuple[str, str], Delivery] = field(default_factory=dict)
    replies: list[Reply] = field(default_factory=list)
    replies_by_key: dict[tuple[str, str], Reply] = field(default_factory=dict)
    first_reply_s: dict[tuple[str, str], float] = field(default_factory=dict)
    escalations: set[tuple[str, int, str]] = field(default_factory=set)
    escalation_why: dict[tuple[str, str], str] = field(default_factory=dict)  # (target inject, team) -> why
    skipped: set[str] = field(default_factory=set)
    held: set[str] = field(default_factory=set)
    adhoc_injects: dict[str, Inject] = field(default_factory=dict)
    adhoc_personas: dict[str, Persona] = field(default_factory=dict)
    adhoc_reply_to: dict[str, str] = field(default_factory=dict)  # ad-hoc inject id -> reply id
    first_delivery_seq: dict[str, int] = field(default_factory=dict)
    notes: list[dict[str, Any]] = field(default_factory=list)
    overrides: list[dict[str, Any]] = field(default_factory=list)
    debrief: dict[str, Any] = field(default_factory=dict)
    released: str = "none"  # none | own (each team sees its own report) | ranking (teams see the ranking)
    projector_shows_replies: bool = False
    options: dict[str, bool] = field(default_factory=dict)
    drafts: dict[str, Draft] = field(default_factory=dict)
    drafts_by_key: dict[tuple[str, str], str] = field(default_factory=dict)
    reactions: dict[str, PlannedReaction] = field(default_factory=dict)
    reaction_count: dict[tuple[str, int], int] = field(default_factory=dict)  # (team, rule) -> planned
    moods: dict[str, TeamMood] = field(default_factory=dict)
    last_seq: int = 0

    @property
    def chain_of_command(self) -> bool:
        return bool(self.options.get("chain_of_command"))

    @property
    def team_slots(self) -> list[str]:
        return list(self.teams)

    def scenario_time(self, now: datetime) -> float:
        """Scenario seconds elapsed at wall time ``now`` (paused spans excluded, speed applied)."""
        if self.status is not Status.running or self.anchor_at is None:
            return self.anchor_s
        return self.anchor_s + max(0.0, (now - self.anchor_at).total_seconds()) * self.speed

    def inject(self, inject_id: str) -> Inject | None:
        if inject_id in self.adhoc_injects:
            return self.adhoc_injects[inject_id]
        return next((i for i in self.scenario.injects if i.id == inject_id), None)

    def persona(self, persona_id: str) -> Persona | None:
        if persona_id in self.adhoc_personas:
            return self.adhoc_personas[persona_id]
        return next((p for p in self.scenario.personas if p.id == persona_id), None)

    def team_by_code(self, code: str) -> Team | None:
        wanted = code.strip().upper()
        return next((t for t in self.teams.values() if t.join_code == wanted), None)

    def role_of(self, participant_id: str) -> str:
        return str(self.participants.get(participant_id, {}).get("role") or "member")

    def mood(self, team: str) -> TeamMood:
        if team not in self.moods:
            self.moods[team] = TeamMood(self.scenario.mood)
        return self.moods[team]

    def reply_by_id(self, reply_id: str) -> Reply | None:
        return next((r for r in self.replies if r.reply_id == reply_id), None)


class Exercise:
    """An exercise: its state, and commands that return the events they imply."""

    def __init__(self, state: ExerciseState) -> None:
        self.state = state

    # --- building ------------------------------------------------------------------------------

    @staticmethod
    def create(
        exercise_id: str,
        scenario: Scenario,
        team_names: Sequence[str],
        join_codes: Sequence[str],
        now: datetime,
        title: str | None = None,
        speed: float = 1.0,
        options: dict[str, bool] | None = None,
    ) -> Event:
        """The event that creates an exercise; it carries a snapshot of the scenario, so later edits
        to the scenario file never change an exercise already created."""
        names = check_team_names(team_names)
        if len(join_codes) != len(names) or len(set(join_codes)) != len(join_codes):
            raise CommandRejected("each team needs its own join code")
        check_speed(speed)
        teams = [
            {"slot": f"team-{i}", "name": name, "join_code": code.upper()}
            for i, (name, code) in enumerate(zip(names, join_codes, strict=True), start=1)
        ]
        return Event(
            EventType.exercise_created,
            now,
            0.0,
            {
                "exercise_id": exercise_id,
                "title": (title or scenario.title).strip(),
                "scenario": scenario.model_dump(mode="json", by_alias=True),
                "teams": teams,
                "speed": speed,
                "options": check_options({**default_options(scenario), **(options or {})}),
            },
        )

    @classmethod
    def from_events(cls, events: Iterable[Event]) -> Exercise:
        """Rebuild an exercise from its stored events (the first must be ``exercise_created``)."""
        iterator = iter(events)
        first = next(iterator, None)
        if first is None or first.type is not EventType.exercise_created:
            raise ValueError("an exercise's event log must start with exercise_created")
        exercise = cls(
            ExerciseState(
                exercise_id=first.data["exercise_id"],
                scenario=Scenario.model_validate(first.data["scenario"]),
                title=first.data["title"],
                speed=float(first.data.get("speed", 1.0)),
            )
        )
        exercise.apply(first)
        for event in iterator:
            exercise.apply(event)
        return exercise

    def apply(self, event: Event) -> None:
        """Fold one event into the state."""
        s, d = self.state, event.data
        match event.type:
            case EventType.exercise_created:
                s.options = {**default_options(s.scenario), **d.get("options", {})}
                for team in d["teams"]:
                    s.teams[team["slot"]] = Team(team["slot"], team["name"], team["join_code"])
                    s.mood(team["slot"])
            case EventType.team_added:
                s.teams[d["slot"]] = Team(d["slot"], d["name"], d["join_code"])
                s.mood(d["slot"])
            case EventType.participant_joined:
                s.participants[d["participant_id"]] = dict(d)
            case EventType.participant_role_changed:
                s.participants[d["participant_id"]]["role"] = d["role"]
            case EventType.options_changed:
                s.options.update(d["options"])
            case EventType.exercise_started | EventType.exercise_resumed:
                s.status, s.anchor_at, s.anchor_s = Status.running, event.at, event.scenario_s
                s.speed = float(d.get("speed", s.speed))
            case EventType.exercise_paused:
                s.status, s.anchor_s = Status.paused, event.scenario_s
            case EventType.speed_changed:
                s.anchor_at, s.anchor_s, s.speed = event.at, event.scenario_s, float(d["speed"])
            case EventType.exercise_ended:
                s.status, s.anchor_s = Status.ended, event.scenario_s
            case EventType.inject_delivered:
                key = (d["inject_id"], d["team"])
                s.deliveries[key] = Delivery(
                    d["inject_id"], d["team"], event.scenario_s, event.at, d["origin"], d["due_s"]
                )
                if event.seq is not None:
                    s.first_delivery_seq.setdefault(d["inject_id"], event.seq)
                self._fold_delivery_mood(event)
            case EventType.inject_skipped:
                s.skipped.add(d["inject_id"])
            case EventType.inject_held:
                s.held.add(d["inject_id"])
            case EventType.inject_unheld:
                s.held.discard(d["inject_id"])
            case EventType.adhoc_inject_posted:
                if d.get("persona"):
                    persona = Persona.model_validate(d["persona"])
                    s.adhoc_personas[persona.id] = persona
                inject = Inject.model_validate(d["inject"])
                s.adhoc_injects[inject.id] = inject
                if d.get("in_reply_to"):
                    s.adhoc_reply_to[inject.id] = d["in_reply_to"]
                if d.get("reaction_id") in s.reactions:
                    reaction = s.reactions[d["reaction_id"]]
                    reaction.status, reaction.released_s = "released", event.scenario_s
                    reaction.text = inject.text
            case EventType.escalation_fired:
                s.escalations.add((d["source_inject"], d["rule"], d["team"]))
                s.escalation_why.setdefault((d["target_inject"], d["team"]), d.get("why", ""))
            case EventType.reply_posted:
                matched = d.get("matched") or {}
                reply = Reply(
                    d["reply_id"], d["team"], d.get("inject_id"), d["channel"], d["kind"],
                    d["text"], d["author"], event.scenario_s, event.at, d["key"],
                    d.get("draft_id"), d.get("drafted_s"), d.get("approved_by"),
                    tuple(matched.get("key_points", ())), tuple(matched.get("red_flags", ())),
                )  # fmt: skip
                s.replies.append(reply)
                s.replies_by_key[(reply.team, reply.key)] = reply
                if reply.inject_id is not None:
                    s.first_reply_s.setdefault((reply.inject_id, reply.team), reply.scenario_s)
                    answered = s.inject(reply.inject_id)
                    s.mood(reply.team).reply(
                        event.scenario_s,
                        answered,
                        s.persona(answered.from_) if answered else None,
                        list(reply.key_points),
                        list(reply.red_flags),
                    )
            case EventType.draft_submitted:
                draft = Draft(
                    d["draft_id"], d["team"], d["key"], d.get("inject_id"), d["channel"], d["kind"],
                    d["text"], d["author"], d["author_id"], d["author_role"], event.scenario_s,
                )  # fmt: skip
                s.drafts[draft.draft_id] = draft
                s.drafts_by_key[(draft.team, draft.key)] = draft.draft_id
            case EventType.draft_reviewed:
                draft = s.drafts[d["draft_id"]]
                draft.status = {"approve": "approved", "edit": "edited", "reject": "rejected"}[d["decision"]]
                draft.reviewer, draft.reviewed_s = d["reviewer"], event.scenario_s
                draft.comment = d.get("comment", "")
                if d["decision"] != "reject":
                    draft.published_text = d.get("text") or draft.text
            case EventType.reaction_planned:
                s.reactions[d["reaction_id"]] = PlannedReaction.from_event(d)
                slot = (d["team"], d["rule"])
                s.reaction_count[slot] = s.reaction_count.get(slot, 0) + 1
            case EventType.reaction_changed:
                reaction = s.reactions[d["reaction_id"]]
                if d["change"] == "edit":
                    reaction.text = d["text"]
                elif d["change"] in ("hold", "unhold", "suppress"):
                    reaction.status = {"hold": "held", "unhold": "planned", "suppress": "suppressed"}[
                        d["change"]
                    ]
            case EventType.note_added:
                s.notes.append({**d, "scenario_s": event.scenario_s, "at": event.at.isoformat()})
            case EventType.score_overridden:
                s.overrides.append(dict(d))
            case EventType.debrief_updated:
                s.debrief = {**d, "updated_at": event.at.isoformat()}
            case EventType.report_released:
                s.released = d["release"]
            case EventType.projector_changed:
                s.projector_shows_replies = bool(d["show_replies"])
            case EventType.facilitator_message:
                pass
        if event.seq is not None:
            s.last_seq = event.seq

    def apply_all(self, events: Iterable[Event]) -> None:
        for event in events:
            self.apply(event)

    def _fold_delivery_mood(self, event: Event) -> None:
        s, d = self.state, event.data
        inject = s.inject(d["inject_id"])
        if inject is None:
            return
        mood = s.mood(d["team"])
        if d["origin"] == "reaction" and inject.id in s.reactions:
            mood.reaction(event.scenario_s, s.reactions[inject.id].mood, inject.id)
        mood.post(event.scenario_s, inject, s.persona(inject.from_))

    # --- helpers -------------------------------------------------------------------------------

    def _event(self, kind: EventType, now: datetime, data: dict[str, Any], key: str | None = None) -> Event:
        return Event(kind, now, self.state.scenario_time(now), data, key)

    def _require(self, *allowed: Status, doing: str) -> None:
        if self.state.status not in allowed:
            raise CommandRejected(f"cannot {doing}: the exercise is {self.state.status}")

    def _deliver(self, now: datetime, release: Release) -> Event:
        data = {
            "inject_id": release.inject_id,
            "team": release.team,
            "origin": release.origin,
            "due_s": release.due_s,
        }
        if release.cause:
            data["cause"] = release.cause
        return self._event(
            EventType.inject_delivered, now, data, delivery_key(release.inject_id, release.team)
        )

    def _escalate(self, now: datetime, release: Release) -> list[Event]:
        cause = release.cause
        fired = self._event(
            EventType.escalation_fired,
            now,
            {**cause, "team": release.team, "target_inject": release.inject_id},
            escalation_key(cause["source_inject"], cause["rule"], release.team),
        )
        return [fired, self._deliver(now, release)]

    # --- lifecycle -----------------------------------------------------------------------------

    def start(self, now: datetime, speed: float | None = None) -> list[Event]:
        self._require(Status.draft, doing="start")
        speed = check_speed(self.state.speed if speed is None else speed)
        return [
            self._event(EventType.exercise_started, now, {"speed": speed}),
            *self._releases(now, 0.0),
        ]

    def pause(self, now: datetime) -> list[Event]:
        self._require(Status.running, doing="pause")
        return [*self.tick(now), self._event(EventType.exercise_paused, now, {})]

    def resume(self, now: datetime) -> list[Event]:
        self._require(Status.paused, doing="resume")
        return [self._event(EventType.exercise_resumed, now, {})]

    def end(self, now: datetime) -> list[Event]:
        self._require(Status.running, Status.paused, doing="end")
        due = self.tick(now) if self.state.status is Status.running else []
        return [*due, self._event(EventType.exercise_ended, now, {})]

    def set_speed(self, now: datetime, speed: float) -> list[Event]:
        self._require(Status.draft, Status.running, Status.paused, doing="change the speed")
        return [self._event(EventType.speed_changed, now, {"speed": check_speed(speed)})]

    def add_team(self, now: datetime, name: str, join_code: str) -> list[Event]:
        self._require(Status.draft, Status.running, Status.paused, doing="add a team")
        names = check_team_names([*[t.name for t in self.state.teams.values()], name])
        slot = f"team-{len(self.state.teams) + 1}"
        return [
            self._event(EventType.team_added, now, {"slot": slot, "name": names[-1], "join_code": join_code})
        ]

    def join(
        self, now: datetime, participant_id: str, team: str, display_name: str, role: str | None = None
    ) -> list[Event]:
        """A participant joins a team with a display name and, under a chain of command, a role
        (community manager when none is given)."""
        self._require(Status.draft, Status.running, Status.paused, doing="join")
        if team not in self.state.teams:
            raise CommandRejected(f"unknown team {team!r}")
        name = " ".join(str(display_name).split())
        if not name or len(name) > DISPLAY_NAME_MAX:
            raise CommandRejected(f"display name must be 1 to {DISPLAY_NAME_MAX} characters")
        data = {"participant_id": participant_id, "team": team, "display_name": name}
        if self.state.chain_of_command:
            role = role or "community_manager"
            if role not in ROLES:
                raise CommandRejected(f"unknown role {str(role)[:30]!r}; expected one of {', '.join(ROLES)}")
            data["role"] = role
        return [self._event(EventType.participant_joined, now, data, f"join:{participant_id}")]

    # --- releasing injects ---------------------------------------------------------------------

    def _releases(self, now: datetime, scenario_s: float) -> list[Event]:
        events: list[Event] = []
        for release in due_releases(self.state, scenario_s):
            if release.origin == "escalation":
                events.extend(self._escalate(now, release))
            else:
                events.append(self._deliver(now, release))
        for reaction in self.state.reactions.values():
            if reaction.status == "planned" and reaction.due_s <= scenario_s:
                events.extend(self._release_reaction(now, reaction))
        return events

    def tick(self, now: datetime) -> list[Event]:
        """Deliveries and escalations due at ``now``; nothing when not running."""
        if self.state.status is not Status.running:
            return []
        return self._releases(now, self.state.scenario_time(now))

    def fire_now(self, now: datetime, inject_id: str, teams: Sequence[str] | None = None) -> list[Event]:
        """Deliver an inject at once to its target teams (or ``teams``) that do not have it yet.

        Returns no event when every one of them already has it: nothing is released twice."""
        self._require(Status.running, Status.paused, doing="fire an inject")
        inject = self._known_inject(inject_id)
        targets = self._targets(inject, teams)
        at_s = self.state.scenario_time(now)
        return [
            self._deliver(now, Release(inject_id, team, "manual", at_s))
            for team in targets
            if (inject_id, team) not in self.state.deliveries
        ]

    def skip(self, now: datetime, inject_id: str) -> list[Event]:
        self._require(Status.draft, Status.running, Status.paused, doing="skip an inject")
        self._known_inject(inject_id)
        if inject_id in self.state.skipped:
            return []
        return [self._event(EventType.inject_skipped, now, {"inject_id": inject_id})]

    def hold(self, now: datetime, inject_id: str) -> list[Event]:
        self._require(Status.draft, Status.running, Status.paused, doing="hold an inject")
        self._known_inject(inject_id)
        if inject_id in self.state.held:
            return []
        return [self._event(EventType.inject_held, now, {"inject_id": inject_id})]

    def unhold(self, now: datetime, inject_id: str) -> list[Event]:
        self._require(Status.draft, Status.running, Status.paused, doing="release a held inject")
        self._known_inject(inject_id)
        if inject_id not in self.state.held:
            return []
        return [self._event(EventType.inject_unheld, now, {"inject_id": inject_id})]

    def post_adhoc(
        self,
        now: datetime,
        *,
        channel: str,
        text: str,
        persona_id: str | None = None,
        new_persona: dict[str, Any] | None = None,
        teams: Sequence[str] | None = None,
        subject: str | None = None,
        expects_reply: bool = False,
        reply_within_s: float | None = None,
        severity: int = 1,
        in_reply_to: str | None = None,
    ) -> list[Event]:
        """Role-play: post a new inject now, as an existing persona or a new one, to all or some teams."""
        self._require(Status.running, Status.paused, doing="post an ad-hoc inject")
        persona_data = None
        if new_persona is not None:
            persona_data = {"kind": "public", **new_persona}
            persona_data.setdefault("id", f"adhoc-persona-{len(self.state.adhoc_personas) + 1}")
            try:
                persona = Persona.model_validate(persona_data)
            except ValueError as exc:
                raise CommandRejected(f"invalid persona: {_first_error(exc)}") from None
            if self.state.persona(persona.id) is not None:
                raise CommandRejected(f"persona id {persona.id!r} already exists")
            persona_id, persona_data = persona.id, persona.model_dump(mode="json")
        if not persona_id or (persona_data is None and self.state.persona(persona_id) is None):
            raise CommandRejected(f"unknown persona {persona_id!r}")
        if in_reply_to is not None and not any(r.reply_id == in_reply_to for r in self.state.replies):
            raise CommandRejected(f"unknown reply {in_reply_to!r}")
        target_teams = list(teams) if teams else "all"
        inject_id = f"adhoc-{len(self.state.adhoc_injects) + 1}"
        raw = {
            "id": inject_id,
            "channel": channel,
            "from": persona_id,
            "subject": subject,
            "text": text,
            "to": target_teams,
            "expects_reply": expects_reply,
            "reply_within": reply_within_s,
            "severity": severity,
        }
        try:
            inject = Inject.model_validate(raw)
        except ValueError as exc:
            raise CommandRejected(f"invalid ad-hoc inject: {_first_error(exc)}") from None
        targets = self._targets(inject, teams)
        posted = {"inject": inject.model_dump(mode="json", by_alias=True), "persona": persona_data}
        if in_reply_to:
            posted["in_reply_to"] = in_reply_to
        at_s = self.state.scenario_time(now)
        events = [self._event(EventType.adhoc_inject_posted, now, posted)]
        events += [self._deliver(now, Release(inject_id, team, "adhoc", at_s)) for team in targets]
        return events

    def message(self, now: datetime, text: str, teams: Sequence[str] | None = None) -> list[Event]:
        """A facilitator message (out of the fiction) to all or some teams."""
        self._require(Status.draft, Status.running, Status.paused, doing="send a message")
        text = str(text).strip()
        if not text or len(text) > 1000:
            raise CommandRejected("a message must be 1 to 1000 characters")
        unknown = [t for t in teams or [] if t not in self.state.teams]
        if unknown:
            raise CommandRejected(f"unknown team(s) {', '.join(unknown)}")
        return [self._event(EventType.facilitator_message, now, {"text": text, "teams": list(teams or [])})]

    def add_note(
        self, now: datetime, *, author: str, text: str, team: str | None = None, reply_id: str | None = None
    ) -> list[Event]:
        """An observer's timestamped note on a team or a reply, kept for the report."""
        text = str(text).strip()
        if not text or len(text) > 2000:
            raise CommandRejected("a note must be 1 to 2000 characters")
        if reply_id is not None:
            reply = next((r for r in self.state.replies if r.reply_id == reply_id), None)
            if reply is None:
                raise CommandRejected(f"unknown reply {reply_id!r}")
            team = reply.team
        if team is None or team not in self.state.teams:
            raise CommandRejected(f"a note needs a known team or reply, got team {team!r}")
        note_id = f"note-{len(self.state.notes) + 1}"
        data = {"note_id": note_id, "team": team, "reply_id": reply_id, "text": text, "author": author}
        return [self._event(EventType.note_added, now, data)]

    def override_score(
        self,
        now: datetime,
        *,
        author: str,
        kind: str,
        comment: str,
        team: str | None = None,
        reply_id: str | None = None,
        key_point: str | None = None,
        met: bool | None = None,
        points: float | None = None,
    ) -> list[Event]:
        """A facilitator's correction of the automatic score, kept beside it in the report.

        ``key_point``: mark a key point of the reply's inject met or unmet; ``contradiction``: flag a
        reply as contradictory; ``adjust``: add or remove up to 50 points from a team's total."""
        comment = str(comment or "").strip()
        if not comment or len(comment) > 500:
            raise CommandRejected("an override needs a comment of 1 to 500 characters saying why")
        reply = None
        if reply_id is not None:
            reply = next((r for r in self.state.replies if r.reply_id == reply_id), None)
            if reply is None:
                raise CommandRejected(f"unknown reply {reply_id!r}")
            team = reply.team
        if team not in self.state.teams:
            raise CommandRejected(f"unknown team {team!r}")
        data: dict[str, Any] = {
            "kind": kind,
            "team": team,
            "comment": comment,
            "author": author,
            "reply_id": reply_id,
        }
        if kind == "key_point":
            inject = self.state.inject(reply.inject_id) if reply and reply.inject_id else None
            if inject is None:
                raise CommandRejected("mark key points on a reply to an inject")
            if key_point not in {k.id for k in inject.rubric.key_points}:
                known = ", ".join(k.id for k in inject.rubric.key_points) or "none"
                raise CommandRejected(
                    f"unknown key point {key_point!r} for {inject.id}; expected one of: {known}"
                )
            if not isinstance(met, bool):
                raise CommandRejected("say whether the key point is met (true) or not (false)")
            data.update(key_point=key_point, met=met, inject_id=inject.id)
        elif kind == "contradiction":
            if reply is None:
                raise CommandRejected("flag a contradiction on a reply")
        elif kind == "adjust":
            if (
                isinstance(points, bool)
                or not isinstance(points, int | float)
                or not -50 <= points <= 50
                or points == 0
            ):
                raise CommandRejected("an adjustment is a number of points from -50 to 50, not 0")
            data["points"] = float(points)
        else:
            raise CommandRejected(f"unknown override {kind!r}; expected key_point, contradiction or adjust")
        return [self._event(EventType.score_overridden, now, data)]

    def update_debrief(
        self, now: datetime, *, author: str, worked: str, did_not: str, actions: str
    ) -> list[Event]:
        """The facilitator's debrief (what worked, what did not, actions for the crisis plan)."""
        fields = {"worked": worked, "did_not": did_not, "actions": actions}
        for name, value in fields.items():
            if not isinstance(value, str) or len(value) > 10_000:
                raise CommandRejected(f"debrief {name}: text of at most 10,000 characters")
        data = {name: value.strip() for name, value in fields.items()}
        if {k: v for k, v in self.state.debrief.items() if k in fields} == data:
            return []
        return [self._event(EventType.debrief_updated, now, {**data, "author": author})]

    def release_report(self, now: datetime, release: str) -> list[Event]:
        """Who sees the report: ``none``, ``own`` (each team its own) or ``ranking`` (everyone's)."""
        if release not in ("none", "own", "ranking"):
            raise CommandRejected(f"release must be none, own or ranking, got {str(release)[:20]!r}")
        if release == self.state.released:
            return []
        return [self._event(EventType.report_released, now, {"release": release})]

    def show_replies_on_projector(self, now: datetime, show: bool) -> list[Event]:
        if bool(show) == self.state.projector_shows_replies:
            return []
        return [self._event(EventType.projector_changed, now, {"show_replies": bool(show)})]

    # --- replies -------------------------------------------------------------------------------

    def post_reply(
        self,
        now: datetime,
        *,
        team: str,
        key: str,
        text: str,
        kind: str = "public",
        inject_id: str | None = None,
        author: str = "",
        channel: str | None = None,
    ) -> list[Event]:
        """A team publishes a reply. Idempotent on (team, key): a retry returns no new event.

        A reply to an inject whose red flag it raises fires that inject's ``red_flag`` escalations,
        and every reaction rule of the scenario that matches it plans a reaction."""
        if (team, key) in self.state.replies_by_key:
            return []
        inject, channel, text = self._checked_reply(team, key, text, kind, inject_id, channel)
        return self._publish(now, team=team, key=key, text=text, kind=kind, inject=inject,
                             channel=channel, author=author)  # fmt: skip

    def submit(
        self,
        now: datetime,
        *,
        participant_id: str,
        key: str,
        text: str,
        kind: str = "public",
        inject_id: str | None = None,
        channel: str | None = None,
    ) -> list[Event]:
        """What a participant's "Publish" does: publish, or, under a chain of command and unless the
        participant is a lead, submit a draft for approval. Idempotent on (team, key)."""
        person = self.state.participants.get(participant_id)
        if person is None:
            raise CommandRejected(f"unknown participant {participant_id!r}")
        team, author, role = person["team"], person["display_name"], self.state.role_of(participant_id)
        if (team, key) in self.state.replies_by_key or (team, key) in self.state.drafts_by_key:
            return []
        if not self.state.chain_of_command or role == "lead":
            return self.post_reply(
                now, team=team, key=key, text=text, kind=kind, inject_id=inject_id, author=author,
                channel=channel,
            )  # fmt: skip
        if kind == "statement" and role != "spokesperson":
            raise CommandRejected(
                "press statements are drafted by your team's spokesperson (or published by a lead)"
            )
        inject, channel, text = self._checked_reply(team, key, text, kind, inject_id, channel)
        data = {
            "draft_id": _short_id(self.state.exercise_id, "draft", team, key),
            "team": team,
            "key": key,
            "inject_id": inject.id if inject else None,
            "channel": channel,
            "kind": kind,
            "text": text,
            "author": author,
            "author_id": participant_id,
            "author_role": role,
        }
        return [self._event(EventType.draft_submitted, now, data, draft_key(team, key))]

    def review_draft(
        self,
        now: datetime,
        *,
        reviewer_id: str,
        draft_id: str,
        decision: str,
        comment: str = "",
        text: str | None = None,
    ) -> list[Event]:
        """A lead approves, edits (then publishes the edited text) or rejects a draft of the team."""
        self._require(Status.running, doing="review a draft")
        reviewer = self.state.participants.get(reviewer_id)
        draft = self.state.drafts.get(draft_id)
        if reviewer is None or draft is None or draft.team != reviewer["team"]:
            raise CommandRejected(f"unknown draft {draft_id!r}")
        if self.state.role_of(reviewer_id) != "lead":
            raise CommandRejected("only the team's lead approves drafts")
        if draft.status != "pending":
            raise CommandRejected(f"this draft was already {draft.status} by {draft.reviewer}")
        if decision not in REVIEW_DECISIONS:
            raise CommandRejected(
                f"unknown decision {str(decision)[:20]!r}; expected approve, edit or reject"
            )
        comment = str(comment or "").strip()
        if len(comment) > 500:
            raise CommandRejected("a review comment is at most 500 characters")
        if decision == "reject" and not comment:
            raise CommandRejected("say why the draft is rejected: a comment is required")
        data: dict[str, Any] = {
            "draft_id": draft_id,
            "team": draft.team,
            "decision": decision,
            "comment": comment,
            "reviewer": reviewer["display_name"],
            "reviewer_id": reviewer_id,
        }
        published = draft.text
        if decision == "edit":
            _, _, published = self._checked_reply(
                draft.team, draft.key, text or "", draft.kind, draft.inject_id, draft.channel
            )
            if published == draft.text:
                raise CommandRejected("the edited text is the same as the draft: approve it instead")
            data["text"] = published
        events = [self._event(EventType.draft_reviewed, now, data, review_key(draft_id))]
        if decision != "reject":
            inject = self.state.inject(draft.inject_id) if draft.inject_id else None
            events += self._publish(
                now, team=draft.team, key=draft.key, text=published, kind=draft.kind, inject=inject,
                channel=draft.channel, author=draft.author,
                draft={"draft_id": draft_id, "drafted_s": draft.drafted_s,
                       "approved_by": reviewer["display_name"]},
            )  # fmt: skip
        return events

    def _checked_reply(
        self, team: str, key: str, text: str, kind: str, inject_id: str | None, channel: str | None
    ) -> tuple[Inject | None, str, str]:
        """Validate a reply (or draft): its inject, the channel it goes to, and its cleaned text."""
        self._require(Status.running, doing="publish a reply")
        if team not in self.state.teams:
            raise CommandRejected(f"unknown team {team!r}")
        if not isinstance(key, str) or not 8 <= len(key) <= 64:
            raise CommandRejected("a reply needs an idempotency key of 8 to 64 characters")
        if kind not in REPLY_KINDS:
            raise CommandRejected(f"unknown reply kind {kind!r}; expected one of {', '.join(REPLY_KINDS)}")
        inject = None
        if inject_id is not None:
            inject = self.state.inject(inject_id)
            if inject is None or (inject_id, team) not in self.state.deliveries:
                raise CommandRejected(f"inject {inject_id!r} was not delivered to this team")
        channel = self._reply_channel(kind, inject, channel)
        text = str(text).strip()
        limit = REPLY_LIMITS.get(kind if kind in ("dm", "statement", "email") else channel, 5000)
        if not text:
            raise CommandRejected("a reply cannot be empty")
        if len(text) > limit:
            raise CommandRejected(
                f"a {kind} reply on {channel} is limited to {limit} characters; this one has {len(text)}"
            )
        return inject, channel, text

    def _publish(
        self,
        now: datetime,
        *,
        team: str,
        key: str,
        text: str,
        kind: str,
        inject: Inject | None,
        channel: str,
        author: str,
        draft: dict[str, Any] | None = None,
    ) -> list[Event]:
        language = self.state.scenario.language.value
        match = rubric_matches(text, inject, language)
        reply_id = _short_id(self.state.exercise_id, team, key)
        data = {
            "reply_id": reply_id,
            "team": team,
            "inject_id": inject.id if inject else None,
            "channel": channel,
            "kind": kind,
            "text": text,
            "author": str(author)[:DISPLAY_NAME_MAX],
            "key": key,
            "matched": match.as_data(),
            **(draft or {}),
        }
        events = [self._event(EventType.reply_posted, now, data, reply_key(team, key))]
        if inject is not None:
            events += self._red_flag_escalations(now, inject, team, match)
        events += self._plan_reactions(now, team, reply_id, inject, channel, match)
        return events

    def _reply_channel(self, kind: str, inject: Inject | None, channel: str | None) -> str:
        if kind == "email":
            return "email"
        if kind == "statement":
            return "news"
        if inject is not None:
            return inject.channel.value
        if channel in {c.value for c in Channel}:
            return str(channel)
        raise CommandRejected("a reply that answers no inject needs a channel")

    def _red_flag_escalations(
        self, now: datetime, inject: Inject, team: str, match: RubricMatch
    ) -> list[Event]:
        events: list[Event] = []
        flags = {flag.id: flag for flag in inject.rubric.red_flags}
        said = dict(match.red_flags)
        for index, rule in enumerate(inject.escalate):
            if rule.when != "red_flag" or rule.flag not in flags:
                continue
            if (inject.id, index, team) in self.state.escalations:
                continue
            phrase = said.get(rule.flag)
            if phrase is None or rule.inject in self.state.skipped | self.state.held:
                continue
            cause = {
                "source_inject": inject.id,
                "rule": index,
                "when": "red_flag",
                "flag": rule.flag,
                "why": red_flag_why(self.state, inject.id, phrase, flags[rule.flag].label),
            }
            release = Release(rule.inject, team, "escalation", self.state.scenario_time(now), cause)
            if (rule.inject, team) in self.state.deliveries:
                continue
            events.extend(self._escalate(now, release))
        return events

    # --- the reactive crowd ----------------------------------------------------------------------

    def _plan_reactions(
        self,
        now: datetime,
        team: str,
        reply_id: str,
        inject: Inject | None,
        channel: str,
        match: RubricMatch,
    ) -> list[Event]:
        state = self.state
        if not state.options.get("reactions", True):
            return []
        author = state.persona(inject.from_) if inject is not None else None
        now_s = state.scenario_time(now)
        events = []
        for index, rule in matching_rules(state.scenario, inject, author, match):
            if rule.limit is not None and state.reaction_count.get((team, index), 0) >= rule.limit:
                continue
            persona = inject.from_ if rule.from_ == "author" and inject is not None else rule.from_
            if state.persona(persona) is None:
                continue
            total = len(inject.rubric.key_points) if inject is not None else 0
            why = {
                "code": rule.when,
                "params": {
                    "covered": len(match.key_points),
                    "total": total,
                    "flags": ", ".join(match.red_flag_ids),
                },
            }
            data = {
                "reaction_id": f"reaction-{len(state.reactions) + len(events) + 1}",
                "team": team,
                "reply_id": reply_id,
                "inject_id": inject.id if inject is not None else None,
                "rule": index,
                "when": rule.when,
                "persona": persona,
                "channel": (rule.channel.value if rule.channel else channel),
                "text": rule.text,
                "due_s": round(now_s + rule.after, 3),
                "mood": rule.mood,
                "expects_reply": rule.expects_reply,
                "reply_within": rule.reply_within,
                "severity": rule.severity,
                "why": why,
            }
            events.append(self._event(EventType.reaction_planned, now, data, reaction_key(reply_id, index)))
        return events

    def change_reaction(
        self, now: datetime, reaction_id: str, change: str, text: str | None = None
    ) -> list[Event]:
        """The facilitator holds, releases a held, edits, suppresses or sends now a planned reaction."""
        reaction = self.state.reactions.get(reaction_id)
        if reaction is None:
            raise CommandRejected(f"unknown reaction {reaction_id!r}")
        if change not in REACTION_CHANGES:
            raise CommandRejected(
                f"unknown change {str(change)[:20]!r}; expected one of {', '.join(REACTION_CHANGES)}"
            )
        if reaction.status in ("released", "suppressed"):
            raise CommandRejected(f"this reaction was already {reaction.status}")
        data: dict[str, Any] = {"reaction_id": reaction_id, "change": change}
        if change == "send":
            self._require(Status.running, Status.paused, doing="send a reaction")
            return self._release_reaction(now, reaction)
        if change == "edit":
            cleaned = str(text or "").strip()
            limit = REPLY_LIMITS.get(reaction.channel, 5000)
            if not cleaned or len(cleaned) > limit:
                raise CommandRejected(f"a reaction on {reaction.channel} is 1 to {limit} characters")
            if cleaned == reaction.text:
                return []
            data["text"] = cleaned
        if (change, reaction.status) in (("hold", "held"), ("unhold", "planned")):
            return []
        if change == "unhold" and reaction.status != "held":
            raise CommandRejected("only a held reaction can be released")
        return [self._event(EventType.reaction_changed, now, data)]

    def _release_reaction(self, now: datetime, reaction: PlannedReaction) -> list[Event]:
        posted = {
            "inject": reaction.inject_data(),
            "persona": None,
            "in_reply_to": reaction.reply_id,
            "reaction_id": reaction.reaction_id,
        }
        release = Release(reaction.reaction_id, reaction.team, "reaction", reaction.due_s)
        return [
            self._event(
                EventType.adhoc_inject_posted, now, posted, reaction_release_key(reaction.reaction_id)
            ),
            self._deliver(now, release),
        ]

    def set_role(self, now: datetime, participant_id: str, role: str) -> list[Event]:
        """The facilitator gives a participant another role in the chain of command."""
        person = self.state.participants.get(participant_id)
        if person is None:
            raise CommandRejected(f"unknown participant {participant_id!r}")
        if role not in ROLES:
            raise CommandRejected(f"unknown role {str(role)[:30]!r}; expected one of {', '.join(ROLES)}")
        if self.state.role_of(participant_id) == role:
            return []
        data = {"participant_id": participant_id, "team": person["team"], "role": role}
        return [self._event(EventType.participant_role_changed, now, data)]

    def set_options(self, now: datetime, **changes: bool) -> list[Event]:
        """Change exercise options; the chain of command only before the start (roles come with joins)."""
        options = check_options(changes)
        changed = {k: v for k, v in options.items() if self.state.options.get(k) != v}
        if "chain_of_command" in changed and self.state.status is not Status.draft:
            raise CommandRejected("the chain of command is chosen before the exercise starts")
        if not changed:
            return []
        return [self._event(EventType.options_changed, now, {"options": changed})]

    # --- checks --------------------------------------------------------------------------------

    def _known_inject(self, inject_id: str) -> Inject:
        inject = self.state.inject(inject_id)
        if inject is None:
            raise CommandRejected(f"unknown inject {inject_id!r}")
        return inject

    def _targets(self, inject: Inject, teams: Sequence[str] | None) -> list[str]:
        if teams:
            unknown = [t for t in teams if t not in self.state.teams]
            if unknown:
                raise CommandRejected(f"unknown team(s) {', '.join(unknown)}")
            return [t for t in self.state.team_slots if t in teams]
        return [t for t in self.state.team_slots if inject.targets(t)]


def check_options(options: dict[str, Any]) -> dict[str, bool]:
    unknown = sorted(set(options) - set(OPTION_NAMES))
    if unknown:
        raise CommandRejected(f"unknown option(s) {', '.join(unknown)}; expected {', '.join(OPTION_NAMES)}")
    bad = [name for name, value in options.items() if not isinstance(value, bool)]
    if bad:
        raise CommandRejected(f"option(s) {', '.join(bad)} must be true or false")
    return dict(options)


def _short_id(*parts: str) -> str:
    return hashlib.sha1(":".join(parts).encode()).hexdigest()[:16]


def check_speed(speed: Any) -> float:
    """Validate a time-compression factor (×1 to ×60)."""
    try:
        value = float(speed)
    except (TypeError, ValueError):
        raise CommandRejected(f"speed must be a number from 1 to 60, got {speed!r}") from None
    if not MIN_SPEED <= value <= MAX_SPEED:
        raise CommandRejected(f"speed must be from ×{MIN_SPEED:g} to ×{MAX_SPEED:g}, got ×{value:g}")
    return value


def check_team_names(names: Sequence[str]) -> list[str]:
    """Clean and validate team names: 1 to 50 teams, each 1 to 40 characters, no duplicates."""
    cleaned = [" ".join(str(n).split()) for n in names]
    if not cleaned:
        raise CommandRejected("an exercise needs at least one team")
    if len(cleaned) > MAX_TEAMS:
        raise CommandRejected(f"at most {MAX_TEAMS} teams, got {len(cleaned)}")
    for position, name in enumerate(cleaned, start=1):
        if not name:
            raise CommandRejected(f"team {position} has an empty name")
        if len(name) > TEAM_NAME_MAX:
            raise CommandRejected(f"team name {name[:20]!r}… is longer than {TEAM_NAME_MAX} characters")
    folded = [n.casefold() for n in cleaned]
    dupes = sorted({n for n, f in zip(cleaned, folded, strict=True) if folded.count(f) > 1})
    if dupes:
        raise CommandRejected(f"duplicate team name(s): {', '.join(dupes)}")
    return cleaned


def _first_error(exc: Exception) -> str:
    errors = getattr(exc, "errors", None)
    if callable(errors):
        first = errors()[0]
        field_name = ".".join(str(p) for p in first["loc"])
        return f"{field_name}: {str(first['msg']).removeprefix('Value error, ')}"
    return str(exc)
