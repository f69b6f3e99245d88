"""Slot values the conversation log keeps redacted, remembered by this process for a short while.

The log stores an e-mail address a customer gave as ``[EMAIL]`` (assistant/privacy.py), so a conversation
rebuilt from it has lost the value: "my e-mail is jane.doe@example.com", then "where is my order
NW-20481736?" asked for the address again. The manager keeps the values of the last ``max_sessions``
conversations for ``ttl_s`` seconds and puts them back in place of their placeholders. Nothing is written
anywhere; after that time, a restart, or on another server, the value is asked for again as before.

A business action's secret slots (``secrets=``, a 2FA backup code) are kept here the same way, while
``mask_secrets`` puts ``[SECRET]`` in place of their values in everything the turn stores or returns.
"""

from __future__ import annotations

import dataclasses
import re
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Collection, Iterable, Mapping
from typing import Any, TypeVar

from dialog.business import SECRET_VALUE, is_redacted
from dialog.events import SlotSet

T = TypeVar("T")

TTL_S = 30 * 60  # a conversation's values are forgotten this long after they were given
MAX_SESSIONS = 10_000  # beyond that, the conversations that gave values longest ago are forgotten first


class SlotMemory:
    """Thread-safe, bounded: per conversation, the slot values given, each until ``ttl_s`` after it was given."""

    def __init__(self, ttl_s: float = TTL_S, max_sessions: int = MAX_SESSIONS, clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl_s, self.max_sessions, self.clock = ttl_s, max_sessions, clock
        # conversation -> (when its latest value was given, slot -> (when given, value)); oldest conversation first
        self._values: OrderedDict[str, tuple[float, dict[str, tuple[float, Any]]]] = OrderedDict()
        self._lock = threading.Lock()

    def remember(self, session_id: str, values: Mapping[str, Any]) -> None:
        """Keep the values just given (not placeholders, not cleared slots) for the conversation."""
        given = {name: value for name, value in values.items() if value not in (None, "") and not is_redacted(value)}
        if not given:
            return
        with self._lock:
            now = self.clock()
            _, known = self._values.pop(session_id, (0.0, {}))
            # a value keeps the time it was given: a later value of the conversation does not extend it
            kept = {name: (at, value) for name, (at, value) in known.items() if now - at <= self.ttl_s}
            self._values[session_id] = (now, {**kept, **{name: (now, value) for name, value in given.items()}})
            self._drop_old(now)

    def fill(self, session_id: str, slots: Mapping[str, Any]) -> dict[str, Any]:
        """``slots`` with each placeholder replaced by the value remembered for it, where there is one."""
        if not any(is_redacted(value) for value in slots.values()):
            return dict(slots)
        with self._lock:
            now = self.clock()
            self._drop_old(now)
            latest, known = self._values.get(session_id, (0.0, {}))
            current = {name: (at, value) for name, (at, value) in known.items() if now - at <= self.ttl_s}
            if len(current) < len(known):
                self._values[session_id] = (latest, current)  # the values past their time are let go now
        return {name: current[name][1] if is_redacted(value) and name in current else value for name, value in slots.items()}

    def forget(self, session_id: str) -> None:
        with self._lock:
            self._values.pop(session_id, None)

    def _drop_old(self, now: float) -> None:
        """Oldest first: the conversations whose every value is past its time, and any beyond the bound."""
        while self._values and (len(self._values) > self.max_sessions or now - next(iter(self._values.values()))[0] > self.ttl_s):
            self._values.popitem(last=False)


def secret_values(secrets: Collection[str], events: Iterable[Any], slots: Mapping[str, Any]) -> set[str]:
    """The texts of the values of the ``secrets`` slots in a turn: those its ``SlotSet`` events give (a value the
    action's check then refused too) and those of ``slots`` (one remembered from an earlier turn)."""
    given = [e.value for e in events if isinstance(e, SlotSet) and e.name in secrets]
    given += [value for name, value in slots.items() if name in secrets]
    return {str(value).strip() for value in given if value not in (None, "") and not is_redacted(value) and str(value).strip()}


def mask_secrets(item: T, secrets: Collection[str], values: Collection[str]) -> T:
    """``item`` (an event, a turn record, a text, or a dict, list or tuple of them) with each of ``values`` replaced
    by ``[SECRET]`` where it stands as a word of its own (any case), and a ``SlotSet`` of one of the ``secrets`` slots,
    and an argument of that name, holding ``[SECRET]``; "my backup code is 123456" is kept as "my backup code is
    [SECRET]". Frozen dataclasses are copied, not changed."""
    pattern = _values_pattern(values)
    return _masked(item, frozenset(secrets), pattern) if secrets or pattern is not None else item


def _values_pattern(values: Collection[str]) -> re.Pattern[str] | None:
    if not values:
        return None
    alternatives = "|".join(re.escape(value) for value in sorted(values, key=len, reverse=True))  # the longest first
    return re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)", re.IGNORECASE)


def _masked(item: Any, secrets: frozenset[str], pattern: re.Pattern[str] | None) -> Any:
    if isinstance(item, str):
        return pattern.sub(SECRET_VALUE, item) if pattern is not None else item
    if isinstance(item, SlotSet) and item.name in secrets and item.value not in (None, ""):
        return dataclasses.replace(item, value=SECRET_VALUE)
    if isinstance(item, dict):
        return {key: SECRET_VALUE if key in secrets and value not in (None, "") else _masked(value, secrets, pattern) for key, value in item.items()}
    if type(item) in (list, tuple):
        return type(item)(_masked(value, secrets, pattern) for value in item)
    if dataclasses.is_dataclass(item) and not isinstance(item, type):
        changes = {f.name: _masked(getattr(item, f.name), secrets, pattern) for f in dataclasses.fields(item) if f.init}
        return dataclasses.replace(item, **{name: value for name, value in changes.items() if value is not getattr(item, name)})
    return item
