"""Few C-allocator arenas for a long-running server (glibc only).

glibc gives threads that allocate at the same moment arenas of their own, up to eight per core, and keeps
the memory freed in each for reuse. In a server whose worker threads come and go (uvicorn's thread pool, the
tokenizer's, the embedder's) that kept memory grew without end in a soak: 0.8 MB a minute after an hour,
flat with two arenas (docs/benchmarks.md, "Long runs: memory"). The ``assistant`` command therefore limits
them to ``SERVER_ARENAS`` as this module is imported, unless ``MALLOC_ARENA_MAX`` is set in its environment
(which glibc has read already). It must come before any thread allocates: once a few threads have arenas of
their own, glibc fixes the limit and a later call changes nothing (``assistant serve`` calling it at its start
still had four).

``release_freed_memory`` hands back to the system what glibc keeps of memory already freed (``malloc_trim``): an
ingest inside the server (the staff tab's *Index again*, ``kb_watch_s``) embeds batches of up to 64 long texts and
loads a second index beside the one answering; once they were freed glibc kept their pages, and the server grew
with each ingest (docs/benchmarks.md, "Index reloads").
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import sys
from pathlib import Path

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


def _rss_mb() -> float | None:
    """This process's resident memory in MB (Linux), else None."""
    try:
        return int(Path("/proc/self/statm").read_text().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
    except (OSError, ValueError, IndexError):
        return None


def release_freed_memory() -> str:
    """Return the memory glibc keeps from freed allocations to the system (``malloc_trim(0)``, every arena); says
    what was done, with the resident memory before and after, for the log. Elsewhere it does nothing."""
    if not sys.platform.startswith("linux"):
        return "C allocator: nothing trimmed (malloc_trim is glibc's)"
    try:
        malloc_trim = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6").malloc_trim
    except (OSError, AttributeError):  # musl and other C libraries
        return "C allocator: nothing trimmed (not glibc)"
    malloc_trim.argtypes, malloc_trim.restype = [ctypes.c_size_t], ctypes.c_int
    before = _rss_mb()
    malloc_trim(0)
    after = _rss_mb()
    if before is None or after is None:
        return "C allocator: freed memory returned to the system (malloc_trim)"
    return f"C allocator: freed memory returned to the system (malloc_trim): resident {before:.0f} -> {after:.0f} MB"


ALLOCATOR = limit_malloc_arenas()  # what was done, for `assistant serve`'s start-up lines
