"""Tell staff when a conversation is handed to a person: a JSON POST to a webhook.

The notice has a ``text`` field, so a Slack or Mattermost incoming webhook shows it as it is; other
tools read the other fields. It is sent from a background thread, after the turn is stored, so a slow
or broken webhook never delays or loses a customer's turn: a failure is retried once, then logged.
"""

from __future__ import annotations

import logging
import threading
import time
from datetime import datetime, timezone
from typing import Any

import httpx

from dialog.events import AgentMessage, Event, HandoffRequested, UserMessage
from dialog.store import ConversationStore, TurnRecord

log = logging.getLogger(__name__)

MESSAGE_CHARS = 300  # how much of the customer's message the notice quotes


class HandoffNotifier:
    """Posts a notice per handoff to ``url``: one try, one retry after ``retry_after_s``, ``timeout_s`` each."""

    def __init__(
        self, url: str, timeout_s: float = 5.0, retry_after_s: float = 1.0, transport: httpx.BaseTransport | None = None
    ) -> None:
        self.url = url
        self.timeout_s = timeout_s
        self.retry_after_s = retry_after_s
        self._client = httpx.Client(transport=transport, timeout=timeout_s)

    @staticmethod
    def notice(session_id: str, reason: str, message: str | None, at: datetime | None = None) -> dict[str, Any]:
        """The JSON body of one notice."""
        quoted = None if message is None else message[:MESSAGE_CHARS] + ("…" if len(message) > MESSAGE_CHARS else "")
        text = f"A customer is waiting for a person ({reason}). Conversation {session_id}; reply from the Inbox of the review pages."
        if quoted:
            text += f'\nLast message: "{quoted}"'
        return {
            "text": text,
            "session_id": session_id,
            "reason": reason,
            "customer_message": quoted,
            "handed_off_at": (at or datetime.now(timezone.utc)).isoformat(),
        }

    def send(self, body: dict[str, Any]) -> bool:
        """POST the notice; True once the webhook accepted it (2xx)."""
        for attempt in (1, 2):
            try:
                response = self._client.post(self.url, json=body)
                if response.is_success:
                    return True
                problem = f"HTTP {response.status_code}"
            except httpx.HTTPError as error:
                problem = f"{type(error).__name__}: {error}"
            if attempt == 1:
                time.sleep(self.retry_after_s)
        log.warning("handoff notice for conversation %s not delivered to the webhook (%s)", body.get("session_id"), problem)
        return False

    def send_later(self, body: dict[str, Any]) -> threading.Thread:
        """Send from a background thread (returned, so a caller may wait for it)."""
        thread = threading.Thread(target=self.send, args=(body,), name="handoff-notice", daemon=True)
        thread.start()
        return thread


class NotifyingStore:
    """A ConversationStore that sends a notice for each handoff it saves. A conversation that staff take
    over themselves (their reply is saved with the handoff) sends none."""

    def __init__(self, store: ConversationStore, notifier: HandoffNotifier) -> None:
        self.wrapped = store
        self.notifier = notifier
        self.sent: list[threading.Thread] = []  # the latest notices' threads (tests wait on them)

    def create_session(self, channel: str = "web", **kwargs: Any) -> str:
        return self.wrapped.create_session(channel, **kwargs)

    def load_events(self, session_id: str) -> list[Event]:
        return self.wrapped.load_events(session_id)

    def append(self, session_id: str, events: list[Event], turn: TurnRecord | None = None) -> None:
        self.wrapped.append(session_id, events, turn)  # stored first: a notice never stands for a lost turn
        handoff = next((e for e in events if isinstance(e, HandoffRequested)), None)
        if handoff is None or any(isinstance(e, AgentMessage) for e in events):
            return
        message = next((e.text for e in reversed(events) if isinstance(e, UserMessage)), None)
        at = datetime.fromtimestamp(handoff.timestamp, tz=timezone.utc)
        self.sent = [t for t in self.sent if t.is_alive()]
        self.sent.append(self.notifier.send_later(self.notifier.notice(session_id, handoff.reason, message, at)))

    def __getattr__(self, name: str) -> Any:
        if name == "wrapped":  # not set yet (copy, pickle): do not recurse
            raise AttributeError(name)
        return getattr(self.wrapped, name)
