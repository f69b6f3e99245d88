"""Model passes while this process builds a reloaded index in another thread.

A reload builds the keyword index, the spelling words and the answer sentences of the new index in Python, on one
core, for seconds on a large help centre. A question's forward pass meanwhile asked torch for all its threads
(two on two cores): its parallel sections then waited on a thread that had no core, and a query embedding took
627-928 ms (median, in one process on the demo index with the build run over and over; 54-169 ms with no build; on
a 12,033-chunk help centre the slowest questions during a reload took 0.5-0.8 s). With one thread fewer while a
build runs, the same took 71-110 ms (docs/benchmarks.md, "Index reloads").
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

_lock = threading.Lock()
_builders: dict[int, int] = {}  # thread id -> reload builds under way in it


@contextmanager
def building() -> Iterator[None]:
    """Mark a reload build under way in the calling thread (the reloading thread wraps its build in it)."""
    me = threading.get_ident()
    with _lock:
        _builders[me] = _builders.get(me, 0) + 1
    try:
        yield
    finally:
        with _lock:
            _builders[me] -= 1
            if not _builders[me]:
                del _builders[me]


def built_elsewhere() -> bool:
    """Whether a reload build is under way in another thread than the calling one."""
    me = threading.get_ident()
    return any(thread != me for thread in list(_builders))


@contextmanager
def passes_beside_builds() -> Iterator[None]:
    """Run a torch forward pass in the calling thread with one intra-op thread fewer while a reload build runs in
    another thread (the build holds a core), and as before otherwise: the build's own passes (its answer sentences)
    keep every thread. torch's thread count is the calling thread's (OpenMP) and is put back after the pass."""
    if not built_elsewhere():
        yield
        return
    import torch

    before = torch.get_num_threads()
    if before <= 1:
        yield
        return
    torch.set_num_threads(before - 1)
    try:
        yield
    finally:
        torch.set_num_threads(before)
