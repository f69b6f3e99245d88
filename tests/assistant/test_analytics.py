"""The analytics metrics on SQLite and PostgreSQL, against values worked out by hand from a small log.

The log (all times UTC; latency in ms; "—" = no latency recorded):

    session  time              intent    action      abstained  handoff  latency  text
    A        05-01 10:00       question  answer                            100
    A        05-01 23:30       question  answer      yes                   300    Where is my parcel?
    A        05-02 00:30       greet     small_talk                        400
    B        05-01 12:00       human     handoff                yes        200
    C        05-02 09:00       question  answer      yes                   500    where's my parcel??
    C        05-02 09:05       question  answer                            —
    D        05-04 08:00       refund    answer                            1000

Ratings: A#1 up (customer, 05-01); C#2 down then up (customer, 05-02: its latest is up); D#1 down
(customer, 05-04); D#1 a comment without a rating (05-04); B#1 up (reviewer, 05-01).
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone

import numpy as np
import pytest
from sqlalchemy import func, select, text, update

from assistant.store import SqlStore, make_engine
from assistant.store.analytics import (
    DayVolume,
    IntentCount,
    Latency,
    QuestionGroup,
    as_frame,
    group_by_similarity,
    latency_percentiles,
    rates,
    top_intents,
    UnhelpfulAnswer,
    unanswered_questions,
    unhelpful_answers,
    volume_per_day,
)
from assistant.store.tables import FeedbackRow, TurnRow
from dialog.events import BotAnswer, FeedbackGiven, HandoffRequested, UserMessage
from dialog.store import TurnRecord
from postgres_schemas import sqlite_or_postgres
from query_plans import query_plans

database_url = sqlite_or_postgres("test_analytics")


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2024, 5, day, hour, minute, tzinfo=timezone.utc)


@pytest.fixture
def store(database_url: str):
    store = SqlStore(make_engine(database_url))
    yield store
    store.engine.dispose()


def turn(
    store: SqlStore,
    session_id: str,
    when: datetime,
    *,
    text_: str = "a question",
    intent: str = "question",
    action: str = "answer",
    abstained: bool = False,
    handoff: bool = False,
    latency: float | None = None,
) -> None:
    with store.engine.connect() as db:
        turn_no = db.scalar(select(func.count()).where(TurnRow.session_id == session_id)) + 1
    record = TurnRecord(
        session_id=session_id, user_text=text_, intent=intent, intent_confidence=0.9, action=action, reason="test",
        answer="an answer", abstained=abstained, handoff=handoff, turn_no=turn_no,
        timings_ms={"total_ms": latency} if latency is not None else {},
    )
    store.append(session_id, [UserMessage(text=text_), BotAnswer(text="an answer")], record)
    with store.engine.begin() as db:
        db.execute(update(TurnRow).where(TurnRow.session_id == session_id, TurnRow.turn_no == turn_no).values(created_at=when))


def rate(store: SqlStore, session_id: str, turn_no: int, rating: int | None, when: datetime, source: str = "customer") -> None:
    store.append(session_id, [FeedbackGiven(turn_no=turn_no, rating=rating, source=source, comment=None if rating else "hm")])
    with store.engine.begin() as db:
        newest = db.scalar(select(func.max(FeedbackRow.id)))
        db.execute(update(FeedbackRow).where(FeedbackRow.id == newest).values(created_at=when))


@pytest.fixture
def log(store: SqlStore) -> SqlStore:
    a, b, c, d = (store.create_session() for _ in range(4))
    turn(store, a, at(1, 10), latency=100)
    turn(store, a, at(1, 23, 30), text_="Where is my parcel?", abstained=True, latency=300)
    turn(store, a, at(2, 0, 30), intent="greet", action="small_talk", latency=400)
    turn(store, b, at(1, 12), intent="human", action="handoff", handoff=True, latency=200)
    turn(store, c, at(2, 9), text_="where's my parcel??", abstained=True, latency=500)
    turn(store, c, at(2, 9, 5))
    turn(store, d, at(4, 8), intent="refund", latency=1000)
    rate(store, a, 1, 1, at(1, 11))
    rate(store, c, 2, -1, at(2, 10))
    rate(store, c, 2, 1, at(2, 11))
    rate(store, d, 1, -1, at(4, 9))
    rate(store, d, 1, None, at(4, 10))
    rate(store, b, 1, 1, at(1, 13), source="reviewer")
    return store


# -- volume -------------------------------------------------------------------------------------------------


def test_volume_per_day_counts_turns_and_their_sessions_per_utc_day_with_gaps_filled(log: SqlStore) -> None:
    assert volume_per_day(log.engine) == [
        DayVolume(date(2024, 5, 1), sessions=2, turns=3),  # A twice, B
        DayVolume(date(2024, 5, 2), sessions=2, turns=3),  # A (after midnight), C twice
        DayVolume(date(2024, 5, 3), sessions=0, turns=0),
        DayVolume(date(2024, 5, 4), sessions=1, turns=1),
    ]
    # whole numbers, which a plot draws as amounts (a Decimal column was drawn as categories)
    assert {type(n) for v in volume_per_day(log.engine) for n in (v.sessions, v.turns)} == {int}


def test_volume_per_day_within_a_range(log: SqlStore) -> None:
    assert volume_per_day(log.engine, since=date(2024, 5, 2), until=date(2024, 5, 4)) == [DayVolume(date(2024, 5, 2), 2, 3)]
    # the same instant written in another time zone (00:00 UTC), and a naive datetime read as UTC
    two_am_in_paris = datetime(2024, 5, 2, 2, 0, tzinfo=timezone(timedelta(hours=2)))
    assert volume_per_day(log.engine, since=two_am_in_paris, until=datetime(2024, 5, 2, 9, 0)) == [DayVolume(date(2024, 5, 2), 1, 1)]
    assert volume_per_day(log.engine, since=date(2024, 6, 1)) == []


def test_days_are_utc_days_whatever_the_connection_time_zone(log: SqlStore) -> None:
    with log.engine.connect() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(text("SET TIME ZONE 'Pacific/Auckland'"))  # UTC+12: 23:30 UTC is the next day there
        days = volume_per_day(connection)
    assert [(v.day, v.turns) for v in days][:2] == [(date(2024, 5, 1), 3), (date(2024, 5, 2), 3)]


def test_as_frame_gives_a_plot_its_data_frame(log: SqlStore) -> None:
    frame = as_frame(volume_per_day(log.engine))

    assert list(frame.columns) == ["day", "sessions", "turns"]
    assert frame["turns"].tolist() == [3, 3, 0, 1]
    assert list(as_frame([], columns=["day", "sessions", "turns"]).columns) == ["day", "sessions", "turns"]


# -- rates --------------------------------------------------------------------------------------------------


def test_rates_over_everything(log: SqlStore) -> None:
    result = rates(log.engine)

    assert (result.sessions, result.handed_off_sessions) == (4, 1)
    assert result.containment == 3 / 4 and result.handoff_rate == 1 / 4
    assert (result.answer_turns, result.abstained_turns) == (5, 2)  # small talk and the handoff are no answers
    assert result.abstention_rate == 2 / 5
    # customers: A#1 up, C#2 up (changed from down), D#1 down; the comment and the reviewer's rating do not count
    assert (result.thumbs_up, result.thumbs_down) == (2, 1)
    assert result.thumbs_up_rate == 2 / 3


def test_rates_by_feedback_source(log: SqlStore) -> None:
    assert rates(log.engine, feedback_source=None).thumbs_up_rate == 3 / 4
    reviewers = rates(log.engine, feedback_source="reviewer")
    assert (reviewers.thumbs_up, reviewers.thumbs_down, reviewers.thumbs_up_rate) == (1, 0, 1.0)


def test_rates_within_a_range(log: SqlStore) -> None:
    result = rates(log.engine, since=date(2024, 5, 2), until=date(2024, 5, 3))

    assert (result.sessions, result.handed_off_sessions, result.containment, result.handoff_rate) == (2, 0, 1.0, 0.0)
    assert (result.answer_turns, result.abstained_turns, result.abstention_rate) == (2, 1, 0.5)
    assert (result.thumbs_up, result.thumbs_down) == (1, 0)


def test_a_handoff_without_a_turn_counts_in_the_handoff_rate(log: SqlStore) -> None:
    # D asked for a person through the API's handoff (an event, no turn) on 05-04; the review list says
    # "handed off" for it, so the rates do too, within a range that holds the handoff
    log.append(log.turns(limit=1)[0].session_id, [HandoffRequested(reason="requested through the API", timestamp=at(4, 8, 5).timestamp())])

    assert (rates(log.engine).sessions, rates(log.engine).handed_off_sessions) == (4, 2)
    assert rates(log.engine).containment == 2 / 4
    assert rates(log.engine, since=date(2024, 5, 4)).handed_off_sessions == 1
    assert rates(log.engine, until=date(2024, 5, 4)).handed_off_sessions == 1  # only B's, the handoff turn


def test_rates_without_data_are_undefined_not_zero(store: SqlStore) -> None:
    result = rates(store.engine)

    assert (result.sessions, result.answer_turns, result.thumbs_up, result.thumbs_down) == (0, 0, 0, 0)
    assert result.containment is result.handoff_rate is result.abstention_rate is result.thumbs_up_rate is None


def test_a_thumb_taken_back_is_not_counted(store: SqlStore) -> None:
    session_id = store.create_session()
    turn(store, session_id, at(1, 10))
    turn(store, session_id, at(1, 11))
    rate(store, session_id, 1, 1, at(1, 12))
    rate(store, session_id, 1, 0, at(1, 13))
    rate(store, session_id, 2, -1, at(1, 14))

    result = rates(store.engine)

    assert (result.thumbs_up, result.thumbs_down) == (0, 1)


# -- intents and latency --------------------------------------------------------------------------------------


def test_top_intents(log: SqlStore) -> None:
    assert top_intents(log.engine) == [
        IntentCount("question", 4), IntentCount("greet", 1), IntentCount("human", 1), IntentCount("refund", 1)
    ]
    assert top_intents(log.engine, limit=2) == [IntentCount("question", 4), IntentCount("greet", 1)]  # ties by name
    assert top_intents(log.engine, since=date(2024, 5, 4)) == [IntentCount("refund", 1)]


def test_latency_percentiles_interpolate_like_percentile_cont(log: SqlStore) -> None:
    # sorted: 100 200 300 400 500 1000 (n = 6; the turn without a latency is left out)
    # p50 at 0.5 * 5 = 2.5: 300 + 0.5 * (400 - 300) = 350; p95 at 0.95 * 5 = 4.75: 500 + 0.75 * (1000 - 500) = 875
    result = latency_percentiles(log.engine)

    assert result.turns == 6
    assert result.p50_ms == pytest.approx(350.0) and result.p95_ms == pytest.approx(875.0)


def test_latency_percentiles_of_few_or_no_turns(log: SqlStore) -> None:
    two = latency_percentiles(log.engine, since=date(2024, 5, 2), until=date(2024, 5, 3))  # 400, 500
    assert (two.turns, two.p50_ms, two.p95_ms) == (2, pytest.approx(450.0), pytest.approx(495.0))
    assert latency_percentiles(log.engine, since=date(2024, 5, 4)) == Latency(1, 1000.0, 1000.0)
    assert latency_percentiles(log.engine, since=date(2025, 1, 1)) == Latency(0, None, None)


# -- unanswered questions ---------------------------------------------------------------------------------------


def test_unanswered_questions_are_the_abstained_turns_newest_first(log: SqlStore) -> None:
    assert unanswered_questions(log.engine) == ["where's my parcel??", "Where is my parcel?"]
    assert unanswered_questions(log.engine, until=date(2024, 5, 2)) == ["Where is my parcel?"]
    assert unanswered_questions(log.engine, limit=1) == ["where's my parcel??"]


VECTORS = {
    "where is my parcel": [1.0, 0.0, 0.0],
    "where's my parcel?": [0.9, 0.1, 0.0],  # cosine 0.994 with the first
    "cancel my order": [0.0, 1.0, 0.0],
    "parcel not arrived": [2.0, 0.4, 0.0],  # not unit length: cosine 0.981 with the first
    "stop my order": [0.0, 0.8, 0.2],  # cosine 0.970 with "cancel my order"
    "opening hours": [0.0, 0.0, 1.0],
    "": [0.0, 0.0, 0.0],  # a zero vector resembles nothing
}


def fake_embed(calls: list[list[str]]):  # type: ignore[no-untyped-def]
    def embed(texts: list[str]) -> np.ndarray:
        calls.append(list(texts))
        return np.array([VECTORS[t] for t in texts])

    return embed


def test_group_by_similarity_largest_group_first() -> None:
    calls: list[list[str]] = []
    texts = list(VECTORS)

    groups = group_by_similarity(texts, fake_embed(calls), threshold=0.9)

    assert calls == [texts]  # one batch
    assert groups == [
        QuestionGroup("where is my parcel", 3, ["where is my parcel", "where's my parcel?", "parcel not arrived"]),
        QuestionGroup("cancel my order", 2, ["cancel my order", "stop my order"]),
        QuestionGroup("opening hours", 1, ["opening hours"]),
        QuestionGroup("", 1, [""]),
    ]


def test_group_by_similarity_joins_the_closest_group_and_respects_the_threshold() -> None:
    embed = fake_embed([])
    # "parcel not arrived" passes the threshold for both groups (0.196 and 0.981) and joins the closer one
    closest = group_by_similarity(["cancel my order", "where is my parcel", "parcel not arrived"], embed, threshold=0.1)
    assert [g.members for g in closest] == [["where is my parcel", "parcel not arrived"], ["cancel my order"]]
    # "stop my order" is 0.243 from "opening hours": in its group at 0.2, alone at 0.3
    assert [g.count for g in group_by_similarity(["opening hours", "stop my order"], embed, threshold=0.2)] == [2]
    assert [g.count for g in group_by_similarity(["opening hours", "stop my order"], embed, threshold=0.3)] == [1, 1]
    strict = group_by_similarity(["where is my parcel", "where's my parcel?"], embed, threshold=0.999)
    assert [g.count for g in strict] == [1, 1]
    assert group_by_similarity([], embed) == []


def test_unanswered_questions_grouped(log: SqlStore) -> None:
    def embed(texts: list[str]) -> np.ndarray:  # every parcel question points the same way
        return np.array([[1.0, 0.0] if "parcel" in t.lower() else [0.0, 1.0] for t in texts])

    groups = group_by_similarity(unanswered_questions(log.engine), embed)

    assert groups == [QuestionGroup("where's my parcel??", 2, ["where's my parcel??", "Where is my parcel?"])]


# -- reading the index, not the turn rows -----------------------------------------------------------------


def turn_reads(store: SqlStore, metric, until: datetime | None) -> list[str]:  # type: ignore[no-untyped-def]
    """The plan steps that read ``turns`` while ``metric`` runs from the log's first day to ``until``."""
    steps = query_plans(store.engine, lambda: metric(store.engine, at(1, 0), until))
    return [step for step in steps if re.search(r"(Scan\b.* on turns|^(SCAN|SEARCH) turns)\b", step)]


@pytest.mark.parametrize("until", [at(5, 0), None], ids=["range", "since"])
@pytest.mark.parametrize("metric", [rates, volume_per_day, latency_percentiles, top_intents], ids=lambda m: m.__name__)
def test_the_analytics_read_the_turns_from_an_index_not_their_rows(log: SqlStore, metric, until) -> None:  # type: ignore[no-untyped-def]
    # a turn row is wide (retrieved passages, sources, timings as JSON): scanning them took seconds at 400,000
    # turns, and so did SQLite's choice of the intent or conversation index for a range with no end
    reads = turn_reads(log, metric, until)
    assert reads
    covered = "Index Only Scan" if log.engine.dialect.name == "postgresql" else "COVERING INDEX"
    one_conversation = re.compile(r"ix_turns_session_id \(session_id=\?\)|Index Scan using ix_turns_session_id")  # a few, by id
    assert all(covered in line or one_conversation.search(line) for line in reads), reads


def test_a_complaint_that_opens_a_conversation_is_an_unanswered_message_not_an_unhelpful_answer(store: SqlStore) -> None:
    answered, opened = store.create_session(), store.create_session()
    turn(store, answered, at(3, 10), text_="How do refunds work?")
    turn(store, answered, at(3, 11), text_="that didn't help", intent="not_helped", abstained=True)
    turn(store, opened, at(3, 12), text_="thanks, that's all wrong", intent="not_helped", abstained=True)

    # nothing was answered before the opening complaint: it has no answer to list, and the assistant answered it not
    assert unhelpful_answers(store.engine) == [UnhelpfulAnswer("How do refunds work?", "that didn't help")]
    assert unanswered_questions(store.engine) == ["thanks, that's all wrong"]
