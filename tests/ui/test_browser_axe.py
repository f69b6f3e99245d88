"""axe-core (the copy the axe-playwright-python package ships: no network) on the pages whose markup is all the
project's own: the help centre, an article, and the demo shop page with the chat widget open. The Gradio pages
(chat, staff) are audited by scripts/accessibility_audit.py, whose findings in Gradio's own components are listed
in docs/accessibility.md."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from test_browser import fake_assistant, launch, serve_shop, serving  # noqa: F401 (fake_assistant: a fixture)

pytestmark = pytest.mark.browser


def violations(page: Any, frames: bool = True) -> list[tuple[str, str, list[str]]]:
    """axe-core's violations on the page once no Gradio output waits for its event: (rule, impact, the nodes'
    selectors). A waiting output is drawn at a fifth of its opacity (Gradio's ``.pending``), and axe measured the
    transcript's grey decision record at that: a colour-contrast failure the page never shows at rest."""
    from axe_playwright_python.sync_playwright import Axe

    options: dict[str, Any] = {"resultTypes": ["violations"]}
    if not frames:  # the widget's chat is another origin's page
        options["iframes"] = False

    def run() -> list[tuple[str, str, list[str]]]:
        page.wait_for_function("!document.querySelector('.pending')", timeout=20_000)
        results = Axe().run(page, options=options).response
        assert results["passes"]  # axe ran (the article pages' Content-Security-Policy lets no page script run)
        return [(v["id"], v["impact"], [" ".join(map(str, n["target"])) for n in v["nodes"]]) for v in results["violations"]]

    found = run()
    if not found:
        return found
    # a page's timer (the staff pages' Inbox count, every 10 s) can start an event between the wait and axe's run:
    # what a second run finds again is what the page shows at rest
    again = run()
    return [violation for violation in found if violation in again]


def test_axe_finds_nothing_on_the_help_centre_an_article_and_the_widget_on_a_shop_page(fake_assistant, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    # the demo shop's banner (<section> without a name) stood outside every landmark
    pytest.importorskip("axe_playwright_python")
    from playwright.sync_api import sync_playwright

    with serving(fake_assistant) as url, sync_playwright() as playwright:
        browser = launch(playwright)
        page = browser.new_page(viewport={"width": 1000, "height": 800})
        found = {}
        for path in ("/kb/", "/kb/accounts/reset-password", "/kb/no/such/article"):
            page.goto(url + path, wait_until="load")
            found[path] = violations(page)
        with serve_shop(url) as shop:
            context = browser.new_context(viewport={"width": 1000, "height": 800})
            local = (shop, url)
            context.route("**/*", lambda route: route.continue_() if route.request.url.startswith(local) else route.abort())
            page = context.new_page()
            page.goto(shop, wait_until="load")
            page.locator("#sa-launcher").click()
            page.locator("#sa-frame").wait_for(timeout=30_000)
            found["shop page with the widget open"] = violations(page, frames=False)
        browser.close()
    assert found == {name: [] for name in found}
