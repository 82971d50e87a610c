"""What the facilitator console gets and does for the public mood, the reactive crowd, roles and options,
over Flask-SocketIO's test clients, on the mini drill with a mood and reaction rules (tests/data/crowd.yaml):
the snapshot's moods, options and roles; a reaction planned by a team's reply; hold, edit, suppress and
send now; observers refused; roles and options that reach the team; moods on every clock."""

from __future__ import annotations

import pytest

from simulator.store import accounts
from simulator.web.extensions import socketio
from simulator.web.scheduler import heartbeat_once, tick_once
from tests.web.conftest import PASSWORD, command, console, join, pushed_items, sign_in

FAC, TEAM = "/facilitator", "/team"
ROLES = ["community_manager", "lead", "spokesperson"]
CLEAR = "We are aware of the reports and we are checking every battery."  # covers first-post's key point
VAGUE = "We take safety very seriously."  # covers none: the "vague" rule


@pytest.fixture
def crowd_id(services):
    """A draft exercise of the crowd drill owned by 'alice', teams Red (team-1) and Blue (team-2)."""
    accounts.add_facilitator(services.sessions, services.clock, "alice", PASSWORD)
    created = services.store.create_exercise(
        services.library.get("crowd-drill"), ["Red", "Blue"], owner="alice"
    )
    return created.state.exercise_id


def received(sio, namespace, name):
    """The payloads of the ``name`` messages ``sio`` received since the last call (others are dropped)."""
    return [m["args"][0] for m in sio.get_received(namespace) if m["name"] == name]


def running(app, services, exercise_id, clock):
    """The console and both teams, the exercise started at ×1 and first-post delivered (1m)."""
    _, fac = console(app, exercise_id)
    _, red = join(app, services, exercise_id, "team-1", "Rita")
    _, blue = join(app, services, exercise_id, "team-2", "Bob")
    assert command(fac, FAC, "start_exercise", {"speed": 1})["ok"]
    clock.advance(60)
    tick_once(app)
    for sio, ns in ((fac, FAC), (red, TEAM), (blue, TEAM)):
        sio.get_received(ns)
    return fac, red, blue


def reply(team, text, key, inject_id="first-post"):
    ack = command(team, TEAM, "post_reply", {"key": key, "text": text, "inject_id": inject_id})
    assert ack["ok"], ack
    return ack


def reactions(items):
    return [i for i in items if i["kind"] == "reaction"]


def observer(app, services, exercise_id):
    accounts.add_facilitator(services.sessions, services.clock, "olga", "observer-password")
    accounts.add_member(services.sessions, services.clock, exercise_id, "olga", "observer")
    client = sign_in(app, "olga", "observer-password")
    assert client.get(f"/facilitator/exercises/{exercise_id}").status_code == 200
    olga = socketio.test_client(app, namespace=FAC, flask_test_client=client)
    assert olga.is_connected(FAC)
    return olga


def test_the_console_snapshot_has_every_moods_the_options_and_the_roles(app, services, crowd_id):
    _, fac = console(app, crowd_id)
    snapshot = command(fac, FAC, "sync", {"after_seq": 0})["snapshot"]
    assert snapshot["options"] == {"chain_of_command": False, "mood_visible": False, "reactions": True}
    assert snapshot["roles"] == ROLES
    assert snapshot["moods"] == {
        "team-1": {"value": 20, "rising": False, "heating": []},
        "team-2": {"value": 20, "rising": False, "heating": []},
    }


def test_a_post_heats_the_mood_and_the_clock_brings_it_to_the_console_only(app, services, crowd_id, clock):
    fac, red, _ = running(app, services, crowd_id, clock)
    clock.advance(60)  # first-post unanswered for a minute: 2 × severity 3 × reach 2 = 12 points
    heartbeat_once(app)
    (message,) = received(fac, FAC, "clock")
    assert message["moods"]["team-1"] == {"value": 32, "rising": True, "heating": ["first-post"]}
    assert message["clock"]["status"] == "running" and message["last_seq"] > 0
    (team_clock,) = received(red, TEAM, "clock")
    assert "moods" not in team_clock and "mood" not in team_clock["pulse"]  # mood_visible is off


def test_a_reply_that_matches_a_rule_plans_a_reaction_that_the_console_sees(app, services, crowd_id, clock):
    fac, red, blue = running(app, services, crowd_id, clock)
    ack = reply(red, CLEAR, "red-reply-01")
    (push,) = received(fac, FAC, "push")
    assert push["moods"]["team-1"]["value"] == 0  # −2 for the first reply, −10 × 3 for the key point
    assert push["moods"]["team-1"]["heating"] == []
    assert "team-2" not in push["moods"]  # a reply concerns its own team; the others' come with the clock
    (planned,) = reactions(push["items"])
    assert planned["reply_id"] == ack["reply_id"] and planned["team"] == "team-1"
    assert (planned["status"], planned["when"], planned["due_s"]) == ("planned", "covers_key_points", 180)
    assert planned["why"] == {"code": "covers_key_points", "params": {"covered": 1, "total": 1, "flags": ""}}
    assert (planned["persona"], planned["persona_name"]) == ("jdoe", "Jane Doe")
    assert planned["text"] == "Thanks Red, that is clear." and planned["mood"] == -5
    assert planned["expects_reply"] is False and planned["released_s"] is None
    assert reactions(pushed_items(red, TEAM)) == []  # a planned reaction is the console's business

    reply(blue, "No comment.", "blue-reply-01")  # a red flag: another rule, another persona
    (flagged,) = reactions(pushed_items(fac, FAC))
    assert flagged["why"]["code"] == "red_flag" and flagged["why"]["params"]["flags"] == "no-comment"
    assert (flagged["team"], flagged["persona_name"]) == ("team-2", "Safety Office")

    snapshot = command(fac, FAC, "sync", {"after_seq": 0})["snapshot"]
    assert [(r["reaction_id"], r["team"]) for r in reactions(snapshot["items"])] == [
        (planned["reaction_id"], "team-1"),
        (flagged["reaction_id"], "team-2"),
    ]


def test_the_facilitator_holds_edits_and_sends_a_reaction_now(app, services, crowd_id, clock):
    fac, red, _ = running(app, services, crowd_id, clock)
    reply_id = reply(red, CLEAR, "red-reply-02")["reply_id"]
    (planned,) = reactions(pushed_items(fac, FAC))
    rid = planned["reaction_id"]
    pushed_items(red, TEAM)

    assert command(fac, FAC, "change_reaction", {"reaction_id": rid, "change": "hold"})["ok"]
    assert [r["status"] for r in reactions(pushed_items(fac, FAC))] == ["held"]
    edited = "Thanks Red. Clear, and quick."
    ack = command(fac, FAC, "change_reaction", {"reaction_id": rid, "change": "edit", "text": edited})
    assert ack["ok"] and ack["stored"] == 1
    (after_edit,) = reactions(pushed_items(fac, FAC))
    assert (after_edit["status"], after_edit["text"]) == ("held", edited)
    clock.advance(300)  # well past its time: held, it stays
    tick_once(app)
    assert reactions(pushed_items(fac, FAC)) == []
    assert [i for i in pushed_items(red, TEAM) if i.get("origin") == "reaction"] == []
    assert command(fac, FAC, "change_reaction", {"reaction_id": rid, "change": "unhold"})["ok"]
    assert [r["status"] for r in reactions(pushed_items(fac, FAC))] == ["planned"]

    assert command(fac, FAC, "change_reaction", {"reaction_id": rid, "change": "send"})["ok"]
    items = pushed_items(fac, FAC)
    (released,) = reactions(items)
    assert released["status"] == "released" and released["released_s"] == pytest.approx(360, abs=1)
    (delivery,) = [i for i in items if i["kind"] == "inject"]
    assert (delivery["inject_id"], delivery["origin"], delivery["in_reply_to"]) == (rid, "reaction", reply_id)
    assert delivery["text"] == edited and delivery["team"] == "team-1"
    (seen,) = [i for i in pushed_items(red, TEAM) if i.get("origin") == "reaction"]
    assert (seen["inject_id"], seen["text"], seen["in_reply_to"]) == (rid, edited, reply_id)

    again = command(fac, FAC, "change_reaction", {"reaction_id": rid, "change": "send"})
    assert again["ok"] is False and "already released" in again["error"]


def test_a_suppressed_reaction_never_reaches_the_team(app, services, crowd_id, clock):
    fac, red, _ = running(app, services, crowd_id, clock)
    reply(red, VAGUE, "red-reply-03")
    (planned,) = reactions(pushed_items(fac, FAC))
    assert planned["why"]["code"] == "vague" and planned["expects_reply"] is True
    rid = planned["reaction_id"]
    pushed_items(red, TEAM)
    assert command(fac, FAC, "change_reaction", {"reaction_id": rid, "change": "suppress"})["ok"]
    assert [r["status"] for r in reactions(pushed_items(fac, FAC))] == ["suppressed"]
    clock.advance(120)  # long past its time (30s)
    tick_once(app)
    assert [i for i in pushed_items(red, TEAM) if i.get("origin") == "reaction"] == []
    assert reactions(pushed_items(fac, FAC)) == []
    for change, error in (("send", "already suppressed"), ("bogus", "unknown change")):
        ack = command(fac, FAC, "change_reaction", {"reaction_id": rid, "change": change})
        assert ack["ok"] is False and error in ack["error"], ack
    ack = command(fac, FAC, "change_reaction", {"reaction_id": "reaction-99", "change": "hold"})
    assert ack["ok"] is False and "unknown reaction" in ack["error"]


def test_an_edit_that_breaks_a_limit_is_refused_and_changes_nothing(app, services, crowd_id, clock):
    fac, red, _ = running(app, services, crowd_id, clock)
    reply(red, CLEAR, "red-reply-04")
    (planned,) = reactions(pushed_items(fac, FAC))
    for text in ("", "x" * 281):  # first-post is on the microblog: 280 characters
        ack = command(
            fac,
            FAC,
            "change_reaction",
            {"reaction_id": planned["reaction_id"], "change": "edit", "text": text},
        )
        assert ack["ok"] is False and "1 to 280 characters" in ack["error"], ack
    assert pushed_items(fac, FAC) == []


def test_observers_watch_the_crowd_but_cannot_change_reactions_roles_or_options(
    app, services, crowd_id, clock
):
    fac, red, _ = running(app, services, crowd_id, clock)
    olga = observer(app, services, crowd_id)
    snapshot = command(olga, FAC, "sync", {"after_seq": 0})["snapshot"]
    assert set(snapshot["moods"]) == {"team-1", "team-2"} and snapshot["options"]["reactions"] is True
    reply(red, CLEAR, "red-reply-05")
    (planned,) = reactions(pushed_items(olga, FAC))  # observers see the reactions as they are planned
    fac.get_received(FAC)
    participant = next(i for i in snapshot["items"] if i["kind"] == "participant")
    attempts = [
        ("change_reaction", {"reaction_id": planned["reaction_id"], "change": change, "text": "Hijacked"})
        for change in ("hold", "edit", "suppress", "send")
    ] + [
        ("set_role", {"participant_id": participant["participant_id"], "role": "lead"}),
        ("set_options", {"mood_visible": True}),
        ("set_options", {"reactions": False}),
    ]
    seq = services.store.exercise(crowd_id).state.last_seq
    for name, payload in attempts:
        ack = command(olga, FAC, name, payload)
        assert ack["ok"] is False and "observers cannot control" in ack["error"], (name, ack)
    assert services.store.exercise(crowd_id).state.last_seq == seq
    assert pushed_items(fac, FAC) == []


def test_set_options_and_set_role_reach_the_team(app, services, crowd_id, clock):
    _, fac = console(app, crowd_id)
    assert command(fac, FAC, "set_options", {"chain_of_command": True})["ok"]
    (options,) = [i for i in pushed_items(fac, FAC) if i["kind"] == "options"]
    assert options["options"] == {"chain_of_command": True, "mood_visible": False, "reactions": True}
    _, red = join(app, services, crowd_id, "team-1", "Rita")
    team = command(red, TEAM, "sync", {"after_seq": 0})["snapshot"]
    assert team["options"] == {"chain_of_command": True, "mood_visible": False}
    (joined,) = [i for i in pushed_items(fac, FAC) if i["kind"] == "participant"]
    assert (joined["display_name"], joined["role"], joined["team"]) == ("Rita", "community_manager", "team-1")

    pid = joined["participant_id"]
    assert command(fac, FAC, "set_role", {"participant_id": pid, "role": "lead"})["ok"]
    (console_item,) = [i for i in pushed_items(fac, FAC) if i["kind"] == "participant_role"]
    assert (console_item["participant_id"], console_item["role"], console_item["team"]) == (
        pid,
        "lead",
        "team-1",
    )
    (team_item,) = [i for i in pushed_items(red, TEAM) if i["kind"] == "participant_role"]
    assert (team_item["participant_id"], team_item["role"]) == (pid, "lead")
    ack = command(fac, FAC, "set_role", {"participant_id": pid, "role": "ceo"})
    assert ack["ok"] is False and "unknown role" in ack["error"]

    assert command(fac, FAC, "set_options", {"mood_visible": True, "reactions": False})["ok"]
    (options,) = [i for i in pushed_items(fac, FAC) if i["kind"] == "options"]
    assert options["options"] == {"chain_of_command": True, "mood_visible": True, "reactions": False}
    (team_options,) = [i for i in pushed_items(red, TEAM) if i["kind"] == "options"]
    assert team_options["options"] == {"chain_of_command": True, "mood_visible": True}  # not the console's

    assert command(fac, FAC, "start_exercise", {"speed": 1})["ok"]
    ack = command(fac, FAC, "set_options", {"chain_of_command": False})
    assert ack["ok"] is False and "before the exercise starts" in ack["error"]
    ack = command(fac, FAC, "set_options", {"mood_visible": "yes"})
    assert ack["ok"] is False and "mood_visible" in ack["error"]
    snapshot = command(fac, FAC, "sync", {"after_seq": 0})["snapshot"]
    assert snapshot["options"] == {"chain_of_command": True, "mood_visible": True, "reactions": False}


def test_with_reactions_off_a_matching_reply_plans_none(app, services, crowd_id, clock):
    fac, red, _ = running(app, services, crowd_id, clock)
    assert command(fac, FAC, "set_options", {"reactions": False})["ok"]
    pushed_items(fac, FAC)
    reply(red, CLEAR, "red-reply-06")
    assert reactions(pushed_items(fac, FAC)) == []


def test_drafts_and_their_approval_reach_the_console(app, services, crowd_id, clock):
    _, fac = console(app, crowd_id)
    assert command(fac, FAC, "set_options", {"chain_of_command": True})["ok"]
    _, rita = join(app, services, crowd_id, "team-1", "Rita")
    _, lee = join(app, services, crowd_id, "team-1", "Lee")
    people = {
        i["display_name"]: i["participant_id"] for i in pushed_items(fac, FAC) if i["kind"] == "participant"
    }
    assert command(fac, FAC, "set_role", {"participant_id": people["Lee"], "role": "lead"})["ok"]
    assert command(fac, FAC, "start_exercise", {"speed": 1})["ok"]
    clock.advance(60)
    tick_once(app)
    fac.get_received(FAC)

    ack = reply(rita, CLEAR, "rita-draft-01")
    assert ack["pending_approval"] is True
    (draft,) = [i for i in pushed_items(fac, FAC) if i["kind"] == "draft"]
    assert (draft["draft_id"], draft["author"], draft["author_role"]) == (
        ack["draft_id"],
        "Rita",
        "community_manager",
    )
    assert draft["team"] == "team-1" and draft["text"] == CLEAR and draft["drafted_s"] == 60

    clock.advance(45)
    review = command(lee, TEAM, "review_draft", {"draft_id": ack["draft_id"], "decision": "approve"})
    assert review["ok"], review
    items = pushed_items(fac, FAC)
    (reviewed,) = [i for i in items if i["kind"] == "draft_review"]
    assert (reviewed["decision"], reviewed["reviewer"], reviewed["reviewed_s"]) == ("approve", "Lee", 105)
    (published,) = [i for i in items if i["kind"] == "reply"]
    assert (published["draft_id"], published["approved_by"], published["author"]) == (
        ack["draft_id"],
        "Lee",
        "Rita",
    )
    assert published["published_s"] - published["drafted_s"] == 45  # "approved by Lee after 45s"
    assert [r["reply_id"] for r in reactions(items)] == [published["reply_id"]]  # published: the crowd reacts
