"""Database administration behind `assistant db …` and `assistant logs …`: migrate, report, purge old logs.

Each function opens its own engine from a URL, does its work, disposes of the engine and returns a
small report; the CLI only prints it. Connection and migration failures raise StoreUnavailable.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, Connection, Engine, delete, func, insert, select, text
from sqlalchemy.dialects.postgresql import insert as postgres_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import make_url

from assistant.store.db import BATCH_TIMEOUTS, check_database_exists, make_engine, store_errors
from assistant.store.migrate import UpgradeResult, current_revision, head_revision, known_revisions, upgrade
from assistant.store.search import FULL_TEXT_TABLE
from assistant.store.tables import (
    AnnotationRow,
    ErasedConversationRow,
    EventRow,
    FeedbackRow,
    InboxAssignmentRow,
    LogPurgeRow,
    SessionRow,
    TurnRow,
    erasure_digest,
    utcnow,
)

log = logging.getLogger(__name__)

AGE_UNITS = {
    "min": "minutes", "mins": "minutes", "minute": "minutes", "minutes": "minutes",
    "h": "hours", "d": "days", "w": "weeks",
}
_AGE = re.compile(r"\s*(\d+)\s*([a-z]+)\s*", re.IGNORECASE)


@dataclass(frozen=True)
class RevisionStatus:
    current: str | None
    head: str | None

    @property
    def is_latest(self) -> bool:
        return self.current == self.head

    @property
    def is_newer(self) -> bool:
        """Migrated by a newer version of the assistant: `db upgrade` cannot help, a newer assistant is needed."""
        return self.current is not None and self.current not in known_revisions()


@dataclass(frozen=True)
class PurgeReport:
    cutoff: datetime
    sessions: int
    events: int
    turns: int
    dry_run: bool


def describe(url: str) -> str:
    """The URL with its password hidden, for messages."""
    return make_url(url).render_as_string(hide_password=True)


def _engine(url: str) -> Engine:
    return make_engine(url, create_tables=False, timeouts=BATCH_TIMEOUTS)


def db_upgrade(url: str) -> UpgradeResult:
    """Bring the database at ``url`` to the latest revision."""
    engine = _engine(url)
    try:
        with store_errors(engine.url):
            return upgrade(engine)
    finally:
        engine.dispose()


def db_current(url: str) -> RevisionStatus:
    """The revision the database at ``url`` is at, and the latest one this version knows."""
    check_database_exists(url)  # a mistyped SQLite path is reported, not created
    engine = _engine(url)
    try:
        with store_errors(engine.url), engine.connect() as connection:
            return RevisionStatus(current_revision(connection), head_revision())
    finally:
        engine.dispose()


def parse_age(text: str) -> timedelta:
    """``90d``, ``2w``, ``12h`` or ``30min`` as a timedelta; ValueError for zero, negative or anything else. A bare
    ``m`` is refused (minutes or months? a purge must not guess): write ``min``, or days/weeks for months."""
    match = _AGE.fullmatch(text)
    if match is not None and match.group(2).lower() == "m":
        raise ValueError(f"cannot read the age {text!r}: 'm' could mean minutes or months; write {match.group(1)}min for minutes, "
                         "or days or weeks (e.g. 90d)")
    if match is None or match.group(2).lower() not in AGE_UNITS:
        raise ValueError(f"cannot read the age {text!r}: give a whole number and a unit, e.g. 90d (days), 2w (weeks), 12h (hours) "
                         "or 30min (minutes)")
    number = int(match.group(1))
    if number <= 0:
        raise ValueError(f"the age must be more than zero, got {text!r}")
    try:
        age = timedelta(**{AGE_UNITS[match.group(2).lower()]: number})
        utcnow() - age
    except OverflowError:
        raise ValueError(f"the age {text!r} is too large") from None
    return age


def _count(connection: Connection, statement) -> int:  # type: ignore[no-untyped-def]
    return connection.scalar(statement) or 0


def _forget_search_words(connection: Connection) -> None:
    """SQLite: rewrite the full-text index after turns were deleted. FTS5 records a deletion as a marker
    and keeps the deleted turns' words in its older segments until they are merged, so without this the
    customer's words (names, addresses) stayed in the database file after a purge. Seconds for hundreds of
    thousands of turns."""
    if connection.dialect.name == "sqlite":
        connection.execute(text(f"INSERT INTO {FULL_TEXT_TABLE}({FULL_TEXT_TABLE}) VALUES ('optimize')"))


def purge_logs(url: str, older_than: timedelta, dry_run: bool = False) -> PurgeReport:
    """Delete the sessions last active (``updated_at``) before now - ``older_than``, with their events,
    turn records, feedback and reviewer labels, in one transaction (``_delete_sessions``), which also notes the cutoff
    (``LogPurgeRow``): a server's spool replay then drops a write spooled before it of a conversation the database no
    longer has, on every server of the database. With ``dry_run``, count what would be deleted and delete nothing."""
    check_database_exists(url)  # a mistyped SQLite path is reported, not created
    cutoff = utcnow() - older_than

    def note(connection: Connection, deleted: _Deleted) -> None:
        connection.execute(insert(LogPurgeRow).values(cutoff=cutoff, purged_at=utcnow(), sessions=deleted.sessions))

    report = _delete_sessions(url, SessionRow.updated_at < cutoff, dry_run, in_transaction=note)
    return PurgeReport(cutoff, sessions=report.sessions, events=report.events, turns=report.turns, dry_run=dry_run)


@dataclass(frozen=True)
class DeleteReport:
    sessions: int
    events: int
    turns: int
    dry_run: bool
    unknown: tuple[str, ...] = ()  # ids given that name no conversation


def delete_conversations(
    url: str,
    session_ids: list[str],
    dry_run: bool = False,
    before_delete: Callable[[tuple[str, ...]], None] | None = None,
    also_erased: Collection[str] = (),
) -> DeleteReport:
    """Delete the named conversations with everything stored of them, as ``purge_logs`` deletes old ones:
    for a customer who asks for their data to be erased. Ids that name no conversation are reported.

    The conversations found, and those of ``also_erased`` (given ids found only in a spool: started during an
    outage, not in the database yet), are noted as erased in the same transaction (``ErasedConversationRow``), so
    that every server's spool replay drops their writes. ``before_delete`` gets the ids found, in the transaction,
    before any row is deleted (not on a dry run): an exception from it rolls the transaction back, nothing deleted.
    Not called when the database cannot be reached."""
    check_database_exists(url)
    ids = list(dict.fromkeys(session_id.strip() for session_id in session_ids if session_id.strip()))

    def note(connection: Connection, deleted: _Deleted) -> None:
        note_erasures(connection, [*deleted.ids, *(session_id for session_id in ids if session_id in also_erased)])

    report = _delete_sessions(
        url, SessionRow.id.in_(ids), dry_run, list_ids=True, before_delete=before_delete, in_transaction=note
    )
    unknown = tuple(session_id for session_id in ids if session_id not in report.ids)
    return DeleteReport(report.sessions, report.events, report.turns, dry_run, unknown)


def note_erasures(connection: Connection, session_ids: Collection[str]) -> None:
    """Note these conversations as erased (``ErasedConversationRow``: the digest of each id, and now), in the caller's
    transaction; one noted already (erased before) keeps its first time."""
    rows = [{"digest": digest, "erased_at": utcnow()} for digest in sorted({erasure_digest(i) for i in session_ids})]
    if not rows:
        return
    dialect = postgres_insert if connection.dialect.name == "postgresql" else sqlite_insert
    connection.execute(dialect(ErasedConversationRow).on_conflict_do_nothing(index_elements=["digest"]), rows)


@dataclass(frozen=True)
class _Deleted:
    sessions: int
    events: int
    turns: int
    ids: tuple[str, ...]  # with ``list_ids``


def _delete_sessions(
    url: str,
    which: ColumnElement[bool],
    dry_run: bool,
    list_ids: bool = False,
    before_delete: Callable[[tuple[str, ...]], None] | None = None,
    in_transaction: Callable[[Connection, _Deleted], None] | None = None,
) -> _Deleted:
    """Delete the sessions ``which`` selects with their events, turn records, feedback and reviewer labels,
    in one transaction (with ``dry_run``, count them and delete nothing); ``list_ids`` also returns their
    ids (for a few sessions, not a purge of millions), which ``before_delete`` gets before the first delete.
    ``in_transaction`` gets the connection and what was deleted, after the deletes and before the commit (to note
    an erasure or a purge with them; not on a dry run).

    Children are deleted explicitly (not left to ON DELETE CASCADE), so the counts are exact and nothing
    depends on SQLite's foreign-key pragma. On PostgreSQL the sessions are locked first (FOR UPDATE),
    so a conversation that resumes meanwhile is either kept whole or deleted whole; on SQLite the first
    DELETE takes the database's write lock. On SQLite the deleted rows' pages are overwritten
    (``secure_delete``), the full-text index is rewritten (``_forget_search_words``) and, once committed, the
    write-ahead log is emptied (``_empty_write_ahead_log``).
    """
    chosen = select(SessionRow.id).where(which)
    # migrated: this may be the first command run against a database; a purge of many rows may take long
    engine = make_engine(url, timeouts=BATCH_TIMEOUTS)
    try:
        with store_errors(engine.url), engine.begin() as connection:
            if connection.dialect.name == "sqlite":
                connection.execute(text("PRAGMA secure_delete = ON"))  # off in many SQLite builds
            locked = chosen.with_for_update()
            ids = tuple(connection.scalars(locked)) if list_ids else ()
            count = len(ids) if list_ids else _count(connection, select(func.count()).select_from(locked.subquery()))
            if dry_run:
                events = _count(connection, select(func.count()).where(EventRow.session_id.in_(chosen)))
                turns = _count(connection, select(func.count()).where(TurnRow.session_id.in_(chosen)))
                return _Deleted(count, events, turns, ids)
            if list_ids:  # exactly those found (and noted): each DELETE reads the table afresh
                which = SessionRow.id.in_(ids)
                chosen = select(SessionRow.id).where(which)
            if before_delete is not None:
                before_delete(ids)
            for labels in (FeedbackRow, AnnotationRow, InboxAssignmentRow):
                connection.execute(delete(labels).where(labels.session_id.in_(chosen)))
            turns = connection.execute(delete(TurnRow).where(TurnRow.session_id.in_(chosen))).rowcount
            events = connection.execute(delete(EventRow).where(EventRow.session_id.in_(chosen))).rowcount
            sessions = connection.execute(delete(SessionRow).where(which)).rowcount
            if turns:
                _forget_search_words(connection)
            deleted = _Deleted(sessions, events, turns, ids)
            if in_transaction is not None:
                in_transaction(connection, deleted)
        if sessions:
            _empty_write_ahead_log(engine)
        return deleted
    finally:
        engine.dispose()


def _empty_write_ahead_log(engine: Engine) -> None:
    """SQLite: copy the write-ahead log into the database file and truncate it. The log (``<db>-wal``) keeps
    the pages as they were before the delete until a checkpoint, and a running server's open connections
    keep SQLite from checkpointing it on close, so the deleted conversations' words stayed in that file.
    Waits for readers (the busy timeout); if one still holds the log, says so: the next checkpoint empties it."""
    if engine.dialect.name != "sqlite":
        return
    with store_errors(engine.url), engine.connect() as connection:
        busy = connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)").scalar()
    if busy:
        log.warning(
            "the write-ahead log %s-wal is in use and still holds the deleted rows until SQLite's next checkpoint",
            engine.url.database,
        )
