"""Running the `assistant` command in tests: typer's runner with the fakes selected, and its fixtures.

Test modules import the fixtures (``runner``, ``ingested``) from here, so they are defined once.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from typer.testing import CliRunner

from assistant import cli
from assistant.cli import app
from conftest import HASH_MIN_SCORE

FAKES = ["--embedder", "hash", "--generator", "scripted", "--answer-mode", "generative"]


@pytest.fixture
def runner(monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    # wide consoles, so that rich does not wrap paths and messages in the middle
    monkeypatch.setattr(cli.out, "_width", 300)
    monkeypatch.setattr(cli.err, "_width", 300)
    monkeypatch.setenv("ASSISTANT_MIN_RETRIEVAL_SCORE", str(HASH_MIN_SCORE))
    return CliRunner()


def invoke(runner: CliRunner, *args: str):  # type: ignore[no-untyped-def]
    """Run ``assistant --embedder hash --generator scripted --answer-mode generative ARGS...``."""
    return runner.invoke(app, [*FAKES, *args])


def flat(text: str) -> str:
    """Whitespace collapsed, so assertions do not depend on line wrapping."""
    return " ".join(text.split())


@pytest.fixture
def ingested(runner: CliRunner, kb_dir: Path) -> Path:
    result = invoke(runner, "ingest", str(kb_dir))
    assert result.exit_code == 0, result.output
    return kb_dir


@contextmanager
def serve_process(*options: str, env: dict[str, str] | None = None) -> Iterator[tuple[subprocess.Popen, str]]:
    """``assistant OPTIONS serve`` in a process of its own (the test's folder, the fakes' models), on a free
    port, once it answers ``/healthz``: the process (output piped) and its base URL. Killed at the end."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    command = [sys.executable, "-m", "assistant.cli", *options, "serve", "--port", str(port), "--no-warm-up"]
    environment = {**os.environ, **(env or {}), "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    server = subprocess.Popen(command, env=environment, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 600  # until it serves (a bound against a hang, not a timing check: a busy
        while True:  # machine took over 60 s to start one, and the test went on against a server not yet there)
            try:
                urllib.request.urlopen(f"{base}/healthz", timeout=1)
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    server.kill()
                    output = server.communicate()[0].decode(errors="replace")
                    raise AssertionError(f"the server did not start: {output[-2000:]}") from None
                time.sleep(0.1)
        yield server, base
    finally:
        server.kill()
