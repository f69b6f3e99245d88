"""A turn that runs to its end even when nobody reads it any more.

The web servers drop a streamed response when its client goes away (a closed tab, a proxy timeout), and
a turn is stored only once its reply is complete; so the HTTP API and the chat page hand the rest of a
turn's updates to a thread of its own.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator
from typing import Any

_END = object()


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

    def read() -> Iterator[Any]:
        while (item := handed.get()) is not _END:
            if isinstance(item, BaseException):
                raise item
            yield item

    threading.Thread(target=produce, name="finish-turn", daemon=True).start()
    return read()
