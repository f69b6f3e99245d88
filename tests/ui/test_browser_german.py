"""The customer side in German (demo/replies.de.yaml) in a real browser: no English word in a scripted
conversation, from the empty-message notice to a handoff outside support hours."""

from __future__ import annotations

import re
import urllib.request
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from test_browser import CHROMIUM, ask, launch, open_chat, serving

from dialog.business import demo_actions
from dialog.nlu.base import Understanding
from dialog.replies import DEFAULTS, intent_keys

pytestmark = pytest.mark.browser

GERMAN_REPLIES = Path(__file__).resolve().parents[2] / "demo" / "replies.de.yaml"
GERMAN_DAYS = ("Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag", "Sonntag")
ORDERS = (
    "order_number,email,status,items,carrier,tracking,expected_delivery\n"
    "NW-20481736,jo@example.com,Versandt,Schreibtischlampe,DHL,00340434161234567890,10.12.2026\n"
)
# English words a German page has no reason to show (none of them is also a German word)
ENGLISH_WORDS = {
    "the", "you", "your", "please", "and", "to", "is", "of", "with", "our", "for", "this", "what", "we", "can",
    "it", "on", "are", "be", "not", "or", "that", "how", "help", "would", "like", "message", "type", "question",
    "send", "talk", "human", "new", "conversation", "back", "try", "sources", "thanks", "hello", "order", "number",
    "address", "warning", "error", "loading", "empty", "status", "shipped", "assistant", "centre", "person",
}
# What the page shows: its text, the empty boxes' placeholders and the tab's title. Gradio's own tooltips
# (the chat's copy and thumb buttons) follow the browser's language, not the replies file.
VISIBLE_TEXT = """() => [
  document.title, document.body.innerText,
  ...Array.from(document.querySelectorAll("[placeholder]"), e => e.getAttribute("placeholder")),
].join("\\n")"""


class GermanIntents:
    """Stands in for a German team's own intent model: greetings and order questions in German."""

    name = "german-keywords"

    def understand(self, text: str) -> Understanding:
        lowered = text.casefold()
        intent = "order_status" if "bestellung" in lowered else "greet" if lowered.strip(" !.") == "hallo" else "question"
        return Understanding(intent, 0.95, ((intent, 0.95),), source="classifier")


def english_in(text: str) -> list[str]:
    """The English default texts (the built-in ones, the order lookup's) and English words in ``text``."""
    defaults = [v for v in DEFAULTS.values() if isinstance(v, str)] + [t for v in DEFAULTS.values() if isinstance(v, tuple) for t in v]
    actions = demo_actions()
    defaults += list((intent_keys(actions.intents()) | actions.reply_keys()).values())
    sentences = [d for d in defaults if len(d.split()) > 1 and d in text]
    return sentences + sorted(set(re.findall(r"[a-z']+", text.casefold())) & ENGLISH_WORDS)


@pytest.fixture
def german_url(tmp_path: Path) -> Iterator[tuple[str, str]]:
    """The app with the German replies, a German order table, and support hours only on the day after
    tomorrow (so a handoff now is outside them); with the weekday a person is next in."""
    if not Path(CHROMIUM).exists():
        pytest.skip(f"Chromium not found at {CHROMIUM} (install Debian's chromium package)")
    pytest.importorskip("playwright.sync_api")
    from assistant.app import Assistant
    from assistant.config import load_settings
    from retrieval.ingest import ingest

    open_day = (datetime.now(ZoneInfo("Europe/Berlin")) + timedelta(days=2)).weekday()
    day_names = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
    rules = tmp_path / "rules.yaml"
    rules.write_text(
        f"support_hours:\n  timezone: Europe/Berlin\n  label: MEZ\n  hours:\n    {day_names[open_day]}: '09:00-17:00'\n", encoding="utf-8"
    )
    orders = tmp_path / "orders.csv"
    orders.write_text(ORDERS, encoding="utf-8")
    kb = tmp_path / "kb" / "konto"
    kb.mkdir(parents=True)
    (kb / "passwort.md").write_text("# Passwort zurücksetzen\n\nDer Link zum Zurücksetzen gilt 30 Minuten.\n", encoding="utf-8")
    settings = load_settings(
        data_dir=tmp_path / "data", embedder="hash", generator="scripted", min_retrieval_score=0.35,
        replies_file=GERMAN_REPLIES, rules_file=rules, orders_file=orders,
    )
    assistant = Assistant(settings)
    ingest([tmp_path / "kb"], assistant.embedder, settings.index_dir)
    assistant.understander.classifier = GermanIntents()
    with serving(assistant) as url:
        yield url, GERMAN_DAYS[open_day]


def test_a_german_customer_sees_no_english(german_url: tuple[str, str]) -> None:
    from playwright.sync_api import expect, sync_playwright

    url, opening_day = german_url
    with sync_playwright() as playwright:
        browser = launch(playwright)
        page = browser.new_page(viewport={"width": 1000, "height": 900}, locale="de-DE")
        open_chat(page, url)
        assert english_in(page.evaluate(VISIBLE_TEXT)) == []
        expect(page.locator("#send")).to_have_text("Senden")
        assert page.evaluate("document.documentElement.lang") == "de"  # was "en": read aloud with an English voice
        expect(page.get_by_role("log")).to_have_attribute("aria-label", "Hilfe-Assistent")  # was "chatbot conversation"

        page.locator("#question textarea").fill("   ")
        page.locator("#send").click()
        notice = page.get_by_test_id("toast-body")
        expect(notice).to_contain_text("Bitte geben Sie eine Frage ein: Die Nachricht ist leer.", timeout=10_000)
        title = notice.locator(".toast-title").first
        assert title.evaluate("e => getComputedStyle(e, '::before').content") == '"Hinweis"'
        assert title.evaluate("e => getComputedStyle(e).fontSize") == "0px"  # Gradio's own title, "Warning", is not shown
        assert english_in(page.evaluate(VISIBLE_TEXT)) == []

        ask(page, "Hallo", "Hallo! Ich beantworte Fragen")
        ask(page, "Liefern Sie auch nach Island?", "Dazu habe ich in unserem Hilfe-Center keine Antwort gefunden")
        ask(page, "Wo ist meine Bestellung?", "Wie lautet Ihre Bestellnummer?")
        ask(page, "NW-20481736", "brauche ich die E-Mail-Adresse, mit der Sie bestellt haben")
        ask(page, "jo@example.com", "Bestellung NW-20481736 (Schreibtischlampe): Versandt. Sie ist bei DHL")

        page.locator("#talk-to-human").click()
        handoff = page.locator("#chat .bot").last
        expect(handoff).to_contain_text("Ich verbinde Sie mit unserem Support-Team", timeout=20_000)
        expect(handoff).to_contain_text(f"ab {opening_day} um 09:00 Uhr (MEZ)")
        expect(page.locator("#chat .user").last).to_have_text("Ich möchte bitte mit einem Menschen sprechen.")
        expect(page.locator("#handoff-banner")).to_contain_text("übernimmt dieses Gespräch", timeout=10_000)
        expect(page.locator("#talk-to-human")).to_have_text("Zurück zum Assistenten")

        shown = page.evaluate(VISIBLE_TEXT)
        assert english_in(shown) == [], shown
        browser.close()

    widget = urllib.request.urlopen(f"{url}/embed.js").read().decode()
    assert '"Hilfe"' in widget and '"Hilfe-Assistent"' in widget and '"Chat schlie\\u00dfen"' in widget
    article = urllib.request.urlopen(f"{url}/kb/konto/passwort").read().decode()
    assert "&larr; Zurück zum Assistenten" in article and "Back to the assistant" not in article
