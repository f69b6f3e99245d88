"""The chat page on a phone (360 x 740, a touch screen) in Chromium: controls big enough for a thumb, a message shown
at once on a slow connection, a long answer opened at its start, the question box on screen beside the handoff
banner, and whole words at 200 % zoom. Sizes are measured in the page (getBoundingClientRect)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant.lm.base import Message, ScriptedGenerator
from test_browser import (  # noqa: F401
    ARTICLE, CHROMIUM, ask, fake_assistant, launch, message_buttons, open_chat, server_url, serving, two_section_url,
)

pytestmark = pytest.mark.browser

PHONE = {"viewport": {"width": 360, "height": 740}, "is_mobile": True, "has_touch": True}
QUESTION = "How long do password reset links work?"
TWO_FRAMES = "() => new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)))"
THUMB_SIZE = 44  # px: a control a thumb can hit (WCAG 2.5.5, Apple's and Google's guides)


def size(page, selector: str) -> dict[str, float]:  # type: ignore[no-untyped-def]
    """The first visible element's width and height as the page lays it out."""
    return page.evaluate(
        """(selector) => { const found = [...document.querySelectorAll(selector)].find(e => e.offsetParent);
          if (!found) return null; const box = found.getBoundingClientRect(); return {width: box.width, height: box.height}; }""",
        selector,
    )


def test_on_a_phone_every_control_is_tall_enough_for_a_thumb_and_a_desktop_keeps_its_sizes(two_section_url: str) -> None:  # noqa: F811
    """They were 26 to 32 px tall: "Talk to a human", "New conversation", the "Try" examples, a clarifying question's
    options, the comment's "Send comment" and "No thanks", the thumbs and copy buttons."""
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as playwright:
        browser = launch(playwright)
        page = browser.new_page(**PHONE)
        open_chat(page, two_section_url)
        page.locator("#question textarea").fill("How do I cancel?")
        page.locator("#send").tap()
        expect(page.locator("#clarify-options button:visible")).to_have_count(2, timeout=20_000)
        measured = {
            name: size(page, selector) for name, selector in (
                ("option", "#clarify-options button"), ("talk to a human", "#talk-to-human"),
                ("new conversation", "#new-conversation"), ("example", "#chat-examples button"),
            )
        }
        page.locator("#clarify-options button", has_text="Cancelling a membership").tap()
        expect(page.locator("#chat .bot").last).to_contain_text("End membership", timeout=20_000)
        buttons = message_buttons(page, "End membership")
        for name in ("Copy message", "Dislike", "Like"):
            box = buttons.get_by_role("button", name=name, exact=True).bounding_box()
            assert box is not None and box["width"] >= THUMB_SIZE and box["height"] >= THUMB_SIZE, (name, box)
        buttons.get_by_role("button", name="Dislike", exact=True).tap()
        expect(page.locator("#feedback-send")).to_be_visible(timeout=10_000)
        measured |= {"send comment": size(page, "#feedback-send"), "no thanks": size(page, "#feedback-skip")}
        short = {name: box for name, box in measured.items() if box is None or box["height"] < THUMB_SIZE}
        assert not short, short

        desktop = browser.new_page(viewport={"width": 1000, "height": 800})  # a mouse: the small buttons stay
        open_chat(desktop, two_section_url)
        assert size(desktop, "#talk-to-human")["height"] < 40
        assert size(desktop, "#chat-examples button")["height"] < 40
        browser.close()


def test_on_a_slow_connection_the_message_shows_in_the_chat_at_once_and_a_second_send_sends_nothing(  # type: ignore[no-untyped-def]
    server_url: str, fake_assistant  # noqa: F811
) -> None:
    """The request took seconds to reach the server and, until it did, the chat showed nothing and the question stayed
    in the box, as if Send had not been tapped. A second tap, or Enter, while it is on its way sends nothing more (Enter
    after a tap sent it twice). Here the requests are held until the message shows."""
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as playwright:
        browser = launch(playwright)
        page = browser.new_page(**PHONE)
        open_chat(page, server_url)
        held: list = []
        page.route("**/queue/join**", lambda route: held.append(route))
        page.locator("#question textarea").fill(QUESTION)
        page.locator("#send").tap()
        expect(page.locator("#chat")).to_contain_text(QUESTION, timeout=5_000)  # the server has not got it yet
        sending = page.locator("#chat-sending")
        box = sending.bounding_box()
        log = page.locator("#chat .bubble-wrap").bounding_box()
        assert box is not None and log is not None and log["y"] <= box["y"] and box["y"] + box["height"] <= log["y"] + log["height"]
        page.locator("#send").tap()  # a double tap (Gradio runs a button's event once at a time)
        page.locator("#question textarea").press("Enter")  # and the keyboard's Enter, another event
        page.evaluate(TWO_FRAMES)  # the second tap's handlers have run
        page.unroute("**/queue/join**")
        sent = [route for route in held if QUESTION in (route.request.post_data or "")]
        assert len(sent) == 1, [route.request.post_data for route in held]
        for route in held:
            route.continue_()
        expect(page.locator("#chat .bot")).to_have_count(1, timeout=20_000)
        expect(page.locator("#chat .bot").last).to_contain_text("30 minutes", timeout=20_000)
        expect(page.locator("#chat .user-row")).to_have_count(1)
        expect(page.locator("#chat-sending")).to_have_count(0)
        expect(page.locator("#question textarea")).to_have_value("")
        expect(page.get_by_test_id("toast-body")).to_have_count(0)  # the second tap, stopped, showed no error

        too_long = "x" * (fake_assistant.manager.max_message_chars + 1)  # refused: it stays in the box, not in the chat
        page.locator("#question textarea").fill(too_long)
        page.locator("#send").tap()
        expect(page.get_by_test_id("toast-body")).to_be_visible(timeout=10_000)
        expect(page.locator("#chat-sending")).to_have_count(0, timeout=10_000)
        expect(page.locator("#question textarea")).to_have_value(too_long)
        expect(page.locator("#chat .user-row")).to_have_count(1)
        browser.close()


LONG_ARTICLE = "# Returns\n\n## How a return works\n\n" + " ".join(
    f"Step {n}: pack the item in its box, print the label from the Returns page and drop the parcel at a post office."
    for n in range(1, 8)
) + "\n"


@pytest.fixture
def long_answer_url(tmp_path: Path) -> Iterator[str]:
    """A server whose one article's first section is a long paragraph, which the scripted generator quotes whole."""
    if not Path(CHROMIUM).exists():
        pytest.skip(f"Chromium not found at {CHROMIUM} (install Debian's chromium package)")
    pytest.importorskip("playwright.sync_api")
    from assistant.app import Assistant
    from assistant.config import load_settings
    from retrieval.ingest import ingest

    (tmp_path / "kb" / "orders").mkdir(parents=True)
    (tmp_path / "kb" / "orders" / "returns.md").write_text(LONG_ARTICLE)
    settings = load_settings(data_dir=tmp_path / "data", embedder="hash", generator="scripted", min_retrieval_score=0.05)
    assistant = Assistant(settings)
    assistant.__dict__["generator"] = SlowToStart()  # before the manager is built with it
    ingest([tmp_path / "kb"], assistant.embedder, settings.index_dir)
    with serving(assistant) as url:
        yield url


class SlowToStart(ScriptedGenerator):
    """The scripted generator, half a second before its first word, as a model is: the chat shows the question, then
    the answer, in two changes (the page scrolled to the new answer, leaving the question above it out of view)."""

    def stream(self, messages: list[Message], max_new_tokens: int = 160) -> Iterator[str]:
        time.sleep(0.5)
        yield from super().stream(messages, max_new_tokens)


def test_a_long_answer_opens_at_its_start_with_the_question_above_it(long_answer_url: str) -> None:
    """The chat scrolled to its end with every change: a long answer opened at its last line and its sources."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = launch(playwright)
        page = browser.new_page(**PHONE)
        open_chat(page, long_answer_url)
        ask(page, "hello", "Hello")
        ask(page, "How does a return work, which steps?", "Step 7")
        page.evaluate(TWO_FRAMES)  # the page's scripts have seen the last change
        where = page.evaluate(
            """() => { const log = document.querySelector('#chat .bubble-wrap').getBoundingClientRect();
              const asked = [...document.querySelectorAll('#chat .user-row')].pop().getBoundingClientRect();
              const answer = [...document.querySelectorAll('#chat .bot-row')].pop().getBoundingClientRect();
              return {log_top: log.top, log_bottom: log.bottom, asked_top: asked.top, answer_top: answer.top,
                      answer_bottom: answer.bottom}; }"""
        )
        assert where["answer_bottom"] - where["asked_top"] > where["log_bottom"] - where["log_top"], where  # not all shows
        assert where["log_top"] - 1 <= where["asked_top"] < where["answer_top"] < where["log_bottom"], where
        browser.close()


def test_on_a_phone_the_handoff_banner_leaves_the_question_box_on_screen(server_url: str) -> None:  # noqa: F811
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as playwright:
        browser = launch(playwright)
        page = browser.new_page(**PHONE)
        open_chat(page, server_url)
        ask(page, QUESTION, "30 minutes")
        page.locator("#talk-to-human").tap()
        expect(page.locator("#handoff-banner")).to_be_visible(timeout=20_000)
        expect(page.locator("#talk-to-human")).to_have_text("Back to the assistant", timeout=20_000)
        page.evaluate("() => window.scrollTo(0, 0)")
        bottoms = page.evaluate(
            """() => ['#question textarea', '#send', '#handoff-banner'].map(s =>
                 document.querySelector(s).getBoundingClientRect().bottom + window.scrollY)"""
        )
        assert max(bottoms) <= 740, bottoms
        browser.close()


def test_at_200_percent_zoom_the_answers_words_stay_whole(server_url: str) -> None:  # noqa: F811
    """A 360 px phone at 200 % zoom is 180 CSS px wide: the answer's source broke mid-word ("Reset your pass/word")."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = launch(playwright)
        page = browser.new_page(viewport={"width": 180, "height": 370}, is_mobile=True, has_touch=True)
        open_chat(page, server_url)
        ask(page, QUESTION, "30 minutes")
        broken = page.evaluate(
            """() => { const broken = []; const answer = [...document.querySelectorAll('#chat .bot')].pop();
              const walker = document.createTreeWalker(answer, NodeFilter.SHOW_TEXT);
              for (let node = walker.nextNode(); node; node = walker.nextNode()) {
                for (const match of node.data.matchAll(/\\S+/g)) {
                  const range = document.createRange();
                  range.setStart(node, match.index); range.setEnd(node, match.index + match[0].length);
                  const lines = new Set([...range.getClientRects()].filter(r => r.width).map(r => Math.round(r.top)));
                  if (lines.size > 1) broken.push(match[0]);
                } }
              return broken; }"""
        )
        assert broken == [], broken
        assert page.evaluate("document.documentElement.scrollWidth") <= 180
        browser.close()
