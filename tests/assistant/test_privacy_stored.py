"""What a customer types reaches no stored row unredacted: a conversation in English and German through the
real HTTP API and store (SQLite and PostgreSQL), with a feedback comment and a hand-off, while the
order-status lookup still gets the order number and e-mail address it needs."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import inspect, select, table, text

from assistant.api import create_router
from assistant.app import Assistant
from assistant.config import load_settings
from api_helpers import api_over_database, say
from conftest import HASH_MIN_SCORE
from postgres_schemas import sqlite_or_postgres
from retrieval.ingest import ingest

database_url = sqlite_or_postgres("test_privacy_stored")

# what the customer gives away below; none of it may be stored
PERSONAL = (
    "jane.doe@example.com", "7911 123456", "0171 1234567", "DE89 3704", "4111-1111", "Hunter2", "Sommer2024",
    "geheim123", "12.03.1985", "04/07/1990", "Prüfnummer 737", "555-0147",
    "1990-04-07", "1985-03-12",  # the dates of birth as the entity extractor's date slot holds them
    "Mustermann",
)
CONVERSATION = (
    "Where is my order NW-20481736? My email is jane.doe@example.com",
    "I'm Jane, my mobile is +44 7911 123456 and my password is Hunter2!x, date of birth: 04/07/1990",
    "Ich heiße Max Mustermann, meine Telefonnummer ist 0171 1234567, mein Passwort ist Sommer2024! und ich bin geboren am 12.03.1985",
    "Bitte erstatten Sie auf DE89 3704 0044 0532 0130 00 oder Karte 4111-1111-1111-1111, Prüfnummer 737",
    "Ich möchte mit einem Menschen sprechen, ruf mich an: (212) 555-0147",
)


@pytest.fixture
def client(database_url: str, kb_dir):  # type: ignore[no-untyped-def]
    client, assistant = api_over_database(database_url, kb_dir)
    yield client, assistant
    assistant.close()


def stored_text(assistant: Assistant) -> str:
    """Every row of every table, as text."""
    engine = assistant.sql_store.engine
    with engine.connect() as connection:
        names = [name for name in inspect(connection).get_table_names() if not name.startswith("turns_fts")]
        return "\n".join(str(tuple(row)) for name in names for row in connection.execute(select(text("*")).select_from(table(name))))


def test_personal_data_in_english_and_german_is_stored_redacted_and_the_order_lookup_still_works(client) -> None:  # type: ignore[no-untyped-def]
    http, assistant = client
    session = http.post("/api/sessions").json()["session_id"]

    replies = [say(http, session, message) for message in CONVERSATION]
    feedback = {"turn_no": 2, "rating": -1, "comment": "Passwort: geheim123, call me on 0171 1234567"}
    assert http.post(f"/api/sessions/{session}/feedback", json=feedback).status_code == 201

    assert "Shipped" in replies[0]["text"]  # the lookup saw the order number and the address as typed
    rows = stored_text(assistant)
    assert "NW-20481736" in rows and "[EMAIL]" in rows and "[SECRET]" in rows and "[BIRTH_DATE]" in rows and "[NAME]" in rows
    assert [value for value in PERSONAL if value in rows] == []


def test_turns_spooled_during_a_database_outage_are_written_redacted(kb_dir) -> None:  # type: ignore[no-untyped-def]
    """PostgreSQL down: the turns wait in DATA_DIR/spool/turns.jsonl, redacted like the database rows, and
    reach the database redacted when it is back."""
    from postgres_schemas import fresh_schema
    from sqlalchemy.engine import make_url
    from tcp_stubs import Forwarder, free_port

    pytest.importorskip("psycopg")
    with fresh_schema("test_privacy_spool") as real_url:
        real, port = make_url(real_url), free_port()
        settings = load_settings(
            embedder="hash", generator="scripted", answer_mode="generative", min_retrieval_score=HASH_MIN_SCORE,
            database_url=real.set(port=port).render_as_string(hide_password=False),  # nothing listens there yet
        )
        assistant = Assistant(settings)
        ingest([kb_dir], assistant.embedder, settings.index_dir)
        try:
            assert assistant.open_database() is not None  # down
            app = FastAPI()
            app.include_router(create_router(assistant.manager))
            http = TestClient(app)
            session = http.post("/api/sessions").json()["session_id"]
            for message in CONVERSATION[1:]:
                say(http, session, message)
            assert assistant.spool_path.stat().st_mode & 0o777 == 0o600  # for the server's user only
            spooled = assistant.spool_path.read_text(encoding="utf-8")
            assert "[SECRET]" in spooled and [value for value in PERSONAL if value in spooled] == []
            with Forwarder(port, (real.host, real.port or 5432)):
                assistant.store.flush()
                assert not assistant.spool_path.exists()
                rows = stored_text(assistant)
            assert "[BIRTH_DATE]" in rows and [value for value in PERSONAL if value in rows] == []
        finally:
            assistant.store.close()
            assistant.close()


def test_a_refused_write_s_error_does_not_quote_what_the_customer_wrote(database_url: str) -> None:
    """Database errors are logged and kept in the spool's rejected file: they must not carry the row's values."""
    from sqlalchemy import insert
    from sqlalchemy.exc import IntegrityError

    from assistant.store import make_engine
    from assistant.store.tables import EventRow

    engine = make_engine(database_url)
    row = {"session_id": "no-such-session", "seq": 0, "type": "user", "timestamp": 0.0, "data": {"text": "Maria Schmidtlein, Hauptstrasse 5"}}
    try:
        with pytest.raises(IntegrityError) as refused, engine.begin() as connection:
            connection.execute(insert(EventRow).values(**row))  # no such conversation: the foreign key refuses it
    finally:
        engine.dispose()
    assert "Schmidtlein" not in str(refused.value) and "events" in str(refused.value)


def test_a_new_sqlite_database_and_its_log_files_are_readable_by_their_owner_only(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from assistant.store import SqlStore, make_engine
    from dialog.events import UserMessage

    store = SqlStore(make_engine(f"sqlite:///{tmp_path / 'db' / 'assistant.db'}"))
    session_id = store.create_session()
    store.append(session_id, [UserMessage(text="Ich heiße Max Mustermann")])

    files = sorted(path.name for path in (tmp_path / "db").iterdir())
    modes = {path.name: path.stat().st_mode & 0o777 for path in (tmp_path / "db").iterdir()}
    store.engine.dispose()
    assert files == ["assistant.db", "assistant.db-shm", "assistant.db-wal"]
    assert set(modes.values()) == {0o600}, modes
