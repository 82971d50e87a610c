"""The chain of command in virtual time: drafts wait for the lead; every step is an event."""

from __future__ import annotations

import pytest

from simulator.engine.events import EventType
from simulator.engine.exercise import CommandRejected
from simulator.engine.scoring_input import exercise_report
from tests.factories import gen_exercise, play


def drill(chain=True):
    exercise, clock = gen_exercise(options={"chain_of_command": chain})
    now = clock.now()
    play(exercise, exercise.join(now, "cm", "team-1", "Cam", "community_manager"))
    play(exercise, exercise.join(now, "lead", "team-1", "Lee", "lead"))
    play(exercise, exercise.join(now, "voice", "team-1", "Sam", "spokesperson"))
    play(exercise, exercise.join(now, "blue-lead", "team-2", "Bo", "lead"))
    play(exercise, exercise.start(now))
    clock.advance(60)
    play(exercise, exercise.tick(clock.now()))  # first-post delivered at 1m
    return exercise, clock


def submit(exercise, clock, who="cm", key="draft-key-1", text="We are aware and we are checking.", **kw):
    return play(exercise, exercise.submit(clock.now(), participant_id=who, key=key, text=text,
                                          inject_id=kw.pop("inject_id", "first-post"), **kw))  # fmt: skip


def test_a_community_manager_drafts_and_the_lead_publishes_on_approval():
    exercise, clock = drill()
    clock.advance(30)
    [draft] = submit(exercise, clock)
    assert draft.type is EventType.draft_submitted and draft.scenario_s == 90
    assert not exercise.state.replies  # nothing published yet
    clock.advance(45)
    events = play(
        exercise,
        exercise.review_draft(
            clock.now(), reviewer_id="lead", draft_id=draft.data["draft_id"], decision="approve"
        ),
    )
    assert [e.type for e in events][:2] == [EventType.draft_reviewed, EventType.reply_posted]
    [reply] = exercise.state.replies
    assert reply.scenario_s == 135 and reply.author == "Cam" and reply.approved_by == "Lee"
    assert reply.drafted_s == 90 and reply.key_points == ("acknowledge",)
    # the speed score counts the publication, 75 s after delivery, not the draft
    assert exercise.state.first_reply_s[("first-post", "team-1")] == 135


def test_the_lead_edits_or_rejects_with_a_comment():
    exercise, clock = drill()
    [first] = submit(exercise, clock, text="No comment.")
    with pytest.raises(CommandRejected, match="comment is required"):
        exercise.review_draft(
            clock.now(), reviewer_id="lead", draft_id=first.data["draft_id"], decision="reject"
        )
    play(exercise, exercise.review_draft(clock.now(), reviewer_id="lead", draft_id=first.data["draft_id"],
                                         decision="reject", comment="Never say no comment."))  # fmt: skip
    assert exercise.state.drafts[first.data["draft_id"]].status == "rejected"
    assert not exercise.state.replies and not exercise.state.escalations  # a rejected red flag costs nothing
    [second] = submit(exercise, clock, key="draft-key-2", text="We know about it.")
    clock.advance(20)
    events = play(exercise, exercise.review_draft(clock.now(), reviewer_id="lead", draft_id=second.data["draft_id"],
                                                  decision="edit", text="We know, and we are checking every battery."))  # fmt: skip
    assert events[0].data["text"] == "We know, and we are checking every battery."
    [reply] = exercise.state.replies
    assert reply.text == "We know, and we are checking every battery."
    assert exercise.state.drafts[second.data["draft_id"]].status == "edited"


def test_only_a_lead_of_the_team_reviews_and_only_once():
    exercise, clock = drill()
    [draft] = submit(exercise, clock)
    draft_id = draft.data["draft_id"]
    for who, message in [("cm", "only the team's lead"), ("blue-lead", "unknown draft")]:
        with pytest.raises(CommandRejected, match=message):
            exercise.review_draft(clock.now(), reviewer_id=who, draft_id=draft_id, decision="approve")
    play(
        exercise,
        exercise.review_draft(clock.now(), reviewer_id="lead", draft_id=draft_id, decision="approve"),
    )
    with pytest.raises(CommandRejected, match="already approved by Lee"):
        exercise.review_draft(
            clock.now(), reviewer_id="lead", draft_id=draft_id, decision="reject", comment="x"
        )


def test_leads_publish_directly_and_statements_are_the_spokespersons():
    exercise, clock = drill()
    events = submit(exercise, clock, who="lead", key="lead-key-01")
    assert events[0].type is EventType.reply_posted
    with pytest.raises(CommandRejected, match="spokesperson"):
        submit(exercise, clock, key="statement-1", kind="statement", inject_id=None, text="Statement.")
    [draft] = submit(exercise, clock, who="voice", key="statement-2", kind="statement", inject_id=None,
                     text="Holding statement.")  # fmt: skip
    assert draft.type is EventType.draft_submitted and draft.data["author_role"] == "spokesperson"


def test_a_retried_draft_is_recognised_and_without_the_option_everyone_publishes():
    exercise, clock = drill()
    submit(exercise, clock)
    assert submit(exercise, clock) == []  # the outbox's retry
    plain, plain_clock = drill(chain=False)
    assert submit(plain, plain_clock)[0].type is EventType.reply_posted
    assert plain.state.participants["cm"].get("role") is None


def test_the_report_shows_time_lost_in_approval_rejections_and_approvers():
    exercise, clock = drill()
    [a] = submit(exercise, clock)
    clock.advance(40)
    play(
        exercise,
        exercise.review_draft(
            clock.now(), reviewer_id="lead", draft_id=a.data["draft_id"], decision="approve"
        ),
    )
    [b] = submit(exercise, clock, key="draft-key-2", text="No comment.")
    clock.advance(10)
    play(exercise, exercise.review_draft(clock.now(), reviewer_id="lead", draft_id=b.data["draft_id"],
                                         decision="reject", comment="Too short."))  # fmt: skip
    approval = exercise_report(exercise.state)["approval"]
    red = approval["teams"][0]
    assert approval["enabled"] is True
    assert (red["drafts"], red["approved"], red["rejected"], red["wait_total_s"]) == (2, 1, 1, 40.0)
    assert red["approvers"] == {"Lee": 1}
    rejected = next(d for d in approval["drafts"] if d["status"] == "rejected")
    assert rejected["comment"] == "Too short." and rejected["reply_id"] is None


def test_roles_change_by_the_facilitator_and_the_option_is_set_before_the_start():
    exercise, clock = drill()
    play(exercise, exercise.set_role(clock.now(), "cm", "lead"))
    assert submit(exercise, clock, key="now-a-lead")[0].type is EventType.reply_posted
    with pytest.raises(CommandRejected, match="unknown role"):
        exercise.set_role(clock.now(), "cm", "boss")
    with pytest.raises(CommandRejected, match="before the exercise starts"):
        exercise.set_options(clock.now(), chain_of_command=False)
    assert play(exercise, exercise.set_options(clock.now(), mood_visible=True))[0].data == {
        "options": {"mood_visible": True}
    }
