"""A customer writing in a language the help centre is written in too gets the fixed replies in that language.

A help centre in English and German (a German article beside the English ones) gave a German customer the English
greeting, handoff and decline: German replies came only through the reply to a message in a language the help
centre is not written in, which a German message never gets there. Now the replies file in the customer's language
beside the team's own (``replies.de.yaml`` next to ``replies.yaml``) lends its texts; a language without such a file,
and an English message, keep the team's own.
"""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pytest

from assistant.app import Assistant
from assistant.config import load_settings
from dialog.replies import Replies
from retrieval.ingest import ingest
from tests.conftest import HASH_MIN_SCORE, write_files

MONDAY = datetime(2026, 12, 7, 15, 0, tzinfo=timezone.utc)  # 10:00 in New York: within the demo's support hours
SUNDAY = datetime(2026, 12, 6, 15, 0, tzinfo=timezone.utc)  # the demo's support is closed on Sundays

GERMAN_ARTICLE = """---
language: de
---
# Rechnung erstellen

Öffnen Sie Rechnungen und wählen Sie Neue Rechnung. Tragen Sie den Kunden und die Positionen ein und drücken Sie Senden.
"""
TEAM = 'greet: "Hello! I am the Ledgerly assistant. How can I help?"\nnot_found: "Sorry, our help centre has no answer to that. Shall I connect you with our team?"\n'
GERMAN = """page_language: de
greet: "Hallo! Ich bin der Assistent von Ledgerly. Wie kann ich helfen?"
not_found: "Dazu hat unser Hilfe-Center keine Antwort. Soll ich Sie mit unserem Team verbinden?"
handoff: "Ich verbinde Sie mit unserem Team."
outside_hours: "Unser Team ist gerade nicht im Dienst ({hours}); es antwortet ab {opening}."
opening: "{day} um {time} Uhr ({zone})"
weekdays: [Montag, Dienstag, Mittwoch, Donnerstag, Freitag, Samstag, Sonntag]
"""


def bilingual_assistant(tmp_path: Path, kb_dir: Path, german: bool = True) -> Assistant:
    """The fakes' assistant on ``kb_dir`` with a German article, the team's replies file and (``german``) a German
    one beside it."""
    write_files(kb_dir, {"de/rechnung-erstellen.md": GERMAN_ARTICLE})
    files = {"replies.yaml": TEAM, **({"replies.de.yaml": GERMAN} if german else {})}
    config = write_files(tmp_path / "config", files)
    settings = load_settings(
        embedder="hash", generator="scripted", answer_mode="extractive", min_retrieval_score=HASH_MIN_SCORE,
        replies_file=config / "replies.yaml",
    )
    app = Assistant(settings)
    ingest([kb_dir], app.embedder, settings.index_dir)
    assert app.manager.answer_action.retriever.speller().languages == {"en", "de"}
    return app


@pytest.fixture
def manager(tmp_path: Path, kb_dir: Path):
    manager = bilingual_assistant(tmp_path, kb_dir).manager
    manager.clock = lambda: MONDAY
    return manager


def test_a_german_customer_gets_the_german_replies(manager) -> None:
    assert manager.handle(None, "Hallo").text == "Hallo! Ich bin der Assistent von Ledgerly. Wie kann ich helfen?"
    handoff = manager.handle(None, "Ich möchte mit einem Mitarbeiter sprechen")
    assert handoff.handoff and handoff.text == "Ich verbinde Sie mit unserem Team."
    declined = manager.handle(None, "Unterstützt ihr Shopify?")
    assert declined.abstained and declined.text == "Dazu hat unser Hilfe-Center keine Antwort. Soll ich Sie mit unserem Team verbinden?"


def test_a_yes_in_a_german_conversation_is_answered_in_german(manager) -> None:
    declined = manager.handle(None, "Unterstützt ihr Shopify?")
    taken = manager.handle(declined.session_id, "ja")  # its words tell no language: the conversation's is kept

    assert taken.handoff and taken.text == "Ich verbinde Sie mit unserem Team."


def test_outside_support_hours_the_handoff_says_when_in_german(manager) -> None:
    manager.clock = lambda: SUNDAY

    handoff = manager.handle(None, "Ich möchte mit einem Mitarbeiter sprechen")

    assert handoff.handoff and handoff.text.startswith("Ich verbinde Sie mit unserem Team. Unser Team ist gerade nicht im Dienst")
    assert "ab Montag um" in handoff.text


def test_an_english_customer_keeps_the_teams_own_replies(manager) -> None:
    greeting = manager.handle(None, "Hallo")
    back = manager.handle(greeting.session_id, "Hello")

    assert back.text == "Hello! I am the Ledgerly assistant. How can I help?"
    assert manager.handle(None, "Hi").text == "Hello! I am the Ledgerly assistant. How can I help?"
    answered = manager.handle(None, "How long do password reset links work?")
    assert not answered.abstained and "30 minutes" in answered.text


def test_without_a_file_in_the_customers_language_the_teams_own_replies_are_used(tmp_path: Path, kb_dir: Path) -> None:
    manager = bilingual_assistant(tmp_path, kb_dir, german=False).manager

    assert manager.handle(None, "Hallo").text == "Hello! I am the Ledgerly assistant. How can I help?"


def test_a_text_the_german_file_lacks_is_the_teams_own(manager) -> None:
    thanks = manager.handle(None, "Danke")  # German, but replies.de.yaml sets no "thanks"

    assert thanks.text == Replies().thanks
