"""Every Socket.IO event handler of every namespace, fed arbitrary JSON: no exception escapes, every
acknowledgement is a dict (``ok: false`` with a non-empty error, never "retry" while the database is
up, never the internal-error fallback), and the server stays usable afterwards.

Handlers are found from the namespace classes (their ``on_*`` methods), and the payload keys they read
from their source, so a new event or field is fuzzed without touching this file."""

from __future__ import annotations

import inspect
import re
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from simulator.web import create_app, sockets
from simulator.web.extensions import socketio
from simulator.web.sockets import INTERNAL_ERROR
from tests.web.conftest import command, join, sign_in
from tests.web.test_security import VALID

# Hypothesis warns when the global ``random`` state moves while it draws an example. A Socket.IO client
# left reconnecting by an earlier live-server test moves it from its own thread (jittered delays); our
# strategies never use ``random``, so that warning says nothing about them.
pytestmark = pytest.mark.filterwarnings("ignore::hypothesis.errors.HypothesisDeprecationWarning")

NAMESPACES = {
    "/facilitator": sockets.FacilitatorNamespace,
    "/team": sockets.TeamNamespace,
    "/projector": sockets.ProjectorNamespace,
}
FIELD = re.compile(r'p\.\w+\(\w+, "(\w+)"')


def handlers() -> list[tuple[str, str]]:
    return [
        (namespace, name[3:])
        for namespace, cls in NAMESPACES.items()
        for name, _ in inspect.getmembers(cls, inspect.isfunction)
        if name.startswith("on_") and name not in ("on_connect", "on_disconnect")
    ]


FIELDS = sorted(
    {field for cls in NAMESPACES.values() for field in FIELD.findall(inspect.getsource(cls))}
    | {"after_seq", "team", "exercise_id", "participant_id", "role", "slot"}
)
INTERESTING = [
    *["first-post", "regulator-call", "troll-post", "outrage", "late-article", "adhoc-1", "jdoe", "nope"],
    *["team-1", "team-2", "team-9", "all", "microblog", "social", "news", "email", "phone", "fax"],
    *["public", "dm", "statement", "key-00000001", "key-00000002", "@handle", "journalist"],
    *["", " ", "\x00", "a\x00b", "\ud800", "\u202e", "🔥" * 50, "x" * 300, "{team.name}", "<script>"],
]
scalars = (
    st.none()
    | st.booleans()
    | st.integers(
        min_value=-(10**98), max_value=10**98
    )  # the Socket.IO JSON decoder's own limit is 100 digits
    | st.sampled_from([0, 1, 2, 3, 10, 60, 61, 2**31, 2**63, -1, 10**12, 10**13])
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=30)
    | st.sampled_from(INTERESTING)
)
keys = st.sampled_from(FIELDS) | st.text(max_size=10)
json_values = st.recursive(
    scalars,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(keys, children, max_size=5),
    max_leaves=12,
)
payloads = st.dictionaries(keys, json_values, max_size=8) | json_values
arguments = payloads.map(lambda payload: [payload]) | st.lists(json_values, max_size=3)


NASTY = ["\x00", "\ud800", "\udfff", "a\x00", "\u202e", "🔥", "{x}"]


def near_valid(namespace: str, event: str) -> st.SearchStrategy[list[Any]]:
    """A valid payload of the event with some fields dropped, some set to arbitrary values and some
    text spoiled by an odd character: these get past the first checks and reach the engine and the
    database (where a NUL character or a lone surrogate cannot be stored)."""
    base = VALID[namespace, event]
    texts = sorted(k for k, v in base.items() if isinstance(v, str)) or ["-"]
    fresh_key = st.text(st.characters(min_codepoint=48, max_codepoint=0x2FFF), min_size=8, max_size=16)

    def build(dropped: set[str], changed: dict[str, Any], spoiled: dict[str, str], key: str) -> list[Any]:
        payload = {k: v for k, v in base.items() if k not in dropped}
        if "key" in base:
            payload["key"] = key  # a new reply each time, not a duplicate answered early
        for name, odd in spoiled.items():
            if isinstance(payload.get(name), str):
                payload[name] = payload[name][:3] + odd + payload[name][3:]
        return [{**payload, **changed}]

    return st.builds(
        build,
        st.sets(st.sampled_from(sorted(base) or ["-"]), max_size=2),
        st.dictionaries(st.sampled_from(sorted(base) or FIELDS) | keys, json_values, max_size=1),
        st.dictionaries(st.sampled_from(texts), st.sampled_from(NASTY), min_size=1, max_size=2),
        fresh_key,
    )


FUZZ = settings(
    max_examples=80,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


class Arena:
    """An app (no rate limits), a running exercise, and a client on every namespace. Facilitator
    commands fuzzed at random may pause or end the exercise: ``ready`` brings it back to running, on a
    fresh exercise when it ended, so every example reaches as far into the engine as it can."""

    def __init__(self, services: Any) -> None:
        self.services = services
        self.app = create_app(
            {"TESTING": True, "WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False}, services=services
        )
        self.facilitator = sign_in(self.app)  # once: hashing the password is the slow part
        self.exercise_id = ""
        self.clients: dict[str, Any] = {}
        self.new_exercise()

    def new_exercise(self) -> None:
        for namespace, sio in self.clients.items():
            sio.disconnect(namespace)
        created = self.services.store.create_exercise(
            self.services.library.get("mini-drill"), ["Red", "Blue"], owner="alice"
        )
        self.exercise_id = created.state.exercise_id
        for page in (f"/facilitator/exercises/{self.exercise_id}", f"/projector/{self.exercise_id}"):
            assert self.facilitator.get(page).status_code == 200
        _, red = join(self.app, self.services, self.exercise_id, "team-1", "Rita")
        self.clients = {
            namespace: socketio.test_client(self.app, namespace=namespace, flask_test_client=self.facilitator)
            for namespace in ("/facilitator", "/projector")
        }
        self.clients["/team"] = red
        fac = self.clients["/facilitator"]
        assert command(fac, "/facilitator", "start_exercise", {"speed": 1})["ok"]
        self.services.clock.advance(61)
        assert command(fac, "/facilitator", "fire_inject", {"inject_id": "first-post"})["ok"]

    def ready(self) -> None:
        status = str(self.services.store.exercise(self.exercise_id).state.status)
        fac = self.clients["/facilitator"]
        if status == "ended":
            self.new_exercise()
        elif status == "paused":
            assert command(fac, "/facilitator", "resume_exercise")["ok"]
        elif status == "draft":
            assert command(fac, "/facilitator", "start_exercise")["ok"]
        for namespace, sio in self.clients.items():
            sio.get_received(namespace)

    def send(self, namespace: str, event: Any, args: list[Any]) -> Any:
        return self.clients[namespace].emit(event, *args, namespace=namespace, callback=True)


@pytest.fixture
def arena(services, exercise_id) -> Arena:  # exercise_id: creates alice
    return Arena(services)


def assert_answered(ack: Any, where: Any) -> None:
    assert isinstance(ack, dict), (where, ack)
    assert ack.get("ok") in (True, False), (where, ack)
    if ack["ok"] is False:
        assert isinstance(ack.get("error"), str) and ack["error"].strip(), (where, ack)
        assert ack["error"] != INTERNAL_ERROR, (where, "a handler raised: see the log")
        assert ack.get("retryable") is False, (where, ack)  # the database is up: nothing to retry


def assert_still_usable(arena: Arena) -> None:
    for namespace, sio in arena.clients.items():
        assert sio.is_connected(namespace), namespace
        assert command(sio, namespace, "sync", {"after_seq": 0})["ok"], namespace
    arena.ready()
    ack = command(
        arena.clients["/team"], "/team", "post_reply", {"key": "after-fuzz-1", "text": "Still here"}
    )
    assert ack["ok"] is False and "needs a channel" in ack["error"]
    ack = command(
        arena.clients["/team"],
        "/team",
        "post_reply",
        {"key": "after-fuzz-2", "text": "Still here", "channel": "microblog"},
    )
    assert ack["ok"], ack


def test_every_handler_is_found():
    found = handlers()
    assert ("/team", "post_reply") in found and ("/projector", "sync") in found
    assert len([h for h in found if h[0] == "/facilitator"]) >= 14
    assert {"key", "text", "inject_id", "new_persona", "reply_within_s", "show"} <= set(FIELDS)


@pytest.mark.parametrize(("namespace", "event"), handlers(), ids=lambda v: v.strip("/"))
def test_handler_survives_any_payload(arena, namespace, event):
    @FUZZ
    @given(args=st.one_of(near_valid(namespace, event), near_valid(namespace, event), arguments))
    def fuzz(args: list[Any]) -> None:
        arena.ready()
        assert_answered(arena.send(namespace, event, args), (event, args))

    fuzz()
    assert_still_usable(arena)


@FUZZ
@given(
    namespace=st.sampled_from(sorted(NAMESPACES)),
    event=st.text(max_size=20) | st.integers() | st.none() | st.sampled_from(["on_sync", "_run", "send"]),
    args=arguments,
)
def test_unknown_events_get_an_error(arena, namespace, event, args):
    if event in ("connect", "disconnect") or (
        isinstance(event, str) and hasattr(NAMESPACES[namespace], f"on_{event}")
    ):
        return  # reserved by Socket.IO, or a real event (fuzzed above)
    ack = arena.send(namespace, event, args)
    assert_answered(ack, (namespace, event))
    assert ack["ok"] is False and "unknown event" in ack["error"]
