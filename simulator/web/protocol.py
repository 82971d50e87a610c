"""Socket.IO event names and room names, in one place (documented in docs/protocol.md)."""

from __future__ import annotations

FACILITATOR_NS = "/facilitator"
TEAM_NS = "/team"
PROJECTOR_NS = "/projector"

# server -> client facts
PUSH = "push"
CLOCK = "clock"
SESSION_ENDED = "session_ended"
CATCH_UP = "catch_up"  # sync now: pushes may have been lost (message-queue outage)

# client -> server, acknowledged
SYNC = "sync"
POST_REPLY = "post_reply"
START_EXERCISE = "start_exercise"
PAUSE_EXERCISE = "pause_exercise"
RESUME_EXERCISE = "resume_exercise"
END_EXERCISE = "end_exercise"
SET_SPEED = "set_speed"
FIRE_INJECT = "fire_inject"
SKIP_INJECT = "skip_inject"
HOLD_INJECT = "hold_inject"
RELEASE_INJECT = "release_inject"
POST_ADHOC = "post_adhoc"
SEND_MESSAGE = "send_message"
ADD_NOTE = "add_note"
SHOW_REPLIES_ON_PROJECTOR = "show_replies_on_projector"

SNAPSHOT_AFTER_GAP = 2000  # a client further behind than this gets a fresh snapshot


def facilitator_room(exercise_id: str) -> str:
    return f"fac:{exercise_id}"


def team_room(exercise_id: str, slot: str) -> str:
    return f"team:{exercise_id}:{slot}"


def projector_room(exercise_id: str) -> str:
    return f"proj:{exercise_id}"


def user_room(name: str) -> str:
    return f"user:{name}"
