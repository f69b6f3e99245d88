"""Guards in front of the HTTP API (``/api/*`` and ``/v1/*``): API keys, rate limits, request-size limits.

One plain ASGI middleware, so it adds nothing to streamed replies and leaves every other path (the
Gradio chat page under ``/`` and ``/gradio_api``, ``/review``, ``/kb``, ``/healthz``) untouched. For an
API request, in this order:

1. **API key** (only when keys are configured): ``Authorization: Bearer KEY`` or ``X-API-Key: KEY``,
   else 401. Keys are kept as sha256 digests and compared in constant time; the API documentation
   (``/api/docs``, ``/api/openapi.json``) stays readable without a key.
2. **Declared size**: a ``Content-Length`` above the limit is refused with 413 before anything is read.
3. **Rate limits** on every request that writes: the turns (``POST /api/sessions/{id}/messages``, a handoff
   asked for or cancelled at ``/api/sessions/{id}/handoff``, ``POST /v1/chat/completions``) have a token bucket
   per client address and one per conversation; starting a conversation (``POST /api/sessions``) and feedback
   (``POST /api/sessions/{id}/feedback``) have a per-address bucket each, of the same size. 429 with
   ``Retry-After`` when empty. A request with a valid API key skips the per-address buckets
   (server-to-server traffic arrives from one address for many customers) but not the per-conversation one.
4. **Actual size**: the body is read up to the limit (chunked bodies have no ``Content-Length``) and
   handed on; one byte more is 413.

The buckets live in this process, or, with ``rate_limit_redis_url`` set, in Redis, shared by every server
process (``RedisRateLimiter``). Nothing here imports the web framework, so the settings can use it.

    python -m assistant.api_security          # a new random API key and the sha256 line for the settings
    python -m assistant.api_security --staff  # the same for a staff key (setting staff_api_keys)
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import math
import re
import secrets
import threading
import time
from collections.abc import Awaitable, Callable, Iterable, MutableMapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, TypeVar

import anyio

from dialog.replies import DEFAULT_REPLIES, Replies

log = logging.getLogger(__name__)
T = TypeVar("T")

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

API_PREFIXES = ("/api/", "/v1/")
PUBLIC_PATHS = frozenset({"/api/docs", "/api/openapi.json"})  # the API's documentation needs no key
STAFF_PREFIX = "/api/staff/"  # checks keys of its own (assistant/staff_api.py): a customer key neither opens nor is needed
MESSAGES_PATH = re.compile(r"^/api/sessions/([^/]{1,128})/(?:messages|handoff)/?$")  # a handoff counts as a message
COMPLETIONS_PATH = re.compile(r"^/v1/chat/completions/?$")
SESSIONS_PATH = re.compile(r"^/api/sessions/?$")
FEEDBACK_PATH = re.compile(r"^/api/sessions/[^/]{1,128}/feedback/?$")
HASH_PREFIX = "sha256:"
MIN_KEY_CHARS = 16
OFF = {"", "off", "none", "0", "unlimited"}
PERIODS = {"second": 1, "minute": 60, "hour": 3600, "day": 86400}
RATE = re.compile(r"(\d+)\s*(?:/|per)\s*(\d*)\s*(seconds?|sec|s|minutes?|min|m|hours?|hr|h|days?|d)")


# -- API keys ------------------------------------------------------------------------------------------------


def hash_key(key: str) -> str:
    """The line to put in ``api_keys`` for ``key``: ``sha256:`` and 64 hex digits."""
    return HASH_PREFIX + hashlib.sha256(key.encode("utf-8")).hexdigest()


def new_key() -> str:
    """A random API key (256 bits, URL-safe)."""
    return "sa-" + secrets.token_urlsafe(32)


def key_digest(entry: str, setting: str = "api_keys") -> str:
    """A configured key as ``sha256:<hex>``: a digest as it is (recommended), a key itself (at least 16
    characters) hashed; ValueError with the fix otherwise, naming ``setting`` (``api_keys``, ``staff_api_keys``)."""
    entry = entry.strip()
    if entry.lower().startswith(HASH_PREFIX):
        digest = entry[len(HASH_PREFIX) :].lower()
        if not re.fullmatch(r"[0-9a-f]{64}", digest):
            raise ValueError(f"{setting}: {entry[:16]}… is not 'sha256:' followed by 64 hex digits")
        return HASH_PREFIX + digest
    if len(entry) < MIN_KEY_CHARS:
        command = "python -m assistant.api_security" + (" --staff" if setting == "staff_api_keys" else "")
        raise ValueError(f"{setting}: a key must be at least {MIN_KEY_CHARS} characters; make one with `{command}`")
    return hash_key(entry)


def presented_keys(authorization: str, x_api_key: str) -> list[str]:
    """The keys a request sends: ``Authorization: Bearer KEY`` and/or ``X-API-Key: KEY``."""
    return [key for key in (_bearer(authorization), x_api_key.strip()) if key]


class ApiKeys:
    """The configured keys, held only as sha256 digests; empty means the API needs no key."""

    def __init__(self, entries: Iterable[str] = ()) -> None:
        self._digests = tuple(bytes.fromhex(key_digest(entry)[len(HASH_PREFIX) :]) for entry in entries)

    def __bool__(self) -> bool:
        return bool(self._digests)

    def __len__(self) -> int:
        return len(self._digests)

    def check(self, key: str) -> bool:
        """Whether ``key`` is one of the configured keys; compares with every digest, in constant time."""
        return self.match(key) is not None

    def match(self, key: str) -> str | None:
        """The configured ``sha256:<hex>`` line that ``key`` is, or None; compares with every digest, so the
        time taken does not tell which (or whether one) matched."""
        presented = hashlib.sha256(key.encode("utf-8")).digest()
        found: bytes | None = None
        for digest in self._digests:
            if hmac.compare_digest(presented, digest):
                found = digest
        return HASH_PREFIX + found.hex() if found is not None else None


# -- rate limits ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Rate:
    """``count`` requests per ``seconds``; the bucket holds ``count``, so a burst of that many is allowed."""

    count: int
    seconds: float

    @classmethod
    def parse(cls, text: str | None) -> Rate | None:
        """``"60/minute"``, ``"5/second"``, ``"1000/hour"``, ``"10/30s"``; None for ``"off"`` (or empty)."""
        if text is None or text.strip().lower() in OFF:
            return None
        match = RATE.fullmatch(text.strip().lower())
        if not match or int(match[1]) < 1 or match[2] == "0":
            raise ValueError(f"rate limit {text!r}: write it as COUNT/PERIOD, e.g. 60/minute or 5/second, or 'off'")
        unit = next(seconds for name, seconds in PERIODS.items() if name[0] == match[3][0])
        return cls(int(match[1]), unit * int(match[2] or 1))

    @property
    def per_second(self) -> float:
        return self.count / self.seconds

    def __str__(self) -> str:
        unit = next((name for name, seconds in PERIODS.items() if seconds == self.seconds), None)
        return f"{self.count} per {unit}" if unit else f"{self.count} per {self.seconds:g} seconds"


class RateLimiter:
    """Token buckets by key (a client address, a conversation id), in this process only.

    A bucket that has filled up again is forgotten (as other keys come, least recently used first): it is
    the same as none, so a server that runs for weeks keeps the keys of the last period (a minute for
    60/minute), not every conversation and address it ever saw. At most ``max_keys`` buckets are kept: beyond
    that the least recently used go first (a forgotten bucket starts full again, so forgetting only ever lets
    a little more through).
    """

    def __init__(self, rate: Rate, max_keys: int = 100_000, clock: Callable[[], float] = time.monotonic) -> None:
        self.rate = rate
        self.max_keys = max_keys
        self.clock = clock
        self._buckets: dict[str, tuple[float, float]] = {}  # key -> (tokens, when); insertion order = recency
        self._lock = threading.Lock()

    def _tokens(self, key: str, now: float) -> float:
        tokens, when = self._buckets.get(key, (float(self.rate.count), now))
        return min(float(self.rate.count), tokens + (now - when) * self.rate.per_second)

    def wait(self, key: str) -> float:
        """Seconds until ``key`` may make a request; 0 when it may now."""
        with self._lock:
            tokens = self._tokens(key, self.clock())
        return 0.0 if tokens >= 1 else (1 - tokens) / self.rate.per_second

    def take(self, key: str) -> None:
        """Count one request of ``key`` (call after ``wait`` said 0)."""
        with self._lock:
            now = self.clock()
            tokens = self._tokens(key, now)
            self._buckets.pop(key, None)
            self._buckets[key] = (max(tokens - 1, 0.0), now)
            while len(self._buckets) > 1:  # full again: the same as no bucket (the just-taken key is last)
                oldest = next(iter(self._buckets))
                if self._tokens(oldest, now) < self.rate.count:
                    break
                del self._buckets[oldest]
            if len(self._buckets) > self.max_keys:
                for stale in list(self._buckets)[: len(self._buckets) - self.max_keys * 9 // 10]:
                    del self._buckets[stale]

    def __len__(self) -> int:
        return len(self._buckets)


# One token bucket per key in a Redis hash {t: tokens, w: when}, refilled and (with ARGV[4] = 1) taken from
# atomically; it expires once it would be full again, so idle keys cost nothing.
_REDIS_BUCKET = """
local capacity, per_second, now = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local stored = redis.call('HMGET', KEYS[1], 't', 'w')
local tokens, when = tonumber(stored[1]) or capacity, tonumber(stored[2]) or now
tokens = math.min(capacity, tokens + math.max(0, now - when) * per_second)
if ARGV[4] == '1' then
  tokens = math.max(tokens - 1, 0)
  redis.call('HSET', KEYS[1], 't', tostring(tokens), 'w', tostring(now))
  redis.call('EXPIRE', KEYS[1], ARGV[5])
end
return tostring(tokens)
"""


class RedisOutage:
    """Calls to Redis for a limit that must not take the assistant down: ``call`` gives None while Redis cannot
    be reached, does not ask it again for ``retry_after_s`` (so an outage adds no waiting), and logs
    ``warning`` with the error at most once a minute."""

    def __init__(self, warning: str, retry_after_s: float = 10.0) -> None:
        self.warning, self.retry_after_s = warning, retry_after_s
        self._warned_at = self._down_until = -math.inf
        self.error: str | None = None  # why the last call failed; None once one works

    def call(self, run: Callable[[], T], warn: bool = True) -> T | None:
        """``run()``; None when Redis fails, or failed less than ``retry_after_s`` ago. ``warn=False``: a failure is
        not logged (the caller says it: the start-up line, /healthz), nor counted as warned of."""
        from redis.exceptions import RedisError

        if time.monotonic() < self._down_until:
            return None
        try:
            result = run()
        except RedisError as error:
            now = time.monotonic()
            self._down_until = now + self.retry_after_s
            self.error = f"{type(error).__name__}: {error}"
            if warn and now - self._warned_at > 60:
                self._warned_at = now
                log.warning("%s: Redis is unavailable (%s)", self.warning, self.error)
            return None
        self.error = None
        return result


class RedisRateLimiter:
    """Token buckets by key shared by every server process through Redis (setting ``rate_limit_redis_url``).

    The same buckets as ``RateLimiter``, kept under ``support-assistant:rate:NAME:KEY``. Times come from
    ``clock`` (wall-clock seconds, which servers kept in step by NTP agree on). When Redis cannot be
    reached, requests are let through, a warning is logged (at most once a minute), and Redis is not asked
    again for ``retry_after_s``, so an outage adds no waiting: a rate limit must not take the assistant down.
    """

    def __init__(
        self, rate: Rate, client: Any, name: str, clock: Callable[[], float] = time.time, retry_after_s: float = 10.0,
        outage: RedisOutage | None = None,
    ) -> None:
        self.rate = rate
        self.client = client
        self.prefix = f"support-assistant:rate:{name}:"
        self.clock = clock
        self._script = client.register_script(_REDIS_BUCKET)
        # shared by the limiters of one Redis (limiter_factory): an outage is one warning, not one per limit
        self.outage = outage or RedisOutage(RATE_LIMITS_DOWN, retry_after_s)

    def _tokens(self, key: str, take: bool) -> float | None:
        """The bucket's tokens after refilling (and taking one); None when Redis is unavailable."""
        args = [self.rate.count, self.rate.per_second, self.clock(), int(take), math.ceil(self.rate.seconds) + 60]
        return self.outage.call(lambda: float(self._script(keys=[self.prefix + key], args=args)))

    def wait(self, key: str) -> float:
        """Seconds until ``key`` may make a request; 0 when it may now (or Redis is down)."""
        tokens = self._tokens(key, take=False)
        return 0.0 if tokens is None or tokens >= 1 else (1 - tokens) / self.rate.per_second

    def take(self, key: str) -> None:
        """Count one request of ``key``."""
        self._tokens(key, take=True)


Limiter = RateLimiter | RedisRateLimiter


RATE_LIMITS_DOWN = "rate limits not enforced"  # the warning while their Redis cannot be reached


def redis_client(redis_url: str) -> Any:
    """A client of the rate limits' Redis, quick to give up (half a second): an outage must add no waiting."""
    import redis

    return redis.Redis.from_url(redis_url, socket_timeout=0.5, socket_connect_timeout=0.5)


def limiter_factory(redis_url: str = "", client: Any = None, outage: RedisOutage | None = None) -> Callable[[Rate, str], Limiter]:
    """Makes the limiter of a rate and a bucket name ("ip", "session"): in this process, or shared through
    Redis at ``redis_url``. Limiters of one name share their buckets (the chat page's and the API's); all of
    them share one ``client`` and one ``outage``, so Redis going down is one warning."""
    if not redis_url:
        return lambda rate, _name: RateLimiter(rate)
    shared_client = client if client is not None else redis_client(redis_url)
    shared_outage = outage or RedisOutage(RATE_LIMITS_DOWN)
    return lambda rate, name: RedisRateLimiter(rate, shared_client, name, outage=shared_outage)


def take_or_refuse(checks: Sequence[tuple[Limiter, str, str]]) -> tuple[int, Limiter, str] | None:
    """Count one message against each (limiter, key, description) check, or, when any of them is over
    its limit, count nothing and return the longest wait in whole seconds with that limiter and its
    description (e.g. "from this address")."""
    waits = [(limiter.wait(key), limiter, what) for limiter, key, what in checks]
    wait, limiter, what = max(waits, default=(0.0, None, ""), key=lambda item: item[0])
    if wait > 0 and limiter is not None:
        return max(1, math.ceil(wait)), limiter, what
    for limiter, key, _ in checks:
        limiter.take(key)
    return None


# -- the middleware ------------------------------------------------------------------------------------------


@dataclass
class ApiGuards:
    """What the middleware enforces; ``from_settings`` reads it from the assistant's settings."""

    keys: ApiKeys = field(default_factory=ApiKeys)
    per_ip: Rate | None = None
    per_session: Rate | None = None
    max_body_bytes: int = 64 * 1024
    redis_url: str = ""  # shared buckets for all server processes; empty: each process counts alone
    replies: Replies = DEFAULT_REPLIES  # the words of a refused message (too_many_from_address, too_many_in_conversation)

    @classmethod
    def from_settings(cls, settings: Any, replies: Replies = DEFAULT_REPLIES) -> ApiGuards:
        return cls(
            keys=ApiKeys(settings.api_keys),
            per_ip=Rate.parse(settings.rate_limit_per_ip),
            per_session=Rate.parse(settings.rate_limit_per_session),
            max_body_bytes=settings.max_request_bytes,
            redis_url=settings.rate_limit_redis_url,
            replies=replies,
        )

    @cached_property
    def redis(self) -> tuple[Any, RedisOutage] | None:
        """The Redis client and outage that all limiters of these guards share; None without ``redis_url``."""
        return (redis_client(self.redis_url), RedisOutage(RATE_LIMITS_DOWN)) if self.redis_url else None

    @cached_property
    def limiter(self) -> Callable[[Rate, str], Limiter]:
        """Makes limiters of these guards' kind (see ``limiter_factory``); built once, so they share a client."""
        if self.redis is None:
            return limiter_factory()
        client, outage = self.redis
        return limiter_factory(self.redis_url, client, outage)

    def redis_problem(self) -> str | None:
        """Why the rate limits' Redis cannot be reached now (it is asked: ``PING``), or None when it answers or
        none is configured. While it cannot be, it is asked again at most every 10 s (``RedisOutage``); the
        warning of the first refused message is the caller's to give."""
        if self.redis is None:
            return None
        client, outage = self.redis
        return None if outage.call(client.ping, warn=False) is not None else outage.error or "no answer"

    def status(self) -> dict[str, str]:
        """For /healthz: ``rate_limit_redis``: ``up``, or ``down`` with ``rate_limit_redis_error`` (the rate limits
        are then not enforced); nothing without a Redis."""
        if self.redis is None:
            return {}
        problem = self.redis_problem()
        return {"rate_limit_redis": "up"} if problem is None else {"rate_limit_redis": "down", "rate_limit_redis_error": problem}

    def describe(self) -> str:
        """One line for the server's start-up output (Redis, when the limits are shared through one, asked now)."""
        keys = f"{len(self.keys)} API key(s) required" if self.keys else "open: no API keys configured"
        limits = f"per address {self.per_ip or 'off'}, per conversation {self.per_session or 'off'}"
        if self.redis_url and (self.per_ip or self.per_session):
            problem = self.redis_problem()
            limits += (
                " (shared through Redis)" if problem is None else
                f" NOT ENFORCED: their Redis cannot be reached ({problem}); asked again every 10 s, they apply once it answers"
            )
        return f"API /api, /v1: {keys}; turn rate limits {limits}; bodies up to {self.max_body_bytes:,} bytes"


class RequestRefused(Exception):
    """A request the middleware answers itself: status, the ``detail`` sentence, extra headers."""

    def __init__(self, status: int, detail: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(detail)
        self.status, self.detail, self.headers = status, detail, headers or {}


class ApiGuardMiddleware:
    """The ASGI middleware (see the module docstring); ``app.add_middleware(ApiGuardMiddleware, guards=…)``."""

    def __init__(self, app: ASGIApp, guards: ApiGuards) -> None:
        self.app = app
        self.guards = guards
        self.per_ip = guards.limiter(guards.per_ip, "ip") if guards.per_ip else None
        self.per_session = guards.limiter(guards.per_session, "session") if guards.per_session else None
        # the same rate, in buckets of their own: starting conversations and giving feedback use up no turns
        self.starts_per_ip = guards.limiter(guards.per_ip, "ip-sessions") if guards.per_ip else None
        self.feedback_per_ip = guards.limiter(guards.per_ip, "ip-feedback") if guards.per_ip else None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if scope["type"] != "http" or not path.startswith(API_PREFIXES) or path in PUBLIC_PATHS:
            await self.app(scope, receive, send)
            return
        headers = _headers(scope)
        try:
            authenticated = self._authenticate(headers, scope)
            self._check_declared_size(headers)
            if self.guards.redis_url:  # network calls: off the event loop, so a slow Redis stalls no other request
                await anyio.to_thread.run_sync(self._limit_rate, scope, path, authenticated)
            else:
                self._limit_rate(scope, path, authenticated)
            if scope.get("method") in ("POST", "PUT", "PATCH"):
                body = await read_body(receive, self.guards.max_body_bytes)
                if body is None:  # the client went away while sending
                    return
                if len(body) > self.guards.max_body_bytes:
                    raise RequestRefused(413, f"request body is larger than the limit of {self.guards.max_body_bytes:,} bytes")
                receive = replaying(body, receive)
        except RequestRefused as refused:
            await send_json(send, refused.status, error_body(path, refused.status, refused.detail), refused.headers)
            return
        await self.app(scope, receive, send)

    def _authenticate(self, headers: dict[str, str], scope: Scope) -> bool:
        """True for a request with a valid key; raises 401 when keys are configured and none is valid."""
        if not self.guards.keys or scope.get("path", "").startswith(STAFF_PREFIX):
            return False
        presented = presented_keys(headers.get("authorization", ""), headers.get("x-api-key", ""))
        if any(self.guards.keys.check(key) for key in presented):
            return True
        if not presented:
            raise RequestRefused(
                401,
                "This API needs an API key: send it as 'Authorization: Bearer KEY' or 'X-API-Key: KEY'.",
                {"www-authenticate": 'Bearer realm="api"'},
            )
        log.warning("refused an invalid API key from %s for %s", _client(scope), scope.get("path"))
        raise RequestRefused(
            401,
            "The API key is not valid. Check the key sent in 'Authorization: Bearer KEY' or 'X-API-Key'.",
            {"www-authenticate": 'Bearer realm="api", error="invalid_token"'},
        )

    def _check_declared_size(self, headers: dict[str, str]) -> None:
        length = headers.get("content-length", "")
        if length.isdigit() and int(length) > self.guards.max_body_bytes:
            raise RequestRefused(413, f"request body is {int(length):,} bytes; the limit is {self.guards.max_body_bytes:,}")

    def _limit_rate(self, scope: Scope, path: str, authenticated: bool) -> None:
        method = scope.get("method")
        session = MESSAGES_PATH.match(path)
        if method == "POST" and SESSIONS_PATH.match(path):
            per_ip, kind, session = self.starts_per_ip, "new conversations", None
        elif method == "POST" and FEEDBACK_PATH.match(path):
            per_ip, kind, session = self.feedback_per_ip, "feedback requests", None
        elif session is not None and (method == "POST" or (method == "DELETE" and path.rstrip("/").endswith("/handoff"))):
            per_ip, kind = self.per_ip, "messages"
        elif method == "POST" and COMPLETIONS_PATH.match(path):
            per_ip, kind = self.per_ip, "messages"
        else:
            return
        checks: list[tuple[Limiter, str, str]] = []
        if per_ip is not None and not authenticated:
            checks.append((per_ip, _client(scope), "too_many_from_address"))
        if self.per_session is not None and session is not None:
            checks.append((self.per_session, session[1], "too_many_in_conversation"))
        refused = take_or_refuse(checks)
        if refused is not None:
            seconds, limiter, key = refused
            if kind == "messages":  # a customer's message: in the replies' words, as on the chat page
                detail = self.guards.replies.say(key, limit=str(limiter.rate), seconds=str(seconds))
            else:
                where = "from this address" if key == "too_many_from_address" else "in this conversation"
                detail = f"Too many {kind} {where}: the limit is {limiter.rate}. Try again in {seconds} second(s)."
            raise RequestRefused(
                429,
                detail,
                {"retry-after": str(seconds)},
            )


async def read_body(receive: Receive, max_bytes: int) -> bytes | None:
    """A request's body, read until it ends or is longer than ``max_bytes`` (then what was read so far, which
    is longer: the caller refuses it, and nothing more is read); None when the client went away."""
    body, more = bytearray(), True
    while more and len(body) <= max_bytes:
        message = await receive()
        if message["type"] == "http.disconnect":
            return None
        body += message.get("body", b"")
        more = message.get("more_body", False)
    return bytes(body)


def replaying(body: bytes, receive: Receive) -> Receive:
    """A ``receive`` that gives the app ``body`` (already read by a guard) once, then whatever comes next
    (the disconnect a streamed reply listens for)."""
    replayed = False

    async def replay() -> Message:
        nonlocal replayed
        if not replayed:
            replayed = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay


OPENAI_ERRORS = {  # status: (type, code) as OpenAI's API names them, so its client libraries show the message
    401: ("invalid_request_error", "invalid_api_key"),
    404: ("invalid_request_error", "not_found"),
    405: ("invalid_request_error", "method_not_allowed"),
    413: ("invalid_request_error", "request_too_large"),
    422: ("invalid_request_error", "invalid_request"),
    429: ("rate_limit_error", "rate_limit_exceeded"),
}


def error_body(path: str, status: int, detail: Any) -> dict[str, Any]:
    """``{"detail": …}`` for every API error; on ``/v1`` also OpenAI's ``{"error": {"message", "type", "code"}}``."""
    body: dict[str, Any] = {"detail": detail}
    if path.startswith("/v1/"):
        kind, code = OPENAI_ERRORS.get(status, ("invalid_request_error" if status < 500 else "server_error", None))
        message = detail if isinstance(detail, str) else json.dumps(detail, ensure_ascii=False)
        body["error"] = {"message": message, "type": kind, "param": None, "code": code}
    return body


def _headers(scope: Scope) -> dict[str, str]:
    return {name.decode("latin-1").lower(): value.decode("latin-1") for name, value in scope.get("headers", [])}


def _bearer(value: str) -> str:
    scheme, _, token = value.strip().partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


def _client(scope: Scope) -> str:
    """The client's address (uvicorn puts a trusted proxy's X-Forwarded-For here: ``forwarded_allow_ips``)."""
    client = scope.get("client")
    return str(client[0]) if client else "unknown"


async def send_json(send: Send, status: int, body: dict[str, Any], headers: dict[str, str] | None = None) -> None:
    """Answer with ``body`` as JSON (a guard's refusal), before the app sees the request."""
    payload = json.dumps(body, ensure_ascii=False).encode("utf-8")
    raw = [(b"content-type", b"application/json"), (b"content-length", str(len(payload)).encode())]
    raw += [(name.encode("latin-1"), value.encode("latin-1")) for name, value in (headers or {}).items()]
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": payload})


def main(argv: Sequence[str] | None = None) -> None:
    """Print a new key with the lines that configure it: for the customer API, or with ``--staff`` the staff API."""
    import argparse

    parser = argparse.ArgumentParser(prog="python -m assistant.api_security", description=main.__doc__)
    parser.add_argument("--staff", action="store_true", help="a key of the staff API (/api/staff): setting staff_api_keys")
    staff = parser.parse_args(argv).staff
    key, setting = new_key(), "staff_api_keys" if staff else "api_keys"
    caller = "the helpdesk bridge or script" if staff else "the calling server"
    print(f"{'Staff' if staff else 'API'} key (give it to {caller}; it is not stored anywhere):\n  {key}")
    print(f"Line for assistant.toml (only the digest is kept):\n  {setting} = [\"{hash_key(key)}\"]")
    print(f"or in the environment:\n  ASSISTANT_{setting.upper()}={hash_key(key)}")


if __name__ == "__main__":
    main()
