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
