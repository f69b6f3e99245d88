"""Time the staff inbox queries on PostgreSQL over a large history of conversations and handoffs.

    .venv/bin/python benchmarks/inbox.py
    .venv/bin/python benchmarks/inbox.py --sessions 1000000 --postgres-url postgresql+psycopg://user:pw@host/db

In a schema of its own (``bench_inbox``, dropped at the end), the migrated tables get ``--sessions``
conversations of 10 events each (customer and assistant in turn); every 20th conversation was handed off
(event 5) and answered by staff (event 6), and all but the first 100 of those were handed back (event 8).
After ``ANALYZE``, the inbox list (``conversations_with_a_person``) and its count (``count_with_a_person``)
are each run once to warm up and then timed ``--repeat`` times. A refresh of the Inbox tab runs both.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from typing import Any

from sqlalchemy import create_engine, make_url, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError

from assistant.store import make_engine
from assistant.store.db import BATCH_TIMEOUTS
from assistant.store.inbox import conversations_with_a_person, count_with_a_person

SCHEMA = "bench_inbox"
OPEN = 100  # handoffs not handed back


def fill(engine: Engine, sessions: int) -> None:
    """The generated history, straight into the tables (the session summaries as appends keep them)."""
    with engine.begin() as db:
        db.execute(
            text(
                "INSERT INTO sessions (id, channel, created_at, updated_at, turn_count, any_handoff, any_abstained,"
                " thumbs_up, thumbs_down, event_count, open_handoff_seq)"
                " SELECT 's' || g, 'web', now(), now(), 5, g % 20 = 0, false, 0, 0, 10,"
                "  CASE WHEN g % 20 = 0 AND g <= :open_until THEN 5 END"
                " FROM generate_series(1, :n) g"
            ),
            {"n": sessions, "open_until": OPEN * 20},
        )
        db.execute(
            text(
                "INSERT INTO events (session_id, seq, type, timestamp, data)"
                " SELECT 's' || g, k,"
                "  CASE WHEN g % 20 = 0 AND k = 5 THEN 'handoff'"
                "       WHEN g % 20 = 0 AND k = 6 THEN 'agent'"
                "       WHEN g % 20 = 0 AND k = 8 AND g > :open_until THEN 'handoff_resolved'"
                "       WHEN k % 2 = 1 THEN 'user' ELSE 'bot' END,"
                "  extract(epoch from now()) - :n + g,"
                "  json_build_object('reason', 'the customer asked for a human', 'author', 'ana', 'text', 'Hello')"
                " FROM generate_series(1, :n) g, generate_series(0, 9) k"
            ),
            {"n": sessions, "open_until": OPEN * 20},
        )
    with engine.begin() as db:
        db.execute(text("ANALYZE"))


def timed(query: Callable[[Engine], Any], engine: Engine, repeat: int) -> tuple[Any, float, float]:
    """The query's result, and its p50 and slowest time in ms."""
    result = query(engine)
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        result = query(engine)
        times.append((time.perf_counter() - started) * 1000)
    return result, statistics.median(times), max(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sessions", type=int, default=200_000, help="conversations generated (default 200,000)")
    parser.add_argument("--repeat", type=int, default=20, help="timed runs of each query (default 20)")
    parser.add_argument("--postgres-url", default="postgresql+psycopg://postgres:postgres@127.0.0.1:5432/test")
    args = parser.parse_args()

    admin = create_engine(args.postgres_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as db:
            db.execute(text(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE"))
            db.execute(text(f"CREATE SCHEMA {SCHEMA}"))
    except OperationalError as error:  # no server there, a wrong password: one line, not a traceback
        url = make_url(args.postgres_url).render_as_string(hide_password=True)
        sys.exit(f"error: cannot use PostgreSQL at {url} (give --postgres-url): {str(error.orig).strip().splitlines()[0]}")
    separator = "&" if "?" in args.postgres_url else "?"
    # migrated on opening; generating a million conversations takes longer than a turn's statement timeout
    engine = make_engine(f"{args.postgres_url}{separator}options=-csearch_path%3D{SCHEMA}", timeouts=BATCH_TIMEOUTS)
    try:
        print(f"generating {args.sessions:,} conversations ({args.sessions * 10:,} events, {args.sessions // 20:,} handoffs, {OPEN} open)…")
        fill(engine, args.sessions)
        items, p50, slowest = timed(conversations_with_a_person, engine, args.repeat)
        print(f"inbox list:  {len(items)} conversations, p50 {p50:.1f} ms, slowest {slowest:.1f} ms")
        count, p50, slowest = timed(count_with_a_person, engine, args.repeat)
        print(f"inbox count: {count} conversations, p50 {p50:.1f} ms, slowest {slowest:.1f} ms")
    finally:
        engine.dispose()
        with admin.connect() as db:
            db.execute(text(f"DROP SCHEMA {SCHEMA} CASCADE"))


if __name__ == "__main__":
    main()
