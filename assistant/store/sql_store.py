"""The SQLAlchemy ConversationStore: a save appends only the new events, with the turn record, and keeps
the session's summary (used by the review list) up to date in the same transaction."""

from __future__ import annotations

import json

from time import monotonic
from typing import Any

from sqlalchemy import Boolean, Connection, Engine, Float, Integer, Text, and_, bindparam, case, cast, func, insert, inspect, null, or_, select, text, update
from sqlalchemy.orm import sessionmaker
from sqlalchemy.sql.dml import Update

from assistant.store.db import CONNECTION_ERRORS
from assistant.store.tables import DECLINE_ACTION, NOT_HELPED, AnnotationRow, EventRow, FeedbackRow, SessionRow, TurnRow, utcnow
from dialog.events import Event, FeedbackGiven, HandoffRequested, HandoffResolved, SessionStarted
from dialog.store import ConversationChanged, TurnRecord, UnknownSession, new_session_id

TITLE_CHARS = 120
# The tables every turn reads or writes; a database without them cannot take a conversation.
CONVERSATION_TABLES = (SessionRow.__tablename__, EventRow.__tablename__, TurnRow.__tablename__)


def schema_missing_message(missing: list[str] | None = None) -> str:
    """What /healthz and /readyz say, and the log, when the database has lost its tables."""
    which = f" ({', '.join(missing)} missing)" if missing else ""
    return (f"the database has no conversation tables{which}: it was made anew or emptied; run `assistant db upgrade` "
            "(conversation writes wait in the spool until then)")


def schema_behind_message(revision: str | None, head: str | None) -> str:
    """What /healthz and /readyz say, and the log, when the database's schema is older than this version's."""
    at = f"at revision {revision}" if revision else "no revision recorded"
    return (f"the database's schema is behind this version of the assistant ({at}, this version "
            f"needs {head}; restored from an older backup?): run `assistant db upgrade` (conversation writes wait "
            "in the spool until then)")


def schema_newer_message(revision: str, head: str | None) -> str:
    """Why a table or column this version uses is missing from a database at a revision it does not know."""
    return (f"the database's schema is newer than this version of the assistant (at revision {revision}, which this "
            f"version does not know; its latest is {head}): a newer version migrated it and changed what this one uses; "
            "run that version (conversation writes wait in the spool until then)")


def schema_bug_message(head: str | None) -> str:
    """Why a table or column is missing from a database whose schema is this version's own: not the schema's fault."""
    return (f"the database's schema is this version's own (revision {head}, with its conversation tables), so a statement "
            "that names a table or column it lacks is a bug in the assistant (or the schema was changed by hand), not a "
            "schema to upgrade: `assistant db upgrade` will not help; please report it with this line")


# PostgreSQL's undefined_table and undefined_column; SQLite says it in words
_SCHEMA_SQLSTATES = {"42P01", "42703"}
_SQLITE_SCHEMA_MESSAGES = ("no such table", "no such column", "has no column named")
# How long the verdict of ``SqlStore.schema_explanation`` is kept: a burst of failing writes asks the database once.
SCHEMA_VERDICT_S = 5.0


def is_schema_missing(error: BaseException) -> bool:
    """Whether a database error says a table or a column is not there (PostgreSQL's undefined_table or
    undefined_column, SQLite's "no such table", "no such column"). Its schema gone, behind or newer explains
    that, and so may a bug naming the wrong column: ``SqlStore.schema_explanation`` tells them apart."""
    orig = getattr(error, "orig", None)
    if orig is None:
        return False
    return getattr(orig, "sqlstate", None) in _SCHEMA_SQLSTATES or any(words in str(orig) for words in _SQLITE_SCHEMA_MESSAGES)


def no_such_id(session_id: str) -> bool:
    """Whether no session can have this id: one with NUL, which PostgreSQL's text refuses (a lookup would
    fail there instead of finding nothing). Ids are made by ``new_session_id``; a client may send anything."""
    return "\x00" in session_id


class SqlStore:
    """Conversations in a SQL database."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._sessions = sessionmaker(engine, expire_on_commit=False)
        self._verdict: tuple[float, str | None] | None = None  # (when, schema_explanation's answer)

    def create_session(self, channel: str = "web", session_id: str | None = None) -> str:
        """Start a conversation; ``session_id`` is for replaying one started while the database was down."""
        session_id = session_id or new_session_id()
        with self._sessions.begin() as db:
            db.add(SessionRow(id=session_id, channel=channel, event_count=1))
            db.flush()
            _insert_events(db.connection(), session_id, [SessionStarted(channel=channel)], start=0)
        return session_id

    def reachable(self) -> bool:
        """Whether the database answers a query now (False when it cannot be reached or gives no connection)."""
        try:
            with self.engine.connect() as connection:
                connection.execute(text("SELECT 1"))
        except CONNECTION_ERRORS:
            return False
        return True

    def missing_tables(self) -> list[str]:
        """The conversation tables the database lacks (all of them in a database made anew or emptied while a
        server ran on it); empty when they are there."""
        with self.engine.connect() as connection:
            inspector = inspect(connection)
            return [name for name in CONVERSATION_TABLES if not inspector.has_table(name)]

    def schema_problem(self) -> str | None:
        """Why the database's schema cannot take conversations, or None: its conversation tables are gone (made
        anew or emptied), or it is at an older revision than this version's (its newer tables and columns are
        missing). A revision this version does not know (a newer version migrated it) is not called a problem."""
        from assistant.store.migrate import known_revisions

        missing, revision, head = self._schema_state()
        if missing:
            return schema_missing_message(missing)
        if revision is not None and revision != head and revision in known_revisions():
            return schema_behind_message(revision, head)
        return None

    def _schema_state(self) -> tuple[list[str], str | None, str | None]:
        """The conversation tables that are missing, the database's migration revision and this version's head
        (the last two None when tables are missing)."""
        from assistant.store.migrate import current_revision, head_revision

        missing = self.missing_tables()
        if missing:
            return missing, None, None
        with self.engine.connect() as connection:
            revision = current_revision(connection)
        return [], revision, head_revision()

    def schema_explanation(self) -> str | None:
        """Asked after a statement failed on a table or column that is not there (``is_schema_missing``): why the
        database's schema explains it (what to do, for the log and /readyz), or None when it does not. Its conversation
        tables gone, or a revision other than this version's head (older: `assistant db upgrade`; one this version does
        not know: a newer version migrated it) explain it; a database at this version's head with its tables does not,
        and the statement itself is wrong (``schema_bug_message``). The answer is kept for ``SCHEMA_VERDICT_S``
        seconds (the head revision is read from the migration scripts once per process)."""
        verdict, now = self._verdict, monotonic()
        if verdict is not None and now - verdict[0] < SCHEMA_VERDICT_S:
            return verdict[1]
        explanation = self._explain_schema()
        self._verdict = (now, explanation)
        return explanation

    def _explain_schema(self) -> str | None:
        from assistant.store.migrate import known_revisions

        missing, revision, head = self._schema_state()
        if missing:
            return schema_missing_message(missing)
        if revision == head:
            return None
        if revision is None or revision in known_revisions():
            return schema_behind_message(revision, head)
        return schema_newer_message(revision, head)

    def status(self, check: bool = False) -> dict[str, Any]:
        """For /healthz and /readyz, as ``SpoolingStore.status`` (this store spools nothing): ``check`` asks
        the database (and that its schema can take conversations), else it counts as up."""
        if not check:
            return {"database": "up", "spooled_writes": 0}
        if not self.reachable():
            return {"database": "down", "spooled_writes": 0}
        problem = self.schema_problem()
        if problem:
            return {"database": "error", "spooled_writes": 0, "database_error": problem}
        return {"database": "up", "spooled_writes": 0}

    def has_session(self, session_id: str) -> bool:
        if no_such_id(session_id):
            return False
        with self._sessions() as db:
            return db.get(SessionRow, session_id) is not None

    def load_events(self, session_id: str) -> list[Event]:
        if no_such_id(session_id):
            raise UnknownSession(session_id)
        with self._sessions() as db:
            if db.get(SessionRow, session_id) is None:
                raise UnknownSession(session_id)
            rows = db.scalars(select(EventRow).where(EventRow.session_id == session_id).order_by(EventRow.seq))
            return [Event.from_dict(row.data) for row in rows]

    def append(
        self, session_id: str, events: list[Event], turn: TurnRecord | None = None, expected_events: int | None = None
    ) -> None:
        """One transaction of Core statements (a handful of round trips, no ORM unit of work): the session's
        summary, with its event count, is updated in SQL first, which also locks its row, so concurrent
        appends to one session neither lose each other's counts nor number their events alike; then the
        events, numbered after the count, the turn record and any feedback are inserted. With
        ``expected_events``, the update (and so everything) happens only if the count is still that."""
        if no_such_id(session_id):
            raise UnknownSession(session_id)
        feedback = [event for event in events if isinstance(event, FeedbackGiven)]
        params = _summary_params(session_id, turn, feedback, events, expected_events)
        ratings = _customer_ratings(feedback)
        if self.engine.dialect.name == "postgresql":
            rows = _postgres_rows(session_id, events, turn, feedback)
            if ratings:  # rare: the earlier ratings are read with the session's row locked, so ratings at once count right
                with self.engine.begin() as db:
                    db.execute(_LOCK_SESSION, {"session_id": session_id})
                    params.update(_thumb_changes(db, session_id, ratings))
                    if not db.execute(_POSTGRES_APPEND, {**params, **rows}).scalar():
                        raise _why_not_updated(db, session_id)
                return
            # one statement, atomic on its own: no BEGIN and COMMIT of ours, one exchange with the server
            with self.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as db:
                if not db.execute(_POSTGRES_APPEND, {**params, **rows}).scalar():
                    raise _why_not_updated(db, session_id)
            return
        with self.engine.begin() as db:
            if ratings:  # take SQLite's write lock before the earlier ratings are read
                db.execute(_TOUCH_SESSION, {"session_id": session_id})
                params.update(_thumb_changes(db, session_id, ratings))
            start = _update_summary(db, params)
            _insert_events(db, session_id, events, start=start)
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
            {"session_id": session_id, "seq": start + offset, "type": event.stored_type, "timestamp": event.timestamp, "data": event.to_dict()}
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
    turn (``turns`` 0 or 1), thumbs and the number of new events into the session's summary, if its event
    count is ``expected`` (None: whatever it is). The count is never taken below the events stored, which
    corrects it after a server of the previous version (which does not keep it) appended events."""
    score = cast(bindparam("score", type_=Float), Float)
    expected = cast(bindparam("expected", type_=Integer), Integer)
    stored = (
        select(func.coalesce(func.max(EventRow.seq), -1) + 1)
        .where(EventRow.session_id == bindparam("session_id"))
        .scalar_subquery()
    )
    count = case((SessionRow.event_count < stored, stored), else_=SessionRow.event_count)
    handoff_offset = cast(bindparam("handoff_offset", type_=Integer), Integer)
    values = {
        SessionRow.event_count: count + bindparam("added", type_=Integer),
        SessionRow.open_handoff_seq: case(
            (bindparam("hands_back", type_=Boolean), null()),
            (handoff_offset.is_not(None), count + handoff_offset),
            else_=SessionRow.open_handoff_seq,
        ),
        SessionRow.updated_at: bindparam("now", type_=SessionRow.updated_at.type),
        SessionRow.turn_count: SessionRow.turn_count + bindparam("turns", type_=Integer),
        SessionRow.title: func.coalesce(SessionRow.title, bindparam("first_text", type_=Text)),
        SessionRow.any_handoff: or_(SessionRow.any_handoff, bindparam("handoff", type_=Boolean)),
        SessionRow.any_abstained: or_(SessionRow.any_abstained, bindparam("abstained", type_=Boolean)),
        SessionRow.any_not_helped: or_(SessionRow.any_not_helped, bindparam("not_helped", type_=Boolean)),
        SessionRow.min_top_score: case(
            (and_(score.is_not(None), or_(SessionRow.min_top_score.is_(None), SessionRow.min_top_score > score)), score),
            else_=SessionRow.min_top_score,
        ),
        SessionRow.last_model: func.coalesce(bindparam("turn_model", type_=SessionRow.last_model.type), SessionRow.last_model),
        SessionRow.thumbs_up: SessionRow.thumbs_up + bindparam("up", type_=Integer),
        SessionRow.thumbs_down: SessionRow.thumbs_down + bindparam("down", type_=Integer),
    }
    matches = and_(SessionRow.id == bindparam("session_id"), or_(expected.is_(None), count == expected))
    return update(SessionRow).where(matches).values(values)


_UPDATE_SUMMARY = _summary_statement()
_EVENT_COUNT = select(SessionRow.event_count).where(SessionRow.id == bindparam("session_id"))
_UPDATE_SUMMARY_RETURNING = _UPDATE_SUMMARY.returning(SessionRow.event_count)
_INSERT_EVENTS, _INSERT_TURN, _INSERT_FEEDBACK = insert(EventRow), insert(TurnRow), insert(FeedbackRow)


def declined(abstained: bool, intent: str, action: str) -> bool:
    """Whether a turn makes its conversation declined (the review list's Declined column and filter): the
    assistant gave no answer (abstained), or a topic the rules never answer was declined (action ``decline``,
    not stored as abstained: the rules' reply is given). "That didn't help" is stored as abstained (no answer
    given), yet the assistant declined nothing: it counts as Not helped instead."""
    return action == DECLINE_ACTION or (abstained and intent != NOT_HELPED)


def _summary_params(
    session_id: str, turn: TurnRecord | None, feedback: list[FeedbackGiven], events: list[Event], expected: int | None
) -> dict[str, Any]:
    return {
        "session_id": session_id,
        "added": len(events),
        "expected": expected,
        **_handoff_change(events),
        "now": utcnow(),
        "turns": 0 if turn is None else 1,
        "first_text": None if turn is None else turn.user_text[:TITLE_CHARS],
        "handoff": _hands_off(events) or (turn is not None and turn.handoff),
        "abstained": turn is not None and declined(turn.abstained, turn.intent, turn.action),
        "not_helped": turn is not None and turn.intent == NOT_HELPED,
        "score": None if turn is None else turn.top_score,
        "turn_model": (turn.model or None) if turn is not None else None,
        "up": 0,  # changed by the customer's ratings (_thumb_changes)
        "down": 0,
    }


_LATEST_CUSTOMER_RATINGS = select(FeedbackRow.turn_no, FeedbackRow.rating).where(
    FeedbackRow.id.in_(
        select(func.max(FeedbackRow.id))
        .where(
            FeedbackRow.session_id == bindparam("session_id"),
            FeedbackRow.source == "customer",
            FeedbackRow.rating.is_not(None),
            FeedbackRow.turn_no.in_(bindparam("turns", expanding=True)),
        )
        .group_by(FeedbackRow.turn_no)
    )
)


_LOCK_SESSION = select(SessionRow.id).where(SessionRow.id == bindparam("session_id")).with_for_update()
_TOUCH_SESSION = update(SessionRow).where(SessionRow.id == bindparam("session_id")).values(event_count=SessionRow.event_count)


def _customer_ratings(feedback: list[FeedbackGiven]) -> dict[int, int]:
    """The customer's latest rating of each turn among ``feedback`` (reviewers' thumbs are not counted);
    empty for most appends, which hold no rating."""
    return {event.turn_no: event.rating for event in feedback if event.source == "customer" and event.rating is not None}


def _thumb_changes(db: Connection, session_id: str, latest: dict[int, int]) -> dict[str, int]:
    """How the customer's ``latest`` ratings (``_customer_ratings``) change the session's counts of answers
    rated up and down (``up``, ``down``): each answer counts once, as last rated, so a changed thumb moves
    from one count to the other and a thumb taken back (0) leaves both."""
    before = dict(db.execute(_LATEST_CUSTOMER_RATINGS, {"session_id": session_id, "turns": list(latest)}).all())
    return {
        "up": sum((rating == 1) - (before.get(turn) == 1) for turn, rating in latest.items()),
        "down": sum((rating == -1) - (before.get(turn) == -1) for turn, rating in latest.items()),
    }


def _handoff_change(events: list[Event]) -> dict[str, Any]:
    """How the events change who has the conversation, by the last handoff or hand-back among them:
    ``handoff_offset``, the position of a handoff that is now open, or ``hands_back``."""
    for offset in reversed(range(len(events))):
        if isinstance(events[offset], HandoffRequested):
            return {"handoff_offset": offset, "hands_back": False}
        if isinstance(events[offset], HandoffResolved):
            return {"handoff_offset": None, "hands_back": True}
    return {"handoff_offset": None, "hands_back": False}


def _hands_off(events: list[Event]) -> bool:
    """Whether the events hand the conversation to a person (also without a turn: the API's handoff, a
    staff takeover), so the session summary counts it."""
    return any(isinstance(event, HandoffRequested) for event in events)


def _update_summary(db: Connection, params: dict[str, Any]) -> int:
    """Fold the append into the session's summary columns; the number of its first new event.
    UnknownSession if there is no such session, ConversationChanged if its event count is not the one
    expected."""
    if db.dialect.update_returning:  # one round trip: SQLite 3.35+, PostgreSQL
        row = db.execute(_UPDATE_SUMMARY_RETURNING, params).first()
        if row is None:
            raise _why_not_updated(db, params["session_id"])
        return row[0] - params["added"]
    if db.execute(_UPDATE_SUMMARY, params).rowcount == 0:
        raise _why_not_updated(db, params["session_id"])
    return db.scalar(_EVENT_COUNT, {"session_id": params["session_id"]}) - params["added"]


def _why_not_updated(db: Connection, session_id: str) -> Exception:
    """The error for an append whose summary update matched no row."""
    if db.scalar(_EVENT_COUNT, {"session_id": session_id}) is None:
        return UnknownSession(session_id)
    return ConversationChanged(session_id)


def _feedback_values(session_id: str, event: FeedbackGiven) -> dict[str, Any]:
    return {
        "session_id": session_id,
        "turn_no": event.turn_no,
        "rating": event.rating,
        "comment": event.comment,
        "source": event.source,
        "author": event.author,
    }


# PostgreSQL: the whole append as one statement. The summary update locks the session's row, adds the new
# events to its count and returns the last event number before them (an update that waited for another
# append's lock works on that append's row, so the numbers follow on); the events, the turn record (0 or
# 1 row) and the feedback are inserted from JSON arrays, numbered after it. The count is never taken below
# the events stored (``stored``: read before any wait, so it only matters when a server of the previous
# version, which does not keep the count, appended). No session, or not the count expected: the update
# matches nothing, so nothing is inserted and the count is 0.
_POSTGRES_APPEND = text(
    """
WITH s AS (
  UPDATE sessions SET
    updated_at = :now,
    turn_count = turn_count + :turns,
    title = coalesce(title, CAST(:first_text AS text)),
    any_handoff = any_handoff OR :handoff,
    any_abstained = any_abstained OR :abstained,
    any_not_helped = any_not_helped OR :not_helped,
    min_top_score = CASE
      WHEN CAST(:score AS double precision) IS NOT NULL
       AND (min_top_score IS NULL OR min_top_score > CAST(:score AS double precision))
      THEN CAST(:score AS double precision) ELSE min_top_score END,
    last_model = coalesce(CAST(:turn_model AS varchar), last_model),
    thumbs_up = thumbs_up + :up,
    thumbs_down = thumbs_down + :down,
    event_count = greatest(event_count, stored.count) + :added,
    open_handoff_seq = CASE
      WHEN :hands_back THEN NULL
      WHEN CAST(:handoff_offset AS integer) IS NOT NULL
      THEN greatest(event_count, stored.count) + CAST(:handoff_offset AS integer)
      ELSE open_handoff_seq END
  FROM (SELECT coalesce(max(seq), -1) + 1 AS count FROM events WHERE session_id = :session_id) AS stored
  WHERE id = :session_id
    AND (CAST(:expected AS integer) IS NULL OR greatest(event_count, stored.count) = CAST(:expected AS integer))
  RETURNING event_count - :added - 1 AS last
), new_events AS (
  INSERT INTO events (session_id, seq, type, timestamp, data)
  SELECT :session_id, s.last + e.ord, e.type, e.ts, CAST(e.data AS json)
  FROM s, jsonb_to_recordset(CAST(:events AS jsonb)) AS e(ord integer, type text, ts double precision, data jsonb)
), new_turn AS (
  INSERT INTO turns (session_id, turn_no, created_at, user_text, intent, intent_confidence, action, reason, query,
                     retrieved, answer, sources, abstained, handoff, model, timings_ms, error, index_version,
                     top_score, latency_ms)
  SELECT :session_id, t.turn_no, :now, t.user_text, t.intent, t.intent_confidence, t.action, t.reason, t.query,
         CAST(t.retrieved AS json), t.answer, CAST(t.sources AS json), t.abstained, t.handoff, t.model,
         CAST(t.timings_ms AS json), t.error, t.index_version, t.top_score, t.latency_ms
  FROM s, jsonb_to_recordset(CAST(:turn_rows AS jsonb)) AS t(
    turn_no integer, user_text text, intent text, intent_confidence double precision, action text, reason text,
    query text, retrieved jsonb, answer text, sources jsonb, abstained boolean, handoff boolean, model text,
    timings_ms jsonb, error text, index_version text, top_score double precision, latency_ms double precision)
), new_feedback AS (
  INSERT INTO feedback (session_id, turn_no, rating, comment, source, author, created_at)
  SELECT :session_id, f.turn_no, f.rating, f.comment, f.source, f.author, :now
  FROM s, jsonb_to_recordset(CAST(:feedback_rows AS jsonb)) AS f(turn_no integer, rating integer, comment text, source text, author text)
)
SELECT count(*) FROM s
"""
)


def _postgres_rows(session_id: str, events: list[Event], turn: TurnRecord | None, feedback: list[FeedbackGiven]) -> dict[str, str]:
    """The rows of one append as JSON arrays for ``_POSTGRES_APPEND``."""
    rows = [{"ord": n, "type": e.stored_type, "ts": e.timestamp, "data": e.to_dict()} for n, e in enumerate(events, start=1)]
    turns = [] if turn is None else [{k: v for k, v in _turn_values(turn).items() if k != "session_id"}]
    notes = [{k: v for k, v in _feedback_values(session_id, e).items() if k != "session_id"} for e in feedback]
    return {"events": json.dumps(rows), "turn_rows": json.dumps(turns), "feedback_rows": json.dumps(notes)}
