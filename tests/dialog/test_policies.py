"""Rule-based understanding and the policy vote."""

from __future__ import annotations

import pytest

from dialog.nlu.rules import RuleBasedIntents
from dialog.policies import DEFAULT_POLICIES, Prediction, choose
from dialog.tracker import Tracker


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("hello", "greet"),
        ("Hi there!", "greet"),
        ("thanks a lot", "thanks"),
        ("bye", "goodbye"),
        ("I want to talk to a human", "human"),
        ("Can I speak with a person please", "human"),
        ("hello, where is my order?", "question"),
        ("How long is a password reset link valid?", "question"),
    ],
)
def test_rule_intents(text: str, intent: str) -> None:
    assert RuleBasedIntents().understand(text).intent == intent


@pytest.mark.parametrize(
    ("text", "action"),
    [("hello", "small_talk"), ("get me an agent", "handoff"), ("Where is my parcel?", "answer")],
)
def test_default_policies_choose_the_action(text: str, action: str) -> None:
    understanding = RuleBasedIntents().understand(text)

    prediction = choose([policy.predict(Tracker("s"), understanding) for policy in DEFAULT_POLICIES])

    assert prediction.action == action


def test_choose_prefers_confidence_then_priority() -> None:
    low, high = Prediction("answer", 0.5, "a", priority=0), Prediction("handoff", 0.9, "b", priority=9)
    tie_a, tie_b = Prediction("small_talk", 0.9, "c", priority=5), Prediction("handoff", 0.9, "d", priority=0)

    assert choose([low, high]) is high
    assert choose([tie_a, None, tie_b]) is tie_b
    assert choose([None]).action == "fallback"
