"""Languages: the interface follows the exercise's scenario language, a user's own choice overrides it,
numbers and dates follow the page's language, and the French catalog is complete."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from html import unescape

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from scoring.reasons import MESSAGES
from simulator.engine.loader import load_scenario
from simulator.reporting.exports import render_html
from simulator.reporting.model import report_model, translated
from simulator.store import accounts
from simulator.translations import TRANSLATIONS_DIR
from simulator.web.i18n import format_number, format_when
from simulator.web.js_strings import JS_STRINGS
from simulator.web.scheduler import tick_once
from tests.conftest import ROOT
from tests.web.conftest import PASSWORD, command, console, join, pushed_items, sign_in

FAC, TEAM = "/facilitator", "/team"
CATALOG = TRANSLATIONS_DIR / "fr" / "LC_MESSAGES" / "messages.po"


@pytest.fixture
def french_exercise(services):
    """A draft exercise of the French scenario ``salarie-poubelles`` owned by 'alice', teams Rouge and Bleu."""
    if "alice" not in accounts.facilitator_names(services.sessions):
        accounts.add_facilitator(services.sessions, services.clock, "alice", PASSWORD)
    scenario = load_scenario(ROOT / "scenarios" / "salarie-poubelles.yaml")
    assert scenario.language.value == "fr"
    return services.store.create_exercise(scenario, ["Rouge", "Bleu"], owner="alice").state.exercise_id


def page(client, url: str, **kwargs) -> str:
    response = client.get(url, **kwargs)
    assert response.status_code == 200, (url, response.status_code)
    return response.get_data(as_text=True)


def strings_of(html: str) -> dict[str, str]:
    """The scripts' strings: the page's ``data-i18n`` attribute."""
    found = re.search(r"data-i18n='([^']*)'", html)
    assert found, "no data-i18n attribute"
    return json.loads(unescape(found.group(1)))


def text_of(html: str) -> str:
    """What a reader sees: no tags, no stylesheet."""
    return unescape(re.sub(r"<[^>]+>", " ", re.sub(r"<style>.*?</style>", "", html, flags=re.S)))


def test_a_french_exercise_speaks_french_on_every_screen(app, services, french_exercise):
    code = services.store.exercise(french_exercise).state.teams["team-1"].join_code
    participant = app.test_client()
    assert "Votre nom" in page(participant, f"/join/{code}")
    participant.post(f"/join/{code}", data={"display_name": "Léa"})
    screen = page(participant, "/team")
    assert '<html lang="fr">' in screen and "Chargement de l’exercice…" in screen
    assert "EXERCICE — contenu simulé" in screen
    team_strings = strings_of(screen)
    assert team_strings["tab.social"] == "Réseau social" and team_strings["send"] == "Envoyer"
    assert set(team_strings) == set(JS_STRINGS["team"])

    facilitator = sign_in(app)
    console_page = page(facilitator, f"/facilitator/exercises/{french_exercise}")
    assert "Démarrer" in console_page and "Mur des réponses" in console_page
    assert "Start" not in text_of(console_page).split()
    assert strings_of(console_page)["confirm_end"].startswith("Terminer l’exercice")
    projector = page(facilitator, f"/projector/{french_exercise}")
    assert "À la une" in projector and strings_of(projector)["breaking"] == "Alerte"
    report = page(facilitator, f"/facilitator/exercises/{french_exercise}/report")
    assert '<html lang="fr">' in report and "Rapport d’exercice" in report and "Classement" in report
    assert "Comment lire les scores" in report and "Délais de réponse" in report  # a chart's title
    scores = page(facilitator, f"/facilitator/exercises/{french_exercise}/scores")
    assert "Rapport complet" in scores and "Retour à la console" in scores
    assert "Fiche de connexion" in console_page
    assert "Scannez le code" in page(facilitator, f"/facilitator/exercises/{french_exercise}/join-sheet")


def test_english_is_the_default_and_the_browser_language_is_the_fallback(app, services, exercise_id):
    facilitator = sign_in(app)
    console_page = page(facilitator, f"/facilitator/exercises/{exercise_id}")
    assert '<html lang="en">' in console_page and "Live wall" in console_page
    assert strings_of(console_page)["confirm_end"].startswith("End the exercise")
    # the exercise's language wins over the browser's
    assert "Live wall" in page(
        facilitator, f"/facilitator/exercises/{exercise_id}", headers={"Accept-Language": "fr"}
    )
    anonymous = app.test_client()
    assert "Scenario library" in page(anonymous, "/")
    home = page(anonymous, "/", headers={"Accept-Language": "fr-FR,fr;q=0.9,en;q=0.5"})
    assert '<html lang="fr">' in home and "Bibliothèque de scénarios" in home
    assert "Scenario library" in page(anonymous, "/", headers={"Accept-Language": "de-DE"})


def test_the_switcher_overrides_the_exercise_language_for_that_user_only(app, services, french_exercise):
    mine, theirs = sign_in(app), sign_in(app)
    console_url = f"/facilitator/exercises/{french_exercise}"
    switcher = page(mine, console_url)
    assert f'href="{console_url}?lang=en"' in switcher and 'aria-current="true">Français' in switcher

    switched = mine.get(f"{console_url}?lang=en")
    assert switched.status_code == 302 and switched.headers["Location"] == console_url
    assert "lang=en" in switched.headers["Set-Cookie"] and "HttpOnly" in switched.headers["Set-Cookie"]
    english = page(mine, console_url)
    assert '<html lang="en">' in english and "Live wall" in english
    assert strings_of(english)["confirm_end"].startswith("End the exercise")
    assert "Mur des réponses" in page(theirs, console_url)  # the other facilitator keeps French

    # other query parameters survive the switch; an unknown language changes nothing
    replay = mine.get(f"/facilitator/exercises/{french_exercise}/replay?team=team-2&at=0&lang=fr")
    assert replay.headers["Location"].endswith("/replay?team=team-2&at=0")
    assert "Revoir" in page(mine, f"/facilitator/exercises/{french_exercise}/replay?team=team-2")
    assert "Set-Cookie" not in mine.get("/?lang=xx").headers
    assert "Bibliothèque de scénarios" in page(mine, "/")  # the choice holds on every page


def test_numbers_and_dates_follow_the_page_language(app, services, french_exercise):
    moment = datetime(2024, 5, 1, 9, 30, tzinfo=UTC)
    with app.test_request_context("/", headers={"Accept-Language": "fr"}):
        assert format_number(12.5) == "12,5" and format_number(1234.25, 0) == "1234"
        assert format_when(moment) == "1 mai 2024, 09:30"
    with app.test_request_context("/"):
        assert format_number(12.5) == "12.5" and format_number(-0.25) == "-0.2"  # as "%.1f" did
        assert format_when(moment) == "2024-05-01 09:30"
    report = page(sign_in(app), f"/facilitator/exercises/{french_exercise}/report")
    assert re.search(r'class="total num"[^>]*><strong>\d+,\d</strong>', report)  # a decimal comma
    french_reader = sign_in(app)
    french_reader.set_cookie("lang", "fr")
    dashboard = page(french_reader, "/facilitator/")
    assert re.search(r"<td>\d{1,2} \w+\.? \d{4}, \d\d:\d\d UTC</td>", dashboard)


def test_the_french_catalog_translates_every_message():
    with CATALOG.open("rb") as po:
        catalog = read_po(po, locale="fr")
    untranslated = [
        m.id
        for m in catalog
        if m.id and (not m.string or (isinstance(m.string, tuple) and not all(m.string)) or m.fuzzy)
    ]
    assert untranslated == [] and not catalog.fuzzy
    known = {(m.context, m.id if isinstance(m.id, str) else m.id[0]) for m in catalog if m.id}
    in_templates = {
        (context, message if isinstance(message, str) else message[0])
        for _, _, message, _, context in extract_from_dir(
            str(ROOT / "templates"),
            method_map=[("**.html", "jinja2")],
            options_map={"**.html": {"extensions": "jinja2.ext.i18n"}},
        )
    }
    assert in_templates and in_templates <= known, sorted(in_templates - known)
    for surface, strings in JS_STRINGS.items():
        assert {(f"{surface}.js {key}", text) for key, text in strings.items()} <= known
    assert {(None, message) for message in MESSAGES.values()} <= known


def test_no_template_switches_language_by_hand():
    for template in (ROOT / "templates").rglob("*.html"):
        source = template.read_text(encoding="utf-8")
        assert not re.search(r"if (fr|lang == 'fr')\b|\{% set fr\b|L\[lang\]", source), template
    for script in ("team", "facilitator", "projector"):
        source = (ROOT / "static" / "js" / f"{script}.js").read_text(encoding="utf-8")
        assert "fr: {" not in source and "JSON.parse(root.dataset.i18n" in source, script


def test_a_french_exercise_played_end_to_end_in_french(app, services, french_exercise, clock):
    facilitator, fac = console(app, french_exercise)
    rouge_http, rouge = join(app, services, french_exercise, "team-1", "Léa")
    _, bleu = join(app, services, french_exercise, "team-2", "Paul")
    assert command(fac, FAC, "start_exercise", {"speed": 1})["ok"]
    clock.advance(90)
    tick_once(app)
    delivered = [i["inject_id"] for i in pushed_items(rouge, TEAM) if i["kind"] == "inject"]
    assert "post-collegue" in delivered
    reply = (
        "Nadia, nous présentons nos excuses à Sandrine : la mise à pied a été levée, aucune sanction. "
        "Nous lançons une revue de nos procédures dans nos 212 magasins."
    )
    ack = command(
        rouge, TEAM, "post_reply", {"key": "reponse-0001", "text": reply, "inject_id": "post-collegue"}
    )
    assert ack["ok"], ack
    clock.advance(20 * 60)
    tick_once(app)
    assert command(fac, FAC, "end_exercise")["ok"]
    bleu.get_received(TEAM)

    report = page(facilitator, f"/facilitator/exercises/{french_exercise}/report")
    words = text_of(report)
    assert "a répondu à la publication de Nadia Ferhat" in words  # a speed reason, in French
    assert "a dit « Annonce la levée de la mise à pied, sans sanction »" in words  # a key message said
    assert "délai de réponse médian" in words and "Points forts" in words  # the scorecard
    assert "n’a jamais répondu à" in words  # Bleu stayed silent
    reasons = re.findall(r'<li class="reason reason-[^"]*">(.*?)</li>', report, re.S)
    assert reasons and not [r for r in reasons if "answered" in r or "missed" in r]
    scores = text_of(page(facilitator, f"/facilitator/exercises/{french_exercise}/scores"))
    assert "a répondu à la publication de Nadia Ferhat" in scores

    facilitator.post(f"/facilitator/exercises/{french_exercise}/report/release", data={"release": "own"})
    own = text_of(page(rouge_http, "/team/report"))
    assert "Rapport de l’équipe Rouge" in own and "Bleu" not in own

    # the same report for a reader who chose English, and the model in both languages
    english = text_of(
        page(facilitator, f"/facilitator/exercises/{french_exercise}/report?lang=en", follow_redirects=True)
    )
    assert "answered Nadia Ferhat" in english and "How to read the scores" in english
    state = services.store.exercise(french_exercise).state
    english_reasons = [r for t in report_model(state, "en")["teams"] for r in t["reasons"]]
    french_reasons = [r for t in report_model(state, "fr")["teams"] for r in t["reasons"]]
    assert all(r["code"] for r in english_reasons)
    assert [r["code"] for r in english_reasons] == [r["code"] for r in french_reasons]
    assert any(r["why"].startswith("answered Nadia Ferhat") for r in english_reasons)
    assert any(r["why"].startswith("a répondu à la publication de Nadia Ferhat") for r in french_reasons)
    # the data exports stay English; a file exported from the command line speaks the scenario's language
    assert translated(report_model(state), "fr")["teams"] == report_model(state, "fr")["teams"]
    exported = text_of(render_html(report_model(state)))
    assert "a répondu à la publication de Nadia Ferhat" in exported and "Points forts" in exported
