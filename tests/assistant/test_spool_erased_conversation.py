"""`assistant logs delete` covers what the spool holds of an erased conversation: a write spooled during an outage
(or while the erasure ran) is dropped on replay, neither set aside with the customer's words in the rejected file
nor started again in a database the erasure left empty. Real SQLite and PostgreSQL, the real command."""

from __future__ import annotations

import json
import sqlite3
import uuid
from pathlib import Path

import pytest
from sqlalchemy import event
from typer.testing import CliRunner

from assistant import cli
from assistant.cli import app
from assistant.store import SpoolingStore, SqlStore, make_engine
from assistant.store import spool as spool_module
from assistant.store.spool import spool_file
from assistant.store.tables import erasure_digest
from dialog.events import BotAnswer, UserMessage
from dialog.store import UnknownSession
from postgres_schemas import sqlite_or_postgres

database_url = sqlite_or_postgres("spool_erased_conversation")


@pytest.fixture
def runner(monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setattr(cli.out, "_width", 300)
    monkeypatch.setattr(cli.err, "_width", 300)
    return CliRunner()


def spooled_append(session_id: str, text: str) -> str:
    """One spool line: an append of a customer's message and its answer, as a server writes it during an outage."""
    events = [UserMessage(text=text).to_dict(), BotAnswer(text="Here you are.").to_dict()]
    return json.dumps({"id": uuid.uuid4().hex, "op": "append", "session_id": session_id, "channel": "web",
                       "events": events, "turn": None, "spooled_at": 1_765_000_000.0})


def erase(runner: CliRunner, data_dir: Path, url: str, session_id: str) -> None:
    result = runner.invoke(app, ["--data-dir", str(data_dir), "--database-url", url, "logs", "delete", session_id])
    assert result.exit_code == 0, result.output


def customer_words(database: SqlStore | SpoolingStore, session_id: str) -> list[str]:
    return [e.text for e in database.load_events(session_id) if isinstance(e, UserMessage)]


@pytest.mark.parametrize("others", [0, 1], ids=["only-conversation", "beside-another"])
def test_a_turn_spooled_before_the_erasure_is_dropped_on_replay(
    runner: CliRunner, database_url: str, tmp_path: Path, others: int
) -> None:
    """Beside another conversation the turn went to turns.jsonl.rejected with the customer's words ('run logs delete
    again'); as the only conversation the replay took the emptied database for a new one and started it again."""
    engine = make_engine(database_url)
    database = SqlStore(engine)
    erased = database.create_session()
    kept = [database.create_session() for _ in range(others)]
    data_dir = tmp_path / "data"
    spool = spool_file(data_dir)
    spool.parent.mkdir(parents=True)
    spool.write_text(spooled_append(erased, "my phone is 555 0100") + "\n"
                     + "".join(spooled_append(k, "Do you ship to Canada?") + "\n" for k in kept))
    store = SpoolingStore(database, spool, retry_seconds=None)  # a server holding the spool while the command runs
    try:
        erase(runner, data_dir, database_url, erased)
        assert store.flush() == others
        assert not database.has_session(erased)
        assert not store.rejected_path.exists()
        assert [customer_words(database, k) for k in kept] == [["Do you ship to Canada?"]] * others
        assert store.pending() == 0 and not spool.exists()
    finally:
        store.close()
        engine.dispose()


def test_a_spool_left_by_a_stopped_server_drops_the_erased_conversations_turns_at_the_next_start(
    runner: CliRunner, database_url: str, tmp_path: Path
) -> None:
    """The erasure ran while no server held the spool: the next server's replay knows of it."""
    engine = make_engine(database_url)
    database = SqlStore(engine)
    erased = database.create_session()
    data_dir = tmp_path / "data"
    spool = spool_file(data_dir)
    spool.parent.mkdir(parents=True)
    spool.write_text(spooled_append(erased, "I'm Jane Doe, where is my parcel?") + "\n")
    erase(runner, data_dir, database_url, erased)
    assert spool_module.erasures_file(spool).stat().st_mode & 0o777 == 0o600
    store = SpoolingStore(database, spool, retry_seconds=None)
    try:
        assert store.flush() == 0
        assert not database.has_session(erased) and database.session_count() == 0
        assert not store.rejected_path.exists()
    finally:
        store.close()
        engine.dispose()


def test_a_conversation_erased_on_another_data_folder_is_still_started_again_in_an_emptied_database(
    database_url: str, tmp_path: Path
) -> None:
    """Only an erasure recorded for this spool drops its writes: a database made anew still gets its turns back."""
    engine = make_engine(database_url)
    database = SqlStore(engine)
    spool = spool_file(tmp_path / "data")
    spool.parent.mkdir(parents=True)
    session_id = "a" * 32
    spool.write_text(spooled_append(session_id, "Do you ship to Canada?") + "\n")
    store = SpoolingStore(database, spool, retry_seconds=None)
    try:
        assert store.flush() == 1
        assert customer_words(database, session_id) == ["Do you ship to Canada?"]
    finally:
        store.close()
        engine.dispose()


def test_an_erased_conversation_held_in_memory_is_not_shown_again_during_an_outage(
    runner: CliRunner, tmp_path: Path
) -> None:
    """A server keeps the conversations used within the hour in memory, to carry them through an outage: one erased
    meanwhile was shown again, from there, to whoever held its id while the database was down."""
    url = f"sqlite:///{tmp_path / 'assistant.db'}"
    engine = make_engine(url)
    switched_off = [False]

    def connect(*_args: object) -> None:
        if switched_off[0]:
            raise sqlite3.OperationalError("unable to open database file (switched off by the test)")

    event.listen(engine, "do_connect", connect)
    data_dir = tmp_path / "data"
    store = SpoolingStore(SqlStore(engine), spool_file(data_dir), retry_seconds=None)
    try:
        erased, kept = store.create_session(), store.create_session()
        for session_id in (erased, kept):
            store.append(session_id, [UserMessage(text="I'm Jane Doe, where is my parcel?"), BotAnswer(text="On its way.")])
        erase(runner, data_dir, url, erased)
        switched_off[0] = True
        engine.dispose()
        with pytest.raises(UnknownSession):
            store.load_events(erased)
        assert customer_words(store, kept) == ["I'm Jane Doe, where is my parcel?"]  # from memory, as before
        store.append(erased, [UserMessage(text="hello again")])  # spooled, as any write during an outage
        store.append(kept, [UserMessage(text="thanks")])
        switched_off[0] = False
        assert store.flush() == 1 and store.pending() == 0
        assert not SqlStore(engine).has_session(erased)
        assert customer_words(store, kept) == ["I'm Jane Doe, where is my parcel?", "thanks"]
    finally:
        store.close()
        engine.dispose()


def test_a_turn_replayed_while_the_erasure_deletes_its_conversation_is_dropped(
    runner: CliRunner, database_url: str, tmp_path: Path
) -> None:
    """The replay found the conversation, then the erasure deleted it before the replayed append: the database refused
    the append, and the write went to turns.jsonl.rejected with the customer's words after the command had cleaned it."""
    engine = make_engine(database_url)
    database = SqlStore(engine)
    erased, kept = database.create_session(), database.create_session()
    data_dir = tmp_path / "data"
    spool = spool_file(data_dir)
    spool.parent.mkdir(parents=True)
    spool.write_text(spooled_append(erased, "my phone is 555 0100") + "\n")
    store = SpoolingStore(database, spool, retry_seconds=None)
    append = database.append

    def erased_meanwhile(*args, **kwargs):  # noqa: ANN002, ANN003 - as SqlStore.append
        erase(runner, data_dir, database_url, erased)
        return append(*args, **kwargs)

    database.append = erased_meanwhile  # type: ignore[method-assign]
    try:
        assert store.flush() == 0 and store.pending() == 0
        assert not database.has_session(erased) and database.has_session(kept)
        assert not store.rejected_path.exists()
    finally:
        store.close()
        engine.dispose()


def delete_command(runner: CliRunner, data_dir: Path, url: str, *session_ids: str):  # noqa: ANN201 - a click Result
    return runner.invoke(app, ["--data-dir", str(data_dir), "--database-url", url, "logs", "delete", *session_ids])


def test_an_erasure_that_cannot_reach_the_database_notes_nothing(runner: CliRunner, tmp_path: Path) -> None:
    """The command failed ('Cannot open the database') yet noted the id as erased: a server on that data folder then
    answered the conversation, still stored, as unknown during an outage, and its later spooled turns were dropped."""
    data_dir = tmp_path / "data"
    result = delete_command(runner, data_dir, "postgresql://nobody:x@127.0.0.1:1/none", "abc123")
    assert result.exit_code == 1 and "Cannot open the database" in result.output
    assert not spool_module.erasures_file(spool_file(data_dir)).exists()
    assert spool_module.erased_digests(spool_file(data_dir)) == set()


def test_only_the_conversations_found_are_noted_as_erased(runner: CliRunner, database_url: str, tmp_path: Path) -> None:
    """A mistyped id was noted as erased, for ever, though nothing of it was deleted."""
    engine = make_engine(database_url)
    database = SqlStore(engine)
    erased = database.create_session()
    data_dir = tmp_path / "data"
    try:
        result = delete_command(runner, data_dir, database_url, erased, "no-such-id")
        assert result.exit_code == 1 and "no conversation with the id(s) no-such-id" in result.output
        assert "Deleted 1 conversation(s)" in result.stdout and not database.has_session(erased)
        assert spool_module.erased_digests(spool_file(data_dir)) == {erasure_digest(erased)}
    finally:
        engine.dispose()


def test_a_conversation_only_in_the_spool_of_a_stopped_server_is_erased(
    runner: CliRunner, database_url: str, tmp_path: Path
) -> None:
    """Started during an outage by a server stopped before its replay: the database never had it, only the spool. It
    is noted as erased (said so, exit 0), so the next server on that data folder drops its writes."""
    engine = make_engine(database_url)
    database = SqlStore(engine)
    data_dir = tmp_path / "data"
    spool = spool_file(data_dir)
    spool.parent.mkdir(parents=True)
    session_id = "b" * 32
    create = json.dumps({"id": uuid.uuid4().hex, "op": "create", "session_id": session_id, "channel": "web",
                         "events": [], "turn": None, "spooled_at": 1_765_000_000.0})
    spool.write_text(create + "\n" + spooled_append(session_id, "I'm Jane Doe, where is my parcel?") + "\n")
    try:
        preview = delete_command(runner, data_dir, database_url, session_id, "--dry-run")
        assert preview.exit_code == 0, preview.output
        assert "1 conversation(s) only in the spool" in preview.stdout
        assert not spool_module.erasures_file(spool).exists()
        result = delete_command(runner, data_dir, database_url, session_id)
        assert result.exit_code == 0, result.output
        assert "Deleted 0 conversation(s)" in result.stdout and "1 conversation(s) only in the spool" in result.stdout
        store = SpoolingStore(database, spool, retry_seconds=None)
        try:
            assert store.flush() == 0 and store.pending() == 0
            assert not database.has_session(session_id) and not store.rejected_path.exists()
        finally:
            store.close()
    finally:
        engine.dispose()


def test_the_erasures_file_is_read_again_only_when_it_changes(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """A replay asks for each record, and a server during an outage for each read: the file (never pruned) was read
    and parsed each time."""
    spool = spool_file(tmp_path / "data")
    reads = []
    read_bytes = Path.read_bytes

    def counted(path: Path) -> bytes:
        reads.append(path.name)
        return read_bytes(path)

    monkeypatch.setattr(Path, "read_bytes", counted)
    spool_module.record_erasures(spool, ["a" * 32])
    for _ in range(50):
        assert spool_module.erased_digests(spool) == {erasure_digest("a" * 32)}
    assert reads == [spool_module.erasures_file(spool).name]
    spool_module.record_erasures(spool, ["b" * 32])
    assert spool_module.erased_digests(spool) == {erasure_digest("a" * 32), erasure_digest("b" * 32)}


def test_an_erasure_that_cannot_be_noted_deletes_nothing(runner: CliRunner, database_url: str, tmp_path: Path) -> None:
    """The note is written in the delete's transaction, before any row goes: when it cannot be written (here a folder
    where the file should be) the transaction is rolled back and the conversation stays whole."""
    engine = make_engine(database_url)
    database = SqlStore(engine)
    kept = database.create_session()
    database.append(kept, [UserMessage(text="I'm Jane Doe"), BotAnswer(text="Hello Jane.")])
    data_dir = tmp_path / "data"
    spool_module.erasures_file(spool_file(data_dir)).mkdir(parents=True)
    try:
        result = delete_command(runner, data_dir, database_url, kept)
        assert result.exit_code == 1 and "nothing deleted" in result.output
        assert customer_words(database, kept) == ["I'm Jane Doe"]
    finally:
        engine.dispose()


def test_a_conversation_stored_after_the_ids_were_noted_is_not_deleted_unnoted(database_url: str) -> None:
    """Each DELETE read the table afresh: a conversation with a given id stored after the ids were found and noted
    (a replay on another server) was deleted too, without a note, so its next spooled turn was not dropped. Only the
    conversations found and noted are deleted; the other is reported as unknown (run the command again)."""
    from assistant.store.admin import delete_conversations

    engine = make_engine(database_url)
    database = SqlStore(engine)
    found, late = database.create_session(), "c" * 32

    def stored_meanwhile(noted: tuple[str, ...]) -> None:
        assert noted == (found,)
        other = make_engine(database_url)  # another server's connection
        SqlStore(other).create_session("web", session_id=late)
        other.dispose()

    try:
        report = delete_conversations(database_url, [found, late], before_delete=stored_meanwhile)
        assert report.sessions == 1 and report.unknown == (late,)
        assert not database.has_session(found) and database.has_session(late)
    finally:
        engine.dispose()
