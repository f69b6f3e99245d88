"""A business action registered with ``confirm=True`` asks before it runs: with its slots filled the assistant asks
"Shall I go ahead: ...?"; a yes runs it, a no does not (and forgets its values), and anything else is handled as usual
without running it. Before, an action that changes something ran as soon as its slots were filled: a misread "How much
is the Pro plan per year?" upgraded the plan. Without ``confirm`` an action runs at once, as before."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import yaml

from assistant.app import Assistant
from dialog.actions import pending_confirmation
from dialog.business import ActionResult, BusinessActions
from dialog.events import ActionExecuted, ConfirmationRequested
from dialog.manager import DialogManager
from dialog.nlu.base import Understanding
from dialog.nlu.combine import Understander
from dialog.replies import DEFAULT_REPLIES, Replies

MONDAY = datetime(2026, 12, 7, 10, 0, tzinfo=timezone.utc)  # within the test help centre's support hours


class Guesses:
    """A stand-in intent model that misreads a question about the Pro plan's price as a request to upgrade."""

    name = "guesses"

    def understand(self, text: str) -> Understanding:
        misread = {"How much is the Pro plan per year?", "upgrade my plan", "make it Team instead"}
        intent = "upgrade_plan" if text in misread else "question"
        return Understanding(intent, 0.9, ranking=((intent, 0.9),), source="classifier")


def plans(upgraded: list[str], confirm: bool = True) -> BusinessActions:
    actions = BusinessActions()

    @actions.register(intents=["upgrade_plan"], prompts={"plan": "Which plan would you like?"}, patterns={"plan": r"Pro|Team|Basic"},
                      confirm=confirm)
    def upgrade_plan(plan: str) -> ActionResult:
        upgraded.append(plan)
        return ActionResult(f"Your plan is now {plan}.")

    return actions


def dialog(assistant: Assistant, actions: BusinessActions) -> DialogManager:
    return DialogManager(assistant.store, assistant.manager.answer_action, understander=Understander(Guesses()), actions=actions,
                         clock=lambda: MONDAY)


def test_the_action_asks_first_and_runs_after_yes(assistant: Assistant) -> None:
    upgraded: list[str] = []
    manager = dialog(assistant, plans(upgraded))

    asked = manager.handle(None, "How much is the Pro plan per year?")

    assert upgraded == []
    assert asked.text == DEFAULT_REPLIES.say("confirm_action", action="Upgrade plan", values="plan: Pro")
    stored = manager.store.load_events(asked.session_id)  # what it waits for is in the SQLite log
    assert [e.action for e in stored if isinstance(e, ConfirmationRequested)] == ["upgrade_plan"]
    assert pending_confirmation(manager.tracker(asked.session_id)) == "upgrade_plan"

    done = manager.handle(asked.session_id, "yes please")

    assert upgraded == ["Pro"] and done.text == "Your plan is now Pro." and done.action == "business"
    assert pending_confirmation(manager.tracker(asked.session_id)) is None


def test_go_ahead_runs_it(assistant: Assistant) -> None:
    upgraded: list[str] = []
    manager = dialog(assistant, plans(upgraded))
    asked = manager.handle(None, "How much is the Pro plan per year?")

    manager.handle(asked.session_id, "go ahead")

    assert upgraded == ["Pro"]


def test_no_does_not_run_it_and_forgets_its_values(assistant: Assistant) -> None:
    upgraded: list[str] = []
    manager = dialog(assistant, plans(upgraded))
    asked = manager.handle(None, "How much is the Pro plan per year?")

    turn = manager.handle(asked.session_id, "no")

    assert upgraded == [] and turn.text == DEFAULT_REPLIES.action_not_confirmed
    assert "plan" not in manager.tracker(asked.session_id).slots
    assert not any(isinstance(e, ActionExecuted) for e in manager.store.load_events(asked.session_id))
    manager.handle(asked.session_id, "yes")  # a later yes confirms nothing
    assert upgraded == []


def test_cancel_does_not_run_it(assistant: Assistant) -> None:
    upgraded: list[str] = []
    manager = dialog(assistant, plans(upgraded))
    asked = manager.handle(None, "How much is the Pro plan per year?")

    turn = manager.handle(asked.session_id, "cancel")

    assert upgraded == [] and turn.text == DEFAULT_REPLIES.action_not_confirmed


def test_a_question_instead_is_answered_and_the_action_does_not_run(assistant: Assistant) -> None:
    upgraded: list[str] = []
    manager = dialog(assistant, plans(upgraded))
    asked = manager.handle(None, "How much is the Pro plan per year?")

    turn = manager.handle(asked.session_id, "How do I reset my password?")
    later = manager.handle(asked.session_id, "yes")  # the confirmation was dropped: this yes runs nothing

    assert upgraded == [] and turn.action != "business" and later.action != "business"
    assert pending_confirmation(manager.tracker(asked.session_id)) is None


def test_a_changed_value_asks_again_with_it(assistant: Assistant) -> None:
    upgraded: list[str] = []
    manager = dialog(assistant, plans(upgraded))
    asked = manager.handle(None, "upgrade my plan")
    assert asked.text == "Which plan would you like?"
    manager.handle(asked.session_id, "Pro")

    again = manager.handle(asked.session_id, "make it Team instead")
    manager.handle(asked.session_id, "yes")

    assert again.text == DEFAULT_REPLIES.say("confirm_action", action="Upgrade plan", values="plan: Team")
    assert upgraded == ["Team"]


def test_without_confirm_it_runs_at_once(assistant: Assistant) -> None:
    upgraded: list[str] = []
    manager = dialog(assistant, plans(upgraded, confirm=False))

    turn = manager.handle(None, "How much is the Pro plan per year?")

    assert upgraded == ["Pro"] and turn.text == "Your plan is now Pro."


def test_the_question_and_the_no_are_in_the_demos_german() -> None:
    texts = yaml.safe_load((Path(__file__).resolve().parents[2] / "demo" / "replies.de.yaml").read_text(encoding="utf-8"))
    german = Replies(confirm_action=texts["confirm_action"], action_not_confirmed=texts["action_not_confirmed"])

    assert german.say("confirm_action", action="Tarif wechseln", values="plan: Pro").startswith("Soll ich das ausführen: Tarif wechseln (plan: Pro)?")
    assert german.action_not_confirmed.startswith("In Ordnung")
