"""`assistant serve` stops on SIGTERM while chat pages are open."""

from __future__ import annotations

import gc
import http.client
import signal
import socket
from pathlib import Path

import pytest
from typer.testing import CliRunner

from assistant.app import Assistant
from assistant.config import load_settings
from cli_helpers import ingested, invoke, runner, serve_process  # noqa: F401 (fixtures)
from retrieval.ingest import ingest


def test_a_server_stops_on_sigterm_while_a_chat_page_is_open(kb_dir: Path, isolated: Path) -> None:
    """An open chat page keeps a stream (Gradio's heartbeat) open; uvicorn waited for it without end, so the old
    server kept the port's clients and the data folder's spool, and a new one could not start."""
    settings = load_settings(embedder="hash", generator="scripted")
    ingest([kb_dir], Assistant(settings).embedder, settings.index_dir)
    with serve_process("--embedder", "hash", "--generator", "scripted") as (server, base):
        page = http.client.HTTPConnection(base.removeprefix("http://"), timeout=30)
        page.request("GET", "/gradio_api/heartbeat/an-open-chat-page")  # what the page keeps open while shown
        stream = page.getresponse()
        assert stream.status == 200 and stream.readline().startswith(b"data: ALIVE")
        server.send_signal(signal.SIGTERM)
        output = server.communicate(timeout=60)[0].decode()  # it waited on for as long as the page stayed open
        page.close()
    assert server.returncode == 0, output
    assert "Cancel 1 running task(s), timeout graceful shutdown exceeded" in output
    assert "Traceback" not in output and "Exception in ASGI application" not in output  # an expected end, not an error


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_serve_keeps_what_it_loaded_out_of_the_garbage_collectors_passes(
    runner: CliRunner, ingested: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The server's exit walked every object it had loaded (models, index, web app): 5.6-6.3 s of a stop on 2 cores
    after uvicorn had finished, and every full collection during turns did the same walk."""
    import uvicorn

    frozen_when_serving: list[int] = []
    monkeypatch.setattr(uvicorn, "run", lambda *args, **kwargs: frozen_when_serving.append(gc.get_freeze_count()))
    monkeypatch.setattr(signal, "signal", lambda *args: None)  # the test process keeps its own SIGTERM handling
    try:
        result = invoke(runner, "serve", "--port", str(free_port()), "--no-warm-up")
    finally:
        gc.unfreeze()  # the test process's objects go back to the collector

    assert result.exit_code == 0, result.output
    assert frozen_when_serving and frozen_when_serving[0] > 0
