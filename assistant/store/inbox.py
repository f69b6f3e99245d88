"""The staff inbox: conversations a person has (handed off and not handed back), most urgent first.

Open handoffs are found from the sessions' ``open_handoff_seq`` (set by the append that hands a
conversation off, cleared by the one that hands it back, through an index), so the query costs what the
number of open handoffs costs, not the number of handoffs ever made or of turns.

Who has taken a conversation is kept beside it (``inbox_assignments``: ``assign``, ``unassign``), for the handoff it
was taken for: it counts only while that handoff is still open, so a hand-back by any path ends it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import Connection, Engine, Select, delete, func, insert, select, text, update

from assistant.store.tables import EventRow, InboxAssignmentRow, SessionRow, utcnow
from dialog.events import TAKEN_OVER_BY

INBOX_LIMIT = 200  # the longest-waiting open handoffs shown
UNREACHABLE_CHANNEL = "openai"  # /v1/chat/completions' channel: the client shows no staff reply by itself
# Sessions a person has (``open_handoff_seq``, kept by each append), from every channel: a customer who asked
# for a person through /v1/chat/completions was told staff would see the conversation, and its response's
# session_id lets the client read their replies (GET /api/sessions/{id}) and carry the conversation on.
WITH_A_PERSON = SessionRow.open_handoff_seq.is_not(None)


@dataclass(frozen=True)
class InboxItem:
    """One conversation waiting for, or being handled by, a member of staff."""

    session_id: str
    title: str | None  # the first customer message, shortened
    handed_off_at: datetime
    last_activity: datetime
    reason: str  # why it was handed off
    agent: str | None  # the member of staff who wrote last; None: nobody has replied yet
    awaiting_reply: bool  # the customer wrote last (or nobody from staff has written yet)
    # since when the customer has been waiting for staff: the handoff, or their first message after the last staff
    # reply; None once staff answered (the Inbox counted from the handoff, also after a reply)
    waiting_since: datetime | None = None
    assigned_to: str | None = None  # the review login that has taken it (``assign``); None: nobody yet


def _utc(timestamp: float) -> datetime:
    return datetime.fromtimestamp(timestamp, tz=timezone.utc)


def _open_handoffs() -> Select[Any]:
    """Sessions a person has, with that handoff's event number and time. The time is a subquery of each
    session (not a join), so the database starts from the few sessions with an open handoff: SQLite, which
    has no statistics, scanned every event of the join (3 s at 1.7 million events)."""
    at = (
        select(EventRow.timestamp)
        .where(EventRow.session_id == SessionRow.id, EventRow.seq == SessionRow.open_handoff_seq)
        .scalar_subquery()
    )
    return select(SessionRow.id.label("session_id"), SessionRow.open_handoff_seq.label("seq"), at.label("at")).where(WITH_A_PERSON)


def count_with_a_person(engine: Engine) -> int:
    """How many conversations a person has (the inbox lists at most ``INBOX_LIMIT`` of them)."""
    query = select(func.count()).where(WITH_A_PERSON)
    with engine.connect() as db:
        return db.scalar(query) or 0


def is_with_a_person(engine: Engine, session_id: str) -> bool:
    """Whether the conversation is in the inbox (a person has it)."""
    query = select(SessionRow.id).where(SessionRow.id == session_id, WITH_A_PERSON)
    with engine.connect() as db:
        return db.scalar(query) is not None


def idle_with_a_person(engine: Engine, cutoff: datetime) -> list[str]:
    """Every conversation a person has whose last activity is before ``cutoff``, longest idle first (no
    limit: for handing back in bulk, e.g. the handoffs of a release without the Inbox, never handed back)."""
    query = select(SessionRow.id).where(WITH_A_PERSON, SessionRow.updated_at < cutoff).order_by(SessionRow.updated_at)
    with engine.connect() as db:
        return list(db.scalars(query))


def _first_messages_after(db: Any, staff_seqs: dict[str, int]) -> dict[str, datetime]:
    """The time of each session's first customer message after the staff reply numbered ``staff_seqs[session]``."""
    if not staff_seqs:
        return {}
    rows = db.execute(
        select(EventRow.session_id, EventRow.seq, EventRow.timestamp).where(
            EventRow.type == "user", EventRow.session_id.in_(list(staff_seqs)), EventRow.seq > min(staff_seqs.values())
        )
    )
    first: dict[str, tuple[int, float]] = {}
    for row in rows:
        if row.seq > staff_seqs[row.session_id] and (row.session_id not in first or row.seq < first[row.session_id][0]):
            first[row.session_id] = (row.seq, row.timestamp)
    return {session_id: _utc(at) for session_id, (_seq, at) in first.items()}


def conversations_with_a_person(engine: Engine, limit: int = INBOX_LIMIT) -> list[InboxItem]:
    """Open handoffs, at most ``limit`` of the longest waiting: those awaiting a staff reply first, longest
    waiting first; then the rest."""
    open_handoffs = _open_handoffs().order_by(text("at")).limit(limit)
    with engine.connect() as db:
        handoffs = {row.session_id: row.seq for row in db.execute(open_handoffs)}
        if not handoffs:
            return []
        ids = list(handoffs)
        last_of = (
            select(EventRow.session_id, EventRow.type, func.max(EventRow.seq).label("seq"))
            .where(EventRow.session_id.in_(ids), EventRow.type.in_(("user", "agent")))
            .group_by(EventRow.session_id, EventRow.type)
        )
        last = {(row.session_id, row.type): row.seq for row in db.execute(last_of)}
        # the open handoff and the last staff reply of each, picked from their handoffs and staff replies (read
        # through the index on type and session: a (session, event number) IN list made SQLite scan every event)
        wanted = {*handoffs.items(), *((sid, seq) for (sid, kind), seq in last.items() if kind == "agent")}
        rows = db.execute(
            select(EventRow.session_id, EventRow.seq, EventRow.type, EventRow.timestamp, EventRow.data).where(
                EventRow.type.in_(("handoff", "agent")), EventRow.session_id.in_(ids)
            )
        )
        handoff_events, agent_events = {}, {}
        for row in (row for row in rows if (row.session_id, row.seq) in wanted):
            if row.type == "handoff":
                handoff_events[row.session_id] = row
            else:
                agent_events[row.session_id] = row.data
        sessions = {row.id: row for row in db.execute(select(SessionRow.id, SessionRow.title, SessionRow.updated_at).where(SessionRow.id.in_(ids)))}
        assigned = {
            row.session_id: row.agent
            for row in db.execute(select(InboxAssignmentRow.session_id, InboxAssignmentRow.handoff_seq, InboxAssignmentRow.agent).where(
                InboxAssignmentRow.session_id.in_(ids)
            ))
            if row.handoff_seq == handoffs[row.session_id]  # one of a handoff handed back since counts no more
        }
        asked_again = _first_messages_after(db, {
            sid: seq for (sid, kind), seq in last.items()
            if kind == "agent" and seq > handoffs[sid] and last.get((sid, "user"), -1) > seq
        })
    items = []
    for session_id, handoff in handoff_events.items():
        staff_seq = last.get((session_id, "agent"))
        wrote_since = staff_seq is not None and staff_seq > handoff.seq
        awaiting = not wrote_since or last.get((session_id, "user"), -1) > staff_seq
        since = asked_again.get(session_id, _utc(handoff.timestamp)) if wrote_since else _utc(handoff.timestamp)
        session = sessions[session_id]
        updated = session.updated_at if session.updated_at.tzinfo else session.updated_at.replace(tzinfo=timezone.utc)
        items.append(
            InboxItem(
                session_id=session_id,
                title=session.title,
                handed_off_at=_utc(handoff.timestamp),
                last_activity=updated,
                reason=str(handoff.data.get("reason", "")),
                agent=agent_events[session_id].get("author") if wrote_since else None,
                awaiting_reply=awaiting,
                waiting_since=since if awaiting else None,
                assigned_to=assigned.get(session_id),
            )
        )
    return sorted(items, key=lambda item: (not item.awaiting_reply, item.handed_off_at))


class NotWithAPerson(LookupError):
    """The conversation is not in the Inbox (never handed off, handed back, or no such conversation): nobody can take it."""

    def __init__(self, session_id: str) -> None:
        super().__init__(session_id)
        self.session_id = session_id

    def __str__(self) -> str:
        return f"Conversation {self.session_id} is not with a person (handed back, or never handed off): there is nothing to assign."


def _assignment(db: Connection, session_id: str, handoff_seq: int) -> str | None:
    """Who has the conversation for its open handoff ``handoff_seq``; None: nobody (or only for an earlier handoff)."""
    row = db.execute(select(InboxAssignmentRow.agent, InboxAssignmentRow.handoff_seq).where(InboxAssignmentRow.session_id == session_id)).first()
    return row.agent if row is not None and row.handoff_seq == handoff_seq else None


def assigned_to(engine: Engine, session_id: str) -> str | None:
    """The review login that has taken the conversation for its open handoff; None: nobody, or not with a person."""
    query = (
        select(InboxAssignmentRow.agent)
        .join(SessionRow, SessionRow.id == InboxAssignmentRow.session_id)
        .where(InboxAssignmentRow.session_id == session_id, InboxAssignmentRow.handoff_seq == SessionRow.open_handoff_seq)
    )
    with engine.connect() as db:
        return db.scalar(query)


def assign(engine: Engine, session_id: str, agent: str, only_if_free: bool = False) -> str:
    """Note that ``agent`` (a review login) has taken the conversation, for its open handoff; another's assignment is
    replaced, unless ``only_if_free`` (a reply to a conversation nobody has taken takes it; one taken stays so).
    Gives who has it now. ``NotWithAPerson`` when no person has the conversation."""
    with engine.begin() as db:
        handoff_seq, current = _locked_open_handoff(db, session_id)
        if only_if_free and current is not None:
            return current
        db.execute(delete(InboxAssignmentRow).where(InboxAssignmentRow.session_id == session_id))
        db.execute(insert(InboxAssignmentRow).values(session_id=session_id, handoff_seq=handoff_seq, agent=agent, assigned_at=utcnow()))
    return agent


def unassign(engine: Engine, session_id: str) -> str | None:
    """Nobody has the conversation any more; gives who had it (None: nobody). ``NotWithAPerson`` when no person has it."""
    with engine.begin() as db:
        _, current = _locked_open_handoff(db, session_id)
        db.execute(delete(InboxAssignmentRow).where(InboxAssignmentRow.session_id == session_id))
    return current


def _locked_open_handoff(db: Connection, session_id: str) -> tuple[int, str | None]:
    """The conversation's open handoff and who has it (None: nobody), the session's row locked for the change;
    ``NotWithAPerson`` when no person has the conversation.

    The first statement changes nothing, but takes the session's row lock (PostgreSQL) or the database's write lock
    (SQLite), so two agents taking the same conversation at once are served one after the other, and gives the open
    handoff of the row it locked. Who has the conversation is read after it, in a statement of its own: on PostgreSQL a
    read within the locking statement would see the assignments as they were before it waited for the lock."""
    unchanged = {"open_handoff_seq": SessionRow.open_handoff_seq, "updated_at": SessionRow.updated_at}  # not "activity"
    lock = update(SessionRow).where(SessionRow.id == session_id).values(**unchanged).returning(SessionRow.open_handoff_seq)
    handoff_seq = db.scalar(lock)
    if handoff_seq is None:
        raise NotWithAPerson(session_id)
    return handoff_seq, _assignment(db, session_id, handoff_seq)


def waited(since: datetime, now: datetime | None = None) -> str:
    """How long ago ``since`` was, in the largest sensible unit: "45 s", "12 min", "3 h 5 min", "2 d"."""
    seconds = max(0, int(((now or datetime.now(timezone.utc)) - since).total_seconds()))
    if seconds < 60:
        return f"{seconds} s"
    if seconds < 3600:
        return f"{seconds // 60} min"
    if seconds < 86400:
        return f"{seconds // 3600} h {seconds % 3600 // 60} min"
    return f"{seconds // 86400} d"


# the dialog manager's handoff reasons in an agent's words (the transcript keeps the whole decision record)
_REASON_WORDS = [
    (re.compile(r"^rules: intent (\S+) always goes to a person"), lambda m: m.group(1).replace("_", " ")),
    (re.compile(r"^rules: topic '([^']+)' always goes to a person"), lambda m: m.group(1)),
    (re.compile(f"^{TAKEN_OVER_BY}(.+)$"), lambda m: f"{TAKEN_OVER_BY}{m.group(1)} (no handoff asked)"),
    (re.compile(r"^the customer asked for a (human|person)"), lambda m: "asked for a person"),
    (re.compile(r"^the customer accepted the offer of a person"), lambda m: "accepted the offer of a person"),
    (re.compile(r"^the customer is clearly frustrated"), lambda m: "upset"),
    (re.compile(r"^out of scope: '([^']+)'"), lambda m: f"off-topic ({m.group(1)})"),
]
_TOLD_FIRST = re.compile(r"; the reply of never-answer topic '([^']+)' comes first")


def reason_for_agents(reason: str) -> str:
    """A handoff's reason as the Inbox shows it: "rules: intent complaint always goes to a person; the reply of
    never-answer topic 'legal advice' comes first" reads "Complaint · told about legal advice first". A reason given
    through the API is shown as written."""
    told = _TOLD_FIRST.search(reason)
    core = _TOLD_FIRST.sub("", reason).strip()
    for pattern, words in _REASON_WORDS:
        match = pattern.match(core)
        if match:
            core = words(match)
            break
    shown = core[:1].upper() + core[1:]
    return f"{shown} · told about {told.group(1)} first" if told else shown
