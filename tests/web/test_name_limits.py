"""Name fields count characters as the server does: ``maxlength`` (UTF-16 units in a browser) is twice the
server's limit, so it never cuts a name of emoji the server accepts, and ``data-max-chars`` has
static/js/common.js hold the form back past the limit with a message in the page's language.
(tests/e2e/test_long_names.py types the names in Chromium.)"""

from __future__ import annotations

import re
from html import unescape

from simulator.engine.exercise import DISPLAY_NAME_MAX
from tests.web.conftest import sign_in

FIRE = "\U0001f525"  # one character, two UTF-16 units


def field(page: str, name: str) -> dict[str, str]:
    """The attributes of the ``<input name=...>`` of ``page``."""
    tag = re.search(rf'<input name="{name}"[^>]*>', page, re.S)
    assert tag, name
    return {key: unescape(value) for key, value in re.findall(r'([\w-]+)="([^"]*)"', tag.group(0))}


def join_page(app, services, exercise_id, language=None):
    code = services.store.exercise(exercise_id).state.teams["team-1"].join_code
    client = app.test_client()
    if language:
        client.get(f"/join/{code}?lang={language}")
    return client, code, client.get(f"/join/{code}").get_data(as_text=True)


def test_the_display_name_field_allows_forty_emoji_and_says_the_limit(app, services, exercise_id):
    _, _, page = join_page(app, services, exercise_id)
    name = field(page, "display_name")
    assert name["maxlength"] == str(2 * DISPLAY_NAME_MAX) == "80"
    assert name["data-max-chars"] == str(DISPLAY_NAME_MAX)
    assert name["data-max-chars-spaces"] == "collapse"  # the server stores names with single spaces
    assert name["data-max-chars-message"] == "Your name must be 1 to 40 characters."
    assert re.search(r'<script src="/static/js/common\.js[^"]*" defer></script>', page)  # no inline script


def test_the_limit_message_is_in_the_page_s_language(app, services, exercise_id):
    _, _, page = join_page(app, services, exercise_id, "fr")
    assert (
        field(page, "display_name")["data-max-chars-message"]
        == "Votre nom doit compter de 1 à 40 caractères."
    )


def test_the_server_takes_forty_emoji_and_still_refuses_forty_one(app, services, exercise_id):
    client, code, _ = join_page(app, services, exercise_id)
    refused = app.test_client().post(f"/join/{code}", data={"display_name": FIRE * 41})
    assert refused.status_code == 400
    assert "display name must be 1 to 40 characters" in refused.get_data(as_text=True)  # as before
    assert client.post(f"/join/{code}", data={"display_name": FIRE * 40}).status_code == 302
    joined = services.store.exercise(exercise_id).state.participants.values()
    assert [p["display_name"] for p in joined] == [FIRE * 40]


def test_the_team_list_counts_characters_as_the_server_does(app, services, exercise_id):
    page = sign_in(app).get("/facilitator/").get_data(as_text=True)
    teams = field(page, "teams")
    assert teams["maxlength"] == "4000" and teams["data-max-chars"] == "2000"
    assert "data-max-chars-spaces" not in teams  # the server counts the list as sent
    assert teams["data-max-chars-message"] == "The list of teams is at most 2000 characters."
    assert re.search(r'<script src="/static/js/common\.js[^"]*" defer></script>', page)


def test_common_js_counts_code_points_and_binds_every_limited_field():
    from simulator.paths import static_dir

    script = (static_dir() / "js" / "common.js").read_text(encoding="utf-8")
    assert "[...value].length" in script  # code points, not value.length (UTF-16 units)
    assert 'querySelectorAll("input[data-max-chars], textarea[data-max-chars]")' in script
    assert "setCustomValidity" in script and "dataset.maxCharsMessage" in script
