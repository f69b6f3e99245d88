"""One test suite for every TrackerStore: in memory, SQLite, and PostgreSQL when reachable (skipped with
the reason otherwise), plus the wrappers the app uses (spooling and redaction over SQLite).

PostgreSQL: ``TEST_POSTGRES_URL`` (default ``postgresql+psycopg://postgres:postgres@127.0.0.1:5432/test``),
in a schema of this module's own that is dropped and created again (tests/postgres_schemas.py), so reruns
start clean and other modules' PostgreSQL tests are not disturbed.
"""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from sqlalchemy import insert, select

from assistant.privacy import RedactingStore, Redactor
from assistant.store import SpoolingStore, SqlStore, make_engine
from assistant.store.tables import EventRow, TurnRow
from dialog.events import (
    EVENT_TYPES,
    ActionExecuted,
    BotAnswer,
    ClarificationAsked,
    IntentPredicted,
    RetrievalDone,
    SessionStarted,
    SlotRequested,
    SlotSet,
    UserMessage,
)
from dialog.store import ConversationChanged, InMemoryStore, TurnRecord, UnknownSession, load_tracker
from dialog.tracker import Tracker
from postgres_schemas import fresh_schema


@pytest.fixture(scope="module")
def postgres_engine():
    """The store's tables in a schema of their own, made by the migrations as in production."""
    with fresh_schema("test_conversation_store") as url:
        engine = make_engine(url)
        yield engine
        engine.dispose()


def open_store(kind: str, request, tmp_path: Path):
    if kind == "memory":
        return InMemoryStore()
    if kind == "spooling-sqlite":  # the store the app uses: spooling over SQL, with redaction on top
        engine = make_engine(f"sqlite:///{tmp_path / 'store' / 'conversations.db'}")
        request.addfinalizer(engine.dispose)
        spooling = SpoolingStore(SqlStore(engine), tmp_path / "spool" / "turns.jsonl", retry_seconds=None)
        request.addfinalizer(spooling.close)
        return RedactingStore(spooling, Redactor())
    if kind == "sqlite":
        engine = make_engine(f"sqlite:///{tmp_path / 'store' / 'conversations.db'}")
        request.addfinalizer(engine.dispose)
        return SqlStore(engine)
    return SqlStore(request.getfixturevalue("postgres_engine"))


@pytest.fixture(params=["memory", "sqlite", "postgresql", "spooling-sqlite"])
def store(request, tmp_path: Path):
    """Every TrackerStore implementation."""
    return open_store(request.param, request, tmp_path)


@pytest.fixture(params=["sqlite", "postgresql"])
def sql_store(request, tmp_path: Path) -> SqlStore:
    """The SQL store on each database."""
    return open_store(request.param, request, tmp_path)


def stored_turns(store, session_id: str) -> list:
    if isinstance(store, InMemoryStore):
        return [t for t in store.turns if t.session_id == session_id]
    return list(reversed(store.turns(session_id)))  # SqlStore gives the newest first


def sequence_numbers(store, session_id: str) -> list[int] | None:
    if isinstance(store, InMemoryStore):
        return None
    with store.engine.connect() as db:
        return list(db.scalars(select(EventRow.seq).where(EventRow.session_id == session_id).order_by(EventRow.id)))


def record(session_id: str, user_text: str = "Where is my order?", **extra) -> TurnRecord:
    values = dict(
        session_id=session_id,
        user_text=user_text,
        intent="question",
        intent_confidence=0.6,
        action="answer",
        reason="a question for the knowledge base",
        answer="See the Orders page [1].",
        query=user_text,
        retrieved=[{"chunk_id": 12, "doc_id": "orders/status", "score": 0.71}],
        sources=[{"n": 1, "doc_id": "orders/status", "title": "Order status", "heading": "Order status", "cited": True}],
        model="scripted",
        timings_ms={"retrieval_ms": 1.5, "generation_ms": 2.5, "total_ms": 4.5},
    )
    values.update(extra)
    return TurnRecord(**values)


def test_create_session_starts_with_session_started(store) -> None:
    first = store.create_session("cli")
    second = store.create_session()

    assert first != second and len(first) >= 16
    [event] = store.load_events(first)
    assert isinstance(event, SessionStarted) and event.channel == "cli"
    assert store.load_events(second)[0].channel == "web"


def test_append_adds_only_the_new_events_in_order(store) -> None:
    session_id = store.create_session()
    turn_one = [UserMessage(text="hi"), IntentPredicted(intent="greet", confidence=0.95), BotAnswer(text="Hello!", action="small_talk")]
    turn_two = [UserMessage(text="Where is my order?"), BotAnswer(text="See Orders [1].", citations=({"n": 1, "doc_id": "o"},))]

    store.append(session_id, turn_one)
    store.append(session_id, turn_two)

    events = store.load_events(session_id)
    assert events[1:] == turn_one + turn_two
    assert [e.type_name for e in events] == ["session_started", "user", "intent", "bot", "user", "bot"]
    seqs = sequence_numbers(store, session_id)
    if seqs is not None:
        assert seqs == list(range(6))


def test_sessions_do_not_mix(store) -> None:
    a, b = store.create_session(), store.create_session()

    store.append(a, [UserMessage(text="from a")])
    store.append(b, [UserMessage(text="from b"), UserMessage(text="again b")])

    assert [e.text for e in store.load_events(a)[1:]] == ["from a"]
    assert [e.text for e in store.load_events(b)[1:]] == ["from b", "again b"]
    if sequence_numbers(store, a) is not None:
        assert sequence_numbers(store, a) == [0, 1] and sequence_numbers(store, b) == [0, 1, 2]


def test_unknown_session(store) -> None:
    with pytest.raises(UnknownSession) as caught:
        store.load_events("no-such-session")
    assert "no-such-session" in str(caught.value)

    with pytest.raises(UnknownSession):
        store.append("no-such-session", [UserMessage(text="lost")], record("no-such-session"))


def test_turn_records_are_stored(store) -> None:
    session_id = store.create_session()

    store.append(session_id, [UserMessage(text="Where is my order?")], record(session_id))
    store.append(session_id, [UserMessage(text="hi")], record(session_id, "hi", action="small_talk", answer="Hello!"))

    turns = stored_turns(store, session_id)
    assert [t.user_text for t in turns] == ["Where is my order?", "hi"]
    first = turns[0]
    assert first.answer == "See the Orders page [1]."
    assert first.sources[0]["doc_id"] == "orders/status" and first.sources[0]["cited"] is True
    assert first.timings_ms == {"retrieval_ms": 1.5, "generation_ms": 2.5, "total_ms": 4.5}
    assert first.retrieved == [{"chunk_id": 12, "doc_id": "orders/status", "score": 0.71}]
    assert (first.intent, first.action, first.model, first.abstained, first.handoff) == (
        "question", "answer", "scripted", False, False,
    )
    if isinstance(store, SqlStore):
        assert isinstance(first, TurnRow)
        assert first.created_at is not None and first.error is None
        assert store.session_count() >= 1


def test_an_append_expecting_an_older_conversation_stores_nothing(store) -> None:
    session_id = store.create_session()
    seen = len(store.load_events(session_id))
    store.append(session_id, [UserMessage(text="first")], record(session_id, "first"), expected_events=seen)

    with pytest.raises(ConversationChanged) as caught:  # decided on what was there before "first"
        store.append(session_id, [UserMessage(text="stale")], record(session_id, "stale"), expected_events=seen)

    assert session_id in str(caught.value)
    assert [e.text for e in store.load_events(session_id)[1:]] == ["first"]
    assert [t.user_text for t in stored_turns(store, session_id)] == ["first"]
    with pytest.raises(UnknownSession):  # an unknown session is still that, not a change
        store.append("no-such-session", [UserMessage(text="lost")], expected_events=1)


def test_concurrent_appends_to_one_session_keep_every_event_numbered_in_order(sql_store: SqlStore) -> None:
    # several servers (or threads of one) saving turns of one conversation at the same moment
    session_id = sql_store.create_session()
    errors: list[BaseException] = []

    def save_turns(writer: int) -> None:
        try:
            for n in range(10):
                sql_store.append(session_id, [UserMessage(text=f"{writer}.{n}"), BotAnswer(text="ok")], record(session_id))
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)

    writers = [threading.Thread(target=save_turns, args=(w,)) for w in range(6)]
    for thread in writers:
        thread.start()
    for thread in writers:
        thread.join()

    assert errors == []
    events = sql_store.load_events(session_id)
    assert len(events) == 1 + 6 * 10 * 2
    assert sequence_numbers(sql_store, session_id) == list(range(len(events)))
    for writer in range(6):  # each writer's turns in its own order, each question followed by its answer
        mine = [i for i, e in enumerate(events) if isinstance(e, UserMessage) and e.text.startswith(f"{writer}.")]
        assert [events[i].text for i in mine] == [f"{writer}.{n}" for n in range(10)]
        assert all(isinstance(events[i + 1], BotAnswer) for i in mine)
    sql_store.append(session_id, [UserMessage(text="after")], expected_events=len(events))
    assert len(sql_store.turns(session_id, limit=100)) == 60


def test_events_appended_by_a_server_that_does_not_count_them_are_numbered_after(sql_store: SqlStore) -> None:
    # a server of the previous version, still running during an upgrade, numbers its events by the
    # highest stored one and leaves the session's event count behind
    session_id = sql_store.create_session()
    sql_store.append(session_id, [UserMessage(text="one")])
    with sql_store.engine.begin() as db:
        for seq, text_ in [(2, "from the old server"), (3, "and again")]:
            event = UserMessage(text=text_)
            db.execute(insert(EventRow).values(session_id=session_id, seq=seq, type=event.type_name, timestamp=event.timestamp, data=event.to_dict()))

    sql_store.append(session_id, [UserMessage(text="two")], expected_events=4)  # what a reader sees
    sql_store.append(session_id, [UserMessage(text="three")])

    texts = [e.text for e in sql_store.load_events(session_id)[1:]]
    assert texts == ["one", "from the old server", "and again", "two", "three"]
    assert sequence_numbers(sql_store, session_id) == [0, 1, 2, 3, 4, 5]
    with pytest.raises(ConversationChanged):
        sql_store.append(session_id, [UserMessage(text="stale")], expected_events=4)


def test_a_conversation_with_an_event_of_a_newer_version_loads_and_goes_on(sql_store: SqlStore) -> None:
    # a newer server beside this one (during an upgrade) wrote an event type this version does not know
    session_id = sql_store.create_session()
    sql_store.append(session_id, [UserMessage(text="hi")])
    with sql_store.engine.begin() as db:
        newer = {"type": "survey_sent", "timestamp": 1.0, "form": "csat"}
        db.execute(insert(EventRow).values(session_id=session_id, seq=2, type="survey_sent", timestamp=1.0, data=newer))

    events = sql_store.load_events(session_id)
    sql_store.append(session_id, [UserMessage(text="still there?")], expected_events=len(events))

    assert [e.stored_type for e in sql_store.load_events(session_id)] == ["session_started", "user", "survey_sent", "user"]
    assert sql_store.load_events(session_id)[2].to_dict() == newer
    assert load_tracker(sql_store, session_id).turn_count == 2


def test_a_failed_append_stores_nothing(sql_store: SqlStore) -> None:
    store = sql_store
    session_id = store.create_session()

    class Unserialisable:
        pass

    with pytest.raises(Exception):
        store.append(session_id, [UserMessage(text="kept?")], record(session_id, timings_ms={"x": Unserialisable()}))

    assert len(store.load_events(session_id)) == 1
    assert stored_turns(store, session_id) == []


def test_the_type_column_is_the_event_type_for_every_event(sql_store: SqlStore) -> None:
    # the inbox and the transcripts select events by this column
    session_id = sql_store.create_session()
    events = [kind() for name, kind in sorted(EVENT_TYPES.items()) if name != "session_started"]
    sql_store.append(session_id, events[:3])
    sql_store.append(session_id, events[3:])

    with sql_store.engine.connect() as db:
        rows = db.execute(select(EventRow.type, EventRow.data).where(EventRow.session_id == session_id).order_by(EventRow.seq))
        stored = [(row.type, row.data["type"]) for row in rows]
    assert stored == [(name, name) for name in ["session_started", *(e.type_name for e in events)]]


def test_every_event_type_round_trips_and_the_tracker_is_restored(store) -> None:
    session_id = store.create_session()
    turns = [
        [UserMessage(text="Where is my order?"), IntentPredicted(intent="order_status", confidence=0.95, source="rules"),
         SlotRequested(action="order_status", slot="order_number"), BotAnswer(text="Your order number?", action="business")],
        [UserMessage(text="NW-20481736"), SlotSet(name="order_number", value="NW-20481736"),
         ActionExecuted(name="order_status", arguments={"order_number": "NW-20481736"}, result={"found": True}),
         BotAnswer(text="Shipped.", action="business")],
        [UserMessage(text="How do I cancel?"), RetrievalDone(query="How do I cancel?", passages=({"chunk_id": 1, "doc_id": "a", "score": 0.7},)),
         ClarificationAsked(kind="passage", query="How do I cancel?", options=("Orders", "Plus"), values=("orders/x", "subscriptions/y")),
         BotAnswer(text="Which one?", action="clarify")],
    ]
    for events in turns:
        store.append(session_id, events)

    restored = load_tracker(store, session_id)

    assert restored.events[1:] == [e for events in turns for e in events]
    assert restored == Tracker.from_events(session_id, [SessionStarted(timestamp=restored.events[0].timestamp)] + restored.events[1:])
    assert restored.slots == {"order_number": "NW-20481736"} and restored.requested_slot is None
    assert restored.clarification is not None and restored.clarification.options == ("Orders", "Plus")
    assert restored.last_query == "How do I cancel?" and restored.turn_count == 3


def test_load_tracker_of_an_unknown_session(store) -> None:
    with pytest.raises(UnknownSession):
        load_tracker(store, "no-such-session")
