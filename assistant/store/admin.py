"""Database administration behind `assistant db …` and `assistant logs …`: migrate, report, purge old logs.

Each function opens its own engine from a URL, does its work, disposes of the engine and returns a
small report; the CLI only prints it. Connection and migration failures raise StoreUnavailable.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Connection, Engine, delete, func, select
from sqlalchemy.engine import make_url

from assistant.store.db import check_database_exists, make_engine, store_errors
from assistant.store.migrate import UpgradeResult, current_revision, head_revision, upgrade
from assistant.store.tables import AnnotationRow, EventRow, FeedbackRow, SessionRow, TurnRow, utcnow

AGE_UNITS = {"h": "hours", "d": "days", "w": "weeks"}
_AGE = re.compile(r"\s*(\d+)\s*([a-z]+)\s*", re.IGNORECASE)


@dataclass(frozen=True)
class RevisionStatus:
    current: str | None
    head: str | None

    @property
    def is_latest(self) -> bool:
        return self.current == self.head


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
    return make_engine(url, create_tables=False)


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
    """``90d``, ``2w`` or ``12h`` as a timedelta; ValueError for zero, negative or anything else."""
    match = _AGE.fullmatch(text)
    if match is None or match.group(2).lower() not in AGE_UNITS:
        raise ValueError(f"cannot read the age {text!r}: give a whole number and a unit, e.g. 90d (days), 2w (weeks) or 12h (hours)")
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


def purge_logs(url: str, older_than: timedelta, dry_run: bool = False) -> PurgeReport:
    """Delete the sessions last active (``updated_at``) before now - ``older_than``, with their events,
    turn records, feedback and reviewer labels, in one transaction. With ``dry_run``, count what would be deleted and delete nothing.

    Children are deleted explicitly (not left to ON DELETE CASCADE), so the counts are exact and nothing
    depends on SQLite's foreign-key pragma. On PostgreSQL the old sessions are locked first (FOR UPDATE),
    so a conversation that resumes meanwhile is either kept whole or deleted whole; on SQLite the first
    DELETE takes the database's write lock.
    """
    check_database_exists(url)  # a mistyped SQLite path is reported, not created
    cutoff = utcnow() - older_than
    old = SessionRow.updated_at < cutoff
    old_ids = select(SessionRow.id).where(old)
    engine = make_engine(url)  # migrated: purge may be the first command run against a database
    try:
        with store_errors(engine.url), engine.begin() as connection:
            locked = _count(connection, select(func.count()).select_from(old_ids.with_for_update().subquery()))
            if dry_run:
                return PurgeReport(
                    cutoff,
                    sessions=locked,
                    events=_count(connection, select(func.count()).where(EventRow.session_id.in_(old_ids))),
                    turns=_count(connection, select(func.count()).where(TurnRow.session_id.in_(old_ids))),
                    dry_run=True,
                )
            for labels in (FeedbackRow, AnnotationRow):
                connection.execute(delete(labels).where(labels.session_id.in_(old_ids)))
            turns = connection.execute(delete(TurnRow).where(TurnRow.session_id.in_(old_ids))).rowcount
            events = connection.execute(delete(EventRow).where(EventRow.session_id.in_(old_ids))).rowcount
            sessions = connection.execute(delete(SessionRow).where(old)).rowcount
            return PurgeReport(cutoff, sessions=sessions, events=events, turns=turns, dry_run=False)
    finally:
        engine.dispose()
