"""`assistant serve` stops on SIGTERM while chat pages are open."""

from __future__ import annotations

import http.client
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from assistant.app import Assistant
from assistant.config import load_settings
from retrieval.ingest import ingest


def test_a_server_stops_on_sigterm_while_a_chat_page_is_open(kb_dir: Path, isolated: Path) -> None:
    """An open chat page keeps a stream (Gradio's heartbeat) open; uvicorn waited for it without end, so the old
    server kept the port's clients and the data folder's spool, and a new one could not start."""
    settings = load_settings(embedder="hash", generator="scripted")
    ingest([kb_dir], Assistant(settings).embedder, settings.index_dir)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    command = [sys.executable, "-m", "assistant.cli", "--embedder", "hash", "--generator", "scripted",
               "serve", "--port", str(port), "--no-warm-up"]
    environment = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    server = subprocess.Popen(command, env=environment, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    page = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        for _ in range(600):  # until it serves (a bound against a hang, not a timing check)
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1)
                break
            except OSError:
                time.sleep(0.1)
        page.request("GET", "/gradio_api/heartbeat/an-open-chat-page")  # what the page keeps open while shown
        stream = page.getresponse()
        assert stream.status == 200 and stream.readline().startswith(b"data: ALIVE")
        server.send_signal(signal.SIGTERM)
        output = server.communicate(timeout=60)[0].decode()  # it waited on for as long as the page stayed open
    finally:
        server.kill()
        page.close()
    assert server.returncode == 0, output
