"""Events round-trip through dicts (and JSON); the tracker is rebuilt by replaying them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assistant.store import SqlStore, make_engine
from dialog.actions import AnswerFromKnowledgeBase
from dialog.events import (
    EVENT_TYPES,
    ActionExecuted,
    AgentMessage,
    BotAnswer,
    ClarificationAsked,
    ConfirmationRequested,
    Event,
    FeedbackGiven,
    HandoffRequested,
    HandoffResolved,
    IntentPredicted,
    RetrievalDone,
    SessionEnded,
    SessionStarted,
    SlotRequested,
    SlotSet,
    UnknownEvent,
    UserMessage,
)
from dialog.manager import DialogManager
from dialog.tracker import Tracker

SAMPLES: dict[str, Event] = {
    "session_started": SessionStarted(channel="cli", timestamp=1.5),
    "user": UserMessage(text="Where is my order?", timestamp=2.0),
    "intent": IntentPredicted(intent="question", confidence=0.6, source="classifier", timestamp=2.1),
    "retrieval": RetrievalDone(
        query="Where is my order?", passages=({"chunk_id": -5, "doc_id": "orders/status", "score": 0.8},), timestamp=2.2
    ),
    "bot": BotAnswer(
        text="See Orders [1].",
        action="answer",
        citations=({"n": 1, "doc_id": "orders/status", "title": "Order status", "heading": "Order status", "url": None},),
        abstained=False,
        timestamp=2.3,
    ),
    "handoff": HandoffRequested(reason="the customer asked for a human", timestamp=3.0),
    "agent": AgentMessage(text="Hi, I'm Ana from support.", author="ana", timestamp=3.1),
    "handoff_resolved": HandoffResolved(author="ana", timestamp=3.2),
    "feedback": FeedbackGiven(turn_no=1, rating=-1, comment="wrong article", source="customer", timestamp=3.5),
    "session_ended": SessionEnded(timestamp=4.0),
    "slot": SlotSet(name="order_number", value="NW-20481736", timestamp=2.4),
    "slot_requested": SlotRequested(action="order_status", slot="order_number", timestamp=2.5),
    "confirmation_requested": ConfirmationRequested(action="upgrade_plan", timestamp=2.55),
    "action": ActionExecuted(
        name="order_status", arguments={"order_number": "NW-20481736"}, result={"found": True}, ok=True, timestamp=2.6
    ),
    "clarification": ClarificationAsked(
        kind="passage", query="How do I cancel?", options=("Cancel an order", "Cancel a membership"),
        values=("orders/cancelling-an-order", "subscriptions/cancel-membership"), timestamp=2.7,
    ),
}


def test_samples_cover_every_event_type() -> None:
    assert set(SAMPLES) == set(EVENT_TYPES)
    assert all(type(event) is EVENT_TYPES[name] for name, event in SAMPLES.items())


@pytest.mark.parametrize("type_name", sorted(EVENT_TYPES))
def test_to_dict_from_dict_round_trip(type_name: str) -> None:
    event = SAMPLES[type_name]

    data = event.to_dict()

    assert data["type"] == type_name
    assert Event.from_dict(data) == event
    assert Event.from_dict(json.loads(json.dumps(data))) == event  # as stored in the database
    assert Event.from_dict({**data, "added_later": 1}) == event  # unknown keys are ignored


@pytest.mark.parametrize("type_name", sorted(EVENT_TYPES))
def test_defaults_round_trip(type_name: str) -> None:
    event = EVENT_TYPES[type_name]()

    assert Event.from_dict(json.loads(json.dumps(event.to_dict()))) == event
    assert event.timestamp > 0


@pytest.mark.parametrize("data", [{"text": "no type"}, {"type": "", "text": "empty type"}])
def test_an_event_without_a_type_is_an_error(data: dict) -> None:
    with pytest.raises(ValueError, match="unknown event type"):
        Event.from_dict(data)


def test_an_event_of_a_newer_version_is_kept_as_it_is_and_passed_over() -> None:
    newer = {"type": "teleport", "to": "billing", "timestamp": 1700000000.5}

    event = Event.from_dict(newer)

    assert isinstance(event, UnknownEvent) and event.stored_type == "teleport" and event.timestamp == 1700000000.5
    assert event.to_dict() == newer  # stored again unchanged
    events = conversation()
    with_newer = [*events[:3], event, *events[3:]]
    plain, mixed = Tracker.from_events("s", events), Tracker.from_events("s", with_newer)
    assert len(mixed.events) == len(plain.events) + 1  # it still counts
    assert (mixed.exchanges, mixed.slots, mixed.latest_intent, mixed.turn_count) == (
        plain.exchanges, plain.slots, plain.latest_intent, plain.turn_count,
    )


def test_events_are_frozen() -> None:
    with pytest.raises(AttributeError):
        SAMPLES["user"].text = "changed"  # type: ignore[misc]


def conversation() -> list[Event]:
    return [
        SessionStarted(),
        UserMessage(text="Where is my parcel?"),
        IntentPredicted(intent="question", confidence=0.6),
        BotAnswer(text="I couldn't find it.", abstained=True),
        UserMessage(text="And my refund?"),
        IntentPredicted(intent="question", confidence=0.6),
        BotAnswer(text="Still nothing.", abstained=True),
        UserMessage(text="Let me talk to a human"),
        IntentPredicted(intent="human", confidence=0.95),
        HandoffRequested(reason="asked"),
        BotAnswer(text="Handing you over.", action="handoff"),
    ]


def test_replay_gives_exchanges_handoff_and_abstention_count() -> None:
    events = conversation()

    tracker = Tracker.from_events("s1", events[:7])

    assert tracker.exchanges == [("Where is my parcel?", "I couldn't find it."), ("And my refund?", "Still nothing.")]
    assert tracker.consecutive_abstentions == 2
    assert not tracker.handoff_requested
    assert tracker.turn_count == 2

    tracker = Tracker.from_events("s1", events + [SessionEnded()])

    assert tracker.handoff_requested and tracker.ended
    assert tracker.latest_intent == "human"
    assert tracker.consecutive_abstentions == 0  # the handoff reply is not an abstention
    assert tracker.exchanges[-1] == ("Let me talk to a human", "Handing you over.")
    assert tracker.turn_count == 3
    assert tracker.events == events + [tracker.events[-1]]


def test_replay_is_deterministic() -> None:
    events = conversation()

    assert Tracker.from_events("s", events) == Tracker.from_events("s", list(events))


def test_conversation_continues_after_a_restart(assistant, settings, tmp_path: Path) -> None:
    manager = assistant.manager
    session_id = manager.start_session("web")
    manager.handle(session_id, "How long is a password reset link valid?")
    assistant.store.engine.dispose()

    # a new process: new engine and store on the same SQLite file
    store = SqlStore(make_engine(settings.database_url))
    answer = AnswerFromKnowledgeBase(assistant.retriever, assistant.generator, top_k=3, min_score=0.35, max_new_tokens=160)
    restarted = DialogManager(store, answer)
    before = restarted.tracker(session_id)
    assert before.exchanges[0][0] == "How long is a password reset link valid?"
    assert "30 minutes" in before.exchanges[0][1]

    restarted.handle(session_id, "I want to talk to a human")

    tracker = restarted.tracker(session_id)
    assert len(tracker.exchanges) == 2
    assert tracker.handoff_requested
    assert tracker.events[: len(before.events)] == before.events
    assert len(store.turns(session_id)) == 2


def test_slots_forms_and_clarifications_are_replayed() -> None:
    asked = ClarificationAsked(kind="passage", query="How do I cancel?", options=("A", "B"), values=("a", "b"))
    events = [
        SessionStarted(),
        UserMessage(text="where is my order?"),
        SlotRequested(action="order_status", slot="order_number"),
        BotAnswer(text="What is your order number?", action="business"),
    ]

    tracker = Tracker.from_events("s", events)
    assert tracker.requested_slot == ("order_status", "order_number")

    events += [
        UserMessage(text="NW-20481736"),
        SlotSet(name="order_number", value="NW-20481736"),
        ActionExecuted(name="order_status", arguments={"order_number": "NW-20481736"}),
        BotAnswer(text="Shipped.", action="business"),
        UserMessage(text="How do I cancel?"),
        asked,
        BotAnswer(text="Which one?", action="clarify"),
    ]
    tracker = Tracker.from_events("s", events)
    assert tracker.slots == {"order_number": "NW-20481736"}
    assert tracker.requested_slot is None
    assert tracker.clarification == asked and tracker.last_action == "clarify"

    tracker.apply(SlotSet(name="order_number", value=None))
    tracker.apply(BotAnswer(text="Answer.", action="answer"))
    assert tracker.slots == {} and tracker.clarification is None


def test_a_form_is_dropped_when_the_bot_answers_something_else() -> None:
    tracker = Tracker.from_events(
        "s",
        [SlotRequested(action="order_status", slot="order_number"), BotAnswer(text="Order number?", action="business")],
    )
    assert tracker.requested_slot is not None

    tracker.apply(RetrievalDone(query="How much is express shipping?"))
    tracker.apply(BotAnswer(text="$12.50.", action="answer"))

    assert tracker.requested_slot is None and tracker.last_query == "How much is express shipping?"


def test_failures_count_abstentions_and_fallbacks_and_offer_a_person() -> None:
    tracker = Tracker.from_events("s", [BotAnswer(text="?", abstained=True)])
    assert tracker.consecutive_failures == 1 and tracker.handoff_offered

    tracker.apply(BotAnswer(text="Hello!", action="small_talk"))  # small talk neither counts nor resets
    tracker.apply(BotAnswer(text="Sorry.", action="fallback"))
    assert tracker.consecutive_failures == 2 and tracker.consecutive_abstentions == 0

    tracker.apply(BotAnswer(text="Here is how.", action="answer"))
    assert tracker.consecutive_failures == 0 and not tracker.handoff_offered


def test_a_filler_reply_leaves_the_conversation_as_it_was() -> None:
    """"hmm" or "you there?" is answered with "I'm here": the offer of a person, the slot asked for and the open
    clarifying question all still stand, so "yes", the order number or "the second one" work after it."""
    asked = ClarificationAsked(kind="passage", query="How do I cancel?", options=("A", "B"), values=("a", "b"))
    opened = [
        [BotAnswer(text="I couldn't find that. Shall I connect you?", abstained=True)],
        [SlotRequested(action="order_status", slot="order_number"), BotAnswer(text="Your order number?", action="business")],
        [asked, BotAnswer(text="Which one?", action="clarify")],
    ]
    for events in opened:
        tracker = Tracker.from_events("s", [SessionStarted(), UserMessage(text="question"), *events])
        before = (tracker.handoff_offered, tracker.requested_slot, tracker.clarification, tracker.consecutive_failures,
                  tracker.last_action)
        for event in (UserMessage(text="hmm"), IntentPredicted(intent="filler"), BotAnswer(text="I'm here.", action="small_talk")):
            tracker.apply(event)
        assert (tracker.handoff_offered, tracker.requested_slot, tracker.clarification, tracker.consecutive_failures,
                tracker.last_action) == before
        assert tracker.exchanges[-1] == ("hmm", "I'm here.")


def test_a_staff_message_after_a_hand_back_does_not_give_the_conversation_to_a_person() -> None:
    # e.g. a reply spooled during an outage that reaches the database after another server's hand-back:
    # only a handoff gives a person the conversation, as the staff inbox counts it
    events = [
        HandoffRequested(reason="asked"), AgentMessage(text="Hi", author="ana"), HandoffResolved(author="ana"),
        UserMessage(text="thanks"), AgentMessage(text="One more thing", author="ana"),
    ]

    tracker = Tracker.from_events("s", events)

    assert not tracker.with_person and tracker.agent is None
    assert Tracker.from_events("s", events[:2]).agent == "ana"
