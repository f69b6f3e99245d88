"""A server's outage memory learns of erasures and purges run on another server (another data folder, the same
database): while the database is up the server's retry thread looks at ``erased_conversations`` and ``log_purges``
once a minute (``SpoolingStore.look``; never a customer's call) and forgets those conversations, so that a later outage
does not show them again from memory. Real SQLite and PostgreSQL, the real `assistant logs` commands; the servers'
clocks are the tests', and the tests call ``look`` themselves (one test lets the retry thread do it)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, event, update
from typer.testing import CliRunner

from assistant import cli
from assistant.cli import app
from assistant.store import SpoolingStore, SqlStore, make_engine
from assistant.store.spool import LOOK_EVERY_S, spool_file
from assistant.store.tables import SessionRow, utcnow
from dialog.events import BotAnswer, UserMessage
from dialog.store import UnknownSession
from postgres_schemas import sqlite_or_postgres

database_url = sqlite_or_postgres("memory_learns_erasures")


class Clock:
    """A server's monotonic clock that the test moves on."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def runner(monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setattr(cli.out, "_width", 300)
    monkeypatch.setattr(cli.err, "_width", 300)
    return CliRunner()


def logs(runner: CliRunner, data_dir: Path, url: str, *args: str) -> str:
    result = runner.invoke(app, ["--data-dir", str(data_dir), "--database-url", url, "logs", *args])
    assert result.exit_code == 0, result.output
    return result.stdout


def switch_off(engine: Engine) -> Callable[[], None]:
    """Every new connection of ``engine`` fails as a database that is not there does; returns what switches it on."""
    dialect = engine.dialect

    def refuse(*_args: object) -> None:
        raise dialect.loaded_dbapi.OperationalError("connection refused (switched off by the test)")

    event.listen(engine, "do_connect", refuse)
    engine.dispose()
    return lambda: event.remove(engine, "do_connect", refuse)


def looks(engine: Engine) -> list[str]:
    """The statements that read the erasure and purge tables, as they run."""
    seen: list[str] = []

    def before(_conn, _cursor, statement: str, *_args: object) -> None:  # type: ignore[no-untyped-def]
        if "erased_conversations" in statement or "log_purges" in statement:
            seen.append(statement)

    event.listen(engine, "before_cursor_execute", before)
    return seen


def words(store: SpoolingStore, session_id: str) -> list[str]:
    return [e.text for e in store.load_events(session_id) if isinstance(e, UserMessage)]


def a_turn(store: SpoolingStore, session_id: str, text: str) -> None:
    store.append(session_id, [UserMessage(text=text), BotAnswer(text="Here you are.")])


def test_a_conversation_erased_on_another_data_folder_is_forgotten_at_the_next_look(
    runner: CliRunner, database_url: str, tmp_path: Path
) -> None:
    """Servers A and B (own data folders, one database) both served the conversation; `logs delete` ran on B's data
    folder. Before, A kept it in memory (nothing in A's spool to replay) and showed it, to whoever held its id,
    during a later outage."""
    engine_a, engine_b = make_engine(database_url), make_engine(database_url)
    clock = Clock()
    server_a = SpoolingStore(SqlStore(engine_a), spool_file(tmp_path / "server-a"), retry_seconds=None, clock=clock)
    server_b = SpoolingStore(SqlStore(engine_b), spool_file(tmp_path / "server-b"), retry_seconds=None)
    try:
        erased, kept = server_a.create_session(), server_a.create_session()
        a_turn(server_a, erased, "I'm Jane Doe, my phone is 555 0100")
        a_turn(server_b, erased, "and my address is 1 Main Street")
        a_turn(server_a, kept, "Do you ship to Canada?")
        assert words(server_a, erased) == ["I'm Jane Doe, my phone is 555 0100", "and my address is 1 Main Street"]

        logs(runner, tmp_path / "server-b", database_url, "delete", erased)
        clock.now += LOOK_EVERY_S
        server_a.look()  # the retry thread's look, while the database is up

        switch_off(engine_a)  # a later outage: A answers from memory
        with pytest.raises(UnknownSession):
            server_a.load_events(erased)
        assert words(server_a, kept) == ["Do you ship to Canada?"]
    finally:
        server_a.close()
        server_b.close()
        engine_a.dispose()
        engine_b.dispose()


def make_idle(engine: Engine, session_id: str, hours: float) -> None:
    with engine.begin() as connection:
        connection.execute(
            update(SessionRow).where(SessionRow.id == session_id).values(updated_at=utcnow() - timedelta(hours=hours))
        )


def test_a_conversation_purged_from_another_data_folder_is_forgotten_at_the_next_look(
    runner: CliRunner, database_url: str, tmp_path: Path
) -> None:
    """A read the conversation within the hour (a tab opened again), but its last turn was stored long ago; the purge
    ran on B's data folder. Before, A's memory kept it past the retention and showed it during a later outage."""
    engine = make_engine(database_url)
    clock = Clock()
    server_a = SpoolingStore(SqlStore(engine), spool_file(tmp_path / "server-a"), retry_seconds=None, clock=clock)
    try:
        purged, recent = server_a.create_session(), server_a.create_session()
        a_turn(server_a, purged, "my order number is NW-1234")
        a_turn(server_a, recent, "Do you ship to Canada?")
        make_idle(engine, purged, hours=3)
        assert words(server_a, purged) == ["my order number is NW-1234"]

        assert "Deleted 1 session(s)" in logs(runner, tmp_path / "server-b", database_url, "purge", "--older-than", "1h")
        clock.now += LOOK_EVERY_S
        server_a.look()  # the retry thread's look, while the database is up
        a_turn(server_a, recent, "How long does it take?")

        switch_off(engine)
        with pytest.raises(UnknownSession):
            server_a.load_events(purged)
        assert words(server_a, recent) == ["Do you ship to Canada?", "How long does it take?"]
    finally:
        server_a.close()
        engine.dispose()


def test_a_customers_call_never_runs_the_look(database_url: str, tmp_path: Path) -> None:
    """Review finding 6: once a minute, whichever create, append or load came along ran the look's queries on the
    customer's request (after a purge, one more per 500 conversations memory holds), so that customer waited for them.
    Now only ``look`` (the retry thread) runs them, at most once every ``LOOK_EVERY_S``."""
    engine = make_engine(database_url)
    clock = Clock()
    server = SpoolingStore(SqlStore(engine), spool_file(tmp_path / "server"), retry_seconds=None, clock=clock)
    seen = looks(engine)
    try:
        session_id = server.create_session()
        for _ in range(3):
            clock.now += LOOK_EVERY_S
            server.create_session()
            a_turn(server, session_id, "Do you ship to Canada?")
            server.load_events(session_id)
        assert seen == []  # before: each minute's first call read erased_conversations and log_purges

        server.look()
        first = len(seen)
        assert any("erased_conversations" in s for s in seen) and any("log_purges" in s for s in seen)
        clock.now += LOOK_EVERY_S - 1
        server.look()
        assert len(seen) == first  # at most once a minute
        clock.now += 1
        server.look()
        assert len(seen) > first
    finally:
        server.close()
        engine.dispose()


def test_the_retry_thread_looks_while_the_database_is_up(runner: CliRunner, database_url: str, tmp_path: Path) -> None:
    """A server with nothing spooled has its retry thread all the same, and it is what looks: here woken at once
    rather than after its wait (``retry_seconds``). Before, a store with nothing spooled had no thread at all."""
    engine = make_engine(database_url)
    clock = Clock()
    server = SpoolingStore(SqlStore(engine), spool_file(tmp_path / "server-a"), retry_seconds=3600, clock=clock)
    looked = threading.Event()

    def look() -> None:
        SpoolingStore.look(server)
        looked.set()

    server.look = look  # type: ignore[method-assign]
    try:
        erased, kept = server.create_session(), server.create_session()
        a_turn(server, erased, "my phone is 555 0100")
        a_turn(server, kept, "Do you ship to Canada?")
        logs(runner, tmp_path / "server-b", database_url, "delete", erased)
        assert not looked.is_set()  # no look on those calls

        clock.now += LOOK_EVERY_S
        server._wake.set()  # the retry thread's next round, now
        assert looked.wait(timeout=60), "the retry thread did not look"

        switch_off(engine)
        with pytest.raises(UnknownSession):
            server.load_events(erased)
        assert words(server, kept) == ["Do you ship to Canada?"]
    finally:
        server.close()
        engine.dispose()


def test_a_look_that_fails_is_logged_and_the_next_covers_what_it_missed(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """A database of an older schema (no erasure tables yet, a rolling upgrade) or a failing query: the look is logged,
    not raised (the retry thread goes on), and the next look covers the erasures the failed one missed."""
    url = f"sqlite:///{tmp_path / 'assistant.db'}"
    engine = make_engine(url)
    clock = Clock()
    server = SpoolingStore(SqlStore(engine), spool_file(tmp_path / "server-a"), retry_seconds=None, clock=clock)
    try:
        erased = server.create_session()
        a_turn(server, erased, "my phone is 555 0100")
        logs(runner, tmp_path / "server-b", url, "delete", erased)

        def broken(*_args: object) -> None:
            raise RuntimeError("no such table: erased_conversations")

        with monkeypatch.context() as patch:
            patch.setattr(SpoolingStore, "_erasures_since", broken)
            clock.now += LOOK_EVERY_S
            server.look()  # fails, logged: not raised
        assert "cannot look for conversations erased or purged on other servers" in caplog.text
        other = server.create_session()
        a_turn(server, other, "Do you ship to Canada?")
        clock.now += LOOK_EVERY_S
        server.look()  # looks again, over what the failed look missed
        assert words(server, other) == ["Do you ship to Canada?"]

        switch_off(engine)
        with pytest.raises(UnknownSession):
            server.load_events(erased)
    finally:
        server.close()
        engine.dispose()
