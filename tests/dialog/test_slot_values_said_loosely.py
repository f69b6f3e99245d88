"""Values said loosely in a reply to a slot's question: the slot's check is called a bounded number of times (a team's
check may look a value up in a booking system), a free-text slot without a check or pattern leaves out a hedge after
its value ("FJ-123456 I think"), and an optional value refused without a word of why is not dropped unsaid."""

from __future__ import annotations

import re

import pytest

from assistant.app import Assistant
from dialog.business import LOOSE_CHECKS, LOOSE_VALUE_WORDS, ActionResult, BusinessActions, Say
from dialog.manager import DialogManager
from dialog.nlu.base import Understanding
from dialog.nlu.combine import Understander


class Guesses:
    """A stand-in intent model: "check my booking" asks for the booking lookup, "book a repair" for a repair, anything
    else is a question."""

    name = "guesses"

    def understand(self, text: str) -> Understanding:
        intent = {"check my booking": "booking_status", "book a repair": "book_repair"}.get(text, "question")
        return Understanding(intent, 0.9, ranking=((intent, 0.9),), source="classifier")


def booking(seen: list[str]) -> BusinessActions:
    """A booking lookup whose reference check (FJ- and 6 digits, no pattern) notes each value it is given."""
    actions = BusinessActions()

    def check_ref(value: str) -> Say | None:
        seen.append(value)
        return None if re.fullmatch(r"FJ-\d{6}", value, re.IGNORECASE) else "No such reference."

    @actions.register(intents=["booking_status"], checks={"booking_ref": check_ref})
    def booking_status(booking_ref: str) -> ActionResult:
        return ActionResult(f"Booking {booking_ref} is confirmed.")

    return actions


TWELVE_WORDS = "well I am not sure but it should be FJ-123456 I think"


def test_a_reply_of_twelve_words_calls_the_check_a_bounded_number_of_times() -> None:
    # every run of the 12 words was tried: 78 calls of the check for one reply
    seen: list[str] = []
    action = booking(seen).get("booking_status")
    assert action is not None and len(TWELVE_WORDS.split()) == 12

    assert action.loose_values(action.parameters[0], TWELVE_WORDS) == ["FJ-123456"]
    assert len(seen) <= LOOSE_CHECKS < 78 and len(seen) == len(set(seen))  # each part once


def test_a_reply_without_the_value_has_its_runs_of_up_to_four_words_tried_once_each() -> None:
    seen: list[str] = []
    action = booking(seen).get("booking_status")
    assert action is not None
    reply = "I am really not sure where I put the email with it"
    words = reply.split()

    assert action.loose_values(action.parameters[0], reply) == []
    runs = {" ".join(words[first : first + length]) for length in range(1, LOOSE_VALUE_WORDS + 1) for first in range(len(words) - length + 1)}
    assert seen == [reply, *seen[1:]] and set(seen[1:]) == runs and len(seen) == len(set(seen)) <= LOOSE_CHECKS


def test_the_shortest_parts_are_tried_first_and_two_values_are_both_found() -> None:
    seen: list[str] = []
    action = booking(seen).get("booking_status")
    assert action is not None

    assert action.loose_values(action.parameters[0], "FJ-123456 or FJ-654321 I think") == ["FJ-123456", "FJ-654321"]
    assert seen[1:4] == ["FJ-123456", "FJ-123456 or", "or"]  # after the whole reply: a word, then it with the next


def bikes(models: set[str], seen: list[str] | None = None) -> BusinessActions:
    """A repair booking whose bike model is checked against ``models`` (each value it is given noted in ``seen``)."""
    actions = BusinessActions()

    def check_model(value: str) -> str | None:
        if seen is not None:
            seen.append(value)
        return None if value.casefold() in models else "Unknown bike."

    @actions.register(intents=["book_repair"], checks={"bike_model": check_model})
    def book_repair(bike_model: str) -> ActionResult:
        return ActionResult(f"Booked for your {bike_model}.")

    return actions


@pytest.mark.parametrize(("models", "found"), [({"trek domane"}, ["Trek Domane"]), ({"trek", "trek domane"}, [])])
def test_a_value_of_two_words_is_found_and_one_whose_word_alone_is_accepted_too_is_no_guess(models: set[str], found: list[str]) -> None:
    action = bikes(models).get("book_repair")
    assert action is not None

    assert action.loose_values(action.parameters[0], "my Trek Domane I think") == found


@pytest.mark.parametrize(("model", "reply"), [
    ("trek domane sl 6", "it is a Trek Domane SL 6 I think"),
    ("specialized turbo levo", "hi, so the bike is a Specialized Turbo Levo I believe"),
    ("giant tcr advanced pro", "so my bike is a Giant TCR Advanced Pro from 2019 ok"),
    ("giant tcr advanced pro", "Giant TCR Advanced Pro, the one I bought from you last year"),
])
def test_a_value_of_three_or_four_words_is_found_in_a_reply_of_up_to_twelve(model: str, reply: str) -> None:
    # the runs were tried the shortest first until 24 calls, so a run of 3 or 4 words was hardly reached: none found,
    # and the customer was asked again
    seen: list[str] = []
    action = bikes({model}, seen).get("book_repair")
    assert action is not None and len(reply.split()) <= 12

    assert [value.casefold() for value in action.loose_values(action.parameters[0], reply)] == [model]
    assert len(seen) <= LOOSE_CHECKS and len(seen) == len(set(seen))


def test_overlapping_values_the_check_accepts_are_both_given_not_one_picked() -> None:
    # "Trek Domane" was found first, and the longer "Trek Domane SL 6" that holds it never tried: a pick, not a question
    action = bikes({"trek domane", "trek domane sl 6"}).get("book_repair")
    assert action is not None

    assert action.loose_values(action.parameters[0], "it is a Trek Domane SL 6 I think") == ["Trek Domane", "Trek Domane SL 6"]


def repairs(assistant: Assistant, models: set[str]) -> DialogManager:
    """The real answer action and SQLite log, the stand-in intents, and a repair booking for ``models``."""
    return DialogManager(assistant.store, assistant.manager.answer_action, understander=Understander(Guesses()),
                         actions=bikes(models))


def test_the_reply_to_the_question_whose_value_holds_another_one_books_the_one_said(assistant: Assistant) -> None:
    # "Trek Domane" was found in it, and booked: the customer had said "Trek Domane SL 6"
    manager = repairs(assistant, {"trek domane", "trek domane sl 6"})
    asked = manager.handle(None, "book a repair")
    assert asked.requested_slot == "bike_model"

    assert manager.handle(asked.session_id, "it is a Trek Domane SL 6 I think").text == "Booked for your Trek Domane SL 6."


def test_overlapping_values_in_the_reply_to_the_question_are_asked_which(assistant: Assistant) -> None:
    # the reply is not the value without its first words and a hedge, as above: the two values the check accepts are
    # asked which; "Trek Domane" was booked
    manager = repairs(assistant, {"trek domane", "trek domane sl 6"})
    asked = manager.handle(None, "book a repair")

    which = manager.handle(asked.session_id, "it is a Trek Domane SL 6 I think, bought in 2019")
    assert which.requested_slot == "bike_model" and "(Trek Domane, Trek Domane SL 6)" in which.text

    assert manager.handle(asked.session_id, "Trek Domane SL 6").text == "Booked for your Trek Domane SL 6."


def free_booking(calls: list[str]) -> BusinessActions:
    """A booking lookup whose reference has no check and no pattern: any text is a value."""
    actions = BusinessActions()

    @actions.register(intents=["booking_status"], prompts={"booking_ref": "What is your booking reference?"})
    def booking_status(booking_ref: str) -> ActionResult:
        calls.append(booking_ref)
        return ActionResult(f"Booking {booking_ref} is confirmed.")

    return actions


@pytest.mark.parametrize(("said", "value"), [
    ("FJ-123456 I think", "FJ-123456"), ("FJ-123456, I guess.", "FJ-123456"), ("Trek Domane maybe", "Trek Domane"),
    ("FJ-123456 please", "FJ-123456"), ("FJ-123456 I think, thanks!", "FJ-123456"), ("FJ-123456", "FJ-123456"),
    ("I think it is FJ-123456", "I think it is FJ-123456"),  # a hedge before the value is the reply's own words
    ("please", "please"),  # nothing but the hedge: the value as it is
])
def test_a_hedge_after_a_free_value_is_left_out(said: str, value: str) -> None:
    # "FJ-123456 I think" was the booking reference, and "Booking FJ-123456 I think is confirmed." the reply
    calls: list[str] = []
    action = free_booking(calls).get("booking_status")
    assert action is not None

    assert action({"booking_ref": said}).text == f"Booking {value} is confirmed." and calls == [value]
    assert action.arguments({"booking_ref": said}) == {"booking_ref": value}


def test_a_hedge_after_the_reply_to_the_question_is_left_out(assistant: Assistant) -> None:
    calls: list[str] = []
    manager = DialogManager(assistant.store, assistant.manager.answer_action, understander=Understander(Guesses()),
                            actions=free_booking(calls))
    asked = manager.handle(None, "check my booking")
    assert asked.requested_slot == "booking_ref"

    turn = manager.handle(asked.session_id, "FJ-123456 I think")

    assert turn.text == "Booking FJ-123456 is confirmed." and calls == ["FJ-123456"]
    assert "booking_status(booking_ref=FJ-123456)" in turn.reason


def seats(check: object) -> BusinessActions:
    """A booking lookup with an optional seat of the form 12C, judged by ``check``."""
    actions = BusinessActions()

    @actions.register(intents=["booking_status"], checks={"seat": check}, patterns={"seat": r"\d{1,2}[A-Z]"},
                      texts={"bad_seat": "{seat} is not one of our seats."})
    def booking_status(booking_ref: str, seat: str = "") -> ActionResult:
        return ActionResult(f"Booking {booking_ref} is confirmed." + (f" Seat {seat} is yours." if seat else ""))

    return actions


def seat_system_down(value: str) -> Say | None:
    raise ConnectionError("seat map unavailable")


@pytest.mark.parametrize("check", [seat_system_down, lambda value: False], ids=["raises", "returns False"])
def test_an_optional_value_refused_without_a_word_of_why_is_said_to_be_left_out(check: object) -> None:
    # the seat was dropped silently: "Booking FJ-123456 is confirmed." as if no seat had been asked for
    action = seats(check).get("booking_status")
    assert action is not None

    result = action({"booking_ref": "FJ-123456", "seat": "12C"})

    assert action.reply(result) == "I couldn't use 12C as the seat, so I left it out. Booking FJ-123456 is confirmed."
    assert result.clear_slots == ("seat",)


def test_an_optional_value_refused_with_a_word_of_why_has_only_that_said() -> None:
    action = seats(lambda value: Say("bad_seat", seat=value)).get("booking_status")
    assert action is not None

    assert action.reply(action({"booking_ref": "FJ-123456", "seat": "12Z"})) == "12Z is not one of our seats. Booking FJ-123456 is confirmed."


def test_the_note_of_a_value_left_out_is_a_key_of_the_replies_file(tmp_path) -> None:  # type: ignore[no-untyped-def]
    # the note had no key: a team could not word it, nor say it in its customers' language
    from dialog.replies import load_replies

    (tmp_path / "replies.yaml").write_text('left_out: "{value} konnte ich nicht als {slot} verwenden."\n', encoding="utf-8")
    action = seats(seat_system_down).get("booking_status")
    assert action is not None

    said = action.reply(action({"booking_ref": "FJ-123456", "seat": "12C"}), load_replies(tmp_path / "replies.yaml"))

    assert said == "12C konnte ich nicht als seat verwenden. Booking FJ-123456 is confirmed."
