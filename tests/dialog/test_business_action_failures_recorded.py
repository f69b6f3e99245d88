"""A team's business action whose reply cannot be written, and checks that raise: the log keeps what ran and why.

- The function ran (a booking made) but its reply failed (a ``Say`` of a text it did not declare, a placeholder
  without a value, a plain string returned instead of an ``ActionResult``): no ``ActionExecuted`` was written, so the
  log had no record of the run. It is written now, with the result's ``ok`` and ``data``, and the customer reads
  ``lookup_failed`` with the error in the decision's reason.
- A check that raises was only in the server's log: the decision's reason says "(the check failed: ...)".
- A check that always raises (its booking system down) had the slot asked for again and again, no turn failed, and no
  handoff came: a value of the slot just asked for that its check refuses asks for it again as a failed turn."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from assistant.app import Assistant
from dialog.actions import ActionOutcome, run_business_action
from dialog.business import ActionResult, BusinessActions, Say
from dialog.events import ActionExecuted, SlotRequested
from dialog.manager import DialogManager
from dialog.nlu.base import Understanding
from dialog.nlu.combine import Understander
from dialog.replies import DEFAULT_REPLIES

MONDAY = datetime(2026, 12, 7, 10, 0, tzinfo=timezone.utc)  # within the test help centre's support hours


class Guesses:
    """A stand-in intent model: "book a cabin" and "check my booking" are requests for the actions, the rest questions."""

    name = "guesses"

    def understand(self, text: str) -> Understanding:
        intent = {"book a cabin": "book_cabin", "check my booking": "booking_status"}.get(text, "question")
        return Understanding(intent, 0.9, ranking=((intent, 0.9),), source="classifier")


def cabins(booked: list[str], reply: object) -> BusinessActions:
    """A ferry's cabin booking: it books (``booked``), then answers ``reply`` (a function of the cabin)."""
    actions = BusinessActions()

    @actions.register(intents=["book_cabin"], prompts={"cabin": "Which cabin would you like?"},
                      texts={"booked": "Cabin {cabin} is booked: reference {reference}."})
    def book_cabin(cabin: str) -> ActionResult:
        booked.append(cabin)
        return reply(cabin)  # type: ignore[operator,no-any-return]

    return actions


def dialog(assistant: Assistant, actions: BusinessActions) -> DialogManager:
    return DialogManager(assistant.store, assistant.manager.answer_action, understander=Understander(Guesses()), actions=actions,
                         clock=lambda: MONDAY)


def runs(manager: DialogManager, session_id: str) -> list[ActionExecuted]:
    return [e for e in manager.tracker(session_id).events if isinstance(e, ActionExecuted)]


@pytest.mark.parametrize(
    ("reply", "error"),
    [
        (lambda cabin: ActionResult(Say("confirmed", cabin=cabin), data={"reference": "CB-1"}), "a text it did not declare"),
        (lambda cabin: ActionResult(Say("booked", cabin=cabin), data={"reference": "CB-1"}), "needs a value for {reference}"),
    ],
    ids=["undeclared text", "missing placeholder"],
)
def test_a_run_whose_reply_cannot_be_written_is_logged(assistant: Assistant, reply: object, error: str) -> None:
    booked: list[str] = []
    manager = dialog(assistant, cabins(booked, reply))
    asked = manager.handle(None, "book a cabin")

    turn = manager.handle(asked.session_id, "B12")

    assert booked == ["B12"]
    assert turn.text == DEFAULT_REPLIES.lookup_failed and turn.action == "fallback"
    assert "ran book_cabin(cabin=B12): ok, but its reply could not be written" in turn.reason and error in turn.reason
    [run] = runs(manager, asked.session_id)  # no record of the booking before
    assert run.ok and run.result == {"reference": "CB-1"} and run.arguments == {"cabin": "B12"}
    stored = manager.store.load_events(asked.session_id)  # in the SQLite log, not only in memory
    assert any(isinstance(e, ActionExecuted) and e.result == {"reference": "CB-1"} for e in stored)


def test_a_run_that_returns_no_action_result_is_logged_with_what_it_returned(assistant: Assistant) -> None:
    booked: list[str] = []
    manager = dialog(assistant, cabins(booked, lambda cabin: f"Cabin {cabin} booked, reference CB-1"))
    asked = manager.handle(None, "book a cabin")

    turn = manager.handle(asked.session_id, "B12")

    assert booked == ["B12"] and turn.text == DEFAULT_REPLIES.lookup_failed
    assert "TypeError: business action book_cabin returned str, not an ActionResult" in turn.reason
    [run] = runs(manager, asked.session_id)
    assert not run.ok and run.result == {"returned": "Cabin B12 booked, reference CB-1"}


def test_a_result_that_forgets_a_slot_forgets_it_when_its_reply_fails(assistant: Assistant) -> None:
    reply = lambda cabin: ActionResult(Say("nope"), ok=False, clear_slots=("cabin",))  # noqa: E731
    manager = dialog(assistant, cabins([], reply))
    asked = manager.handle(None, "book a cabin")

    manager.handle(asked.session_id, "B12")

    assert "cabin" not in manager.tracker(asked.session_id).slots and not runs(manager, asked.session_id)[0].ok


def test_a_function_that_raises_is_still_no_run(assistant: Assistant) -> None:
    """Guard: a function that raised gave no result to log; the turn falls back as before, the values stay."""

    def fails(cabin: str) -> ActionResult:
        raise ConnectionError("booking system down")

    manager = dialog(assistant, cabins([], fails))
    asked = manager.handle(None, "book a cabin")

    turn = manager.handle(asked.session_id, "B12")

    assert turn.text == DEFAULT_REPLIES.lookup_failed and "ConnectionError: booking system down" in turn.reason
    assert not runs(manager, asked.session_id) and manager.tracker(asked.session_id).slots.get("cabin") == "B12"


def bookings(check: object) -> BusinessActions:
    actions = BusinessActions()

    @actions.register(intents=["booking_status"], prompts={"booking_ref": "What is your booking reference?"}, checks={"booking_ref": check})
    def booking_status(booking_ref: str) -> ActionResult:
        return ActionResult(f"Booking {booking_ref} is confirmed.")

    return actions


def backend_down(value: str) -> None:
    raise ConnectionError("booking system down")


def test_a_check_that_raises_is_named_in_the_decisions_reason(assistant: Assistant) -> None:
    manager = dialog(assistant, bookings(backend_down))
    asked = manager.handle(None, "check my booking")

    turn = manager.handle(asked.session_id, "FJ-123456")

    assert turn.requested_slot == "booking_ref"
    assert "(the check failed: ConnectionError: booking system down)" in turn.reason


def no_such_booking(value: str) -> str:
    return "No such booking."


def test_a_value_refused_for_the_slot_just_asked_for_asks_again_as_a_failed_turn() -> None:
    # a check that raises tells the customer it could not check (test_business_check_down_and_send_again.py)
    action = bookings(no_such_booking).get("booking_status")
    assert action is not None
    slots = {"booking_ref": "FJ-123456"}

    first = [o for o in run_business_action(action, slots) if isinstance(o, ActionOutcome)][-1]
    assert not first.failed  # the slot was not asked for: the request's value is refused, the question asked
    again = [o for o in run_business_action(action, slots, asked=("booking_status", "booking_ref")) if isinstance(o, ActionOutcome)][-1]
    assert again.failed and again.text.endswith(DEFAULT_REPLIES.ask_again)
    assert "the value given was refused, asked again" in (again.reason or "")
    assert any(isinstance(e, SlotRequested) and e.again for e in again.events)


def test_a_check_that_always_raises_hands_off(assistant: Assistant) -> None:
    manager = dialog(assistant, bookings(backend_down))
    asked = manager.handle(None, "check my booking")

    turns = [manager.handle(asked.session_id, "FJ-123456") for _ in range(3)]

    assert any(turn.handoff for turn in turns)  # before: asked for the reference three times more, no handoff
