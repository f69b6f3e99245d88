"""The Analytics tab's charts count turns: their y axes are labelled in whole numbers. In a real browser with the
fakes of test_browser."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_browser import fake_assistant, launch, log_in_to_review, serving  # noqa: F401 (fake_assistant: a fixture)

pytestmark = pytest.mark.browser

# the labels of a chart's y axis (Vega draws it as SVG: a group named "Y-axis titled ...")
Y_LABELS = """(chart) => [...chart.querySelectorAll('g[aria-label^="Y-axis"] .role-axis-label text')].map((t) => t.textContent)"""


@pytest.mark.parametrize("asked", [2, 7])
def test_the_turns_per_day_and_top_intents_axes_have_whole_number_ticks(fake_assistant, tmp_path: Path, asked: int) -> None:  # type: ignore[no-untyped-def]
    # Before, with a few turns the axes read 0.0, 0.5, 1.0, 1.5, 2.0 ("1.5 turns"): counts are whole numbers
    from playwright.sync_api import expect, sync_playwright

    manager = fake_assistant.manager
    session_id = manager.handle(None, "How long do reset links work?").session_id
    for _ in range(asked - 1):
        manager.handle(session_id, "How long do reset links work?")
    manager.handle(None, "hello")
    with serving(fake_assistant) as url, sync_playwright() as playwright:
        browser = launch(playwright)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        log_in_to_review(page, url)
        page.get_by_role("tab", name="Analytics").click()
        for chart_id in ("#analytics-volume", "#analytics-intents"):
            labels = page.locator(f'{chart_id} g[aria-label^="Y-axis"] .role-axis-label text')
            expect(labels.first).to_be_visible(timeout=60_000)
            shown = page.locator(chart_id).evaluate(Y_LABELS)
            assert len(shown) >= 2 and all(label.isdigit() for label in shown), (chart_id, shown)
            assert int(shown[-1]) >= asked, (chart_id, shown)  # the tallest bar within the axis
        page.screenshot(path=str(tmp_path / "analytics.png"), full_page=True)
        browser.close()
