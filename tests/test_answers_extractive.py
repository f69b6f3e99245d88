"""Extractive answers to a follow-up: "what should I do?" asks for what to do, and a follow-up's own words that refer
back ("and how long is it valid?") are answered about what they refer to, not with another article's sentence."""

from __future__ import annotations

import pytest

from assistant.lm.extractive import ExtractiveAnswerer, asks_for_steps, is_instruction
from retrieval.sentences import Unit

FAILED_PAYMENT = (
    "We charge your card when your order ships. If that charge fails, the order status changes to **On hold** and we email "
    "you. You then have 48 hours to press **Update payment method** on the order page. If the payment is not updated "
    "within 48 hours, the order is cancelled automatically and the temporary hold is released."
)
STATUSES = (
    "- **Received**: we have your order. You can still edit it during the first hour.\n"
    "- **Processing**: our warehouse is picking and packing your items.\n"
    "- **On hold**: there is a problem with the payment. Check your email for what to do.\n"
    "- **Shipped**: your parcel has left our warehouse and has a tracking number."
)
TRACKING = (
    "When your order ships, we send a shipping confirmation email with a tracking number. You can also go to **Orders**, "
    "select the order and press **Track package**. Guests can use the **Track an order** page with their order number "
    "and email address."
)
RESET_LINK = (
    "Password reset links expire after 30 minutes and work only once. If you open a link that has expired or was already "
    'used, you will see the message "This link is no longer valid".'
)
EMAIL_LINK = (
    "We send a verification link to the new address. The link is valid for 24 hours. Your email address does not change "
    "until you open that link, so you can keep signing in with your old address until then."
)
INTERNATIONAL = (
    "Besides the United States, we ship to Canada, the United Kingdom, all 27 European Union countries and Australia.\n\n"
    "- **International Standard**: 7-14 business days, $14.95, free on orders over $150\n"
    "- **International Express**: 3-5 business days, $34.95"
)


def _unit(text: str) -> Unit:
    return Unit(text=text, passage=1, position=0)


def test_what_should_i_do_asks_what_to_do() -> None:
    for message in ("what should I do?", "What do I do now", "ok what can we do?", "what now?"):
        assert asks_for_steps(message), message
    assert not asks_for_steps("what does on hold mean?")


def test_you_have_so_long_to_press_is_an_instruction() -> None:
    assert is_instruction(_unit("You then have 48 hours to press **Update payment method** on the order page."))
    assert is_instruction(_unit("You have 14 days to go to **Orders** and press **Return items**."))
    assert not is_instruction(_unit("You have 30 days from delivery to return most items."))


@pytest.fixture(scope="module")
def minilm() -> ExtractiveAnswerer:
    from assistant.models import get_spec, source_files
    from retrieval.embedders import SentenceTransformerEmbedder

    spec = get_spec("all-minilm-l6-v2")
    return ExtractiveAnswerer(SentenceTransformerEmbedder(spec.name, source_files(spec)[0].parent, spec.sha256))


@pytest.mark.slow  # the packaged MiniLM, as the demo answers
def test_what_should_i_do_about_an_order_on_hold_gets_the_48_hours(minilm: ExtractiveAnswerer) -> None:
    """After "my order status says on hold, what does that mean?", "what should I do?" got the status list and "If that
    charge fails, the order status changes to On hold and we email you." again, without the 48 hours to update the
    payment: "what should I do" was not read as asking what to do, and "You then have 48 hours to press ..." was no
    instruction."""
    headings = ["Checking your order status > What each status means", "Failed or declined payments > Payment fails when the order ships",
                "Tracking your order > Finding your tracking number"]
    reply = minilm.answer("what should I do (my order status says on hold, what does that mean)?", [STATUSES, FAILED_PAYMENT, TRACKING],
                          focus="what should I do?", headings=headings)
    assert "You then have 48 hours to press **Update payment method**" in reply
    assert "Track package" not in reply


@pytest.mark.slow
def test_a_follow_up_that_refers_back_gets_no_sentence_of_another_article(minilm: ExtractiveAnswerer) -> None:
    """"and how long is it valid?" after "How long do password reset links work?" added the e-mail change's "The link is
    valid for 24 hours." after the reset link's 30 minutes: the follow-up's own words were one more part, read alone."""
    headings = ["Reset your password > How long the link works", "Change your email address > Update the address"]
    reply = minilm.answer("how long is it valid (password reset links work)?", [RESET_LINK, EMAIL_LINK],
                          focus="and how long is it valid?", headings=headings)
    assert "expire after 30 minutes" in reply
    assert "24 hours" not in reply


@pytest.mark.slow
def test_a_follow_up_that_refers_back_and_asks_something_new_still_adds_its_sentence(minilm: ExtractiveAnswerer) -> None:
    """"and can I track it?" after the cost of shipping to Canada: its own words find the tracking sentence."""
    headings = ["International shipping > Options and costs", "Tracking your order > Finding your tracking number"]
    reply = minilm.answer("can I track it (shipping to Canada)?", [INTERNATIONAL, TRACKING], focus="and can I track it?", headings=headings)
    assert "Track package" in reply
