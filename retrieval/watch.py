"""Keep the index in step with folders that change (``assistant ingest --watch``), and a running server in
step with its index folder (``Poller``, used by ``retrieval.retriever.Retriever``).

The watcher polls the size and modification time of every file ingest would read, so it works on
network shares and synced folders, where file-change notifications often do not arrive. A change is
ingested once the files have stayed the same for one more interval, so a copy still being written is
not read half-way. A folder that had files and now has none (a share that is no longer mounted, a sync
that failed) is not ingested: that would take all its documents out of the index.
"""

from __future__ import annotations

import logging
import threading
import time
import weakref
from collections.abc import Callable, Iterable
from pathlib import Path

from retrieval.loaders import iter_files

logger = logging.getLogger(__name__)

Snapshot = dict[str, dict[str, tuple[int, int]]]  # root -> file -> (size, modification time in ns)


def snapshot(paths: Iterable[Path]) -> Snapshot:
    """Size and modification time of every file under each path that ingest reads (hidden ones skipped)."""
    seen: Snapshot = {}
    for root in paths:
        files: dict[str, tuple[int, int]] = {}
        if root.exists():
            for path in iter_files(root):
                try:
                    status = path.stat()
                except OSError:  # removed or a broken link: ingest reports it
                    continue
                files[str(path)] = (status.st_size, status.st_mtime_ns)
        seen[str(root)] = files
    return seen


def emptied(before: Snapshot, now: Snapshot) -> list[str]:
    """The paths that had files before and have none now."""
    return [root for root, files in now.items() if not files and before.get(root)]


def watch(
    paths: list[Path],
    interval: float,
    on_change: Callable[[], None],
    on_emptied: Callable[[list[str]], None],
    sleep: Callable[[float], None] = time.sleep,
    indexed: Snapshot | None = None,
) -> None:
    """Call ``on_change`` each time the files under ``paths`` changed and then stayed the same for one more
    ``interval`` (seconds); while a path that had files has none, ``on_emptied`` is told once instead.
    ``indexed`` is the snapshot taken before the last ingest (default: now), so that a change made while it
    ran is not missed. Runs until interrupted (KeyboardInterrupt)."""
    previous = snapshot(paths)
    indexed = previous if indexed is None else indexed
    warned: list[str] = []
    while True:
        sleep(interval)
        current = snapshot(paths)
        settled = current == previous
        previous = current
        if not settled or current == indexed:
            continue
        gone = emptied(indexed, current)
        if gone:
            if gone != warned:
                on_emptied(gone)
                warned = gone
            continue
        warned = []
        on_change()
        indexed = current


class Poller:
    """Calls a method every ``interval`` seconds in a daemon thread, until ``stop`` or until the method's object
    is garbage-collected (the thread holds it only weakly, so a forgotten object does not keep a thread alive).

    The thread sleeps on an event between calls, so ``stop`` ends it at once. An exception in the method is
    logged once per distinct message and the polling goes on: a poll must never end the server.
    """

    def __init__(self, method: Callable[[], None], interval: float, name: str) -> None:
        if interval <= 0:
            raise ValueError("the interval must be positive")
        self.interval = interval
        self.polls = 0  # calls made so far (for tests: "has it looked since?")
        self._method = weakref.WeakMethod(method)  # type: ignore[arg-type]
        self._stopped = threading.Event()
        self._last_error: str | None = None
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)

    def start(self) -> Poller:
        self._thread.start()
        return self

    def stop(self, timeout: float | None = 5) -> None:
        """End the thread, waiting up to ``timeout`` seconds for a call under way to return."""
        self._stopped.set()
        if self._thread.is_alive() and self._thread is not threading.current_thread():
            self._thread.join(timeout)

    @property
    def running(self) -> bool:
        return self._thread.is_alive()

    def _run(self) -> None:
        while not self._stopped.wait(self.interval):
            method = self._method()
            if method is None:
                return
            try:
                method()
                self._last_error = None
            except Exception as error:  # logged, not raised: the next poll tries again
                message = f"{type(error).__name__}: {error}"
                if message != self._last_error:
                    logger.exception("%s: a poll failed; polling goes on", self._thread.name)
                    self._last_error = message
            finally:
                del method
            self.polls += 1
