"""DialogManager.handle(): load the conversation, understand, choose an action, act, save."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from dialog.actions import ActionOutcome, AnswerFromKnowledgeBase, fallback, hand_off, small_talk
from dialog.events import Event, FeedbackGiven, IntentPredicted, UserMessage
from dialog.nlu.rules import RuleBasedIntents
from dialog.policies import DEFAULT_POLICIES, Policy, choose
from dialog.store import ConversationStore, TurnRecord
from dialog.tracker import Tracker

log = logging.getLogger(__name__)


class InvalidMessage(ValueError):
    """A customer message that cannot be handled (empty, too long); the text is shown to the customer."""


@dataclass
class TurnResult:
    """The outcome of one turn, as the UI, CLI and API show it."""

    session_id: str
    text: str
    action: str
    reason: str
    intent: str
    sources: list[dict[str, Any]] = field(default_factory=list)
    abstained: bool = False
    handoff: bool = False
    model: str | None = None
    timings_ms: dict[str, float] = field(default_factory=dict)
    turn_no: int = 0  # 1 for the conversation's first turn; feedback names the turn by it

    @property
    def cited_sources(self) -> list[dict[str, Any]]:
        """Sources the answer cites; when it cites none, all passages it was written from."""
        cited = [s for s in self.sources if s.get("cited")]
        return cited or list(self.sources)


@dataclass
class TurnUpdate:
    """A streaming step: the reply so far, and the full result once ``done``."""

    text: str
    session_id: str = ""
    done: bool = False
    result: TurnResult | None = None


def validate_message(text: str, max_chars: int) -> str:
    """The message stripped, or InvalidMessage with a message meant for the customer."""
    if not isinstance(text, str) or not text.strip():
        raise InvalidMessage("Please type a question: the message is empty.")
    text = text.strip()
    if len(text) > max_chars:
        raise InvalidMessage(
            f"Your message is {len(text):,} characters long; the limit is {max_chars:,}. "
            "Please shorten it to the question itself."
        )
    return text


class DialogManager:
    """Runs turns. Holds no per-conversation state: everything is replayed from the store."""

    def __init__(
        self,
        store: ConversationStore,
        answer_action: AnswerFromKnowledgeBase,
        max_message_chars: int = 4000,
        policies: Sequence[Policy] = DEFAULT_POLICIES,
    ) -> None:
        self.store = store
        self.answer_action = answer_action
        self.max_message_chars = max_message_chars
        self.policies = tuple(policies)
        self.intents = RuleBasedIntents()

    def start_session(self, channel: str = "web") -> str:
        return self.store.create_session(channel)

    def tracker(self, session_id: str) -> Tracker:
        return Tracker.from_events(session_id, self.store.load_events(session_id))

    def give_feedback(
        self, session_id: str, turn_no: int, rating: int | None, comment: str | None = None, source: str = "customer"
    ) -> None:
        """Record thumbs up (+1) or down (-1) and/or a comment on turn ``turn_no`` of a conversation.

        InvalidMessage when there is nothing to record, the rating is not ±1, the comment is too long or
        the turn does not exist; UnknownSession for an unknown conversation.
        """
        comment = (comment or "").strip() or None
        if rating not in (None, 1, -1):
            raise InvalidMessage("A rating is 1 (thumbs up) or -1 (thumbs down).")
        if rating is None and comment is None:
            raise InvalidMessage("Give a thumbs up or down, or write a comment.")
        if comment is not None and len(comment) > self.max_message_chars:
            raise InvalidMessage(f"The comment is {len(comment):,} characters long; the limit is {self.max_message_chars:,}.")
        turns = self.tracker(session_id).turn_count
        if not 1 <= turn_no <= turns:
            raise InvalidMessage(f"This conversation has {turns} turn(s); there is no turn {turn_no}.")
        self.store.append(session_id, [FeedbackGiven(turn_no=turn_no, rating=rating, comment=comment, source=source)])

    def handle(self, session_id: str | None, text: str, channel: str = "web") -> TurnResult:
        """Run one turn to the end (see ``stream``)."""
        update = TurnUpdate("")
        for update in self.stream(session_id, text, channel):
            pass
        assert update.result is not None
        return update.result

    def stream(self, session_id: str | None, text: str, channel: str = "web") -> Iterator[TurnUpdate]:
        """Run one turn, yielding the reply as it is written; the last update carries the result.

        With ``session_id`` None, a conversation on ``channel`` is started for the message, once it has
        passed validation. InvalidMessage (before anything is stored) for a message that cannot be
        handled; UnknownSession for an id the store does not know.
        """
        started = time.perf_counter()
        text = validate_message(text, self.max_message_chars)
        session_id = session_id or self.start_session(channel)
        tracker = self.tracker(session_id)
        timings: dict[str, float] = {}

        step = time.perf_counter()
        understanding = self.intents.understand(text)
        prediction = choose([policy.predict(tracker, understanding) for policy in self.policies])
        timings["understanding_ms"] = (time.perf_counter() - step) * 1000
        new_events: list[Event] = [
            UserMessage(text=text),
            IntentPredicted(intent=understanding.intent, confidence=understanding.confidence),
        ]

        if prediction.action == "handoff":
            steps = hand_off(prediction.reason)
        elif prediction.action == "small_talk":
            steps = small_talk(understanding.intent)
        elif prediction.action == "answer":
            steps = self.answer_action.run(tracker, text)
        else:
            steps = fallback(prediction.reason)

        outcome, reply, action = None, "", prediction.action
        try:
            for step_output in steps:
                if isinstance(step_output, ActionOutcome):
                    outcome = step_output
                else:
                    reply += step_output
                    yield TurnUpdate(reply, session_id)
        except Exception as error:  # a broken index or model must not lose the turn
            log.exception("action %s failed in session %s", prediction.action, session_id)
            action = "fallback"
            outcome = next(o for o in fallback(f"{type(error).__name__}: {error}") if isinstance(o, ActionOutcome))
        assert outcome is not None

        timings.update(outcome.timings_ms)
        timings["total_ms"] = (time.perf_counter() - started) * 1000
        reason = outcome.reason or (
            "the model found no answer in the passages" if outcome.abstained and outcome.model else prediction.reason
        )
        if outcome.error:
            reason = f"{reason} ({outcome.error})"
        record = TurnRecord(
            session_id=session_id,
            user_text=text,
            intent=understanding.intent,
            intent_confidence=understanding.confidence,
            action=action,
            reason=reason,
            answer=outcome.text,
            query=outcome.query,
            retrieved=outcome.retrieved,
            sources=outcome.sources,
            abstained=outcome.abstained,
            handoff=outcome.handoff,
            model=outcome.model,
            timings_ms={k: round(v, 1) for k, v in timings.items()},
            error=outcome.error,
            turn_no=tracker.turn_count + 1,
            index_version=outcome.index_version,
        )
        self.store.append(session_id, new_events + outcome.events, record)
        result = TurnResult(
            session_id=session_id,
            text=outcome.text,
            action=action,
            reason=reason,
            intent=understanding.intent,
            sources=outcome.sources,
            abstained=outcome.abstained,
            handoff=outcome.handoff,
            model=outcome.model,
            timings_ms=record.timings_ms,
            turn_no=record.turn_no or 0,
        )
        yield TurnUpdate(outcome.text, session_id, done=True, result=result)
