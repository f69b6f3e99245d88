"""SQLAlchemy 2 table definitions."""

from __future__ import annotations

import hashlib
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import JSON, Boolean, DateTime, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


# The intent of "thanks, that's all wrong": the answer before failed. Its turn is stored as abstained (the reply
# gives no answer), but the assistant did not decline anything: the session summary counts it apart.
NOT_HELPED = "not_helped"
# The action of a turn on a topic the rules never answer: their reply instead of an answer. Not stored as
# abstained (a reply was given on purpose), yet the conversation counts as declined (migration 0011).
DECLINE_ACTION = "decline"


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class Base(DeclarativeBase):
    pass


class SessionRow(Base):
    """One conversation."""

    __tablename__ = "sessions"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    channel: Mapped[str] = mapped_column(String(32), default="web")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow, index=True)
    # A summary kept up to date with each turn, so that the review list filters and pages sessions
    # without scanning their turns.
    title: Mapped[str | None] = mapped_column(Text, nullable=True)  # the first customer message, shortened
    turn_count: Mapped[int] = mapped_column(Integer, default=0)
    any_handoff: Mapped[bool] = mapped_column(Boolean, default=False)
    any_abstained: Mapped[bool] = mapped_column(Boolean, default=False)  # a turn the assistant declined (not NOT_HELPED)
    any_not_helped: Mapped[bool] = mapped_column(Boolean, default=False)  # the customer said an answer did not help
    min_top_score: Mapped[float | None] = mapped_column(Float, nullable=True)  # the weakest turn's best passage
    last_model: Mapped[str | None] = mapped_column(String(128), nullable=True)
    thumbs_up: Mapped[int] = mapped_column(Integer, default=0)
    thumbs_down: Mapped[int] = mapped_column(Integer, default=0)
    # How many events the conversation has: the next event's ``seq``. Counted on this row, which each
    # append updates (and so locks) first, so that concurrent appends number their events apart.
    event_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # The ``seq`` of the handoff a person has now (not handed back); None when nobody has it. The staff
    # inbox reads these few rows instead of every handoff ever made.
    open_handoff_seq: Mapped[int | None] = mapped_column(Integer, nullable=True, index=True)


class EventRow(Base):
    """The dialog's append-only event log: one row per event, ordered by ``seq`` within a session."""

    __tablename__ = "events"
    __table_args__ = (
        UniqueConstraint("session_id", "seq", name="uq_events_session_seq"),
        Index("ix_events_type", "type", "session_id"),  # the staff inbox finds open handoffs by event type
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    session_id: Mapped[str] = mapped_column(ForeignKey("sessions.id", ondelete="CASCADE"), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    type: Mapped[str] = mapped_column(String(32))
    timestamp: Mapped[float] = mapped_column(Float)
    data: Mapped[dict[str, Any]] = mapped_column(JSON)


class TurnRow(Base):
    """The decision record of one turn."""

    __tablename__ = "turns"
    __table_args__ = (
        Index("ix_turns_intent", "intent", "session_id"),
        # the analytics read only these columns of the turns in a time range: from this index alone (migration 0008)
        Index("ix_turns_analytics", "created_at", "session_id", "intent", "action", "abstained", "handoff", "latency_ms"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    session_id: Mapped[str] = mapped_column(ForeignKey("sessions.id", ondelete="CASCADE"), index=True)
    turn_no: Mapped[int | None] = mapped_column(Integer, nullable=True)  # 1, 2, … within the session
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)  # indexed by ix_turns_analytics
    user_text: Mapped[str] = mapped_column(Text)
    intent: Mapped[str] = mapped_column(String(64))
    intent_confidence: Mapped[float] = mapped_column(Float)
    action: Mapped[str] = mapped_column(String(32))
    reason: Mapped[str] = mapped_column(Text)
    query: Mapped[str | None] = mapped_column(Text, nullable=True)
    retrieved: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    answer: Mapped[str] = mapped_column(Text)
    sources: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    abstained: Mapped[bool] = mapped_column(Boolean, default=False)
    handoff: Mapped[bool] = mapped_column(Boolean, default=False)
    model: Mapped[str | None] = mapped_column(String(128), nullable=True)
    timings_ms: Mapped[dict[str, float]] = mapped_column(JSON, default=dict)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    index_version: Mapped[str | None] = mapped_column(String(64), nullable=True)
    top_score: Mapped[float | None] = mapped_column(Float, nullable=True)  # the best retrieved passage's score
    latency_ms: Mapped[float | None] = mapped_column(Float, nullable=True)  # the whole turn


class FeedbackRow(Base):
    """Thumbs up or down and/or a comment on one turn, from the customer or from a reviewer."""

    __tablename__ = "feedback"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    session_id: Mapped[str] = mapped_column(ForeignKey("sessions.id", ondelete="CASCADE"), index=True)
    turn_no: Mapped[int] = mapped_column(Integer)
    rating: Mapped[int | None] = mapped_column(Integer, nullable=True)  # +1 thumbs up, -1 thumbs down
    comment: Mapped[str | None] = mapped_column(Text, nullable=True)
    source: Mapped[str] = mapped_column(String(16), default="customer")  # customer | reviewer
    author: Mapped[str | None] = mapped_column(String(64), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class AnnotationRow(Base):
    """A reviewer's labels for one turn."""

    __tablename__ = "annotations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    session_id: Mapped[str] = mapped_column(ForeignKey("sessions.id", ondelete="CASCADE"), index=True)
    turn_no: Mapped[int] = mapped_column(Integer)
    reviewer: Mapped[str] = mapped_column(String(64))
    answer_correct: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    correct_intent: Mapped[str | None] = mapped_column(String(64), nullable=True)
    notes: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class StaffUserRow(Base):
    """A login for the review pages; only a salted hash of the password is kept."""

    __tablename__ = "staff_users"

    username: Mapped[str] = mapped_column(String(64), primary_key=True)
    password_hash: Mapped[str] = mapped_column(String(256))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # admin: everything; reviewer: review, label and reply in the Inbox, but not change the knowledge base or
    # export the logs (``assistant.store.staff.ROLES``). Logins made before roles (migration 0012) are admins.
    role: Mapped[str] = mapped_column(String(16), default="admin", server_default="admin")


class StaffSessionRow(Base):
    """A member of staff logged in to the review pages: the sha256 of the browser's login token (the token
    itself is not kept), whose login it is, and until when it holds. Any server on the database accepts it."""

    __tablename__ = "staff_sessions"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    username: Mapped[str] = mapped_column(String(64), ForeignKey("staff_users.username", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)


def erasure_digest(session_id: str) -> str:
    """How ``ErasedConversationRow`` names an erased conversation: the SHA-256 of its id, in hex. An id is 128 random
    bits (``dialog.store.new_session_id``), so the digest cannot be turned back into it, nor found by guessing: only
    who holds the id (a spooled write, a server's memory) can ask whether it was erased."""
    return hashlib.sha256(session_id.encode("utf-8")).hexdigest()


class ErasedConversationRow(Base):
    """A conversation `assistant logs delete` erased: the digest of its id (``erasure_digest``) and when, written in
    the transaction that deletes its rows (migration 0013). Every server on the database reads it: a write of that
    conversation still waiting in any server's spool is dropped on replay, not stored again. Not the id itself: the
    table is kept (and backed up) for good, and a list of ids would link exports, backups and a browser's stored id
    to the erasure."""

    __tablename__ = "erased_conversations"

    digest: Mapped[str] = mapped_column(String(64), primary_key=True)
    erased_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class LogPurgeRow(Base):
    """One run of `assistant logs purge`: its cutoff (conversations idle since before it were deleted) and when it ran,
    written in the purge's transaction (migration 0013). A spooled write from before the latest cutoff, of a
    conversation the database no longer has, is dropped on replay: it is older than the retention."""

    __tablename__ = "log_purges"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    cutoff: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    purged_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    sessions: Mapped[int] = mapped_column(Integer, default=0)


class InboxAssignmentRow(Base):
    """Who has taken a conversation in the Inbox (migration 0014): the review login of the agent, the handoff it was
    taken for and when. It counts only while ``handoff_seq`` is the session's ``open_handoff_seq``: a hand-back by any
    path (the Inbox, the CLI, the staff API, the customer) leaves it stale, and the next handoff starts unassigned.
    Deleted with its session (an erasure, a purge)."""

    __tablename__ = "inbox_assignments"

    session_id: Mapped[str] = mapped_column(ForeignKey("sessions.id", ondelete="CASCADE"), primary_key=True)
    handoff_seq: Mapped[int] = mapped_column(Integer)
    agent: Mapped[str] = mapped_column(String(64))
    assigned_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
