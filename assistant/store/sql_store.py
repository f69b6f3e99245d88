"""The SQLAlchemy ConversationStore: a save appends only the new events, with the turn record, and keeps
the session's summary (used by the review list) up to date in the same transaction."""

from __future__ import annotations

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, sessionmaker

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
            self._insert_events(db, session_id, [SessionStarted(channel=channel)], start=0)
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
        with self._sessions.begin() as db:
            session = db.get(SessionRow, session_id)
            if session is None:
                raise UnknownSession(session_id)
            last = db.scalar(select(func.max(EventRow.seq)).where(EventRow.session_id == session_id))
            self._insert_events(db, session_id, events, start=(last if last is not None else -1) + 1)
            for event in events:
                if isinstance(event, FeedbackGiven):
                    _add_feedback(db, session, event)
            if turn is not None:
                db.add(_turn_row(turn))
                _summarise(session, turn)
            session.updated_at = utcnow()

    @staticmethod
    def _insert_events(db: Session, session_id: str, events: list[Event], start: int) -> None:
        for offset, event in enumerate(events):
            db.add(
                EventRow(
                    session_id=session_id,
                    seq=start + offset,
                    type=event.type_name,
                    timestamp=event.timestamp,
                    data=event.to_dict(),
                )
            )

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


def _turn_row(turn: TurnRecord) -> TurnRow:
    return TurnRow(
        session_id=turn.session_id,
        turn_no=turn.turn_no,
        user_text=turn.user_text,
        intent=turn.intent,
        intent_confidence=turn.intent_confidence,
        action=turn.action,
        reason=turn.reason,
        query=turn.query,
        retrieved=turn.retrieved,
        answer=turn.answer,
        sources=turn.sources,
        abstained=turn.abstained,
        handoff=turn.handoff,
        model=turn.model,
        timings_ms=turn.timings_ms,
        error=turn.error,
        index_version=turn.index_version,
        top_score=turn.top_score,
        latency_ms=turn.latency_ms,
    )


def _summarise(session: SessionRow, turn: TurnRecord) -> None:
    """Fold one turn into the session's summary columns."""
    session.turn_count = (session.turn_count or 0) + 1
    if session.title is None:
        session.title = turn.user_text[:TITLE_CHARS]
    session.any_handoff = bool(session.any_handoff or turn.handoff)
    session.any_abstained = bool(session.any_abstained or turn.abstained)
    if turn.top_score is not None:
        current = session.min_top_score
        session.min_top_score = turn.top_score if current is None else min(current, turn.top_score)
    if turn.model:
        session.last_model = turn.model


def _add_feedback(db: Session, session: SessionRow, event: FeedbackGiven) -> None:
    db.add(
        FeedbackRow(
            session_id=session.id,
            turn_no=event.turn_no,
            rating=event.rating,
            comment=event.comment,
            source=event.source,
            author=event.author,
        )
    )
    if event.rating == 1:
        session.thumbs_up = (session.thumbs_up or 0) + 1
    elif event.rating == -1:
        session.thumbs_down = (session.thumbs_down or 0) + 1
