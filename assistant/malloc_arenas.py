"""Few C-allocator arenas for a long-running server (glibc only).

glibc gives threads that allocate at the same moment arenas of their own, up to eight per core, and keeps
the memory freed in each for reuse. In a server whose worker threads come and go (uvicorn's thread pool, the
tokenizer's, the embedder's) that kept memory grew without end in a soak: 0.8 MB a minute after an hour,
flat with two arenas (docs/benchmarks.md, "Long runs: memory"). The ``assistant`` command therefore limits
them to ``SERVER_ARENAS`` as this module is imported, unless ``MALLOC_ARENA_MAX`` is set in its environment
(which glibc has read already). It must come before any thread allocates: once a few threads have arenas of
their own, glibc fixes the limit and a later call changes nothing (``assistant serve`` calling it at its start
still had four).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import sys

SERVER_ARENAS = 2
M_ARENA_MAX = -8  # mallopt's parameter number for the arena limit (glibc's malloc.h)


def limit_malloc_arenas(limit: int = SERVER_ARENAS) -> str:
    """Cap glibc's arenas at ``limit``; says what was done, for the server's start-up log."""
    if "MALLOC_ARENA_MAX" in os.environ:
        return f"C allocator: MALLOC_ARENA_MAX={os.environ['MALLOC_ARENA_MAX']} from the environment"
    if not sys.platform.startswith("linux"):
        return "C allocator: system default (the arena limit is for glibc)"
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):  # musl (Alpine) and other C libraries have no mallopt
        return "C allocator: system default (not glibc)"
    mallopt.argtypes, mallopt.restype = [ctypes.c_int, ctypes.c_int], ctypes.c_int
    if mallopt(M_ARENA_MAX, limit) != 1:
        return "C allocator: system default (glibc refused the arena limit)"
    return f"C allocator: at most {limit} arenas (set MALLOC_ARENA_MAX to change)"


ALLOCATOR = limit_malloc_arenas()  # what was done, for `assistant serve`'s start-up lines
