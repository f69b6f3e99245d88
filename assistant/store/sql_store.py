"""The SQLAlchemy ConversationStore: a save appends only the new events, with the turn record, and keeps
the session's summary (used by the review list) up to date in the same transaction."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Boolean, Connection, Engine, Float, Integer, Text, and_, bindparam, case, cast, func, insert, or_, select, update
from sqlalchemy.orm import sessionmaker
from sqlalchemy.sql.dml import Update

from assistant.store.tables import AnnotationRow, EventRow, FeedbackRow, SessionRow, TurnRow, utcnow
from dialog.events import Event, FeedbackGiven, SessionStarted
from dialog.store import TurnRecord, UnknownSession, new_session_id

TITLE_CHARS = 120


class SqlStore:
    """Conversations in a SQL database."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._sessions = sessionmaker(engine, expire_on_commit=False)

    def create_session(self, channel: str = "web", session_id: str | None = None) -> str:
        """Start a conversation; ``session_id`` is for replaying one started while the database was down."""
        session_id = session_id or new_session_id()
        with self._sessions.begin() as db:
            db.add(SessionRow(id=session_id, channel=channel))
            db.flush()
            _insert_events(db.connection(), session_id, [SessionStarted(channel=channel)], start=0)
        return session_id

    def has_session(self, session_id: str) -> bool:
        with self._sessions() as db:
            return db.get(SessionRow, session_id) is not None

    def load_events(self, session_id: str) -> list[Event]:
        with self._sessions() as db:
            if db.get(SessionRow, session_id) is None:
                raise UnknownSession(session_id)
            rows = db.scalars(select(EventRow).where(EventRow.session_id == session_id).order_by(EventRow.seq))
            return [Event.from_dict(row.data) for row in rows]

    def append(self, session_id: str, events: list[Event], turn: TurnRecord | None = None) -> None:
        """One transaction of Core statements (a handful of round trips, no ORM unit of work): the session's
        summary is updated in SQL first, which also locks its row, so concurrent appends to one session
        cannot lose each other's counts; then the events, numbered after the last one, the turn record and
        any feedback are inserted."""
        feedback = [event for event in events if isinstance(event, FeedbackGiven)]
        with self.engine.begin() as db:
            last = _update_summary(db, session_id, turn, feedback)
            _insert_events(db, session_id, events, start=(last if last is not None else -1) + 1)
            if turn is not None:
                db.execute(_INSERT_TURN, _turn_values(turn))
            if feedback:
                db.execute(_INSERT_FEEDBACK, [_feedback_values(session_id, event) for event in feedback])

    def annotate(
        self,
        session_id: str,
        turn_no: int,
        reviewer: str,
        answer_correct: bool | None = None,
        correct_intent: str | None = None,
        notes: str | None = None,
    ) -> None:
        """Record a reviewer's labels for one turn."""
        with self._sessions.begin() as db:
            if db.get(SessionRow, session_id) is None:
                raise UnknownSession(session_id)
            db.add(
                AnnotationRow(
                    session_id=session_id,
                    turn_no=turn_no,
                    reviewer=reviewer,
                    answer_correct=answer_correct,
                    correct_intent=correct_intent or None,
                    notes=notes or None,
                )
            )

    def turns(self, session_id: str | None = None, limit: int = 100) -> list[TurnRow]:
        """Most recent turn records first, optionally for one session."""
        query = select(TurnRow).order_by(TurnRow.id.desc()).limit(limit)
        if session_id is not None:
            query = query.where(TurnRow.session_id == session_id)
        with self._sessions() as db:
            return list(db.scalars(query))

    def session_count(self) -> int:
        with self._sessions() as db:
            return db.scalar(select(func.count()).select_from(SessionRow)) or 0


def _insert_events(db: Connection, session_id: str, events: list[Event], start: int) -> None:
    if events:
        rows = [
            {"session_id": session_id, "seq": start + offset, "type": event.type_name, "timestamp": event.timestamp, "data": event.to_dict()}
            for offset, event in enumerate(events)
        ]
        db.execute(_INSERT_EVENTS, rows)


def _turn_values(turn: TurnRecord) -> dict[str, Any]:
    return {
        "session_id": turn.session_id,
        "turn_no": turn.turn_no,
        "user_text": turn.user_text,
        "intent": turn.intent,
        "intent_confidence": turn.intent_confidence,
        "action": turn.action,
        "reason": turn.reason,
        "query": turn.query,
        "retrieved": turn.retrieved,
        "answer": turn.answer,
        "sources": turn.sources,
        "abstained": turn.abstained,
        "handoff": turn.handoff,
        "model": turn.model,
        "timings_ms": turn.timings_ms,
        "error": turn.error,
        "index_version": turn.index_version,
        "top_score": turn.top_score,
        "latency_ms": turn.latency_ms,
    }


def _summary_statement() -> Update:
    """One statement for every append, built once (bound parameters: no per-turn SQL building): fold a
    turn (``turns`` 0 or 1) and thumbs into the session's summary, returning its last event number."""
    score = cast(bindparam("score", type_=Float), Float)
    values = {
        SessionRow.updated_at: bindparam("now", type_=SessionRow.updated_at.type),
        SessionRow.turn_count: SessionRow.turn_count + bindparam("turns", type_=Integer),
        SessionRow.title: func.coalesce(SessionRow.title, bindparam("first_text", type_=Text)),
        SessionRow.any_handoff: or_(SessionRow.any_handoff, bindparam("handoff", type_=Boolean)),
        SessionRow.any_abstained: or_(SessionRow.any_abstained, bindparam("abstained", type_=Boolean)),
        SessionRow.min_top_score: case(
            (and_(score.is_not(None), or_(SessionRow.min_top_score.is_(None), SessionRow.min_top_score > score)), score),
            else_=SessionRow.min_top_score,
        ),
        SessionRow.last_model: func.coalesce(bindparam("turn_model", type_=SessionRow.last_model.type), SessionRow.last_model),
        SessionRow.thumbs_up: SessionRow.thumbs_up + bindparam("up", type_=Integer),
        SessionRow.thumbs_down: SessionRow.thumbs_down + bindparam("down", type_=Integer),
    }
    return update(SessionRow).where(SessionRow.id == bindparam("session_id")).values(values)


_UPDATE_SUMMARY = _summary_statement()
_LAST_SEQ = select(func.max(EventRow.seq)).where(EventRow.session_id == bindparam("session_id"))
_UPDATE_SUMMARY_RETURNING = _UPDATE_SUMMARY.returning(_LAST_SEQ.scalar_subquery())
_INSERT_EVENTS, _INSERT_TURN, _INSERT_FEEDBACK = insert(EventRow), insert(TurnRow), insert(FeedbackRow)


def _update_summary(db: Connection, session_id: str, turn: TurnRecord | None, feedback: list[FeedbackGiven]) -> int | None:
    """Fold the turn and the feedback into the session's summary columns; the session's last event
    number (None if it has none). UnknownSession if there is no such session."""
    params = {
        "session_id": session_id,
        "now": utcnow(),
        "turns": 0 if turn is None else 1,
        "first_text": None if turn is None else turn.user_text[:TITLE_CHARS],
        "handoff": turn is not None and turn.handoff,
        "abstained": turn is not None and turn.abstained,
        "score": None if turn is None else turn.top_score,
        "turn_model": (turn.model or None) if turn is not None else None,
        "up": sum(1 for event in feedback if event.rating == 1),
        "down": sum(1 for event in feedback if event.rating == -1),
    }
    if db.dialect.update_returning:  # one round trip: SQLite 3.35+, PostgreSQL
        row = db.execute(_UPDATE_SUMMARY_RETURNING, params).first()
        if row is None:
            raise UnknownSession(session_id)
        return row[0]
    if db.execute(_UPDATE_SUMMARY, params).rowcount == 0:
        raise UnknownSession(session_id)
    return db.scalar(_LAST_SEQ, {"session_id": session_id})


def _feedback_values(session_id: str, event: FeedbackGiven) -> dict[str, Any]:
    return {
        "session_id": session_id,
        "turn_no": event.turn_no,
        "rating": event.rating,
        "comment": event.comment,
        "source": event.source,
        "author": event.author,
    }
