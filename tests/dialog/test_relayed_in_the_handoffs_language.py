"""While a person has a conversation handed over in French, Spanish or German, the customer's messages are acknowledged
in that language.

"oui", "sí" or "ja" to the offer of a person made in the customer's language is met with the handoff in that language
(test_handoff_in_the_offers_language.py), but every message after it, relayed to staff, got the English ``relayed``
acknowledgement ("Thank you, I've added that to your conversation ..."). Now it comes from demo/replies.fr.yaml,
replies.es.yaml and replies.de.yaml too; a conversation handed over in English keeps the English one.
"""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from dialog.replies import Replies

MONDAY = datetime(2026, 12, 7, 15, 0, tzinfo=timezone.utc)  # 10:00 in New York: within any support hours of the demo's
RELAYED = Replies().relayed

CASES = [
    ("Combien coûte la livraison ?", "oui", "Ma commande NW-20481736 n'est jamais arrivée.", "Merci, je l'ai ajouté"),
    ("¿Cuánto cuesta el envío?", "sí", "Mi pedido NW-20481736 nunca llegó.", "Gracias, lo he añadido"),
    ("Wie lange dauert der Versand?", "ja", "Meine Bestellung NW-20481736 ist nie angekommen.", "Danke, ich habe das"),
]


@pytest.fixture
def manager(assistant):
    manager = assistant.manager
    manager.clock = lambda: MONDAY
    return manager


@pytest.mark.parametrize(("question", "yes", "detail", "relayed"), CASES)
def test_messages_after_a_handoff_in_the_customers_language_are_acknowledged_in_it(manager, question, yes, detail, relayed) -> None:
    first = manager.handle(None, question)
    taken = manager.handle(first.session_id, yes)

    later = manager.handle(first.session_id, detail)
    again = manager.handle(first.session_id, "NW-20481736")

    assert taken.handoff and Replies().handoff not in taken.text
    assert later.action == "relay" and later.text.startswith(relayed) and RELAYED not in later.text
    assert again.action == "relay" and again.text == later.text


def test_a_conversation_handed_over_in_english_is_acknowledged_in_english(manager) -> None:
    first = manager.handle(None, "Combien coûte la livraison ?")
    manager.handle(first.session_id, "What does shipping cost?")  # answered in English: the offer in French is gone
    taken = manager.handle(first.session_id, "I want to talk to a human")

    later = manager.handle(first.session_id, "My order NW-20481736 never arrived.")

    assert taken.handoff and taken.text.startswith(Replies().handoff)
    assert later.action == "relay" and later.text == RELAYED
