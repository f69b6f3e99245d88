"""`assistant backup`: a consistent, private copy of the conversation log, index, uploads and spool."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import stat
import subprocess
from contextlib import closing
from pathlib import Path

import pytest
from typer.testing import CliRunner

from sqlalchemy.engine import make_url

from assistant.backup import BackupError, backup, search_path_schema
from assistant.store import SqlStore, make_engine
from cli_helpers import flat, ingested, invoke, runner  # noqa: F401 (fixtures)
from dialog.events import UserMessage
from postgres_schemas import fresh_schema
from retrieval.index_lock import index_lock


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_backup_taken_while_the_server_writes_holds_what_only_the_wal_file_had(tmp_path: Path) -> None:
    database = tmp_path / "data" / "assistant.db"
    engine = make_engine(f"sqlite:///{database}")
    session = SqlStore(engine).create_session()
    store = SqlStore(engine)
    store.append(session, [UserMessage(text="Where is order 1043?")])  # in the -wal file, not yet in the .db
    assert (tmp_path / "data" / "assistant.db-wal").stat().st_size > 0

    report = backup(tmp_path / "backup", f"sqlite:///{database}", tmp_path / "data" / "index", tmp_path / "data")

    with sqlite3.connect(tmp_path / "backup" / "assistant.db") as copy:
        stored = copy.execute("SELECT data FROM events WHERE session_id = ?", (session,)).fetchall()
    assert any("Where is order 1043?" in row[0] for row in stored)
    assert report.database_copy == str(tmp_path / "backup" / "assistant.db") and report.index_copy is None
    assert mode(tmp_path / "backup") == 0o700
    assert {mode(path) for path in (tmp_path / "backup").iterdir()} == {0o600}
    assert json.loads((tmp_path / "backup" / "backup.json").read_text())["database_copy"] == report.database_copy
    engine.dispose()


def test_the_index_uploads_and_spool_are_copied_without_lock_files(runner: CliRunner, ingested: Path, tmp_path: Path) -> None:  # noqa: F811
    data = Path("data")  # the runner's working folder: the fixtures' default data_dir
    assert invoke(runner, "db", "upgrade").exit_code == 0
    (data / "uploads").mkdir()
    (data / "uploads" / "gift-cards.md").write_text("# Gift cards\n\nThey never expire.\n")
    (data / "spool").mkdir()
    (data / "spool" / "turns.jsonl").write_text('{"op": "append"}\n')
    (data / "spool" / "turns.jsonl.lock").write_text("")

    result = invoke(runner, "backup", str(tmp_path / "backup"))

    assert result.exit_code == 0, result.output
    copy = tmp_path / "backup"
    assert (copy / "uploads" / "gift-cards.md").read_text() == "# Gift cards\n\nThey never expire.\n"
    assert sorted(path.name for path in (copy / "spool").iterdir()) == ["turns.jsonl"]
    manifest = json.loads((copy / "index" / "manifest.json").read_text())
    assert manifest == json.loads((data / "index" / "manifest.json").read_text())
    assert f"search index: {copy / 'index'} ({manifest['documents']} documents, {manifest['chunks']} chunks)" in flat(result.output)
    assert f"knowledge-base sources ({ingested.resolve()})" in flat(result.output)
    assert {mode(path) for path in copy.rglob("*")} == {0o600, 0o700}


def test_the_backup_of_a_copied_database_opens_and_reads_as_the_original(runner: CliRunner, ingested: Path, tmp_path: Path) -> None:  # noqa: F811
    asked = invoke(runner, "ask", "How long do reset links work?")
    assert asked.exit_code == 0, asked.output
    assert invoke(runner, "backup", str(tmp_path / "backup")).exit_code == 0

    restored = invoke(runner, "--database-url", f"sqlite:///{tmp_path / 'backup' / 'assistant.db'}", "logs", "export", str(tmp_path / "turns.jsonl"))

    assert restored.exit_code == 0, restored.output
    assert "How long do reset links work?" in (tmp_path / "turns.jsonl").read_text()


def test_a_folder_that_holds_files_is_refused_and_left_alone(runner: CliRunner, ingested: Path, tmp_path: Path) -> None:  # noqa: F811
    earlier = tmp_path / "backup"
    earlier.mkdir()
    (earlier / "assistant.db").write_text("last week's")

    result = invoke(runner, "backup", str(earlier))

    assert result.exit_code == 1
    assert "already holds files; give a new or empty folder" in flat(result.output)
    assert [path.name for path in earlier.iterdir()] == ["assistant.db"]
    assert (earlier / "assistant.db").read_text() == "last week's"


def test_a_missing_database_is_said_and_no_folder_is_made(runner: CliRunner, tmp_path: Path) -> None:  # noqa: F811
    result = invoke(runner, "--database-url", f"sqlite:///{tmp_path / 'typo.db'}", "backup", str(tmp_path / "backup"))

    assert result.exit_code == 1
    assert f"No database at {tmp_path / 'typo.db'}" in flat(result.output)
    assert not (tmp_path / "backup").exists()


def test_postgresql_is_left_to_pg_dump_with_a_url_it_reads(tmp_path: Path) -> None:
    report = backup(
        tmp_path / "backup", "postgresql+psycopg://support:secret@db.example:5433/logs?sslmode=require",
        tmp_path / "index", tmp_path, run_pg_dump=False,
    )

    assert report.database_copy is None
    # the dump goes into the backup folder, which only its owner may enter (it printed --file=assistant.dump: the
    # working folder, where pg_dump leaves it readable by everyone under the usual umask)
    dump = tmp_path / "backup" / "assistant.dump"
    assert report.pg_dump == f"pg_dump --format=custom --file={dump} 'postgresql://support@db.example:5433/logs?sslmode=require'"
    assert "secret" not in (tmp_path / "backup" / "backup.json").read_text()


needs_pg_dump = pytest.mark.skipif(shutil.which("pg_dump") is None, reason="pg_dump is not installed")


@needs_pg_dump
def test_postgresql_is_dumped_into_the_backup_and_read_back(tmp_path: Path) -> None:
    with fresh_schema("backup_dump") as url:
        engine = make_engine(url)
        session = SqlStore(engine).create_session()
        SqlStore(engine).append(session, [UserMessage(text="Where is order 1043?")])
        engine.dispose()
        schema = search_path_schema(make_url(url).query["options"])

        report = backup(tmp_path / "backup", url, tmp_path / "index", tmp_path)

    dump = tmp_path / "backup" / "assistant.dump"
    assert report.database_copy == str(dump) and mode(dump) == 0o600
    listed = subprocess.run(["pg_restore", "--list", str(dump)], capture_output=True, text=True, check=True).stdout
    assert f"TABLE {schema} events" in listed  # the assistant's schema only (its search_path), not the others
    assert " public " not in listed
    assert "postgres:postgres" not in (tmp_path / "backup" / "backup.json").read_text()  # no password kept
    if shutil.which("pg_restore"):
        assert report.database_check == "pg_restore --list"


@needs_pg_dump
def test_a_database_pg_dump_cannot_reach_fails_the_backup_and_leaves_nothing(tmp_path: Path) -> None:
    with pytest.raises(BackupError, match="pg_dump failed, so no backup was made: .*127.0.0.1"):
        backup(tmp_path / "backup", "postgresql+psycopg://support@127.0.0.1:1/logs", tmp_path / "index", tmp_path)

    assert not (tmp_path / "backup").exists() and not list(tmp_path.glob(".backup.partial-*"))


def test_no_pg_dump_prints_the_command_with_the_assistants_schema(runner: CliRunner, tmp_path: Path) -> None:  # noqa: F811
    url = "postgresql+psycopg://support@127.0.0.1:1/logs?options=-csearch_path%3Dassistant"
    result = invoke(runner, "--database-url", url, "--data-dir", str(tmp_path / "data"), "backup", str(tmp_path / "backup"), "--no-pg-dump")

    assert result.exit_code == 0, result.output
    assert "not copied (postgresql" in flat(result.output) and "--schema=assistant" in flat(result.output)
    assert not (tmp_path / "backup" / "assistant.dump").exists()


def empty_database_and_index(folder: Path) -> tuple[Path, Path]:
    """An empty SQLite log and an index folder holding only a manifest, in ``folder``."""
    database = folder / "assistant.db"
    make_engine(f"sqlite:///{database}").dispose()
    index = folder / "index"
    index.mkdir()
    (index / "manifest.json").write_text("{}")
    return database, index


def test_a_failure_half_way_leaves_no_partial_backup(tmp_path: Path) -> None:
    database, index = empty_database_and_index(tmp_path)

    with index_lock(index), pytest.raises(Exception, match="Another process is writing the index"):
        backup(tmp_path / "backup", f"sqlite:///{database}", index, tmp_path, lock_timeout=0.1)

    assert not (tmp_path / "backup").exists()


def test_an_unreadable_database_file_is_one_clear_error(tmp_path: Path) -> None:
    database = tmp_path / "assistant.db"
    database.write_text("not a database at all")

    with pytest.raises(BackupError, match="Cannot make the backup in .*file is not a database"):
        backup(tmp_path / "backup", f"sqlite:///{database}", tmp_path / "index", tmp_path)
    assert not (tmp_path / "backup").exists()


def test_the_uploads_folder_the_index_was_built_from_is_not_listed_as_not_copied(runner: CliRunner, ingested: Path, tmp_path: Path) -> None:  # noqa: F811
    uploads = Path("data") / "uploads"  # as the staff page keeps them, and indexes them from there
    uploads.mkdir(parents=True)
    (uploads / "gift-cards.md").write_text("# Gift cards\n\nThey never expire.\n")
    assert invoke(runner, "ingest", str(uploads)).exit_code == 0
    assert invoke(runner, "db", "upgrade").exit_code == 0

    result = invoke(runner, "backup", str(tmp_path / "backup"))

    assert result.exit_code == 0, result.output
    assert f"staff uploads: {tmp_path / 'backup' / 'uploads'}" in flat(result.output)
    # it said the uploads were not copied, naming their folder among the knowledge-base sources, right after copying them
    assert f"knowledge-base sources ({ingested.resolve()})" in flat(result.output)
    assert json.loads((tmp_path / "backup" / "backup.json").read_text())["not_copied"] == [str(ingested.resolve())]


def test_a_backup_stopped_half_way_leaves_nothing_under_the_name_given(tmp_path: Path) -> None:
    """Killed while it waits for an ingest (a cron job's timeout, a reboot), a backup had left a folder with a
    whole assistant.db in it: a folder that looks like a backup. It is made aside and renamed when complete."""
    (tmp_path / "data").mkdir()
    database, index = empty_database_and_index(tmp_path / "data")
    seen_while_waiting: list[list[str]] = []

    def look(_message: str) -> None:  # called while the backup waits for the index lock, the database copied
        seen_while_waiting.append(sorted(path.name for path in tmp_path.iterdir()))
        raise KeyboardInterrupt  # stops it there, as a signal would

    with index_lock(index), pytest.raises(KeyboardInterrupt):
        backup(tmp_path / "backup", f"sqlite:///{database}", index, tmp_path / "data", lock_timeout=30, on_wait=look)

    assert len(seen_while_waiting) == 1 and "backup" not in seen_while_waiting[0]
    assert [name for name in seen_while_waiting[0] if name.startswith(".backup.partial-")]
    assert sorted(path.name for path in tmp_path.iterdir()) == ["data"]


def test_an_empty_folder_given_is_filled_and_kept_when_the_backup_fails(tmp_path: Path) -> None:
    database = tmp_path / "assistant.db"
    make_engine(f"sqlite:///{database}").dispose()
    (tmp_path / "made-by-me").mkdir()

    backup(tmp_path / "made-by-me", f"sqlite:///{database}", tmp_path / "index", tmp_path)
    assert sorted(path.name for path in (tmp_path / "made-by-me").iterdir()) == ["assistant.db", "backup.json"]

    (tmp_path / "mount-point").mkdir()
    database.write_text("not a database at all")
    with pytest.raises(BackupError):
        backup(tmp_path / "mount-point", f"sqlite:///{database}", tmp_path / "index", tmp_path)
    assert (tmp_path / "mount-point").is_dir()  # a failed backup had removed the (empty) folder it was given


def test_a_copy_that_fails_for_many_files_is_one_line(tmp_path: Path) -> None:
    database, index = empty_database_and_index(tmp_path)
    for name in ("vectors.faiss", "chunks.jsonl", "documents.json"):  # unreadable, as on a full disk each fails alone
        (index / name).symlink_to(tmp_path / "gone" / name)

    with pytest.raises(BackupError) as failure:
        backup(tmp_path / "backup", f"sqlite:///{database}", index, tmp_path)

    message = str(failure.value)
    assert message.startswith(f"Cannot make the backup in {tmp_path / 'backup'}: [Errno 2] No such file or directory")
    assert message.endswith("(and 2 more file(s))") and "\n" not in message and "[(" not in message
    assert not [path.name for path in tmp_path.iterdir() if "backup" in path.name]


def test_a_damaged_database_is_found_out_when_the_backup_is_made(tmp_path: Path) -> None:
    """The online backup copies pages as they are: a damaged log was 'backed up' damaged, and the backup said
    nothing (a restore over a stale -wal file leaves such a file, and `db current` reads it as fine)."""
    database = tmp_path / "assistant.db"
    engine = make_engine(f"sqlite:///{database}")
    store = SqlStore(engine)
    for number in range(40):
        store.append(store.create_session(), [UserMessage(text=f"Where is order {number}? " + "details " * 200)])
    engine.dispose()
    with sqlite3.connect(database) as connection:
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        pages = connection.execute("PRAGMA page_count").fetchone()[0]
        size = connection.execute("PRAGMA page_size").fetchone()[0]
    with open(database, "r+b") as file:  # a page in the middle of the events table overwritten
        file.seek(size * (pages // 2))
        file.write(b"\xff" * size)

    with pytest.raises(BackupError, match="is damaged, so no backup was made .SQLite's quick_check: "):
        backup(tmp_path / "backup", f"sqlite:///{database}", tmp_path / "index", tmp_path)
    assert not [path.name for path in tmp_path.iterdir() if "backup" in path.name]


def test_an_index_file_that_does_not_match_its_checksum_is_found_out(runner: CliRunner, ingested: Path, tmp_path: Path) -> None:  # noqa: F811
    assert invoke(runner, "db", "upgrade").exit_code == 0
    assert "Checked: the database copy passes SQLite's quick_check and the index files match their checksums." in flat(
        invoke(runner, "backup", str(tmp_path / "good")).output
    )
    with open(Path("data") / "index" / "chunks.jsonl", "ab") as chunks:
        chunks.write(b"\n")

    result = invoke(runner, "backup", str(tmp_path / "backup"))

    assert result.exit_code == 1
    assert f"The index file {(Path('data') / 'index' / 'chunks.jsonl').resolve()} does not match the checksum its manifest records" in flat(result.output)
    assert not (tmp_path / "backup").exists()


def test_an_empty_folder_given_is_filled_in_place_so_a_mounted_disk_works(tmp_path: Path) -> None:
    """A folder given empty may be a mount point, which cannot be renamed over: the backup is made inside it."""
    database = tmp_path / "assistant.db"
    make_engine(f"sqlite:///{database}").dispose()
    disk = tmp_path / "disk"
    disk.mkdir()
    renamed_over: list[str] = []
    real_replace = os.replace

    def replace(source, target):  # type: ignore[no-untyped-def]
        if Path(target) == disk:
            renamed_over.append(str(source))
            raise OSError(16, "Device or resource busy")  # what renaming onto a mount point answers
        return real_replace(source, target)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(os, "replace", replace)
        backup(disk, f"sqlite:///{database}", tmp_path / "index", tmp_path)

    assert renamed_over == []
    assert sorted(path.name for path in disk.iterdir()) == ["assistant.db", "backup.json"]
    assert mode(disk) == 0o700


def test_the_database_copy_is_one_file_that_opens_where_nothing_can_be_written(runner: CliRunner, ingested: Path, tmp_path: Path) -> None:  # noqa: F811
    """The copy was in WAL mode, as the server's database: on read-only media (an archive disk, a share) SQLite
    cannot make its -shm file and `db current` answered 'unable to open database file'."""
    assert invoke(runner, "ask", "How long do reset links work?").exit_code == 0
    assert invoke(runner, "backup", str(tmp_path / "backup")).exit_code == 0
    copy = tmp_path / "backup" / "assistant.db"

    with closing(sqlite3.connect(f"file:{copy}?mode=ro", uri=True)) as reading:
        assert reading.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
    checked = invoke(runner, "--database-url", f"sqlite:///{copy}", "db", "current")
    assert checked.exit_code == 0, checked.output
    assert sorted(path.name for path in copy.parent.iterdir()) == ["assistant.db", "backup.json", "index"]
    restored = invoke(runner, "--database-url", f"sqlite:///{copy}", "logs", "export", str(tmp_path / "turns.jsonl"))
    assert restored.exit_code == 0 and "How long do reset links work?" in (tmp_path / "turns.jsonl").read_text()


def test_a_backup_on_read_only_media_is_read_as_it_is(runner: CliRunner, ingested: Path, tmp_path: Path) -> None:  # noqa: F811
    """Opening a database switched it to WAL first: on read-only media that failed ('attempt to write a readonly
    database'), so a kept backup could not even be checked. (A read-only connection stands for the media here.)"""
    from assistant.store.db import _enable_sqlite_wal

    assert invoke(runner, "db", "upgrade").exit_code == 0
    assert invoke(runner, "backup", str(tmp_path / "backup")).exit_code == 0

    with closing(sqlite3.connect(f"file:{tmp_path / 'backup' / 'assistant.db'}?mode=ro", uri=True)) as reading:
        _enable_sqlite_wal(reading, None)
        assert reading.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
        assert reading.execute("SELECT count(*) FROM alembic_version").fetchone()[0] == 1


def test_a_trained_embedder_is_named_to_be_kept_with_the_backup(runner: CliRunner, ingested: Path, tmp_path: Path) -> None:  # noqa: F811
    trained = tmp_path / "embedder"  # as `assistant train embedder` leaves it (the backup reads only its manifest)
    trained.mkdir()
    (trained / "embedder.json").write_text(json.dumps({"base_model": "all-minilm-l6-v2", "sha256": "ab" * 32}))
    assert invoke(runner, "db", "upgrade").exit_code == 0

    result = invoke(runner, "--embedder", str(trained), "backup", str(tmp_path / "backup"))

    assert result.exit_code == 0, result.output
    assert f"Keep a copy of the trained embedder {trained} too: the index loads only with the weights it was built with" in flat(result.output)
    assert "trained embedder" not in flat(invoke(runner, "backup", str(tmp_path / "other")).output)
