"""The clock heartbeat: every screen gets one each interval, spread over the scheduler's ticks so that
an inject never waits behind a heartbeat to every screen at once."""

from __future__ import annotations

from simulator.web import scheduler
from simulator.web.scheduler import HEARTBEAT_SHARES, heartbeat_once, run_scheduler

from .conftest import command, console, join

FAC, TEAM = "/facilitator", "/team"


def clocks(sio, namespace):
    return [m["args"][0] for m in sio.get_received(namespace) if m["name"] == "clock"]


def started(app, services, exercise_id):
    _, fac = console(app, exercise_id)
    _, red = join(app, services, exercise_id, "team-1", "Rita")
    _, blue = join(app, services, exercise_id, "team-2", "Bob")
    assert command(fac, FAC, "start_exercise", {"speed": 1})["ok"]
    for sio, namespace in ((fac, FAC), (red, TEAM), (blue, TEAM)):
        sio.get_received(namespace)
    return fac, red, blue


def test_a_share_of_the_heartbeat_goes_to_its_teams_and_the_console_gets_the_first(
    app, services, exercise_id
):
    fac, red, blue = started(app, services, exercise_id)
    heartbeat_once(app, (1, 2))  # the second of two shares: Blue (team-2) only
    assert clocks(red, TEAM) == [] and clocks(fac, FAC) == []
    (blue_clock,) = clocks(blue, TEAM)
    assert blue_clock["clock"]["status"] == "running" and "pulse" in blue_clock
    heartbeat_once(app, (0, 2))  # the first share: Red, and the console with every team's mood
    assert clocks(blue, TEAM) == [] and len(clocks(red, TEAM)) == 1
    (console_clock,) = clocks(fac, FAC)
    assert set(console_clock["moods"]) == {"team-1", "team-2"}
    heartbeat_once(app)  # everything at once (the default)
    assert [len(clocks(s, ns)) for s, ns in ((fac, FAC), (red, TEAM), (blue, TEAM))] == [1, 1, 1]


def test_the_scheduler_sends_every_screen_one_heartbeat_per_interval(app, services, exercise_id, monkeypatch):
    fac, red, blue = started(app, services, exercise_id)
    monkeypatch.setattr(scheduler.socketio, "sleep", lambda _s: None)  # ticks in virtual time
    ticks = iter(range(HEARTBEAT_SHARES + 1))
    run_scheduler(app, should_stop=lambda: next(ticks) == HEARTBEAT_SHARES)  # one interval of ticks
    assert [len(clocks(s, ns)) for s, ns in ((fac, FAC), (red, TEAM), (blue, TEAM))] == [1, 1, 1]
