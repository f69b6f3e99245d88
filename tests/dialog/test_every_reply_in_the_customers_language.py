"""Every fixed reply a customer sees comes in the language the other replies of the conversation are in.

After d2f4a1d a German customer of a help centre written in English and German got the German greeting, handoff and
decline, but still the English offer of a person after an upset question ("If you'd rather talk to a person, just say
so."), the English hand-back (typed by the customer, or by staff and the chat's button), the English note after a
question answered while waiting for a person, and a "tell me more" after the German "that's all" was searched again
(the check knew only the English text). And a conversation handed over in French or Spanish (the demo's help centre
is in English) was handed back in English.
"""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pytest
import yaml

from assistant.app import Assistant
from assistant.config import load_settings
from dialog.events import BotAnswer
from dialog.replies import Replies
from retrieval.ingest import ingest
from tests.conftest import HASH_MIN_SCORE, write_files

DEMO = Path(__file__).resolve().parents[2] / "demo"
MONDAY = datetime(2026, 12, 7, 15, 0, tzinfo=timezone.utc)  # 10:00 in New York: within the demo's support hours


def texts(name: str) -> dict[str, str]:
    """The texts of the demo's replies file ``name``."""
    return yaml.safe_load((DEMO / name).read_text(encoding="utf-8"))


GERMAN = texts("replies.de.yaml")

ARTICLES = {
    "de/rechnung-erstellen.md": "---\nlanguage: de\n---\n# Rechnung erstellen\n\n"
    "Öffnen Sie Rechnungen und wählen Sie Neue Rechnung. Tragen Sie den Kunden und die Positionen ein und drücken Sie Senden.\n",
    "de/checkout.md": "---\nlanguage: de\n---\n# Bezahlen im Checkout\n\nIm Checkout bezahlen Sie mit Karte oder per Lastschrift.\n",
}
TEAM = 'greet: "Hello! I am the Ledgerly assistant. How can I help?"\n'
HANDOFF_REQUEST = "Ich möchte mit einem Mitarbeiter sprechen"


@pytest.fixture
def manager(tmp_path: Path, kb_dir: Path):
    """The fakes' assistant on a help centre in English and German, with the team's replies file and the demo's
    German one beside it."""
    write_files(kb_dir, ARTICLES)
    config = write_files(tmp_path / "config", {"replies.yaml": TEAM, "replies.de.yaml": (DEMO / "replies.de.yaml").read_text()})
    settings = load_settings(
        embedder="hash", generator="scripted", answer_mode="extractive", min_retrieval_score=HASH_MIN_SCORE,
        replies_file=config / "replies.yaml",
    )
    app = Assistant(settings)
    ingest([kb_dir], app.embedder, settings.index_dir)
    app.manager.clock = lambda: MONDAY
    return app.manager


def last_reply(manager, session_id: str) -> BotAnswer:
    return next(e for e in reversed(manager.tracker(session_id).events) if isinstance(e, BotAnswer))


def test_an_upset_german_question_is_answered_with_the_german_offer_of_a_person(manager) -> None:
    answered = manager.handle(None, "Wie bezahle ich im Checkout!!!")
    taken = manager.handle(answered.session_id, "ja")

    assert answered.action == "answer" and "Lastschrift" in answered.text
    assert answered.text.endswith(GERMAN["upset_offer"]) and Replies().upset_offer not in answered.text
    assert taken.handoff and taken.text == GERMAN["handoff"]


def test_a_german_customer_who_takes_the_handoff_back_is_told_so_in_german(manager) -> None:
    handed = manager.handle(None, HANDOFF_REQUEST)

    back = manager.handle(handed.session_id, "Ich brauche keine Person mehr")

    assert handed.handoff and back.action == "hand_back" and back.text == GERMAN["handed_back"]


def test_staff_handing_a_german_conversation_back_tell_the_customer_in_german(manager) -> None:
    handed = manager.handle(None, HANDOFF_REQUEST)

    manager.hand_back(handed.session_id, "Sam")

    assert last_reply(manager, handed.session_id).text == GERMAN["handed_back"]


def test_a_german_question_answered_while_waiting_says_in_german_that_a_person_still_replies(manager) -> None:
    handed = manager.handle(None, HANDOFF_REQUEST)

    answered = manager.handle(handed.session_id, "Wie trage ich den Kunden und die Positionen ein?")

    assert answered.action == "answer" and "Positionen" in answered.text
    assert answered.text.endswith(GERMAN["answered_while_waiting"]) and Replies().answered_while_waiting not in answered.text


def test_tell_me_more_after_the_german_thats_all_is_not_searched_again(manager) -> None:
    first = manager.handle(None, "Wie trage ich den Kunden und die Positionen ein?")
    more = manager.handle(first.session_id, "tell me more")
    nothing = manager.handle(first.session_id, "tell me more")

    again = manager.handle(first.session_id, "tell me more")

    assert "Öffnen Sie" in more.text and nothing.text == GERMAN["nothing_more"]
    assert "Öffnen Sie" not in again.text and "Positionen" not in again.text  # told so again: a person, in German
    assert again.handoff and again.text.startswith(GERMAN["escalated"])


FRENCH = texts("replies.fr.yaml")
SPANISH = texts("replies.es.yaml")
HANDOVERS = [
    ("Combien coûte la livraison ?", "oui", FRENCH),
    ("¿Cuánto cuesta el envío?", "sí", SPANISH),
    ("Wie lange dauert der Versand?", "ja", GERMAN),
]


@pytest.mark.parametrize(("question", "yes", "replies"), HANDOVERS, ids=["fr", "es", "de"])
def test_a_conversation_handed_over_in_another_language_is_handed_back_in_it(assistant, question, yes, replies) -> None:
    manager = assistant.manager  # the demo's replies files, a help centre in English only
    manager.clock = lambda: MONDAY
    first = manager.handle(None, question)
    taken = manager.handle(first.session_id, yes)

    manager.hand_back(first.session_id, "customer")  # the chat's "Back to the assistant" button

    assert taken.handoff and taken.text.startswith(replies["handoff"])
    assert replies.get("handed_back") != Replies().handed_back
    assert last_reply(manager, first.session_id).text == replies.get("handed_back")


def test_a_conversation_handed_over_in_english_is_handed_back_in_english(assistant) -> None:
    manager = assistant.manager
    manager.clock = lambda: MONDAY
    first = manager.handle(None, "Combien coûte la livraison ?")
    manager.handle(first.session_id, "What does shipping cost?")  # answered in English: the offer in French is gone
    taken = manager.handle(first.session_id, "I want to talk to a human")

    manager.hand_back(first.session_id, "Sam")

    assert taken.handoff and taken.text.startswith(Replies().handoff)
    assert last_reply(manager, first.session_id).text == Replies().handed_back


def test_a_text_the_other_languages_file_lacks_is_the_teams_own(tmp_path: Path, kb_dir: Path) -> None:
    """A French file without ``handed_back`` (written before it was lent): the team's own hand-back, not the built-in
    one, which describes the demo shop."""
    french = yaml.safe_dump({key: text for key, text in FRENCH.items() if key != "handed_back"}, allow_unicode=True)
    own = "You're back with the Ledgerly assistant. Ask me about invoices, payments or your account."
    config = write_files(tmp_path / "config", {"replies.yaml": f'handed_back: "{own}"\n', "replies.fr.yaml": french})
    settings = load_settings(
        embedder="hash", generator="scripted", answer_mode="extractive", min_retrieval_score=HASH_MIN_SCORE,
        replies_file=config / "replies.yaml",
    )
    app = Assistant(settings)
    ingest([kb_dir], app.embedder, settings.index_dir)
    manager = app.manager
    manager.clock = lambda: MONDAY
    first = manager.handle(None, "Combien coûte la livraison ?")
    taken = manager.handle(first.session_id, "oui")

    manager.hand_back(first.session_id, "customer")

    assert taken.handoff and taken.text.startswith(FRENCH["handoff"])
    assert last_reply(manager, first.session_id).text == own
