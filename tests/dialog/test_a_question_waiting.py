"""A message that asks nothing while the assistant's question waits ("hello?" after "Which of these do you mean?")
leaves that question open: the customer's next reply still answers it."""

from __future__ import annotations

import pytest

from answer_fakes import FirstSentence, KeywordArticles
from dialog.actions import AnswerFromKnowledgeBase
from dialog.manager import DialogManager
from dialog.nlu.rules import RuleBasedIntents
from dialog.store import InMemoryStore

PARCELS = {
    "shipping/lost-parcels": ("Wait 48 hours after the Delivered update.", ("parcel", "delivered")),
    "orders/order-status": ("Delivered means the carrier marked the parcel as delivered.", ("parcel", "delivered")),
}


def _manager() -> DialogManager:
    answer = AnswerFromKnowledgeBase(
        KeywordArticles(PARCELS), None, top_k=3, min_score=0.45, max_new_tokens=8, extractive=FirstSentence(), clarify_margin=0.05
    )
    return DialogManager(InMemoryStore(), answer)


@pytest.mark.parametrize("text", ["hello?", "hello??", "hi there?", "hallo?"])
def test_a_greeting_asked_is_a_check_in(text: str) -> None:
    assert RuleBasedIntents().understand(text).intent == "filler"


@pytest.mark.parametrize("text", ["hello", "hi!", "hello? where is my order"])
def test_a_greeting_or_a_question_after_one_is_not_a_check_in(text: str) -> None:
    assert RuleBasedIntents().understand(text).intent != "filler"


@pytest.mark.parametrize("check_in", ["hello?", "hi?"])
def test_hello_with_a_question_mark_keeps_the_clarifying_question(check_in: str) -> None:
    manager = _manager()
    asked = manager.handle(None, "parcel delivered")
    assert asked.action == "clarify" and len(asked.options) == 2
    second = manager.tracker(asked.session_id).clarification.values[1]  # the article the second option names

    waiting = manager.handle(asked.session_id, check_in)
    assert (waiting.action, waiting.handoff) == ("small_talk", False)
    assert manager.tracker(asked.session_id).clarification is not None  # was dropped: "Hello! ... How can I help?"

    picked = manager.handle(asked.session_id, "2")
    assert picked.action == "answer" and [s["doc_id"] for s in picked.cited_sources] == [second]
