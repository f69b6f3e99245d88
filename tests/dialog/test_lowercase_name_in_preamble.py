"""A name in the preamble written without capitals ("hi, i'm tom, tom@example.com. how do i ...?") is a name, so the
question is searched by itself, as "Hi, I'm Tom, ..." was; what "i'm" says of the customer besides a name ("i'm
tired", "i'm looking for", "my name is misspelled") is not."""

from __future__ import annotations

import pytest

from dialog.manager import without_introduction


@pytest.mark.parametrize(("message", "asked"), [
    ("hi, i'm tom, tom@example.com. how do i return a damaged item?", "how do i return a damaged item?"),
    ("hi, i'm tom, my order is NW-20481736. can i change the address?", "can i change the address?"),
    ("hi there, my name is tom baker and my email is tom@example.com. do you ship to canada?", "do you ship to canada?"),
    ("hello, it's lisa here, lisa@example.com. how long is a password reset link valid?", "how long is a password reset link valid?"),
    ("hey, this is andy, phone +1 555 201 3344. can i change my delivery address?", "can i change my delivery address?"),
])
def test_a_name_without_capitals_is_left_out_with_the_details(message: str, asked: str) -> None:
    assert without_introduction(message) == asked


@pytest.mark.parametrize("message", [
    "hi, i'm tired, my order is NW-20481736. can i change the address?",
    "hi, i'm confused, my email is tom@example.com. how do i reset my password?",
    "my name is misspelled, my email is tom@example.com. how do i change it?",
    "hi, i'm looking for, order NW-20481736. where is it?",
    "i'm new, my email is tom@example.com. how do i create an account?",
    "i'm unable, my email is tom@example.com. how do i log in?",
])
def test_what_the_customer_says_of_themselves_is_no_name(message: str) -> None:
    assert without_introduction(message) == message
