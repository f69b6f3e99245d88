"""Follow-ups from a customer probe: a choice said as a statement, two things asked about together, a short question
of one thing, changing an order just looked up, and answers that leave out what the customer was just told or has
done already. The demo conversations (demo/conversations/followup-*.yaml named in each test) run them with the real
models."""

from __future__ import annotations

import pytest

from dialog.actions import AnswerFromKnowledgeBase, not_repeated, without_advice_on
from dialog.business import about_order, demo_actions
from dialog.events import BotAnswer, UserMessage
from dialog.rewrite import is_short, only_names_what_was_said, reports_on_what_was_said, rewrite, things_done, topic_of
from dialog.tracker import Tracker


@pytest.mark.parametrize("choice", ["I'd like a refund", "I'll choose a refund", "I want a refund", "I would prefer a refund"])
def test_a_choice_said_as_a_statement_leaves_its_thing_as_the_topic(choice: str) -> None:
    # before: "how much will I'd like a refund cost me?", answered with the damaged items' rule (C15)
    assert topic_of(choice) == "a refund"
    assert rewrite("how much will that cost me", choice) == "how much will a refund cost me?"


def test_two_things_together_are_a_question_of_their_own() -> None:
    # before: "how do I use a promo code: a promo code plus a gift card", answered with the promo code's entry again (C30)
    asked = rewrite("what about a promo code plus a gift card", "how do I use a promo code?")
    assert asked.startswith("a promo code plus a gift card")
    said = "No. You can use one promo code per order. Promo codes cannot be used to buy gift cards."
    assert not only_names_what_was_said("what about a promo code plus a gift card", said)
    # one thing the answer named is still about that answer; two new things joined still vary the last question
    assert only_names_what_was_said("and gift cards?", said)
    assert rewrite("what about express and overnight?", "how much is standard shipping?").startswith("how much is standard shipping:")


@pytest.mark.parametrize(("text", "short"), [
    ("do i need a card?", True),  # one thing named: read with the conversation when alone it finds nothing (C24)
    ("balance?", True),
    ("how do I return a gift to the shop?", False),
    ("can I pay for a gift card with PayPal?", False),
])
def test_a_short_question_names_one_thing_at_most(text: str, short: bool) -> None:
    assert is_short(text) is short


def test_what_the_customer_has_done_already() -> None:
    assert things_done("I already checked my spam folder") == {"spam", "folder"}
    assert things_done("checked spam already") == {"spam"}
    assert things_done("i looked in spam, nothing there") == {"spam"}
    assert things_done("I already have an account") == set()  # nothing done
    assert things_done("how do I check my spam folder?") == set()
    # only the clause of what was done: the rest ("still no reset email", "where is my reset link?") was not done
    assert things_done("I already checked my spam folder, still no reset email") == {"spam", "folder"}
    assert things_done("I checked, where is my reset link?") == set()
    # a report of having done what the last answer said is about that answer (C21)
    assert reports_on_what_was_said("i looked in spam, nothing there", "If you cannot see it, look in your spam or promotions folder.")
    assert not reports_on_what_was_said("i looked in spam, nothing there", "Refunds take 5-10 business days.")


RESET = (
    "## Request a reset link\n\nThe email comes from no-reply@northwindgoods.example and normally arrives within a few "
    "minutes. If you cannot see it, look in your spam or promotions folder.\n\nEvery new link cancels the one before it."
)


def test_advice_to_do_what_was_done_is_left_out() -> None:
    left = without_advice_on(RESET, things_done("checked spam already"))
    assert "spam" not in left
    assert "normally arrives within a few minutes" in left and "Every new link" in left
    assert without_advice_on(RESET, set()) == RESET


def test_a_short_reply_goes_with_its_sentence_when_it_was_said() -> None:
    entry = "No. You can use one promo code per order. Promo codes cannot be used to buy gift cards."
    left = not_repeated(entry, "No. You can use one promo code per order. [1]")
    assert "No." not in left and "Promo codes cannot be used to buy gift cards." in left


def _after_an_answer(answer: str) -> Tracker:
    return Tracker.from_events("s", [UserMessage(text="How can I download a copy of my personal data?"), BotAnswer(text=answer, action="answer")])


def test_a_follow_ups_passages_leave_out_the_last_answer_and_what_was_done() -> None:
    steps = "Go to **Settings > Privacy > Download my data** and press **Request export**."
    passages = [f"{steps} You will be asked for your password.", "The export is a ZIP file containing JSON and CSV files."]
    tracker = _after_an_answer(f"{steps} [1]")

    # "and in what format" got the steps again before the format (C22)
    left = AnswerFromKnowledgeBase.new_to_the_customer(tracker, passages, "and in what format")
    assert "Request export" not in " ".join(left) and "ZIP" in left[1]
    # a follow-up that refers back, or names what the answer said, may be answered by it: as they are
    assert AnswerFromKnowledgeBase.new_to_the_customer(tracker, passages, "is a ZIP one of them?") == passages
    assert AnswerFromKnowledgeBase.new_to_the_customer(tracker, passages, "and the privacy settings?") == passages
    # not a follow-up: the passages as they are
    assert AnswerFromKnowledgeBase.new_to_the_customer(tracker, passages, None) == passages
    # nothing else would be left: as they are
    assert AnswerFromKnowledgeBase.new_to_the_customer(tracker, [steps], "and then?") == [steps]


@pytest.mark.parametrize(("status", "says"), [
    ("Processing", "can no longer be changed"),  # before: the help centre's "After your order has shipped ..." (C11)
    ("Received", "press **Edit order**"),
    ("Shipped", "redirect the parcel"),
    ("Delivered", "return items"),
    ("Cancelled", "nothing to change"),
])
def test_changing_an_order_just_looked_up_is_answered_by_its_status(status: str, says: str) -> None:
    order = {"order_number": "NW-20481737", "status": status, "items": "Lumen Desk Lamp"}
    result = about_order("can i still change the address", order, cancel=True)
    assert result is not None
    assert says in demo_actions().get("order_status").reply(result)  # type: ignore[union-attr]


@pytest.mark.parametrize("question", ["how do I change my email address?", "can I change my password?", "what is in it?"])
def test_other_changes_are_not_the_orders(question: str) -> None:
    order = {"order_number": "NW-20481737", "status": "Processing", "items": ""}
    result = about_order(question, order, cancel=True)
    assert result is None or "changed" not in demo_actions().get("order_status").reply(result)  # type: ignore[union-attr]


def test_a_teams_own_order_table_claims_nothing_about_changing() -> None:
    order = {"order_number": "A-1", "status": "Processing", "items": ""}
    assert about_order("can i still change the address", order, cancel=False) is None
