"""The team namespace under a chain of command and with the public mood: drafts, the lead's review,
and the pulse (like and share counts, the mood when shown) in the clock message."""

from __future__ import annotations

import pytest

from simulator.store import accounts
from simulator.web.extensions import socketio
from simulator.web.scheduler import heartbeat_once, tick_once
from tests.web.conftest import PASSWORD, command, console, pushed_items

FAC, TEAM = "/facilitator", "/team"
ANSWER = "We are aware and we are checking every Model X battery."


@pytest.fixture
def crowd_id(services):
    """A draft exercise of the crowd drill (mood, reactions) with a chain of command; teams Red, Blue."""
    accounts.add_facilitator(services.sessions, services.clock, "alice", PASSWORD)
    created = services.store.create_exercise(
        services.library.get("crowd-drill"),
        ["Red", "Blue"],
        owner="alice",
        options={"chain_of_command": True},
    )
    return created.state.exercise_id


def join_as(app, services, exercise_id, slot, name, role):
    """A participant who joined team ``slot`` through the join form with a role."""
    state = services.store.exercise(exercise_id).state
    client = app.test_client()
    response = client.post(f"/join/{state.teams[slot].join_code}", data={"display_name": name, "role": role})
    assert response.status_code == 302, response.get_data(as_text=True)
    sio = socketio.test_client(app, namespace=TEAM, flask_test_client=client)
    assert sio.is_connected(TEAM)
    return sio


def drill(app, services, exercise_id, clock):
    """Red: a community manager, a spokesperson and a lead; Blue: a lead. Started, first post out."""
    _, fac = console(app, exercise_id)
    cm = join_as(app, services, exercise_id, "team-1", "Cara", "community_manager")
    voice = join_as(app, services, exercise_id, "team-1", "Sol", "spokesperson")
    lead = join_as(app, services, exercise_id, "team-1", "Lee", "lead")
    blue = join_as(app, services, exercise_id, "team-2", "Bo", "lead")
    assert command(fac, FAC, "start_exercise", {"speed": 1})["ok"]
    clock.advance(60)
    tick_once(app)  # first-post reaches both teams
    for sio, namespace in ((fac, FAC), (cm, TEAM), (voice, TEAM), (lead, TEAM), (blue, TEAM)):
        sio.get_received(namespace)
    return fac, cm, voice, lead, blue


def submit(sio, key="draft-key-0001", text=ANSWER, **extra):
    payload = {"key": key, "text": text, "kind": "public", "inject_id": "first-post", **extra}
    return command(sio, TEAM, "post_reply", payload)


def clock_messages(sio):
    return [m["args"][0] for m in sio.get_received(TEAM) if m["name"] == "clock"]


def test_a_community_managers_reply_waits_for_the_lead_and_only_its_team_sees_the_draft(
    app, services, crowd_id, clock
):
    fac, cm, voice, lead, blue = drill(app, services, crowd_id, clock)
    ack = submit(cm)
    assert ack["ok"] and ack["pending_approval"] is True and ack["duplicate"] is False
    assert ack["draft_id"] and "reply_id" not in ack
    for sio in (cm, voice, lead):
        (draft,) = pushed_items(sio, TEAM)
        assert draft["kind"] == "draft" and draft["draft_id"] == ack["draft_id"]
        assert (draft["author"], draft["author_role"], draft["key"]) == (
            "Cara",
            "community_manager",
            "draft-key-0001",
        )
        assert (draft["inject_id"], draft["channel"], draft["reply_kind"], draft["text"]) == (
            "first-post",
            "microblog",
            "public",
            ANSWER,
        )
    assert pushed_items(blue, TEAM) == []  # another team never sees Red's drafts
    assert [i["kind"] for i in pushed_items(fac, FAC)] == ["draft"]

    again = submit(cm)  # the outbox resending the same key: nothing new
    assert again == {
        "ok": True,
        "draft_id": ack["draft_id"],
        "pending_approval": True,
        "seq": None,
        "duplicate": True,
    }
    assert pushed_items(lead, TEAM) == []
    assert not services.store.exercise(crowd_id).state.replies  # nothing published yet

    # The snapshot of a reloaded screen has the draft, the members' roles and the options.
    snapshot = command(cm, TEAM, "sync", {"after_seq": 0})["snapshot"]
    assert snapshot["options"] == {"chain_of_command": True, "mood_visible": False}
    roles = {i["display_name"]: i["role"] for i in snapshot["items"] if i["kind"] == "participant"}
    assert roles == {"Cara": "community_manager", "Sol": "spokesperson", "Lee": "lead"}
    assert [i["draft_id"] for i in snapshot["items"] if i["kind"] == "draft"] == [ack["draft_id"]]


def test_the_leads_approval_publishes_the_reply_with_who_approved_it(app, services, crowd_id, clock):
    _, cm, _, lead, blue = drill(app, services, crowd_id, clock)
    draft_id = submit(cm)["draft_id"]
    for sio in (cm, lead):
        sio.get_received(TEAM)
    clock.advance(30)
    ack = command(lead, TEAM, "review_draft", {"draft_id": draft_id, "decision": "approve"})
    assert ack["ok"] and ack["stored"] >= 2
    for sio in (cm, lead):
        review, reply = (i for i in pushed_items(sio, TEAM) if i["kind"] in ("draft_review", "reply"))
        assert review["kind"] == "draft_review" and review["decision"] == "approve"
        assert review["reviewer"] == "Lee" and review["draft_id"] == draft_id
        assert reply["kind"] == "reply" and reply["text"] == ANSWER and reply["author"] == "Cara"
        assert (reply["draft_id"], reply["approved_by"], reply["key"]) == (
            draft_id,
            "Lee",
            "draft-key-0001",
        )
        assert reply["response_s"] == 30  # published 30 s after the post, when the lead approved
    assert pushed_items(blue, TEAM) == []
    again = submit(cm)  # a late retry of the draft's key: the reply it became, nothing new
    assert again["ok"] and again["duplicate"] is True and again["seq"] is None
    assert again["reply_id"] == reply["reply_id"]

    refused = command(
        lead, TEAM, "review_draft", {"draft_id": draft_id, "decision": "reject", "comment": "x"}
    )
    assert refused["ok"] is False and not refused["retryable"]
    assert "already approved by Lee" in refused["error"]


def test_only_the_teams_lead_reviews_and_a_rejection_needs_a_comment(app, services, crowd_id, clock):
    _, cm, voice, lead, blue = drill(app, services, crowd_id, clock)
    draft_id = submit(cm)["draft_id"]
    for sio in (cm, voice, lead, blue):
        sio.get_received(TEAM)

    for sio in (cm, voice):
        refused = command(sio, TEAM, "review_draft", {"draft_id": draft_id, "decision": "approve"})
        assert refused == {"ok": False, "error": "only the team's lead approves drafts", "retryable": False}
    other_team = command(blue, TEAM, "review_draft", {"draft_id": draft_id, "decision": "approve"})
    assert other_team["ok"] is False and "unknown draft" in other_team["error"]
    bare = command(lead, TEAM, "review_draft", {"draft_id": draft_id, "decision": "reject"})
    assert bare["ok"] is False and "comment is required" in bare["error"]
    long = command(
        lead, TEAM, "review_draft", {"draft_id": draft_id, "decision": "reject", "comment": "x" * 501}
    )
    assert long["ok"] is False and "comment" in long["error"] and "500" in long["error"]
    for sio in (cm, voice, lead, blue):
        assert pushed_items(sio, TEAM) == []  # nothing was stored

    comment = "Too vague: say what we are doing about it."
    ack = command(
        lead, TEAM, "review_draft", {"draft_id": draft_id, "decision": "reject", "comment": comment}
    )
    assert ack["ok"]
    (review,) = pushed_items(cm, TEAM)
    assert (review["kind"], review["decision"], review["comment"], review["reviewer"]) == (
        "draft_review",
        "reject",
        comment,
        "Lee",
    )
    assert not services.store.exercise(crowd_id).state.replies

    # The community manager redrafts (a new key); the lead edits and publishes.
    second = submit(cm, key="draft-key-0002", text="We know about the fires.")["draft_id"]
    edited = "We are aware of the reports and are recalling every Model X battery."
    too_long = command(
        lead, TEAM, "review_draft", {"draft_id": second, "decision": "edit", "text": "x" * 281}
    )
    assert too_long["ok"] is False and "280" in too_long["error"]
    ack = command(lead, TEAM, "review_draft", {"draft_id": second, "decision": "edit", "text": edited})
    assert ack["ok"]
    items = [i for i in pushed_items(cm, TEAM) if i["kind"] in ("draft", "draft_review", "reply")]
    assert [i["kind"] for i in items] == ["draft", "draft_review", "reply"]
    assert items[1]["decision"] == "edit" and items[1]["text"] == edited
    assert items[2]["text"] == edited and items[2]["approved_by"] == "Lee"


def test_statements_are_drafted_by_the_spokesperson_and_published_by_the_lead(app, services, crowd_id, clock):
    _, cm, voice, lead, _ = drill(app, services, crowd_id, clock)
    statement = {"key": "statement-0001", "text": "Statement from Acme Bikes.", "kind": "statement"}
    refused = command(cm, TEAM, "post_reply", statement)
    assert refused["ok"] is False and not refused["retryable"]
    assert "drafted by your team's spokesperson" in refused["error"]
    drafted = command(voice, TEAM, "post_reply", statement)
    assert drafted["ok"] and drafted["pending_approval"]
    published = command(lead, TEAM, "post_reply", {**statement, "key": "statement-0002"})
    assert published["ok"] and published["reply_id"] and "pending_approval" not in published


def test_the_clock_carries_the_teams_pulse_and_its_mood_only_when_shown(app, services, crowd_id, clock):
    fac, cm, _, lead, blue = drill(app, services, crowd_id, clock)
    clock.advance(120)
    tick_once(app)  # troll-post (social) at 2m
    for sio in (cm, lead, blue):
        sio.get_received(TEAM)
    heartbeat_once(app)
    (red,) = clock_messages(lead)
    assert red["clock"]["status"] == "running" and red["last_seq"] > 0
    assert set(red["pulse"]) == {"engagement"}  # no mood: the option is off
    assert set(red["pulse"]["engagement"]) == {"first-post", "troll-post"}  # microblog and social only
    likes, shares = red["pulse"]["engagement"]["first-post"]
    assert likes > 0 and 0 <= shares <= likes
    (blue_clock,) = clock_messages(blue)
    assert set(blue_clock["pulse"]["engagement"]) == {"first-post", "troll-post"}

    assert command(fac, FAC, "set_options", {"mood_visible": True})["ok"]
    for sio in (cm, blue):
        (item,) = pushed_items(sio, TEAM)
        assert item["kind"] == "options"
        assert item["options"] == {"chain_of_command": True, "mood_visible": True}
    clock.advance(60)
    heartbeat_once(app)
    (later,) = clock_messages(lead)
    assert 0 <= later["pulse"]["mood"] <= 100
    assert later["pulse"]["engagement"]["first-post"][0] >= likes  # counts only grow
    snapshot = command(cm, TEAM, "sync", {"after_seq": 0})["snapshot"]
    assert snapshot["options"]["mood_visible"] is True and "mood" in snapshot["pulse"]
    assert "first-post" in snapshot["pulse"]["engagement"]
