"""Keep the index in step with folders that change (``assistant ingest --watch``), and a running server in
step with its index folder (``Poller``, used by ``retrieval.retriever.Retriever``).

The watcher polls the size and modification time of every file ingest would read, so it works on
network shares and synced folders, where file-change notifications often do not arrive. A change is
ingested once the files have stayed the same for ``QUIET_LOOKS`` more intervals (2), so a copy still being
written, even one that stalls for a whole interval half-way (a slow share, a sync client between two
blocks), is not read half-way. Partial downloads (``.part``, ``.crdownload``, ...) are files like any other
here: while one grows, nothing has settled. No count of looks is proof against a writer that stalls for
longer, so a change also waits while a changed file is still open for writing in any process on this machine
(``open_for_writing``: Linux, where the file's owner may take a lease on it): a ``cp`` that stalls for minutes
is ingested once it closes the file. That wait has a bound (``WRITING_LOOKS`` settled looks): a file held open for
writing for longer (a log, a process that never closes it) is named in a warning and the change is ingested with
the file as it is then, so it cannot keep the other changes out of the index. A writer on another machine (a file copied onto a network share from
elsewhere) cannot be seen that way, so a change of files on a network file system (NFS, SMB/CIFS, FUSE mounts
such as sshfs: ``on_network_share``) waits for ``NETWORK_QUIET_LOOKS`` quiet looks (6: half a minute at a server's
5 s) instead of 2; such a file, stalled for longer still, is indexed half-way and again once it has been written
to the end (copy it under a hidden name and rename it, as ``rsync`` does, to avoid that). A folder that had files and now has none (a share that is no longer mounted, a sync that failed)
is not ingested: that would take all its documents out of the index.
"""

from __future__ import annotations

import errno
import fcntl
import logging
import os
import re
import threading
import time
import weakref
from collections.abc import Callable, Iterable
from pathlib import Path

from filelock import FileLock, Timeout

from retrieval.loaders import file_stats

logger = logging.getLogger(__name__)

Snapshot = dict[str, dict[str, tuple[int, int]]]  # root -> file -> (size, modification time in ns)

QUIET_LOOKS = 2  # looks after a change that must find the files as they were before it is indexed
# settled looks a change waits for files still open for writing before it is indexed anyway (with a warning): a file a
# process holds open indefinitely (a log, an editor's, a stuck copy) must not keep every other change out of the index
WRITING_LOOKS = 30
# quiet looks a change of files on a network file system waits for: a writer on another machine cannot be seen
NETWORK_QUIET_LOOKS = 6
NETWORK_FILE_SYSTEMS = frozenset({
    "nfs", "nfs4", "cifs", "smb3", "smbfs", "9p", "ceph", "glusterfs", "afs", "davfs", "lustre", "gpfs", "beegfs", "ocfs2", "gfs2",
})


def snapshot(paths: Iterable[Path]) -> Snapshot:
    """Size and modification time of every file under each path that ingest reads (hidden ones skipped)."""
    seen: Snapshot = {}
    for root in paths:
        files: dict[str, tuple[int, int]] = {}
        if root.exists():  # a broken link or a file removed meanwhile is left out: ingest reports it
            for path, status in file_stats(root):
                files[path] = (status.st_size, status.st_mtime_ns)
        seen[str(root)] = files
    return seen


def open_for_writing(paths: Iterable[str]) -> list[str]:
    """The files among ``paths`` that a process on this machine holds open for writing now: Linux refuses a read
    lease on such a file (``fcntl`` F_SETLEASE, taken and at once given back). A file whose lease cannot be asked
    for (another owner's, a file system without leases such as NFS, another system) is not counted."""
    if not hasattr(fcntl, "F_SETLEASE"):
        return []
    writing = []
    for path in paths:
        try:  # O_NONBLOCK: a file someone holds a write lease on is not waited for
            handle = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
        except OSError:
            continue
        try:
            fcntl.fcntl(handle, fcntl.F_SETLEASE, fcntl.F_RDLCK)
            fcntl.fcntl(handle, fcntl.F_SETLEASE, fcntl.F_UNLCK)
        except OSError as error:
            if error.errno in (errno.EAGAIN, errno.EBUSY):
                writing.append(path)
        finally:
            os.close(handle)
    return writing


def file_system_types(mounts: str) -> list[tuple[str, str]]:
    """(mount point, file system type) of each line of a mount table (``/proc/self/mounts``), longest point first."""
    points = []
    for line in mounts.splitlines():
        fields = line.split()
        if len(fields) >= 3:  # spaces and tabs in a mount point are written as octal escapes (\040)
            points.append((re.sub(r"\\([0-7]{3})", lambda m: chr(int(m.group(1), 8)), fields[1]), fields[2]))
    return sorted(points, key=lambda point: len(point[0]), reverse=True)


def on_network_share(paths: Iterable[str], mounts: str | None = None) -> list[str]:
    """The files among ``paths`` on a network file system (``NETWORK_FILE_SYSTEMS``, or any FUSE mount), by the mount
    table (``mounts``; default: this process's, Linux). Empty where there is no mount table to read."""
    if mounts is None:
        try:
            mounts = Path("/proc/self/mounts").read_text(encoding="utf-8", errors="replace")
        except OSError:
            return []
    points = file_system_types(mounts)
    remote = []
    for path in paths:
        real = os.path.realpath(path)
        kind = next((kind for point, kind in points if real == point or real.startswith(point.rstrip("/") + "/")), "")
        if kind in NETWORK_FILE_SYSTEMS or kind.startswith("fuse."):
            remote.append(path)
    return remote


def differing(before: Snapshot | None, now: Snapshot) -> list[str]:
    """The files in ``now`` that are new or have another size or time than in ``before`` (all when it is None)."""
    return [
        name for root, files in now.items() for name, seen in files.items()
        if before is None or (before.get(root) or {}).get(name) != seen
    ]


def emptied(before: Snapshot, now: Snapshot) -> list[str]:
    """The paths that had files before and have none now."""
    return [root for root, files in now.items() if not files and before.get(root)]


class Settling:
    """The rule both watchers follow, one look at a time: a change counts once the files have stayed the same for
    ``quiet`` more looks, and a path that had files and has none is reported (once) instead of counted.
    ``indexed``: the files as the index last saw them; None when not known (a server starting: its first settled
    look counts as a change, so edits made while it was down are ingested too, unless ``in_step`` says the index
    holds the files as they are). ``had_files``: the paths known to have had files while ``indexed`` is not known
    (those the index records as ingested): one with none is reported as emptied, not ingested (a share not mounted
    yet when the server starts). A settled change whose files a process still holds open for writing
    (``open_for_writing``) is not counted until they are closed, or for ``writing_looks`` settled looks at most (then
    it is counted, with a warning naming them); ``self.writing`` names them. A change of files on a network file system
    (``on_network_share``) is counted after ``NETWORK_QUIET_LOOKS`` quiet looks, not ``quiet``."""

    def __init__(
        self, indexed: Snapshot | None = None, quiet: int = QUIET_LOOKS, had_files: Iterable[str] = (),
        in_step: Callable[[Snapshot], bool] | None = None, writing_looks: int = WRITING_LOOKS,
    ) -> None:
        if quiet < 1:
            raise ValueError("quiet must be at least 1 look")
        self.indexed, self.quiet = indexed, quiet
        self.had_files = frozenset(had_files)
        self.in_step = in_step
        self.writing: list[str] = []  # changed files still open for writing at the last settled look
        self.writing_looks = writing_looks
        self.waited = 0  # settled looks in a row that found changed files open for writing
        self.previous: Snapshot | None = None
        self.before: Snapshot | None = indexed  # ``indexed`` before the last change counted
        self.same = 0  # looks in a row that found the files as the look before
        self.warned: list[str] = []

    def look(self, current: Snapshot) -> str | None:
        """``"change"`` when ``current`` should be ingested now, ``"emptied"`` when it must not be (``self.warned`` newly
        names the paths), else None. A change is counted as ingested: call ``failed`` when the ingest did not happen."""
        self.same = self.same + 1 if current == self.previous else 0
        self.previous = current
        if self.same < self.quiet or current == self.indexed:
            return None
        known = self.indexed if self.indexed is not None else {root: {"": (0, 0)} for root in self.had_files}
        gone = emptied(known, current)
        if gone:
            told, self.warned = self.warned, gone
            return "emptied" if gone != told else None
        self.warned = []
        if self.same < max(self.quiet, NETWORK_QUIET_LOOKS) and on_network_share(differing(self.indexed, current)):
            return None  # a writer on another machine cannot be seen: more quiet looks
        if self._waits_for_writers(current):
            return None  # a copy that stalled, not one that ended: counted once the file is closed
        if self.indexed is None and self.in_step is not None and self.in_step(current):
            self.indexed = current  # unchanged since the index was built: nothing to ingest
            return None
        self.before, self.indexed = self.indexed, current
        return "change"

    def _waits_for_writers(self, current: Snapshot) -> bool:
        """Whether the settled change ``current`` waits for changed files still open for writing (``self.writing``):
        until they are closed, or for ``writing_looks`` looks at most, after which they are named in a warning and the
        change is counted with them as they are (they are indexed again once they change)."""
        writing, self.writing = self.writing, open_for_writing(differing(self.indexed, current))
        self.waited = self.waited + 1 if self.writing else 0
        if not self.writing:
            return False
        if self.waited > self.writing_looks:
            logger.warning(
                "%s still open for writing after %d looks: ingested as it is now, and again once it changes; the other "
                "changes no longer wait for it", ", ".join(self.writing), self.writing_looks,
            )
            self.waited = 0
            return False
        if self.writing != writing:
            logger.info("waiting for %s: still open for writing", ", ".join(self.writing))
        return True

    def failed(self) -> None:
        """The ingest of the last change did not happen: the next settled look tries again."""
        self.indexed = self.before


def watch(
    paths: list[Path],
    interval: float,
    on_change: Callable[[], None],
    on_emptied: Callable[[list[str]], None],
    sleep: Callable[[float], None] = time.sleep,
    indexed: Snapshot | None = None,
    quiet: int = QUIET_LOOKS,
) -> None:
    """Call ``on_change`` each time the files under ``paths`` changed and then stayed the same for ``quiet``
    more looks, one every ``interval`` seconds; while a path that had files has none, ``on_emptied`` is told
    once instead. ``indexed`` is the snapshot taken before the last ingest (default: now), so that a change
    made while it ran is not missed. Runs until interrupted (KeyboardInterrupt)."""
    first = snapshot(paths)
    settling = Settling(first if indexed is None else indexed, quiet)
    settling.previous = first
    while True:
        sleep(interval)
        seen = settling.look(snapshot(paths))
        if seen == "emptied":
            on_emptied(settling.warned)
        elif seen == "change":
            on_change()


def watch_lock_path(index_dir: Path) -> Path:
    """The lock servers sharing the index in ``index_dir`` take to watch its folders, one at a time (``FolderWatch``):
    beside the folder the path resolves to, as the index's write lock is (``retrieval.index_lock``)."""
    folder = Path(os.path.realpath(index_dir))
    return folder.with_name(f".{folder.name}.watch.lock")


class FolderWatch:
    """A running server's own watch of the folders its index was built from (setting ``kb_watch_s``): every
    ``interval`` seconds a snapshot of ``paths()``, and ``ingest()`` once a change has settled (``Settling``), in the
    polling thread. The server's embedder, already loaded, embeds what changed, so a change costs no second process
    importing and loading the model (``assistant ingest``). An ingest that raises is logged (by the ``Poller``) and
    tried again at the next settled look. ``had_files``: the paths the index records as ingested (``Settling``).
    ``changed``: the files that differ from what the index records (``retrieval.file_records.changed_since_ingest``
    on a snapshot); with it, the first settled look ingests only when some did change while the server was down.

    ``lock``: a file that servers sharing one index folder share (``watch_lock_path``): only the server holding it
    watches. Each look of the others tries to take it, so when the watching server stops or dies (the system then
    releases it) another takes over at its next look; the first settled look of the new one ingests what changed
    meanwhile. A lock file that cannot be made (a read-only folder) leaves every server watching, as without one."""

    def __init__(
        self,
        paths: Callable[[], list[Path]],
        ingest: Callable[[], object],
        interval: float,
        quiet: int = QUIET_LOOKS,
        had_files: Iterable[Path] = (),
        changed: Callable[[Snapshot], list[str]] | None = None,
        lock: Path | None = None,
    ) -> None:
        self._paths, self._ingest, self._changed = paths, ingest, changed
        in_step = self._in_step if changed is not None else None
        self.settling = Settling(None, quiet, had_files=(str(path) for path in had_files), in_step=in_step)
        self.ingests = 0  # ingests started so far (for tests)
        self._lock = None if lock is None else FileLock(str(lock), thread_local=False)
        self._poller = Poller(self.look, interval, name="kb-watch")

    def start(self) -> FolderWatch:
        self._poller.start()
        return self

    def stop(self) -> None:
        """Stop looking, and let another server sharing the ``lock`` watch."""
        self._poller.stop()
        if self._lock is not None:
            self._lock.release(force=True)

    @property
    def watching(self) -> bool:
        """Whether this is the server that watches: it holds the ``lock`` (taken now if it is free), or there is none."""
        if self._lock is None or self._lock.is_locked:
            return True
        try:
            self._lock.acquire(timeout=0)
        except Timeout:
            return False  # another server watches
        except OSError as error:
            logger.warning("watching the knowledge base's folders without the watch lock %s (%s)", self._lock.lock_file, error)
            self._lock = None
            return True
        logger.info("this server watches the knowledge base's folders (it holds %s)", self._lock.lock_file)
        return True

    def _in_step(self, current: Snapshot) -> bool:
        """Whether the index holds the files as they are (the first settled look); the changed ones are logged."""
        changed = self._changed(current) if self._changed is not None else []
        if changed:
            shown = ", ".join(changed[:3]) + (f" and {len(changed) - 3} more" if len(changed) > 3 else "")
            logger.info("%d file(s) differ from what the index records (changed while the server was down?): %s", len(changed), shown)
        else:
            logger.info("the watched folders hold what the index records: nothing to ingest")
        return not changed

    def look(self) -> None:
        """One look at the folders; ingests when a change has settled. Nothing while another server watches."""
        if not self.watching:
            return
        paths = self._paths()
        seen = self.settling.look(snapshot(paths))
        if seen == "emptied":
            logger.warning(
                "not ingested: %s has no files any more (a share no longer mounted?); the index keeps its documents. "
                "To take them out, run `assistant ingest` on the folder by hand", ", ".join(self.settling.warned),
            )
        elif seen == "change":
            self.ingests += 1
            try:
                self._ingest()
            except BaseException:
                self.settling.failed()
                raise


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
