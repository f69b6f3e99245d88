"""A question of its own, asked while the conversation waits for a person, is answered from the help centre.

Before, every message after a handoff went to staff unanswered until one of them wrote (or, out of support hours,
until the next opening), also "how much does express shipping cost?", which the help centre answers. Now, until a
member of staff has written, such a question (``asks_the_help_centre``) is answered when the search finds an answer,
and the handoff stays queued: staff still see the message, and the Inbox still lists the conversation. Anything
else (details for staff, the case, the wait, a question the help centre cannot answer) is relayed as before.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from assistant.app import Assistant
from assistant.store.inbox import conversations_with_a_person
from dialog.actions import RELAYED
from dialog.business import demo_actions
from dialog.business_rules import parse_rules
from dialog.events import AgentMessage, HandoffRequested, HandoffResolved, UserMessage
from dialog.handoff_cancel import asks_the_help_centre
from dialog.manager import DialogManager
from dialog.replies import Replies
from dialog.store import InMemoryStore

HANDOFF_REQUEST = "I want to talk to a human"
QUESTION = "How much does express shipping cost?"
STILL_QUEUED = Replies().answered_while_waiting
HOURS = {"support_hours": {"timezone": "America/New_York", "label": "ET", "hours": {"monday": "08:00-20:00"}}}
SUNDAY = datetime(2026, 12, 6, 17, 0, tzinfo=timezone.utc)  # closed
MONDAY = datetime(2026, 12, 7, 15, 0, tzinfo=timezone.utc)  # 10:00 ET, open


def manager_for(assistant: Assistant, store: Any = None, **kwargs: Any) -> DialogManager:
    return DialogManager(store or InMemoryStore(), assistant.manager.answer_action, actions=demo_actions(), **kwargs)


def handed_off(manager: DialogManager) -> str:
    result = manager.handle(None, HANDOFF_REQUEST)
    assert result.action == "handoff"
    return result.session_id


def test_a_question_of_its_own_while_waiting_for_a_person_is_one_the_help_centre_may_answer() -> None:
    for text in ("ok can i use paypal instead", "how much is shipping?", "do you ship to Australia?", "ok how do i use a promo code",
                 "how much is shipping to Canada?"):
        assert asks_the_help_centre(text, staff_replied=False), text
        assert not asks_the_help_centre(text, staff_replied=True), text  # once staff wrote, everything goes to them
    # details for staff, the case itself, the wait: for the person
    for text in ("I TRIED 3 CARDS", "Aero Kettle, order NW-20481736, jane.doe@example.com", "what do I do now 🙏",
                 "when will someone reply?", "is there any update?", "any news?", "why?", "can i return it?", "thanks!",
                 "how long do I have to wait?"):
        assert not asks_the_help_centre(text, staff_replied=False), text
    # the customer's own case told with a general question: for the person (it was answered with fragments of the
    # damaged-items and refunds articles)
    for text in ("My package arrived broken, how do I get a refund?", "I was charged twice, can you refund me?",
                 "my order is late, where is it?", "you sent the wrong size, can I swap it?"):
        assert not asks_the_help_centre(text, staff_replied=False), text
    assert asks_the_help_centre("can I pay with my gift card?", staff_replied=False)  # "my" alone tells no case


def test_a_help_centre_question_while_waiting_is_answered_and_the_handoff_stays_queued(assistant) -> None:
    manager = manager_for(assistant)
    session_id = handed_off(manager)

    answered = manager.handle(session_id, QUESTION)

    assert answered.action == "answer" and not answered.abstained and not answered.handoff
    assert "$12.50" in answered.text and answered.text.endswith(STILL_QUEUED)
    assert "waits for a person" in answered.reason
    tracker = manager.tracker(session_id)
    assert tracker.with_person and tracker.agent is None  # still queued for staff
    events = manager.store.load_events(session_id)
    assert sum(isinstance(e, HandoffRequested) for e in events) == 1 and not any(isinstance(e, HandoffResolved) for e in events)
    assert any(isinstance(e, UserMessage) and e.text == QUESTION for e in events)  # staff see it in the transcript


def test_while_waiting_what_is_for_staff_or_not_found_is_relayed(assistant) -> None:
    manager = manager_for(assistant)
    session_id = handed_off(manager)

    for text in ("when will someone reply?", "my order is NW-20481736, can you check it?", "can you flux the xylophone quantum zebra?",
                 "I'd like to talk to a person please"):
        result = manager.handle(session_id, text)
        assert (result.action, result.text) == ("relay", RELAYED), text
        assert not result.sources and not result.abstained
    assert manager.tracker(session_id).with_person


def test_while_waiting_a_question_the_help_centre_cannot_answer_shows_no_part_of_its_decline(assistant) -> None:
    manager = manager_for(assistant)
    session_id = handed_off(manager)

    updates = list(manager.stream(session_id, "can you flux the xylophone quantum zebra?"))

    assert [update.text for update in updates] == [RELAYED]  # the decline was not streamed before the relay
    assert updates[-1].done and updates[-1].result is not None and updates[-1].result.action == "relay"
    assert "the help centre had no answer" in updates[-1].result.reason


def test_once_staff_have_written_every_message_goes_to_them(assistant) -> None:
    manager = manager_for(assistant)
    session_id = handed_off(manager)
    manager.reply_as_staff(session_id, "Ana here, looking into it.", author="ana")

    after = manager.handle(session_id, QUESTION)

    assert (after.action, after.text) == ("relay", "")


def test_out_of_support_hours_a_question_after_the_handoff_is_answered(assistant) -> None:
    # Before: relayed, and unanswered until Monday 08:00 ET although the help centre has the answer
    manager = manager_for(assistant, rules=parse_rules(HOURS), clock=lambda: SUNDAY)
    session_id = manager.handle(None, HANDOFF_REQUEST).session_id
    assert "Monday at 08:00 ET" in manager.tracker(session_id).exchanges[-1][1]

    answered = manager.handle(session_id, QUESTION)

    assert answered.action == "answer" and "$12.50" in answered.text and manager.tracker(session_id).with_person


def test_in_hours_after_two_failed_questions_the_next_answerable_question_is_answered(assistant) -> None:
    # Before: the assistant's own handoff after two misses sent the next question to staff unanswered
    manager = manager_for(assistant, rules=parse_rules(HOURS), clock=lambda: MONDAY, handoff_after_failures=2)
    session_id = manager.handle(None, "xylophone quantum zebra").session_id
    assert manager.handle(session_id, "zebra xylophone quantum").action == "handoff"

    answered = manager.handle(session_id, QUESTION)

    assert answered.action == "answer" and "$12.50" in answered.text and not answered.handoff
    assert manager.tracker(session_id).with_person


def test_the_inbox_still_lists_a_conversation_whose_question_was_answered_while_waiting(assistant) -> None:
    manager = assistant.manager  # the app's SQL store, which the Inbox reads
    session_id = manager.handle(None, HANDOFF_REQUEST).session_id

    answered = manager.handle(session_id, "How long is a password reset link valid?")

    assert answered.action == "answer" and "30 minutes" in answered.text
    [item] = [i for i in conversations_with_a_person(assistant.sql_store.engine) if i.session_id == session_id]
    assert item.awaiting_reply and item.agent is None
    manager.reply_as_staff(session_id, "Ana here.", author="ana")
    assert any(isinstance(e, AgentMessage) for e in manager.store.load_events(session_id))
