"""A spooled append for a conversation deleted meanwhile is not brought back on replay: it goes to the rejected file,
and the log and that file say why. Writes spooled by a version that did not record the conversation's channel with
an append too. Real SQLite and PostgreSQL."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest
from sqlalchemy import text

from assistant.store import SpoolingStore, SqlStore, make_engine
from assistant.store.admin import delete_conversations
from dialog.events import BotAnswer, UserMessage
from postgres_schemas import sqlite_or_postgres

database_url = sqlite_or_postgres("spool_deleted_conversation")


def spooled_append(session_id: str, text: str, channel: str | None) -> str:
    """One spool line: an append of a customer's message and its answer (``channel`` None: as versions before channels
    were recorded with appends wrote it)."""
    events = [UserMessage(text=text).to_dict(), BotAnswer(text="Here you are.").to_dict()]
    return json.dumps({"id": uuid.uuid4().hex, "op": "append", "session_id": session_id, "channel": channel,
                       "events": events, "turn": None, "spooled_at": 1_765_000_000.0})


@pytest.mark.parametrize("channel", [None, "web"])
def test_a_spooled_turn_of_a_deleted_conversation_stays_deleted_and_the_log_says_why(
    database_url: str, tmp_path: Path, caplog: pytest.LogCaptureFixture, channel: str | None
) -> None:
    """The rejection said only "No conversation with id '…'." (as for an id nobody knew), so an operator could not tell
    a write lost to a bug from the write of an erased conversation, nor that `assistant logs delete` removes it."""
    engine = make_engine(database_url)
    database = SqlStore(engine)
    erased, kept = database.create_session(), database.create_session()
    delete_conversations(database_url, [erased])
    with engine.begin() as connection:  # as a version that did not note erasures in the database left it
        connection.execute(text("DELETE FROM erased_conversations"))
    spool = tmp_path / "spool" / "turns.jsonl"
    spool.parent.mkdir()
    spool.write_text(spooled_append(erased, "my phone is 555 0100", channel) + "\n"
                     + spooled_append(kept, "Do you ship to Canada?", channel) + "\n")

    store = SpoolingStore(database, spool, retry_seconds=None)
    try:
        assert store.flush() == 1
        assert not database.has_session(erased)
        assert [e.text for e in database.load_events(kept) if isinstance(e, UserMessage)] == ["Do you ship to Canada?"]
        [rejected] = [json.loads(line) for line in store.rejected_path.read_text(encoding="utf-8").splitlines()]
        assert rejected["session_id"] == erased
        assert "it was deleted meanwhile" in rejected["error"] and "not brought back" in rejected["error"]
        [said] = [r.getMessage() for r in caplog.records if r.name == "assistant.store.spool" and "refused" in r.getMessage()]
        assert "it was deleted meanwhile (by `assistant logs delete` of a version that did not note erasures" in said, said
        assert f"`assistant logs delete {erased}` on this data folder removes this write too" in said, said
        assert ("without its conversation's channel" in said) == (channel is None), said
    finally:
        store.close()
        engine.dispose()
