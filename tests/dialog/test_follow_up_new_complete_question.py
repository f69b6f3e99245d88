"""A question that lists things of its own ("how much for 2 adults and a car?") is a new question, even where the
last answer named one of them ("Cars higher than 1.9 metres ..."): it is not read with the last question's details
(a ferry help centre's probe: it was searched "how much for 2 adults and a car (my high vehicle is 3.5 m tall, can it
go on the ferry)?" and answered from the vehicle limits, with no fares)."""

from __future__ import annotations

import pytest

from answer_fakes import FirstSentence, KeywordArticles
from dialog.actions import AnswerFromKnowledgeBase
from dialog.manager import DialogManager
from dialog.rewrite import names_one_of_several, reports_on_what_was_said, shares_a_topic_word
from dialog.store import InMemoryStore

VEHICLES_SAID = "The car deck takes vehicles up to 4.2 metres high. Cars higher than 1.9 metres pay a supplement. [1]"


@pytest.mark.parametrize("text", [
    "how much for 2 adults and a car?",
    "what does a car plus a bike cost?",
    "price for a car and a trailer?",
])
def test_a_question_listing_things_of_its_own_is_not_tied_to_the_answer_by_one_of_them(text: str) -> None:
    assert not shares_a_topic_word(text, VEHICLES_SAID)
    # nor is "a car" one of the answer's "Cars" (a report on what the answer said, read with it)
    assert not names_one_of_several(text, VEHICLES_SAID)
    assert not reports_on_what_was_said(text, VEHICLES_SAID)


def test_one_of_several_things_the_answer_named_is_still_about_them() -> None:
    assert names_one_of_several("what if I bring a car?", VEHICLES_SAID)
    assert names_one_of_several("what about a car and a van?", "Cars and vans pay a supplement.")  # both named


@pytest.mark.parametrize("text", ["can I take my car?", "is a car with a roof box ok?"])
def test_a_question_about_one_thing_the_answer_named_is_still_tied_to_it(text: str) -> None:
    assert shares_a_topic_word(text, VEHICLES_SAID)


FARES = ("An adult pays 450 NOK and a car 1290 NOK.", ("fares", "price"))
KEYS = ("vehicle", "tall", "high", "ferry")


@pytest.mark.parametrize("limits", [
    "The car deck takes vehicles up to 4.2 metres high. Cars higher than 1.9 metres pay a supplement.",  # "car"
    "Cars higher than 1.9 metres pay a supplement. The car deck takes vehicles up to 4.2 metres high.",  # "Cars"
])
def test_a_new_question_after_the_vehicle_limits_is_searched_alone(limits: str) -> None:
    retriever = KeywordArticles({"onboard/vehicles": (limits, KEYS), "booking/fares": FARES})
    action = AnswerFromKnowledgeBase(retriever, None, top_k=3, min_score=0.45, max_new_tokens=8, extractive=FirstSentence())
    manager = DialogManager(InMemoryStore(), action)
    first = manager.handle(None, "my high vehicle is 3.5 m tall, can it go on the ferry?")
    assert [s["doc_id"] for s in first.cited_sources] == ["onboard/vehicles"]

    then = manager.handle(first.session_id, "how much for 2 adults and a car?")
    # read with the last question, the vehicle limits scored 0.6 and answered it
    assert then.query == "how much for 2 adults and a car?"
    assert "onboard/vehicles" not in [s["doc_id"] for s in then.cited_sources]
