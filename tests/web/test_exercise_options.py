"""Exercise options from the dashboard, and joining with a role under a chain of command."""

from __future__ import annotations

import re

from simulator.store import accounts
from tests.web.conftest import PASSWORD, sign_in


def create(app, services, **form):
    accounts.add_facilitator(services.sessions, services.clock, "alice", PASSWORD)
    client = sign_in(app)
    data = {"scenario_id": "mini-drill", "teams": "Red, Blue", "speed": "1", "options": "1", **form}
    response = client.post("/facilitator/exercises", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)
    exercise_id = response.headers["Location"].rstrip("/").rsplit("/", 1)[-1]
    return client, services.store.exercise(exercise_id).state


def test_the_dashboard_offers_the_options_and_creates_the_exercise_with_them(app, services):
    client, state = create(app, services, chain_of_command="on", mood_visible="show")
    assert state.options == {"chain_of_command": True, "mood_visible": True, "reactions": False}
    page = client.get("/facilitator/").get_data(as_text=True)
    for name in ("chain_of_command", "reactions", "mood_visible"):
        assert f'name="{name}"' in page


def test_without_the_form_the_options_follow_the_scenario(app, services):
    _, state = create(app, services, options=None, reactions="on")
    assert state.options == {"chain_of_command": False, "mood_visible": False, "reactions": True}


def test_joining_under_a_chain_of_command_asks_for_a_role(app, services):
    _, state = create(app, services, chain_of_command="on", reactions="on")
    code = state.teams["team-1"].join_code
    page = app.test_client().get(f"/join/{code}").get_data(as_text=True)
    assert re.findall(r'name="role" value="(\w+)"', page) == ["community_manager", "lead", "spokesperson"]
    assert "Community manager" in page and "approves" in page
    participant = app.test_client()
    response = participant.post(f"/join/{code}", data={"display_name": "Lee", "role": "lead"})
    assert response.status_code == 302
    joined = services.store.exercise(state.exercise_id).state.participants
    assert [p["role"] for p in joined.values()] == ["lead"]
    bad = app.test_client().post(f"/join/{code}", data={"display_name": "Max", "role": "boss"})
    assert bad.status_code == 400 and "unknown role" in bad.get_data(as_text=True)
    assert 'value="Max"' in bad.get_data(as_text=True)  # nothing typed is lost


def test_without_a_chain_of_command_the_join_page_asks_only_a_name(app, services):
    _, state = create(app, services)
    page = app.test_client().get(f"/join/{state.teams['team-1'].join_code}").get_data(as_text=True)
    assert 'name="role"' not in page


def test_the_roles_and_options_read_in_french(app, services):
    client, state = create(app, services, chain_of_command="on")
    client.get("/facilitator/?lang=fr")
    assert "Chaîne de validation" in client.get("/facilitator/").get_data(as_text=True)
    participant = app.test_client()
    code = state.teams["team-1"].join_code
    participant.get(f"/join/{code}?lang=fr")
    page = participant.get(f"/join/{code}").get_data(as_text=True)
    assert "Chef d’équipe" in page and "Porte-parole" in page


def test_refusals_participants_meet_are_said_in_their_language(app, services):
    from simulator.web.rejections import localised

    with app.test_request_context("/", headers={"Accept-Language": "fr"}):
        assert localised("cannot publish a reply: the exercise is paused") == (
            "Vous ne pouvez pas publier de réponse : l’exercice est en pause."
        )
        assert (
            localised("this draft was already approved by Lee") == "Ce brouillon a déjà été examiné par Lee."
        )
        assert localised("something the table does not know") == "something the table does not know"
    with app.test_request_context("/", headers={"Accept-Language": "en"}):
        assert localised("a reply cannot be empty") == "a reply cannot be empty"
    _, state = create(app, services, chain_of_command="on")
    participant = app.test_client()
    code = state.teams["team-1"].join_code
    participant.get(f"/join/{code}?lang=fr")
    page = participant.post(f"/join/{code}", data={"display_name": "Max", "role": "boss"}).get_data(
        as_text=True
    )
    assert "Choisissez l’un des rôles proposés." in page
