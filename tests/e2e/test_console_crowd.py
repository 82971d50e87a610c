"""The facilitator console with a reactive crowd, in real browsers against the real eventlet server: a team
answers a post, the console shows the persona's reaction it planned (with why), the facilitator edits its
text and sends it at once, and the team finds the edited reaction under its reply; the team cards' public
mood drops when the team answers, and the teams at a glance are sorted by mood."""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import LAPTOP, PHONE, create_exercise, join, join_codes, sign_in
from tests.factories import DATA

pytestmark = [pytest.mark.slow, pytest.mark.e2e]

ANSWER = "We are aware of the reports and we are checking every Model X battery today."
EDITED = "Thanks Red. Clear answer, and quick: I will quote it."


def answer(page: Any, inject_id: str, text: str) -> None:
    """A participant answers a microblog post publicly; the reply shows once the server stored it."""
    page.click("#tab-microblog")
    post = page.locator(f"article[data-inject-id='{inject_id}']")
    post.locator(".post-actions .act[data-kind='public']").click()
    form = post.locator("form.composer--public")
    form.locator("textarea").fill(text)
    form.locator("button[type=submit]").click()
    expect(page.locator(".reply[data-reply-id]", has_text=text).first).to_be_visible()


def test_the_console_controls_the_reactive_crowd(
    start_drill: Any, browser: Any, watch: Any, shots: Any, tmp_path: Path
) -> None:
    library = tmp_path / "scenarios"
    library.mkdir()
    shutil.copy(DATA / "crowd.yaml", library / "crowd.yaml")
    drill = start_drill(library)

    facilitator = browser.new_context(**LAPTOP)
    console = watch.attach(facilitator.new_page(), "console")
    sign_in(console, drill.url)
    create_exercise(console, "crowd-drill", "Crowd drill", "Red, Blue")
    codes = join_codes(console)
    # Options as the exercise was created: reactions on, mood hidden from teams, no chain of command.
    expect(console.locator("#opt-reactions")).to_be_checked()
    expect(console.locator("#opt-mood_visible")).not_to_be_checked()
    expect(console.locator("#opt-chain_of_command")).to_be_enabled()  # a draft: it may still change

    red_context = browser.new_context(**PHONE)
    red = watch.attach(red_context.new_page(), "team Red (phone)")
    join(red, drill.url, codes["team-1"], "Rita")

    # --- start at ×1 and fire the journalist's question at once ---------------------------------------
    console.select_option("#speed-select", "1")
    console.click("#btn-start")
    expect(console.locator("#exercise-status")).to_have_attribute("data-status", "running")
    expect(console.locator("#opt-chain_of_command")).to_be_disabled()  # chosen before the start
    console.locator("#timeline [data-inject-id='first-post'] .tl-actions .btn.primary").click()

    red_card = console.locator(".team-card[data-team='team-1']")
    mood = red_card.locator(".mood-value")
    expect(red_card.locator(".mood-rising")).to_be_visible()  # an unanswered post heats it
    expect(red_card.locator(".mood-heating")).to_have_text("1 post heating")
    expect(mood).to_have_text(re.compile(r"^\d+$"))
    before = int(mood.inner_text())
    assert before >= 20, before  # the scenario starts at 20

    # --- Red answers: the mood drops, and the journalist's thanks are planned -------------------------
    answer(red, "first-post", ANSWER)
    expect(red_card.locator(".mood-rising")).to_be_hidden()
    expect(mood).to_have_text(re.compile(r"^\d$"))  # relief: 2 + 10 × severity 3, from 20 and a bit
    assert int(mood.inner_text()) < before
    expect(red_card.locator(".mood")).to_have_attribute("data-band", "calm")
    chips = console.locator("#mood-summary .mood-chip")
    expect(chips).to_have_count(2)
    expect(chips.first).to_have_attribute("data-team", "team-2")  # Blue has not answered: hottest first

    row = console.locator("#reactions .reaction[data-team='team-1']")
    expect(row).to_have_count(1)
    expect(row).to_have_attribute("data-status", "planned")
    expect(row.locator(".reaction-why")).to_have_text("Why: covered 1 of 1 key points")
    expect(row.locator(".reaction-reply")).to_contain_text("We are aware of the reports")
    expect(row.locator(".persona-name")).to_have_text("Jane Doe")
    expect(row.locator(".reaction-text")).to_have_text("Thanks Red, that is clear.")
    expect(row.locator(".reaction-mood")).to_have_text("mood −5")
    expect(row.locator(".reaction-when")).to_have_text(re.compile(r"^due in \d"))
    expect(console.locator("#reactions-count")).to_have_text("1")
    reaction_id = row.get_attribute("data-reaction-id")
    wall_reply = console.locator("#wall [data-inject-id='first-post'] .wg-team[data-team='team-1'] .reply")
    expect(wall_reply.locator(".reply-reactions")).to_contain_text("Jane Doe")

    # --- the facilitator edits it (held while typing), then sends it now ------------------------------
    row.locator(".reaction-actions button[data-fkey^='redit-']").click()
    editor = row.locator("textarea.reaction-edit")
    expect(editor).to_be_focused()
    expect(row).to_have_attribute("data-status", "held")
    editor.fill(EDITED)
    row.locator("button[data-fkey^='rsave-']").click()
    expect(row.locator(".reaction-text")).to_have_text(EDITED)
    expect(row).to_have_attribute("data-status", "planned")  # the hold for the edit is released
    shots.take(console, "console-reactions")
    row.locator(".reaction-actions button[data-fkey^='rsend-']").click()
    expect(row).to_have_attribute("data-status", "released")
    expect(row.locator(".reaction-when")).to_have_text(re.compile(r"^released at \d\d:\d\d"))
    expect(row.locator(".reaction-actions")).to_have_count(0)
    expect(console.locator("#reactions-count")).to_have_text("0")
    expect(wall_reply.locator(".followups li.auto")).to_contain_text("Jane Doe")

    # --- the team sees the edited reaction under its reply --------------------------------------------
    under_reply = red.locator(f"[data-reply-id] [data-inject-id='{reaction_id}']")
    expect(under_reply).to_contain_text(EDITED)
    expect(red.get_by_text("Thanks Red, that is clear.")).to_have_count(0)

    # --- an option toggled from the console sticks --------------------------------------------------
    console.check("#opt-mood_visible")
    expect(console.locator("#opt-mood_visible")).to_be_checked()
    console.reload()
    expect(console.locator("#opt-mood_visible")).to_be_checked()
    expect(console.locator("#reactions .reaction[data-status='released'] .reaction-text")).to_have_text(
        EDITED
    )
    watch.assert_clean()
