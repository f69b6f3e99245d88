"""The customer's chat in Chromium while a person has the conversation: no "Try" example questions, and a staff
reply shown with its line breaks and its web addresses as links, anything else it holds as text."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_browser import ask, fake_assistant, launch, open_chat, server_url, stored_session_id  # noqa: F401

pytestmark = pytest.mark.browser

QUESTION = "How long do password reset links work?"


def test_the_try_examples_are_hidden_while_a_person_has_the_conversation(server_url: str, tmp_path: Path) -> None:  # noqa: F811
    """Before, "Try" offered questions for the assistant under a conversation it no longer answered."""
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as playwright:
        browser = launch(playwright)
        page = browser.new_page(viewport={"width": 1000, "height": 900})
        open_chat(page, server_url)
        examples = page.get_by_text("Try", exact=True)
        expect(examples).to_be_visible()
        ask(page, QUESTION, "30 minutes")
        expect(examples).to_be_visible()

        page.locator("#talk-to-human").click()
        expect(page.locator("#handoff-banner")).to_be_visible(timeout=20_000)
        expect(examples).to_be_hidden(timeout=10_000)
        page.screenshot(path=str(tmp_path / "handed-off.png"))
        page.reload(wait_until="domcontentloaded")  # drawn again from the store
        expect(page.locator("#handoff-banner")).to_be_visible(timeout=30_000)
        expect(page.get_by_text("Try", exact=True)).to_be_hidden(timeout=10_000)

        page.locator("#talk-to-human").click()  # back to the assistant: offered again
        expect(page.locator("#handoff-banner")).to_be_hidden(timeout=20_000)
        expect(page.get_by_text("Try", exact=True)).to_be_visible(timeout=10_000)
        browser.close()


def test_a_staff_reply_keeps_its_line_breaks_and_its_links_and_shows_html_as_text(  # type: ignore[no-untyped-def]
    server_url: str, fake_assistant, tmp_path: Path  # noqa: F811
) -> None:
    """Before, an address with "_" or "#" in it (escaped for the Markdown chat) was linked with a backslash in it,
    "my%5C_parcel", a page that does not exist."""
    from playwright.sync_api import expect, sync_playwright

    reply = (
        "Hi, Ana here.\nYour parcel: https://track.example.com/my_parcel?id=7&lang=en#step_2.\n\n"
        "<b>Thanks</b> <img src=x onerror=alert(1)> [click](javascript:alert(1)) javascript:alert(2)"
    )
    with sync_playwright() as playwright:
        browser = launch(playwright)
        page = browser.new_page(viewport={"width": 1000, "height": 900})
        open_chat(page, server_url)
        ask(page, QUESTION, "30 minutes")
        fake_assistant.manager.reply_as_staff(stored_session_id(fake_assistant), reply, author="ana")
        shown = page.locator("#chat .bot").last
        expect(shown).to_contain_text("Ana here", timeout=30_000)  # the slow timer, 15 s

        lines = shown.inner_text()
        assert "Hi, Ana here.\nYour parcel:" in lines  # a line break, not "Hi, Ana here. Your parcel:"
        link = shown.get_by_role("link", name="https://track.example.com/my_parcel?id=7&lang=en#step_2")
        expect(link).to_have_attribute("href", "https://track.example.com/my_parcel?id=7&lang=en#step_2")  # the full stop after it left out
        expect(shown.locator("a")).to_have_count(1)  # javascript: is no link
        expect(shown.locator("b, img, script")).to_have_count(0)
        expect(shown).to_contain_text("<b>Thanks</b> <img src=x onerror=alert(1)> [click](javascript:alert(1)) javascript:alert(2)")
        page.screenshot(path=str(tmp_path / "staff-reply.png"))
        browser.close()
