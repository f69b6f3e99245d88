"""Conversation events: frozen records of what happened, each with a type name and to/from dict.

The conversation state (``dialog.tracker.Tracker``) is derived only by replaying these.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field, fields
from typing import Any, ClassVar

EVENT_TYPES: dict[str, type[Event]] = {}
TUPLE_FIELDS = ("citations", "passages", "options", "values")


def _now() -> float:
    return time.time()


@dataclass(frozen=True)
class Event:
    """Base class; subclasses set ``type_name`` and register themselves."""

    type_name: ClassVar[str] = "event"
    timestamp: float = field(default_factory=_now, kw_only=True)

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if cls.type_name:
            EVENT_TYPES[cls.type_name] = cls

    @property
    def stored_type(self) -> str:
        """The type name as stored (``to_dict()["type"]``)."""
        return self.type_name

    def to_dict(self) -> dict[str, Any]:
        return {"type": self.type_name, **asdict(self)}

    @staticmethod
    def from_dict(data: dict[str, Any]) -> Event:
        """Rebuild an event from ``to_dict`` output; unknown keys are ignored, and a type this version does
        not know (written by a newer one) comes back as an ``UnknownEvent``. No type at all is an error."""
        if not data.get("type"):
            raise ValueError(f"unknown event type {data.get('type')!r}: the event has no type")
        data = _as_confirmation(data)
        kind = EVENT_TYPES.get(data["type"])
        if kind is None:
            return UnknownEvent(data=dict(data), timestamp=float(data.get("timestamp") or 0.0))
        names = {f.name for f in fields(kind)}
        values = {k: v for k, v in data.items() if k in names}
        for key in TUPLE_FIELDS:  # JSON gives lists; the events hold tuples
            if key in values and values[key] is not None:
                values[key] = tuple(values[key])
        return kind(**values)


@dataclass(frozen=True)
class SessionStarted(Event):
    type_name: ClassVar[str] = "session_started"
    channel: str = "web"


@dataclass(frozen=True)
class UserMessage(Event):
    type_name: ClassVar[str] = "user"
    text: str = ""


@dataclass(frozen=True)
class IntentPredicted(Event):
    type_name: ClassVar[str] = "intent"
    intent: str = ""
    confidence: float = 0.0
    source: str = "rules"  # which detector decided: "rules", "classifier", "clarification"


@dataclass(frozen=True)
class RetrievalDone(Event):
    type_name: ClassVar[str] = "retrieval"
    query: str = ""
    passages: tuple[dict[str, Any], ...] = ()  # {"chunk_id", "doc_id", "score"}


@dataclass(frozen=True)
class BotAnswer(Event):
    type_name: ClassVar[str] = "bot"
    text: str = ""
    action: str = "answer"
    citations: tuple[dict[str, Any], ...] = ()  # {"n", "doc_id", "title", "heading", "url"}
    abstained: bool = False


@dataclass(frozen=True)
class HandoffRequested(Event):
    type_name: ClassVar[str] = "handoff"
    reason: str = ""


TAKEN_OVER_BY = "taken over by "  # a handoff's reason when staff took the conversation over by replying, then their name


@dataclass(frozen=True)
class AgentMessage(Event):
    """A member of staff wrote to the customer (from the review pages' inbox)."""

    type_name: ClassVar[str] = "agent"
    text: str = ""
    author: str = ""  # the name the customer sees
    # who sent it: a review login (the Inbox), "staff-api:sha256:<12 hex>" (the staff API's key), "cli:<OS user>" (the
    # CLI); "" before 2026-12-05
    login: str = ""


@dataclass(frozen=True)
class HandoffResolved(Event):
    """Staff handed the conversation back to the assistant, which answers again from the next message."""

    type_name: ClassVar[str] = "handoff_resolved"
    author: str = ""


@dataclass(frozen=True)
class SlotSet(Event):
    """A slot was filled (or cleared, with ``value`` None) from what the customer wrote or an action did."""

    type_name: ClassVar[str] = "slot"
    name: str = ""
    value: Any = None


@dataclass(frozen=True)
class SlotRequested(Event):
    """A business action is waiting for a slot: the bot asked for it, the next message may fill it."""

    type_name: ClassVar[str] = "slot_requested"
    action: str = ""
    slot: str = ""
    again: bool = False  # asked again: the reply to the question for it gave no usable value (a failed turn)


# the slot of the ``SlotRequested`` that recorded a ``ConfirmationRequested`` before it had an event of its own
# (until 2026-12-06); no parameter can have this name
CONFIRM_SLOT = "?confirm"


@dataclass(frozen=True)
class ConfirmationRequested(Event):
    """A business action registered with ``confirm=True`` has its values and asked whether it may run ("Shall I go
    ahead: ...?"); a yes to the next reply runs it (``dialog.actions.pending_confirmation``)."""

    type_name: ClassVar[str] = "confirmation_requested"
    action: str = ""


def _as_confirmation(data: dict[str, Any]) -> dict[str, Any]:
    """A stored event as its type is now: the ``SlotRequested`` of the slot ``?confirm`` that recorded a confirmation
    before it had an event of its own is a ``ConfirmationRequested``; any other event is left as it is."""
    if data.get("type") != SlotRequested.type_name or data.get("slot") != CONFIRM_SLOT:
        return data
    confirmation = {"type": ConfirmationRequested.type_name, "action": data.get("action", "")}
    return confirmation | ({"timestamp": data["timestamp"]} if "timestamp" in data else {})


@dataclass(frozen=True)
class ActionExecuted(Event):
    """A business action (a registered Python function) ran with these arguments."""

    type_name: ClassVar[str] = "action"
    name: str = ""
    arguments: dict[str, Any] = field(default_factory=dict)
    result: dict[str, Any] = field(default_factory=dict)
    ok: bool = True


@dataclass(frozen=True)
class ClarificationAsked(Event):
    """The bot asked which of a few close readings the customer meant (shown as buttons).

    ``kind`` is "intent" (``values`` are intent names) or "passage" (``values`` are document ids);
    ``query`` is the question being clarified.
    """

    type_name: ClassVar[str] = "clarification"
    kind: str = "passage"
    query: str = ""
    options: tuple[str, ...] = ()
    values: tuple[str, ...] = ()


@dataclass(frozen=True)
class SessionEnded(Event):
    type_name: ClassVar[str] = "session_ended"


@dataclass(frozen=True)
class FeedbackGiven(Event):
    """Thumbs up (+1) or down (-1) and/or a comment on turn ``turn_no``, by a customer or a reviewer. A
    rating of 0 takes that rater's earlier thumb back; None (a comment alone) leaves it as it is."""

    type_name: ClassVar[str] = "feedback"
    turn_no: int = 0
    rating: int | None = None
    comment: str | None = None
    source: str = "customer"
    author: str | None = None


@dataclass(frozen=True)
class UnknownEvent(Event):
    """An event of a type this version does not know, written by a newer version running beside it (during
    an upgrade). It is kept as it was, so the conversation's events still count and store the same, and the
    tracker and transcripts pass over it."""

    type_name: ClassVar[str] = ""  # not registered: never made from a type name
    data: dict[str, Any] = field(default_factory=dict)

    @property
    def stored_type(self) -> str:
        return str(self.data.get("type"))

    def to_dict(self) -> dict[str, Any]:
        return dict(self.data)
