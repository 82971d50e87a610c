"""Headless rehearsal: bot teams of known behaviour play a scenario through the real engine and store,
in virtual time, and the exercise stays in the database like any other.

Behaviours (team names say which):
- fast: answers every post that needs a reply at 15 % of its window, on message (every key point),
  with empathy and courtesy, consistent with itself.
- slow: the same answers, at 85 % of the window.
- inconsistent: answers at 60 % of the window with half the key points, gives different figures from
  one reply to the next, and flips from denial to apology.
- troll-feeder: argues with trolls, refuses to comment and blames customers elsewhere.
- silent: never answers.
Expected ranking: fast, slow, inconsistent, troll-feeder, silent.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any

from .engine.clock import ManualClock
from .engine.events import Event, EventType
from .engine.scenario import Inject, Scenario
from .engine.scoring_input import exercise_report
from .store.exercises import ExerciseStore

BEHAVIOURS = ("fast", "slow", "inconsistent", "troll-feeder", "silent")
EXPECTED_ORDER = ("fast", "slow", "inconsistent", "troll-feeder", "silent")
STEP_S = 5.0  # scenario seconds between engine ticks

LINES = {
    "en": {
        "open": [
            "We are deeply sorry for the concern this has caused.",
            "We understand why people are upset, and we are sorry.",
        ],
        "close": [
            "Thank you for your patience; we will share updates here.",
            "Thank you for raising this with us.",
        ],
        "deny": "We deny these claims: there is no evidence of any wrongdoing.",
        "accept": "We apologise: this was our mistake and we take full responsibility.",
        "figure": "So far {n} customers have contacted us about this.",
        "no_comment": "No comment at this stage.",
        "blame": "This looks like customer error, not our fault.",
        "troll": "LOL nice try, get a life. This is ridiculous!!!",
    },
    "fr": {
        "open": [
            "Nous sommes sincèrement désolés de l'inquiétude suscitée.",
            "Nous comprenons l'émotion et nous présentons nos excuses.",
        ],
        "close": [
            "Merci de votre patience, nous reviendrons vers vous ici.",
            "Merci de nous avoir interpellés.",
        ],
        "deny": "Nous démentons ces accusations : il n'y a aucune preuve d'une faute.",
        "accept": "Nous nous excusons : c'est notre erreur et nous assumons pleinement.",
        "figure": "À ce jour, {n} clients nous ont contactés à ce sujet.",
        "no_comment": "Aucun commentaire pour le moment.",
        "blame": "Il s'agit d'une mauvaise utilisation, pas notre faute.",
        "troll": "MDR bel essai, c'est ridicule !!!",
    },
}


@dataclass
class Bot:
    slot: str
    behaviour: str
    rng: random.Random
    said: int = 0
    plans: list[tuple[float, str]] = field(default_factory=list)  # (scenario_s, inject_id)

    def plan(self, inject: Inject, delivered_s: float, persona_kind: str) -> None:
        window = inject.reply_within or 0
        if self.behaviour == "silent":
            return
        if persona_kind == "troll":
            if self.behaviour == "troll-feeder":
                self.plans.append((delivered_s + 30, inject.id))
            return
        if not inject.expects_reply or not window:
            return
        fraction = {"fast": 0.15, "slow": 0.85, "inconsistent": 0.6, "troll-feeder": 0.6}[self.behaviour]
        jitter = self.rng.uniform(-0.03, 0.03) * window
        self.plans.append((delivered_s + fraction * window + jitter, inject.id))

    def due(self, scenario_s: float) -> list[str]:
        ready = [inject_id for at, inject_id in self.plans if at <= scenario_s]
        self.plans = [(at, i) for at, i in self.plans if at > scenario_s]
        return ready

    def text(self, inject: Inject, language: str, limit: int) -> str:
        lines = LINES[language]
        self.said += 1
        if self.behaviour == "troll-feeder":
            if inject.rubric.key_points or inject.expects_reply:
                return lines["no_comment"] + " " + lines["blame"]
            return lines["troll"]
        points = [k.phrases[0] for k in inject.rubric.key_points]
        if self.behaviour == "inconsistent":
            points = points[: max(1, len(points) // 2)]
            stance = lines["deny"] if self.said <= 2 else lines["accept"]
            figure = lines["figure"].format(n=3 + 4 * self.said)
            body = " ".join([stance, *(_sentence(p) for p in points), figure])
        else:
            body = " ".join(
                [
                    self.rng.choice(lines["open"]),
                    *(_sentence(p) for p in points),
                    self.rng.choice(lines["close"]),
                ]
            )
        return _fit(body, limit)


def _sentence(phrase: str) -> str:
    phrase = phrase.strip()
    return phrase[:1].upper() + phrase[1:] + ("" if phrase.endswith((".", "!", "?")) else ".")


def _fit(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0]
    return cut.rstrip(",;:") + "…"


def rehearse(
    store: ExerciseStore,
    clock: ManualClock,
    scenario: Scenario,
    teams: int,
    speed: float,
    seed: int,
    owner: str | None = None,
) -> dict[str, Any]:
    """Play ``scenario`` with ``teams`` bots (behaviours in order) and return the report."""
    if not 1 <= teams <= 50:
        raise ValueError(f"--teams must be from 1 to 50, got {teams}")
    rng = random.Random(seed)
    names = [
        f"{BEHAVIOURS[i % len(BEHAVIOURS)].capitalize()} {i // len(BEHAVIOURS) + 1}" for i in range(teams)
    ]
    exercise = store.create_exercise(
        scenario, names, title=f"Rehearsal: {scenario.title}", speed=speed, label="rehearsal", owner=owner
    )
    exercise_id = exercise.state.exercise_id
    bots = {
        slot: Bot(slot, BEHAVIOURS[i % len(BEHAVIOURS)], random.Random(rng.random()))
        for i, slot in enumerate(exercise.state.teams)
    }
    language = scenario.language.value

    def observe(events: list[Event]) -> None:
        state = store.exercise(exercise_id).state
        for event in events:
            if event.type is EventType.inject_delivered:
                inject = state.inject(event.data["inject_id"])
                persona = state.persona(inject.from_) if inject else None
                if inject is not None and persona is not None:
                    bots[event.data["team"]].plan(inject, event.scenario_s, persona.kind.value)

    observe(store.run(exercise_id, lambda ex, now: ex.start(now, speed=speed)))
    scenario_s = 0.0
    while scenario_s < scenario.duration:
        clock.advance(STEP_S / speed)
        observe(store.run(exercise_id, lambda ex, now: ex.tick(now)))
        state = store.exercise(exercise_id).state
        scenario_s = state.scenario_time(clock.now())
        for slot, bot in bots.items():
            for inject_id in bot.due(scenario_s):
                inject = state.inject(inject_id)
                kind = "email" if inject.channel.value == "email" else "public"
                limit = 280 if inject.channel.value == "microblog" else 1000
                text = bot.text(inject, language, limit)
                key = f"bot-{slot}-{inject_id}"[:64]
                observe(
                    store.run(
                        exercise_id,
                        lambda ex, now, t=text, k=key, i=inject_id, s=slot, kd=kind: ex.post_reply(
                            now, team=s, key=k, text=t, kind=kd, inject_id=i, author="bot"
                        ),
                    )
                )
    store.run(exercise_id, lambda ex, now: ex.end(now))
    report = exercise_report(store.exercise(exercise_id).state)
    report["rehearsal"] = {
        "seed": seed,
        "speed": speed,
        "behaviours": {slot: bot.behaviour for slot, bot in bots.items()},
        "expected_order": list(EXPECTED_ORDER),
    }
    return report
