"""Erasure and access requests: what `assistant logs delete` notes in DATA_DIR/spool/turns.jsonl.erased (digests, not
ids; a file of an earlier version still read), what a failed delete says and leaves, the Gradio copies of the review
pages' downloads it removes, and `assistant logs export --session`. Real SQLite, real files, the real command."""

from __future__ import annotations

import json
import sqlite3
import uuid
from pathlib import Path

import pytest
from typer.testing import CliRunner

from assistant import cli
from assistant.cli import app
from assistant.store import SpoolingStore, SqlStore, make_engine
from assistant.store import db as db_module
from assistant.store.spool import erasures_file, is_erased, record_erasures, spool_file
from assistant.store.tables import erasure_digest
from dialog.events import BotAnswer, UserMessage


@pytest.fixture
def runner(monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setattr(cli.out, "_width", 300)
    monkeypatch.setattr(cli.err, "_width", 300)
    return CliRunner()


def command(runner: CliRunner, data_dir: Path, url: str, *args: str):  # noqa: ANN201 - a click Result
    return runner.invoke(app, ["--data-dir", str(data_dir), "--database-url", url, "logs", *args])


def spooled_append(session_id: str, text: str) -> str:
    events = [UserMessage(text=text).to_dict(), BotAnswer(text="Here you are.").to_dict()]
    return json.dumps({"id": uuid.uuid4().hex, "op": "append", "session_id": session_id, "channel": "web",
                       "events": events, "turn": None, "spooled_at": 1_765_000_000.0})


def test_the_erasures_file_holds_digests_not_ids(tmp_path: Path) -> None:
    """The file kept each erased conversation's id in plain text (and backups copy it), where the database keeps
    only its digest."""
    spool = spool_file(tmp_path / "data")
    erased = uuid.uuid4().hex
    record_erasures(spool, [erased])
    text = erasures_file(spool).read_text(encoding="utf-8")
    assert erased not in text and erasure_digest(erased) in text
    assert is_erased(spool, erased) and not is_erased(spool, uuid.uuid4().hex)


def test_an_erasures_file_of_the_previous_version_is_still_read(tmp_path: Path) -> None:
    """A file written before digests (one {"session_id": …} a line) still drops its conversations' spooled writes."""
    engine = make_engine(f"sqlite:///{tmp_path / 'a.db'}")
    database = SqlStore(engine)
    erased, kept = database.create_session(), database.create_session()
    spool = spool_file(tmp_path / "data")
    spool.parent.mkdir(parents=True)
    erasures_file(spool).write_text(json.dumps({"session_id": erased, "erased_at": 1_765_000_000.0}) + "\n")
    record_erasures(spool, [uuid.uuid4().hex])  # a later erasure appends a digest to the old file
    spool.write_text(spooled_append(erased, "my phone is 555 0100") + "\n" + spooled_append(kept, "Do you ship?") + "\n")
    with engine.begin() as connection:  # deleted by the previous version's command
        for table in ("turns", "events", "sessions"):
            connection.exec_driver_sql(f"DELETE FROM {table} WHERE {'id' if table == 'sessions' else 'session_id'} = ?",
                                       (erased,))
    assert is_erased(spool, erased)
    store = SpoolingStore(database, spool, retry_seconds=None)
    try:
        assert store.flush() == 1
        assert not database.has_session(erased) and not store.rejected_path.exists()
    finally:
        store.close()
        engine.dispose()


@pytest.fixture
def short_busy_timeout(monkeypatch: pytest.MonkeyPatch) -> None:
    """SQLite waits 30 s for a lock; a test waits a fifth of a second."""
    original = db_module._enable_sqlite_wal

    def shorter(dbapi_connection, record) -> None:  # type: ignore[no-untyped-def]
        original(dbapi_connection, record)
        dbapi_connection.execute("PRAGMA busy_timeout=200")

    monkeypatch.setattr(db_module, "_enable_sqlite_wal", shorter)


def test_a_delete_the_locked_database_refused_says_nothing_was_deleted_and_notes_nothing(
    runner: CliRunner, tmp_path: Path, short_busy_timeout: None
) -> None:
    """It printed only "Cannot open the database …: database is locked" and still noted the id as erased: a server on
    that data folder then answered the conversation, still stored, as unknown during an outage."""
    path = tmp_path / "a.db"
    url = f"sqlite:///{path}"
    engine = make_engine(url)
    database = SqlStore(engine)
    kept = database.create_session()
    database.append(kept, [UserMessage(text="I'm Jane Doe"), BotAnswer(text="Hello Jane.")])
    data_dir = tmp_path / "data"
    record_erasures(spool_file(data_dir), ["c" * 32])  # an earlier erasure: kept
    before = erasures_file(spool_file(data_dir)).read_bytes()
    writer = sqlite3.connect(path, isolation_level=None)
    try:
        writer.execute("BEGIN IMMEDIATE")  # another process holds the write lock (a migration, a purge)
        result = command(runner, data_dir, url, "delete", kept)
    finally:
        writer.execute("ROLLBACK")
        writer.close()
    assert result.exit_code == 1
    said = " ".join(result.output.split())
    assert "database is locked" in said and "nothing was deleted" in said and f"logs delete {kept}" in said
    assert erasures_file(spool_file(data_dir)).read_bytes() == before
    assert not is_erased(spool_file(data_dir), kept)
    assert [e.text for e in database.load_events(kept) if isinstance(e, UserMessage)] == ["I'm Jane Doe"]
    again = command(runner, data_dir, url, "delete", kept)  # run again, the lock gone: deleted and noted
    assert again.exit_code == 0, again.output
    assert not database.has_session(kept) and is_erased(spool_file(data_dir), kept)
    engine.dispose()


def test_delete_removes_the_gradio_copies_of_the_conversations_review_files(runner: CliRunner, tmp_path: Path) -> None:
    """A conversation test downloaded from the review page stayed in Gradio's cache (DATA_DIR/tmp/gradio/<hash>/)
    after the erasure, until Gradio's clean-up."""
    url = f"sqlite:///{tmp_path / 'a.db'}"
    engine = make_engine(url)
    database = SqlStore(engine)
    erased, kept = database.create_session(), database.create_session()
    data_dir = tmp_path / "data"
    cache = data_dir / "tmp" / "gradio"
    copies = {}
    for session_id in (erased, kept):
        folder = cache / uuid.uuid4().hex
        folder.mkdir(parents=True)
        copies[session_id] = folder / f"{session_id}.yml"
        copies[session_id].write_text("- user: I'm Jane Doe\n")
    export = cache / "e" / "conversations-2026-12-06.csv"
    export.parent.mkdir()
    export.write_text("session_id\n")
    try:
        result = command(runner, data_dir, url, "delete", erased)
        assert result.exit_code == 0, result.output
        assert not copies[erased].exists() and not copies[erased].parent.exists()
        assert copies[kept].exists() and export.exists()
        assert str(copies[erased]) in " ".join(result.stdout.split())
    finally:
        engine.dispose()


def test_export_of_named_conversations_only(runner: CliRunner, tmp_path: Path) -> None:
    """An access request: `logs export` could not pick conversations by id."""
    url = f"sqlite:///{tmp_path / 'a.db'}"
    engine = make_engine(url)
    database = SqlStore(engine)
    from dialog.store import TurnRecord

    ids = [database.create_session() for _ in range(3)]
    for number, session_id in enumerate(ids):
        database.append(session_id, [UserMessage(text=f"question {number}")],
                        TurnRecord(session_id, f"question {number}", "faq", 0.9, "answer", "matched", "An answer."))
    out_file = tmp_path / "access.jsonl"
    try:
        result = command(runner, tmp_path / "data", url, "export", str(out_file), "--session", ids[0], "--session", ids[2],
                         "--session", "no-such-id")
        assert result.exit_code == 1, result.output  # an unknown id is an error, as for `logs delete`
        assert "Exported 2 turn record(s)" in result.stdout and "no conversation with the id(s) no-such-id" in " ".join(result.output.split())
        assert command(runner, tmp_path / "data", url, "export", str(tmp_path / "b.csv"), "--session", " ").exit_code == 1
        rows = [json.loads(line) for line in out_file.read_text(encoding="utf-8").splitlines()]
        assert sorted(row["session_id"] for row in rows) == sorted([ids[0], ids[2]])
        assert sorted(row["user_text"] for row in rows) == ["question 0", "question 2"]
    finally:
        engine.dispose()
