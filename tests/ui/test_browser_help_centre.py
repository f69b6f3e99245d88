"""The help centre's home page (/kb/) in Chromium: a customer goes from the chat to the list, to an article and back."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_browser import fake_assistant, launch, screenshot, serving  # noqa: F401 (fake_assistant: a fixture)

pytestmark = pytest.mark.browser


def test_a_customer_browses_the_help_centre_from_an_article_to_the_list_and_back(fake_assistant, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from playwright.sync_api import expect, sync_playwright

    with serving(fake_assistant) as url, sync_playwright() as playwright:
        browser = launch(playwright)
        page = browser.new_page(viewport={"width": 1000, "height": 800})
        page.goto(url + "/kb/accounts/reset-password")
        page.get_by_role("link", name="Help centre").click()

        expect(page).to_have_title("Help centre")
        expect(page.get_by_role("heading", level=1)).to_have_text("Help centre")
        expect(page.get_by_role("heading", level=2)).to_have_text("Accounts")
        screenshot(page, "help-centre.png", tmp_path, full_page=True)
        page.get_by_role("link", name="Reset your password").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Reset your password")
        page.get_by_role("link", name="Help centre").click()
        page.get_by_role("link", name="Back to the assistant").click()
        page.locator("#question textarea").wait_for(timeout=30_000)  # the chat page
        browser.close()
