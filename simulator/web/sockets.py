"""Socket.IO namespaces. Identity and rooms come from the server-side session, never from a payload.

Each handler re-checks the session (a socket keeps the copy made at connect: a signed-out facilitator
is refused on the next event), validates the payload, runs an engine command through the store,
publishes what was stored, and acknowledges: ``{"ok": true, ...}`` after the commit, or
``{"ok": false, "error": ..., "retryable": ...}``.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Any

from flask import current_app, session
from flask_socketio import ConnectionRefusedError, Namespace, join_room
from sqlalchemy.exc import DBAPIError, OperationalError

from ..engine import views
from ..engine.events import Event
from ..engine.exercise import CommandRejected, Exercise
from ..store import accounts
from ..store.exercises import ExerciseNotFound, WriteConflict
from . import current_services, protocol
from . import payloads as p
from .publish import publish
from .ratelimit import current_limits, socket_ack
from .rejections import localised
from .team import joined_state

log = logging.getLogger(__name__)

Ack = dict[str, Any]


# --- who is on the other end -----------------------------------------------------------------------


def facilitator_identity(session_key: str) -> tuple[str, str, str] | None:
    """(name, exercise id, role) for a facilitator session that may open ``session_key``'s exercise."""
    name = session.get("facilitator")
    exercise_id = session.get(session_key)
    if not name or not exercise_id:
        return None
    services = current_services()
    if not accounts.session_is_valid(services.sessions, name, float(session.get("signed_in_at", 0))):
        return None
    role = accounts.exercise_role(services.sessions, exercise_id, name)
    return (name, exercise_id, role) if role else None


def participant_identity() -> dict[str, str] | None:
    """The session's participant: exercise, team, participant id and name (checked against the log
    at connect time by ``joined_state``)."""
    participant = session.get("participant")
    if not isinstance(participant, dict) or not all(
        isinstance(participant.get(k), str) and participant.get(k)
        for k in ("exercise_id", "team", "participant_id", "display_name")
    ):
        return None
    return participant


# --- running commands --------------------------------------------------------------------------------


def run_and_publish(exercise_id: str, command: Callable[[Exercise, Any], list[Event]]) -> list[Event]:
    events = current_services().store.run(exercise_id, command)
    try:
        publish(current_app._get_current_object(), exercise_id, events)  # type: ignore[attr-defined]
    except (OperationalError, DBAPIError):
        # Committed, so never "not saved, retry" (a retry would store it twice): the screens catch up
        # through the heartbeat's last_seq once the database is back.
        log.exception("events stored but not pushed: database unavailable")
    return events


def acknowledged(handler: Callable[..., Ack]) -> Callable[..., Ack]:
    """Turn every failure into an acknowledgement that says what went wrong; never crash."""

    @functools.wraps(handler)
    def wrapper(self: Namespace, data: Any = None, *_more: Any) -> Ack:  # extra arguments are ignored
        try:
            return handler(self, p.as_dict(data))
        except p.PayloadError as exc:
            return {"ok": False, "error": f"malformed payload: {exc}", "retryable": False}
        except (CommandRejected, ExerciseNotFound, accounts.AccountError) as exc:
            return {"ok": False, "error": localised(str(exc)), "retryable": False}
        except PermissionError as exc:
            return {"ok": False, "error": str(exc), "retryable": False}
        except (OperationalError, DBAPIError, WriteConflict):
            log.exception("command not applied: database unavailable")
            return {
                "ok": False,
                "error": "The database is unavailable; your action was not saved. Try again in a moment.",
                "retryable": True,
            }
        except Exception:  # a bug: answer anyway, or the client's outbox would wait for an ack forever
            log.exception("%s failed", handler.__name__)
            return {"ok": False, "error": INTERNAL_ERROR, "retryable": False}

    return wrapper


def refused_while_database_down(connect: Callable[..., None]) -> Callable[..., None]:
    """A connect handler that cannot reach the database refuses the connection as retryable: an error
    left uncaught gets no answer at all, and the screen would wait for one until it is reloaded."""

    @functools.wraps(connect)
    def wrapper(self: Namespace, auth: Any = None) -> None:
        try:
            connect(self, auth)
        except (OperationalError, DBAPIError):
            log.exception("connection refused: database unavailable")
            raise ConnectionRefusedError(
                "The database is unavailable; retrying…", {"retryable": True}
            ) from None

    return wrapper


INTERNAL_ERROR = "The server could not handle this request (an internal error, logged for the operators)."


class AckedNamespace(Namespace):
    """Answers an event it has no handler for with an error acknowledgement rather than silence."""

    def trigger_event(self, event: Any, *args: Any) -> Any:
        if not isinstance(event, str) or (
            event not in ("connect", "disconnect") and not hasattr(self, f"on_{event}")
        ):
            shown = event[:40] if isinstance(event, str) else type(event).__name__
            return {"ok": False, "error": f"unknown event {shown!r} on {self.namespace}", "retryable": False}
        return super().trigger_event(event, *args)


def _stored(events: list[Event]) -> Ack:
    return {"ok": True, "seq": events[-1].seq if events else None, "stored": len(events)}


def _sync(
    data: dict[str, Any], exercise_id: str, snapshot: Callable[..., Any], item: Callable[..., Any]
) -> Ack:
    services = current_services()
    after = int(p.number(data, "after_seq", 0, 10**12, required=False) or 0)
    exercise = services.store.exercise(exercise_id)
    now = services.clock.now()
    if after == 0 or exercise.state.last_seq - after > protocol.SNAPSHOT_AFTER_GAP:
        events = services.store.events_after(exercise_id, 0, limit=10**7)
        return {"ok": True, "snapshot": snapshot(exercise.state, events, now)}
    events = services.store.events_after(exercise_id, after)
    return {
        "ok": True,
        "items": [i for e in events if (i := item(exercise.state, e)) is not None],
        "clock": views.clock_payload(exercise.state, now),
        "last_seq": exercise.state.last_seq,
    }


# --- namespaces --------------------------------------------------------------------------------------


class FacilitatorNamespace(AckedNamespace):
    """The console: facilitators command, observers watch and take notes."""

    @refused_while_database_down
    def on_connect(self, auth: Any = None) -> None:
        identity = facilitator_identity("console_exercise")
        if identity is None:
            raise ConnectionRefusedError("sign in as a facilitator of this exercise first")
        name, exercise_id, _ = identity
        join_room(protocol.facilitator_room(exercise_id))
        join_room(protocol.user_room(name))

    def _identity(self, *, command: bool) -> tuple[str, str]:
        identity = facilitator_identity("console_exercise")
        if identity is None:
            raise PermissionError("your session is not allowed here: sign in again")
        name, exercise_id, role = identity
        if command and role == "observer":
            raise PermissionError("observers cannot control the exercise")
        return name, exercise_id

    def _run(self, command: Callable[[Exercise, Any], list[Event]]) -> Ack:
        _, exercise_id = self._identity(command=True)
        return _stored(run_and_publish(exercise_id, command))

    @acknowledged
    def on_sync(self, data: dict[str, Any]) -> Ack:
        _, exercise_id = self._identity(command=False)
        return _sync(data, exercise_id, views.facilitator_snapshot, views.facilitator_item)

    @acknowledged
    def on_start_exercise(self, data: dict[str, Any]) -> Ack:
        speed = p.number(data, "speed", 1, 60, required=False)
        return self._run(lambda ex, now: ex.start(now, speed=speed))

    @acknowledged
    def on_pause_exercise(self, data: dict[str, Any]) -> Ack:
        return self._run(lambda ex, now: ex.pause(now))

    @acknowledged
    def on_resume_exercise(self, data: dict[str, Any]) -> Ack:
        return self._run(lambda ex, now: ex.resume(now))

    @acknowledged
    def on_end_exercise(self, data: dict[str, Any]) -> Ack:
        return self._run(lambda ex, now: ex.end(now))

    @acknowledged
    def on_set_speed(self, data: dict[str, Any]) -> Ack:
        speed = p.number(data, "speed", 1, 60)
        return self._run(lambda ex, now: ex.set_speed(now, speed))

    @acknowledged
    def on_fire_inject(self, data: dict[str, Any]) -> Ack:
        inject_id = p.text(data, "inject_id", 64)
        teams = p.slots(data, "teams")
        ack = self._run(lambda ex, now: ex.fire_now(now, inject_id, teams))
        ack["released"] = ack["stored"]
        return ack

    @acknowledged
    def on_skip_inject(self, data: dict[str, Any]) -> Ack:
        inject_id = p.text(data, "inject_id", 64)
        return self._run(lambda ex, now: ex.skip(now, inject_id))

    @acknowledged
    def on_hold_inject(self, data: dict[str, Any]) -> Ack:
        inject_id = p.text(data, "inject_id", 64)
        return self._run(lambda ex, now: ex.hold(now, inject_id))

    @acknowledged
    def on_release_inject(self, data: dict[str, Any]) -> Ack:
        inject_id = p.text(data, "inject_id", 64)
        return self._run(lambda ex, now: ex.unhold(now, inject_id))

    @acknowledged
    def on_post_adhoc(self, data: dict[str, Any]) -> Ack:
        new_persona = p.obj(data, "new_persona")
        if new_persona is not None:
            persona = {
                "name": p.text(new_persona, "name", 80),
                "handle": p.text(new_persona, "handle", 31),
                "kind": p.text(new_persona, "kind", 20, required=False) or "public",
                "followers": int(p.number(new_persona, "followers", 0, 10**9, required=False) or 0),
                "verified": p.flag(new_persona, "verified"),
            }
        else:
            persona = None
        within = p.number(data, "reply_within_s", 10, 6 * 3600, required=False)
        kwargs = {
            "channel": p.text(data, "channel", 16),
            "text": p.text(data, "text", 5000),
            "persona_id": p.text(data, "persona_id", 64, required=persona is None),
            "new_persona": persona,
            "teams": p.slots(data, "teams"),
            "subject": p.text(data, "subject", 200, required=False),
            "expects_reply": p.flag(data, "expects_reply"),
            "reply_within_s": within,
            "severity": int(p.number(data, "severity", 1, 3, required=False) or 1),
            "in_reply_to": p.text(data, "in_reply_to", 32, required=False),
        }
        if kwargs["expects_reply"] and within is None:
            raise p.PayloadError("reply_within_s: required when expects_reply is true")
        return self._run(lambda ex, now: ex.post_adhoc(now, **kwargs))

    @acknowledged
    def on_send_message(self, data: dict[str, Any]) -> Ack:
        text = p.text(data, "text", 1000)
        teams = p.slots(data, "teams")
        return self._run(lambda ex, now: ex.message(now, text, teams))

    @acknowledged
    def on_add_note(self, data: dict[str, Any]) -> Ack:
        name, exercise_id = self._identity(command=False)  # observers take notes too
        text = p.text(data, "text", 2000)
        team = p.text(data, "team", 16, required=False)
        reply_id = p.text(data, "reply_id", 32, required=False)
        events = run_and_publish(
            exercise_id,
            lambda ex, now: ex.add_note(now, author=name, text=text, team=team, reply_id=reply_id),
        )
        return _stored(events)

    @acknowledged
    def on_change_reaction(self, data: dict[str, Any]) -> Ack:
        """Hold, unhold, edit, suppress or send now an automatic reaction."""
        reaction_id = p.text(data, "reaction_id", 32)
        change = p.text(data, "change", 16)
        text = p.text(data, "text", 5000, required=False)
        return self._run(lambda ex, now: ex.change_reaction(now, reaction_id, change, text))

    @acknowledged
    def on_set_role(self, data: dict[str, Any]) -> Ack:
        participant_id = p.text(data, "participant_id", 32)
        role = p.text(data, "role", 32)
        return self._run(lambda ex, now: ex.set_role(now, participant_id, role))

    @acknowledged
    def on_set_options(self, data: dict[str, Any]) -> Ack:
        options = {
            name: p.flag(data, name)
            for name in ("chain_of_command", "mood_visible", "reactions")
            if name in data
        }
        return self._run(lambda ex, now: ex.set_options(now, **options))

    @acknowledged
    def on_show_replies_on_projector(self, data: dict[str, Any]) -> Ack:
        show = p.flag(data, "show")
        return self._run(lambda ex, now: ex.show_replies_on_projector(now, show))


class TeamNamespace(AckedNamespace):
    """A team screen: its own items only, and replies."""

    @refused_while_database_down
    def on_connect(self, auth: Any = None) -> None:
        participant = participant_identity()
        if participant is None or joined_state(participant) is None:
            raise ConnectionRefusedError("join a team with its code first")
        join_room(protocol.team_room(participant["exercise_id"], participant["team"]))

    def _participant(self) -> dict[str, str]:
        participant = participant_identity()
        if participant is None:
            raise PermissionError("your session is not allowed here: join a team first")
        return participant

    @acknowledged
    def on_sync(self, data: dict[str, Any]) -> Ack:
        me = self._participant()
        slot = me["team"]
        return _sync(
            data,
            me["exercise_id"],
            lambda state, events, now: views.team_snapshot(state, slot, events, now),
            lambda state, event: views.team_item(state, event, slot),
        )

    @acknowledged
    def on_post_reply(self, data: dict[str, Any]) -> Ack:
        me = self._participant()
        limits = current_limits()
        who, team_key = (me["exercise_id"], me["participant_id"]), (me["exercise_id"], me["team"])
        limited = limits.check("reply", *who) or limits.check("reply_team", *team_key)
        if limited:
            return socket_ack(limited)  # retryable: the outbox keeps the reply and sends it later
        limits.hit("reply", *who)
        limits.hit("reply_team", *team_key)
        key = p.text(data, "key", 64)
        text = p.text(data, "text", 5000)
        kind = p.text(data, "kind", 16, required=False) or "public"
        inject_id = p.text(data, "inject_id", 64, required=False)
        channel = p.text(data, "channel", 16, required=False)
        team = me["team"]  # never from the payload
        events = run_and_publish(
            me["exercise_id"],
            lambda ex, now: ex.submit(
                now,
                participant_id=me["participant_id"],
                key=key,
                text=text,
                kind=kind,
                inject_id=inject_id,
                channel=channel,
            ),
        )
        state = current_services().store.cached(me["exercise_id"]).state  # holds what run() stored
        stored = {"seq": events[0].seq if events else None, "duplicate": not events}
        reply = state.replies_by_key.get((team, key))
        if reply is not None:
            return {"ok": True, "reply_id": reply.reply_id, **stored}
        draft_id = state.drafts_by_key.get((team, key))
        if draft_id is not None:  # under a chain of command: waiting for the lead's approval
            return {"ok": True, "draft_id": draft_id, "pending_approval": True, **stored}
        return {"ok": False, "error": "reply not stored", "retryable": True}  # pragma: no cover

    @acknowledged
    def on_review_draft(self, data: dict[str, Any]) -> Ack:
        """A lead's decision on a draft of the team: approve, edit (with the new text) or reject."""
        me = self._participant()
        draft_id = p.text(data, "draft_id", 32)
        decision = p.text(data, "decision", 16)
        comment = p.text(data, "comment", 500, required=False) or ""
        text = p.text(data, "text", 5000, required=False)
        events = run_and_publish(
            me["exercise_id"],
            lambda ex, now: ex.review_draft(
                now,
                reviewer_id=me["participant_id"],
                draft_id=draft_id,
                decision=decision,
                comment=comment,
                text=text,
            ),
        )
        return _stored(events)


class ProjectorNamespace(AckedNamespace):
    """The room's big screen: read-only."""

    @refused_while_database_down
    def on_connect(self, auth: Any = None) -> None:
        identity = facilitator_identity("projector_exercise")
        if identity is None:
            raise ConnectionRefusedError("sign in as a facilitator of this exercise first")
        join_room(protocol.projector_room(identity[1]))
        join_room(protocol.user_room(identity[0]))

    @acknowledged
    def on_sync(self, data: dict[str, Any]) -> Ack:
        identity = facilitator_identity("projector_exercise")
        if identity is None:
            raise PermissionError("your session is not allowed here: sign in again")
        return _sync(data, identity[1], views.projector_snapshot, views.projector_item)


def register(socketio: Any) -> None:
    socketio.on_namespace(FacilitatorNamespace(protocol.FACILITATOR_NS))
    socketio.on_namespace(TeamNamespace(protocol.TEAM_NS))
    socketio.on_namespace(ProjectorNamespace(protocol.PROJECTOR_NS))
