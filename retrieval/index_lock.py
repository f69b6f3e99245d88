"""One writer at a time per index: an inter-process lock around load, change and save.

Ingests, removals and the knowledge-base page each load the index, change it and save it. Two of them
at once would each save their own copy and the later save would drop the other's changes, so they hold
this lock (a ``filelock`` file beside the index folder, ``.<name>.lock``) from the load to the save. A
symlinked index folder is locked where it points, so every path to one index shares one lock. The
operating system releases the lock when its process ends, even after a crash.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from filelock import FileLock, Timeout

from retrieval.errors import IndexWriteError


class IndexBusy(RuntimeError):
    """Another process is writing the index, and the wait for it ran out."""


def lock_path(index_dir: Path) -> Path:
    """The lock file of the index in ``index_dir`` (beside the folder the path resolves to)."""
    folder = Path(os.path.realpath(index_dir))
    return folder.with_name(f".{folder.name}.lock")


def remove_leftovers(index_dir: Path) -> None:
    """Delete staging folders that a killed save left beside the index (call with the lock held).

    A save killed between its two renames leaves no index folder, only the previous index moved aside
    (``.NAME.old-*``) and the complete new one (``.NAME.new-*``): the previous index is put back (or,
    failing that, a staging folder whose manifest was written) instead of being deleted.
    """
    folder = Path(os.path.realpath(index_dir))
    if not folder.exists() and not folder.is_symlink():
        moved_aside = [p for p in folder.parent.glob(f".{folder.name}.old*") if not p.is_symlink() and (p / "manifest.json").is_file()]
        complete = [p for p in folder.parent.glob(f".{folder.name}.new*") if (p / "manifest.json").is_file()]
        for candidate in (moved_aside, complete):
            if candidate:
                os.replace(max(candidate, key=lambda p: p.stat().st_mtime), folder)
                break
    for leftover in folder.parent.glob(f".{folder.name}.new*"):
        shutil.rmtree(leftover, ignore_errors=True)
    for leftover in folder.parent.glob(f".{folder.name}.old*"):
        if not leftover.is_symlink():  # an index moved aside by an old version through a link: left alone
            shutil.rmtree(leftover, ignore_errors=True)


@contextmanager
def index_lock(index_dir: Path, timeout: float | None = None, on_wait: Callable[[str], None] | None = None) -> Iterator[None]:
    """Hold the index's write lock for the ``with`` block.

    When another process holds it, ``on_wait`` is told once and the call waits for it: forever
    (``timeout=None``) or ``timeout`` seconds, then IndexBusy.
    """
    path = lock_path(index_dir)
    lock = FileLock(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        lock.acquire(timeout=0)
    except Timeout:  # before OSError: filelock's Timeout is a TimeoutError
        if on_wait is not None:
            on_wait(f"Another process is writing the index in {index_dir}; waiting for it to finish.")
        try:
            lock.acquire(timeout=-1 if timeout is None else timeout)
        except Timeout:
            raise IndexBusy(
                f"Another process is writing the index in {index_dir} (an ingest or a knowledge-base change). "
                "Try again when it has finished."
            ) from None
    except OSError as error:  # a read-only or full file system: the lock file cannot be made
        raise IndexWriteError(index_dir, error) from None
    try:
        remove_leftovers(index_dir)
        yield
    finally:
        lock.release()
