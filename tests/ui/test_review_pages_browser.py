"""The staff pages in Chromium: the open conversation's row is highlighted in its list, each turn's decision record
is folded to one line, and a failure that is not a refusal keeps Gradio's "Error" badges. With the fakes of
test_browser."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_browser import contrast, fake_assistant, launch, log_in_to_review, serving  # noqa: F401

pytestmark = pytest.mark.browser

COLOURS = "e => [getComputedStyle(e).color, getComputedStyle(e).backgroundColor]"


def test_the_open_conversations_row_is_highlighted_in_the_list_and_in_the_inbox(fake_assistant, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """Before, after a click on a row nothing in either list showed which conversation the transcript below was."""
    from playwright.sync_api import expect, sync_playwright

    manager = fake_assistant.manager
    first = manager.handle(None, "How long do reset links work?").session_id
    second = manager.handle(None, "I want to talk to a human about my reset link").session_id
    third = manager.handle(None, "Can I talk to a person please").session_id
    with serving(fake_assistant) as url, sync_playwright() as playwright:
        browser = launch(playwright)
        page = browser.new_page(viewport={"width": 1366, "height": 900})
        log_in_to_review(page, url)
        listed = page.locator("#review-list")
        expect(listed).to_contain_text(first, timeout=20_000)
        current = listed.locator('[role="row"][aria-current="true"]')
        expect(current).to_have_count(0)

        listed.get_by_role("gridcell", name=first).click()
        expect(page.locator("#review-transcript")).to_contain_text(first, timeout=20_000)
        expect(current).to_have_count(1, timeout=10_000)
        expect(current).to_contain_text(first)
        cell = current.get_by_role("gridcell").first
        assert contrast(*cell.evaluate(COLOURS)) >= 4.5
        listed.get_by_role("gridcell", name=second).click()  # another: only it
        expect(current).to_contain_text(second, timeout=10_000)
        expect(current).to_have_count(1)
        page.locator("#review-find").click()  # drawn again: still marked
        expect(page.locator("#review-status")).to_contain_text("3 conversation(s)", timeout=20_000)
        expect(current).to_contain_text(second, timeout=10_000)

        page.get_by_role("tab", name="Inbox (2)").click()
        inbox = page.locator("#inbox-list")
        in_inbox = inbox.locator('[role="row"][aria-current="true"]')
        expect(inbox).to_contain_text(third, timeout=20_000)
        expect(in_inbox).to_have_count(0)  # the Inbox's own open conversation: none yet
        inbox.get_by_role("gridcell", name=third).click()
        expect(page.locator("#inbox-transcript")).to_contain_text("Can I talk to a person", timeout=20_000)
        expect(in_inbox).to_have_count(1, timeout=10_000)
        expect(in_inbox).to_contain_text(third)
        page.locator("#inbox-refresh").click()
        expect(page.locator("#inbox-status")).to_contain_text("2 conversation(s)", timeout=20_000)
        expect(in_inbox).to_contain_text(third, timeout=10_000)
        page.screenshot(path=str(tmp_path / "inbox-open-row.png"))
        browser.close()


def test_a_turns_decision_record_is_one_line_that_opens_with_a_click(fake_assistant, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """Before, every turn showed its whole record (reason, query, passages, model, timings, sources): a long
    conversation was mostly records."""
    from playwright.sync_api import expect, sync_playwright

    session_id = fake_assistant.manager.handle(None, "How long do reset links work?").session_id
    with serving(fake_assistant) as url, sync_playwright() as playwright:
        browser = launch(playwright)
        page = browser.new_page(viewport={"width": 1366, "height": 900})
        log_in_to_review(page, url)
        page.get_by_label("Conversation id").fill(session_id)
        page.locator("#review-open").click()
        record = page.locator("#review-transcript #turn-1 details.record")
        summary = record.locator("summary")
        expect(summary).to_contain_text("intent", timeout=20_000)
        expect(summary).to_contain_text("action answer")
        query = record.locator("div", has_text="query:")
        expect(query).to_be_hidden()
        summary.click()
        expect(query).to_be_visible()
        expect(record).to_contain_text("model:")
        page.screenshot(path=str(tmp_path / "record-open.png"))
        browser.close()


def test_a_refusal_is_a_toast_but_an_unexpected_failure_keeps_its_error_badges(fake_assistant, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """Before, the pages hid every "Error" badge: a failure of the server left the outputs looking as if up to date."""
    from playwright.sync_api import expect, sync_playwright

    def broken(since, until):  # type: ignore[no-untyped-def]
        raise RuntimeError("the analytics broke")

    fake_assistant.analytics = broken  # the review page takes the Assistant's analytics when it is built
    with serving(fake_assistant) as url, sync_playwright() as playwright:
        browser = launch(playwright)
        page = browser.new_page(viewport={"width": 1366, "height": 900})
        log_in_to_review(page, url)
        page.locator("#review-as-test").click()  # a refusal: nothing open
        expect(page.get_by_test_id("toast-body").filter(has_text="Open a conversation with at least one turn")).to_be_visible(timeout=20_000)
        page.wait_for_timeout(1000)
        expect(page.locator('[data-testid="status-tracker"] .error').filter(visible=True)).to_have_count(0)
        expect(page.locator("#review-download")).to_be_hidden()

        page.get_by_role("tab", name="Analytics").click()
        badge = page.locator("#analytics-rates").get_by_text("Error", exact=True)
        expect(badge).to_be_visible(timeout=20_000)
        page.screenshot(path=str(tmp_path / "analytics-failed.png"))
        browser.close()


def test_a_refused_search_keeps_the_page_shown_and_where_previous_page_leads(  # type: ignore[no-untyped-def]
    fake_assistant, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A refused search (a From that is no date) is said in a toast and changes nothing. Before, the step chained after
    the search (.then) ran after a refused one too and set the pages shown back to the first: the list still showed
    page 2, and "Previous page" said "This is the first page." instead of going back to page 1."""
    from playwright.sync_api import expect, sync_playwright

    monkeypatch.setattr("ui.review.PAGE_SIZE", 1)  # a page of one conversation: three pages
    manager = fake_assistant.manager
    oldest, middle, newest = (manager.handle(None, text).session_id for text in ("hello", "thanks", "How long do reset links work?"))
    with serving(fake_assistant) as url, sync_playwright() as playwright:
        browser = launch(playwright)
        page = browser.new_page(viewport={"width": 1366, "height": 900})
        log_in_to_review(page, url)
        listed, status = page.locator("#review-list"), page.locator("#review-status")
        expect(listed).to_contain_text(newest, timeout=20_000)
        page.locator("#review-next").click()
        expect(listed).to_contain_text(middle, timeout=20_000)
        expect(status).to_have_text("1 conversation(s) — more on the next page", use_inner_text=True)

        page.get_by_role("textbox", name="From", exact=True).fill("2026-13-45")
        page.locator("#review-find").click()
        expect(page.get_by_test_id("toast-body").filter(has_text="From: write the date as YYYY-MM-DD")).to_be_visible(timeout=20_000)
        page.wait_for_timeout(1000)  # what the refused search's chained step did, it has done by now
        page.screenshot(path=str(tmp_path / "refused-search.png"))
        expect(page.locator('[data-testid="status-tracker"] .error').filter(visible=True)).to_have_count(0)
        expect(listed).to_contain_text(middle)
        expect(listed).not_to_contain_text(newest)
        expect(status).to_have_text("1 conversation(s) — more on the next page", use_inner_text=True)

        page.get_by_role("textbox", name="From", exact=True).fill("")
        page.locator("#review-previous").click()
        expect(listed).to_contain_text(newest, timeout=20_000)
        expect(status).to_have_text("1 conversation(s) — more on the next page", use_inner_text=True)
        page.locator("#review-next").click()
        expect(listed).to_contain_text(middle, timeout=20_000)  # a click while one is on its way is dropped (Gradio's "once")
        page.locator("#review-next").click()
        expect(listed).to_contain_text(oldest, timeout=20_000)
        browser.close()
