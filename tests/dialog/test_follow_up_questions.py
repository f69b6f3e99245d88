"""Follow-up questions of their own, and questions the intent model reads as a goodbye."""

from __future__ import annotations

import pytest

from dialog.business import demo_actions
from dialog.business_rules import BusinessRules
from dialog.events import BotAnswer, UserMessage
from dialog.nlu.base import Understanding
from dialog.policies import choose, default_policies
from dialog.rewrite import content_words, is_follow_up, names_a_topic, rewrite
from dialog.tracker import Tracker


@pytest.mark.parametrize(
    ("text", "previous", "lead", "context"),
    [
        # "can I use two on one order?" after the gift-card steps was searched alone: the promo-code FAQ said "No"
        ("can I use two on one order?", "how do I use a gift card?", "can I use two on one order", "gift card"),
        ("can I use several at once?", "how do I use a gift card?", "can I use several at once", "gift card"),
        ("can I combine both?", "how do I use a gift card?", "can I combine both", "gift card"),
    ],
)
def test_a_number_without_its_thing_is_the_last_answers_thing(text: str, previous: str, lead: str, context: str) -> None:
    assert is_follow_up(text)
    query = rewrite(text, previous)
    assert query.startswith(lead)  # the new question leads, not glued after the last one
    assert context in query


@pytest.mark.parametrize("text", ["what's in it?", "what's next?", "where's that?", "isn't it?", "why can't I?"])
def test_a_contracted_stopword_names_no_topic(text: str) -> None:
    # "what's" counted as a topic word: "what's in it?" was glued after the last question as its variation
    assert not names_a_topic(text)
    assert "what's" not in content_words(text)


@pytest.mark.parametrize(("text", "topic"), [("what's the return window?", "return"), ("I don't have the order number", "order")])
def test_a_contraction_keeps_the_messages_own_topic(text: str, topic: str) -> None:
    assert topic in content_words(text)
    assert names_a_topic(text)


def test_a_question_of_its_own_with_what_s_leads_its_rewrite() -> None:
    query = rewrite("what's included in it?", "how do I use a gift card?")
    assert query.startswith("what's included in")
    assert ":" not in query


@pytest.mark.parametrize(
    ("text", "previous"),
    [
        ("what happens next?", "my parcel says delivered but it's not here"),
        ("what's next?", "how do I return an item?"),
        ("what do I do next?", "how do I return an item?"),
    ],
)
def test_what_happens_next_is_a_follow_up(text: str, previous: str) -> None:
    assert is_follow_up(text)
    assert rewrite(text, previous).startswith(text.rstrip("?"))


def _after_an_answer() -> Tracker:
    return Tracker.from_events(
        "s", [UserMessage(text="how do I return an item?"), BotAnswer(text="1. Go to Orders and select the order.", action="answer")]
    )


@pytest.mark.parametrize("text", ["what happens next?", "what now?", "how long until it's processed?", "then what?"])
def test_a_question_read_as_goodbye_is_not_answered_with_goodbye(text: str) -> None:
    # the intent model read "what happens next?" after the returns steps as a goodbye: "Thanks for getting in touch. Goodbye!"
    understanding = Understanding("goodbye", 0.6, ranking=(("goodbye", 0.6),), source="classifier")
    policies = default_policies(BusinessRules(), demo_actions())
    prediction = choose([p.predict(_after_an_answer(), understanding, text) for p in policies])
    assert prediction.action == "answer"


@pytest.mark.parametrize("text", ["bye", "thanks, bye", "that's all", "have a nice day"])
def test_a_goodbye_is_still_a_goodbye(text: str) -> None:
    understanding = Understanding("goodbye", 0.9, ranking=(("goodbye", 0.9),), source="classifier")
    policies = default_policies(BusinessRules(), demo_actions())
    prediction = choose([p.predict(_after_an_answer(), understanding, text) for p in policies])
    assert (prediction.action, prediction.argument) == ("small_talk", "goodbye")
