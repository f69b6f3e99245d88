"""The analytics page's metrics, each defined once, here, in SQL over the conversation logs.

Every function takes an Engine (or an open Connection) and an optional time range, ``since``
(inclusive) to ``until`` (exclusive), on the turn's (or the feedback's) ``created_at``. A ``date`` means
midnight UTC; a naive ``datetime`` is read as UTC. Days are UTC days on every database: SQLite stores
UTC wall-clock times, and on PostgreSQL the ``timestamptz`` is converted to UTC before its date is taken,
whatever the server's or the session's time zone.

The functions return small dataclasses; ``as_frame`` turns a list of them into the pandas DataFrame that
a Gradio plot takes. Rates are None when their denominator is zero (no data is not a 0 % rate).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, nullcontext
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from typing import TYPE_CHECKING, Any

import numpy as np
from sqlalchemy import ColumnElement, Connection, Engine, and_, case, exists, func, literal_column, or_, select, union
from sqlalchemy.orm import aliased

from assistant.store.db import store_errors
from assistant.store.tables import NOT_HELPED, EventRow, FeedbackRow, TurnRow
from dialog.events import TAKEN_OVER_BY, ActionExecuted, ConfirmationRequested, HandoffRequested, SlotRequested, UserMessage

if TYPE_CHECKING:
    import pandas as pd

Bind = Engine | Connection
When = date | datetime | None


# -- shared pieces -------------------------------------------------------------------------------------


def as_utc(moment: date | datetime) -> datetime:
    """``moment`` as an aware UTC datetime: a date is its midnight UTC, a naive datetime is taken as UTC."""
    if not isinstance(moment, datetime):
        return datetime.combine(moment, time(0), tzinfo=timezone.utc)
    if moment.tzinfo is None:
        return moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc)


def _in_range(column: Any, since: When, until: When) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = []
    if since is not None:
        where.append(column >= as_utc(since))
    if until is not None:
        where.append(column < as_utc(until))
    return where


def _in_epoch_range(column: Any, since: When, until: When) -> list[ColumnElement[bool]]:
    """``_in_range`` for a column of Unix times (the events' ``timestamp``)."""
    where: list[ColumnElement[bool]] = []
    if since is not None:
        where.append(column >= as_utc(since).timestamp())
    if until is not None:
        where.append(column < as_utc(until).timestamp())
    return where


def utc_day(column: Any, dialect: str) -> ColumnElement[Any]:
    """The UTC calendar day of a ``DateTime(timezone=True)`` column, the same on SQLite and PostgreSQL.

    No bound parameters, so the expression can be repeated in GROUP BY with the same SQL text.
    """
    if dialect == "postgresql":
        return func.date(func.timezone(literal_column("'UTC'"), column))
    return func.date(column)  # SQLite keeps UTC wall-clock text; date() takes its first ten characters


def _as_date(value: date | str) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(value)  # SQLite's date() returns text


@contextmanager
def _connect(bind: Bind) -> Iterator[Connection]:
    """A connection from an Engine (closed afterwards), or the Connection given; StoreUnavailable if the
    database cannot be reached."""
    engine = bind if isinstance(bind, Engine) else bind.engine
    with store_errors(engine.url), (bind.connect() if isinstance(bind, Engine) else nullcontext(bind)) as connection:
        yield connection


def _unindexed(column: Any) -> ColumnElement[Any]:
    """The text ``column`` as an expression (``column || ''``) that no index on it can serve. SQLite, which has
    no statistics, otherwise read a time range's turns through the index that spares it a sort (by intent, by
    conversation) and each turn's row for its time: 2 s for the top intents of 30 days of 400,000 turns."""
    return column.op("||")(literal_column("''"))  # no bound parameter: the same SQL text in SELECT and GROUP BY


def _ratio(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def as_frame(rows: Sequence[Any], columns: Sequence[str] | None = None) -> pd.DataFrame:
    """A list of these dataclasses as a DataFrame (one column per field), e.g. for ``gr.LinePlot``.
    ``columns`` names the columns of an empty list, which has no rows to take them from."""
    import pandas as pd

    return pd.DataFrame([asdict(row) for row in rows], columns=list(columns) if columns is not None else None)


# -- volume ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DayVolume:
    day: date  # a UTC calendar day
    sessions: int  # conversations with at least one turn that day
    turns: int  # turns that day


def volume_per_day(bind: Bind, since: When = None, until: When = None) -> list[DayVolume]:
    """Turns, and the conversations they belong to, per UTC day, oldest day first.

    A conversation that goes on past midnight counts on both days. Days without turns between the first
    and the last day with turns are filled in with zeros, so that a plot shows the gap.
    """
    with _connect(bind) as connection:
        day = utc_day(TurnRow.created_at, connection.dialect.name).label("day")
        # turns per (day, conversation) first, then per day: two hashed groupings instead of a sort of every
        # turn for count(DISTINCT …)
        per_session = (
            select(day, func.count().label("turns"))
            .where(*_in_range(TurnRow.created_at, since, until))
            .group_by(day, TurnRow.session_id)
            .subquery()
        )
        query = (
            select(per_session.c.day, func.count(), func.sum(per_session.c.turns))
            .group_by(per_session.c.day)
            .order_by(per_session.c.day)
        )
        # int: PostgreSQL's sum() is a numeric (Decimal), which a plot takes for categories, not amounts
        counted = {_as_date(d): (sessions, int(turns)) for d, sessions, turns in connection.execute(query)}
    if not counted:
        return []
    first, last = min(counted), max(counted)
    days = (first + timedelta(days=n) for n in range((last - first).days + 1))
    return [DayVolume(d, *counted.get(d, (0, 0))) for d in days]


# -- rates -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Rates:
    """The counts behind the headline rates, and the rates as properties (None when undefined)."""

    sessions: int  # conversations with at least one turn in the range
    handed_off_sessions: int  # … of which a turn or a handoff event in the range handed off to a human
    answer_turns: int  # turns whose action was to answer from the knowledge base
    abstained_turns: int  # … of which the assistant declined to answer (nothing close enough found)
    thumbs_up: int  # turns rated up (each rater's latest rating of a turn)
    thumbs_down: int

    @property
    def containment(self) -> float | None:
        """Conversations that never handed off to a human / conversations (= 1 − handoff rate)."""
        return _ratio(self.sessions - self.handed_off_sessions, self.sessions)

    @property
    def handoff_rate(self) -> float | None:
        """Conversations with at least one handoff / conversations."""
        return _ratio(self.handed_off_sessions, self.sessions)

    @property
    def abstention_rate(self) -> float | None:
        """Abstained answer turns / answer turns (small talk, handoffs and fallbacks are not answers)."""
        return _ratio(self.abstained_turns, self.answer_turns)

    @property
    def thumbs_up_rate(self) -> float | None:
        """Thumbs up / (thumbs up + thumbs down); comments without a rating do not count."""
        return _ratio(self.thumbs_up, self.thumbs_up + self.thumbs_down)


def rates(bind: Bind, since: When = None, until: When = None, feedback_source: str | None = "customer") -> Rates:
    """Containment, handoff, abstention and thumbs-up rates over the turns (and ratings) in the range.

    - containment: conversations with turns in the range and no handoff in it / those conversations;
    - handoff rate: conversations with turns and a handoff in the range / conversations with turns in the
      range. A handoff is a turn that handed off or a handoff event without a turn (the API's handoff,
      a staff takeover), as in the review list's "Handed off";
    - abstention rate: turns with action ``answer`` that abstained / turns with action ``answer``;
    - thumbs-up rate: up / (up + down), from the ``feedback`` table, rated within the range. A rating
      that was changed counts once, as its latest value (per turn and ``source``; one taken back, not at
      all). ``feedback_source``
      picks the raters: ``customer`` (default), ``reviewer``, or None for both.
    """
    answer = TurnRow.action == "answer"
    handed_off = union(
        select(TurnRow.session_id).where(TurnRow.handoff.is_(True), *_in_range(TurnRow.created_at, since, until)),
        select(EventRow.session_id).where(
            EventRow.type == HandoffRequested.type_name, *_in_epoch_range(EventRow.timestamp, since, until)
        ),
    )
    # Only columns of the index ix_turns_analytics, so the database reads the index, not the wide turn rows
    # (their JSON), and tests each handed-off conversation once, not each turn against them all.
    turns_in_range = _in_range(TurnRow.created_at, since, until)
    # count(DISTINCT …) sorts every turn; the DISTINCT of a subquery is hashed (or read in index order)
    sessions_in_range = select(_unindexed(TurnRow.session_id).label("session_id")).where(*turns_in_range).distinct().subquery()
    turn_counts = select(
        select(func.count()).select_from(sessions_in_range).scalar_subquery(),
        func.count(case((answer, 1))),
        func.count(case((and_(answer, TurnRow.abstained.is_(True)), 1))),
    ).where(*turns_in_range)
    handed_off_ids = handed_off.subquery()
    with_turns = select(TurnRow.session_id).where(*turns_in_range)
    handed_off_count = select(func.count()).select_from(handed_off_ids).where(handed_off_ids.c.session_id.in_(with_turns))

    rated = [FeedbackRow.rating.is_not(None), *_in_range(FeedbackRow.created_at, since, until)]  # 0: taken back
    if feedback_source is not None:
        rated.append(FeedbackRow.source == feedback_source)
    latest = (
        select(func.max(FeedbackRow.id))
        .where(*rated)
        .group_by(FeedbackRow.session_id, FeedbackRow.turn_no, FeedbackRow.source)
    )
    thumb_counts = select(
        func.count(case((FeedbackRow.rating == 1, FeedbackRow.id))),
        func.count(case((FeedbackRow.rating == -1, FeedbackRow.id))),
    ).where(FeedbackRow.id.in_(latest))

    with _connect(bind) as connection:
        sessions, answers, abstained = connection.execute(turn_counts).one()
        handed_off = connection.scalar(handed_off_count) or 0
        up, down = connection.execute(thumb_counts).one()
    return Rates(sessions, handed_off, answers, abstained, up, down)


# -- intents ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class IntentCount:
    intent: str
    turns: int


def top_intents(bind: Bind, since: When = None, until: When = None, limit: int = 10) -> list[IntentCount]:
    """The ``limit`` most frequent intents of the turns in the range, most turns first (ties by name)."""
    turns = func.count().label("turns")
    intent = _unindexed(TurnRow.intent).label("intent")
    query = (
        select(intent, turns)
        .where(*_in_range(TurnRow.created_at, since, until))
        .group_by(intent)
        .order_by(turns.desc(), intent)
        .limit(limit)
    )
    with _connect(bind) as connection:
        return [IntentCount(intent, count) for intent, count in connection.execute(query)]


# -- latency ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Latency:
    turns: int  # turns with a recorded latency
    p50_ms: float | None
    p95_ms: float | None


PERCENTILES = (0.5, 0.95)


def latency_percentiles(bind: Bind, since: When = None, until: When = None) -> Latency:
    """The median and 95th percentile of the whole-turn latency (``turns.latency_ms``) in the range.

    Both databases compute the same continuous percentile (PostgreSQL's ``percentile_cont``): with the
    n latencies sorted, the p-th percentile lies at position p·(n−1) (from 0), interpolated linearly
    between its two neighbours. PostgreSQL computes it in one aggregate; elsewhere the two neighbours
    are read with ORDER BY … LIMIT 2 OFFSET ⌊p·(n−1)⌋, so no more than two rows leave the database.
    """
    where = [TurnRow.latency_ms.is_not(None), *_in_range(TurnRow.created_at, since, until)]
    with _connect(bind) as connection:
        if connection.dialect.name == "postgresql":
            aggregates = [func.percentile_cont(p).within_group(TurnRow.latency_ms) for p in PERCENTILES]
            count, p50, p95 = connection.execute(select(func.count(), *aggregates).where(*where)).one()
            return Latency(count, p50, p95)
        count = connection.scalar(select(func.count()).where(*where)) or 0
        if count == 0:
            return Latency(0, None, None)
        values = []
        for p in PERCENTILES:
            position = p * (count - 1)
            below = math.floor(position)
            ordered = select(TurnRow.latency_ms).where(*where).order_by(TurnRow.latency_ms).limit(2).offset(below)
            neighbours = list(connection.scalars(ordered))
            upper = neighbours[1] if len(neighbours) > 1 else neighbours[0]
            values.append(neighbours[0] + (upper - neighbours[0]) * (position - below))
    return Latency(count, *values)


# -- staff ----------------------------------------------------------------------------------------------



@dataclass(frozen=True)
class StaffReplies:
    """How staff answered the handoffs made in a range (a takeover, staff replying unasked, is not counted)."""

    handoffs: int  # handoffs asked for (by the customer, the rules, the API) in the range
    answered: int  # … of which a member of staff wrote to the customer before the conversation was handed back
    median_first_reply_s: float | None  # the median seconds from such a handoff to its first staff reply

    @property
    def answered_rate(self) -> float | None:
        """Handoffs answered by staff / handoffs."""
        return _ratio(self.answered, self.handoffs)


def staff_replies(bind: Bind, since: When = None, until: When = None) -> StaffReplies:
    """The handoffs in the range (on the handoff event's time), how many of them staff answered, and the median
    time to the first staff reply of those answered. A handoff is answered by the first staff reply after it
    that comes before the conversation is handed back (or handed off again). Read from the events of the
    conversations with a handoff in the range, through the index on (type, session)."""
    handoff, reply, back = HandoffRequested.type_name, "agent", "handoff_resolved"
    with_handoff = select(EventRow.session_id).where(EventRow.type == handoff, *_in_epoch_range(EventRow.timestamp, since, until))
    query = (
        select(EventRow.session_id, EventRow.seq, EventRow.type, EventRow.timestamp, EventRow.data)
        .where(EventRow.type.in_((handoff, reply, back)), EventRow.session_id.in_(with_handoff))
        .order_by(EventRow.session_id, EventRow.seq)
    )
    start, end = (as_utc(since).timestamp() if since else None), (as_utc(until).timestamp() if until else None)
    waits: list[float] = []
    handoffs = 0
    open_at: dict[str, float | None] = {}  # per conversation: when its open handoff (one in the range) was made
    with _connect(bind) as connection:
        for session_id, _seq, kind, timestamp, data in connection.execute(query):
            if kind == handoff:
                asked = not str((data or {}).get("reason", "")).startswith(TAKEN_OVER_BY)
                counted = asked and (start is None or timestamp >= start) and (end is None or timestamp < end)
                handoffs += counted
                open_at[session_id] = timestamp if counted else None
            elif kind == reply and open_at.get(session_id) is not None:
                waits.append(max(0.0, timestamp - open_at[session_id]))  # type: ignore[operator]
                open_at[session_id] = None
            elif kind == back:
                open_at[session_id] = None
    return StaffReplies(handoffs, len(waits), float(np.median(waits)) if waits else None)


# -- business actions ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ActionRuns:
    name: str  # the business action ("order_status")
    runs: int  # how often it ran in the range
    failed: int  # how many of those found nothing or failed (a wrong e-mail, an unknown order number)


def action_runs(bind: Bind, since: When = None, until: When = None) -> list[ActionRuns]:
    """How often each business action ran in the range and how often it failed, most failures first. A failed
    lookup is neither declined nor scored, so the other figures do not show it; ``LogFilter(failed_action=True)``
    (``assistant logs export --failed-action``) finds the conversations."""
    failed = EventRow.data["ok"].as_boolean().is_(False)
    name = EventRow.data["name"].as_string()
    query = (
        select(name, func.count(), func.sum(case((failed, 1), else_=0)))
        .where(EventRow.type == ActionExecuted.type_name, *_in_epoch_range(EventRow.timestamp, since, until))
        .group_by(name)
    )
    with _connect(bind) as connection:
        counts = [ActionRuns(str(action), int(runs), int(fails or 0)) for action, runs, fails in connection.execute(query)]
    return sorted(counts, key=lambda c: (-c.failed, c.name))


@dataclass(frozen=True)
class TurnWithoutModel:
    """A turn that no model answered, with what tells what produced it instead."""

    turn_no: int
    action: str  # the turn's action ("decline", "business", "handoff", "small_talk", …)
    intent: str
    abstained: bool
    handoff: bool
    business_action: str | None  # the business action it asked a value for, asked to confirm or ran ("order_status")


BUSINESS_EVENTS = {ActionExecuted.type_name: "name", SlotRequested.type_name: "action", ConfirmationRequested.type_name: "action"}


def turns_without_model(bind: Bind, session_ids: Sequence[str]) -> dict[str, list[TurnWithoutModel]]:
    """The turns of these conversations that name no model, in order, each with the business action it worked on
    (the last one named by its events; turns are numbered by the customer messages so far). The review pages show
    what produced such a turn where its model would be (a decline, a lookup, a handoff use none)."""
    if not session_ids:
        return {}
    ids = list(dict.fromkeys(session_ids))
    turns = (
        select(TurnRow.session_id, TurnRow.turn_no, TurnRow.action, TurnRow.intent, TurnRow.abstained, TurnRow.handoff)
        .where(TurnRow.session_id.in_(ids), or_(TurnRow.model.is_(None), TurnRow.model == ""))
        .order_by(TurnRow.session_id, TurnRow.id)
    )
    events = (
        select(EventRow.session_id, EventRow.type, case((EventRow.type.in_(list(BUSINESS_EVENTS)), EventRow.data)))
        .where(EventRow.type.in_([UserMessage.type_name, *BUSINESS_EVENTS]), EventRow.session_id.in_(ids))
        .order_by(EventRow.session_id, EventRow.seq)
    )
    named: dict[tuple[str, int], str] = {}
    messages: dict[str, int] = {}
    with _connect(bind) as connection:
        for session_id, kind, data in connection.execute(events):
            if kind == UserMessage.type_name:
                messages[session_id] = messages.get(session_id, 0) + 1
            elif (data or {}).get(BUSINESS_EVENTS[kind]):
                named[(session_id, messages.get(session_id, 0))] = str(data[BUSINESS_EVENTS[kind]])
        rows = connection.execute(turns).all()
    found: dict[str, list[TurnWithoutModel]] = {}
    for session_id, turn_no, action, intent, abstained, handoff in rows:
        turn = TurnWithoutModel(turn_no or 0, action, intent, bool(abstained), bool(handoff), named.get((session_id, turn_no or 0)))
        found.setdefault(session_id, []).append(turn)
    return found


# -- unanswered questions --------------------------------------------------------------------------------


@dataclass(frozen=True)
class AskedQuestion:
    """A customer's message and when it was sent (UTC)."""

    text: str
    at: datetime


def unanswered_questions(bind: Bind, since: When = None, until: When = None, limit: int = 1000) -> list[str]:
    """The customer's text of the turns in the range where the assistant abstained, newest first
    (``declined_questions`` without their times)."""
    return [question.text for question in declined_questions(bind, since, until, limit)]


def declined_questions(bind: Bind, since: When = None, until: When = None, limit: int = 1000) -> list[AskedQuestion]:
    """The customer's messages in the range where the assistant abstained, with their times, newest first. A
    customer's "that didn't help" (intent ``not_helped``) after a turn is kept out: it is stored as abstained (no
    answer given), but it asks nothing; ``unhelpful_answers`` lists those. One that opens the conversation follows
    no answer, so it is kept here, as a message the assistant did not answer."""
    query = (
        select(TurnRow.user_text, TurnRow.created_at)
        .where(
            TurnRow.abstained.is_(True),
            or_(TurnRow.intent.is_(None), TurnRow.intent != NOT_HELPED, ~_turn_before_exists()),
            *_in_range(TurnRow.created_at, since, until),
        )
        .order_by(TurnRow.created_at.desc(), TurnRow.id.desc())
        .limit(limit)
    )
    with _connect(bind) as connection:
        return [AskedQuestion(text, as_utc(at)) for text, at in connection.execute(query)]


def answered_questions(bind: Bind, after: When = None, limit: int = 1000) -> list[AskedQuestion]:
    """The customer's messages from ``after`` on (to now: whether a gap was fixed since) that the assistant answered
    from the knowledge base, newest first. An answer the customer said next did not help (intent ``not_helped``)
    is not one."""
    following = aliased(TurnRow)
    not_helped = exists().where(
        following.session_id == TurnRow.session_id, following.turn_no == TurnRow.turn_no + 1, following.intent == NOT_HELPED
    )
    query = (
        select(TurnRow.user_text, TurnRow.created_at)
        .where(TurnRow.action == "answer", TurnRow.abstained.is_(False), ~not_helped, *_in_range(TurnRow.created_at, after, None))
        .order_by(TurnRow.created_at.desc(), TurnRow.id.desc())
        .limit(limit)
    )
    with _connect(bind) as connection:
        return [AskedQuestion(text, as_utc(at)) for text, at in connection.execute(query)]


@dataclass(frozen=True)
class UnhelpfulAnswer:
    question: str  # the customer's message the assistant answered
    said: str  # what the customer said of the answer next ("thanks, that's all wrong")


def unhelpful_answers(bind: Bind, since: When = None, until: When = None, limit: int = 1000) -> list[UnhelpfulAnswer]:
    """The turns in the range where the customer said the answer before did not help (intent ``not_helped``), with
    the question of the turn before in the conversation, newest first. One that opens a conversation follows no
    answer: ``unanswered_questions`` lists it."""
    before = aliased(TurnRow)
    query = (
        select(before.user_text, TurnRow.user_text)
        .select_from(TurnRow)
        .join(before, and_(before.session_id == TurnRow.session_id, before.turn_no == TurnRow.turn_no - 1))
        .where(TurnRow.intent == NOT_HELPED, *_in_range(TurnRow.created_at, since, until))
        .order_by(TurnRow.created_at.desc(), TurnRow.id.desc())
        .limit(limit)
    )
    with _connect(bind) as connection:
        return [UnhelpfulAnswer(question, said) for question, said in connection.execute(query)]


def _turn_before_exists() -> ColumnElement[bool]:
    """Whether the conversation of the turn has a turn before it."""
    before = aliased(TurnRow)
    return exists().where(before.session_id == TurnRow.session_id, before.turn_no == TurnRow.turn_no - 1)


@dataclass(frozen=True)
class QuestionGroup:
    representative: str  # the group's first question (in the order given), which the others resemble
    count: int
    members: list[str] = field(default_factory=list)  # every question of the group, the representative first


def group_by_similarity(
    texts: Sequence[str], embed: Callable[[list[str]], np.ndarray], threshold: float = 0.8
) -> list[QuestionGroup]:
    """Greedy clustering of questions by the cosine similarity of their embeddings, largest group first.

    Each question, in the order given, joins the existing group whose representative it is most similar
    to, if that cosine is at least ``threshold``; otherwise it starts a group and represents it. ``embed``
    maps texts to one vector each (any embedder's ``embed``); the vectors are normalised here. Groups of
    the same size keep the order in which they started.
    """
    texts = list(texts)
    if not texts:
        return []
    vectors = _unit(np.asarray(embed(texts), dtype=np.float64))  # (n, dim)
    representatives = np.empty((0, vectors.shape[1]))  # (groups, dim)
    members: list[list[str]] = []
    for text, vector in zip(texts, vectors):
        if len(members):
            similarity = representatives @ vector  # (groups,)
            best = int(np.argmax(similarity))
            if similarity[best] >= threshold:
                members[best].append(text)
                continue
        representatives = np.vstack([representatives, vector])
        members.append([text])
    groups = [QuestionGroup(group[0], len(group), group) for group in members]
    return sorted(groups, key=lambda g: -g.count)  # stable: equal sizes keep their order


def latest_similar(
    questions: Sequence[AskedQuestion],
    representatives: Sequence[str],
    embed: Callable[[list[str]], np.ndarray],
    threshold: float = 0.8,
) -> list[datetime | None]:
    """For each of ``representatives`` (of ``group_by_similarity``'s groups), the latest time among ``questions`` that
    would join its group by the same rule: the representative a question is most similar to, at a cosine of at least
    ``threshold``. None where no question does."""
    latest: list[datetime | None] = [None] * len(representatives)
    if not questions or not representatives:
        return latest
    texts = list(dict.fromkeys(question.text for question in questions))  # each text embedded once
    vectors = _unit(np.asarray(embed([*representatives, *texts]), dtype=np.float64))  # (groups + texts, dim)
    similarity = vectors[len(representatives):] @ vectors[: len(representatives)].T  # (texts, groups)
    best = similarity.argmax(axis=1)
    joins = {text: int(group) for text, group, row in zip(texts, best, similarity) if row[group] >= threshold}
    for question in questions:
        group = joins.get(question.text)
        if group is not None and (latest[group] is None or question.at > latest[group]):
            latest[group] = question.at
    return latest


def _unit(vectors: np.ndarray) -> np.ndarray:
    """Each row scaled to length 1; a zero row stays zero and matches nothing."""
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.where(norms == 0, 1.0, norms)
