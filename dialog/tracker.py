"""Conversation state derived only by replaying events. No I/O.

Everything the policies look at (slots, the slot a business action waits for, an open clarifying
question, how many answers in a row failed, the last standalone query) is folded from the events, so a
conversation restored from the store after a restart continues where it stopped.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from dialog.events import (
    ActionExecuted,
    AgentMessage,
    BotAnswer,
    ClarificationAsked,
    Event,
    HandoffRequested,
    HandoffResolved,
    IntentPredicted,
    RetrievalDone,
    SessionEnded,
    SlotRequested,
    SlotSet,
    UserMessage,
)

# Bot replies that neither count as a failure nor end one: they keep the count of failed answers.
NEUTRAL_ACTIONS = ("clarify", "small_talk")
# the author of a hand-back the customer made (the chat's button, DELETE /handoff, a typed "never mind")
CUSTOMER = "customer"


def option_named(clarification: ClarificationAsked | None, text: str) -> int | None:
    """Which option of the clarifying question the message names (a button's label, or its place: "2",
    "the first one"), if any."""
    if clarification is None:
        return None
    wanted = text.strip().rstrip(".!").casefold()
    named = next((i for i, option in enumerate(clarification.options) if option.casefold() == wanted), None)
    return named if named is not None else option_at_place(text, len(clarification.options))


_PLACES = {"first": 0, "1st": 0, "second": 1, "2nd": 1, "third": 2, "3rd": 2, "fourth": 3, "4th": 3, "fifth": 4, "5th": 4}
# German places in every ending: "die erste", "den zweiten", "das dritte"
_PLACES |= {f"{stem}{end}": place for place, stem in enumerate(("erst", "zweit", "dritt", "viert", "fünft")) for end in ("e", "en", "er", "es")}
_LAST = {"last"} | {f"letzt{end}" for end in ("e", "en", "er", "es")}
# the words around a place: "the second one, please", "option 2", "number 1", "#2"; "die zweite, bitte", "Nummer 2"
_AROUND_PLACE = re.compile(
    r"\b(?:the|one|option|number|no|please|pls|i mean|i meant|thanks|thank you"
    r"|die|der|das|den|nummer|nr|bitte|danke|ich meine|ich meinte)\b|[#.!,:()]",
    re.IGNORECASE,
)


def option_at_place(text: str, count: int) -> int | None:
    """The option a message picks by its place among ``count`` ("2", "option 2", "the second one", "the
    last one"), 0-based; None when the message says anything else."""
    words = _AROUND_PLACE.sub(" ", text.casefold()).split()
    if len(words) != 1:
        return None
    word = words[0]
    # isdecimal, not isdigit: int() refuses "²"; and a number of more digits than any option could have is none
    number = word.isdecimal() and len(word) <= 3
    place = int(word) - 1 if number else count - 1 if word in _LAST else _PLACES.get(word, -1)
    return place if 0 <= place < count else None


@dataclass
class Tracker:
    """What a conversation has come to: its events, exchanges, slots, latest intent and handoff state."""

    session_id: str
    events: list[Event] = field(default_factory=list)
    exchanges: list[tuple[str, str]] = field(default_factory=list)  # (user text, bot text)
    latest_intent: str | None = None
    handoff_requested: bool = False  # the conversation was handed to a person at some point
    with_person: bool = False  # handed to a person and not handed back yet: staff answer, not the assistant
    agent: str | None = None  # the member of staff who wrote last since the handoff
    ended: bool = False
    consecutive_abstentions: int = 0
    consecutive_failures: int = 0  # replies in a row that abstained, fell back, or were a business action that failed or asked again
    # what the assistant's own handoff counts (see ``escalation_streak``): the failed replies in a row as above, counted
    # again from 0 when the customer says no to a person, and a business action's questions asked again in a row (its
    # lookup failed, or the reply did not give the detail)
    failures: int = 0
    asked_again: int = 0
    # the customer said no to the offer of a person, or took a handoff back, since a person last had the conversation:
    # the assistant hands over on its own only at a higher count
    person_declined: bool = False
    slots: dict[str, Any] = field(default_factory=dict)
    requested_slot: tuple[str, str] | None = None  # (business action, slot) the bot asked for
    clarification: ClarificationAsked | None = None  # the open clarifying question, if the bot just asked one
    # the clarifying question the customer's last message answered, and the option picked ("the other one" next)
    chosen_option: tuple[ClarificationAsked, int] | None = None
    # the last standalone query sent to retrieval, in the customer's words: without the help centre's synonyms, which each
    # search adds again (``DialogManager._in_own_words``), so that a follow-up's brackets read what the customer said
    # None again once a business action has run after that query's message: a question after a finished lookup is no
    # follow-up of the one asked before it ("How do I cancel?" after a repair's status was searched "How do I cancel (the
    # status of my repair)?" and got the booking steps; alone it is declined)
    last_query: str | None = None
    last_action: str | None = None  # the action of the last bot reply
    last_business_action: str | None = None  # the business action that ran last (its name)
    last_runs: dict[str, dict[str, Any]] = field(default_factory=dict)  # each action's arguments in its last successful run
    last_answer_docs: tuple[str, ...] = ()  # the documents the last knowledge-base answer cited
    # the intent reading (label, confidence) of the message the last knowledge-base answer answered: "tell me more"
    # continues it, with the threshold that answer had (an intent's topic lets a lower-scoring passage answer)
    answered_intent: tuple[str, float] | None = None
    _latest_reading: tuple[str, float] | None = None
    handoff_offered: bool = False  # the last reply offered a person (a declined or failed answer)
    _pending_user: str | None = None
    _business_failed: bool = False  # the business action failed, or asks again for a slot the last reply did not give
    _messages: int = 0  # the customer's messages so far
    _query_message: int = 0  # the message whose turn searched ``last_query``

    @classmethod
    def from_events(cls, session_id: str, events: Iterable[Event]) -> Tracker:
        tracker = cls(session_id)
        for event in events:
            tracker.apply(event)
        return tracker

    def apply(self, event: Event) -> None:
        """Fold one event into the state."""
        self.events.append(event)
        if isinstance(event, UserMessage):
            self._messages += 1
            self._pending_user = event.text
            picked = option_named(self.clarification, event.text)
            self.chosen_option = (self.clarification, picked) if self.clarification is not None and picked is not None else None
        elif isinstance(event, IntentPredicted):
            self.latest_intent = event.intent
            self._latest_reading = (event.intent, event.confidence)
        elif isinstance(event, SlotSet):
            if event.value is None:
                self.slots.pop(event.name, None)
            else:
                self.slots[event.name] = event.value
        elif isinstance(event, SlotRequested):
            self.requested_slot = (event.action, event.slot)
            self._business_failed = self._business_failed or event.again
        elif isinstance(event, ActionExecuted):
            self.requested_slot = None
            self._business_failed = not event.ok
            self.last_business_action = event.name
            if self._query_message < self._messages:  # searched in an earlier turn: the lookup ended that topic
                self.last_query = None
            if event.ok:
                self.last_runs[event.name] = dict(event.arguments)
        elif isinstance(event, ClarificationAsked):
            self.clarification = event
        elif isinstance(event, RetrievalDone):
            self.last_query, self._query_message = event.query, self._messages
        elif isinstance(event, BotAnswer):
            self._apply_bot(event)
        elif isinstance(event, HandoffRequested):
            self.handoff_requested = self.with_person = True
            self.requested_slot = None
            self.person_declined = False
        elif isinstance(event, AgentMessage):
            if self.with_person:  # a person has it only by a handoff (as the staff inbox counts it)
                self.agent = event.author
        elif isinstance(event, HandoffResolved):
            self.with_person, self.agent = False, None
            self.consecutive_failures = self.consecutive_abstentions = self.failures = self.asked_again = 0
            self.handoff_offered = False
            # the customer taking it back (the chat's button, DELETE /handoff, "never mind") does not want a person now
            self.person_declined = event.author == CUSTOMER
        elif isinstance(event, SessionEnded):
            self.ended = True

    def _apply_bot(self, event: BotAnswer) -> None:
        if self._pending_user is not None:
            self.exchanges.append((self._pending_user, event.text))
            self._pending_user = None
        if event.action == "small_talk" and self.latest_intent == "filler":
            return  # "hmm", "you there?": an offer of a person, an open question, a slot asked for all still stand
        self.consecutive_abstentions = self.consecutive_abstentions + 1 if event.abstained else 0
        answer_failed = event.abstained or event.action == "fallback"
        asked_again = event.action == "business" and self._business_failed
        failed = answer_failed or asked_again
        self._business_failed = False
        if failed:
            self.consecutive_failures += 1
            self.failures += 1
        elif event.action not in NEUTRAL_ACTIONS:
            self.consecutive_failures = self.failures = 0
        if asked_again:
            self.asked_again += 1
        elif event.action not in NEUTRAL_ACTIONS:
            self.asked_again = 0
        if event.action == "small_talk" and self.latest_intent == "deny" and self.handoff_offered:
            # "no thanks" to "Would you like me to connect you with a person?": respected, the counts start again
            self.person_declined = True
            self.failures = self.asked_again = 0
        if event.action != "clarify":
            self.clarification = None
        # the bot moved on: the form waiting for a slot is dropped; small talk in between ("are you a bot?",
        # "hi") keeps it, except a "no" or a goodbye
        keeps_form = event.action == "small_talk" and self.latest_intent not in ("deny", "goodbye")
        if event.action != "business" and not keeps_form:
            self.requested_slot = None
        # "oh no" after an answer is met with the offer of a person, which a "yes" takes (it is no failed answer)
        dismay = event.action == "small_talk" and self.latest_intent == "dismay"
        self.handoff_offered = (failed or dismay) and event.action != "handoff"
        self.last_action = event.action
        if event.action == "answer" and not event.abstained:
            self.last_answer_docs = tuple(dict.fromkeys(c["doc_id"] for c in event.citations if c.get("doc_id")))
            self.answered_intent = self._latest_reading

    def escalation_streak(self, answer_failed: bool, asked_again: bool) -> int:
        """The count the assistant's own handoff compares with its threshold, with one more reply that failed. A
        business action that asks again for a detail (its lookup failed, the reply did not give it) counts only its
        own questions asked again in a row: one wrong e-mail address after a declined question is asked again, so the
        customer can correct it. An answer that found nothing or fell back counts every failed reply in a row since the
        customer last said no to a person (a detail asked again and then a declined question: the customer is stuck).
        0 for a reply that did not fail."""
        if asked_again:
            return self.asked_again + 1
        return self.failures + 1 if answer_failed else 0

    @property
    def turn_count(self) -> int:
        return sum(isinstance(e, UserMessage) for e in self.events)
