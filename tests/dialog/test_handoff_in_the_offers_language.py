"""The handoff that takes the offer of a person made in the customer's language comes in that language.

The reply to a message in French, Spanish or German (``other_language``) is in that language and offers a person;
"oui", "sí" or "ja" took the offer, but the handoff ("I'm handing you over ...") and, outside support hours, when a
person replies were in English. Now they come from demo/replies.fr.yaml, replies.es.yaml and replies.de.yaml.
"""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from dialog.business_rules import parse_rules
from dialog.manager import DialogManager
from dialog.replies import Replies
from dialog.store import InMemoryStore

HOURS = {"support_hours": {"timezone": "America/New_York", "label": "ET", "hours": {"monday": "08:00-20:00"}}}
SUNDAY = datetime(2026, 12, 6, 17, 0, tzinfo=timezone.utc)  # closed until Monday 08:00 ET

CASES = [
    ("Combien coûte la livraison ?", "oui", "Je vous mets en relation", "lundi à 08:00 ET"),
    ("¿Cuánto cuesta el envío?", "sí", "Le paso con un miembro", "lunes a las 08:00 ET"),
    ("Wie lange dauert der Versand?", "ja", "Ich verbinde Sie mit unserem Support-Team", "Montag um 08:00 Uhr (ET)"),
]


@pytest.mark.parametrize(("question", "yes", "handoff", "opening"), CASES)
def test_yes_to_the_offer_in_the_customers_language_hands_over_in_that_language(assistant, question, yes, handoff, opening) -> None:
    manager = assistant.manager
    first = manager.handle(None, question)

    taken = manager.handle(first.session_id, yes)

    assert first.action == "other_language"
    assert taken.action == "handoff" and taken.handoff
    assert taken.text.startswith(handoff) and Replies().handoff not in taken.text


@pytest.mark.parametrize(("question", "yes", "handoff", "opening"), CASES)
def test_outside_support_hours_when_a_person_replies_is_said_in_that_language_too(assistant, question, yes, handoff, opening) -> None:
    manager = DialogManager(
        InMemoryStore(), assistant.manager.answer_action, rules=parse_rules(HOURS), clock=lambda: SUNDAY, replies=assistant.manager.replies
    )
    first = manager.handle(None, question)

    taken = manager.handle(first.session_id, yes)

    assert taken.handoff and taken.text.startswith(handoff) and opening in taken.text
    assert "not working right now" not in taken.text


def test_an_english_yes_after_an_answer_in_english_still_hands_over_in_english(assistant) -> None:
    manager = assistant.manager
    first = manager.handle(None, "xylophone quantum zebra")  # declined, with the offer of a person

    taken = manager.handle(first.session_id, "yes please")

    assert first.abstained and taken.handoff and taken.text.startswith(Replies().handoff)
