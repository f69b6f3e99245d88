"""Counting failed staff logins, for the web page guard (``ui.web_guards``) to refuse further tries.

Failures are counted per key (``ip:ADDRESS``, ``user:NAME``) in a sliding window: in this process
(``LoginThrottle``), or, with ``rate_limit_redis_url`` set, in Redis (``RedisLoginThrottle``), so that
several servers behind one load balancer count together and a guesser gets ``failures`` tries in all, not
``failures`` per server. While Redis cannot be reached, each server counts alone again (a warning is
logged): guessing is never unlimited.
"""

from __future__ import annotations

import math
import threading
import time
import uuid
from collections import OrderedDict, deque
from collections.abc import Callable
from typing import Any, Protocol

from assistant.api_security import RedisOutage

FAILURES = 10
WINDOW_S = 15 * 60


class FailedLogins(Protocol):
    def wait(self, keys: list[str]) -> int:
        """Seconds until every key may try again; 0 when none is locked."""

    def failed(self, keys: list[str]) -> None:
        """Count one failed login for each key."""

    def succeeded(self, keys: list[str]) -> None:
        """Forget the keys' failures."""


class LoginThrottle:
    """Failed logins per key in a sliding window, in this process."""

    def __init__(
        self, failures: int = FAILURES, window: float = WINDOW_S, max_keys: int = 100_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.failures, self.window, self.max_keys, self.clock = failures, window, max_keys, clock
        self._failed: OrderedDict[str, deque[float]] = OrderedDict()
        self._lock = threading.Lock()

    def wait(self, keys: list[str]) -> int:
        now = self.clock()
        with self._lock:
            recent = [self._recent(key, now) for key in keys]
        return _seconds_locked([times[0] for times in recent if len(times) >= self.failures], self.window, now)

    def failed(self, keys: list[str]) -> None:
        now = self.clock()
        with self._lock:
            for key in keys:
                times = self._recent(key, now)
                times.append(now)
                self._failed[key] = times
                self._failed.move_to_end(key)
            while len(self._failed) > self.max_keys:  # many addresses: forget the longest quiet
                self._failed.popitem(last=False)

    def succeeded(self, keys: list[str]) -> None:
        with self._lock:
            for key in keys:
                self._failed.pop(key, None)

    def _recent(self, key: str, now: float) -> deque[float]:
        """The key's failures within the window (an empty deque, not kept, for a key without any)."""
        times = self._failed.get(key, deque())
        while times and times[0] <= now - self.window:
            times.popleft()
        return times


class RedisLoginThrottle:
    """Failed logins per key in a sliding window, shared by every server through Redis: one sorted set of
    failure times per key (``support-assistant:login-failures:KEY``), expiring with its window. Times come from
    ``clock`` (wall-clock seconds, which servers kept in step by NTP agree on). When Redis cannot be reached,
    ``fallback`` (this process's own count) stands in, and Redis is not asked again for ``retry_after_s``."""

    PREFIX = "support-assistant:login-failures:"

    def __init__(
        self, client: Any, failures: int = FAILURES, window: float = WINDOW_S, clock: Callable[[], float] = time.time,
        retry_after_s: float = 10.0,
    ) -> None:
        self.client, self.failures, self.window, self.clock = client, failures, window, clock
        self.fallback = LoginThrottle(failures, window, clock=clock)
        self.outage = RedisOutage("failed staff logins counted by this server alone", retry_after_s)

    def wait(self, keys: list[str]) -> int:
        now = self.clock()

        def ask(pipe: Any) -> list[Any]:
            for key in keys:
                pipe.zremrangebyscore(self.PREFIX + key, "-inf", now - self.window)
                pipe.zcard(self.PREFIX + key)
                pipe.zrange(self.PREFIX + key, 0, 0, withscores=True)
            return pipe.execute()

        answers = self._redis(ask)
        if answers is None:
            return self.fallback.wait(keys)
        counts, oldest = answers[1::3], answers[2::3]
        firsts = [first[0][1] for count, first in zip(counts, oldest) if count >= self.failures and first]
        return _seconds_locked(firsts, self.window, now)

    def failed(self, keys: list[str]) -> None:
        now = self.clock()

        def count(pipe: Any) -> list[Any]:
            for key in keys:
                pipe.zadd(self.PREFIX + key, {f"{now}:{uuid.uuid4().hex[:8]}": now})
                pipe.expire(self.PREFIX + key, math.ceil(self.window))
            return pipe.execute()

        if self._redis(count) is None:
            self.fallback.failed(keys)

    def succeeded(self, keys: list[str]) -> None:
        self.fallback.succeeded(keys)
        self._redis(lambda pipe: pipe.delete(*(self.PREFIX + key for key in keys)).execute())

    def _redis(self, run: Callable[[Any], list[Any]]) -> list[Any] | None:
        """``run`` on a Redis pipeline; None while Redis cannot be reached."""
        return self.outage.call(lambda: run(self.client.pipeline()))


def login_throttle(redis_url: str = "") -> FailedLogins:
    """The failed-login count: shared through Redis at ``redis_url``, or this process's own."""
    if not redis_url:
        return LoginThrottle()
    import redis

    return RedisLoginThrottle(redis.Redis.from_url(redis_url, socket_timeout=0.5, socket_connect_timeout=0.5))


def _seconds_locked(oldest_failures: list[float], window: float, now: float) -> int:
    """Whole seconds until the last locked key's oldest failure leaves the window; 0 when none is locked."""
    waits = [oldest + window - now for oldest in oldest_failures]
    return max(1, math.ceil(max(waits))) if waits else 0
