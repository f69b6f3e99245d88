"""Conversation events: frozen records of what happened, each with a type name and to/from dict.

The conversation state (``dialog.tracker.Tracker``) is derived only by replaying these.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field, fields
from typing import Any, ClassVar

EVENT_TYPES: dict[str, type[Event]] = {}


def _now() -> float:
    return time.time()


@dataclass(frozen=True)
class Event:
    """Base class; subclasses set ``type_name`` and register themselves."""

    type_name: ClassVar[str] = "event"
    timestamp: float = field(default_factory=_now, kw_only=True)

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        EVENT_TYPES[cls.type_name] = cls

    def to_dict(self) -> dict[str, Any]:
        return {"type": self.type_name, **asdict(self)}

    @staticmethod
    def from_dict(data: dict[str, Any]) -> Event:
        """Rebuild an event from ``to_dict`` output; unknown types are an error, unknown keys are ignored."""
        kind = EVENT_TYPES.get(data.get("type", ""))
        if kind is None:
            raise ValueError(f"unknown event type {data.get('type')!r}")
        names = {f.name for f in fields(kind)}
        values = {k: v for k, v in data.items() if k in names}
        for key in ("citations", "passages"):  # JSON gives lists; the events hold tuples
            if key in values:
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


@dataclass(frozen=True)
class SessionEnded(Event):
    type_name: ClassVar[str] = "session_ended"


@dataclass(frozen=True)
class FeedbackGiven(Event):
    """Thumbs up (+1) or down (-1) and/or a comment on turn ``turn_no``, by a customer or a reviewer."""

    type_name: ClassVar[str] = "feedback"
    turn_no: int = 0
    rating: int | None = None
    comment: str | None = None
    source: str = "customer"
    author: str | None = None
