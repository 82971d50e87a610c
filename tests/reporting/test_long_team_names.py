"""Team names at their 40-character limit, as one unbroken word or a run of emoji, never push the report
past the page: every place that shows a team name can break it anywhere, the wide tables scroll inside
their section on a screen, and the PDF still lays out. (tests/e2e/test_long_names.py measures the
layout in Chromium.)"""

from __future__ import annotations

import io
import re
from html.parser import HTMLParser
from typing import Any, ClassVar

import pytest
from pypdf import PdfReader

from simulator.engine.exercise import TEAM_NAME_MAX
from simulator.reporting.exports import export, render_html, report_css
from simulator.reporting.model import report_model
from tests.factories import gen_exercise, gen_scenario, play

UNBROKEN = "A" * TEAM_NAME_MAX
FAMILY = "\U0001f469\u200d\U0001f469\u200d\U0001f467"  # one emoji of three, joined: 5 code points
EMOJI = FAMILY * (TEAM_NAME_MAX // len(FAMILY))  # 40 code points, 64 UTF-16 units, no space
PERSON = "L" * 40  # a participant's display name at its limit (the approvers, the drafts)
assert len(UNBROKEN) == len(EMOJI) == TEAM_NAME_MAX


def long_names_drill() -> dict[str, Any]:
    """The report model of an ended crowd drill (chain of command, public mood, reactions) whose teams
    are ``UNBROKEN`` (team-1) and ``EMOJI`` (team-2): every section that names a team is there."""
    exercise, clock = gen_exercise(
        gen_scenario("crowd"), teams=(UNBROKEN, EMOJI), options={"chain_of_command": True}
    )

    def at(seconds: float) -> None:
        clock.advance(seconds - exercise.state.scenario_time(clock.now()))
        play(exercise, exercise.tick(clock.now()))

    now = clock.now()
    play(exercise, exercise.join(now, "cm", "team-1", "C" * 40, "community_manager"))
    play(exercise, exercise.join(now, "lead", "team-1", PERSON, "lead"))
    play(exercise, exercise.join(now, "blue", "team-2", EMOJI, "lead"))
    play(exercise, exercise.start(now))
    at(80)  # first-post delivered at 1m
    [draft] = play(
        exercise,
        exercise.submit(
            clock.now(), participant_id="cm", key="key-00000001", text="No comment.", inject_id="first-post"
        ),
    )
    at(100)
    play(
        exercise,
        exercise.review_draft(
            clock.now(),
            reviewer_id="lead",
            draft_id=draft.data["draft_id"],
            decision="edit",
            text="We know, we are checking every battery.",
            comment="Say what we know.",
        ),
    )
    play(
        exercise,
        exercise.submit(
            clock.now(),
            participant_id="blue",
            key="key-00000002",
            text="No comment at this stage.",
            inject_id="first-post",
        ),
    )
    at(400)  # the reactions are released, the regulator's call goes unanswered
    play(exercise, exercise.end(clock.now()))
    return report_model(exercise.state)


@pytest.fixture(scope="module")
def model() -> dict[str, Any]:
    return long_names_drill()


# --- the stylesheet -------------------------------------------------------------------------------


def css_rules(css: str) -> list[tuple[str, str, dict[str, str]]]:
    """(media condition, "" outside @media; selector; declarations) for every rule of ``css``."""
    css = re.sub(r"/\*.*?\*/", "", css, flags=re.S)
    rules: list[tuple[str, str, dict[str, str]]] = []

    def parse(text: str, media: str) -> None:
        start = 0
        while (brace := text.find("{", start)) >= 0:
            head, depth, end = text[start:brace].strip(), 1, brace + 1
            while depth:
                depth += {"{": 1, "}": -1}.get(text[end], 0)
                end += 1
            body = text[brace + 1 : end - 1]
            if head.startswith("@media"):
                parse(body, head.removeprefix("@media").strip())
            elif not head.startswith("@"):  # @page and its margin boxes: no names there
                declarations = dict(
                    (name.strip(), value.strip())
                    for name, value in (d.split(":", 1) for d in body.split(";") if ":" in d)
                )
                rules.extend((media, selector.strip(), declarations) for selector in head.split(","))
            start = end

    parse(css, "")
    return rules


def declared(selector: str, prop: str, media: str = "") -> str | None:
    """The value the last rule for exactly ``selector`` (in ``media``) gives ``prop``."""
    values = [d[prop] for m, s, d in css_rules(report_css()) if s == selector and m == media and prop in d]
    return values[-1] if values else None


def test_names_and_headings_break_anywhere_and_wide_tables_scroll_in_their_section():
    for selector in (".report h1", ".report h2", ".report h3", ".report .team-name"):
        assert declared(selector, "overflow-wrap") == "anywhere", selector
    # the time cells (nowrap) hold the team's name under the time in the drafts and reactions
    assert declared(".report-table td.num .team-name", "white-space") == "normal"
    # the auto-layout tables keep a readable team column (a name breaking anywhere has no minimum)
    for table in ("ranking", "mood-summary", "approval-summary"):
        assert declared(f".{table} td.team-name", "min-width") == "8rem", table
    assert declared(".table-wrap", "overflow-x") == "auto"
    assert declared(".table-wrap", "overflow", "print") == "visible"  # WeasyPrint must not clip a table


# --- the markup -----------------------------------------------------------------------------------


class Texts(HTMLParser):
    """Each text of the page with the elements around it (tag, classes, id), and each table's parent."""

    VOID: ClassVar[set[str]] = {
        "area",
        "base",
        "br",
        "col",
        "embed",
        "hr",
        "img",
        "input",
        "link",
        "meta",
        "source",
        "wbr",
    }

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[tuple[str, set[str], str]] = []
        self.texts: list[tuple[str, list[tuple[str, set[str], str]]]] = []
        self.table_parents: dict[str, tuple[str, set[str], str]] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        element = (tag, set((values.get("class") or "").split()), values.get("id") or "")
        if tag == "table" and element[2]:
            self.table_parents[element[2]] = self.stack[-1]
        if tag not in self.VOID:
            self.stack.append(element)

    def handle_endtag(self, tag: str) -> None:
        while self.stack and self.stack.pop()[0] != tag:
            pass

    def handle_data(self, data: str) -> None:
        self.texts.append((data, list(self.stack)))


def parsed(html: str) -> Texts:
    texts = Texts()
    texts.feed(html)
    return texts


def breaks_anywhere(ancestors: list[tuple[str, set[str], str]]) -> bool:
    """Where a name can break: a heading, an element of class ``team-name``, a table whose cells break
    anywhere (``.<table> td``), a paragraph or list item of the cover (block flow: break-word is enough
    there) or a chart (SVG: the charts shorten names themselves)."""
    tables = {
        selector.removeprefix(".").removesuffix(" td")
        for media, selector, declarations in css_rules(report_css())
        if not media
        and re.fullmatch(r"\.[\w-]+ td", selector)
        and declarations.get("overflow-wrap") == "anywhere"
    }
    for tag, classes, _ in ancestors:
        if tag in {"title", "svg", "h1", "h2", "h3"} or "team-name" in classes:
            return True
        if tag == "table" and classes & tables:
            return True
    cover = any("cover" in classes for _, classes, _ in ancestors)
    return cover and ancestors[-1][0] in {"p", "strong", "a", "li"}


@pytest.mark.parametrize("audience", ["facilitator", "team"])
def test_every_team_name_in_the_report_can_break(model, audience):
    team = {"audience": "team", "team_slot": "team-2"} if audience == "team" else {}
    page = parsed(render_html(model, show_ranking=True, **team))
    for name in (UNBROKEN, EMOJI):
        shown = [ancestors for text, ancestors in page.texts if name in text]
        assert shown, name  # a team sees the other team's name in the released ranking
        stuck = [
            [f"{t}.{'.'.join(sorted(c))}#{i}" for t, c, i in a[-3:]] for a in shown if not breaks_anywhere(a)
        ]
        assert not stuck, (name, stuck)
    ranking = [a for text, a in page.texts if UNBROKEN in text and any(e[2] == "ranking" for e in a)]
    assert ranking and all(any(e[0] == "td" and "team-name" in e[1] for e in a) for a in ranking)
    # the wide tables sit in a wrapper that scrolls on a screen too narrow for them
    for table in ("ranking", "mood-summary", "approval-summary"):
        parent = page.table_parents[table]
        assert parent[0] == "div" and "table-wrap" in parent[1], (table, parent)


def test_the_drafts_and_reactions_name_the_team_under_the_time(model):
    page = render_html(model)
    for section in ('id="drafts"', 'id="reactions"'):
        table = page.split(section, 1)[1].split("</table>", 1)[0]
        assert f'<span class="small team-name">{UNBROKEN}</span>' in table, section
    assert f'<strong class="team-name">{UNBROKEN}</strong>' in page.split('id="injects"', 1)[1]


def test_the_pdf_lays_out_with_the_long_names(model):
    pdf = PdfReader(io.BytesIO(export(model, "pdf")))
    # pypdf leaves NULs in WeasyPrint's two-byte glyph codes; a broken name comes out in pieces
    text = re.sub(r"\s+", "", "".join(page.extract_text() for page in pdf.pages).replace("\x00", ""))
    assert UNBROKEN in text
    assert len(pdf.pages) >= 8  # cover, ranking and charts, mood, chain of command, reactions, 2 teams, …
