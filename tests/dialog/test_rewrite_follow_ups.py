"""Follow-ups of follow-ups, and follow-ups that name no topic of their own, rewritten with the conversation's topic."""

from __future__ import annotations

import pytest

from dialog.rewrite import rewrite, topic_of


@pytest.mark.parametrize("then", ["what now?", "and what now?", "what should I do now?"])
def test_a_follow_up_of_a_follow_up_is_read_with_the_first_questions_topic(then: str) -> None:
    first = "my parcel says delivered but it's not here"
    after_one = rewrite("what happens next?", first)
    after_two = rewrite(then, after_one)

    assert after_two.count("(") == 1, after_two  # was "what now (what happens next (my parcel ...))?"
    assert "what happens next" not in after_two
    assert after_two.endswith(f"({first})?")
    assert rewrite("what else?", after_two).endswith(f"({first})?")  # the third stays on it too


def test_a_follow_up_with_a_topic_of_its_own_keeps_it_beside_the_first_topic() -> None:
    asked = rewrite("can I include a note?", "do you offer gift wrapping?")

    assert topic_of(asked) == "include a note, gift wrapping"
    assert "(" not in topic_of(asked)
