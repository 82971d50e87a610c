"""The team screen under a chain of command, with the public mood shown, in real browsers: a community
manager and the team's lead join with their roles; the community manager's reply waits for approval;
the lead rejects it with a comment, the community manager redrafts, the lead edits and publishes it;
a persona's automatic reaction arrives under the published reply with its countdown and the lead
answers it; the mood gauge and the like counts come from the server's pulse."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from playwright.sync_api import expect

from tests.e2e.conftest import LAPTOP, PHONE, Watch, join_codes, sign_in
from tests.factories import DATA

pytestmark = [pytest.mark.slow, pytest.mark.e2e]

FIRST = "No comment for now."
COMMENT = "Never say no comment: tell them we are looking into it."
SECOND = "Thanks for asking, we are looking into it right now."
EDITED = "Thanks for asking. We take every report seriously and will update you today."
ANSWER = "They do not: the recall covers a faulty charger, and every owner will hear from us today."


def crowd_library(folder: Path) -> Path:
    """The crowd drill (mood, reactions), made long enough for a browser and quicker to start."""
    scenario = yaml.safe_load((DATA / "crowd.yaml").read_text())
    scenario["duration"] = "60m"
    for inject in scenario["injects"]:
        inject["at"] = {"first-post": "10s", "troll-post": "20s"}.get(inject["id"], inject.get("at"))
        if inject.get("at") is None:
            inject.pop("at", None)
    folder.mkdir()
    (folder / "crowd.yaml").write_text(yaml.safe_dump(scenario, allow_unicode=True, sort_keys=False))
    return folder


def create_with_options(page: Any) -> str:
    """The dashboard's form, with the chain of command on and the mood shown to the teams."""
    page.check("input[name=scenario_id][value='crowd-drill']")
    page.fill("#new-exercise input[name=title]", "Crowd drill — chain of command")
    page.fill("#new-exercise input[name=teams]", "Red, Blue")
    page.check("#new-exercise input[name=chain_of_command]")
    page.select_option("#new-exercise select[name=mood_visible]", "show")
    page.click("#new-exercise button[type=submit]")
    page.wait_for_selector("#console .team-card")
    return page.get_attribute("#console", "data-exercise-id")


def join_as(page: Any, url: str, code: str, name: str, role: str) -> None:
    """Join through the join page, choosing a role in the chain of command."""
    page.goto(f"{url}/join")
    page.fill("input[name=code]", code)
    page.click("button[type=submit]")
    page.fill("input[name=display_name]", name)
    page.check(f"input[name=role][value='{role}']")
    page.click("button[type=submit]")
    page.wait_for_selector("#team-app .app-header")
    page.wait_for_selector("#connection[data-state=online]")
    page.wait_for_selector(".member-list li .muted", state="attached")  # "(you)": the snapshot is in


def test_drafts_go_through_the_lead_and_the_crowd_reacts(
    start_drill: Any, browser: Any, watch: Any, shots: Any, tmp_path: Path
) -> None:
    drill = start_drill(crowd_library(tmp_path / "scenarios"))
    facilitator = browser.new_context(**LAPTOP)
    console = Watch().attach(facilitator.new_page(), "console")  # the console is another helper's
    sign_in(console, drill.url)
    create_with_options(console)
    codes = join_codes(console)

    cm_context, lead_context = browser.new_context(**PHONE), browser.new_context(**LAPTOP)
    cm = watch.attach(cm_context.new_page(), "community manager (phone)")
    lead = watch.attach(lead_context.new_page(), "lead (laptop)")
    join_as(cm, drill.url, codes["team-1"], "Cara", "community_manager")
    join_as(lead, drill.url, codes["team-1"], "Lee", "lead")

    # Roles: in the header (hidden on a phone's narrow header, so checked by text) and the member list.
    expect(lead.locator("#my-role")).to_be_visible()
    expect(lead.locator("#my-role .role-badge")).to_have_text("Lead")
    expect(cm.locator("#my-role .role-badge")).to_have_text("Community manager")
    members = lead.locator(".app-aside .member-list")
    expect(members.locator("li[data-role='community_manager'] .role-badge")).to_have_text("Community manager")
    expect(members.locator("li[data-role='lead'] .role-badge")).to_have_text("Lead")
    expect(lead.locator("#tab-drafts")).to_be_visible()

    console.select_option("#speed-select", "10")
    console.click("#btn-start")
    for page in (cm, lead):
        expect(page.locator("#exercise-status")).to_have_attribute("data-status", "running")

    # --- the community manager submits a reply: a draft, not published ------------------------------
    cm.click("#tab-microblog")
    post = cm.locator("article[data-inject-id='first-post']")
    post.locator(".post-actions .act[data-kind='public']").click()
    form = post.locator("form.composer--public")
    expect(form.locator("button[type=submit]")).to_have_text("Submit for approval")
    form.locator("textarea").fill(FIRST)
    form.locator("button[type=submit]").click()
    draft = post.locator(".reply.is-draft[data-state='pending']")
    expect(draft).to_contain_text(FIRST)
    expect(draft.locator(".reply-status")).to_have_text(re.compile("waiting for the lead's approval"))
    expect(post.locator(".reply[data-reply-id]")).to_have_count(0)
    # The statement composer explains who drafts statements.
    cm.click("#tab-news")
    expect(cm.locator("#statement-role")).to_contain_text("spokesperson")
    expect(cm.locator("#statement-card button[type=submit]")).to_be_disabled()

    # --- the lead rejects it with a comment -----------------------------------------------------------
    expect(lead.locator("#tab-drafts .badge")).to_have_text("1")
    lead.click("#tab-drafts")
    card = lead.locator(".draft-card[data-status='pending']")
    expect(card.locator(".draft-text")).to_have_text(FIRST)
    expect(card.locator(".draft-author")).to_have_text("Cara")
    card.locator("[data-decision='reject']").click()
    rejecter = card.locator("form.review-editor--reject")
    expect(rejecter.locator("button[type=submit]")).to_be_disabled()  # a comment is required
    rejecter.locator("textarea").fill(COMMENT)
    rejecter.locator("button[type=submit]").click()
    rejected = lead.locator(".draft-card[data-status='rejected']")
    expect(rejected.locator(".draft-comment")).to_have_text(COMMENT)
    expect(lead.locator("#tab-drafts .badge")).to_be_hidden()

    # --- the community manager sees the comment and redrafts ------------------------------------------
    cm.click("#tab-microblog")
    refused = post.locator(".reply.is-draft[data-state='rejected']")
    expect(refused.locator(".draft-comment")).to_have_text(COMMENT)
    expect(refused.locator(".reply-status")).to_have_text("Rejected by Lee")
    shots.take(cm, "team-draft-rejected")
    refused.locator("button.redraft").click()
    expect(form.locator("textarea")).to_have_value(FIRST)
    form.locator("textarea").fill(SECOND)
    form.locator("button[type=submit]").click()
    expect(post.locator(".reply.is-draft[data-state='pending']")).to_contain_text(SECOND)

    # --- the lead (after a reload: the drafts tab is still open) edits and publishes it ----------------
    lead.reload()
    expect(lead.locator("#connection")).to_have_attribute("data-state", "online")
    expect(lead.locator("#tab-drafts")).to_have_attribute("aria-selected", "true")
    card = lead.locator(".draft-card[data-status='pending']")
    expect(card.locator(".draft-text")).to_have_text(SECOND)
    card.locator("[data-decision='edit']").click()
    editor = card.locator("form.review-editor--edit")
    expect(editor.locator("textarea")).to_have_value(SECOND)
    expect(editor.locator(".counter")).to_have_text(re.compile(r"/ 280$"))  # the microblog's limit
    # A text the server refuses: the error says why, and the edited text stays in the editor.
    editor.locator("textarea").fill("Half\x00done")
    editor.locator("button[type=submit]").click()
    expect(card.locator(".draft-error")).to_contain_text(
        re.compile(r"^Decision not recorded: .*text: must not contain NUL")
    )
    expect(editor.locator("textarea")).to_have_value("Half\x00done")
    expect(card).to_have_attribute("data-status", "pending")
    editor.locator("textarea").fill(EDITED)
    shots.take(lead, "team-draft-review")
    editor.locator("button[type=submit]").click()
    expect(lead.locator(".draft-card[data-status='edited'] .draft-verdict")).to_contain_text(
        "Edited and published by Lee"
    )

    # --- the community manager sees it published, approved by the lead ---------------------------------
    published = post.locator(".reply[data-reply-id]")
    expect(published.locator(".body-text").first).to_have_text(EDITED)
    expect(published.locator(".reply-approved")).to_contain_text("approved by Lee")
    expect(post.locator(".reply.is-draft")).to_have_count(0)

    # --- the pulse: the mood gauge and like counts --------------------------------------------------------
    expect(cm.locator("#mood-gauge")).to_be_visible()
    expect(lead.locator("#mood-gauge .mood-value")).to_have_text(re.compile(r"^\d{1,3}$"))
    expect(lead.locator("#mood-gauge")).to_have_attribute(
        "data-band", re.compile("calm|tense|heated|outrage")
    )
    likes = lead.locator("article[data-inject-id='first-post'] [data-stat='likes']").first
    expect(likes).to_have_text(re.compile(r"^[1-9][\d.,]*\s?[KM]?$"))

    # --- the crowd reacts to the vague reply, under it, with a countdown; the lead answers ----------------
    reaction = post.locator(".reply[data-reply-id] article.post.is-nested")
    expect(reaction.locator(".body-text").first).to_have_text(re.compile("does not answer my question"))
    expect(reaction.locator(".countdown-text")).to_have_text(re.compile(r"Reply within \d\d:\d\d"))
    lead.click("#tab-microblog")
    theirs = lead.locator("article[data-inject-id='first-post'] .reply[data-reply-id] article.post.is-nested")
    theirs.locator(".post-actions .act[data-kind='public']").click()
    answer = theirs.locator("form.composer--public")
    expect(answer.locator("button[type=submit]")).to_have_text("Send")  # a lead publishes directly
    answer.locator("textarea").fill(ANSWER)
    answer.locator("button[type=submit]").click()
    expect(theirs.locator(".reply[data-reply-id] .body-text")).to_have_text(ANSWER)
    expect(reaction.locator(".reply[data-reply-id] .body-text")).to_have_text(ANSWER)  # on the CM's too
    expect(reaction.locator(".countdown-text")).to_have_text(re.compile("Answered in"))

    shots.take(lead, "team-lead-drafts")
    watch.assert_clean()
    for context in (cm_context, lead_context, facilitator):
        context.close()
