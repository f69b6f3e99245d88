"""An upset message that is answered (capitals, "!!!", an angry emoji) gets the short offer of a person after the answer.

Since 8343356 such a message is answered instead of handed over unanswered, but the answer offered no person, though
the customer was plainly upset. A calm message's answer stays as it was.
"""

from __future__ import annotations

from dialog.manager import DialogManager
from dialog.replies import Replies
from dialog.store import InMemoryStore

OFFER = Replies().upset_offer


def test_an_upset_question_is_answered_with_the_offer_of_a_person(assistant) -> None:
    manager = DialogManager(InMemoryStore(), assistant.manager.answer_action, rules=assistant.manager.rules)

    for text in ("HOW MUCH DOES EXPRESS SHIPPING COST?", "how much does express shipping cost!!!", "😡 how much does express shipping cost?"):
        result = manager.handle(None, text)
        assert result.action == "answer" and not result.handoff and not result.abstained, text
        assert "$12.50" in result.text and result.text.endswith(OFFER), text


def test_a_calm_question_is_answered_without_it(assistant) -> None:
    manager = DialogManager(InMemoryStore(), assistant.manager.answer_action, rules=assistant.manager.rules)

    result = manager.handle(None, "How much does express shipping cost?")

    assert "$12.50" in result.text and OFFER not in result.text
