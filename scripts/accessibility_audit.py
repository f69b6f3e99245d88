"""Run axe-core (the copy the ``axe-playwright-python`` package ships, from the dev extras) on every page of a
running server in headless Chromium, and print the violations per page.

    assistant users add ana        # a staff login, for the review pages
    AUDIT_PASSWORD='...' python scripts/accessibility_audit.py --url http://127.0.0.1:7860 --user ana --json audit.json

The chat page is checked as it opens, after an answer with sources, after a clarifying question with its option
buttons and after "Talk to a human" (the handoff banner); then the chat inside the embed widget, the widget on
the demo shop page (``demo/embed-example.html``), the help centre (``/kb/``), an article, the FAQ page and a
missing article; then the staff login page and each staff tab (with ``--user`` and ``--password``). Nothing
leaves the machine: requests to other addresses are refused. ``--scheme dark`` checks the dark colours Gradio's pages
take on a computer set to them. The questions and the article are the demo help centre's; on your own, pass
``--answered`` (a question it answers with sources), ``--clarified`` (one it asks a clarifying question about) and
``--article`` (an article's path). See docs/accessibility.md.
"""

from __future__ import annotations

import argparse
import json
import os
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, sync_playwright
from playwright.sync_api import TimeoutError as PlaywrightTimeout

CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
DEMO_SHOP = Path(__file__).resolve().parents[1] / "demo" / "embed-example.html"
WAIT_MS = 60_000
DEMO_QUESTIONS = {"answered": "How do I reset my password?", "clarified": "How do I cancel?"}
DEMO_ARTICLE = "/kb/accounts/reset-password"


def audit(page: Page, frames: bool = True) -> list[dict[str, Any]]:
    """axe-core's violations on ``page`` as it is now: rule, impact, help text and each node's selector."""
    options: dict[str, Any] = {"resultTypes": ["violations"]}
    if not frames:  # another origin's frame (the widget's chat) is audited on its own page
        options["iframes"] = False
    results = Axe().run(page, options=options).response
    return [
        {
            "rule": v["id"], "impact": v["impact"], "help": v["help"],
            "nodes": [{"target": " ".join(map(str, node["target"])), "why": node["failureSummary"]} for node in v["nodes"]],
        }
        for v in results["violations"]
    ]


def ask(page: Page, text: str, until: Callable[[Page], None]) -> None:
    page.locator("#question textarea").fill(text)
    page.locator("#send").click()
    until(page)


def open_page(page: Page, url: str) -> None:
    page.goto(url, wait_until="domcontentloaded")
    page.wait_for_load_state("load")


def chat_states(page: Page, url: str, questions: dict[str, str] = DEMO_QUESTIONS) -> dict[str, Callable[[], None]]:
    """Each chat state to audit, as a step from the state before it; ``questions``: the one answered with sources,
    the one a clarifying question follows."""

    def fresh() -> None:
        page.goto(url + "/", wait_until="domcontentloaded")
        page.locator("#question textarea").wait_for(timeout=WAIT_MS)
        page.locator("#new-conversation").click()
        page.wait_for_timeout(1000)

    def answered() -> None:
        ask(page, questions["answered"], lambda p: p.get_by_text("Sources").last.wait_for(timeout=WAIT_MS))

    def clarified() -> None:
        ask(page, questions["clarified"], lambda p: p.locator(".clarify-option").first.wait_for(state="visible", timeout=WAIT_MS))

    def handed_off() -> None:
        page.locator("#talk-to-human").click()
        page.locator(".handoff-banner").wait_for(state="visible", timeout=WAIT_MS)

    def embedded() -> None:
        page.goto(url + "/?embed=1", wait_until="domcontentloaded")
        page.locator("#question textarea").wait_for(timeout=WAIT_MS)

    return {"chat (new)": fresh, "chat (answer with sources)": answered, "chat (clarifying question)": clarified,
            "chat (handoff banner)": handed_off, "chat in the widget (/?embed=1)": embedded}


@contextmanager
def shop_site(url: str) -> Iterator[str]:
    """The demo shop page, its widget's script from ``url``, served on another port (another origin) for the block."""
    page = DEMO_SHOP.read_text(encoding="utf-8").replace("http://127.0.0.1:7860/embed.js", url + "/embed.js").encode()

    class Shop(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.end_headers()
            self.wfile.write(page)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Shop)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()


def widget_on_shop(page: Page, shop: str) -> None:
    """The demo shop page with the widget open."""
    page.goto(shop, wait_until="load")
    page.locator("#sa-launcher").click()
    page.locator("#sa-frame").wait_for(timeout=WAIT_MS)


def review_tabs(page: Page, url: str, user: str, password: str) -> dict[str, Callable[[], None]]:
    def login() -> None:
        open_page(page, url + "/review/")
        page.locator('input[type="password"]').wait_for(timeout=WAIT_MS)

    def conversations() -> None:
        page.get_by_label("username").fill(user)
        page.get_by_label("password").fill(password)
        page.get_by_role("button", name="Login").click()
        page.locator("#review-list").wait_for(timeout=WAIT_MS)
        page.locator("#review-list").get_by_test_id("cell-0-1").click()
        page.locator("#review-transcript .turn").first.wait_for(timeout=WAIT_MS)
        page.wait_for_timeout(1500)

    def tab(name: str, ready: str) -> Callable[[], None]:
        def go() -> None:
            page.get_by_role("tab", name=name).click()
            page.locator(ready).first.wait_for(state="visible", timeout=WAIT_MS)
            page.wait_for_timeout(1500)
        return go

    def inbox() -> None:
        tab("Inbox", "#inbox-list")()
        first = page.locator("#inbox-list").get_by_test_id("cell-0-1")
        if first.count():
            first.click()
            page.locator("#inbox-transcript .turn").first.wait_for(timeout=WAIT_MS)
            page.wait_for_timeout(1500)  # Gradio fades an output while it updates: colours are checked after

    return {"staff login": login, "staff: Conversations": conversations, "staff: Inbox": inbox,
            "staff: Analytics": tab("Analytics", "#analytics-rates"), "staff: Knowledge base": tab("Knowledge base", "#kb-table")}


class StateNotReached(Exception):
    """A page state to audit did not appear: the script's question or login does not fit this server."""


def reached(name: str, step: Callable[[], None]) -> None:
    """Take ``step`` to the state ``name``; StateNotReached, saying what to check, when it does not appear in time."""
    try:
        step()
    except PlaywrightTimeout:
        hint = (
            "log in with --user and --password (AUDIT_PASSWORD) of a staff login" if name.startswith("staff")
            else "the questions are the demo help centre's: on your own, pass --answered and --clarified"
        )
        raise StateNotReached(f"the page state '{name}' did not appear within {WAIT_MS // 1000} s; {hint}") from None


def run(
    url: str, chromium: str, user: str, password: str, scheme: str = "light",
    questions: dict[str, str] = DEMO_QUESTIONS, article: str = DEMO_ARTICLE,
) -> dict[str, list[dict[str, Any]]]:
    """Every page's violations, the browser set to prefer the ``scheme`` colours ("light" or "dark")."""
    found: dict[str, list[dict[str, Any]]] = {}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1200, "height": 900}, color_scheme=scheme)  # type: ignore[arg-type]
        page.route("**/*", lambda route: route.continue_() if route.request.url.startswith(url) else route.abort())
        for name, step in chat_states(page, url, questions).items():
            reached(name, step)
            found[name] = audit(page)
        with shop_site(url) as shop:
            page.route(shop + "**", lambda route: route.continue_())
            widget_on_shop(page, shop)
            found["widget on the demo shop page"] = audit(page, frames=False)
        for name, path in (("help centre (/kb/)", "/kb/"), (f"article ({article})", article),
                           ("FAQ page (/kb/faq)", "/kb/faq"), ("missing article (404)", "/kb/no/such/article")):
            open_page(page, url + path)
            found[name] = audit(page)
        if user:
            for name, step in review_tabs(page, url, user, password).items():
                reached(name, step)
                found[name] = audit(page)
        browser.close()
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", default="http://127.0.0.1:7860")
    parser.add_argument("--user", default="", help="a staff login (assistant users add NAME); without it the staff pages are skipped")
    parser.add_argument("--password", default=os.environ.get("AUDIT_PASSWORD", ""), help="default: $AUDIT_PASSWORD")
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    parser.add_argument("--scheme", choices=["light", "dark"], default="light", help="the colours the browser prefers")
    parser.add_argument("--json", type=Path, help="also write every violation with its nodes to this file")
    parser.add_argument("--answered", default=DEMO_QUESTIONS["answered"], help="a question answered with sources (default: the demo's)")
    parser.add_argument("--clarified", default=DEMO_QUESTIONS["clarified"], help="a question a clarifying question follows (default: the demo's)")
    parser.add_argument("--article", default=DEMO_ARTICLE, help="an article's path under /kb/ (default: the demo's)")
    args = parser.parse_args()
    questions = {"answered": args.answered, "clarified": args.clarified}
    try:
        found = run(args.url.rstrip("/"), args.chromium, args.user, args.password, args.scheme, questions, args.article)
    except StateNotReached as missing:
        raise SystemExit(f"error: {missing}") from None
    width = max(map(len, found))
    for name, violations in found.items():
        rules = ", ".join(f"{v['rule']} ({v['impact']}, {len(v['nodes'])})" for v in violations) or "-"
        print(f"{name:<{width}}  {len(violations):>2}  {rules}")
    if args.json:
        args.json.write_text(json.dumps(found, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
