"""The chat page in Chromium: citations open at the cited section, a message's buttons say which answer they are
for, and the comment box of a rated answer closes when the conversation moves on."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from test_browser import ask, fake_assistant, launch, message_buttons, open_chat, server_url, stored_session_id, wait_for  # noqa: F401

pytestmark = pytest.mark.browser

QUESTION = "How long do password reset links work?"


def test_a_citation_link_opens_the_article_at_the_cited_section(server_url: str, tmp_path: Path) -> None:  # noqa: F811
    """The link went to the article's top (its headings had no ids): on a phone the cited part had to be found."""
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as playwright:
        browser = launch(playwright)
        page = browser.new_page(viewport={"width": 390, "height": 844})
        open_chat(page, server_url)
        ask(page, QUESTION, "30 minutes")
        link = page.locator("#chat .bot").last.get_by_role("link", name="Reset your password > How long the link works")
        expect(link).to_have_attribute("href", "/kb/accounts/reset-password#how-long-the-link-works")

        article = browser.new_page(viewport={"width": 390, "height": 844})
        article.goto(server_url + link.get_attribute("href"), wait_until="load")
        expect(article.locator("h2:target")).to_have_text("How long the link works")
        article.screenshot(path=str(tmp_path / "article-at-section.png"))
        browser.close()


def test_each_answers_buttons_are_described_by_the_question_it_answers(  # type: ignore[no-untyped-def]
    server_url: str, fake_assistant, tmp_path: Path  # noqa: F811
) -> None:
    """A screen reader heard "Copy message, Dislike, Like" under every answer, with no hint which; the customer's
    own messages had a copy button too (one more tab stop each). A staff reply, which answers no question of
    its own, is described by its text."""
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as playwright:
        browser = launch(playwright)
        page = browser.new_page(viewport={"width": 1000, "height": 900})
        open_chat(page, server_url)
        ask(page, "hello", "Hello!")
        ask(page, QUESTION, "30 minutes")
        for answer, question in (("Hello!", "hello"), ("30 minutes", QUESTION)):
            buttons = message_buttons(page, answer)
            for name in ("Copy message", "Dislike", "Like"):  # Gradio's names stay
                expect(buttons.get_by_role("button", name=name, exact=True)).to_have_accessible_description(question, timeout=10_000)
        for row in (page.locator("#chat .message-row.user-row").first, page.locator("#chat .message-row.user-row").last):
            row.hover()
        expect(page.locator("#chat .message-buttons-right button")).to_have_count(2)  # drawn by Gradio, not shown
        for index in range(2):
            expect(page.locator("#chat .message-buttons-right button").nth(index)).to_be_hidden()
        expect(page.get_by_role("button", name="Copy message", exact=True)).to_have_count(2)  # the two answers'

        page.reload(wait_until="domcontentloaded")  # the chat drawn again from the store
        expect(page.locator("#chat .bot").last).to_contain_text("30 minutes", timeout=30_000)
        expect(message_buttons(page, "30 minutes").get_by_role("button", name="Like", exact=True)).to_have_accessible_description(
            QUESTION, timeout=10_000
        )
        fake_assistant.manager.reply_as_staff(stored_session_id(fake_assistant), "Hi, Ana here.", author="ana")
        expect(page.locator("#chat .bot").last).to_contain_text("Ana here", timeout=30_000)
        expect(message_buttons(page, "Ana here").get_by_role("button", name="Copy message", exact=True)).to_have_accessible_description(
            re.compile("Hi, Ana here."), timeout=10_000
        )
        page.screenshot(path=str(tmp_path / "described-buttons.png"))
        browser.close()


def feedback_of(fake_assistant, session_id: str) -> list[tuple[int, int | None, str | None]]:  # type: ignore[no-untyped-def]  # noqa: F811
    from assistant.store.review import read_transcript

    transcript = read_transcript(fake_assistant.sql_store.engine, session_id)
    return [(f.turn_no, f.rating, f.comment) for view in transcript.turns for f in view.feedback]


def test_the_next_message_closes_the_comment_box_and_sends_the_comment_typed(  # type: ignore[no-untyped-def]
    server_url: str, fake_assistant, tmp_path: Path  # noqa: F811
) -> None:
    """The box ("What was wrong with this answer?") stayed open under the next messages and a handoff."""
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as playwright:
        browser = launch(playwright)
        page = browser.new_page(viewport={"width": 1000, "height": 900})
        open_chat(page, server_url)
        ask(page, QUESTION, "30 minutes")
        session_id = stored_session_id(fake_assistant)
        comment = page.locator("#feedback-comment textarea")

        page.locator("#chat .bot").last.hover()
        message_buttons(page, "30 minutes").get_by_role("button", name="Dislike", exact=True).click()
        expect(comment).to_be_focused(timeout=10_000)
        comment.fill("I wanted a new link.")
        ask(page, "hello", "Hello!")  # typed in the question box and sent: the comment goes with it
        expect(comment).to_be_hidden(timeout=10_000)
        assert wait_for(lambda: len(feedback_of(fake_assistant, session_id)) == 2)
        assert feedback_of(fake_assistant, session_id) == [(1, -1, None), (1, None, "I wanted a new link.")]

        page.locator("#chat .bot").last.hover()
        message_buttons(page, "Hello!").get_by_role("button", name="Dislike", exact=True).click()
        expect(comment).to_be_focused(timeout=10_000)
        page.locator("#talk-to-human").click()  # nothing typed: the box just closes
        expect(page.locator("#handoff-banner")).to_be_visible(timeout=20_000)
        expect(comment).to_be_hidden(timeout=10_000)
        page.screenshot(path=str(tmp_path / "handoff-comment-closed.png"))
        assert wait_for(lambda: len(feedback_of(fake_assistant, session_id)) == 3)
        assert feedback_of(fake_assistant, session_id)[2] == (2, -1, None)
        browser.close()
