"""A message naming one order and saying "it" asks about that order; "why was it cancelled?" about a cancelled order
is not whether it can be cancelled. demo/conversations/orders-number-and-where-is-it.yaml and
orders-why-was-my-cancelled-order-cancelled.yaml run them with the real models."""

from __future__ import annotations

import pytest

from dialog.business import about_order
from dialog.manager import about_the_order
from dialog.nlu.entities import order_numbers
from dialog.tracker import Tracker

CANCELLED = {"order_number": "NW-20481741", "email": "eva@example.com", "status": "Cancelled", "items": "Aero Kettle"}
PROCESSING = {**CANCELLED, "status": "Processing"}


@pytest.mark.parametrize(
    ("text", "read"),
    [
        ("NW-20481739 where is it", "NW-20481739 where is my order"),
        ("NW-20481739 li.wei@example.com where is it, tracking 1Z999AA10287654325", "NW-20481739 li.wei@example.com where is my order, tracking 1Z999AA10287654325"),
        # the "it" of "is it possible to ..." stands for what follows; "it's" is not the order either
        ("NW-20481739: is it possible to change the address?", "NW-20481739: is it possible to change the address?"),
        ("it's NW-20481739", "it's NW-20481739"),
        # two orders, or none: as it is
        ("NW-20481739 and NW-20481740, where is it", "NW-20481739 and NW-20481740, where is it"),
        ("where is it", "where is it"),
    ],
)
def test_it_is_the_order_the_message_names(text: str, read: str) -> None:
    # before: "NW-20481739 where is it" was searched in the help centre and declined
    assert about_the_order(Tracker("s"), text, order_numbers) == read


@pytest.mark.parametrize("question", ["why was it cancelled? i didnt cancel it", "I never cancelled it", "I did not cancel my order, why is it cancelled"])
def test_why_an_order_was_cancelled_is_for_the_help_centre(question: str) -> None:
    # before: "Order NW-20481741 is already cancelled."
    assert about_order(question, CANCELLED, cancel=True) is None


@pytest.mark.parametrize("question", ["can I still cancel it?", "please cancel the order", "why can't I cancel it?"])
def test_whether_it_can_be_cancelled_is_still_answered_from_its_status(question: str) -> None:
    assert about_order(question, CANCELLED, cancel=True) is not None
    assert about_order(question, PROCESSING, cancel=True) is not None
