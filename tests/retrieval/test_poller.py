"""retrieval.watch.Poller: the daemon thread behind a server's look at its index folder."""

from __future__ import annotations

import gc

import pytest

from retrieval.watch import Poller
from waiting import wait_for


class Folder:
    """Something polled: counts its looks, and fails them while ``broken``."""

    def __init__(self, broken: bool = False) -> None:
        self.looks, self.broken = 0, broken

    def look(self) -> None:
        self.looks += 1
        if self.broken:
            raise OSError("stale file handle")


def test_a_failing_poll_is_logged_once_and_polling_goes_on(caplog: pytest.LogCaptureFixture) -> None:
    folder = Folder(broken=True)
    poller = Poller(folder.look, 0.01, name="test-poll").start()

    wait_for(lambda: poller.polls >= 5, "five polls")

    assert poller.running
    assert sum("a poll failed" in record.getMessage() for record in caplog.records) == 1
    folder.broken = False
    looks = folder.looks
    wait_for(lambda: folder.looks > looks + 2, "more looks once it works")
    poller.stop()
    assert not poller.running


def test_the_thread_ends_when_the_polled_object_is_gone() -> None:
    folder = Folder()
    poller = Poller(folder.look, 0.01, name="test-poll").start()
    wait_for(lambda: folder.looks > 0, "a first look")

    del folder
    gc.collect()

    wait_for(lambda: not poller.running, "the thread ended")


def test_a_poll_interval_must_be_positive() -> None:
    with pytest.raises(ValueError):
        Poller(Folder().look, 0, name="test-poll")
