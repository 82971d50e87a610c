"""Names at their limit in the browser: the server counts characters (code points), a browser's
``maxlength`` UTF-16 units, so a name of 40 emoji (80 units) must type in full and join, a 41st is
refused in the page with a clear message; and team names of 40 characters, unbroken or emoji, keep the
report within the page on a phone and a laptop."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from simulator.reporting.exports import render_html
from tests.conftest import ROOT
from tests.e2e.conftest import LAPTOP, PHONE, create_exercise, join_codes, sign_in
from tests.reporting.test_long_team_names import EMOJI, UNBROKEN, long_names_drill

pytestmark = [pytest.mark.slow, pytest.mark.e2e]

NARROW_PHONE = {**PHONE, "viewport": {"width": 375, "height": 812}}
TABLET = {"viewport": {"width": 820, "height": 1180}}
FIRE = "\U0001f525"  # one code point, two UTF-16 units
DISPLAY_NAME = FIRE * 40

WIDTHS = """() => {
  const ranking = document.getElementById("ranking");
  const page = document.documentElement;
  const sections = [...document.querySelectorAll(".section, .cover")]
    .filter((s) => s.scrollWidth > s.clientWidth)
    .map((s) => `${s.id}: ${s.scrollWidth} > ${s.clientWidth}`);
  return {
    ranking: ranking.scrollWidth, container: ranking.parentElement.clientWidth,
    page: page.scrollWidth, viewport: page.clientWidth, sections,
  };
}"""


def assert_within(page: Any, *, ranking_fits: bool = True) -> None:
    """Nothing is wider than the page or than its section; the ranking fits its container (on a
    tablet it may scroll inside it instead)."""
    found = page.evaluate(WIDTHS)
    assert found["page"] <= found["viewport"], found
    assert not found["sections"], found
    if ranking_fits:
        assert found["ranking"] <= found["container"], found


def test_the_report_stays_within_the_page_with_long_team_names(browser: Any) -> None:
    model = long_names_drill()
    reports = {
        "facilitator": render_html(model),
        "team": render_html(model, audience="team", team_slot="team-2", show_ranking=True),
    }
    for device, options, fits in [
        ("phone", NARROW_PHONE, True),
        ("tablet", TABLET, False),
        ("laptop", LAPTOP, True),
    ]:
        context = browser.new_context(**options)
        page = context.new_page()
        for audience, html in reports.items():
            page.set_content(html)
            expect(page.locator("#ranking td.team-name", has_text=UNBROKEN)).to_be_visible()
            expect(page.locator("#ranking td.team-name", has_text=EMOJI)).to_be_visible()
            try:
                assert_within(page, ranking_fits=fits)
            except AssertionError as error:
                raise AssertionError(f"{device}, {audience}'s report: {error}") from None
        context.close()


def test_a_name_of_forty_emoji_joins_and_a_longer_one_is_refused_in_the_page(
    start_drill: Any, browser: Any, watch: Any
) -> None:
    drill = start_drill(ROOT / "scenarios")
    facilitator = browser.new_context(**LAPTOP)
    console = watch.attach(facilitator.new_page(), "console")
    sign_in(console, drill.url)
    teams = console.locator("#new-exercise input[name=teams]")
    expect(teams).to_have_attribute("maxlength", "4000")
    expect(teams).to_have_attribute("data-max-chars", "2000")
    exercise_id = create_exercise(console, "ceo-scandal", "Long names", f"{UNBROKEN}, {EMOJI}")
    expect(console.locator("#team-cards")).to_contain_text(UNBROKEN)
    code = join_codes(console)["team-1"]

    participant = browser.new_context(**NARROW_PHONE)
    team = watch.attach(participant.new_page(), "team 1")
    team.goto(f"{drill.url}/join")
    team.fill("input[name=code]", code)
    team.click("button[type=submit]")
    name = team.locator("input[name=display_name]")
    expect(name).to_have_attribute("data-max-chars", "40")

    # 41 letters: within maxlength (twice the limit), refused by the page in words, not sent
    name.press_sequentially("R" * 41)
    assert name.evaluate("e => [e.validity.customError, e.validationMessage]") == [
        True,
        "Your name must be 1 to 40 characters.",
    ]
    team.click("button[type=submit]")
    expect(team.locator("#team-app")).to_have_count(0)  # still on the join page
    expect(console.locator(".team-card[data-team='team-1'] .member-chip")).to_have_count(0)

    # 40 emoji (80 UTF-16 units) type in full, a 41st no longer fits; the page lets them go, the server
    # takes them
    name.fill("")
    name.press_sequentially(DISPLAY_NAME + FIRE)
    assert name.input_value() == DISPLAY_NAME
    assert name.evaluate("e => e.checkValidity()") is True
    team.click("button[type=submit]")
    team.wait_for_selector("#team-app .app-header")
    team.wait_for_selector("#connection[data-state=online]")
    expect(team.locator(".member-list").first).to_contain_text(DISPLAY_NAME)
    expect(console.locator(".team-card[data-team='team-1'] .member-chip")).to_have_text(DISPLAY_NAME)

    # the facilitator's report page, on a phone, with the two long team names
    console.click("#btn-start")
    expect(team.locator("#exercise-status")).to_have_attribute("data-status", "running")
    console.click("#btn-end")
    expect(console.locator("#exercise-status")).to_have_attribute("data-status", "ended")
    console.set_viewport_size(NARROW_PHONE["viewport"])
    console.goto(f"{drill.url}/facilitator/exercises/{exercise_id}/report")
    expect(console.locator("#ranking td.team-name", has_text=UNBROKEN)).to_be_visible()
    assert_within(console)

    watch.assert_clean()
    for context in (participant, facilitator):
        context.close()
