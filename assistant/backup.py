"""`assistant backup`: a consistent copy of what the assistant keeps, taken while a server runs.

What is copied into the new folder:

- ``assistant.db``: the SQLite conversation log (conversations, decisions, feedback, labels, staff logins),
  through SQLite's online backup, so a server writing meanwhile leaves a consistent copy (copying the file
  would miss what waits in its ``-wal`` file); ``assistant.dump`` instead for PostgreSQL, written by
  ``pg_dump`` where it is installed (else, or with ``run_pg_dump=False``, the report gives the command);
- ``index/``: the search index, copied under the index's write lock, so no ingest changes it half-way;
- ``uploads/``: the files staff added on the review pages (they exist nowhere else);
- ``spool/``: conversation writes waiting for PostgreSQL to come back, if any;
- ``notices/``: handoff notices waiting to be sent to staff's webhook (assistant/notify.py), if any; not
  ``notices.owners/``, the lock files of the processes running now, nor a notice's half-written ``.tmp`` file. A
  notice sent (its file removed) while the backup runs is left out; one parked meanwhile is copied as parked;
- ``backup.json``: when, from where, and what was copied, with the sha256 of each file outside the index (the
  index's own manifest holds its files' checksums), which ``assistant restore`` checks (assistant/restore.py).

The copies are checked before the backup counts as made: the database's with SQLite's ``quick_check`` (the
online backup copies a damaged page as it is) or a dump's with ``pg_restore --list``, the index's against
the checksums of its manifest.

The copy is made in a hidden folder beside ``folder`` (``.NAME.partial-…``) and renamed to ``folder`` only
when complete, so a backup stopped half-way (Ctrl-C, a cron job's timeout, a reboot) never leaves a folder
under the name given that looks like a backup. An empty ``folder`` given (a disk mounted there) holds the hidden
``.partial-…`` folder instead, whose files are moved up when complete, ``backup.json`` last.

Not copied: the knowledge-base folders given to ``assistant ingest`` (the team's own files), the models (the
packages install them again; trained ones come from ``assistant train``), and the configuration. Every file
is readable by its owner only: the copy holds customers' words.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import sqlite3
import subprocess
import tempfile
from collections.abc import Callable
from contextlib import closing
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from sqlalchemy.engine import URL

from assistant.store.db import PRIVATE_MODE, check_database_exists, parse_url, private_opener, sqlite_file
from retrieval.index import file_sha256
from retrieval.index_lock import index_lock

PRIVATE_FOLDER = 0o700
SPOOL_LOCK = ".lock"  # lock files (the running server's on its spool): not data
NOTICE_PARKED = ".parked"  # a waiting notice's file renamed by the server that parked it (assistant.notify.PARKED)
PARTIAL_WRITE = ".tmp"  # a file still being written (a notice before it is renamed into place): not data


class BackupError(ValueError):
    """The backup cannot be made; the message says why, in one line."""


@dataclass
class BackupReport:
    folder: str
    created: str
    database: str  # the URL, password hidden
    database_copy: str | None = None  # the SQLite copy, or PostgreSQL's dump; None when pg_dump was not run
    database_check: str | None = None  # how the copy was checked: "SQLite's quick_check", "pg_restore --list"
    pg_dump: str | None = None  # the command that backs up a PostgreSQL database
    index_copy: str | None = None
    documents: int = 0
    chunks: int = 0
    uploads_copy: str | None = None
    spool_copy: str | None = None
    notices_copy: str | None = None  # handoff notices waiting for the webhook
    not_copied: list[str] = field(default_factory=list)  # knowledge-base sources of the index
    checksums: dict[str, str] = field(default_factory=dict)  # sha256 of each file but the index's, by its path in the backup


def check_target(folder: Path) -> None:
    """BackupError unless ``folder`` is new or empty: a backup never mixes with (or overwrites) another."""
    if folder.is_file():
        raise BackupError(f"{folder} is a file; give a new folder for the backup")
    if folder.is_dir() and any(folder.iterdir()):
        raise BackupError(f"{folder} already holds files; give a new or empty folder, so no earlier backup is overwritten")


def backup(
    folder: Path, database_url: str, index_dir: Path, data_dir: Path,
    lock_timeout: float | None = None, on_wait: Callable[[str], None] | None = None, run_pg_dump: bool = True,
) -> BackupReport:
    """Copy the database, index, uploads, spool and waiting notices into ``folder`` (see the module docstring); ``run_pg_dump``:
    dump a PostgreSQL database with ``pg_dump`` when it is installed (else only name the command).
    BackupError when it cannot be made; then nothing is left of it (an empty ``folder`` given stays as it was)."""
    check_target(folder)
    url = parse_url(database_url)
    database_path = sqlite_file(url)
    if database_path is not None:
        check_database_exists(database_url)
    report = BackupReport(
        folder=str(folder), created=datetime.now(timezone.utc).isoformat(timespec="seconds"),
        database=url.render_as_string(hide_password=True),
    )
    partial: Path | None = None
    try:
        if folder.is_dir():  # given empty, perhaps a disk mounted there: made inside it, moved up when complete
            partial = Path(tempfile.mkdtemp(prefix=".partial-", dir=folder))  # made 0700
        else:
            folder.parent.mkdir(parents=True, exist_ok=True)
            partial = Path(tempfile.mkdtemp(prefix=f".{folder.name}.partial-", dir=folder.parent))
        if database_path is not None:
            _copy_sqlite(database_path, partial / "assistant.db")
            report.database_copy, report.database_check = str(folder / "assistant.db"), "SQLite's quick_check"
        else:
            target = libpq_url(url)
            schema = search_path_schema(url.query.get("options"))
            arguments = ["--format=custom", *([f"--schema={schema}"] if schema else [])]
            # into the backup's own folder, which only its owner may enter (pg_dump's file follows the umask)
            dump = folder.absolute() / "assistant.dump"
            report.pg_dump = shlex.join(["pg_dump", *arguments, f"--file={dump}", target])
            if run_pg_dump and shutil.which("pg_dump"):
                _dump_postgres(arguments, target, url.password, partial / "assistant.dump")
                report.database_copy = str(folder / "assistant.dump")
                report.database_check = "pg_restore --list" if shutil.which("pg_restore") else None
        if (index_dir / "manifest.json").is_file():
            _copy_index(index_dir, partial / "index", report, lock_timeout, on_wait)
            report.index_copy = str(folder / "index")
            uploads = (data_dir / "uploads").resolve()
            report.not_copied = [source for source in report.not_copied if Path(source).resolve() != uploads]  # copied below
        for name, attribute in (("uploads", "uploads_copy"), ("spool", "spool_copy")):
            source = data_dir / name
            if source.is_dir() and any(not path.name.endswith(SPOOL_LOCK) for path in source.iterdir()):
                _copy_private(source, partial / name)
                setattr(report, attribute, str(folder / name))
        if _copy_notices(data_dir / "notices", partial / "notices"):
            report.notices_copy = str(folder / "notices")
        report.checksums = {
            path.relative_to(partial).as_posix(): file_sha256(path)
            for path in sorted(partial.rglob("*")) if path.is_file() and path.relative_to(partial).parts[0] != "index"
        }
        with open(partial / "backup.json", "w", encoding="utf-8", opener=private_opener) as manifest:
            json.dump(asdict(report), manifest, indent=2)
        _complete(partial, folder)
    except (OSError, sqlite3.Error) as error:
        _remove(partial)
        raise BackupError(f"Cannot make the backup in {folder}: {_one_line(error)}") from None
    except BaseException:
        _remove(partial)
        raise
    return report


def _complete(partial: Path, folder: Path) -> None:
    """The finished backup in ``partial`` put under the name given: renamed, or, made inside a folder that was
    given (a mount point cannot be replaced), its files moved up, ``backup.json`` last."""
    if partial.parent != folder:
        os.replace(partial, folder)
        return
    folder.chmod(PRIVATE_FOLDER)
    for path in sorted(partial.iterdir(), key=lambda path: path.name == "backup.json"):
        os.replace(path, folder / path.name)
    partial.rmdir()


def _remove(partial: Path | None) -> None:
    if partial is not None:
        shutil.rmtree(partial, ignore_errors=True)


def _one_line(error: OSError | sqlite3.Error) -> str:
    """The error's reason; for a copy of many files (``shutil.Error``: a list of (source, target, reason)),
    the first file's reason and how many failed, instead of the whole list."""
    if isinstance(error, shutil.Error) and error.args and isinstance(error.args[0], list) and error.args[0]:
        failures = error.args[0]
        first = failures[0]
        reason = first[2] if isinstance(first, tuple) and len(first) == 3 else str(first)
        return reason + (f" (and {len(failures) - 1} more file(s))" if len(failures) > 1 else "")
    return str(error)


def _copy_sqlite(source: Path, target: Path) -> Path:
    """SQLite's online backup of ``source`` into ``target`` (made readable by its owner only), then SQLite's
    ``quick_check`` of the copy: the backup copies pages as they are, so a damaged database would be copied
    damaged, and a backup that cannot be restored is found out now rather than on the day it is needed."""
    target.touch(mode=PRIVATE_MODE)
    with closing(sqlite3.connect(f"file:{source}?mode=ro", uri=True, timeout=30)) as reading, closing(sqlite3.connect(target)) as writing:
        reading.backup(writing)  # closed on any outcome: a failed backup's folder is then removed with nothing open in it
        # one self-contained file, not in WAL mode as the server's: a WAL database cannot be opened where its
        # -shm file cannot be made (a backup on read-only media or a share); the server turns WAL on again
        try:
            writing.execute("PRAGMA journal_mode=DELETE")
            problems = [row[0] for row in writing.execute("PRAGMA quick_check(5)")]
        except sqlite3.DatabaseError as error:  # a page so damaged that the check itself stops on it
            problems = [str(error)]
    if problems != ["ok"]:
        raise BackupError(
            f"The database {source} is damaged, so no backup was made (SQLite's quick_check: {'; '.join(problems)}). "
            "Keep the file and its -wal file as they are, and restore the last good backup (docs/operations.md, Backups)."
        )
    return target


def libpq_url(url: URL) -> str:
    """``url`` as pg_dump and pg_restore read it: no SQLAlchemy driver name; no password (PGPASSWORD, ~/.pgpass)."""
    return URL.create(
        "postgresql", username=url.username, host=url.host, port=url.port, database=url.database, query=url.query
    ).render_as_string(hide_password=False)


def search_path_schema(options: object) -> str | None:
    """The first schema of a connection's ``options=-csearch_path=...`` (the assistant kept in a schema of
    its own), which is then the only one dumped; None without one."""
    found = re.search(r"-c\s*search_path\s*=\s*([^\s,]+)", options if isinstance(options, str) else "")
    return found.group(1).strip('"') if found else None


def _dump_postgres(arguments: list[str], libpq_url: str, password: str | None, target: Path) -> None:
    """``pg_dump`` of the database into ``target`` (readable by its owner only), read back with
    ``pg_restore --list`` where that is installed. The password goes in the environment, not the command line."""
    environment = {**os.environ, **({"PGPASSWORD": password} if password else {})}
    dumped = subprocess.run(["pg_dump", *arguments, f"--file={target}", libpq_url], env=environment, capture_output=True, text=True)
    if dumped.returncode != 0:
        reason = " ".join(dumped.stderr.split()) or f"exit status {dumped.returncode}"
        raise BackupError(f"pg_dump failed, so no backup was made: {reason}")
    target.chmod(PRIVATE_MODE)
    if shutil.which("pg_restore"):
        listed = subprocess.run(["pg_restore", "--list", str(target)], capture_output=True, text=True)
        if listed.returncode != 0:
            raise BackupError(f"The dump pg_dump wrote does not read back, so no backup was made: {' '.join(listed.stderr.split())}")


def _copy_index(
    index_dir: Path, target: Path, report: BackupReport, lock_timeout: float | None, on_wait: Callable[[str], None] | None
) -> None:
    with index_lock(index_dir, timeout=lock_timeout, on_wait=on_wait):
        _copy_private(index_dir, target)
    manifest = check_index_copy(target, index_dir)
    report.documents, report.chunks = int(manifest.get("documents") or 0), int(manifest.get("chunks") or 0)
    report.not_copied = sorted(manifest.get("sources") or [])


def check_index_copy(copy: Path, original: Path | None = None) -> dict:
    """The manifest of the index in ``copy``, each of its files checked against the checksum it records (as a
    server loading it checks them); BackupError naming the first that does not match (by its path in
    ``original``, the index copied, where given)."""
    manifest = json.loads((copy / "manifest.json").read_text(encoding="utf-8"))
    for name, expected in (manifest.get("checksums") or {}).items():
        if not (copy / name).is_file() or file_sha256(copy / name) != expected:
            raise BackupError(
                f"The index file {(original or copy) / name} does not match the checksum its manifest records, so no backup was "
                "made: the index is damaged. `assistant index status` says more; `assistant ingest --rebuild` makes it again."
            )
    return manifest


def _copy_notices(source: Path, target: Path) -> int:
    """The handoff notices waiting in ``source`` (the server's outbox) copied to ``target``, its owner's only; how
    many (none: no folder made). A server may send (remove) or park (rename) a notice meanwhile: one sent is left
    out, one parked is copied under its new name."""
    names = sorted(path.name for path in source.iterdir() if not path.name.endswith(PARTIAL_WRITE)) if source.is_dir() else []
    copied = 0
    for name in names:
        for candidate in (source / name, source / (name + NOTICE_PARKED)):
            try:
                content = candidate.read_bytes()
            except FileNotFoundError:
                continue
            if not copied:
                target.mkdir(mode=PRIVATE_FOLDER)
            with open(target / candidate.name, "wb", opener=private_opener) as out:
                out.write(content)
            copied += 1
            break
    return copied


def _copy_private(source: Path, target: Path) -> Path:
    """``source`` copied to ``target`` without lock files, every file and folder its owner's only."""
    shutil.copytree(source, target, ignore=shutil.ignore_patterns(f"*{SPOOL_LOCK}"))
    for path in [target, *target.rglob("*")]:
        path.chmod(PRIVATE_FOLDER if path.is_dir() else PRIVATE_MODE)
    return target
