"""A stopping server stores the turns still under way whose client has gone (dialog/detached.py)."""

from __future__ import annotations

import asyncio
import json
import threading
import time

from fastapi.testclient import TestClient

from assistant.app import Assistant
from assistant.lm.base import ScriptedGenerator
from dialog.detached import finish_alone, finish_running_turns

QUESTION = "How long do password reset links work?"


class SlowAfterTheFirstWord(ScriptedGenerator):
    """Writes its first word, then takes half a second for the rest, as a model on a CPU does."""

    def stream(self, messages, max_new_tokens=160):  # type: ignore[no-untyped-def]
        for position, piece in enumerate(super().stream(messages, max_new_tokens)):
            if position == 1:
                time.sleep(0.5)
            yield piece


async def read_the_start_and_leave(app, path: str, body: bytes) -> list[bytes]:  # type: ignore[no-untyped-def]
    """A client that reads the first piece of a streamed reply and closes the connection."""
    pieces: list[bytes] = []
    gone = asyncio.Event()
    requests = iter([{"type": "http.request", "body": body, "more_body": False}])

    async def receive() -> dict:  # type: ignore[type-arg]
        request = next(requests, None)
        if request is None:
            await gone.wait()
            return {"type": "http.disconnect"}
        return request

    async def send(message: dict) -> None:  # type: ignore[type-arg]
        if message["type"] == "http.response.body" and message.get("body"):
            pieces.append(message["body"])
            gone.set()

    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST", "scheme": "http",
        "path": path, "raw_path": path.encode(), "query_string": b"", "root_path": "",
        "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())],
        "client": ("127.0.0.1", 1), "server": ("testserver", 80),
    }
    await app(scope, receive, send)
    return pieces


def test_a_stopping_server_stores_the_turn_of_a_client_that_left_mid_reply(assistant: Assistant) -> None:
    """A customer closed the tab mid-reply just before a restart: the turn ran on in a daemon thread, which the
    process's exit killed, and the conversation lost it."""
    assistant.manager.answer_action.generator = SlowAfterTheFirstWord()
    app = assistant.web_app()
    session_id = assistant.manager.start_session("api")
    body = json.dumps({"text": QUESTION}).encode()

    with TestClient(app):  # started, then stopped as uvicorn stops it: the app's shutdown runs
        pieces = asyncio.run(read_the_start_and_leave(app, f"/api/sessions/{session_id}/messages", body))

    assert len(pieces) == 1 and b'"done"' not in pieces[0]  # the client saw only the start
    stored = assistant.store.load_events(session_id)
    assert [e.text for e in stored if e.type_name == "user"] == [QUESTION]
    assert any(e.type_name == "bot" and "30 minutes" in e.text for e in stored)


def test_finish_running_turns_waits_for_each_turn_left_to_itself() -> None:
    release, finished = threading.Event(), []

    def turn():  # type: ignore[no-untyped-def]
        yield "first words"
        release.wait()
        finished.append(True)
        yield "the rest"

    reader = finish_alone(turn())
    assert next(reader) == "first words"  # then the reader went away
    release.set()

    assert finish_running_turns() == 0
    assert finished == [True]
