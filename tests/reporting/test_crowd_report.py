"""The report's public mood, chain of command and automatic reactions (tests/data/crowd.yaml), played in
virtual time: the model, the mood chart, the HTML (facilitator's and one team's), CSV, JSON and PDF."""

from __future__ import annotations

import csv
import io
import json
import xml.etree.ElementTree as ET

import pytest
from babel.support import NullTranslations

from simulator.reporting import exports, language
from simulator.reporting.charts import all_charts, mood_svg
from simulator.reporting.exports import export, render_html, visible_model
from simulator.reporting.model import EXERCISE_MARK, report_model, translated
from tests.factories import gen_exercise, gen_scenario, play

SVG = "{http://www.w3.org/2000/svg}"
RED_DRAFT = "No comment."
RED_PUBLISHED = "We know, we are checking every battery."
RED_REJECTED = "Batteries? What batteries?"
BLUE_REPLY = "No comment at this stage."


def at(exercise, clock, seconds):
    """Advance the clock to scenario second ``seconds`` and release what is due."""
    clock.advance(seconds - exercise.state.scenario_time(clock.now()))
    return play(exercise, exercise.tick(clock.now()))


def submit(exercise, clock, who, key, text, inject_id="first-post"):
    return play(
        exercise,
        exercise.submit(clock.now(), participant_id=who, key=key, text=text, inject_id=inject_id),
    )


def review(exercise, clock, draft, decision, **kwargs):
    return play(
        exercise,
        exercise.review_draft(
            clock.now(), reviewer_id="lead", draft_id=draft.data["draft_id"], decision=decision, **kwargs
        ),
    )


def crowd_drill(chain=True, end=True):
    """Red (team-1) drafts under a chain of command: a rejected draft, then a 'no comment' the lead edits
    after 40 s; Blue's lead answers 'no comment' (red flag: the regulator's reaction is suppressed)."""
    options = {"chain_of_command": True} if chain else None
    exercise, clock = gen_exercise(gen_scenario("crowd"), options=options)
    now = clock.now()
    play(exercise, exercise.join(now, "cm", "team-1", "Cam", "community_manager"))
    play(exercise, exercise.join(now, "lead", "team-1", "Lee", "lead"))
    play(exercise, exercise.join(now, "blue-lead", "team-2", "Bo", "lead"))
    play(exercise, exercise.start(now))
    at(exercise, clock, 60)  # first-post delivered to both teams
    at(exercise, clock, 80)
    if chain:
        [rejected] = submit(exercise, clock, "cm", "red-key-0001", RED_REJECTED)
        at(exercise, clock, 90)
        review(exercise, clock, rejected, "reject", comment="Never deny.")
        [draft] = submit(exercise, clock, "cm", "red-key-0002", RED_DRAFT)
        at(exercise, clock, 130)
        review(exercise, clock, draft, "edit", text=RED_PUBLISHED, comment="Say what we know.")
    else:
        at(exercise, clock, 130)
        submit(exercise, clock, "cm", "red-key-0002", RED_PUBLISHED)
    submit(exercise, clock, "blue-lead", "blue-key-001", BLUE_REPLY)
    blue_reaction = next(r for r in exercise.state.reactions.values() if r.team == "team-2")
    play(exercise, exercise.change_reaction(clock.now(), blue_reaction.reaction_id, "suppress"))
    at(exercise, clock, 300)  # Red's thanks (due 4m10s) released
    if end:
        play(exercise, exercise.end(clock.now()))
    return exercise, clock


@pytest.fixture(scope="module")
def drill():
    exercise, _ = crowd_drill()
    return exercise.state, report_model(exercise.state)


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)


# --- public mood --------------------------------------------------------------------------------------------


def test_the_mood_chart_draws_one_line_per_team_on_calm_to_outrage_bands(drill):
    _, model = drill
    charts = all_charts(model)
    root = parse(charts["mood"])
    assert charts["mood"] == mood_svg(model)
    assert root.get("role") == "img" and root.get("width") == "100%"
    title, desc = list(root)[:2]
    assert title.text == "Public mood over time" and "2 teams" in desc.text and "Red: from 20" in desc.text
    lines = root.findall(f".//{SVG}polyline")
    assert len(lines) == len(model["mood"]["teams"]) == 2
    assert len({line.get("stroke") for line in lines}) == 2  # one colour each …
    assert len({line.get("stroke-dasharray") for line in lines}) == 2  # … and one dash pattern each
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert {"calm", "tense", "heated", "outrage", "Red", "Blue"} <= set(texts)
    assert "scenario time (minutes)" in texts and {"0", "5", "10"} <= set(texts)
    # every point of a curve is on the chart: a line keeps all the samples of its curve
    red = model["mood"]["teams"][0]
    assert len(lines[0].get("points").split()) == len(red["curve"])


def test_the_mood_table_says_start_peak_end_average_and_the_main_changes_in_plain_words(drill):
    _, model = drill
    red, blue = model["mood"]["teams"]
    assert red["peak"] == max(v for _, v in red["curve"])
    assert next(at for at, v in red["curve"] if v == red["peak"]) == red["peak_s"]
    texts = [c["text"] for c in blue["main_changes"]]
    assert "red flag 'Refuses to comment' in the reply to first-post" in texts
    assert "post first-post from Jane Doe went unanswered for 1m10s" in texts
    flag = next(c for c in blue["main_changes"] if c["cause"] == "red_flag")
    assert flag["delta"] == 28.0 and not flag["estimated"]  # 10 × severity 3, minus the first reply's 2
    red_texts = [c["text"] for c in red["main_changes"]]
    assert "reply to first-post covering 1 key point" in red_texts
    assert "reaction: Jane Doe: “Thanks Red, that is clear.”" in red_texts
    assert [c["at_s"] for c in red["main_changes"]] == sorted(c["at_s"] for c in red["main_changes"])

    html = render_html(model)
    assert 'id="mood-section"' in html and 'id="mood-summary"' in html and "report-chart-mood" in html
    assert "red flag &#39;Refuses to comment&#39; in the reply to first-post" in html
    assert '<a href="#mood-section">' in html


def test_no_mood_section_when_no_team_s_mood_moved():
    exercise, clock = gen_exercise(gen_scenario("crowd"))
    play(exercise, exercise.start(clock.now()))
    at(exercise, clock, 30)  # before any post
    model = report_model(exercise.state, now=clock.now())
    assert all(not team["changes"] for team in model["mood"]["teams"])
    assert "mood" not in all_charts(model)
    html = render_html(model)
    assert 'id="mood-section"' not in html and 'href="#mood-section"' not in html


def test_a_running_exercise_s_mood_stops_at_now():
    exercise, clock = crowd_drill(end=False)
    clock.advance(30)
    now_s = exercise.state.scenario_time(clock.now())
    model = report_model(exercise.state, now=clock.now())
    assert model["mood"]["until_s"] == now_s and model["mood"]["teams"][0]["curve"][-1][0] == now_s
    assert report_model(exercise.state)["mood"]["until_s"] == exercise.state.anchor_s


# --- chain of command --------------------------------------------------------------------------------------


def test_the_approval_figures_match_the_drafts(drill):
    _, model = drill
    approval = model["approval"]
    red, blue = approval["teams"]
    assert approval["enabled"] is True
    assert (red["drafts"], red["approved"], red["edited"], red["rejected"], red["pending"]) == (2, 0, 1, 1, 0)
    assert (red["wait_total_s"], red["wait_median_s"], red["wait_max_s"]) == (40.0, 40.0, 40.0)
    assert red["approvers"] == {"Lee": 1} and blue["drafts"] == 0  # Blue's lead published directly
    edited = next(d for d in approval["drafts"] if d["status"] == "edited")
    assert (edited["text"], edited["published_text"], edited["persona"]) == (
        RED_DRAFT,
        RED_PUBLISHED,
        "Jane Doe",
    )
    # the per-inject table: the published reply carries its draft, its approver and its wait
    cell = next(i for i in model["injects"] if i["inject_id"] == "first-post")["teams"]["team-1"]
    [reply] = cell["replies"]
    assert (reply["approved_by"], reply["drafted_s"], reply["approval_wait_s"]) == ("Lee", 90.0, 40.0)
    assert reply["response_s"] == 70.0  # publication at 2m10s, delivery at 1m: the speed counts publication

    html = render_html(model)
    assert 'id="approval-section"' in html and 'id="drafts"' in html
    assert "The speed score counts the time of publication" in html
    assert "drafted at T+1:30, approved by Lee after 0:40" in html
    assert RED_REJECTED in html and "Never deny." in html and RED_PUBLISHED in html
    summary = html.split('id="approval-summary"')[1].split("</table>")[0]
    assert '<td class="num wait-total" data-label="Time lost in approval"><strong>0:40</strong>' in summary
    assert 'Lee <span class="muted">×1</span>' in summary


def test_an_exercise_without_chain_of_command_has_no_approval_section():
    exercise, _ = crowd_drill(chain=False)
    model = report_model(exercise.state)
    assert model["approval"]["enabled"] is False and model["approval"]["drafts"] == []
    html = render_html(model)
    assert 'id="approval-section"' not in html and "reply-approval" not in html.split("</style>")[1]
    rows = list(csv.DictReader(io.StringIO(export(model, "csv").decode())))
    assert not [r for r in rows if r["kind"] == "draft"]


# --- reactions ------------------------------------------------------------------------------------------------


def test_reactions_say_why_and_what_became_of_them(drill):
    _, model = drill
    by_team = {r["team"]: r for r in model["reactions"]}
    red, blue = by_team["team-1"], by_team["team-2"]
    assert (red["status"], red["persona_name"], red["shown_text"]) == (
        "released",
        "Jane Doe",
        "Thanks Red, that is clear.",
    )
    assert red["why_text"] == "the reply covered 1 of 1 key points" and red["reply_s"] == 130.0
    assert (
        blue["status"] == "suppressed"
        and blue["why_text"] == "the reply raised the red flag 'Refuses to comment'"
    )
    html = render_html(model)
    section = html.split('id="reactions-section"')[1].split("</section>")[0]
    assert "suppressed by the facilitator" in section and "not applied" in section
    assert "Thanks Red, that is clear." in section and "{team.name}" not in section


def test_a_planned_reaction_of_an_ended_exercise_was_never_released():
    exercise, clock = gen_exercise(gen_scenario("crowd"))
    play(exercise, exercise.start(clock.now()))
    at(exercise, clock, 60)
    play(exercise, exercise.post_reply(clock.now(), team="team-1", key="late-key-01", text="We know.",
                                       inject_id="first-post"))  # fmt: skip
    play(exercise, exercise.end(clock.now()))  # the thanks were due 2 minutes later
    model = report_model(exercise.state)
    assert [r["status"] for r in model["reactions"]] == ["planned"]
    assert "never released" in render_html(model).split('id="reactions-section"')[1]


# --- one team's report ----------------------------------------------------------------------------------------


def test_a_team_report_holds_nothing_of_another_team(drill):
    _, model = drill
    own = render_html(model, audience="team", team_slot="team-2", show_ranking=True)
    mine = visible_model(model, "team", "team-2")
    assert [t["team"] for t in mine["mood"]["teams"]] == ["team-2"]
    assert [t["team"] for t in mine["approval"]["teams"]] == ["team-2"] and mine["approval"]["drafts"] == []
    assert mine["reactions"] == []  # its only reaction was suppressed: the team never saw it
    body = own.split("</style>")[1]
    for secret in (RED_PUBLISHED, RED_REJECTED, "Never deny.", "Say what we know.", ">Lee", ">Cam",
                   "Thanks Red", 'id="mood-team-1"'):  # fmt: skip
        assert secret not in body, secret
    assert body.count('data-team="team-1"') == 1  # only its row in the released ranking
    chart = own.split('class="report-chart report-chart-mood"')[1].split("</svg>")[0]
    assert chart.count("<polyline") == 1 and "Red" not in chart and "Blue" in chart
    # the chain of command is on for the exercise: Blue sees its (empty) own part, nothing of Red's
    assert 'id="approval-section"' in own and "No draft was submitted." in own

    red = render_html(model, audience="team", team_slot="team-1", show_ranking=False).split("</style>")[1]
    for secret in (BLUE_REPLY, "Safety Office", "is not acceptable", 'data-team="team-2"', "Blue", ">Bo"):
        assert secret not in red, secret
    assert RED_PUBLISHED in red and "Never deny." in red


# --- exports --------------------------------------------------------------------------------------------------


def test_csv_and_json_carry_the_sections(drill):
    _, model = drill
    data = json.loads(export(model, "json"))
    assert data["approval"] == json.loads(json.dumps(model["approval"]))
    assert data["mood"]["teams"][1]["curve"] == model["mood"]["teams"][1]["curve"]
    assert [r["status"] for r in data["reactions"]] == [r["status"] for r in model["reactions"]]
    assert set(data["exercise"]["options"]) >= {"chain_of_command", "mood_visible", "reactions"}

    rows = list(csv.DictReader(io.StringIO(export(model, "csv").decode())))
    assert all(row["mark"] == EXERCISE_MARK for row in rows)
    drafts = [r for r in rows if r["kind"] == "draft"]
    assert [(d["status"], d["role"], d["reviewer"], d["wait_s"]) for d in drafts] == [
        ("rejected", "community_manager", "Lee", "10.0"),
        ("edited", "community_manager", "Lee", "40.0"),
    ]
    assert drafts[1]["published_text"] == RED_PUBLISHED and drafts[1]["published_at"] == "00:02:10"
    assert drafts[0]["published_s"] == "" and drafts[0]["comment"] == "Never deny."
    reply = next(r for r in rows if r["kind"] == "public" and r["team"] == "team-1")
    assert (reply["reviewer"], reply["drafted_s"], reply["wait_s"]) == ("Lee", "90.0", "40.0")
    reactions = {r["team"]: r for r in rows if r["kind"] == "reaction"}
    assert reactions["team-2"]["status"] == "suppressed" and reactions["team-2"]["persona"] == "Safety Office"
    assert (
        reactions["team-1"]["text"] == "Thanks Red, that is clear."
        and reactions["team-1"]["mood_delta"] == "-5.0"
    )
    moods = {r["team"]: r for r in rows if r["kind"] == "mood"}
    blue = model["mood"]["teams"][1]
    assert (
        float(moods["team-2"]["mood_peak"]) == blue["peak"]
        and float(moods["team-2"]["mood_end"]) == blue["end"]
    )
    kinds = [r["kind"] for r in rows]
    assert kinds.index("draft") > kinds.index("public") and kinds[-1] == "mood"  # sections after the replies


def test_the_pdf_renders_the_new_sections(drill):
    pypdf = pytest.importorskip("pypdf")
    _, model = drill
    pdf = export(model, "pdf")
    assert pdf.startswith(b"%PDF")
    text = " ".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf)).pages)
    for heading in ("Public mood", "Chain of command", "Automatic reactions", "outrage"):
        assert heading in text, heading


# --- languages ------------------------------------------------------------------------------------------------


class Marked:
    """A stand-in catalog that brackets every message it translates, to see which words go through it."""

    def gettext(self, message):
        return f"⟦{message}⟧"

    def ngettext(self, singular, plural, n):
        return f"⟦{singular if n == 1 else plural}⟧"

    def pgettext(self, context, message):
        return f"⟦{message}⟧"

    def npgettext(self, context, singular, plural, n):
        return f"⟦{singular if n == 1 else plural}⟧"


@pytest.fixture
def marked_french(monkeypatch):
    monkeypatch.setattr(
        language, "translations", lambda code: Marked() if code == "fr" else NullTranslations()
    )
    monkeypatch.setattr(
        exports, "translations", lambda code: Marked() if code == "fr" else NullTranslations()
    )
    exports._environment.cache_clear()
    yield
    exports._environment.cache_clear()


def test_every_new_word_goes_through_the_catalog(drill, marked_french):
    _, model = drill
    html = render_html(model, language="fr")
    assert '<html lang="fr">' in html
    for label in (
        "Public mood", "Start", "Peak", "End", "Average", "Main changes", "Mood after", "Cause",
        "Chain of command", "Time lost in approval", "Median wait", "Longest wait", "Approved by", "Every draft",
        "Lead’s comment", "Published as", "Automatic reactions", "Persona", "Why", "Mood effect",
        "suppressed by the facilitator", "released", "edited", "rejected", "community manager",
        "Public mood over time", "calm", "outrage", "scenario time (minutes)",
        "reply to first-post covering 1 key point", "the reply raised the red flag 'Refuses to comment'",
        "drafted at T+1:30, approved by Lee after 0:40",
    ):  # fmt: skip
        assert f"⟦{label}⟧" in html.replace("&#39;", "'"), label
    french = translated(model, "fr")
    assert french["reactions"][0]["why_text"].startswith("⟦") and model["reactions"][0]["why_text"][0] != "⟦"
    assert all(c["text"].startswith("⟦") for t in french["mood"]["teams"] for c in t["main_changes"])
    assert translated(french, "en")["mood"]["teams"][0]["main_changes"][0]["text"][0] != "⟦"


def test_a_french_report_has_the_new_sections():
    exercise, _ = crowd_drill()
    model = report_model(exercise.state, "fr")
    assert model["language"] == "fr"
    html = render_html(model, language="fr")
    assert '<html lang="fr">' in html
    for section in (
        'id="mood-section"',
        'id="approval-section"',
        'id="reactions-section"',
        "report-chart-mood",
    ):
        assert section in html
    gettext = language.gettext_of("fr")
    for label in ("Public mood", "Chain of command", "Automatic reactions", "Time lost in approval"):
        assert gettext(label) in html  # French once the catalog has it
