"""`assistant serve` stops on SIGTERM while chat pages are open."""

from __future__ import annotations

import gc
import os
import http.client
import signal
import socket
from pathlib import Path

import pytest
from typer.testing import CliRunner

from assistant.app import Assistant
from assistant.config import load_settings
from conftest import HASH_MIN_SCORE
from cli_helpers import ingested, invoke, runner, serve_process  # noqa: F401 (fixtures)
from retrieval.ingest import ingest


def test_a_server_stops_on_sigterm_while_a_chat_page_is_open(kb_dir: Path, isolated: Path) -> None:
    """An open chat page keeps a stream (Gradio's heartbeat) open; uvicorn waited for it without end, then (with a
    grace period) for the whole 10 s of it, so the old server kept the data folder's spool meanwhile and a new one
    started at once stopped on its lock. Now the server ends the stream as its stop begins."""
    settings = load_settings(embedder="hash", generator="scripted")
    ingest([kb_dir], Assistant(settings).embedder, settings.index_dir)
    with serve_process("--embedder", "hash", "--generator", "scripted") as (server, base):
        page = http.client.HTTPConnection(base.removeprefix("http://"), timeout=30)
        page.request("GET", "/gradio_api/heartbeat/an-open-chat-page")  # what the page keeps open while shown
        stream = page.getresponse()
        assert stream.status == 200 and stream.readline().startswith(b"data: ALIVE")
        server.send_signal(signal.SIGTERM)
        assert stream.read().strip() == b""  # the server ended the stream (the client's timeout would raise instead)
        output = server.communicate(timeout=60)[0].decode()
        page.close()
    assert server.returncode == 0, output
    assert "timeout graceful shutdown exceeded" not in output  # nothing was left for the grace period to cut
    assert "Traceback" not in output and "Exception in ASGI application" not in output


def test_ctrl_c_stops_the_server_with_exit_status_0(kb_dir: Path, isolated: Path) -> None:
    """Ctrl-C is how a server run by hand is stopped: uvicorn.run took the KeyboardInterrupt as a stop (status 0);
    the server run without it ended in status 130, which a service manager or a script reads as a failure."""
    settings = load_settings(embedder="hash", generator="scripted")
    ingest([kb_dir], Assistant(settings).embedder, settings.index_dir)
    with serve_process("--embedder", "hash", "--generator", "scripted") as (server, _):
        server.send_signal(signal.SIGINT)
        output = server.communicate(timeout=60)[0].decode()
    assert server.returncode == 0, output
    assert "Traceback" not in output


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_serve_keeps_what_it_loaded_out_of_the_garbage_collectors_passes(
    runner: CliRunner, ingested: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The server's exit walked every object it had loaded (models, index, web app): 5.6-6.3 s of a stop on 2 cores
    after uvicorn had finished, and every full collection during turns did the same walk."""
    from assistant.web_server import QuickStopServer

    frozen_when_serving: list[int] = []
    def serve(server: QuickStopServer, *args: object, **kwargs: object) -> None:
        frozen_when_serving.append(gc.get_freeze_count())
        server.started = True

    monkeypatch.setattr(QuickStopServer, "run", serve)
    monkeypatch.setattr(signal, "signal", lambda *args: None)  # the test process keeps its own SIGTERM handling
    try:
        result = invoke(runner, "serve", "--port", str(free_port()), "--no-warm-up")
    finally:
        gc.unfreeze()  # the test process's objects go back to the collector

    assert result.exit_code == 0, result.output
    assert frozen_when_serving and frozen_when_serving[0] > 0


# Run in the server's process: a turn's write waits for the test's go-ahead, so that the server is stopped while
# the turn is being written (ASSISTANT_TEST_GATE: a folder; "writing" is made there, then "go" awaited).
HELD_WRITES = """
import os, time
from pathlib import Path
from assistant.store.sql_store import SqlStore
from dialog.events import UserMessage

gate = Path(os.environ["ASSISTANT_TEST_GATE"])
write = SqlStore.append

def held_append(self, session_id, events, *args, **kwargs):
    if any(isinstance(event, UserMessage) for event in events):
        (gate / "writing").touch()
        for _ in range(600):  # a bound against a hang, not a timing check
            if (gate / "go").exists():
                break
            time.sleep(0.1)
    return write(self, session_id, events, *args, **kwargs)

SqlStore.append = held_append
from assistant.cli import app
app()
"""


@pytest.mark.browser
def test_a_turn_being_written_when_the_server_is_stopped_is_stored_and_shown(kb_dir: Path, isolated: Path, tmp_path: Path) -> None:
    """A chat page in a real browser: its stream ends at once when the server is told to stop, but the turn it
    has under way is answered and stored before the server exits (within the grace period, not cut by it)."""
    import shutil
    import sqlite3
    import subprocess
    import sys
    import time

    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(chromium).exists():
        pytest.skip("Chromium not found")
    playwright_api = pytest.importorskip("playwright.sync_api")
    settings = load_settings(embedder="hash", generator="scripted", answer_mode="generative")
    ingest([kb_dir], Assistant(settings).embedder, settings.index_dir)
    gate = tmp_path / "gate"
    gate.mkdir()
    port = free_port()
    command = [sys.executable, "-c", HELD_WRITES, "--embedder", "hash", "--generator", "scripted", "--answer-mode", "generative",
               "serve", "--port", str(port), "--no-warm-up"]
    environment = {**os.environ, "ASSISTANT_TEST_GATE": str(gate), "ASSISTANT_MIN_RETRIEVAL_SCORE": str(HASH_MIN_SCORE),
                   "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    server = subprocess.Popen(command, env=environment, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        with playwright_api.sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=chromium, args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
            )
            page = browser.new_page()
            for _ in range(600):  # until it serves (a bound against a hang, not a timing check)
                try:
                    page.goto(base, wait_until="load")
                    break
                except playwright_api.Error:
                    time.sleep(0.2)
            page.locator("#question textarea").fill("How long is a password reset link valid?")
            page.locator("#send").click()
            for _ in range(600):
                if (gate / "writing").exists():
                    break
                time.sleep(0.1)
            assert (gate / "writing").exists()
            server.send_signal(signal.SIGTERM)  # the page's stream is open, its turn is being written
            (gate / "go").touch()
            playwright_api.expect(page.locator("#chat .bot").last).to_contain_text("30 minutes", timeout=60_000)
            output = server.communicate(timeout=60)[0].decode()  # the page stays open until the server has exited
            browser.close()
    finally:
        server.kill()
    assert server.returncode == 0, output
    assert "timeout graceful shutdown exceeded" not in output, output
    with sqlite3.connect(isolated / "assistant.db") as db:
        assert db.execute("SELECT count(*) FROM turns").fetchone()[0] == 1
