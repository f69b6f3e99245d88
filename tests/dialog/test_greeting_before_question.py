"""An acknowledgement or greeting before a question ("ok, how do I reset my password?") is left out of the search."""

from __future__ import annotations

import pytest

from dialog.rewrite import without_opening


@pytest.mark.parametrize(
    ("text", "searched"),
    [
        ("ok, how do I reset my password?", "how do I reset my password?"),
        ("Hi, how long do refunds take?", "how long do refunds take?"),
        ("hello there, where is my order?", "where is my order?"),
        ("thanks so much! and what about express?", "and what about express?"),
        ("okay. hey, what is klarna?", "what is klarna?"),
    ],
)
def test_the_opening_is_left_out(text: str, searched: str) -> None:
    assert without_opening(text) == searched


@pytest.mark.parametrize(
    "text",
    ["ok thanks", "hi there", "thank you", "Hello", "oklahoma shipping?", "hi-fi speakers?", "hey", "how do I say hi to staff?"],
)
def test_a_message_that_is_only_the_greeting_or_starts_with_another_word_is_kept(text: str) -> None:
    assert without_opening(text) == text
