"""A request that gives an optional value its check refuses while a required slot is still missing: the customer hears
why the value was refused (the check's text, else ``left_out``) together with the question for the missing slot; before,
the question came alone and the value was forgotten unsaid."""

from __future__ import annotations

import pytest

from assistant.app import Assistant
from dialog.business import ActionResult, BusinessActions, Say
from dialog.manager import DialogManager
from dialog.nlu.base import Understanding
from dialog.nlu.combine import Understander

ASKS = ("check my booking", "check my booking seat 12Z", "check my booking seat 12C")


class Guesses:
    """A stand-in intent model: the requests in ``ASKS`` ask for the booking lookup, anything else is a question."""

    name = "guesses"

    def understand(self, text: str) -> Understanding:
        intent = "booking_status" if text in ASKS else "question"
        return Understanding(intent, 0.9, ranking=((intent, 0.9),), source="classifier")


def seats(check: object, calls: list[dict[str, str]]) -> BusinessActions:
    """A booking lookup with a required reference and an optional seat of the form 12C, judged by ``check``."""
    actions = BusinessActions()

    @actions.register(intents=["booking_status"], checks={"seat": check}, patterns={"seat": r"\d{1,2}[A-Z]"},
                      prompts={"booking_ref": "What is your booking reference?"},
                      texts={"bad_seat": "{seat} is not one of our seats."})
    def booking_status(booking_ref: str, seat: str = "") -> ActionResult:
        calls.append({"booking_ref": booking_ref, "seat": seat})
        return ActionResult(f"Booking {booking_ref} is confirmed." + (f" Seat {seat} is yours." if seat else ""))

    return actions


def no_seat_z(value: str) -> Say | None:
    return None if value.upper().endswith(("A", "B", "C", "D", "E", "F")) else Say("bad_seat", seat=value)


def seat_map_down(value: str) -> Say | None:
    raise ConnectionError("seat map unavailable")


def dialog(assistant: Assistant, actions: BusinessActions) -> DialogManager:
    return DialogManager(assistant.store, assistant.manager.answer_action, understander=Understander(Guesses()), actions=actions)


def test_the_checks_reason_comes_with_the_question_for_the_missing_slot(assistant: Assistant) -> None:
    # "What is your booking reference?" alone: the seat 12Z was forgotten, and the customer never heard why
    calls: list[dict[str, str]] = []
    manager = dialog(assistant, seats(no_seat_z, calls))

    turn = manager.handle(None, "check my booking seat 12Z")

    assert turn.text == "12Z is not one of our seats. What is your booking reference?"
    assert turn.requested_slot == "booking_ref" and calls == []
    assert "seat" not in manager.tracker(turn.session_id).slots
    assert "seat 12Z refused" in turn.reason

    then = manager.handle(turn.session_id, "FJ-123456")  # said once: not again with the result
    assert then.text == "Booking FJ-123456 is confirmed." and calls == [{"booking_ref": "FJ-123456", "seat": ""}]


@pytest.mark.parametrize("check", [seat_map_down, lambda value: False], ids=["raises", "returns False"])
def test_a_value_refused_without_a_reason_is_said_to_be_left_out_with_the_question(assistant: Assistant, check: object) -> None:
    calls: list[dict[str, str]] = []

    turn = dialog(assistant, seats(check, calls)).handle(None, "check my booking seat 12C")

    assert turn.text == "I couldn't use 12C as the seat, so I left it out. What is your booking reference?"
    assert turn.requested_slot == "booking_ref" and calls == []


def test_an_accepted_optional_value_is_kept_and_the_question_comes_alone(assistant: Assistant) -> None:
    calls: list[dict[str, str]] = []
    manager = dialog(assistant, seats(no_seat_z, calls))

    turn = manager.handle(None, "check my booking seat 12C")

    assert turn.text == "What is your booking reference?"
    then = manager.handle(turn.session_id, "FJ-123456")
    assert then.text == "Booking FJ-123456 is confirmed. Seat 12C is yours."
