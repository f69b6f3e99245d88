"""The Analytics tab's "Unanswered questions" says for each group whether a question of the group was answered after
its latest decline (the time, or "no"): the open gaps first, those fixed since (an article added) after them.
Before, a fixed gap was listed as it was, with nothing to tell it from an open one."""

from __future__ import annotations

from datetime import datetime, timezone

import numpy as np
import pytest
from sqlalchemy import update

from assistant.store import SqlStore, make_engine
from assistant.store.tables import TurnRow
from dialog.events import BotAnswer, UserMessage
from dialog.store import TurnRecord
from postgres_schemas import sqlite_or_postgres
from ui.analytics import UNANSWERED_COLUMNS, build_analytics

database_url = sqlite_or_postgres("test_analytics_unanswered_since")


@pytest.fixture
def store(database_url: str):  # type: ignore[no-untyped-def]
    store = SqlStore(make_engine(database_url))
    yield store
    store.engine.dispose()


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2024, 5, day, hour, minute, tzinfo=timezone.utc)


def turn(store: SqlStore, session_id: str, when: datetime, *, text_: str, abstained: bool = False) -> None:
    """The conversation's first turn: ``text_`` answered from the knowledge base, or declined, at ``when``."""
    record = TurnRecord(
        session_id=session_id, user_text=text_, intent="question", intent_confidence=0.9, action="answer", reason="test",
        answer="an answer", abstained=abstained, handoff=False, turn_no=1,
    )
    store.append(session_id, [UserMessage(text=text_), BotAnswer(text="an answer")], record)
    with store.engine.begin() as db:
        db.execute(update(TurnRow).where(TurnRow.session_id == session_id).values(created_at=when))


def embed(texts: list[str]) -> np.ndarray:  # the seashell questions point one way, the rest another
    return np.array([[1.0, 0.0] if "shell" in t.lower() else [0.0, 1.0] for t in texts])


def test_a_group_answered_after_its_last_decline_is_marked_and_listed_after_the_open_ones(store: SqlStore) -> None:
    a, b, c, d, e = (store.create_session() for _ in range(5))
    turn(store, a, at(1, 9), text_="Can I pay with seashells?", abstained=True)
    turn(store, b, at(2, 9), text_="Do you take seashells?", abstained=True)
    turn(store, c, at(2, 10), text_="Where is the Leeds store?", abstained=True)
    turn(store, d, at(3, 15, 20), text_="seashells as payment?")  # the article added: answered since
    turn(store, e, at(1, 8), text_="Leeds store address?")  # answered, but declined after that: still a gap

    table = build_analytics(store.engine, None, None, embed=embed)["unanswered"]

    assert list(table.columns) == UNANSWERED_COLUMNS
    assert table.values.tolist() == [
        ["Where is the Leeds store?", 1, "no"],
        ["Do you take seashells?", 2, "2024-05-03 15:20"],
    ]


def test_without_an_embedder_the_same_text_answered_since_counts(store: SqlStore) -> None:
    a, b, c = (store.create_session() for _ in range(3))
    turn(store, a, at(1, 9), text_="Can I pay with seashells?", abstained=True)
    turn(store, b, at(1, 10), text_="Where is the Leeds store?", abstained=True)
    turn(store, c, at(2, 9), text_="can I pay with  SEASHELLS? ")

    table = build_analytics(store.engine, None, None)["unanswered"]

    assert table.values.tolist() == [
        ["Where is the Leeds store?", 1, "no"],
        ["Can I pay with seashells?", 1, "2024-05-02 09:00"],
    ]


def test_no_declined_question_gives_the_columns_and_no_row(store: SqlStore) -> None:
    turn(store, store.create_session(), at(1, 9), text_="Can I pay with seashells?")

    table = build_analytics(store.engine, None, None, embed=embed)["unanswered"]

    assert list(table.columns) == UNANSWERED_COLUMNS and table.empty
