"""`assistant serve` stops on SIGTERM while chat pages are open."""

from __future__ import annotations

import http.client
import signal
from pathlib import Path

from assistant.app import Assistant
from assistant.config import load_settings
from cli_helpers import serve_process
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
