"""Tell staff when a conversation is handed to a person: a JSON POST to a webhook.

The notice has a ``text`` field, so a Slack or Mattermost incoming webhook shows it as it is (the
customer's words escaped, so they cannot ping a channel or disguise a link); other tools read the other
fields. It is sent by one background worker, after the turn is stored, so a slow or broken webhook never
delays or loses a customer's turn: a failure is retried once, then logged.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from datetime import datetime, timezone
from typing import Any

import httpx

from dialog.events import AgentMessage, Event, HandoffRequested, UserMessage
from dialog.store import ConversationStore, StoreWrapper, TurnRecord

log = logging.getLogger(__name__)

MESSAGE_CHARS = 300  # how much of the customer's message the notice quotes
QUEUE_SIZE = 100  # notices waiting to be sent; beyond that new ones are dropped (and logged)


def chat_escape(text: str) -> str:
    """Customer words made inert in a Slack-style ``text``: no ``<!channel>`` pings, no disguised links."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


class HandoffNotifier:
    """Posts a notice per handoff to ``url``: one try, one retry after ``retry_after_s``, ``timeout_s`` each.

    ``send_later`` queues a notice for one worker thread, so a slow webhook holds one thread, not one per
    handoff; when ``QUEUE_SIZE`` notices are waiting, new ones are dropped with a warning.
    """

    def __init__(
        self, url: str, timeout_s: float = 5.0, retry_after_s: float = 1.0, transport: httpx.BaseTransport | None = None
    ) -> None:
        self.url = url
        self.timeout_s = timeout_s
        self.retry_after_s = retry_after_s
        self._client = httpx.Client(transport=transport, timeout=timeout_s)
        self._queue: queue.Queue[dict[str, Any]] = queue.Queue(maxsize=QUEUE_SIZE)
        self._worker: threading.Thread | None = None
        self._start_lock = threading.Lock()

    @staticmethod
    def notice(session_id: str, reason: str, message: str | None, at: datetime | None = None) -> dict[str, Any]:
        """The JSON body of one notice."""
        quoted = None if message is None else message[:MESSAGE_CHARS] + ("…" if len(message) > MESSAGE_CHARS else "")
        text = (
            f"A customer is waiting for a person ({chat_escape(reason)}). "
            f"Conversation {session_id}; reply from the Inbox of the review pages."
        )
        if quoted:
            text += f'\nLast message: "{chat_escape(quoted)}"'
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

    def send_later(self, body: dict[str, Any]) -> bool:
        """Queue the notice for the worker thread; False (and a warning) when the queue is full."""
        with self._start_lock:
            if self._worker is None:
                self._worker = threading.Thread(target=self._work, name="handoff-notices", daemon=True)
                self._worker.start()
        try:
            self._queue.put_nowait(body)
        except queue.Full:
            log.warning("handoff notice for conversation %s dropped: %d notices already wait", body.get("session_id"), QUEUE_SIZE)
            return False
        return True

    def wait_until_sent(self) -> None:
        """Block until every queued notice has been sent or given up on."""
        self._queue.join()

    def close(self, timeout_s: float = 15.0) -> bool:
        """At exit: wait up to ``timeout_s`` for the queued notices (the worker is a daemon thread, which
        dies with the process); False, with a warning, when some were not sent."""
        deadline = time.monotonic() + timeout_s
        while self._queue.unfinished_tasks and time.monotonic() < deadline:
            time.sleep(0.05)
        if self._queue.unfinished_tasks:
            log.warning("%d handoff notice(s) not sent before exit", self._queue.unfinished_tasks)
            return False
        return True

    def _work(self) -> None:
        while True:
            body = self._queue.get()
            try:
                self.send(body)
            except Exception:  # never let one notice stop the worker
                log.exception("handoff notice for conversation %s failed", body.get("session_id"))
            finally:
                self._queue.task_done()


class NotifyingStore(StoreWrapper):
    """A ConversationStore that sends a notice for each handoff it saves. A conversation that staff take
    over themselves (their reply is saved with the handoff) sends none."""

    def __init__(self, store: ConversationStore, notifier: HandoffNotifier) -> None:
        super().__init__(store)
        self.notifier = notifier

    def append(
        self, session_id: str, events: list[Event], turn: TurnRecord | None = None, expected_events: int | None = None
    ) -> None:
        self.wrapped.append(session_id, events, turn, expected_events)  # stored first: a notice never stands for a lost turn
        handoff = next((e for e in events if isinstance(e, HandoffRequested)), None)
        if handoff is None or any(isinstance(e, AgentMessage) for e in events):
            return
        message = next((e.text for e in reversed(events) if isinstance(e, UserMessage)), None)
        at = datetime.fromtimestamp(handoff.timestamp, tz=timezone.utc)
        self.notifier.send_later(self.notifier.notice(session_id, handoff.reason, message, at))
