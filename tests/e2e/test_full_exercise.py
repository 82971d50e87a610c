"""One whole exercise in real browsers against the real eventlet server: the facilitator signs in and
creates the exercise, two teams join (a phone and a laptop), the facilitator starts it at ×20, injects
arrive with running countdowns (one only for the team it targets), a reply shows up live on the
facilitator's wall and on the projector, pause freezes every clock and countdown, and the report scores
both teams. Screenshots of the console, the team screens, the projector and the report are kept."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.conftest import ROOT
from tests.e2e.conftest import LAPTOP, PHONE, create_exercise, join, join_codes, sign_in

pytestmark = [pytest.mark.slow, pytest.mark.e2e]

RED_FIRST = (
    "We have seen the video and we take this extremely seriously. It does not reflect our values. "
    "The board is acting today and an independent investigation will follow."
)
BLUE_FIRST = (
    "We are aware of the video circulating this morning. This behaviour is unacceptable and not who we "
    "are. The board is meeting now and we will update you as soon as we can."
)
RED_CALL = (
    "Thank you Tom. Marcus Hale is on leave of absence with immediate effect, pending an independent "
    "investigation by Whitcombe Rees. Dana Okafor, our CFO, is interim chief executive."
)

# Everything on a screen that moves with the scenario clock.
MOVING = {
    "team": "#scenario-clock, .countdown-text",
    "console": "#scenario-clock, #wall .countdown, #timeline .eta",
    "projector": "#scenario-clock, .pj-reach",
}


def reply(page: Any, tab: str, inject_id: str, kind: str, text: str) -> None:
    """A participant answers a post through its composer; the reply is shown once the server stored it."""
    page.click(f"#tab-{tab}")
    post = page.locator(f"article[data-inject-id='{inject_id}']")
    post.locator(f".post-actions .act[data-kind='{kind}']").click()
    form = post.locator(f"form.composer--{kind}")
    form.locator("textarea").fill(text)
    form.locator("button[type=submit]").click()
    expect(post.locator(".reply[data-reply-id] .body-text", has_text=text)).to_be_visible()


def close_toasts(page: Any) -> None:
    """Dismiss the notifications (they would cover a screenshot); they also go away on their own."""
    page.evaluate("document.querySelectorAll('.toasts .toast-close').forEach((b) => b.click())")
    expect(page.locator(".toasts .toast")).to_have_count(0)


def moving_texts(page: Any, selector: str) -> list[str]:
    return page.eval_on_selector_all(selector, "nodes => nodes.map((n) => n.textContent)")


def hold(page: Any, ms: int) -> None:
    """Let ``ms`` of real time pass, measured by the page itself."""
    start = page.evaluate("performance.now()")
    page.wait_for_function("([start, ms]) => performance.now() - start >= ms", arg=[start, ms], polling=100)


def test_full_exercise_in_real_browsers(start_drill: Any, browser: Any, watch: Any, shots: Any) -> None:
    drill = start_drill(ROOT / "scenarios")

    # --- the facilitator signs in and creates the exercise from the dashboard -----------------------
    facilitator = browser.new_context(**LAPTOP)
    console = watch.attach(facilitator.new_page(), "console")
    sign_in(console, drill.url)
    exercise_id = create_exercise(
        console, "ceo-scandal", "Kestrel Home crisis cell — morning drill", "Red, Blue"
    )
    codes = join_codes(console)
    assert set(codes) == {"team-1", "team-2"}, codes
    expect(console.locator("#exercise-status")).to_have_attribute("data-status", "draft")

    projector = watch.attach(facilitator.new_page(), "projector")
    projector.set_viewport_size({"width": 1600, "height": 900})
    projector.goto(f"{drill.url}/projector/{exercise_id}")
    expect(projector.locator("#connection")).to_have_attribute("data-state", "online")
    console.bring_to_front()
    console.check("#projector-toggle")  # team replies go up on the projector too
    expect(projector.locator("#replies-panel")).to_be_visible()

    # --- two teams join: Red on a phone, Blue on a laptop --------------------------------------------
    red_context = browser.new_context(**PHONE)
    red = watch.attach(red_context.new_page(), "team Red (phone)")
    blue_context = browser.new_context(viewport={"width": 1280, "height": 800})
    blue = watch.attach(blue_context.new_page(), "team Blue (laptop)")
    join(red, drill.url, codes["team-1"], "Rita")
    join(blue, drill.url, codes["team-2"], "Bo")
    expect(console.locator(".team-card[data-team='team-1'] .member-chip")).to_have_text("Rita")  # live lobby
    expect(console.locator(".team-card[data-team='team-2'] .member-chip")).to_have_text("Bo")
    for team in (red, blue):
        expect(team.locator("#exercise-status")).to_have_attribute("data-status", "draft")
        expect(team.locator(".state-card--draft")).to_be_visible()

    # --- start at ×20 from the console ----------------------------------------------------------------
    console.select_option("#speed-select", "20")
    console.click("#btn-start")
    for page in (console, red, blue, projector):
        expect(page.locator("#exercise-status")).to_have_attribute("data-status", "running")
    expect(red.locator(".clock-speed")).to_have_text("×20")

    # The first post reaches both teams with its reply window, and the countdown runs.
    for team in (red, blue):
        expect(team.locator("article[data-inject-id='video-viral']")).to_be_visible()
    countdown = red.locator("article[data-inject-id='video-viral'] .countdown-text")
    expect(countdown).to_have_text(re.compile(r"Reply within \d\d:\d\d"))
    first = countdown.inner_text()
    expect(countdown).not_to_have_text(first)
    expect(projector.locator("#headlines [data-inject-id='video-viral']")).to_be_visible()

    # A reply typed in Red's composer shows up live on the wall and on the projector.
    reply(red, "microblog", "video-viral", "public", RED_FIRST)
    wall_cell = console.locator("#wall [data-inject-id='video-viral'] .wg-team[data-team='team-1']")
    expect(wall_cell.locator(".reply-text")).to_have_text(RED_FIRST)
    expect(projector.locator("#pj-replies .pj-reply-text", has_text=RED_FIRST)).to_be_visible()
    reply(blue, "microblog", "video-viral", "public", BLUE_FIRST)
    expect(
        console.locator("#wall [data-inject-id='video-viral'] .wg-team[data-team='team-2'] .reply-text")
    ).to_have_text(BLUE_FIRST)
    expect(countdown).to_have_text(re.compile(r"Answered in"))
    expect(console.locator("#wall-count")).to_have_text("2 replies")
    shots.take(console, "console")

    # --- faster to the board's decision (12m), then back to ×20 for the Channel 7 call (14m, Red only) -
    console.select_option("#speed-select", "60")
    expect(red.locator(".clock-speed")).to_have_text("×60")
    expect(blue.locator("article[data-inject-id='board-decision']")).to_be_attached(timeout=40_000)
    console.select_option("#speed-select", "20")
    expect(red.locator(".clock-speed")).to_have_text("×20")
    expect(red.locator("article[data-inject-id='channel7-call']")).to_be_attached()
    console.click("#btn-pause")
    for page in (console, red, blue, projector):
        expect(page.locator("#exercise-status")).to_have_attribute("data-status", "paused")
    # Blue's screen is caught up to the pause, which came after the call: it never got the call.
    expect(blue.locator("[data-inject-id='channel7-call']")).to_have_count(0)
    red.click("#tab-calls")
    call = red.locator("article[data-inject-id='channel7-call']")
    expect(call).to_be_visible()
    expect(call.locator(".countdown-text")).to_have_text(re.compile(r"Reply within \d\d:\d\d"))
    frozen_call = call.locator(".countdown-text").inner_text()
    expect(red.locator(".pause-strip")).to_be_visible()
    marks = console.locator("#timeline [data-inject-id='channel7-call'] .mark")
    expect(marks).to_have_count(1)
    expect(marks).to_have_attribute("data-team", "team-1")

    # --- pause freezes every clock and countdown, on every screen ------------------------------------
    screens = [
        (red, MOVING["team"]),
        (blue, MOVING["team"]),
        (console, MOVING["console"]),
        (projector, MOVING["projector"]),
    ]
    frozen = [moving_texts(page, selector) for page, selector in screens]
    assert any(text.startswith("Reply within") for text in frozen[0]), frozen[0]
    assert any(text.endswith("left") for text in frozen[2]), frozen[2]  # open windows on the wall
    hold(console, 3000)  # a minute of scenario time at ×20, had the clocks kept running
    assert [moving_texts(page, selector) for page, selector in screens] == frozen

    # --- resume, answer the call, end -----------------------------------------------------------------
    console.click("#btn-resume")
    for page in (console, red, blue, projector):
        expect(page.locator("#exercise-status")).to_have_attribute("data-status", "running")
    expect(call.locator(".countdown-text")).not_to_have_text(frozen_call)
    close_toasts(red)
    shots.take(red, "team-phone")
    blue.click("#tab-microblog")
    close_toasts(blue)
    shots.take(blue, "team-laptop")
    shots.take(projector, "projector")
    reply(red, "calls", "channel7-call", "public", RED_CALL)
    expect(console.locator("#wall [data-inject-id='channel7-call'] .reply-text")).to_have_text(RED_CALL)
    console.click("#btn-end")  # confirmed in the dialog (see Watch)
    for page in (console, red, blue, projector):
        expect(page.locator("#exercise-status")).to_have_attribute("data-status", "ended")
    expect(red.locator(".debrief")).to_be_visible()
    expect(red.locator(".debrief dd").first).to_have_text("2")  # replies sent by Red

    # --- the report scores both teams -----------------------------------------------------------------
    console.click("#report-link")
    rows = console.locator("#ranking tbody tr")
    expect(rows).to_have_count(2)
    for slot, name in (("team-1", "Red"), ("team-2", "Blue")):
        row = console.locator(f"#ranking tbody tr[data-team='{slot}']")
        expect(row.locator(".team-name")).to_have_text(name)
        expect(row.locator(".total")).to_have_text(re.compile(r"^\s*\d+(\.\d+)?"))
        assert float(re.match(r"\s*([\d.]+)", row.locator(".total").inner_text()).group(1)) > 0
    expect(console.locator("#ranking tbody tr[data-team='team-1'] .answered")).to_have_text(
        re.compile(r"^2 / ")
    )
    console.evaluate("window.scrollTo(0, document.getElementById('ranking-section').offsetTop - 40)")
    shots.take(console, "report")

    watch.assert_clean()
    for context in (red_context, blue_context, facilitator):
        context.close()
