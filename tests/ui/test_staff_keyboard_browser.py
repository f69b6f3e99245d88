"""The staff pages for keyboard and screen-reader users, in a real browser with the fakes of test_browser: the label
form's radio buttons as groups, seen when focused; a conversation opened from the list with the keyboard said; a
transcript read with its speakers apart from their words; the page at 320 px (a laptop at 400 % zoom)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from test_browser import contrast, fake_assistant, launch, log_in_to_review, serving  # noqa: F401 (fake_assistant: a fixture)

pytestmark = pytest.mark.browser

RADIOS = """() => [...document.querySelectorAll('input[type="radio"]')].map(
  (input) => [input.closest('fieldset').getAttribute('aria-label'), input.value, input.name, input.checked])"""
FOCUSED = "() => { const e = document.activeElement; return e ? e.outerHTML.slice(0, 160) : ''; }"
# a radio button's edge, and what it is drawn on: its own fill and its label's background
RADIO_COLOURS = """(input) => { const own = getComputedStyle(input), label = getComputedStyle(input.closest('label'));
  return [own.borderTopColor, own.backgroundColor, label.backgroundColor]; }"""
# a focused radio button's ring, the colour between it and the button (its shadow), and the label's background
RING = """(input) => { const s = getComputedStyle(input);
  return {outline: s.outlineStyle === 'none' ? 0 : parseFloat(s.outlineWidth), colour: s.outlineColor,
          between: (s.boxShadow.match(/rgba?\\([^)]*\\)/) || [''])[0], label: getComputedStyle(input.closest('label')).backgroundColor}; }"""


def _groups(page) -> dict[str, set[str]]:  # type: ignore[no-untyped-def]
    """The names the radio buttons of each group (by its label) carry."""
    groups: dict[str, set[str]] = {}
    for label, _value, name, _checked in page.evaluate(RADIOS):
        groups.setdefault(label, set()).add(name)
    return groups


def _checked(page, label: str) -> list[str]:  # type: ignore[no-untyped-def]
    return [value for group, value, _name, checked in page.evaluate(RADIOS) if group == label and checked]


def _settled(page, read, good, waits: int = 100):  # type: ignore[no-untyped-def]
    """``read(page)`` once ``good`` holds of it, or as it is after ``waits`` looks 0.1 s apart: the page's script names
    the groups after Gradio draws (or redraws) them, later on a busy machine."""
    value = read(page)
    for _ in range(waits):
        if good(value):
            break
        page.wait_for_timeout(100)
        value = read(page)
    return value


def _one_name_a_group(groups: dict[str, set[str]]) -> bool:
    return bool(groups) and all(len(names) == 1 for names in groups.values())


def test_the_label_forms_radio_buttons_are_groups_seen_and_used_with_the_keyboard(fake_assistant) -> None:  # type: ignore[no-untyped-def]
    # Gradio gave each radio button a name of its own: each a Tab stop, arrow keys did nothing, a screen reader said
    # "1 of 1"; an unchecked one's edge was rgb(243, 244, 246) on white (1.1:1), a focused one had no ring at all
    from playwright.sync_api import expect, sync_playwright

    fake_assistant.manager.handle(None, "How long do reset links work?")
    with serving(fake_assistant) as url, sync_playwright() as playwright:
        browser = launch(playwright)
        for scheme in ("light", "dark"):
            page = browser.new_page(viewport={"width": 1280, "height": 1000}, color_scheme=scheme)
            log_in_to_review(page, url)
            groups = _settled(page, _groups, _one_name_a_group)
            assert set(groups) == {"The answer was", "Your thumbs"}
            assert all(len(names) == 1 for names in groups.values()), groups  # one name a group
            assert groups["The answer was"] != groups["Your thumbs"]
            page.wait_for_timeout(500)  # the theme's colour transitions
            for radio in page.locator('input[type="radio"]:not(:checked)').all():
                edge, fill, label = radio.evaluate(RADIO_COLOURS)
                assert min(contrast(edge, fill), contrast(edge, label)) >= 3, (scheme, edge, fill, label)
            if scheme == "dark":
                break
            # one Tab stop a group, on its checked button; arrow keys move the choice (the focus starts on the radios
            # themselves)
            chosen = page.get_by_role("radio", name="not judged")
            chosen.focus()
            page.keyboard.press("Tab")
            expect(page.get_by_role("radio", name="none")).to_be_focused()  # the thumbs' checked one: the next group
            page.keyboard.press("Shift+Tab")
            expect(chosen).to_be_focused()
            ring = chosen.evaluate(RING)
            assert ring["outline"] >= 2, page.evaluate(FOCUSED)
            assert contrast(ring["colour"], page.locator("body").evaluate("e => getComputedStyle(e).backgroundColor")) >= 3
            # the chosen one's label is indigo, on which the ring in the text's colour was 1.9:1: a band of the page's
            # colour between them
            assert ring["between"], ring
            assert min(contrast(ring["colour"], ring["between"]), contrast(ring["between"], ring["label"])) >= 3, ring
            page.keyboard.press("ArrowLeft")
            expect(page.get_by_role("radio", name="wrong")).to_be_focused()
            assert _settled(page, lambda p: _checked(p, "The answer was"), lambda c: c == ["wrong"]) == ["wrong"]
            expect(page.get_by_test_id("wrong-radio-label")).to_have_class(re.compile(r"\bselected\b"))  # Gradio's value follows
            page.keyboard.press("ArrowLeft")
            assert _settled(page, lambda p: _checked(p, "The answer was"), lambda c: c == ["right"]) == ["right"]
            assert _one_name_a_group(_settled(page, _groups, _one_name_a_group)), _groups(page)  # still groups once chosen
            page.get_by_test_id("up-radio-label").click()
            assert _settled(page, lambda p: _checked(p, "Your thumbs"), lambda c: c == ["up"]) == ["up"]
            assert _checked(page, "The answer was") == ["right"]
            assert _one_name_a_group(_settled(page, _groups, _one_name_a_group)), _groups(page)
        browser.close()


def test_a_conversation_opened_from_the_list_with_the_keyboard_is_said_and_read_with_its_speakers(  # type: ignore[no-untyped-def]
    fake_assistant,
) -> None:
    # Enter on a cell opened the conversation below the list and said nothing; its transcript read "Turn 1 ·
    # customerHow long do …" and "assistantPassword reset links …"
    from playwright.sync_api import expect, sync_playwright

    session_id = fake_assistant.manager.handle(None, "How long do reset links work?").session_id
    with serving(fake_assistant) as url, sync_playwright() as playwright:
        browser = launch(playwright)
        page = browser.new_page(viewport={"width": 1280, "height": 1000})
        log_in_to_review(page, url)
        expect(page.locator("#review-list")).to_contain_text(session_id, timeout=20_000)
        page.locator("#review-find").focus()
        for _ in range(10):
            page.keyboard.press("Tab")
            if page.evaluate("() => document.activeElement.getAttribute('role') === 'gridcell'"):
                break
        page.keyboard.press("Enter")
        transcript = page.locator("#review-transcript")
        expect(transcript).to_contain_text(session_id, timeout=20_000)
        said = page.get_by_role("status").filter(has_text=session_id)
        expect(said).to_have_count(1, timeout=10_000)
        expect(said).to_contain_text("opened")
        read = transcript.aria_snapshot()
        # (the accessibility tree has a space before the colon: a span of its own)
        assert re.search(r"customer ?: How long do reset links work\?", read), read
        assert re.search(r"assistant ?: Password reset links expire", read), read
        browser.close()


def test_the_staff_page_at_320_px_keeps_its_header_readable_and_every_tab_a_tab(fake_assistant, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    # At 320 px (400 % zoom) who is logged in was a column 4 px wide (a letter a line), and the tabs that did not fit
    # were plain buttons in a "More tabs" menu (no aria-expanded, the Inbox's tab without its id)
    from playwright.sync_api import expect, sync_playwright

    with serving(fake_assistant) as url, sync_playwright() as playwright:
        browser = launch(playwright)
        page = browser.new_page(viewport={"width": 320, "height": 700})
        log_in_to_review(page, url)
        expect(page.locator("#review-user")).to_contain_text("Logged in as", timeout=20_000)
        page.screenshot(path=str(tmp_path / "review-320.png"))
        box = lambda selector: page.locator(selector).bounding_box()  # noqa: E731
        assert box("#review-header h1")["height"] < 40  # one line
        assert box("#review-user")["width"] >= 120, box("#review-user")
        assert box("#review-logout")["height"] <= 48, box("#review-logout")
        assert page.evaluate("document.documentElement.scrollWidth") <= 320
        tabs = page.get_by_role("tab")
        expect(tabs).to_have_count(4)
        for tab in tabs.all():
            expect(tab).to_be_visible()
            assert tab.bounding_box()["x"] + tab.bounding_box()["width"] <= 320
        expect(page.locator("#inbox-tab-button")).to_have_attribute("role", "tab")
        page.locator("#inbox-tab-button").focus()
        page.keyboard.press("Enter")
        expect(page.locator("#inbox-list")).to_be_visible(timeout=20_000)
        page.screenshot(path=str(tmp_path / "inbox-320.png"))
        browser.close()
