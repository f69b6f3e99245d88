"""``analytics.turns_without_model``: the turns that name no model and the business action each worked on, which the
review pages show where the model would be. On SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

from assistant.store.analytics import TurnWithoutModel, turns_without_model
from assistant.store.db import make_engine
from assistant.store.sql_store import SqlStore
from dialog.events import ActionExecuted, BotAnswer, ConfirmationRequested, SlotRequested, UserMessage
from dialog.store import TurnRecord
from postgres_schemas import sqlite_or_postgres

database_url = sqlite_or_postgres("test_turns_without_model")


@pytest.fixture
def store(database_url: str):  # type: ignore[no-untyped-def]
    store = SqlStore(make_engine(database_url))
    yield store
    store.engine.dispose()


def add(store: SqlStore, sid: str, number: int, *events: object, **fields: object) -> None:
    fields = {"intent": "question", "action": "answer", **fields}
    record = TurnRecord(session_id=sid, user_text="m", intent_confidence=0.9, reason="r", answer="a", turn_no=number, **fields)  # type: ignore[arg-type]
    store.append(sid, [UserMessage(text="m"), *events, BotAnswer(text="a")], record)  # type: ignore[list-item]


def test_the_turns_without_a_model_with_the_business_action_of_each(store: SqlStore) -> None:
    lookup, booking, answered = store.create_session(), store.create_session(), store.create_session()
    add(store, lookup, 1, SlotRequested(action="order_status", slot="email"), action="business", intent="order_status")
    add(store, lookup, 2, ActionExecuted(name="order_status", ok=False), action="business")
    add(store, lookup, 3, action="handoff", intent="human", handoff=True)
    add(store, booking, 1, model="smollm")
    add(store, booking, 2, ConfirmationRequested(action="book_repair"), action="confirm")
    add(store, answered, 1, model="smollm")

    found = turns_without_model(store.engine, [lookup, booking, answered, "no such conversation"])

    assert found == {
        lookup: [
            TurnWithoutModel(1, "business", "order_status", False, False, "order_status"),
            TurnWithoutModel(2, "business", "question", False, False, "order_status"),
            TurnWithoutModel(3, "handoff", "human", False, True, None),
        ],
        booking: [TurnWithoutModel(2, "confirm", "question", False, False, "book_repair")],
    }
    assert turns_without_model(store.engine, []) == {}
