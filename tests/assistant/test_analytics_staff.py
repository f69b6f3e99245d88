"""The analytics' staff figures (handoffs answered by staff, the median time to the first staff reply) from the
events a real database stores, on SQLite and PostgreSQL.

    session  events (UTC, 2024-05-…)
    A        handoff 01 10:00 · staff reply 01 10:04 · staff reply 01 10:30 · handed back 01 11:00
    B        handoff 01 12:00 · (nobody replied) · handed back 01 13:00 · staff reply 01 13:05 (after the hand-back)
    C        handoff 02 09:00 · staff reply 02 09:10
    D        staff took it over 02 10:00 (reply at once): not a handoff asked for
    E        handoff 04 08:00 · staff reply 04 08:02 · handed back · handoff 04 09:00 (not answered)
"""

from __future__ import annotations

from datetime import date, datetime, timezone

import pytest

from assistant.store import SqlStore, make_engine
from assistant.store.analytics import staff_replies
from dialog.events import AgentMessage, HandoffRequested, HandoffResolved, UserMessage
from postgres_schemas import sqlite_or_postgres

database_url = sqlite_or_postgres("test_analytics_staff")


def at(day: int, hour: int, minute: int = 0) -> float:
    return datetime(2024, 5, day, hour, minute, tzinfo=timezone.utc).timestamp()


@pytest.fixture
def store(database_url: str):
    store = SqlStore(make_engine(database_url))
    yield store
    store.engine.dispose()


@pytest.fixture
def log(store: SqlStore) -> SqlStore:
    a, b, c, d, e = (store.create_session() for _ in range(5))
    store.append(a, [UserMessage(text="a person please", timestamp=at(1, 9, 59)), HandoffRequested(reason="asked", timestamp=at(1, 10))])
    store.append(a, [AgentMessage(text="Hello", author="Ana", timestamp=at(1, 10, 4))])
    store.append(a, [AgentMessage(text="Done", author="Ana", timestamp=at(1, 10, 30)), HandoffResolved(author="ana", timestamp=at(1, 11))])
    store.append(b, [HandoffRequested(reason="upset", timestamp=at(1, 12)), HandoffResolved(author="cy", timestamp=at(1, 13))])
    store.append(b, [AgentMessage(text="Sorry, we were away", author="Cy", timestamp=at(1, 13, 5))])
    store.append(c, [HandoffRequested(reason="complaint", timestamp=at(2, 9)), AgentMessage(text="Hi", author="Bo", timestamp=at(2, 9, 10))])
    store.append(d, [HandoffRequested(reason="taken over by bo", timestamp=at(2, 10)), AgentMessage(text="Hi", author="Bo", timestamp=at(2, 10))])
    store.append(e, [HandoffRequested(reason="asked", timestamp=at(4, 8)), AgentMessage(text="Hi", author="Ana", timestamp=at(4, 8, 2))])
    store.append(e, [HandoffResolved(author="ana", timestamp=at(4, 8, 30)), HandoffRequested(reason="asked", timestamp=at(4, 9))])
    return store


def test_handoffs_answered_by_staff_and_the_median_time_to_their_first_reply(log: SqlStore) -> None:
    figures = staff_replies(log.engine)
    # five handoffs asked for (D's takeover is not one); A, C and E's first answered, in 4, 10 and 2 minutes
    assert (figures.handoffs, figures.answered) == (5, 3)
    assert figures.median_first_reply_s == 4 * 60
    assert figures.answered_rate == 3 / 5


def test_within_a_range_on_the_handoffs_time(log: SqlStore) -> None:
    first_day = staff_replies(log.engine, since=date(2024, 5, 1), until=date(2024, 5, 2))
    assert (first_day.handoffs, first_day.answered, first_day.median_first_reply_s) == (2, 1, 4 * 60)
    later = staff_replies(log.engine, since=date(2024, 5, 2))
    assert (later.handoffs, later.answered, later.median_first_reply_s) == (3, 2, (10 * 60 + 2 * 60) / 2)


def test_no_handoffs_have_no_median_and_no_rate(store: SqlStore) -> None:
    figures = staff_replies(store.engine)
    assert (figures.handoffs, figures.answered, figures.median_first_reply_s, figures.answered_rate) == (0, 0, None, None)


def test_the_analytics_tab_shows_them_among_the_rates(log: SqlStore) -> None:
    from ui.analytics import build_analytics

    rates = build_analytics(log.engine, None, None)["rates"]
    shown = dict(zip(rates["Metric"], rates["Value"]))
    assert shown["Handoffs answered by staff"] == "3 of 5 (60.0%)"
    assert shown["Median time to the first staff reply"] == "4 min"
    later = dict(zip(*build_analytics(log.engine, datetime(2024, 5, 2, tzinfo=timezone.utc), None)["rates"].T.values))
    assert later["Median time to the first staff reply"] == "6 min"
