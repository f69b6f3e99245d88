"""Engine creation: SQLite (WAL mode) by default, any SQLAlchemy URL (e.g. PostgreSQL) otherwise."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic.util.exc import CommandError
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import OperationalError

from assistant.store.migrate import MigrationError, upgrade


class StoreUnavailable(RuntimeError):
    """The database cannot be reached or opened."""


def _enable_sqlite_wal(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
    cursor = dbapi_connection.cursor()
    # first: switching to WAL, and every write, may have to wait for another process (a migration, a
    # purge); waiting up to 30 s is better than failing a turn
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")  # SQLite enforces foreign keys (and ON DELETE CASCADE) only so
    cursor.close()


@contextmanager
def store_errors(url: URL) -> Iterator[None]:
    """Turn "cannot connect" and "cannot migrate" into StoreUnavailable with a one-line message."""
    where = url.render_as_string(hide_password=True)
    try:
        yield
    except OperationalError as error:
        reason = " ".join(str(error.orig).split())  # the driver's message may span lines
        raise StoreUnavailable(f"Cannot open the database {where}: {reason}") from None
    except (MigrationError, CommandError) as error:
        raise StoreUnavailable(f"Cannot migrate the database {where}: {error}") from None


def make_engine(url: str, create_tables: bool = True) -> Engine:
    """An engine for ``url``; creates the SQLite folder and, with ``create_tables``, brings the schema to
    the latest migration (a database made by create_all is stamped first). StoreUnavailable if unreachable."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False})
        event.listen(engine, "connect", _enable_sqlite_wal)
    else:
        try:
            engine = create_engine(url, pool_pre_ping=True)
        except ModuleNotFoundError as error:
            where = parsed.render_as_string(hide_password=True)
            raise StoreUnavailable(
                f"Cannot open the database {where}: its driver ({error.name}) is not installed; "
                "for PostgreSQL: pip install '.[scale]' (or psycopg[binary])"
            ) from None
    if create_tables:
        try:
            with store_errors(parsed):
                upgrade(engine)
        except StoreUnavailable:
            engine.dispose()
            raise
    return engine

