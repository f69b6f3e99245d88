"""Tell staff when a conversation is handed to a person: a JSON POST to a webhook.

The notice has a ``text`` field, so a Slack or Mattermost incoming webhook shows it as it is (the
customer's words escaped, so they cannot ping a channel or disguise a link); other tools read the other
fields. It is sent by one background worker, after the turn is stored, so a slow or broken webhook never
delays or loses a customer's turn. A webhook that is down or failing (no answer, a timeout, 5xx, 408, 429) is
tried again after 1, 5, 30 and 120 s, so a restart of the receiving tool loses no notice; another refusal
(a 4xx: a wrong or revoked URL) is not retried. A notice given up on is logged. Each notice has a
``notice_id`` (also sent as the ``Idempotency-Key`` header), the same on every try of it, so a receiver that
was only slow to answer can drop the second copy.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
import uuid
from collections.abc import Sequence
from datetime import datetime, timezone
from typing import Any

import httpx

from assistant.store.inbox import UNREACHABLE_CHANNEL
from dialog.events import AgentMessage, Event, HandoffRequested, SessionStarted, UserMessage
from dialog.store import ConversationStore, StoreWrapper, TurnRecord

log = logging.getLogger(__name__)

MESSAGE_CHARS = 300  # how much of the customer's message the notice quotes
QUEUE_SIZE = 100  # notices waiting to be sent; beyond that new ones are dropped (and logged)
RETRY_DELAYS_S = (1.0, 5.0, 30.0, 120.0)  # waits before each new try of a notice the webhook did not take
RETRIED_STATUSES = {408, 429}  # besides 5xx: the webhook may take the notice later


def chat_escape(text: str) -> str:
    """Customer words made inert in a Slack-style ``text``: no ``<!channel>`` pings, no disguised links."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


class HandoffNotifier:
    """Posts a notice per handoff to ``url``: a try, then a try after each of ``retry_delays_s`` while the
    webhook is down or failing (not after another 4xx), ``timeout_s`` each.

    ``send_later`` queues a notice for one worker thread, so a slow webhook holds one thread, not one per
    handoff; when ``QUEUE_SIZE`` notices are waiting, new ones are dropped with a warning.
    """

    def __init__(
        self,
        url: str,
        timeout_s: float = 5.0,
        retry_delays_s: Sequence[float] = RETRY_DELAYS_S,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.url = url
        self.timeout_s = timeout_s
        self.retry_delays_s = tuple(retry_delays_s)
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
            "notice_id": uuid.uuid4().hex,
            "session_id": session_id,
            "reason": reason,
            "customer_message": quoted,
            "handed_off_at": (at or datetime.now(timezone.utc)).isoformat(),
        }

    def send(self, body: dict[str, Any]) -> bool:
        """POST the notice, trying again after each of ``retry_delays_s`` while the webhook is down or failing;
        True once it accepted it (2xx)."""
        headers = {"Idempotency-Key": str(body["notice_id"])} if "notice_id" in body else {}
        for delay in (*self.retry_delays_s, None):
            try:
                response = self._client.post(self.url, json=body, headers=headers)
                if response.is_success:
                    return True
                problem = f"HTTP {response.status_code}"
                if response.status_code < 500 and response.status_code not in RETRIED_STATUSES:
                    break  # the webhook refuses it (a wrong or revoked URL): trying again changes nothing
            except httpx.HTTPError as error:
                problem = f"{type(error).__name__}: {error}"
            if delay is not None:
                time.sleep(delay)
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
    over themselves (their reply is saved with the handoff) sends none, nor does one the Inbox leaves out
    (a /v1/chat/completions request: no chat a reply could reach)."""

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
        stored = self._stored_events(session_id)
        started = next((e for e in stored if isinstance(e, SessionStarted)), None)
        if started is not None and started.channel == UNREACHABLE_CHANNEL:
            return  # /v1/chat/completions: not in the Inbox, and no chat where a reply could reach the customer
        # the customer's words of this turn; handed off outside a turn (the API's handoff), the last before it
        message = _last_customer_message(events) or _last_customer_message(stored)
        at = datetime.fromtimestamp(handoff.timestamp, tz=timezone.utc)
        self.notifier.send_later(self.notifier.notice(session_id, handoff.reason, message, at))

    def _stored_events(self, session_id: str) -> list[Event]:
        """The stored conversation (for its channel and the customer's last message); empty when it cannot be
        read: the handoff itself is stored, and the notice goes out without what it would have taken from it."""
        try:
            return self.wrapped.load_events(session_id)
        except Exception as error:
            log.warning("handoff notice for conversation %s sent without reading the conversation (%s)", session_id, type(error).__name__)
            return []


def _last_customer_message(events: Sequence[Event]) -> str | None:
    return next((e.text for e in reversed(events) if isinstance(e, UserMessage)), None)
