"""The SQLAlchemy ConversationStore: a save appends only the new events, with the turn record."""

from __future__ import annotations

from dataclasses import asdict

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, sessionmaker

from dialog.events import Event, SessionStarted
from dialog.store import TurnRecord, UnknownSession, new_session_id
from assistant.store.tables import EventRow, SessionRow, TurnRow, utcnow


class SqlStore:
    """Conversations in a SQL database."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._sessions = sessionmaker(engine, expire_on_commit=False)

    def create_session(self, channel: str = "web") -> str:
        session_id = new_session_id()
        with self._sessions.begin() as db:
            db.add(SessionRow(id=session_id, channel=channel))
            db.flush()
            self._insert_events(db, session_id, [SessionStarted(channel=channel)], start=0)
        return session_id

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
            if turn is not None:
                db.add(TurnRow(**asdict(turn)))
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
