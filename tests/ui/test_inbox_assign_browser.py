"""Assigning an Inbox conversation in a real browser: "Assign to me" shows the login under "Assigned to" and above the
reply box; a conversation another agent has taken holds a reply back once (once more after a new handoff). With the fakes of test_browser."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_browser import STAFF_USER, fake_assistant, launch, log_in_to_review, serving  # noqa: F401

from assistant.store.inbox import assign, assigned_to

pytestmark = pytest.mark.browser


def test_assign_to_me_and_a_reply_to_a_conversation_another_agent_has(fake_assistant, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from playwright.sync_api import expect, sync_playwright

    engine = fake_assistant.store.engine
    mine = fake_assistant.manager.handle(None, "I want to talk to a human about my reset link").session_id
    theirs = fake_assistant.manager.handle(None, "I want to talk to a human about my invoice").session_id
    with serving(fake_assistant) as url, sync_playwright() as playwright:
        browser = launch(playwright)
        page = browser.new_page(viewport={"width": 1366, "height": 768})
        log_in_to_review(page, url)
        page.get_by_role("tab", name="Inbox").click()
        expect(page.locator("#inbox-list [role='columnheader']").filter(has_text="Assigned to")).to_be_visible(timeout=20_000)
        page.locator("#inbox-list").get_by_text(mine).last.click()
        expect(page.locator("#inbox-transcript")).to_contain_text("about my reset link", timeout=20_000)
        expect(page.locator("#inbox-assigned")).to_contain_text("Not assigned", timeout=20_000)

        page.locator("#inbox-assign").click()
        expect(page.get_by_test_id("toast-body").filter(has_text="Assigned to you.")).to_be_visible(timeout=20_000)
        expect(page.locator("#inbox-assigned")).to_have_text("Assigned to you.", timeout=20_000)
        row = page.locator("#inbox-list [role='row']").filter(has_text=mine)
        expect(row.get_by_role("gridcell").filter(has_text=STAFF_USER)).to_have_count(1, timeout=20_000)
        assert assigned_to(engine, mine) == STAFF_USER
        page.screenshot(path=str(tmp_path / "inbox-assigned-to-me.png"))

        assign(engine, theirs, "cy")  # another agent took the other one
        page.locator("#inbox-refresh").click()
        page.locator("#inbox-list").get_by_text(theirs).last.click()
        expect(page.locator("#inbox-assigned")).to_contain_text("Assigned to cy", timeout=20_000)
        page.locator("#inbox-reply textarea").fill("Ana here: about your invoice.")
        page.locator("#inbox-send").click()
        held = page.get_by_test_id("toast-body").filter(has_text="This conversation is assigned to cy.")
        expect(held).to_be_visible(timeout=20_000)
        expect(page.locator("#inbox-reply textarea")).to_have_value("Ana here: about your invoice.")  # not sent
        page.screenshot(path=str(tmp_path / "inbox-held-back-for-cy.png"))
        page.locator("#inbox-send").click()  # the second click sends
        expect(page.get_by_test_id("toast-body").filter(has_text="Sent.")).to_be_visible(timeout=20_000)
        expect(page.locator("#inbox-reply textarea")).to_have_value("")
        expect(page.locator("#inbox-transcript")).to_contain_text("about your invoice.")
        assert assigned_to(engine, theirs) == "cy"

        fake_assistant.manager.hand_back(theirs, author="cy")  # a new handoff that cy takes again: held back again
        fake_assistant.manager.handle(theirs, "I want to talk to a human about my invoice again")
        assign(engine, theirs, "cy")
        page.locator("#inbox-refresh").click()
        expect(page.locator("#inbox-transcript")).to_contain_text("my invoice again", timeout=20_000)
        expect(held).to_have_count(0, timeout=30_000)  # the first warning has gone
        page.locator("#inbox-reply textarea").fill("Ana again.")
        page.locator("#inbox-send").click()
        expect(held).to_be_visible(timeout=20_000)
        expect(page.locator("#inbox-reply textarea")).to_have_value("Ana again.")  # not sent

        page.locator("#inbox-unassign").click()
        expect(page.locator("#inbox-assigned")).to_contain_text("Not assigned", timeout=20_000)
        assert assigned_to(engine, theirs) is None

        header = page.locator("#inbox-list [role='columnheader']").filter(has_text="Assigned to")
        page.set_viewport_size({"width": 900, "height": 800})  # a narrow screen keeps it (Session and times go)
        expect(header).to_be_visible()
        page.screenshot(path=str(tmp_path / "inbox-assigned-900.png"))
        page.set_viewport_size({"width": 390, "height": 800})  # a phone: Waiting, First message, Out of hours only
        expect(header).to_be_hidden()
        browser.close()
