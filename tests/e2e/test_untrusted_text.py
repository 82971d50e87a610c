"""Untrusted text is inert everywhere: markup, ``javascript:`` URLs, texts at their size limit and
unusual Unicode, typed by participants (team reply, statement, display name), by the facilitator
(exercise title, team names, role-play post, message, note, debrief) or written in a scenario (persona
names, injects, briefing, rubric labels), shown on the team screens, the console, the projector, the
report pages and the PDF export. Nothing runs, no element or link comes from the text, no dialog opens,
no Content Security Policy violation is reported, and the text is shown as typed."""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from playwright.sync_api import expect
from pypdf import PdfReader

from tests.e2e.conftest import LAPTOP, create_exercise, join, join_codes, sign_in

pytestmark = [pytest.mark.slow, pytest.mark.e2e]

SCRIPT = "<script>window.__xss=1</script>"
IMG = '<img src=x onerror="window.__xss=1">'
JS_URL = "javascript:window.__xss=1"
RTL = "\u202egnp.exe\u202c"  # right-to-left override … pop directional formatting
FAMILY = "\U0001f469\u200d\U0001f469\u200d\U0001f467"  # one emoji made of three, with zero-width joiners
ZALGO = "Z\u0335a\u0301l\u0328g\u0300o\u0336"  # combining marks
EMOJI = "\U0001f525\U0001f692"
UNICODE = f"{RTL} {FAMILY} {ZALGO} {EMOJI}"


def utf16(text: str) -> int:
    """Length as a browser's ``maxlength`` counts it (UTF-16 code units)."""
    return len(text.encode("utf-16-le")) // 2


def fit(prefix: str, limit: int, *, units: bool = False) -> str:
    """``prefix`` padded with words to exactly ``limit`` characters (code points, or UTF-16 units)."""
    size = utf16 if units else len
    assert size(prefix) <= limit, (prefix, size(prefix), limit)
    filler = " lorem ipsum dolor sit amet"
    text = prefix
    while size(text) < limit:
        text += filler[(size(text) - size(prefix)) % len(filler)]
    if text != prefix and text.endswith(" "):
        text = text[:-1] + "."  # forms trim their text: keep the limit exact
    assert size(text) == limit
    return text


# Size limits: team name 40, display name 40, exercise title 200, microblog reply 280, statement
# 5,000, role-play persona name 80, subject 200, text 5,000, message 1,000 (the form fields' maxlength
# counts UTF-16 units, the server counts code points: texts typed in a form fit both).
TITLE = fit(f"Drill {SCRIPT} {UNICODE}", 200, units=True)
RED = fit(f"{SCRIPT} {EMOJI}", 40)
BLUE = f"{IMG}\u202eab\u202c"
RED_NAME = fit(f"{JS_URL} {FAMILY}", 40, units=True)
BLUE_NAME = fit(f"{SCRIPT} e\u0301\u0328", 40, units=True)
RED_REPLY = fit(f"We are aware; no comment. {SCRIPT} {IMG} {JS_URL} {UNICODE}", 280)
BLUE_STATEMENT = fit(f"Statement {IMG} {SCRIPT} {JS_URL} {UNICODE} https://x/?{IMG}", 5000)
ROLE_NAME = fit(f"{IMG} {FAMILY}", 80, units=True)
ROLE_SUBJECT = fit(f"Breaking {SCRIPT} {UNICODE}", 200, units=True)
ROLE_TEXT = fit(f"Role-play {IMG} {JS_URL} {UNICODE}", 5000, units=True)
MESSAGE = fit(f"Message {SCRIPT} {IMG} {UNICODE}", 1000, units=True)
NOTE = f"Note {IMG} {JS_URL} {UNICODE}"
DEBRIEF = f"</textarea>{SCRIPT} {IMG} {UNICODE}"
assert len(BLUE) == 40

# The scenario: markup in persona names, inject texts and subjects, briefing, labels; a team name
# pulled into an inject by {team.name}; a red flag whose label ends up in the escalation's reason.
POST_TEXT = f"Post by {IMG} for {{team.name}}: {SCRIPT} {JS_URL} {UNICODE}"
NEWS_SUBJECT = f"Headline {SCRIPT} {EMOJI}"
NEWS_TEXT = f"News {IMG} {JS_URL} {ZALGO}"
MAIL_SUBJECT = f"Mail {IMG}"
MAIL_TEXT = fit(f"Long mail {SCRIPT} {IMG} {UNICODE}", 4000)
PERSONA_IMG = f"{IMG} {FAMILY}"
PERSONA_SCRIPT = f"{SCRIPT} {RTL}"
FLAG_LABEL = f"Flag {IMG}"
ESCALATED = f"Escalated {SCRIPT}"
ORGANISATION = "Acme &amp; <b>Bikes</b>"  # an entity stays an entity, a tag stays text
SCENARIO = {
    "id": "untrusted",
    "title": f"Untrusted {SCRIPT}",
    "language": "en",
    "summary": f"Summary {IMG} {JS_URL}",
    "briefing": f"Briefing {SCRIPT}\n\n- {IMG}\n- {UNICODE}",
    "duration": "60m",
    "organisation": {"name": ORGANISATION, "handle": "@acme"},
    "personas": [
        {
            "id": "img",
            "name": PERSONA_IMG,
            "handle": "@img_person",
            "kind": "journalist",
            "followers": 12000,
            "verified": True,
            "bio": JS_URL,
            "email": "jo@example.com",
        },
        {
            "id": "script",
            "name": PERSONA_SCRIPT,
            "handle": "@script_person",
            "kind": "public",
            "followers": 40,
        },
    ],
    "injects": [
        {
            "id": "xss-post",
            "at": "0s",
            "channel": "microblog",
            "from": "img",
            "text": POST_TEXT,
            "expects_reply": True,
            "reply_within": "30m",
            "severity": 3,
            "rubric": {
                "key_points": [{"id": "aware", "label": f"Key {SCRIPT}", "phrases": ["we are aware"]}],
                "red_flags": [{"id": "nc", "label": FLAG_LABEL, "phrases": ["no comment"]}],
            },
            "escalate": [{"when": "red_flag", "flag": "nc", "inject": "xss-escalation"}],
        },
        {
            "id": "xss-news",
            "at": "0s",
            "channel": "news",
            "from": "script",
            "subject": NEWS_SUBJECT,
            "text": NEWS_TEXT,
        },
        {
            "id": "xss-mail",
            "at": "0s",
            "channel": "email",
            "from": "img",
            "subject": MAIL_SUBJECT,
            "text": MAIL_TEXT,
            "expects_reply": True,
            "reply_within": "30m",
        },
        {"id": "xss-escalation", "channel": "microblog", "from": "script", "text": ESCALATED},
    ],
}

INERT = """() => {
  const bad = [];
  for (const node of document.querySelectorAll("*")) {
    for (const attr of node.attributes) {
      if (/^on/i.test(attr.name)) bad.push(`${node.tagName} ${attr.name}`);
      if (/^(href|src|action|formaction|xlink:href)$/i.test(attr.name) && /^\\s*javascript:/i.test(attr.value))
        bad.push(`${node.tagName} ${attr.name}=${attr.value}`);
    }
  }
  for (const s of document.querySelectorAll("script:not([src])")) bad.push(`inline script ${s.textContent.slice(0, 40)}`);
  for (const i of document.querySelectorAll("img, iframe, object, embed")) bad.push(i.outerHTML.slice(0, 80));
  for (const b of document.querySelectorAll("body b")) bad.push(`<b> ${b.textContent}`);
  return { xss: window.__xss === undefined ? null : String(window.__xss), bad };
}"""

MISSING = "texts => texts.filter((t) => !document.documentElement.textContent.includes(t))"


def assert_inert(page: Any, *shown: str) -> None:
    """Nothing from the payloads ran or became markup, and every text in ``shown`` is on the page as typed."""
    found = page.evaluate(INERT)
    assert found == {"xss": None, "bad": []}, (page.url, found)
    missing = page.evaluate(MISSING, list(shown))
    assert not missing, (page.url, [m[:80] for m in missing])


def test_untrusted_text_is_inert_everywhere(
    start_drill: Any, browser: Any, watch: Any, tmp_path: Path
) -> None:
    library = tmp_path / "scenarios"
    library.mkdir()
    (library / "untrusted.yaml").write_text(yaml.safe_dump(SCENARIO, allow_unicode=True, sort_keys=False))
    drill = start_drill(library)

    facilitator = browser.new_context(**LAPTOP)
    console = watch.attach(facilitator.new_page(), "console")
    sign_in(console, drill.url)
    exercise_id = create_exercise(console, "untrusted", TITLE, f"{RED}, {BLUE}")
    codes = join_codes(console)
    base = f"{drill.url}/facilitator/exercises/{exercise_id}"

    projector = watch.attach(facilitator.new_page(), "projector")
    projector.goto(f"{drill.url}/projector/{exercise_id}")
    expect(projector.locator("#connection")).to_have_attribute("data-state", "online")
    console.check("#projector-toggle")
    expect(projector.locator("#replies-panel")).to_be_visible()

    red_context, blue_context = browser.new_context(**LAPTOP), browser.new_context(**LAPTOP)
    red = watch.attach(red_context.new_page(), "team 1")
    blue = watch.attach(blue_context.new_page(), "team 2")
    join(red, drill.url, codes["team-1"], RED_NAME)
    assert_inert(red, RED, RED_NAME)
    join(blue, drill.url, codes["team-2"], BLUE_NAME)
    expect(console.locator(".member-chip")).to_have_count(2)

    console.click("#btn-start")
    for page in (red, blue):
        expect(page.locator("article[data-inject-id='xss-post']")).to_be_attached()

    # Team 1 answers on the microblog, at the 280-character limit, and says "no comment" (a red flag).
    post = red.locator("article[data-inject-id='xss-post']")
    post.locator(".act[data-kind='public']").click()
    post.locator("form.composer--public textarea").fill(RED_REPLY)
    expect(post.locator(".counter")).to_have_text("280 / 280")
    post.locator("form.composer--public button[type=submit]").click()
    expect(post.locator(".reply[data-reply-id] .body-text")).to_have_text(RED_REPLY)
    expect(red.locator("article[data-inject-id='xss-escalation']")).to_be_attached()

    # Team 2 publishes a statement of exactly 5,000 characters.
    blue.click(".nav-statement")
    statement = blue.locator("#statement-card form")
    statement.locator("textarea").fill(BLUE_STATEMENT)
    statement.locator("button[type=submit]").click()
    expect(blue.locator("#panel-news .reply--statement[data-reply-id] .body-text")).to_have_text(
        BLUE_STATEMENT
    )

    # The facilitator role-plays a new persona, sends a message and writes a note.
    console.click("#composer-panel summary")
    console.select_option("#c-persona", "__new")
    console.fill("#c-np-name", ROLE_NAME)
    console.fill("#c-np-handle", "@breaking_news")
    console.select_option("#c-channel", "news")
    console.fill("#c-subject", ROLE_SUBJECT)
    console.fill("#c-text", ROLE_TEXT)
    console.click("#c-submit")
    expect(console.locator("#c-status")).to_have_text("Posted ✓")
    console.click("#message-panel summary")
    console.fill("#m-text", MESSAGE)
    console.click("#message-form button[type=submit]")
    expect(console.locator("#m-status")).to_have_text("Sent ✓")
    console.locator(".team-card[data-team='team-1'] button", has_text="Note").click()
    console.fill("#note-text", NOTE)
    console.click("#note-form button[type=submit]")
    expect(console.locator("#notes .note-text")).to_have_text(NOTE)

    # Every screen got everything, and shows it as typed.
    for page in (red, blue):
        expect(page.locator("#facilitator-banner .fac-text")).to_have_text(MESSAGE)
        expect(page.locator("article[data-inject-id='adhoc-1'] .headline")).to_have_text(ROLE_SUBJECT)
    expect(console.locator("#wall-count")).to_have_text("2 replies")
    expect(console.locator("#escalations .esc")).to_have_count(1)
    expect(projector.locator("#pj-replies .pj-reply")).to_have_count(2)
    expect(projector.locator("#headlines [data-inject-id='adhoc-1'] .pj-headline")).to_have_text(ROLE_SUBJECT)
    expect(console.locator("#wall .wall-group[data-inject-id='xss-post'] .reply-text")).to_have_text(
        RED_REPLY
    )

    team_1 = POST_TEXT.replace("{team.name}", RED)  # the {team.name} placeholder, filled per team
    team_2 = POST_TEXT.replace("{team.name}", BLUE)
    role_play = [ROLE_NAME, ROLE_SUBJECT, ROLE_TEXT]
    briefing = [f"Briefing {SCRIPT}", IMG, UNICODE]
    scenario = [PERSONA_IMG, PERSONA_SCRIPT, NEWS_SUBJECT, NEWS_TEXT, MAIL_SUBJECT, MAIL_TEXT, ORGANISATION]
    assert_inert(red, team_1, *scenario, *briefing, *role_play, RED, RED_NAME, RED_REPLY, MESSAGE, ESCALATED)
    assert_inert(blue, team_2, *scenario, *role_play, BLUE, BLUE_NAME, BLUE_STATEMENT, MESSAGE)
    red.click("#tab-inbox")
    expect(red.locator("article[data-inject-id='xss-mail'] .mail-subject")).to_have_text(MAIL_SUBJECT)
    expect(red.locator(".app-org")).to_have_text(ORGANISATION)
    everything = [RED, BLUE, RED_NAME, BLUE_NAME, RED_REPLY, BLUE_STATEMENT, MESSAGE, NOTE, FLAG_LABEL, TITLE]
    assert_inert(console, PERSONA_IMG, PERSONA_SCRIPT, NEWS_SUBJECT, *role_play, *everything)
    headlines = [NEWS_SUBJECT, NEWS_TEXT, PERSONA_SCRIPT, *role_play]
    assert_inert(projector, TITLE, *headlines, RED, BLUE, RED_REPLY, BLUE_STATEMENT, ORGANISATION)

    # --- after the exercise: the report, its PDF, the team's report, the other pages --------------------
    console.click("#btn-end")
    expect(red.locator("#exercise-status")).to_have_attribute("data-status", "ended")
    console.goto(f"{base}/report")
    console.fill("textarea[name=worked]", DEBRIEF)
    with console.expect_navigation():
        console.click("form[action$='/debrief'] button[type=submit]")
    console.select_option("#release-select", "ranking")
    with console.expect_navigation():
        console.click(".release-form button[type=submit]")
    expect(console.locator(".release-form")).to_contain_text("Teams see the ranking")
    report_texts = [
        TITLE,
        RED,
        BLUE,
        RED_REPLY,
        BLUE_STATEMENT,
        NOTE,
        DEBRIEF,
        POST_TEXT.replace("{team.name}", "your team"),
    ]  # one text for all teams: the placeholder reads "your team"
    assert_inert(console, *report_texts, ROLE_TEXT, MAIL_TEXT)
    red.goto(f"{drill.url}/team/report")
    assert_inert(red, TITLE, RED, RED_REPLY)
    console.goto(f"{base}/replay?team=team-2")
    assert_inert(console, BLUE, BLUE_STATEMENT, MESSAGE, ROLE_TEXT)
    other_pages = {
        f"{base}/scores": [RED, BLUE, RED_REPLY],
        f"{base}/join-sheet": [TITLE, RED, BLUE],
        f"{drill.url}/facilitator/": [TITLE, f"Untrusted {SCRIPT}", f"Summary {IMG} {JS_URL}"],  # dashboard
    }
    for url, texts in other_pages.items():
        console.goto(url)
        assert_inert(console, *texts)

    pdf = facilitator.request.get(f"{base}/report.pdf")
    assert pdf.ok and pdf.headers["content-type"] == "application/pdf"
    assert_pdf_inert(pdf.body())

    watch.assert_clean()
    for context in (red_context, blue_context, facilitator):
        context.close()


def assert_pdf_inert(data: bytes) -> None:
    """The PDF has the payloads as text, and no link, script or action that came from them."""
    reader = PdfReader(io.BytesIO(data))
    # WeasyPrint's two-byte glyph codes come out of pypdf with NULs between the characters.
    text = "".join(page.extract_text() for page in reader.pages).replace("\x00", "")
    flat = re.sub(r"\s+", "", text)
    for shown in (SCRIPT, IMG, JS_URL, f"Statement {IMG}", ORGANISATION, "</textarea><script>"):
        assert re.sub(r"\s+", "", shown) in flat, shown
    root = reader.trailer["/Root"]
    assert "/OpenAction" not in root and "/AA" not in root
    assert "/JavaScript" not in root.get("/Names", {})
    for page in reader.pages:
        assert "/AA" not in page
        for annotation in page.get("/Annots") or []:
            annotation = annotation.get_object()
            assert annotation["/Subtype"] == "/Link", annotation
            # Links are the report's own table of contents (named destinations), never from the text.
            assert "/Dest" in annotation and "/A" not in annotation, annotation
