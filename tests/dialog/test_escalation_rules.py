"""When the assistant hands a conversation to a person on its own, and how the customer takes a handoff back by typing.

The rule (docs/dialog.md, "Handing over"): ``handoff_after_failures`` failed replies in a row hand over; a business
action asking again for a detail counts only its own questions asked again in a row; after the customer said no to
a person (or took a handoff back), only ``DECLINED_FACTOR`` times that count does. While a person has the
conversation, "never mind" (before staff wrote) or "I don't need a person anymore" hands it back as the chat's button
does: the same events, so staff are told and the Inbox drops it.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

import pytest

from assistant.app import Assistant
from assistant.notify import HandoffNotifier, NotifyingStore
from dialog.actions import HANDED_BACK
from dialog.business import demo_actions
from dialog.business_rules import parse_rules
from dialog.events import BotAnswer, HandoffRequested, HandoffResolved, IntentPredicted, UserMessage
from dialog.handoff_cancel import question_with_take_back, takes_back_handoff
from dialog.manager import DECLINED_FACTOR, DialogManager
from dialog.store import InMemoryStore
from dialog.tracker import Tracker

NOTHING = ("xylophone quantum zebra", "zebra xylophone quantum", "quantum zebra xylophone")  # found nowhere
QUESTION = "How long is a password reset link valid?"
WRONG_LOOKUP = "Where is my order NW-20481798? my email is jane.doe@example.com"  # no such order


def manager_for(assistant: Assistant, store: Any = None, **kwargs: Any) -> DialogManager:
    return DialogManager(store or InMemoryStore(), assistant.manager.answer_action, actions=demo_actions(), **kwargs)


def nothing(n: int) -> str:
    return NOTHING[n % len(NOTHING)] + " " * (n // len(NOTHING))


# --- the assistant's own handoff


def test_no_thanks_to_the_offer_of_a_person_is_respected_at_the_next_answer_that_finds_nothing(assistant) -> None:
    # Before: the second answer that found nothing handed over, although the customer had just said no to a person.
    manager = manager_for(assistant, handoff_after_failures=2)
    first = manager.handle(None, nothing(0))
    declined = manager.handle(first.session_id, "no thanks")
    second = manager.handle(first.session_id, nothing(1))
    answered = manager.handle(first.session_id, QUESTION)

    assert first.abstained and (declined.action, declined.intent) == ("small_talk", "deny")
    assert second.abstained and (second.action, second.handoff) == ("answer", False)
    assert "support team" in second.text  # the offer still stands: a "yes" takes it
    assert answered.action == "answer" and not answered.abstained  # answered, not relayed to staff
    assert not manager.tracker(first.session_id).with_person


def test_after_a_decline_the_assistant_hands_over_only_when_clearly_stuck_and_says_why(assistant) -> None:
    manager = manager_for(assistant, handoff_after_failures=2)
    session_id = manager.handle(None, nothing(0)).session_id
    manager.handle(session_id, "no thanks")

    limit = 2 * DECLINED_FACTOR
    replies = [manager.handle(session_id, nothing(n)) for n in range(1, limit + 1)]

    assert [r.handoff for r in replies] == [False] * (limit - 1) + [True]
    assert replies[-1].reason == f"{limit} answers in a row found nothing: handed to a person (the customer had declined a person)"


def test_a_customer_who_declined_can_still_ask_for_a_person_at_once(assistant) -> None:
    manager = manager_for(assistant, handoff_after_failures=2)
    session_id = manager.handle(None, nothing(0)).session_id
    manager.handle(session_id, "no thanks")

    asked = manager.handle(session_id, "I want to talk to a human")

    assert (asked.action, asked.handoff) == ("handoff", True)


def test_a_wrong_detail_after_a_declined_question_is_asked_again_not_handed_over(assistant) -> None:
    # Before: the declined question and the failed lookup made 2 failures in a row, and the customer could not
    # correct the e-mail address (every later message only relayed to staff).
    manager = manager_for(assistant, handoff_after_failures=2)
    session_id = manager.handle(None, nothing(0)).session_id

    failed = manager.handle(session_id, WRONG_LOOKUP)
    number = manager.handle(session_id, "NW-20481736")
    found = manager.handle(session_id, "jane.doe@example.com")

    assert (failed.action, failed.handoff, failed.requested_slot) == ("business", False, "order_number")
    assert (number.action, number.requested_slot) == ("business", "email")
    assert found.action == "business" and "Shipped" in found.text


def test_the_same_detail_wrong_twice_in_a_row_still_hands_over(assistant) -> None:
    manager = manager_for(assistant, handoff_after_failures=2)
    session_id = manager.handle(None, WRONG_LOOKUP).session_id

    again = manager.handle(session_id, "NW-20481797, jane.doe@example.com")

    assert (again.action, again.handoff) == ("handoff", True)
    assert again.reason.endswith("2 replies in a row failed: handed to a person")


def test_tracker_counts_a_decline_and_forgets_it_when_staff_hand_back() -> None:
    offered = [UserMessage(text="?"), IntentPredicted(intent="question"), BotAnswer(text="Shall I connect you?", abstained=True)]
    tracker = Tracker.from_events("s", offered)
    assert tracker.failures == 1 and not tracker.person_declined

    for event in (UserMessage(text="no thanks"), IntentPredicted(intent="deny"), BotAnswer(text="All right.", action="small_talk")):
        tracker.apply(event)
    assert tracker.person_declined and tracker.failures == 0
    assert tracker.consecutive_failures == 1  # what the policies read is as before

    tracker.apply(HandoffRequested(reason="the customer asked for a human"))
    assert not tracker.person_declined
    tracker.apply(HandoffResolved(author="customer"))
    assert tracker.person_declined  # the customer took it back: no person wanted now
    tracker.apply(HandoffRequested(reason="taken over by ana"))
    tracker.apply(HandoffResolved(author="ana"))
    assert not tracker.person_declined


# --- taking a handoff back by typing


# the demo shop's hours: closed on Sundays, open from 08:00 ET on Monday
HOURS = parse_rules({"support_hours": {"timezone": "America/New_York", "label": "ET", "hours": {
    "monday": "08:00-20:00", "saturday": "09:00-17:00"}}})
SUNDAY = datetime(2026, 12, 6, 12, 0, tzinfo=timezone.utc)
MONDAY = datetime(2026, 12, 7, 15, 0, tzinfo=timezone.utc)


def test_outside_support_hours_the_assistant_says_when_people_are_back_instead_of_handing_over(assistant) -> None:
    # Before: "I'm handing you over to a member of our support team. They will see this conversation and reply here.",
    # with a note that nobody would reply until Monday: a handoff to nobody, and every later message relayed to no one.
    manager = manager_for(assistant, handoff_after_failures=2, rules=HOURS, clock=lambda: SUNDAY)
    session_id = manager.handle(None, nothing(0)).session_id

    second = manager.handle(session_id, nothing(1))
    answered = manager.handle(session_id, QUESTION)

    assert not second.handoff and second.action == "answer" and second.abstained
    assert not manager.tracker(session_id).handoff_requested
    assert "back on Monday at 08:00 ET" in second.text and "leave them a message" in second.text
    assert answered.action == "answer" and "30 minutes" in answered.text  # the assistant still answers


def test_outside_support_hours_when_people_are_back_is_said_once_then_failed_replies_are_plain(assistant) -> None:
    # The same "back on Monday ... leave them a message" came after every further failed question.
    manager = manager_for(assistant, handoff_after_failures=2, rules=HOURS, clock=lambda: SUNDAY)
    session_id = manager.handle(None, nothing(0)).session_id
    offered = manager.handle(session_id, nothing(1))

    later = [manager.handle(session_id, nothing(n)) for n in (2, 3)]

    assert "leave them a message" in offered.text
    assert all(r.abstained and not r.handoff and "leave them a message" not in r.text for r in later)
    assert all(r.text == manager.replies.not_found for r in later)
    assert not manager.tracker(session_id).handoff_requested
    yes = manager.handle(session_id, "yes")  # the plain reply's offer of a person still hands over, saying when
    assert yes.handoff and "Monday at 08:00 ET" in yes.text


def test_outside_support_hours_a_yes_to_the_message_offer_hands_over_with_when_a_person_replies(assistant) -> None:
    manager = manager_for(assistant, handoff_after_failures=2, rules=HOURS, clock=lambda: SUNDAY)
    session_id = manager.handle(None, nothing(0)).session_id
    manager.handle(session_id, nothing(1))

    yes = manager.handle(session_id, "yes")

    assert yes.handoff and "Monday at 08:00 ET" in yes.text
    assert manager.tracker(session_id).with_person


def test_within_support_hours_the_assistant_still_hands_over_on_its_own(assistant) -> None:
    manager = manager_for(assistant, handoff_after_failures=2, rules=HOURS, clock=lambda: MONDAY)
    session_id = manager.handle(None, nothing(0)).session_id

    second = manager.handle(session_id, nothing(1))

    assert second.handoff and second.action == "handoff" and "never mind" in second.text


@pytest.mark.parametrize("text", ["never mind", "no I don't need a person anymore", "ok forget it", "cancel the handoff"])
def test_a_typed_take_back_hands_the_conversation_back_and_the_next_question_is_answered(assistant, text: str) -> None:
    # Before: relayed to staff ("Thank you, I've added that to your conversation"), and every later question with it.
    manager = manager_for(assistant)
    session_id = manager.handle(None, "I want to talk to a human").session_id

    back = manager.handle(session_id, text)
    answered = manager.handle(session_id, QUESTION)

    assert (back.action, back.handoff, back.text) == ("hand_back", False, HANDED_BACK)
    events = manager.store.load_events(session_id)
    [resolved] = [e for e in events if isinstance(e, HandoffResolved)]
    assert resolved.author == "customer"  # as the chat's button and DELETE /handoff record it
    assert answered.action == "answer" and "30 minutes" in answered.text


@pytest.mark.parametrize("text", [
    f"actually no, I'll just ask you. {QUESTION}",
    f"{QUESTION} I don't need a person anymore",
    f"no need for a person, {QUESTION.lower()}",
])
def test_a_question_asked_with_the_take_back_is_answered_at_once(assistant, text: str) -> None:
    # Before: handed back with "You're back with the assistant. Ask me anything ...", the question left unanswered.
    notifier = RecordingNotifier()
    manager = manager_for(assistant, NotifyingStore(InMemoryStore(), notifier))
    session_id = manager.handle(None, "I want to talk to a human").session_id

    answered = manager.handle(session_id, text)

    assert answered.action == "answer" and "30 minutes" in answered.text and not answered.handoff
    assert not manager.tracker(session_id).with_person
    events = manager.store.load_events(session_id)
    assert [e.author for e in events if isinstance(e, HandoffResolved)] == ["customer"]
    assert [e.text for e in events if isinstance(e, UserMessage)][-1] == text  # the message as typed is kept
    assert [n["kind"] for n in notifier.sent] == ["handoff", "handed_back"]  # staff are told, as of the button


def test_a_take_back_with_no_question_only_hands_back() -> None:
    assert question_with_take_back("I don't need a person anymore, thanks") is None
    assert question_with_take_back("never mind") is None
    assert question_with_take_back("actually no, I'll just ask you. how much is shipping?") == "how much is shipping?"


def test_after_staff_wrote_a_plain_never_mind_goes_to_them_but_no_person_wanted_hands_back(assistant) -> None:
    manager = manager_for(assistant)
    session_id = manager.handle(None, "I want to talk to a human").session_id
    manager.reply_as_staff(session_id, "Ana here. Shall I refund the shipping?", author="ana")

    to_staff = manager.handle(session_id, "no thanks")
    back = manager.handle(session_id, "I don't need a person anymore, thanks")

    assert to_staff.action == "relay" and back.action == "hand_back"
    assert not manager.tracker(session_id).with_person


def test_messages_that_do_not_take_the_handoff_back_still_go_to_staff(assistant) -> None:
    manager = manager_for(assistant)
    session_id = manager.handle(None, "I want to talk to a human").session_id

    # not QUESTION: a help-centre question of its own is answered while the handoff waits (test_answers_while_waiting)
    messages = ("it's fine, where is my refund?", "Hello? Is anyone there?", "I don't want a person to see my address")
    results = [manager.handle(session_id, text) for text in messages]

    assert [r.action for r in results] == ["relay"] * 3
    assert manager.tracker(session_id).with_person


def test_an_escalation_taken_back_by_typing_is_not_repeated_at_the_next_two_misses(assistant) -> None:
    manager = manager_for(assistant, handoff_after_failures=2)
    session_id = manager.handle(None, nothing(0)).session_id
    escalated = manager.handle(session_id, nothing(1))
    manager.handle(session_id, "never mind")

    again = [manager.handle(session_id, nothing(n)) for n in (2, 3)]

    assert escalated.handoff and "never mind" in escalated.text  # the customer is told how to take it back
    assert [r.handoff for r in again] == [False, False]


class RecordingNotifier(HandoffNotifier):
    """Keeps the notices instead of posting them."""

    def __init__(self) -> None:
        super().__init__("http://127.0.0.1:9/unused")
        self.sent: list[dict[str, Any]] = []

    def send_later(self, body: dict[str, Any]) -> bool:
        self.sent.append(body)
        return True


def test_staff_are_told_of_a_typed_take_back_as_of_the_button(assistant) -> None:
    notifier = RecordingNotifier()
    manager = manager_for(assistant, NotifyingStore(InMemoryStore(), notifier))
    session_id = manager.handle(None, "I want to talk to a human").session_id

    manager.handle(session_id, "never mind")

    assert [n["kind"] for n in notifier.sent] == ["handoff", "handed_back"]
    assert notifier.sent[1]["author"] == "customer" and notifier.sent[1]["session_id"] == session_id


def test_take_back_wording() -> None:
    assert takes_back_handoff("actually no, I'll just ask you", staff_replied=True)
    assert takes_back_handoff("Never mind!", staff_replied=False)
    assert not takes_back_handoff("Never mind!", staff_replied=True)  # may answer a staff question
    assert not takes_back_handoff("I want to cancel my order", staff_replied=False)
    assert not takes_back_handoff("can I ask you something", staff_replied=False)
