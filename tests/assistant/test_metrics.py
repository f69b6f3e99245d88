"""`assistant serve`'s /metrics (Prometheus text format) and the time on its start-up lines."""

from __future__ import annotations

import gc
import json
import re
import signal
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from prometheus_client.parser import text_string_to_metric_families
from starlette.applications import Starlette
from starlette.responses import PlainTextResponse
from starlette.routing import Route
from starlette.testclient import TestClient
from typer.testing import CliRunner

import assistant.cli
from assistant import metrics
from assistant.app import Assistant
from assistant.config import load_settings
from assistant.metrics import MetricsMiddleware, count_turns, counted, route_of
from cli_helpers import ingested, invoke, runner, serve_process  # noqa: F401 (fixtures)
from conftest import HASH_MIN_SCORE
from dialog.manager import InvalidMessage, TurnResult, TurnUpdate
from retrieval.ingest import ingest

TIMESTAMP = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z"


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Each sample of a /metrics text by (name, labels)."""
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text) for sample in family.samples
    }


def scrape(base: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    with urllib.request.urlopen(f"{base}/metrics", timeout=30) as response:
        assert response.headers["content-type"].startswith("text/plain; version=")
        return samples(response.read().decode())


def post(url: str, body: dict | None = None) -> tuple[int, bytes]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, headers={"content-type": "application/json"}, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def test_a_turn_is_counted_at_metrics_of_the_server_that_answered_it(kb_dir: Path, isolated: Path) -> None:
    """There was no /metrics (the chat page's 404). Now a turn over the API is counted by route and timed, a message
    over the per-conversation limit is counted as rate-limited, and the /healthz figures are gauges."""
    settings = load_settings(embedder="hash", generator="scripted")
    ingest([kb_dir], Assistant(settings).embedder, settings.index_dir)
    env = {"ASSISTANT_MIN_RETRIEVAL_SCORE": str(HASH_MIN_SCORE), "ASSISTANT_RATE_LIMIT_PER_SESSION": "1/hour"}
    with serve_process("--embedder", "hash", "--generator", "scripted", env=env) as (server, base):
        before = scrape(base)
        session = json.loads(post(f"{base}/api/sessions")[1])["session_id"]
        status, reply = post(f"{base}/api/sessions/{session}/messages", {"text": "How much does express shipping cost?"})
        assert status == 200 and b"event: done" in reply and b"$12.50" in reply
        refused, _ = post(f"{base}/api/sessions/{session}/messages", {"text": "And standard shipping?"})
        after = scrape(base)
        server.send_signal(signal.SIGTERM)
        output = server.communicate(timeout=60)[0].decode()

    answered = ("assistant_turns_total", (("route", "answer"),))
    assert after[answered] == before[answered] + 1
    assert after[("assistant_turn_seconds_count", ())] == before[("assistant_turn_seconds_count", ())] + 1
    assert after[("assistant_turn_seconds_sum", ())] > before[("assistant_turn_seconds_sum", ())]
    assert refused == 429
    limited = ("assistant_rate_limited_total", (("where", "api"),))
    assert after[limited] == before[limited] + 1
    assert after[("assistant_errors_total", (("kind", "turn"),))] == 0
    assert after[("assistant_database_up", ())] == 1 and after[("assistant_spooled_writes", ())] == 0
    assert after[("assistant_index_chunks", ())] > 0
    assert ("process_resident_memory_bytes", ()) in after  # prometheus_client's own figures of the process

    # the start-up summary carries the time as the log lines do
    summary = [line for line in output.splitlines() if "Serving on http://" in line or line.endswith("(no staff_api_keys)")]
    assert len(summary) == 2, output
    for line in summary:
        assert re.match(rf"{TIMESTAMP} (Serving on|Staff API)", line), line


def test_every_start_up_line_of_serve_begins_with_its_utc_time(runner: CliRunner, ingested: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from assistant.web_server import QuickStopServer

    monkeypatch.setattr(QuickStopServer, "run", lambda server, *args, **kwargs: setattr(server, "started", True))  # served, stopped
    monkeypatch.setattr(signal, "signal", lambda *args: None)  # the test process keeps its own SIGTERM handling
    monkeypatch.setattr(assistant.cli, "listen_problem", lambda host, port: None)
    try:
        result = invoke(runner, "serve", "--no-warm-up")
    finally:
        gc.unfreeze()
    assert result.exit_code == 0, result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert any("Serving on" in line for line in lines) and any("Metrics: /metrics" in line for line in lines), lines
    for line in lines:
        assert re.match(rf"{TIMESTAMP} \S", line), line


# -- counting, in the process ------------------------------------------------------------------------------------


def result(action: str, abstained: bool = False, handoff: bool = False, total_ms: float | None = 40.0) -> TurnResult:
    timings = {} if total_ms is None else {"total_ms": total_ms}
    return TurnResult("s", "text", action, "why", "intent", abstained=abstained, handoff=handoff, timings_ms=timings)


@pytest.mark.parametrize(("turn", "route"), [
    (result("answer"), "answer"),
    (result("answer", abstained=True), "declined"),
    (result("decline"), "declined"),
    (result("clarify"), "clarify"),
    (result("business"), "action"),
    (result("handoff", handoff=True), "handoff"),
    (result("answer", handoff=True), "handoff"),
    (result("fallback"), "fallback"),
    (result("a_new_kind_of_turn"), "other"),
])
def test_each_turn_is_counted_under_its_route(turn: TurnResult, route: str) -> None:
    assert route_of(turn) == route


def value(name: str, **labels: str) -> float:
    from prometheus_client import REGISTRY

    return REGISTRY.get_sample_value(name, labels) or 0.0


def updates(outcome: TurnResult) -> Iterator[TurnUpdate]:
    yield TurnUpdate("Part", outcome.session_id)
    yield TurnUpdate(outcome.text, outcome.session_id, done=True, result=outcome)


class Manager:
    """As ``DialogManager``: ``stream`` is a generator (its checks run at the first update), ``handle`` runs it."""

    def stream(self, session_id: str | None, text: str, **kwargs: Any) -> Iterator[TurnUpdate]:
        if not text.strip():
            raise InvalidMessage("Please type a message.")
        if text == "fail":
            raise RuntimeError("the generator broke")
        yield from updates(result("clarify", total_ms=250.0))

    def handle(self, session_id: str | None, text: str) -> TurnResult:
        update = TurnUpdate("")
        for update in self.stream(session_id, text):
            pass
        assert update.result is not None
        return update.result


def test_a_turn_is_counted_once_done_with_its_time_and_a_failed_one_as_an_error() -> None:
    manager = Manager()
    count_turns(manager)
    count_turns(manager)  # once only
    clarified, seconds, errors = value("assistant_turns_total", route="clarify"), value("assistant_turn_seconds_sum"), value("assistant_errors_total", kind="turn")

    assert manager.handle(None, "which one?").action == "clarify"
    assert value("assistant_turns_total", route="clarify") == clarified + 1
    assert value("assistant_turn_seconds_sum") == pytest.approx(seconds + 0.25)  # the turn's own total_ms
    with pytest.raises(InvalidMessage):
        manager.handle(None, "  ")  # the customer's mistake, not an error
    assert value("assistant_errors_total", kind="turn") == errors
    with pytest.raises(RuntimeError):
        manager.handle(None, "fail")
    assert value("assistant_errors_total", kind="turn") == errors + 1
    assert value("assistant_turns_total", route="clarify") == clarified + 1


def test_a_metric_that_fails_never_fails_the_turn(monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    def broken(*args: Any) -> None:
        raise ValueError("a broken metric")

    monkeypatch.setattr(metrics.TURNS, "labels", broken)
    got = list(counted(updates(result("answer"))))
    assert [update.text for update in got] == ["Part", "text"] and got[-1].result is not None
    assert "a metric could not be counted" in caplog.text


def test_a_reader_that_stops_early_closes_the_turn() -> None:
    closed: list[bool] = []

    def turn() -> Iterator[TurnUpdate]:
        try:
            yield TurnUpdate("Part")
            yield TurnUpdate("More")
        finally:
            closed.append(True)

    reading = counted(turn())
    next(reading)
    reading.close()
    assert closed == [True]


# -- the middleware, on a small app ---------------------------------------------------------------------------------


def small_app(health: Any) -> TestClient:
    async def limited(request: Any) -> PlainTextResponse:
        return PlainTextResponse("slow down", status_code=429)

    async def broken(request: Any) -> PlainTextResponse:
        return PlainTextResponse("oops", status_code=503)

    app = Starlette(routes=[Route("/api/limited", limited), Route("/api/broken", broken)])
    app.add_middleware(MetricsMiddleware, health=health)
    return TestClient(app)


def test_metrics_gives_the_healthz_figures_and_counts_refused_and_failed_responses() -> None:
    client = small_app(lambda: {"status": "ok", "chunks": 12, "index_version": "2026-12-06T10:00:00Z", "database": "down",
                                "spooled_writes": 3, "handoff_notices_waiting": 2, "handoff_webhook": "failing (HTTP 503)",
                                "rate_limit_redis": "up"})
    before = samples(client.get("/metrics").text)
    assert client.get("/api/limited").status_code == 429
    assert client.get("/api/broken").status_code == 503
    after = samples(client.get("/metrics").text)

    assert after[("assistant_rate_limited_total", (("where", "api"),))] == before[("assistant_rate_limited_total", (("where", "api"),))] + 1
    assert after[("assistant_errors_total", (("kind", "http"),))] == before[("assistant_errors_total", (("kind", "http"),))] + 1
    assert after[("assistant_database_up", ())] == 0 and after[("assistant_spooled_writes", ())] == 3
    assert after[("assistant_spool_error", ())] == 0 and after[("assistant_index_chunks", ())] == 12
    assert after[("assistant_index_info", (("index_version", "2026-12-06T10:00:00Z"),))] == 1
    assert after[("assistant_handoff_notices_waiting", ())] == 2 and after[("assistant_handoff_webhook_failing", ())] == 1
    assert after[("assistant_rate_limit_redis_up", ())] == 1


def test_metrics_still_answers_when_the_health_figures_cannot_be_read(caplog: pytest.LogCaptureFixture) -> None:
    def health() -> dict[str, Any]:
        raise RuntimeError("the store is gone")

    response = small_app(health).get("/metrics")
    assert response.status_code == 200
    names = {name for name, _ in samples(response.text)}
    assert "assistant_turns_total" in names and "assistant_database_up" not in names
    assert "could not read the health figures" in caplog.text


def test_the_healthz_of_the_web_app_is_what_metrics_reads() -> None:
    def health() -> dict[str, Any]:
        return {"database": "up"}

    app = Starlette()
    app.state.health = health  # as ui.server.create_app keeps it
    assert metrics.healthz_of(app) is health
    with pytest.raises(ValueError):
        metrics.healthz_of(Starlette(routes=[]))


def test_a_message_the_chat_page_refuses_for_the_limits_is_counted(assistant: Any) -> None:
    from assistant.api_security import Rate
    from ui.chat import ChatPage

    page = ChatPage(assistant.manager, per_ip=None, per_session=Rate.parse("1/minute"))
    before = metrics.RATE_LIMITED.labels("chat")._value.get()
    assert page.too_many_messages(None, "a-conversation", "hello") is None
    assert page.too_many_messages(None, "a-conversation", "hello again")  # over the limit: a warning

    assert metrics.RATE_LIMITED.labels("chat")._value.get() == before + 1

# -- a turn that fails inside its action, and where a 429 comes from ----------------------------------------------


class BrokenRetriever:
    """An index that cannot be searched: every search raises."""

    index_version = "v1"

    def search(self, query: str, k: int = 3, filters: dict | None = None) -> list[Any]:
        raise RuntimeError("the index is unreadable")

    def article_titles(self) -> dict[str, str]:
        return {}

    def embed_ahead(self, queries: list[str]) -> None:
        pass


def test_a_turn_whose_action_fails_is_counted_as_fallback_and_as_a_failed_turn() -> None:
    """The manager catches a broken index and answers with its fallback reply: the turn was counted under
    ``fallback`` only, not in assistant_errors_total{kind="turn"}, which the docs' alert watches."""
    from assistant.lm.base import ScriptedGenerator
    from dialog.actions import AnswerFromKnowledgeBase
    from dialog.manager import DialogManager
    from dialog.store import InMemoryStore

    manager = DialogManager(InMemoryStore(), AnswerFromKnowledgeBase(BrokenRetriever(), ScriptedGenerator(), 3, 0.45, 160))
    count_turns(manager)
    fallbacks, errors = value("assistant_turns_total", route="fallback"), value("assistant_errors_total", kind="turn")

    failed = manager.handle(None, "How much does express shipping cost?")

    assert failed.action == "fallback"
    assert value("assistant_turns_total", route="fallback") == fallbacks + 1
    assert value("assistant_errors_total", kind="turn") == errors + 1
    assert failed.error == "RuntimeError: the index is unreadable"
    not_understood = TurnResult("s", "Sorry?", "fallback", "not understood", "unknown")  # a fallback with no error
    metrics.count_turn(not_understood, 0.01)
    assert value("assistant_errors_total", kind="turn") == errors + 1
    assert value("assistant_turns_total", route="fallback") == fallbacks + 2


def test_a_429_is_counted_by_where_it_came_from(tmp_path: Path) -> None:
    """Every 429 was counted as ``api``, the staff login throttle's too. Now ``api`` counts the HTTP API's paths
    only, ``login`` the throttle of /review/login (the real guard of the web pages), ``other`` any other 429."""
    from ui.login_throttle import LoginThrottle
    from ui.web_guards import WebPageGuard

    async def limited(request: Any) -> PlainTextResponse:
        return PlainTextResponse("slow down", status_code=429)

    async def wrong_password(request: Any) -> PlainTextResponse:
        return PlainTextResponse("Incorrect credentials", status_code=401)

    app = Starlette(routes=[Route("/api/limited", limited), Route("/v1/chat/completions", limited, methods=["POST"]),
                            Route("/review/login", wrong_password, methods=["POST"]), Route("/gradio_api/queue/join", limited)])
    app.add_middleware(WebPageGuard, throttle=LoginThrottle(failures=1), upload_folder=str(tmp_path))
    app.add_middleware(MetricsMiddleware, health=lambda: {})
    client = TestClient(app)
    before = samples(client.get("/metrics").text)
    assert client.get("/api/limited").status_code == 429
    assert client.post("/v1/chat/completions").status_code == 429
    login = {"username": "ana", "password": "guess"}
    assert client.post("/review/login", data=login).status_code == 401
    assert client.post("/review/login", data=login).status_code == 429  # the throttle: too many failed logins
    assert client.get("/gradio_api/queue/join").status_code == 429
    after = samples(client.get("/metrics").text)

    def added(where: str) -> float:
        key = ("assistant_rate_limited_total", (("where", where),))
        return after[key] - before[key]

    assert (added("api"), added("login"), added("other"), added("chat")) == (2, 1, 1, 0)
