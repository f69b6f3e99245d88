"""What the customer is told when a business action cannot do its part, through the dialog manager on SQLite.

- A slot's check that raises (a booking system down, a team's bug) asked the same question again, as if the customer's
  answer were wrong; only the decision record said the check failed. The customer now reads ``lookup_failed`` (the
  value could not be checked just now), the slot still waits for a value, and the server's log has the error once.
- The built-in order lookup's ``send_again`` ("Please send the order number again.") followed a shop's own
  ``order_status.not_found`` that already asked for the number again: the customer was asked twice. It follows only a
  text that does not ask already (no "?" at its end, no "again")."""

from __future__ import annotations

import logging
from datetime import datetime, timezone
from pathlib import Path

import pytest

from assistant.app import Assistant
from dialog.business import DEMO_ORDERS, ActionResult, BusinessActions, demo_actions
from dialog.events import SlotRequested
from dialog.manager import DialogManager
from dialog.nlu.base import Understanding
from dialog.nlu.combine import Understander
from dialog.replies import DEFAULT_REPLIES, parse_replies

MONDAY = datetime(2026, 12, 7, 10, 0, tzinfo=timezone.utc)  # within the test help centre's support hours
ORDER, ADDRESS = "NW-20481736", "jane.doe@example.com"  # an order of demo/orders.csv and its address


class Guesses:
    """A stand-in intent model: "check my booking" and "where is my order" ask for the actions, the rest are questions."""

    name = "guesses"

    def understand(self, text: str) -> Understanding:
        intent = {"check my booking": "booking_status", "where is my order": "order_status"}.get(text, "question")
        return Understanding(intent, 0.9, ranking=((intent, 0.9),), source="classifier")


def backend_down(value: str) -> None:
    raise ConnectionError("booking system down")


def bookings(calls: list[str]) -> BusinessActions:
    actions = BusinessActions()

    @actions.register(intents=["booking_status"], prompts={"booking_ref": "What is your booking reference?"},
                      checks={"booking_ref": backend_down})
    def booking_status(booking_ref: str) -> ActionResult:
        calls.append(booking_ref)
        return ActionResult(f"Booking {booking_ref} is confirmed.")

    return actions


def dialog(assistant: Assistant, actions: BusinessActions, replies_yaml: dict[str, str] | None = None) -> DialogManager:
    replies = parse_replies(replies_yaml, "replies.yaml", actions.reply_keys()) if replies_yaml else DEFAULT_REPLIES
    return DialogManager(assistant.store, assistant.manager.answer_action, understander=Understander(Guesses()), actions=actions,
                         clock=lambda: MONDAY, replies=replies)


def test_a_check_that_raises_tells_the_customer_it_could_not_check_not_the_same_question(
    assistant: Assistant, caplog: pytest.LogCaptureFixture
) -> None:
    calls: list[str] = []
    manager = dialog(assistant, bookings(calls))
    asked = manager.handle(None, "check my booking")

    with caplog.at_level(logging.ERROR, logger="dialog"):
        turn = manager.handle(asked.session_id, "FJ-123456")

    # before: "What is your booking reference? If you don't have it to hand, ..." as if the reference were wrong
    assert turn.text == DEFAULT_REPLIES.lookup_failed and "What is your booking reference?" not in turn.text
    assert turn.requested_slot == "booking_ref" and calls == []  # a value sent again is still the reference
    assert "(the check failed: ConnectionError: booking system down)" in turn.reason
    logged = [r for r in caplog.records if "the check of business action booking_status for booking_ref failed" in r.getMessage()]
    assert len(logged) == 1 and logged[0].exc_info is not None and logged[0].exc_info[0] is ConnectionError
    stored = manager.store.load_events(asked.session_id)
    assert [e.slot for e in stored if isinstance(e, SlotRequested)] == ["booking_ref", "booking_ref"]


def test_a_check_that_always_raises_still_hands_off(assistant: Assistant) -> None:
    """Guard: each turn whose check raised is a failed one, so a backend that stays down ends in a handoff."""
    manager = dialog(assistant, bookings([]))
    asked = manager.handle(None, "check my booking")

    turns = [manager.handle(asked.session_id, "FJ-123456") for _ in range(3)]

    assert turns[0].text == DEFAULT_REPLIES.lookup_failed and any(turn.handoff for turn in turns)


def not_found_reply(assistant: Assistant, own_text: str | None) -> str:
    """The reply to an order number with an address that is not the order's, with the shop's own ``not_found``."""
    actions = demo_actions(DEMO_ORDERS)
    manager = dialog(assistant, actions, {"order_status.not_found": own_text} if own_text else None)
    asked = manager.handle(None, "where is my order")
    manager.handle(asked.session_id, ORDER)
    turn = manager.handle(asked.session_id, "someone.else@example.com")
    assert turn.requested_slot == "order_number"  # the number is waited for again either way
    return turn.text


@pytest.mark.parametrize(
    "own_text",
    [
        "We have no order {order_number} for that address. Could you check the number and send it once more?",
        "We have no order {order_number} for that address. Please check it and send the order number again.",
    ],
    ids=["asks with a question", "asks again"],
)
def test_a_shops_not_found_that_asks_already_is_not_followed_by_send_again(assistant: Assistant, own_text: str) -> None:
    text = not_found_reply(assistant, own_text)

    assert text == own_text.format(order_number=ORDER)  # before: "... Please send the order number again." after it


def test_a_not_found_that_does_not_ask_is_followed_by_send_again(assistant: Assistant) -> None:
    """Guard: the built-in text and a shop's text that only says what went wrong still ask for the number."""
    own = "We have no order {order_number} for that address."

    assert not_found_reply(assistant, None).endswith(" Please send the order number again.")
    assert not_found_reply(assistant, own) == f"We have no order {ORDER} for that address. Please send the order number again."


def test_the_order_is_found_when_the_number_is_sent_again(assistant: Assistant) -> None:
    """Guard: after a shop's own not_found that asks, the number sent again is looked up with the address asked again."""
    manager = dialog(assistant, demo_actions(DEMO_ORDERS), {"order_status.not_found": "No order {order_number}. Could you send it again?"})
    asked = manager.handle(None, "where is my order")
    manager.handle(asked.session_id, ORDER)
    manager.handle(asked.session_id, "someone.else@example.com")

    manager.handle(asked.session_id, ORDER)
    found = manager.handle(asked.session_id, ADDRESS)

    assert found.text.startswith(f"Order {ORDER} (")


def test_demo_orders_file_holds_the_order_the_tests_use() -> None:
    assert ORDER in Path(DEMO_ORDERS).read_text(encoding="utf-8") and ADDRESS in Path(DEMO_ORDERS).read_text(encoding="utf-8")


def test_a_team_can_leave_send_again_out(assistant: Assistant) -> None:
    """``send_again: ""`` drops the follow-up for a shop whose not_found asks in its own way, in any language (the
    "?"/"again" rule reads English); before, replies loading refused the empty text."""
    actions = demo_actions(DEMO_ORDERS)
    own = "No tenemos el pedido {order_number} con esa dirección. Revise el número, por favor."
    manager = dialog(assistant, actions, {"order_status.not_found": own, "send_again": ""})
    asked = manager.handle(None, "where is my order")
    manager.handle(asked.session_id, ORDER)

    turn = manager.handle(asked.session_id, "someone.else@example.com")

    assert turn.text == own.format(order_number=ORDER) and turn.requested_slot == "order_number"
