from __future__ import annotations

import pytest

from simulator.web import create_app


@pytest.fixture
def app(services):
    return create_app({"TESTING": True}, services=services)


def test_home_page_lists_the_scenario_library(app):
    response = app.test_client().get("/")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert 'data-scenario="mini-drill"' in page and "Mini drill" in page
    assert "EXERCISE — simulated content" in page
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]


def test_health_check_reports_the_database(app):
    response = app.test_client().get("/healthz")
    assert response.get_json() == {"status": "ok", "scenarios": 2}
