"""The query plans of the statements a call runs: what the database reads, checked without timing anything."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import Engine, event, text


def query_plans(engine: Engine, call: Callable[[], Any]) -> list[str]:
    """Run ``call`` and return the plan steps of every query (SELECT, WITH) it sent to ``engine`` (EXPLAIN on PostgreSQL,
    with sequential and bitmap scans off so that a plan that can use an index shows it whatever the table's
    size; EXPLAIN QUERY PLAN's details on SQLite)."""
    statements: list[tuple[str, Any]] = []

    def seen(conn, cursor, statement, parameters, context, executemany) -> None:  # type: ignore[no-untyped-def]
        statements.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", seen)
    try:
        call()
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    steps = []
    with engine.connect() as db:
        postgres = db.dialect.name == "postgresql"
        if postgres:
            db.execute(text("SET enable_seqscan = off"))
            db.execute(text("SET enable_bitmapscan = off"))
        for statement, parameters in statements:
            if not statement.lstrip().upper().startswith(("SELECT", "WITH")):
                continue
            plan = db.exec_driver_sql(("EXPLAIN " if postgres else "EXPLAIN QUERY PLAN ") + statement, parameters).all()
            steps += [str(row[0] if postgres else row[-1]).strip() for row in plan]
    return steps
