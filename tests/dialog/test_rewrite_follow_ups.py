"""Follow-ups of follow-ups, and follow-ups that name no topic of their own, rewritten with the conversation's topic."""

from __future__ import annotations

import pytest

from answer_fakes import FirstSentence, KeywordArticles
from dialog.actions import AnswerFromKnowledgeBase
from dialog.manager import DialogManager
from dialog.rewrite import is_follow_up, names_one_of_several, reports_on_what_was_said, rewrite, topic_of
from dialog.store import InMemoryStore


@pytest.mark.parametrize("then", ["what now?", "and what now?", "what should I do now?"])
def test_a_follow_up_of_a_follow_up_is_read_with_the_first_questions_topic(then: str) -> None:
    first = "my parcel says delivered but it's not here"
    after_one = rewrite("what happens next?", first)
    after_two = rewrite(then, after_one)

    assert after_two.count("(") == 1, after_two  # was "what now (what happens next (my parcel ...))?"
    assert "what happens next" not in after_two
    assert after_two.endswith(f"({first})?")
    assert rewrite("what else?", after_two).endswith(f"({first})?")  # the third stays on it too


def test_a_follow_up_with_a_topic_of_its_own_keeps_it_beside_the_first_topic() -> None:
    asked = rewrite("can I include a note?", "do you offer gift wrapping?")

    assert topic_of(asked) == "include a note, gift wrapping"
    assert "(" not in topic_of(asked)


@pytest.mark.parametrize("text", ["how long do I wait?", "how long do I have to wait?", "how long should I wait?"])
def test_waiting_names_no_topic_of_its_own(text: str) -> None:
    assert is_follow_up(text)  # "wait" was a topic word: searched alone, it got the live chat's waiting times
    assert rewrite(text, "my parcel is lost").endswith("(my parcel is lost)?")


LOST = {
    "contact/response-times": ("The average wait for live chat is under 2 minutes.", ("wait", "how long")),
    "shipping/lost-parcels": ("Wait 48 hours after the Delivered update, then report it.", ("parcel", "lost")),
}


def test_how_long_to_wait_after_a_lost_parcel_stays_on_the_lost_parcel() -> None:
    manager = DialogManager(
        InMemoryStore(), AnswerFromKnowledgeBase(KeywordArticles(LOST), None, top_k=3, min_score=0.45, max_new_tokens=8, extractive=FirstSentence())
    )
    first = manager.handle(None, "my parcel is lost")
    then = manager.handle(first.session_id, "how long do I wait?")

    assert [s["doc_id"] for s in then.cited_sources] == ["shipping/lost-parcels"], then.text


PAY_IN_4 = "Pay in 4 splits your order into 4 interest-free payments taken every 2 weeks. [1]"


@pytest.mark.parametrize("text", ["what happens if I miss a payment?", "can I pay one of the payments early?", "what if the last payment fails?"])
def test_one_of_several_things_the_answer_named_is_about_them(text: str) -> None:
    assert names_one_of_several(text, PAY_IN_4)
    assert reports_on_what_was_said(text, PAY_IN_4)


@pytest.mark.parametrize("text", ["can I get an invoice?", "what happens if I miss a delivery?", "how do I pay?"])
def test_a_thing_the_answer_did_not_speak_of_in_the_plural_is_not(text: str) -> None:
    assert not names_one_of_several(text, PAY_IN_4)


PAYMENTS = {
    "billing/payment-methods": (PAY_IN_4.removesuffix(" [1]"), ("pay in 4", "pay", "work")),
    "billing/failed-payments": ("A declined payment is not charged.", ("payment", "miss")),
}


def test_a_missed_payment_after_pay_in_4_is_answered_from_pay_in_4() -> None:
    manager = DialogManager(
        InMemoryStore(),
        AnswerFromKnowledgeBase(KeywordArticles(PAYMENTS), None, top_k=3, min_score=0.45, max_new_tokens=8, extractive=FirstSentence()),
    )
    first = manager.handle(None, "how does pay in 4 work?")
    then = manager.handle(first.session_id, "what happens if I miss a payment?")

    assert "pay in 4" in then.query.lower()  # searched alone, it got the payments declined at checkout
    assert [s["doc_id"] for s in then.cited_sources] == ["billing/payment-methods"]


@pytest.mark.parametrize("then", ["and then what?", "then what?", "what then?", "and then?", "so what happens then?"])
def test_and_then_what_asks_what_happens_next_about_the_last_topic(then: str) -> None:
    # "then" was read as a reference to the last topic: "and then what?" became "return an item what?"
    assert is_follow_up(then)
    assert rewrite(then, "how do I return an item?") == "what happens next (return an item)?"


def test_and_then_what_after_an_answer_searches_what_happens_next() -> None:
    returns = {"returns/how-to-return": ("Press Return items under Orders, then drop the parcel off. Refunds follow.", ("return",))}
    manager = DialogManager(
        InMemoryStore(), AnswerFromKnowledgeBase(KeywordArticles(returns), None, top_k=3, min_score=0.35, max_new_tokens=8, extractive=FirstSentence())
    )
    first = manager.handle(None, "how do I return an item?")
    then = manager.handle(first.session_id, "and then what?")

    assert then.query == "what happens next (return an item)?"
    assert [s["doc_id"] for s in then.cited_sources] == ["returns/how-to-return"], then.text
