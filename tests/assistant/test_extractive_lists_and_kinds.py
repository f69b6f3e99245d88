"""Which sentences answer: a list the question singles out no item of is shown whole (with the sentence saying what
it leaves out), an instruction may open with where it is done ("On the sign-in page, select ..."), and "never
expire" answers "how long ...?"."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from assistant.lm.extractive import ExtractiveAnswerer, answer_types


class SetSimilarity:
    """An embedder whose cosine between the question (the first text) and a sentence is the one ``similar`` gives for
    the first of its keys the sentence holds (``rest`` for none)."""

    name = "set-similarity"

    def __init__(self, similar: Mapping[str, float], rest: float = 0.2) -> None:
        self.similar, self.rest = similar, rest

    def embed(self, texts: Sequence[str], show_progress: bool = False) -> np.ndarray:
        cosines = [1.0] + [next((v for k, v in self.similar.items() if k in text), self.rest) for text in texts[1:]]
        return np.array([[c, np.sqrt(max(0.0, 1 - c * c))] for c in cosines], dtype=np.float32)


PAYMENT = (
    "You can pay for Northwind Goods orders with:\n\n"
    "- Visa, Mastercard, American Express and Discover credit or debit cards\n- PayPal\n- Apple Pay and Google Pay\n"
    "- Northwind Goods gift cards\n- **Pay in 4** (see below)\n\n"
    "We do not accept cash on delivery, cheques or bank transfers."
)
REFUND_TIMES = (
    "After we issue the refund, the time until you see the money depends on how you paid:\n\n"
    "- Credit or debit card, Apple Pay and Google Pay: 5-10 business days\n- PayPal: 3-5 business days\n"
    "- Gift card: the amount is sent to you as a new e-gift card within 24 hours"
)
SHIPPING_COSTS = "Shipping within the United States costs:\n\n- Standard: $5.95\n- Express: $12.95\n- Next day: $24.95"


def test_a_method_not_in_the_list_gets_the_whole_list_and_what_is_not_accepted() -> None:
    """'can I pay with crypto?' got the list's lead with three of its five items (the cards and gift cards left out)
    and without 'We do not accept ...'."""
    similar = {"PayPal": 0.55, "Apple Pay": 0.55, "Pay in 4": 0.55, "You can pay": 0.5, "do not accept": 0.3}
    text = ExtractiveAnswerer(SetSimilarity(similar)).answer("can I pay with crypto?", [PAYMENT], headings=["Payment methods we accept"])
    for item in ("Visa, Mastercard", "PayPal", "Apple Pay", "gift cards", "Pay in 4", "We do not accept cash"):
        assert item in text, item


def test_a_list_that_answers_the_question_is_kept_whole() -> None:
    """'how long do refunds take?' as one part of a message got 'PayPal: 3-5 business days' alone under the list's lead."""
    similar = {"PayPal": 0.6, "Credit or debit": 0.4, "Gift card": 0.4, "After we issue": 0.45, "Go to": 0.5, "Press": 0.45}
    steps = "1. Go to **Orders** and select the order.\n2. Press **Return items**."
    text = ExtractiveAnswerer(SetSimilarity(similar)).answer(
        "how do I return an item and how long do refunds take?", [REFUND_TIMES, steps], headings=["Refunds > Refund times", "How to return an item"]
    )
    assert "5-10 business days" in text and "PayPal: 3-5 business days" in text and "within 24 hours" in text
    assert "Go to **Orders**" in text


def test_a_list_item_the_question_names_is_shown_alone() -> None:
    """Neighbour: 'how much is express shipping?' names its item; the other prices are not added."""
    similar = {"Express": 0.6, "Standard": 0.45, "Next day": 0.45, "Shipping within": 0.5}
    text = ExtractiveAnswerer(SetSimilarity(similar)).answer("how much is express shipping?", [SHIPPING_COSTS], headings=["Shipping costs"])
    assert "Express: $12.95" in text
    assert "Standard" not in text and "Next day" not in text


RESET = (
    "On the sign-in page, select **Forgot password?**, type the email address you use for your account and press "
    "**Send reset link**. The email normally arrives within a few minutes."
)
STILL_CANT = (
    "If you signed up with **Continue with Google** or **Continue with Apple**, your account has no Northwind password, "
    "so a reset email will not be sent."
)


def test_an_instruction_that_says_where_first_is_an_instruction() -> None:
    """'how do I reset my password?' got only the Google/Apple sign-in caveat, not 'On the sign-in page, select
    **Forgot password?** ... press **Send reset link**'."""
    similar = {"If you signed up": 0.62, "On the sign-in page": 0.55, "The email": 0.4}
    text = ExtractiveAnswerer(SetSimilarity(similar)).answer(
        "how do I reset my password?", [RESET, STILL_CANT], headings=["Reset your password > Request a reset link", "Reset your password > Still can't get in?"]
    )
    assert "Forgot password?" in text and "Send reset link" in text


def test_a_sentence_about_a_place_is_no_instruction_when_not_asked() -> None:
    """Neighbour: a question that asks no steps ('why was no reset email sent?') still gets the caveat first."""
    similar = {"If you signed up": 0.62, "On the sign-in page": 0.55, "The email": 0.4}
    text = ExtractiveAnswerer(SetSimilarity(similar)).answer(
        "why was no reset email sent?", [RESET, STILL_CANT], headings=["Reset your password > Request a reset link", "Reset your password > Still can't get in?"]
    )
    assert text.startswith("If you signed up")


def test_never_expire_answers_how_long() -> None:
    """'how long is a gift card valid?' got '... schedule it up to 12 months ahead.', not that gift cards never expire."""
    buying = "Gift cards are sent by email. At checkout, pick a delivery date: send it now or schedule it up to 12 months ahead."
    expiry = "Gift cards never expire and have no fees."
    similar = {"At checkout": 0.5, "never expire": 0.5, "sent by email": 0.4}
    text = ExtractiveAnswerer(SetSimilarity(similar)).answer(
        "how long is a gift card valid?", [buying, expiry], headings=["Gift cards > Buying a gift card", "Gift cards > Expiry"]
    )
    assert text.startswith("Gift cards never expire")
    assert answer_types("how long is a gift card valid?") == ["duration"]


RETURN_STEPS = (
    "1. Go to **Orders** and select the order.\n2. Press **Return items**.\n"
    "3. Tick the items you want to send back and choose a reason for each.\n4. Press **Submit return**."
)
GIFT_RETURN = (
    "If you received a gift, go to the **Return a gift** page. Enter the order number from the gift receipt and the "
    "delivery postcode, tick the items and choose **Refund** or **Exchange**."
)


def test_a_request_to_do_something_prefers_a_numbered_procedure_to_one_prose_instruction() -> None:
    """'I'd like to send back a pair of shoes' got the gift recipient's 'Enter the order number from the gift receipt
    ...' (cosine a little above the return steps'), not the return steps."""
    similar = {"Enter the order number": 0.63, "Tick the items": 0.5, "Go to": 0.45, "Press": 0.4, "If you received": 0.4}
    text = ExtractiveAnswerer(SetSimilarity(similar)).answer(
        "I'd like to send back a pair of shoes", [RETURN_STEPS, GIFT_RETURN],
        headings=["How to return an item > Start your return", "Returning a gift > How a recipient returns a gift"],
    )
    assert text.startswith("1. Go to **Orders**") and "gift receipt" not in text


def test_a_prose_instruction_well_ahead_still_wins() -> None:
    """Neighbour: a prose instruction clearly closer to the request than any step is still the answer."""
    similar = {"Enter the order number": 0.75, "Tick the items": 0.5, "Go to": 0.45, "Press": 0.4, "If you received": 0.5}
    text = ExtractiveAnswerer(SetSimilarity(similar)).answer(
        "I'd like to return a gift I received", [RETURN_STEPS, GIFT_RETURN],
        headings=["How to return an item > Start your return", "Returning a gift > How a recipient returns a gift"],
    )
    assert "gift receipt" in text


NORTHWIND_PLUS = [
    "Northwind Plus is available to customers with a delivery address in the United States. Membership is billed in USD.",
    "Northwind Plus is our membership for regular shoppers. It costs $7.99 per month or $79 per year.",
]
PLUS_HEADINGS = ["What is Northwind Plus? > Who can join", "What is Northwind Plus? > Price"]


def test_what_is_x_gets_the_sentence_that_says_what_x_is() -> None:
    """'what is northwind plus' got 'Northwind Plus is available to customers with a delivery address in the United
    States.', not 'Northwind Plus is our membership for regular shoppers.'"""
    similar = {"is available": 0.6, "is our membership": 0.5, "Membership is billed": 0.3, "It costs": 0.3}
    text = ExtractiveAnswerer(SetSimilarity(similar)).answer("what is northwind plus", NORTHWIND_PLUS, headings=PLUS_HEADINGS)
    assert text.startswith("Northwind Plus is our membership")


def test_what_is_the_price_of_x_wants_the_price() -> None:
    """Neighbour: 'what is the price of Northwind Plus?' asks for a price, not a definition."""
    assert answer_types("what is the price of Northwind Plus?") == ["price"]
    assert answer_types("what is Northwind Plus?") == ["definition"]


NOT_COVERED = "- Crash damage\n- Normal wear of tyres, chains and brake pads\n- Racing use"


def test_a_list_item_under_a_heading_that_negates_is_shown_under_that_heading() -> None:
    """'Is crash damage covered by the warranty?' was answered 'Crash damage [1]', an item of the list right under the
    heading 'What is not covered' (no sentence introduces it): the customer read it as yes."""
    similar = {"Crash damage": 0.7, "Racing": 0.4, "Normal wear": 0.4, "lifetime": 0.45}
    intro = "All Velo frames carry a lifetime warranty for the original owner."
    text = ExtractiveAnswerer(SetSimilarity(similar)).answer(
        "Is crash damage covered by the warranty?", [NOT_COVERED, intro], headings=["Warranty > What is not covered", "Warranty"]
    )
    assert "What is not covered:" in text and "Crash damage [1]" in text
    assert text.index("What is not covered:") < text.index("Crash damage")
    assert "- Crash damage [1]" in text  # still a list item under its heading


def test_a_list_with_its_own_lead_sentence_gets_no_heading_and_an_faq_question_is_not_repeated() -> None:
    """Neighbours: a list introduced by a sentence keeps that sentence alone; an FAQ entry's heading is its question."""
    similar = {"Express": 0.6, "Standard": 0.45, "Next day": 0.45, "Shipping within": 0.5}
    text = ExtractiveAnswerer(SetSimilarity(similar)).answer("how much is express shipping?", [SHIPPING_COSTS], headings=["Shipping > Costs"])
    assert "Costs:" not in text and text.startswith("Shipping within the United States costs:")
    text = ExtractiveAnswerer(SetSimilarity({"Crash damage": 0.7})).answer(
        "Is crash damage covered?", [NOT_COVERED], headings=["What is not covered by the warranty?"]
    )
    assert "What is not covered by the warranty?" not in text and "Crash damage [1]" in text
