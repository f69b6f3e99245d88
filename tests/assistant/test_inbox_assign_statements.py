"""Taking an Inbox conversation (``assign``, as a staff reply to a conversation nobody has does) on SQLite and
PostgreSQL: the session's lock and the read of its open handoff are one statement (``UPDATE ... RETURNING``), where they
were two; who has the conversation is still read after the lock, so two agents taking it at once are served one after
the other and a reply (``only_if_free``) never takes it from the one who took it first."""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import event, insert

from assistant.store import SqlStore, make_engine
from assistant.store.inbox import NotWithAPerson, _locked_open_handoff, assign, assigned_to
from assistant.store.tables import InboxAssignmentRow, utcnow
from dialog.events import HandoffRequested, UserMessage
from postgres_schemas import sqlite_or_postgres

database_url = sqlite_or_postgres("test_inbox_assign_statements")


@pytest.fixture
def store(database_url: str):
    store = SqlStore(make_engine(database_url))
    yield store
    store.engine.dispose()


def handed_off(store: SqlStore) -> str:
    session_id = store.create_session()
    store.append(session_id, [UserMessage(text="Where is my parcel?"), HandoffRequested(reason="asked")])
    return session_id


def statements_of(store: SqlStore, work) -> list[str]:  # type: ignore[no-untyped-def]
    """The first word of each SQL statement ``work`` sends."""
    sent: list[str] = []

    def note(conn, cursor, statement, parameters, context, executemany) -> None:  # type: ignore[no-untyped-def]
        sent.append(statement.split()[0].upper())

    event.listen(store.engine, "before_cursor_execute", note)
    try:
        work()
    finally:
        event.remove(store.engine, "before_cursor_execute", note)
    return sent


def test_taking_a_free_conversation_locks_and_reads_its_handoff_in_one_statement(store: SqlStore) -> None:
    session_id = handed_off(store)

    sent = statements_of(store, lambda: assign(store.engine, session_id, "ana", only_if_free=True))

    assert sent == ["UPDATE", "SELECT", "DELETE", "INSERT"]  # the lock gives the handoff; who has it; the assignment
    assert assigned_to(store.engine, session_id) == "ana"
    kept = statements_of(store, lambda: assign(store.engine, session_id, "bo", only_if_free=True))
    assert kept == ["UPDATE", "SELECT"] and assigned_to(store.engine, session_id) == "ana"


def test_a_conversation_nobody_has_is_still_refused(store: SqlStore) -> None:
    session_id = store.create_session()
    store.append(session_id, [UserMessage(text="hello")])

    with pytest.raises(NotWithAPerson):
        assign(store.engine, session_id, "ana")
    with pytest.raises(NotWithAPerson):
        assign(store.engine, "no-such-session", "ana")


def test_a_reply_waiting_for_the_lock_sees_who_took_it_meanwhile(store: SqlStore) -> None:
    session_id = handed_off(store)
    results: list[str] = []
    with store.engine.begin() as db:  # agent ana takes it; her transaction holds the lock a moment
        handoff_seq, _ = _locked_open_handoff(db, session_id)
        db.execute(insert(InboxAssignmentRow).values(session_id=session_id, handoff_seq=handoff_seq, agent="ana", assigned_at=utcnow()))
        reply = threading.Thread(target=lambda: results.append(assign(store.engine, session_id, "cy", only_if_free=True)))
        reply.start()
        time.sleep(0.5)  # cy's reply now waits for the lock
    reply.join(timeout=30)

    assert results == ["ana"] and assigned_to(store.engine, session_id) == "ana"
