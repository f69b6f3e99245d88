"""Conversation state derived only by replaying events. No I/O."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from dialog.events import BotAnswer, Event, HandoffRequested, IntentPredicted, SessionEnded, UserMessage


@dataclass
class Tracker:
    """What a conversation has come to: its events, exchanges, latest intent and handoff state."""

    session_id: str
    events: list[Event] = field(default_factory=list)
    exchanges: list[tuple[str, str]] = field(default_factory=list)  # (user text, bot text)
    latest_intent: str | None = None
    handoff_requested: bool = False
    ended: bool = False
    consecutive_abstentions: int = 0
    _pending_user: str | None = None

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
            self._pending_user = event.text
        elif isinstance(event, IntentPredicted):
            self.latest_intent = event.intent
        elif isinstance(event, BotAnswer):
            if self._pending_user is not None:
                self.exchanges.append((self._pending_user, event.text))
                self._pending_user = None
            self.consecutive_abstentions = self.consecutive_abstentions + 1 if event.abstained else 0
        elif isinstance(event, HandoffRequested):
            self.handoff_requested = True
        elif isinstance(event, SessionEnded):
            self.ended = True

    @property
    def turn_count(self) -> int:
        return sum(isinstance(e, UserMessage) for e in self.events)
