"""Waiting in tests for what a background thread does (a poll, a reload), with a bound against a hang."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest

WAIT_S = 30  # a bound against a hang, not a timing check


def wait_for(condition: Callable[[], bool], what: str, seconds: float = WAIT_S, every: float = 0.02) -> None:
    """Return once ``condition()`` holds; fail naming ``what`` when it has not within ``seconds``."""
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"not within {seconds:g} s: {what}")
        time.sleep(every)
