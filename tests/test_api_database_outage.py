"""The API while the database cannot be reached or used: a stored conversation is unavailable (503), never
"no such conversation" (404), so a client or the chat page keeps its id; real SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import event
from sqlalchemy.engine import make_url

from api_helpers import api_over_database, say
from postgres_schemas import sqlite_or_postgres
from dialog.replies import DEFAULT_REPLIES

database_url = sqlite_or_postgres("api_outage")


def switch_off(engine) -> Callable[[], None]:  # type: ignore[no-untyped-def]
    """Every new connection of ``engine`` fails as a database that is not there does; returns what switches it on."""

    def refuse(dialect, record, cargs, cparams):  # type: ignore[no-untyped-def]
        raise dialect.loaded_dbapi.OperationalError("connection refused (switched off by the test)")

    event.listen(engine, "do_connect", refuse)
    engine.dispose()
    return lambda: event.remove(engine, "do_connect", refuse)


def a_stored_conversation(database_url: str, kb_dir: Path) -> str:
    """A conversation with one turn, stored by a server that then stops (nothing left in its spool)."""
    client, assistant = api_over_database(database_url, kb_dir)
    try:
        session_id = client.post("/api/sessions").json()["session_id"]
        say(client, session_id, "How long do refunds take?")
        assert assistant.store.pending() == 0
    finally:
        assistant.close()
    return session_id


def test_a_stored_conversation_is_unavailable_not_unknown_while_the_database_is_down(database_url: str, kb_dir: Path) -> None:
    """A server started after the conversation was stored (its memory holds nothing of it) said 404 "No
    conversation with id" while the database was down; a client trusting that dropped the conversation."""
    session_id = a_stored_conversation(database_url, kb_dir)
    client, assistant = api_over_database(database_url, kb_dir)
    try:
        switch_off(assistant.sql_store.engine)
        transcript = client.get(f"/api/sessions/{session_id}")
        assert transcript.status_code == 503, transcript.text
        assert transcript.json()["detail"] == DEFAULT_REPLIES.unavailable
        message = client.post(f"/api/sessions/{session_id}/messages", json={"text": "And for a gift card?"})
        assert message.status_code == 503, message.text
        completion = client.post(
            "/v1/chat/completions", json={"messages": [{"role": "user", "content": "hello"}], "session_id": session_id}
        )
        assert completion.status_code == 503, completion.text
        assert completion.json()["error"]["message"] == DEFAULT_REPLIES.unavailable
    finally:
        assistant.close()


def test_a_server_started_while_the_database_is_down_answers_503_for_a_stored_conversation(
    database_url: str, kb_dir: Path
) -> None:
    """As the probe saw it: a server (re)started with the database down (PostgreSQL on a port where none listens)."""
    session_id = a_stored_conversation(database_url, kb_dir)
    if database_url.startswith("sqlite"):
        pytest.skip("a SQLite file is never down at start; the test above switches it off while the server runs")
    unreachable = make_url(database_url).set(port=9).render_as_string(hide_password=False)  # nothing listens on 9
    from assistant.app import Assistant
    from assistant.config import load_settings

    settings = load_settings(embedder="hash", generator="scripted", answer_mode="generative", database_url=unreachable,
                             database_connect_timeout_s=1)
    assistant = Assistant(settings)
    try:
        assert assistant.open_database() is not None  # down: the server starts and spools
        from fastapi import FastAPI
        from fastapi.testclient import TestClient

        from assistant.api import create_router, install_api_guards

        app = FastAPI()
        app.include_router(create_router(assistant.manager))
        install_api_guards(app)
        client = TestClient(app)
        response = client.get(f"/api/sessions/{session_id}")
        assert response.status_code == 503, response.text
    finally:
        assistant.close()


def test_the_chat_page_reloaded_during_the_outage_keeps_the_conversation(database_url: str, kb_dir: Path) -> None:
    """The widget reloaded while the database was down showed an empty chat and, at the next message, started a
    new conversation in the old one's place: the stored one never came back. Now the page keeps its id, says
    the conversation cannot be loaded now, keeps the typed message, and shows the conversation once it is back."""
    from ui.chat import ChatPage

    session_id = a_stored_conversation(database_url, kb_dir)
    _, assistant = api_over_database(database_url, kb_dir)
    try:
        page = ChatPage(assistant.manager)
        warnings: list[str] = []
        page.warn = warnings.append  # type: ignore[method-assign]
        switch_on = switch_off(assistant.sql_store.engine)
        assert page.restore(page.remember(session_id)) == ([], session_id)
        *_, (history, box, kept) = page.respond("Do you ship to Canada?", [], session_id)
        assert kept == session_id and box == "Do you ship to Canada?" and history == []
        assert warnings and set(warnings) == {DEFAULT_REPLIES.unavailable}

        switch_on()
        assistant.store.flush()  # what the retry thread does within seconds (nothing was spooled)
        history, kept = page.restore(page.remember(session_id))
        assert kept == session_id and history[0]["content"] == "How long do refunds take?"
    finally:
        assistant.close()


def drop_every_table(engine) -> None:  # type: ignore[no-untyped-def]
    """The database made anew, empty, while the server runs on it (dropdb and createdb; a restore gone wrong)."""
    from sqlalchemy import text

    from assistant.store.tables import Base

    engine.dispose()
    if engine.dialect.name == "sqlite":  # the file removed: SQLite makes a new, empty one at the next connection
        for suffix in ("", "-wal", "-shm"):
            Path(f"{engine.url.database}{suffix}").unlink(missing_ok=True)
        return
    Base.metadata.drop_all(engine)
    with engine.begin() as connection:
        connection.execute(text("DROP TABLE IF EXISTS alembic_version"))


def test_a_database_made_anew_while_the_server_runs_loses_no_turn_and_is_not_ready(
    database_url: str, kb_dir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """The database re-created empty under a running server: the spooled turn went to the rejected file, every new
    conversation was a plain-text 500, /readyz said ready. Now writes wait in the spool, /healthz and /readyz say
    why (503 from /readyz), and once `assistant db upgrade` has made the tables they are stored."""
    from assistant.store.db import migrate

    client, assistant = api_over_database(database_url, kb_dir)
    try:
        session_id = client.post("/api/sessions").json()["session_id"]
        say(client, session_id, "How long do refunds take?")
        engine = assistant.sql_store.engine
        drop_every_table(engine)

        assert say(client, session_id, "And for a gift card?")["session_id"] == session_id  # from memory, spooled
        created = client.post("/api/sessions")
        assert created.status_code == 201, created.text
        new_id = created.json()["session_id"]
        say(client, new_id, "Do you ship to Canada?")
        completion = client.post("/v1/chat/completions", json={"messages": [{"role": "user", "content": "How long do refunds take?"}]})
        assert completion.status_code == 200, completion.text
        status = assistant.store.status(check=True)
        assert status["database"] == "error" and "assistant db upgrade" in status["database_error"], status
        assert status["spooled_writes"] >= 4
        said = [r.getMessage() for r in caplog.records if r.name == "assistant.store.spool"]
        assert sum("cannot be used: the database has no conversation tables" in line for line in said) == 1, said
        assert not any("until it is back" in line for line in said), said  # not told as an outage

        migrate(engine)  # what the operator runs: assistant db upgrade
        assistant.store.flush()  # what the retry thread does within seconds
        assert assistant.store.status(check=True) == {"database": "up", "spooled_writes": 0}
        stored = client.get(f"/api/sessions/{new_id}")
        assert stored.status_code == 200, stored.text
        assert [m["text"] for m in stored.json()["messages"] if m["role"] == "user"] == ["Do you ship to Canada?"]
        v1_session = completion.json()["session_id"]
        assert client.get(f"/api/sessions/{v1_session}").status_code == 200
    finally:
        assistant.close()


def restore_at_revision(engine, revision: str) -> None:  # type: ignore[no-untyped-def]
    """The database replaced, under the running server, by one at an older schema revision (a backup from an older
    version restored): its newer tables and columns are missing."""
    from alembic import command

    from assistant.store.migrate import alembic_config, locked_transaction

    drop_every_table(engine)
    with locked_transaction(engine) as connection:
        command.upgrade(alembic_config(connection), revision)
    engine.dispose()


@pytest.mark.parametrize("revision", ["0001", "0006"])
def test_a_database_at_an_older_schema_says_run_db_upgrade_and_loses_no_turn(
    database_url: str, kb_dir: Path, caplog: pytest.LogCaptureFixture, revision: str
) -> None:
    """A database at an older revision (0001 lacks the feedback table and the sessions' summary columns, 0006 lacks
    staff_sessions and a column): its writes were spooled as an outage ("The database is unavailable (table
    sessions has no column named ...)"), /readyz said "down". Now it says the schema is behind and to run
    `assistant db upgrade`, and once that has run the waiting writes are stored."""
    from assistant.store.db import migrate

    client, assistant = api_over_database(database_url, kb_dir)
    try:
        engine = assistant.sql_store.engine
        restore_at_revision(engine, revision)
        session_id = client.post("/api/sessions").json()["session_id"]
        say(client, session_id, "How long do refunds take?")
        status = assistant.store.status(check=True)
        assert status["database"] == "error", status
        assert f"schema is behind this version of the assistant (at revision {revision}" in status["database_error"], status
        assert "run `assistant db upgrade`" in status["database_error"]
        said = [r.getMessage() for r in caplog.records if r.name == "assistant.store.spool"]
        assert sum("cannot be used: the database's schema is behind" in line for line in said) == 1, said
        assert not any("until it is back" in line or "no conversation tables" in line for line in said), said

        migrate(engine)  # assistant db upgrade
        assistant.store.flush()
        assert assistant.store.status(check=True) == {"database": "up", "spooled_writes": 0}
        stored = client.get(f"/api/sessions/{session_id}").json()
        assert [m["text"] for m in stored["messages"] if m["role"] == "user"] == ["How long do refunds take?"]
    finally:
        assistant.close()


def test_readyz_says_the_tables_are_missing(database_url: str, kb_dir: Path) -> None:
    """/readyz checked only that the database answered SELECT 1: a database without tables was 'ready'."""
    from fastapi.testclient import TestClient

    _, assistant = api_over_database(database_url, kb_dir)
    try:
        with TestClient(assistant.web_app(), raise_server_exceptions=False) as web:
            assert web.get("/readyz").status_code == 200
            drop_every_table(assistant.sql_store.engine)
            ready = web.get("/readyz")
            assert ready.status_code == 503, ready.text
            assert ready.json()["database"] == "error" and "run `assistant db upgrade`" in ready.json()["database_error"]
            assert web.get("/healthz").status_code == 200
    finally:
        assistant.close()


def test_a_spooled_turn_of_a_conversation_the_new_database_lacks_starts_it_again(
    database_url: str, kb_dir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """The database made anew under a running server, then its tables made (`assistant db upgrade`): the turn
    spooled meanwhile for a conversation begun before ended in turns.jsonl.rejected ("UnknownSession"), lost to
    the logs and the review pages. Now the conversation is started again under its id from what the spool holds."""
    from assistant.store.db import migrate

    client, assistant = api_over_database(database_url, kb_dir)
    try:
        session_id = client.post("/api/sessions").json()["session_id"]
        say(client, session_id, "How long do refunds take?")
        engine = assistant.sql_store.engine
        drop_every_table(engine)
        answer = say(client, session_id, "And for a gift card?")  # from memory, spooled
        assert assistant.store.pending() == 1

        migrate(engine)  # assistant db upgrade
        assert assistant.store.flush() == 1
        assert not assistant.store.rejected_path.exists()
        stored = client.get(f"/api/sessions/{session_id}")
        assert stored.status_code == 200, stored.text
        messages = stored.json()["messages"]
        assert [m["text"] for m in messages if m["role"] == "user"] == ["And for a gift card?"]
        assert [m["text"] for m in messages if m["role"] == "assistant"] == [answer["text"]]
        said = [r.getMessage() for r in caplog.records if r.name == "assistant.store.spool"]
        assert any(f"conversation {session_id} is not in the database" in line and "started again" in line for line in said), said
        assert say(client, session_id, "Thanks!")["session_id"] == session_id  # it carries on, as turn 2
        turns = client.get(f"/api/sessions/{session_id}").json()["messages"]
        assert [m["text"] for m in turns if m["role"] == "user"] == ["And for a gift card?", "Thanks!"]
    finally:
        assistant.close()


def test_a_conversation_erased_while_its_turn_waits_in_the_spool_is_not_brought_back(database_url: str, kb_dir: Path) -> None:
    """`assistant logs delete` (an erasure request) run while a server holds a turn of that conversation in its spool:
    the replay started the conversation again from the spool, the customer's words back in the database. A database
    that still holds other conversations was not made anew: the missing one was deleted, and stays deleted. The
    erasure is noted in the database, so the spooled turn is dropped, not kept aside with the customer's words."""
    from assistant.store.admin import delete_conversations

    other = a_stored_conversation(database_url, kb_dir)
    client, assistant = api_over_database(database_url, kb_dir)
    try:
        session_id = client.post("/api/sessions").json()["session_id"]
        say(client, session_id, "How long do refunds take?")
        switch_on = switch_off(assistant.sql_store.engine)
        say(client, session_id, "my phone is 555 0100, call me")  # spooled
        assert assistant.store.pending() == 1
        switch_on()
        delete_conversations(database_url, [session_id])

        assistant.store.flush()
        assert client.get(f"/api/sessions/{session_id}").status_code == 404
        assert client.get(f"/api/sessions/{other}").status_code == 200
        assert not assistant.store.rejected_path.exists()  # it was kept aside, words and all, before erasures were noted
        assert assistant.store.pending() == 0
    finally:
        assistant.close()
