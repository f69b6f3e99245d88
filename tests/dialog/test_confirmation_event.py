"""A business action's question whether it may run ("Shall I go ahead: ...?") is an event of its own,
``ConfirmationRequested``, stored and loaded like the others. Before, it was a ``SlotRequested`` of the slot ``?confirm``:
such events, stored by an earlier version, load as a ``ConfirmationRequested`` and the conversation goes on the same."""

from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest
from sqlalchemy import select, update

from assistant.app import Assistant
from assistant.store import SqlStore, make_engine
from assistant.store.tables import EventRow
from dialog.actions import pending_confirmation
from dialog.business import ActionResult, BusinessActions
from dialog.events import BotAnswer, ConfirmationRequested, Event, SlotRequested, UserMessage
from dialog.manager import DialogManager
from dialog.nlu.base import Understanding
from dialog.nlu.combine import Understander
from dialog.tracker import Tracker
from postgres_schemas import sqlite_or_postgres

MONDAY = datetime(2026, 12, 7, 10, 0, tzinfo=timezone.utc)

database_url = sqlite_or_postgres("test_confirmation_event")


@pytest.fixture
def store(database_url: str):
    store = SqlStore(make_engine(database_url))
    yield store
    store.engine.dispose()


class Asks:
    """A stand-in intent model that reads one message as the request, and every other one as a question."""

    name = "asks"

    def understand(self, text: str) -> Understanding:
        intent = "upgrade_plan" if text == "upgrade me to Pro" else "question"
        return Understanding(intent, 0.9, ranking=((intent, 0.9),), source="classifier")


def _dialog(assistant: Assistant, upgraded: list[str]) -> DialogManager:
    actions = BusinessActions()

    @actions.register(intents=["upgrade_plan"], patterns={"plan": r"Pro|Team"}, confirm=True)
    def upgrade_plan(plan: str) -> ActionResult:
        upgraded.append(plan)
        return ActionResult(f"Your plan is now {plan}.")

    return DialogManager(assistant.store, assistant.manager.answer_action, understander=Understander(Asks()), actions=actions,
                         clock=lambda: MONDAY)


def _stored_types(assistant: Assistant, session: str) -> list[str]:
    with assistant.store.engine.connect() as connection:
        return list(connection.scalars(select(EventRow.type).where(EventRow.session_id == session).order_by(EventRow.seq)))


def test_the_question_is_stored_as_an_event_of_its_own(assistant: Assistant) -> None:
    upgraded: list[str] = []
    manager = _dialog(assistant, upgraded)

    session = manager.handle(None, "upgrade me to Pro").session_id

    types = _stored_types(assistant, session)
    assert "confirmation_requested" in types and "slot_requested" not in types
    assert [e.action for e in manager.store.load_events(session) if isinstance(e, ConfirmationRequested)] == ["upgrade_plan"]
    manager.handle(session, "yes")
    assert upgraded == ["Pro"]


def test_an_old_stored_question_loads_as_one_and_a_yes_runs_the_action(assistant: Assistant) -> None:
    upgraded: list[str] = []
    manager = _dialog(assistant, upgraded)
    session = manager.handle(None, "upgrade me to Pro").session_id
    with assistant.store.engine.begin() as connection:  # as an earlier version stored it
        row = connection.execute(select(EventRow).where(EventRow.session_id == session, EventRow.type == "confirmation_requested")).one()
        old = {"type": "slot_requested", "action": "upgrade_plan", "slot": "?confirm", "again": False, "timestamp": row.timestamp}
        connection.execute(update(EventRow).where(EventRow.id == row.id).values(type="slot_requested", data=old))

    loaded = [e for e in manager.store.load_events(session) if isinstance(e, (ConfirmationRequested, SlotRequested))]
    assert loaded == [ConfirmationRequested(action="upgrade_plan", timestamp=row.timestamp)]
    assert pending_confirmation(manager.tracker(session)) == "upgrade_plan"
    assert manager.handle(session, "go ahead").text == "Your plan is now Pro."
    assert upgraded == ["Pro"]


def test_an_old_question_read_from_json_is_a_confirmation_and_other_slots_stay_slots() -> None:
    old = {"type": "slot_requested", "action": "upgrade_plan", "slot": "?confirm", "again": False, "timestamp": 5.0}
    slot = {"type": "slot_requested", "action": "order_status", "slot": "order_number", "again": True, "timestamp": 6.0}

    assert Event.from_dict(json.loads(json.dumps(old))) == ConfirmationRequested(action="upgrade_plan", timestamp=5.0)
    assert Event.from_dict(slot) == SlotRequested(action="order_status", slot="order_number", again=True, timestamp=6.0)
    assert ConfirmationRequested(action="upgrade_plan").to_dict()["type"] == "confirmation_requested"


def test_an_old_stored_question_loads_as_one_on_sqlite_and_postgresql(store: SqlStore) -> None:
    session = store.create_session()
    store.append(session, [UserMessage(text="upgrade me to Pro"), ConfirmationRequested(action="upgrade_plan"),
                           BotAnswer(text="Shall I go ahead: plan Pro?", action="confirm")])
    with store.engine.begin() as connection:  # as an earlier version stored it
        row = connection.execute(select(EventRow).where(EventRow.session_id == session, EventRow.type == "confirmation_requested")).one()
        old = {"type": "slot_requested", "action": "upgrade_plan", "slot": "?confirm", "again": False, "timestamp": row.timestamp}
        connection.execute(update(EventRow).where(EventRow.id == row.id).values(type="slot_requested", data=old))

    events = store.load_events(session)

    asked = [e for e in events if isinstance(e, (ConfirmationRequested, SlotRequested))]
    assert asked == [ConfirmationRequested(action="upgrade_plan", timestamp=row.timestamp)]
    assert pending_confirmation(Tracker.from_events(session, events)) == "upgrade_plan"
