"""The staff inbox on SQLite and PostgreSQL: open handoffs, who replied, who is waiting, and the
staff replies in the review transcript."""

from __future__ import annotations

import re

import pytest

from assistant.store import SqlStore, make_engine
from assistant.store.inbox import conversations_with_a_person, count_with_a_person, idle_with_a_person
from assistant.store.review import read_transcript
from dialog.actions import hand_back
from dialog.events import AgentMessage, BotAnswer, HandoffRequested, UserMessage
from postgres_schemas import sqlite_or_postgres
from query_plans import query_plans

database_url = sqlite_or_postgres("test_store_inbox")


@pytest.fixture
def store(database_url: str):
    store = SqlStore(make_engine(database_url))
    yield store
    store.engine.dispose()


def conversation(store: SqlStore, *events, at: float = 1_000.0) -> str:
    """A session whose events are ``events`` (type names or events), timestamped one second apart."""
    session_id = store.create_session()
    built = []
    for offset, event in enumerate(events):
        if isinstance(event, str):
            event = {"user": UserMessage(text="Where is my parcel?"), "bot": BotAnswer(text="Here.")}[event]
        built.append(type(event).from_dict({**event.to_dict(), "timestamp": at + offset}))
    store.append(session_id, built)
    return session_id


def test_only_open_handoffs_are_listed_awaiting_ones_first_longest_waiting_first(store: SqlStore) -> None:
    conversation(store, "user", "bot")  # never handed off
    closed = conversation(store, "user", HandoffRequested(reason="asked"), *hand_back("ana"))
    replied = conversation(store, "user", HandoffRequested(reason="asked"), AgentMessage(text="Hi", author="ana"), at=10.0)
    waiting_new = conversation(store, "user", HandoffRequested(reason="frustration"), at=500.0)
    waiting_old = conversation(store, "user", HandoffRequested(reason="asked"), at=100.0)
    customer_again = conversation(
        store, "user", HandoffRequested(reason="asked"), AgentMessage(text="Hi", author="bo"), "user", at=300.0
    )

    inbox = conversations_with_a_person(store.engine)

    assert [item.session_id for item in inbox] == [waiting_old, customer_again, waiting_new, replied]
    assert closed not in {item.session_id for item in inbox}
    by_id = {item.session_id: item for item in inbox}
    assert by_id[waiting_new].reason == "frustration" and by_id[waiting_new].agent is None
    assert by_id[replied].agent == "ana" and not by_id[replied].awaiting_reply
    assert by_id[customer_again].agent == "bo" and by_id[customer_again].awaiting_reply
    assert by_id[waiting_old].handed_off_at.timestamp() == pytest.approx(101.0)
    assert by_id[waiting_old].title is None  # appended without a turn record, so no summary title


def test_a_second_handoff_after_a_hand_back_opens_the_conversation_again(store: SqlStore) -> None:
    session_id = conversation(
        store, "user", HandoffRequested(reason="first"), AgentMessage(text="Done", author="ana"), *hand_back("ana"),
        "user", HandoffRequested(reason="second"),
    )

    [item] = conversations_with_a_person(store.engine)

    assert (item.session_id, item.reason, item.agent, item.awaiting_reply) == (session_id, "second", None, True)


def test_the_limit_keeps_the_longest_waiting_and_the_count_tells_how_many_there_are(store: SqlStore) -> None:
    old = conversation(store, "user", HandoffRequested(reason="old"), at=1.0)
    recent = conversation(store, "user", HandoffRequested(reason="recent"), at=900.0)

    assert [item.session_id for item in conversations_with_a_person(store.engine, limit=1)] == [old]
    assert recent in {item.session_id for item in conversations_with_a_person(store.engine)}
    assert count_with_a_person(store.engine) == 2


def test_openai_endpoint_conversations_handed_off_are_listed(store: SqlStore) -> None:
    """They were left out, while the customer was told "They will see this conversation and reply here"."""
    one_off = store.create_session("openai")
    store.append(one_off, [UserMessage(text="I want a human"), HandoffRequested(reason="asked")])

    assert [item.session_id for item in conversations_with_a_person(store.engine)] == [one_off]
    assert count_with_a_person(store.engine) == 1


def test_the_transcript_places_staff_replies_and_the_hand_back_after_their_turn(store: SqlStore) -> None:
    session_id = conversation(
        store, "user", "bot", "user", HandoffRequested(reason="asked"), AgentMessage(text="Hi, Ana here", author="ana"),
        *hand_back("ana"),
    )

    transcript = read_transcript(store.engine, session_id)

    assert transcript is not None
    assert [(e.after_turn, e.kind, e.author, e.text) for e in transcript.staff] == [
        (2, "handoff", "", "asked"), (2, "agent", "ana", "Hi, Ana here"), (2, "handoff_resolved", "ana", "")
    ]  # the handoff too: no turn record (none was stored here) shows it
    assert transcript.staff_after(1) == [] and len(transcript.staff_after(2)) == 3


def test_a_handoff_without_a_turn_record_still_marks_the_session_handed_off(store: SqlStore) -> None:
    from assistant.store.tables import SessionRow
    from sqlalchemy.orm import Session

    taken = conversation(store, "user", "bot", HandoffRequested(reason="taken over by ana"), AgentMessage(text="Hi", author="ana"))
    plain = conversation(store, "user", "bot")

    with Session(store.engine) as db:
        assert db.get(SessionRow, taken).any_handoff is True
        assert db.get(SessionRow, plain).any_handoff is False


def test_the_open_handoff_follows_appends_one_by_one(store: SqlStore) -> None:
    session_id = store.create_session()
    steps = [
        ([UserMessage(text="a person please"), HandoffRequested(reason="asked")], "asked"),
        ([AgentMessage(text="Hi", author="ana")], "asked"),
        ([UserMessage(text="thanks")], "asked"),
        (hand_back("ana"), None),
        ([UserMessage(text="hello again")], None),
        ([HandoffRequested(reason="taken over by bo"), AgentMessage(text="Bo here", author="bo")], "taken over by bo"),
    ]
    for events, reason in steps:
        store.append(session_id, events)
        listed = conversations_with_a_person(store.engine)
        assert [item.reason for item in listed] == ([reason] if reason else []), events
    seqs = [n for n, e in enumerate(store.load_events(session_id)) if isinstance(e, HandoffRequested)]
    assert conversations_with_a_person(store.engine)[0].agent == "bo" and seqs == [2, 8]


def test_upgrading_finds_the_open_handoffs_in_the_events(store: SqlStore) -> None:
    from alembic import command
    from assistant.store.migrate import alembic_config

    waiting = conversation(store, "user", HandoffRequested(reason="asked"), at=5.0)
    conversation(store, "user", HandoffRequested(reason="asked"), *hand_back("ana"))
    again = conversation(store, "user", HandoffRequested(reason="first"), *hand_back("ana"), "user", HandoffRequested(reason="second"), at=9.0)
    conversation(store, "user", "bot")
    with store.engine.begin() as connection:  # back to before the column, which forgets it
        command.downgrade(alembic_config(connection), "0004")
        command.upgrade(alembic_config(connection), "head")

    listed = conversations_with_a_person(store.engine)

    assert [(item.session_id, item.reason) for item in listed] == [(waiting, "asked"), (again, "second")]
    assert count_with_a_person(store.engine) == 2


def test_the_inbox_never_reads_every_event(store: SqlStore) -> None:
    # SQLite, without statistics, joined from the events side and matched (session, number) pairs by scanning
    # them all: 3 s a refresh at 1.7 million events, every 10 s while the Inbox was open
    for _ in range(3):
        conversation(store, "user", "bot", "user", "bot")
    conversation(store, "user", HandoffRequested(reason="asked"), AgentMessage(text="Hi", author="ana"))
    conversation(store, "user", HandoffRequested(reason="asked"))

    steps = query_plans(store.engine, lambda: conversations_with_a_person(store.engine))

    assert [s for s in steps if re.search(r"^SCAN events\b|Scan on events\b", s) and "Index" not in s] == [], steps
    assert len(conversations_with_a_person(store.engine)) == 2


def test_idle_with_a_person_lists_only_open_handoffs_idle_since_before_the_cutoff(store: SqlStore) -> None:
    from datetime import datetime, timedelta, timezone

    from sqlalchemy import text

    idle = conversation(store, "user", HandoffRequested(reason="old"))
    active = conversation(store, "user", HandoffRequested(reason="recent"))
    closed = conversation(store, "user", HandoffRequested(reason="old"), *hand_back("ana"))
    now = datetime.now(timezone.utc)
    with store.engine.begin() as connection:
        connection.execute(
            text("UPDATE sessions SET updated_at = :then WHERE id IN (:a, :b)"),
            {"then": now - timedelta(days=40), "a": idle, "b": closed},
        )

    assert idle_with_a_person(store.engine, now - timedelta(days=30)) == [idle]
    assert set(idle_with_a_person(store.engine, now + timedelta(seconds=1))) == {idle, active}
