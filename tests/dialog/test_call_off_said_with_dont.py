""""don't do it", "no, don't", "please don't", "do not do that" answer a business action's "Shall I go ahead: ...?"
(``confirm=True``) with a no: the action does not run. They were searched (and declined) instead. "don't" inside a
question ("why don't you ship to Norway?") or before another verb ("don't know") is no answer to it."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from assistant.app import Assistant
from dialog.actions import pending_confirmation
from dialog.business import ActionResult, BusinessActions
from dialog.manager import DialogManager
from dialog.nlu.base import Understanding
from dialog.nlu.combine import Understander
from dialog.nlu.rules import calls_off
from dialog.replies import DEFAULT_REPLIES

MONDAY = datetime(2026, 12, 7, 10, 0, tzinfo=timezone.utc)

DONT = [
    "don't do it", "Don't do it!", "dont do that", "don’t do it", "no, don't", "No don't", "no, don't do it",
    "please don't", "Please don't.", "no, please don't", "do not do that", "do not do it", "please do not",
    "don't cancel it", "please don't cancel it", "don't proceed", "don't go ahead", "don't do that please",
]
NOT_AN_ANSWER = [
    "why don't you ship to Norway?", "don't know", "I don't know", "don't you ship to Norway?", "please don't charge me twice",
    "don't do it again", "do not disturb", "no, don't cancel my other order",
]


@pytest.mark.parametrize("phrase", DONT)
def test_dont_calls_the_action_off(phrase: str) -> None:
    assert calls_off(phrase)


@pytest.mark.parametrize("phrase", NOT_AN_ANSWER)
def test_dont_in_a_question_or_another_request_calls_nothing_off(phrase: str) -> None:
    assert not calls_off(phrase)


class Cancels:
    """A stand-in intent model that reads one message as the request to cancel, and every other one as a question."""

    name = "cancels"

    def understand(self, text: str) -> Understanding:
        intent = "cancel_order" if text == "cancel order FJ-123456" else "question"
        return Understanding(intent, 0.9, ranking=((intent, 0.9),), source="classifier")


@pytest.mark.parametrize("phrase", ["don't do it", "no, don't", "please don't", "do not do that"])
def test_the_cancellation_does_not_run(assistant: Assistant, phrase: str) -> None:
    cancelled: list[str] = []
    actions = BusinessActions()

    @actions.register(intents=["cancel_order"], patterns={"order": r"FJ-\d{6}"}, confirm=True)
    def cancel_order(order: str) -> ActionResult:
        cancelled.append(order)
        return ActionResult(f"Order {order} is cancelled.")

    manager = DialogManager(assistant.store, assistant.manager.answer_action, understander=Understander(Cancels()), actions=actions,
                            clock=lambda: MONDAY)
    session = manager.handle(None, "cancel order FJ-123456").session_id
    assert pending_confirmation(manager.tracker(session)) == "cancel_order"

    reply = manager.handle(session, phrase)

    assert (cancelled, reply.text) == ([], DEFAULT_REPLIES.action_not_confirmed)
    assert pending_confirmation(manager.tracker(session)) is None
