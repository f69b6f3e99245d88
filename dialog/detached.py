"""A turn that runs to its end even when nobody reads it any more.

The web servers drop a streamed response when its client goes away (a closed tab, a proxy timeout), and
a turn is stored only once its reply is complete; so the HTTP API and the chat page hand the rest of a
turn's updates to a thread of its own. A stopping server waits for those threads (``finish_running_turns``,
up to ``FINISH_AT_EXIT_S``, once it has stopped taking requests): they are daemon threads, killed when the
process exits, so a customer who closed the tab mid-reply just before a restart lost the turn.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Iterator
from typing import Any

log = logging.getLogger(__name__)

_END = object()
FINISH_AT_EXIT_S = 30.0  # a generated answer on a CPU takes seconds; a turn stuck longer is given up

_running: set[threading.Thread] = set()
_running_lock = threading.Lock()


def finish_alone(updates: Iterator[Any]) -> Iterator[Any]:
    """``updates``, produced from now on by a thread of their own and handed over as they come. When the
    reader stops or never starts (the client went away mid-reply, and the server dropped the response),
    the thread still runs them to the end: a turn is stored only once its reply is complete."""
    handed: queue.Queue[Any] = queue.Queue()

    def produce() -> None:
        try:
            for update in updates:
                handed.put(update)
            handed.put(_END)
        except BaseException as error:  # raised again by the reader
            handed.put(error)
        finally:
            with _running_lock:
                _running.discard(threading.current_thread())

    def read() -> Iterator[Any]:
        while (item := handed.get()) is not _END:
            if isinstance(item, BaseException):
                raise item
            yield item

    thread = threading.Thread(target=produce, name="finish-turn", daemon=True)
    with _running_lock:
        _running.add(thread)
    thread.start()
    return read()


def finish_running_turns(timeout_s: float = FINISH_AT_EXIT_S) -> int:
    """Wait up to ``timeout_s`` for the turns still running on their own; how many did not finish in time.
    For a stopping server, after it has stopped taking requests (the web app's shutdown)."""
    with _running_lock:
        running = list(_running)
    if running:
        log.warning("waiting for %d turn(s) under way to be stored (up to %g s)", len(running), timeout_s)
    deadline = time.monotonic() + timeout_s
    for thread in running:
        thread.join(max(0.0, deadline - time.monotonic()))
    unfinished = sum(thread.is_alive() for thread in running)
    if unfinished:
        log.warning("%d turn(s) still running after %g s are lost", unfinished, timeout_s)
    return unfinished

