"""A follow-up on a topic of its own carries the last question's place only where a place can change its answer
(review of ``searched_alone_first``): "and how do I reset my password?" after "how much is shipping to the UK?" was
searched "how do I reset my password (UK)?"."""

from __future__ import annotations

import pytest

from dialog.rewrite import place_can_matter, searched_alone_first

UK = "how much is shipping to the UK?"
CANADA = "do you ship to Canada?"


@pytest.mark.parametrize(
    ("text", "previous", "alone"),
    [
        ("and how do I reset my password?", UK, "how do I reset my password?"),
        ("and how do I change my email address?", CANADA, "how do I change my email address?"),
        ("also, how do I delete my account?", "can I return items from the UK?", "how do I delete my account?"),
        ("and how do I turn off marketing emails?", "how long does shipping to Australia take?", "how do I turn off marketing emails?"),
    ],
)
def test_a_follow_up_a_place_cannot_change_is_searched_without_it(text: str, previous: str, alone: str) -> None:
    assert not place_can_matter(text, previous)
    assert searched_alone_first(text, previous) == alone


@pytest.mark.parametrize(
    ("text", "previous", "alone"),
    [
        ("and do I pay for return shipping?", UK, "do I pay for return shipping (UK)?"),  # shares the topic (shipping)
        ("and how do returns work?", "how much is shipping to Canada?", "how do returns work (Canada)?"),  # a parcel's way back
        ("and can I pay with PayPal?", "how much is shipping to Canada?", "can I pay with PayPal (Canada)?"),  # how it is paid there
        ("and how much is gift wrapping?", CANADA, "how much is gift wrapping (Canada)?"),  # a price
        ("and do I have to pay customs duties?", "can you deliver to Norway?", "do I have to pay customs duties (Norway)?"),
        ("and is gift wrapping available?", CANADA, "is gift wrapping available (Canada)?"),  # what is on offer there
        ("and what is your phone number?", UK, "what is your phone number (UK)?"),  # the number to call from there
    ],
)
def test_a_follow_up_a_place_can_change_keeps_it(text: str, previous: str, alone: str) -> None:
    assert place_can_matter(text, previous)
    assert searched_alone_first(text, previous) == alone


def test_delivery_after_shipping_to_canada_still_means_canada() -> None:
    assert place_can_matter("how long does delivery take?", CANADA)  # delivery is what shipping is
