"""Schema migrations with Alembic, configured from code: bring a database to the latest revision.

``upgrade`` runs in one transaction that first takes a lock, so that several processes opening the
same database at once migrate it once: the first one migrates, the others wait, then find it at head.
SQLite: a separate connection in ``BEGIN IMMEDIATE`` (the database's write lock; the Python driver
would otherwise run DDL outside any transaction). PostgreSQL: a transaction-scoped advisory lock.

A database made before migrations existed (by ``create_all``: the tables, no ``alembic_version``)
is stamped at the first revision and then upgraded like any other.
"""

from __future__ import annotations

import random
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, create_engine, event, inspect, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.pool import NullPool

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
FIRST_REVISION = "0001"
# The tables of FIRST_REVISION: all of them present without a version table means a create_all database.
FIRST_TABLES = frozenset({"sessions", "events", "turns"})
# Any constant shared by every process of the assistant: serialises migrations on PostgreSQL.
POSTGRES_LOCK_KEY = 0x61737369  # "assi"
SQLITE_MIGRATION_BUSY_TIMEOUT_MS = 60_000  # another process may be migrating: wait for it


class MigrationError(RuntimeError):
    """The database cannot be brought to the latest revision (e.g. half a schema, or an unknown revision)."""


@dataclass(frozen=True)
class UpgradeResult:
    before: str | None  # None: no revision recorded (an empty database, or one made by create_all)
    after: str | None
    stamped: bool = False  # the tables existed without a revision and were stamped at FIRST_REVISION


def alembic_config(connection: Connection | None = None, url: str | None = None) -> Config:
    """An Alembic Config for the packaged migrations, running on ``connection`` (or on ``url``)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    if url is not None:
        config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    config.attributes["connection"] = connection
    return config


@lru_cache(maxsize=1)
def _scripts() -> ScriptDirectory:
    return ScriptDirectory.from_config(alembic_config())


def head_revision() -> str | None:
    """The latest revision this version of the assistant knows."""
    return _scripts().get_current_head()


def known_revisions() -> set[str]:
    """Every revision this version of the assistant knows (a database at another one was migrated by a newer version)."""
    return {script.revision for script in _scripts().walk_revisions()}


def current_revision(connection: Connection) -> str | None:
    """The revision recorded in the database; None when there is none."""
    return MigrationContext.configure(connection).get_current_revision()


def _is_sqlite_file(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite" and engine.url.database not in (None, "", ":memory:")


def _sqlite_migration_engine(engine: Engine) -> Engine:
    """A throwaway engine on the same SQLite file whose transactions start with BEGIN IMMEDIATE."""
    migration_engine = create_engine(engine.url, poolclass=NullPool)

    @event.listens_for(migration_engine, "connect")
    def _connect(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
        dbapi_connection.isolation_level = None  # the driver issues no BEGIN of its own; we do
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_MIGRATION_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(migration_engine, "begin")
    def _begin(connection: Connection) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")  # take the write lock before reading the revision

    return migration_engine


@contextmanager
def locked_transaction(engine: Engine) -> Iterator[Connection]:
    """A connection in a transaction that no other migrating process can enter at the same time."""
    if _is_sqlite_file(engine):
        migration_engine = _sqlite_migration_engine(engine)
        try:
            with migration_engine.begin() as connection:
                yield connection
        finally:
            migration_engine.dispose()
        return
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            # a migration (or waiting for another process's) may take longer than a turn's statement timeout
            connection.exec_driver_sql("SET LOCAL statement_timeout = 0")
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": POSTGRES_LOCK_KEY})
        yield connection


def _stamp_if_made_by_create_all(connection: Connection) -> bool:
    tables = set(inspect(connection).get_table_names())
    present = tables & FIRST_TABLES
    if not present:
        return False
    if present != FIRST_TABLES:
        raise MigrationError(
            f"the database has some of the assistant's tables ({', '.join(sorted(present))}) but not all, "
            "and no migration record; restore it from a backup or point database_url at an empty database"
        )
    command.stamp(alembic_config(connection), FIRST_REVISION)
    return True


def upgrade(engine: Engine, patience_s: float = 30.0) -> UpgradeResult:
    """Bring the database to the latest revision, in one locked transaction; a no-op when already there.

    SQLite answers "database is locked" at once, without its busy timeout, in some cases (e.g. two
    processes switching a new file to WAL at the same moment), so on SQLite this is retried for a while.
    """
    deadline = time.monotonic() + patience_s
    while True:
        try:
            return _upgrade_once(engine)
        except OperationalError as error:
            locked = engine.dialect.name == "sqlite" and "locked" in str(error.orig)
            if not locked or time.monotonic() > deadline:
                raise
            engine.dispose()
            time.sleep(0.1 + random.random() * 0.2)


def _upgrade_once(engine: Engine) -> UpgradeResult:
    head = head_revision()
    with engine.connect() as connection:  # cheap check first: the usual case is a database at head
        before = current_revision(connection)
    if before == head:
        return UpgradeResult(before, head)
    with locked_transaction(engine) as connection:
        before = current_revision(connection)  # again, under the lock: another process may have migrated
        if before == head:
            return UpgradeResult(before, head)
        if before is not None and before not in known_revisions():
            raise MigrationError(
                f"the database is at revision {before}, which this version of the assistant does not know "
                f"(latest known: {head}); was it migrated by a newer version?"
            )
        stamped = before is None and _stamp_if_made_by_create_all(connection)
        command.upgrade(alembic_config(connection), "head")
        return UpgradeResult(before, current_revision(connection), stamped)
