"""Browsers' side of the benchmarks: joining teams over HTTP, the facilitator's Socket.IO client."""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import requests
import socketio

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def cookie_header(http: requests.Session) -> str:
    return "; ".join(f"{c.name}={c.value}" for c in http.cookies)


def form_post(http: requests.Session, url: str, data: dict[str, str]) -> requests.Response:
    """GET a form page, then POST it with its CSRF token, as a browser does."""
    token = CSRF.search(http.get(url, timeout=30).text)
    if not token:
        raise RuntimeError(f"no CSRF token on {url}")
    return http.post(url, data={**data, "csrf_token": token.group(1)}, timeout=30, allow_redirects=False)


def join_screens(url: str, codes: dict[str, str], per_team: int) -> dict[str, list[str]]:
    """Join ``per_team`` participants to every team (as phones do); their cookies, by team slot."""

    def join(slot: str, n: int) -> tuple[str, str]:
        http = requests.Session()
        answer = form_post(http, f"{url}/join/{codes[slot]}", {"display_name": f"Screen {n}"})
        if answer.status_code != 302:
            raise RuntimeError(f"join {slot}: HTTP {answer.status_code}")
        return slot, cookie_header(http)

    jobs = [(slot, n) for slot in codes for n in range(per_team)]
    cookies: dict[str, list[str]] = {slot: [] for slot in codes}
    with ThreadPoolExecutor(8) as pool:
        for slot, cookie in pool.map(lambda job: join(*job), jobs):
            cookies[slot].append(cookie)
    return cookies


class Facilitator:
    """The facilitator's console: signs in, opens the console page, then commands over Socket.IO.

    Without ``exercise_id`` it just connects (the bare server has no sign-in)."""

    def __init__(self, url: str, exercise_id: str | None, name: str = "", password: str = "") -> None:
        headers = {}
        if exercise_id is not None:
            http = requests.Session()
            answer = form_post(http, f"{url}/facilitator/login", {"name": name, "password": password})
            if answer.status_code != 302:
                raise RuntimeError(f"facilitator sign-in failed: HTTP {answer.status_code}")
            http.get(f"{url}/facilitator/exercises/{exercise_id}", timeout=30).raise_for_status()
            headers["Cookie"] = cookie_header(http)
        self.client = socketio.Client(reconnection=False)
        self.client.connect(
            url, namespaces=["/facilitator"], headers=headers, transports=["websocket"], wait_timeout=30
        )

    def call(self, event: str, payload: dict[str, Any], timeout_s: float = 60) -> dict[str, Any]:
        return self.client.call(event, payload, namespace="/facilitator", timeout=timeout_s)

    def close(self) -> None:
        self.client.disconnect()
