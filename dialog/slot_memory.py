"""Slot values the conversation log keeps redacted, remembered by this process for a short while.

The log stores an e-mail address a customer gave as ``[EMAIL]`` (assistant/privacy.py), so a conversation
rebuilt from it has lost the value: "my e-mail is jane.doe@example.com", then "where is my order
NW-20481736?" asked for the address again. The manager keeps the values of the last ``max_sessions``
conversations for ``ttl_s`` seconds and puts them back in place of their placeholders. Nothing is written
anywhere; after that time, a restart, or on another server, the value is asked for again as before.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping
from typing import Any

from dialog.business import is_redacted

TTL_S = 30 * 60  # a conversation's values are forgotten this long after they were given
MAX_SESSIONS = 10_000  # beyond that, the conversations that gave values longest ago are forgotten first


class SlotMemory:
    """Thread-safe, bounded: per conversation, the slot values given, each until ``ttl_s`` after it was given."""

    def __init__(self, ttl_s: float = TTL_S, max_sessions: int = MAX_SESSIONS, clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl_s, self.max_sessions, self.clock = ttl_s, max_sessions, clock
        self._values: OrderedDict[str, tuple[float, dict[str, Any]]] = OrderedDict()
        self._lock = threading.Lock()

    def remember(self, session_id: str, values: Mapping[str, Any]) -> None:
        """Keep the values just given (not placeholders, not cleared slots) for the conversation."""
        given = {name: value for name, value in values.items() if value not in (None, "") and not is_redacted(value)}
        if not given:
            return
        with self._lock:
            now = self.clock()
            _, known = self._values.pop(session_id, (0.0, {}))
            self._values[session_id] = (now, {**known, **given})
            # oldest first: drop those past their time, and any beyond the bound
            while len(self._values) > self.max_sessions or now - next(iter(self._values.values()))[0] > self.ttl_s:
                self._values.popitem(last=False)

    def fill(self, session_id: str, slots: Mapping[str, Any]) -> dict[str, Any]:
        """``slots`` with each placeholder replaced by the value remembered for it, where there is one."""
        if not any(is_redacted(value) for value in slots.values()):
            return dict(slots)
        with self._lock:
            at, known = self._values.get(session_id, (0.0, {}))
            if known and self.clock() - at > self.ttl_s:
                del self._values[session_id]
                known = {}
        return {name: known.get(name, value) if is_redacted(value) else value for name, value in slots.items()}

    def forget(self, session_id: str) -> None:
        with self._lock:
            self._values.pop(session_id, None)
