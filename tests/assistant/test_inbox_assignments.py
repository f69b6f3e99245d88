"""Inbox assignments on SQLite and PostgreSQL: who has taken a conversation, for its open handoff only (a hand-back by
any path clears it), kept apart from the conversation's activity, deleted with the conversation, and migration 0014."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from alembic import command
from sqlalchemy import inspect, text, update

from assistant.store import SqlStore, make_engine
from assistant.store.admin import delete_conversations, purge_logs
from assistant.store.inbox import NotWithAPerson, assign, assigned_to, conversations_with_a_person, unassign
from assistant.store.migrate import alembic_config
from assistant.store.tables import SessionRow
from dialog.actions import hand_back
from dialog.events import AgentMessage, HandoffRequested, UserMessage
from postgres_schemas import sqlite_or_postgres

database_url = sqlite_or_postgres("test_inbox_assignments")


@pytest.fixture
def store(database_url: str):
    store = SqlStore(make_engine(database_url))
    yield store
    store.engine.dispose()


def handed_off(store: SqlStore) -> str:
    """A conversation a person has: the customer asked, and it was handed off."""
    session_id = store.create_session()
    store.append(session_id, [UserMessage(text="Where is my parcel?"), HandoffRequested(reason="asked")])
    return session_id


def listed(store: SqlStore) -> dict[str, str | None]:
    return {item.session_id: item.assigned_to for item in conversations_with_a_person(store.engine)}


def assignment_rows(store: SqlStore) -> int:
    with store.engine.connect() as db:
        return db.scalar(text("SELECT count(*) FROM inbox_assignments"))


def test_an_assignment_shows_in_the_inbox_and_a_second_agent_taking_it_replaces_the_first(store: SqlStore) -> None:
    taken, free = handed_off(store), handed_off(store)

    assert assign(store.engine, taken, "ana") == "ana"
    assert listed(store) == {taken: "ana", free: None}
    assert assigned_to(store.engine, taken) == "ana" and assigned_to(store.engine, free) is None

    assert assign(store.engine, taken, "bo") == "bo"  # "Assign to me" takes it over
    assert assigned_to(store.engine, taken) == "bo" and assignment_rows(store) == 1


def test_only_if_free_keeps_the_agent_who_has_it(store: SqlStore) -> None:
    session_id = handed_off(store)

    assert assign(store.engine, session_id, "ana", only_if_free=True) == "ana"  # nobody had it: a reply takes it
    assert assign(store.engine, session_id, "bo", only_if_free=True) == "ana"
    assert assigned_to(store.engine, session_id) == "ana"


def test_unassign_gives_who_had_it(store: SqlStore) -> None:
    session_id = handed_off(store)
    assign(store.engine, session_id, "ana")

    assert unassign(store.engine, session_id) == "ana"
    assert assigned_to(store.engine, session_id) is None and listed(store) == {session_id: None}
    assert unassign(store.engine, session_id) is None


def test_a_hand_back_clears_the_assignment_and_the_next_handoff_starts_unassigned(store: SqlStore) -> None:
    session_id = handed_off(store)
    assign(store.engine, session_id, "ana")
    store.append(session_id, [AgentMessage(text="Sorted.", author="Ana"), *hand_back("ana")])

    assert assigned_to(store.engine, session_id) is None and listed(store) == {}
    with pytest.raises(NotWithAPerson):
        assign(store.engine, session_id, "bo")

    store.append(session_id, [UserMessage(text="Another thing"), HandoffRequested(reason="asked again")])
    assert listed(store) == {session_id: None} and assigned_to(store.engine, session_id) is None
    assert assign(store.engine, session_id, "bo", only_if_free=True) == "bo"  # the stale row does not hold it


def test_a_conversation_nobody_has_cannot_be_assigned(store: SqlStore) -> None:
    with_the_assistant = store.create_session()
    store.append(with_the_assistant, [UserMessage(text="Hi")])

    for session_id in (with_the_assistant, "no-such-conversation"):
        with pytest.raises(NotWithAPerson, match="not with a person"):
            assign(store.engine, session_id, "ana")
        with pytest.raises(NotWithAPerson):
            unassign(store.engine, session_id)
    assert assignment_rows(store) == 0


def test_assigning_is_not_activity_of_the_conversation(store: SqlStore) -> None:
    """Idle hand-backs and purges go by ``updated_at``: taking a conversation does not make it look recent."""
    session_id = handed_off(store)
    old = datetime(2026, 1, 2, 3, 4, tzinfo=timezone.utc)
    with store.engine.begin() as db:
        db.execute(update(SessionRow).where(SessionRow.id == session_id).values(updated_at=old))

    assign(store.engine, session_id, "ana")
    unassign(store.engine, session_id)

    [item] = conversations_with_a_person(store.engine)
    assert item.last_activity == old


def test_an_erasure_and_a_purge_delete_the_assignment(store: SqlStore, database_url: str) -> None:
    erased, purged, kept = handed_off(store), handed_off(store), handed_off(store)
    for session_id in (erased, purged, kept):
        assign(store.engine, session_id, "ana")
    with store.engine.begin() as db:
        db.execute(update(SessionRow).where(SessionRow.id == purged).values(updated_at=datetime(2020, 1, 1, tzinfo=timezone.utc)))

    assert delete_conversations(database_url, [erased]).sessions == 1
    assert purge_logs(database_url, timedelta(days=30)).sessions == 1

    with store.engine.connect() as db:
        assert list(db.scalars(text("SELECT session_id FROM inbox_assignments"))) == [kept]


def test_migration_0014_adds_the_table_and_downgrading_drops_only_it(database_url: str) -> None:
    old = make_engine(database_url, create_tables=False)
    try:
        with old.begin() as connection:
            command.upgrade(alembic_config(connection), "0013")
        kept = SqlStore(old).create_session()
        assert "inbox_assignments" not in inspect(old).get_table_names()

        upgraded = SqlStore(make_engine(database_url))  # opening it migrates it
        session_id = handed_off(upgraded)
        assign(upgraded.engine, session_id, "ana")
        assert listed(upgraded) == {session_id: "ana"}
        upgraded.engine.dispose()

        with old.begin() as connection:
            command.downgrade(alembic_config(connection), "0013")
        assert "inbox_assignments" not in inspect(old).get_table_names()
        assert SqlStore(old).has_session(kept) and SqlStore(old).has_session(session_id)
    finally:
        old.dispose()


def test_the_staff_api_inbox_says_who_has_each_conversation(assistant) -> None:  # type: ignore[no-untyped-def]
    from fastapi import FastAPI
    from fastapi.testclient import TestClient

    from assistant.api_security import ApiKeys, hash_key
    from assistant.staff_api import create_staff_router

    app = FastAPI()
    app.include_router(create_staff_router(assistant.manager, assistant.sql_store.engine, ApiKeys([hash_key("staff-key-0123456789")])))
    taken = assistant.manager.handle(None, "I want to talk to a human").session_id
    free = assistant.manager.handle(None, "I want to talk to a human").session_id
    assign(assistant.sql_store.engine, taken, "ana")

    listed = TestClient(app).get("/api/staff/inbox", headers={"Authorization": "Bearer staff-key-0123456789"}).json()

    assert {row["session_id"]: row["assigned_to"] for row in listed["conversations"]} == {taken: "ana", free: None}
