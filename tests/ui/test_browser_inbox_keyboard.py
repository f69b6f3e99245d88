"""The Inbox list used from the keyboard at a narrow window (a laptop at 150 % zoom), and the conversation opened from
a link highlighted in it, in a real browser with the fakes of test_browser."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_browser import (  # noqa: F401 (fake_assistant: a fixture)
    STAFF_PASSWORD, STAFF_USER, fake_assistant, launch, log_in_to_review, serving,
)

from ui.review_tables import INBOX_COLUMNS, INBOX_NARROW_WIDTHS, INBOX_WIDTHS

# focus in the list's grid itself (its toolbar's buttons come before it)
IN_INBOX_GRID = "() => Boolean(document.activeElement && document.activeElement.closest('#inbox-list [role=\"grid\"]'))"
FOCUSED = "() => { const e = document.activeElement; return e ? e.outerHTML.slice(0, 160) : ''; }"


def test_the_columns_a_narrow_screen_hides_come_last_in_the_inbox() -> None:
    # Gradio's grid gives tabindex="0" to a cell of its first column only: a hidden first column left none to Tab to
    shown = [name in INBOX_NARROW_WIDTHS for name in INBOX_COLUMNS]
    assert shown == sorted(shown, reverse=True) and shown[0]
    assert len(INBOX_WIDTHS) == len(INBOX_COLUMNS)


@pytest.mark.browser
def test_at_900_px_a_keyboard_user_opens_an_inbox_conversation(fake_assistant, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    # At 1,000 px or narrower the Inbox hides its "Handed off" column, whose first cell was the list's only one with
    # tabindex="0": Tab reached the grid's wrapper, ArrowDown and Enter opened nothing, the next Tab left for the reply box
    from playwright.sync_api import expect, sync_playwright

    manager = fake_assistant.manager
    session_id = manager.handle(None, "How long do reset links work?").session_id
    manager.handle(session_id, "I want to talk to a human")
    with serving(fake_assistant) as url, sync_playwright() as playwright:
        browser = launch(playwright)
        page = browser.new_page(viewport={"width": 900, "height": 900})
        log_in_to_review(page, url)
        tab = page.get_by_role("tab", name="Inbox")
        tab.focus()
        page.keyboard.press("Enter")
        inbox = page.get_by_role("grid", name="Conversations with a person")
        expect(inbox).to_contain_text("How long do reset links work?", timeout=20_000)
        page.screenshot(path=str(tmp_path / "inbox-900.png"), full_page=True)
        tab.focus()
        for _ in range(20):
            page.keyboard.press("Tab")
            if page.evaluate(IN_INBOX_GRID):
                break
        assert page.evaluate(IN_INBOX_GRID), page.evaluate(FOCUSED)
        focused = page.evaluate("() => document.activeElement.getBoundingClientRect().width")
        assert focused > 0, page.evaluate(FOCUSED)  # a cell that shows, not a hidden one
        page.keyboard.press("ArrowDown")
        page.keyboard.press("Enter")
        expect(page.locator("#inbox-transcript")).to_contain_text(session_id, timeout=20_000)
        # past the last column shown the focus stays on a cell in sight (the hidden ones cannot take it)
        for _ in range(6):
            page.keyboard.press("ArrowRight")
        assert page.evaluate(IN_INBOX_GRID), page.evaluate(FOCUSED)
        assert page.evaluate("() => document.activeElement.getBoundingClientRect().width") > 0, page.evaluate(FOCUSED)
        browser.close()


@pytest.mark.browser
def test_a_conversation_opened_from_a_link_is_highlighted_in_the_inbox(fake_assistant) -> None:  # type: ignore[no-untyped-def]
    # /review/?conversation=ID (a notice's link, a reload) opened it in the Inbox with no row marked: data-opened was
    # empty and no row aria-current, where a click marks it
    from playwright.sync_api import expect, sync_playwright

    manager = fake_assistant.manager
    other = manager.handle(None, "I want to talk to a human about my order").session_id
    waiting = manager.handle(None, "I want to talk to a human about my reset link").session_id
    with serving(fake_assistant) as url, sync_playwright() as playwright:
        browser = launch(playwright)
        page = browser.new_page(viewport={"width": 1280, "height": 1000})
        page.goto(f"{url}/review/?conversation={waiting}", wait_until="domcontentloaded")
        page.get_by_label("username").fill(STAFF_USER)
        page.get_by_label("password").fill(STAFF_PASSWORD)
        page.get_by_role("button", name="Login").click()
        expect(page.locator("#inbox-transcript")).to_contain_text("about my reset link", timeout=30_000)
        inbox = page.locator("#inbox-list")
        expect(inbox).to_contain_text(other, timeout=20_000)
        expect(inbox).to_have_attribute("data-opened", waiting, timeout=10_000)
        current = inbox.locator('[role="row"][aria-current="true"]')
        expect(current).to_have_count(1, timeout=10_000)
        expect(current).to_contain_text(waiting)
        browser.close()
