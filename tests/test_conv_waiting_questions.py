"""A question that waits for the customer's reply is kept through a plain "hello", and a plain take-back of a handoff
("never mind") that leads a question gets the question answered, while no member of staff has written yet."""

from __future__ import annotations

from typing import Any

from assistant.app import Assistant
from dialog.business import demo_actions
from dialog.handoff_cancel import question_with_take_back, takes_back_handoff
from dialog.manager import DialogManager
from dialog.nlu.rules import is_bare_greeting
from dialog.store import InMemoryStore

NOTHING = "xylophone quantum zebra"  # found nowhere: declined, with the offer of a person
QUESTION = "How long is a password reset link valid?"


def manager_for(assistant: Assistant, **kwargs: Any) -> DialogManager:
    return DialogManager(InMemoryStore(), assistant.manager.answer_action, actions=demo_actions(), **kwargs)


def test_a_bare_greeting_is_only_a_greeting() -> None:
    assert all(is_bare_greeting(text) for text in ("hello", "Hi there!", "hey.", "good morning", "Hallo"))
    assert not any(is_bare_greeting(text) for text in ("hello?", "hi, can you help me?", "hello, where is my order?", "hi 2"))
    # two overlapping runs of blanks backtracked: about 0.4 s for a greeting and 4,000 blanks before a letter
    assert not is_bare_greeting("hello" + " " * 100_000 + "x") and not is_bare_greeting("hi" + "!" * 100_000 + "x")


def test_a_plain_take_back_that_leads_a_question_counts_only_before_staff_wrote() -> None:
    text = "never mind, how much is shipping?"
    assert takes_back_handoff(text, staff_replied=False)
    assert question_with_take_back(text, staff_replied=False) == "how much is shipping?"
    assert question_with_take_back("Actually, forget it. Where is my order?", staff_replied=False) == "Where is my order?"
    # once staff wrote, "never mind, ..." may answer them: it goes to them
    assert not takes_back_handoff(text, staff_replied=True)
    assert question_with_take_back(text, staff_replied=True) is None
    # "no thanks" may say no to something else before a question; "never mind" alone asks nothing
    assert not takes_back_handoff("no thanks, how much is shipping?", staff_replied=False)
    assert question_with_take_back("never mind", staff_replied=False) is None
    assert question_with_take_back("never mind, thanks", staff_replied=False) is None


def test_never_mind_with_a_question_hands_back_and_answers_it(assistant) -> None:
    manager = manager_for(assistant)
    session_id = manager.handle(None, "I want to talk to a human").session_id

    answered = manager.handle(session_id, f"never mind, {QUESTION}")

    assert answered.action == "answer" and "30 minutes" in answered.text and not answered.handoff
    assert not manager.tracker(session_id).with_person


def test_never_mind_with_a_question_after_a_staff_reply_goes_to_staff(assistant) -> None:
    manager = manager_for(assistant)
    session_id = manager.handle(None, "I want to talk to a human").session_id
    manager.reply_as_staff(session_id, "Ana here. Shall I resend the link?", author="ana")

    relayed = manager.handle(session_id, f"never mind, {QUESTION}")

    assert relayed.action == "relay"
    assert manager.tracker(session_id).with_person


def test_hello_after_the_offer_of_a_person_keeps_the_offer(assistant) -> None:
    manager = manager_for(assistant, handoff_after_failures=0)
    session_id = manager.handle(None, NOTHING).session_id

    hello = manager.handle(session_id, "hello")
    taken = manager.handle(session_id, "yes")

    assert hello.action == "small_talk" and hello.intent == "filler"
    assert taken.action == "handoff" and taken.handoff


def test_hello_at_the_start_is_a_greeting(assistant) -> None:
    manager = manager_for(assistant)

    result = manager.handle(None, "hello")

    assert result.action == "small_talk" and result.intent == "greet"
