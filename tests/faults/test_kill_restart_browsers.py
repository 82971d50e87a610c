"""``kill -9`` of the server mid-exercise (eventlet, SQLite) with a facilitator console and two team
screens open in Chromium, then a restart on the same port.

The browsers reconnect by themselves (same document, no reload), a reply typed while the server was
down is sent by the outbox, and every screen ends up with exactly what the event log holds: the same
injects once each, every acknowledged reply once, and the scenario clock where it should be, not
restarted from zero.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from tests.browser import chromium
from tests.faults.support import Drill, live_drill, wait_until

pytestmark = [pytest.mark.slow]

SPEED = 60  # first-post (1m) after 1 s, troll-post (2m) after 2 s, regulator-call (4m, Blue) after 4 s
ONLINE = "#connection[data-state=online]"
OFFLINE = "#connection[data-state=offline]"


def shown_seconds(page: Any) -> int:
    hours, minutes, seconds = (int(part) for part in page.inner_text("#scenario-clock").split(":"))
    return hours * 3600 + minutes * 60 + seconds


def expected_scenario_s(drill: Drill) -> float:
    """Scenario time now, from the log: running since ``exercise_started`` at ``SPEED``."""
    started = drill.last_event("exercise_started")
    return (datetime.now(UTC) - started.at).total_seconds() * SPEED


def ids_on(page: Any, selector: str, attribute: str) -> Counter[str]:
    return Counter(page.eval_on_selector_all(selector, f"nodes => nodes.map(n => n.dataset.{attribute})"))


def reply_to(page: Any, inject_id: str, text: str) -> None:
    """Answer a post publicly, as a participant does: open the composer, type, send."""
    post = page.locator(f'.post[data-inject-id="{inject_id}"]')
    post.locator('button.act[data-kind="public"]').click()
    post.locator("textarea.composer-input").fill(text)
    post.locator('form.composer button[type="submit"]').click()


def test_browsers_reconnect_to_a_restarted_server_and_show_the_logged_state(tmp_path: Path) -> None:
    from playwright.sync_api import expect

    database_url = f"sqlite:///{tmp_path / 'instance' / 'crisisdrill.db'}"
    with live_drill(tmp_path, database_url) as drill, chromium() as browser:
        console = drill.open_console(browser.new_context().new_page())
        red = drill.open_team_screen(browser.new_context().new_page(), "team-1", "Rita")
        blue = drill.open_team_screen(browser.new_context().new_page(), "team-2", "Bob")
        pages = {"console": console, "red": red, "blue": blue}
        for page in pages.values():
            page.evaluate("window.__sameDocument = true")  # gone if the page reloads

        console.select_option("#speed-select", str(SPEED))
        console.click("#btn-start")
        for page in (red, blue):
            expect(page.locator('.post[data-inject-id="first-post"]')).to_have_count(1, timeout=15_000)
        red_text = "We are aware and are checking every Model X battery."
        reply_to(red, "first-post", red_text)
        expect(red.locator(".reply[data-reply-id]", has_text=red_text)).to_have_count(1, timeout=10_000)
        expect(console.locator("#wall .reply[data-reply-id]", has_text=red_text)).to_have_count(1)

        scenario_at_kill = expected_scenario_s(drill)
        drill.server.kill()  # SIGKILL: no shutdown, no goodbye to the sockets
        for page in pages.values():
            expect(page.locator(OFFLINE)).to_have_count(1, timeout=10_000)
        blue_text = "Model X owners: stop charging and call 0800 123 456."
        reply_to(blue, "first-post", blue_text)  # typed while the server is down
        blue_pending = blue.locator(".reply.is-pending", has_text=blue_text)
        expect(blue_pending).to_be_visible()

        drill.server.start()  # same port, same database
        for page in pages.values():
            expect(page.locator(ONLINE)).to_have_count(1, timeout=20_000)
        # The outbox sends the waiting reply on reconnection, by itself.
        expect(blue.locator(".reply[data-reply-id]", has_text=blue_text)).to_have_count(1, timeout=10_000)
        expect(blue_pending).to_have_count(0)
        # Due while the server was down, or after: released by the new process.
        expect(blue.locator('[data-inject-id="regulator-call"]')).to_have_count(1, timeout=25_000)
        expect(red.locator('.post[data-inject-id="troll-post"]')).to_have_count(1, timeout=10_000)

        # The clock continues from the log: neither from zero nor from the moment of the kill.
        def clock_follows_the_log(page: Any) -> bool:
            low = expected_scenario_s(drill)
            shown = shown_seconds(page)
            high = expected_scenario_s(drill)
            return low - 20 <= shown <= high + 2  # the clock is repainted every 250 ms (15 s at ×60)

        for name, page in pages.items():
            wait_until(lambda page=page: clock_follows_the_log(page), 5, f"{name}'s clock to follow the log")
            assert shown_seconds(page) > scenario_at_kill, name

        # Freeze the exercise, then compare every screen with the event log.
        console.click("#btn-pause")
        for page in (red, blue):
            expect(page.locator("#exercise-status[data-status=paused]")).to_have_count(1, timeout=10_000)
        expect(console.locator("#exercise-status[data-status=paused]")).to_have_count(1)
        paused_at = int(drill.last_event("exercise_paused").scenario_s)
        wait_until(
            lambda: all(shown_seconds(page) == paused_at for page in pages.values()),
            timeout_s=5,
            what=f"every clock to stop at {paused_at}s",
        )

        deliveries = drill.deliveries()
        assert len(deliveries) == len(set(deliveries)), Counter(deliveries).most_common(3)
        assert Counter(drill.delivered_events()) == Counter(deliveries)  # no inject delivered twice
        replies = drill.replies()
        assert Counter(r.text for r in replies) == {red_text: 1, blue_text: 1}
        for slot, page in (("team-1", red), ("team-2", blue)):
            injects = ids_on(page, "#team-app [data-inject-id]", "injectId")
            assert injects == Counter(inject for inject, team in deliveries if team == slot), slot
            shown_replies = ids_on(page, "#team-app .reply[data-reply-id]", "replyId")
            assert shown_replies == Counter(r.id for r in replies if r.team_slot == slot), slot
            assert page.locator(".reply.is-pending").count() == 0
        assert ids_on(console, "#wall .reply[data-reply-id]", "replyId") == Counter(r.id for r in replies)
        for name, page in pages.items():
            assert page.evaluate("window.__sameDocument") is True, f"{name} reloaded"
