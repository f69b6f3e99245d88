"""The Turn drop-down of the review page's label form, in a browser: leaving it sends nothing, picking another
turn with the keyboard reloads that turn's labels."""

from __future__ import annotations

import pytest
from test_browser import fake_assistant, launch, log_in_to_review, serving  # noqa: F401 (fake_assistant: a fixture)

pytestmark = pytest.mark.browser


def test_leaving_the_turn_drop_down_sends_nothing_and_the_keyboard_picks_another_turn(fake_assistant) -> None:  # type: ignore[no-untyped-def]
    """Gradio's Dropdown sends "input" on every blur: tabbing out of Turn reloaded the turn's labels, and a reply
    landing after a key pressed in the radios reset the form."""
    from playwright.sync_api import expect, sync_playwright

    session_id = fake_assistant.manager.handle(None, "How long do password reset links work?").session_id
    fake_assistant.manager.handle(session_id, "And after that?")
    with serving(fake_assistant) as url, sync_playwright() as playwright:
        browser = launch(playwright)
        page = browser.new_page(viewport={"width": 1366, "height": 1000})
        log_in_to_review(page, url)
        page.locator("#review-list").get_by_text(session_id).last.click()
        expect(page.locator("#review-transcript")).to_contain_text("And after that?", timeout=20_000)
        turn = page.get_by_role("combobox", name="Turn")
        expect(turn).to_have_value("1", timeout=10_000)
        page.wait_for_timeout(1_500)  # the reload of turn 1's labels as the turn was set (change) is done

        sent: list[str] = []
        page.on("request", lambda request: sent.append(request.url) if "queue/join" in request.url else None)
        turn.focus()
        page.keyboard.press("Tab")  # out of it, the turn unchanged
        page.wait_for_timeout(1_500)  # before, the blur's request went at once
        assert sent == []

        notes = page.get_by_role("textbox", name="Notes")
        notes.fill("a draft for turn 1")
        turn.focus()
        page.keyboard.press("ArrowDown")
        page.keyboard.press("Enter")
        expect(turn).to_have_value("2", timeout=10_000)
        expect(notes).to_have_value("", timeout=20_000)  # turn 2's labels (none) read
        assert len(sent) == 1
        browser.close()
