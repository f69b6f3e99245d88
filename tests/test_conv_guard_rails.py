"""The rules file's guard rails on messages that name a shop subject: a joke asked for about shipping is off-topic, and
a never-answer topic named only as the owner of a thing ("a doctor's note") is no request for that advice."""

from __future__ import annotations

from pathlib import Path

from dialog.business_rules import load_rules
from dialog.nlu.base import Understanding
from dialog.policies import BusinessRulesPolicy, HandoffPolicy, requested_off_topic
from dialog.tracker import Tracker

RULES = load_rules(Path(__file__).resolve().parent.parent / "demo" / "rules.yaml")


def question() -> Understanding:
    return Understanding("question", 0.5, (("question", 0.5),))


def test_a_joke_asked_for_is_off_topic_whatever_it_is_about() -> None:
    assert requested_off_topic(RULES, "tell me a joke about shipping") == "joke"
    assert requested_off_topic(RULES, "do you know any jokes about refunds?") == "joke"
    assert requested_off_topic(RULES, "write me a short poem about my order") == "poem"
    assert requested_off_topic(RULES, "is this a joke? my refund still hasn't arrived") is None
    assert requested_off_topic(RULES, "how much is shipping?") is None


def test_a_question_about_the_shops_goods_is_no_request_for_something_made_up() -> None:
    # "have" read as "make me": both got "Sorry, I can only help with questions about our shop" and no person
    assert requested_off_topic(RULES, "Do you have stocks of the Lumen Desk Lamp?") is None
    assert requested_off_topic(RULES, "Do you have any recipes for the Aero Kettle?") is None
    assert requested_off_topic(RULES, "got any good poems?") == "poem"
    prediction = HandoffPolicy(RULES).predict(Tracker("s"), question(), "Do you have any recipes for the Aero Kettle?")
    assert prediction is None or prediction.argument != "off_topic"


def test_a_joke_about_shipping_gets_what_the_assistant_does() -> None:
    prediction = HandoffPolicy(RULES).predict(Tracker("s"), question(), "tell me a joke about shipping")
    assert prediction is not None and prediction.action == "small_talk" and prediction.argument == "off_topic"
    # a bare request too: the off-topic reply, no person (it was handed to one by the rules file's out_of_scope "joke")
    bare = HandoffPolicy(RULES).predict(Tracker("s"), question(), "tell me a joke")
    assert bare is not None and (bare.action, bare.argument) == ("small_talk", "off_topic")


def test_a_doctors_note_for_a_return_is_not_declined_but_medical_questions_are() -> None:
    policy = BusinessRulesPolicy(RULES)
    assert policy.predict(Tracker("s"), question(), "do I need a doctor's note to return the fan?") is None
    for text in ("what medicine should I take?", "I was injured by the lamp I ordered, what should I do?", "can I get a doctor's note?"):
        prediction = policy.predict(Tracker("s"), question(), text)
        assert prediction is not None and prediction.action == "decline", text
