"""`assistant serve` and a database that is down when it starts: an outage is waited for (the server starts,
its writes wait in the spool, /readyz says 503 until the database is back and migrated), a mistake in the
settings is refused with one line before the models load.

PostgreSQL tests use the server at TEST_POSTGRES_URL (skipped without one): the database is "down" while its
URL points at a port nothing listens on, and "back" once the test forwards that port to the real server.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool
from typer.testing import CliRunner

from assistant.app import Assistant
from assistant.config import load_settings
from assistant.store import StoreUnavailable, make_engine
from assistant.store.db import DatabaseUnreachable, is_outage
from assistant.store.migrate import head_revision
from cli_helpers import flat, ingested, invoke, runner  # noqa: F401 (fixtures)
from conftest import HASH_MIN_SCORE
from postgres_schemas import fresh_schema
from tcp_stubs import Forwarder, SilentServer, free_port

REPOSITORY = Path(__file__).resolve().parents[2]


class DriverError(Exception):
    """Stands for a driver's exception: only its message matters to the classification."""


@pytest.mark.parametrize(
    ("message", "outage"),
    [
        ('connection failed: connection to server at "10.0.0.5", port 5432 failed: Connection refused', True),
        ("connection timeout expired", True),
        ('connection to server at "db" failed: No route to host', True),
        ("FATAL: the database system is starting up", True),
        ("FATAL: sorry, too many clients already", True),
        ("server closed the connection unexpectedly\n\tThis probably means the server terminated abnormally", True),
        ('FATAL: password authentication failed for user "app"', False),
        ('FATAL: no pg_hba.conf entry for host "10.0.0.9", user "app", database "assistant"', False),
        ('FATAL: database "assistent" does not exist', False),
        ('FATAL: role "nobody" does not exist', False),
        ("failed to resolve host 'db.example.invalid': [Errno -2] Name or service not known", False),
        ("server does not support SSL, but SSL was required", False),
    ],
)
def test_an_outage_is_told_apart_from_a_mistake_in_the_settings(message: str, outage: bool) -> None:
    assert is_outage(DriverError(message)) is outage


def test_sqlite_is_never_down_only_unusable(tmp_path: Path) -> None:
    import sqlite3

    assert not is_outage(sqlite3.OperationalError("unable to open database file (connection refused)"))
    (tmp_path / "a folder.db").mkdir()
    with pytest.raises(StoreUnavailable) as caught:
        make_engine(f"sqlite:///{tmp_path / 'a folder.db'}")
    assert not isinstance(caught.value, DatabaseUnreachable)


def postgres_url(schema: str) -> Iterator[str]:
    pytest.importorskip("psycopg")
    with fresh_schema(schema) as url:
        yield url


@pytest.fixture
def pg_url() -> Iterator[str]:
    yield from postgres_url("database_at_start")


def test_postgresql_down_and_mistaken_are_different_errors(pg_url: str) -> None:
    closed = make_url(pg_url).set(port=free_port()).render_as_string(hide_password=False)
    with pytest.raises(DatabaseUnreachable):
        make_engine(closed)
    for mistake in (make_url(pg_url).set(database="no_such_database_here"), make_url(pg_url).set(username="no_such_role_here")):
        with pytest.raises(StoreUnavailable) as caught:
            make_engine(mistake.render_as_string(hide_password=False))
        assert not isinstance(caught.value, DatabaseUnreachable) and "does not exist" in str(caught.value)


def test_a_database_that_does_not_exist_is_told_how_to_create_it(pg_url: str) -> None:
    missing = make_url(pg_url).set(database="no_such_database_here")

    with pytest.raises(StoreUnavailable) as caught:
        make_engine(missing.render_as_string(hide_password=False))

    createdb = " ".join(["createdb", *(f"{flag} {value}" for flag, value in (("-h", missing.host), ("-p", missing.port), ("-U", missing.username)) if value)])
    assert f"; create it first ({createdb} no_such_database_here), then run `assistant db upgrade`" in str(caught.value)
    with pytest.raises(StoreUnavailable) as role:  # another mistake gets no such hint
        make_engine(make_url(pg_url).set(username="no_such_role_here").render_as_string(hide_password=False))
    assert "createdb" not in str(role.value)


def test_a_peer_that_never_answers_is_an_outage(monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("psycopg")
    from assistant.store import db

    monkeypatch.setattr(db, "POSTGRES_CONNECT_TIMEOUT_S", 1)
    with SilentServer() as silent, pytest.raises(DatabaseUnreachable):
        make_engine(f"postgresql+psycopg://nobody@127.0.0.1:{silent.port}/nothing")


# -- serve: mistakes are refused before the models load ----------------------------------------------


@pytest.fixture
def no_warm_up(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    loaded: list[bool] = []
    monkeypatch.setattr(Assistant, "warm_up", lambda self: loaded.append(True))
    return loaded


def serve(runner: CliRunner, database_url: str):  # type: ignore[no-untyped-def]
    return invoke(runner, "--database-url", database_url, "serve", "--port", str(free_port()))


def assert_refused(result, message: str) -> None:  # type: ignore[no-untyped-def]
    assert result.exit_code == 1, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.stderr
    assert message in flat(result.stderr)


def test_serve_refuses_a_database_that_does_not_exist(runner: CliRunner, ingested: Path, pg_url: str, no_warm_up: list[bool]) -> None:
    result = serve(runner, make_url(pg_url).set(database="no_such_database_here").render_as_string(hide_password=False))

    assert_refused(result, 'database "no_such_database_here" does not exist')
    assert no_warm_up == []


def test_ask_refuses_a_database_that_does_not_exist_before_the_intent_model_loads(
    runner: CliRunner, ingested: Path, pg_url: str, no_warm_up: list[bool], monkeypatch: pytest.MonkeyPatch
) -> None:
    from assistant import app as wiring

    loads: list[Path] = []
    monkeypatch.setattr(wiring, "load_intent_classifier", lambda path, device="auto": (loads.append(path), (None, "not loaded"))[1])
    missing = make_url(pg_url).set(database="no_such_database_here").render_as_string(hide_password=False)

    result = invoke(runner, "--database-url", missing, "ask", "How long does shipping take?")

    assert_refused(result, 'database "no_such_database_here" does not exist; create it first (createdb ')
    assert loads == [] and no_warm_up == []


def test_serve_refuses_a_user_that_does_not_exist(runner: CliRunner, ingested: Path, pg_url: str, no_warm_up: list[bool]) -> None:
    result = serve(runner, make_url(pg_url).set(username="no_such_role_here").render_as_string(hide_password=False))

    assert_refused(result, 'role "no_such_role_here" does not exist')
    assert no_warm_up == []


def test_serve_refuses_a_database_migrated_by_a_newer_version(runner: CliRunner, ingested: Path, pg_url: str, no_warm_up: list[bool]) -> None:
    engine = make_engine(pg_url)
    with engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = 'f00d'"))
    engine.dispose()

    result = serve(runner, pg_url)

    assert_refused(result, "revision f00d, which this version of the assistant does not know")
    assert no_warm_up == []


@pytest.mark.parametrize("kind", ["folder", "not a database", "parent is a file"])
def test_serve_refuses_an_unusable_sqlite_path(runner: CliRunner, ingested: Path, tmp_path: Path, no_warm_up: list[bool], kind: str) -> None:
    path = tmp_path / "db" / "assistant.db"
    path.parent.mkdir()
    if kind == "folder":
        path.mkdir()
    elif kind == "not a database":
        path.write_bytes(b"this is not SQLite" * 100)
    else:
        path = tmp_path / "db" / "a file" / "assistant.db"
        path.parent.write_text("x")

    result = serve(runner, f"sqlite:///{path}")

    assert_refused(result, "Cannot open the database sqlite:///")
    assert no_warm_up == []


# -- serve: a database that is down at start is waited for ------------------------------------------


def get(url: str) -> tuple[int, dict]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as error:
        return error.code, json.load(error)


def post(url: str, body: dict | None = None) -> bytes:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, headers={"content-type": "application/json"}, method="POST")
    with urllib.request.urlopen(request, timeout=30) as response:
        return response.read()


def wait_for(condition, what: str, seconds: float = 60):  # type: ignore[no-untyped-def]
    """Poll ``condition`` until it is true; a bound against a hang, not a timing check."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if condition():
                return
        except OSError:
            pass
        time.sleep(0.1)
    raise AssertionError(f"gave up waiting for {what}")


def test_serve_starts_while_postgresql_is_down_and_stores_the_turns_once_it_is_back(assistant: Assistant, pg_url: str) -> None:
    real = make_url(pg_url)
    port, web_port = free_port(), free_port()
    down_url = real.set(port=port).render_as_string(hide_password=False)
    command = [sys.executable, "-m", "assistant.cli", "--embedder", "hash", "--generator", "scripted", "--answer-mode", "generative",
               "--database-url", down_url, "serve", "--port", str(web_port), "--no-warm-up"]
    environment = {**os.environ, "PYTHONPATH": str(REPOSITORY), "ASSISTANT_MIN_RETRIEVAL_SCORE": str(HASH_MIN_SCORE)}
    server = subprocess.Popen(command, env=environment, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{web_port}"
    try:
        wait_for(lambda: get(f"{base}/healthz")[0] == 200, "the server to answer")
        status, body = get(f"{base}/healthz")
        assert status == 200 and body["database"] == "down" and body["spooled_writes"] == 0
        assert get(f"{base}/readyz")[0] == 503

        session = json.loads(post(f"{base}/api/sessions"))["session_id"]
        reply = post(f"{base}/api/sessions/{session}/messages", {"text": "How much does express shipping cost?"})
        assert b"event: done" in reply and b"$12.50" in reply  # turns work while the database is down
        assert get(f"{base}/healthz")[1]["spooled_writes"] == 2  # the session and its turn

        with Forwarder(port, (real.host, real.port or 5432)):  # the database is back
            def ready_and_flushed() -> bool:  # ready once the schema is migrated; the spool drains just after
                status, body = get(f"{base}/readyz")
                return status == 200 and body["database"] == "up" and body["spooled_writes"] == 0

            wait_for(ready_and_flushed, "the database to be migrated and the spool flushed")
            transcript = json.loads(urllib.request.urlopen(f"{base}/api/sessions/{session}", timeout=30).read())
        assert [m["role"] for m in transcript["messages"]] == ["user", "assistant"]
    finally:
        server.terminate()
        output = server.communicate(timeout=60)[0].decode()
    assert "warning: Cannot open the database" in flat(output) and "Connection refused" in flat(output)
    assert "Starting without the database" in flat(output), output
    check = create_engine(pg_url, poolclass=NullPool)
    try:
        with check.connect() as connection:
            assert connection.execute(text("SELECT version_num FROM alembic_version")).scalar() == head_revision()
            assert connection.execute(text("SELECT count(*) FROM turns WHERE session_id = :s"), {"s": session}).scalar() == 1
    finally:
        check.dispose()


def test_a_database_that_comes_back_with_a_newer_schema_is_reported_and_not_written(kb_dir: Path, pg_url: str) -> None:
    engine = make_engine(pg_url)
    with engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = 'f00d'"))
    engine.dispose()
    real = make_url(pg_url)
    port = free_port()
    from retrieval.ingest import ingest

    settings = load_settings(embedder="hash", generator="scripted", answer_mode="generative", min_retrieval_score=HASH_MIN_SCORE,
                             database_url=real.set(port=port).render_as_string(hide_password=False))
    assistant = Assistant(settings)
    ingest([kb_dir], assistant.embedder, settings.index_dir)
    try:
        assert "Connection refused" in (assistant.open_database() or "")
        with TestClient(assistant.web_app()) as web:
            session = web.post("/api/sessions").json()["session_id"]
            assert web.get("/readyz").json() | {"chunks": 0, "index_version": ""} == {
                "status": "ok", "chunks": 0, "index_version": "", "database": "down", "spooled_writes": 1,
            }
            with Forwarder(port, (real.host, real.port or 5432)):
                assistant.store.flush()  # what the retry thread does every 5 s
                response = web.get("/readyz")
            assert response.status_code == 503
            body = response.json()
            assert body["database"] == "error" and body["spooled_writes"] == 1
            assert "revision f00d, which this version of the assistant does not know" in body["database_error"]
            assert web.get("/healthz").status_code == 200  # the server itself still works
            assert web.get(f"/api/sessions/{session}").status_code == 200
    finally:
        assistant.store.close()
        assistant.sql_store.engine.dispose()
        assistant.close()
    check = create_engine(pg_url, poolclass=NullPool)
    try:
        with check.connect() as connection:
            assert connection.execute(text("SELECT count(*) FROM sessions")).scalar() == 0  # nothing written into it
    finally:
        check.dispose()
