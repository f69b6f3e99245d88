"""Staff take over a handed-off conversation: the customer's messages go to them, they reply, they hand back."""

from __future__ import annotations

import pytest

from assistant.app import Assistant
from dialog.actions import HANDED_BACK, RELAYED
from dialog.events import AgentMessage, BotAnswer, HandoffRequested, HandoffResolved, UserMessage
from dialog.manager import DialogManager, InvalidMessage
from dialog.store import InMemoryStore

HANDOFF_REQUEST = "I want to talk to a human"
QUESTION = "How long is a password reset link valid?"
# what the customer tells the person who will reply: relayed, not searched, also before staff write
FOR_STAFF = "My parcel never arrived, the order number is NW-20481736."


def manager_for(assistant: Assistant, store: InMemoryStore | None = None, **kwargs) -> DialogManager:
    return DialogManager(store or InMemoryStore(), assistant.manager.answer_action, **kwargs)


def handed_off(manager: DialogManager) -> str:
    result = manager.handle(None, HANDOFF_REQUEST)
    assert result.action == "handoff"
    return result.session_id


def test_after_a_handoff_messages_go_to_staff_and_are_acknowledged_until_staff_write(assistant) -> None:
    manager = manager_for(assistant)
    session_id = handed_off(manager)

    # a detail for staff (a help-centre question of its own is answered before staff write: test_answers_while_waiting)
    first = manager.handle(session_id, FOR_STAFF)
    second = manager.handle(session_id, "Hello? Anyone there?")
    manager.reply_as_staff(session_id, "Ana here.", author="ana")
    third = manager.handle(session_id, "Great, thanks")

    assert (first.action, first.text) == ("relay", RELAYED) and (second.action, second.text) == ("relay", RELAYED)
    assert (third.action, third.text) == ("relay", "")  # a person is talking with the customer: no bot reply
    assert not first.sources and not second.sources  # nothing was searched or answered
    assert "waiting for a person" in second.reason and "with ana" in third.reason
    assert [t.action for t in manager.store.turns] == ["handoff", "relay", "relay", "relay"]
    assert manager.tracker(session_id).turn_count == 4


def test_a_staff_reply_is_stored_and_the_assistant_stays_quiet(assistant) -> None:
    manager = manager_for(assistant)
    session_id = handed_off(manager)

    manager.reply_as_staff(session_id, "  Hi, I'm Ana. How can I help?  ", author="ana")
    after = manager.handle(session_id, QUESTION)

    [reply] = [e for e in manager.store.load_events(session_id) if isinstance(e, AgentMessage)]
    assert (reply.text, reply.author) == ("Hi, I'm Ana. How can I help?", "ana")
    assert (after.action, after.text) == ("relay", "")
    assert "with ana" in after.reason
    tracker = manager.tracker(session_id)
    assert tracker.with_person and tracker.agent == "ana"


def test_handing_back_tells_the_customer_and_the_assistant_answers_again(assistant) -> None:
    manager = manager_for(assistant)
    session_id = handed_off(manager)
    manager.reply_as_staff(session_id, "Sorted, anything else?", author="ana")

    manager.hand_back(session_id, author="ana")
    answered = manager.handle(session_id, QUESTION)

    events = manager.store.load_events(session_id)
    resolved = next(i for i, e in enumerate(events) if isinstance(e, HandoffResolved))
    assert isinstance(events[resolved + 1], BotAnswer) and events[resolved + 1].text == HANDED_BACK
    assert answered.action == "answer" and not answered.abstained
    assert "30 minutes" in answered.text
    assert not manager.tracker(session_id).with_person


def test_a_reply_to_a_conversation_not_handed_off_takes_it_over(assistant) -> None:
    manager = manager_for(assistant)
    session_id = manager.handle(None, QUESTION).session_id

    manager.reply_as_staff(session_id, "I'm joining to help with this.", author="bo")
    after = manager.handle(session_id, "Thanks! And how do I change my e-mail?")

    [taken] = [e for e in manager.store.load_events(session_id) if isinstance(e, HandoffRequested)]
    assert taken.reason == "taken over by bo"
    assert after.action == "relay"


def test_staff_input_that_cannot_be_used_is_refused_and_nothing_is_stored(assistant) -> None:
    manager = manager_for(assistant, max_message_chars=50)
    session_id = manager.handle(None, QUESTION).session_id
    stored = len(manager.store.load_events(session_id))

    with pytest.raises(InvalidMessage, match="nothing to hand back"):
        manager.hand_back(session_id, author="ana")
    with pytest.raises(InvalidMessage, match="empty"):
        manager.reply_as_staff(session_id, "   ", author="ana")
    with pytest.raises(InvalidMessage, match="limit is 50"):
        manager.reply_as_staff(session_id, "x" * 51, author="ana")

    assert len(manager.store.load_events(session_id)) == stored


def test_a_restarted_manager_keeps_relaying(assistant) -> None:
    store = InMemoryStore()
    session_id = handed_off(manager_for(assistant, store))

    restarted = manager_for(assistant, store)  # a new process over the same store

    assert restarted.handle(session_id, FOR_STAFF).action == "relay"


def test_without_relay_the_assistant_keeps_answering_after_a_handoff(assistant) -> None:
    manager = manager_for(assistant, relay_to_person=False)
    session_id = handed_off(manager)

    result = manager.handle(session_id, QUESTION)

    assert result.action == "answer" and "30 minutes" in result.text


def test_after_a_hand_back_repeated_failures_hand_off_again(assistant) -> None:
    manager = manager_for(assistant, handoff_after_failures=2)
    session_id = handed_off(manager)
    manager.hand_back(session_id, author="ana")

    first = manager.handle(session_id, "xylophone quantum zebra")
    second = manager.handle(session_id, "zebra xylophone quantum")

    assert first.abstained and not first.handoff
    assert second.action == "handoff" and manager.tracker(session_id).with_person


def test_staff_replies_reach_the_customer_unredacted_while_customer_text_is_redacted(assistant) -> None:
    manager = assistant.manager  # the app's store: personal data redacted before storage (the default)
    session_id = manager.handle(None, "I want to talk to a human, write to jo@example.com").session_id

    manager.reply_as_staff(session_id, "Call us on +44 20 7946 0958 or write to refunds@example.com.", author="ana")

    events = manager.store.load_events(session_id)
    [reply] = [e for e in events if isinstance(e, AgentMessage)]
    assert reply.text == "Call us on +44 20 7946 0958 or write to refunds@example.com."
    assert "jo@example.com" not in str([e.to_dict() for e in events if not isinstance(e, AgentMessage)])


class InterruptedStore(InMemoryStore):
    """Runs ``meanwhile`` once, just after the next read of a conversation: someone else writing to it
    between another writer's read and write (a second member of staff, another server)."""

    def __init__(self) -> None:
        super().__init__()
        self.meanwhile = None

    def load_events(self, session_id: str):
        events = super().load_events(session_id)
        hook, self.meanwhile = self.meanwhile, None
        if hook is not None:
            hook()
        return events


def test_two_staff_handing_back_at_once_make_one_hand_back(assistant) -> None:
    store = InterruptedStore()
    manager = manager_for(assistant, store)
    session_id = handed_off(manager)
    store.meanwhile = lambda: manager.hand_back(session_id, author="ben")

    with pytest.raises(InvalidMessage, match="nothing to hand back"):
        manager.hand_back(session_id, author="ana")  # decided again on the new state: ben already did

    assert [e.author for e in store.load_events(session_id) if isinstance(e, HandoffResolved)] == ["ben"]


def test_two_staff_replying_at_once_take_the_conversation_over_once(assistant) -> None:
    store = InterruptedStore()
    manager = manager_for(assistant, store)
    session_id = manager.handle(None, QUESTION).session_id
    store.meanwhile = lambda: manager.reply_as_staff(session_id, "Ben here.", author="ben")

    manager.reply_as_staff(session_id, "Ana here.", author="ana")

    events = store.load_events(session_id)
    assert [e.reason for e in events if isinstance(e, HandoffRequested)] == ["taken over by ben"]
    assert [(e.author, e.text) for e in events if isinstance(e, AgentMessage)] == [("ben", "Ben here."), ("ana", "Ana here.")]


def test_an_api_handoff_while_staff_take_over_adds_nothing(assistant) -> None:
    store = InterruptedStore()
    manager = manager_for(assistant, store)
    session_id = manager.handle(None, QUESTION).session_id
    store.meanwhile = lambda: manager.reply_as_staff(session_id, "Ben here.", author="ben")

    manager.request_handoff(session_id, "customer asked")

    assert [e.reason for e in store.load_events(session_id) if isinstance(e, HandoffRequested)] == ["taken over by ben"]


def test_a_turn_saved_after_another_turn_got_in_is_numbered_after_it(assistant) -> None:
    # the customer sends two messages at once (two tabs, two servers): each turn keeps its own number
    store = InterruptedStore()
    manager = manager_for(assistant, store)
    session_id = manager.handle(None, "Hello").session_id
    other: list = []
    store.meanwhile = lambda: other.append(manager.handle(session_id, "Thanks"))

    late = manager.handle(session_id, QUESTION)

    assert (other[0].turn_no, late.turn_no) == (2, 3)
    assert [(t.turn_no, t.user_text) for t in store.turns] == [(1, "Hello"), (2, "Thanks"), (3, QUESTION)]
    assert manager.tracker(session_id).turn_count == 3
    assert late.action == "answer" and late.sources  # the reply shown was kept


def test_a_turn_kept_waiting_by_many_writes_is_still_numbered_after_them(assistant) -> None:
    # a burst: after each of the turn's reads, another message lands first (12 times in a row)
    store = InterruptedStore()
    manager = manager_for(assistant, store)
    session_id = manager.handle(None, "Hello").session_id
    others = iter(range(12))

    def another_message() -> None:
        n = next(others, None)
        if n is not None:
            store.append(session_id, [UserMessage(text=f"also {n}")])
            store.meanwhile = another_message  # and again after the next read

    store.meanwhile = another_message
    late = manager.handle(session_id, QUESTION)

    assert late.turn_no == 1 + 12 + 1
    assert store.turns[-1].turn_no == 14 and store.turns[-1].user_text == QUESTION
    assert manager.tracker(session_id).turn_count == 14
