"""The sign-in's password check runs through the installed native-thread runner (it would hold the
event loop for ~40 ms under eventlet or gevent), and an unknown name costs the same check."""

from __future__ import annotations

from werkzeug.security import check_password_hash

from simulator.store import accounts
from simulator.web import offload
from tests.web.conftest import PASSWORD


def recording_runner(calls: list):
    def run(fn, *args):
        calls.append(fn)
        return fn(*args)

    return run


def test_the_password_check_goes_through_the_installed_runner(app, exercise_id):
    calls: list = []
    offload.install(app, recording_runner(calls))
    client = app.test_client()

    refused = client.post("/facilitator/login", data={"name": "alice", "password": "not-the-password"})
    assert refused.status_code == 401
    accepted = client.post("/facilitator/login", data={"name": "alice", "password": PASSWORD})
    assert accepted.status_code == 302

    assert calls == [check_password_hash, check_password_hash]


def test_without_a_runner_the_check_runs_in_place(app, exercise_id):
    offload.install(app, None)
    response = app.test_client().post("/facilitator/login", data={"name": "alice", "password": PASSWORD})
    assert response.status_code == 302


def test_an_unknown_name_is_checked_against_a_hash_and_still_refused(services, exercise_id):
    checked: list[str] = []

    def accept_anything(stored_hash: str, password: str) -> bool:
        checked.append(stored_hash)
        return True

    assert not accounts.check_facilitator(services.sessions, "nobody", PASSWORD, verify=accept_anything)
    assert accounts.check_facilitator(services.sessions, "alice", PASSWORD, verify=accept_anything)
    unknown, known = checked
    assert unknown.startswith("scrypt:") and known.startswith("scrypt:") and unknown != known
    assert not accounts.check_facilitator(services.sessions, "nobody", PASSWORD)
