"""`assistant logs export-intents`: the intents reviewers gave turns on the review pages, written as the
`text,label` CSV that `assistant train intents` reads, alone or merged into the base training data; on
SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import os
from datetime import datetime, timezone
from pathlib import Path

import pytest
from sqlalchemy import update
from typer.testing import CliRunner

from assistant.cli import app
from assistant.store import SqlStore, make_engine
from assistant.store.tables import AnnotationRow
from cli_helpers import flat, runner  # noqa: F401 (fixture)
from dialog.events import BotAnswer, UserMessage
from dialog.nlu.data import read_csv
from dialog.store import TurnRecord
from postgres_schemas import sqlite_or_postgres

database_url = sqlite_or_postgres("test_export_intents")

BASE = """text,label
where is my order,order_status
has my order shipped yet,order_status
when will my order arrive,order_status
i want my money back,refund
how long do refunds take,refund
what's the weather like,oos
tell me a joke,oos
"""


@pytest.fixture
def store(database_url: str, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("ASSISTANT_DATABASE_URL", database_url)
    store = SqlStore(make_engine(database_url))
    yield store
    store.engine.dispose()


def conversation(store: SqlStore, *texts: str, intent: str = "question") -> str:
    """A conversation with one turn per text, each given ``intent`` by the assistant; its id."""
    session_id = store.create_session()
    for turn_no, text in enumerate(texts, start=1):
        record = TurnRecord(session_id=session_id, user_text=text, turn_no=turn_no, intent=intent, intent_confidence=0.4,
                            action="answer", reason="kb", answer="an answer")
        store.append(session_id, [UserMessage(text=text), BotAnswer(text="an answer")], record)
    return session_id


def labelled_on(store: SqlStore, session_id: str, day: int) -> None:
    """Date the conversation's labels to 2026-11-``day``."""
    with store.engine.begin() as db:
        db.execute(update(AnnotationRow).where(AnnotationRow.session_id == session_id)
                   .values(created_at=datetime(2026, 11, day, 12, tzinfo=timezone.utc)))


def export(runner: CliRunner, *args: str):  # type: ignore[no-untyped-def]
    return runner.invoke(app, ["logs", "export-intents", *args])


def rows(path: Path) -> list[tuple[str, str]]:
    with path.open(encoding="utf-8", newline="") as file:
        reader = csv.reader(file)
        assert next(reader) == ["text", "label"]
        return [tuple(row) for row in reader]  # type: ignore[misc]


@pytest.fixture
def base(tmp_path: Path) -> Path:
    path = tmp_path / "intents.csv"
    path.write_text(BASE, encoding="utf-8")
    return path


def test_the_labelled_turns_customer_texts_are_written_with_the_reviewers_intents(store: SqlStore, runner: CliRunner, tmp_path: Path) -> None:
    session = conversation(store, "where's my stuff", "my mail is [EMAIL] and\nI can't log in", "thanks", "ok then")
    other = conversation(store, "can you put the order on hold")
    store.annotate(session, 1, "ana", False, "order_status")
    store.annotate(session, 2, "ana", False, "account")
    store.annotate(session, 3, "ana", True, None, "a fine answer")  # no intent given: not an example
    store.annotate(other, 1, "ben", False, "change_order")
    out = tmp_path / "reviewed.csv"

    result = export(runner, str(out))

    assert result.exit_code == 0, result.output
    # the stored text is redacted; the classifier sees what customers type, so a stand-in of the kind is written
    assert rows(out) == [
        ("where's my stuff", "order_status"),
        ("my mail is customer@example.com and I can't log in", "account"),
        ("can you put the order on hold", "change_order"),
    ]
    assert "Wrote 3 examples from 3 labelled turn(s)" in flat(result.output)
    assert os.stat(out).st_mode & 0o777 == 0o600  # customers' words


def test_merged_into_the_base_set_a_reviewers_label_wins_and_spellings_follow_the_base(
    store: SqlStore, runner: CliRunner, tmp_path: Path, base: Path
) -> None:
    session = conversation(store, "Where is my  ORDER", "I want my money back", "do you have a store in Berlin", "my parcel is lost")
    store.annotate(session, 1, "ana", False, "track_parcel")  # the base says order_status: the reviewer wins
    store.annotate(session, 2, "ana", True, "Refund")  # the base's label, typed with a capital
    store.annotate(session, 3, "ana", False, "out of scope")
    store.annotate(session, 4, "ana", False, "Track Parcel")
    out = tmp_path / "merged.csv"

    result = export(runner, str(out), "--merge", str(base))

    assert result.exit_code == 0, result.output
    written = rows(out)
    assert written[0] == ("where is my order", "track_parcel")  # relabelled where it stands, the base row's text kept
    assert ("i want my money back", "refund") in written and ("I want my money back", "Refund") not in written
    assert written[-2:] == [("do you have a store in Berlin", "oos"), ("my parcel is lost", "track_parcel")]
    assert len(written) == 9  # 7 base rows, 2 new texts
    output = flat(result.output)
    assert "Wrote 9 examples" in output and "2 new text(s), 1 relabelling a row of" in output and "1 already there" in output
    assert "'where is my order' order_status -> track_parcel" in output
    assert "'Refund' -> refund" in output and "'out of scope' -> oos" in output
    assert "does not have: track_parcel (2)" in output  # a new intent, named
    assert [(e.text, e.label) for e in read_csv(out)] == written  # what `train intents` reads


def test_labels_the_base_lacks_are_named_with_a_near_spelling_and_too_few_examples(
    store: SqlStore, runner: CliRunner, tmp_path: Path, base: Path
) -> None:
    session = conversation(store, "I never got my money", "the box was crushed")
    store.annotate(session, 1, "ana", False, "refnd")
    store.annotate(session, 2, "ana", False, "complaint")

    result = export(runner, str(tmp_path / "out.csv"), "--merge", str(base))

    assert result.exit_code == 0, result.output
    output = flat(result.output)
    assert "does not have: complaint (1), refnd (1)" in output
    assert "the new label 'refnd' is one letter away from 'refund'" in output
    assert "needs at least 2 examples of every label, and these have fewer: complaint (1), refnd (1)" in output


def test_two_reviewers_on_one_turn_and_one_text_on_two_turns_keep_the_latest_label_and_say_so(
    store: SqlStore, runner: CliRunner, tmp_path: Path
) -> None:
    first = conversation(store, "the parcel came damaged")
    store.annotate(first, 1, "ana", False, "return_item")
    store.annotate(first, 1, "ben", False, "complaint")
    second, third = conversation(store, "hold my order"), conversation(store, "Hold my order")
    store.annotate(second, 1, "ana", False, "order_status")
    store.annotate(third, 1, "ben", False, "change_order")
    out = tmp_path / "out.csv"

    result = export(runner, str(out))

    assert result.exit_code == 0, result.output
    assert rows(out) == [("the parcel came damaged", "complaint"), ("Hold my order", "change_order")]
    output = flat(result.output)
    assert f"conversation {first} turn 1 was labelled return_item by ana, and later complaint by ben: complaint kept" in output
    assert "'Hold my order': order_status (conversation " in output and "then change_order" in output


def test_since_and_until_select_by_the_day_of_the_label(store: SqlStore, runner: CliRunner, tmp_path: Path) -> None:
    early, late = conversation(store, "where's my stuff"), conversation(store, "can you put the order on hold")
    store.annotate(early, 1, "ana", False, "order_status")
    store.annotate(late, 1, "ana", False, "change_order")
    labelled_on(store, early, 1)
    labelled_on(store, late, 20)

    since = export(runner, str(tmp_path / "since.csv"), "--since", "2026-11-20")
    until = export(runner, str(tmp_path / "until.csv"), "--until", "2026-11-19")

    assert since.exit_code == 0 and until.exit_code == 0, since.output + until.output
    assert rows(tmp_path / "since.csv") == [("can you put the order on hold", "change_order")]
    assert rows(tmp_path / "until.csv") == [("where's my stuff", "order_status")]


def test_no_labelled_turn_says_how_to_label_and_writes_nothing(store: SqlStore, runner: CliRunner, tmp_path: Path, base: Path) -> None:
    session = conversation(store, "where's my stuff")
    store.annotate(session, 1, "ana", True, None, "right answer, no intent given")
    out = tmp_path / "out.csv"

    result = export(runner, str(out), "--merge", str(base))

    assert result.exit_code == 1
    assert "no turn has an intent given by a reviewer" in flat(result.output) and "Label a turn" in flat(result.output)
    assert not out.exists()
    store.annotate(session, 1, "ana", False, "order_status")
    labelled_on(store, session, 1)
    in_range = export(runner, str(out), "--since", "2026-11-02")
    assert in_range.exit_code == 1 and "in that period" in flat(in_range.output)
    assert not out.exists()


def test_an_existing_file_is_replaced_only_with_force(store: SqlStore, runner: CliRunner, tmp_path: Path) -> None:
    session = conversation(store, "where's my stuff", "my login fails")
    store.annotate(session, 1, "ana", False, "order_status")
    store.annotate(session, 2, "ana", False, "account")
    out = tmp_path / "out.csv"
    out.write_text("text,label\nkept,as it was\n", encoding="utf-8")

    refused = export(runner, str(out))
    assert refused.exit_code == 1 and "exists already; add --force" in flat(refused.output)
    assert out.read_text(encoding="utf-8") == "text,label\nkept,as it was\n"

    replaced = export(runner, str(out), "--force")
    assert replaced.exit_code == 0, replaced.output
    assert rows(out) == [("where's my stuff", "order_status"), ("my login fails", "account")]


def test_a_broken_base_file_is_reported_before_anything_is_written(store: SqlStore, runner: CliRunner, tmp_path: Path) -> None:
    session = conversation(store, "where's my stuff")
    store.annotate(session, 1, "ana", False, "order_status")
    broken = tmp_path / "broken.csv"
    broken.write_text("text;label\nwhere is my order;order_status\n", encoding="utf-8")
    out = tmp_path / "out.csv"

    result = export(runner, str(out), "--merge", str(broken))

    assert result.exit_code == 1 and "separated by commas" in flat(result.output)
    assert not out.exists()


def test_a_placeholder_of_the_operators_own_redaction_patterns_is_kept_and_named(store: SqlStore, runner: CliRunner, tmp_path: Path) -> None:
    session = conversation(store, "order [ORDER_ID] never came, my card [CARD] was charged")
    store.annotate(session, 1, "ana", False, "complaint")
    out = tmp_path / "out.csv"

    result = export(runner, str(out))

    assert result.exit_code == 0, result.output
    assert rows(out) == [("order [ORDER_ID] never came, my card 4242 4242 4242 4242 was charged", "complaint")]
    assert "placeholders of your own redaction patterns ([ORDER_ID])" in flat(result.output)


def test_a_turn_recorded_before_turns_were_numbered_is_found_by_its_position(store: SqlStore, runner: CliRunner, tmp_path: Path) -> None:
    session = store.create_session()
    for text in ("hello", "where's my stuff"):  # turn records of an early version: no turn number (the review page numbers them 1, 2)
        record = TurnRecord(session_id=session, user_text=text, intent="question", intent_confidence=0.4, action="answer", reason="kb", answer="a")
        store.append(session, [UserMessage(text=text), BotAnswer(text="a")], record)
    store.annotate(session, 2, "ana", False, "order_status")
    out = tmp_path / "out.csv"

    result = export(runner, str(out))

    assert result.exit_code == 0, result.output
    assert rows(out) == [("where's my stuff", "order_status")]


def test_texts_and_labels_with_square_brackets_are_reported_as_they_are(store: SqlStore, runner: CliRunner, tmp_path: Path) -> None:
    base = tmp_path / "intents.csv"
    base.write_text(BASE + "what does [/] mean,oos\n", encoding="utf-8")
    session, other = conversation(store, "what does [/] mean"), conversation(store, "is [b] bold")
    store.annotate(session, 1, "ana", False, "refund")
    store.annotate(other, 1, "ana", False, "[b]Refund")
    out = tmp_path / "out.csv"

    result = export(runner, str(out), "--merge", str(base))

    # the report read customers' words and labels as Rich markup: "[/]" stopped it with a MarkupError
    # after the file was written, and "[b]" vanished from what it said
    assert result.exit_code == 0, result.output
    output = flat(result.output)
    assert "relabelled: 'what does [/] mean' oos -> refund" in output
    assert "does not have: [b]Refund (1)" in output
