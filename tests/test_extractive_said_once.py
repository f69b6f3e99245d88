"""Extractive answers say a thing once and stay with the customer's case (the demo help centre's passages and headings
as the search gave them to the chat page, copied here): no US price list after "I live in Canada", no 1-hour rule
stated twice through a pointer and the article it points to, no buyer's return steps before the gift recipient's."""

from __future__ import annotations

import pytest

from assistant.lm.extractive import ExtractiveAnswerer

CANADA = (
    ["How much does standard shipping cost?", "Shipping costs > Standard prices", "International shipping > Options and costs",
     "Delivery options > Delivery speeds in the United States", "Shipping costs > Northwind Plus members", "International shipping > Where we ship"],
    ["Standard shipping in the US costs $4.95 and takes 3-5 business days. It is free on orders over $50, and always free for Northwind Plus members.",
     "Shipping within the United States costs:\n\n- Standard (3-5 business days): $4.95, free on orders over $50\n- Express (1-2 business days): $12.95\n"
     "- Next-Day: $19.95\n\nThe free Standard shipping threshold is based on your order subtotal after promo codes are applied and before sales tax. "
     "Paying with a gift card does not affect it.",
     "- **International Standard**: 7-14 business days, $14.95, free on orders over $150\n- **International Express**: 3-5 business days, $34.95\n\n"
     "Prices are shown in your local currency at checkout, and the free-shipping threshold applies to the equivalent amount in that currency.",
     "You choose a delivery speed at checkout under **Delivery speed**. Delivery times are counted in business days from the day your order ships.\n\n"
     "- **Standard**: 3-5 business days, $4.95, free on orders over $50\n- **Express**: 1-2 business days, $12.95\n- **Next-Day**: the next business day, "
     "$19.95\n\nNorthwind Plus members get free Standard shipping on every order and free Express shipping on orders over $75.",
     "Northwind Plus members get free Standard shipping on every order with no minimum, and free Express shipping on orders over $75. The Oversize and "
     "Alaska and Hawaii surcharges still apply to Plus members.",
     "Besides the United States, we ship to Canada, the United Kingdom, all 27 European Union countries and Australia. The delivery country list at "
     "checkout shows every country we deliver to. International parcels are carried by DHL."],
)

POINTER = "You have 1 hour to make changes to your order yourself; see the article on changing an order."
CHANGE_ORDER = (
    ["Can I cancel my order?", "Can I change my username?", "Changing an order > The 1-hour edit window", "Placing an order > After you order",
     "Delete your account > The 14-day grace period", "Checking your order status > Where to look"],
    ["Yes, as long as the order status is Received or Processing. Go to Orders, select the order and press Cancel order.",
     "Northwind Goods accounts don't have usernames. You sign in with your email address, which you can change under Account > Profile > Email address.",
     "You can change an order yourself for 1 hour after you place it, as long as its status is still **Received**. Go to **Orders**, select the order "
     "and press **Edit order**. During this window you can:\n\n- change the delivery address\n- change the delivery speed\n- change the payment method\n"
     "- change quantities or remove items\n\nYou cannot add new items to an existing order. Place a second order for anything extra; each order is "
     "shipped and charged separately.",
     f"{POINTER} You can follow your order's progress at any time under **Orders**, as explained in the article on order status.",
     "Your account is deactivated at once but not deleted for 14 days. If you change your mind, just sign in during those 14 days and press **Keep my "
     "account**; everything is restored. After 14 days the account is deleted and cannot be recovered. You can create a new account later with the "
     "same email address, but your old orders will not appear in it.",
     "Signed-in customers can see every order under **Orders**. If you checked out as a guest, use the **Track an order** page and enter your order "
     "number (it starts with NW-) and the email address used at checkout."],
)
CHANGE_ORDER_LINKS = {
    POINTER: [3],
    "You can follow your order's progress at any time under **Orders**, as explained in the article on order status.": [6],
}

GIFT_RETURN = (
    ["How to return an item > Start your return", "Returning a gift > How a recipient returns a gift", "Returning a gift > Gift receipts",
     "Returning a gift > Returns by the buyer", "Returning a gift > How gift refunds are paid", "How long do I have to return something?"],
    ["1. Go to **Orders** and select the order.\n2. Press **Return items**.\n3. Tick the items you want to send back and choose a reason for each.\n"
     "4. Choose **Refund** or **Exchange**.\n5. Press **Submit return**.\n\nGuests can start a return from the **Track an order** page using their "
     "order number and email address. If the item was a gift, see the article on returning gifts.",
     "If you received a Northwind Goods gift, go to the **Return a gift** page in the Help Centre. Enter the order number from the gift receipt and "
     "the delivery postcode or ZIP code, tick the items and choose **Refund** or **Exchange**. You don't need an account.\n\nGifts follow the normal "
     "return window, counted from the delivery date, and the normal condition rules.",
     "When you buy something as a present, tick **This is a gift** at checkout. The packing slip in the parcel then works as a gift receipt: it shows "
     "the order number but no prices.",
     "If the buyer starts the return from their own account instead, the refund goes back to the buyer's original payment method as usual.",
     "Refunds for gift returns are sent to the recipient as a Northwind Goods e-gift card, by email, within 24 hours of the refund being issued. The "
     "person who bought the gift is not notified and is not refunded.",
     "You have 30 days from delivery to return most items. Northwind Plus members have 60 days."],
)
GIFT_LINKS = {"If the item was a gift, see the article on returning gifts.": [2, 3, 4, 5]}


@pytest.fixture(scope="module")
def minilm() -> ExtractiveAnswerer:
    from assistant.models import get_spec, source_files
    from retrieval.embedders import SentenceTransformerEmbedder

    spec = get_spec("all-minilm-l6-v2")
    return ExtractiveAnswerer(SentenceTransformerEmbedder(spec.name, source_files(spec)[0].parent, spec.sha256))


@pytest.mark.slow  # the packaged MiniLM, as the demo answers
def test_a_customer_in_canada_gets_no_us_prices(minilm: ExtractiveAnswerer) -> None:
    """The part "how much is shipping" of "I live in Canada, how much is shipping?" added the US price list, first."""
    headings, passages = CANADA
    reply = minilm.answer("I live in Canada, how much is shipping?", passages, headings=headings)
    assert "International Standard" in reply
    assert "United States costs" not in reply and "$4.95" not in reply and "$12.95" not in reply


@pytest.mark.slow
def test_a_pointer_gives_way_to_the_article_that_says_it(minilm: ExtractiveAnswerer) -> None:
    """"can I change my order?" got "You have 1 hour ...; see the article on changing an order." and then that article's
    "You can change an order yourself for 1 hour ...": the rule twice."""
    headings, passages = CHANGE_ORDER
    for question in ("can I change my order?", "how long do I have to change my order?"):
        reply = minilm.answer(question, passages, headings=headings, links=CHANGE_ORDER_LINKS, on_topic={1, 2, 3, 4, 6})
        assert "You can change an order yourself for 1 hour after you place it" in reply, question
        assert "You have 1 hour" not in reply, question


@pytest.mark.slow
def test_a_pointer_that_says_more_than_its_target_stays(minilm: ExtractiveAnswerer) -> None:
    """A pointer whose own words the article it points to does not say is kept ("You have 1 hour ..." beside a sentence
    on cancelling)."""
    headings, passages = CHANGE_ORDER
    links = {POINTER: [1]}
    reply = minilm.answer("can I change my order?", passages[:4], headings=headings[:4], links=links)
    assert "You have 1 hour" in reply


@pytest.mark.slow
def test_a_gift_recipient_is_not_told_the_buyers_return_steps_first(minilm: ExtractiveAnswerer) -> None:
    """"someone gave me a present, how do I return it" led with the buyer's own return procedure ("Go to **Orders** ...",
    the part "how do I return it"), the recipient's **Return a gift** page after it."""
    headings, passages = GIFT_RETURN
    reply = minilm.answer("someone gave me a present, how do I return it", passages, headings=headings, links=GIFT_LINKS)
    assert reply.startswith("If you received a Northwind Goods gift, go to the **Return a gift** page")
    assert "Return items" not in reply
