"""The chat page in a real browser (Debian's Chromium driven by Playwright), wired with fast fakes."""

from __future__ import annotations

import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
STAFF_USER, STAFF_PASSWORD = "ana", "a long enough password"
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
ARTICLE = """# Reset your password

## How long the link works

Password reset links expire after 30 minutes and work only once.
"""


def open_chat(page, url: str) -> None:  # type: ignore[no-untyped-def]
    """Load the chat page; requests that would leave this machine (web fonts) are refused at once."""
    page.route("**/*", lambda route: route.continue_() if route.request.url.startswith(url) else route.abort())
    page.goto(url, wait_until="domcontentloaded")
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


@pytest.fixture
def server_url(fake_assistant) -> Iterator[str]:  # type: ignore[no-untyped-def]
    """The whole web app (chat, API, review pages) served on a free port."""
    import uvicorn

    port = free_port()
    server = uvicorn.Server(uvicorn.Config(fake_assistant.web_app(), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.time() + 30
    while not server.started and time.time() < deadline:
        time.sleep(0.1)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


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
        assert link.get_attribute("href") == "/kb/accounts/reset-password"
        page.screenshot(path=str(tmp_path / "chat.png"))

        article = browser.new_page()
        article.goto(server_url + "/kb/accounts/reset-password")
        expect(article.locator("h1")).to_have_text("Reset your password")

        page.locator("#new-conversation").click()
        expect(page.locator("#chat .bot")).to_have_count(0, timeout=10_000)
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


def test_review_pages_need_a_login_then_find_a_conversation_shown_as_text(server_url: str, fake_assistant) -> None:  # type: ignore[no-untyped-def]
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

        page.locator("#review-search textarea").fill("reset links")
        page.locator("#review-find").click()
        expect(page.locator("#review-list")).to_contain_text(result.session_id, timeout=20_000)
        expect(page.locator("#review-list")).not_to_contain_text("talk to a human")
        page.get_by_test_id("cell-0-1").click()

        transcript = page.locator("#review-transcript")
        expect(transcript).to_contain_text("<script>window.pwned = true</script>", timeout=20_000)
        expect(transcript).to_contain_text("30 minutes")
        assert page.evaluate("window.pwned === undefined")
        page.screenshot(path=str(SCREENSHOTS / "review.png"), full_page=True)
        browser.close()
