"""Whether a declined question was answered since (SQLite and PostgreSQL): the declined questions with their times,
the questions answered from a time on (up to now, an answer said not to help aside), and which group an answered
question belongs to.

Before, the Analytics tab listed a gap the team had since filled (an article added) as if it were still open."""

from __future__ import annotations

import numpy as np
from test_analytics import at, store, turn  # noqa: F401 (store: a fixture)

from assistant.store import SqlStore
from assistant.store.analytics import AskedQuestion, answered_questions, declined_questions, latest_similar, unanswered_questions
from postgres_schemas import sqlite_or_postgres

database_url = sqlite_or_postgres("test_analytics_answered_since")


def test_declined_questions_have_their_times_newest_first(store: SqlStore) -> None:
    first, second = store.create_session(), store.create_session()
    turn(store, first, at(1, 9), text_="Can I pay with seashells?", abstained=True)
    turn(store, first, at(1, 9, 1), text_="that didn't help", intent="not_helped", abstained=True)  # not a question
    turn(store, second, at(2, 14, 30), text_="Do you take seashells?", abstained=True)

    assert declined_questions(store.engine) == [
        AskedQuestion("Do you take seashells?", at(2, 14, 30)), AskedQuestion("Can I pay with seashells?", at(1, 9)),
    ]
    assert declined_questions(store.engine, until=at(2, 0)) == [AskedQuestion("Can I pay with seashells?", at(1, 9))]
    assert unanswered_questions(store.engine) == ["Do you take seashells?", "Can I pay with seashells?"]


def test_answered_questions_from_a_time_to_now_without_answers_said_not_to_help(store: SqlStore) -> None:
    early, helped, unhelped, declined, talk = (store.create_session() for _ in range(5))
    turn(store, early, at(1, 8), text_="Can I pay with seashells?")  # before the time asked for
    turn(store, helped, at(3, 10), text_="Can I pay with seashells?")
    turn(store, unhelped, at(3, 11), text_="Do you take seashells?")
    turn(store, unhelped, at(3, 12), text_="that didn't help", intent="not_helped", abstained=True)
    turn(store, declined, at(3, 13), text_="Seashells?", abstained=True)
    turn(store, talk, at(3, 14), text_="hello", intent="greet", action="small_talk")

    assert answered_questions(store.engine, at(2, 0)) == [AskedQuestion("Can I pay with seashells?", at(3, 10))]
    assert answered_questions(store.engine) == [
        AskedQuestion("Can I pay with seashells?", at(3, 10)), AskedQuestion("Can I pay with seashells?", at(1, 8)),
    ]
    assert answered_questions(store.engine, limit=1) == [AskedQuestion("Can I pay with seashells?", at(3, 10))]


VECTORS = {
    "seashells": [1.0, 0.0, 0.0],
    "pay with shells": [0.95, 0.3, 0.0],  # cosine 0.954 with "seashells", 0.3 with "opening hours"
    "refunds": [0.0, 1.0, 0.0],
    "opening hours": [0.0, 0.3, 1.0],
    "nothing alike": [0.0, 0.0, 0.0],
}


def embed(texts: list[str]) -> np.ndarray:
    return np.array([VECTORS[t] for t in texts])


def test_latest_similar_gives_each_group_the_latest_question_that_would_join_it() -> None:
    answered = [
        AskedQuestion("pay with shells", at(4, 9)), AskedQuestion("seashells", at(3, 9)), AskedQuestion("refunds", at(4, 10)),
        AskedQuestion("nothing alike", at(4, 11)),
    ]
    # "refunds" is 0.29 from "opening hours": under the threshold, it fixes nothing
    assert latest_similar(answered, ["seashells", "opening hours"], embed, threshold=0.75) == [at(4, 9), None]
    assert latest_similar(answered, ["seashells", "opening hours"], embed, threshold=0.2) == [at(4, 9), at(4, 10)]
    assert latest_similar([], ["seashells"], embed) == [None]
    assert latest_similar(answered, [], embed) == []
