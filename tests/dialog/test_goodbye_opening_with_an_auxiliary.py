"""A goodbye that opens with an auxiliary verb ("will do, thanks, bye!") is not a question."""

from __future__ import annotations

import pytest

from dialog.business import demo_actions
from dialog.business_rules import BusinessRules
from dialog.events import BotAnswer, UserMessage
from dialog.nlu.base import Understanding
from dialog.policies import choose, default_policies
from dialog.tracker import Tracker


def _after_an_answer() -> Tracker:
    return Tracker.from_events(
        "s", [UserMessage(text="how do I return an item?"), BotAnswer(text="1. Go to Orders and select the order.", action="answer")]
    )


def _predict(text: str):
    understanding = Understanding("goodbye", 0.9, ranking=(("goodbye", 0.9),), source="classifier")
    policies = default_policies(BusinessRules(), demo_actions())
    return choose([p.predict(_after_an_answer(), understanding, text) for p in policies])


@pytest.mark.parametrize("text", ["will do, thanks, bye!", "will do, cheers", "do take care, bye", "can do, goodbye"])
def test_a_goodbye_opening_with_an_auxiliary_is_a_goodbye(text: str) -> None:
    # on a real server "will do, thanks, bye!" after the return window was searched and declined with the offer of a person
    prediction = _predict(text)
    assert (prediction.action, prediction.argument) == ("small_talk", "goodbye")


@pytest.mark.parametrize("text", ["can I ask one more thing", "is there anything else I need to do", "what happens next"])
def test_a_question_without_a_question_mark_is_still_no_goodbye(text: str) -> None:
    assert _predict(text).action == "answer"
