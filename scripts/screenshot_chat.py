"""Ask the running web UI a question in headless Chromium and save a screenshot of the answer.

    python scripts/screenshot_chat.py --url http://127.0.0.1:7860 \
        --question "How long is a password reset link valid?" --out docs/screenshots/chat.png
"""

from __future__ import annotations

import argparse
from pathlib import Path

from playwright.sync_api import sync_playwright

CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


def ask_and_capture(url: str, question: str, out: Path, chromium: str, width: int, height: int, timeout_s: float) -> str:
    """Type ``question``, wait until the answer shows its sources, save a screenshot; returns the answer text."""
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": width, "height": height})
        # the page works offline: refuse requests that would leave this machine (web fonts) at once
        page.route("**/*", lambda route: route.continue_() if route.request.url.startswith(url) else route.abort())
        page.goto(url, wait_until="domcontentloaded")
        page.locator("#question textarea").fill(question)
        page.locator("#send").click()
        page.get_by_text("Sources").last.wait_for(timeout=timeout_s * 1000)
        answer = page.locator("#chat .bot").last.inner_text()
        out.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(out), full_page=True)
        browser.close()
    return answer


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", default="http://127.0.0.1:7860")
    parser.add_argument("--question", default="How long is a password reset link valid?")
    parser.add_argument("--out", type=Path, default=Path("docs/screenshots/chat.png"))
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    parser.add_argument("--width", type=int, default=1100)
    parser.add_argument("--height", type=int, default=860)
    parser.add_argument("--timeout", type=float, default=180, help="seconds to wait for the answer")
    args = parser.parse_args()
    answer = ask_and_capture(args.url, args.question, args.out, args.chromium, args.width, args.height, args.timeout)
    print(answer)
    print(f"saved {args.out}")


if __name__ == "__main__":
    main()
