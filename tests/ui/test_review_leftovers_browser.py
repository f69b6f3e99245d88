"""The review page's Download box in a real browser: a refused export takes the file of the export before away."""

from __future__ import annotations

import pytest
from test_browser import fake_assistant, launch, log_in_to_review, serving  # noqa: F401 (fake_assistant: a fixture)

pytestmark = pytest.mark.browser


def test_a_refused_fine_tuning_export_empties_the_download_box(fake_assistant) -> None:  # type: ignore[no-untyped-def]
    """The YAML of one conversation stayed in the Download box under the notice that the next had nothing to export,
    as if it were that one's file."""
    from playwright.sync_api import expect, sync_playwright

    answered = fake_assistant.manager.handle(None, "How long do reset links work?").session_id
    declined = fake_assistant.manager.handle(None, "I want to sue you").session_id
    with serving(fake_assistant) as url, sync_playwright() as playwright:
        browser = launch(playwright)
        page = browser.new_page(viewport={"width": 1280, "height": 1000})
        log_in_to_review(page, url)
        transcript, download = page.locator("#review-transcript"), page.locator("#review-download")
        page.locator("#review-list").get_by_text(answered).last.click()
        expect(transcript).to_contain_text("reset links", timeout=20_000)
        page.locator("#review-as-test").click()
        expect(download).to_contain_text(answered, timeout=20_000)

        page.locator("#review-list").get_by_text(declined).last.click()
        expect(transcript).to_contain_text("sue you", timeout=20_000)
        page.locator("#review-as-example").click()

        expect(page.get_by_test_id("toast-body").filter(has_text="no answered turn")).to_have_count(1, timeout=20_000)
        expect(download).to_have_count(0, timeout=10_000)  # hidden, its file gone: not drawn
        browser.close()
