"""A push that overtakes a catch-up must not make the screen drop what the catch-up brings.

Seen in the outage tests: a screen reconnects and sends ``sync``; before the answer arrives, the
scheduler pushes a newer item. Applied first, that push raised the screen's last ``seq`` past the older
items in the sync answer, which were then ignored as "already seen": gone from the screen for good.

Here Chromium's WebSocket is routed through the test, which makes the race happen every time: it drops
one push (the screen misses an item, as after a lost push or while disconnected), holds back the
``sync`` answer that the next heartbeat triggers, and releases it only after a newer push.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from tests.browser import chromium
from tests.faults.support import live_drill, wait_until
from tests.live import Screen

pytestmark = [pytest.mark.slow]


class Reorder:
    """Between the page and the server: drop the push naming ``drop``, then hold the next sync answer
    back until a newer push has been delivered."""

    def __init__(self, namespace: str) -> None:
        self.push = f'42{namespace},["push"'
        self.ack = f"43{namespace},"
        self.drop: str | None = None
        self.hold_sync_answer = False
        self.held: list[str] = []
        self.reordered = False

    def route(self, page_side: Any) -> None:
        server_side = page_side.connect_to_server()
        page_side.on_message(server_side.send)
        server_side.on_message(lambda message: self._from_server(page_side, message))

    def _from_server(self, page_side: Any, message: str | bytes) -> None:
        if isinstance(message, str):
            if self.drop and message.startswith(self.push) and self.drop in message:
                self.drop = None
                return  # lost on the way
            if self.hold_sync_answer and message.startswith(self.ack) and '"last_seq"' in message:
                self.hold_sync_answer = False
                self.held.append(message)
                return
            if self.held and message.startswith(self.push):
                page_side.send(message)  # the newer push first...
                for answer in self.held:
                    page_side.send(answer)  # ...then the catch-up it overtook
                self.held.clear()
                self.reordered = True
                return
        page_side.send(message)


def test_a_push_that_overtakes_the_catch_up_does_not_hide_older_items(tmp_path: Path) -> None:
    from playwright.sync_api import expect

    database_url = f"sqlite:///{tmp_path / 'instance' / 'crisisdrill.db'}"
    with live_drill(tmp_path, database_url) as drill, chromium() as browser:
        facilitator = Screen(drill.url, "/facilitator", drill.facilitator_http())
        try:
            reorder = Reorder("/team")
            team = browser.new_context().new_page()
            team.route_web_socket(re.compile(r".*/socket\.io/.*"), reorder.route)
            drill.open_team_screen(team, "team-1", "Rita")
            assert facilitator.call("start_exercise", {"speed": 1})["ok"]  # heartbeats every 2 s
            expect(team.locator("#exercise-status[data-status=running]")).to_have_count(1, timeout=10_000)

            missed, newer = "First: the CEO speaks at noon.", "Second: the venue has changed."
            reorder.drop, reorder.hold_sync_answer = missed, True
            assert facilitator.call("send_message", {"text": missed})["ok"]  # its push is lost
            # The next heartbeat names a seq the screen lacks: it syncs, and the answer is held back.
            wait_until(lambda: team.evaluate("true") and reorder.held, 10, "the screen's catch-up to be sent")
            assert facilitator.call("send_message", {"text": newer})["ok"]  # overtakes the catch-up
            wait_until(lambda: team.evaluate("true") and reorder.reordered, 10, "the reordered delivery")

            messages = team.locator(".message-list li")
            expect(messages.filter(has_text=newer)).to_have_count(1, timeout=5_000)
            expect(messages.filter(has_text=missed)).to_have_count(1, timeout=5_000)
            expect(messages).to_have_count(2)
        finally:
            facilitator.close()
