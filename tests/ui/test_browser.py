"""The chat page in a real browser (Debian's Chromium driven by Playwright), wired with fast fakes."""

from __future__ import annotations

import os
import re
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
STAFF_USER, STAFF_PASSWORD = "ana", "a long enough password"
DOCS_SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def screenshot(page, name: str, tmp_path: Path, **options) -> None:  # type: ignore[no-untyped-def]
    """Save a screenshot in the test's folder; with UPDATE_SCREENSHOTS=1 (``make screenshots``), refresh
    the one in docs/screenshots instead, so a plain test run leaves the repository untouched. Notices
    ("Sent.", "Saved …") are closed first, so that none covers the page in the picture, and the pointer is moved
    to the corner (left over a table's header, it showed the column's menu button over its name)."""
    from playwright.sync_api import expect

    closes = page.get_by_test_id("toast-close")
    for n in reversed(range(closes.count())):
        closes.nth(n).click()
    expect(page.get_by_test_id("toast-body")).to_have_count(0, timeout=10_000)
    page.mouse.move(0, 0)
    folder = DOCS_SCREENSHOTS if os.environ.get("UPDATE_SCREENSHOTS") == "1" else tmp_path
    page.screenshot(path=str(folder / name), **options)
ARTICLE = """# Reset your password

## How long the link works

Password reset links expire after 30 minutes and work only once.
"""


def open_chat(page, url: str, query: str = "") -> None:  # type: ignore[no-untyped-def]
    """Load the chat page (``query``: e.g. "?embed=1"); requests that would leave this machine (web fonts) are refused at once."""
    page.route("**/*", lambda route: route.continue_() if route.request.url.startswith(url) else route.abort())
    page.goto(url + ("/" + query if query else ""), wait_until="domcontentloaded")
    page.locator("#question textarea").wait_for(timeout=30_000)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def fake_assistant(tmp_path: Path):  # type: ignore[no-untyped-def]
    """An Assistant with the fakes over a one-article knowledge base, and a staff login."""
    if not Path(CHROMIUM).exists():
        pytest.skip(f"Chromium not found at {CHROMIUM} (install Debian's chromium package)")
    pytest.importorskip("playwright.sync_api")
    from assistant.app import Assistant
    from assistant.config import load_settings
    from retrieval.ingest import ingest

    kb = tmp_path / "kb" / "accounts"
    kb.mkdir(parents=True)
    (kb / "reset-password.md").write_text(ARTICLE)
    settings = load_settings(data_dir=tmp_path / "data", embedder="hash", generator="scripted", min_retrieval_score=0.05)
    assistant = Assistant(settings)
    ingest([tmp_path / "kb"], assistant.embedder, settings.index_dir)
    assistant.staff.set(STAFF_USER, STAFF_PASSWORD)
    return assistant


@contextmanager
def serving(assistant, port: int | None = None) -> Iterator[str]:  # type: ignore[no-untyped-def]
    """The assistant's whole web app (chat, API, review pages) served on ``port`` (default: a free one), for the block.
    It stops as ``assistant serve`` does, its streams still open cut after a grace (a second here): without one, an
    open page's streams (Gradio's heartbeat) kept it running for good, answering the page beside its successor."""
    import uvicorn

    port = port or free_port()
    config = uvicorn.Config(assistant.web_app(), host="127.0.0.1", port=port, log_level="warning", timeout_graceful_shutdown=1)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.time() + 30
    while not server.started and time.time() < deadline:
        time.sleep(0.1)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@pytest.fixture
def server_url(fake_assistant) -> Iterator[str]:  # type: ignore[no-untyped-def]
    """The fake assistant's web app on a free port."""
    with serving(fake_assistant) as url:
        yield url


def test_ask_see_answer_with_linked_source_then_start_over(server_url: str, tmp_path: Path) -> None:
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1000, "height": 800})
        open_chat(page, server_url)
        page.locator("#question textarea").fill("How long do password reset links work?")
        page.locator("#send").click()

        answer = page.locator("#chat .bot").last
        expect(answer).to_contain_text("30 minutes", timeout=20_000)
        expect(answer).to_contain_text("Sources", timeout=20_000)
        link = answer.get_by_role("link", name="Reset your password > How long the link works")
        assert link.get_attribute("href") == "/kb/accounts/reset-password#how-long-the-link-works"
        page.screenshot(path=str(tmp_path / "chat.png"))

        article = browser.new_page()
        article.goto(server_url + "/kb/accounts/reset-password")
        expect(article.locator("h1")).to_have_text("Reset your password")

        page.locator("#new-conversation").click()
        expect(page.locator("#chat .bot")).to_have_count(0, timeout=10_000)
        browser.close()


def contrast(first: str, second: str) -> float:
    """WCAG's contrast ratio of two computed colours ("rgb(r, g, b)"); AA asks 4.5 of text."""
    def luminance(css: str) -> float:
        channels = [int(v) / 255 for v in css[css.index("(") + 1 : css.index(")")].split(",")[:3]]
        r, g, b = (c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
        return 0.2126 * r + 0.7152 * g + 0.0722 * b

    high, low = sorted((luminance(first), luminance(second)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_the_page_has_one_h1_a_visible_focus_and_a_readable_send_button(server_url: str) -> None:
    # screen readers list and jump to headings; a keyboard user must see where they type
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as playwright:
        browser = launch(playwright)
        page = browser.new_page(viewport={"width": 1000, "height": 800})
        open_chat(page, server_url)
        expect(page.get_by_role("heading", level=1)).to_have_text("Help centre assistant")
        page.locator("#chat-header").click()
        page.keyboard.press("Tab")
        box = page.locator("#question textarea")
        expect(box).to_be_focused()
        assert box.evaluate("e => [getComputedStyle(e).outlineStyle, getComputedStyle(e).outlineWidth]") == ["solid", "2px"]
        send = page.locator("#send")
        colours = "e => [getComputedStyle(e).color, getComputedStyle(e).backgroundColor]"
        text, background = send.evaluate(colours)
        assert contrast(text, background) >= 4.5
        send.hover()  # the theme's hover colour was lighter still
        expect(send).not_to_have_css("background-color", background)
        assert contrast(*send.evaluate(colours)) >= 4.5
        browser.close()


def test_the_question_box_is_named_and_readable_and_a_focused_send_button_is_ringed(server_url: str) -> None:
    # The box was named "Textbox" for screen readers; its placeholder, its only visible label, was 2.54:1 and
    # its edge a faint shadow; the browser ringed a focused Send in its white text colour, on a white page.
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as playwright:
        browser = launch(playwright)
        page = browser.new_page(viewport={"width": 1000, "height": 800})
        open_chat(page, server_url)
        box = page.get_by_role("textbox", name="Your question")
        expect(box).to_have_count(1)
        page_background = page.locator("body").evaluate("e => getComputedStyle(e).backgroundColor")
        placeholder = box.evaluate("e => getComputedStyle(e, '::placeholder').color")
        assert contrast(placeholder, box.evaluate("e => getComputedStyle(e).backgroundColor")) >= 4.5
        box.blur()  # it has the focus on load (focused, it is ringed)
        assert contrast(box.evaluate("e => getComputedStyle(e).borderTopColor"), page_background) >= 3
        box.focus()
        page.keyboard.press("Tab")
        send = page.locator("#send")
        expect(send).to_be_focused()
        expect(send).to_have_css("outline-style", "solid")
        ring = lambda: contrast(send.evaluate("e => getComputedStyle(e).outlineColor"), page_background)
        assert wait_for(lambda: ring() >= 3, timeout=5), ring()  # the theme's colour transition runs first
        browser.close()


def test_arabic_text_runs_right_to_left_in_the_chat(server_url: str) -> None:
    # The chat is set left-to-right: an Arabic question ending in a number showed the number on the wrong side.
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as playwright:
        browser = launch(playwright)
        page = browser.new_page(viewport={"width": 1000, "height": 800})
        open_chat(page, server_url)
        page.locator("#question textarea").fill("أين طلبي order 42")
        page.locator("#send").click()
        message = page.locator("#chat .user p").last
        expect(message).to_contain_text("order 42", timeout=20_000)
        # in a right-to-left paragraph the Latin words that end it stand left of the Arabic ones
        arabic_x, latin_x = message.evaluate("""p => ["أين", "order"].map(word => {
            const text = p.firstChild, start = text.data.indexOf(word), range = document.createRange();
            range.setStart(text, start); range.setEnd(text, start + word.length);
            return range.getBoundingClientRect().x; })""")
        assert latin_x < arabic_x
        browser.close()


def test_empty_message_is_refused_and_nothing_is_sent(server_url: str) -> None:
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page()
        open_chat(page, server_url)
        page.locator("#question textarea").fill("   ")
        page.locator("#send").click()
        expect(page.get_by_text("the message is empty")).to_be_visible(timeout=10_000)
        expect(page.locator("#chat .user")).to_have_count(0)
        browser.close()


def log_in_to_review(page, url: str) -> None:  # type: ignore[no-untyped-def]
    page.route("**/*", lambda route: route.continue_() if route.request.url.startswith(url) else route.abort())
    page.goto(url + "/review/", wait_until="domcontentloaded")
    page.get_by_label("username").fill(STAFF_USER)
    page.get_by_label("password").fill(STAFF_PASSWORD)
    page.get_by_role("button", name="Login").click()
    page.locator("#review-list").wait_for(timeout=30_000)


def test_review_pages_need_a_login_then_find_a_conversation_shown_as_text(  # type: ignore[no-untyped-def]
    server_url: str, fake_assistant, tmp_path: Path
) -> None:
    from playwright.sync_api import expect, sync_playwright

    hostile = "How long do reset links work? <script>window.pwned = true</script>"
    result = fake_assistant.manager.handle(None, hostile)
    fake_assistant.manager.handle(None, "I want to talk to a human")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 1000})
        page.goto(server_url + "/review/", wait_until="domcontentloaded")
        expect(page.get_by_role("button", name="Login")).to_be_visible(timeout=30_000)
        expect(page.locator("#review-list")).to_have_count(0)  # nothing of the pages before logging in
        log_in_to_review(page, server_url)

        # searched at once, before the page's opening list (every conversation) has arrived: that list must
        # not land after the search's and cover it
        page.locator("#review-search textarea").fill("reset links")
        page.locator("#review-find").click()
        expect(page.locator("#review-status")).to_have_text("1 conversation(s)", timeout=20_000)
        expect(page.locator("#review-list")).to_contain_text(result.session_id, timeout=20_000)
        expect(page.locator("#review-list")).not_to_contain_text("talk to a human")
        page.get_by_test_id("cell-0-1").click()

        transcript = page.locator("#review-transcript")
        expect(transcript).to_contain_text("<script>window.pwned = true</script>", timeout=20_000)
        expect(transcript).to_contain_text("30 minutes")
        assert page.evaluate("window.pwned === undefined")
        screenshot(page, "review.png", tmp_path, full_page=True)
        browser.close()


def test_upload_a_document_on_the_staff_pages_then_ask_about_it(  # type: ignore[no-untyped-def]
    server_url: str, tmp_path: Path
) -> None:
    from playwright.sync_api import expect, sync_playwright

    upload = tmp_path / "gift-cards.md"
    upload.write_text("# Gift cards\n\n## Expiry\n\nNorthwind gift cards never expire and work online only.\n")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 1000})
        log_in_to_review(page, server_url)
        page.get_by_role("tab", name="Knowledge base").click()
        expect(page.locator("#kb-summary")).to_contain_text("1 document(s)", timeout=20_000)
        page.locator("#kb-upload input[type=file]").set_input_files(str(upload))
        expect(page.locator("#kb-upload")).to_contain_text("gift-cards.md", timeout=20_000)
        page.locator("#kb-add").click()
        expect(page.locator("#kb-outcome")).to_contain_text("1 added", timeout=30_000)
        expect(page.locator("#kb-summary")).to_contain_text("2 document(s)", timeout=20_000)
        expect(page.locator("#kb-documents")).to_contain_text("gift-cards")
        screenshot(page, "review-knowledge-base.png", tmp_path, full_page=True)

        chat = browser.new_page()
        open_chat(chat, server_url)
        chat.locator("#question textarea").fill("Do gift cards expire?")
        chat.locator("#send").click()
        answer = chat.locator("#chat .bot").last
        expect(answer).to_contain_text("never expire", timeout=20_000)
        expect(answer.get_by_role("link", name="Gift cards > Expiry")).to_have_attribute("href", "/kb/gift-cards#expiry")
        browser.close()


def launch(playwright):  # type: ignore[no-untyped-def]
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)


def ask(page, question: str, expected: str) -> None:  # type: ignore[no-untyped-def]
    """Send a question and wait for the finished answer (its text and no streaming cursor)."""
    from playwright.sync_api import expect

    before = page.locator("#chat .bot").count()
    page.locator("#question textarea").fill(question)
    page.locator("#send").click()
    expect(page.locator("#chat .bot")).to_have_count(before + 1, timeout=20_000)
    answer = page.locator("#chat .bot").last
    expect(answer).to_contain_text(expected, timeout=20_000)
    expect(answer).not_to_contain_text("▌", timeout=20_000)


def stored_session_id(fake_assistant) -> str:  # type: ignore[no-untyped-def]
    """The id of the only conversation in the store (each browser test starts with an empty one)."""
    from sqlalchemy import select
    from sqlalchemy.orm import Session

    from assistant.store.tables import SessionRow

    with Session(fake_assistant.sql_store.engine) as db:
        ids = list(db.scalars(select(SessionRow.id)))
    assert len(ids) == 1, ids
    return ids[0]


def wait_for(condition, timeout: float = 10.0):  # type: ignore[no-untyped-def]
    """Poll ``condition`` (the server writes after the browser sees the result) until it is truthy."""
    deadline = time.time() + timeout
    while not (value := condition()) and time.time() < deadline:
        time.sleep(0.1)
    return value


def test_thumbs_down_with_a_comment_is_stored_on_that_turn(server_url: str, fake_assistant, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from playwright.sync_api import expect, sync_playwright

    from assistant.store.review import read_transcript

    with sync_playwright() as playwright:
        browser = launch(playwright)
        page = browser.new_page(viewport={"width": 1000, "height": 900})
        open_chat(page, server_url)
        ask(page, "hello", "Hello!")
        ask(page, "How long do password reset links work?", "30 minutes")
        session_id = stored_session_id(fake_assistant)

        page.locator("#chat .bot").last.hover()
        page.get_by_role("button", name="Dislike", exact=True).last.click()
        comment = page.locator("#feedback-comment textarea")
        expect(comment).to_be_visible(timeout=10_000)
        expect(page.locator("#feedback-comment")).to_contain_text("What was wrong with this answer?")
        comment.fill("I wanted to know how to get a new link.")
        screenshot(page, "chat-feedback.png", tmp_path)
        page.locator("#feedback-send").press("Enter")
        expect(comment).to_be_hidden(timeout=10_000)
        expect(page.get_by_text("your comment was sent")).to_be_visible(timeout=10_000)
        expect(page.locator("#question textarea")).to_be_focused()  # not lost with the closed panel

        def feedback() -> list[tuple[int, int | None, str | None, str]]:
            transcript = read_transcript(fake_assistant.sql_store.engine, session_id)
            return [(f.turn_no, f.rating, f.comment, f.source) for view in transcript.turns for f in view.feedback]

        assert wait_for(lambda: len(feedback()) == 2)
        assert feedback() == [(2, -1, None, "customer"), (2, None, "I wanted to know how to get a new link.", "customer")]

        page.locator("#chat .bot").first.hover()  # small talk can be rated too
        page.get_by_role("button", name="Like", exact=True).first.click()
        expect(page.locator("#feedback-comment")).to_contain_text("Anything to add?", timeout=10_000)
        page.locator("#feedback-skip").press("Enter")
        expect(comment).to_be_hidden(timeout=10_000)
        expect(page.locator("#question textarea")).to_be_focused()
        assert wait_for(lambda: len(feedback()) == 3)
        assert feedback()[0] == (1, 1, None, "customer")

        page.reload()  # the thumbs given are shown again
        expect(page.get_by_role("button", name="Disliked", exact=True)).to_have_count(1, timeout=20_000)
        expect(page.get_by_role("button", name="Liked", exact=True)).to_have_count(1)
        page.locator("#chat .bot").first.hover()
        page.get_by_role("button", name="Liked", exact=True).click()  # clicked again: taken back
        assert wait_for(lambda: len(feedback()) == 4)
        assert feedback()[1] == (1, 0, None, "customer")
        browser.close()


def test_a_thumb_pressed_with_the_keyboard_moves_the_focus_into_the_comment_box(  # type: ignore[no-untyped-def]
    server_url: str, fake_assistant
) -> None:
    # The focus stayed on the thumb: the next keys went to the chat's buttons (Enter on "Like" turned the rating
    # round), and a screen reader was not told that a box had opened.
    from playwright.sync_api import expect, sync_playwright

    from assistant.store.review import read_transcript

    with sync_playwright() as playwright:
        browser = launch(playwright)
        page = browser.new_page(viewport={"width": 1000, "height": 900})
        open_chat(page, server_url)
        ask(page, "How long do password reset links work?", "30 minutes")
        session_id = stored_session_id(fake_assistant)
        page.get_by_role("button", name="Dislike", exact=True).last.focus()
        page.keyboard.press("Enter")
        comment = page.locator("#feedback-comment textarea")
        expect(comment).to_be_focused(timeout=10_000)
        page.keyboard.type("Too short.")
        page.keyboard.press("Tab")  # to "Send comment"
        expect(page.locator("#feedback-send")).to_be_focused()
        page.keyboard.press("Enter")
        expect(comment).to_be_hidden(timeout=10_000)
        expect(page.locator("#question textarea")).to_be_focused()

        def feedback() -> list[tuple[int | None, str | None]]:
            transcript = read_transcript(fake_assistant.sql_store.engine, session_id)
            return [(f.rating, f.comment) for view in transcript.turns for f in view.feedback]

        assert wait_for(lambda: len(feedback()) == 2)
        assert feedback() == [(-1, None), (None, "Too short.")]
        browser.close()


def test_a_customer_who_moved_on_after_a_thumb_keeps_the_focus_where_they_put_it(  # type: ignore[no-untyped-def]
    server_url: str, fake_assistant
) -> None:
    # The comment box took the focus once the rating's second round trip was back, wherever it was by then: a customer
    # who had clicked a thumb and gone on to type the next question had the rest of it typed into the comment box.
    from playwright.sync_api import expect, sync_playwright

    from assistant.store.review import read_transcript

    with sync_playwright() as playwright:
        browser = launch(playwright)
        page = browser.new_page(viewport={"width": 1000, "height": 900})
        open_chat(page, server_url)
        ask(page, "How long do password reset links work?", "30 minutes")
        session_id = stored_session_id(fake_assistant)
        page.locator("#chat .bot").last.hover()
        page.get_by_role("button", name="Like", exact=True).last.click()
        question = page.locator("#question textarea")
        question.click()
        question.press_sequentially("and how do I change my email?", delay=20)
        expect(page.get_by_role("button", name="Liked", exact=True)).to_have_count(1, timeout=20_000)
        expect(page.locator("#feedback-comment textarea")).to_be_visible(timeout=10_000)
        page.wait_for_timeout(1500)  # the rating's last round trip and the script after it have run
        question.press_sequentially(" thanks", delay=20)
        expect(question).to_be_focused()
        expect(question).to_have_value("and how do I change my email? thanks")
        expect(page.locator("#feedback-comment textarea")).to_have_value("")
        transcript = read_transcript(fake_assistant.sql_store.engine, session_id)
        assert [f.rating for view in transcript.turns for f in view.feedback] == [1]
        browser.close()


def test_a_question_typed_but_not_sent_survives_a_reload(server_url: str) -> None:
    # Gradio reloads the page by itself once a server that went away (a restart, a network drop) answers again:
    # the question the customer had typed meanwhile, kept in the box by the failed send, was gone.
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as playwright:
        browser = launch(playwright)
        page = browser.new_page(viewport={"width": 1000, "height": 800})
        open_chat(page, server_url)
        box = page.locator("#question textarea")
        box.fill("How long do password reset links work?")
        page.reload(wait_until="domcontentloaded")
        expect(box).to_have_value("How long do password reset links work?", timeout=30_000)
        page.locator("#send").click()  # the page's own state has it too, not only the box
        expect(page.locator("#chat .bot").last).to_contain_text("30 minutes", timeout=20_000)
        expect(page.locator("#chat .user")).to_have_text(["How long do password reset links work?"])
        expect(box).to_have_value("")
        page.reload(wait_until="domcontentloaded")  # a question sent is not typed again
        expect(page.locator("#chat .bot")).to_have_count(1, timeout=30_000)
        expect(box).to_have_value("")
        browser.close()


def test_what_the_customer_types_is_shown_as_typed(server_url: str) -> None:
    from playwright.sync_api import expect, sync_playwright

    typed = "<b>urgent</b> <img src=x> # 2 items *missing*"
    with sync_playwright() as playwright:
        browser = launch(playwright)
        page = browser.new_page(viewport={"width": 1000, "height": 900})
        open_chat(page, server_url)
        page.locator("#question textarea").fill(typed)
        page.locator("#send").click()

        bubble = page.locator("#chat .user").last
        expect(bubble).to_have_text(typed, timeout=20_000)
        assert bubble.locator("b, img, h1").count() == 0
        browser.close()


def test_talk_to_a_human_shows_the_handoff_which_stays_after_a_reload(  # type: ignore[no-untyped-def]
    server_url: str, fake_assistant, tmp_path: Path
) -> None:
    from playwright.sync_api import expect, sync_playwright

    from assistant.store.review import read_transcript

    with sync_playwright() as playwright:
        browser = launch(playwright)
        page = browser.new_page(viewport={"width": 1000, "height": 900})
        open_chat(page, server_url)
        banner = page.locator("#handoff-banner")
        expect(banner).to_be_hidden()
        ask(page, "How long do password reset links work?", "30 minutes")

        page.locator("#talk-to-human").click()
        expect(page.locator("#chat .bot").last).to_contain_text("member of our support team", timeout=20_000)
        expect(banner).to_contain_text("A member of our team will take over this conversation", timeout=10_000)
        expect(page.locator("#talk-to-human")).to_have_text("Back to the assistant")
        screenshot(page, "chat-handoff.png", tmp_path)

        session_id = stored_session_id(fake_assistant)
        transcript = read_transcript(fake_assistant.sql_store.engine, session_id)
        turn = transcript.turns[-1].turn
        assert (turn.turn_no, turn.action, turn.handoff, turn.intent) == (2, "handoff", True, "human")
        assert transcript.session.any_handoff

        page.reload(wait_until="domcontentloaded")
        page.locator("#question textarea").wait_for(timeout=30_000)
        expect(banner).to_be_visible(timeout=10_000)
        expect(page.locator("#chat .bot")).to_have_count(2, timeout=10_000)
        browser.close()


def test_staff_reply_from_the_inbox_reaches_the_customer_then_hand_back(  # type: ignore[no-untyped-def]
    server_url: str, fake_assistant, tmp_path: Path
) -> None:
    from playwright.sync_api import expect, sync_playwright

    from dialog.actions import HANDED_BACK, RELAYED

    with sync_playwright() as playwright:
        browser = launch(playwright)
        customer = browser.new_page(viewport={"width": 1000, "height": 900})
        open_chat(customer, server_url)
        ask(customer, "How long do password reset links work?", "30 minutes")
        customer.locator("#talk-to-human").click()
        expect(customer.locator("#handoff-banner")).to_be_visible(timeout=20_000)
        ask(customer, "My reset link never arrived, can someone check?", RELAYED)

        staff = browser.new_page(viewport={"width": 1280, "height": 1000})
        log_in_to_review(staff, server_url)
        staff.get_by_role("tab", name="Inbox").click()
        inbox = staff.locator("#inbox-list")
        expect(inbox).to_contain_text("Asked for a person", timeout=20_000)  # the reason in an agent's words
        assert stored_session_id(fake_assistant) in inbox.inner_text()
        inbox.get_by_test_id("cell-0-2").click()
        expect(staff.locator("#inbox-transcript")).to_contain_text("My reset link never arrived", timeout=20_000)
        staff.locator("#inbox-reply textarea").fill("Hi, I'm Ana. I've sent you a new link; it works for 30 minutes.")
        staff.locator("#inbox-send").click()
        expect(staff.locator("#inbox-transcript")).to_contain_text("ana · staff", timeout=20_000)
        expect(staff.locator("#inbox-reply textarea")).to_have_value("")
        screenshot(staff, "review-inbox.png", tmp_path, full_page=True)

        reply = customer.locator("#chat .bot").last
        expect(reply).to_contain_text("I've sent you a new link", timeout=20_000)  # fetched by the page's timer
        expect(reply).to_contain_text("support team")
        expect(customer.locator("#handoff-banner")).to_contain_text("You are talking with ana", timeout=10_000)
        screenshot(customer, "chat-staff-reply.png", tmp_path)

        staff.locator("#inbox-hand-back").click()
        expect(staff.locator("#inbox-status")).to_contain_text("Nobody is waiting", timeout=20_000)
        expect(customer.locator("#chat .bot").last).to_contain_text(HANDED_BACK, timeout=20_000)
        expect(customer.locator("#handoff-banner")).to_be_hidden(timeout=10_000)
        expect(customer.locator("#talk-to-human")).to_have_text("Talk to a human")
        ask(customer, "How long do password reset links work?", "30 minutes")  # the assistant answers again

        customer.locator("#talk-to-human").click()  # hand off again, then give up waiting
        expect(customer.locator("#talk-to-human")).to_have_text("Back to the assistant", timeout=20_000)
        customer.locator("#talk-to-human").click()
        expect(customer.locator("#chat .bot").last).to_contain_text(HANDED_BACK, timeout=20_000)
        expect(customer.locator("#handoff-banner")).to_be_hidden(timeout=10_000)
        browser.close()


def test_a_staff_takeover_without_a_handoff_reaches_an_open_chat(  # type: ignore[no-untyped-def]
    server_url: str, fake_assistant
) -> None:
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as playwright:
        browser = launch(playwright)
        customer = browser.new_page(viewport={"width": 1000, "height": 900})
        open_chat(customer, server_url)
        ask(customer, "How long do password reset links work?", "30 minutes")

        fake_assistant.manager.reply_as_staff(stored_session_id(fake_assistant), "Hi, Bo here: anything else?", author="bo")

        expect(customer.locator("#chat .bot").last).to_contain_text("Bo here", timeout=30_000)  # the slow timer, 15 s
        expect(customer.locator("#handoff-banner")).to_contain_text("You are talking with bo", timeout=10_000)
        browser.close()


def test_a_reload_restores_the_conversation_and_new_conversation_forgets_it(  # type: ignore[no-untyped-def]
    server_url: str, fake_assistant
) -> None:
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as playwright:
        browser = launch(playwright)
        context = browser.new_context(viewport={"width": 1000, "height": 900})
        page = context.new_page()
        open_chat(page, server_url)
        ask(page, "hello", "Hello!")
        ask(page, "How long do password reset links work?", "30 minutes")

        page.reload(wait_until="domcontentloaded")
        page.locator("#question textarea").wait_for(timeout=30_000)
        expect(page.locator("#chat .bot")).to_have_count(2, timeout=10_000)
        expect(page.locator("#chat .user").first).to_have_text("hello")
        answer = page.locator("#chat .bot").last
        expect(answer).to_contain_text("30 minutes")
        link = answer.get_by_role("link", name="Reset your password > How long the link works")
        assert link.get_attribute("href") == "/kb/accounts/reset-password#how-long-the-link-works"
        expect(page.locator("#handoff-banner")).to_be_hidden()

        other_tab = context.new_page()  # the same browser, another tab: the same conversation
        open_chat(other_tab, server_url)
        expect(other_tab.locator("#chat .bot")).to_have_count(2, timeout=10_000)

        ask(page, "thanks", "You're welcome")  # continues the restored conversation
        assert len(fake_assistant.manager.tracker(stored_session_id(fake_assistant)).exchanges) == 3

        page.locator("#new-conversation").click()
        expect(page.locator("#chat .bot")).to_have_count(0, timeout=10_000)
        page.wait_for_timeout(500)  # let the cleared id reach the browser's storage
        page.reload(wait_until="domcontentloaded")
        page.locator("#question textarea").wait_for(timeout=30_000)
        page.wait_for_timeout(1_000)
        expect(page.locator("#chat .bot")).to_have_count(0)
        browser.close()


def test_an_unknown_stored_session_starts_fresh(server_url: str, fake_assistant) -> None:  # type: ignore[no-untyped-def]
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as playwright:
        browser = launch(playwright)
        page = browser.new_page()
        open_chat(page, server_url)
        ask(page, "hello", "Hello!")
        session_id = stored_session_id(fake_assistant)
        from datetime import timedelta

        from assistant.store.admin import purge_logs

        assert purge_logs(fake_assistant.settings.database_url, older_than=timedelta(0)).sessions == 1  # as by the retention job

        page.reload(wait_until="domcontentloaded")
        page.locator("#question textarea").wait_for(timeout=30_000)
        page.wait_for_timeout(1_000)
        expect(page.locator("#chat .bot")).to_have_count(0)
        ask(page, "hello", "Hello!")
        assert stored_session_id(fake_assistant) != session_id
        browser.close()


def test_mobile_width_has_no_horizontal_scrolling_and_everything_is_reachable(server_url: str, tmp_path: Path) -> None:
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as playwright:
        browser = launch(playwright)
        page = browser.new_page(viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True, has_touch=True)
        open_chat(page, server_url)
        ask(page, "How long do password reset links work?", "30 minutes")
        expect(page.locator("#chat .bot").last).to_contain_text("Sources")

        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        for element in ("#question textarea", "#send", "#talk-to-human", "#new-conversation"):
            box = page.locator(element).bounding_box()
            assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390, (element, box)
        screenshot(page, "chat-mobile.png", tmp_path)
        page.locator("#talk-to-human").tap()
        expect(page.locator("#handoff-banner")).to_be_visible(timeout=20_000)
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        browser.close()


def test_on_a_touch_screen_the_thumbs_and_copy_buttons_are_big_enough_for_a_finger(server_url: str) -> None:
    # they were 18 x 18 px, side by side: a thumb meant for "Like" could land on "Dislike"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = launch(playwright)
        page = browser.new_page(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
        open_chat(page, server_url)
        ask(page, "How long do password reset links work?", "30 minutes")
        for name in ("Copy message", "Dislike", "Like"):
            box = page.get_by_role("button", name=name, exact=True).last.bounding_box()
            assert box is not None and box["width"] >= 24 and box["height"] >= 24, (name, box)
        browser.close()


@pytest.fixture
def shop_url(server_url: str) -> Iterator[str]:
    """demo/embed-example.html served as the company's own site would: another origin (``localhost``, not
    ``127.0.0.1``, so another site too), its widget pointed at the test server. A real local server, as
    Chromium lets only pages from the machine's own addresses load scripts from a loopback address."""
    with serve_shop(server_url) as url:
        yield url


@pytest.fixture
def strict_shop_url(server_url: str) -> Iterator[str]:
    """The same shop with a Content-Security-Policy that lets in the assistant's script and frame, and
    no inline styles (no 'unsafe-inline'), as many shops send."""
    policy = f"default-src 'self'; script-src 'self' {server_url}; frame-src {server_url}; style-src 'self'"
    with serve_shop(server_url, {"Content-Security-Policy": policy}) as url:
        yield url


@contextmanager
def serve_shop(server_url: str, headers: dict[str, str] | None = None, html: str | None = None) -> Iterator[str]:
    """A page of another site on a local server: demo/embed-example.html, or ``html``."""
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    html = html or (Path(__file__).resolve().parents[2] / "demo" / "embed-example.html").read_text(encoding="utf-8")
    assert "http://127.0.0.1:7860/embed.js" in html
    body = html.replace("http://127.0.0.1:7860", server_url).encode()

    class Shop(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    shop = ThreadingHTTPServer(("127.0.0.1", 0), Shop)
    thread = threading.Thread(target=shop.serve_forever, daemon=True)
    thread.start()
    yield f"http://localhost:{shop.server_address[1]}/"
    shop.shutdown()
    thread.join(timeout=10)


def open_shop(context, shop_url: str, server_url: str):  # type: ignore[no-untyped-def]
    """The company page; requests to anywhere but the two local servers are refused."""
    local = (shop_url, server_url)
    context.route("**/*", lambda route: route.continue_() if route.request.url.startswith(local) else route.abort())
    page = context.new_page()
    page.goto(shop_url, wait_until="domcontentloaded")
    return page


def test_the_embed_widget_opens_the_chat_in_a_frame_on_another_site(shop_url: str, server_url: str, tmp_path: Path) -> None:
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as playwright:
        browser = launch(playwright)
        page = open_shop(browser.new_context(viewport={"width": 1100, "height": 860}), shop_url, server_url)
        launcher = page.locator("#sa-launcher")
        expect(launcher).to_have_text("Help", timeout=10_000)
        expect(page.locator("#sa-frame")).to_have_count(0)  # the chat loads on first open only
        launcher.click()
        expect(launcher).to_have_attribute("aria-expanded", "true")
        chat = page.frame_locator("#sa-frame")
        chat.locator("#question textarea").wait_for(timeout=30_000)
        # the widget has its own title bar: the page's title is there for screen readers only
        expect(chat.locator("#chat-header h1")).to_have_count(1)
        box = chat.locator("#chat-header").bounding_box()
        assert box is not None and box["width"] <= 1 and box["height"] <= 1
        chat.locator("#question textarea").fill("How long do password reset links work?")
        chat.locator("#send").click()
        expect(chat.locator("#chat .bot").last).to_contain_text("Sources", timeout=20_000)
        assert page.evaluate("document.documentElement.scrollWidth") <= 1100
        screenshot(page, "chat-embed.png", tmp_path)

        page.locator("#sa-close").focus()  # Escape on the company's page
        page.keyboard.press("Escape")
        expect(page.locator("#sa-panel")).to_be_hidden()
        launcher.click()  # reopened: the same frame, the same conversation
        expect(chat.locator("#chat .bot")).to_have_count(1)
        chat.locator("#question textarea").press("Escape")  # and in the chat, whose frame keeps its keys
        expect(page.locator("#sa-panel")).to_be_hidden()
        expect(launcher).to_be_focused()  # its black ring has a white band inside, for dark sites
        assert launcher.evaluate("e => getComputedStyle(e).boxShadow").startswith("rgb(255, 255, 255) 0px 0px 0px 2px")
        launcher.press("Enter")
        close = page.locator("#sa-close")
        close.focus()  # after a key press: the focus ring shows, white like the × on the bar's colour
        assert close.evaluate("e => e.matches(':focus-visible') && getComputedStyle(e).outlineColor") == "rgb(255, 255, 255)"

        phone_context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
        phone = open_shop(phone_context, shop_url, server_url)
        phone.locator("#sa-launcher").tap()
        panel = phone.locator("#sa-panel").bounding_box()
        assert panel is not None and (panel["x"], panel["y"], panel["width"], panel["height"]) == (0, 0, 390, 844)
        phone.frame_locator("#sa-frame").locator("#question textarea").wait_for(timeout=30_000)
        assert phone.evaluate("document.documentElement.scrollWidth") <= 390
        # full screen, the chat is a modal dialog: the shop's page behind it is inert (no Tab, no screen reader)
        expect(phone.locator("#sa-panel")).to_have_attribute("aria-modal", "true")
        behind = "[...document.body.children].filter(e => !e.id.startsWith('sa-') && e.tagName !== 'SCRIPT')"
        assert phone.evaluate(f"{behind}.length > 0 && {behind}.every(e => e.inert)")
        assert not page.evaluate(f"{behind}.some(e => e.inert)")  # the wide page's panel is not modal
        phone.locator("#sa-close").tap()
        expect(phone.locator("#sa-launcher")).to_be_visible()
        assert not phone.evaluate(f"{behind}.some(e => e.inert)")  # closed: the page is usable again
        expect(phone.locator("#sa-panel")).to_have_attribute("aria-modal", "false")
        browser.close()


@pytest.mark.parametrize("query, shown", [("", True), ("?embed=1", False), ("?embed=0", True)])
def test_the_title_is_for_screen_readers_only_inside_the_embed_widget(server_url: str, query: str, shown: bool) -> None:
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as playwright:
        browser = launch(playwright)
        page = browser.new_page(viewport={"width": 800, "height": 700})
        open_chat(page, server_url, query)
        expect(page.get_by_role("heading", level=1)).to_have_text("Help centre assistant")  # always the frame's h1
        box = page.locator("#chat-header").bounding_box()
        assert box is not None and (box["height"] > 20) is shown, box
        # hidden, it was a region that scrolls (Gradio's overflow "auto" on a 1 px box) and no key could reach (axe-core)
        scrolls = "e => e.scrollHeight > e.clientHeight && /auto|scroll/.test(getComputedStyle(e).overflowY)"
        assert not page.locator("#chat-header").evaluate(scrolls)
        browser.close()


@pytest.mark.parametrize("width, height", [(844, 390), (390, 350)])
def test_on_a_phone_on_its_side_or_with_its_keyboard_open_the_widget_shows_the_chat_above_the_box(
    shop_url: str, server_url: str, width: int, height: int
) -> None:
    # A 280 px panel (844 x 390) left a strip too short for the chat, and the title, hidden only after the page had
    # loaded, left the frame scrolled past the conversation: the customer saw the box, not the answer.
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as playwright:
        browser = launch(playwright)
        context = browser.new_context(viewport={"width": width, "height": height}, is_mobile=True, has_touch=True)
        page = open_shop(context, shop_url, server_url)
        page.locator("#sa-launcher").tap()
        panel = page.locator("#sa-panel").bounding_box()
        assert panel is not None and (panel["x"], panel["y"], panel["width"], panel["height"]) == (0, 0, width, height)
        expect(page.locator("#sa-panel")).to_have_attribute("aria-modal", "true")
        expect(page.locator("#sa-close")).to_be_in_viewport()
        chat = page.frame_locator("#sa-frame")
        chat.locator("#question textarea").wait_for(timeout=30_000)
        chat.locator("#question textarea").press_sequentially("How long do password reset links work?")
        chat.locator("#question textarea").press("Enter")
        expect(chat.locator("#chat .bot").last).to_contain_text("30 minutes", timeout=20_000)
        frame = page.frame(url=re.compile(r"embed=1"))
        assert frame is not None
        # the chat starts at the frame's top, unscrolled, and the box is still in view below it
        assert frame.evaluate("window.scrollY") == 0
        assert frame.locator("#chat").evaluate("e => e.getBoundingClientRect().top") >= 0
        expect(chat.locator("#question textarea")).to_be_in_viewport()
        browser.close()


def test_the_widget_keeps_its_layout_on_a_site_that_refuses_inline_styles(strict_shop_url: str, server_url: str) -> None:
    # An inline <style> is refused by such a policy: the panel had shown, unstyled, in the page's flow.
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as playwright:
        browser = launch(playwright)
        page = open_shop(browser.new_context(viewport={"width": 1100, "height": 860}), strict_shop_url, server_url)
        expect(page.locator("#sa-launcher")).to_have_text("Help", timeout=10_000)
        expect(page.locator("#sa-panel")).to_be_hidden()
        assert page.locator("#sa-launcher").evaluate("e => getComputedStyle(e).position") == "fixed"
        page.locator("#sa-launcher").click()
        panel = page.locator("#sa-panel").bounding_box()
        assert panel is not None and (panel["width"], panel["height"]) == (400, 640)
        browser.close()


CANCEL_ORDER = "# Cancelling an order\n\nTo cancel an order, open Orders and choose Cancel before it ships.\n"
CANCEL_MEMBERSHIP = "# Cancelling a membership\n\nTo cancel a membership, open Plan settings and choose End membership.\n"


@pytest.fixture
def two_section_url(tmp_path: Path) -> Iterator[str]:
    """A server over two articles in different sections that a short question matches about equally."""
    if not Path(CHROMIUM).exists():
        pytest.skip(f"Chromium not found at {CHROMIUM} (install Debian's chromium package)")
    pytest.importorskip("playwright.sync_api")
    from assistant.app import Assistant
    from assistant.config import load_settings
    from retrieval.ingest import ingest

    for folder, name, text in (("orders", "cancel-order.md", CANCEL_ORDER), ("subscriptions", "cancel-membership.md", CANCEL_MEMBERSHIP)):
        (tmp_path / "kb" / folder).mkdir(parents=True)
        (tmp_path / "kb" / folder / name).write_text(text)
    settings = load_settings(
        data_dir=tmp_path / "data", embedder="hash", generator="scripted", answer_mode="extractive",
        min_retrieval_score=0.01, clarify_margin=1.0,
    )
    assistant = Assistant(settings)
    ingest([tmp_path / "kb"], assistant.embedder, settings.index_dir)
    with serving(assistant) as url:
        yield url


def test_a_clarifying_question_offers_buttons_and_a_click_answers_from_that_article(two_section_url: str, tmp_path: Path) -> None:
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as playwright:
        browser = launch(playwright)
        page = browser.new_page(viewport={"width": 1000, "height": 800})
        open_chat(page, two_section_url)
        page.locator("#question textarea").fill("How do I cancel?")
        page.locator("#send").click()

        options = page.locator("#clarify-options button:visible")
        expect(options).to_have_count(2, timeout=20_000)
        expect(page.locator("#clarify-options")).to_contain_text("Cancelling a membership")
        expect(page.locator("#clarify-options")).to_contain_text("Cancelling an order")
        screenshot(page, "chat-clarify.png", tmp_path)

        page.locator("#clarify-options button", has_text="Cancelling a membership").click()
        answer = page.locator("#chat .bot").last
        expect(answer).to_contain_text("End membership", timeout=20_000)
        expect(answer).not_to_contain_text("before it ships")
        expect(page.locator("#clarify-options button:visible")).to_have_count(0, timeout=10_000)
        browser.close()


@pytest.mark.parametrize(("given", "shown"), [("#23402b", "rgb(35, 64, 43)"), ("#23402", "rgb(37, 99, 235)")])
def test_a_colour_the_browser_cannot_read_gives_the_default_not_a_clear_bar(server_url: str, given: str, shown: str) -> None:
    # An invalid data-color left the title bar transparent, its white title and close button unseen.
    from playwright.sync_api import expect, sync_playwright

    page_html = f'<!doctype html><title>Shop</title><script src="http://127.0.0.1:7860/embed.js" data-color="{given}"></script>'
    with serve_shop(server_url, html=page_html) as shop_url, sync_playwright() as playwright:
        browser = launch(playwright)
        page = open_shop(browser.new_context(), shop_url, server_url)
        page.locator("#sa-launcher").click()
        expect(page.locator("#sa-bar")).to_have_css("background-color", shown, timeout=10_000)
        expect(page.locator("#sa-launcher")).to_have_css("background-color", shown)
        browser.close()


def test_a_chat_page_moved_to_another_server_carries_on_its_conversation(fake_assistant) -> None:  # type: ignore[no-untyped-def]
    """Two servers on one database; the load balancer moves an open chat page to the second (its server went
    away, or was restarted), which has none of the page's state in memory. Before, the page's next message
    started a new conversation and staff replies to the handed-off one stopped reaching it."""
    from playwright.sync_api import expect, sync_playwright

    from dialog.events import UserMessage

    with serving(fake_assistant) as first, serving(fake_assistant) as second, sync_playwright() as playwright:
        browser = launch(playwright)
        page = browser.new_page(viewport={"width": 1000, "height": 900})
        open_chat(page, first)
        ask(page, "How long do password reset links work?", "30 minutes")
        page.locator("#talk-to-human").click()
        expect(page.locator("#handoff-banner")).to_be_visible(timeout=20_000)
        session_id = stored_session_id(fake_assistant)

        page.unroute("**/*")  # from now on every request of the page goes to the second server
        page.route("**/*", lambda route: route.continue_(url=route.request.url.replace(first, second)))
        fake_assistant.manager.reply_as_staff(session_id, "Hi, Ana here. I've sent you a new link.", author="ana")
        expect(page.locator("#chat .bot").last).to_contain_text("I've sent you a new link", timeout=30_000)
        page.locator("#question textarea").fill("Thanks, it arrived.")  # passed on to staff: no reply of the assistant
        page.locator("#send").click()
        expect(page.locator("#chat .user").last).to_contain_text("Thanks, it arrived.", timeout=20_000)
        expect(page.locator("#question textarea")).to_have_value("", timeout=20_000)

        def last_message() -> str:
            tracker = fake_assistant.manager.tracker(session_id)
            return [e.text for e in tracker.events if isinstance(e, UserMessage)][-1]

        deadline = time.time() + 20
        while last_message() != "Thanks, it arrived." and time.time() < deadline:  # the turn is stored after it shows
            time.sleep(0.2)
        assert last_message() == "Thanks, it arrived." and fake_assistant.manager.tracker(session_id).with_person
        assert stored_session_id(fake_assistant) == session_id  # still the only conversation
        browser.close()


def test_a_staff_reply_from_an_inbox_page_the_server_has_no_state_for_reaches_the_customer(fake_assistant) -> None:  # type: ignore[no-untyped-def]
    """The server behind an open Inbox page restarts (or a load balancer moves the page to another) while a reply
    is being typed. Gradio's page, once a request broke on the restart (the Inbox's 10-second refresh, say), drops
    every click and reloads itself when the server answers again: that reload kept neither the open conversation
    nor the typed reply, and a Send clicked before it went nowhere, pending. Both are kept now (the conversation in
    the address, the reply in the tab's storage), and Send delivers. Before the page kept the opened conversation,
    "Send to the customer" answered "Open a conversation from the inbox first." after a restart."""
    from playwright.sync_api import expect, sync_playwright

    session_id = fake_assistant.manager.start_session(channel="api")
    fake_assistant.manager.handle(session_id, "My reset link never arrived", channel="api")
    fake_assistant.manager.request_handoff(session_id, "the customer asked for a human")
    port, typed = free_port(), "Hi, I'm Ana. I've sent you a new link."
    with sync_playwright() as playwright:
        browser = launch(playwright)
        staff = browser.new_page(viewport={"width": 1280, "height": 1000})
        with serving(fake_assistant, port) as url:
            log_in_to_review(staff, url)
            staff.get_by_role("tab", name="Inbox").click()
            staff.locator("#inbox-list").get_by_test_id("cell-0-2").click()
            expect(staff.locator("#inbox-transcript")).to_contain_text("My reset link never arrived", timeout=20_000)
            staff.locator("#inbox-reply textarea").fill(typed)
        with serving(fake_assistant, port):  # a new server process on the same address, the login in the database
            staff.reload(wait_until="domcontentloaded")  # as Gradio does once the server answers again

            expect(staff.locator("#inbox-transcript")).to_contain_text("My reset link never arrived", timeout=30_000)
            expect(staff.locator("#inbox-reply textarea")).to_have_value(typed, timeout=10_000)
            staff.locator("#inbox-send").click()
            expect(staff.locator("#inbox-transcript")).to_contain_text("ana · staff", timeout=20_000)
            expect(staff.locator("#inbox-reply textarea")).to_have_value("")
        assert fake_assistant.manager.tracker(session_id).agent == STAFF_USER
        browser.close()


# counts the Inbox draft's looks for its conversation (REVIEW_JS's ``restore``), each a setTimeout of that function
COUNT_DRAFT_LOOKS = """
window.draftLooks = 0;
const scheduled = window.setTimeout;
window.setTimeout = function (callback, ...rest) {
  if (callback && callback.name === "restore") window.draftLooks++;
  return scheduled.call(this, callback, ...rest);
};
"""


def test_an_inbox_draft_whose_conversation_does_not_reopen_in_the_inbox_is_looked_for_a_while_not_for_ever(  # type: ignore[no-untyped-def]
    fake_assistant,
) -> None:
    """A reply typed in the Inbox is kept over a reload and waits for its conversation to reopen there. One handed
    back meanwhile opens in the list instead (the Inbox's box never shows it), and the page looked for it every
    100 ms for as long as it stayed open. Time here is the browser's fake clock, run forward."""
    from playwright.sync_api import expect, sync_playwright

    from ui.review_style import RESTORE_MS

    session_id = fake_assistant.manager.start_session(channel="api")
    fake_assistant.manager.handle(session_id, "My reset link never arrived", channel="api")
    fake_assistant.manager.request_handoff(session_id, "the customer asked for a human")
    with serving(fake_assistant) as url, sync_playwright() as playwright:
        browser = launch(playwright)
        context = browser.new_context(viewport={"width": 1280, "height": 1000})
        context.clock.install()
        context.add_init_script(COUNT_DRAFT_LOOKS)
        page = context.new_page()
        log_in_to_review(page, url)
        page.get_by_role("tab", name="Inbox").click()
        page.locator("#inbox-list").get_by_test_id("cell-0-2").click()
        expect(page.locator("#inbox-transcript")).to_contain_text("My reset link never arrived", timeout=20_000)
        page.locator("#inbox-reply textarea").fill("Hi, Ana here.")
        fake_assistant.manager.hand_back(session_id, author="bo")  # another member of staff, meanwhile
        page.reload(wait_until="domcontentloaded")
        expect(page.locator("#review-transcript")).to_contain_text("My reset link never arrived", timeout=30_000)
        assert page.evaluate("window.draftLooks") > 0  # it looked

        page.clock.run_for(RESTORE_MS + 10_000)
        looks = page.evaluate("window.draftLooks")
        page.clock.run_for(60_000)
        assert page.evaluate("window.draftLooks") == looks
        browser.close()


def message_buttons(page, text: str):  # type: ignore[no-untyped-def]
    """The copy and thumb buttons under the chat message showing ``text``."""
    return page.locator(f"#chat .message-row:has-text({text!r}) + .message-buttons")


def test_a_staff_reply_shows_no_thumbs_where_the_answer_keeps_its_own(server_url: str, fake_assistant) -> None:  # type: ignore[no-untyped-def]
    """Only the assistant's answers can be rated. Before, a staff reply showed thumbs too: a customer rated the
    person through the assistant's feedback, and the server refused the click ("Only the assistant's answers can
    be rated."); the hand-back notice as well. Their copy buttons stay; after a reload (the chat rebuilt from the
    stored events) too."""
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as playwright:
        browser = launch(playwright)
        page = browser.new_page(viewport={"width": 1000, "height": 900})
        open_chat(page, server_url)
        ask(page, "How long do password reset links work?", "30 minutes")
        session_id = stored_session_id(fake_assistant)
        fake_assistant.manager.reply_as_staff(session_id, "Hi, Ana here.", author="ana")
        fake_assistant.manager.hand_back(session_id, author="ana")
        for reloaded in (False, True):
            if reloaded:
                page.reload(wait_until="domcontentloaded")
            expect(page.locator("#chat .bot").last).to_contain_text("back with the assistant", timeout=30_000)
            page.locator("#chat .bot").last.hover()
            answer = message_buttons(page, "30 minutes")
            for unrated in (message_buttons(page, "Ana here"), message_buttons(page, "back with the assistant")):
                expect(unrated.get_by_role("button", name="Copy message")).to_have_count(1, timeout=10_000)
                expect(unrated.get_by_role("button", name=re.compile("Like|Dislike"))).to_have_count(0)
            expect(answer.get_by_role("button", name="Like", exact=True)).to_have_count(1)
            expect(answer.get_by_role("button", name="Dislike", exact=True)).to_have_count(1)
        browser.close()


# before the page's own scripts: the browser without navigator.clipboard (plain http on another host), so that Gradio
# copies through a hidden text area; the clipboard stays readable to the test as window.testClipboard
NO_CLIPBOARD_API = "window.testClipboard = navigator.clipboard; delete Navigator.prototype.clipboard;"


@pytest.mark.parametrize("clipboard_api", [True, False], ids=["clipboard-api", "plain-http-fallback"])
def test_the_copy_button_copies_a_staff_reply_and_a_notice_without_their_mark(  # type: ignore[no-untyped-def]
    server_url: str, fake_assistant, clipboard_api: bool
) -> None:
    """Gradio's copy button copies a message's source: a staff reply and the hand-back notice were copied with
    the mark that hides their thumbs ('<span class="unrated"></span>You're back with the assistant ...')."""
    from playwright.sync_api import expect, sync_playwright

    from dialog.replies import DEFAULT_REPLIES

    with sync_playwright() as playwright:
        browser = launch(playwright)
        context = browser.new_context(viewport={"width": 1000, "height": 900})
        context.grant_permissions(["clipboard-read", "clipboard-write"], origin=server_url)
        if not clipboard_api:
            context.add_init_script(NO_CLIPBOARD_API)
        page = context.new_page()
        open_chat(page, server_url)
        ask(page, "How long do password reset links work?", "30 minutes")
        session_id = stored_session_id(fake_assistant)
        fake_assistant.manager.reply_as_staff(session_id, "Hi, Ana here.", author="ana")
        fake_assistant.manager.hand_back(session_id, author="ana")
        expect(page.locator("#chat .bot").last).to_contain_text("back with the assistant", timeout=30_000)
        reader = "() => (window.testClipboard || navigator.clipboard).readText()"
        copied = []
        for text in ("Ana here", "back with the assistant"):
            page.locator(f"#chat .message-row:has-text({text!r})").hover()
            message_buttons(page, text).get_by_role("button", name="Copy message").click()
            expect(message_buttons(page, text).get_by_role("button", name="Copied message")).to_have_count(1, timeout=10_000)
            copied.append(page.evaluate(reader))
        browser.close()

    assert copied == ["**ana** · support team\n\nHi, Ana here.", DEFAULT_REPLIES.handed_back]


def test_the_note_that_a_message_was_passed_on_to_staff_shows_no_thumbs(server_url: str, fake_assistant) -> None:  # type: ignore[no-untyped-def]
    """While a person has the conversation, a customer's message is acknowledged ("Thank you, I've added that to
    your conversation ..."): a note, not an answer. It showed thumbs, and a thumb on it was stored as a rating of
    the assistant. Now it has none, live and after a reload, and the answer before it keeps its own."""
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as playwright:
        browser = launch(playwright)
        page = browser.new_page(viewport={"width": 1000, "height": 900})
        open_chat(page, server_url)
        ask(page, "How long do password reset links work?", "30 minutes")
        fake_assistant.manager.request_handoff(stored_session_id(fake_assistant), "the customer asked for a human")
        ask(page, "My link never arrived, can someone check?", "added that to your conversation")
        for reloaded in (False, True):
            if reloaded:
                page.reload(wait_until="domcontentloaded")
                expect(page.locator("#chat .bot").last).to_contain_text("added that to your conversation", timeout=30_000)
            page.locator("#chat .bot").last.hover()
            note = message_buttons(page, "added that to your conversation")
            expect(note.get_by_role("button", name="Copy message")).to_have_count(1, timeout=10_000)
            expect(note.get_by_role("button", name=re.compile("Like|Dislike"))).to_have_count(0)
            expect(message_buttons(page, "30 minutes").get_by_role("button", name="Like", exact=True)).to_have_count(1)
        browser.close()


def test_the_handoff_message_shows_no_thumbs(server_url: str, fake_assistant, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """"I'm passing you to a person" is not an answer: it showed thumbs. Now it has none, live and after a
    reload, and the answer before it keeps its own."""
    from playwright.sync_api import expect, sync_playwright

    handoff_text = fake_assistant.manager.replies.handoff.split(".")[0]
    with sync_playwright() as playwright:
        browser = launch(playwright)
        page = browser.new_page(viewport={"width": 1000, "height": 900})
        open_chat(page, server_url)
        ask(page, "How long do password reset links work?", "30 minutes")
        ask(page, "I want to talk to a human", handoff_text)
        for reloaded in (False, True):
            if reloaded:
                page.reload(wait_until="domcontentloaded")
                expect(page.locator("#chat .bot").last).to_contain_text(handoff_text, timeout=30_000)
            page.locator("#chat .bot").last.hover()
            handoff = message_buttons(page, handoff_text)
            expect(handoff.get_by_role("button", name="Copy message")).to_have_count(1, timeout=10_000)
            expect(handoff.get_by_role("button", name=re.compile("Like|Dislike"))).to_have_count(0)
            expect(message_buttons(page, "30 minutes").get_by_role("button", name="Like", exact=True)).to_have_count(1)
        page.screenshot(path=str(tmp_path / "handoff-no-thumbs.png"))
        browser.close()


def test_two_customers_are_answered_at_the_same_time(fake_assistant, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Each customer's turn waits until the other's has started too. Gradio runs an event's calls one at a time
    unless told otherwise, so the chat page answered one customer at a time, all customers queued behind the
    one being answered (a generator's seconds each), where the API answers each in a thread of its own."""
    import threading

    from playwright.sync_api import expect, sync_playwright

    both_started = threading.Barrier(2, timeout=20)
    stream = fake_assistant.manager.stream

    def together(*args, **kwargs):  # type: ignore[no-untyped-def]
        both_started.wait()
        return stream(*args, **kwargs)

    monkeypatch.setattr(fake_assistant.manager, "stream", together)
    with serving(fake_assistant) as url, sync_playwright() as playwright:
        browser = launch(playwright)
        pages = [browser.new_page(viewport={"width": 1000, "height": 800}) for _ in range(2)]
        for page in pages:
            open_chat(page, url)
        for page in pages:
            page.locator("#question textarea").fill("How long do password reset links work?")
            page.locator("#send").click()
        for page in pages:
            expect(page.locator("#chat .bot").last).to_contain_text("30 minutes", timeout=30_000)
        assert not both_started.broken
        browser.close()


def test_two_tabs_opened_before_any_conversation_each_reload_their_own(server_url: str, fake_assistant) -> None:  # type: ignore[no-untyped-def]
    """Two tabs of one browser, both opened before any conversation: each starts its own, and a reload shows the
    tab's own conversation. Before, the browser kept one id for all tabs, the later conversation's, so a reload
    of the first tab showed the second tab's conversation. A tab opened afterwards continues the latest one."""
    from playwright.sync_api import expect, sync_playwright
    from sqlalchemy import select
    from sqlalchemy.orm import Session

    from assistant.store.tables import SessionRow

    with sync_playwright() as playwright:
        browser = launch(playwright)
        context = browser.new_context(viewport={"width": 1000, "height": 900})
        first, second = context.new_page(), context.new_page()
        open_chat(first, server_url)
        open_chat(second, server_url)
        ask(first, "hello", "Hello!")
        ask(second, "How long do password reset links work?", "30 minutes")
        for tab, question in ((first, "hello"), (second, "How long do password reset links work?")):
            tab.reload(wait_until="domcontentloaded")
            tab.locator("#question textarea").wait_for(timeout=30_000)
            expect(tab.locator("#chat .user")).to_have_count(1, timeout=10_000)
            expect(tab.locator("#chat .user").first).to_have_text(question)
        ask(first, "thanks", "You're welcome")  # the first tab's conversation goes on
        with Session(fake_assistant.sql_store.engine) as db:
            assert len(list(db.scalars(select(SessionRow.id)))) == 2
        third = context.new_page()  # a tab opened now continues the conversation used last
        open_chat(third, server_url)
        expect(third.locator("#chat .user")).to_have_count(2, timeout=10_000)
        expect(third.locator("#chat .user").first).to_have_text("hello")
        browser.close()


def test_the_chat_log_is_named_by_the_page_title_and_polls_leave_the_handoff_banner_as_it_is(  # type: ignore[no-untyped-def]
    fake_assistant, monkeypatch
) -> None:
    """The chat log was named "chatbot conversation" on every page (Gradio's English words, also on a German page);
    it is named by the replies' page title. And the handoff banner (a status region) is drawn anew only when it
    changes (a staff reply names its writer), not by each poll that sends it again, which a screen reader could
    announce again every 3 s (it was not: this test guards it)."""
    from playwright.sync_api import expect, sync_playwright

    import ui.chat

    monkeypatch.setattr(ui.chat, "POLL_SECONDS", 1)  # the same polls, sooner
    with serving(fake_assistant) as url, sync_playwright() as playwright:
        browser = launch(playwright)
        page = browser.new_page(viewport={"width": 1000, "height": 900})
        open_chat(page, url)
        expect(page.get_by_role("log")).to_have_attribute("aria-label", fake_assistant.manager.replies.page_title, timeout=10_000)
        ask(page, "How long do password reset links work?", "30 minutes")
        page.locator("#talk-to-human").click()
        banner = page.locator("#handoff-banner .handoff-banner")
        expect(banner).to_contain_text("A member of our team will take over", timeout=20_000)
        fake_assistant.manager.reply_as_staff(stored_session_id(fake_assistant), "Hi, Ana here.", author="ana")
        expect(banner).to_contain_text("ana", timeout=20_000)  # a change is shown
        banner.evaluate("e => { window.shownBanner = e; }")
        polls: list[str] = []
        page.on("request", lambda request: polls.append(request.url) if "/queue/join" in request.url else None)
        for _ in range(150):  # the page's events reach this list while Playwright runs: wait in the page
            if len(polls) >= 3:
                break
            page.wait_for_timeout(200)
        assert len(polls) >= 3
        page.wait_for_timeout(500)  # the last poll's answer drawn
        assert page.evaluate("document.querySelector('#handoff-banner .handoff-banner') === window.shownBanner")
        expect(page.get_by_role("log")).to_have_attribute("aria-label", fake_assistant.manager.replies.page_title)
        browser.close()


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_handoff_banner_reads_in_the_light_and_the_dark_mode(server_url: str, scheme: str) -> None:
    # in the dark mode its bold first line ("A member of our team will take over …", "You are talking with ana …") was
    # the page's light text on the banner's amber, 1.1:1
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as playwright:
        browser = launch(playwright)
        page = browser.new_page(viewport={"width": 800, "height": 900}, color_scheme=scheme)
        open_chat(page, server_url)
        ask(page, "How long do password reset links work?", "30 minutes")
        page.locator("#talk-to-human").click()
        banner = page.locator("#handoff-banner .handoff-banner")
        expect(banner).to_contain_text("A member of our team will take over", timeout=20_000)
        page.wait_for_timeout(500)  # the theme's colour transitions
        on_banner = "e => [getComputedStyle(e).color, getComputedStyle(e.closest('.handoff-banner')).backgroundColor]"
        for part in (banner, banner.locator("strong")):
            assert contrast(*part.evaluate(on_banner)) >= 4.5, part.evaluate(on_banner)
        browser.close()


def test_a_reload_right_after_the_first_answer_shows_the_conversation(fake_assistant, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """The tab's own record of its conversation (760640b) was written only after the steps that follow an answer; a
    reload as the first answer showed (slow steps, a busy server) found none and showed an empty chat."""
    from playwright.sync_api import expect, sync_playwright

    from ui.chat import ChatPage

    sync = ChatPage.sync

    def slow_sync(self, session_id):  # type: ignore[no-untyped-def]
        time.sleep(3)  # the steps after an answer, on a busy server
        return sync(self, session_id)

    monkeypatch.setattr(ChatPage, "sync", slow_sync)
    with serving(fake_assistant) as url, sync_playwright() as playwright:
        browser = launch(playwright)
        page = browser.new_page(viewport={"width": 1000, "height": 800})
        open_chat(page, url)
        page.wait_for_timeout(3_500)  # the opening steps done
        ask(page, "How long do password reset links work?", "30 minutes")
        page.reload(wait_until="domcontentloaded")
        expect(page.locator("#chat .bot")).to_have_count(1, timeout=30_000)
        browser.close()
