"""After an order lookup, the "it" of "is it possible to ...", "is it ok to ...", "it is ... that" stands in for what
follows, not for the order: "is it possible to pay with klarna?" was searched as 'is it possible to pay with klarna
(order shipped)?' and answered "The actual charge is made when your order ships." first. An "it" that is the order
("can I still return it?", "is it going to arrive today?") still brings the order's status."""

from __future__ import annotations

import pytest

from answer_fakes import FirstSentence, OneArticle
from dialog.actions import AnswerFromKnowledgeBase
from dialog.business import demo_actions
from dialog.manager import DialogManager, refers_to_the_order
from dialog.store import InMemoryStore
from retrieval.documents import Chunk

TEXT = "You can pay with a card or PayPal."
PAYMENTS = Chunk(Chunk.make_id("billing/payment-methods", "Payment methods", TEXT), "billing/payment-methods",
                 "Payment methods", "Payment methods", TEXT, "billing/payment-methods.md")


def query_after_a_lookup(text: str) -> str:
    """The query ``text`` is searched with right after the lookup of a shipped order."""
    action = AnswerFromKnowledgeBase(OneArticle(PAYMENTS), None, top_k=3, min_score=0.45, max_new_tokens=8, extractive=FirstSentence())
    bot = DialogManager(InMemoryStore(), action, actions=demo_actions())
    start = bot.handle(None, "where is my order NW-20481736")
    looked_up = bot.handle(start.session_id, "jane.doe@example.com")
    assert "Shipped" in looked_up.text
    result = bot.handle(start.session_id, text)
    assert result.query is not None, result.reason
    return result.query


@pytest.mark.parametrize(
    "text", ["is it possible to pay with klarna?", "is it ok to use two gift cards?", "would it be ok if I paid with paypal?"]
)
def test_a_stand_in_it_after_a_lookup_is_not_the_order(text: str) -> None:
    assert "shipped" not in query_after_a_lookup(text)


@pytest.mark.parametrize(
    "text", ["can I still exchange it?", "can I return it once it arrives?", "is it possible to exchange it?", "is it possible to return the order?"]
)
def test_the_order_as_it_after_a_lookup_brings_its_status(text: str) -> None:
    # "can I still cancel it?" is answered by the lookup itself, for the order's status (test_order_questions.py)
    assert "(order shipped)" in query_after_a_lookup(text)


@pytest.mark.parametrize(
    "text",
    ["is it going to arrive today?", "is it supposed to ship today?", "why is it on hold?", "was it sent to my old address?",
     "is it possible that it was lost?"],
)
def test_it_as_the_subject_of_what_is_said_of_the_order_is_the_order(text: str) -> None:
    assert refers_to_the_order(text)


@pytest.mark.parametrize(
    "text", ["it is possible to pay with paypal?", "is it true that you accept klarna?", "is it ok for me to pay with klarna?"]
)
def test_it_standing_in_for_a_clause_is_not_the_order(text: str) -> None:
    assert not refers_to_the_order(text)
