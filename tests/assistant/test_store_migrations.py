"""Schema migrations on SQLite and PostgreSQL: the migrated schema is the models' schema, databases made
by create_all are stamped, concurrent openers are safe, and `assistant db` reports and upgrades."""

from __future__ import annotations

import json
import subprocess
from datetime import datetime, timezone
import sys
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.pool import NullPool
from typer.testing import CliRunner

from assistant import cli
from assistant.cli import app
from assistant.store import SqlStore, StoreUnavailable, make_engine
from assistant.store.migrate import FIRST_REVISION, alembic_config, head_revision
from assistant.store.search import is_search_object
from assistant.store.tables import Base
from dialog.events import SessionStarted, UserMessage
from postgres_schemas import sqlite_or_postgres

REPO_ROOT = Path(__file__).resolve().parents[2]


database_url = sqlite_or_postgres("test_store_migrations")


@pytest.fixture
def engines(request):
    """Opens engines and disposes of them after the test (PostgreSQL schemas are dropped afterwards)."""
    opened = []

    def open_engine(url: str, **kwargs):
        engine = make_engine(url, **kwargs)
        opened.append(engine)
        return engine

    yield open_engine
    for engine in opened:
        engine.dispose()


def schema_differences(engine) -> list:
    options = {"include_name": lambda name, kind, parent: not is_search_object(name)}
    with engine.connect() as connection:
        return compare_metadata(MigrationContext.configure(connection, opts=options), Base.metadata)


def revision(engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def test_migrated_schema_matches_the_models(database_url: str, engines) -> None:
    engine = engines(database_url)

    assert revision(engine) == head_revision()
    assert schema_differences(engine) == []
    assert {"sessions", "events", "turns", "alembic_version"} <= set(inspect(engine).get_table_names())


def test_opening_again_is_a_no_op(database_url: str, engines) -> None:
    store = SqlStore(engines(database_url))
    session_id = store.create_session()

    again = SqlStore(engines(database_url))

    assert revision(again.engine) == head_revision()
    assert again.load_events(session_id)[0].type_name == "session_started"


def make_legacy_database(engine) -> None:
    """The tables as create_all made them before migrations existed: the first revision's, unversioned."""
    with engine.begin() as connection:
        command.upgrade(alembic_config(connection), FIRST_REVISION)
        connection.execute(text("DROP TABLE alembic_version"))


def test_a_database_made_by_create_all_is_stamped_and_keeps_its_data(database_url: str, engines) -> None:
    legacy = engines(database_url, create_tables=False)
    make_legacy_database(legacy)
    session_id = "legacy-session"
    with legacy.begin() as connection:
        connection.execute(
            text("INSERT INTO sessions (id, channel, created_at, updated_at) VALUES (:id, 'web', :now, :now)"),
            {"id": session_id, "now": datetime.now(timezone.utc)},
        )
        for seq, event in enumerate([SessionStarted(), UserMessage(text="still here?")]):
            connection.execute(
                text("INSERT INTO events (session_id, seq, type, timestamp, data) VALUES (:s, :seq, :type, :ts, :data)"),
                {"s": session_id, "seq": seq, "type": event.type_name, "ts": event.timestamp, "data": json.dumps(event.to_dict())},
            )
    assert revision(legacy) is None

    migrated = SqlStore(engines(database_url))

    assert revision(migrated.engine) == head_revision()
    assert schema_differences(migrated.engine) == []
    assert [e.type_name for e in migrated.load_events(session_id)] == ["session_started", "user"]


def test_half_a_schema_without_a_revision_is_a_clear_error(database_url: str, engines) -> None:
    partial = engines(database_url, create_tables=False)
    Base.metadata.tables["sessions"].create(partial)

    with pytest.raises(StoreUnavailable) as caught:
        make_engine(database_url)

    assert "Cannot migrate the database" in str(caught.value)
    assert "some of the assistant's tables (sessions) but not all" in str(caught.value)


def test_an_unknown_revision_is_a_clear_error(database_url: str, engines) -> None:
    engine = engines(database_url)
    with engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = 'f00d'"))

    with pytest.raises(StoreUnavailable) as caught:
        make_engine(database_url)

    assert "revision f00d, which this version of the assistant does not know" in str(caught.value)


def test_downgrade_to_base_and_upgrade_again(database_url: str, engines) -> None:
    engine = engines(database_url)
    with engine.begin() as connection:
        command.downgrade(alembic_config(connection), "base")
    assert not {"sessions", "events", "turns"} & set(inspect(engine).get_table_names())

    again = engines(database_url)

    assert revision(again) == head_revision() and schema_differences(again) == []


def test_downgrading_one_revision_keeps_the_conversations(database_url: str, engines) -> None:
    store = SqlStore(engines(database_url))
    session_id = store.create_session()
    store.append(session_id, [UserMessage(text="still here?")])
    with store.engine.begin() as connection:
        command.downgrade(alembic_config(connection), "0003")

    with store.engine.connect() as connection:
        assert connection.scalar(text("SELECT count(*) FROM events WHERE session_id = :s"), {"s": session_id}) == 2
        assert "event_count" not in {c["name"] for c in inspect(connection).get_columns("sessions")}
    again = SqlStore(engines(database_url))  # opening it upgrades it again, counting the events
    again.append(session_id, [UserMessage(text="yes")], expected_events=2)
    assert [e.type_name for e in again.load_events(session_id)] == ["session_started", "user", "user"]


def test_revisions_form_one_line_up_to_the_latest() -> None:
    # a new revision must revise the latest one; update this test when adding the next
    script = ScriptDirectory.from_config(alembic_config())
    assert script.get_heads() == [head_revision()] == ["0014"]
    assert script.get_revision("0014").down_revision == "0013"
    assert script.get_revision("0013").down_revision == "0012"
    assert script.get_revision("0012").down_revision == "0011"
    assert script.get_revision("0011").down_revision == "0010"
    assert script.get_revision("0010").down_revision == "0009"
    assert script.get_revision("0009").down_revision == "0008"
    assert script.get_revision("0008").down_revision == "0007"
    assert script.get_revision("0007").down_revision == "0006"
    assert script.get_revision("0006").down_revision == "0005"
    assert script.get_revision("0005").down_revision == "0004"
    assert script.get_revision("0004").down_revision == "0003"
    assert script.get_revision("0003").down_revision == "0002"
    assert script.get_revision("0002").down_revision == FIRST_REVISION


def test_upgrading_to_staff_sessions_keeps_the_logins_and_downgrading_drops_only_the_sessions(database_url: str, engines) -> None:
    from assistant.store.staff import StaffSessions, StaffUsers, hash_password

    old = engines(database_url, create_tables=False)
    with old.begin() as connection:
        command.upgrade(alembic_config(connection), "0006")
    with old.begin() as connection:  # made before 0007, whose table it does not touch (as 0006 stored it)
        connection.execute(
            text("INSERT INTO staff_users (username, password_hash, created_at) VALUES ('ana', :hash, :now)"),
            {"hash": hash_password("a long password"), "now": datetime.now(timezone.utc)},
        )

    upgraded = engines(database_url)  # opening it migrates it
    assert revision(upgraded) == head_revision() and StaffUsers(upgraded).check("ana", "a long password")
    StaffSessions(upgraded)["token"] = "ana"
    assert StaffSessions(upgraded)["token"] == "ana"

    with upgraded.begin() as connection:
        command.downgrade(alembic_config(connection), "0006")
    assert "staff_sessions" not in inspect(upgraded).get_table_names()
    assert StaffUsers(upgraded).check("ana", "a long password")


def test_upgrading_a_first_revision_database_keeps_its_conversations(database_url: str, engines) -> None:
    old = engines(database_url, create_tables=False)
    with old.begin() as connection:
        command.upgrade(alembic_config(connection), FIRST_REVISION)
        connection.execute(
            text("INSERT INTO sessions (id, channel, created_at, updated_at) VALUES ('old', 'web', :now, :now)"),
            {"now": datetime.now(timezone.utc)},
        )
        event = UserMessage(text="refund please")
        connection.execute(
            text("INSERT INTO events (session_id, seq, type, timestamp, data) VALUES ('old', 0, 'user', :ts, :data)"),
            {"ts": event.timestamp, "data": json.dumps(event.to_dict())},
        )

    store = SqlStore(engines(database_url))

    assert store.load_events("old") == [event]
    assert store.has_session("old")
    # the session's event count was worked out from its events: new ones are numbered after them
    store.append("old", [UserMessage(text="any news?")], expected_events=1)
    with store.engine.connect() as connection:
        seqs = connection.scalars(text("SELECT seq FROM events WHERE session_id = 'old' ORDER BY seq")).all()
    assert seqs == [0, 1]


def _store_as_the_previous_release(connection, session_id: str, events: list, handed_off_turn: bool) -> None:
    """A conversation of one turn as a release at migration 0002 stored it: its events, its turn record and
    its summary row, whose ``any_handoff`` came from the turn record alone."""
    now = datetime.now(timezone.utc)
    connection.execute(
        text(
            "INSERT INTO sessions (id, channel, created_at, updated_at, title, turn_count, any_handoff) "
            "VALUES (:id, 'api', :now, :now, :title, 1, :handoff)"
        ),
        {"id": session_id, "now": now, "title": events[1].text, "handoff": handed_off_turn},
    )
    for seq, event in enumerate(events):
        connection.execute(
            text("INSERT INTO events (session_id, seq, type, timestamp, data) VALUES (:s, :seq, :type, :ts, :data)"),
            {"s": session_id, "seq": seq, "type": event.type_name, "ts": event.timestamp, "data": json.dumps(event.to_dict())},
        )
    connection.execute(
        text(
            "INSERT INTO turns (session_id, turn_no, created_at, user_text, intent, intent_confidence, action, reason, "
            "retrieved, answer, sources, abstained, handoff, timings_ms) VALUES (:s, 1, :now, :text, 'shipping', 0.9, "
            ":action, 'a reason', '[]', 'An answer.', '[]', :no, :handoff, '{}')"
        ),
        {"s": session_id, "now": now, "text": events[1].text, "action": "handoff" if handed_off_turn else "answer", "no": False, "handoff": handed_off_turn},
    )


def test_a_handoff_without_a_turn_from_the_previous_release_shows_in_the_list_after_the_upgrade(
    database_url: str, engines
) -> None:
    """Before 2026-12-03 the API's handoff (an event with no turn record) left the session's handoff flag
    off: after the upgrade the Inbox listed it while the conversation list showed no handoff and its
    "handed off" filter missed it (seen upgrading a 2026-11-23 install, SQLite and PostgreSQL)."""
    from assistant.store.inbox import conversations_with_a_person
    from assistant.store.review import LogFilter, list_sessions
    from dialog.events import BotAnswer, HandoffRequested

    old = engines(database_url, create_tables=False)
    with old.begin() as connection:
        command.upgrade(alembic_config(connection), "0002")
        _store_as_the_previous_release(
            connection,
            "asked",
            [SessionStarted(), UserMessage(text="I want a person"), HandoffRequested(reason="asked"), BotAnswer(text="Someone will reply.", action="handoff")],
            handed_off_turn=True,
        )
        _store_as_the_previous_release(
            connection,
            "button",
            [SessionStarted(), UserMessage(text="Do you ship to Canada?"), BotAnswer(text="Yes."), HandoffRequested(reason="button")],
            handed_off_turn=False,
        )
        _store_as_the_previous_release(
            connection, "answered", [SessionStarted(), UserMessage(text="Do you ship to Peru?"), BotAnswer(text="No.")], handed_off_turn=False
        )

    upgraded = SqlStore(engines(database_url)).engine  # opening it migrates it

    assert revision(upgraded) == head_revision()
    assert {s.id for s in list_sessions(upgraded, LogFilter(handoff=True)).sessions} == {"asked", "button"}
    assert [s.id for s in list_sessions(upgraded, LogFilter(handoff=False)).sessions] == ["answered"]
    assert {item.session_id for item in conversations_with_a_person(upgraded)} == {"asked", "button"}


def _turns_as_0009_stored_them(connection, session_id: str, turns: list[tuple[str, str, bool]]) -> None:
    """A conversation with its turn records ``(text, intent, abstained)`` as a release at migration 0009 stored
    it: ``any_abstained`` set by any abstained turn, "that didn't help" included."""
    now = datetime.now(timezone.utc)
    connection.execute(
        text(
            "INSERT INTO sessions (id, channel, created_at, updated_at, title, turn_count, any_abstained) "
            "VALUES (:id, 'web', :now, :now, :title, :turns, :abstained)"
        ),
        {"id": session_id, "now": now, "title": turns[0][0], "turns": len(turns), "abstained": any(a for _, _, a in turns)},
    )
    for number, (question, intent, abstained) in enumerate(turns, start=1):
        connection.execute(
            text(
                "INSERT INTO turns (session_id, turn_no, created_at, user_text, intent, intent_confidence, action, reason, "
                "retrieved, answer, sources, abstained, handoff, timings_ms) VALUES (:s, :n, :now, :text, :intent, 0.9, "
                "'answer', 'a reason', '[]', 'A reply.', '[]', :abstained, :no, '{}')"
            ),
            {"s": session_id, "n": number, "now": now, "text": question, "intent": intent, "abstained": abstained, "no": False},
        )


def test_upgrading_counts_a_turn_that_did_not_help_as_not_helped_not_declined_and_downgrading_as_before(
    database_url: str, engines
) -> None:
    """Up to 0009 a customer's "that didn't help" (stored as an abstained turn) showed the conversation as
    declined in the list and its Declined filter; after the upgrade it shows under Not helped only."""
    from assistant.store.review import LogFilter, list_sessions

    old = engines(database_url, create_tables=False)
    with old.begin() as connection:
        command.upgrade(alembic_config(connection), "0009")
        _turns_as_0009_stored_them(connection, "complained", [("refunds?", "refund", False), ("that didn't help", "not_helped", True)])
        _turns_as_0009_stored_them(connection, "declined", [("boats?", "question", True), ("that's wrong", "not_helped", True)])
        _turns_as_0009_stored_them(connection, "unanswered", [("submarines?", "question", True)])
        _turns_as_0009_stored_them(connection, "answered", [("exchanges?", "exchange", False)])

    upgraded = SqlStore(engines(database_url)).engine  # opening it migrates it

    def found(**condition: bool) -> set[str]:
        return {s.id for s in list_sessions(upgraded, LogFilter(**condition)).sessions}

    assert revision(upgraded) == head_revision()
    assert found(abstained=True) == {"declined", "unanswered"}
    assert found(abstained=False) == {"complained", "answered"}
    assert found(not_helped=True) == {"complained", "declined"}
    assert found(not_helped=False) == {"unanswered", "answered"}

    with upgraded.begin() as connection:
        command.downgrade(alembic_config(connection), "0009")
        assert "any_not_helped" not in {c["name"] for c in inspect(connection).get_columns("sessions")}
        flagged = set(connection.scalars(text("SELECT id FROM sessions WHERE any_abstained = true")))
    assert flagged == {"complained", "declined", "unanswered"}  # as the previous version counts them


def test_upgrading_marks_a_conversation_with_a_never_answered_topic_declined_and_downgrading_as_before(
    database_url: str, engines
) -> None:
    """Up to 0010 a topic the rules never answer (action decline, not stored as abstained) left the
    conversation out of the list's Declined column and filter; after the upgrade it is in them."""
    from assistant.store.review import LogFilter, list_sessions

    old = engines(database_url, create_tables=False)
    with old.begin() as connection:
        command.upgrade(alembic_config(connection), "0010")
        _turns_as_0009_stored_them(connection, "unanswered", [("submarines?", "question", True)])
        _turns_as_0009_stored_them(connection, "answered", [("exchanges?", "exchange", False)])
        _turns_as_0009_stored_them(connection, "sued", [("refunds?", "refund", False), ("I want to sue you", "question", False)])
        connection.execute(text("UPDATE turns SET action = 'decline' WHERE user_text = 'I want to sue you'"))

    upgraded = SqlStore(engines(database_url)).engine  # opening it migrates it

    assert revision(upgraded) == head_revision()
    assert {s.id for s in list_sessions(upgraded, LogFilter(abstained=True)).sessions} == {"sued", "unanswered"}
    assert {s.id for s in list_sessions(upgraded, LogFilter(abstained=False)).sessions} == {"answered"}

    with upgraded.begin() as connection:
        command.downgrade(alembic_config(connection), "0010")
        flagged = set(connection.scalars(text("SELECT id FROM sessions WHERE any_abstained = true")))
    assert flagged == {"unanswered"}  # as the previous version counts them


def test_upgrading_to_roles_makes_the_existing_logins_admins_and_downgrading_keeps_the_logins(database_url: str, engines) -> None:
    from assistant.store.staff import StaffSessions, StaffUsers

    old = engines(database_url, create_tables=False)
    with old.begin() as connection:
        command.upgrade(alembic_config(connection), "0011")
        connection.execute(
            text("INSERT INTO staff_users (username, password_hash, created_at) VALUES ('ana', :hash, :now)"),
            {"hash": "scrypt$x", "now": datetime.now(timezone.utc)},
        )

    upgraded = engines(database_url)  # opening it migrates it
    assert revision(upgraded) == head_revision() and StaffUsers(upgraded).role("ana") == "admin"  # nothing stops working
    StaffUsers(upgraded).set("bo", "a long password", role="reviewer")
    StaffSessions(upgraded)["token"] = "bo"

    with upgraded.begin() as connection:
        command.downgrade(alembic_config(connection), "0011")
        assert "role" not in {c["name"] for c in inspect(connection).get_columns("staff_users")}
        assert set(connection.scalars(text("SELECT username FROM staff_users"))) == {"ana", "bo"}
        assert connection.scalar(text("SELECT username FROM staff_sessions")) == "bo"  # the sessions are kept


def test_db_upgrade_adds_the_erasure_and_purge_notes_and_downgrading_drops_only_them(
    runner: CliRunner, database_url: str, engines
) -> None:
    """Migration 0013 by `assistant db upgrade` from the previous release's revision: the conversations stay, the two
    tables come (and take notes), and a downgrade drops just them."""
    from assistant.store.admin import delete_conversations

    old = engines(database_url, create_tables=False)
    with old.begin() as connection:
        command.upgrade(alembic_config(connection), "0012")
    store = SqlStore(old)
    kept, erased = store.create_session(), store.create_session()

    result = runner.invoke(app, ["--database-url", database_url, "db", "upgrade"])
    assert result.exit_code == 0, result.output
    assert "Revision before: 0012" in result.stdout and f"Revision after:  {head_revision()}" in result.stdout
    assert {"erased_conversations", "log_purges"} <= set(inspect(old).get_table_names()) and schema_differences(old) == []
    assert delete_conversations(database_url, [erased]).sessions == 1
    with old.connect() as connection:
        assert connection.scalar(text("SELECT count(*) FROM erased_conversations")) == 1

    with old.begin() as connection:
        command.downgrade(alembic_config(connection), "0012")
    assert not {"erased_conversations", "log_purges"} & set(inspect(old).get_table_names())
    assert SqlStore(old).has_session(kept)


def test_processes_opening_the_same_sqlite_file_at_once(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'shared' / 'assistant.db'}"
    # each process imports first, says so, then waits for the word to open the database: they open it together
    script = (
        "import sys; from assistant.store import SqlStore, make_engine; "
        "print('ready', flush=True); sys.stdin.readline(); "
        "SqlStore(make_engine(sys.argv[1])).create_session()"
    )
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", script, url], cwd=REPO_ROOT, text=True,
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        )
        for _ in range(2)
    ]
    for process in processes:
        assert process.stdout.readline().strip() == "ready", process.communicate()
    for process in processes:
        process.stdin.write("go\n")
        process.stdin.flush()
    errors = [(p.communicate(timeout=60)[1], p.returncode) for p in processes]

    assert [code for _, code in errors] == [0] * 2, errors
    engine = create_engine(url, poolclass=NullPool)
    try:
        assert revision(engine) == head_revision()
        with engine.connect() as connection:
            assert connection.scalar(text("SELECT count(*) FROM alembic_version")) == 1
            assert connection.scalar(text("SELECT count(*) FROM sessions")) == 2
    finally:
        engine.dispose()


def test_an_unreachable_database_is_store_unavailable() -> None:
    with pytest.raises(StoreUnavailable) as caught:
        make_engine("postgresql+psycopg://nobody:secret@127.0.0.1:1/nothing")

    message = str(caught.value)
    assert message.startswith("Cannot open the database postgresql+psycopg://nobody:***@127.0.0.1:1/nothing:")
    assert "secret" not in message and "\n" not in message


# -- `assistant db` ----------------------------------------------------------------------------------


@pytest.fixture
def runner(monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setattr(cli.out, "_width", 300)
    monkeypatch.setattr(cli.err, "_width", 300)
    return CliRunner()


def test_db_current_and_upgrade(runner: CliRunner, database_url: str) -> None:
    if database_url.startswith("sqlite"):
        path = Path(database_url.removeprefix("sqlite:///"))
        missing = runner.invoke(app, ["--database-url", database_url, "db", "current"])
        assert missing.exit_code == 1 and f"No database at {path}" in " ".join(missing.output.split())
        assert not path.exists()  # reported, not created
        path.parent.mkdir(parents=True)
        path.touch()  # an empty file is an empty SQLite database
    before = runner.invoke(app, ["--database-url", database_url, "db", "current"])
    assert before.exit_code == 0, before.output
    assert f"Revision: none (not the latest, which is {head_revision()}; run `assistant db upgrade`)" in before.stdout

    upgraded = runner.invoke(app, ["--database-url", database_url, "db", "upgrade"])
    assert upgraded.exit_code == 0, upgraded.output
    assert "Revision before: none (empty database)" in upgraded.stdout
    assert f"Revision after:  {head_revision()}" in upgraded.stdout

    again = runner.invoke(app, ["--database-url", database_url, "db", "upgrade"])
    assert f"Revision before: {head_revision()}" in again.stdout and f"Revision after:  {head_revision()}" in again.stdout

    current = runner.invoke(app, ["--database-url", database_url, "db", "current"])
    assert current.exit_code == 0 and f"Revision: {head_revision()} (latest)" in current.stdout


def test_db_current_on_a_database_migrated_by_a_newer_version(runner: CliRunner, database_url: str) -> None:
    make_engine(database_url).dispose()
    engine = create_engine(database_url, poolclass=NullPool)
    with engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    engine.dispose()

    result = runner.invoke(app, ["--database-url", database_url, "db", "current"])

    assert result.exit_code == 0, result.output
    assert "Revision: 9999 (newer than this version of the assistant knows" in result.stdout
    assert "db upgrade" not in result.stdout  # which would refuse it


def test_db_upgrade_stamps_a_database_made_by_create_all(runner: CliRunner, database_url: str, engines) -> None:
    make_legacy_database(engines(database_url, create_tables=False))

    result = runner.invoke(app, ["--database-url", database_url, "db", "upgrade"])

    assert result.exit_code == 0, result.output
    assert "Revision before: none (tables made before migrations; stamped)" in result.stdout
    assert f"Revision after:  {head_revision()}" in result.stdout


def test_db_upgrade_uses_the_default_sqlite_database(runner: CliRunner, isolated: Path) -> None:
    result = runner.invoke(app, ["db", "upgrade"])

    assert result.exit_code == 0, result.output
    assert f"Database: sqlite:///{isolated / 'assistant.db'}" in result.stdout
    assert (isolated / "assistant.db").is_file()


def test_db_commands_on_an_unreachable_database_fail_cleanly(runner: CliRunner) -> None:
    for command_name in ("current", "upgrade"):
        result = runner.invoke(app, ["--database-url", "postgresql+psycopg://nobody@127.0.0.1:1/x", "db", command_name])
        assert result.exit_code == 1
        assert "Error: Cannot open the database postgresql+psycopg://nobody@127.0.0.1:1/x" in result.stderr
        assert "Traceback" not in result.output


def test_a_database_server_that_never_answers_fails_instead_of_hanging(monkeypatch: pytest.MonkeyPatch) -> None:
    """A peer that accepts the connection and then says nothing (a stuck proxy, a dropped network) is
    StoreUnavailable after the connect timeout; without one, opening the database waited for ever."""
    import socket
    import threading

    from assistant.store import db

    monkeypatch.setattr(db, "POSTGRES_CONNECT_TIMEOUT_S", 1)
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    url = f"postgresql+psycopg://nobody@127.0.0.1:{listener.getsockname()[1]}/nothing"
    outcome: list[BaseException | None] = []

    def open_database() -> None:
        try:
            make_engine(url)
            outcome.append(None)
        except Exception as error:
            outcome.append(error)

    with listener:
        thread = threading.Thread(target=open_database, daemon=True)
        thread.start()
        thread.join(timeout=120)  # a bound against hanging the test run, not a timing check
        assert not thread.is_alive(), "opening the database hung"
    assert isinstance(outcome[0], StoreUnavailable) and "timeout" in str(outcome[0])
