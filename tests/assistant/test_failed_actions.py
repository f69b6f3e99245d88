"""Failed business actions (an order lookup with a wrong e-mail or an unknown number) are neither declined nor
scored: the stored ActionExecuted(ok=False) lets `assistant logs export --failed-action` and the analytics find them."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path

import pytest
from typer.testing import CliRunner

from assistant.cli import app
from assistant.store import SqlStore, make_engine
from assistant.store.analytics import ActionRuns, action_runs
from cli_helpers import runner  # noqa: F401 (fixture)
from dialog.events import ActionExecuted, BotAnswer, UserMessage
from dialog.store import TurnRecord
from postgres_schemas import sqlite_or_postgres

database_url = sqlite_or_postgres("test_failed_actions")


@pytest.fixture
def store(database_url: str):
    store = SqlStore(make_engine(database_url))
    yield store
    store.engine.dispose()


def lookup(store: SqlStore, found: bool | None) -> str:
    """A conversation: a question, then (unless ``found`` is None) an order lookup that found the order or not."""
    sid = store.create_session()
    events = [UserMessage(text="where is my order NW-1? [EMAIL]")]
    if found is not None:
        events.append(ActionExecuted(name="order_status", arguments={"order_number": "NW-1"}, result={"found": found}, ok=found))
    events.append(BotAnswer(text="…"))
    store.append(sid, events, TurnRecord(session_id=sid, user_text="where is my order NW-1? [EMAIL]", intent="order_status",
                                         intent_confidence=0.9, action="business" if found is not None else "answer",
                                         reason="test", answer="…", turn_no=1))
    return sid


def test_logs_export_picks_the_conversations_with_a_failed_lookup(runner: CliRunner, store: SqlStore, database_url: str,
                                                                   tmp_path: Path) -> None:
    failed, found, asked = lookup(store, False), lookup(store, True), lookup(store, None)
    chosen = {}
    for option in ("--failed-action", "--no-failed-action"):
        out = tmp_path / f"{option}.jsonl"
        result = runner.invoke(app, ["--database-url", database_url, "logs", "export", str(out), option])
        assert result.exit_code == 0, result.output
        chosen[option] = {json.loads(line)["session_id"] for line in out.read_text().splitlines()}

    assert chosen == {"--failed-action": {failed}, "--no-failed-action": {found, asked}}


def test_analytics_count_the_action_runs_and_failures_per_action(store: SqlStore) -> None:
    lookup(store, False), lookup(store, False), lookup(store, True), lookup(store, None)

    assert action_runs(store.engine) == [ActionRuns("order_status", runs=3, failed=2)]
    assert action_runs(store.engine, since=datetime(2999, 1, 1, tzinfo=timezone.utc)) == []
