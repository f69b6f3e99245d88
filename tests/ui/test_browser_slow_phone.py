"""The chat page and the embed widget on a phone over a slow connection: the customer reads that the chat is loading
at once (it was a white screen for 14-16 s on slow 3G, the widget's panel a title bar on white), and the widget's
buttons are big enough for a finger."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from test_browser import launch, open_shop, server_url, fake_assistant, shop_url  # noqa: F401

pytestmark = pytest.mark.browser

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
GERMAN_REPLIES = Path(__file__).resolve().parents[2] / "demo" / "replies.de.yaml"


def hold_requests(page_or_context, pattern: re.Pattern[str], allowed: tuple[str, ...]):  # type: ignore[no-untyped-def]
    """Requests whose address matches ``pattern`` wait (a connection that has not delivered them yet) until the
    returned function lets them through, and from then on pass at once; requests outside ``allowed`` are refused."""
    held: list = []
    released = [False]

    def handle(route) -> None:  # type: ignore[no-untyped-def]
        url = route.request.url
        if not url.startswith(allowed):
            route.abort()
        elif pattern.search(url) and not released[0]:
            held.append(route)
        else:
            route.continue_()

    def release() -> None:
        released[0] = True
        while held:
            held.pop().continue_()

    page_or_context.route("**/*", handle)
    return release


def test_the_chat_page_says_it_is_loading_before_its_scripts_arrive_and_not_after(server_url: str, tmp_path: Path) -> None:  # noqa: F811
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as playwright:
        browser = launch(playwright)
        page = browser.new_page(**PHONE)
        release = hold_requests(page, re.compile(r"/assets/.*\.js"), (server_url,))  # Gradio's scripts, not yet here
        page.goto(server_url + "/", wait_until="commit")  # its DOMContentLoaded waits for the scripts
        loading = page.locator("#chat-loading")
        expect(loading).to_have_text("Loading the chat…")
        expect(loading).to_be_visible()
        expect(loading).to_have_attribute("lang", "en")
        assert loading.bounding_box()["y"] < 844  # type: ignore[index]  # in view at once, not below the fold
        page.screenshot(path=str(tmp_path / "loading.png"))
        release()
        page.locator("#question textarea").wait_for(timeout=60_000)
        expect(loading).to_be_hidden()
        browser.close()


def test_the_widget_panel_says_the_chat_is_loading_until_its_frame_has_loaded(shop_url: str, server_url: str) -> None:  # noqa: F811
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as playwright:
        browser = launch(playwright)
        context = browser.new_context(**PHONE)
        release = hold_requests(context, re.compile(r"/\?embed=1"), (shop_url, server_url))  # the chat page itself
        page = context.new_page()
        page.goto(shop_url, wait_until="domcontentloaded")
        page.locator("#sa-launcher").tap()
        waiting = page.locator("#sa-loading")
        expect(waiting).to_have_text("Loading the chat…")
        expect(waiting).to_be_visible()
        release()
        page.frame_locator("#sa-frame").locator("#question textarea").wait_for(timeout=60_000)
        expect(waiting).to_have_count(0)  # gone after the frame's load: no screen reader hears it behind the chat
        browser.close()


def test_on_a_touch_screen_the_widgets_buttons_are_at_least_44_px(shop_url: str, server_url: str) -> None:  # noqa: F811
    # the close button was 40 x 40 and the launcher 43 px tall: under the 44 px a finger needs
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = launch(playwright)
        page = open_shop(browser.new_context(**PHONE), shop_url, server_url)
        launcher = page.locator("#sa-launcher").bounding_box()
        assert launcher is not None and launcher["height"] >= 44 and launcher["width"] >= 44, launcher
        page.locator("#sa-launcher").tap()
        close = page.locator("#sa-close").bounding_box()
        assert close is not None and close["height"] >= 44 and close["width"] >= 44, close
        page.locator("#sa-close").tap()
        assert page.locator("#sa-panel").is_hidden()
        browser.close()


def test_the_loading_words_are_in_the_replies_files_language(tmp_path: Path) -> None:
    """German replies: the chat page's and the widget's loading text in German, marked as such."""
    from fastapi.testclient import TestClient

    from assistant.app import Assistant
    from assistant.config import load_settings

    settings = load_settings(data_dir=tmp_path / "data", embedder="hash", generator="scripted", replies_file=GERMAN_REPLIES)
    with TestClient(Assistant(settings).web_app()) as web:
        page = web.get("/").text
        widget = web.get("/embed.js").text
    assert re.search(r'<div id="chat-loading" lang="de">Der Chat wird geladen…</div>\s*<gradio-app', page)
    assert "Der Chat wird geladen\\u2026" in widget and '"de"' in widget
