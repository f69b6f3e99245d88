"""Engine creation: SQLite (WAL mode) by default, any SQLAlchemy URL (e.g. PostgreSQL) otherwise."""

from __future__ import annotations

import os
import re
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from alembic.util.exc import CommandError
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, ExceptionContext, make_url
from sqlalchemy.exc import ArgumentError, DatabaseError, InterfaceError, NoSuchModuleError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError

from assistant.store.migrate import MigrationError, upgrade


# A PostgreSQL server that does not answer (a dropped network, a stuck proxy) fails a new connection after
# this many seconds instead of hanging the turn for minutes; the spool then takes the conversation's writes.
# A connect_timeout in the database URL wins.
POSTGRES_CONNECT_TIMEOUT_S = 5
# Drivers that pass libpq's connection parameters on (keepalives, tcp_user_timeout, options).
LIBPQ_DRIVERS = frozenset({"psycopg", "psycopg2", "psycopg2cffi"})


@dataclass(frozen=True)
class DatabaseTimeouts:
    """How long a PostgreSQL connection may wait, so that a turn never hangs on the database (settings
    ``database_*_s``; each libpq parameter given in the database URL wins). 0 turns one off.

    - ``connect_s``: a new connection (libpq ``connect_timeout``); None: ``POSTGRES_CONNECT_TIMEOUT_S``.
    - ``tcp_user_timeout_s``: data sent on a connection and not acknowledged for this long (the server's host
      or the network gone) breaks the connection (libpq ``tcp_user_timeout``, Linux).
    - keepalives: an idle pooled connection whose peer is gone is found out after about
      ``keepalives_idle_s + keepalives_interval_s * keepalives_count`` seconds.
    - ``statement_s``: the server cancels a statement that runs longer (``statement_timeout``, sent at
      connection start as ``options=-c statement_timeout=…``), e.g. one waiting behind a lock. Migrations
      lift it for their transaction; purges and exports use ``BATCH_TIMEOUTS``.
    """

    connect_s: int | None = None
    tcp_user_timeout_s: float = 10.0
    statement_s: float = 30.0
    keepalives_idle_s: int = 30
    keepalives_interval_s: int = 10
    keepalives_count: int = 3

    @classmethod
    def from_settings(cls, settings: Any) -> DatabaseTimeouts:
        return cls(
            connect_s=settings.database_connect_timeout_s,
            tcp_user_timeout_s=settings.database_tcp_user_timeout_s,
            statement_s=settings.database_statement_timeout_s,
        )


# For commands that may rightly take long (`assistant logs purge`, `logs export`, `db`): no statement timeout.
BATCH_TIMEOUTS = DatabaseTimeouts(statement_s=0)


def postgres_connect_args(url: URL, timeouts: DatabaseTimeouts | None = None) -> dict[str, Any]:
    """libpq parameters for ``url``'s connections: the timeouts, less those the URL sets itself. Empty for
    a database that is not PostgreSQL through libpq."""
    if url.get_backend_name() != "postgresql" or url.get_driver_name() not in LIBPQ_DRIVERS:
        return {}
    timeouts = timeouts or DatabaseTimeouts()
    connect_s = POSTGRES_CONNECT_TIMEOUT_S if timeouts.connect_s is None else timeouts.connect_s
    wanted: dict[str, Any] = {
        "connect_timeout": connect_s or None,
        "keepalives": 1,
        "keepalives_idle": timeouts.keepalives_idle_s,
        "keepalives_interval": timeouts.keepalives_interval_s,
        "keepalives_count": timeouts.keepalives_count,
        "tcp_user_timeout": round(timeouts.tcp_user_timeout_s * 1000) or None,  # milliseconds
    }
    args = {name: value for name, value in wanted.items() if value is not None and name not in url.query}
    options = url.query.get("options", "")
    options = " ".join(options) if isinstance(options, tuple) else options
    if timeouts.statement_s and "statement_timeout" not in options:
        # connect_args replace the URL's own options (e.g. a search_path): the two are joined
        args["options"] = f"{options} -c statement_timeout={round(timeouts.statement_s * 1000)}".strip()
    return args


# What a query raises when the database cannot be reached or gives no connection in time (SQLAlchemy's
# wrappers of the driver's errors, and its pool's timeout).
CONNECTION_ERRORS = (OperationalError, InterfaceError, PoolTimeoutError)


class StoreUnavailable(RuntimeError):
    """The database cannot be reached or opened."""


class DatabaseUnreachable(StoreUnavailable):
    """The database server cannot be reached right now (nothing listens, no answer in time, it is starting up
    or full): an outage, which may end by itself, not a mistake in the settings. ``assistant serve`` starts
    anyway and waits for it (its writes wait in the spool); a wrong password, a database or user that does
    not exist, a host name that does not resolve or a schema it does not know are mistakes, and stay
    StoreUnavailable."""


# What libpq and psycopg say when the server is down or busy, not when the settings are wrong. Matched in
# the message (psycopg gives no SQLSTATE for a failed connection); anything else is a mistake to report.
_OUTAGE_MESSAGES = (
    "connection refused",
    "timeout expired",
    "timed out",
    "no route to host",
    "network is unreachable",
    "connection reset",
    "server closed the connection unexpectedly",
    "the database system is starting up",
    "the database system is shutting down",
    "the database system is in recovery mode",
    "the database system is not yet accepting connections",
    "the database system is not accepting connections",
    "sorry, too many clients already",
    "remaining connection slots are reserved",
)


def is_outage(error: BaseException) -> bool:
    """Whether ``error`` (a driver's, or SQLAlchemy's around it) says the database server cannot be reached now,
    as opposed to refusing these settings. SQLite is a local file: it is never "down", only unusable."""
    if isinstance(error, DatabaseUnreachable):
        return True
    orig = getattr(error, "orig", None) or error
    if "sqlite" in type(orig).__module__:
        return False
    if type(orig).__name__ == "ConnectionTimeout":  # psycopg's own timeout (connect_timeout ran out)
        return True
    message = " ".join(str(orig).split()).lower()
    return any(marker in message for marker in _OUTAGE_MESSAGES)


PRIVATE_MODE = 0o600  # files that hold customers' words: readable and writable by the server's user only


def private_opener(path: str, flags: int) -> int:
    """For ``open(…, opener=private_opener)``: a file it creates gets ``PRIVATE_MODE``, not the umask's usual
    world-readable 0644 (an existing file keeps its mode)."""
    return os.open(path, flags, PRIVATE_MODE)


READ_ONLY_SQLSTATE = "25006"  # PostgreSQL's read_only_sql_transaction


def _read_only_as_outage(context: ExceptionContext) -> OperationalError | None:
    """A PostgreSQL server that takes no writes (a standby the address points to after a failover, a database
    set read-only for maintenance) counts as down, not as a bad request: its connections are dropped, so the
    next one can reach the new primary, and the error is an OperationalError, so a conversation write is
    spooled and retried instead of lost and the review pages show their outage notice."""
    original = context.original_exception
    if getattr(original, "sqlstate", None) != READ_ONLY_SQLSTATE:
        return None
    context.is_disconnect = True
    return OperationalError(context.statement, None, original, hide_parameters=True, connection_invalidated=True)


def _enable_sqlite_wal(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
    cursor = dbapi_connection.cursor()
    # first: switching to WAL, and every write, may have to wait for another process (a migration, a
    # purge); waiting up to 30 s is better than failing a turn
    cursor.execute("PRAGMA busy_timeout=30000")
    try:
        cursor.execute("PRAGMA journal_mode=WAL")
    except sqlite3.OperationalError as error:  # a file on read-only media (a backup being checked): read it as it is
        if "readonly" not in str(error):
            raise
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")  # SQLite enforces foreign keys (and ON DELETE CASCADE) only so
    cursor.close()


def missing_database_hint(url: URL, reason: str) -> str:
    """What to do when PostgreSQL says the database of ``url`` does not exist (the assistant makes its tables, not
    the database itself): "; create it first (createdb -h HOST -p PORT -U USER NAME), then run `assistant db upgrade`".
    Empty for any other problem."""
    if url.get_backend_name() != "postgresql" or not url.database or f'database "{url.database}" does not exist' not in reason:
        return ""
    options = [f"{flag} {value}" for flag, value in (("-h", url.host), ("-p", url.port), ("-U", url.username)) if value]
    createdb = " ".join(["createdb", *options, url.database])
    return f"; create it first ({createdb}), then run `assistant db upgrade`"


@contextmanager
def store_errors(url: URL) -> Iterator[None]:
    """Turn "cannot connect" and "cannot migrate" into StoreUnavailable with a one-line message."""
    where = url.render_as_string(hide_password=True)
    try:
        yield
    except DatabaseError as error:
        if not isinstance(error, OperationalError) and type(error) is not DatabaseError:
            raise  # a constraint or SQL error (IntegrityError, ProgrammingError, ...) is not about reaching the database
        reason = " ".join(str(error.orig).split())  # the driver's message may span lines ("file is not a database")
        if url.get_backend_name() != "sqlite" and is_outage(error):
            raise DatabaseUnreachable(f"Cannot open the database {where}: {reason}") from None
        raise StoreUnavailable(f"Cannot open the database {where}: {reason}{missing_database_hint(url, reason)}") from None
    except (MigrationError, CommandError) as error:
        raise StoreUnavailable(f"Cannot migrate the database {where}: {error}") from None


def parse_url(url: str) -> URL:
    """``url`` parsed; StoreUnavailable (password hidden) when it is not a database URL at all."""
    try:
        return make_url(url)
    except ArgumentError:
        shown = re.sub(r":[^:/@]*@", ":***@", url)  # a password, if the text holds one
        raise StoreUnavailable(
            f"Cannot read the database URL {shown!r}: give e.g. sqlite:////path/to/assistant.db or postgresql://USER@HOST/DBNAME"
        ) from None


def sqlite_file(url: URL) -> Path | None:
    """The file of a SQLite URL; None for an in-memory database or another kind of database."""
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        return None
    return Path(url.database)


def check_database_exists(url: str) -> None:
    """StoreUnavailable when ``url`` names a SQLite file that is not there. For commands that only read or
    change what is stored: a mistyped path must not give a new, empty database."""
    path = sqlite_file(parse_url(url))
    if path is not None and not path.exists():
        raise StoreUnavailable(
            f"No database at {path}: check the database URL or the data folder (`assistant --data-dir DIR ...`; `assistant db upgrade` makes a new one)"
        )


def make_engine(url: str, create_tables: bool = True, timeouts: DatabaseTimeouts | None = None) -> Engine:
    """An engine for ``url``; creates the SQLite folder and, with ``create_tables``, brings the schema to
    the latest migration (a database made by create_all is stamped first). StoreUnavailable if unreachable.
    PostgreSQL connections get ``timeouts`` (default: ``DatabaseTimeouts()``), and are pinged before use.
    Its errors leave out the statement's values (``hide_parameters``): they are what the customer wrote, and
    an error ends up in the server's log, the spool's rejected file and the review pages' notices."""
    parsed = parse_url(url)
    where = parsed.render_as_string(hide_password=True)
    if parsed.get_backend_name() == "sqlite":
        path = sqlite_file(parsed)
        if path is not None:
            if path.parent.exists() and not path.parent.is_dir():
                raise StoreUnavailable(f"Cannot open the database {where}: {path.parent} is a file, not a folder")
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as error:
                raise StoreUnavailable(f"Cannot open the database {where}: cannot make {path.parent}: {error.strerror or error}") from None
            if not path.exists():  # made here, so SQLite's file (and its -wal and -shm, which take its mode) is private
                try:
                    open(path, "ab", opener=private_opener).close()
                except OSError as error:
                    raise StoreUnavailable(f"Cannot open the database {where}: {error.strerror or error}") from None
        engine = create_engine(url, connect_args={"check_same_thread": False}, hide_parameters=True)
        event.listen(engine, "connect", _enable_sqlite_wal)
    else:
        try:
            engine = create_engine(
                url, pool_pre_ping=True, connect_args=postgres_connect_args(parsed, timeouts), hide_parameters=True
            )
            event.listen(engine, "handle_error", _read_only_as_outage)
        except ModuleNotFoundError as error:
            raise StoreUnavailable(
                f"Cannot open the database {where}: its driver ({error.name}) is not installed; "
                "for PostgreSQL: pip install '.[scale]' (or psycopg[binary])"
            ) from None
        except NoSuchModuleError:
            raise StoreUnavailable(
                f"Cannot open the database {where}: {parsed.drivername!r} is not a kind of database the assistant knows; "
                "use sqlite:///PATH or postgresql://USER@HOST/DBNAME"
            ) from None
    if create_tables:
        try:
            migrate(engine)
        except StoreUnavailable:
            engine.dispose()
            raise
    return engine


def migrate(engine: Engine) -> str | None:
    """Bring the database to the latest schema revision (a no-op when it is there); returns the revision.
    DatabaseUnreachable while the server cannot be reached, StoreUnavailable for any other reason it cannot
    be used (a database from a newer version of the assistant, half a schema, a refused login)."""
    with store_errors(engine.url):
        return upgrade(engine).after

