"""A question about what a lookup just found ("how long will the parts take?" after "Waiting for parts") is answered
from the help centre, not taken as another lookup (probe F: it was asked for the order number again)."""

from __future__ import annotations

import pytest

from answer_fakes import FirstSentence, OneArticle
from dialog.actions import AnswerFromKnowledgeBase
from dialog.business import demo_actions
from dialog.events import ActionExecuted, BotAnswer, UserMessage
from dialog.manager import DialogManager
from dialog.nlu.base import Understanding
from dialog.nlu.combine import Understander
from dialog.policies import BusinessActionPolicy
from dialog.store import InMemoryStore
from dialog.tracker import Tracker
from retrieval.documents import Chunk

PROCESSING = Chunk(
    Chunk.make_id("orders/processing", "Processing", "Processing takes one to two business days."),
    "orders/processing", "Order status", "Order status > Processing", "Processing takes one to two business days.", "orders.md",
)
LOOKUP = Understanding("order_status", 0.8, ranking=(("order_status", 0.8),), source="classifier")


class LookupReader:
    """Reads every message as order_status, as the probe's intent model read "how long will the parts take?"."""

    name = "lookups"

    def understand(self, text: str) -> Understanding:
        return LOOKUP


def after_a_lookup() -> Tracker:
    """The conversation right after the order lookup said the order waits for parts."""
    return Tracker.from_events("s", [
        UserMessage(text="status of my repair SR-10002? tom@example.com"),
        ActionExecuted(name="order_status", arguments={"order_number": "SR-10002", "email": "tom@example.com"},
                       result={"found": True, "status": "Waiting for parts", "items": "Gear adjustment and new chain"}),
        BotAnswer(text="Order SR-10002 (Gear adjustment and new chain) is **Waiting for parts**.", action="business"),
    ])


@pytest.mark.parametrize("text", ["how long will the parts take?", "when do the parts usually come in?", "is a new chain expensive?"])
def test_a_question_about_the_lookups_result_is_the_help_centres(text: str) -> None:
    assert BusinessActionPolicy(demo_actions()).predict(after_a_lookup(), LOOKUP, text) is None


@pytest.mark.parametrize("text", ["and my other order?", "where is my order?", "check my order again"])
def test_a_request_that_names_nothing_of_the_result_is_still_a_lookup(text: str) -> None:
    prediction = BusinessActionPolicy(demo_actions()).predict(after_a_lookup(), LOOKUP, text)
    assert prediction is not None and prediction.argument == "order_status"


def test_a_question_about_the_status_just_found_is_answered_not_asked_for_the_order_number() -> None:
    action = AnswerFromKnowledgeBase(OneArticle(PROCESSING), None, top_k=3, min_score=0.45, max_new_tokens=8, extractive=FirstSentence())
    bot = DialogManager(InMemoryStore(), action, actions=demo_actions(), understander=Understander(LookupReader()))
    start = bot.handle(None, "where is my order NW-20481737")
    looked_up = bot.handle(start.session_id, "sam.lee@example.com")

    asked = bot.handle(start.session_id, "how long does processing usually take?")

    assert "Processing" in looked_up.text
    assert asked.action == "answer" and asked.requested_slot is None  # was "What is your order number?"
