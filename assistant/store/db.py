"""Engine creation: SQLite (WAL mode) by default, any SQLAlchemy URL (e.g. PostgreSQL) otherwise."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from assistant.store.tables import Base


class StoreUnavailable(RuntimeError):
    """The database cannot be reached or opened."""


def _enable_sqlite_wal(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()


def make_engine(url: str, create_tables: bool = True) -> Engine:
    """An engine for ``url``; creates the SQLite folder and the tables. StoreUnavailable if unreachable."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False})
        event.listen(engine, "connect", _enable_sqlite_wal)
    else:
        engine = create_engine(url, pool_pre_ping=True)
    if create_tables:
        try:
            Base.metadata.create_all(engine)
        except OperationalError as error:
            raise StoreUnavailable(
                f"Cannot open the database {parsed.render_as_string(hide_password=True)}: {error.orig}"
            ) from None
    return engine
