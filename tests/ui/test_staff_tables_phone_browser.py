"""The staff pages' tables on a phone (390 px) and a laptop (1366 px), in a real browser with the fakes of test_browser:
no word of the conversation list, the Inbox or the Analytics tables laid out over two lines ("Wa/it/in/g"), and an
Inbox without support hours in the rules has no "Out of hours" column."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from test_analytics_ticks_browser import Y_LABELS
from test_browser import fake_assistant, launch, log_in_to_review, serving  # noqa: F401 (fake_assistant: a fixture)

pytestmark = pytest.mark.browser

# the page's title, and the tables (their headers and cells)
TABLES = ("#review-header", "#review-list", "#inbox-list", "#analytics-rates", "#analytics-latency", "#analytics-unanswered", "#analytics-not-helped")

# the words of a table's shown headers and cells (or a title) that the browser laid out over two lines or more
# ("Wa/it/in/g")
BROKEN_WORDS = """(table) => {
  const broken = [];
  const tops = (range) => [...range.getClientRects()].filter((r) => r.width > 0).map((r) => Math.round(r.top));
  table.querySelectorAll(':is([role="gridcell"], [role="columnheader"], h1)').forEach((cell) => {
    if (!cell.offsetParent) return;  // a column this width hides
    const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      if (!node.parentElement.offsetParent) continue;  // text not shown
      for (const word of node.textContent.matchAll(/\\S+/g)) {
        const range = document.createRange();
        range.setStart(node, word.index);
        range.setEnd(node, word.index + word[0].length);
        if (new Set(tops(range)).size > 1) broken.push(word[0]);
      }
    }
  });
  return broken;
}"""


# how far (px) a chart's x-axis title reaches below its block: cut off where more than 0
CUT_OFF = """(chart) => {
  const title = chart.querySelector('g[aria-label^="X-axis"] .role-axis-title');
  return title ? Math.round(title.getBoundingClientRect().bottom - chart.getBoundingClientRect().bottom) : null;
}"""


def _headers(table) -> list[str]:  # type: ignore[no-untyped-def]
    """The column names a table shows (without Gradio's menu button)."""
    shown = table.get_by_role("columnheader").filter(visible=True).all_inner_texts()
    return [h.split("\n")[0].replace("⋮", "").strip() for h in shown]


def _open_tab(page, name: str) -> None:  # type: ignore[no-untyped-def]
    """Open a tab of the staff pages; on a phone the tabs that do not fit are in Gradio's overflow menu."""
    tab = page.get_by_role("tab", name=name)
    if not tab.is_visible():
        page.locator(".overflow-menu button").first.click()
        tab = page.locator(".overflow-dropdown button").filter(has_text=name)
    tab.click()


def test_the_staff_tables_break_no_word_at_390_and_1366_px(fake_assistant, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    # Before, at 390 px the page's title read "Convers/ation review" (no table broke a word, but the Inbox showed an empty
    # "Out of hours" column for rules without support hours)
    from playwright.sync_api import expect, sync_playwright

    manager = fake_assistant.manager
    manager.rules = dataclasses.replace(manager.rules, support_hours=None)  # a shop that sets no support hours
    first = manager.handle(None, "How long do reset links work? Mine arrived yesterday evening and expired overnight")
    manager.handle(first.session_id, "thanks, that's all wrong")  # an answer that did not help
    manager.handle(None, "I want to talk to a human about my reset link, it expired twice already")
    assert manager.handle(None, "Can I pay with seashells?").abstained  # unanswered
    with serving(fake_assistant) as url, sync_playwright() as playwright:
        browser = launch(playwright)
        page = browser.new_page(viewport={"width": 390, "height": 844})
        log_in_to_review(page, url)
        expect(page.locator("#review-list")).to_contain_text("reset links", timeout=20_000)
        _open_tab(page, "Inbox")
        expect(page.locator("#inbox-list")).to_contain_text("about my reset link", timeout=20_000)
        # without support hours nothing could ever be marked: no "Out of hours" column, at any width
        assert _headers(page.locator("#inbox-list"))[:2] == ["Waiting", "First message"]
        _open_tab(page, "Analytics")
        expect(page.locator("#analytics-rates")).to_contain_text("Conversations", timeout=60_000)
        expect(page.locator("#analytics-unanswered")).to_contain_text("seashells", timeout=20_000)
        expect(page.locator("#analytics-not-helped")).to_contain_text("all wrong")
        broken = {}
        for width in (390, 1366):
            page.set_viewport_size({"width": width, "height": 844})
            for tab in ("Conversations", "Inbox", "Analytics"):
                _open_tab(page, tab)
                page.wait_for_timeout(500)  # the column widths apply as the grid is laid out
                page.screenshot(path=str(tmp_path / f"{tab.lower()}-{width}.png"), full_page=True)
                if tab == "Inbox":
                    assert "Out of hours" not in _headers(page.locator("#inbox-list")), width
                for table in TABLES:
                    if page.locator(table).is_visible():
                        broken[(width, table)] = page.locator(table).evaluate(BROKEN_WORDS)
                if tab == "Analytics":  # the charts of turns whole, at the height the page sets, in whole numbers
                    for chart in ("#analytics-volume", "#analytics-intents"):
                        assert page.locator(chart).evaluate(CUT_OFF) <= 0, (width, chart)
                        assert all(label.isdigit() for label in page.locator(chart).evaluate(Y_LABELS)), (width, chart)
        assert {key: words for key, words in broken.items() if words} == {}
        assert len(broken) == 2 * len(TABLES)  # every table looked at, at each width
        browser.close()
