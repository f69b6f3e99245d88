"""SpoolingStore: logging never loses a turn.

Unit tests use a SQLite database that the test can switch off (every new connection fails); the
acceptance test starts a private PostgreSQL 15 server, stops it in the middle of a run of real dialog
turns, starts it again and checks that every turn and every event arrived, exactly once, in order.
"""

from __future__ import annotations

import json
import logging
import os
import pwd
import shutil
import socket
import sqlite3
import subprocess
import tempfile
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, event, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.pool import NullPool

from assistant.store import SpoolingStore, SqlStore, StoreUnavailable, make_engine
from assistant.store.tables import EventRow, SessionRow, TurnRow
from dialog.events import BotAnswer, Event, SessionStarted, UserMessage
from dialog.manager import DialogManager
from dialog.store import ConversationChanged, TurnRecord, UnknownSession

PG_BIN = Path("/usr/lib/postgresql/15/bin")


class SwitchableDatabase:
    """A SQLite database (made by the migrations) that can be switched off and on again."""

    def __init__(self, path: Path) -> None:
        self.engine = make_engine(f"sqlite:///{path}")
        self.is_down = False
        event.listen(self.engine, "do_connect", self._connect)
        self.store = SqlStore(self.engine)

    def _connect(self, dialect, record, cargs, cparams):  # type: ignore[no-untyped-def]
        if self.is_down:
            raise sqlite3.OperationalError("unable to open database file (switched off by the test)")
        return None

    def down(self) -> None:
        self.is_down = True
        self.engine.dispose()  # pooled connections go: the next one must connect, and fails

    def up(self) -> None:
        self.is_down = False


@pytest.fixture
def db(tmp_path: Path) -> Iterator[SwitchableDatabase]:
    database = SwitchableDatabase(tmp_path / "db" / "assistant.db")
    yield database
    database.engine.dispose()


@pytest.fixture
def spool_path(tmp_path: Path) -> Path:
    return tmp_path / "spool" / "writes.jsonl"


@pytest.fixture
def store(db: SwitchableDatabase, spool_path: Path) -> Iterator[SpoolingStore]:
    spooling = SpoolingStore(db.store, spool_path, retry_seconds=None)  # no retry thread: the tests flush
    yield spooling
    spooling.close()


def turn(session_id: str, turn_no: int, text: str) -> tuple[list[Event], TurnRecord]:
    events: list[Event] = [UserMessage(text=text), BotAnswer(text=f"answer to {text}")]
    record = TurnRecord(
        session_id=session_id, user_text=text, intent="question", intent_confidence=0.9, action="answer",
        reason="test", answer=f"answer to {text}", turn_no=turn_no, timings_ms={"total_ms": 1.5},
    )
    return events, record


def stored_events(engine: Engine, session_id: str) -> list[dict]:
    with engine.connect() as connection:
        rows = connection.execute(
            select(EventRow.seq, EventRow.data).where(EventRow.session_id == session_id).order_by(EventRow.seq)
        ).all()
    assert [row.seq for row in rows] == list(range(len(rows)))
    return [row.data for row in rows]


def stored_turns(engine: Engine, session_id: str) -> list[tuple[int, str]]:
    with engine.connect() as connection:
        rows = connection.execute(
            select(TurnRow.turn_no, TurnRow.user_text).where(TurnRow.session_id == session_id).order_by(TurnRow.id)
        ).all()
    return [(row.turn_no, row.user_text) for row in rows]


def as_json(events: list[Event]) -> list[dict]:
    return json.loads(json.dumps([e.to_dict() for e in events]))


def lost_acknowledgement(method: Callable) -> Callable:
    """``method`` that does its work and then fails as if the commit's acknowledgement never came."""

    def wrapper(*args, **kwargs):  # type: ignore[no-untyped-def]
        method(*args, **kwargs)
        raise OperationalError("COMMIT", None, ConnectionResetError("server closed the connection"))

    return wrapper


def test_writes_go_straight_to_the_database_while_it_is_up(db, store, spool_path: Path) -> None:
    session_id = store.create_session("test")
    store.append(session_id, *turn(session_id, 1, "first"))

    assert store.pending() == 0 and not spool_path.exists()
    assert [e["type"] for e in stored_events(db.engine, session_id)] == ["session_started", "user", "bot"]
    assert stored_turns(db.engine, session_id) == [(1, "first")]
    assert [t.user_text for t in store.turns(session_id)] == ["first"]  # passed through to the SqlStore
    assert store.session_count() == 1


def test_outage_is_spooled_and_flushed_in_order(db, store, spool_path: Path, caplog) -> None:
    caplog.set_level(logging.INFO, logger="assistant.store.spool")
    before = store.create_session()
    store.append(before, *turn(before, 1, "before the outage"))
    expected = {before: store.load_events(before)}

    db.down()
    spooled: dict[str, list[Event]] = defaultdict(list)
    for no in (2, 3):
        events, record = turn(before, no, f"outage turn {no}")
        store.append(before, events, record)
        spooled[before] += events
    during = store.create_session("api")  # started while the database is down: keeps its id
    events, record = turn(during, 1, "new conversation")
    store.append(during, events, record)
    spooled[during] += events

    assert store.pending() == 4
    lines = [json.loads(line) for line in spool_path.read_text().splitlines()]
    assert [(r["op"], r["session_id"]) for r in lines] == [
        ("append", before), ("append", before), ("create", during), ("append", during)
    ]
    assert lines[2]["channel"] == "api" and lines[3]["turn"]["user_text"] == "new conversation"
    assert len({r["id"] for r in lines}) == 4
    # conversations carry on: history from memory plus the spool
    assert as_json(store.load_events(before)) == as_json(expected[before] + spooled[before])
    assert [e.type_name for e in store.load_events(during)] == ["session_started", "user", "bot"]
    assert store.flush() == 0 and store.pending() == 4  # still down
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1 and str(spool_path) in warnings[0].getMessage()

    db.up()
    assert store.flush() == 4
    assert store.pending() == 0 and not spool_path.exists() and not store.offset_path.exists()
    assert stored_events(db.engine, before) == as_json(expected[before] + spooled[before])
    assert stored_turns(db.engine, before) == [(1, "before the outage"), (2, "outage turn 2"), (3, "outage turn 3")]
    during_events = stored_events(db.engine, during)
    assert during_events[0]["type"] == "session_started" and during_events[0]["channel"] == "api"
    assert during_events[1:] == as_json(spooled[during])
    assert stored_turns(db.engine, during) == [(1, "new conversation")]
    assert any("flushed 4" in r.getMessage() for r in caplog.records if r.levelno == logging.INFO)  # serve shows the spool's info lines
    # back to direct writes
    store.append(during, *turn(during, 2, "after"))
    assert store.pending() == 0 and stored_turns(db.engine, during)[-1] == (2, "after")


def test_a_stopping_server_stores_its_spool_when_the_database_is_back_and_says_what_is_left(db, store, caplog) -> None:
    """A server scaled in kept its spooled writes on its own disk until one started again on its data folder."""
    session = store.create_session()
    db.down()
    store.append(session, *turn(session, 1, "during the outage"))
    assert store.flush_before_exit(seconds=5) == 1  # still down: kept, and said
    assert any("1 conversation write(s) are still in" in r.getMessage() for r in caplog.records if r.levelno == logging.WARNING)

    db.up()  # back before the retry thread's next try, and the server is stopped now
    assert store.flush_before_exit(seconds=5) == 0
    assert stored_turns(db.engine, session) == [(1, "during the outage")] and store.pending() == 0


def test_writes_keep_spooling_while_anything_is_pending(db, store) -> None:
    session_id = store.create_session()
    db.down()
    store.append(session_id, *turn(session_id, 1, "one"))
    db.up()
    store.append(session_id, *turn(session_id, 2, "two"))  # the database is up, but "one" is not in yet

    assert store.pending() == 2 and stored_turns(db.engine, session_id) == []
    assert [e.type_name for e in store.load_events(session_id)] == ["session_started", "user", "bot", "user", "bot"]
    assert store.flush() == 2
    assert stored_turns(db.engine, session_id) == [(1, "one"), (2, "two")]


def test_a_stale_write_is_refused_while_writes_wait_in_the_spool(db, store) -> None:
    session_id, other = store.create_session(), store.create_session()
    seen = len(store.load_events(session_id))
    db.down()
    store.append(other, *turn(other, 1, "elsewhere"))  # something waits in the spool
    store.append(session_id, *turn(session_id, 1, "first"), expected_events=seen)

    with pytest.raises(ConversationChanged):  # decided on the conversation before "first"
        store.append(session_id, *turn(session_id, 1, "stale"), expected_events=seen)
    db.up()
    with pytest.raises(ConversationChanged):  # the database is back, "first" not in it yet
        store.append(session_id, *turn(session_id, 1, "stale"), expected_events=seen)
    store.append(session_id, *turn(session_id, 2, "second"), expected_events=seen + 2)

    assert store.flush() == 3
    assert stored_turns(db.engine, session_id) == [(1, "first"), (2, "second")]


def test_a_turn_spooled_on_a_stale_view_is_numbered_after_the_turns_another_server_stored(
    db, store, tmp_path: Path
) -> None:
    """Two servers, no sticky sessions: the database goes away for one of them, which carries the conversation
    on from what it last saw; the other stored a turn 2 meanwhile. Before, the replay stored a second turn 2."""
    session_id = store.create_session()
    events, record = turn(session_id, 1, "first")
    store.append(session_id, events, record, expected_events=len(store.load_events(session_id)))
    other = SwitchableDatabase(tmp_path / "db" / "assistant.db")  # the second server, its own connections
    try:
        other.store.append(session_id, *turn(session_id, 2, "on the other server"))
        db.down()
        seen = len(store.load_events(session_id))  # this server's last view: turn 1 only
        store.append(session_id, *turn(session_id, 2, "on this server"), expected_events=seen)
        db.up()

        assert store.flush() == 1
    finally:
        other.engine.dispose()
    assert stored_turns(db.engine, session_id) == [(1, "first"), (2, "on the other server"), (3, "on this server")]
    assert [e["text"] for e in stored_events(db.engine, session_id) if e["type"] == "user"] == [
        "first", "on the other server", "on this server",
    ]


def test_a_restart_picks_up_the_spool_and_resumes_where_it_stopped(db, store, spool_path: Path, monkeypatch) -> None:
    session_id = store.create_session()
    db.down()
    for no in (1, 2, 3):
        store.append(session_id, *turn(session_id, no, f"turn {no}"))
    store.close()

    real_append = db.store.append
    calls = []

    def append_then_fail(*args, **kwargs):  # type: ignore[no-untyped-def]
        calls.append(args)
        if len(calls) == 2:
            raise OperationalError("INSERT", None, ConnectionRefusedError("the database went away again"))
        real_append(*args, **kwargs)

    monkeypatch.setattr(db.store, "append", append_then_fail)
    restarted = SpoolingStore(db.store, spool_path, retry_seconds=None)
    assert restarted.pending() == 3
    db.up()
    assert restarted.flush() == 1 and restarted.pending() == 2
    assert restarted.offset_path.exists()
    restarted.close()

    monkeypatch.setattr(db.store, "append", real_append)
    db.down()
    again = SpoolingStore(db.store, spool_path, retry_seconds=None)
    assert again.pending() == 2  # the first one is not replayed again
    db.up()
    assert again.flush() == 2
    again.close()
    assert stored_turns(db.engine, session_id) == [(1, "turn 1"), (2, "turn 2"), (3, "turn 3")]
    assert [e["type"] for e in stored_events(db.engine, session_id)] == ["session_started"] + ["user", "bot"] * 3
    assert not spool_path.exists()


def test_the_background_thread_flushes_when_the_database_is_back(db, spool_path: Path) -> None:
    store = SpoolingStore(db.store, spool_path, retry_seconds=0.05)
    try:
        session_id = store.create_session()
        db.down()
        store.append(session_id, *turn(session_id, 1, "during the outage"))
        time.sleep(0.2)
        assert store.pending() == 1
        db.up()
        deadline = time.monotonic() + 10
        while store.pending() and time.monotonic() < deadline:
            time.sleep(0.02)
        assert store.pending() == 0
        assert stored_turns(db.engine, session_id) == [(1, "during the outage")]
    finally:
        store.close()


def test_once_spooling_only_the_retry_thread_tries_the_database(db, spool_path: Path, monkeypatch) -> None:
    """A database that does not answer costs a connect timeout per attempt: after the first failed write,
    turns carry on from memory and the spool without trying it, until a flush reaches it again."""
    store = SpoolingStore(db.store, spool_path, retry_seconds=3600)  # the thread exists; the test flushes
    try:
        session_id = store.create_session()
        db.down()
        store.append(session_id, *turn(session_id, 1, "first failure"))
        tries: list[str] = []
        for name in ("load_events", "has_session", "append", "create_session"):
            real = getattr(db.store, name)
            monkeypatch.setattr(db.store, name, lambda *a, _real=real, _name=name, **k: (tries.append(_name), _real(*a, **k))[1])

        assert [e.type_name for e in store.load_events(session_id)] == ["session_started", "user", "bot"]
        store.append(session_id, *turn(session_id, 2, "second"), expected_events=3)
        other = store.create_session()
        store.append(other, *turn(other, 1, "new conversation"))
        assert [e.type_name for e in store.load_events(other)] == ["session_started", "user", "bot"]
        assert tries == [] and store.pending() == 4

        db.up()
        assert store.flush() == 4 and tries  # the flush is what tries the database
        tries.clear()
        store.load_events(session_id)
        assert tries == ["load_events"]  # reachable again: read from the database
        assert stored_turns(db.engine, session_id) == [(1, "first failure"), (2, "second")]
    finally:
        store.close()

class SchemaCheck:
    """``confirm_schema`` for a store opened while its database was down: unreachable while ``db`` is down,
    ``problem`` (a database it cannot use) when set, else the migrations run."""

    def __init__(self, db: SwitchableDatabase) -> None:
        self.db, self.problem, self.calls = db, None, 0

    def __call__(self) -> None:
        from assistant.store.db import DatabaseUnreachable, migrate

        self.calls += 1
        if self.db.is_down:
            raise DatabaseUnreachable("Cannot open the database: connection refused (switched off by the test)")
        if self.problem:
            raise StoreUnavailable(self.problem)
        migrate(self.db.engine)


def test_a_store_opened_without_its_database_spools_until_the_schema_is_confirmed(db, spool_path: Path, monkeypatch) -> None:
    """`assistant serve` with the database down at start: nothing touches the database until its schema is
    confirmed (it may come back unmigrated); then the spool is flushed and writes go straight to it again."""
    db.down()
    check = SchemaCheck(db)
    store = SpoolingStore(db.store, spool_path, retry_seconds=None, confirm_schema=check)
    tries: list[str] = []
    for name in ("load_events", "has_session", "append", "create_session"):
        real = getattr(db.store, name)
        monkeypatch.setattr(db.store, name, lambda *a, _real=real, _name=name, **k: (tries.append(_name), _real(*a, **k))[1])
    try:
        assert store.status() == {"database": "down", "spooled_writes": 0}
        session_id = store.create_session()
        store.append(session_id, *turn(session_id, 1, "before the database"), expected_events=1)
        assert [e.type_name for e in store.load_events(session_id)] == ["session_started", "user", "bot"]
        assert tries == [] and store.status() == {"database": "down", "spooled_writes": 2}
        assert store.flush() == 0 and check.calls == 1

        db.up()
        assert tries == [] and store.status()["database"] == "down"  # up, but not confirmed: still not used
        assert store.flush() == 2 and check.calls == 2
        assert store.status() == {"database": "up", "spooled_writes": 0}
        assert stored_turns(db.engine, session_id) == [(1, "before the database")]
        tries.clear()
        store.append(session_id, *turn(session_id, 2, "after"))
        assert tries == ["append"] and store.pending() == 0  # straight to the database now
        assert store.flush() == 0 and check.calls == 2  # confirmed once
    finally:
        store.close()


def test_a_database_that_answers_but_cannot_be_used_is_reported_and_not_written(db, spool_path: Path, caplog) -> None:
    check = SchemaCheck(db)
    check.problem = "Cannot migrate the database sqlite:///x: the database is at revision f00d, which this version does not know"
    store = SpoolingStore(db.store, spool_path, retry_seconds=None, confirm_schema=check)
    try:
        session_id = store.create_session()
        with caplog.at_level(logging.ERROR, logger="assistant.store.spool"):
            assert store.flush() == 0 and store.flush() == 0
        assert store.status() == {"database": "error", "spooled_writes": 1, "database_error": check.problem}
        assert [r.getMessage() for r in caplog.records].count(
            f"The database answers but cannot be used: {check.problem}; conversation writes wait in {spool_path}"
        ) == 1  # logged once, not at every retry
        assert not db.store.has_session(session_id)

        check.problem = None  # e.g. the newer release was rolled back
        assert store.flush() == 1 and store.status() == {"database": "up", "spooled_writes": 0}
        assert db.store.has_session(session_id)
    finally:
        store.close()


def test_the_retry_thread_confirms_the_schema_with_nothing_spooled(db, spool_path: Path) -> None:
    db.down()
    store = SpoolingStore(db.store, spool_path, retry_seconds=0.05, confirm_schema=SchemaCheck(db))
    try:
        time.sleep(0.2)
        assert store.status()["database"] == "down"
        db.up()
        deadline = time.monotonic() + 10
        while store.status()["database"] != "up" and time.monotonic() < deadline:
            time.sleep(0.02)
        assert store.status() == {"database": "up", "spooled_writes": 0}
    finally:
        store.close()


def test_one_process_at_a_time_holds_a_spool(spool_path: Path) -> None:
    """Two servers sharing a spool would each replay it as their own and delete it once their own writes
    are in, losing the other's; ``assistant serve`` holds it, so the second one stops at start."""
    from assistant.store.spool import SpoolInUse, hold_spool

    first = hold_spool(spool_path)
    with pytest.raises(SpoolInUse, match="give each server its own data_dir"):
        hold_spool(spool_path)
    first.close()  # the first server stopped
    hold_spool(spool_path).close()

    blocked = spool_path.parent / "not-a-folder"
    blocked.write_text("")  # e.g. a read-only or mistyped data_dir: one line at start, not at the first outage
    with pytest.raises(StoreUnavailable, match="cannot use the spool folder .*not-a-folder"):
        hold_spool(blocked / "turns.jsonl")

def test_a_restart_during_the_outage_flushes_later_in_the_background(db, store, spool_path: Path) -> None:
    db.down()
    session_id = store.create_session()
    store.append(session_id, *turn(session_id, 1, "hello"))
    store.close()

    db.up()
    restarted = SpoolingStore(db.store, spool_path, retry_seconds=0.05)
    try:
        deadline = time.monotonic() + 10
        while restarted.pending() and time.monotonic() < deadline:
            time.sleep(0.02)
        assert restarted.pending() == 0 and stored_turns(db.engine, session_id) == [(1, "hello")]
    finally:
        restarted.close()


def test_replays_are_idempotent_when_the_acknowledgement_was_lost(db, store, monkeypatch) -> None:
    monkeypatch.setattr(db.store, "create_session", lost_acknowledgement(db.store.create_session))
    session_id = store.create_session()  # committed, but the store believes it failed
    monkeypatch.undo()
    assert store.pending() == 1
    assert store.flush() == 0 and store.pending() == 0  # it was in the database already

    monkeypatch.setattr(db.store, "append", lost_acknowledgement(db.store.append))
    store.append(session_id, *turn(session_id, 1, "once"))
    monkeypatch.undo()
    assert store.pending() == 1
    assert store.flush() == 0 and store.pending() == 0
    assert [e["type"] for e in stored_events(db.engine, session_id)] == ["session_started", "user", "bot"]
    assert stored_turns(db.engine, session_id) == [(1, "once")]
    assert store.session_count() == 1


def test_a_replayed_create_for_an_existing_session_does_not_fail(db, store, spool_path: Path) -> None:
    session_id = store.create_session()
    db.down()
    store.append(session_id, *turn(session_id, 1, "x"))
    store.close()
    # a create record for a session the database has already (as after a crash before the offset was saved)
    spool = spool_path.read_text()
    record = json.loads(spool.splitlines()[0]) | {"id": "c1", "op": "create", "channel": "web", "turn": None}
    record["events"] = [SessionStarted().to_dict()]
    spool_path.write_text(json.dumps(record) + "\n" + spool)

    restarted = SpoolingStore(db.store, spool_path, retry_seconds=None)
    db.up()
    assert restarted.pending() == 2
    assert restarted.flush() == 1 and restarted.pending() == 0
    restarted.close()
    assert [e["type"] for e in stored_events(db.engine, session_id)] == ["session_started", "user", "bot"]


def test_unknown_sessions(db, store, spool_path: Path) -> None:
    with pytest.raises(UnknownSession):
        store.load_events("no-such-session")
    with pytest.raises(UnknownSession):
        store.append("no-such-session", *turn("no-such-session", 1, "x"))

    known = store.create_session()
    db.down()
    with pytest.raises(StoreUnavailable):  # neither memory nor the spool knows it: only the database could tell
        store.load_events("no-such-session")
    assert [e.type_name for e in store.load_events(known)] == ["session_started"]
    store.append(known, *turn(known, 1, "ok"))
    db.up()
    with pytest.raises(UnknownSession):  # while spooling, an append is checked against the database
        store.append("no-such-session", *turn("no-such-session", 1, "x"))
    assert store.flush() == 1


def test_a_record_the_database_refuses_goes_to_the_rejected_file(db, store, spool_path: Path) -> None:
    session_id = store.create_session()
    db.down()
    store.append("ghost", *turn("ghost", 1, "lost"))  # cannot be checked while down: spooled
    store.append(session_id, *turn(session_id, 1, "kept"))
    db.up()

    assert store.flush() == 1 and store.pending() == 0
    [rejected] = [json.loads(line) for line in store.rejected_path.read_text().splitlines()]
    assert rejected["session_id"] == "ghost" and "UnknownSession" in rejected["error"]
    assert stored_turns(db.engine, session_id) == [(1, "kept")]


def test_a_torn_last_line_is_dropped_on_start(db, store, spool_path: Path) -> None:
    session_id = store.create_session()
    db.down()
    store.append(session_id, *turn(session_id, 1, "whole"))
    store.close()
    with open(spool_path, "ab") as spool:
        spool.write(b'{"id": "torn", "op": "app')  # a crash in the middle of a write

    restarted = SpoolingStore(db.store, spool_path, retry_seconds=None)
    assert restarted.pending() == 1
    restarted.append(session_id, *turn(session_id, 2, "after the crash"))
    db.up()
    assert restarted.flush() == 2
    restarted.close()
    assert stored_turns(db.engine, session_id) == [(1, "whole"), (2, "after the crash")]


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs Linux's /dev/full (every write to it: no space left)")
def test_a_full_disk_holds_the_turn_in_memory_until_the_database_takes_it(db, store, spool_path: Path, caplog) -> None:
    session_id = store.create_session()
    db.down()  # a full disk fails the database's writes, and then the spool's
    spool_path.parent.mkdir(parents=True, exist_ok=True)
    spool_path.symlink_to("/dev/full")

    store.append(session_id, *turn(session_id, 1, "written on a full disk"))
    store.append(session_id, *turn(session_id, 2, "and another"))

    assert store.pending() == 2
    status = store.status()
    assert status["database"] == "down" and status["spooled_writes"] == 2
    assert "2 write(s) held in memory only" in status["spool_error"] and "No space left" in status["spool_error"]
    assert [e.text for e in store.load_events(session_id) if isinstance(e, UserMessage)] == ["written on a full disk", "and another"]
    assert sum("cannot write the spool" in r.getMessage() for r in caplog.records) == 1  # once, not per write

    spool_path.unlink()  # room again
    db.up()
    assert store.flush() == 2
    assert stored_turns(db.engine, session_id) == [(1, "written on a full disk"), (2, "and another")]
    assert "spool_error" not in store.status() and store.pending() == 0


def test_a_spool_line_cut_short_by_a_full_disk_is_removed_before_the_next(db, store, spool_path: Path, monkeypatch) -> None:
    session_id = store.create_session()
    db.down()
    store.append(session_id, *turn(session_id, 1, "spooled whole"))
    whole = spool_path.read_bytes()
    real_fsync = os.fsync

    def full_disk(descriptor: int) -> None:  # the line reached the file, then the disk was full
        monkeypatch.setattr("assistant.store.spool.os.fsync", real_fsync)
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("assistant.store.spool.os.fsync", full_disk)
    store.append(session_id, *turn(session_id, 2, "held in memory"))
    assert spool_path.read_bytes() == whole  # the part that got out is cut off again
    store.append(session_id, *turn(session_id, 3, "spooled after"))  # the held one first, then this one
    store.close()

    restarted = SpoolingStore(db.store, spool_path, retry_seconds=None)  # every line of the file reads back
    assert restarted.pending() == 3
    db.up()
    assert restarted.flush() == 3
    restarted.close()
    assert stored_turns(db.engine, session_id) == [(1, "spooled whole"), (2, "held in memory"), (3, "spooled after")]


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs Linux's /dev/full (every write to it: no space left)")
def test_writes_held_in_memory_on_a_full_disk_go_to_the_spool_once_it_has_room(db, spool_path: Path, caplog) -> None:
    """They stayed in memory until the database took them, though the disk had room again: a server stopped
    meanwhile lost them."""
    store = SpoolingStore(db.store, spool_path, retry_seconds=0.05)
    session_id = store.create_session()
    db.down()
    spool_path.parent.mkdir(parents=True, exist_ok=True)
    spool_path.symlink_to("/dev/full")
    store.append(session_id, *turn(session_id, 1, "written on a full disk"))
    store.append(session_id, *turn(session_id, 2, "and another"))
    assert "spool_error" in store.status()

    spool_path.unlink()  # room again, the database still down: the retry thread writes them to the spool
    deadline = time.monotonic() + 10
    while "spool_error" in store.status() and time.monotonic() < deadline:
        time.sleep(0.02)
    assert "spool_error" not in store.status() and store.pending() == 2
    store.close()  # the server stops before the database is back
    assert not any("could not be written" in record.getMessage() for record in caplog.records)  # none lost

    restarted = SpoolingStore(db.store, spool_path, retry_seconds=None)
    assert restarted.pending() == 2
    db.up()
    assert restarted.flush() == 2
    restarted.close()
    assert stored_turns(db.engine, session_id) == [(1, "written on a full disk"), (2, "and another")]


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs Linux's /dev/full (every write to it: no space left)")
def test_a_server_stopped_with_the_disk_still_full_says_how_many_writes_it_loses(db, spool_path: Path, caplog) -> None:
    store = SpoolingStore(db.store, spool_path, retry_seconds=None)
    session_id = store.create_session()
    db.down()
    spool_path.parent.mkdir(parents=True, exist_ok=True)
    spool_path.symlink_to("/dev/full")
    store.append(session_id, *turn(session_id, 1, "written on a full disk"))

    assert store.flush_before_exit(seconds=1) == 1
    store.close()

    lost = [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR and r.getMessage().endswith("are lost")]
    assert lost and lost[0].startswith("1 conversation write(s) held in memory only") and "No space left" in lost[0]
    assert not any("are still in" in r.getMessage() for r in caplog.records)  # none is in the spool file


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs Linux's /dev/full (every write to it: no space left)")
def test_a_server_stopping_after_a_full_disk_writes_what_it_held_in_memory_to_the_spool(isolated, caplog) -> None:
    """The app's close reached the spool only when the store was the spooling store itself: with redaction on
    (the default) or a handoff webhook it is wrapped, so a stopping server neither tried the database once more
    nor kept the writes it held in memory."""
    from assistant.app import Assistant
    from assistant.config import load_settings

    app = Assistant(load_settings(embedder="hash", generator="scripted"))
    store = app.store  # the redacting store, over the spooling store
    session_id = store.create_session()
    switched_off = [True]

    def refuse(dialect, record, cargs, cparams):  # type: ignore[no-untyped-def]
        if switched_off[0]:
            raise sqlite3.OperationalError("unable to open database file (switched off by the test)")
        return None

    event.listen(app.sql_store.engine, "do_connect", refuse)
    app.sql_store.engine.dispose()
    app.spool_path.symlink_to("/dev/full")
    store.append(session_id, *turn(session_id, 1, "written on a full disk"))
    store.append(session_id, *turn(session_id, 2, "and another"))
    app.spool_path.unlink()  # room again, the database still down

    with caplog.at_level(logging.WARNING):
        app.close()
    assert not any("could not be written" in record.getMessage() for record in caplog.records)  # none lost
    assert "2 conversation write(s) are still in" in caplog.text

    switched_off[0] = False
    restarted = SpoolingStore(app.sql_store, app.spool_path, retry_seconds=None)
    assert restarted.pending() == 2 and restarted.flush() == 2
    restarted.close()
    assert stored_turns(app.sql_store.engine, session_id) == [(1, "written on a full disk"), (2, "and another")]


def test_a_postgresql_that_turns_read_only_spools_the_writes_until_one_takes_writes_again(spool_path: Path) -> None:
    from tests.postgres_schemas import fresh_schema

    with fresh_schema("spool_read_only") as url:
        engine = make_engine(url)
        failed_over = {"to_a_standby": False}

        @event.listens_for(engine, "connect")
        def like_a_standby(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
            if failed_over["to_a_standby"]:  # the address now reaches a server that takes no writes
                dbapi_connection.execute("SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY")
                dbapi_connection.commit()

        store = SpoolingStore(SqlStore(engine), spool_path, retry_seconds=None)
        try:
            session_id = store.create_session()
            store.append(session_id, *turn(session_id, 1, "before the failover"))
            failed_over["to_a_standby"] = True
            engine.dispose()  # the old primary's connections are gone

            store.append(session_id, *turn(session_id, 2, "while read-only"))
            assert store.pending() == 1 and store.status()["database"] == "down"
            assert store.flush() == 0  # still read-only: the write waits

            failed_over["to_a_standby"] = False  # the new primary is promoted
            assert store.flush() == 1
            assert stored_turns(engine, session_id) == [(1, "before the failover"), (2, "while read-only")]
        finally:
            store.close()
            engine.dispose()


def test_history_unknown_to_this_process_is_unavailable_not_unknown(db, store, spool_path: Path) -> None:
    session_id = store.create_session()
    db.down()
    store.append(session_id, *turn(session_id, 1, "x"))
    store.close()
    restarted = SpoolingStore(db.store, spool_path, retry_seconds=None)  # a new process: empty cache
    with pytest.raises(StoreUnavailable):
        restarted.load_events(session_id)
    restarted.close()


def test_the_cache_is_bounded(db, spool_path: Path) -> None:
    store = SpoolingStore(db.store, spool_path, retry_seconds=None, cache_sessions=2)
    sessions = [store.create_session() for _ in range(3)]
    db.down()
    with pytest.raises(StoreUnavailable):
        store.load_events(sessions[0])  # forgotten (least recently used): unavailable, not unknown
    assert [e.type_name for e in store.load_events(sessions[2])] == ["session_started"]
    store.close()


def test_the_cache_forgets_conversations_idle_for_an_hour(db, spool_path: Path) -> None:
    """A server that runs for weeks kept the last 10,000 conversations in memory (12 KB for three turns, and
    the customers' words); now those used within the hour, which an outage may still interrupt."""
    now = [0.0]
    store = SpoolingStore(db.store, spool_path, retry_seconds=None, clock=lambda: now[0])
    finished = store.create_session()
    under_way = store.create_session()
    now[0] += 3000
    store.append(under_way, *turn(under_way, 1, "still talking"))
    now[0] += 1000  # the first conversation has been idle for 4,000 s, the second for 1,000 s
    store.create_session()
    db.down()

    with pytest.raises(StoreUnavailable):
        store.load_events(finished)
    assert [e.type_name for e in store.load_events(under_way)] == ["session_started", "user", "bot"]
    store.close()


def test_a_postgresql_server_that_is_not_there(tmp_path: Path, spool_path: Path) -> None:
    """The real driver's "connection refused" is recognised as an outage."""
    pytest.importorskip("psycopg")
    engine = create_engine(f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/postgres", pool_pre_ping=True)
    store = SpoolingStore(SqlStore(engine), spool_path, retry_seconds=None)
    try:
        session_id = store.create_session()
        store.append(session_id, *turn(session_id, 1, "anyone there?"))
        assert store.pending() == 2
        assert [e.type_name for e in store.load_events(session_id)] == ["session_started", "user", "bot"]
    finally:
        store.close()
        engine.dispose()


# -- real dialog turns across an outage ----------------------------------------------------------

QUESTIONS = [
    "How long is a password reset link valid?",
    "How much does express shipping cost?",
    "hello",
    "Can I return opened software?",
    "Do you offer gift wrapping?",
    "xylophone quantum zebra",
]


class RecordingStore:
    """Passes calls to the store and remembers every write that returned, to check the database against."""

    def __init__(self, store: SpoolingStore) -> None:
        self.store = store
        self.created: list[str] = []
        self.appended: dict[str, list[tuple[list[dict], TurnRecord | None]]] = defaultdict(list)
        self._lock = threading.Lock()

    def create_session(self, channel: str = "web") -> str:
        session_id = self.store.create_session(channel)
        with self._lock:
            self.created.append(session_id)
        return session_id

    def load_events(self, session_id: str) -> list[Event]:
        return self.store.load_events(session_id)

    def append(
        self, session_id: str, events: list[Event], turn: TurnRecord | None = None, expected_events: int | None = None
    ) -> None:
        self.store.append(session_id, events, turn, expected_events)
        with self._lock:
            self.appended[session_id].append((as_json(events), turn))


class TurnRunner:
    """Runs dialog turns in a thread, over a few conversations and starting new ones now and then."""

    def __init__(self, manager: DialogManager) -> None:
        self.manager = manager
        self.done = 0
        self.errors: list[BaseException] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        sessions = [self.manager.start_session() for _ in range(3)]
        n = 0
        while not self._stop.is_set():
            question = QUESTIONS[n % len(QUESTIONS)]
            try:
                if n % 7 == 6:
                    sessions.append(self.manager.handle(None, question).session_id)
                else:
                    self.manager.handle(sessions[n % len(sessions)], question)
            except BaseException as error:  # noqa: BLE001 - reported by the test
                self.errors.append(error)
                return
            n += 1
            self.done = n
            time.sleep(0.003)

    def wait_for(self, turns: int, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while self.done < turns and not self.errors and time.monotonic() < deadline:
            time.sleep(0.01)
        assert not self.errors, self.errors
        assert self.done >= turns, f"only {self.done} turns in {timeout} s"

    def __enter__(self) -> TurnRunner:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=30)


def run_through_an_outage(assistant, store: SpoolingStore, stop: Callable[[], None], start: Callable[[], None]):
    """Real turns (the fakes' manager) before, during and after an outage; returns the recorded writes."""
    recording = RecordingStore(store)
    manager = DialogManager(recording, assistant.manager.answer_action)
    with TurnRunner(manager) as runner:
        runner.wait_for(15)
        stop()
        runner.wait_for(runner.done + 15)
        assert store.pending() > 0, "nothing was spooled while the database was down"
        start()
        runner.wait_for(runner.done + 15)
    assert not runner.errors, runner.errors
    deadline = time.monotonic() + 30
    while store.pending() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert store.pending() == 0, "the spool was not flushed"
    assert sum(len(v) for v in recording.appended.values()) == runner.done
    return recording


def check_every_turn_arrived(engine: Engine, recording: RecordingStore) -> None:
    with engine.connect() as connection:
        assert set(connection.scalars(select(SessionRow.id))) == set(recording.created)
    assert len(recording.created) > 3
    for session_id in recording.created:
        events = stored_events(engine, session_id)  # also checks seq is 0, 1, 2 … without gaps
        writes = recording.appended[session_id]
        assert events[0]["type"] == "session_started"
        assert events[1:] == [e for batch, _ in writes for e in batch], session_id
        turns = [(t.turn_no, t.user_text) for _, t in writes if t is not None]
        assert stored_turns(engine, session_id) == turns
        assert [no for no, _ in turns] == list(range(1, len(turns) + 1))


def test_dialog_turns_survive_an_outage_sqlite(assistant, db: SwitchableDatabase, spool_path: Path) -> None:
    store = SpoolingStore(db.store, spool_path, retry_seconds=0.1)
    try:
        recording = run_through_an_outage(assistant, store, db.down, db.up)
    finally:
        store.close()
    check_every_turn_arrived(db.engine, recording)


# -- the acceptance test: a private PostgreSQL server, stopped in the middle of a run --------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class PrivatePostgres:
    """A throwaway PostgreSQL 15 cluster in a temp folder, run as the ``postgres`` OS user."""

    def __init__(self) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="spool-pg-"))
        shutil.chown(self.root, "postgres", "postgres")
        self.data = self.root / "data"
        self.log = self.root / "server.log"
        self.port = free_port()
        self.url = f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, *args: str) -> subprocess.CompletedProcess:
        command = list(args) if os.geteuid() != 0 else ["runuser", "-u", "postgres", "--", *args]
        return subprocess.run(command, cwd=self.root, capture_output=True, text=True, timeout=60)

    def init(self) -> None:
        done = self._run(str(PG_BIN / "initdb"), "-D", str(self.data), "-U", "postgres", "-A", "trust",
                         "--no-locale", "-E", "UTF8", "--no-sync")
        if done.returncode:
            raise RuntimeError(f"initdb failed: {done.stderr.strip()[-500:]}")

    def start(self) -> None:
        options = f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.root} -c fsync=off"
        done = self._run(str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-l", str(self.log), "-o", options,
                         "-w", "-t", "30", "start")
        if done.returncode:
            log = self.log.read_text()[-800:] if self.log.exists() else ""
            raise RuntimeError(f"pg_ctl start failed: {done.stdout.strip()} {done.stderr.strip()} {log}")

    def stop(self, mode: str = "fast") -> None:
        done = self._run(str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "-t", "30", "stop")
        if done.returncode:
            raise RuntimeError(f"pg_ctl stop failed: {done.stderr.strip()}")

    def remove(self) -> None:
        if (self.data / "postmaster.pid").exists():
            self._run(str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w", "stop")
        shutil.rmtree(self.root, ignore_errors=True)


def postgres_unavailable_reason() -> str | None:
    missing = [name for name in ("initdb", "pg_ctl", "postgres") if not (PG_BIN / name).exists()]
    if missing:
        return f"PostgreSQL 15 binaries missing in {PG_BIN}: {', '.join(missing)}"
    try:
        user = pwd.getpwnam("postgres")
    except KeyError:
        return "no 'postgres' OS user to run a private PostgreSQL server as"
    if os.geteuid() != 0 and os.geteuid() != user.pw_uid:
        return "a private PostgreSQL server needs root (runuser) or the postgres user"
    if os.geteuid() == 0 and shutil.which("runuser") is None:
        return "runuser is missing"
    try:
        import psycopg  # noqa: F401
    except ImportError:
        return "the psycopg (v3) driver is not installed"
    return None


@pytest.fixture
def private_postgres() -> Iterator[PrivatePostgres]:
    reason = postgres_unavailable_reason()
    if reason:
        pytest.skip(reason)
    server = PrivatePostgres()
    try:
        try:
            server.init()
            server.start()
        except (RuntimeError, OSError, subprocess.TimeoutExpired) as error:
            pytest.skip(f"cannot start a private PostgreSQL server: {error}")
        yield server
    finally:
        server.remove()


def test_postgresql_stopped_in_the_middle_of_a_run_loses_no_turn(assistant, private_postgres, spool_path: Path) -> None:
    engine = make_engine(private_postgres.url)
    store = SpoolingStore(SqlStore(engine), spool_path, retry_seconds=0.2)
    try:
        recording = run_through_an_outage(assistant, store, private_postgres.stop, private_postgres.start)
    finally:
        store.close()
        engine.dispose()
    assert not store.rejected_path.exists()
    check = create_engine(private_postgres.url, poolclass=NullPool)
    try:
        check_every_turn_arrived(check, recording)
    finally:
        check.dispose()
