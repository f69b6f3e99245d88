"""`assistant restore`: put back what `assistant backup` wrote (assistant/backup.py) under the current settings.

What a backup holds is restored: the conversation log (``assistant.db`` copied over the SQLite file, or
``assistant.dump`` loaded into PostgreSQL by ``pg_restore``, staff logins with it), the search index, the
staff uploads, the spool and the handoff notices waiting for the webhook (the next server sends them: their
processes are gone; those ``assistant.notify.MAX_AGE_S`` old by then are given up, logged). Before anything is touched:

- the backup is checked: ``backup.json`` (written last, so its presence says the backup is complete), the
  checksums it records (backups made since restore exists), the database copy by SQLite's ``quick_check`` or
  ``pg_restore --list``, the index files against their manifest's checksums;
- no server may be running on the data: a server holds its ``data_dir``'s spool lock while it serves, which
  the restore takes for itself (so none starts meanwhile), and no other process may have the SQLite file open
  (read from ``/proc`` where there is one); other connections to a PostgreSQL database are only warned of;
- the data in place, if any, is refused unless ``force``: then it is moved aside into
  ``data_dir/before-restore-<time>/`` (a PostgreSQL database is dumped there by ``pg_dump``), never deleted.

A failure half-way puts what was moved aside back where it was.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from sqlalchemy import inspect, text
from sqlalchemy.engine import URL, Engine
from sqlalchemy.exc import SQLAlchemyError

from assistant.backup import (
    PRIVATE_FOLDER, SPOOL_LOCK, BackupError, _copy_private, _dump_postgres, _one_line, check_index_copy,
    libpq_url, search_path_schema,
)
from assistant.store.db import PRIVATE_MODE, StoreUnavailable, make_engine, parse_url, sqlite_file
from assistant.store.spool import hold_spool, spool_file
from retrieval.index import file_sha256
from retrieval.index_lock import IndexBusy, index_lock

SQLITE_SIDE_FILES = ("-wal", "-shm", "-journal")  # left by a server that did not stop cleanly: SQLite would apply them


class RestoreError(ValueError):
    """The restore cannot be made, or was undone; the message says why, in one line."""


@dataclass
class RestoreReport:
    backup: str
    created: str  # when the backup was made
    database: str  # where the log was restored (password hidden)
    restored: list[str] = field(default_factory=list)  # "conversation log", "search index", …
    moved_aside: str | None = None  # the folder that holds the data replaced
    kept: list[str] = field(default_factory=list)  # notes: what was left as it was, and why
    warnings: list[str] = field(default_factory=list)


@dataclass
class _Backup:
    """What a checked backup folder holds."""

    folder: Path
    manifest: dict
    database: Path | None  # assistant.db or assistant.dump
    index: Path | None
    uploads: Path | None
    spool: Path | None
    notices: Path | None


def read_backup(folder: Path) -> _Backup:
    """The backup in ``folder``, checked (see the module docstring); RestoreError naming the first problem."""
    manifest_file = folder / "backup.json"
    if not folder.is_dir():
        raise RestoreError(f"No backup at {folder}: give the folder `assistant backup` made")
    if not manifest_file.is_file():
        raise RestoreError(f"{folder} holds no backup.json: not a complete backup (`assistant backup` writes it last)")
    try:
        manifest = json.loads(manifest_file.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise RestoreError(f"Cannot read {manifest_file}: {error}") from None
    found = {name: (folder / name if (folder / name).exists() else None) for name in ("index", "uploads", "spool", "notices")}
    databases = [folder / name for name in ("assistant.db", "assistant.dump") if (folder / name).is_file()]
    expected = {name: manifest.get(f"{name}_copy") for name in found}
    missing = [name for name, copy in expected.items() if copy and found[name] is None]
    if manifest.get("database_copy") and not databases:
        missing.insert(0, Path(manifest["database_copy"]).name)
    if missing:
        raise RestoreError(f"The backup in {folder} lacks {', '.join(missing)}, which its backup.json lists: it is incomplete")
    for name, expected_sum in (manifest.get("checksums") or {}).items():
        if not (folder / name).is_file() or file_sha256(folder / name) != expected_sum:
            raise RestoreError(f"{folder / name} does not match the checksum backup.json records: the backup is damaged")
    backup = _Backup(
        folder, manifest, databases[0] if databases else None, found["index"], found["uploads"], found["spool"], found["notices"]
    )
    _check_database_copy(backup.database)
    if backup.index is not None:
        try:
            check_index_copy(backup.index)
        except (OSError, ValueError) as error:  # BackupError too
            raise RestoreError(str(error).replace("so no backup was made", "so nothing was restored")) from None
    return backup


def _check_database_copy(copy: Path | None) -> None:
    if copy is None:
        return
    if copy.suffix == ".db":
        try:
            with closing(sqlite3.connect(f"file:{copy}?mode=ro&immutable=1", uri=True)) as connection:
                problems = [row[0] for row in connection.execute("PRAGMA quick_check(5)")]
        except sqlite3.Error as error:
            problems = [str(error)]
        if problems != ["ok"]:
            raise RestoreError(f"The database copy {copy} is damaged (SQLite's quick_check: {'; '.join(problems)}): nothing was restored")
    elif shutil.which("pg_restore"):
        listed = subprocess.run(["pg_restore", "--list", str(copy)], capture_output=True, text=True)
        if listed.returncode != 0:
            raise RestoreError(f"The dump {copy} does not read back ({' '.join(listed.stderr.split())}): nothing was restored")


def processes_using(path: Path) -> list[int]:
    """The ids of other processes that have ``path`` open, read from ``/proc`` (the processes this user may see;
    none where there is no ``/proc``)."""
    target, pids = os.path.realpath(path), []
    for process in Path("/proc").glob("[0-9]*"):
        if process.name == str(os.getpid()):
            continue
        try:
            if any(os.path.realpath(fd) == target for fd in (process / "fd").iterdir()):
                pids.append(int(process.name))
        except OSError:  # gone meanwhile, or another user's
            continue
    return pids


@contextmanager
def _no_server(data_dir: Path, database_file: Path | None) -> Iterator[None]:
    """Hold ``data_dir``'s spool lock for the block (a server holds it while it serves: RestoreError then, and
    none can start meanwhile); RestoreError too when another process has the SQLite file open."""
    try:
        handle = hold_spool(spool_file(data_dir), holder=f"pid {os.getpid()}: assistant restore")
    except StoreUnavailable as error:
        raise RestoreError(f"Nothing was restored: {error}") from None
    try:
        if database_file is not None:
            users = [pid for path in (database_file, *(Path(f"{database_file}{end}") for end in SQLITE_SIDE_FILES))
                     if path.exists() for pid in processes_using(path)]
            if users:
                raise RestoreError(
                    f"Nothing was restored: {database_file} is open in process(es) {', '.join(map(str, sorted(set(users))))} "
                    "(a server or `assistant chat` on it?): stop them first"
                )
        yield
    finally:
        handle.close()


def restore(
    folder: Path, database_url: str, index_dir: Path, data_dir: Path, force: bool = False,
    lock_timeout: float | None = 60, on_wait: Callable[[str], None] | None = None,
) -> RestoreReport:
    """Restore the backup in ``folder`` into the database, index and data folder of the settings (see the
    module docstring). RestoreError when it cannot; then the data in place is as it was."""
    url = parse_url(database_url)
    database_file = sqlite_file(url)
    backup = read_backup(folder)
    _check_kind(backup, database_file, url)
    report = RestoreReport(
        backup=str(folder), created=str(backup.manifest.get("created", "?")), database=url.render_as_string(hide_password=True)
    )
    with _no_server(data_dir, database_file):
        in_place = _data_in_place(backup, url, database_file, index_dir, data_dir)
        if in_place and not force:
            raise RestoreError(
                f"Nothing was restored: there is data in place ({'; '.join(in_place)}). Give --force to restore over it; "
                f"what is there is then moved aside into {data_dir / 'before-restore-<time>'}, not deleted"
            )
        if backup.database is not None and database_file is None and (others := _other_connections(url)):
            report.warnings.append(
                f"{others} other connection(s) to {url.render_as_string(hide_password=True)}: a server on another machine "
                "or data_dir that uses this database must be stopped, or it writes into the restored log"
            )
        if backup.database is None:
            report.warnings.append(
                "the backup holds no copy of the conversation log (made without pg_dump): the database was left as it is"
            )
        try:
            with index_lock(index_dir, timeout=lock_timeout, on_wait=on_wait):
                _restore_all(backup, url, database_file, index_dir, data_dir, report)
        except IndexBusy:
            raise RestoreError(f"Nothing was restored: an ingest is writing the index {index_dir}; try again when it is done") from None
    return report


def _check_kind(backup: _Backup, database_file: Path | None, url: URL) -> None:
    """RestoreError when the backup's log is of the other kind than the settings' database."""
    if backup.database is None:
        return
    if backup.database.suffix == ".db" and database_file is None:
        raise RestoreError(f"The backup holds a SQLite log, but the database URL names {url.get_backend_name()}: "
                           "set database_url to the SQLite file to restore it to")
    if backup.database.suffix == ".dump" and database_file is not None:
        raise RestoreError("The backup holds a PostgreSQL dump, but the database URL names a SQLite file: "
                           "set database_url to the PostgreSQL database to restore it to")


@contextmanager
def _postgres(url: URL) -> Iterator[Engine]:
    """An engine on the database; RestoreError, in one line, when it cannot be reached or used."""
    engine = make_engine(url.render_as_string(hide_password=False), create_tables=False)
    try:
        yield engine
    except (SQLAlchemyError, StoreUnavailable) as error:
        reason = " ".join(str(getattr(error, "orig", None) or error).split())
        raise RestoreError(
            f"Nothing was restored: cannot use the database {url.render_as_string(hide_password=True)}: {reason} "
            "(a new database is made with createdb first)"
        ) from None
    finally:
        engine.dispose()


def _postgres_tables(url: URL) -> list[str]:
    with _postgres(url) as engine:
        return inspect(engine).get_table_names(schema=search_path_schema(url.query.get("options")))


def _other_connections(url: URL) -> int:
    """How many other sessions are connected to the PostgreSQL database (a server on another machine or data_dir
    cannot be told from a colleague's psql, so this is only warned of)."""
    with _postgres(url) as engine, engine.connect() as connection:
        return int(connection.execute(text(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND pid <> pg_backend_pid() AND backend_type = 'client backend'"
        )).scalar() or 0)


def _data_in_place(backup: _Backup, url: URL, database_file: Path | None, index_dir: Path, data_dir: Path) -> list[str]:
    """What the restore would replace, one phrase each."""
    found = []
    if backup.database is not None:
        if database_file is not None and database_file.exists():
            found.append(f"the database {database_file}")
        elif database_file is None:
            tables = _postgres_tables(url)
            if tables:
                found.append(f"{len(tables)} table(s) in {url.render_as_string(hide_password=True)}")
    if backup.index is not None and index_dir.exists() and any(index_dir.iterdir()):
        found.append(f"the index {index_dir}")
    for name, copy in (("uploads", backup.uploads), ("spool", backup.spool), ("notices", backup.notices)):
        if copy is not None and _data_files(data_dir / name):
            found.append(f"{data_dir / name}")
    return found


def _data_files(folder: Path) -> list[Path]:
    """The files in ``folder`` that are data (not the spool's lock file)."""
    return [path for path in folder.iterdir() if not path.name.endswith(SPOOL_LOCK)] if folder.is_dir() else []


class _Aside:
    """The folder the data in place is moved into, made when first needed; ``undo`` moves it all back."""

    def __init__(self, data_dir: Path) -> None:
        stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
        self.folder = data_dir / f"before-restore-{stamp}"
        self.moved: list[tuple[Path, Path]] = []  # (where it was, where it is now)

    def move(self, path: Path, name: str) -> None:
        if not path.exists():
            return
        self.folder.mkdir(mode=PRIVATE_FOLDER, parents=True, exist_ok=True)
        target = self.folder / name
        shutil.move(str(path), str(target))
        self.moved.append((path, target))

    def undo(self) -> None:
        for original, moved in reversed(self.moved):
            if original.is_dir():
                shutil.rmtree(original, ignore_errors=True)
            elif original.exists():
                original.unlink()
            shutil.move(str(moved), str(original))


def _restore_all(
    backup: _Backup, url: URL, database_file: Path | None, index_dir: Path, data_dir: Path, report: RestoreReport
) -> None:
    aside = _Aside(data_dir)
    try:
        if backup.database is not None and database_file is not None:
            for end in ("", *SQLITE_SIDE_FILES):
                aside.move(Path(f"{database_file}{end}"), database_file.name + end)
            database_file.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(backup.database, database_file)
            database_file.chmod(PRIVATE_MODE)
            report.restored.append(f"conversation log: {database_file}")
        if backup.index is not None:
            aside.move(index_dir, "index")
            _copy_private(backup.index, index_dir)
            report.restored.append(f"search index: {index_dir}")
        if backup.uploads is not None:
            aside.move(data_dir / "uploads", "uploads")
            _copy_private(backup.uploads, data_dir / "uploads")
            report.restored.append(f"staff uploads: {data_dir / 'uploads'}")
        if backup.spool is not None:
            _restore_spool(backup.spool, data_dir / "spool", aside, report)
        if backup.notices is not None:
            aside.move(data_dir / "notices", "notices")
            _copy_private(backup.notices, data_dir / "notices")
            report.restored.append(f"handoff notices waiting for the webhook: {data_dir / 'notices'}")
        if backup.database is not None and database_file is None:  # last: the one step that cannot be undone by a move
            _restore_postgres(backup.database, url, aside, report)
    except (OSError, sqlite3.Error, BackupError, RestoreError) as error:
        aside.undo()
        if aside.folder.exists() and not any(aside.folder.iterdir()):
            aside.folder.rmdir()
        raise RestoreError(f"The restore failed and was undone: {_one_line(error) if isinstance(error, OSError) else error}") from None
    if aside.folder.exists():
        report.moved_aside = str(aside.folder)


def _restore_spool(copy: Path, spool: Path, aside: _Aside, report: RestoreReport) -> None:
    """The backup's spooled writes into ``spool`` (the lock file, held by this restore, stays); what waits
    there already is moved aside first (replayed by hand if it is wanted: docs/operations.md)."""
    for path in _data_files(spool):
        aside.move(path, f"spool-{path.name}")
    spool.mkdir(mode=PRIVATE_FOLDER, parents=True, exist_ok=True)
    for path in _data_files(copy):
        shutil.copy2(path, spool / path.name)
        (spool / path.name).chmod(PRIVATE_MODE)
    report.restored.append(f"spooled writes: {spool}")


def _restore_postgres(dump: Path, url: URL, aside: _Aside, report: RestoreReport) -> None:
    """``dump`` loaded into the database by ``pg_restore --clean --if-exists``; the tables in place are dumped
    aside first. RestoreError without pg_restore, or when it fails."""
    if not shutil.which("pg_restore"):
        raise RestoreError(f"pg_restore is not installed (Debian: postgresql-client); nothing was loaded from {dump}")
    target, schema = libpq_url(url), search_path_schema(url.query.get("options"))
    schema_arguments = [f"--schema={schema}"] if schema else []
    if _postgres_tables(url):
        if not shutil.which("pg_dump"):
            raise RestoreError("pg_dump is not installed, so the database in place cannot be kept aside; nothing was loaded")
        aside.folder.mkdir(mode=PRIVATE_FOLDER, parents=True, exist_ok=True)
        _dump_postgres(["--format=custom", *schema_arguments], target, url.password, aside.folder / "assistant.dump")
    environment = {**os.environ, **({"PGPASSWORD": url.password} if url.password else {})}
    loaded = subprocess.run(
        ["pg_restore", "--clean", "--if-exists", "--no-owner", "--single-transaction", "--exit-on-error",
         f"--dbname={target}", str(dump)],
        env=environment, capture_output=True, text=True,
    )
    if loaded.returncode != 0:
        raise RestoreError(f"pg_restore failed, the database is as it was: {' '.join(loaded.stderr.split())[:600]}")
    report.restored.append(f"conversation log: {url.render_as_string(hide_password=True)} (pg_restore)")
