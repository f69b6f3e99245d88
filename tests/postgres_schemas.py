"""PostgreSQL for tests: each user gets its own schema, dropped and created again, so test modules
(and reruns) never see each other's tables, and none of them touches the ``public`` schema.

``TEST_POSTGRES_URL`` (default ``postgresql+psycopg://postgres:postgres@127.0.0.1:5432/test``) names the
server; the tests that use it skip, with the reason, when it cannot be reached.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

POSTGRES_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql+psycopg://postgres:postgres@127.0.0.1:5432/test")


@lru_cache(maxsize=1)
def unavailable_reason() -> str | None:
    """Why PostgreSQL cannot be used, or None when it can (checked once per session)."""
    url = make_url(POSTGRES_URL)
    try:
        import psycopg  # noqa: F401
    except ImportError:
        return "PostgreSQL tests need the psycopg (v3) driver: pip install 'psycopg[binary]'"
    try:
        with socket.create_connection((url.host or "127.0.0.1", url.port or 5432), timeout=0.5):
            pass
    except OSError as error:
        return f"no PostgreSQL server at {url.host}:{url.port or 5432} ({error}); set TEST_POSTGRES_URL"
    engine = create_engine(POSTGRES_URL, poolclass=NullPool)
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception as error:  # reachable, but e.g. wrong password or no such database
        return f"cannot use PostgreSQL at {url.render_as_string(hide_password=True)}: {error}"
    finally:
        engine.dispose()
    return None


def _execute(statement: str) -> None:
    engine = create_engine(POSTGRES_URL, poolclass=NullPool)
    try:
        with engine.begin() as connection:
            connection.execute(text(statement))
    finally:
        engine.dispose()


@contextmanager
def fresh_schema(schema: str) -> Iterator[str]:
    """An empty schema ``schema`` (suffixed with this process's id, so two test runs at once on one server
    keep apart); yields a URL whose connections use it (search_path). Skips if no server."""
    reason = unavailable_reason()
    if reason is not None:
        pytest.skip(reason)
    assert schema.isidentifier() and schema != "public"
    schema = f"{schema}_{os.getpid()}"
    _execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE; CREATE SCHEMA "{schema}"')
    url = make_url(POSTGRES_URL).update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        _execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


def sqlite_or_postgres(schema: str):  # type: ignore[no-untyped-def]
    """A ``database_url`` fixture run twice: a new SQLite file, and a fresh PostgreSQL ``schema``."""

    @pytest.fixture(params=["sqlite", "postgresql"])
    def database_url(request: pytest.FixtureRequest, tmp_path):  # type: ignore[no-untyped-def]
        if request.param == "sqlite":
            yield f"sqlite:///{tmp_path / 'db' / 'assistant.db'}"
            return
        with fresh_schema(schema) as url:
            yield url

    return database_url
