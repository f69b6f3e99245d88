"""Export the turn records of the filtered conversations to CSV, JSON Lines or Parquet.

One row per turn, in the review page's order (conversations by last activity, newest first; their
turns in order). Rows stream from the database in batches (a server-side cursor on PostgreSQL) and are
written batch by batch, so a million turns never sit in memory at once. The file is written under a
temporary name beside the target and renamed only when complete: a failed export leaves no partial
file, and an existing file at the target is kept until the new one replaces it.

Each turn also carries what staff did after it (``staff``: their replies to the customer, hand-backs, a handoff
outside a turn, with who and when), and its verdicts: the customer's thumbs and comments, and the reviewers' labels (the
latest one's verdict, correct intent and notes as columns of their own; every reviewer's labels as they
last saved them in ``labels``). They are read a batch of conversations at a time, beside the turns.

The nested fields (sources, retrieved passages, timings, labels) are JSON text in CSV and Parquet, and JSON
objects in JSON Lines. Times are UTC, ISO 8601 in CSV and JSON Lines. In CSV, a text that begins like a
spreadsheet formula (``=``, ``+``, ``-``, ``@``, a tab or a carriage return) gets a leading ``'``, so a
customer's ``=HYPERLINK(…)`` stays text when staff open the file in a spreadsheet; JSON Lines and
Parquet keep every text as stored.
"""

from __future__ import annotations

import csv
import json
import os
import secrets
from collections.abc import Callable, Collection, Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Literal

from sqlalchemy import ColumnElement, Connection, Engine, func, select

from assistant.store.db import BATCH_TIMEOUTS, check_database_exists, make_engine, store_errors
from assistant.store.review import LogFilter
from assistant.store.tables import AnnotationRow, EventRow, FeedbackRow, SessionRow, TurnRow

Format = Literal["csv", "jsonl", "parquet"]
FORMATS: tuple[str, ...] = ("csv", "jsonl", "parquet")
SUFFIXES = {".csv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl", ".parquet": "parquet", ".pq": "parquet"}
BATCH_ROWS = 1000

# (column, source, kind): kind says how each format writes it
_COLUMNS: list[tuple[str, Any, str]] = [
    ("session_id", TurnRow.session_id, "text"),
    ("turn_no", TurnRow.turn_no, "int"),
    ("time", TurnRow.created_at, "time"),
    ("user_text", TurnRow.user_text, "text"),
    ("intent", TurnRow.intent, "text"),
    ("intent_confidence", TurnRow.intent_confidence, "float"),
    ("action", TurnRow.action, "text"),
    ("reason", TurnRow.reason, "text"),
    ("query", TurnRow.query, "text"),
    ("answer", TurnRow.answer, "text"),
    ("top_score", TurnRow.top_score, "float"),
    ("abstained", TurnRow.abstained, "bool"),
    ("handoff", TurnRow.handoff, "bool"),
    ("model", TurnRow.model, "text"),
    ("index_version", TurnRow.index_version, "text"),
    ("latency_ms", TurnRow.latency_ms, "float"),
    ("error", TurnRow.error, "text"),
    ("sources", TurnRow.sources, "json"),
    ("retrieved", TurnRow.retrieved, "json"),
    ("timings_ms", TurnRow.timings_ms, "json"),
]
# The verdicts on each turn, after the turn record's columns (added later: the columns above keep their places).
# Not read with the turns but from the feedback and annotations tables, a batch at a time (``_add_verdicts``).
_VERDICT_COLUMNS: list[tuple[str, str]] = [
    ("customer_rating", "text"),  # up / down: the customer's thumbs as it stands (none, or taken back: empty)
    ("customer_comment", "text"),  # the customer's comments on the turn, oldest first, one a line
    ("review_verdict", "text"),  # right / wrong: the latest reviewer label's "The answer was" (not judged: empty)
    ("review_correct_intent", "text"),  # the latest label's correct intent
    ("review_notes", "text"),  # the latest label's notes
    ("reviewer", "text"),  # who saved the latest label
    ("labels", "json"),  # every reviewer's labels as last saved: reviewer, verdict, correct_intent, notes, rating, time
]
# What staff did after the turn (added last): their replies to the customer, hand-backs, and a handoff without a turn
# of its own (the API's, staff taking over), read from the events a batch of conversations at a time (``_add_staff``).
# An export of handed-off conversations left out everything staff wrote.
_STAFF_COLUMNS: list[tuple[str, str]] = [("staff", "json")]  # [{kind: reply | hand_back | handoff, author, login, text, time}]
COLUMNS = [name for name, _, _ in _COLUMNS] + [name for name, _ in _VERDICT_COLUMNS + _STAFF_COLUMNS]
_KINDS = [(name, kind) for name, _, kind in _COLUMNS] + _VERDICT_COLUMNS + _STAFF_COLUMNS
_STAFF_KINDS = {"agent": "reply", "handoff_resolved": "hand_back", "handoff": "handoff"}
_THUMBS = {1: "up", -1: "down"}
_VERDICTS = {True: "right", False: "wrong"}

Progress = Callable[[int], None]  # called with the number of rows written so far, after each batch


def export_format(path: Path, fmt: str | None = None) -> Format:
    """``fmt`` if given (checked), else the format its suffix names; ValueError if neither tells."""
    if fmt is not None:
        if fmt not in FORMATS:
            raise ValueError(f"unknown export format {fmt!r}: choose one of {', '.join(FORMATS)}")
        return fmt  # type: ignore[return-value]
    guessed = SUFFIXES.get(path.suffix.lower())
    if guessed is None:
        raise ValueError(
            f"cannot tell the export format from the file name {path.name!r}: end it in .csv, .jsonl or .parquet, "
            "or give the format"
        )
    return guessed  # type: ignore[return-value]


def gradio_temp_dir(data_dir: Path) -> Path:
    """Where the web server's Gradio keeps the files it serves, the review pages' downloads among them (an export, a
    conversation test): under the data folder, private to the server's user (``ui.server.create_app``), not Gradio's
    shared default ``/tmp/gradio``. `assistant logs delete` removes the copies of an erased conversation's files."""
    return Path(data_dir) / "tmp" / "gradio"


def check_target(path: Path) -> None:
    """Fail early, before any query, when ``path`` cannot be written: a folder, or in a missing folder."""
    if path.is_dir():
        raise ValueError(f"{path} is a folder; give a file name to export to")
    if not path.parent.is_dir():
        raise FileNotFoundError(f"the folder {path.parent} does not exist")


def _conditions(log_filter: LogFilter, dialect: str, session_ids: Collection[str]) -> list[ColumnElement[bool]]:
    """The filter's conditions, and with ``session_ids`` only those conversations (an access request's)."""
    chosen = [SessionRow.id.in_(sorted(set(session_ids)))] if session_ids else []
    return [*log_filter.conditions(dialect), *chosen]


def _turns_query(log_filter: LogFilter, dialect: str, session_ids: Collection[str] = ()):  # type: ignore[no-untyped-def]
    return (
        select(*(source for _, source, _ in _COLUMNS))
        .join(SessionRow, SessionRow.id == TurnRow.session_id)
        .where(*_conditions(log_filter, dialect, session_ids))
        .order_by(SessionRow.updated_at.desc(), SessionRow.id.desc(), TurnRow.id)
    )


def count_turns(engine: Engine, log_filter: LogFilter, session_ids: Collection[str] = ()) -> int:
    """How many turn records ``export_turns`` would write for this filter (and these conversations)."""
    query = (
        select(func.count())
        .select_from(TurnRow)
        .join(SessionRow, SessionRow.id == TurnRow.session_id)
        .where(*_conditions(log_filter, engine.dialect.name, session_ids))
    )
    with store_errors(engine.url), engine.connect() as connection:
        return connection.scalar(query) or 0


def _utc(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)


def _reviewer_labels(annotations: list[Any], ratings: dict[str, int]) -> list[dict[str, Any]]:
    """Each reviewer's latest labels of one turn (``annotations`` oldest first), with their latest thumbs."""
    latest = {row.reviewer: row for row in annotations}  # a later save of the same reviewer replaces the earlier
    labels = [
        {
            "reviewer": row.reviewer,
            "verdict": _VERDICTS.get(row.answer_correct),
            "correct_intent": row.correct_intent,
            "notes": row.notes,
            "rating": _THUMBS.get(ratings.pop(row.reviewer, 0)),
            "time": _utc(row.created_at).isoformat(),  # type: ignore[union-attr]
        }
        for row in sorted(latest.values(), key=lambda row: row.id)
    ]
    labels += [  # a reviewer who gave only thumbs
        {"reviewer": author, "verdict": None, "correct_intent": None, "notes": None, "rating": _THUMBS.get(rating), "time": None}
        for author, rating in ratings.items()
        if rating
    ]
    return labels


def _add_verdicts(connection: Connection, batch: list[dict[str, Any]]) -> None:
    """Fill in each record's verdict columns from the feedback and labels of the batch's conversations."""
    sessions = {record["session_id"] for record in batch}
    feedback: dict[tuple[str, int], list[Any]] = {}
    for row in connection.execute(select(FeedbackRow).where(FeedbackRow.session_id.in_(sessions)).order_by(FeedbackRow.id)):
        feedback.setdefault((row.session_id, row.turn_no), []).append(row)
    annotations: dict[tuple[str, int], list[Any]] = {}
    for row in connection.execute(select(AnnotationRow).where(AnnotationRow.session_id.in_(sessions)).order_by(AnnotationRow.id)):
        annotations.setdefault((row.session_id, row.turn_no), []).append(row)
    for record in batch:
        key = (record["session_id"], record["turn_no"])
        given, labelled = feedback.get(key, []), annotations.get(key, [])
        customer = [row for row in given if row.source == "customer"]
        ratings = [row.rating for row in customer if row.rating is not None]
        reviewer_ratings = {row.author or "reviewer": row.rating for row in given if row.source == "reviewer" and row.rating is not None}
        latest = labelled[-1] if labelled else None
        record.update(
            customer_rating=_THUMBS.get(ratings[-1]) if ratings else None,
            customer_comment="\n".join(row.comment for row in customer if row.comment) or None,
            review_verdict=_VERDICTS.get(latest.answer_correct) if latest is not None else None,
            review_correct_intent=latest.correct_intent if latest is not None else None,
            review_notes=latest.notes if latest is not None else None,
            reviewer=latest.reviewer if latest is not None else None,
            labels=_reviewer_labels(labelled, reviewer_ratings),
        )


def _add_staff(connection: Connection, batch: list[dict[str, Any]]) -> None:
    """Fill in each record's ``staff``: what staff did after that turn, before the next (what came before the first
    turn goes with the first). A handoff the turn itself made (its ``handoff``) is not repeated."""
    sessions = {record["session_id"] for record in batch}
    rows = connection.execute(
        select(EventRow.session_id, EventRow.type, EventRow.timestamp, EventRow.data)
        .where(EventRow.session_id.in_(sessions), EventRow.type.in_(("user", *_STAFF_KINDS)))
        .order_by(EventRow.session_id, EventRow.seq)
    )
    after: dict[tuple[str, int], list[dict[str, Any]]] = {}
    messages: dict[str, int] = {}
    for row in rows:
        if row.type == "user":
            messages[row.session_id] = messages.get(row.session_id, 0) + 1
            continue
        data = row.data or {}
        entry = {
            "kind": _STAFF_KINDS[row.type],
            "author": data.get("author") or None,
            "login": data.get("login") or None,  # who sent a reply (a review login, staff-api:..., cli:...)
            "text": data.get("reason" if row.type == "handoff" else "text") or None,
            "time": datetime.fromtimestamp(row.timestamp, tz=timezone.utc).isoformat(),
        }
        after.setdefault((row.session_id, max(1, messages.get(row.session_id, 0))), []).append(entry)
    for record in batch:
        entries = after.get((record["session_id"], record["turn_no"]), [])
        if record.get("handoff"):  # its own handoff is the turn's record
            entries = [entry for entry in entries if entry["kind"] != "handoff"]
        record["staff"] = entries


def _batches(
    engine: Engine, log_filter: LogFilter, batch_rows: int, session_ids: Collection[str] = ()
) -> Iterator[list[dict[str, Any]]]:
    """The turn records with their verdicts as dicts (JSON fields as Python objects, times as aware UTC
    datetimes), a batch at a time."""
    names = [name for name, _, _ in _COLUMNS]
    with store_errors(engine.url), engine.connect() as connection:
        streaming = connection.execution_options(stream_results=True, yield_per=batch_rows)
        result = streaming.execute(_turns_query(log_filter, engine.dialect.name, session_ids))
        try:
            for partition in result.partitions(batch_rows):
                batch = [dict(zip(names, row)) for row in partition]
                for record in batch:
                    record["time"] = _utc(record["time"])
                _add_verdicts(connection, batch)
                _add_staff(connection, batch)
                yield batch
        finally:
            result.close()  # PostgreSQL's server-side cursor too, when the writer stopped early


# -- writers: each takes an open file (or path) and a stream of batches, returns the row count -----------------


_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _text_cell(value: Any, kind: str) -> Any:
    if value is None:
        return ""
    if kind == "text" and value.startswith(_FORMULA_STARTS):
        return "'" + value  # a spreadsheet would run it (OWASP's "CSV injection")
    if kind == "time":
        return value.isoformat()
    if kind == "bool":
        return "true" if value else "false"
    if kind == "json":
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return value


def _write_csv(path: Path, batches: Iterator[list[dict[str, Any]]], progress: Progress | None) -> int:
    rows = 0
    with path.open("x", encoding="utf-8", newline="") as file:
        writer = csv.writer(file)
        writer.writerow(COLUMNS)
        for batch in batches:
            writer.writerows([[_text_cell(record[name], kind) for name, kind in _KINDS] for record in batch])
            rows += len(batch)
            if progress is not None:
                progress(rows)
    return rows


def _write_jsonl(path: Path, batches: Iterator[list[dict[str, Any]]], progress: Progress | None) -> int:
    rows = 0
    with path.open("x", encoding="utf-8", newline="\n") as file:
        for batch in batches:
            for record in batch:
                record["time"] = record["time"].isoformat() if record["time"] is not None else None
                file.write(json.dumps(record, ensure_ascii=False) + "\n")
            rows += len(batch)
            if progress is not None:
                progress(rows)
    return rows


def _parquet_schema():  # type: ignore[no-untyped-def]
    import pyarrow as pa

    types = {
        "text": pa.string(),
        "json": pa.string(),
        "int": pa.int64(),
        "float": pa.float64(),
        "bool": pa.bool_(),
        "time": pa.timestamp("us", tz="UTC"),
    }
    return pa.schema([(name, types[kind]) for name, kind in _KINDS])


def _write_parquet(path: Path, batches: Iterator[list[dict[str, Any]]], progress: Progress | None) -> int:
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError:
        raise ValueError("exporting to Parquet needs pyarrow: pip install pyarrow") from None
    schema = _parquet_schema()
    json_columns = [name for name, kind in _KINDS if kind == "json"]
    rows = 0
    with path.open("xb") as file, pq.ParquetWriter(file, schema, compression="zstd") as writer:
        for batch in batches:  # one row group per batch
            for record in batch:
                for name in json_columns:
                    record[name] = json.dumps(record[name], ensure_ascii=False, sort_keys=True) if record[name] is not None else None
            writer.write_batch(pa.RecordBatch.from_pylist(batch, schema=schema))
            rows += len(batch)
            if progress is not None:
                progress(rows)
    return rows


_WRITERS = {"csv": _write_csv, "jsonl": _write_jsonl, "parquet": _write_parquet}


def export_turns(
    engine: Engine,
    log_filter: LogFilter,
    path: Path,
    fmt: str | None = None,
    batch_rows: int = BATCH_ROWS,
    progress: Progress | None = None,
    session_ids: Collection[str] = (),
) -> int:
    """Write the turn records of the conversations that ``log_filter`` selects (of ``session_ids`` only, when given) to
    ``path``; the number of rows.

    ``fmt`` is csv, jsonl or parquet; without it the file's suffix says. The file appears only once complete.
    """
    path = Path(path)
    check_target(path)
    writer = _WRITERS[export_format(path, fmt)]
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")  # same folder: the rename is atomic
    batches = _batches(engine, log_filter, batch_rows, session_ids)
    try:
        rows = writer(temporary, batches, progress)
        os.replace(temporary, path)
    finally:
        batches.close()  # gives the connection back even when writing failed half-way
        temporary.unlink(missing_ok=True)
    return rows


def export_logs(
    url: str,
    log_filter: LogFilter,
    path: Path,
    fmt: str | None = None,
    on_total: Callable[[int], None] | None = None,
    progress: Progress | None = None,
    session_ids: Collection[str] = (),
) -> int:
    """``export_turns`` from the database at ``url`` (migrated first, like every command); ``on_total``
    receives the number of rows to come before the export starts. For `assistant logs export`."""
    check_target(path)  # refuse a bad name or folder before opening the database
    export_format(path, fmt)
    check_database_exists(url)  # a mistyped SQLite path is reported, not created
    engine = make_engine(url, timeouts=BATCH_TIMEOUTS)  # a large export may rightly take long
    try:
        if on_total is not None:
            on_total(count_turns(engine, log_filter, session_ids))
        return export_turns(engine, log_filter, path, fmt, progress=progress, session_ids=session_ids)
    finally:
        engine.dispose()
