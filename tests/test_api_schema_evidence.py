"""A write that fails on a table or column the database lacks: the database's migration revision decides whether its
schema explains it (gone, behind, newer: the write waits in the spool) or the statement is wrong (a bug: logged as one,
the write kept in the rejected file, nothing waits). Real SQLite and PostgreSQL."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import event, text

from api_helpers import api_over_database, say
from postgres_schemas import sqlite_or_postgres

database_url = sqlite_or_postgres("api_schema_evidence")


def a_statement_naming_a_wrong_column(monkeypatch: pytest.MonkeyPatch) -> None:
    """A bug in the store: the turn's insert names ``user_txt``, a column no revision of the schema has (or, with a
    database at a newer revision, one that revision renamed)."""
    from assistant.store import sql_store

    monkeypatch.setattr(sql_store, "_INSERT_TURN", text(
        "INSERT INTO turns (session_id, turn_no, user_txt) VALUES (:session_id, :turn_no, :user_text)"
    ))
    statement = sql_store._POSTGRES_APPEND.text
    assert "created_at, user_text," in statement
    monkeypatch.setattr(sql_store, "_POSTGRES_APPEND", text(statement.replace("created_at, user_text,", "created_at, user_txt,")))


def customer_words(client, session_id: str) -> list[str]:  # type: ignore[no-untyped-def]
    stored = client.get(f"/api/sessions/{session_id}")
    assert stored.status_code == 200, stored.text
    return [message["text"] for message in stored.json()["messages"] if message["role"] == "user"]


def spool_log(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [record.getMessage() for record in caplog.records if record.name == "assistant.store.spool"]


def test_a_column_the_current_schema_never_had_is_a_bug_kept_aside_not_a_schema_to_upgrade(
    database_url: str, kb_dir: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Any "no such column" counted as the schema being behind: the turn waited in the spool for an `assistant db
    upgrade` that could not help, every later write of the server waited behind it, and /readyz said "the database
    has no conversation tables". The database is at this version's revision: now the log says it is a bug, the turn
    is kept in the rejected file with the customer's words, and the next writes go straight in."""
    client, assistant = api_over_database(database_url, kb_dir)
    try:
        session_id = client.post("/api/sessions").json()["session_id"]
        say(client, session_id, "How long do refunds take?")
        with monkeypatch.context() as patch:
            a_statement_naming_a_wrong_column(patch)
            say(client, session_id, "And for a gift card?")  # the customer has the answer all the same
            assistant.store.flush()  # what the retry thread, woken at once, does

        assert assistant.store.status(check=True) == {"database": "up", "spooled_writes": 0}
        [kept] = [json.loads(line) for line in assistant.store.rejected_path.read_text(encoding="utf-8").splitlines()]
        assert kept["session_id"] == session_id and "user_txt" in kept["error"]
        assert [event["text"] for event in kept["events"] if event["type"] == "user"] == ["And for a gift card?"]
        said = spool_log(caplog)
        assert any("failed" in line and "is a bug in the assistant" in line for line in said), said
        assert not any("cannot be used" in line or "until it is back" in line for line in said), said

        say(client, session_id, "Thanks!")
        assert assistant.store.pending() == 0
        assert customer_words(client, session_id) == ["How long do refunds take?", "Thanks!"]
    finally:
        assistant.close()


def test_a_column_missing_at_a_revision_this_version_does_not_know_waits_for_the_newer_version(
    database_url: str, kb_dir: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A newer version migrated the database (a revision this one does not know) and changed a column this one
    uses: the write waits in the spool, but /readyz said "the database has no conversation tables ... run
    `assistant db upgrade`" (which refuses a newer revision). Now it says the schema is newer; run that version."""
    client, assistant = api_over_database(database_url, kb_dir)
    try:
        session_id = client.post("/api/sessions").json()["session_id"]
        say(client, session_id, "How long do refunds take?")
        with assistant.sql_store.engine.begin() as connection:
            connection.execute(text("UPDATE alembic_version SET version_num = 'f00d_newer'"))
        with monkeypatch.context() as patch:
            a_statement_naming_a_wrong_column(patch)
            say(client, session_id, "And for a gift card?")
            assistant.store.flush()

            status = assistant.store.status(check=True)
            assert status["database"] == "error" and status["spooled_writes"] == 1, status
            assert "schema is newer than this version of the assistant (at revision f00d_newer" in status["database_error"], status
            assert not assistant.store.rejected_path.exists()
            said = spool_log(caplog)
            assert sum("cannot be used: the database's schema is newer" in line for line in said) == 1, said
    finally:
        assistant.close()


def test_the_revision_is_read_once_for_a_burst_of_failing_writes(database_url: str, kb_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The verdict is kept for a few seconds: a burst of failing writes asks the database for its revision once."""
    from assistant.store import sql_store

    _, assistant = api_over_database(database_url, kb_dir)
    asked: list[str] = []
    engine = assistant.sql_store.engine
    read_revision = "FROM alembic_version"
    listener = lambda conn, cursor, statement, *rest: asked.append(statement) if read_revision in statement else None  # noqa: E731
    event.listen(engine, "before_cursor_execute", listener)
    clock = [1000.0]
    monkeypatch.setattr(sql_store, "monotonic", lambda: clock[0])
    try:
        assert assistant.sql_store.schema_explanation() is None  # at this version's head
        assert assistant.sql_store.schema_explanation() is None
        assert len(asked) == 1, asked
        clock[0] += sql_store.SCHEMA_VERDICT_S + 1
        assert assistant.sql_store.schema_explanation() is None
        assert len(asked) == 2, asked
    finally:
        event.remove(engine, "before_cursor_execute", listener)
        assistant.close()


def test_a_conversation_whose_start_a_bug_refused_keeps_its_turns_beside_it(
    database_url: str, tmp_path: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A bug in the statement that starts a conversation: its start and its turns are all kept in the rejected file,
    each saying why (not "deleted meanwhile", as a conversation erased while its turn waited is told)."""
    from assistant.store import SpoolingStore, SqlStore, make_engine
    from assistant.store import sql_store
    from dialog.events import BotAnswer, UserMessage

    engine = make_engine(database_url)
    SqlStore(engine).create_session()  # the database holds another conversation
    store = SpoolingStore(SqlStore(engine), tmp_path / "spool" / "turns.jsonl", retry_seconds=None)
    try:
        with monkeypatch.context() as patch:
            patch.setattr(sql_store, "_INSERT_EVENTS", text(
                "INSERT INTO events (session_id, seq, kind) VALUES (:session_id, :seq, :type)"
            ))
            session_id = store.create_session()
            store.append(session_id, [UserMessage(text="Where is order 1043?"), BotAnswer(text="On its way.")])
            assert store.flush() == 0
        assert store.status(check=True) == {"database": "up", "spooled_writes": 0}
        start, turn = [json.loads(line) for line in store.rejected_path.read_text(encoding="utf-8").splitlines()]
        assert start["op"] == "create" and "kind" in start["error"]
        assert turn["op"] == "append" and "the database refused its start" in turn["error"], turn["error"]
        assert [event["text"] for event in turn["events"] if event["type"] == "user"] == ["Where is order 1043?"]
        said = spool_log(caplog)
        assert any("A conversation write (create in session" in line and "a bug in the assistant" in line for line in said), said
        assert not any("deleted meanwhile" in line for line in said), said
    finally:
        store.close()
        engine.dispose()
