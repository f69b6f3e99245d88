"""A login's role changed (``assistant users role``) while its review page is open: the page shows the new role and
the new role's controls without a reload, and says so once. In a real browser with the fakes of test_browser."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_browser import STAFF_USER, fake_assistant, launch, log_in_to_review, serving  # noqa: F401 (fake_assistant: a fixture)

pytestmark = pytest.mark.browser


def test_a_role_changed_while_the_page_is_open_is_shown_without_a_reload(fake_assistant, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    # Before, the page read "Logged in as ana (admin)" with the export controls shown until it was reloaded, though the
    # server already refused an export as a reviewer's
    from playwright.sync_api import expect, sync_playwright

    with serving(fake_assistant) as url, sync_playwright() as playwright:
        browser = launch(playwright)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        log_in_to_review(page, url)
        who = page.locator("#review-user")
        expect(who).to_contain_text(f"Logged in as {STAFF_USER} (admin)", timeout=20_000)
        expect(page.locator("#review-export")).to_be_visible()

        fake_assistant.staff.set_role(STAFF_USER, "reviewer")
        expect(who).to_contain_text(f"Logged in as {STAFF_USER} (reviewer)", timeout=30_000)
        expect(page.get_by_test_id("toast-body").filter(has_text="Your role is now reviewer")).to_be_visible(timeout=10_000)
        expect(page.locator("#review-export")).to_be_hidden()
        page.screenshot(path=str(tmp_path / "role-changed.png"))

        fake_assistant.staff.set_role(STAFF_USER, "admin")
        expect(who).to_contain_text(f"Logged in as {STAFF_USER} (admin)", timeout=30_000)
        expect(page.locator("#review-export")).to_be_visible()
        browser.close()
