"""The Inbox on a phone (390 px wide), in a real browser with the fakes of test_browser: every word whole, each
conversation on one line, and the handoffs that came outside the support hours marked."""

from __future__ import annotations

import dataclasses
from datetime import datetime, time, timezone
from pathlib import Path

import pytest
from test_browser import fake_assistant, launch, log_in_to_review, serving  # noqa: F401 (fake_assistant: a fixture)

from dialog.business_rules import DAYS, SupportHours

pytestmark = pytest.mark.browser

# the words of the Inbox's shown headers and cells that the browser laid out over two lines or more ("Wa/it/in/g"), and
# the shown cells whose text takes more than one line
LAID_OUT = """() => {
  const broken = [], tall = [];
  const tops = (range) => [...range.getClientRects()].filter((r) => r.width > 0).map((r) => Math.round(r.top));
  document.querySelectorAll('#inbox-list :is([role="gridcell"], [role="columnheader"])').forEach((cell) => {
    if (!cell.offsetParent) return;  // a column this width hides
    const cellTops = new Set();
    const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      if (!node.parentElement.offsetParent) continue;  // text not shown
      for (const word of node.textContent.matchAll(/\\S+/g)) {
        const range = document.createRange();
        range.setStart(node, word.index);
        range.setEnd(node, word.index + word[0].length);
        const lines = new Set(tops(range));
        if (lines.size > 1) broken.push(word[0]);
        lines.forEach((top) => cellTops.add(top));
      }
    }
    if (cell.getAttribute("role") === "gridcell" && cellTops.size > 1) tall.push(cell.textContent.trim());
  });
  return { broken, tall };
}"""


def test_at_390_px_the_inbox_breaks_no_word_and_shows_a_conversation_on_one_line(fake_assistant, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    # Before, at 390 px the five columns of a narrow screen were 35-130 px wide: "Waiting" read "Wa/it/in/g", "Needs a
    # reply" "Ne/ed/s a/ re/pl/y", "answered" "an/sw/er/ed", and a conversation took five lines
    from playwright.sync_api import expect, sync_playwright

    manager = fake_assistant.manager
    today = datetime.now(timezone.utc).astimezone(SupportHours(timezone="America/New_York").zone()).weekday()
    hours = SupportHours(timezone="America/New_York", hours={DAYS[(today + 3) % 7]: (time(9), time(17))})  # closed now
    manager.rules = dataclasses.replace(manager.rules, support_hours=hours)
    waiting = manager.handle(None, "I want to talk to a human about my reset link, it expired twice already").session_id
    answered = manager.handle(None, "Can I talk to a person please").session_id
    manager.reply_as_staff(answered, "Hello, Ana here.", author="ana", take_over=False, login="ana")
    with serving(fake_assistant) as url, sync_playwright() as playwright:
        browser = launch(playwright)
        page = browser.new_page(viewport={"width": 390, "height": 844})
        log_in_to_review(page, url)
        page.get_by_role("tab", name="Inbox").click()
        inbox = page.locator("#inbox-list")
        expect(inbox).to_contain_text("about my reset link", timeout=20_000)
        expect(inbox).to_contain_text("answered")
        page.wait_for_timeout(500)  # the column widths apply as the grid is laid out
        inbox.screenshot(path=str(tmp_path / "inbox-390.png"))
        laid_out = page.evaluate(LAID_OUT)
        assert laid_out == {"broken": [], "tall": []}
        headers = [h.strip() for h in inbox.get_by_role("columnheader").filter(visible=True).all_inner_texts()]
        assert [h.split("\n")[0].replace("⋮", "").strip() for h in headers][:3] == ["Waiting", "First message", "Out of hours"]
        for row in (waiting, answered):  # handed off while nobody was at work
            expect(inbox.get_by_role("row").filter(has_text="reset link" if row == waiting else "talk to a person")).to_contain_text("yes")
        inbox.get_by_role("row").filter(has_text="reset link").get_by_role("gridcell").first.click()
        expect(page.locator("#inbox-transcript")).to_contain_text(waiting, timeout=20_000)
        browser.close()
