"""The staff pages in a real browser on a busy day: refused Inbox actions leave the page as it is, the name box
holds the login, and a reviewer is not offered the knowledge-base changes. With the fakes of test_browser."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_browser import STAFF_PASSWORD, STAFF_USER, fake_assistant, launch, log_in_to_review, serving  # noqa: F401

pytestmark = pytest.mark.browser

INBOX_PARTS = ("#inbox-list", "#inbox-status", "#inbox-transcript", "#inbox-reply")


def test_a_refused_inbox_action_is_a_toast_that_leaves_the_list_transcript_and_typed_reply_as_they_are(  # type: ignore[no-untyped-def]
    fake_assistant, tmp_path: Path
) -> None:
    """Before, an empty reply, a conversation handed back meanwhile or a second hand-back covered the Inbox list, its
    count, the transcript and the reply box with red "Error" badges (the typed reply hidden under one)."""
    from playwright.sync_api import expect, sync_playwright

    waiting = fake_assistant.manager.handle(None, "I want to talk to a human about my reset link").session_id
    with serving(fake_assistant) as url, sync_playwright() as playwright:
        browser = launch(playwright)
        page = browser.new_page(viewport={"width": 1366, "height": 768})
        log_in_to_review(page, url)
        expect(page.locator("#review-user")).to_contain_text("Logged in as ana (admin)", timeout=20_000)
        page.get_by_role("tab", name="Inbox").click()
        expect(page.locator("#inbox-name input")).to_have_value(STAFF_USER)  # the name the customer sees: the login's
        page.locator("#inbox-list").get_by_text(waiting).last.click()
        expect(page.locator("#inbox-transcript")).to_contain_text("about my reset link", timeout=20_000)

        page.locator("#inbox-reply textarea").fill("   ")
        page.locator("#inbox-send").click()
        expect(page.get_by_test_id("toast-body").filter(has_text="The reply is empty")).to_be_visible(timeout=20_000)

        fake_assistant.manager.hand_back(waiting, author="cy")  # another agent hands it back meanwhile
        page.locator("#inbox-reply textarea").fill("Ana here: a new link is on its way.")
        page.locator("#inbox-send").click()
        expect(page.get_by_test_id("toast-body").filter(has_text="so your reply was not sent")).to_be_visible(timeout=20_000)
        page.locator("#inbox-hand-back").click()
        expect(page.get_by_test_id("toast-body").filter(has_text="nothing to hand back")).to_be_visible(timeout=20_000)
        page.screenshot(path=str(tmp_path / "inbox-refused.png"))

        for part in INBOX_PARTS:
            expect(page.locator(part).get_by_text("Error", exact=False).filter(visible=True)).to_have_count(0)  # hidden
        expect(page.locator("#inbox-reply textarea")).to_have_value("Ana here: a new link is on its way.")
        expect(page.locator("#inbox-reply textarea")).to_be_visible()
        expect(page.locator("#inbox-transcript")).to_contain_text("about my reset link")
        expect(page.locator("#inbox-list")).to_contain_text(waiting)  # the list as it was shown
        browser.close()


def test_a_reviewer_sees_no_upload_re_index_or_remove_and_is_told_why(fake_assistant, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """Before, the upload box and the three buttons were shown and active for a reviewer, and using them ended in an
    "Error" badge over the upload box (the file gone)."""
    from playwright.sync_api import expect, sync_playwright

    fake_assistant.staff.set("bo", STAFF_PASSWORD, role="reviewer")
    with serving(fake_assistant) as url, sync_playwright() as playwright:
        browser = launch(playwright)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.route("**/*", lambda route: route.continue_() if route.request.url.startswith(url) else route.abort())
        page.goto(url + "/review/", wait_until="domcontentloaded")
        page.get_by_label("username").fill("bo")
        page.get_by_label("password").fill(STAFF_PASSWORD)
        page.get_by_role("button", name="Login").click()
        expect(page.locator("#review-user")).to_contain_text("Logged in as bo (reviewer)", timeout=30_000)
        page.get_by_role("tab", name="Knowledge base").click()
        expect(page.locator("#kb-table")).to_contain_text("reset", timeout=20_000)
        expect(page.locator("#kb-admins-only")).to_contain_text("need an admin's login")
        for control in ("#kb-upload", "#kb-add", "#kb-reindex", "#kb-remove", "#kb-doc-id"):
            expect(page.locator(control)).to_be_hidden()
        page.screenshot(path=str(tmp_path / "reviewer-kb.png"))
        browser.close()


def test_an_admin_keeps_the_knowledge_base_controls_and_a_missing_document_is_said_at_once(  # type: ignore[no-untyped-def]
    fake_assistant, tmp_path: Path
) -> None:
    """Before, removing an id the index does not hold asked "Remove no/such-doc from the index?" first; and the
    confirm box's id was in the page twice."""
    from playwright.sync_api import expect, sync_playwright

    with serving(fake_assistant) as url, sync_playwright() as playwright:
        browser = launch(playwright)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        log_in_to_review(page, url)
        page.get_by_role("tab", name="Knowledge base").click()
        expect(page.locator("#kb-table")).to_contain_text("reset", timeout=20_000)
        for control in ("#kb-upload", "#kb-add", "#kb-reindex", "#kb-remove"):
            expect(page.locator(control)).to_be_visible()
        expect(page.locator("#kb-admins-only")).to_be_hidden()
        page.locator("#kb-doc-id textarea, #kb-doc-id input").first.fill("no/such-doc")
        page.locator("#kb-remove").click()
        expect(page.get_by_test_id("toast-body").filter(has_text="holds no document no/such-doc")).to_be_visible(timeout=20_000)
        expect(page.locator("#kb-confirm-remove")).to_be_hidden()
        assert page.locator("[id='kb-confirm']").count() <= 1

        document = page.locator("#kb-table").get_by_role("gridcell").first.inner_text().strip()
        page.locator("#kb-doc-id textarea, #kb-doc-id input").first.fill(document)
        page.locator("#kb-remove").click()
        expect(page.locator("#kb-confirm-question")).to_contain_text("from the index?", timeout=20_000)
        expect(page.locator("#kb-confirm-remove")).to_be_visible()
        assert page.locator("[id='kb-confirm']").count() == 1
        page.screenshot(path=str(tmp_path / "kb-confirm.png"))
        browser.close()


def test_an_action_after_the_login_ended_leaves_no_error_badge_over_the_inbox(fake_assistant, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """Before, the note that the login had ended came with red "Error" badges over the Inbox list, its count, the
    transcript and the reply box (Gradio's, for the 401), the typed reply hidden under one."""
    from playwright.sync_api import expect, sync_playwright
    from sqlalchemy import text

    waiting = fake_assistant.manager.handle(None, "I want to talk to a human about my reset link").session_id
    with serving(fake_assistant) as url, sync_playwright() as playwright:
        browser = launch(playwright)
        page = browser.new_page(viewport={"width": 1366, "height": 768})
        log_in_to_review(page, url)
        page.get_by_role("tab", name="Inbox").click()
        page.locator("#inbox-list").get_by_text(waiting).last.click()
        expect(page.locator("#inbox-transcript")).to_contain_text("about my reset link", timeout=20_000)
        page.locator("#inbox-reply textarea").fill("Ana here: a new link is on its way.")
        with fake_assistant.store.engine.begin() as db:  # the login expires
            db.execute(text("UPDATE staff_sessions SET expires_at = '2000-01-01 00:00:00'"))
        page.locator("#inbox-send").click()

        expect(page.get_by_role("alert").filter(has_text="Your staff login has ended")).to_be_visible(timeout=20_000)
        page.wait_for_timeout(1000)  # Gradio's badges come with the failed request
        for part in INBOX_PARTS:
            expect(page.locator(part).get_by_text("Error", exact=True)).to_be_hidden()
        expect(page.locator("#inbox-reply textarea")).to_be_visible()
        expect(page.locator("#inbox-reply textarea")).to_have_value("Ana here: a new link is on its way.")
        expect(page.locator("#inbox-list")).to_contain_text(waiting)
        page.screenshot(path=str(tmp_path / "expired.png"))
        browser.close()


def test_the_inbox_tab_counts_the_handoffs_and_a_conversation_opened_in_the_list_links_to_the_inbox(  # type: ignore[no-untyped-def]
    fake_assistant, tmp_path: Path
) -> None:
    """Before, the tab read just "Inbox" (the count only inside it), and a conversation a person had, opened from the
    Conversations tab, showed the label form with nothing saying a person had it, nor a way to reply."""
    from playwright.sync_api import expect, sync_playwright

    waiting = fake_assistant.manager.handle(None, "I want to talk to a human about my reset link").session_id
    with serving(fake_assistant) as url, sync_playwright() as playwright:
        browser = launch(playwright)
        page = browser.new_page(viewport={"width": 1366, "height": 768})
        log_in_to_review(page, url)
        expect(page.get_by_role("tab", name="Inbox (1)")).to_be_visible(timeout=20_000)
        fake_assistant.manager.handle(None, "Can I talk to a person please")  # a new handoff: the next refresh counts it
        expect(page.get_by_role("tab", name="Inbox (2)")).to_be_visible(timeout=30_000)

        page.get_by_label("Conversation id").fill(waiting)
        page.locator("#review-open").click()
        note = page.locator("#review-transcript #with-a-person")
        expect(note).to_contain_text("A person has this conversation now", timeout=20_000)
        page.screenshot(path=str(tmp_path / "with-a-person.png"))
        note.get_by_role("link", name="Open it in the Inbox").click()
        expect(page.get_by_role("tab", name="Inbox (2)")).to_have_attribute("aria-selected", "true", timeout=30_000)
        expect(page.locator("#inbox-transcript")).to_contain_text("about my reset link", timeout=20_000)
        expect(page.locator("#inbox-transcript #with-a-person")).to_have_count(0)
        browser.close()
