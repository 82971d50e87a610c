"""The scores page: the report computed from the log, and overrides recorded as events."""

from __future__ import annotations

from simulator.web.scheduler import tick_once
from tests.web.conftest import command, console, join


def test_scores_page_explains_and_records_overrides(app, services, exercise_id, clock):
    client, fac = console(app, exercise_id)
    _, red = join(app, services, exercise_id, "team-1", "Rita")
    command(fac, "/facilitator", "start_exercise")
    clock.advance(60)
    tick_once(app)
    ack = command(
        red,
        "/team",
        "post_reply",
        {"key": "k-score-01", "text": "We know about the fires.", "inject_id": "first-post"},
    )
    page = client.get(f"/facilitator/exercises/{exercise_id}/scores").get_data(as_text=True)
    assert 'id="ranking"' in page and "said &#39;Acknowledges&#39; (&#39;we know&#39;)" in page

    response = client.post(
        f"/facilitator/exercises/{exercise_id}/overrides",
        data={
            "kind": "adjust",
            "team": "team-1",
            "points": "-4",
            "comment": "ignored the regulator in the room",
        },
    )
    assert response.status_code == 302
    client.post(
        f"/facilitator/exercises/{exercise_id}/overrides",
        data={
            "kind": "key_point",
            "reply_id": ack["reply_id"],
            "key_point": "acknowledge",
            "met": "false",
            "comment": "too vague",
        },
    )
    page = client.get(f"/facilitator/exercises/{exercise_id}/scores").get_data(as_text=True)
    assert "adjusted by alice: ignored the regulator in the room" in page
    assert "marked not met by alice: too vague" in page
    assert "(auto " in page  # the automatic value stays visible beside the adjusted one

    bad = client.post(
        f"/facilitator/exercises/{exercise_id}/overrides",
        data={"kind": "adjust", "team": "team-1", "points": "500", "comment": "x"},
    )
    assert bad.status_code == 302
    assert "from -50 to 50" in client.get(f"/facilitator/exercises/{exercise_id}/scores").get_data(
        as_text=True
    )
