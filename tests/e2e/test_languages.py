"""A French exercise in Chromium: the scripts build the console, the team screen and the projector in
French from the server's catalog (no inline script, no CSP violation), and a participant who switches
to English gets the English screen."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import expect

from tests.conftest import ROOT
from tests.e2e.conftest import LAPTOP, PHONE, create_exercise, join, join_codes, sign_in


def test_a_french_exercise_in_the_browser(start_drill: Any, browser: Any, watch: Any) -> None:
    drill = start_drill(ROOT / "scenarios")
    watch.accept_confirm = "Terminer l’exercice"
    console = watch.attach(browser.new_context(**LAPTOP).new_page(), "console")
    sign_in(console, drill.url)
    exercise_id = create_exercise(console, "salarie-poubelles", "Cellule de crise", "Rouge, Bleu")
    expect(console.locator("html")).to_have_attribute("lang", "fr")
    expect(console.locator("#btn-start")).to_contain_text("Démarrer")
    expect(console.locator("#exercise-status")).to_have_text("Pas commencé")  # set by facilitator.js

    projector = watch.attach(console.context.new_page(), "projector")
    projector.goto(f"{drill.url}/projector/{exercise_id}")
    expect(projector.locator("#connection")).to_have_text("Connecté")

    team = watch.attach(browser.new_context(**PHONE).new_page(), "team Rouge")
    join(team, drill.url, join_codes(console)["team-1"], "Léa")
    expect(team.locator("#exercise-status")).to_have_text("Pas commencé")  # set by team.js
    expect(team.locator(".tab-label--long", has_text="Réseau social")).to_be_attached()

    console.bring_to_front()
    console.click("#btn-start")
    expect(team.locator("#exercise-status")).to_have_text("En cours")
    expect(team.locator(".clock")).to_have_attribute("title", "Heure du scénario")

    team.click("#lang-en")  # the switcher: this participant only
    expect(team.locator("html")).to_have_attribute("lang", "en")
    expect(team.locator("#exercise-status")).to_have_text("Live")
    expect(team.locator(".tab-label--long", has_text="Social")).to_be_attached()
    expect(console.locator("#exercise-status")).to_have_text("En cours")
    watch.assert_clean()
