"""Tell staff when a conversation is handed to a person, when one of them starts replying, and when it goes
back to the assistant: a JSON POST to a webhook per event.

The notice has a ``text`` field, so a Slack or Mattermost incoming webhook shows it as it is (the
customer's words escaped, so they cannot ping a channel or disguise a link); other tools read the other
fields. It is sent by one background worker, after the turn is stored, so a slow or broken webhook never
delays or loses a customer's turn. Notices go out in the order they were given (see below). A webhook that is down or
failing (no answer, a timeout, 5xx, 408, 429) is tried again after 1, 5, 30 and 120 s, then every 5 minutes
until the notice is ``MAX_AGE_S`` old (6 hours), so an outage of the team's chat loses no notice; another
refusal (a 4xx: a wrong or revoked URL) is not retried. A notice the webhook did not take is set aside until
its next try, so the notices behind it go out meanwhile: a receiver that fails on one notice (a bug about
something in it) holds up only the later notices of that conversation, which keep their order. At most
``SET_ASIDE_MAX`` notices are set aside in memory; beyond that a failing notice is parked: its outbox file is
renamed ``….json.parked`` (logged), and it is queued again once fewer are set aside, and in any case every
``RETRY_EVERY_S`` (or by the next server). A notice given up on is logged. Each waiting notice is
also a file in an outbox folder (``data_dir/notices/``), so notices still waiting when the server stops are sent
by the next server started on that data folder (unless they are ``MAX_AGE_S`` old by then). Each process's
files carry its owner token in their names, and it holds a lock on ``data_dir/notices.owners/<token>`` while it
runs: the next server takes over only the files of processes that are gone, never those of one still running
beside it (an ``assistant chat`` or ``inbox reply`` on the same data folder). A notice the outbox
cannot take (a full disk) is held in memory, logged, counted by ``status`` (``/healthz``), and written to the
outbox at its next try or within ``HELD_RETRY_S`` while it is set aside. Each notice has a ``notice_id`` (also sent as the
``Idempotency-Key`` header), the same on every try of it, so a receiver that was only slow to answer can drop
the second copy. With the server's ``public_url`` set, each notice links to the conversation in the review
pages' Inbox.
"""

from __future__ import annotations

import contextlib
import dataclasses
import fcntl
import itertools
import json
import logging
import os
import queue
import re
import threading
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import IO, Any

import httpx

from assistant.store.db import private_opener
from dialog.events import AgentMessage, Event, HandoffRequested, HandoffResolved, UserMessage
from dialog.store import ConversationStore, StoreWrapper, TurnRecord

log = logging.getLogger(__name__)

MESSAGE_CHARS = 300  # how much of the customer's message the notice quotes
QUEUE_SIZE = 1000  # notices waiting to be sent; beyond that new ones are dropped (and logged)
RETRY_DELAYS_S = (1.0, 5.0, 30.0, 120.0)  # waits before each new try of a notice the webhook did not take
RETRY_EVERY_S = 300.0  # then the wait before each further try
MAX_AGE_S = 6 * 3600.0  # a notice not taken by then is given up on (the Inbox still lists the conversation)
RETRIED_STATUSES = {408, 429}  # besides 5xx: the webhook may take the notice later
SET_ASIDE_MAX = 1000  # failing notices held in memory for their next try; beyond that they are parked on disk
HELD_RETRY_S = 5.0  # how often the outbox is tried again for a set-aside notice it could not take
PARKED = ".parked"  # suffix of a parked notice's outbox file
TAKEOVER_S = 1.0  # a handoff and a staff reply this close were saved together: staff took the conversation over


def conversation_link(public_url: str, session_id: str) -> str | None:
    """Where staff open the conversation: the review pages, which show it in the Inbox while a person has it;
    None without a ``public_url``."""
    return f"{public_url.rstrip('/')}/review/?conversation={session_id}" if public_url else None


def chat_escape(text: str) -> str:
    """Customer words made inert in a Slack-style ``text``: no ``<!channel>`` pings, no disguised links."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


@dataclass(frozen=True)
class WaitingNotice:
    """A notice queued for the worker: its body, when it was given, and its outbox file (None: kept in memory)."""

    body: dict[str, Any]
    given_at: float
    path: Path | None = None
    was_parked: bool = False  # queued again from the outbox's parked files: parking it again is not news


@dataclass
class SetAside:
    """A notice the webhook still failed on after the first retries: ``tries`` made, the next at ``due``
    (``time.time()``)."""

    notice: WaitingNotice
    tries: int
    due: float


class HandoffNotifier:
    """Posts a notice per handoff to ``url``: a try, then a try after each of ``retry_delays_s`` and then every
    ``retry_every_s`` while the webhook is down or failing (not after another 4xx), until the notice is
    ``max_age_s`` old; ``timeout_s`` each try.

    ``send_later`` queues a notice for one worker thread, so a slow webhook holds one thread, not one per
    handoff; when ``QUEUE_SIZE`` notices are waiting, new ones are dropped with a warning. A notice the webhook
    did not take is set aside until its next try (at most ``set_aside_max`` of them; more are parked in the
    outbox). With an ``outbox`` folder each queued notice is also a file there until it is sent or given up
    on; ``send_left_over`` queues the files an earlier process left.
    """

    def __init__(
        self,
        url: str,
        outbox: Path | None = None,
        timeout_s: float = 5.0,
        retry_delays_s: Sequence[float] = RETRY_DELAYS_S,
        retry_every_s: float = RETRY_EVERY_S,
        max_age_s: float = MAX_AGE_S,
        transport: httpx.BaseTransport | None = None,
        set_aside_max: int = SET_ASIDE_MAX,
    ) -> None:
        self.url = url
        self.outbox = outbox
        self.timeout_s = timeout_s
        self.retry_delays_s = tuple(retry_delays_s)
        self.retry_every_s = retry_every_s
        self.max_age_s = max_age_s
        self._client = httpx.Client(transport=transport, timeout=timeout_s)
        self._queue: queue.Queue[WaitingNotice] = queue.Queue(maxsize=QUEUE_SIZE)
        self._worker: threading.Thread | None = None
        self._start_lock = threading.Lock()
        self._set_aside: list[SetAside] = []  # only the worker thread uses it
        self._told_failing = False  # a warning said the webhook fails, and no line since said it takes notices again
        self._failing: str | None = None  # why the last try failed; None once a notice went out (``status``)
        self.set_aside_max = set_aside_max
        self._parked_lock = threading.Lock()
        self._parked: dict[str, list[float]] = {}  # conversation (as in file names) -> when its parked notices were given
        self._held = 0  # notices waiting in memory only: the outbox could not take them
        self._held_error: str | None = None  # why not
        self._held_tried = 0.0  # when the worker last tried the outbox for the set-aside ones (time.monotonic())
        self._parked_due: float | None = None  # when the parked notices are queued again (time.time()), if any are
        self._owner = ""  # this process's token in its outbox files' names (``_claim_outbox``)
        self._owner_lock: IO[bytes] | None = None  # held while this process runs: its files are not left over
        self._adopted: set[str] = set()  # owner tokens of gone processes whose files this one took over

    @staticmethod
    def notice(
        session_id: str, reason: str, message: str | None, at: datetime | None = None, link: str | None = None
    ) -> dict[str, Any]:
        """The JSON body of the notice of a handoff (``kind`` "handoff")."""
        quoted = None if message is None else message[:MESSAGE_CHARS] + ("…" if len(message) > MESSAGE_CHARS else "")
        text = (
            f"A customer is waiting for a person ({chat_escape(reason)}). "
            f"Conversation {session_id}; reply from the Inbox of the review pages.{_link_line(link)}"
        )
        if quoted:
            text += f'\nLast message: "{chat_escape(quoted)}"'
        return {
            **_common_fields("handoff", text, session_id, link),
            "reason": reason,
            "customer_message": quoted,
            "handed_off_at": (at or datetime.now(timezone.utc)).isoformat(),
        }

    @staticmethod
    def taken_notice(session_id: str, author: str, at: datetime | None = None, link: str | None = None) -> dict[str, Any]:
        """The notice that a member of staff replied first to a waiting customer (``kind`` "taken"), so that
        the others know the customer has an answer."""
        text = f"{chat_escape(author)} is replying to conversation {session_id}.{_link_line(link)}"
        return {**_common_fields("taken", text, session_id, link), "author": author, "at": _iso(at)}

    @staticmethod
    def handed_back_notice(session_id: str, author: str, at: datetime | None = None, link: str | None = None) -> dict[str, Any]:
        """The notice that the conversation went back to the assistant (``kind`` "handed_back")."""
        by = "the customer chose the assistant again" if author == "customer" else f"handed back by {chat_escape(author)}"
        text = f"Conversation {session_id} is back with the assistant ({by}).{_link_line(link)}"
        return {**_common_fields("handed_back", text, session_id, link), "author": author, "at": _iso(at)}

    def send(
        self, body: dict[str, Any], given_at: float | None = None, path: Path | None = None, *,
        tries: int = 0, set_aside: Callable[[int, float], None] | None = None,
    ) -> bool | None:
        """POST the notice, trying again while the webhook is down or failing, until it is ``max_age_s`` old
        (counted from ``given_at``, default now); True once it accepted it (2xx). A notice whose outbox file
        ``path`` was deleted meanwhile (the conversation was erased) is not tried again.

        ``tries``: how many tries were made before. With ``set_aside`` (the worker's), the wait for the next try
        is not slept through: ``set_aside(tries, delay)`` is called and None returned, so the worker sends other
        notices meanwhile."""
        headers = {"Idempotency-Key": str(body["notice_id"])} if "notice_id" in body else {}
        given_at = time.time() if given_at is None else given_at
        if time.time() - given_at > self.max_age_s:  # left by a server stopped longer than that: given up on
            log.warning("handoff notice for conversation %s not delivered to the webhook (given %.1f h ago, %s)",
                        body.get("session_id"), (time.time() - given_at) / 3600, f"{tries} tries" if tries else "not tried")
            return False
        for attempt in itertools.count(tries):
            try:
                response = self._client.post(self.url, json=body, headers=headers)
                if response.is_success:
                    self._failing = None
                    if self._told_failing:
                        self._told_failing = False
                        log.info("the handoff webhook takes notices again (conversation %s's went out after %d tries)",
                                 body.get("session_id"), attempt + 1)
                    return True
                problem = f"HTTP {response.status_code}"
                if response.status_code < 500 and response.status_code not in RETRIED_STATUSES:
                    self._failing = problem
                    break  # the webhook refuses it (a wrong or revoked URL): trying again changes nothing
            except httpx.HTTPError as error:
                problem = f"{type(error).__name__}: {error}"
            self._failing = problem
            if attempt == 0 and not self._told_failing:  # one line as the webhook starts failing, none more meanwhile
                self._told_failing = True
                log.warning("handoff notice for conversation %s: the webhook fails (%s); %s", body.get("session_id"),
                            problem, self._retry_plan(attempt))
            delay = self.retry_delays_s[attempt] if attempt < len(self.retry_delays_s) else self.retry_every_s
            if time.time() + delay - given_at > self.max_age_s:
                break
            if set_aside is not None:
                set_aside(attempt + 1, delay)
                return None
            time.sleep(delay)
            if path is not None and not path.exists():
                return False  # erased meanwhile (``assistant logs delete``)
        log.warning("handoff notice for conversation %s not delivered to the webhook (%s)", body.get("session_id"), problem)
        return False

    def _retry_plan(self, attempt: int) -> str:
        """When a notice is tried again after its try number ``attempt`` (0 for the first) failed, in words."""
        waits = ", ".join(f"{delay:g} s" for delay in self.retry_delays_s[attempt:])
        every = f"every {self.retry_every_s:g} s"
        tries = f"tried again in {waits}, then {every}" if waits else f"tried again {every}"
        return f"{tries}, for up to {self.max_age_s / 3600:g} h (other notices go out meanwhile)"

    def send_later(self, body: dict[str, Any]) -> bool:
        """Queue the notice for the worker thread (and write it to the outbox); False (and a warning) when the
        queue is full. A notice the outbox cannot take (disk full, no permission) is queued in memory only
        (counted by ``status``; the worker tries the outbox again)."""
        given_at = time.time()
        notice = WaitingNotice(body, given_at, self._write(body, given_at))
        queued = self._enqueue(notice)
        if queued and notice.path is None and self.outbox is not None:
            self._count_held(1)
        return queued

    def send_left_over(self) -> int:
        """Queue the notices that processes now gone left in the outbox (they stopped before the notices were
        sent), parked ones too; how many. The files of a process still running (its owner lock held) are its own
        to send, and stay as they are. Those the queue has no room for stay parked until it has. A file that
        cannot be read is renamed ``….broken`` and named in a warning."""
        if self.outbox is None or not self.outbox.is_dir():
            return 0
        with self._parked_lock:
            try:
                self._claim_outbox()
            except OSError as error:
                log.warning("handoff notices left in %s not sent: %s cannot be written (%s)", self.outbox,
                            self._owners_folder(), error.strerror or error)
                return 0
            gone: dict[str, bool] = {}
            for path in sorted(self.outbox.glob("*.json")) + sorted(self.outbox.glob("*.json" + PARKED)):
                owner = _file_owner(path)
                if owner == self._owner:
                    continue
                if owner not in gone:
                    gone[owner] = not _owner_runs(self._owners_folder(), owner)
                if not gone[owner]:
                    continue  # a live process's: it sends them
                self._adopted.add(owner)
                if not path.name.endswith(PARKED):  # parked first, then queued in order as room allows
                    with contextlib.suppress(OSError):
                        path.replace(path.with_name(path.name + PARKED))
            for owner, is_gone in gone.items():
                if is_gone and owner:
                    _forget_owner(self._owners_folder(), owner)
            queued = self._unpark(QUEUE_SIZE)
        if queued:
            log.warning("%d handoff notice(s) left by an earlier process queued for the webhook", queued)
        return queued

    def status(self) -> dict[str, Any]:
        """For /healthz: ``handoff_notices_waiting`` (queued, being tried, set aside or parked),
        ``handoff_notices_error`` while some are held in memory only because the outbox cannot take them (they
        are lost if the server stops before they are sent or written), and ``handoff_webhook``, "failing (why)",
        while the webhook's last try failed (until a notice goes out)."""
        with self._parked_lock:
            parked = sum(len(given) for given in self._parked.values())
            held, why = self._held, self._held_error
        body: dict[str, Any] = {"handoff_notices_waiting": self._queue.unfinished_tasks + parked}
        if held:
            body["handoff_notices_error"] = f"{held} notice(s) held in memory only, {self.outbox} cannot be written: {why}"
        if self._failing is not None:
            body["handoff_webhook"] = f"failing ({self._failing})"
        return body

    def wait_until_sent(self) -> None:
        """Block until every queued notice has been sent or given up on."""
        self._queue.join()

    def close(self, timeout_s: float = 15.0) -> bool:
        """At exit: wait up to ``timeout_s`` for the queued notices (the worker is a daemon thread, which
        dies with the process); False, with a warning, when some were not sent (those in the outbox are sent
        by the next server started on it, this process's owner lock given up)."""
        deadline = time.monotonic() + timeout_s
        while self._queue.unfinished_tasks and time.monotonic() < deadline:
            time.sleep(0.05)
        with self._parked_lock:
            parked = sum(len(given) for given in self._parked.values())
            if self._owner_lock is not None:  # what is left in the outbox is for the next server to take over
                with contextlib.suppress(OSError):  # no lock file is a process gone too (_owner_runs): none piles up
                    (self._owners_folder() / self._owner).unlink()
                self._owner_lock.close()
                self._owner_lock = None
        if self._queue.unfinished_tasks or parked:
            kept = f"; they stay in {self.outbox} for the next server started on this data folder" if self.outbox else ""
            if parked:
                kept += f" ({parked} of them parked there)"
            if self._held:
                kept += f", except {self._held} held in memory only ({self.outbox} could not be written: {self._held_error}), which are lost"
            log.warning("%d handoff notice(s) not sent before exit%s", self._queue.unfinished_tasks + parked, kept)
            return False
        return True

    def _start_worker(self) -> None:
        with self._start_lock:
            if self._worker is None:
                self._worker = threading.Thread(target=self._work, name="handoff-notices", daemon=True)
                self._worker.start()

    def _enqueue(self, notice: WaitingNotice) -> bool:
        self._start_worker()
        try:
            self._queue.put_nowait(notice)
        except queue.Full:
            log.warning("handoff notice for conversation %s dropped: %d notices already wait", notice.body.get("session_id"), QUEUE_SIZE)
            _remove(notice.path)
            return False
        return True

    def _write(self, body: dict[str, Any], given_at: float, again: bool = False) -> Path | None:
        """The notice as a file in the outbox, named by when it was given (their order) and its conversation;
        None when it cannot be written (logged; only at debug level when this is ``again`` a held notice)."""
        if self.outbox is None:
            return None
        notice_id = str(body.get("notice_id") or uuid.uuid4().hex)[:12]
        temporary = None
        try:
            self.outbox.mkdir(parents=True, exist_ok=True)
            with self._parked_lock:
                self._claim_outbox()
            name = f"{int(given_at * 1e9):020d}.{self._owner}-{notice_id}.{_file_part(str(body.get('session_id', '')))}.json"
            path = self.outbox / name
            temporary = path.with_suffix(".tmp")
            with open(temporary, "w", encoding="utf-8", opener=private_opener) as out:
                json.dump(body, out, ensure_ascii=False)
            os.replace(temporary, path)
        except OSError as error:
            with contextlib.suppress(OSError):
                if temporary is not None:
                    temporary.unlink(missing_ok=True)  # part of the customer's words, which no erasure would find
            with self._parked_lock:
                self._held_error = error.strerror or str(error)
            log.log(logging.DEBUG if again else logging.WARNING,
                    "handoff notice for conversation %s kept in memory only: %s cannot be written (%s)",
                    body.get("session_id"), self.outbox, error.strerror or error)
            return None
        return path

    def _owners_folder(self) -> Path:
        assert self.outbox is not None
        return self.outbox.with_name(self.outbox.name + ".owners")

    def _claim_outbox(self) -> None:
        """Take an owner token for this process's outbox files and lock it while the process runs (hold
        ``_parked_lock``): another process's ``send_left_over`` then leaves these files alone. OSError when the
        folder cannot be written."""
        if self._owner_lock is not None:
            return
        folder = self._owners_folder()
        folder.mkdir(parents=True, exist_ok=True)
        while True:
            token = uuid.uuid4().hex[:8]
            path = folder / token
            try:
                handle = os.fdopen(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600), "wb")
            except FileExistsError:
                continue
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                if os.stat(path).st_ino == os.fstat(handle.fileno()).st_ino:  # not taken for a gone one's meanwhile
                    self._owner, self._owner_lock = token, handle
                    return
            except (BlockingIOError, FileNotFoundError):
                pass
            handle.close()

    def _count_held(self, change: int) -> None:
        with self._parked_lock:
            self._held += change
            if not self._held:
                self._held_error = None

    def _to_outbox(self, notice: WaitingNotice) -> WaitingNotice:
        """A notice held in memory only, written to the outbox if it now takes it (else the notice as it was)."""
        if notice.path is not None or self.outbox is None:
            return notice
        path = self._write(notice.body, notice.given_at, again=True)
        if path is None:
            return notice
        self._count_held(-1)
        log.warning("handoff notice for conversation %s held in memory is now written to %s", notice.body.get("session_id"), self.outbox)
        return dataclasses.replace(notice, path=path)

    def _held_to_outbox(self) -> None:
        """Try the outbox again for the set-aside notices held in memory only, at most every ``HELD_RETRY_S``."""
        if not self._held or time.monotonic() - self._held_tried < HELD_RETRY_S:
            return
        self._held_tried = time.monotonic()
        for waiting in self._set_aside:
            if waiting.notice.path is None:
                waiting.notice = self._to_outbox(waiting.notice)
                if waiting.notice.path is None:
                    return  # the outbox still refuses: the next look is in HELD_RETRY_S

    def _work(self) -> None:
        while True:
            notice, tries = self._next()
            parked = False
            try:
                notice = self._to_outbox(notice)
                if notice.path is not None and not notice.path.exists():
                    pass  # erased meanwhile
                elif self._parked_before(notice):
                    parked = True  # its conversation's order is kept: parked behind the one parked before it
                    self._park(notice, "a notice of its conversation before it is parked")
                elif (ahead := self._set_aside_before(notice)) is not None:
                    parked = not self._put_aside(notice, tries, ahead.due)  # its conversation's order is kept
                    if not parked:
                        continue
                else:
                    later: list[tuple[int, float]] = []  # (tries made, wait) when the webhook did not take it
                    if self.send(notice.body, notice.given_at, notice.path, tries=tries,
                                 set_aside=lambda done, delay: later.append((done, delay))) is None:
                        done, delay = later[0]
                        parked = not self._put_aside(notice, done, time.time() + delay)
                        if not parked:
                            continue
            except Exception:  # never let one notice stop the worker
                log.exception("handoff notice for conversation %s failed", notice.body.get("session_id"))
            if not parked:
                _remove(notice.path)
                if notice.path is None and self.outbox is not None:
                    self._count_held(-1)
                for waiting in self._set_aside:  # those of its conversation set aside behind it may go now
                    if waiting.notice.body.get("session_id") == notice.body.get("session_id"):
                        waiting.due = min(waiting.due, time.time())
            if not parked and self._parked and len(self._set_aside) < self.set_aside_max:
                with self._parked_lock:  # queued before this one is done: wait_until_sent waits for them too
                    self._unpark(self.set_aside_max - len(self._set_aside))
            self._queue.task_done()

    def _put_aside(self, notice: WaitingNotice, tries: int, due: float) -> bool:
        """Set the notice aside until ``due``; False when ``set_aside_max`` are already set aside: then it is
        parked (or, when it cannot be written to the outbox either, dropped with a warning)."""
        if len(self._set_aside) < self.set_aside_max:
            self._set_aside.append(SetAside(notice, tries, due))
            return True
        self._park(notice, f"{len(self._set_aside)} notices are already set aside in memory")
        return False

    def _park(self, notice: WaitingNotice, why: str) -> None:
        """Leave the notice in the outbox as ``….json.parked`` until fewer are set aside (``_unpark``)."""
        conversation = str(notice.body.get("session_id"))
        if notice.path is None:
            log.warning("handoff notice for conversation %s dropped: %s, and %s cannot take it", conversation, why,
                        self.outbox if self.outbox is not None else "no outbox folder")
            if self.outbox is not None:
                self._count_held(-1)
            return
        parked = notice.path.with_name(notice.path.name + PARKED)
        with self._parked_lock:
            try:
                notice.path.replace(parked)
            except OSError as error:
                log.warning("handoff notice for conversation %s dropped: %s, and %s cannot be renamed (%s)", conversation,
                            why, notice.path, error.strerror or error)
                _remove(notice.path)
                return
            self._parked.setdefault(_file_part(conversation), []).append(notice.given_at)
            if self._parked_due is None:
                self._parked_due = time.time() + self.retry_every_s
        log.log(logging.DEBUG if notice.was_parked else logging.WARNING,
                "handoff notice for conversation %s parked as %s: %s; it is queued again when fewer wait, every %g s, or "
                "by the next server started on this data folder", conversation, parked, why, self.retry_every_s)

    def _parked_before(self, notice: WaitingNotice) -> bool:
        """Whether an older notice of the same conversation is parked (``notice`` must wait behind it)."""
        with self._parked_lock:
            given = self._parked.get(_file_part(str(notice.body.get("session_id"))), ())
            return any(at < notice.given_at for at in given)

    def _unpark(self, room: int) -> int:
        """Queue up to ``room`` parked notices, oldest first, as the queue has room; how many (hold ``_parked_lock``).
        The parked ones are then counted again from the outbox (some may have been erased)."""
        if self.outbox is None or not self.outbox.is_dir():
            return 0
        queued = 0
        mine = self._adopted | ({self._owner} if self._owner else set())  # this process's files, and gone ones' it took
        parked = sorted(path for path in self.outbox.glob("*.json" + PARKED) if _file_owner(path) in mine)
        for path in list(parked):
            if queued >= room:
                break
            target = path.with_name(path.name[: -len(PARKED)])
            try:
                path.replace(target)
            except OSError:
                continue  # gone meanwhile (erased)
            parked.remove(path)
            if (notice := _read_notice(target)) is None:
                continue
            try:
                self._queue.put_nowait(dataclasses.replace(notice, was_parked=True))
            except queue.Full:
                with contextlib.suppress(OSError):
                    target.replace(path)
                parked.append(path)
                break
            queued += 1
        self._parked = {}
        for path in parked:
            with contextlib.suppress(ValueError):
                self._parked.setdefault(str(_file_conversation(path)), []).append(int(path.name.split(".", 1)[0]) / 1e9)
        self._parked_due = time.time() + self.retry_every_s if self._parked else None
        if queued:
            self._start_worker()
        return queued

    def _next(self) -> tuple[WaitingNotice, int]:
        """The next notice to try, with the tries made: a set-aside one whose time has come, else the next
        queued one, waiting for whichever comes first."""
        while True:
            wait = None
            self._held_to_outbox()
            self._unpark_when_due()
            if self._parked_due is not None:
                wait = max(0.0, self._parked_due - time.time())
            if self._set_aside:
                first = min(self._set_aside, key=lambda waiting: waiting.due)  # the earliest set aside of equals
                wait = min(first.due - time.time(), wait if wait is not None else float("inf"))
                if first.due <= time.time():
                    self._set_aside.remove(first)
                    return first.notice, first.tries
                if self._held:
                    wait = min(wait, HELD_RETRY_S)  # the outbox is tried again for the held ones
            try:
                return self._queue.get(timeout=wait), 0
            except queue.Empty:
                continue

    def _unpark_when_due(self) -> None:
        """Every ``retry_every_s`` while notices are parked, queue them all again for a try each, room in memory or
        not (those that fail again are parked again): a parked notice does not wait for another one to finish."""
        if self._parked_due is None or time.time() < self._parked_due:
            return
        with self._parked_lock:
            self._unpark(QUEUE_SIZE)

    def _set_aside_before(self, notice: WaitingNotice) -> SetAside | None:
        """An older notice of the same conversation that is set aside (``notice`` must wait for it)."""
        conversation = notice.body.get("session_id")
        return next(
            (waiting for waiting in self._set_aside
             if waiting.notice.body.get("session_id") == conversation and waiting.notice.given_at < notice.given_at),
            None,
        )


def _read_notice(path: Path) -> WaitingNotice | None:
    """The notice in an outbox file; None when it is gone, or cannot be read (renamed ``….broken``, warned of)."""
    try:
        body = json.loads(path.read_text(encoding="utf-8"))
        given_at = int(path.name.split(".", 1)[0]) / 1e9
    except OSError:
        return None  # gone meanwhile
    except ValueError as error:
        log.warning("handoff notice file %s cannot be read (%s); renamed to .broken", path, error)
        with contextlib.suppress(OSError):
            path.replace(path.with_name(path.name + ".broken"))
        return None
    return WaitingNotice(body, given_at, path)


def notices_folder(data_dir: Path) -> Path:
    """The outbox of the notices a server on ``data_dir`` has yet to send."""
    return data_dir / "notices"


def forget_notices(outbox: Path, session_ids: Sequence[str]) -> int:
    """Delete the waiting notices of these conversations from the outbox (a customer's erasure), those parked
    or set aside as ``….broken`` too; how many."""
    if not outbox.is_dir():
        return 0
    wanted = {_file_part(session_id) for session_id in session_ids}
    gone = [path for path in outbox.iterdir() if _file_conversation(path) in wanted]
    for path in gone:
        _remove(path)
    return len(gone)


def _file_part(session_id: str) -> str:
    """The conversation id as it is written in a notice file's name (``<when>.<notice>.<conversation>.json``)."""
    return re.sub(r"[^A-Za-z0-9_-]", "_", session_id)[:64]


def _file_conversation(path: Path) -> str | None:
    parts = path.name.split(".")  # <when>.<notice>.<conversation>.json, .json.broken once set aside, .json.parked
    return parts[2] if len(parts) >= 4 and parts[3] == "json" else None


def _file_owner(path: Path) -> str:
    """The owner token in an outbox file's name (``<when>.<owner>-<notice>.<conversation>.json``); empty for a
    file named before owners were (``<when>.<notice>.…``), which no running process claims."""
    parts = path.name.split(".")
    return parts[1].split("-", 1)[0] if len(parts) > 1 and "-" in parts[1] else ""


def _owner_runs(folder: Path, owner: str) -> bool:
    """Whether the process with this owner token still runs: it holds the lock on its file in ``folder``."""
    if not owner:
        return False
    try:
        handle = open(folder / owner, "rb")  # noqa: SIM115 - closed below
    except OSError:
        return False  # no lock file: its process is gone (or never locked one)
    with handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        return False


def _forget_owner(folder: Path, owner: str) -> None:
    """Remove a gone process's lock file (its files are taken over), if no process holds it meanwhile."""
    with contextlib.suppress(OSError), open(folder / owner, "rb") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        (folder / owner).unlink()


def _remove(path: Path | None) -> None:
    if path is not None:
        path.unlink(missing_ok=True)


class NotifyingStore(StoreWrapper):
    """A ConversationStore that sends a notice for each handoff it saves, for the first staff reply to it, and
    for its hand-back. A conversation that staff take over themselves (their reply is saved with the handoff)
    sends none of these. ``public_url`` (the server's address) puts a link to the conversation in each notice."""

    def __init__(self, store: ConversationStore, notifier: HandoffNotifier, public_url: str = "") -> None:
        super().__init__(store)
        self.notifier = notifier
        self.public_url = public_url

    def append(
        self, session_id: str, events: list[Event], turn: TurnRecord | None = None, expected_events: int | None = None
    ) -> None:
        self.wrapped.append(session_id, events, turn, expected_events)  # stored first: a notice never stands for a lost turn
        handoff = next((e for e in events if isinstance(e, HandoffRequested)), None)
        reply = next((e for e in events if isinstance(e, AgentMessage)), None)
        back = next((e for e in events if isinstance(e, HandoffResolved)), None)
        if (handoff is None and reply is None and back is None) or (handoff is not None and reply is not None):
            return  # nothing staff hear of, or staff taking a conversation over themselves
        stored = self._stored_events(session_id)
        link = conversation_link(self.public_url, session_id)
        if handoff is not None:
            # the customer's words of this turn; handed off outside a turn (the API's handoff), the last before it
            message = _last_customer_message(events) or _last_customer_message(stored)
            self.notifier.send_later(self.notifier.notice(session_id, handoff.reason, message, _utc(handoff), link))
            return
        open_handoff, replies = _open_handoff(stored, before=events[0])
        if open_handoff is None or _taken_over(open_handoff, stored):
            return  # told of nothing (it could not be read), or staff took it over: no handoff notice went out
        if back is not None:
            self.notifier.send_later(self.notifier.handed_back_notice(session_id, back.author, _utc(back), link))
        elif reply is not None and replies == 0:
            self.notifier.send_later(self.notifier.taken_notice(session_id, reply.author, _utc(reply), link))

    def status(self, check: bool = False) -> dict[str, Any]:
        """What /healthz reports: the wrapped store's status (``check`` passed on) and the notices' own
        (``HandoffNotifier.status``)."""
        wrapped = getattr(self.wrapped, "status", None)
        body = dict(wrapped(check=check)) if callable(wrapped) else {}
        return body | self.notifier.status()

    def _stored_events(self, session_id: str) -> list[Event]:
        """The stored conversation (for the customer's last message and the open handoff); empty when it cannot be
        read: the handoff itself is stored, and the notice goes out without what it would have taken from it."""
        try:
            return self.wrapped.load_events(session_id)
        except Exception as error:
            log.warning("handoff notice for conversation %s sent without reading the conversation (%s)", session_id, type(error).__name__)
            return []


def _last_customer_message(events: Sequence[Event]) -> str | None:
    return next((e.text for e in reversed(events) if isinstance(e, UserMessage)), None)


def _open_handoff(stored: Sequence[Event], before: Event) -> tuple[HandoffRequested | None, int]:
    """The handoff in force before the events just saved (``before`` is the first of them), and how many staff
    replies it had then."""
    handoff, replies = None, 0
    for event in stored:
        if event == before:
            break
        if isinstance(event, HandoffRequested) and handoff is None:
            handoff, replies = event, 0
        elif isinstance(event, HandoffResolved):
            handoff = None
        elif isinstance(event, AgentMessage) and handoff is not None:
            replies += 1
    return handoff, replies


def _taken_over(handoff: HandoffRequested, stored: Sequence[Event]) -> bool:
    """Whether staff took the conversation over: their reply was saved with the handoff."""
    after = stored[stored.index(handoff) + 1 :]
    return bool(after) and isinstance(after[0], AgentMessage) and after[0].timestamp - handoff.timestamp < TAKEOVER_S


def _common_fields(kind: str, text: str, session_id: str, link: str | None) -> dict[str, Any]:
    return {"kind": kind, "text": text, "notice_id": uuid.uuid4().hex, "session_id": session_id, "conversation_url": link}


def _link_line(link: str | None) -> str:
    """The link on a line of its own: chat tools make it clickable, with no full stop taken into it."""
    return f"\n{link}" if link else ""


def _utc(event: Event) -> datetime:
    return datetime.fromtimestamp(event.timestamp, tz=timezone.utc)


def _iso(at: datetime | None) -> str:
    return (at or datetime.now(timezone.utc)).isoformat()
