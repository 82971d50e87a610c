"""Public mood and the reactive crowd in virtual time (tests/data/crowd.yaml)."""

from __future__ import annotations

import pytest

from simulator.engine import views
from simulator.engine.events import EventType
from simulator.engine.exercise import CommandRejected, Exercise
from simulator.engine.mood import engagement, reach
from simulator.engine.scenario import Scenario
from simulator.engine.scoring_input import exercise_report
from tests.factories import gen_exercise, gen_scenario, play


def crowd(**options):
    exercise, clock = gen_exercise(gen_scenario("crowd"), options=options or None)
    play(exercise, exercise.start(clock.now()))
    return exercise, clock


def at(exercise, clock, seconds):
    """Advance the clock to scenario second ``seconds`` and release what is due."""
    clock.advance(seconds - exercise.state.scenario_time(clock.now()))
    return play(exercise, exercise.tick(clock.now()))


def reactions_released(events):
    return [e for e in events if e.type is EventType.inject_delivered and e.data["origin"] == "reaction"]


def reply(exercise, clock, text, inject_id="first-post", team="team-1", key=None):
    key = key or f"key-{len(exercise.state.replies):08d}"
    return play(
        exercise, exercise.post_reply(clock.now(), team=team, key=key, text=text, inject_id=inject_id)
    )


def mood(exercise, clock, team="team-1"):
    return round(exercise.state.mood(team).value_at(exercise.state.scenario_time(clock.now())), 2)


def test_an_unanswered_post_heats_the_mood_by_severity_and_reach_until_answered():
    exercise, clock = crowd()
    at(exercise, clock, 60)  # first-post: severity 3, Jane Doe 120k followers -> reach 2
    assert reach(exercise.state.persona("jdoe"), exercise.state.scenario.mood) == 2
    assert mood(exercise, clock) == 20
    at(exercise, clock, 120)  # 1 minute × 2 points × severity 3 × reach 2
    assert mood(exercise, clock) == 32
    reply(exercise, clock, "We know and we are checking.")  # covers the key point: −2 − 10×3
    assert mood(exercise, clock) == 0  # clamped at 0
    at(exercise, clock, 150)
    assert mood(exercise, clock) == 0.5  # nothing heats: drifts back toward 20 at 1 point/minute


def test_troll_posts_never_heat_and_red_flags_spike():
    exercise, clock = crowd()
    at(exercise, clock, 60)
    at(exercise, clock, 120)  # troll-post at 2m
    assert "troll-post" not in exercise.state.mood("team-1").heating
    before = mood(exercise, clock)
    reply(exercise, clock, "No comment.")
    assert mood(exercise, clock) == pytest.approx(before - 2 + 30)  # first reply relief, red flag × 3


def test_the_mood_is_rebuilt_identically_from_the_log():
    exercise, clock = gen_exercise(gen_scenario("crowd"))
    created = Exercise.create("ex1", gen_scenario("crowd"), ("Red", "Blue"), ["CODE0", "CODE1"], clock.now())
    log = [created.stored(1)]
    log += play(exercise, exercise.start(clock.now()))
    log += at(exercise, clock, 90)
    log += reply(exercise, clock, "No comment.")
    log += at(exercise, clock, 400)
    rebuilt = Exercise.from_events(log)
    assert rebuilt.state.mood("team-1").points == exercise.state.mood("team-1").points
    assert len(exercise.state.mood("team-1").points) > 3


def test_reactions_are_planned_by_the_rules_and_released_under_the_reply_after_their_delay():
    exercise, clock = crowd()
    at(exercise, clock, 60)
    events = reply(exercise, clock, "We know, we are checking.")
    planned = [e for e in events if e.type is EventType.reaction_planned]
    assert [(e.data["when"], e.data["persona"], e.data["due_s"]) for e in planned] == [
        ("covers_key_points", "jdoe", 180.0)
    ]
    assert reactions_released(at(exercise, clock, 179)) == []
    released = at(exercise, clock, 180)
    posted = next(e for e in released if e.type is EventType.adhoc_inject_posted)
    reply_id = exercise.state.replies[0].reply_id
    assert posted.data["in_reply_to"] == reply_id
    delivery = next(e for e in released if e.type is EventType.inject_delivered)
    assert (delivery.data["team"], delivery.data["origin"]) == ("team-1", "reaction")
    item = views.team_item(exercise.state, delivery, "team-1")
    assert item["text"] == "Thanks Red, that is clear." and item["in_reply_to"] == reply_id
    assert views.team_item(exercise.state, delivery, "team-2") is None
    assert exercise.state.reactions["reaction-1"].status == "released"
    assert exercise.state.mood("team-1").points[-1].cause == "reaction"
    assert reactions_released(at(exercise, clock, 600)) == []  # nothing is released twice


def test_a_vague_reply_brings_a_follow_up_that_expects_an_answer_and_a_red_flag_brings_outrage():
    exercise, clock = crowd()
    at(exercise, clock, 60)
    events = reply(exercise, clock, "We take safety seriously.")
    [vague] = [e for e in events if e.type is EventType.reaction_planned]
    assert vague.data["when"] == "vague" and vague.data["expects_reply"] is True
    released = at(exercise, clock, 90)
    inject = exercise.state.inject("reaction-1")
    assert inject.expects_reply and inject.reply_within == 240 and inject.from_ == "jdoe"
    assert "reaction-1" in exercise.state.mood("team-1").heating  # the follow-up heats like any post
    assert any(e.type is EventType.inject_delivered for e in released)
    events = reply(exercise, clock, "No comment.")
    whens = [e.data["when"] for e in events if e.type is EventType.reaction_planned]
    assert whens == ["red_flag"]


def test_feeding_the_troll_makes_it_double_down_once_per_team():
    exercise, clock = crowd()
    at(exercise, clock, 120)
    first = reply(exercise, clock, "Our bikes are safe.", inject_id="troll-post")
    assert [e.data["when"] for e in first if e.type is EventType.reaction_planned] == ["feeds_troll"]
    again = reply(exercise, clock, "Please stop.", inject_id="troll-post")
    assert [e for e in again if e.type is EventType.reaction_planned] == []  # limit: 1
    assert [p.cause for p in exercise.state.mood("team-1").points].count("reply") == 0  # no direct effect


def test_the_facilitator_holds_edits_suppresses_or_sends_a_reaction_now():
    exercise, clock = crowd()
    at(exercise, clock, 60)
    reply(exercise, clock, "We take safety seriously.")  # plans reaction-1 (vague), due 30 s later
    play(exercise, exercise.change_reaction(clock.now(), "reaction-1", "hold"))
    assert reactions_released(at(exercise, clock, 200)) == []  # held past its time
    play(exercise, exercise.change_reaction(clock.now(), "reaction-1", "edit", "Is that a yes or a no?"))
    play(exercise, exercise.change_reaction(clock.now(), "reaction-1", "unhold"))
    released = at(exercise, clock, 201)
    assert exercise.state.inject("reaction-1").text == "Is that a yes or a no?"
    assert reactions_released(released)
    with pytest.raises(CommandRejected, match="already released"):
        exercise.change_reaction(clock.now(), "reaction-1", "suppress")
    reply(exercise, clock, "No comment.", key="key-red-flag")  # plans reaction-2 (red flag)
    play(exercise, exercise.change_reaction(clock.now(), "reaction-2", "suppress"))
    assert (
        reactions_released(at(exercise, clock, 500)) == []
        and exercise.state.reactions["reaction-2"].status == "suppressed"
    )
    reply(exercise, clock, "Our bikes are safe.", inject_id="troll-post", key="key-troll-01")
    sent = play(exercise, exercise.change_reaction(clock.now(), "reaction-3", "send"))
    assert [e.type for e in sent] == [EventType.adhoc_inject_posted, EventType.inject_delivered]


def test_reactions_can_be_turned_off_per_exercise():
    exercise, clock = crowd(reactions=False)
    at(exercise, clock, 60)
    events = reply(exercise, clock, "We know.")
    assert [e for e in events if e.type is EventType.reaction_planned] == []


def test_engagement_grows_with_followers_and_mood_and_levels_off_once_answered():
    jdoe = gen_scenario("crowd").persona("jdoe")
    troll = gen_scenario("crowd").persona("troll")
    assert (
        engagement(jdoe, "p", "team-1", 600, 600, 20)[0] > engagement(troll, "p", "team-1", 600, 600, 20)[0]
    )
    calm, angry = (engagement(jdoe, "p", "team-1", 600, 600, m)[0] for m in (10, 90))
    assert angry > calm
    answered = [engagement(jdoe, "p", "team-1", age, 60, 20)[0] for age in (600, 1200, 2400, 4800)]
    unanswered = [engagement(jdoe, "p", "team-1", age, age, 20)[0] for age in (600, 1200, 2400, 4800)]
    assert answered == sorted(answered) and unanswered == sorted(unanswered)
    assert unanswered[-1] - unanswered[-2] > 10 * (answered[-1] - answered[-2])


def test_pulse_and_report_carry_the_mood():
    exercise, clock = crowd(mood_visible=True)
    at(exercise, clock, 60)
    at(exercise, clock, 180)
    pulse = views.team_pulse(exercise.state, "team-1", clock.now())
    assert pulse["mood"] == mood(exercise, clock) and set(pulse["engagement"]) == {"first-post", "troll-post"}
    hidden, hidden_clock = crowd(mood_visible=False)
    assert "mood" not in views.team_pulse(hidden.state, "team-1", hidden_clock.now())
    moods = views.moods_payload(exercise.state, clock.now())
    assert moods["team-1"]["rising"] is True and moods["team-1"]["heating"] == ["first-post"]
    reply(exercise, clock, "No comment.")
    play(exercise, exercise.end(clock.now()))
    report = exercise_report(exercise.state)["mood"]
    red = report["teams"][0]
    assert red["curve"][0] == [0.0, 20.0] and red["curve"][-1][0] == 180
    assert red["peak"] == max(v for _, v in red["curve"]) and red["end"] == red["curve"][-1][1]
    assert [c["cause"] for c in red["changes"]] == ["post", "red_flag"]


def test_escalation_reasons_are_written_in_the_scenarios_language():
    french = Scenario.model_validate({**gen_scenario("crowd").model_dump(by_alias=True), "language": "fr"})
    exercise, clock = gen_exercise(french)
    play(exercise, exercise.start(clock.now()))
    at(exercise, clock, 60)
    events = reply(exercise, clock, "Pas de commentaire. No comment.", team="team-2")
    [fired] = [e for e in events if e.type is EventType.escalation_fired]
    assert fired.data["why"] == "la réponse à first-post disait « no comment » : Refuses to comment"
    fired = [e for e in at(exercise, clock, 240) if e.type is EventType.escalation_fired]
    assert [e.data["why"] for e in fired] == [
        "Le message microblog de Jane Doe (first-post) : sans réponse pendant 3 min (temps du scénario)"
    ]
