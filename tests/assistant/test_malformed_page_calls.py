"""A call to a page's endpoints with wrong arguments (``gradio_client``'s ``predict``) is one log line and a clear
error for the caller; an error of the server itself still logs its traceback.

Before, Gradio printed the whole traceback of each such call (pydantic's ``ValidationError`` from deep in its
queue) to the server's output, so anyone could fill the log with them by calling the chat page's API wrongly.
"""

from __future__ import annotations

import logging
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import gradio as gr
import httpx
import pytest
import uvicorn
from fastapi import FastAPI
from gradio_client import Client
from gradio_client.exceptions import AppError

from assistant.web_server import QuickStopServer, RefusalLog


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def served(app: FastAPI) -> Iterator[str]:
    """``app`` served as `assistant serve` serves it (``QuickStopServer``), on a free port, for the block."""
    port = free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", timeout_graceful_shutdown=1)
    server = QuickStopServer(config, app)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.time() + 30
    while not server.started and time.time() < deadline:
        time.sleep(0.1)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def tiny_page() -> FastAPI:
    """A page with one endpoint taking a chat history and a word; the word "boom" is a failure of the server."""

    def answer(history: list[dict[str, str]], word: str) -> str:
        if word == "boom":
            raise RuntimeError("the server itself failed")
        return f"{len(history)} message(s), {word}"

    with gr.Blocks() as page:
        history = gr.Chatbot()
        word = gr.Textbox()
        out = gr.Textbox()
        gr.Button().click(answer, [history, word], out, api_name="answer")
    return gr.mount_gradio_app(FastAPI(), page, path="/")


def test_wrong_arguments_are_one_log_line_and_a_clear_error(caplog: pytest.LogCaptureFixture, capfd: pytest.CaptureFixture[str]) -> None:
    with caplog.at_level(logging.WARNING, logger="assistant.web_server"), served(tiny_page()) as url:
        client = Client(url + "/", verbose=False)
        assert client.predict([], "hi", api_name="/answer") == "0 message(s), hi"
        with pytest.raises(AppError) as wrong_type:
            client.predict("not a history", "hi", api_name="/answer")
        too_few = httpx.post(url + "/gradio_api/call/answer", json={"data": ["only one"]}).json()["event_id"]
        too_few_events = httpx.get(f"{url}/gradio_api/call/answer/{too_few}").text  # a script's call over plain HTTP

    printed = capfd.readouterr().err
    lines = [r.getMessage() for r in caplog.records if r.name == "assistant.web_server"]
    assert "Traceback" not in printed and "ValidationError" not in printed
    # the first refusal of an endpoint is logged; the next ones at most once a minute (``RefusalLog``)
    assert len(lines) == 1 and "/answer with wrong arguments" in lines[0] and "\n" not in lines[0]
    assert "/answer" in str(wrong_type.value) and "valid list" in str(wrong_type.value) and "got str" in str(wrong_type.value)
    assert "event: error" in too_few_events and "needed 2 arguments, got 1" in too_few_events


def test_a_failure_of_the_server_itself_still_logs_its_traceback(capfd: pytest.CaptureFixture[str]) -> None:
    with served(tiny_page()) as url:
        with pytest.raises(AppError):
            Client(url + "/", verbose=False).predict([], "boom", api_name="/answer")

    printed = capfd.readouterr().err
    assert "Traceback" in printed and "RuntimeError: the server itself failed" in printed


def test_the_chat_page_refuses_a_malformed_call_without_a_traceback(
    assistant, caplog: pytest.LogCaptureFixture, capfd: pytest.CaptureFixture[str]
) -> None:  # type: ignore[no-untyped-def]
    with caplog.at_level(logging.WARNING, logger="assistant.web_server"), served(assistant.web_app()) as url:
        client = Client(url + "/", verbose=False)
        with pytest.raises(AppError, match="Wrong arguments for /poll"):
            client.predict(123, None, api_name="/poll")

    assert "Traceback" not in capfd.readouterr().err
    assert [r.getMessage() for r in caplog.records if r.name == "assistant.web_server"] == [
        "refused a call to /poll with wrong arguments: argument 1 (Chatbot): Input should be a valid list (got int)"
    ]


def two_histories_page() -> FastAPI:
    """A page with one endpoint taking two chat histories (the same component twice)."""
    with gr.Blocks() as page:
        mine, theirs = gr.Chatbot(), gr.Chatbot()
        out = gr.Textbox()
        gr.Button().click(lambda a, b: f"{len(a)} and {len(b)}", [mine, theirs], out, api_name="compare")
    return gr.mount_gradio_app(FastAPI(), page, path="/")


def test_the_argument_that_failed_is_named_by_its_position(caplog: pytest.LogCaptureFixture) -> None:
    # found by its component's data model, the first Chatbot was named whichever one failed: "argument 1"
    with caplog.at_level(logging.WARNING, logger="assistant.web_server"), served(two_histories_page()) as url:
        client = Client(url + "/", verbose=False)
        assert client.predict([], [], api_name="/compare") == "0 and 0"
        with pytest.raises(AppError, match=r"argument 2 \(Chatbot\): Input should be a valid list \(got int\)"):
            client.predict([], 5, api_name="/compare")

    assert [r.getMessage() for r in caplog.records if r.name == "assistant.web_server"] == [
        "refused a call to /compare with wrong arguments: argument 2 (Chatbot): Input should be a valid list (got int)"
    ]


def test_refusals_of_an_endpoint_are_logged_at_most_once_a_minute_with_a_count_of_those_left_out(
    caplog: pytest.LogCaptureFixture,
) -> None:
    now = [1000.0]
    refusals = RefusalLog(clock=lambda: now[0])
    with caplog.at_level(logging.WARNING, logger="assistant.web_server"):
        for second in (0, 1, 30, 59):
            now[0] = 1000.0 + second
            refusals.warning("/answer", "refused a call to /answer: call %d", second)
        refusals.warning("/poll", "refused a call to /poll")  # another endpoint has its own minute
        now[0] = 1061.0
        refusals.warning("/answer", "refused a call to /answer: call %d", 61)
        now[0] = 1062.0
        refusals.warning("/answer", "refused a call to /answer: call %d", 62)
        now[0] = 1200.0
        refusals.warning("/answer", "refused a call to /answer: call %d", 200)

    assert [r.getMessage() for r in caplog.records if r.name == "assistant.web_server"] == [
        "refused a call to /answer: call 0",
        "refused a call to /poll",
        "refused a call to /answer: call 61 (and 3 more refused calls to /answer since the last line, not logged)",
        "refused a call to /answer: call 200 (and 1 more refused calls to /answer since the last line, not logged)",
    ]
