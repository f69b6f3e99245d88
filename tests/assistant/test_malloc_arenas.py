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
from assistant.malloc_arenas import limit_malloc_arenas
if sys.argv[1] == "limit":
    print(limit_malloc_arenas(), file=sys.stderr)
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


def test_serve_limits_the_arenas_before_it_loads_anything(
    runner: CliRunner, ingested: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import uvicorn

    order: list[str] = []
    monkeypatch.setattr(assistant.cli, "limit_malloc_arenas", lambda: order.append("arenas") or "C allocator: limited")
    real_init = assistant.cli.Assistant.__init__
    monkeypatch.setattr(assistant.cli.Assistant, "__init__", lambda self, *a, **k: order.append("assistant") or real_init(self, *a, **k))
    monkeypatch.setattr(uvicorn, "run", lambda *args, **kwargs: order.append("serving"))
    monkeypatch.setattr(signal, "signal", lambda *args: None)  # the test process keeps its own SIGTERM handling
    try:
        result = invoke(runner, "serve", "--port", str(free_port()), "--no-warm-up")
    finally:
        gc.unfreeze()
    assert result.exit_code == 0, result.output
    assert order == ["arenas", "assistant", "serving"]
    assert "C allocator: limited" in result.output
