"""Prometheus metrics of one server process, at ``GET /metrics`` (docs/operations.md, Monitoring).

Each process counts for itself: a scrape of one server says nothing of another, so scrape every server and sum
in Prometheus. The counters live in ``prometheus_client``'s process-wide registry, beside its own ``process_*``
figures (CPU, memory); the health figures are read at each scrape from what ``/healthz`` answers (its route's
own function: one place decides what is up), in a thread, so a scrape never holds up the server's event loop.

Counting is a few additions under a lock, and guarded: an error of a metric is logged, never raised into a turn
or a request, so no customer's answer fails for it.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from prometheus_client import (
    CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, Counter, Histogram, disable_created_metrics, generate_latest,
)
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from assistant.api_security import API_PREFIXES
from dialog.manager import InvalidMessage, TurnResult
from dialog.store import UnknownSession

log = logging.getLogger(__name__)

PATH = "/metrics"
disable_created_metrics()  # no "_created" twin of every counter: its start time is process_start_time_seconds

# what each turn is counted as (``route_of``); a new action of the dialog is "other" until it is named here
ROUTES = ("answer", "declined", "clarify", "action", "handoff", "fallback", "small_talk", "relay", "hand_back", "other_language", "other")
NAMED_ACTIONS = {"answer": "answer", "clarify": "clarify", "business": "action", "handoff": "handoff", "decline": "declined",
                 "fallback": "fallback", "small_talk": "small_talk", "relay": "relay", "hand_back": "hand_back",
                 "other_language": "other_language"}
ERROR_KINDS = ("turn", "http")
# where a refusal for the rate limits is counted: the HTTP API's 429, the chat page's warning, the staff login
# throttle's 429 (ui/web_guards.py), any other 429 (none of this project's own)
RATE_LIMITED_WHERE = ("api", "chat", "login", "other")
LOGIN_PATH = "/review/login"  # ui.web_guards.REVIEW_LOGIN (not imported: that module loads Gradio)
# a turn takes milliseconds extractive, seconds with a local generator on a CPU
TURN_BUCKETS = (0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)

TURNS = Counter("assistant_turns", "Turns answered by this process, by route (docs/operations.md#monitoring).", ["route"])
TURN_SECONDS = Histogram("assistant_turn_seconds", "Time of each turn, from the message to the stored reply.", buckets=TURN_BUCKETS)
ERRORS = Counter("assistant_errors", "Turns that failed with an error, raised or answered with the fallback reply (turn); "
                 "HTTP responses 500 and up (http).", ["kind"])
RATE_LIMITED = Counter("assistant_rate_limited", "Requests refused for the rate limits (HTTP 429; chat: a warning), by where.", ["where"])
for _route in ROUTES:
    TURNS.labels(_route)  # every route shows from the start, at 0, so a rate over it is defined
for _kind in ERROR_KINDS:
    ERRORS.labels(_kind)
for _where in RATE_LIMITED_WHERE:
    RATE_LIMITED.labels(_where)

_warned = False


def safely(count: Callable[..., Any], *args: Any) -> None:
    """Run ``count(*args)``; an error is logged (the first as a warning, the rest at debug), never raised."""
    global _warned
    try:
        count(*args)
    except Exception:  # noqa: BLE001 - a metric must not fail what it counts
        log.log(logging.DEBUG if _warned else logging.WARNING, "a metric could not be counted", exc_info=True)
        _warned = True


def route_of(result: TurnResult) -> str:
    """The route a turn is counted under: a turn that hands off is ``handoff``; an answer that found nothing to
    say (abstained) and a topic the rules never answer are ``declined``; a business action is ``action``."""
    if result.handoff:
        return "handoff"
    if result.action == "answer" and result.abstained:
        return "declined"
    return NAMED_ACTIONS.get(result.action, "other")


def count_turn(result: TurnResult, seconds: float) -> None:
    """Count one finished turn: its route, and its time (the decision record's ``total_ms`` when it has one). A turn
    whose action failed and fell back (``result.error``) is also a failed turn; its route stays what it was."""
    TURNS.labels(route_of(result)).inc()
    if result.error:
        ERRORS.labels("turn").inc()
    total_ms = result.timings_ms.get("total_ms")
    TURN_SECONDS.observe(total_ms / 1000 if isinstance(total_ms, (int, float)) else seconds)


def counted(updates: Iterator[Any]) -> Iterator[Any]:
    """A turn's updates as they come, counted once done; an error other than a refused message or an unknown
    conversation counts as a failed turn, and is raised on as it was."""
    started = time.perf_counter()
    try:
        for update in updates:
            if update.done and update.result is not None:
                safely(count_turn, update.result, time.perf_counter() - started)
            yield update
    except (InvalidMessage, UnknownSession):
        raise
    except Exception:
        safely(ERRORS.labels("turn").inc)
        raise
    finally:
        close = getattr(updates, "close", None)
        if close is not None:
            close()  # a reader that stops early stops the turn as it did without the count


def count_turns(manager: Any) -> None:
    """Count every turn of ``manager`` (``DialogManager``): its ``stream``, which ``handle`` runs too, is wrapped
    on this instance. Once only: a second call changes nothing."""
    stream = manager.stream
    if getattr(stream, "counted", False):
        return

    def counted_stream(*args: Any, **kwargs: Any) -> Iterator[Any]:
        return counted(stream(*args, **kwargs))

    counted_stream.counted = True  # type: ignore[attr-defined]
    manager.stream = counted_stream


def healthz_of(app: Any) -> Callable[[], dict[str, Any]]:
    """The function that answers ``GET /healthz`` on ``app`` (``ui.server.create_app`` keeps it as
    ``app.state.health``): what it says is what is scraped."""
    health = getattr(getattr(app, "state", None), "health", None)
    if not callable(health):
        raise ValueError("the web app has no /healthz")
    return health


def _gauge(name: str, documentation: str, value: float) -> GaugeMetricFamily:
    return GaugeMetricFamily(name, documentation, value=value)


class HealthCollector(Collector):
    """The figures of ``/healthz`` as gauges, read at each scrape (``health``: its function). A field /healthz
    leaves out (no Redis, no webhook) has no gauge."""

    def __init__(self, health: Callable[[], dict[str, Any]]) -> None:
        self.health = health

    def collect(self) -> Iterable[Metric]:
        try:
            body = self.health()
        except Exception:  # noqa: BLE001 - the other metrics are still scraped
            log.warning("/metrics could not read the health figures", exc_info=True)
            return
        yield _gauge("assistant_index_chunks", "Chunks in the index this server searches.", body.get("chunks", 0))
        version = GaugeMetricFamily("assistant_index_info", "The index this server searches: when it was written.", labels=["index_version"])
        version.add_metric([str(body.get("index_version") or "")], 1)
        yield version
        if "database" in body:
            yield _gauge("assistant_database_up", "1 while the database is up as far as this server knows, else 0 (down or error).",
                         1 if body["database"] == "up" else 0)
        if "spooled_writes" in body:
            yield _gauge("assistant_spooled_writes", "Writes waiting in this server's spool for the database.", body["spooled_writes"])
            yield _gauge("assistant_spool_error", "1 while some spooled writes are held in memory only (the spool file cannot be written).",
                         1 if body.get("spool_error") else 0)
        if "handoff_notices_waiting" in body:
            yield _gauge("assistant_handoff_notices_waiting", "Handoff notices not yet taken by the webhook.", body["handoff_notices_waiting"])
            yield _gauge("assistant_handoff_webhook_failing", "1 while the handoff webhook's last try failed.",
                         1 if body.get("handoff_webhook") else 0)
        if "rate_limit_redis" in body:
            yield _gauge("assistant_rate_limit_redis_up", "1 while the rate limits' Redis answers; 0: the limits are not enforced.",
                         1 if body["rate_limit_redis"] == "up" else 0)


class MetricsMiddleware:
    """Answers ``GET /metrics`` (the process's counters, then the health gauges) and counts the responses of
    the rest: 429 as rate-limited, 500 and up (or an error raised through it) as an HTTP error."""

    def __init__(self, app: ASGIApp, health: Callable[[], dict[str, Any]]) -> None:
        self.app = app
        self.health_registry = CollectorRegistry(auto_describe=False)
        self.health_registry.register(HealthCollector(health))

    def render(self) -> bytes:
        """The text Prometheus reads: this process's counters and figures, then the health gauges."""
        return generate_latest(REGISTRY) + generate_latest(self.health_registry)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if scope.get("path") == PATH and scope.get("method") in ("GET", "HEAD"):
            body = await run_in_threadpool(self.render)
            headers = [(b"content-type", CONTENT_TYPE_LATEST.encode()), (b"content-length", str(len(body)).encode()),
                       (b"cache-control", b"no-store")]
            await send({"type": "http.response.start", "status": 200, "headers": headers})
            await send({"type": "http.response.body", "body": b"" if scope["method"] == "HEAD" else body})
            return

        async def counting_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                safely(count_status, message["status"], scope.get("path", ""))
            await send(message)

        try:
            await self.app(scope, receive, counting_send)
        except Exception:
            safely(ERRORS.labels("http").inc)
            raise


def where_limited(path: str) -> str:
    """Where a 429 for ``path`` is counted: ``api`` under the HTTP API's prefixes, ``login`` for the staff login's
    throttle, ``other`` elsewhere."""
    if path.startswith(API_PREFIXES):
        return "api"
    if path.rstrip("/") == LOGIN_PATH:
        return "login"
    return "other"


def count_status(status: int, path: str) -> None:
    """Count a response's status: 429 as rate-limited (by ``where_limited``), 500 and up as an HTTP error."""
    if status == 429:
        RATE_LIMITED.labels(where_limited(path)).inc()
    elif status >= 500:
        ERRORS.labels("http").inc()


def install_metrics(app: Any, manager: Any | None) -> None:
    """Serve ``/metrics`` on ``app`` (the FastAPI app of ``ui.server.create_app``, before it starts) and count the
    turns of ``manager`` (None: no turns to count)."""
    app.add_middleware(MetricsMiddleware, health=healthz_of(app))
    if manager is not None:
        count_turns(manager)
