"""PostgreSQL connections never leave a turn waiting without end: connect timeout, TCP keepalives,
tcp_user_timeout and a statement timeout by default (settings ``database_*_s``; the URL's own libpq
parameters win), and a write that runs out of time is spooled like one during an outage.

The guards against a hang are thread joins with a generous limit: the tests check that the call raised
(or was spooled), not how fast.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.pool import NullPool

from assistant.app import Assistant
from assistant.config import load_settings
from assistant.store import SpoolingStore, SqlStore, make_engine
from assistant.store.db import BATCH_TIMEOUTS, DatabaseTimeouts, postgres_connect_args
from assistant.store.migrate import locked_transaction
from dialog.events import BotAnswer, UserMessage
from postgres_schemas import fresh_schema
from tcp_stubs import Forwarder, SilentServer, free_port

DEFAULTS = {
    "connect_timeout": 5,
    "keepalives": 1,
    "keepalives_idle": 30,
    "keepalives_interval": 10,
    "keepalives_count": 3,
    "tcp_user_timeout": 10_000,
    "options": "-c statement_timeout=30000",
}


def test_postgresql_connections_get_safe_defaults() -> None:
    assert postgres_connect_args(make_url("postgresql+psycopg://app@db/assistant")) == DEFAULTS
    assert postgres_connect_args(make_url("postgresql://app@db/assistant")) == DEFAULTS  # psycopg2, also libpq


def test_the_urls_own_parameters_win_and_its_options_are_kept() -> None:
    url = make_url("postgresql+psycopg://app@db/assistant?tcp_user_timeout=2000&connect_timeout=3&options=-csearch_path%3Dtenant")
    args = postgres_connect_args(url)

    assert "tcp_user_timeout" not in args and "connect_timeout" not in args  # libpq takes the URL's
    assert args["options"] == "-csearch_path=tenant -c statement_timeout=30000"  # joined, not replaced
    own = make_url("postgresql+psycopg://app@db/assistant?options=-c%20statement_timeout%3D5s")
    assert "options" not in postgres_connect_args(own)


def test_each_timeout_can_be_changed_or_turned_off() -> None:
    url = make_url("postgresql+psycopg://app@db/assistant")
    args = postgres_connect_args(url, DatabaseTimeouts(connect_s=2, tcp_user_timeout_s=0, statement_s=1.5))
    assert args["connect_timeout"] == 2 and args["options"] == "-c statement_timeout=1500" and "tcp_user_timeout" not in args
    assert "options" not in postgres_connect_args(url, BATCH_TIMEOUTS)
    assert postgres_connect_args(make_url("sqlite:///x.db")) == {}
    assert postgres_connect_args(make_url("postgresql+asyncpg://app@db/assistant")) == {}  # not libpq: its own names


def test_the_settings_reach_the_engine(isolated: Path) -> None:
    settings = load_settings(database_connect_timeout_s=7, database_tcp_user_timeout_s=4, database_statement_timeout_s=0)
    assert DatabaseTimeouts.from_settings(settings) == DatabaseTimeouts(connect_s=7, tcp_user_timeout_s=4, statement_s=0)
    assert Assistant(settings).database_timeouts == DatabaseTimeouts(connect_s=7, tcp_user_timeout_s=4, statement_s=0)


def in_a_thread(action: Callable[[], Any]) -> BaseException | None:
    """Run ``action`` in a thread; its exception, or None. Fails if it has not finished within two minutes
    (a bound against a hang, not a timing check)."""
    outcome: list[BaseException | None] = []

    def run() -> None:
        try:
            action()
            outcome.append(None)
        except BaseException as error:  # noqa: BLE001 - handed to the test
            outcome.append(error)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(timeout=120)
    assert not thread.is_alive(), "the call hung"
    return outcome[0]


def test_a_query_against_a_peer_that_never_answers_raises(tmp_path: Path) -> None:
    """A server that accepts and then says nothing (a stuck proxy, a host gone behind a load balancer)."""
    pytest.importorskip("psycopg")
    with SilentServer() as silent:
        engine = make_engine(f"postgresql+psycopg://app@127.0.0.1:{silent.port}/assistant", create_tables=False,
                             timeouts=DatabaseTimeouts(connect_s=2))

        def query() -> None:
            with engine.connect() as connection:
                connection.execute(text("SELECT 1"))

        assert isinstance(in_a_thread(query), OperationalError)
        store = SpoolingStore(SqlStore(engine), tmp_path / "spool" / "turns.jsonl", retry_seconds=None)
        try:
            assert in_a_thread(store.create_session) is None and store.pending() == 1  # the turn goes on; the write waits
        finally:
            store.close()
            engine.dispose()


@pytest.fixture
def pg_url() -> Iterator[str]:
    pytest.importorskip("psycopg")
    with fresh_schema("database_timeouts") as url:
        yield url


def test_postgresql_connections_carry_the_timeouts(pg_url: str) -> None:
    engine = make_engine(pg_url, timeouts=DatabaseTimeouts(tcp_user_timeout_s=4, statement_s=2))
    try:
        raw = engine.raw_connection()
        try:
            parameters = raw.driver_connection.info.get_parameters()  # what libpq was given
        finally:
            raw.close()
        assert {key: parameters.get(key) for key in ("keepalives", "keepalives_idle", "tcp_user_timeout", "connect_timeout")} == {
            "keepalives": "1", "keepalives_idle": "30", "tcp_user_timeout": "4000", "connect_timeout": "5",
        }
        with engine.connect() as connection:
            assert connection.exec_driver_sql("SHOW statement_timeout").scalar() == "2s"
            assert connection.exec_driver_sql("SHOW search_path").scalar().startswith("database_timeouts_")  # the URL's options kept
        with locked_transaction(engine) as connection:  # migrations may take longer than a turn
            assert connection.exec_driver_sql("SHOW statement_timeout").scalar() == "0"
        assert engine.pool._pre_ping  # a pooled connection that died while idle is replaced, not used
    finally:
        engine.dispose()


def test_a_write_stuck_behind_a_lock_is_spooled_after_the_statement_timeout(pg_url: str, tmp_path: Path) -> None:
    engine = make_engine(pg_url, timeouts=DatabaseTimeouts(statement_s=0.5))
    store = SpoolingStore(SqlStore(engine), tmp_path / "spool" / "turns.jsonl", retry_seconds=None)
    blocker = create_engine(pg_url, poolclass=NullPool)  # another writer, holding the conversation's row
    try:
        session_id = store.create_session()
        events = [UserMessage(text="Where is my order?"), BotAnswer(text="Let me look.", action="answer")]
        with blocker.begin() as holding:
            holding.execute(text("SELECT id FROM sessions WHERE id = :id FOR UPDATE"), {"id": session_id})
            assert in_a_thread(lambda: store.append(session_id, events)) is None  # not raised, not hung
            assert store.pending() == 1
        assert store.flush() == 1  # the lock is gone: the write arrives
        assert [e.type_name for e in SqlStore(engine).load_events(session_id)] == ["session_started", "user", "bot"]
    finally:
        store.close()
        engine.dispose()
        blocker.dispose()


def test_a_turn_does_not_wait_on_a_peer_that_acknowledges_and_never_answers(pg_url: str, tmp_path: Path) -> None:
    """A stuck proxy, or a frozen server whose kernel still acknowledges: neither keepalives nor
    tcp_user_timeout notice, and the server cannot cancel the statement. The write is spooled once
    ``answer_within_s`` has passed, and later turns do not try the database while it is known down."""
    real, port = make_url(pg_url), free_port()
    peer = Forwarder(port, (real.host or "127.0.0.1", real.port or 5432))
    engine = make_engine(real.set(port=port).render_as_string(hide_password=False))
    store = SpoolingStore(SqlStore(engine), tmp_path / "spool" / "turns.jsonl", retry_seconds=None, answer_within_s=1)
    try:
        session = store.create_session()
        assert store.pending() == 0  # written while the peer answers

        peer.freeze()
        probe: list[dict] = []
        assert in_a_thread(lambda: probe.append(store.status(check=True))) is None  # /readyz, the review pages: no hang
        assert probe[0]["database"] == "down"
        assert in_a_thread(lambda: store.append(session, [UserMessage(text="hello")], expected_events=1)) is None
        assert store.pending() == 1 and store.status()["database"] == "down"
        assert in_a_thread(lambda: store.append(session, [BotAnswer(text="hi")], expected_events=2)) is None
        assert store.pending() == 2 and [type(event) for event in store.load_events(session)][-2:] == [UserMessage, BotAnswer]
    finally:
        peer.close()  # the stuck calls end with the connections
        store.close()
        engine.dispose()
    check = make_engine(pg_url)
    try:
        assert SqlStore(check).load_events(session)[1:] == []  # nothing reached the database meanwhile
    finally:
        check.dispose()


def test_the_answer_timeout_reaches_the_store_on_postgresql_only(pg_url: str, isolated: Path) -> None:
    on_postgres = Assistant(load_settings(database_url=pg_url, database_answer_timeout_s=12))
    on_sqlite = Assistant(load_settings(database_answer_timeout_s=12, data_dir=isolated / "another server"))  # a spool of its own
    try:
        assert on_postgres.store.answer_within_s == 12
        assert on_sqlite.store.answer_within_s is None  # a local file: its lock waits are SQLite's busy_timeout
        assert Assistant(load_settings(database_url=pg_url, database_answer_timeout_s=0)).database_answer_timeout_s is None
    finally:
        on_postgres.close()
        on_sqlite.close()
