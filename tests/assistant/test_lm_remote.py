"""The OpenAI-compatible HTTP generator against a real local server: normal, failing, slow and down."""

from __future__ import annotations

import asyncio
import json
import socket
import threading
import time

import httpx
import pytest
import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, StreamingResponse

from assistant.lm.remote import GeneratorUnavailable, OpenAIGenerator

MESSAGES = [{"role": "user", "content": "How long is the reset link valid?"}]


def _sse(pieces: list[str], delay: float = 0.0):
    async def events():
        for piece in pieces:
            await asyncio.sleep(delay)
            chunk = {"object": "chat.completion.chunk", "choices": [{"index": 0, "delta": {"content": piece}}]}
            yield f"data: {json.dumps(chunk)}\n\n"
        yield "data: [DONE]\n\n"

    return StreamingResponse(events(), media_type="text/event-stream")


def build_server_app() -> FastAPI:
    app = FastAPI()
    app.state.calls = {"flaky": 0, "ok": 0}
    app.state.bodies = []

    @app.post("/ok/v1/chat/completions")
    async def ok(request: Request):
        app.state.calls["ok"] += 1
        app.state.bodies.append((await request.json(), request.headers.get("authorization")))
        return _sse(["Reset links", " expire after", " 30 minutes [1]."])

    @app.post("/flaky/v1/chat/completions")
    async def flaky(request: Request):
        app.state.calls["flaky"] += 1
        if app.state.calls["flaky"] == 1:
            return JSONResponse({"error": {"message": "overloaded"}}, status_code=503)
        return _sse(["second", " try"])

    @app.post("/error/v1/chat/completions")
    async def error(request: Request):
        return JSONResponse({"error": {"message": "model crashed"}}, status_code=500)

    @app.post("/slow/v1/chat/completions")
    async def slow(request: Request):
        await asyncio.sleep(5)
        return _sse(["too late"])

    @app.post("/trickle/v1/chat/completions")
    async def trickle(request: Request):
        return _sse(["a"] * 100, delay=0.01)

    @app.post("/garbled/{kind}/v1/chat/completions")
    async def garbled(kind: str):
        if kind == "plain-json":  # "stream": true ignored: one JSON body, no server-sent events
            return JSONResponse({"choices": [{"message": {"content": "Reset links expire after 30 minutes."}}]})
        return StreamingResponse(iter([f"data: {GARBLED[kind]}\n\n", "data: [DONE]\n\n"]), media_type="text/event-stream")

    return app


GARBLED = {
    "not-json": "{oops",
    "a-list": "[1, 2]",
    "null-choices": '{"choices": null}',
    "string-choice": '{"choices": ["x"]}',
    "string-delta": '{"choices": [{"delta": "x"}]}',
    "number-content": '{"choices": [{"delta": {"content": 7}}]}',
}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def server():
    app = build_server_app()
    port = _free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning")
    uv = uvicorn.Server(config)
    thread = threading.Thread(target=uv.run, daemon=True)
    thread.start()
    for _ in range(100):
        if uv.started:
            break
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}", app
    uv.should_exit = True
    thread.join(timeout=5)


def test_streams_the_reply_and_sends_model_key_and_limits(server) -> None:
    base, app = server
    generator = OpenAIGenerator(f"{base}/ok/v1", model="qwen", api_key="secret", timeout_s=2)

    pieces = list(generator.stream(MESSAGES, max_new_tokens=40))

    assert pieces == ["Reset links", " expire after", " 30 minutes [1]."]
    body, auth = app.state.bodies[-1]
    assert body["model"] == "qwen" and body["stream"] is True and body["max_tokens"] == 40
    assert body["messages"] == MESSAGES
    assert auth == "Bearer secret"


def test_a_failed_first_attempt_is_retried_once(server) -> None:
    base, app = server
    assert "".join(OpenAIGenerator(f"{base}/flaky/v1", timeout_s=2).stream(MESSAGES)) == "second try"
    assert app.state.calls["flaky"] == 2


def test_an_error_status_gives_up_after_one_retry(server) -> None:
    base, _ = server
    with pytest.raises(GeneratorUnavailable, match="HTTP 500"):
        list(OpenAIGenerator(f"{base}/error/v1", timeout_s=2).stream(MESSAGES))


class CountingTransport(httpx.HTTPTransport):
    """The real transport, counting the requests the client sends."""

    def __init__(self) -> None:
        super().__init__()
        self.sent = 0

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.sent += 1
        return super().handle_request(request)


def test_a_slow_server_times_out_twice_then_gives_up(server) -> None:
    base, _ = server
    transport = CountingTransport()
    with pytest.raises(GeneratorUnavailable, match="timed out"):
        list(OpenAIGenerator(f"{base}/slow/v1", timeout_s=0.3, transport=transport).stream(MESSAGES))
    assert transport.sent == 2


def test_no_retry_once_the_deadline_is_spent(server) -> None:
    base, _ = server
    transport = CountingTransport()
    generator = OpenAIGenerator(f"{base}/slow/v1", timeout_s=5, deadline_s=0.3, transport=transport)
    with pytest.raises(GeneratorUnavailable, match="timed out"):
        list(generator.stream(MESSAGES))
    assert transport.sent == 1  # the first request's wait was cut to the deadline, leaving no time to retry


class SteppingClock:
    """A clock that moves on by ``step`` seconds each time it is read, whatever the machine's load."""

    def __init__(self, step: float) -> None:
        self.now = 0.0
        self.step = step

    def __call__(self) -> float:
        self.now += self.step
        return self.now


def test_a_reply_that_never_ends_stops_at_the_deadline(server) -> None:
    base, _ = server
    # Each read of the clock counts as 10 s: the 200 s deadline falls after about 20 lines (10 pieces),
    # while real reads may still wait up to 30 s on a loaded machine.
    generator = OpenAIGenerator(f"{base}/trickle/v1", timeout_s=30, deadline_s=200, clock=SteppingClock(10))
    received: list[str] = []
    with pytest.raises(GeneratorUnavailable, match="no complete reply within 200 s"):
        for piece in generator.stream(MESSAGES):
            received.append(piece)
    assert 0 < len(received) < 100  # cut off mid-reply, and the part already shown is not retried


def test_a_server_that_is_down_fails() -> None:
    generator = OpenAIGenerator(f"http://127.0.0.1:{_free_port()}/v1", timeout_s=1)
    with pytest.raises(GeneratorUnavailable, match="cannot connect"):
        list(generator.stream(MESSAGES))


@pytest.mark.parametrize("kind", [*GARBLED, "plain-json"])
def test_a_reply_of_another_shape_is_retried_then_gives_up(server, kind: str) -> None:
    """A garbled stream or a plain JSON body is a failed attempt (retried once, then the caller falls back),
    not an error of another type nor an empty reply that would read as the model declining."""
    base, _ = server
    transport = CountingTransport()
    with pytest.raises(GeneratorUnavailable) as caught:
        list(OpenAIGenerator(f"{base}/garbled/{kind}/v1", timeout_s=2, transport=transport).stream(MESSAGES))
    assert transport.sent == 2
    assert '"x"' not in str(caught.value)  # the reply's text is not copied into the logged reason
