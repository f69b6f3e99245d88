"""The words that answer a business action's "Shall I go ahead: ...?" (``confirm=True``): a yes runs it, a no or "cancel"
does not, anything else leaves it waiting. The yes and no of the keyword rules in every language they know count, and a
few words that answer only this question ("go ahead", "do it", "cancel", "don't"), which elsewhere mean something else."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from assistant.app import Assistant
from dialog.actions import pending_confirmation
from dialog.business import ActionResult, BusinessActions
from dialog.manager import DialogManager
from dialog.nlu.base import Understanding
from dialog.nlu.combine import Understander
from dialog.replies import DEFAULT_REPLIES

MONDAY = datetime(2026, 12, 7, 10, 0, tzinfo=timezone.utc)

GO_AHEAD = [
    "yes", "Yes please", "yeah", "sure", "ok", "okay!", "please do", "yse",
    "go ahead", "Go ahead.", "ok go ahead", "okay, go ahead please", "yes, do it", "do it", "do it please", "sure, proceed",
    "proceed", "confirm", "confirmed", "Confirmed!",
    "ja", "ja bitte", "jawohl", "gerne", "sí", "sí, por favor", "claro", "vale", "oui", "oui, merci", "d'accord",
    "sì, grazie", "va bene", "sim", "sim, obrigado", "ja graag", "zeker",
]
CALL_OFF = [
    "no", "No thanks", "nope", "nah", "never mind", "forget it", "not now",
    "cancel", "Cancel it", "cancel that please", "stop", "stop it", "abort", "don't", "dont", "do not", "don't do it",
    "nein", "nein danke", "abbrechen", "stopp", "lieber nicht",
    "non", "non merci", "annuler", "no, gracias", "cancelar", "mejor no", "não", "nee, dank je", "laat maar",
]
NEITHER = [
    "maybe", "hmm", "what does the Pro plan cost?", "go ahead and tell me the price", "confirm the price first",
    "cancel my order", "don't know", "stop sending me emails", "si je veux", "yes but first a question",
]


class Asks:
    """A stand-in intent model that reads one message as the request, and every other one as a question."""

    name = "asks"

    def understand(self, text: str) -> Understanding:
        intent = "upgrade_plan" if text == "upgrade me to Pro" else "question"
        return Understanding(intent, 0.9, ranking=((intent, 0.9),), source="classifier")


@pytest.fixture
def asked(assistant: Assistant) -> tuple[DialogManager, list[str]]:
    upgraded: list[str] = []
    actions = BusinessActions()

    @actions.register(intents=["upgrade_plan"], patterns={"plan": r"Pro|Team"}, confirm=True)
    def upgrade_plan(plan: str) -> ActionResult:
        upgraded.append(plan)
        return ActionResult(f"Your plan is now {plan}.")

    manager = DialogManager(assistant.store, assistant.manager.answer_action, understander=Understander(Asks()), actions=actions,
                            clock=lambda: MONDAY)
    return manager, upgraded


def _answer(asked: tuple[DialogManager, list[str]], phrase: str) -> tuple[bool, bool, str]:
    """Whether ``phrase``, as the answer to the question, ran the action, whether the question still waits, and the reply."""
    manager, upgraded = asked
    session = manager.handle(None, "upgrade me to Pro").session_id
    assert pending_confirmation(manager.tracker(session)) == "upgrade_plan"
    reply = manager.handle(session, phrase)
    return upgraded == ["Pro"], pending_confirmation(manager.tracker(session)) is not None, reply.text


@pytest.mark.parametrize("phrase", GO_AHEAD)
def test_a_yes_runs_the_action(asked: tuple[DialogManager, list[str]], phrase: str) -> None:
    assert _answer(asked, phrase) == (True, False, "Your plan is now Pro.")


@pytest.mark.parametrize("phrase", CALL_OFF)
def test_a_no_does_not_run_it(asked: tuple[DialogManager, list[str]], phrase: str) -> None:
    assert _answer(asked, phrase) == (False, False, DEFAULT_REPLIES.action_not_confirmed)


@pytest.mark.parametrize("phrase", NEITHER)
def test_anything_else_does_not_run_it(asked: tuple[DialogManager, list[str]], phrase: str) -> None:
    ran, _, reply = _answer(asked, phrase)
    assert not ran and reply != DEFAULT_REPLIES.action_not_confirmed
