"""One model forward pass at a time, shared by the conversations that are waiting for one.

The embedder and the intent classifier each run one pass at a time: a pass already uses every core, and
passes run side by side fight over them. With a plain lock, 20 conversations that each need one short
query embedded wait for 20 passes in turn. ``SharedPasses`` instead gives each pass to everyone waiting
when it starts: the caller that finds the model free runs one pass over its own texts and those of every
caller queued behind it (up to ``max_texts``), and hands each caller its rows. A batch of 20 short texts
costs far less than 20 passes of one. Nothing waits for company: a caller that finds the model free and
nobody queued runs at once, alone.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field

import numpy as np


@dataclass
class _Request:
    texts: list[str]
    rows: np.ndarray | None = None  # this request's rows of the pass's output
    error: BaseException | None = None
    done: bool = False


@dataclass
class SharedPasses:
    """``run(texts)`` is ``forward(texts)`` (one row per text), with concurrent callers' texts joined into
    one call of ``forward`` while the model is busy; one call of ``forward`` at a time."""

    forward: Callable[[list[str]], np.ndarray]
    max_texts: int = 64  # a pass takes queued callers until it holds this many texts (a large caller runs alone)
    _queue: list[_Request] = field(default_factory=list, init=False, repr=False)
    _busy: bool = field(default=False, init=False, repr=False)
    _changed: threading.Condition = field(default_factory=threading.Condition, init=False, repr=False)
    passes: int = field(default=0, init=False)  # forward calls made (for tests and benchmarks)

    def run(self, texts: Sequence[str]) -> np.ndarray:
        request = _Request(list(texts))
        with self._changed:
            self._queue.append(request)
        while True:
            with self._changed:
                while self._busy and not request.done:
                    self._changed.wait()
                if request.done:
                    break
                self._busy = True  # this caller runs the next pass, for the oldest requests queued
                batch = self._take()
            try:
                self._forward(batch)
            finally:
                with self._changed:
                    self._busy = False
                    self._changed.notify_all()
        if request.error is not None:
            raise request.error
        return request.rows

    @contextmanager
    def exclusive(self) -> Iterator[None]:
        """Hold the model for a pass of one's own (an ingest's long call, with its progress bar)."""
        with self._changed:
            while self._busy:
                self._changed.wait()
            self._busy = True
        try:
            yield
        finally:
            with self._changed:
                self._busy = False
                self._changed.notify_all()

    def _take(self) -> list[_Request]:
        """The queued requests for the next pass, oldest first: at least one, then while they fit."""
        batch = [self._queue.pop(0)]
        size = len(batch[0].texts)
        while self._queue and size + len(self._queue[0].texts) <= self.max_texts:
            size += len(self._queue[0].texts)
            batch.append(self._queue.pop(0))
        return batch

    def _forward(self, batch: list[_Request]) -> None:
        """One ``forward`` over the batch's texts; each request gets its rows. When a joined pass fails, each
        request runs alone, so that one caller's bad text fails that caller only."""
        try:
            rows = self.forward([text for request in batch for text in request.texts])
            self.passes += 1
            start = 0
            for request in batch:
                request.rows = rows[start : start + len(request.texts)]
                start += len(request.texts)
        except Exception as error:
            if len(batch) > 1:
                for request in batch:
                    self._forward([request])
                return
            batch[0].error = error
        except BaseException as error:  # Ctrl-C and the like: every caller in the pass hears of it
            for request in batch:
                request.error = error
        with self._changed:
            for request in batch:
                request.done = True
