"""A short reply to a business action's question that the intent model weakly reads as small talk is the value asked
for (a SaaS team's plan upgrade: "Pro" read as thanks 0.35 was searched and declined, "Team" read as greet 0.55 got the
greeting); a value said with a hedge keeps no hedge in the conversation's slot; and a reply that says the customer
does not have the value ("I don't have my backup codes") is asked again with the offer of a person, not met with the
check's text of why it is no backup code."""

from __future__ import annotations

import re
from datetime import datetime, timezone

import pytest

from assistant.app import Assistant
from dialog.business import ActionResult, BusinessActions, Say
from dialog.manager import DialogManager
from dialog.nlu.base import Understanding
from dialog.nlu.combine import Understander
from dialog.policies import replies_to_a_question, reply_value
from dialog.replies import DEFAULT_REPLIES

MONDAY = datetime(2026, 12, 7, 10, 0, tzinfo=timezone.utc)
# the readings of the team's intent model (the probe's: "Pro" thanks 0.35, "Team" greet 0.55, "Business" greet 0.39)
READINGS = {
    "I want to upgrade my plan": ("upgrade_plan", 0.93),
    "reset my 2fa": ("reset_2fa", 0.91),
    "book a repair": ("book_repair", 0.92),
    "Pro": ("thanks", 0.35),
    "Team": ("greet", 0.55),
    "Business": ("greet", 0.39),
    "Platinum": ("thanks", 0.17),
    "yo": ("greet", 0.96),
    "Free": ("greet", 0.9),
    "I don't have my backup codes": ("account", 0.48),
    "I lost it": ("account", 0.15),
    "no idea": ("greet", 0.16),
    "I have no idea": ("greet", 0.2),
}
PLANS = {"free", "pro", "team", "business"}


class Readings:
    """A stand-in intent model: the reading of the messages in ``READINGS``, else ``question``."""

    name = "readings"

    def understand(self, text: str) -> Understanding:
        intent, confidence = READINGS.get(text, ("question", 0.2))
        return Understanding(intent, confidence, ranking=((intent, confidence),), source="classifier")


def check_plan(value: str) -> str | None:
    return None if value.strip().lower() in PLANS else f"{value} is not one of our plans: Free, Pro, Team or Business."


def check_code(value: str) -> str | None:
    return None if re.fullmatch(r"\d{6}", value) else "A backup code has exactly 6 digits."


def saas(calls: list[tuple[str, ...]]) -> BusinessActions:
    """The probe's two actions: an upgrade with a checked plan, and a 2FA reset with a checked backup code."""
    actions = BusinessActions()

    @actions.register(
        intents=["upgrade_plan"], prompts={"plan": "Which plan would you like: Pro, Team or Business?"},
        checks={"plan": check_plan}, texts={"upgraded": "Your account is now on the {plan} plan."},
    )
    def upgrade_plan(plan: str, seats: int = 1) -> ActionResult:
        calls.append(("upgrade_plan", plan))
        return ActionResult(Say("upgraded", plan=plan.strip().title()))

    @actions.register(
        intents=["reset_2fa"],
        prompts={"email": "Which e-mail address is your account under?", "backup_code": "Please give me one of your 6-digit backup codes."},
        checks={"backup_code": check_code}, texts={"done": "Two-factor authentication on {email} is reset."},
    )
    def reset_2fa(email: str, backup_code: str) -> ActionResult:
        calls.append(("reset_2fa", email, backup_code))
        return ActionResult(Say("done", email=email))

    @actions.register(intents=["book_repair"], prompts={"bike_model": "Which bike is it?"}, texts={"booked": "Booked your {bike_model}."})
    def book_repair(bike_model: str) -> ActionResult:
        calls.append(("book_repair", bike_model))
        return ActionResult(Say("booked", bike_model=bike_model))

    return actions


def dialog(assistant: Assistant, calls: list[tuple[str, ...]]) -> DialogManager:
    """The real answer action and SQLite log, the stand-in readings, the team's actions, and Monday morning."""
    return DialogManager(assistant.store, assistant.manager.answer_action, understander=Understander(Readings()), actions=saas(calls),
                         clock=lambda: MONDAY)


@pytest.mark.parametrize(("reply", "plan"), [("Pro", "Pro"), ("Team", "Team"), ("Business", "Business")])
def test_a_plan_read_weakly_as_thanks_or_a_greeting_is_the_plan(assistant: Assistant, reply: str, plan: str) -> None:
    calls: list[tuple[str, ...]] = []
    manager = dialog(assistant, calls)
    asked = manager.handle(None, "I want to upgrade my plan")
    assert asked.requested_slot == "plan"

    turn = manager.handle(asked.session_id, reply)

    assert (turn.action, turn.text) == ("business", f"Your account is now on the {plan} plan.")
    assert calls == [("upgrade_plan", reply)]


def test_the_right_plan_after_a_refused_one_is_no_second_failure(assistant: Assistant) -> None:
    calls: list[tuple[str, ...]] = []
    manager = dialog(assistant, calls)
    asked = manager.handle(None, "I want to upgrade my plan")
    refused = manager.handle(asked.session_id, "Platinum")

    turn = manager.handle(asked.session_id, "Pro")

    assert refused.requested_slot == "plan" and "not one of our plans" in refused.text
    assert (turn.action, turn.handoff, turn.text) == ("business", False, "Your account is now on the Pro plan.")
    assert manager.tracker(asked.session_id).consecutive_failures == 0


def test_a_greeting_the_model_is_sure_of_keeps_the_question_open(assistant: Assistant) -> None:
    calls: list[tuple[str, ...]] = []
    manager = dialog(assistant, calls)
    asked = manager.handle(None, "I want to upgrade my plan")

    turn = manager.handle(asked.session_id, "yo")

    assert turn.action == "small_talk" and calls == []
    assert manager.tracker(asked.session_id).requested_slot == ("upgrade_plan", "plan")


def test_a_plan_the_model_surely_reads_as_a_greeting_is_the_plan_when_the_check_accepts_it(assistant: Assistant) -> None:
    # the manager did not tell the policy that the slot's check accepts the reply (replies_to_a_question's accepted):
    # "Free" read as a greeting at 0.9 got small talk, the question left open
    calls: list[tuple[str, ...]] = []
    manager = dialog(assistant, calls)
    asked = manager.handle(None, "I want to upgrade my plan")

    turn = manager.handle(asked.session_id, "Free")

    assert (turn.action, turn.text) == ("business", "Your account is now on the Free plan.")
    assert calls == [("upgrade_plan", "Free")]


def test_a_keyword_rules_thanks_is_no_value() -> None:
    ruled = Understanding("thanks", 0.95, ranking=(("thanks", 0.95),), source="rules")
    weak = Understanding("thanks", 0.35, ranking=(("thanks", 0.35),), source="classifier")
    sure = Understanding("greet", 0.96, ranking=(("greet", 0.96),), source="classifier")

    assert not replies_to_a_question(ruled, "thanks")
    assert replies_to_a_question(weak, "Pro")
    assert not replies_to_a_question(sure, "yo")


def test_a_hedge_after_a_free_text_value_is_not_kept_in_the_slot(assistant: Assistant) -> None:
    # the function got "Trek Domane" (dialog.business drops the hedge), the conversation's slot kept "I think"
    calls: list[tuple[str, ...]] = []
    manager = dialog(assistant, calls)
    asked = manager.handle(None, "book a repair")
    assert asked.requested_slot == "bike_model"

    turn = manager.handle(asked.session_id, "my Trek Domane I think")

    assert turn.text == "Booked your Trek Domane."
    assert manager.tracker(asked.session_id).slots["bike_model"] == "Trek Domane"
    assert reply_value("FJ-123456 I think.") == "FJ-123456"
    assert reply_value("It's a Trek Domane, please") == "Trek Domane"


@pytest.mark.parametrize("reply", ["I don't have my backup codes", "I lost it", "I've lost them", "no idea", "I have no idea"])
def test_a_reply_without_the_backup_code_is_asked_again_with_the_offer_of_a_person(assistant: Assistant, reply: str) -> None:
    calls: list[tuple[str, ...]] = []
    manager = dialog(assistant, calls)
    asked = manager.handle(None, "reset my 2fa")
    code = manager.handle(asked.session_id, "ana@example.com")
    assert code.requested_slot == "backup_code"

    turn = manager.handle(asked.session_id, reply)

    assert (turn.action, turn.requested_slot, turn.handoff) == ("business", "backup_code", False)
    assert "6 digits" not in turn.text.replace("6-digit", "") and turn.text.endswith(DEFAULT_REPLIES.ask_again)
    assert turn.reason == "reset_2fa still needs the backup_code: the reply gave none, asked again"
    assert calls == []


def test_a_value_the_slots_check_accepts_is_a_value_however_sure_the_model_is_of_a_courtesy() -> None:
    # the manager says whether the slot's check (or pattern) accepts the reply: "Team" read as greet 0.9 is still the plan
    sure = Understanding("greet", 0.9, ranking=(("greet", 0.9),), source="classifier")
    ruled = Understanding("greet", 0.95, ranking=(("greet", 0.95),), source="rules")

    assert replies_to_a_question(sure, "Team", accepted=True)
    assert not replies_to_a_question(sure, "Team")
    assert not replies_to_a_question(ruled, "hi", accepted=True)  # a keyword rule's greeting stays one
