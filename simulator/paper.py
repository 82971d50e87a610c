"""Scoring replies gathered outside the platform (a drill run on paper, a past exercise).

The CSV has the columns ``team,inject_id,published_at,channel,text``. The replies are replayed through
the real engine in virtual time: every inject is delivered at its ``at`` to the teams it targets (teams
take the slots team-1, team-2 … in the order they first appear), escalations fire when their rules say,
and each reply is published at ``published_at`` (scenario time). The report is then built exactly as
for a live exercise. Every problem of the file is reported at once, with its row number.
"""

from __future__ import annotations

import csv
import difflib
import io
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from .engine.clock import ManualClock
from .engine.durations import DurationError, format_duration, parse_duration
from .engine.exercise import CommandRejected, Exercise
from .engine.scenario import Channel, Scenario
from .engine.scoring_input import exercise_report

COLUMNS = ("team", "inject_id", "published_at", "channel", "text")
KINDS = {"dm": "dm", "email": "email", "statement": "statement"}


class CsvProblems(ValueError):
    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("\n".join(problems))


@dataclass(frozen=True)
class PaperReply:
    row: int
    team: str
    inject_id: str | None
    published_s: float
    channel: str
    text: str


def read_replies(path: Path, scenario: Scenario) -> list[PaperReply]:
    """Parse and check the CSV; raise ``CsvProblems`` listing every bad row."""
    try:
        raw = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise CsvProblems([f"{path}: cannot read the file ({exc})"]) from None
    reader = csv.DictReader(io.StringIO(raw))
    header = [h.strip() for h in (reader.fieldnames or [])]
    missing = [c for c in COLUMNS if c not in header]
    if missing:
        raise CsvProblems(
            [f"{path}:1: missing column(s) {', '.join(missing)}; expected the header {','.join(COLUMNS)}"]
        )
    problems: list[str] = []
    replies: list[PaperReply] = []
    channels = {c.value for c in Channel}
    for row_number, row in enumerate(reader, start=2):
        where = f"{path}:{row_number}"
        if None in row:
            problems.append(
                f"{where}: more cells than the {len(header)} columns (quote text that contains commas)"
            )
            continue
        cells = {k.strip(): (v or "").strip() for k, v in row.items() if k is not None}
        if not any(cells.values()):
            continue
        team, inject_id, channel, text = (
            cells["team"],
            cells["inject_id"] or None,
            cells["channel"].lower(),
            cells["text"],
        )
        if not team:
            problems.append(f"{where}: team: empty; name the team that published the reply")
        if inject_id is not None and inject_id not in scenario.inject_ids:
            close = difflib.get_close_matches(inject_id, sorted(scenario.inject_ids), n=1)
            hint = f"; did you mean {close[0]}?" if close else ""
            problems.append(
                f"{where}: inject_id: unknown inject {inject_id!r} in scenario {scenario.id}{hint}"
            )
        try:
            published_s = parse_duration(cells["published_at"])
        except DurationError as exc:
            problems.append(f"{where}: published_at: {exc}")
            published_s = -1.0
        if published_s > scenario.duration:
            problems.append(
                f"{where}: published_at: {format_duration(published_s)} is after the end of the scenario ({format_duration(scenario.duration)})"
            )
        if channel not in channels and channel not in KINDS:
            expected = ", ".join(sorted(channels | set(KINDS)))
            problems.append(f"{where}: channel: unknown channel {channel!r}; expected one of {expected}")
        if not text:
            problems.append(f"{where}: text: empty reply")
        if inject_id is None and channel not in ("statement", *channels):
            problems.append(f"{where}: inject_id: a {channel} reply must answer an inject")
        replies.append(PaperReply(row_number, team, inject_id, published_s, channel, text))
    if problems:
        raise CsvProblems(problems)
    if not replies:
        raise CsvProblems([f"{path}: no reply rows below the header"])
    return replies


def score_csv(scenario: Scenario, path: Path) -> dict[str, Any]:
    """The report for the replies of ``path``, replayed through the engine (see module docstring)."""
    replies = read_replies(path, scenario)
    names = list(dict.fromkeys(r.team for r in replies))
    clock = ManualClock()
    start = clock.now()
    created = Exercise.create(
        "paper",
        scenario,
        names,
        [f"P{i:05d}" for i in range(len(names))],
        start,
        title=f"{scenario.title} ({path.name})",
    )
    exercise = Exercise.from_events([created.stored(1)])
    slots = {name: slot for slot, name in ((t.slot, t.name) for t in exercise.state.teams.values())}

    def play(events: list[Any]) -> None:
        stored = [e.stored(exercise.state.last_seq + i) for i, e in enumerate(events, start=1)]
        exercise.apply_all(stored)

    play(exercise.start(start, speed=1))
    problems: list[str] = []
    for reply in sorted(replies, key=lambda r: (r.published_s, r.row)):
        clock.set(start + timedelta(seconds=reply.published_s))
        play(exercise.tick(clock.now()))
        slot = slots[reply.team]
        kind = KINDS.get(reply.channel, "public")
        try:
            play(
                exercise.post_reply(
                    clock.now(),
                    team=slot,
                    key=f"csv-row-{reply.row:06d}",
                    text=reply.text,
                    kind=kind,
                    inject_id=reply.inject_id,
                    author=reply.team,
                    channel=None if kind != "public" else reply.channel,
                )
            )
        except CommandRejected as exc:
            problems.append(f"{path}:{reply.row}: {_explain(exc, reply, scenario)}")
    if problems:
        raise CsvProblems(problems)
    clock.set(start + timedelta(seconds=scenario.duration))
    play(exercise.tick(clock.now()))
    play(exercise.end(clock.now()))
    report = exercise_report(exercise.state)
    report["exercise"]["source"] = str(path)
    return report


def _explain(exc: CommandRejected, reply: PaperReply, scenario: Scenario) -> str:
    message = str(exc)
    if "was not delivered" in message and reply.inject_id:
        inject = scenario.inject(reply.inject_id)
        if inject.at is not None and inject.at > reply.published_s:
            return (
                f"published_at: this reply ({format_duration(reply.published_s)}) comes before {reply.inject_id} "
                f"is released at {format_duration(inject.at)}"
            )
        if inject.at is None:
            return f"inject_id: {reply.inject_id} only fires from an escalation, which had not fired for {reply.team!r} by then"
        return f"inject_id: {reply.inject_id} is targeted at {', '.join(inject.to)}, not at {reply.team!r}"
    return message
