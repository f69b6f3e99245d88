"""Logging never loses a turn: a ConversationStore that spools writes to a local file while the database
is down and replays them, in order, when it comes back.

``SpoolingStore`` wraps a ``SqlStore``. While its spool is empty, every write goes straight to the
database. A write that fails because the database cannot be reached (a connection error, not a bad
request such as an unknown session) is appended to the spool: one JSON line per operation, flushed and
fsynced, never rewritten. While anything is pending, later writes go to the spool too, so each session's
writes reach the database in the order they were made.

A daemon thread retries every ``retry_seconds``: it replays the pending records in order, one database
transaction each, and after each one records how far it got in an offset file beside the spool (written
atomically), so a restart resumes where it stopped. When everything is in, the spool and the offset file
are removed. A spool left by a previous run (a server restarted during an outage) is picked up on start.

Replays are idempotent where a crash or a lost commit acknowledgement could repeat them: a ``create``
for a session that already exists is skipped, and an ``append`` whose events already end the session's
event log (same types, data and timestamps) is skipped. The remaining at-least-once window is an
``append`` without events (a turn record alone), which the dialog manager never writes.

Conversations carry on during an outage: ``load_events`` answers from the events this process has seen
(a bounded LRU cache of the conversations used within the last hour) plus the spooled ones. Once a write has been spooled, only the retry thread tries the
database until it answers again, so a database that does not answer at all (each attempt waits for the
connect timeout) does not slow every turn. An append to a conversation the database no longer has (it was
made anew or emptied, restored from an older backup, or the conversation deleted meanwhile) starts the
conversation again under its id from what the spool holds, logged, so the turns are not lost (what the
database held of it before is gone with it); that is, a conversation this process knew when it spooled the
write. Records the database refuses on replay (e.g. an append to an id this process never knew, or to a
conversation deleted meanwhile, which is not brought back: ``NotStartedAgain`` says why) are moved to
``<spool>.rejected`` with the error, so one bad record cannot block the rest; nothing is dropped silently. The one
exception is a conversation erased by `assistant logs delete`, which notes it in ``<spool>.erased`` before deleting
its rows, and in the database (``erased_conversations``, read by every server's replay) in the delete's transaction,
or one spooled before the cutoff of the latest `assistant logs purge` (``log_purges``) that the database no longer has:
its spooled writes are dropped on replay (logged, without their words), neither set aside in the rejected file nor
started again in a database the erasure left empty, and memory forgets the conversation. Memory also forgets one
erased on another data folder, or purged, that this server holds with no write of it in its spool: while the database
is up, the retry thread looks at those two tables every ``LOOK_EVERY_S`` (``SpoolingStore.look``), so a later outage
does not show it again; a customer's call never runs or waits for that look.

A write that fails because a table or column is not there waits in the spool only when the database's schema
explains it (``SqlStore.schema_explanation``: its tables gone, an older or a newer migration revision). In a database
at this version's own revision the statement itself is wrong, a bug: it is logged as one, the write is spooled and
replayed at once, and set aside in the rejected file when the database refuses it again; nothing waits for it.

A server may also start while the database is down (``confirm_schema``): then nothing is written to the
database, every write is spooled, until the retry thread has reached it and confirmed its schema (run the
migrations); a database it cannot use (a schema from a newer version, a refused login) is reported by
``status`` and logged, and the writes wait in the spool. ``status`` says what ``/healthz`` and ``/readyz``
report: whether the database is up, down or unusable, and how many writes wait.

When the spool file cannot be written either (most often a full disk, which is what made the database
fail too), the write is held in memory, up to ``MEMORY_ONLY_MAX`` of them, and replayed like the others once
the database takes writes again; ``status`` says so (``spool_error``), and the log says it once per outage.
Later writes are held behind them, so the file keeps their order; the held writes are written to the spool file
as soon as it takes writes again: before the next write, at each try of the retry thread, and when the server
stops (``flush_before_exit``, ``close``). Only those still held when the server stops (the disk still full, the
database still down) are lost, and the log says how many.

One process per spool file: the process that uses it holds a lock on it (``hold_spool``, taken by the
app), so a second server on the same data_dir stops at start instead of sharing it, and a command such as
``assistant ask`` run beside a server writes to the database only, leaving the server's spool alone.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import os
import sys
import threading
import time
import uuid
from collections import OrderedDict, deque
from dataclasses import asdict, dataclass, field, fields, replace
from datetime import datetime, timezone
from pathlib import Path
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from typing import IO, Any, TypeVar

from sqlalchemy import func, select
from sqlalchemy.exc import DBAPIError, IntegrityError

from assistant.store.db import CONNECTION_ERRORS, DatabaseUnreachable, StoreUnavailable, private_opener
from assistant.store.sql_store import SqlStore, is_schema_missing, schema_bug_message, schema_missing_message
from dialog.events import Event, SessionStarted, UserMessage
from dialog.store import ConversationChanged, TurnRecord, UnknownSession, new_session_id

log = logging.getLogger(__name__)
T = TypeVar("T")

CACHE_SESSIONS = 10_000
# A conversation unused this long leaves the cache (as others come): a server that runs for weeks keeps the
# conversations under way, not the last 10,000 (some 12 KB each for three turns, and customers' words).
CACHE_IDLE_S = 3600.0
PROBE_WITHIN_S = 5.0  # how long /readyz and the review pages wait for the database's answer to SELECT 1
# While the database is up a server's retry thread looks, this often, for the conversations erased or purged since its
# last look on any data folder of the database, and its memory forgets them (never on a customer's call).
LOOK_EVERY_S = 60.0
# How far before its last look a look reads: a delete that committed after noting its time, servers' clocks apart.
LOOK_BACK_S = 600.0
_IDS_PER_QUERY = 500  # conversations asked about in one query (a purge's check of what memory holds)
# Writes held in memory only, when the spool file cannot be written either (the disk is full, read-only, failing);
# beyond this many a write is refused (StoreUnavailable) rather than let memory grow without bound.
MEMORY_ONLY_MAX = 10_000
_TURN_FIELDS = {f.name for f in fields(TurnRecord)}
# Why a replay does not start again a conversation the database lacks (``SpoolingStore._recreate``).
_DELETED = ("the database holds other conversations, so it was deleted meanwhile (by `assistant logs delete` of a version "
            "that did not note erasures in the database, by `assistant logs purge` with this write spooled after its cutoff, "
            "by hand) or the database restored from a backup made before it began; a deleted conversation is not brought back")
_REFUSED_START = "the database refused its start (kept in the rejected file), so its later writes are kept there too"
_NO_CHANNEL = ("the write was spooled without its conversation's channel (by a version of the assistant that did not record "
               "it, or for an id this server never knew), so it is not started again")


class SpoolInUse(StoreUnavailable):
    """Another process holds the spool (two servers on one data_dir)."""


class NotStartedAgain(UnknownSession):
    """A spooled append for a conversation the database does not have, which the replay does not start again; ``why``
    says why (in the log and the rejected file)."""

    def __init__(self, session_id: str, why: str) -> None:
        super().__init__(session_id)
        self.why = why

    def __str__(self) -> str:
        return f"No conversation with id {self.args[0]!r} in the database: {self.why}"


def this_process() -> str:
    """How a spool's holder is named to a process that finds it taken: its pid and command line."""
    command = " ".join([Path(sys.argv[0]).name, *sys.argv[1:]]) if sys.argv and sys.argv[0] else "python"
    return f"pid {os.getpid()}: {command[:160]}"


def hold_spool(spool_path: Path, holder: str | None = None) -> IO[bytes]:
    """Lock ``spool_path`` for this process: the returned open file holds the lock until it is closed or the
    process ends. SpoolInUse when another process holds it: two processes sharing a spool each replay it as
    their own and delete it once their own writes are in, so the other's waiting writes could be lost.

    The lock file names its holder (``holder``, by default this process's pid and command line), so that the
    error names it: a server started while ``assistant chat`` is open on its data_dir is told to close that."""
    path = Path(spool_path).with_name(Path(spool_path).name + ".lock")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle = open(path, "ab")  # noqa: SIM115 - kept open: it is the lock
    except OSError as error:
        raise StoreUnavailable(
            f"cannot use the spool folder {path.parent}: {error.strerror or error}; it must be writable "
            "(turns wait there while the database is down)"
        ) from None
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.close()
        try:
            who = path.read_text(encoding="utf-8", errors="replace").strip()
        except OSError:
            who = ""
        raise SpoolInUse(
            f"another assistant process uses the spool {spool_path}{f' ({who})' if who else ''}: stop it first, and "
            "wait until it has exited (a server just stopped may take a few seconds to close its open pages; an "
            "'assistant chat' or 'ask' started after a server leaves the spool to it), or give each server its own "
            "data_dir (`assistant --data-dir DIR serve`, or ASSISTANT_DATA_DIR; the index can stay shared with "
            "ASSISTANT_INDEX_DIR)"
        ) from None
    try:
        handle.truncate(0)  # "ab": every write goes to the end, so the file holds only this holder
        handle.write((holder or this_process()).encode("utf-8", "replace") + b"\n")
        handle.flush()
    except OSError:
        pass  # the name is a courtesy to the next process; the lock is what matters
    return handle


def spool_file(data_dir: Path) -> Path:
    """Where a server on ``data_dir`` spools its turns while the database is down."""
    return Path(data_dir) / "spool" / "turns.jsonl"


def rejected_file(spool_path: Path) -> Path:
    """Where the writes the database refused on replay are kept, with the error, for an operator to read."""
    return spool_path.with_name(spool_path.name + ".rejected")


def erasures_file(spool_path: Path) -> Path:
    """Where `assistant logs delete` records the conversations it erased, so that a replay of this spool drops their
    writes rather than keep them in the rejected file or start them again (``SpoolingStore._erased``)."""
    return spool_path.with_name(spool_path.name + ".erased")


def record_erasures(spool_path: Path, session_ids: list[str]) -> tuple[int, bytes]:
    """Note these conversations as erased, before their rows are deleted: a spooled write of theirs that the server
    holding this spool replays afterwards, or the next server started on it, is dropped. One JSON line each (the
    digest of the id, ``erasure_digest``, as the database keeps it, and when), appended and fsynced; the file holds
    neither a customer's words nor the ids. `assistant logs delete` notes only the conversations it found (in the
    database, or in this spool alone). Returns where the note ends in the file and what it wrote, for
    ``withdraw_erasures``."""
    from assistant.store.tables import erasure_digest

    path = erasures_file(spool_path)
    path.parent.mkdir(parents=True, exist_ok=True)
    now = time.time()
    lines = "".join(json.dumps({"digest": erasure_digest(i), "erased_at": now}) + "\n" for i in session_ids).encode()
    with open(path, "ab", opener=private_opener) as out:
        fcntl.flock(out, fcntl.LOCK_EX)  # against a withdrawal by another command (released on close)
        out.write(lines)
        out.flush()
        os.fsync(out.fileno())
        return out.tell(), lines


def withdraw_erasures(spool_path: Path, noted: tuple[int, bytes]) -> bool:
    """Take back a note of ``record_erasures`` (what it returned) after the delete it was made for failed, its
    transaction rolled back: the conversations are still stored, and a note would have this data folder's server
    answer them as unknown during an outage, and drop their spooled writes. Cut off only while the note is still the
    file's end; False (the note kept) when another one followed it or the file changed otherwise."""
    end, lines = noted
    path = erasures_file(spool_path)
    try:
        with open(path, "r+b") as file:
            fcntl.flock(file, fcntl.LOCK_EX)
            if os.fstat(file.fileno()).st_size != end or end < len(lines):
                return False
            file.seek(end - len(lines))
            if file.read(len(lines)) != lines:
                return False
            file.truncate(end - len(lines))
            file.flush()
            os.fsync(file.fileno())
    except FileNotFoundError:
        return False
    return True


_erasures_read: dict[Path, tuple[tuple[int, int, int], frozenset[str]]] = {}  # file -> (its inode, size, mtime; digests)
_erasures_lock = threading.Lock()


def erased_digests(spool_path: Path) -> frozenset[str]:
    """The digests (``erasure_digest``) of the conversations ``record_erasures`` noted for this spool; an id noted in
    plain text by an earlier version counts by its digest, and an unreadable line is skipped. The file is read
    again only when it changed (its size, time or inode): a replay asks for each record, a server during an outage
    for each read, and the file is never pruned."""
    path = erasures_file(spool_path)
    try:
        status = path.stat()
    except FileNotFoundError:
        return frozenset()
    version = (status.st_ino, status.st_size, status.st_mtime_ns)
    with _erasures_lock:
        known = _erasures_read.get(path)
    if known is not None and known[0] == version:
        return known[1]
    try:
        erased = frozenset(_noted_digests(path.read_bytes()))  # read after the stat: at least what that version held
    except FileNotFoundError:
        return frozenset()
    with _erasures_lock:
        _erasures_read[path] = (version, erased)
    return erased


def is_erased(spool_path: Path, session_id: str) -> bool:
    """Whether ``record_erasures`` noted this conversation for this spool (``erased_digests``)."""
    from assistant.store.tables import erasure_digest

    return erasure_digest(session_id) in erased_digests(spool_path)


def _noted_digests(data: bytes) -> set[str]:
    """The digests of the JSON lines of an erasures file: ``digest``, or the digest of a ``session_id`` (a line of
    a version that noted the ids themselves); unreadable lines are skipped."""
    from assistant.store.tables import erasure_digest

    digests = set()
    for line in data.splitlines():
        try:
            noted = json.loads(line)
            digests.add(noted["digest"] if "digest" in noted else erasure_digest(noted["session_id"]))
        except (ValueError, KeyError, TypeError, AttributeError):
            continue
    return digests


def _noted_ids(data: bytes) -> set[str]:
    """The conversation ids of the JSON lines of a spool file; unreadable lines are skipped."""
    ids = set()
    for line in data.splitlines():
        try:
            ids.add(json.loads(line)["session_id"])
        except (ValueError, KeyError, TypeError):
            continue
    return ids


def spooled_sessions(spool_path: Path, session_ids: list[str]) -> set[str]:
    """Those of these conversations that have writes in the spool file (waiting for a replay, or replayed from a file
    not yet removed): for `assistant logs delete`, a conversation started during an outage that never reached the
    database is found there. OSError if the file exists but cannot be read."""
    try:
        data = spool_path.read_bytes()
    except FileNotFoundError:
        return set()
    return _noted_ids(data) & set(session_ids)


def forget_rejected(spool_path: Path, session_ids: list[str] | None = None, spooled_before: float | None = None) -> int:
    """Remove writes from the spool's rejected file: those of these conversations (a customer's erasure), or
    those spooled before this time (``time.time()``; retention). Returns how many lines went. The file is
    rewritten beside itself and swapped in; an unreadable line is kept."""
    path, wanted = rejected_file(spool_path), set(session_ids or ())
    if not (wanted or spooled_before is not None) or not path.is_file():
        return 0
    kept, removed = [], 0
    for line in path.read_bytes().splitlines(keepends=True):
        try:
            record = json.loads(line)
            gone = record.get("session_id") in wanted or (spooled_before is not None and record["spooled_at"] < spooled_before)
        except (ValueError, AttributeError, KeyError, TypeError):
            gone = False
        if gone:
            removed += 1
        else:
            kept.append(line)
    if removed:
        temporary = path.with_name(path.name + ".tmp")
        with open(temporary, "wb", opener=private_opener) as out:
            out.write(b"".join(kept))
        os.replace(temporary, path)
    return removed


def is_unavailable(error: BaseException) -> bool:
    """True for "the database cannot be reached right now": worth spooling and retrying, not a write to refuse.
    Not for an error saying a table or column is not there (SQLite raises it as an OperationalError, as it does an
    outage): whether the database's schema explains it is for ``SpoolingStore._waits`` to find out."""
    if is_schema_missing(error):
        return False
    if isinstance(error, (StoreUnavailable, *CONNECTION_ERRORS)):
        return True
    return isinstance(error, DBAPIError) and bool(error.connection_invalidated)


class StoreStopped(RuntimeError):
    """A database call asked for after the store's calls were shut down: the process is stopping."""


def _one_line(error: BaseException) -> str:
    """A database error's reason on one line (the driver's message, not SQLAlchemy's wrapping), at most 300 characters."""
    return " ".join(str(getattr(error, "orig", None) or error).split())[:300]


@dataclass
class _Record:
    """One spooled write: ``create`` a session or ``append`` events (and a turn record) to one."""

    id: str
    op: str  # "create" | "append"
    session_id: str
    channel: str | None = None
    events: list[Event] = field(default_factory=list)
    turn: TurnRecord | None = None
    end: int = 0  # byte offset just past this record's line in the spool file
    in_memory_only: bool = False  # the spool file could not be written: the record is in memory only
    spooled_at: float | None = field(default_factory=time.time)  # None: read from a line written without it

    def to_json(self) -> str:
        return json.dumps(
            {
                "id": self.id,
                "op": self.op,
                "session_id": self.session_id,
                "channel": self.channel,
                "events": [event.to_dict() for event in self.events],
                "turn": asdict(self.turn) if self.turn is not None else None,
                "spooled_at": self.spooled_at if self.spooled_at is not None else time.time(),
            },
            ensure_ascii=False,
        )

    @classmethod
    def from_json(cls, line: bytes, end: int) -> _Record:
        data: dict[str, Any] = json.loads(line)
        turn = data.get("turn")
        return cls(
            id=data["id"],
            op=data["op"],
            session_id=data["session_id"],
            channel=data.get("channel"),
            events=[Event.from_dict(event) for event in data.get("events") or []],
            turn=TurnRecord(**{k: v for k, v in turn.items() if k in _TURN_FIELDS}) if turn else None,
            end=end,
            spooled_at=data.get("spooled_at") if isinstance(data.get("spooled_at"), (int, float)) else None,
        )


def _timestamp(moment: datetime) -> float:
    """A time from the database as ``time.time()`` reads it; SQLite gives it back without its zone (UTC)."""
    return (moment if moment.tzinfo is not None else moment.replace(tzinfo=timezone.utc)).timestamp()


def _timestamp_text(moment: datetime) -> str:
    return datetime.fromtimestamp(_timestamp(moment), timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")


def _as_json(events: list[Event]) -> list[Any]:
    """Events as they come back from a JSON column (tuples become lists), for comparison."""
    return json.loads(json.dumps([event.to_dict() for event in events]))


class SpoolingStore:
    """A ConversationStore over ``inner`` that spools writes to ``spool_path`` while the database is down.

    ``retry_seconds``: how often the background thread retries; None for no thread (call ``flush``).
    ``cache_sessions``: how many sessions' events are kept in memory to carry conversations through an outage;
    ``cache_idle_s``: a session not used for this long is dropped from them (``clock``: monotonic seconds).
    ``answer_within_s``: a direct read or write that the database has not answered in this many seconds is given
    up as an outage (spooled), so a turn never waits longer, even on a peer that acknowledges every packet and
    never replies, which no TCP or server timeout notices; the call itself is left to end in its thread.
    ``confirm_schema``: for a database that could not be reached at start-up: called (by the retry thread, or
    ``flush``) until it returns, to migrate or check the schema; until then every write is spooled and nothing
    is read from the database. It raises DatabaseUnreachable while the database is down, another error when
    the database cannot be used (reported by ``status``).
    ``look_every_s``: how often, at most, the retry thread looks (``look``, by ``clock``) for the conversations erased
    or purged since (on any data folder), which memory then forgets, while the database is up; None: never. The first
    look is ``look_every_s`` after the start (memory holds nothing before). Without a thread, call ``look``.
    """

    def __init__(
        self,
        inner: SqlStore,
        spool_path: Path,
        retry_seconds: float | None = 5.0,
        cache_sessions: int = CACHE_SESSIONS,
        cache_idle_s: float = CACHE_IDLE_S,
        clock: Callable[[], float] = time.monotonic,
        confirm_schema: Callable[[], object] | None = None,
        answer_within_s: float | None = None,
        look_every_s: float | None = LOOK_EVERY_S,
    ) -> None:
        self.inner = inner
        self.look_every_s = look_every_s
        self.answer_within_s = answer_within_s
        self._calls = ThreadPoolExecutor(max_workers=8, thread_name_prefix="database-call") if answer_within_s else None
        self.spool_path = Path(spool_path)
        self.offset_path = self.spool_path.with_name(self.spool_path.name + ".offset")
        self.rejected_path = rejected_file(self.spool_path)
        self.retry_seconds = retry_seconds
        self.cache_sessions = cache_sessions
        self.cache_idle_s, self.clock = cache_idle_s, clock
        self._lock = threading.Lock()  # pending records, the spool file, the cache
        self._replay_lock = threading.Lock()  # one replay at a time; held from a record's commit to its removal
        self._pending: deque[_Record] = deque()
        self._by_session: dict[str, list[_Record]] = {}
        self._cache: OrderedDict[str, list[Event]] = OrderedDict()  # events known to be in the database
        self._cache_used: dict[str, float] = {}  # when each cached session was last used (clock)
        self._started_again: set[str] = set()  # conversations a replay started again in a database made anew (_recreate)
        self._refused_starts: set[str] = set()  # conversations whose spooled create the database refused (_reject)
        self._forgotten: set[str] = set()  # conversations found erased or purged in the database (_erased, look)
        self._looked_at = clock()  # when (clock) this server last looked for erasures and purges (look), or started
        self._look_from = time.time()  # the next look reads what was noted since then (less LOOK_BACK_S)
        self._purges_seen: set[int] = set()  # the purges (log_purges ids) the last look found
        self._look_failed = False  # the last look failed (logged once until one works again)
        self._file: IO[bytes] | None = None
        self._done = 0  # byte offset in the spool up to which records are in the database
        self._down = False  # a write failed and the retry thread has not reached the database since
        self._flushed = 0  # records flushed since spooling started
        self._bug_only = False  # spooling started for a bug's write (_spool_bug), not an outage: no "database is back"
        self._wake = threading.Event()
        self._closed = False
        self._thread: threading.Thread | None = None
        self._confirm_schema = confirm_schema
        self._confirmed = confirm_schema is None  # the schema is known to be usable
        self._problem: str | None = None  # why the database cannot be used, when it answers but is not usable
        self._spool_error: str | None = None  # why the last write could not go to the spool file (it is in memory)
        self._memory_only = 0  # pending records that are in memory only
        self._resume()
        if not self._confirmed:
            self._down = True
            self._start_thread()
            self._wake.set()  # try straight away
        if look_every_s is not None:
            self._start_thread()  # it also looks for erasures and purges while the database is up (look)

    # -- the ConversationStore protocol ------------------------------------------------------------

    def create_session(self, channel: str = "web") -> str:
        """Start a conversation; spooled (with its id) when the database is down."""
        session_id = new_session_id()
        record = _Record(uuid.uuid4().hex, "create", session_id, channel, [SessionStarted(channel=channel)])
        if self._spool_if_pending(record):
            return session_id
        try:
            self._answered(self.inner.create_session, channel, session_id=session_id)
        except Exception as error:
            if not (is_schema_missing(error) or is_unavailable(error)):
                raise
            self._spool(record, error)
            return session_id
        with self._lock:
            self._remember(session_id, list(record.events))
        return session_id

    def load_events(self, session_id: str) -> list[Event]:
        """The database's events for the session plus its spooled ones; from memory while the database is down."""
        with self._lock:
            pending = session_id in self._by_session
        if self._known_down():
            return self._local_events_locked(session_id)
        if pending:
            with self._replay_lock:  # no record of this session moves from the spool to the database meanwhile
                return self._load_with_pending(session_id)
        events = self._load_stored(session_id)
        return self._local_events_locked(session_id) if events is None else events

    def append(
        self, session_id: str, events: list[Event], turn: TurnRecord | None = None, expected_events: int | None = None
    ) -> None:
        """Append events (and the turn's record) in one transaction, or spool them when the database is down.

        ``expected_events`` is checked by the database. While writes wait in the spool (the database is down,
        or is back and they have not all reached it), new writes are spooled behind them, and the check is
        made against what this server knows (the database's events, or those it holds, plus the spooled
        ones), not atomically: a stale write is refused, but two at the same moment may both pass.
        """
        record = _Record(uuid.uuid4().hex, "append", session_id, self._channel(session_id), list(events), turn)
        if self.pending() or not self._confirmed:
            self._check_known(session_id)
            if expected_events is not None and len(self.load_events(session_id)) != expected_events:
                raise ConversationChanged(session_id)
        if self._spool_if_pending(record):
            return
        try:
            self._answered(self.inner.append, session_id, events, turn, expected_events)
        except Exception as error:
            if not (is_schema_missing(error) or is_unavailable(error)):
                raise
            self._spool(record, error)
            return
        with self._lock:
            if session_id in self._cache:
                self._cache[session_id].extend(events)
                self._touch(session_id)

    # -- spool management ------------------------------------------------------------------------

    def pending(self) -> int:
        """How many spooled writes have not reached the database yet."""
        with self._lock:
            return len(self._pending)

    def status(self, check: bool = False) -> dict[str, Any]:
        """For /healthz and /readyz: ``database`` is ``up``, ``down`` (unreachable as far as this server knows:
        a write failed, or it was not there at start-up, and the retry thread has not reached it since; with
        ``check``, also when it does not answer a query now) or ``error`` (it answers but cannot be used;
        ``database_error`` says why); ``spooled_writes`` counts the writes waiting for it."""
        with self._lock:
            down, problem, confirmed = self._down, self._problem, self._confirmed
            spool_error, memory_only = self._spool_error, self._memory_only
        state = "error" if problem else "down" if down or not confirmed else "up"
        if check and state == "up":
            state, problem = self._check_now()
        body: dict[str, Any] = {"database": state, "spooled_writes": self.pending()}
        if problem:
            body["database_error"] = problem
        if memory_only:
            body["spool_error"] = f"{memory_only} write(s) held in memory only: {spool_error}"
        return body

    def flush(self) -> int:
        """Replay spooled writes in order until done or the database fails; returns how many reached it.
        Before the first replay of a store opened without its database, its schema is confirmed."""
        written = 0
        if not self._confirmed and not self._confirm():
            return written
        with self._replay_lock:
            while True:
                with self._lock:
                    if not self._pending:
                        return written
                    record = self._pending[0]
                try:
                    stored = self._replay(record)
                except Exception as error:
                    if self._waits(error):
                        log.debug("database still unavailable: %s", error)
                        self._down, self._bug_only = True, False
                        self._note_schema(error)
                        return written
                    self._reject(record, error)
                    stored = False
                written += stored
                with self._lock:
                    self._down = False
                    if self._confirmed:
                        self._problem = None  # a replay went in: the tables are there again
                    self._complete(record, stored)

    def flush_before_exit(self, seconds: float = 10.0) -> int:
        """At a server's stop: one more try, of at most ``seconds``, to store what the spool holds (a server scaled
        in would otherwise keep it until one starts again on its data folder), and the writes held in memory only
        written to the spool file if it takes them now; what is left is logged. Returns how many writes are left."""
        if self.pending():
            worker = threading.Thread(target=self.flush, name="spool-flush-at-exit", daemon=True)
            worker.start()
            worker.join(seconds)
        self._keep_held()
        left = self.pending()
        if left - self._memory_only:  # those held in memory only were said to be lost
            log.warning("%d conversation write(s) are still in %s: they are stored once a server starts again on this "
                        "data folder and reaches the database", left - self._memory_only, self.spool_path)
        return left

    def close(self) -> None:
        """Stop the retry thread and close the spool; what is pending stays on disk for the next start."""
        with self._lock:
            self._closed = True
            self._wake.set()
            thread, self._thread = self._thread, None
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout=30)
        if self._calls is not None:
            self._calls.shutdown(wait=False, cancel_futures=True)  # a call stuck on the database is not waited for
        self._keep_held()
        with self._lock:
            if self._file is not None:
                self._file.close()
                self._file = None

    def _keep_held(self) -> None:
        """At a stop: the writes held in memory only go to the spool file if it takes them now; those it still
        refuses are lost, and the log says how many."""
        with self._lock:
            error = self._write_held() if self._memory_only else None
            if error is not None:
                log.error("%d conversation write(s) held in memory only (the spool %s could not be written: %s) are lost",
                          self._memory_only, self.spool_path, error.strerror or error)

    def __getattr__(self, name: str) -> Any:
        """Everything else (turns, annotate, session_count, engine …) is the inner store's."""
        if name == "inner":
            raise AttributeError(name)
        return getattr(self.inner, name)

    # -- internals ---------------------------------------------------------------------------------

    def _answered(self, call: Callable[..., T], *args: Any, within: float | None = None, **kwargs: Any) -> T:
        """``call(*args, **kwargs)`` on the database; DatabaseUnreachable when it has not returned within
        ``within`` seconds (default ``answer_within_s``; the call, run in a worker thread, is left to end by
        itself; one not started yet is dropped). A call that commits late is found in the database by the
        spool's replay and not written twice."""
        if self._calls is None:
            return call(*args, **kwargs)
        seconds = within or self.answer_within_s
        try:
            future = self._calls.submit(call, *args, **kwargs)
        except RuntimeError as error:  # "cannot schedule new futures after shutdown": the process is stopping
            raise StoreStopped(str(error)) from error
        try:
            return future.result(timeout=seconds)
        except FutureTimeout:
            future.cancel()
            raise DatabaseUnreachable(f"the database gave no answer within {seconds:g} s") from None

    def _check_now(self) -> tuple[str, str | None]:
        """``up``, ``down`` or ``error`` (and why) as the database is now: it answers ``SELECT 1``, and has its tables."""
        if not self._reachable():
            return "down", None
        try:
            problem = self._answered(self.inner.schema_problem, within=min(PROBE_WITHIN_S, self.answer_within_s or PROBE_WITHIN_S))
        except Exception as error:
            if not self._waits(error):
                raise
            return "down", None
        return ("error", problem) if problem else ("up", None)

    def _reachable(self) -> bool:
        """Whether the database answers ``SELECT 1`` now; a stuck peer counts as down after at most 5 s."""
        try:
            return self._answered(self.inner.reachable, within=min(PROBE_WITHIN_S, self.answer_within_s or PROBE_WITHIN_S))
        except DatabaseUnreachable:
            return False

    def _spool_if_pending(self, record: _Record) -> bool:
        """Spool ``record`` if anything is pending (keeps each session's order), or the schema is not confirmed
        yet; False to write it directly."""
        with self._lock:
            if not self._pending and self._confirmed:
                return False
            self._write(record)
            return True

    def _waits(self, error: BaseException) -> bool:
        """Whether what failed with ``error`` waits for the database (a write in the spool, a read answered from
        memory): it cannot be reached, or it lacks a table or column and its schema explains that (tables gone, an
        older or newer revision). Not when its schema is this version's own: then the statement is wrong (a bug)."""
        if is_schema_missing(error):
            return self._schema_explanation() is not None
        return is_unavailable(error)

    def _schema_explanation(self) -> str | None:
        """``SqlStore.schema_explanation``, for an error saying a table or column is not there; the general message
        when the database cannot be asked now (the write waits, and its replay decides again)."""
        try:
            return self._answered(self.inner.schema_explanation)
        except Exception as error:
            log.debug("cannot read the database's schema revision: %s", error)
            return schema_missing_message()

    def _note_schema(self, error: BaseException) -> None:
        """When ``error`` says a table or column is not there: ``status`` reports why (``error``, with what to do:
        the tables are gone, the schema is behind or newer), and the log says it once, until a replay goes in again."""
        if not is_schema_missing(error):
            return
        problem = self._schema_explanation() or schema_missing_message()
        with self._lock:
            known, self._problem = self._problem, problem
        if known != problem:
            log.error("The database answers but cannot be used: %s; conversation writes wait in %s", problem, self.spool_path)

    def _spool(self, record: _Record, error: BaseException) -> None:
        """Spool ``record`` after a direct write failed with ``error``: the database is down, or its schema cannot
        take the write yet, and it waits for the database. A table or column missing from a database whose schema is
        this version's own is a bug, not an outage (``_spool_bug``)."""
        if is_schema_missing(error) and self._schema_explanation() is None:
            self._spool_bug(record, error)
            return
        self._note_schema(error)
        with self._lock:
            if not self._pending:
                if not is_schema_missing(error):  # that one was logged as the database not usable
                    log.warning(
                        "The database is unavailable (%s); spooling conversation writes to %s until it is back",
                        _one_line(error), self.spool_path,
                    )
                self._flushed = 0
            self._down, self._bug_only = True, False
            self._start_thread()
            self._write(record)

    def _spool_bug(self, record: _Record, error: BaseException) -> None:
        """A write that failed on a table or column its database lacks though the schema is this version's: a bug.
        Logged as one (with the traceback), and kept: it goes to the spool, which keeps the conversation's later
        writes behind it, and the retry thread, woken now, sets it aside in the rejected file when the database
        refuses it again (``flush``). Nothing waits for the database: it is not down, and its schema is current."""
        log.error(
            "A conversation write (%s in session %s) failed: %s; %s. The write is kept: in %s, then in %s if the database "
            "refuses it again", record.op, record.session_id, _one_line(error), schema_bug_message(self._head()),
            self.spool_path, self.rejected_path, exc_info=error,
        )
        with self._lock:
            if not self._pending:
                self._flushed, self._bug_only = 0, True
            self._start_thread()
            self._write(record)
        self._wake.set()

    @staticmethod
    def _head() -> str | None:
        from assistant.store.migrate import head_revision

        return head_revision()

    def _write(self, record: _Record) -> None:
        """Append one line to the spool, flushed to disk before the caller is told the write is done; held in
        memory only when the spool file cannot be written, or still refuses the writes held before it (hold
        ``_lock``)."""
        error = self._write_held() if self._memory_only else None
        if error is None:
            try:
                record.end = self._append_line(record.to_json().encode("utf-8") + b"\n")
            except OSError as failed:
                error = failed
        if error is not None:
            if self._memory_only >= MEMORY_ONLY_MAX:
                raise StoreUnavailable(
                    f"the database and the spool {self.spool_path} both refuse writes ({error.strerror or error}), "
                    f"and {self._memory_only} writes already wait in memory"
                ) from None
            if self._spool_error is None:
                log.error("cannot write the spool %s (%s): conversation writes are held in memory until the spool or the "
                          "database takes them, and are lost if the server stops before then", self.spool_path, error.strerror or error)
            self._spool_error = error.strerror or str(error)
            self._memory_only += 1
            record.end = self._pending[-1].end if self._pending else self._done  # the file's progress stays as it was
            record.in_memory_only = True
        self._pending.append(record)
        self._by_session.setdefault(record.session_id, []).append(record)

    def _write_held(self) -> OSError | None:
        """Write the records held in memory only to the spool file, in order (they are the last of the pending
        ones: a record is held while any before it is); the error when the file still refuses one (hold ``_lock``)."""
        written, failed, end = 0, None, None
        for record in self._pending:
            if not record.in_memory_only:
                continue
            if failed is None:
                try:
                    record.end = end = self._append_line(record.to_json().encode("utf-8") + b"\n")
                    record.in_memory_only = False
                    self._memory_only -= 1
                    written += 1
                    continue
                except OSError as error:
                    failed = error
            if end is not None:
                record.end = end  # still held: the file's progress is now past the ones written
        if failed is None:
            self._spool_error = None
        if written:
            log.warning("the spool %s takes writes again: %d conversation write(s) held in memory are in it now%s",
                        self.spool_path, written, f"; {self._memory_only} still held" if failed else "")
        return failed

    def _append_line(self, line: bytes) -> int:
        """Append ``line`` to the spool file and fsync it; the file's new end. On an OSError the file is
        closed and cut back to where it was, so no partial line is left for a later line to run into."""
        start = None
        try:
            if self._file is None:
                self.spool_path.parent.mkdir(parents=True, exist_ok=True)
                self._file = open(self.spool_path, "ab", opener=private_opener)  # noqa: SIM115 - kept open while spooling
            start = self._file.tell()
            self._file.write(line)
            self._file.flush()
            os.fsync(self._file.fileno())
            return self._file.tell()
        except OSError:
            broken, self._file = self._file, None
            if broken is not None:
                with contextlib.suppress(OSError):
                    broken.close()  # its buffer may still hold part of the line: that part is cut below
            if start is not None:
                with contextlib.suppress(OSError):
                    os.truncate(self.spool_path, start)
            raise

    def _replay(self, record: _Record) -> bool:
        """Write one record to the database; False if it was there already (a repeated replay).

        A turn is numbered after the turns stored before it, as a turn saved while the database is up is
        when the conversation changed meanwhile: another server that went on with the conversation during the
        outage (no sticky sessions) wrote its turn 2 first, and this server's turn 2 becomes turn 3, not a
        second turn 2 in the log."""
        if record.op == "create":
            if self.inner.has_session(record.session_id) or self._erased(record):
                return False
            try:
                self.inner.create_session(record.channel or "web", session_id=record.session_id)
            except IntegrityError:  # created meanwhile: the same outcome
                if self.inner.has_session(record.session_id):
                    return False
                raise
            return True
        if record.op != "append":
            raise ValueError(f"unknown spool operation {record.op!r}")
        if not self.inner.has_session(record.session_id):
            if self._erased(record):
                return False
            self._recreate(record)
        if record.events:
            stored = self.inner.load_events(record.session_id)
            tail = stored[-len(record.events):] if len(stored) >= len(record.events) else []
            if tail and _as_json(tail) == _as_json(record.events):
                log.info("spooled write %s is in the database already; skipped", record.id)
                return False
            if record.turn is not None:
                record.turn = replace(record.turn, turn_no=sum(isinstance(e, UserMessage) for e in stored) + 1)
        try:
            self.inner.append(record.session_id, record.events, record.turn)
        except UnknownSession:
            if self._erased(record):  # erased since it was found above
                return False
            raise
        return True

    def _erased(self, record: _Record) -> bool:
        """Whether ``record`` is a write of a conversation the database no longer has and must not have again: erased by
        `assistant logs delete` (noted in ``<spool>.erased`` on this data folder, or in the database's
        ``erased_conversations`` by a delete run on any data folder), or spooled before the cutoff of the latest
        `assistant logs purge` (``log_purges``: older than the retention). Dropped, not kept in the rejected file nor
        started again, and forgotten by this server's memory too; logged without its words."""
        noted_here = is_erased(self.spool_path, record.session_id)
        why = "erased (`assistant logs delete`)" if noted_here else self._forgotten_by_database(record)
        if why is None:
            return False
        with self._lock:
            self._forgotten.add(record.session_id)  # an outage's memory answers it as unknown from now on
            self._cache.pop(record.session_id, None)
            self._cache_used.pop(record.session_id, None)
        log.warning("spooled write %s (%s in session %s) dropped: the conversation was %s",
                    record.id, record.op, record.session_id, why)
        return True

    def _forgotten_by_database(self, record: _Record) -> str | None:
        """Why the database says ``record``'s conversation is gone for good (``_erased``), or None."""
        from assistant.store.tables import ErasedConversationRow, LogPurgeRow, erasure_digest

        with self.inner.engine.connect() as connection:
            digest = erasure_digest(record.session_id)
            if connection.scalar(select(ErasedConversationRow.digest).where(ErasedConversationRow.digest == digest)):
                return "erased (`assistant logs delete`, noted in the database)"
            if record.spooled_at is None:
                return None
            cutoff = connection.scalar(select(func.max(LogPurgeRow.cutoff)))
        if cutoff is None or record.spooled_at >= _timestamp(cutoff):
            return None
        return f"purged (`assistant logs purge`): spooled before the latest purge's cutoff, {_timestamp_text(cutoff)}"

    def look(self) -> None:
        """At most every ``look_every_s`` (``clock``), called by the retry thread while the database is up, never on a
        customer's call: forget the conversations memory holds that were erased (`assistant logs delete`,
        ``erased_conversations``) or purged (`assistant logs purge`, ``log_purges``) since the last look, on any data
        folder of the database, so that a later outage does not show them again from memory (``_refuse_erased``:
        answered as unknown). A failed look is logged, and the next one reads from where this one would have."""
        if self.look_every_s is None:
            return
        with self._lock:
            now = self.clock()
            if now - self._looked_at < self.look_every_s:
                return
            self._looked_at, since, started = now, self._look_from, time.time()
        try:
            digests, purges = self._answered(self._erasures_since, since - LOOK_BACK_S)
            new_purges = purges - self._purges_seen
            gone = self._held_and_gone(digests, bool(new_purges))
        except Exception as error:
            if self._closed or isinstance(error, StoreStopped):  # the server is stopping: memory goes with it
                log.debug("no look for erasures and purges: the store has stopped (%s)", error)
                return
            if not self._look_failed:
                log.warning("cannot look for conversations erased or purged on other servers (%s): this server's memory "
                            "keeps them until a look works", _one_line(error))
            self._look_failed = True
            return
        with self._lock:
            self._look_from, self._purges_seen, self._look_failed = started, purges, False
            for session_id in gone:
                self._forgotten.add(session_id)
                self._cache.pop(session_id, None)
                self._cache_used.pop(session_id, None)
        if gone:
            log.info("forgot %d conversation(s) held in memory: erased or purged in the database", len(gone))

    def _erasures_since(self, since: float) -> tuple[set[str], set[int]]:
        """The digests of the conversations erased, and the ids of the purges run, since ``since`` (``time.time()``)."""
        from assistant.store.tables import ErasedConversationRow, LogPurgeRow

        moment = datetime.fromtimestamp(since, timezone.utc)
        with self.inner.engine.connect() as connection:
            digests = connection.scalars(select(ErasedConversationRow.digest).where(ErasedConversationRow.erased_at >= moment))
            purges = connection.scalars(select(LogPurgeRow.id).where(LogPurgeRow.purged_at >= moment))
            return set(digests), set(purges)

    def _held_and_gone(self, digests: set[str], purged: bool) -> set[str]:
        """The conversations memory holds whose id has one of these erasure ``digests``, and, after a purge
        (``purged``), those cached that the database no longer has (a conversation with spooled writes is the
        replay's to judge: one started during an outage is not in the database yet)."""
        from assistant.store.tables import erasure_digest

        with self._lock:
            cached, spooled = list(self._cache), set(self._by_session)
        gone = {i for i in {*cached, *spooled} if erasure_digest(i) in digests} if digests else set()
        asked = [i for i in cached if i not in spooled and i not in gone] if purged else []
        for start in range(0, len(asked), _IDS_PER_QUERY):
            chunk = asked[start:start + _IDS_PER_QUERY]
            stored = set(self._answered(self._stored_of, chunk))
            gone.update(i for i in chunk if i not in stored)
        return gone

    def _stored_of(self, session_ids: list[str]) -> list[str]:
        from assistant.store.tables import SessionRow

        with self.inner.engine.connect() as connection:
            return list(connection.scalars(select(SessionRow.id).where(SessionRow.id.in_(session_ids))))

    def _recreate(self, record: _Record) -> None:
        """Start again, under its id, a conversation that a spooled append is for and a database made anew (or
        emptied) no longer has, so the spooled turns are stored rather than refused: the customer's words and the
        answers given are not lost. What the database held of it before is not in the spool, and the log says so.
        Only where the database holds no conversation but those this replay started again: a conversation missing
        from a database that holds others was deleted meanwhile (`assistant logs delete`, an erasure request) or
        the database restored from an older backup, and it is not brought back (NotStartedAgain, saying which: the
        rejected file), nor is one whose write was spooled without its channel (by a version before channels were
        recorded, or for an id this process never knew, a client's unchecked while the database was down)."""
        if record.session_id in self._refused_starts:
            raise NotStartedAgain(record.session_id, _REFUSED_START)
        if self.inner.session_count() > len(self._started_again):
            raise NotStartedAgain(record.session_id, _DELETED if record.channel else f"{_DELETED}, or {_NO_CHANNEL}")
        if record.channel is None:
            raise NotStartedAgain(record.session_id, _NO_CHANNEL)
        try:
            self.inner.create_session(record.channel, session_id=record.session_id)
        except IntegrityError:  # created meanwhile (another server's replay): the same outcome
            if not self.inner.has_session(record.session_id):
                raise
            return
        self._started_again.add(record.session_id)
        with self._lock:
            self._cache.pop(record.session_id, None)  # what memory held of it is no longer what the database holds
            self._cache_used.pop(record.session_id, None)
        log.warning(
            "conversation %s is not in the database, which holds no conversations (made anew or emptied): started again "
            "from its writes in the spool %s; what was stored of it before is not there",
            record.session_id, self.spool_path,
        )

    def _complete(self, record: _Record, stored: bool) -> None:
        """Drop a replayed (or rejected) record from the pending ones and persist the progress."""
        self._pending.popleft()
        records = self._by_session[record.session_id]
        records.pop(0)
        if not records:
            del self._by_session[record.session_id]
        if record.op == "create":
            self._remember(record.session_id, list(record.events))
        elif record.session_id in self._cache:
            self._cache[record.session_id].extend(record.events)
        self._done = record.end
        self._flushed += stored
        if record.in_memory_only:
            self._memory_only -= 1
            if not self._memory_only:
                self._spool_error = None
        if self._pending:
            self._save_offset()
            return
        if self._file is not None:
            self._file.close()
            self._file = None
        self.spool_path.unlink(missing_ok=True)
        self.offset_path.unlink(missing_ok=True)
        self._done = 0
        if self._bug_only:  # the database was never away
            self._bug_only = False
            log.info("spool %s empty again: %d spooled writes stored", self.spool_path, self._flushed)
            return
        # news, not a problem: at info, which a server shows for this module (assistant.cli.SERVER_EVENT_LOGGERS)
        log.info("The database is back: flushed %d spooled writes from %s", self._flushed, self.spool_path)

    def _save_offset(self) -> None:
        temporary = self.offset_path.with_name(self.offset_path.name + ".tmp")
        try:
            with open(temporary, "w", encoding="utf-8") as out:
                out.write(str(self._done))
                out.flush()
                os.fsync(out.fileno())
            os.replace(temporary, self.offset_path)
        except OSError:  # a later restart replays more, and the replay skips what is there already
            log.exception("cannot save the spool's progress to %s", self.offset_path)

    def _reject(self, record: _Record, error: BaseException) -> None:
        why = f" ({schema_bug_message(self._head())})" if is_schema_missing(error) else ""
        if record.op == "create":
            self._refused_starts.add(record.session_id)
        elif isinstance(error, NotStartedAgain) and record.session_id not in self._refused_starts:
            why = f" (if it was erased, `assistant logs delete {record.session_id}` on this data folder removes this write too)"
        log.error(
            "The database refused spooled write %s (%s in session %s): %s%s; kept in %s",
            record.id, record.op, record.session_id, error, why, self.rejected_path,
        )
        kind = UnknownSession.__name__ if isinstance(error, UnknownSession) else type(error).__name__  # NotStartedAgain too
        line = json.loads(record.to_json()) | {"error": f"{kind}: {error}"}
        with open(self.rejected_path, "a", encoding="utf-8", opener=private_opener) as out:
            out.write(json.dumps(line, ensure_ascii=False) + "\n")

    def _load_with_pending(self, session_id: str) -> list[Event]:
        with self._lock:
            records = list(self._by_session.get(session_id, []))
        spooled = [event for record in records for event in record.events]
        if any(record.op == "create" for record in records):
            return spooled  # started during the outage: the database has nothing of it yet
        stored = self._load_stored(session_id)
        return self._local_events_locked(session_id) if stored is None else stored + spooled

    def _known_down(self) -> bool:
        """Whether turns should not wait for the database: it failed, and the retry thread (the one that
        tries it meanwhile) has not reached it since. Without a retry thread every call tries it. Before
        its schema is confirmed the database is not used at all."""
        return not self._confirmed or (self._down and self.retry_seconds is not None)

    def _confirm(self) -> bool:
        """Run ``confirm_schema`` once; True when the database is now known to be usable."""
        assert self._confirm_schema is not None
        try:
            self._confirm_schema()
        except Exception as error:
            if isinstance(error, DatabaseUnreachable) or (not isinstance(error, StoreUnavailable) and self._waits(error)):
                log.debug("database still unavailable: %s", error)
                with self._lock:
                    self._down, self._problem = True, None
                return False
            problem = " ".join(str(error).split()) or type(error).__name__
            with self._lock:
                known, self._problem = self._problem, problem
            if problem != known:  # once per distinct problem, not every retry
                log.error("The database answers but cannot be used: %s; conversation writes wait in %s", problem, self.spool_path)
            return False
        with self._lock:
            self._confirmed, self._problem, self._down = True, None, False
            pending = len(self._pending)
        log.warning("The database is reachable and its schema is current; %d spooled writes to flush", pending)
        return True

    def _load_stored(self, session_id: str) -> list[Event] | None:
        """The database's events for the session, remembered for an outage; None while it is down."""
        try:
            events = self._answered(self.inner.load_events, session_id)
        except Exception as error:
            if not self._waits(error):
                raise
            return None
        with self._lock:
            self._remember(session_id, list(events))
            if self._pending:
                self._wake.set()  # the database answers: no need to wait for the next retry
        return events

    def _local_events_locked(self, session_id: str) -> list[Event]:
        with self._lock:
            return self._local_events(session_id)

    def _local_events(self, session_id: str) -> list[Event]:
        """The session's events from memory (cache + spool) while the database is down; hold ``_lock``.
        StoreUnavailable for a session memory does not hold: only the database could say whether it exists."""
        self._refuse_erased(session_id)
        records = self._by_session.get(session_id, [])
        spooled = [event for record in records for event in record.events]
        if session_id in self._cache:
            self._touch(session_id)
            return list(self._cache[session_id]) + spooled
        if any(record.op == "create" for record in records):
            return spooled
        # not UnknownSession: the database may well hold it, and a client told "no such conversation" drops it
        raise StoreUnavailable(
            f"The database is unavailable and this process does not know session {session_id[:40]!r}'s history."
        )

    def _channel(self, session_id: str) -> str | None:
        """The session's channel as memory knows it, None for a session it does not know (recorded with a spooled
        append: a replay that finds the conversation gone from the database starts it again on that channel)."""
        with self._lock:
            cached = self._cache.get(session_id)
            if cached and isinstance(cached[0], SessionStarted):
                return cached[0].channel
            return next((record.channel for record in self._by_session.get(session_id, []) if record.channel), None)

    def _check_known(self, session_id: str) -> None:
        """UnknownSession for an append to a session that neither memory nor the database knows."""
        with self._lock:
            if session_id in self._cache or session_id in self._by_session or self._known_down():
                return  # known, or cannot tell now: spool it (a replay refuses an id this process never knew)
        try:
            known = self._answered(self.inner.has_session, session_id)
        except Exception as error:
            if not self._waits(error):
                raise
            return  # cannot tell: spool it (a replay refuses an id this process never knew)
        if not known:
            raise UnknownSession(session_id)

    def _refuse_erased(self, session_id: str) -> None:
        """UnknownSession for a conversation `assistant logs delete` erased (``record_erasures``), which memory forgets
        now: while the database is down it would otherwise answer with the erased conversation (hold ``_lock``)."""
        if session_id in self._forgotten or is_erased(self.spool_path, session_id):
            self._cache.pop(session_id, None)
            self._cache_used.pop(session_id, None)
            raise UnknownSession(session_id)

    def _remember(self, session_id: str, events: list[Event]) -> None:
        """Cache a session's events (hold ``_lock``); sessions idle for ``cache_idle_s`` go, and beyond
        ``cache_sessions`` the least recently used."""
        self._cache[session_id] = events
        self._touch(session_id)
        stale = self.clock() - self.cache_idle_s
        while self._cache:
            oldest = next(iter(self._cache))
            if len(self._cache) <= self.cache_sessions and self._cache_used[oldest] > stale:
                break
            del self._cache[oldest], self._cache_used[oldest]

    def _touch(self, session_id: str) -> None:
        """Note a cached session as just used (hold ``_lock``): it goes to the end of the LRU order."""
        self._cache.move_to_end(session_id)
        self._cache_used[session_id] = self.clock()

    def _resume(self) -> None:
        """Pick up a spool left by an earlier run, from where its replay stopped."""
        if not self.spool_path.exists():
            self.offset_path.unlink(missing_ok=True)
            return
        data = self.spool_path.read_bytes()
        try:
            start = int(self.offset_path.read_text(encoding="utf-8"))
        except (FileNotFoundError, ValueError):
            start = 0
        start = start if 0 <= start <= len(data) else 0
        complete = data.rfind(b"\n") + 1
        if complete < len(data):  # a write cut short by a crash: never acknowledged, so not a lost turn
            log.warning("dropping an incomplete last line (%d bytes) of %s", len(data) - complete, self.spool_path)
            with open(self.spool_path, "r+b") as spool:
                spool.truncate(complete)
        position = start
        for line in data[start:complete].splitlines(keepends=True):
            position += len(line)
            if not line.strip():
                continue
            try:
                record = _Record.from_json(line, position)
            except (ValueError, KeyError, TypeError) as error:
                log.error("unreadable line in %s at byte %d: %s", self.spool_path, position - len(line), error)
                with open(self.rejected_path, "ab", opener=private_opener) as out:
                    out.write(line)
                continue
            self._pending.append(record)
            self._by_session.setdefault(record.session_id, []).append(record)
        self._done = start
        if not self._pending:
            self.spool_path.unlink(missing_ok=True)
            self.offset_path.unlink(missing_ok=True)
            self._done = 0
            return
        log.warning("found %d spooled writes in %s; flushing them when the database is reachable",
                    len(self._pending), self.spool_path)
        self._start_thread()
        self._wake.set()  # try straight away

    def _start_thread(self) -> None:
        if self._thread is None and not self._closed and self.retry_seconds is not None:
            self._thread = threading.Thread(target=self._retry_loop, name="spool-flush", daemon=True)
            self._thread.start()

    def _retry_loop(self) -> None:
        while True:
            self._wake.wait(self.retry_seconds)
            self._wake.clear()
            if self._closed:
                return
            if self._memory_only:
                with self._lock:
                    self._write_held()  # to the file as soon as it takes them, the database up or not
            if self.pending() or not self._confirmed:
                try:
                    self.flush()
                except Exception:  # keep retrying; the spool keeps the records
                    log.exception("flushing the spool %s failed", self.spool_path)
            if not self._known_down() and not self.pending():  # the database is up, as far as this server knows
                try:
                    self.look()
                except Exception:  # a look must never end the thread that replays the spool
                    log.exception("looking for conversations erased or purged on other servers failed")
