"""The database goes away for a moment while a live eventlet server runs an exercise.

The server reaches PostgreSQL through a TCP proxy that the test cuts (every connection dropped, new
ones reset) and restores. During the cut every command is refused with a retryable acknowledgement
(never ``ok``), the process stays up and its scheduler keeps trying; after the restore the clients'
retries (same payload, same idempotency key) are stored exactly once, what fell due meanwhile is
released once, and the screens catch up without a reload. Also covered: a cut right after a commit
(stored, so acknowledged, and the lost push recovered), and in Chromium the team outbox and screens
that reconnect while the database is still away.

No SQLite variant: a lock held by another process makes every write wait ``busy_timeout`` (15 s)
inside sqlite3, which blocks eventlet's whole event loop; with the scheduler lease renewed every
second the server answered nothing (not even /healthz) for as long as the lock was held, and a lock
"past busy_timeout" costs 15 s or more per write. A read-only file stops neither root nor the
descriptors the server already holds. Neither is fast and deterministic enough for the suite.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import requests
from sqlalchemy.engine import make_url

from tests.browser import chromium
from tests.faults.support import Drill, live_drill, wait_until
from tests.faults.tcp_proxy import TcpProxy
from tests.live import Screen

pytestmark = [pytest.mark.slow]

POSTGRES_ONLY = pytest.mark.parametrize(
    "database_url", [pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True
)
SPEED = 60  # scenario seconds per second: troll-post (due at 2m) falls due 2 s after the start


def through(proxy: TcpProxy, database_url: str) -> str:
    """The same database URL, reached through ``proxy``."""
    url = make_url(database_url).set(host="127.0.0.1", port=proxy.port)
    return url.render_as_string(hide_password=False)


def upstream_of(database_url: str) -> tuple[str, int]:
    url = make_url(database_url)
    return (url.host or "127.0.0.1", url.port or 5432)


def injects_of(items: list[dict[str, Any]], team: str | None = None) -> list[str]:
    return [
        i["inject_id"] for i in items if i["kind"] == "inject" and (team is None or i.get("team") == team)
    ]


def assert_refused_retryably(ack: dict[str, Any]) -> None:
    assert ack["ok"] is False, ack
    assert ack["retryable"] is True, ack
    assert "database" in ack["error"].lower(), ack


def assert_alive(drill: Drill) -> None:
    """The process runs and its health check says the database is away (503), without crashing."""
    assert drill.server.process is not None and drill.server.process.poll() is None
    response = requests.get(f"{drill.url}/healthz", timeout=10)
    assert response.status_code == 503, response.status_code
    assert response.json()["status"] == "database unreachable"


@POSTGRES_ONLY
def test_commands_during_a_database_outage_are_refused_retryably_then_stored_once(
    database_url: str, tmp_path: Path
) -> None:
    with (
        TcpProxy(upstream_of(database_url)) as proxy,
        live_drill(tmp_path, database_url, through(proxy, database_url)) as drill,
    ):
        facilitator = Screen(drill.url, "/facilitator", drill.facilitator_http())
        red = Screen(drill.url, "/team", drill.team_http("team-1", "Rita"))
        heartbeats: list[tuple[float, dict[str, Any]]] = []
        heartbeat = threading.Condition()
        screen_on_clock = facilitator.client.handlers.get("/facilitator", {}).get("clock")

        def on_clock(message: dict[str, Any]) -> None:
            with heartbeat:
                heartbeats.append((time.monotonic(), message))
                heartbeat.notify_all()
            if screen_on_clock is not None:  # keep the Screen's own catch-up on heartbeats
                screen_on_clock(message)

        facilitator.client.on("clock", on_clock, namespace="/facilitator")
        try:
            assert facilitator.call("start_exercise", {"speed": SPEED})["ok"]
            started = time.monotonic()
            assert facilitator.call("fire_inject", {"inject_id": "first-post"})["ok"]  # now, not at 1m
            red.wait_for(lambda items: "first-post" in injects_of(items), timeout_s=15)
            first = {"key": "outage-reply-1", "text": "We are aware.", "inject_id": "first-post"}
            assert red.call("post_reply", first)["ok"]
            assert "troll-post" not in injects_of(red.items), "too slow: troll-post was due before the cut"

            proxy.cut()
            pid = drill.server.process.pid
            second = {
                "key": "outage-reply-2",
                "text": "We are checking every battery.",
                "kind": "public",
                "channel": "microblog",
            }
            message = {"text": "Keep going, the newsroom is on it."}
            assert_refused_retryably(red.call("post_reply", second))
            assert_refused_retryably(facilitator.call("send_message", message))
            assert_refused_retryably(red.call("sync", {"after_seq": red.last_seq}))
            assert_alive(drill)
            # Stay down until troll-post (2m) is due and the scheduler has kept trying to reach the
            # database (each attempt is a connection the proxy resets).
            refused_before = proxy.refused
            wait_until(
                lambda: (time.monotonic() - started) * SPEED > 130 and proxy.refused >= refused_before + 3,
                timeout_s=15,
                what="troll-post to fall due during the outage, with the scheduler still trying",
            )
            assert_refused_retryably(red.call("post_reply", second))  # a retry: still never ok
            assert_alive(drill)
            assert [r.idempotency_key for r in drill.replies()] == ["outage-reply-1"]  # nothing slipped in

            proxy.restore()
            restored = time.monotonic()
            ack = red.call("post_reply", second)  # the client's retry: same payload, same key
            assert ack["ok"] and not ack["duplicate"], ack
            again = red.call("post_reply", second)
            assert again["ok"] and again["duplicate"] and again["reply_id"] == ack["reply_id"], again
            assert facilitator.call("send_message", message)["ok"]

            # What fell due during the outage is released by the same scheduler, once, and pushed.
            red.wait_for(lambda items: "troll-post" in injects_of(items), timeout_s=10)
            wall = facilitator.wait_for(
                lambda items: (
                    {"team-1", "team-2"} <= {i["team"] for i in items if i.get("inject_id") == "troll-post"}
                    and ack["reply_id"] in {i.get("reply_id") for i in items}
                    and any(i["kind"] == "message" for i in items)
                ),
                timeout_s=10,
            )
            with heartbeat:  # the scheduler's heartbeats are back too
                assert heartbeat.wait_for(lambda: any(at > restored for at, _ in heartbeats), timeout=10)
                latest = heartbeats[-1][1]
            assert latest["clock"]["status"] == "running"
            assert latest["clock"]["scenario_s"] > 120
            assert drill.server.process.pid == pid and drill.server.process.poll() is None
            assert requests.get(f"{drill.url}/healthz", timeout=5).status_code == 200

            # A screen opened now sees the same story (snapshot) as the ones that lived through it.
            blue = Screen(drill.url, "/team", drill.team_http("team-2", "Bob"))
            try:
                blue.wait_for(lambda items: {"first-post", "troll-post"} <= set(injects_of(items)))
            finally:
                blue.close()

            keys = Counter(r.idempotency_key for r in drill.replies())
            assert keys == {"outage-reply-1": 1, "outage-reply-2": 1}, keys
            deliveries = drill.deliveries()
            assert len(deliveries) == len(set(deliveries)), Counter(deliveries).most_common(3)
            assert Counter(drill.delivered_events()) == Counter(deliveries)
            assert drill.event_count("facilitator_message") == 1
            for screen in (red, facilitator):
                seen = Counter((i["inject_id"], i.get("team")) for i in screen.items if i["kind"] == "inject")
                assert seen and max(seen.values()) == 1, seen
            assert sum(i["kind"] == "reply" for i in wall) == 2
        finally:
            facilitator.close()
            red.close()


@POSTGRES_ONLY
def test_a_command_committed_as_the_database_goes_away_is_acknowledged_once(
    database_url: str, tmp_path: Path
) -> None:
    """The outage starts right after the commit, before the push and the acknowledgement: the command
    is stored, so it must not be reported "not saved, retry" (a facilitator message has no idempotency
    key: a retry would store it twice). The push needs no database (it is built from the state the
    store just updated), and a push lost otherwise would be recovered by the screens' catch-up."""
    with (
        TcpProxy(upstream_of(database_url)) as proxy,
        live_drill(tmp_path, database_url, through(proxy, database_url)) as drill,
    ):
        facilitator = Screen(drill.url, "/facilitator", drill.facilitator_http())
        red = Screen(drill.url, "/team", drill.team_http("team-1", "Rita"))
        try:
            assert facilitator.call("start_exercise", {"speed": 1})["ok"]
            text = "Commit-then-cut: the press conference moves to 3 pm."
            proxy.cut_after_commit(text.encode())
            ack = facilitator.call("send_message", {"text": text})
            assert proxy.tripped.is_set()
            assert drill.event_count("facilitator_message") == 1  # it was committed...
            assert ack["ok"], ack  # ...so it is acknowledged, not handed back for a retry

            proxy.restore()
            for screen in (facilitator, red):
                screen.wait_for(
                    lambda items: any(i["kind"] == "message" and i["text"] == text for i in items),
                    timeout_s=10,
                )

            reply = {"key": "commit-cut-reply", "text": f"Noted. {text}", "channel": "microblog"}
            proxy.cut_after_commit(reply["text"].encode())
            ack = red.call("post_reply", reply)
            assert proxy.tripped.is_set()
            if not ack["ok"]:  # it may say "retry" (reading the reply back failed): replies are idempotent
                assert ack["retryable"], ack
            proxy.restore()
            again = red.call("post_reply", reply)  # the client's retry
            assert again["ok"] and again["duplicate"], again
            for screen in (facilitator, red):
                screen.wait_for(
                    lambda items: any(i["kind"] == "reply" and i["text"] == reply["text"] for i in items),
                    timeout_s=10,
                )
            assert drill.event_count("facilitator_message") == 1
            assert [r.idempotency_key for r in drill.replies()] == ["commit-cut-reply"]
        finally:
            facilitator.close()
            red.close()


@POSTGRES_ONLY
def test_team_screen_keeps_an_unsent_reply_pending_and_sends_it_after_the_outage(
    database_url: str, tmp_path: Path
) -> None:
    """In Chromium: the reply stays on screen as pending while the server answers "retryable", and
    the outbox sends it by itself once the database is back (no click, no reload)."""
    from playwright.sync_api import expect

    text = "We have stopped sales of Model X while we check."
    with (
        TcpProxy(upstream_of(database_url)) as proxy,
        live_drill(tmp_path, database_url, through(proxy, database_url)) as drill,
        chromium() as browser,
    ):
        facilitator = Screen(drill.url, "/facilitator", drill.facilitator_http())
        try:
            context = browser.new_context()
            page = context.new_page()
            with page.expect_websocket() as opened:  # the team screen's Socket.IO link
                drill.open_team_screen(page, "team-1", "Rita")
            websocket = opened.value
            page.evaluate("window.__sameDocument = true")
            assert facilitator.call("start_exercise", {"speed": SPEED})["ok"]
            assert facilitator.call("fire_inject", {"inject_id": "first-post"})["ok"]
            post = page.locator('.post[data-inject-id="first-post"]')
            expect(post).to_have_count(1, timeout=15_000)

            proxy.cut()
            post.locator('button.act[data-kind="public"]').click()
            post.locator("textarea.composer-input").fill(text)
            with websocket.expect_event(
                "framereceived",
                predicate=lambda frame: '"retryable":true' in str(frame),
                timeout=15_000,
            ):
                post.locator('form.composer button[type="submit"]').click()
            pending = page.locator(".reply.is-pending[data-pending-key]", has_text=text)
            expect(pending).to_have_count(1)
            expect(pending).to_be_visible()
            expect(page.locator(".toast--error")).to_have_count(0)  # not given up, not handed back
            assert post.locator("textarea.composer-input").input_value() == ""
            outbox = page.evaluate(
                "Object.keys(localStorage).filter(k => k.startsWith('crisisdrill-outbox-team-'))"
                ".map(k => JSON.parse(localStorage.getItem(k))).flat().map(e => e.payload.text)"
            )
            assert outbox == [text]
            assert len(drill.replies()) == 0

            proxy.restore()
            stored = page.locator(".reply[data-reply-id]", has_text=text)
            expect(stored).to_have_count(1, timeout=15_000)  # the outbox retries every 5 s
            expect(pending).to_have_count(0)
            expect(page.locator(".toast--error")).to_have_count(0)
            assert page.evaluate("window.__sameDocument") is True
            wait_until(
                lambda: (
                    not page.evaluate(
                        "Object.keys(localStorage).filter(k => k.startsWith('crisisdrill-outbox-team-'))"
                        ".some(k => JSON.parse(localStorage.getItem(k)).length)"
                    )
                ),
                timeout_s=5,
                what="the outbox to be empty",
            )
            replies = drill.replies()
            assert [r.text for r in replies] == [text]
            facilitator.wait_for(
                lambda items: any(i.get("reply_id") == replies[0].id for i in items), timeout_s=10
            )
            context.close()
        finally:
            facilitator.close()


def record_frames(page: Any) -> list[str]:
    """Every Socket.IO frame ``page`` receives, over all its WebSockets (reconnections included)."""
    frames: list[str] = []
    page.on("websocket", lambda ws: ws.on("framereceived", lambda payload: frames.append(str(payload))))
    return frames


def pump_until(page: Any, predicate: Any, timeout_s: float, what: str) -> None:
    """``wait_until`` for a condition fed by Playwright events: the sync API only dispatches them while
    it is being called, so each poll makes a call."""
    wait_until(lambda: page.evaluate("true") and predicate(), timeout_s=timeout_s, what=what)


@POSTGRES_ONLY
def test_screens_that_reconnect_during_the_outage_come_back_by_themselves(
    database_url: str, tmp_path: Path
) -> None:
    """In Chromium: the network drops during the database outage, so the console and a team screen
    reconnect while the server cannot check who they are. The server must answer (refuse, retryable)
    rather than leave them waiting, and they must connect again by themselves once it is back."""
    from playwright.sync_api import expect

    with (
        TcpProxy(upstream_of(database_url)) as database,
        live_drill(tmp_path, database_url, through(database, database_url)) as drill,
        TcpProxy(("127.0.0.1", drill.server.port)) as network,  # between the browsers and the server
        chromium() as browser,
    ):
        facilitator = Screen(drill.url, "/facilitator", drill.facilitator_http())  # not through it
        try:
            base = f"http://127.0.0.1:{network.port}"
            console = browser.new_context().new_page()
            team = browser.new_context().new_page()
            frames = {"/facilitator": record_frames(console), "/team": record_frames(team)}
            drill.open_console(console, base)
            drill.open_team_screen(team, "team-1", "Rita", base)
            pages = {"/facilitator": console, "/team": team}
            for page in pages.values():
                page.evaluate("window.__sameDocument = true")
            assert facilitator.call("start_exercise", {"speed": SPEED})["ok"]
            assert facilitator.call("fire_inject", {"inject_id": "first-post"})["ok"]
            expect(team.locator('.post[data-inject-id="first-post"]')).to_have_count(1, timeout=15_000)

            database.cut()
            network.cut()
            for page in pages.values():
                expect(page.locator("#connection[data-state=offline]")).to_have_count(1, timeout=10_000)
            seen = {namespace: len(received) for namespace, received in frames.items()}
            network.restore()
            for namespace, page in pages.items():
                # The server answers: a refusal (CONNECT_ERROR "44/<namespace>,{...}") when it checks
                # the session against the database on connect, else a retryable "sync" acknowledgement.
                def answered(namespace: str = namespace) -> list[str]:
                    return [
                        f
                        for f in frames[namespace][seen[namespace] :]
                        if f.startswith(f"44{namespace},") or '"retryable":true' in f
                    ]

                pump_until(page, answered, 15, f"the server to answer {namespace}'s reconnection")
                if answered()[0].startswith("44"):
                    expect(page.locator("#connection[data-state=offline]")).to_have_count(1)
            message = "Back online: the newsroom needs a statement."
            database.restore()
            assert facilitator.call("send_message", {"text": message})["ok"]

            for page in pages.values():
                expect(page.locator("#connection[data-state=online]")).to_have_count(1, timeout=15_000)
            expect(team.get_by_text(message).first).to_be_attached(timeout=10_000)
            expect(console.locator('[data-inject-id="first-post"]').first).to_be_attached()
            expect(team.locator(".toast--error")).to_have_count(0)
            for page in pages.values():
                assert page.evaluate("window.__sameDocument") is True
        finally:
            facilitator.close()
