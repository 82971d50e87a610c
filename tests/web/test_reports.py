"""Report pages: the facilitator's report with its debrief and release, each team's own report, replay."""

from __future__ import annotations

from simulator.reporting.pdf_worker import PdfFailed
from simulator.web import reports
from simulator.web.scheduler import tick_once
from tests.web.conftest import command, console, join


def played(app, services, exercise_id, clock):
    client, fac = console(app, exercise_id)
    red_http, red = join(app, services, exercise_id, "team-1", "Rita")
    blue_http, blue = join(app, services, exercise_id, "team-2", "Bob")
    command(fac, "/facilitator", "start_exercise")
    clock.advance(60)
    tick_once(app)
    clock.advance(20)  # replies 20 s after delivery
    command(
        red,
        "/team",
        "post_reply",
        {"key": "k-report-1", "text": "Red: we are aware and sorry.", "inject_id": "first-post"},
    )
    command(
        blue,
        "/team",
        "post_reply",
        {"key": "k-report-2", "text": "Blue: we know, investigation open.", "inject_id": "first-post"},
    )
    clock.advance(30)
    command(fac, "/facilitator", "end_exercise")
    return client, red_http, blue_http


def test_facilitator_report_debrief_release_and_team_views(app, services, exercise_id, clock):
    client, red_http, _ = played(app, services, exercise_id, clock)
    page = client.get(f"/facilitator/exercises/{exercise_id}/report")
    assert page.status_code == 200 and 'id="ranking"' in page.get_data(as_text=True)

    saved = client.post(
        f"/facilitator/exercises/{exercise_id}/report/debrief",
        data={
            "worked": "Quick first answers",
            "did_not": "No statement",
            "actions": "Template for holding statements",
        },
    )
    assert saved.status_code == 302
    assert "Template for holding statements" in client.get(
        f"/facilitator/exercises/{exercise_id}/report"
    ).get_data(as_text=True)

    assert red_http.get("/team/report").status_code == 403  # not released yet
    client.post(f"/facilitator/exercises/{exercise_id}/report/release", data={"release": "own"})
    own = red_http.get("/team/report").get_data(as_text=True)
    assert "Red: we are aware and sorry." in own and "Blue: we know" not in own
    assert 'data-team="team-2"' not in own
    client.post(f"/facilitator/exercises/{exercise_id}/report/release", data={"release": "ranking"})
    ranked = red_http.get("/team/report").get_data(as_text=True)
    assert 'data-team="team-2"' in ranked and "Blue: we know" not in ranked  # the ranking, not Blue's replies

    bad = client.post(f"/facilitator/exercises/{exercise_id}/report/release", data={"release": "everyone"})
    assert bad.status_code == 302
    assert "release must be none, own or ranking" in client.get(
        f"/facilitator/exercises/{exercise_id}/report"
    ).get_data(as_text=True)

    download = client.get(f"/facilitator/exercises/{exercise_id}/report.csv")
    assert download.status_code == 200 and "Red: we are aware and sorry." in download.get_data(as_text=True)
    assert (
        red_http.get(f"/facilitator/exercises/{exercise_id}/report.csv").status_code == 302
    )  # not a facilitator


def test_the_pdf_report_is_laid_out_and_a_failure_says_why(app, services, exercise_id, clock, monkeypatch):
    client, _, _ = played(app, services, exercise_id, clock)
    pdf = client.get(f"/facilitator/exercises/{exercise_id}/report.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    assert pdf.headers["Content-Disposition"].endswith(f'-{exercise_id}.pdf"')

    def no_fonts(html: str) -> bytes:
        raise PdfFailed("the PDF layout failed (exit status 1): OSError: no fonts found")

    monkeypatch.setattr(reports, "render_in_child", no_fonts)
    failed = client.get(f"/facilitator/exercises/{exercise_id}/report.pdf")
    assert failed.status_code == 500
    assert "OSError: no fonts found" in failed.get_data(as_text=True)
    assert "The HTML report has the same content" in failed.get_data(as_text=True)


def test_replay_shows_what_a_team_saw_at_a_moment(app, services, exercise_id, clock):
    client, _, _ = played(app, services, exercise_id, clock)
    before = client.get(f"/facilitator/exercises/{exercise_id}/replay?team=team-1&at=30").get_data(
        as_text=True
    )
    assert 'data-inject-id="first-post"' not in before
    during = client.get(f"/facilitator/exercises/{exercise_id}/replay?team=team-1&at=65").get_data(
        as_text=True
    )
    assert 'data-inject-id="first-post"' in during and 'data-state="open"' in during
    after = client.get(f"/facilitator/exercises/{exercise_id}/replay?team=team-1&at=90").get_data(
        as_text=True
    )
    assert "Red: we are aware and sorry." in after and "Blue: we know" not in after
    assert 'data-state="answered"' in after
    assert client.get(f"/facilitator/exercises/{exercise_id}/replay?team=team-9").status_code == 404


def test_the_report_of_a_running_exercise_draws_the_mood_up_to_now(app, services, exercise_id, clock):
    client, fac = console(app, exercise_id)
    join(app, services, exercise_id, "team-1", "Rita")
    command(fac, "/facilitator", "start_exercise")
    clock.advance(60)
    tick_once(app)  # first-post delivered: unanswered, it heats both teams' mood
    clock.advance(90)
    now_s = services.store.exercise(exercise_id).state.scenario_time(clock.now())
    data = client.get(f"/facilitator/exercises/{exercise_id}/report.json").get_json()
    assert data["mood"]["until_s"] == now_s > 60
    red = data["mood"]["teams"][0]
    assert red["curve"][-1][0] == now_s and red["end"] > red["start"]
    page = client.get(f"/facilitator/exercises/{exercise_id}/report").get_data(as_text=True)
    assert 'id="mood-section"' in page and "report-chart-mood" in page
    assert 'id="approval-section"' not in page  # no chain of command in this exercise
