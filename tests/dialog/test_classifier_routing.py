"""Routing with a trained intent classifier: its out-of-scope flag lets the knowledge base try instead of
handing off, its topic intents do not break slot filling, and the `oos` class is never offered as a choice.
A scripted fake stands in for the model."""

from __future__ import annotations

from dialog.business import demo_actions
from dialog.business_rules import BusinessRules
from dialog.events import BotAnswer, SlotRequested
from dialog.nlu.base import Understanding
from dialog.nlu.combine import Understander
from dialog.policies import Prediction, choose, default_policies
from dialog.tracker import Tracker


class Scripted:
    """An intent detector that answers from a table (text -> Understanding)."""

    name = "scripted"

    def __init__(self, table: dict[str, Understanding]) -> None:
        self.table = table
        self.seen: list[str] = []

    def understand(self, text: str) -> Understanding:
        self.seen.append(text)
        return self.table[text]


OFF_TOPIC = Understanding("shipping", 0.2, ranking=(("oos", 0.6), ("shipping", 0.2)), out_of_scope=True, source="classifier")
UNSURE_REPLY = Understanding("return_item", 0.33, ranking=(("return_item", 0.33), ("account", 0.09)), source="classifier")
WAITING = Tracker.from_events(
    "s", [SlotRequested(action="order_status", slot="order_number"), BotAnswer(text="Order number?", action="business")]
)


def predict(text: str, understanding: Understanding, tracker: Tracker | None = None) -> Prediction:
    policies = default_policies(actions=demo_actions())
    return choose([policy.predict(tracker or Tracker("s"), understanding, text) for policy in policies])


def test_an_out_of_scope_message_reaches_the_policies_as_a_plain_question() -> None:
    classifier = Scripted({"do you sell periscopes?": OFF_TOPIC, "how do I pay?": Understanding("payment", 0.9, source="classifier")})
    understander = Understander(classifier)

    off_topic = understander.understand("do you sell periscopes?")
    in_scope = understander.understand("how do I pay?")
    greeting = understander.understand("hello")

    assert (off_topic.intent, off_topic.out_of_scope, off_topic.source) == ("question", True, "classifier")
    assert off_topic.ranking == OFF_TOPIC.ranking  # the model's guesses stay visible
    assert in_scope.intent == "payment"
    assert greeting.intent == "greet" and "hello" not in classifier.seen  # a rule decides without the model


def test_out_of_scope_is_answered_from_the_knowledge_base_and_off_topic_keywords_still_hand_off() -> None:
    understanding = Understander(Scripted({"how much does it cost?": OFF_TOPIC})).understand("how much does it cost?")

    prediction = predict("how much does it cost?", understanding)

    assert prediction.action == "answer"
    assert "out of scope for the intent model (best guess shipping 0.20)" in prediction.reason
    rules = BusinessRules(out_of_scope_keywords=("weather",))
    policies = default_policies(rules, demo_actions())
    weather = choose([p.predict(Tracker("s"), understanding, "what's the weather?") for p in policies])
    assert weather.action == "handoff" and "'weather' is not about the shop" in weather.reason


def test_a_reply_to_the_slot_question_is_not_a_change_of_subject_whatever_the_model_guesses() -> None:
    out_of_scope = Understander(Scripted({"I don't have it here": OFF_TOPIC})).understand("I don't have it here")

    assert predict("I don't have it here", UNSURE_REPLY, WAITING).reason == "order_status still needs the order_number"
    assert predict("I don't have it here", out_of_scope, WAITING).action == "business"
    assert predict("How much is express shipping?", Understanding("shipping", 0.9, source="classifier"), WAITING).action == "answer"


def test_the_oos_class_is_never_offered_as_a_clarification_option() -> None:
    close = Understanding("refund", 0.42, ranking=(("refund", 0.42), ("oos", 0.40), ("order_status", 0.38)), source="classifier")

    prediction = predict("my money", close)

    assert (prediction.action, prediction.argument) == ("clarify", "refund,order_status")
