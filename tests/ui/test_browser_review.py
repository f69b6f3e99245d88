"""The staff login and review pages in a real browser, used from the keyboard and read as a screen reader
reads them (the accessibility tree), with the fakes of test_browser."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path

import pytest
from test_browser import (  # noqa: F401 (fake_assistant: a fixture)
    STAFF_PASSWORD, STAFF_USER, contrast, fake_assistant, launch, log_in_to_review, serving, wait_for,
)

pytestmark = pytest.mark.browser

COLOURS = "e => [getComputedStyle(e).color, getComputedStyle(e).backgroundColor]"
RING = re.compile(r"0px 0px 0px 2px")  # the focused box's ring (box-shadow), not the theme's faint drop shadow


@pytest.fixture
def counted_analytics(fake_assistant) -> Iterator[tuple[str, list[tuple]]]:  # type: ignore[no-untyped-def]
    """The fake assistant served with its analytics counted: the list of (since, until) it was asked for."""
    calls: list[tuple] = []
    figures = fake_assistant.analytics

    def analytics(since, until):  # type: ignore[no-untyped-def]
        calls.append((since, until))
        return figures(since, until)

    fake_assistant.analytics = analytics  # the review page takes the Assistant's analytics when it is built
    with serving(fake_assistant) as url:
        yield url, calls


def test_the_login_page_works_from_the_keyboard_with_a_visible_focus_and_readable_colours(
    counted_analytics: tuple[str, list[tuple]],
) -> None:
    from playwright.sync_api import expect, sync_playwright

    url, _ = counted_analytics
    with sync_playwright() as playwright:
        browser = launch(playwright)
        page = browser.new_page(viewport={"width": 1000, "height": 800})
        page.route("**/*", lambda route: route.continue_() if route.request.url.startswith(url) else route.abort())
        page.goto(url + "/review/", wait_until="domcontentloaded")
        username = page.get_by_role("textbox", name="username")
        username.wait_for(timeout=30_000)
        # Gradio's form had no page title, and fields a password manager had to guess
        expect(page).to_have_title("Staff login · Conversation review")
        expect(username).to_have_attribute("autocomplete", "username")
        expect(page.get_by_role("textbox", name="password")).to_have_attribute("autocomplete", "current-password")
        expect(page.locator("h2", has_text="Login")).to_have_attribute("aria-level", "1")
        expect(page.get_by_role("main")).to_contain_text("Login")
        page.locator("body").click(position={"x": 5, "y": 5})
        page.keyboard.press("Tab")
        expect(username).to_be_focused()
        assert RING.search(username.evaluate("e => getComputedStyle(e).boxShadow"))  # was a faint drop shadow only
        label = page.get_by_text("username", exact=True)
        assert contrast(*label.evaluate(COLOURS)) >= 4.5  # indigo on light indigo was 4.27
        login = page.get_by_role("button", name="Login")
        assert contrast(*login.evaluate(COLOURS)) >= 4.5  # white on indigo-500 was 4.46

        page.keyboard.type(STAFF_USER)
        page.keyboard.press("Tab")
        page.keyboard.type("not the password")
        page.keyboard.press("Enter")
        # announced (Gradio shows it as plain text), and the user name is not emptied as Gradio empties it
        expect(page.get_by_role("alert")).to_have_text("Incorrect Credentials", timeout=30_000)
        expect(username).to_have_value(STAFF_USER)

        password = page.get_by_role("textbox", name="password")
        password.fill("")
        password.focus()
        page.keyboard.type(STAFF_PASSWORD)
        page.keyboard.press("Enter")
        expect(page.get_by_role("heading", level=1)).to_have_text("Conversation review", timeout=30_000)
        expect(page).to_have_title("Conversation review")
        browser.close()


def test_the_review_page_reads_well_to_a_screen_reader_and_a_row_opens_from_the_keyboard(
    counted_analytics: tuple[str, list[tuple]], fake_assistant, tmp_path: Path
) -> None:
    from playwright.sync_api import expect, sync_playwright

    url, _ = counted_analytics
    result = fake_assistant.manager.handle(None, "How long do reset links work?")
    with sync_playwright() as playwright:
        browser = launch(playwright)
        page = browser.new_page(viewport={"width": 1280, "height": 1000})
        log_in_to_review(page, url)

        expect(page.get_by_role("heading", level=1)).to_have_count(1)
        expect(page.get_by_role("heading", level=1)).to_have_text("Conversation review")
        conversations = page.get_by_role("grid", name="Conversations")  # every table was named "Dataframe"
        expect(conversations).to_contain_text(result.session_id, timeout=20_000)
        status = page.locator("#review-status")
        expect(status).to_have_attribute("role", "status")  # announced when it changes
        expect(status).to_have_attribute("aria-live", "polite")
        expect(status).to_contain_text("1 conversation(s)")
        search = page.get_by_role("button", name="Search", exact=True)
        assert contrast(*search.evaluate(COLOURS)) >= 4.5

        box = page.get_by_role("textbox", name="Search the text")
        box.focus()
        assert RING.search(box.evaluate("e => getComputedStyle(e).boxShadow"))
        page.keyboard.type("reset links")
        page.keyboard.press("Enter")
        expect(status).to_contain_text("1 conversation(s)", timeout=20_000)

        conversations.get_by_role("gridcell", name=result.session_id).focus()
        page.keyboard.press("Enter")
        transcript = page.locator("#review-transcript")
        expect(transcript.get_by_role("heading", level=2)).to_contain_text(result.session_id, timeout=20_000)
        thumbs = page.get_by_role("group", name="Your thumbs")  # the radio buttons' group had no name
        expect(thumbs.get_by_role("radio")).to_have_count(3)

        page.get_by_role("tab", name="Inbox").click()
        expect(page.get_by_role("grid", name="Conversations with a person")).to_be_visible()
        expect(page.locator("#inbox-status")).to_have_attribute("role", "status", timeout=10_000)
        page.get_by_role("tab", name="Knowledge base").click()
        expect(page.get_by_role("grid", name="Documents in the index")).to_be_visible(timeout=20_000)
        expect(page.locator("#kb-outcome")).to_have_attribute("role", "status", timeout=10_000)
        page.screenshot(path=str(tmp_path / "review-keyboard.png"), full_page=True)
        browser.close()


def test_analytics_are_computed_when_their_tab_is_opened_not_on_each_page_load(
    counted_analytics: tuple[str, list[tuple]], fake_assistant
) -> None:
    # over all the logs the analytics read every turn and embed hundreds of questions: seconds of CPU that
    # every login and reload of the review pages paid, for a tab most visits never open
    from playwright.sync_api import expect, sync_playwright

    url, calls = counted_analytics
    fake_assistant.manager.handle(None, "How long do reset links work?")
    with sync_playwright() as playwright:
        browser = launch(playwright)
        page = browser.new_page(viewport={"width": 1280, "height": 1000})
        log_in_to_review(page, url)
        expect(page.locator("#review-status")).to_contain_text("conversation(s)", timeout=20_000)
        page.reload()
        expect(page.locator("#review-status")).to_contain_text("conversation(s)", timeout=20_000)
        assert calls == []

        page.get_by_role("tab", name="Analytics").click()
        rates = page.get_by_role("grid", name="Rates")
        expect(rates).to_contain_text("Containment", timeout=20_000)
        assert calls == [(None, None)]
        page.get_by_role("tabpanel").get_by_role("textbox", name="From").fill("2026-01-01")
        page.locator("#analytics-show").click()
        wait_for(lambda: len(calls) == 2)
        assert calls[1][0] == datetime(2026, 1, 1, tzinfo=timezone.utc)
        browser.close()


def test_a_link_to_a_conversation_opens_it_after_the_login_in_the_inbox_or_the_list(fake_assistant) -> None:  # type: ignore[no-untyped-def]
    # The handoff notices' link: /review/?conversation=ID. Before, the page ignored it: staff searched for the id.
    from playwright.sync_api import expect, sync_playwright

    waiting = fake_assistant.manager.handle(None, "I want to talk to a human about my reset link").session_id
    answered = fake_assistant.manager.handle(None, "How long do password reset links work?").session_id
    with serving(fake_assistant) as url, sync_playwright() as playwright:
        browser = launch(playwright)
        page = browser.new_page(viewport={"width": 1280, "height": 1000})
        page.goto(f"{url}/review/?conversation={waiting}", wait_until="domcontentloaded")
        page.get_by_label("username").fill(STAFF_USER)
        page.get_by_label("password").fill(STAFF_PASSWORD)
        page.get_by_role("button", name="Login").click()

        expect(page.get_by_role("tab", name="Inbox")).to_have_attribute("aria-selected", "true", timeout=30_000)
        expect(page.locator("#inbox-transcript")).to_contain_text("about my reset link", timeout=20_000)
        page.locator("#inbox-reply textarea").fill("Ana here: I've sent a new link.")
        page.locator("#inbox-send").click()  # the reply goes to the linked conversation
        expect(page.locator("#inbox-transcript")).to_contain_text("ana", timeout=20_000)
        assert fake_assistant.manager.tracker(waiting).with_person

        page.goto(f"{url}/review/?conversation={answered}", wait_until="domcontentloaded")  # not with a person
        expect(page.locator("#review-transcript")).to_contain_text("password reset links", timeout=30_000)
        expect(page.get_by_role("tab", name="Conversations")).to_have_attribute("aria-selected", "true")
        expect(page.get_by_label("Conversation id")).to_have_value(answered)
        browser.close()


# a text's colour and the colour behind it: the first ancestor's with a background (a tab's own is transparent)
TEXT_ON_BACKDROP = """e => { let node = e;
  while (node && /rgba\\(.*, 0\\)$|transparent/.test(getComputedStyle(node).backgroundColor)) node = node.parentElement;
  return [getComputedStyle(e).color, node ? getComputedStyle(node).backgroundColor : "rgb(255, 255, 255)"]; }"""


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_open_tab_a_chosen_answer_and_the_transcript_are_readable_in_the_light_and_the_dark_mode(  # type: ignore[no-untyped-def]
    fake_assistant, scheme: str
) -> None:
    # axe-core found: the open tab's name 4.46:1 (4.28:1 in the dark), a chosen radio button 4.46:1; and in the dark
    # mode, which follows the computer's setting, the decision record 2.56:1 and the flags 1.06:1
    from playwright.sync_api import expect, sync_playwright

    manager = fake_assistant.manager
    session_id = manager.handle(None, "How long do reset links work?").session_id
    manager.handle(session_id, "I want to talk to a human")
    manager.reply_as_staff(session_id, "Ana here: the link works for 30 minutes.", author=STAFF_USER)
    manager.hand_back(session_id, author=STAFF_USER)
    with serving(fake_assistant) as url, sync_playwright() as playwright:
        browser = launch(playwright)
        page = browser.new_page(viewport={"width": 1280, "height": 1000}, color_scheme=scheme)
        page.goto(f"{url}/review/?conversation={session_id}", wait_until="domcontentloaded")
        page.get_by_label("username").fill(STAFF_USER)
        page.get_by_label("password").fill(STAFF_PASSWORD)
        page.get_by_role("button", name="Login").click()
        transcript = page.locator("#review-transcript")
        expect(transcript.locator(".staff").first).to_contain_text("30 minutes", timeout=30_000)
        assert page.evaluate("document.body.classList.contains('dark') || !!document.querySelector('.dark')") is (scheme == "dark")

        shown = {
            "open tab": page.get_by_role("tab", name="Conversations", selected=True),
            "chosen radio button": page.locator("label", has_text="not judged"),
            "decision record": transcript.locator(".record").first,
            "flag": transcript.locator(".flag").first,
            "staff reply": transcript.locator(".staff").first,
            "staff reply's words": transcript.locator(".staff .text").first,  # light on light green in the dark (1.1:1)
            "staff reply's writer": transcript.locator(".staff .who").first,
        }
        ratio = lambda element: contrast(*element.evaluate(TEXT_ON_BACKDROP))  # noqa: E731
        for name, element in shown.items():  # after the theme's colour transitions
            assert wait_for(lambda: ratio(element) >= 4.5, timeout=5), (name, ratio(element))
        browser.close()


# the rows a text's lines start on, inside an element (a wrapped text has more than one)
TEXT_LINES = """e => { const range = document.createRange(); range.selectNodeContents(e);
  return new Set([...range.getClientRects()].filter(r => r.width > 0).map(r => Math.round(r.top))).size; }"""


def test_a_conversation_id_fits_on_one_line_in_the_list_and_the_inbox_on_a_laptop_screen(fake_assistant) -> None:  # type: ignore[no-untyped-def]
    # the list's Session column was too narrow for the 22-character ids at 1280 px: the last letter wrapped onto a
    # line of its own (in the README's screenshot too)
    from playwright.sync_api import expect, sync_playwright

    manager = fake_assistant.manager
    session_id = manager.handle(None, "How long do reset links work?").session_id
    manager.handle(session_id, "I want to talk to a human")
    with serving(fake_assistant) as url, sync_playwright() as playwright:
        browser = launch(playwright)
        page = browser.new_page(viewport={"width": 1280, "height": 1000})
        log_in_to_review(page, url)
        conversations = page.get_by_role("grid", name="Conversations")
        expect(conversations).to_contain_text(session_id, timeout=20_000)
        shown = conversations.get_by_text(session_id, exact=True).last  # the text itself, inside the cell's box
        assert shown.evaluate(TEXT_LINES) == 1
        shown.click()  # a chosen cell has a thicker edge
        expect(page.locator("#review-transcript")).to_contain_text("reset links", timeout=20_000)
        assert shown.evaluate(TEXT_LINES) == 1

        page.get_by_role("tab", name="Inbox").click()
        inbox = page.get_by_role("grid", name="Conversations with a person")
        expect(inbox).to_contain_text(session_id, timeout=20_000)
        assert inbox.get_by_text(session_id, exact=True).last.evaluate(TEXT_LINES) == 1
        browser.close()


def test_a_login_that_ends_while_the_page_is_open_is_said_and_the_typed_reply_is_sent_after_logging_in_again(  # type: ignore[no-untyped-def]
    fake_assistant,
) -> None:
    """Before, every action after the login ended (expired, logged out elsewhere) showed a bare "Error" over its
    outputs, the reply box too, and nothing said why or what to do."""
    from playwright.sync_api import expect, sync_playwright
    from sqlalchemy import text

    waiting = fake_assistant.manager.handle(None, "I want to talk to a human about my reset link").session_id
    with serving(fake_assistant) as url, sync_playwright() as playwright:
        browser = launch(playwright)
        context = browser.new_context(viewport={"width": 1366, "height": 768})
        page = context.new_page()
        log_in_to_review(page, url)
        page.get_by_role("tab", name="Inbox").click()
        page.locator("#inbox-list").get_by_text(waiting).last.click()
        expect(page.locator("#inbox-transcript")).to_contain_text("about my reset link", timeout=20_000)
        page.locator("#inbox-reply textarea").fill("Ana here: a new link is on its way.")
        with fake_assistant.store.engine.begin() as db:  # the login expires (staff_login_hours)
            db.execute(text("UPDATE staff_sessions SET expires_at = '2000-01-01 00:00:00'"))

        page.locator("#inbox-send").click()

        note = page.get_by_role("alert").filter(has_text="Your staff login has ended")
        expect(note).to_be_visible(timeout=20_000)
        link = note.get_by_role("link", name="Log in again")
        assert link.evaluate("a => a.href") == url + "/review/" and link.get_attribute("target") == "_blank"
        expect(page.locator("#inbox-reply textarea")).to_have_value("Ana here: a new link is on its way.")
        assert not fake_assistant.manager.tracker(waiting).agent

        again = context.new_page()  # the link's new tab
        log_in_to_review(again, url)
        again.close()
        page.locator("#inbox-send").click()
        expect(page.locator("#inbox-transcript")).to_contain_text("a new link is on its way", timeout=20_000)
        expect(note).to_have_count(0)
        assert fake_assistant.manager.tracker(waiting).agent == STAFF_USER
        browser.close()


def test_the_label_form_follows_the_conversation_and_turn_shown(fake_assistant) -> None:  # type: ignore[no-untyped-def]
    """Before, the form kept the labels of the turn shown before: opening another conversation left "wrong", the
    notes and the intent in it, under turn 1, and "Save labels" put them on that conversation."""
    from playwright.sync_api import expect, sync_playwright

    labelled = fake_assistant.manager.handle(None, "How long do password reset links work?").session_id
    fake_assistant.manager.handle(labelled, "And after that?")
    other = fake_assistant.manager.handle(None, "Do reset links work twice?").session_id
    with serving(fake_assistant) as url, sync_playwright() as playwright:
        browser = launch(playwright)
        page = browser.new_page(viewport={"width": 1366, "height": 1000})
        log_in_to_review(page, url)
        notes = page.get_by_role("textbox", name="Notes")
        intent = page.locator("#review-correct-intent input")  # a drop-down of the known intents, typing allowed
        page.locator("#review-list").get_by_text(labelled).last.click()
        expect(page.locator("#review-transcript")).to_contain_text("And after that?", timeout=20_000)
        page.get_by_role("radio", name="wrong").check()
        intent.fill("password_reset")
        intent.press("Enter")
        notes.fill("cites the wrong part")
        page.locator("#review-save").click()
        expect(page.locator("#review-transcript")).to_contain_text("cites the wrong part", timeout=20_000)

        page.locator("#review-list").get_by_text(other).last.click()
        expect(page.locator("#review-transcript")).to_contain_text("Do reset links work twice?", timeout=20_000)
        expect(notes).to_have_value("", timeout=10_000)
        expect(intent).to_have_value("")
        expect(page.get_by_role("radio", name="not judged")).to_be_checked()

        page.locator("#review-list").get_by_text(labelled).last.click()  # its turn 1: ana's labels again
        expect(notes).to_have_value("cites the wrong part", timeout=20_000)
        expect(page.get_by_role("radio", name="wrong")).to_be_checked()
        page.get_by_role("combobox", name="Turn").click()
        page.locator('[role=option][aria-label="2"]:visible').click()
        expect(notes).to_have_value("", timeout=10_000)
        expect(page.get_by_role("radio", name="not judged")).to_be_checked()
        browser.close()


def test_a_login_refused_for_too_many_failures_says_so_not_incorrect_credentials(fake_assistant) -> None:  # type: ignore[no-untyped-def]
    """After 10 failed logins the server answers 429 without checking the password; the form changed nothing, so
    the last "Incorrect Credentials" stood, also under the right password, and nothing said to wait."""
    import httpx
    from playwright.sync_api import expect, sync_playwright

    with serving(fake_assistant) as url, sync_playwright() as playwright:
        browser = launch(playwright)
        page = browser.new_page(viewport={"width": 1000, "height": 800})
        page.goto(url + "/review/", wait_until="domcontentloaded")
        username, password = page.get_by_role("textbox", name="username"), page.get_by_role("textbox", name="password")
        username.fill(STAFF_USER)
        password.fill("not the password")
        page.get_by_role("button", name="Login").click()
        shown = page.locator("p.creds", has_text="Incorrect Credentials")  # Gradio's line (the alert region repeats it)
        expect(shown).to_be_visible(timeout=30_000)
        for attempt in range(9):  # the rest of the 10 failures, from this address
            httpx.post(url + "/review/login", data={"username": STAFF_USER, "password": f"wrong {attempt}"})

        password.fill(STAFF_PASSWORD)  # right, but not checked while refused
        page.get_by_role("button", name="Login").click()

        expect(page.locator("#login-throttled")).to_have_text(re.compile(r"Too many failed logins\. Try again in 1[45] minute"), timeout=20_000)
        expect(shown).to_be_hidden()
        expect(page.get_by_role("alert")).to_contain_text("Too many failed logins")
        browser.close()


# the words (up to a session id's 22 characters) that a table shows broken over two lines
BROKEN_WORDS = """table => {
  const broken = [], walker = document.createTreeWalker(table, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    if (!node.parentElement.checkVisibility() || node.parentElement.closest(".sizing-body")) continue;
    for (const word of node.data.matchAll(/\\S+/g)) {
      if (word[0].length > 22) continue;  // longer than any column is wide: it has to break
      const range = document.createRange();
      range.setStart(node, word.index);
      range.setEnd(node, word.index + word[0].length);
      if (new Set([...range.getClientRects()].filter(r => r.width > 0).map(r => Math.round(r.top))).size > 1) broken.push(word[0]);
    }
  }
  return broken;
}"""


def test_at_800_px_the_list_breaks_no_word_and_scrolls_sideways_and_the_inbox_fits(fake_assistant) -> None:  # type: ignore[no-untyped-def]
    # at 800 px the columns' shares of the width were narrower than their words: "Han/dof/f", "activit/y", "2026-/12-04",
    # a session id over two lines. The Inbox then scrolled sideways too, Staff and Needs a reply a scroll away: it
    # shows its other columns only, in its box
    from playwright.sync_api import expect, sync_playwright

    manager = fake_assistant.manager
    session_id = manager.handle(None, "How long do reset links work?").session_id
    manager.handle(session_id, "I want to talk to a human")
    with serving(fake_assistant) as url, sync_playwright() as playwright:
        browser = launch(playwright)
        page = browser.new_page(viewport={"width": 800, "height": 900})
        log_in_to_review(page, url)
        conversations = page.get_by_role("grid", name="Conversations")
        expect(conversations).to_contain_text(session_id, timeout=20_000)
        assert conversations.evaluate(BROKEN_WORDS) == []
        scroller = page.locator("#review-list .upload-container")
        assert scroller.evaluate("e => e.scrollWidth > e.clientWidth")  # the columns out of sight are a scroll away
        scroller.evaluate("e => { e.scrollLeft = e.scrollWidth; }")
        expect(conversations.get_by_role("columnheader", name="Model")).to_be_in_viewport()

        page.get_by_role("tab", name="Inbox").click()
        inbox = page.get_by_role("grid", name="Conversations with a person")
        expect(inbox).to_contain_text("How long do reset links work?", timeout=20_000)
        assert inbox.evaluate(BROKEN_WORDS) == []
        assert page.locator("#inbox-list .upload-container").evaluate("e => e.scrollWidth <= e.clientWidth")  # no scroll
        for name in ("Waiting", "First message", "Reason", "Assigned to", "Staff", "Needs a reply"):
            expect(inbox.get_by_role("columnheader", name=name)).to_be_in_viewport(ratio=1)
        inbox.get_by_role("gridcell", name="How long do reset links work?").click()
        expect(page.locator("#inbox-transcript")).to_contain_text(session_id, timeout=20_000)
        browser.close()


def test_the_download_box_shows_once_it_holds_a_file_and_axe_finds_nothing_on_the_conversations_tab(  # type: ignore[no-untyped-def]
    fake_assistant,
) -> None:
    # Gradio's empty file box was a div with aria-label "Empty value" and no role (axe: aria-prohibited-attr, serious),
    # and a large empty box under the buttons
    pytest.importorskip("axe_playwright_python")
    from playwright.sync_api import expect, sync_playwright
    from test_browser_axe import violations

    session_id = fake_assistant.manager.handle(None, "How long do reset links work?").session_id
    with serving(fake_assistant) as url, sync_playwright() as playwright:
        browser = launch(playwright)
        page = browser.new_page(viewport={"width": 1280, "height": 1000})
        log_in_to_review(page, url)
        page.locator("#review-list").get_by_text(session_id).last.click()
        expect(page.locator("#review-transcript")).to_contain_text("reset links", timeout=20_000)
        download = page.locator("#review-download")
        expect(download).to_have_count(0)  # not drawn while empty
        assert violations(page) == []

        page.locator("#review-as-test").click()
        expect(download).to_contain_text(session_id, timeout=20_000)
        expect(download.get_by_role("link")).to_have_attribute("download", f"{session_id}.yaml")
        page.get_by_test_id("toast-close").click()  # Gradio's notice is a button inside a button (axe: nested-interactive)
        expect(page.get_by_test_id("toast-body")).to_have_count(0)
        assert violations(page) == []
        browser.close()


@pytest.mark.parametrize("bad", [("From", "2026-13-45", "YYYY-MM-DD"), ("Retrieval score below", "abc", "Retrieval score below")])
def test_a_filter_that_cannot_be_read_keeps_the_list_and_says_why_in_a_toast(fake_assistant, bad: tuple[str, str, str]) -> None:  # type: ignore[no-untyped-def]
    # the raised error gave a centred red "Error" badge in place of the list and another over its count
    from playwright.sync_api import expect, sync_playwright

    field, value, said = bad
    sessions = [fake_assistant.manager.handle(None, text).session_id for text in ("How long do reset links work?", "hello")]
    with serving(fake_assistant) as url, sync_playwright() as playwright:
        browser = launch(playwright)
        page = browser.new_page(viewport={"width": 1280, "height": 1000})
        log_in_to_review(page, url)
        status, conversations = page.locator("#review-status"), page.get_by_role("grid", name="Conversations")
        expect(status).to_contain_text("2 conversation(s)", timeout=20_000)

        page.get_by_role("textbox", name=field, exact=True).first.fill(value)
        page.get_by_role("button", name="Search", exact=True).click()

        expect(page.get_by_test_id("toast-body")).to_contain_text(said, timeout=20_000)
        page.wait_for_timeout(1000)  # the refusal's error, which follows its toast, has arrived by now
        page.screenshot(path=str(Path(fake_assistant.settings.data_dir) / "bad-filter.png"))
        expect(page.get_by_text("Error", exact=True).filter(visible=True)).to_have_count(0)  # its badges hidden
        expect(status).to_have_text("2 conversation(s)", use_inner_text=True)  # as shown: the hidden badge left out
        for session_id in sessions:
            expect(conversations).to_contain_text(session_id)
        browser.close()


def test_a_reviewers_login_has_no_export_and_cannot_remove_a_document(fake_assistant, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    # every login could remove knowledge-base documents, upload files and export all logs
    from playwright.sync_api import expect, sync_playwright

    fake_assistant.staff.set("bo", STAFF_PASSWORD, role="reviewer")
    session_id = fake_assistant.manager.handle(None, "How long do reset links work?").session_id
    with serving(fake_assistant) as url, sync_playwright() as playwright:
        browser = launch(playwright)
        page = browser.new_page(viewport={"width": 1280, "height": 1000})
        page.route("**/*", lambda route: route.continue_() if route.request.url.startswith(url) else route.abort())
        page.goto(url + "/review/", wait_until="domcontentloaded")
        page.get_by_label("username").fill("bo")
        page.get_by_label("password").fill(STAFF_PASSWORD)
        page.get_by_role("button", name="Login").click()
        expect(page.get_by_role("grid", name="Conversations")).to_contain_text(session_id, timeout=30_000)
        expect(page.locator("#review-export")).to_have_count(0)  # hidden for a reviewer
        expect(page.locator("#review-as-test")).to_be_visible()  # reviewing stays

        page.get_by_role("tab", name="Knowledge base").click()
        table = page.locator("#kb-table")
        expect(table).to_contain_text("reset", timeout=20_000)
        document = table.get_by_role("gridcell").first.inner_text().strip()
        # not offered (the server refuses them too: test_review's reviewer test); shown, a click ended in an "Error" badge
        expect(page.locator("#kb-admins-only")).to_contain_text("need an admin's login")
        expect(page.locator("#kb-remove")).to_be_hidden()
        expect(page.locator("#kb-doc-id")).to_be_hidden()
        page.screenshot(path=str(tmp_path / "reviewer-kb.png"))
        expect(page.locator("#kb-confirm")).to_be_hidden()
        browser.close()
    assert document in set(fake_assistant.knowledge_base.status()[1]["Document"])
