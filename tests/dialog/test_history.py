"""dialog.history: the question a client's resent customer messages end on."""

from __future__ import annotations

import pytest

from dialog.history import last_question


@pytest.mark.parametrize(
    ("messages", "question"),
    [
        (["hi", "How do I reset my password?", "thanks!"], "How do I reset my password?"),  # small talk leaves it
        (["hello, how do I return an item?"], "how do I return an item?"),  # the greeting is not part of it
        (["How do I return an item?", "and how long does that take?"], "how long does it take to return an item?"),
        (["How do I return an item?", "What payment methods do you accept?"], "What payment methods do you accept?"),
        # a question naming less than the one before is about it, as in a conversation's turns
        (["do you ship to Canada?", "how much is shipping?"], "how much is shipping (ship to Canada)?"),
        (["hi", "yes", "  "], None),
        ([], None),
    ],
)
def test_the_last_question_of_the_customer_messages(messages: list[str], question: str | None) -> None:
    assert last_question(messages) == question
