"""A team's own business action given values loosely and values its check refuses (a ferry operator's booking lookup
whose reference ``FJ-123456`` has a check but no pattern): a reply with the value and a hedge around it ("FJ-123456 I
think") gives the value its check accepts, a refused optional value does not reach the function, and a check or a
function that raises leaves the customer a clear reply and the conversation able to go on."""

from __future__ import annotations

import re
import threading
from datetime import datetime, timezone

import pytest

from assistant.app import Assistant
from dialog.business import ActionResult, BusinessActions, Say
from dialog.manager import DialogManager
from dialog.nlu.base import Understanding
from dialog.nlu.combine import Understander

MONDAY = datetime(2026, 12, 7, 10, 0, tzinfo=timezone.utc)
BOOKINGS = {"FJ-123456": "Confirmed", "FJ-654321": "Cancelled"}
ASKS = {"check my booking": "booking_status", "check my booking FJ-123456 please": "booking_status"}


class Guesses:
    """A stand-in intent model: the intent of the messages in ``ASKS``, else ``question``."""

    name = "guesses"

    def understand(self, text: str) -> Understanding:
        intent = ASKS.get(text, "question")
        return Understanding(intent, 0.9, ranking=((intent, 0.9),), source="classifier")


def check_ref(value: str) -> Say | None:
    return None if re.fullmatch(r"FJ-\d{6}", value.strip(), re.IGNORECASE) else Say("bad_ref", value=value)


def check_seat(value: str) -> Say | None:
    return None if re.fullmatch(r"\d{1,2}[A-F]", value.strip(), re.IGNORECASE) else Say("bad_seat", seat=value)


def ferry(calls: list[dict[str, str]], check: object = check_ref, fails: Exception | None = None) -> BusinessActions:
    """The booking lookup without a slot pattern: a reference its check knows (FJ- and 6 digits), and an optional seat."""
    actions = BusinessActions()

    @actions.register(
        intents=["booking_status"], prompts={"booking_ref": "What is your booking reference?"},
        texts={"found": "Booking {booking_ref} is **{status}**.", "your_seat": "Seat {seat} is yours.",
               "not_found": "No booking {booking_ref}.", "bad_ref": "{value} is not a booking reference: they look like FJ-123456.",
               "bad_seat": "{seat} is not one of our seats."},
        checks={"booking_ref": check, "seat": check_seat},
    )
    def booking_status(booking_ref: str, seat: str = "") -> ActionResult:
        calls.append({"booking_ref": booking_ref, "seat": seat})
        if fails is not None:
            raise fails
        status = BOOKINGS.get(booking_ref.strip().upper())
        if status is None:
            return ActionResult(Say("not_found", booking_ref=booking_ref), ok=False, clear_slots=("booking_ref",))
        found = Say("found", booking_ref=booking_ref, status=status)
        return ActionResult((found, Say("your_seat", seat=seat)) if seat else found)

    return actions


def dialog(assistant: Assistant, actions: BusinessActions) -> DialogManager:
    """The real answer action and SQLite log, the stand-in intents, the ferry's action, and Monday morning."""
    return DialogManager(assistant.store, assistant.manager.answer_action, understander=Understander(Guesses()), actions=actions,
                         clock=lambda: MONDAY)


@pytest.mark.parametrize("reply", ["FJ-123456 I think", "it's FJ-123456", "my booking is FJ-123456, thanks",
                                   "the number is FJ-123456.", "FJ-123456 thanks"])
def test_a_reference_said_with_words_around_it_is_the_value_the_check_accepts(assistant: Assistant, reply: str) -> None:
    # without a pattern the whole reply was the value, which the check refused: asked again
    calls: list[dict[str, str]] = []
    manager = dialog(assistant, ferry(calls))
    asked = manager.handle(None, "check my booking")
    assert asked.requested_slot == "booking_ref"

    turn = manager.handle(asked.session_id, reply)

    assert turn.text == "Booking FJ-123456 is **Confirmed**."
    assert calls == [{"booking_ref": "FJ-123456", "seat": ""}]


def test_a_request_with_the_reference_and_a_word_after_it_gives_the_reference(assistant: Assistant) -> None:
    calls: list[dict[str, str]] = []

    turn = dialog(assistant, ferry(calls)).handle(None, "check my booking FJ-123456 please")

    assert turn.text == "Booking FJ-123456 is **Confirmed**." and calls == [{"booking_ref": "FJ-123456", "seat": ""}]


def test_two_references_the_check_accepts_are_asked_which(assistant: Assistant) -> None:
    calls: list[dict[str, str]] = []
    manager = dialog(assistant, ferry(calls))
    asked = manager.handle(None, "check my booking")

    turn = manager.handle(asked.session_id, "FJ-123456 or FJ-654321 I think")

    assert turn.requested_slot == "booking_ref" and "FJ-123456, FJ-654321" in turn.text and calls == []


def test_parts_that_a_lenient_check_accepts_are_no_guess(assistant: Assistant) -> None:
    # a check that takes any short text refuses the long reply, and accepts many of its parts: none is picked
    calls: list[dict[str, str]] = []
    short = ferry(calls, check=lambda value: None if len(value) <= 12 else Say("bad_ref", value=value))
    manager = dialog(assistant, short)
    asked = manager.handle(None, "check my booking")

    turn = manager.handle(asked.session_id, "the one I made for my mother")

    assert turn.requested_slot == "booking_ref" and turn.text.startswith("one I made for my mother is not a booking reference")
    assert calls == []


def test_a_value_the_check_accepts_whole_is_taken_as_it_is(assistant: Assistant) -> None:
    calls: list[dict[str, str]] = []
    anything = ferry(calls, check=lambda value: None)
    manager = dialog(assistant, anything)
    asked = manager.handle(None, "check my booking")

    manager.handle(asked.session_id, "FJ-123456 I think")

    assert calls == [{"booking_ref": "FJ-123456", "seat": ""}]  # the check takes it whole; the hedge is dropped


def seats(calls: list[dict[str, str]]) -> BusinessActions:
    """The lookup with a seat of the form 12C: a seat of that form its check refuses (row 12, no seat Z) is said in the request."""
    actions = BusinessActions()

    @actions.register(
        intents=["booking_status"], prompts={"booking_ref": "What is your booking reference?"},
        texts={"found": "Booking {booking_ref} is **{status}**.", "your_seat": "Seat {seat} is yours.",
               "bad_ref": "{value} is not a booking reference.", "bad_seat": "{seat} is not one of our seats."},
        checks={"booking_ref": check_ref, "seat": check_seat}, patterns={"seat": r"\d{1,2}[A-Z]"},
    )
    def booking_status(booking_ref: str, seat: str = "") -> ActionResult:
        calls.append({"booking_ref": booking_ref, "seat": seat})
        found = Say("found", booking_ref=booking_ref, status=BOOKINGS[booking_ref.upper()])
        return ActionResult((found, Say("your_seat", seat=seat)) if seat else found)

    return actions


def test_an_optional_value_its_check_refuses_does_not_reach_the_function(assistant: Assistant) -> None:
    # the refused seat 12Z reached the function (a required value its check refuses is asked again)
    calls: list[dict[str, str]] = []
    ASKS["check my booking FJ-123456 seat 12Z"] = "booking_status"
    manager = dialog(assistant, seats(calls))

    turn = manager.handle(None, "check my booking FJ-123456 seat 12Z")

    assert calls == [{"booking_ref": "FJ-123456", "seat": ""}]
    assert turn.text == "12Z is not one of our seats. Booking FJ-123456 is **Confirmed**."  # the customer is told
    assert "seat" not in turn.slots and "seat" not in manager.tracker(turn.session_id).slots
    assert turn.requested_slot is None and "booking_status(booking_ref=FJ-123456)" in turn.reason


def test_an_optional_value_its_check_accepts_reaches_the_function(assistant: Assistant) -> None:
    calls: list[dict[str, str]] = []
    ASKS["check my booking FJ-123456 seat 12C"] = "booking_status"

    turn = dialog(assistant, seats(calls)).handle(None, "check my booking FJ-123456 seat 12C")

    assert calls == [{"booking_ref": "FJ-123456", "seat": "12C"}] and turn.text == "Booking FJ-123456 is **Confirmed**. Seat 12C is yours."


# asked again after a refused answer to its question, with the offer of a person (a failed turn, as a reply without a value)
OR_A_PERSON = " If you don't have it to hand, I can connect you with a member of our support team: just say so."


def broken_check(value: str) -> Say | None:
    """A team's check with a bug: it fails on a reference of another length."""
    return None if int(value.strip()[3:]) and len(value.strip()) == 9 else Say("bad_ref", value=value)


def test_a_check_that_raises_refuses_the_value_and_the_conversation_goes_on(assistant: Assistant, caplog: pytest.LogCaptureFixture) -> None:
    calls: list[dict[str, str]] = []
    manager = dialog(assistant, ferry(calls, check=broken_check))
    asked = manager.handle(None, "check my booking")

    turn = manager.handle(asked.session_id, "FJ-ABC")

    # the value could not be checked (before: the question again, as if the reference were wrong); the slot still waits
    assert turn.requested_slot == "booking_ref" and turn.text.startswith("Sorry, I can't look that up right now.") and calls == []
    assert "booking_ref" not in manager.tracker(asked.session_id).slots
    assert "the check of business action booking_status for booking_ref failed" in caplog.text and "ValueError" in caplog.text

    then = manager.handle(asked.session_id, "FJ-123456")
    assert then.text == "Booking FJ-123456 is **Confirmed**."


def test_a_function_that_raises_says_so_and_the_values_stay_for_another_try(assistant: Assistant) -> None:
    calls: list[dict[str, str]] = []
    manager = dialog(assistant, ferry(calls, fails=ConnectionError("booking system down")))
    asked = manager.handle(None, "check my booking")

    turn = manager.handle(asked.session_id, "FJ-123456")

    assert turn.text.startswith("Sorry, I can't look that up right now.")
    assert "ConnectionError: booking system down" in turn.reason
    assert manager.tracker(asked.session_id).slots.get("booking_ref") == "FJ-123456"
    assert calls == [{"booking_ref": "FJ-123456", "seat": ""}]


def test_a_function_past_its_timeout_says_so_and_the_values_stay(assistant: Assistant) -> None:
    # a booking system that did not answer kept the customer waiting for ever
    release, calls = threading.Event(), []
    actions = BusinessActions()

    @actions.register(intents=["booking_status"], prompts={"booking_ref": "What is your booking reference?"}, timeout_s=0.05)
    def booking_status(booking_ref: str) -> ActionResult:
        calls.append(booking_ref)
        release.wait(10)
        return ActionResult(f"Booking {booking_ref} is confirmed.")

    manager = dialog(assistant, actions)
    asked = manager.handle(None, "check my booking")
    try:
        turn = manager.handle(asked.session_id, "FJ-123456")
    finally:
        release.set()

    assert turn.text.startswith("Sorry, I can't look that up right now.")
    assert "TimeoutError: business action booking_status gave no result within its timeout_s of 0.05 s" in turn.reason
    assert manager.tracker(asked.session_id).slots.get("booking_ref") == "FJ-123456" and calls == ["FJ-123456"]


@pytest.mark.parametrize("timeout_s", [0, -1.0])
def test_a_timeout_of_no_time_is_refused_at_registration(timeout_s: float) -> None:
    with pytest.raises(ValueError, match="timeout_s must be a number of seconds above 0"):
        BusinessActions().register(intents=["booking_status"], timeout_s=timeout_s)(lambda booking_ref: ActionResult("ok"))


def test_a_check_that_returns_a_plain_text_has_it_said(assistant: Assistant) -> None:
    calls: list[dict[str, str]] = []
    plain = ferry(calls, check=lambda value: None if value.startswith("FJ-") else f"{value} is not a booking reference.")
    manager = dialog(assistant, plain)
    asked = manager.handle(None, "check my booking")

    turn = manager.handle(asked.session_id, "12345")

    assert turn.text == "12345 is not a booking reference. What is your booking reference?" + OR_A_PERSON and calls == []


def test_a_check_that_returns_true_or_false_refuses_the_value_and_says_so_in_the_log(
    assistant: Assistant, caplog: pytest.LogCaptureFixture
) -> None:
    # True or False (a check written as "is it valid?") failed each turn on a Say it is not ('bool' has no attribute 'name')
    calls: list[dict[str, str]] = []
    boolean = ferry(calls, check=lambda value: value.startswith("FJ-"))
    manager = dialog(assistant, boolean)
    asked = manager.handle(None, "check my booking")

    turn = manager.handle(asked.session_id, "FJ-123456")

    assert turn.text == "What is your booking reference?" + OR_A_PERSON and turn.requested_slot == "booking_ref" and calls == []
    assert "the check of business action booking_status for booking_ref returned bool" in caplog.text


def counting(seen: list[str]) -> BusinessActions:
    """The ferry's lookup whose reference check notes each value it is given (a team's check may look it up)."""

    def check(value: str) -> Say | None:
        seen.append(value)
        return check_ref(value)

    return ferry([], check=check)


def test_a_message_after_the_lookup_has_its_words_tried_once_each_not_every_run_of_them(assistant: Assistant) -> None:
    # no question waits: the check was called on every run of the message's words (78 times for these 12 words)
    seen: list[str] = []
    manager = dialog(assistant, counting(seen))
    asked = manager.handle(None, "check my booking")
    assert manager.handle(asked.session_id, "FJ-123456").text == "Booking FJ-123456 is **Confirmed**."
    message = "thanks a lot, and what time does the ferry leave on Monday?"
    seen.clear()

    turn = manager.handle(asked.session_id, message)

    assert turn.requested_slot is None and turn.slots == {"booking_ref": "FJ-123456"}  # the lookup's, nothing of this message
    words = [word.strip(".,;:!?") for word in message.split()]
    parts = [value for value in seen if value not in ("FJ-123456",)]  # the slot's own value may be judged again
    assert sorted(parts) == sorted([message.strip("?"), *words])  # the whole message once, then each word once


def test_a_request_with_the_reference_calls_the_check_once_per_word(assistant: Assistant) -> None:
    seen: list[str] = []

    turn = dialog(assistant, counting(seen)).handle(None, "check my booking FJ-123456 please")

    assert turn.text == "Booking FJ-123456 is **Confirmed**."
    # the whole request, and the reference with the word after it (which a check of any short text would take too);
    # before, every other run of two to four of its words as well (10 runs in all)
    assert [value for value in seen if " " in value] == ["check my booking FJ-123456 please", "FJ-123456 please"]


def bikes() -> BusinessActions:
    """A repair booking whose bike model, a free-text slot, is checked against the shop's list of models."""
    actions = BusinessActions()
    models = {"trek domane", "brompton"}

    @actions.register(intents=["book_repair"], checks={"bike_model": lambda value: None if value.casefold() in models else f"We don't service {value}."})
    def book_repair(bike_model: str) -> ActionResult:
        return ActionResult(f"Booked for your {bike_model}.")

    return actions


def test_a_value_of_several_words_said_loosely_is_found_in_the_reply_to_its_question() -> None:
    action = bikes().get("book_repair")
    assert action is not None

    assert action.values_in("my Trek Domane I think", asked="bike_model") == {"bike_model": ["Trek Domane"]}
    assert action.values_in("the Brompton, thanks") == {"bike_model": ["Brompton"]}  # one word: found in any message


def test_a_lenient_check_gives_no_guess_when_no_question_waits() -> None:
    # each word of "my Trek please" is short enough for it, and so is "my Trek": no value, not "which of my, Trek, please?"
    action = ferry([], check=lambda value: None if len(value) <= 12 else Say("bad_ref", value=value)).get("booking_status")
    assert action is not None

    assert action.values_in("my Trek please") == {}


def test_a_bike_of_two_words_said_loosely_in_the_reply_to_its_question_is_the_value(assistant: Assistant) -> None:
    ASKS["book a repair"] = "book_repair"
    manager = dialog(assistant, bikes())
    asked = manager.handle(None, "book a repair")
    assert asked.requested_slot == "bike_model"

    turn = manager.handle(asked.session_id, "my Trek Domane I think")

    assert turn.text == "Booked for your Trek Domane."
