"""`assistant restore FOLDER`: what `assistant backup` wrote, put back under the settings' paths, with checks."""

from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.engine import make_url
from typer.testing import CliRunner

from assistant.backup import backup
from assistant.restore import RestoreError, restore
from assistant.store import SqlStore, make_engine
from assistant.store.spool import hold_spool, spool_file
from assistant.store.tables import EventRow
from cli_helpers import FAKES, app, flat, ingested, invoke, runner, serve_process  # noqa: F401 (fixtures)
from dialog.events import UserMessage
from postgres_schemas import fresh_schema

needs_pg_tools = pytest.mark.skipif(not (shutil.which("pg_dump") and shutil.which("pg_restore")), reason="pg_dump/pg_restore not installed")


def user_texts(database_url: str) -> list[str]:
    """Every customer message stored in the database."""
    engine = make_engine(database_url, create_tables=False)
    try:
        with engine.connect() as connection:
            rows = [row.data for row in connection.execute(select(EventRow))]
    finally:
        engine.dispose()
    return [row["text"] for row in (json.loads(r) if isinstance(r, str) else r for r in rows) if row.get("type") == "user"]


def rows_of(database: Path) -> list[str]:
    """Everything the SQLite file holds, as SQL (its write-ahead log included): the file's own bytes change when
    another connection moves the log's pages into it, with the same rows."""
    connection = sqlite3.connect(database)
    try:
        return list(connection.iterdump())
    finally:
        connection.close()


def users(runner: CliRunner) -> str:  # noqa: F811
    return invoke(runner, "users", "list").output


@pytest.fixture
def backed_up(runner: CliRunner, ingested: Path, tmp_path: Path) -> Path:  # noqa: F811
    """A log with one question and a staff login, an upload and the index, backed up; then all of it changed."""
    data = Path("data")
    assert invoke(runner, "ask", "How long do reset links work?").exit_code == 0
    assert runner.invoke(app, [*FAKES, "users", "add", "lena", "--password-stdin"], input="s3cret-pass\n").exit_code == 0
    (data / "uploads").mkdir()
    (data / "uploads" / "gift-cards.md").write_text("# Gift cards\n\nThey never expire.\n")
    made = invoke(runner, "backup", str(tmp_path / "backup"))
    assert made.exit_code == 0, made.output
    # the day after: another question, the login removed, the upload changed, the index rebuilt without a file
    assert invoke(runner, "ask", "Do you ship to Norway?").exit_code == 0
    assert invoke(runner, "users", "remove", "lena").exit_code == 0
    (data / "uploads" / "gift-cards.md").write_text("# Gift cards\n\nChanged.\n")
    (ingested / "faq.csv").unlink()
    assert invoke(runner, "ingest", "--rebuild", str(ingested)).exit_code == 0
    return tmp_path / "backup"


def test_a_sqlite_backup_is_restored_with_force_and_what_it_replaced_is_kept_aside(runner: CliRunner, backed_up: Path, tmp_path: Path) -> None:  # noqa: F811
    data = Path("data").resolve()
    database_url = f"sqlite:///{data / 'assistant.db'}"
    changed_manifest = (data / "index" / "manifest.json").read_text()

    refused = invoke(runner, "restore", str(backed_up))

    assert refused.exit_code == 1
    assert "there is data in place" in flat(refused.output) and "--force" in flat(refused.output)
    assert "Do you ship to Norway?" in user_texts(database_url)  # nothing touched
    assert (data / "index" / "manifest.json").read_text() == changed_manifest

    restored = invoke(runner, "restore", "--force", str(backed_up))

    assert restored.exit_code == 0, restored.output
    texts = user_texts(database_url)
    assert "How long do reset links work?" in texts and "Do you ship to Norway?" not in texts
    assert "lena" in users(runner)
    assert (data / "uploads" / "gift-cards.md").read_text() == "# Gift cards\n\nThey never expire.\n"
    assert json.loads((data / "index" / "manifest.json").read_text()) == json.loads((backed_up / "index" / "manifest.json").read_text())
    [aside] = [path for path in data.iterdir() if path.name.startswith("before-restore-")]
    assert f"kept in {aside}" in flat(restored.output)
    assert "Do you ship to Norway?" in user_texts(f"sqlite:///{aside / 'assistant.db'}")
    assert (aside / "uploads" / "gift-cards.md").read_text() == "# Gift cards\n\nChanged.\n"
    assert (aside / "index" / "manifest.json").read_text() == changed_manifest
    assert invoke(runner, "index", "status").exit_code == 0


def test_a_backup_restores_into_an_empty_data_folder_without_force(runner: CliRunner, backed_up: Path, tmp_path: Path) -> None:  # noqa: F811
    fresh = tmp_path / "new-machine"
    options = ["--data-dir", str(fresh)]  # the index in DATA_DIR/index, the log in DATA_DIR/assistant.db

    restored = invoke(runner, *options, "restore", str(backed_up))

    assert restored.exit_code == 0, restored.output
    assert "How long do reset links work?" in user_texts(f"sqlite:///{fresh / 'assistant.db'}")
    assert (fresh / "index" / "manifest.json").is_file() and (fresh / "uploads" / "gift-cards.md").is_file()
    assert not [path for path in fresh.iterdir() if path.name.startswith("before-restore-")]
    assert "kept in" not in restored.output


def test_a_running_server_on_the_data_is_refused(runner: CliRunner, backed_up: Path) -> None:  # noqa: F811
    database = Path("data") / "assistant.db"
    before = rows_of(database)
    with serve_process("--embedder", "hash", "--generator", "scripted") as (server, _):
        refused = invoke(runner, "restore", "--force", str(backed_up))
        assert server.poll() is None

    assert refused.exit_code == 1
    assert "another assistant process uses the spool" in flat(refused.output) and "Nothing was restored" in flat(refused.output)
    assert rows_of(database) == before


def test_a_process_with_the_sqlite_file_open_is_refused(runner: CliRunner, backed_up: Path, tmp_path: Path) -> None:  # noqa: F811
    database = Path("data").resolve() / "assistant.db"
    other_data = tmp_path / "other"  # settings of another data_dir (whose spool lock says nothing) on the same file
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys, time; f = open(sys.argv[1], 'rb'); print('open', flush=True); time.sleep(60)", str(database)],
        stdout=subprocess.PIPE, text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "open"
        with pytest.raises(RestoreError, match=f"is open in process\\(es\\) {holder.pid} "):
            restore(backed_up, f"sqlite:///{database}", other_data / "index", other_data, force=True)
    finally:
        holder.kill()
        holder.wait()
    assert not other_data.joinpath("index").exists()


def test_a_damaged_backup_is_refused_before_anything_is_touched(runner: CliRunner, backed_up: Path) -> None:  # noqa: F811
    database = Path("data") / "assistant.db"
    before = rows_of(database)
    copy = backed_up / "uploads" / "gift-cards.md"
    copy.write_text("# Gift cards\n\nTampered.\n")

    refused = invoke(runner, "restore", "--force", str(backed_up))

    assert refused.exit_code == 1
    assert f"{copy} does not match the checksum backup.json records" in flat(refused.output)
    assert rows_of(database) == before and not list(Path("data").glob("before-restore-*"))


def test_a_damaged_index_copy_is_refused(runner: CliRunner, backed_up: Path) -> None:  # noqa: F811
    manifest = json.loads((backed_up / "index" / "manifest.json").read_text())
    name = next(iter(manifest["checksums"]))
    (backed_up / "index" / name).write_bytes(b"not the index")

    refused = invoke(runner, "restore", "--force", str(backed_up))

    assert refused.exit_code == 1
    assert "does not match the checksum its manifest records" in flat(refused.output) and "nothing was restored" in flat(refused.output)


def test_a_folder_that_is_no_complete_backup_is_refused(runner: CliRunner, tmp_path: Path) -> None:  # noqa: F811
    (tmp_path / "half").mkdir()
    (tmp_path / "half" / "assistant.db").write_text("")

    refused = invoke(runner, "restore", str(tmp_path / "half"))

    assert refused.exit_code == 1
    assert "holds no backup.json: not a complete backup" in flat(refused.output)


@needs_pg_tools
def test_a_postgresql_backup_is_restored_and_the_database_replaced_is_dumped_aside(tmp_path: Path) -> None:
    with fresh_schema("restore_round_trip") as url:
        engine = make_engine(url)
        session = SqlStore(engine).create_session()
        SqlStore(engine).append(session, [UserMessage(text="Where is order 1043?")])
        backup(tmp_path / "backup", url, tmp_path / "index", tmp_path / "data")
        SqlStore(engine).append(session, [UserMessage(text="And order 1044?")])
        engine.dispose()

        with pytest.raises(RestoreError, match="there is data in place"):
            restore(tmp_path / "backup", url, tmp_path / "index", tmp_path / "data")
        assert "And order 1044?" in user_texts(url)

        report = restore(tmp_path / "backup", url, tmp_path / "index", tmp_path / "data", force=True)

        texts = user_texts(url)
        assert "Where is order 1043?" in texts and "And order 1044?" not in texts
        assert report.moved_aside is not None and (Path(report.moved_aside) / "assistant.dump").is_file()
        with hold_spool(spool_file(tmp_path / "data")):  # the restore let go of the data folder's lock
            pass


@needs_pg_tools
def test_a_postgresql_database_that_does_not_exist_is_one_clear_error(tmp_path: Path) -> None:
    with fresh_schema("restore_missing_database") as url:
        backup(tmp_path / "backup", url, tmp_path / "index", tmp_path / "data")
    missing = make_url(url).set(database="ops_helper_no_such_database").render_as_string(hide_password=False)

    with pytest.raises(RestoreError, match='database "ops_helper_no_such_database" does not exist .*createdb'):
        restore(tmp_path / "backup", missing, tmp_path / "index", tmp_path / "data")


def test_handoff_notices_waiting_for_the_webhook_are_backed_up_and_restored(runner: CliRunner, tmp_path: Path) -> None:  # noqa: F811
    """The backup copied neither data_dir/notices nor its owners' lock files: a data folder restored on a new machine
    had lost the notices still waiting for staff's webhook (it was down). Now they are copied (the lock files of the
    processes running now are not: they are no data) and restored, and the next server sends them."""
    import httpx

    from assistant.notify import HandoffNotifier, notices_folder

    data = Path("data")
    assert invoke(runner, "db", "upgrade").exit_code == 0
    down = httpx.MockTransport(lambda request: httpx.Response(503))
    server = HandoffNotifier("http://helpdesk.example/hook", outbox=notices_folder(data), transport=down, retry_delays_s=(3600.0,))
    bodies = [HandoffNotifier.notice(f"s{n}", "asked for a person", f"message {n}") for n in range(2)]
    for body in bodies:
        server.send_later(body)
    try:
        assert len(list(notices_folder(data).glob("*.json"))) == 2 and any((data / "notices.owners").iterdir())
        made = invoke(runner, "backup", str(tmp_path / "backup"))  # while the server runs, its owner lock held
    finally:
        server.close(timeout_s=0.1)
    assert made.exit_code == 0, made.output
    assert f"handoff notices waiting for the webhook: {tmp_path / 'backup' / 'notices'}" in flat(made.output)
    assert not (tmp_path / "backup" / "notices.owners").exists()
    copies = tmp_path / "backup" / "notices"
    assert {oct(path.stat().st_mode & 0o777) for path in [copies, *copies.iterdir()]} == {"0o700", "0o600"}  # customers' words
    assert sorted(path.name for path in (tmp_path / "backup" / "notices").iterdir()) == sorted(
        path.name for path in notices_folder(data).iterdir()
    )

    fresh = tmp_path / "new-machine"
    restored = invoke(runner, "--data-dir", str(fresh), "restore", str(tmp_path / "backup"))

    assert restored.exit_code == 0, restored.output
    assert f"handoff notices waiting for the webhook: {fresh / 'notices'}" in flat(restored.output)
    sent: list[httpx.Request] = []
    taking = httpx.MockTransport(lambda request: sent.append(request) or httpx.Response(200))
    next_server = HandoffNotifier("http://helpdesk.example/hook", outbox=notices_folder(fresh), transport=taking)
    try:
        assert next_server.send_left_over() == 2
        next_server.wait_until_sent()
    finally:
        next_server.close(timeout_s=1)
    assert [json.loads(request.content) for request in sent] == bodies
    assert list(notices_folder(fresh).iterdir()) == []
