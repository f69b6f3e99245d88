"""`assistant serve` keeps glibc to two arenas, so memory freed in worker threads is not kept for ever."""

from __future__ import annotations

import gc
import os
import platform
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

import assistant.cli
from cli_helpers import ingested, invoke, runner  # noqa: F401 (fixtures)
from tcp_stubs import free_port

ROOT = Path(__file__).resolve().parents[2]
glibc_only = pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="the arena limit is glibc's")

# Sixteen threads allocate at once through ctypes (which lets go of the GIL), so glibc would give them arenas
# of their own; malloc_stats() then lists the arenas on stderr.
CHURN = """
import ctypes, sys, threading
if sys.argv[1] == "limit":
    from assistant.malloc_arenas import limit_malloc_arenas
    print(limit_malloc_arenas(), file=sys.stderr)
elif sys.argv[1] == "cli":  # the command's own imports, as a server starts
    import assistant.cli
    print(assistant.cli.ALLOCATOR, file=sys.stderr)
libc = ctypes.CDLL("libc.so.6")
libc.malloc.restype = ctypes.c_void_p
libc.free.argtypes = [ctypes.c_void_p]
def churn():
    for _ in range(20000):
        libc.free(libc.malloc(4096))
threads = [threading.Thread(target=churn) for _ in range(16)]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
libc.malloc_stats()
"""


def arenas_after_churn(mode: str, **env: str) -> tuple[int, str]:
    environment = {k: v for k, v in os.environ.items() if k != "MALLOC_ARENA_MAX"} | env
    done = subprocess.run(
        [sys.executable, "-c", CHURN, mode], cwd=ROOT, env=environment, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    lines = done.stderr.splitlines()
    return sum(line.startswith("Arena ") for line in lines), lines[0]


@glibc_only
def test_the_limit_keeps_threads_that_allocate_at_once_to_two_arenas() -> None:
    arenas, said = arenas_after_churn("limit")
    assert arenas <= 2
    assert said == "C allocator: at most 2 arenas (set MALLOC_ARENA_MAX to change)"


@glibc_only
def test_malloc_arena_max_in_the_environment_wins() -> None:
    arenas, said = arenas_after_churn("limit", MALLOC_ARENA_MAX="3")
    assert said == "C allocator: MALLOC_ARENA_MAX=3 from the environment"
    assert arenas <= 3


@glibc_only
def test_the_assistant_command_limits_the_arenas_before_its_imports_start_threads() -> None:
    """Called at the start of `assistant serve`, the limit came too late: threads started by the imports had taken
    arenas, glibc had fixed its limit, and the server ran with four."""
    arenas, said = arenas_after_churn("cli")
    assert arenas <= 2
    assert said == "C allocator: at most 2 arenas (set MALLOC_ARENA_MAX to change)"


def test_serve_says_what_it_did_with_the_arenas(runner: CliRunner, ingested: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from assistant.web_server import QuickStopServer

    monkeypatch.setattr(assistant.cli, "ALLOCATOR", "C allocator: limited")
    monkeypatch.setattr(QuickStopServer, "run", lambda server, *args, **kwargs: setattr(server, "started", True))  # served, stopped
    monkeypatch.setattr(signal, "signal", lambda *args: None)  # the test process keeps its own SIGTERM handling
    try:
        result = invoke(runner, "serve", "--port", str(free_port()), "--no-warm-up")
    finally:
        gc.unfreeze()
    assert result.exit_code == 0, result.output
    assert "C allocator: limited" in result.output
