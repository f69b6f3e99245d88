"""`assistant logs purge`: deletes idle conversations with their events and turn records, on SQLite and
PostgreSQL, in one transaction; reads ages like 90d, 2w, 12h and refuses anything else."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import delete, func, select, text, update
from typer.testing import CliRunner

from assistant import cli
from assistant.cli import app
from assistant.store import SqlStore, make_engine
from assistant.store.admin import delete_conversations, parse_age, purge_logs
from assistant.store.tables import EventRow, SessionRow, TurnRow, utcnow
from dialog.events import BotAnswer, UserMessage
from dialog.store import TurnRecord
from postgres_schemas import sqlite_or_postgres


database_url = sqlite_or_postgres("test_logs_purge")


@pytest.fixture
def store(database_url: str):
    store = SqlStore(make_engine(database_url))
    yield store
    store.engine.dispose()


def converse(store: SqlStore, turns: int, idle_days: float) -> str:
    """A session with ``turns`` turns (2 events and 1 record each), last active ``idle_days`` ago."""
    session_id = store.create_session()
    for n in range(turns):
        record = TurnRecord(
            session_id=session_id, user_text=f"question {n}", intent="question", intent_confidence=0.9,
            action="answer", reason="kb", answer=f"answer {n}",
        )
        store.append(session_id, [UserMessage(text=f"question {n}"), BotAnswer(text=f"answer {n}")], record)
    with store.engine.begin() as db:
        db.execute(update(SessionRow).where(SessionRow.id == session_id).values(updated_at=utcnow() - timedelta(days=idle_days)))
    return session_id


def counts(store: SqlStore, session_id: str) -> tuple[int, int, int]:
    with store.engine.connect() as db:
        return (
            db.scalar(select(func.count()).select_from(SessionRow).where(SessionRow.id == session_id)),
            db.scalar(select(func.count()).select_from(EventRow).where(EventRow.session_id == session_id)),
            db.scalar(select(func.count()).select_from(TurnRow).where(TurnRow.session_id == session_id)),
        )


@pytest.mark.parametrize(
    ("text_", "expected"),
    [
        ("90d", timedelta(days=90)), ("2w", timedelta(weeks=2)), ("12h", timedelta(hours=12)), (" 1D ", timedelta(days=1)),
        ("30min", timedelta(minutes=30)), ("1 minute", timedelta(minutes=1)),  # the inbox's hand-back took these, a purge not
    ],
)
def test_parse_age(text_: str, expected: timedelta) -> None:
    assert parse_age(text_) == expected


@pytest.mark.parametrize(
    ("text_", "message"),
    [
        ("0d", "the age must be more than zero, got '0d'"),
        ("-5d", "cannot read the age '-5d'"),
        ("90", "cannot read the age '90'"),
        ("90m", "'m' could mean minutes or months; write 90min"),
        ("1.5d", "cannot read the age '1.5d'"),
        ("ninety days", "cannot read the age 'ninety days'"),
        ("", "cannot read the age ''"),
        ("5x", "or 30min (minutes)"),
        ("9999999999999w", "is too large"),
    ],
)
def test_parse_age_refuses_zero_negative_and_garbage(text_: str, message: str) -> None:
    with pytest.raises(ValueError) as caught:
        parse_age(text_)
    assert message in str(caught.value)


def test_purge_deletes_only_idle_sessions_with_their_events_and_turns(store: SqlStore, database_url: str) -> None:
    old = converse(store, turns=2, idle_days=120)
    older = converse(store, turns=1, idle_days=400)
    recent = converse(store, turns=3, idle_days=10)
    fresh = converse(store, turns=1, idle_days=0)

    preview = purge_logs(database_url, timedelta(days=90), dry_run=True)

    assert (preview.sessions, preview.events, preview.turns, preview.dry_run) == (2, 5 + 3, 3, True)
    assert counts(store, old) == (1, 5, 2)  # a dry run deletes nothing

    report = purge_logs(database_url, timedelta(days=90))

    assert (report.sessions, report.events, report.turns, report.dry_run) == (2, 8, 3, False)
    assert counts(store, old) == counts(store, older) == (0, 0, 0)
    assert counts(store, recent) == (1, 7, 3) and counts(store, fresh) == (1, 3, 1)
    assert store.load_events(recent)[-1].text == "answer 2"
    assert purge_logs(database_url, timedelta(days=90)).sessions == 0


def test_deleting_a_session_cascades_to_its_rows(store: SqlStore) -> None:
    # The schema's ON DELETE CASCADE works on both databases (SQLite: make_engine turns foreign keys on).
    session_id = converse(store, turns=1, idle_days=0)
    if store.engine.dialect.name == "sqlite":
        with store.engine.connect() as db:
            assert db.scalar(text("PRAGMA foreign_keys")) == 1

    with store.engine.begin() as db:
        db.execute(delete(SessionRow).where(SessionRow.id == session_id))

    assert counts(store, session_id) == (0, 0, 0)


# -- the command --------------------------------------------------------------------------------------


@pytest.fixture
def runner(monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setattr(cli.out, "_width", 300)
    monkeypatch.setattr(cli.err, "_width", 300)
    return CliRunner()


def test_purge_command_dry_run_then_purge(runner: CliRunner, store: SqlStore, database_url: str) -> None:
    old = converse(store, turns=1, idle_days=100)
    kept = converse(store, turns=1, idle_days=1)
    base = ["--database-url", database_url, "logs", "purge", "--older-than", "90d"]

    preview = runner.invoke(app, [*base, "--dry-run"])

    assert preview.exit_code == 0, preview.output
    assert "Would delete 1 session(s), 3 event(s) and 1 turn record(s) last active before" in preview.stdout
    assert counts(store, old) == (1, 3, 1)

    result = runner.invoke(app, base)

    assert result.exit_code == 0, result.output
    assert "Deleted 1 session(s), 3 event(s) and 1 turn record(s) last active before" in result.stdout
    assert counts(store, old) == (0, 0, 0) and counts(store, kept) == (1, 3, 1)


def test_purge_command_on_the_default_database(runner: CliRunner, isolated: Path) -> None:
    for dry_run in ([], ["--dry-run"]):  # a typo'd path must not give an empty database
        missing = runner.invoke(app, ["logs", "purge", "--older-than", "2w", *dry_run])
        assert missing.exit_code == 1 and "No database at" in missing.output and not (isolated / "assistant.db").exists()
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0

    result = runner.invoke(app, ["logs", "purge", "--older-than", "2w"])

    assert result.exit_code == 0, result.output
    assert "Deleted 0 session(s), 0 event(s) and 0 turn record(s)" in result.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--older-than", "0d"], "Error: the age must be more than zero, got '0d'"),
        (["--older-than=-5d"], "Error: cannot read the age '-5d': give a whole number and a unit"),
        (["--older-than", "soon"], "Error: cannot read the age 'soon'"),
    ],
)
def test_purge_command_refuses_bad_ages(runner: CliRunner, isolated: Path, args: list[str], message: str) -> None:
    result = runner.invoke(app, ["logs", "purge", *args])

    assert result.exit_code == 1
    assert message in result.stderr
    assert "Traceback" not in result.output
    assert not (isolated / "assistant.db").exists()  # refused before the database is opened


def test_purge_command_needs_an_age(runner: CliRunner) -> None:
    result = runner.invoke(app, ["logs", "purge"])

    assert result.exit_code == 2
    assert "--older-than" in result.output


def test_purge_deletes_feedback_and_reviewer_labels_of_old_sessions(store: SqlStore, database_url: str) -> None:
    from dialog.events import FeedbackGiven
    from assistant.store.tables import AnnotationRow, FeedbackRow

    old, recent = converse(store, turns=1, idle_days=0), converse(store, turns=1, idle_days=0)
    for session_id in (old, recent):
        store.append(session_id, [FeedbackGiven(turn_no=1, rating=1)])
        store.annotate(session_id, 1, "ana", answer_correct=True)
    with store.engine.begin() as db:
        db.execute(update(SessionRow).where(SessionRow.id == old).values(updated_at=utcnow() - timedelta(days=100)))

    purge_logs(database_url, timedelta(days=90))

    with store.engine.connect() as db:
        for labels in (FeedbackRow, AnnotationRow):
            assert list(db.scalars(select(labels.session_id))) == [recent]


def test_a_purge_leaves_no_word_of_the_purged_turns_in_the_sqlite_file(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'a.db'}"
    store = SqlStore(make_engine(url))
    kept, gone = converse(store, 1, idle_days=1), store.create_session()
    record = TurnRecord(
        session_id=gone, user_text="Send it to Maria Schmidtlein, Hauptstrasse 5", intent="question", intent_confidence=0.9,
        action="answer", reason="kb", answer="Noted: Hauptstrasse",
    )
    store.append(gone, [UserMessage(text=record.user_text), BotAnswer(text=record.answer)], record)
    with store.engine.begin() as db:
        db.execute(update(SessionRow).where(SessionRow.id == gone).values(updated_at=utcnow() - timedelta(days=100)))
    store.engine.dispose()

    report = purge_logs(url, timedelta(days=90))

    assert (report.sessions, report.turns) == (1, 1) and counts(store, kept) == (1, 3, 1)
    stored = b"".join(path.read_bytes() for path in tmp_path.iterdir() if path.name.startswith("a.db"))
    # neither the rows nor the full-text index (whose deletions only mark words as gone) keep them
    assert b"chmidtlein" not in stored.lower() and b"hauptstrass" not in stored.lower()
    store.engine.dispose()


def test_delete_command_erases_the_named_conversations_with_their_feedback_and_labels(
    runner: CliRunner, store: SqlStore, database_url: str, tmp_path: Path
) -> None:
    from dialog.events import FeedbackGiven
    from assistant.store.tables import AnnotationRow, FeedbackRow

    erased, kept = converse(store, turns=2, idle_days=0), converse(store, turns=1, idle_days=0)
    for session_id in (erased, kept):
        store.append(session_id, [FeedbackGiven(turn_no=1, rating=1, comment="thanks, Maria")])
        store.annotate(session_id, 1, "ana", notes="Maria again")
    review = tmp_path / "data" / "review"  # what the review pages wrote from the conversations
    written = [review / "conversation_tests" / f"{erased}.yaml", review / "training_examples" / f"{erased}.jsonl"]
    other = review / "conversation_tests" / f"{kept}.yaml"
    for path in [*written, other]:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("Maria", encoding="utf-8")
    base = ["--data-dir", str(tmp_path / "data"), "--database-url", database_url, "logs", "delete", erased]

    preview = runner.invoke(app, [*base, "--dry-run"])

    assert preview.exit_code == 0, preview.output
    assert "Would delete 1 conversation(s), 6 event(s) and 2 turn record(s), and 2 file(s)" in preview.stdout
    assert counts(store, erased) == (1, 6, 2) and all(path.exists() for path in written)

    result = runner.invoke(app, base)

    assert result.exit_code == 0, result.output
    assert "Deleted 1 conversation(s), 6 event(s) and 2 turn record(s), and 2 file(s) written from them" in result.stdout
    assert [path.exists() for path in written] == [False, False] and other.exists()
    assert counts(store, erased) == (0, 0, 0) and counts(store, kept) == (1, 4, 1)
    with store.engine.connect() as db:
        for labels in (FeedbackRow, AnnotationRow):
            assert list(db.scalars(select(labels.session_id))) == [kept]

    again = runner.invoke(app, [*base, "no-such-id"])  # deleted already, and never there: said, exit 1

    assert again.exit_code == 1
    assert "Deleted 0 conversation(s)" in again.stdout and f"no conversation with the id(s) {erased}, no-such-id" in again.output


@pytest.mark.parametrize("erase", ["purge", "delete"])
def test_erasing_leaves_no_word_in_the_sqlite_files_while_a_server_has_the_database_open(tmp_path: Path, erase: str) -> None:
    """A running server keeps its connections open, so SQLite keeps its write-ahead log (a.db-wal): the
    log must not hold the erased conversation's pages after a purge or a delete."""
    url = f"sqlite:///{tmp_path / 'a.db'}"
    server = SqlStore(make_engine(url))  # stays open throughout, as a server's does
    kept, gone = converse(server, 1, idle_days=1), server.create_session()
    record = TurnRecord(
        session_id=gone, user_text="Send it to Maria Schmidtlein, Hauptstrasse 5", intent="question", intent_confidence=0.9,
        action="answer", reason="kb", answer="Noted: Hauptstrasse",
    )
    server.append(gone, [UserMessage(text=record.user_text), BotAnswer(text=record.answer)], record)
    with server.engine.begin() as db:
        db.execute(update(SessionRow).where(SessionRow.id == gone).values(updated_at=utcnow() - timedelta(days=100)))
        assert db.scalar(text("PRAGMA journal_mode")) == "wal"

    if erase == "purge":
        assert purge_logs(url, timedelta(days=90)).sessions == 1
    else:
        assert delete_conversations(url, [gone]).sessions == 1

    stored = b"".join(path.read_bytes() for path in tmp_path.iterdir() if path.name.startswith("a.db"))
    assert b"chmidtlein" not in stored.lower() and b"hauptstrass" not in stored.lower()
    assert counts(server, kept) == (1, 3, 1) and server.load_events(kept)  # the server carries on
    server.engine.dispose()


def test_delete_command_removes_the_conversations_writes_the_database_refused_after_an_outage(
    runner: CliRunner, store: SqlStore, database_url: str, tmp_path: Path
) -> None:
    """A spooled write that the database refused on replay (its conversation was gone meanwhile) is kept in
    turns.jsonl.rejected with the customer's words; erasing that conversation removes it from there too."""
    from assistant.store.spool import SpoolingStore, _Record, rejected_file, spool_file

    spool = spool_file(tmp_path / "data")
    spool.parent.mkdir(parents=True)
    erased, kept = converse(store, turns=1, idle_days=0), converse(store, turns=1, idle_days=0)
    with spool.open("w", encoding="utf-8") as lines:  # what a server left after an outage, for two conversations
        for n, session_id in enumerate(["vanished-1", "vanished-2", erased]):
            record = _Record(f"r{n}", "append", session_id, None, [UserMessage(text=f"Maria Schmidtlein, Hauptstrasse {n}")])
            lines.write(record.to_json() + "\n")
    replaying = SpoolingStore(store, spool, retry_seconds=None)
    replaying.flush()
    replaying.close()
    rejected = rejected_file(spool).read_text(encoding="utf-8")
    assert rejected_file(spool).stat().st_mode & 0o777 == 0o600  # for the server's user only
    assert rejected.count("Schmidtlein") == 2 and "vanished-1" in rejected and "vanished-2" in rejected  # nothing to add them to
    base = ["--data-dir", str(tmp_path / "data"), "--database-url", database_url, "logs", "delete"]

    result = runner.invoke(app, [*base, erased, "vanished-1"])

    assert "Deleted 1 conversation(s)" in result.stdout and "and 1 refused write(s) kept from an outage" in result.stdout
    left = [json.loads(line) for line in rejected_file(spool).read_text(encoding="utf-8").splitlines()]
    assert [line["session_id"] for line in left] == ["vanished-2"] and counts(store, kept) == (1, 3, 1)
    assert rejected_file(spool).stat().st_mode & 0o777 == 0o600


def test_purge_command_also_drops_refused_writes_spooled_before_the_cutoff(
    runner: CliRunner, store: SqlStore, database_url: str, tmp_path: Path
) -> None:
    from assistant.store.spool import rejected_file, spool_file

    rejected = rejected_file(spool_file(tmp_path / "data"))
    rejected.parent.mkdir(parents=True)
    now = utcnow().timestamp()
    lines = [
        {"id": "old", "op": "append", "session_id": "a", "events": [{"type": "user", "text": "Maria Schmidtlein"}], "spooled_at": now - 100 * 86400},
        {"id": "new", "op": "append", "session_id": "b", "events": [{"type": "user", "text": "Hauptstrasse 5"}], "spooled_at": now - 86400},
    ]
    rejected.write_text("".join(json.dumps(line) + "\n" for line in lines) + "not json\n", encoding="utf-8")
    base = ["--data-dir", str(tmp_path / "data"), "--database-url", database_url, "logs", "purge", "--older-than", "90d"]

    preview = runner.invoke(app, [*base, "--dry-run"])
    assert preview.exit_code == 0 and "Schmidtlein" in rejected.read_text(encoding="utf-8")

    result = runner.invoke(app, base)

    assert result.exit_code == 0, result.output
    assert "and 1 refused write(s) kept from an outage" in result.stdout
    assert rejected.read_text(encoding="utf-8").splitlines()[1:] == ["not json"]  # the newer write, and what cannot be read
    assert json.loads(rejected.read_text(encoding="utf-8").splitlines()[0])["id"] == "new"
