"""The staff inbox: conversations a person has (handed off and not handed back), most urgent first.

Open handoffs are found from the sessions' ``open_handoff_seq`` (set by the append that hands a
conversation off, cleared by the one that hands it back, through an index), so the query costs what the
number of open handoffs costs, not the number of handoffs ever made or of turns.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import Engine, Select, func, select, text

from assistant.store.tables import EventRow, SessionRow
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
            )
        )
    return sorted(items, key=lambda item: (not item.awaiting_reply, item.handed_off_at))


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
