"""A check-in that asks nothing ("hello?", "🤔?") while the assistant's question waits leaves that question open: the
customer's next reply still answers it; and it is no failed turn, counted towards handing the conversation over."""

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


def _manager(articles: dict[str, tuple[str, tuple[str, ...]]] = PARCELS) -> DialogManager:
    answer = AnswerFromKnowledgeBase(
        KeywordArticles(articles), None, top_k=3, min_score=0.45, max_new_tokens=8, extractive=FirstSentence(), clarify_margin=0.05
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


@pytest.mark.parametrize("text", ["🤔?", "👍?", "👍🏽 ?", "😕??"])
def test_an_emoji_asked_is_a_check_in(text: str) -> None:
    assert RuleBasedIntents().understand(text).intent == "filler"


@pytest.mark.parametrize("text", ["🤷", "???", "NW-20481736?"])
def test_an_emoji_alone_or_only_punctuation_is_not(text: str) -> None:
    assert RuleBasedIntents().understand(text).intent != "filler"


def test_emoji_asked_twice_after_an_answer_do_not_hand_over() -> None:
    manager = _manager({"returns/how-to-return": ("Go to Orders and press Return items.", ("return", "item"))})
    first = manager.handle(None, "how do I return an item?")
    assert first.action == "answer" and not first.abstained

    replies = [manager.handle(first.session_id, text) for text in ("🤔?", "👍?")]
    assert not any(r.handoff for r in replies), [r.reason for r in replies]  # the second was handed to a person
    assert not manager.tracker(first.session_id).with_person
    assert [r.action for r in replies] == ["small_talk", "small_talk"]  # "I'm here", not a request to rephrase
