"""Where conversations are kept: the TrackerStore protocol, the per-turn decision record, an in-memory store.

A store keeps each conversation as its append-only list of events; the tracker (``dialog.tracker``) is
rebuilt from them (``load_tracker``), and a save appends only the events of the new turn. Implementations:
``InMemoryStore`` here, ``assistant.store.SqlStore`` (SQLAlchemy: SQLite, PostgreSQL), and the wrappers
``SpoolingStore`` and ``RedactingStore``; all pass one shared test suite (tests/dialog/test_tracker_store.py).
"""

from __future__ import annotations

import secrets
import threading
from dataclasses import dataclass, field
from typing import Any, Protocol

from dialog.events import Event, SessionStarted
from dialog.tracker import Tracker


class UnknownSession(KeyError):
    """No conversation with this id exists."""

    def __str__(self) -> str:
        return f"No conversation with id {self.args[0]!r}."


class ConversationChanged(RuntimeError):
    """The conversation gained events after the caller read it (another server, another member of staff):
    nothing was stored; read it again and decide again."""

    def __str__(self) -> str:
        return f"Conversation {self.args[0]!r} changed meanwhile; try again."


@dataclass(frozen=True)
class TurnRecord:
    """One decision record per turn: what was asked, what was decided and why, how long each step took."""

    session_id: str
    user_text: str
    intent: str
    intent_confidence: float
    action: str
    reason: str
    answer: str
    query: str | None = None
    retrieved: list[dict[str, Any]] = field(default_factory=list)  # {"chunk_id", "doc_id", "score"}
    sources: list[dict[str, Any]] = field(default_factory=list)  # {"n", "doc_id", "title", "heading", "cited", ...}
    abstained: bool = False
    handoff: bool = False
    model: str | None = None
    timings_ms: dict[str, float] = field(default_factory=dict)
    error: str | None = None
    turn_no: int | None = None  # 1 for the session's first turn
    index_version: str | None = None  # when the knowledge-base index was last updated

    @property
    def top_score(self) -> float | None:
        """The best retrieved passage's score; None when nothing was retrieved."""
        return max((p["score"] for p in self.retrieved), default=None)

    @property
    def latency_ms(self) -> float | None:
        return self.timings_ms.get("total_ms")


class TrackerStore(Protocol):
    """Sessions, their events (append-only) and their turn records."""

    def create_session(self, channel: str = "web") -> str: ...

    def load_events(self, session_id: str) -> list[Event]:
        """All events of a session in order; UnknownSession if there is none."""
        ...

    def append(
        self, session_id: str, events: list[Event], turn: TurnRecord | None = None, expected_events: int | None = None
    ) -> None:
        """Append new events (and the turn's record) in one transaction: the save of a turn.

        ``expected_events``: how many events the caller read; if the conversation has another number by
        now, nothing is stored and ConversationChanged is raised (optimistic concurrency).
        """
        ...


ConversationStore = TrackerStore  # the earlier name, still used across the project


class StoreWrapper:
    """A TrackerStore around another one: subclasses change ``append``; everything else (``create_session``,
    ``load_events``, and any other attribute such as ``turns`` or ``engine``) is the wrapped store's."""

    def __init__(self, store: TrackerStore) -> None:
        self.wrapped = store

    def create_session(self, channel: str = "web", **kwargs: Any) -> str:
        return self.wrapped.create_session(channel, **kwargs)

    def load_events(self, session_id: str) -> list[Event]:
        return self.wrapped.load_events(session_id)

    def append(
        self, session_id: str, events: list[Event], turn: TurnRecord | None = None, expected_events: int | None = None
    ) -> None:
        self.wrapped.append(session_id, events, turn, expected_events)

    def __getattr__(self, name: str) -> Any:
        if name == "wrapped":  # not set yet (copy, pickle): do not recurse
            raise AttributeError(name)
        return getattr(self.wrapped, name)


def load_tracker(store: TrackerStore, session_id: str) -> Tracker:
    """The conversation's state, replayed from its stored events; UnknownSession if there is none."""
    return Tracker.from_events(session_id, store.load_events(session_id))


def new_session_id() -> str:
    """An unguessable session id (128 random bits, URL-safe), never starting with "-", so that a command
    line does not take it for an option."""
    while True:
        session_id = secrets.token_urlsafe(16)
        if not session_id.startswith("-"):
            return session_id


class InMemoryStore:
    """A TrackerStore in a dict, for tests and throwaway runs."""

    def __init__(self) -> None:
        self.events: dict[str, list[Event]] = {}
        self.turns: list[TurnRecord] = []
        self._lock = threading.Lock()

    def create_session(self, channel: str = "web") -> str:
        session_id = new_session_id()
        with self._lock:
            self.events[session_id] = [SessionStarted(channel=channel)]
        return session_id

    def load_events(self, session_id: str) -> list[Event]:
        with self._lock:
            if session_id not in self.events:
                raise UnknownSession(session_id)
            return list(self.events[session_id])

    def append(
        self, session_id: str, events: list[Event], turn: TurnRecord | None = None, expected_events: int | None = None
    ) -> None:
        with self._lock:
            if session_id not in self.events:
                raise UnknownSession(session_id)
            if expected_events is not None and expected_events != len(self.events[session_id]):
                raise ConversationChanged(session_id)
            self.events[session_id].extend(events)
            if turn is not None:
                self.turns.append(turn)
