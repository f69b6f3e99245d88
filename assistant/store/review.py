"""The queries behind the review pages: filter and page conversations, read one transcript.

Every filter reaches the database as a bound parameter; full-text search goes through
``assistant.store.search``. Pages are keyset pages (newest first, by last activity, then id), so page
1,000 costs what page 1 costs.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

from sqlalchemy import ColumnElement, Connection, Engine, Select, and_, exists, func, literal_column, or_, select, text, true
from sqlalchemy.orm import Session

from assistant.store.search import FULL_TEXT_TABLE, search_words, sqlite_matching_ids, turns_matching
from assistant.store.tables import AnnotationRow, EventRow, FeedbackRow, SessionRow, TurnRow
from dialog.business import REDACTED_VALUE
from dialog.conversation_tests import ConversationTest, ScriptedTurn
from dialog.events import ActionExecuted

FEEDBACK_CHOICES = ("any", "up", "down", "none")
# A turn must hold every word searched for; past this many, a search finds nothing useful, and tens of
# thousands of words overflow PostgreSQL's query parser.
MAX_SEARCH_WORDS = 50


def utc_day(day: datetime) -> datetime:
    """Midnight UTC at the start of ``day``'s date (a From date: ``LogFilter.since``)."""
    return datetime(day.year, day.month, day.day, tzinfo=timezone.utc)


def day_after(day: datetime | None) -> datetime | None:
    """The midnight UTC that ends ``day``'s date, so that a To date includes its whole day (``LogFilter.until``
    is exclusive). None for no day, or for 9999-12-31, after which no datetime exists (no end)."""
    if day is None:
        return None
    try:
        return utc_day(day) + timedelta(days=1)
    except OverflowError:
        return None


@dataclass(frozen=True)
class LogFilter:
    """Which conversations to show. Every field is optional; set fields must all hold."""

    text: str = ""  # words that some turn's customer text or answer contains
    since: datetime | None = None  # last activity at or after
    until: datetime | None = None  # last activity before
    intent: str | None = None  # some turn has this intent
    handoff: bool | None = None  # some turn handed off (True) / none did (False)
    abstained: bool | None = None  # the assistant declined some turn (True) / none (False)
    not_helped: bool | None = None  # the customer said some answer did not help (True) / never did (False)
    feedback: str = "any"  # up: has a thumbs up; down: has a thumbs down; none: has no thumbs
    max_top_score: float | None = None  # some turn's best passage scored below this
    model: str | None = None  # the model that wrote the last answer
    failed_action: bool | None = None  # a business action (an order lookup) found nothing or failed (True) / none did (False)

    def __post_init__(self) -> None:
        if self.feedback not in FEEDBACK_CHOICES:
            raise ValueError(f"feedback must be one of {', '.join(FEEDBACK_CHOICES)}, not {self.feedback!r}")
        words = len(search_words(self.text))
        if words > MAX_SEARCH_WORDS:
            raise ValueError(f"Search: at most {MAX_SEARCH_WORDS} words, not {words:,}")

    def conditions(self, dialect: str, turn_counts: TurnCounts | None = None) -> list[ColumnElement[bool]]:
        """SQL conditions on ``sessions`` for this filter; ``turn_counts`` (see ``count_matching_turns``) lets
        the conditions on turns take the shape that is fastest for how many turns match."""
        counts = turn_counts or TurnCounts()
        where: list[ColumnElement[bool]] = []
        if self.since is not None:
            where.append(SessionRow.updated_at >= self.since)
        if self.until is not None:
            where.append(SessionRow.updated_at < self.until)
        if self.handoff is not None:
            where.append(SessionRow.any_handoff.is_(self.handoff))
        if self.abstained is not None:
            where.append(SessionRow.any_abstained.is_(self.abstained))
        if self.not_helped is not None:
            where.append(SessionRow.any_not_helped.is_(self.not_helped))
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
        if self.failed_action is not None:
            failed = exists().where(EventRow.session_id == SessionRow.id, *failed_action_event())
            where.append(failed if self.failed_action else ~failed)
        if self.intent:
            intent = TurnRow.intent == self.intent
            where.append(_sessions_with_turn(intent, intent if _at_least(counts.intent, FEW_TURNS) else None))
        matching = self.text_condition(dialect)
        if matching is not None:
            per_turn = None
            if _at_least(counts.text, FEW_TURNS):
                ids = sqlite_matching_ids(self.text) if dialect == "sqlite" else None
                if ids is not None and _at_least(counts.text, MANY_TURNS):
                    rowid = literal_column(f"{FULL_TEXT_TABLE}.rowid")
                    per_turn = exists(ids.where(rowid == TurnRow.__table__.c.id))  # Core column: the query is not ORM
                else:  # "IS true": a plain test, or SQLite would probe an index once per value of the IN list
                    per_turn = matching.is_(true())
            where.append(_sessions_with_turn(matching, per_turn))
        return where

    def text_condition(self, dialect: str) -> ColumnElement[bool] | None:
        """The condition on ``turns`` for the search words; None without words."""
        return turns_matching(dialect, self.text) if self.text.strip() else None

    def sessions(self, dialect: str, turn_counts: TurnCounts | None = None) -> Select[Any]:
        """The filtered sessions, newest activity first."""
        return (
            select(SessionRow)
            .where(*self.conditions(dialect, turn_counts))
            .order_by(SessionRow.updated_at.desc(), SessionRow.id.desc())
        )


# SQLite's planner has no statistics to choose how to apply a condition on turns (intent, search words)
# with: it always collects the matching turns' sessions and sorts them all, which takes seconds when a
# quarter of a million turns match. So on SQLite, ``list_sessions`` first counts the matching turns
# (through an index, stopping early) and picks the shape:
#   fewer than FEW_TURNS: collect the matching turns' sessions and sort those (the shape without counts);
#   more: walk the sessions newest first (the updated_at index) and test each one's turns, so that the
#     page ends after some hundreds of sessions: against the matching turns, gathered once, or, from
#     MANY_TURNS matching words on, against the full-text index turn by turn (a few probes find one).
# PostgreSQL plans this by its own statistics.
FEW_TURNS = 2_000
MANY_TURNS = 100_000


@dataclass(frozen=True)
class TurnCounts:
    """How many turns match the filter's intent (counted up to FEW_TURNS) and its words (up to MANY_TURNS);
    None: not counted."""

    intent: int | None = None
    text: int | None = None


def _at_least(count: int | None, threshold: int) -> bool:
    return count is not None and count >= threshold


def failed_action_event() -> list[ColumnElement[bool]]:
    """The conditions on ``events`` for a business action that failed (``ActionExecuted.ok`` false: an order
    lookup that found nothing for the number and e-mail given); such a turn is neither declined nor scored."""
    return [EventRow.type == ActionExecuted.type_name, EventRow.data["ok"].as_boolean().is_(False)]


def _sessions_with_turn(condition: ColumnElement[bool], per_turn: ColumnElement[bool] | None) -> ColumnElement[bool]:
    """Sessions that have a turn for which ``condition`` holds: collected from the matching turns, or, given
    ``per_turn`` (the condition as a test of one turn), tested session by session."""
    if per_turn is None:
        return SessionRow.id.in_(select(TurnRow.session_id).where(condition))
    return exists().where(TurnRow.session_id == SessionRow.id, per_turn)


def count_matching_turns(connection: Connection, log_filter: LogFilter) -> TurnCounts:
    """The filter's ``TurnCounts`` on SQLite (each count stops early); on other databases none."""
    if connection.dialect.name != "sqlite":
        return TurnCounts()

    def count(ids: Select[Any], up_to: int) -> int:
        return connection.scalar(select(func.count()).select_from(ids.limit(up_to).subquery())) or 0

    intent = count(select(TurnRow.id).where(TurnRow.intent == log_filter.intent), FEW_TURNS) if log_filter.intent else None
    has_words = log_filter.text_condition("sqlite") is not None
    text_count = count(sqlite_matching_ids(log_filter.text), MANY_TURNS) if has_words else None
    return TurnCounts(intent=intent, text=text_count)


@dataclass(frozen=True)
class Page:
    sessions: list[SessionRow]
    next_cursor: tuple[datetime, str] | None  # pass as ``after`` for the next page; None on the last page


def list_sessions(engine: Engine, log_filter: LogFilter, page_size: int = 50, after: tuple[datetime, str] | None = None) -> Page:
    """One page of the filtered conversations, starting after ``after`` (a previous page's cursor)."""
    with Session(engine) as db:
        if engine.dialect.name == "postgresql":
            # A page reads some hundreds of rows. Parallel workers would each walk the sessions in order
            # (Gather Merge) and test turns that the others test too: word searches took 3 to 5 times longer.
            db.execute(text("SET LOCAL max_parallel_workers_per_gather = 0"))
        query = log_filter.sessions(engine.dialect.name, count_matching_turns(db.connection(), log_filter)).limit(page_size + 1)
        if after is not None:
            updated_at, session_id = after
            query = query.where(
                or_(SessionRow.updated_at < updated_at, and_(SessionRow.updated_at == updated_at, SessionRow.id < session_id))
            )
        rows = list(db.scalars(query))
        db.expunge_all()
    sessions = rows[:page_size]
    more = len(rows) > page_size
    cursor = (sessions[-1].updated_at, sessions[-1].id) if more and sessions else None
    return Page(sessions, cursor)


def filter_choices(engine: Engine) -> tuple[list[str], list[str]]:
    """The intents and models seen so far, sorted, for the review page's drop-downs. The intents are read
    from their index one value at a time (a recursive query: the next intent after the last one found), not
    by a DISTINCT over every turn, which read all of them on each page load (128 ms at 400,000 turns)."""
    later = TurnRow.__table__.alias("later")
    seen = select(func.min(TurnRow.intent).label("intent")).cte("seen", recursive=True)
    following = select(func.min(later.c.intent)).where(later.c.intent > seen.c.intent).scalar_subquery()
    seen = seen.union_all(select(following).where(seen.c.intent.is_not(None)))
    with engine.connect() as connection:
        intents = list(connection.scalars(select(seen.c.intent).where(seen.c.intent.is_not(None)).order_by(seen.c.intent)))
        models = sorted(m for m in connection.scalars(select(SessionRow.last_model).distinct()) if m)
    return intents, models


@dataclass
class TurnView:
    """One turn with everything a reviewer sees beside it."""

    turn: TurnRow
    feedback: list[FeedbackRow] = field(default_factory=list)
    annotations: list[AnnotationRow] = field(default_factory=list)

    @property
    def customer_rating(self) -> int:
        """The customer's thumb on this answer as it stands: 1, -1, or 0 (none, or taken back)."""
        ratings = [f.rating for f in self.feedback if f.source == "customer" and f.rating is not None]
        return ratings[-1] if ratings else 0


@dataclass(frozen=True)
class StaffEntry:
    """Something staff did in the conversation, placed after the turn it followed."""

    after_turn: int  # how many customer messages came before it
    # "agent" (a reply to the customer), "handoff_resolved" (handed back to the assistant), "handoff" (handed
    # to a person outside a turn: the API's handoff, staff taking over; ``text`` is the reason)
    kind: str
    author: str
    text: str
    at: datetime


@dataclass
class Transcript:
    session: SessionRow
    turns: list[TurnView]
    staff: list[StaffEntry] = field(default_factory=list)

    def staff_after(self, turn_no: int) -> list[StaffEntry]:
        return [entry for entry in self.staff if entry.after_turn == turn_no]


def read_transcript(engine: Engine, session_id: str) -> Transcript | None:
    """A whole conversation's turn records with their feedback and annotations; None if unknown."""
    with Session(engine) as db:
        session = db.get(SessionRow, session_id)
        if session is None:
            return None
        turns = list(db.scalars(select(TurnRow).where(TurnRow.session_id == session_id).order_by(TurnRow.id)))
        feedback = list(db.scalars(select(FeedbackRow).where(FeedbackRow.session_id == session_id).order_by(FeedbackRow.id)))
        notes = list(db.scalars(select(AnnotationRow).where(AnnotationRow.session_id == session_id).order_by(AnnotationRow.id)))
        staff = _staff_entries(db, session_id)
        db.expunge_all()
    # a handoff made by a turn shows in that turn's record; the others (no turn record of their own) as entries
    handoff_turns = {turn.turn_no or position for position, turn in enumerate(turns, start=1) if turn.handoff}
    staff = [entry for entry in staff if entry.kind != "handoff" or entry.after_turn not in handoff_turns]
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
    return Transcript(session, views, staff)


def _staff_entries(db: Session, session_id: str) -> list[StaffEntry]:
    """Handoffs, staff replies and hand-backs, each numbered by the customer messages before it."""
    rows = db.execute(
        select(EventRow.type, EventRow.timestamp, EventRow.data)
        .where(EventRow.session_id == session_id, EventRow.type.in_(("user", "handoff", "agent", "handoff_resolved")))
        .order_by(EventRow.seq)
    )
    entries, customer_messages = [], 0
    for row in rows:
        if row.type == "user":
            customer_messages += 1
            continue
        at = datetime.fromtimestamp(row.timestamp, tz=timezone.utc)
        text = row.data.get("reason" if row.type == "handoff" else "text", "")
        entries.append(StaffEntry(customer_messages, row.type, str(row.data.get("author", "")), str(text), at))
    return entries


# what a redacted value ([EMAIL], assistant/privacy.py) becomes in a conversation test: a script that sends the
# placeholder cannot replay the turn (an action asks for the value again), so a stand-in of the same kind is sent
STAND_INS = {
    "EMAIL": "customer@example.com", "PHONE": "+1 555 010 0199", "CARD": "4242 4242 4242 4242",
    "IBAN": "DE89 3704 0044 0532 0130 00", "SECRET": "stand-in-secret", "BIRTH_DATE": "1990-01-31", "NAME": "Alex",
}


def with_stand_ins(text: str) -> tuple[str, list[str]]:
    """``text`` with each redaction placeholder of a known kind replaced by a stand-in value, and the
    placeholders replaced; the operator's own kinds stay as they are."""
    replaced: list[str] = []

    def stand_in(match: re.Match[str]) -> str:
        value = STAND_INS.get(match.group(1))
        if value is None:
            return match.group()
        replaced.append(match.group())
        return value

    return REDACTED_VALUE.sub(stand_in, text), replaced


def as_conversation_test(transcript: Transcript) -> ConversationTest:
    """The conversation as a scripted test that expects what happened, corrected by reviewers' labels
    (an annotated intent replaces the predicted one; an answer marked wrong is not expected again), held at the
    time it began (``at``).

    A script has no staff steps, so it ends before staff took part: at the first turn after a staff reply
    or hand-back, or at the first message relayed to staff. A redacted value the customer typed ([EMAIL]) is
    sent as a stand-in of its kind (``STAND_INS``), so the turn replays, and the description says so."""
    staff_from = min((entry.after_turn for entry in transcript.staff if entry.kind != "handoff"), default=None)
    turns = []
    notes = []
    reviews = []
    for position, view in enumerate(transcript.turns, start=1):
        turn = view.turn
        if turn.action == "relay" or (staff_from is not None and (turn.turn_no or position) > staff_from):
            break
        labels = view.annotations[-1] if view.annotations else None
        expect: dict[str, Any] = {"action": turn.action, "intent": turn.intent}
        if labels is not None and labels.correct_intent:
            expect["intent"] = labels.correct_intent
        if turn.handoff:
            expect["handoff"] = True
        cited = sorted({s["doc_id"] for s in turn.sources if s.get("cited")})
        answer_wrong = labels is not None and labels.answer_correct is False
        if not answer_wrong:
            expect["abstained"] = turn.abstained
            if cited:
                expect["cites"] = cited
        elif turn.abstained or turn.action == "decline":
            expect["abstained"] = False  # the reviewer says it should have answered: a decline must fail the test
            if turn.action == "decline":
                del expect["action"]
        number = len(turns) + 1
        if answer_wrong:
            reviews.append(_wrong_reply_note(number, turn, labels, cited))
        text, replaced = with_stand_ins(turn.user_text)
        if replaced:
            notes.append(f"turn {number}: {', '.join(replaced)}")
        turns.append(ScriptedTurn(text, expect))
    title = transcript.session.title or transcript.session.id
    parts = list(reviews)
    if notes:
        parts.append(f"Redacted values were replaced by stand-ins ({'; '.join(notes)}); a lookup that needs the "
                     "customer's own value finds nothing with them: put in a value of your test data")
    description = " ".join(parts) or None
    return ConversationTest(f"review: {title}", turns, transcript.session.id, description, _held_at(transcript))


def _wrong_reply_note(number: int, turn: TurnRow, labels: AnnotationRow, cited: list[str]) -> str:
    """What a test written from a reply marked wrong says about that turn: the reviewer's note, and what the
    test can and cannot check (a declined reply must now be answered; a wrong answer looks like a right one
    to the runner unless someone adds what a right answer holds)."""
    note = (labels.notes or "").strip()
    said = f" ({labels.reviewer}: {note})" if note else f" ({labels.reviewer})"
    if turn.abstained or turn.action == "decline":
        return f"Turn {number} was declined and marked wrong{said}: the test expects an answer (abstained: false)."
    was = f", citing {', '.join(cited)}" if cited else ""
    return (f"Turn {number} was answered{was} and marked wrong{said}: the test cannot tell a right answer from "
            "a wrong one; add answer_contains (a phrase a right answer holds) or cites (the right article).")


def _held_at(transcript: Transcript) -> datetime | None:
    """When the conversation's first turn was (with its zone; SQLite keeps none, and stores UTC): its script is
    played at that time, so a reply that depends on the support hours (outside them, no handoff on its own) replays."""
    if not transcript.turns or transcript.turns[0].turn.created_at is None:
        return None
    started = transcript.turns[0].turn.created_at
    return started if started.tzinfo is not None else started.replace(tzinfo=timezone.utc)


def as_training_examples(transcript: Transcript, passage_text: Callable[[int], str | None]) -> list[dict[str, Any]]:
    """The answered turns as fine-tuning examples ``{"question", "passages", "answer", ...}`` (the JSONL
    format of ``assistant train lm``). ``passage_text`` gives a retrieved chunk's text by id (None if it is
    no longer indexed). Turns a reviewer marked wrong are left out; ``verified`` is True when a reviewer
    marked the answer right or the customer's thumb on it is up."""
    examples = []
    for view in transcript.turns:
        turn = view.turn
        labels = view.annotations[-1] if view.annotations else None
        if turn.action != "answer" or (labels is not None and labels.answer_correct is False):
            continue
        passages = [text for text in (passage_text(p["chunk_id"]) for p in turn.retrieved) if text]
        if not passages:
            continue
        verified = (labels is not None and labels.answer_correct is True) or view.customer_rating == 1
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
