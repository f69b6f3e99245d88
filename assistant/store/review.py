"""The queries behind the review pages: filter and page conversations, read one transcript.

Every filter reaches the database as a bound parameter; full-text search goes through
``assistant.store.search``. Pages are keyset pages (newest first, by last activity, then id), so page
1,000 costs what page 1 costs.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Engine, Select, and_, or_, select
from sqlalchemy.orm import Session

from assistant.store.search import turns_matching
from assistant.store.tables import AnnotationRow, FeedbackRow, SessionRow, TurnRow
from dialog.conversation_tests import ConversationTest, ScriptedTurn

FEEDBACK_CHOICES = ("any", "up", "down", "none")


@dataclass(frozen=True)
class LogFilter:
    """Which conversations to show. Every field is optional; set fields must all hold."""

    text: str = ""  # words that some turn's customer text or answer contains
    since: datetime | None = None  # last activity at or after
    until: datetime | None = None  # last activity before
    intent: str | None = None  # some turn has this intent
    handoff: bool | None = None  # some turn handed off (True) / none did (False)
    abstained: bool | None = None
    feedback: str = "any"  # up: has a thumbs up; down: has a thumbs down; none: has no thumbs
    max_top_score: float | None = None  # some turn's best passage scored below this
    model: str | None = None  # the model that wrote the last answer

    def __post_init__(self) -> None:
        if self.feedback not in FEEDBACK_CHOICES:
            raise ValueError(f"feedback must be one of {', '.join(FEEDBACK_CHOICES)}, not {self.feedback!r}")

    def conditions(self, dialect: str) -> list[ColumnElement[bool]]:
        """SQL conditions on ``sessions`` for this filter."""
        where: list[ColumnElement[bool]] = []
        if self.since is not None:
            where.append(SessionRow.updated_at >= self.since)
        if self.until is not None:
            where.append(SessionRow.updated_at < self.until)
        if self.handoff is not None:
            where.append(SessionRow.any_handoff.is_(self.handoff))
        if self.abstained is not None:
            where.append(SessionRow.any_abstained.is_(self.abstained))
        if self.feedback == "up":
            where.append(SessionRow.thumbs_up > 0)
        elif self.feedback == "down":
            where.append(SessionRow.thumbs_down > 0)
        elif self.feedback == "none":
            where.append(and_(SessionRow.thumbs_up == 0, SessionRow.thumbs_down == 0))
        if self.max_top_score is not None:
            where.append(SessionRow.min_top_score < self.max_top_score)
        if self.model:
            where.append(SessionRow.last_model == self.model)
        if self.intent:
            where.append(SessionRow.id.in_(select(TurnRow.session_id).where(TurnRow.intent == self.intent)))
        if self.text.strip():
            matching = turns_matching(dialect, self.text)
            if matching is not None:
                where.append(SessionRow.id.in_(select(TurnRow.session_id).where(matching)))
        return where

    def sessions(self, dialect: str) -> Select[Any]:
        """The filtered sessions, newest activity first."""
        return select(SessionRow).where(*self.conditions(dialect)).order_by(SessionRow.updated_at.desc(), SessionRow.id.desc())


@dataclass(frozen=True)
class Page:
    sessions: list[SessionRow]
    next_cursor: tuple[datetime, str] | None  # pass as ``after`` for the next page; None on the last page


def list_sessions(engine: Engine, log_filter: LogFilter, page_size: int = 50, after: tuple[datetime, str] | None = None) -> Page:
    """One page of the filtered conversations, starting after ``after`` (a previous page's cursor)."""
    query = log_filter.sessions(engine.dialect.name).limit(page_size + 1)
    if after is not None:
        updated_at, session_id = after
        query = query.where(
            or_(SessionRow.updated_at < updated_at, and_(SessionRow.updated_at == updated_at, SessionRow.id < session_id))
        )
    with Session(engine) as db:
        rows = list(db.scalars(query))
        db.expunge_all()
    sessions = rows[:page_size]
    more = len(rows) > page_size
    cursor = (sessions[-1].updated_at, sessions[-1].id) if more and sessions else None
    return Page(sessions, cursor)


@dataclass
class TurnView:
    """One turn with everything a reviewer sees beside it."""

    turn: TurnRow
    feedback: list[FeedbackRow] = field(default_factory=list)
    annotations: list[AnnotationRow] = field(default_factory=list)


@dataclass
class Transcript:
    session: SessionRow
    turns: list[TurnView]


def read_transcript(engine: Engine, session_id: str) -> Transcript | None:
    """A whole conversation's turn records with their feedback and annotations; None if unknown."""
    with Session(engine) as db:
        session = db.get(SessionRow, session_id)
        if session is None:
            return None
        turns = list(db.scalars(select(TurnRow).where(TurnRow.session_id == session_id).order_by(TurnRow.id)))
        feedback = list(db.scalars(select(FeedbackRow).where(FeedbackRow.session_id == session_id).order_by(FeedbackRow.id)))
        notes = list(db.scalars(select(AnnotationRow).where(AnnotationRow.session_id == session_id).order_by(AnnotationRow.id)))
        db.expunge_all()
    views = []
    for position, turn in enumerate(turns, start=1):
        number = turn.turn_no or position
        views.append(
            TurnView(
                turn,
                [f for f in feedback if f.turn_no == number],
                [a for a in notes if a.turn_no == number],
            )
        )
    return Transcript(session, views)


def as_conversation_test(transcript: Transcript) -> ConversationTest:
    """The conversation as a scripted test that expects what happened, corrected by reviewers' labels
    (an annotated intent replaces the predicted one; an answer marked wrong is not expected again)."""
    turns = []
    for view in transcript.turns:
        turn = view.turn
        labels = view.annotations[-1] if view.annotations else None
        expect: dict[str, Any] = {"action": turn.action, "intent": turn.intent}
        if labels is not None and labels.correct_intent:
            expect["intent"] = labels.correct_intent
        if turn.handoff:
            expect["handoff"] = True
        answer_wrong = labels is not None and labels.answer_correct is False
        if not answer_wrong:
            expect["abstained"] = turn.abstained
            cited = sorted({s["doc_id"] for s in turn.sources if s.get("cited")})
            if cited:
                expect["cites"] = cited
        turns.append(ScriptedTurn(turn.user_text, expect))
    title = transcript.session.title or transcript.session.id
    return ConversationTest(f"review: {title}", turns, source_session=transcript.session.id)


def as_training_examples(transcript: Transcript, passage_text: Callable[[int], str | None]) -> list[dict[str, Any]]:
    """The answered turns as fine-tuning examples ``{"question", "passages", "answer", ...}`` (the JSONL
    format of ``assistant train lm``). ``passage_text`` gives a retrieved chunk's text by id (None if it is
    no longer indexed). Turns a reviewer marked wrong are left out; ``verified`` is True when a reviewer
    marked the answer right or the customer gave a thumbs up."""
    examples = []
    for view in transcript.turns:
        turn = view.turn
        labels = view.annotations[-1] if view.annotations else None
        if turn.action != "answer" or (labels is not None and labels.answer_correct is False):
            continue
        passages = [text for text in (passage_text(p["chunk_id"]) for p in turn.retrieved) if text]
        if not passages:
            continue
        verified = (labels is not None and labels.answer_correct is True) or any(f.rating == 1 for f in view.feedback)
        examples.append(
            {
                "question": turn.user_text,
                "passages": passages,
                "answer": turn.answer,
                "answerable": not turn.abstained,
                "verified": verified,
                "source_session": turn.session_id,
                "turn_no": turn.turn_no,
            }
        )
    return examples
