"""Erasures and purges reach every server of a database: with several servers each has its own data folder and spool,
so `assistant logs delete` and `assistant logs purge` note what they deleted in the database too (in the delete's
transaction), and any server's spool replay drops those conversations' writes instead of storing them again.
Real SQLite and PostgreSQL, the real commands."""

from __future__ import annotations

import json
import sqlite3
import time
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import event, select, update
from typer.testing import CliRunner

from assistant import cli
from assistant.cli import app
from assistant.store import SpoolingStore, SqlStore, make_engine
from assistant.store.spool import spool_file
from assistant.store.tables import ErasedConversationRow, LogPurgeRow, SessionRow, erasure_digest, utcnow
from dialog.events import BotAnswer, UserMessage
from dialog.store import UnknownSession
from postgres_schemas import sqlite_or_postgres

database_url = sqlite_or_postgres("erasures_every_server")


@pytest.fixture
def runner(monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setattr(cli.out, "_width", 300)
    monkeypatch.setattr(cli.err, "_width", 300)
    return CliRunner()


def spooled_append(session_id: str, text: str, spooled_at: float | None = None) -> str:
    """One spool line: a customer's message and its answer, as a server writes it during an outage."""
    events = [UserMessage(text=text).to_dict(), BotAnswer(text="Here you are.").to_dict()]
    return json.dumps({"id": uuid.uuid4().hex, "op": "append", "session_id": session_id, "channel": "web",
                       "events": events, "turn": None, "spooled_at": spooled_at or time.time()})


def logs(runner: CliRunner, data_dir: Path, url: str, *args: str) -> str:
    result = runner.invoke(app, ["--data-dir", str(data_dir), "--database-url", url, "logs", *args])
    assert result.exit_code == 0, result.output
    return result.stdout


def words(database: SqlStore, session_id: str) -> list[str]:
    return [e.text for e in database.load_events(session_id) if isinstance(e, UserMessage)]


def server_spool(tmp_path: Path, name: str, *lines: str) -> Path:
    spool = spool_file(tmp_path / name)
    spool.parent.mkdir(parents=True)
    spool.write_text("".join(line + "\n" for line in lines))
    return spool


@pytest.mark.parametrize("others", [0, 1], ids=["only-conversation", "beside-another"])
def test_an_erasure_run_on_another_servers_data_folder_drops_this_servers_spooled_turn(
    runner: CliRunner, database_url: str, tmp_path: Path, others: int
) -> None:
    """Server A spooled a turn during an outage; the erasure ran on server B's data folder. Before, A's replay kept the
    turn with the customer's words in turns.jsonl.rejected (beside another conversation) or started the erased
    conversation again (in a database the erasure left empty)."""
    engine = make_engine(database_url)
    database = SqlStore(engine)
    erased = database.create_session()
    kept = [database.create_session() for _ in range(others)]
    spool = server_spool(tmp_path, "server-a", spooled_append(erased, "my phone is 555 0100"),
                         *(spooled_append(k, "Do you ship to Canada?") for k in kept))
    store = SpoolingStore(database, spool, retry_seconds=None)
    try:
        logs(runner, tmp_path / "server-b", database_url, "delete", erased)
        assert store.flush() == others and store.pending() == 0
        assert not database.has_session(erased) and not store.rejected_path.exists()
        assert [words(database, k) for k in kept] == [["Do you ship to Canada?"]] * others
    finally:
        store.close()
        engine.dispose()


def test_the_database_notes_a_digest_of_the_id_and_when_not_the_id(runner: CliRunner, database_url: str, tmp_path: Path) -> None:
    engine = make_engine(database_url)
    database = SqlStore(engine)
    erased = database.create_session()
    only_spooled = "d" * 32  # started during an outage on this data folder, never in the database
    server_spool(tmp_path, "data", spooled_append(only_spooled, "where is my parcel?"))
    try:
        logs(runner, tmp_path / "data", database_url, "delete", erased, only_spooled)
        logs(runner, tmp_path / "data", database_url, "delete", only_spooled)  # again: noted once
        with engine.connect() as connection:
            rows = connection.execute(select(ErasedConversationRow.digest, ErasedConversationRow.erased_at)).all()
        assert sorted(digest for digest, _ in rows) == sorted([erasure_digest(erased), erasure_digest(only_spooled)])
        assert all(at is not None for _, at in rows) and erased not in repr(rows)
    finally:
        engine.dispose()


def test_a_dry_run_notes_nothing(runner: CliRunner, database_url: str, tmp_path: Path) -> None:
    engine = make_engine(database_url)
    database = SqlStore(engine)
    session_id = database.create_session()
    try:
        logs(runner, tmp_path / "data", database_url, "delete", session_id, "--dry-run")
        logs(runner, tmp_path / "data", database_url, "purge", "--older-than", "1h", "--dry-run")
        with engine.connect() as connection:
            assert connection.execute(select(ErasedConversationRow)).all() == []
            assert connection.execute(select(LogPurgeRow)).all() == []
        assert database.has_session(session_id)
    finally:
        engine.dispose()


def test_a_server_that_replays_a_conversation_erased_elsewhere_forgets_it_in_the_next_outage(
    runner: CliRunner, tmp_path: Path
) -> None:
    """Server A had the conversation in memory (used within the hour) and a spooled turn of it; the erasure ran on
    server B's data folder. A's replay drops the turn and its memory forgets the conversation: during a later outage
    A answered it from memory, to whoever held its id."""
    url = f"sqlite:///{tmp_path / 'assistant.db'}"
    engine = make_engine(url)
    switched_off = [False]

    def connect(*_args: object) -> None:
        if switched_off[0]:
            raise sqlite3.OperationalError("unable to open database file (switched off by the test)")

    event.listen(engine, "do_connect", connect)
    store = SpoolingStore(SqlStore(engine), spool_file(tmp_path / "server-a"), retry_seconds=None)
    try:
        erased, kept = store.create_session(), store.create_session()
        for session_id in (erased, kept):
            store.append(session_id, [UserMessage(text="I'm Jane Doe, where is my parcel?"), BotAnswer(text="On its way.")])
        switched_off[0] = True
        engine.dispose()
        store.append(erased, [UserMessage(text="my phone is 555 0100")])  # spooled
        switched_off[0] = False
        logs(runner, tmp_path / "server-b", url, "delete", erased)
        assert store.flush() == 0 and store.pending() == 0
        switched_off[0] = True
        engine.dispose()
        with pytest.raises(UnknownSession):
            store.load_events(erased)
        assert [e.text for e in store.load_events(kept) if isinstance(e, UserMessage)] == ["I'm Jane Doe, where is my parcel?"]
    finally:
        store.close()
        engine.dispose()


def make_idle(engine, session_id: str, hours: float) -> None:  # type: ignore[no-untyped-def]
    with engine.begin() as connection:
        connection.execute(update(SessionRow).where(SessionRow.id == session_id).values(updated_at=utcnow() - timedelta(hours=hours)))


@pytest.mark.parametrize("others", [0, 1], ids=["only-conversation", "beside-another"])
def test_a_turn_spooled_before_a_purges_cutoff_is_dropped_on_replay(
    runner: CliRunner, database_url: str, tmp_path: Path, others: int
) -> None:
    """A spool left by a stopped server held a turn of a conversation that `logs purge` then deleted as idle (on any
    data folder). Before, the next server's replay kept the turn in turns.jsonl.rejected or started the purged
    conversation again in an emptied database, with its words, past the retention."""
    engine = make_engine(database_url)
    database = SqlStore(engine)
    purged = database.create_session()
    make_idle(engine, purged, hours=3)
    kept = [database.create_session() for _ in range(others)]
    two_hours_ago = time.time() - 7200
    spool = server_spool(tmp_path, "server-a", spooled_append(purged, "my phone is 555 0100", two_hours_ago),
                         *(spooled_append(k, "Do you ship to Canada?", two_hours_ago) for k in kept))
    try:
        assert "Deleted 1 session(s)" in logs(runner, tmp_path / "server-b", database_url, "purge", "--older-than", "1h")
        store = SpoolingStore(database, spool, retry_seconds=None)
        try:
            assert store.flush() == others and store.pending() == 0
            assert not database.has_session(purged) and not store.rejected_path.exists()
            assert [words(database, k) for k in kept] == [["Do you ship to Canada?"]] * others
        finally:
            store.close()
    finally:
        engine.dispose()


def test_a_turn_spooled_after_the_cutoff_is_stored_as_before(runner: CliRunner, database_url: str, tmp_path: Path) -> None:
    """The purge notes only what is older than the retention: a conversation missing from an emptied database whose
    spooled turn is newer than the cutoff is started again, as it was before purges were noted."""
    engine = make_engine(database_url)
    database = SqlStore(engine)
    session_id = "e" * 32
    spool = server_spool(tmp_path, "server-a", spooled_append(session_id, "Do you ship to Canada?"))
    try:
        logs(runner, tmp_path / "server-b", database_url, "purge", "--older-than", "1h")
        store = SpoolingStore(database, spool, retry_seconds=None)
        try:
            assert store.flush() == 1
            assert words(database, session_id) == ["Do you ship to Canada?"]
        finally:
            store.close()
    finally:
        engine.dispose()


def test_a_refused_write_keeps_the_time_it_was_spooled_so_the_purge_removes_it(
    runner: CliRunner, database_url: str, tmp_path: Path
) -> None:
    """The rejected file's line was stamped with the time of the replay that refused it, not the time the write was
    spooled: a purge whose cutoff fell between the two kept the customer's words there past the retention."""
    engine = make_engine(database_url)
    database = SqlStore(engine)
    database.create_session()  # the database holds another conversation: the unknown one is refused, not started again
    unknown = "f" * 32
    two_hours_ago = time.time() - 7200
    spool = server_spool(tmp_path, "data", spooled_append(unknown, "my phone is 555 0100", two_hours_ago))
    store = SpoolingStore(database, spool, retry_seconds=None)
    try:
        assert store.flush() == 0
        line = json.loads(store.rejected_path.read_text())
        assert line["spooled_at"] == pytest.approx(two_hours_ago)
        out = logs(runner, tmp_path / "data", database_url, "purge", "--older-than", "1h")
        assert "1 refused write(s)" in out and store.rejected_path.read_text() == ""
    finally:
        store.close()
        engine.dispose()
