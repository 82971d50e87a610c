"""Security of the web layer: who may open what, CSRF, headers, cookies, the secret key, rate limits and
size limits on every input."""

from __future__ import annotations

import inspect
import os
import re
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from simulator.config import SettingsError
from simulator.store import accounts
from simulator.web import create_app, sockets
from simulator.web.extensions import socketio
from simulator.web.payloads import FIELD_MAX
from simulator.web.ratelimit import LIMITS
from tests.web.conftest import PASSWORD, command, console, join, sign_in

FAC, TEAM, PROJ = "/facilitator", "/team", "/projector"
ROOT = Path(__file__).resolve().parents[2]
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def make_app(services, **config):
    """An app with the rate limits on (whatever RATELIMIT_ENABLED says in the environment)."""
    settings = {"TESTING": True, "WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": True}
    return create_app({**settings, **config}, services=services)


def join_code(services, exercise_id, slot="team-1"):
    return services.store.exercise(exercise_id).state.teams[slot].join_code


def urls(app, exercise_id, code):
    """Every route of the app as (url, methods), its parameters filled in (static files aside)."""
    values = {"exercise_id": exercise_id, "slot": "team-1", "fmt": "json", "code": code}
    values["scenario_id"] = "mini-drill"
    found = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        missing = set(rule.arguments) - set(values)
        assert not missing, f"{rule.rule}: give the test a value for {missing}"
        url = rule.rule
        for name in rule.arguments:
            url = re.sub(rf"<(?:[a-z]+:)?{name}>", values[name], url)
        found.append((url, sorted(rule.methods - {"HEAD", "OPTIONS"})))
    return found


def facilitator_only(url):
    return url.startswith(("/facilitator/", "/projector/")) and url not in (
        "/facilitator/login",
        "/facilitator/logout",
    )


def team_only(url):
    return url == "/team" or url.startswith("/team/")


def participant(app, services, exercise_id, slot="team-1", name="Sam"):
    client = app.test_client()
    response = client.post(f"/join/{join_code(services, exercise_id, slot)}", data={"display_name": name})
    assert response.status_code == 302
    return client


# --- who may open what ----------------------------------------------------------------------------


def test_facilitator_pages_need_a_facilitator_session(app, services, exercise_id):
    routes = [
        (u, m) for u, m in urls(app, exercise_id, join_code(services, exercise_id)) if facilitator_only(u)
    ]
    assert len(routes) >= 12, routes  # the console, scores, reports, join sheet, projector, forms …
    before = services.store.event_count()
    clients = {"anonymous": app.test_client(), "participant": participant(app, services, exercise_id)}
    for who, client in clients.items():
        for url, methods in routes:
            for method in methods:
                response = client.open(url, method=method, data={"release": "ranking", "show": "1"})
                assert response.status_code == 302, (who, method, url, response.status_code)
                assert response.headers["Location"].startswith("/facilitator/login"), (who, method, url)
    assert services.store.event_count() == before + 1  # the participant's join, nothing else


def test_a_facilitator_sees_only_the_exercises_they_belong_to(app, services, exercise_id):
    accounts.add_facilitator(services.sessions, services.clock, "mallory", "mallory-password")
    mallory = sign_in(app, "mallory", "mallory-password")
    for url, methods in urls(app, exercise_id, join_code(services, exercise_id)):
        if facilitator_only(url) and f"/{exercise_id}" in url:
            for method in methods:
                assert mallory.open(url, method=method).status_code == 404, (method, url)


def test_team_pages_need_a_team_session(app, services, exercise_id):
    routes = [(u, m) for u, m in urls(app, exercise_id, join_code(services, exercise_id)) if team_only(u)]
    assert {u for u, _ in routes} >= {"/team", "/team/report", "/team/leave"}
    for who, client in {"anonymous": app.test_client(), "facilitator": sign_in(app)}.items():
        for url, methods in routes:
            for method in methods:
                response = client.open(url, method=method)
                assert response.status_code == 302, (who, method, url, response.status_code)
                assert response.headers["Location"] == "/join", (who, method, url)


def test_sockets_need_the_right_session(app, services, exercise_id):
    member = participant(app, services, exercise_id)
    signed_in = sign_in(app)  # no console opened: the session names no exercise
    facilitator, _ = console(app, exercise_id)
    refused = {
        FAC: [app.test_client(), member, signed_in],
        PROJ: [app.test_client(), member, facilitator],  # the projector page was not opened
        TEAM: [app.test_client(), signed_in, facilitator],
    }
    for namespace, clients in refused.items():
        for client in clients:
            sio = socketio.test_client(app, namespace=namespace, flask_test_client=client)
            assert not sio.is_connected(namespace), namespace


def test_a_team_session_is_bound_to_one_exercise_and_one_team(app, services, exercise_id):
    other = services.store.create_exercise(services.library.get("mini-drill"), ["Gold"], owner="alice")
    other_id = other.state.exercise_id
    client, red = join(app, services, exercise_id, "team-1", "Rita")
    assert command(red, TEAM, "sync")["snapshot"]["team"] == {"slot": "team-1", "name": "Red"}
    with client.session_transaction() as session:
        mine = dict(session["participant"])
    forged = [
        {**mine, "team": "team-2"},  # the other team of the same exercise
        {**mine, "exercise_id": other_id},  # the same slot of another exercise
        {**mine, "exercise_id": "nope"},  # an exercise that does not exist
        {**mine, "team": ["team-1"]},
        {key: value for key, value in mine.items() if key != "participant_id"},
        "team-1",
    ]
    for participant_session in forged:
        with client.session_transaction() as session:
            session["participant"] = participant_session
        assert client.get("/team").headers.get("Location") == "/join", participant_session
        with client.session_transaction() as session:
            session["participant"] = participant_session
        sio = socketio.test_client(app, namespace=TEAM, flask_test_client=client)
        assert not sio.is_connected(TEAM), participant_session


# --- CSRF, headers, cookies -----------------------------------------------------------------------


def test_forms_without_a_csrf_token_are_refused(services, exercise_id):
    strict = create_app({"TESTING": True}, services=services)
    code = join_code(services, exercise_id)
    before = services.store.event_count()
    client = strict.test_client()
    for url, data in [
        ("/facilitator/login", {"name": "alice", "password": PASSWORD}),
        ("/join", {"code": code}),
        (f"/join/{code}", {"display_name": "Sam"}),
        ("/team/leave", {}),
        ("/facilitator/logout", {}),
    ]:
        response = client.post(url, data=data)
        assert response.status_code == 400 and "CSRF" in response.get_data(as_text=True), url
        response = client.post(url, data={**data, "csrf_token": "forged"})
        assert response.status_code == 400, url
    assert services.store.event_count() == before
    # With the page's token it works: the protection is on, not broken.
    token = CSRF.search(client.get(f"/join/{code}").get_data(as_text=True)).group(1)
    assert client.post(f"/join/{code}", data={"display_name": "Sam", "csrf_token": token}).status_code == 302
    # A signed-in facilitator's forms need it too.
    page = client.get("/facilitator/login").get_data(as_text=True)
    client.post(
        "/facilitator/login",
        data={"name": "alice", "password": PASSWORD, "csrf_token": CSRF.search(page).group(1)},
    )
    response = client.post(f"/facilitator/exercises/{exercise_id}/report/release", data={"release": "own"})
    assert response.status_code == 400
    assert services.store.exercise(exercise_id).state.released == "none"


def csp(response):
    directives = {}
    for part in response.headers["Content-Security-Policy"].split(";"):
        name, *values = part.split()
        directives[name] = values
    return directives


def assert_secure_headers(response, url):
    policy = csp(response)
    scripts = policy.get("script-src", policy.get("default-src"))
    assert scripts == ["'self'"], (url, scripts)  # no 'unsafe-inline', 'unsafe-eval', hosts or data:
    assert policy["default-src"] == ["'self'"], url
    assert policy["frame-ancestors"] == ["'none'"] and policy["base-uri"] == ["'none'"], url
    assert policy["form-action"] == ["'self'"] and policy["connect-src"] == ["'self'"], url
    assert "'unsafe-inline'" not in policy.get("style-src", []) or "/report" in url, url
    assert response.headers["X-Content-Type-Options"] == "nosniff", url
    assert response.headers["X-Frame-Options"] == "DENY", url
    assert response.headers["Referrer-Policy"] == "same-origin", url


def test_every_page_carries_the_security_headers(app, services, exercise_id, clock):
    code = join_code(services, exercise_id)
    facilitator, fac = console(app, exercise_id)
    command(fac, FAC, "start_exercise")
    facilitator.get(f"/projector/{exercise_id}")
    member = participant(app, services, exercise_id)
    seen = 0
    for url, methods in urls(app, exercise_id, code):
        if "GET" not in methods:
            continue
        client = facilitator if facilitator_only(url) else member if team_only(url) else app.test_client()
        response = client.get(url)
        assert response.status_code < 500, url
        assert_secure_headers(response, url)
        seen += 1
    assert seen >= 15
    # Error pages too: not found, bad request, too many requests.
    assert_secure_headers(app.test_client().get("/no-such-page"), "404")
    assert_secure_headers(app.test_client().post("/join", data={"code": "x" * 17}), "400")
    limited = make_app(services, RATELIMITS={"join": "1/minute"}).test_client()
    limited.post("/join", data={"code": "ABC"})
    response = limited.post("/join", data={"code": "ABC"})
    assert response.status_code == 429
    assert_secure_headers(response, "429")


def session_cookie(response):
    (cookie,) = [c for c in response.headers.getlist("Set-Cookie") if c.startswith("session=")]
    return {part.strip().split("=")[0].lower(): part.strip() for part in cookie.split(";")}


def test_session_cookie_flags(services, exercise_id):
    for public_url, secure in [
        (None, False),
        ("http://drill.example", False),
        ("https://drill.example", True),
    ]:
        settings = replace(services.settings, public_url=public_url)
        app = make_app(replace(services, settings=settings))
        response = app.test_client().post("/facilitator/login", data={"name": "alice", "password": PASSWORD})
        flags = session_cookie(response)
        assert "httponly" in flags and flags["samesite"] == "SameSite=Lax", public_url
        assert ("secure" in flags) is secure, public_url
        joined = app.test_client().post(
            f"/join/{join_code(services, exercise_id)}", data={"display_name": "Sam"}
        )
        assert ("secure" in session_cookie(joined)) is secure and "httponly" in session_cookie(joined)


# --- the secret key -------------------------------------------------------------------------------


def test_production_without_a_secret_key_refuses_to_start(services):
    production = replace(services.settings, production=True, secret_key=None)
    with pytest.raises(SettingsError, match="SECRET_KEY must be set when CRISISDRILL_ENV=production"):
        create_app(services=replace(services, settings=production))
    app = create_app(services=replace(services, settings=replace(production, secret_key="k" * 64)))
    assert app.secret_key == "k" * 64
    assert not (services.settings.instance_dir / "secret_key").exists()


def test_crisisdrill_run_in_production_without_a_secret_key_exits_2(tmp_path):
    env = {
        k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "DATABASE_URL", "MESSAGE_QUEUE_URL")
    }
    env.update(CRISISDRILL_ENV="production", CRISISDRILL_INSTANCE=str(tmp_path), ASYNC_MODE="threading")
    result = subprocess.run(
        [sys.executable, "-m", "simulator.cli", "run", "--port", "1"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 2, result.stderr
    assert "SECRET_KEY must be set when CRISISDRILL_ENV=production" in result.stderr
    assert "Traceback" not in result.stderr


def test_development_keeps_one_generated_secret_key_in_the_instance_folder(services):
    path = services.settings.instance_dir / "secret_key"
    assert not path.exists()
    first = create_app(services=services)
    assert path.read_text().strip() == first.secret_key and len(first.secret_key) >= 64
    assert path.stat().st_mode & 0o777 == 0o600
    assert create_app(services=services).secret_key == first.secret_key  # sessions survive a restart
    chosen = create_app(services=replace(services, settings=replace(services.settings, secret_key="s" * 40)))
    assert chosen.secret_key == "s" * 40


# --- rate limits ----------------------------------------------------------------------------------


def test_the_limits_are_on_by_default_and_documented():
    app_limits = {name for name, _ in LIMITS.items()}
    assert app_limits == {"join", "join_unknown_code", "sign_in", "sign_in_ip", "reply", "reply_team"}
    protocol = (ROOT / "docs" / "protocol.md").read_text()
    for name, (limit, _) in LIMITS.items():
        assert f"`{name}`" in protocol and limit.split("/")[0] in protocol, name


def test_failed_sign_ins_are_limited_per_account_and_network(services, exercise_id):
    app = make_app(services)  # the default limits: 5 a minute per name and network, 20 per network
    client = app.test_client()
    for _ in range(5):
        assert (
            client.post("/facilitator/login", data={"name": "alice", "password": "guess"}).status_code == 401
        )
    response = client.post("/facilitator/login", data={"name": "alice", "password": PASSWORD})
    assert response.status_code == 429  # even the right password, while limited
    page = response.get_data(as_text=True)
    assert "Too many failed sign-ins to this account from your network" in page
    retry = int(response.headers["Retry-After"])
    assert 0 < retry <= 60 and f"Try again in {retry} second" in page
    # Another network, or another name from this one, is not held up by it.
    elsewhere = app.test_client()
    response = elsewhere.post(
        "/facilitator/login",
        data={"name": "alice", "password": PASSWORD},
        environ_base={"REMOTE_ADDR": "10.1.2.3"},
    )
    assert response.status_code == 302
    assert client.post("/facilitator/login", data={"name": "bob", "password": "x"}).status_code == 401
    # Spraying many names from one network stops at 20 failures.
    for n in range(14):
        client.post("/facilitator/login", data={"name": f"user{n}", "password": "x"})
    response = client.post("/facilitator/login", data={"name": "zed", "password": "x"})
    assert response.status_code == 429 and "failed sign-ins from your network" in response.get_data(
        as_text=True
    )


def test_successful_sign_ins_do_not_count(services, exercise_id):
    client = make_app(services).test_client()
    for _ in range(8):
        assert (
            client.post("/facilitator/login", data={"name": "alice", "password": PASSWORD}).status_code == 302
        )


def test_guessing_join_codes_is_limited_and_the_limit_reveals_no_code(services, exercise_id):
    app = make_app(services, RATELIMITS={"join_unknown_code": "3/minute"})
    code = join_code(services, exercise_id)
    client = app.test_client()
    for guess in ("AAAAAA", "BBBBBB", "CCCCCC"):
        assert client.get(f"/join/{guess}").status_code == 404
    for url in ("/join/DDDDDD", f"/join/{code}"):  # a right code gets the same answer while limited
        response = client.get(url)
        assert response.status_code == 429, url
        assert "Too many unknown join codes tried from your network" in response.get_data(as_text=True)
    before = services.store.event_count()
    assert client.post(f"/join/{code}", data={"display_name": "Sam"}).status_code == 429
    assert services.store.event_count() == before
    other = app.test_client()
    assert other.get(f"/join/{code}", environ_base={"REMOTE_ADDR": "10.9.9.9"}).status_code == 200


def test_joining_is_limited_per_network(services, exercise_id):
    app = make_app(services, RATELIMITS={"join": "3/minute"})
    code = join_code(services, exercise_id)
    client = app.test_client()
    assert client.post("/join", data={"code": code}).status_code == 302
    for name in ("Ann", "Bea"):
        assert client.post(f"/join/{code}", data={"display_name": name}).status_code == 302
    before = services.store.event_count()
    response = client.post(f"/join/{code}", data={"display_name": "Cat"})
    assert response.status_code == 429 and "Retry-After" in response.headers
    assert "attempts to join a team from your network" in response.get_data(as_text=True)
    assert client.post("/join", data={"code": code}).status_code == 429
    assert services.store.event_count() == before
    assert client.get(f"/join/{code}").status_code == 200  # reading the page is not a join attempt


def test_the_default_join_limit_lets_a_room_behind_one_address_join(services, exercise_id):
    client = make_app(services).test_client()
    for n in range(60):  # 60 people type the code, then their name, within a minute
        slot = "team-1" if n % 2 else "team-2"
        code = join_code(services, exercise_id, slot)
        assert client.post("/join", data={"code": code}).status_code == 302
        assert client.post(f"/join/{code}", data={"display_name": f"P{n}"}).status_code == 302
    assert len(services.store.exercise(exercise_id).state.participants) == 60


def test_replies_are_limited_per_participant_and_team_and_nothing_is_lost(services, exercise_id, clock):
    app = make_app(services, RATELIMITS={"reply": "2/minute", "reply_team": "3/minute"})
    _, fac = console(app, exercise_id)
    _, rita = join(app, services, exercise_id, "team-1", "Rita")
    _, sam = join(app, services, exercise_id, "team-1", "Sam")
    _, bob = join(app, services, exercise_id, "team-2", "Bob")
    assert command(fac, FAC, "start_exercise")["ok"]

    def reply(sio, key):
        return command(sio, TEAM, "post_reply", {"key": key, "text": "We know.", "channel": "microblog"})

    assert reply(rita, "rita-0001")["ok"] and reply(rita, "rita-0002")["ok"]
    before = services.store.event_count()
    ack = reply(rita, "rita-0003")
    assert ack["ok"] is False and ack["retryable"] is True
    assert 0 < ack["retry_after"] <= 60 and isinstance(ack["retry_after"], int)
    assert "Too many replies from you" in ack["error"] and "kept" in ack["error"]
    assert reply(sam, "sam-00001")["ok"]  # a teammate still gets through …
    ack = reply(sam, "sam-00002")  # … until the team's limit
    assert ack["ok"] is False and ack["retryable"] and "replies from your team" in ack["error"]
    assert reply(bob, "bob-00001")["ok"]  # another team is not affected
    assert services.store.event_count() == before + 2
    # The refused reply is stored when it is sent again once the window has passed (as the outbox does).
    relaxed = make_app(services)
    _, rita_again = join(relaxed, services, exercise_id, "team-1", "Rita")
    assert reply(rita_again, "rita-0003")["ok"]


def test_limits_can_be_switched_off(services, exercise_id):
    client = make_app(services, RATELIMIT_ENABLED=False).test_client()
    for _ in range(10):
        assert client.post("/facilitator/login", data={"name": "alice", "password": "x"}).status_code == 401
    switched_off_by_text = make_app(services, RATELIMIT_ENABLED="off").test_client()
    for _ in range(10):
        switched_off_by_text.post("/facilitator/login", data={"name": "alice", "password": "x"})
    assert (
        switched_off_by_text.post("/facilitator/login", data={"name": "alice", "password": "x"}).status_code
        == 401
    )
    with pytest.raises(ValueError, match="unknown limit"):
        make_app(services, RATELIMITS={"replies": "1/minute"})


# --- size limits ----------------------------------------------------------------------------------


def test_every_form_field_has_a_maximum_length_named_in_the_error(app, services, exercise_id):
    code = join_code(services, exercise_id)
    anonymous, owner = app.test_client(), sign_in(app)
    exercise = f"/facilitator/exercises/{exercise_id}"
    new_exercise = {"scenario_id": "mini-drill", "teams": "A, B", "title": "T", "speed": "1"}
    override = {"kind": "adjust", "team": "team-1", "points": "5", "comment": "why", "met": "true"}
    cases = [
        (
            anonymous,
            "/facilitator/login",
            {"name": "alice", "password": PASSWORD},
            {"name": 80, "password": 200},
        ),
        (anonymous, "/join", {"code": code}, {"code": 16}),
        (anonymous, f"/join/{code}", {"display_name": "Sam"}, {"display_name": 200}),
        (
            owner,
            "/facilitator/exercises",
            new_exercise,
            {"scenario_id": 64, "teams": 2000, "title": 200, "speed": 16},
        ),
        (owner, f"{exercise}/members", {"name": "bob", "role": "observer"}, {"name": 80, "role": 20}),
        (
            owner,
            f"{exercise}/overrides",
            {**override, "reply_id": "r", "key_point": "k"},
            {"kind": 20, "met": 5, "points": 16, "comment": 500, "team": 16, "reply_id": 32, "key_point": 64},
        ),
        (
            owner,
            f"{exercise}/report/debrief",
            {"worked": "a", "did_not": "b", "actions": "c"},
            {"worked": FIELD_MAX, "did_not": FIELD_MAX, "actions": FIELD_MAX},
        ),
        (owner, f"{exercise}/report/release", {"release": "own"}, {"release": FIELD_MAX}),
        (owner, "/facilitator/logout", {}, {"anything": FIELD_MAX}),
    ]
    before = services.store.event_count()
    for client, url, valid, limits in cases:
        for field, max_len in limits.items():
            response = client.post(url, data={**valid, field: "x" * (max_len + 1)})
            page = response.get_data(as_text=True)
            assert response.status_code == 400, (url, field, response.status_code)
            assert f"{field}: at most {max_len:,} characters" in page, (url, field, page[-300:])
    response = owner.get(f"{exercise}/replay", query_string={"team": "x" * (FIELD_MAX + 1)})
    assert response.status_code == 400 and "team: at most" in response.get_data(as_text=True)
    assert services.store.event_count() == before


def test_nul_characters_are_refused_not_stored(app, services, exercise_id):
    code = join_code(services, exercise_id)
    client = app.test_client()
    before = services.store.event_count()
    response = client.post(f"/join/{code}", data={"display_name": "Sa\x00m"})
    assert response.status_code == 400 and "display_name: must not contain NUL" in response.get_data(
        as_text=True
    )
    assert client.get("/join/AB%00CD").status_code == 404
    assert client.post("/facilitator/login", data={"name": "al\x00ice", "password": "x"}).status_code == 400
    assert sign_in(app).get(f"/facilitator/exercises/{exercise_id}%00").status_code == 404
    assert services.store.event_count() == before


# Valid payloads of every acknowledged event: each socket payload field is then made too long, one at a
# time. A new event must be added here (the test fails until it is), with a limit for each of its fields.
VALID = {
    (FAC, "sync"): {"after_seq": 0},
    (FAC, "start_exercise"): {"speed": 1},
    (FAC, "pause_exercise"): {},
    (FAC, "resume_exercise"): {},
    (FAC, "end_exercise"): {},
    (FAC, "set_speed"): {"speed": 2},
    (FAC, "fire_inject"): {"inject_id": "troll-post", "teams": ["team-1"]},
    (FAC, "skip_inject"): {"inject_id": "late-article"},
    (FAC, "hold_inject"): {"inject_id": "late-article"},
    (FAC, "release_inject"): {"inject_id": "late-article"},
    (FAC, "post_adhoc"): {
        "channel": "microblog",
        "text": "Any news?",
        "subject": "News",
        "persona_id": "jdoe",
        "new_persona": {"name": "Ann", "handle": "@ann", "kind": "public", "followers": 3, "verified": False},
        "teams": ["team-1"],
        "expects_reply": True,
        "reply_within_s": 60,
        "severity": 2,
        "in_reply_to": "r1",
    },
    (FAC, "send_message"): {"text": "Hello", "teams": ["team-1"]},
    (FAC, "add_note"): {"text": "Good", "team": "team-1", "reply_id": "r1"},
    (FAC, "show_replies_on_projector"): {"show": True},
    (FAC, "change_reaction"): {"reaction_id": "reaction-1", "change": "edit", "text": "Thanks!"},
    (FAC, "set_role"): {"participant_id": "p1", "role": "lead"},
    (FAC, "set_options"): {"mood_visible": True, "reactions": False},
    (TEAM, "sync"): {"after_seq": 0},
    (TEAM, "review_draft"): {"draft_id": "d1", "decision": "edit", "comment": "ok", "text": "Better."},
    (TEAM, "post_reply"): {
        "key": "key-00000001",
        "text": "We know.",
        "kind": "public",
        "inject_id": "first-post",
        "channel": "microblog",
    },
    (PROJ, "sync"): {"after_seq": 0},
}
NAMESPACES = {
    FAC: sockets.FacilitatorNamespace,
    TEAM: sockets.TeamNamespace,
    PROJ: sockets.ProjectorNamespace,
}
TEXT_FIELD = re.compile(r'p\.text\((\w+), "(\w+)", ([\d_]+)')
FIELD_USE = re.compile(r'p\.(\w+)\((\w+), "(\w+)"')


def handlers():
    for namespace, cls in NAMESPACES.items():
        for name, method in inspect.getmembers(cls, inspect.isfunction):
            if name.startswith("on_") and name not in ("on_connect", "on_disconnect"):
                yield namespace, name[3:], inspect.getsource(method)


def test_socket_handlers_read_payloads_only_through_the_checking_helpers():
    for namespace, event, source in handlers():
        assert (namespace, event) in VALID, f"add a valid {event} payload to VALID"
        body = source.split(":\n", 1)[1]
        assert not re.search(r"\bdata\s*(\[|\.get\()", body), f"{namespace} {event} reads data directly"
        for helper, _, field in FIELD_USE.findall(body):
            assert helper in {"text", "number", "flag", "slots", "obj"}, (event, helper, field)
            assert field in str(VALID[namespace, event]), f"{event}: add {field} to VALID"


def test_every_socket_text_field_has_a_maximum_length_named_in_the_error(app, services, exercise_id, clock):
    _, fac = console(app, exercise_id)
    _, red = join(app, services, exercise_id, "team-1", "Rita")
    client, _ = console(app, exercise_id)
    client.get(f"/projector/{exercise_id}")
    projector = socketio.test_client(app, namespace=PROJ, flask_test_client=client)
    clients = {FAC: fac, TEAM: red, PROJ: projector}
    before = services.store.event_count()
    checked = 0
    for namespace, event, source in handlers():
        for holder, field, max_len in TEXT_FIELD.findall(source):
            payload = dict(VALID[namespace, event])
            long_value = "x" * (int(max_len) + 1)
            if holder == "data":
                payload[field] = long_value
            else:
                payload[holder] = {**payload[holder], field: long_value}
            ack = command(clients[namespace], namespace, event, payload)
            assert ack["ok"] is False, (event, field)
            assert f"{field}: at most {int(max_len)} characters" in ack["error"], (event, field, ack)
            checked += 1
    assert checked >= 20
    for namespace, event, payload in [
        (FAC, "fire_inject", {"inject_id": "troll-post", "teams": ["x" * 17]}),
        (FAC, "send_message", {"text": "hi", "teams": ["team-1"] * 51}),
        (FAC, "sync", {"after_seq": 10**13}),
        (FAC, "set_speed", {"speed": 10**99}),
        (TEAM, "post_reply", {"key": "key-0000001", "text": "a\x00b", "channel": "microblog"}),
        (TEAM, "post_reply", {"key": "key-0000001", "text": "\ud800", "channel": "microblog"}),
    ]:
        ack = command(clients[namespace], namespace, event, payload)
        assert ack["ok"] is False and ack["error"].startswith("malformed payload"), (event, ack)
    assert services.store.event_count() == before
