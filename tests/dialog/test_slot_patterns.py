"""A team's own slot with the pattern of its values (``register(patterns=…)``): a booking reference is found in the
message wherever it stands, and a value its check refuses is no slot value (a ferry operator's booking lookup)."""

from __future__ import annotations

import re
from datetime import datetime, timezone

import pytest

from assistant.app import Assistant
from dialog.business import ActionResult, BusinessActions, Say, demo_actions, slot_patterns
from dialog.manager import DialogManager
from dialog.nlu.base import Understanding
from dialog.nlu.combine import Understander
from dialog.nlu.entities import named_thing

MONDAY = datetime(2026, 12, 7, 10, 0, tzinfo=timezone.utc)
BOOKINGS = {"FJ-123456": ("Confirmed", "anna@example.no")}
ASKS = {
    "check my booking": "booking_status",
    "check my booking FJ-123456": "booking_status",
    "Is my booking confirmed? Reference FJ-123456, email anna@example.no": "booking_status",
    "where is order NW-2048173": "order_status",
}


class Guesses:
    """A stand-in intent model: the intent of the messages in ``ASKS``, else ``question``."""

    name = "guesses"

    def understand(self, text: str) -> Understanding:
        intent = ASKS.get(text, "question")
        return Understanding(intent, 0.9, ranking=((intent, 0.9),), source="classifier")


def check_ref(value: str) -> Say | None:
    return None if re.fullmatch(r"FJ-\d{6}", value.strip(), re.IGNORECASE) else Say("bad_ref", value=value)


def ferry(pattern: bool = True, check: bool = True) -> BusinessActions:
    """The booking lookup: a reference (FJ- and 6 digits) and the e-mail address it was booked with."""
    actions = BusinessActions()

    @actions.register(
        intents=["booking_status"],
        prompts={"booking_ref": "What is your booking reference?", "email": "Which e-mail address did you book with?"},
        texts={"found": "Booking {booking_ref} is **{status}**.", "not_found": "No booking {booking_ref}.",
               "bad_ref": "{value} is not a booking reference: they look like FJ-123456."},
        checks={"booking_ref": check_ref} if check else None,
        patterns={"booking_ref": r"FJ-\d{6}"} if pattern else None,
    )
    def booking_status(booking_ref: str, email: str) -> ActionResult:
        row = BOOKINGS.get(booking_ref.strip().upper())
        if row is None or row[1] != email.strip().lower():
            return ActionResult(Say("not_found", booking_ref=booking_ref), ok=False, clear_slots=("booking_ref", "email"))
        return ActionResult(Say("found", booking_ref=booking_ref, status=row[0]))

    return actions


def dialog(assistant: Assistant, actions: BusinessActions) -> DialogManager:
    """The real answer action and SQLite log, the stand-in intents, the ferry's action, and Monday morning."""
    return DialogManager(assistant.store, assistant.manager.answer_action, understander=Understander(Guesses()), actions=actions,
                         clock=lambda: MONDAY)


def test_a_reference_after_my_booking_is_the_pattern_s_match(assistant: Assistant) -> None:
    # "my booking FJ-123456" gave the value "booking FJ-123456", which the check refused
    turn = dialog(assistant, ferry()).handle(None, "check my booking FJ-123456")

    assert turn.slots.get("booking_ref") == "FJ-123456"
    assert turn.requested_slot == "email"


def test_a_reply_with_words_around_the_reference_gives_the_reference(assistant: Assistant) -> None:
    # "it's FJ-123456 I think" gave "FJ-123456 I think"
    manager = dialog(assistant, ferry())
    asked = manager.handle(None, "check my booking")
    assert asked.requested_slot == "booking_ref"

    turn = manager.handle(asked.session_id, "it's FJ-123456 I think")

    assert turn.slots.get("booking_ref") == "FJ-123456"
    assert turn.requested_slot == "email"


def test_a_reference_and_an_address_in_one_message_run_the_lookup(assistant: Assistant) -> None:
    turn = dialog(assistant, ferry()).handle(None, "Is my booking confirmed? Reference FJ-123456, email anna@example.no")

    assert turn.text == "Booking FJ-123456 is **Confirmed**."


def test_another_reference_right_after_the_lookup_runs_it_again(assistant: Assistant) -> None:
    manager = dialog(assistant, ferry())
    found = manager.handle(None, "Is my booking confirmed? Reference FJ-123456, email anna@example.no")

    turn = manager.handle(found.session_id, "and what about FJ-654321?")

    assert turn.action == "business" and turn.text == "No booking FJ-654321."


def test_a_lower_case_reference_is_found_too(assistant: Assistant) -> None:
    manager = dialog(assistant, ferry())
    asked = manager.handle(None, "check my booking")

    turn = manager.handle(asked.session_id, "fj-123456")

    assert turn.slots.get("booking_ref") == "fj-123456" and turn.requested_slot == "email"


@pytest.mark.parametrize("pattern", [True, False])
def test_a_value_the_check_refuses_is_not_kept_as_a_slot(assistant: Assistant, pattern: bool) -> None:
    # the refused "FJ-12" stayed in the turn's slots, though the check's Say means it is no value
    manager = dialog(assistant, ferry(pattern=pattern))
    asked = manager.handle(None, "check my booking")

    turn = manager.handle(asked.session_id, "FJ-12")

    assert turn.text.startswith("FJ-12 is not a booking reference") and turn.requested_slot == "booking_ref"
    assert "booking_ref" not in turn.slots
    assert "booking_ref" not in manager.tracker(asked.session_id).slots


def test_a_correction_beside_the_refused_value_is_taken(assistant: Assistant) -> None:
    # the refused number is no longer the slot's value: "not NW-2048173, it's NW-20481737" must not ask which of the two
    manager = dialog(assistant, demo_actions())
    refused = manager.handle(None, "where is order NW-2048173")
    assert refused.requested_slot == "order_number" and "order_number" not in refused.slots

    turn = manager.handle(refused.session_id, "not NW-2048173, it's NW-20481737")

    assert turn.slots.get("order_number") == "NW-20481737" and turn.requested_slot == "email"


def test_a_reply_that_does_not_match_the_pattern_is_asked_again_without_a_check(assistant: Assistant) -> None:
    manager = dialog(assistant, ferry(check=False))
    asked = manager.handle(None, "check my booking")

    turn = manager.handle(asked.session_id, "the one from last week")

    assert turn.requested_slot == "booking_ref" and "booking_ref" not in turn.slots


def test_two_references_in_one_message_are_asked_which(assistant: Assistant) -> None:
    manager = dialog(assistant, ferry())
    asked = manager.handle(None, "check my booking")

    turn = manager.handle(asked.session_id, "FJ-123456 or FJ-654321")

    assert turn.requested_slot == "booking_ref" and "FJ-123456, FJ-654321" in turn.text


@pytest.mark.parametrize(
    ("patterns", "problem"),
    [({"ref": r"FJ-\d{6}"}, "patterns for ['ref'], which are not its parameters"),
     ({"booking_ref": "FJ-("}, "is not a valid regular expression"),
     ({"booking_ref": r"\d*"}, "matches an empty text")],
)
def test_an_unusable_pattern_is_refused_at_registration(patterns: dict[str, str], problem: str) -> None:
    actions = BusinessActions()
    with pytest.raises(ValueError, match=re.escape(problem)):
        actions.register(intents=["booking_status"], patterns=patterns)(lambda booking_ref: ActionResult("ok"))


@pytest.mark.parametrize(("text", "thing"), [
    ("check my booking FJ-123456", "FJ-123456"),  # was "booking FJ-123456", which no check takes
    ("book a repair for my Giant bike on Friday", "Giant bike"),
    ("book a repair for my son's bike", "son's bike"),
])
def test_the_thing_named_after_my_leaves_out_the_word_of_its_kind_before_its_name(text: str, thing: str) -> None:
    kind = "booking_ref" if "booking" in text else "bike_model"
    assert named_thing(text, kind) == thing


@pytest.mark.parametrize("pattern", [r"^FJ-\d{6}$", r"\AFJ-\d{6}\Z"])
def test_a_pattern_anchored_as_a_whole_value_is_found_within_a_message(pattern: str) -> None:
    [compiled] = slot_patterns("booking_status", {"booking_ref": pattern}).values()

    assert [m.group(0) for m in compiled.finditer("it's FJ-123456 I think")] == ["FJ-123456"]
