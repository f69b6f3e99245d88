"""Follow-ups of follow-ups, and follow-ups that name no topic of their own, rewritten with the conversation's topic."""

from __future__ import annotations

import pytest

from answer_fakes import FirstSentence, KeywordArticles
from dialog.actions import AnswerFromKnowledgeBase
from dialog.manager import DialogManager
from dialog.rewrite import is_follow_up, rewrite, topic_of
from dialog.store import InMemoryStore


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


@pytest.mark.parametrize("text", ["how long do I wait?", "how long do I have to wait?", "how long should I wait?"])
def test_waiting_names_no_topic_of_its_own(text: str) -> None:
    assert is_follow_up(text)  # "wait" was a topic word: searched alone, it got the live chat's waiting times
    assert rewrite(text, "my parcel is lost").endswith("(my parcel is lost)?")


LOST = {
    "contact/response-times": ("The average wait for live chat is under 2 minutes.", ("wait", "how long")),
    "shipping/lost-parcels": ("Wait 48 hours after the Delivered update, then report it.", ("parcel", "lost")),
}


def test_how_long_to_wait_after_a_lost_parcel_stays_on_the_lost_parcel() -> None:
    manager = DialogManager(
        InMemoryStore(), AnswerFromKnowledgeBase(KeywordArticles(LOST), None, top_k=3, min_score=0.45, max_new_tokens=8, extractive=FirstSentence())
    )
    first = manager.handle(None, "my parcel is lost")
    then = manager.handle(first.session_id, "how long do I wait?")

    assert [s["doc_id"] for s in then.cited_sources] == ["shipping/lost-parcels"], then.text
