"""A follow-up after a follow-up that pointed back ("how much does that cost per day?") carries the conversation's
topic only, not the earlier follow-up's unresolved words (probe F4)."""

from __future__ import annotations

import pytest

from dialog.rewrite import rewrite, topic_of


@pytest.mark.parametrize(
    ("first", "then", "topic"),
    [
        ("Can I rent a bike with a child seat?", "how much does that cost per day?", "rent a bike with a child seat"),
        ("Can I return a gift?", "how much does that cost per item?", "return a gift"),
    ],
)
def test_the_topic_of_a_follow_up_that_pointed_back_is_the_first_questions(first: str, then: str, topic: str) -> None:
    asked = rewrite(then, first)

    assert topic_of(asked) == topic  # was "that cost per day, rent a bike with a child seat"


def test_a_third_question_with_its_own_topic_is_not_searched_with_that() -> None:
    asked = rewrite("how much does that cost per day?", "Can I rent a bike with a child seat?")
    third = rewrite("and do I need to leave a deposit?", asked)

    assert third == "do I need to leave a deposit (rent a bike with a child seat)?"
    assert "that" not in third and "per day" not in third


def test_a_follow_up_naming_its_own_topic_still_keeps_it_beside_the_first() -> None:
    asked = rewrite("can I include a note?", "do you offer gift wrapping?")

    assert topic_of(asked) == "include a note, gift wrapping"
