"""The review store on SQLite and PostgreSQL: session summaries, feedback and labels, filtered keyset
pages, full-text search through bound parameters, transcripts, and conversations turned into tests."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from assistant.store import SqlStore, make_engine
from assistant.store.review import (
    MAX_SEARCH_WORDS,
    LogFilter,
    as_conversation_test,
    as_training_examples,
    day_after,
    filter_choices,
    list_sessions,
    read_transcript,
    utc_day,
)
from assistant.store.staff import StaffUsers, hash_password, verify_password
from assistant.store.tables import FeedbackRow, SessionRow, StaffUserRow, TurnRow, utcnow
from dialog.conversation_tests import parse
from dialog.events import ActionExecuted, BotAnswer, FeedbackGiven, UserMessage
from dialog.store import TurnRecord, UnknownSession
from postgres_schemas import sqlite_or_postgres
from query_plans import query_plans

database_url = sqlite_or_postgres("test_review_store")


@pytest.fixture
def store(database_url: str):
    store = SqlStore(make_engine(database_url))
    yield store
    store.engine.dispose()


def turn(store: SqlStore, session_id: str, question: str, answer: str = "An answer.", **facts) -> TurnRecord:
    """Store one turn (its two events and its record); ``facts`` override the record's fields."""
    number = facts.pop("turn_no", None) or 1 + sum(1 for e in store.load_events(session_id) if e.type_name == "user")
    values = dict(
        session_id=session_id, user_text=question, intent="question", intent_confidence=0.8, action="answer",
        reason="kb", answer=answer, turn_no=number, model="extractive",
        retrieved=[{"chunk_id": 7, "doc_id": "returns/policy", "score": 0.7}],
        sources=[{"n": 1, "doc_id": "returns/policy", "title": "Returns", "heading": "Window", "score": 0.7, "cited": True}],
        timings_ms={"total_ms": 12.5},
    )
    values.update(facts)
    record = TurnRecord(**values)
    store.append(session_id, [UserMessage(text=question), BotAnswer(text=answer)], record)
    return record


def age(store: SqlStore, session_id: str, days: float) -> None:
    with store.engine.begin() as db:
        db.execute(update(SessionRow).where(SessionRow.id == session_id).values(updated_at=utcnow() - timedelta(days=days)))


def ids(store: SqlStore, log_filter: LogFilter, page_size: int = 50) -> list[str]:
    return [s.id for s in list_sessions(store.engine, log_filter, page_size).sessions]


def test_turns_keep_the_session_summary_and_their_facts(store: SqlStore) -> None:
    sid = store.create_session()
    turn(store, sid, "Where is my parcel?", retrieved=[{"chunk_id": 1, "doc_id": "a", "score": 0.62}], index_version="v1")
    turn(store, sid, "I want a human", action="handoff", handoff=True, retrieved=[], model=None, timings_ms={"total_ms": 3.0})
    turn(store, sid, "Do you sell boats?", abstained=True, retrieved=[{"chunk_id": 2, "doc_id": "b", "score": 0.21}])

    with Session(store.engine) as db:
        session = db.get(SessionRow, sid)
        rows = db.execute(select(TurnRow.turn_no, TurnRow.top_score, TurnRow.latency_ms, TurnRow.index_version).order_by(TurnRow.id)).all()
    assert (session.title, session.turn_count, session.any_handoff, session.any_abstained) == ("Where is my parcel?", 3, True, True)
    assert session.min_top_score == pytest.approx(0.21) and session.last_model == "extractive"
    assert rows == [(1, 0.62, 12.5, "v1"), (2, None, 3.0, None), (3, 0.21, 12.5, None)]


def test_feedback_events_become_feedback_rows_and_counts(store: SqlStore) -> None:
    sid = store.create_session()
    turn(store, sid, "How do refunds work?")
    store.append(sid, [FeedbackGiven(turn_no=1, rating=-1, comment="wrong article")])
    store.append(sid, [FeedbackGiven(turn_no=1, rating=1, source="reviewer", author="ana")])
    store.append(sid, [FeedbackGiven(turn_no=1, comment="just a comment")])

    with store.engine.connect() as db:
        rows = db.execute(select(FeedbackRow.rating, FeedbackRow.comment, FeedbackRow.source, FeedbackRow.author).order_by(FeedbackRow.id)).all()
        up, down = db.execute(select(SessionRow.thumbs_up, SessionRow.thumbs_down)).one()
    assert rows == [(-1, "wrong article", "customer", None), (1, None, "reviewer", "ana"), (None, "just a comment", "customer", None)]
    assert (up, down) == (0, 1)  # the reviewer's thumb is theirs, not the customer's
    assert [e.type_name for e in store.load_events(sid)][-3:] == ["feedback"] * 3


def thumbs(store: SqlStore, session_id: str) -> tuple[int, int]:
    with store.engine.connect() as db:
        return db.execute(select(SessionRow.thumbs_up, SessionRow.thumbs_down).where(SessionRow.id == session_id)).one()


def test_each_answer_counts_once_as_the_customer_last_rated_it(store: SqlStore) -> None:
    sid = store.create_session()
    turn(store, sid, "How do refunds work?")
    turn(store, sid, "And exchanges?")

    store.append(sid, [FeedbackGiven(turn_no=1, rating=1)])
    store.append(sid, [FeedbackGiven(turn_no=1, rating=-1)])  # changed: from up to down
    assert thumbs(store, sid) == (0, 1)
    store.append(sid, [FeedbackGiven(turn_no=1, comment="the wrong article")])  # a comment leaves the thumb
    store.append(sid, [FeedbackGiven(turn_no=2, rating=1)])
    assert thumbs(store, sid) == (1, 1)
    assert ids(store, LogFilter(feedback="down")) == [sid]

    store.append(sid, [FeedbackGiven(turn_no=1, rating=0)])  # taken back
    assert thumbs(store, sid) == (1, 0)
    assert ids(store, LogFilter(feedback="down")) == []
    store.append(sid, [FeedbackGiven(turn_no=2, rating=0), FeedbackGiven(turn_no=2, rating=-1)])  # one append, last wins
    assert thumbs(store, sid) == (0, 1)
    store.append(sid, [FeedbackGiven(turn_no=2, rating=0)])
    assert thumbs(store, sid) == (0, 0)
    assert ids(store, LogFilter(feedback="none")) == [sid]


def test_upgrading_recounts_the_thumbs_once_per_answer(store: SqlStore) -> None:
    from alembic import command
    from sqlalchemy import text

    from assistant.store.migrate import alembic_config

    changed, reviewed = store.create_session(), store.create_session()
    turn(store, changed, "How do refunds work?")
    turn(store, reviewed, "And exchanges?")
    store.append(changed, [FeedbackGiven(turn_no=1, rating=1), FeedbackGiven(turn_no=1, rating=-1)])
    store.append(reviewed, [FeedbackGiven(turn_no=1, rating=1, source="reviewer", author="ana")])
    with store.engine.begin() as connection:  # the counts as the previous version kept them: every rating added
        command.downgrade(alembic_config(connection), "0005")
        connection.execute(text("UPDATE sessions SET thumbs_up = 1, thumbs_down = 1 WHERE id = :s"), {"s": changed})
        connection.execute(text("UPDATE sessions SET thumbs_up = 1 WHERE id = :s"), {"s": reviewed})
        command.upgrade(alembic_config(connection), "head")

    assert thumbs(store, changed) == (0, 1)
    assert thumbs(store, reviewed) == (0, 0)


def test_annotations_need_a_known_session(store: SqlStore) -> None:
    with pytest.raises(UnknownSession):
        store.annotate("nope", 1, "ana", answer_correct=True)


def test_filters_select_the_matching_sessions(store: SqlStore) -> None:
    refund = store.create_session()
    turn(store, refund, "How do refunds work?", answer="Refunds take 5 days.")
    handoff = store.create_session()
    turn(store, handoff, "Let me talk to a person", intent="human", action="handoff", handoff=True, model=None, retrieved=[])
    declined = store.create_session()
    turn(store, declined, "Do you sell boats?", abstained=True, retrieved=[{"chunk_id": 2, "doc_id": "b", "score": 0.2}], model="qwen")
    store.append(refund, [FeedbackGiven(turn_no=1, rating=1)])
    store.append(declined, [FeedbackGiven(turn_no=1, rating=-1)])
    age(store, declined, 10)

    assert set(ids(store, LogFilter())) == {refund, handoff, declined}
    assert ids(store, LogFilter(handoff=True)) == [handoff]
    assert set(ids(store, LogFilter(handoff=False))) == {refund, declined}
    assert ids(store, LogFilter(abstained=True)) == [declined]
    assert ids(store, LogFilter(intent="human")) == [handoff]
    assert ids(store, LogFilter(feedback="up")) == [refund]
    assert ids(store, LogFilter(feedback="down")) == [declined]
    assert ids(store, LogFilter(feedback="none")) == [handoff]
    assert ids(store, LogFilter(max_top_score=0.5)) == [declined]
    assert ids(store, LogFilter(model="qwen")) == [declined]
    assert ids(store, LogFilter(since=utcnow() - timedelta(days=11), until=utcnow() - timedelta(days=9))) == [declined]
    assert set(ids(store, LogFilter(since=utcnow() - timedelta(days=1)))) == {refund, handoff}
    assert ids(store, LogFilter(abstained=True, handoff=True)) == []


def test_a_topic_the_rules_never_answer_makes_the_conversation_declined(store: SqlStore) -> None:
    """A never-answer topic's turn (action decline) is not abstained: the rules' reply is given. It left the
    session's Declined flag unset, so the list and its filter did not show the conversation as declined."""
    sued = store.create_session()
    turn(store, sued, "I want to sue you", answer="I can't give legal advice.", action="decline", intent="question", retrieved=[], sources=[])
    answered = store.create_session()
    turn(store, answered, "How do refunds work?")

    assert ids(store, LogFilter(abstained=True)) == [sued]
    assert ids(store, LogFilter(abstained=False)) == [answered]
    assert ids(store, LogFilter(not_helped=True)) == []


def test_a_customer_saying_an_answer_did_not_help_is_counted_apart_from_the_declined_turns(store: SqlStore) -> None:
    """"that didn't help" (intent not_helped) is stored as abstained, its reply giving no answer; it set the
    session's Declined flag, though the assistant declined nothing."""
    complained = store.create_session()
    turn(store, complained, "How do refunds work?")
    turn(store, complained, "that didn't help", intent="not_helped", action="small_talk", abstained=True, retrieved=[])
    declined = store.create_session()
    turn(store, declined, "Do you sell boats?", abstained=True)
    turn(store, declined, "that's wrong", intent="not_helped", action="small_talk", abstained=True, retrieved=[])
    answered = store.create_session()
    turn(store, answered, "And exchanges?")

    assert ids(store, LogFilter(abstained=True)) == [declined]
    assert set(ids(store, LogFilter(abstained=False))) == {complained, answered}
    with store.engine.connect() as db:
        flags = {row.id: (row.any_abstained, row.any_not_helped) for row in db.execute(select(SessionRow))}
    assert flags == {complained: (False, True), declined: (True, True), answered: (False, False)}
    assert set(ids(store, LogFilter(not_helped=True))) == {complained, declined}
    assert ids(store, LogFilter(not_helped=True, abstained=False)) == [complained]
    assert ids(store, LogFilter(not_helped=False)) == [answered]


def test_a_to_day_ends_at_the_next_midnight_utc_and_the_last_day_has_no_end() -> None:
    """``day_after`` serves the review page (midnight UTC) and ``assistant logs export --until`` (a naive date)."""
    assert day_after(None) is None
    assert day_after(datetime(2026, 11, 22, tzinfo=timezone.utc)) == datetime(2026, 11, 23, tzinfo=timezone.utc)
    assert day_after(datetime(2026, 11, 22)) == datetime(2026, 11, 23, tzinfo=timezone.utc)
    assert day_after(datetime(2026, 12, 31, 15, 30)) == datetime(2027, 1, 1, tzinfo=timezone.utc)
    assert day_after(datetime(9999, 12, 31)) is None
    assert utc_day(datetime(2026, 11, 22, 15, 30)) == datetime(2026, 11, 22, tzinfo=timezone.utc)


def test_full_text_search_stems_words_and_searches_answers_too(store: SqlStore) -> None:
    refund = store.create_session()
    turn(store, refund, "How do I get my money back?", answer="Refunds are paid within 5 days.")
    other = store.create_session()
    turn(store, other, "Where is my parcel?", answer="Track it on the Orders page.")

    assert ids(store, LogFilter(text="refund")) == [refund]  # "Refunds" in the answer, stemmed
    assert ids(store, LogFilter(text="PARCEL")) == [other]
    assert ids(store, LogFilter(text="money parcel")) == []  # every word must match
    assert ids(store, LogFilter(text="   ")) == ids(store, LogFilter())  # no words: no text filter


def test_search_finds_order_numbers_with_or_without_their_prefix(store: SqlStore) -> None:
    order = store.create_session()
    turn(store, order, "Order NW-20481736 never arrived", answer="I couldn't find an order NW-20481736.")
    turn(store, store.create_session(), "Where is my parcel 77?")

    # PostgreSQL's parser stores "NW-20481736" as "nw" and the signed number "-20481736"
    for text_ in ("NW-20481736", "20481736", "nw 20481736", "arrived 20481736"):
        assert ids(store, LogFilter(text=text_)) == [order], text_
    assert ids(store, LogFilter(text="20481737")) == []
    many = " ".join(str(n) for n in range(MAX_SEARCH_WORDS - 1)) + " 20481736"  # no RecursionError building the SQL
    assert ids(store, LogFilter(text=many)) == []


def test_a_search_of_too_many_words_is_refused_before_the_database(store: SqlStore) -> None:
    turn(store, store.create_session(), "Where is my parcel?")
    pasted = " ".join(["parcel"] * 40_000)  # tens of thousands of words overflowed PostgreSQL's query parser

    with pytest.raises(ValueError, match=f"at most {MAX_SEARCH_WORDS} words, not 40,000"):
        LogFilter(text=pasted)
    assert ids(store, LogFilter(text=" ".join(["parcel"] * MAX_SEARCH_WORDS))) != []  # the limit itself is allowed


@pytest.mark.parametrize(
    "hostile",
    ["'; DROP TABLE turns; --", 'refund" OR 1=1 --', "NEAR(refund money)", "refund*", "a:b", "(((", '"""', "ü' OR ''='"],
)
def test_search_text_is_only_ever_data(store: SqlStore, hostile: str) -> None:
    sid = store.create_session()
    turn(store, sid, "How do I get my money back?", answer="Refunds are paid within 5 days.")

    found = ids(store, LogFilter(text=hostile))  # must not raise: the text is a bound parameter

    assert found in ([], [sid])
    with store.engine.connect() as db:
        assert db.scalar(select(func.count()).select_from(TurnRow)) == 1


def test_search_finds_turns_stored_before_and_after_edits(store: SqlStore) -> None:
    sid = store.create_session()
    turn(store, sid, "Where is my parcel?")
    with store.engine.begin() as db:  # the index follows updates and deletes of turns
        db.execute(update(TurnRow).values(user_text="Where is my umbrella?"))
    assert ids(store, LogFilter(text="umbrella")) == [sid]
    assert ids(store, LogFilter(text="parcel")) == []


def test_keyset_pages_cover_every_session_once(store: SqlStore) -> None:
    made = []
    for n in range(7):
        sid = store.create_session()
        turn(store, sid, f"question {n}")
        age(store, sid, n)  # distinct times, newest first
        made.append(sid)
    first = list_sessions(store.engine, LogFilter(), page_size=3)
    second = list_sessions(store.engine, LogFilter(), page_size=3, after=first.next_cursor)
    third = list_sessions(store.engine, LogFilter(), page_size=3, after=second.next_cursor)

    pages = [[s.id for s in page.sessions] for page in (first, second, third)]
    assert pages == [made[0:3], made[3:6], made[6:7]]
    assert third.next_cursor is None


def test_transcript_holds_turns_with_feedback_and_labels(store: SqlStore) -> None:
    sid = store.create_session()
    turn(store, sid, "How do refunds work?")
    turn(store, sid, "And for gift cards?")
    store.append(sid, [FeedbackGiven(turn_no=2, rating=-1, comment="no")])
    store.annotate(sid, 2, "ana", answer_correct=False, correct_intent="gift_cards", notes="cites the wrong page")

    transcript = read_transcript(store.engine, sid)

    assert transcript is not None and [v.turn.user_text for v in transcript.turns] == ["How do refunds work?", "And for gift cards?"]
    assert transcript.turns[0].feedback == [] and transcript.turns[0].annotations == []
    assert [f.comment for f in transcript.turns[1].feedback] == ["no"]
    assert transcript.turns[1].annotations[0].correct_intent == "gift_cards"
    assert read_transcript(store.engine, "missing") is None


def test_a_reviewed_conversation_becomes_a_test_and_training_examples(store: SqlStore) -> None:
    sid = store.create_session()
    turn(store, sid, "How do refunds work?")
    turn(store, sid, "And for gift cards?")
    store.annotate(sid, 1, "ana", answer_correct=True)
    store.annotate(sid, 2, "ana", answer_correct=False, correct_intent="gift_cards")
    transcript = read_transcript(store.engine, sid)

    test = parse(as_conversation_test(transcript).to_yaml())
    examples = as_training_examples(transcript, lambda chunk_id: f"text of chunk {chunk_id}")

    assert test.source_session == sid
    assert test.turns[0].expect == {"action": "answer", "intent": "question", "abstained": False, "cites": ["returns/policy"]}
    assert test.turns[1].expect == {"action": "answer", "intent": "gift_cards"}  # the wrong answer is not expected again
    assert examples == [
        {
            "question": "How do refunds work?", "passages": ["text of chunk 7"], "answer": "An answer.",
            "answerable": True, "verified": True, "source_session": sid, "turn_no": 1,
        }
    ]


def test_staff_logins_store_only_salted_hashes(store: SqlStore) -> None:
    users = StaffUsers(store.engine)
    assert users.set("ana", "correct horse battery") is True
    assert users.set("ana", "another long password") is False  # a new password for the same login

    assert users.check("ana", "another long password")
    assert not users.check("ana", "correct horse battery")
    assert not users.check("bob", "another long password")
    with store.engine.connect() as db:
        stored = db.scalar(select(StaffUserRow.password_hash))
    assert "another" not in stored and stored.startswith("scrypt$")
    assert users.names() == ["ana"] and users.remove("ana") and users.names() == []


def test_staff_logins_have_roles_admin_by_default(store: SqlStore) -> None:
    users = StaffUsers(store.engine)
    users.set("ana", "correct horse battery")
    users.set("bo", "correct horse battery", role="reviewer")

    assert (users.role("ana"), users.role("bo"), users.role("nobody")) == ("admin", "reviewer", None)
    users.set("bo", "another long password")  # a new password keeps the role
    assert users.role("bo") == "reviewer"
    assert users.set_role("bo", "admin") and users.role("bo") == "admin" and not users.set_role("nobody", "admin")
    assert [(name, role) for name, role, _ in users.logins()] == [("ana", "admin"), ("bo", "admin")]
    with pytest.raises(ValueError, match="unknown role 'owner': choose admin or reviewer"):
        users.set_role("ana", "owner")
    with pytest.raises(ValueError, match="unknown role"):
        users.set("cy", "correct horse battery", role="owner")
    assert users.role("cy") is None


def test_password_hashes_are_salted_and_checked_in_full() -> None:
    first, second = hash_password("same password!"), hash_password("same password!")
    assert first != second
    assert verify_password("same password!", first) and verify_password("same password!", second)
    assert not verify_password("same password", first)
    assert not verify_password("same password!", "not a hash")


@pytest.mark.parametrize(("username", "password"), [("ana", "short"), ("", "long enough password"), ("a b", "long enough password")])
def test_weak_logins_are_refused(store: SqlStore, username: str, password: str) -> None:
    with pytest.raises(ValueError):
        StaffUsers(store.engine).set(username, password)


@pytest.mark.parametrize(("few", "many"), [(1, 1), (1, 10_000), (10_000, 10_000)])
def test_every_query_shape_finds_the_same_sessions_in_the_same_order(
    store: SqlStore, monkeypatch: pytest.MonkeyPatch, few: int, many: int
) -> None:
    """On SQLite the list picks a query shape by how many turns match (thresholds lowered here so that
    small data reaches each shape); the answer must not depend on the shape."""
    from assistant.store import review

    made = []
    for n in range(9):
        sid = store.create_session()
        turn(store, sid, f"Where is my parcel number {n}?", intent="order_status" if n % 3 else "refund_request")
        if n % 2:
            turn(store, sid, "Refunds please", answer="Refunds take 5 days.", intent="refund_request")
        age(store, sid, n)
        made.append(sid)
    filters = [LogFilter(intent="refund_request"), LogFilter(text="refund"), LogFilter(text="parcel", intent="order_status")]
    expected = [ids(store, f, page_size=3) + ids(store, f, page_size=50)[3:] for f in filters]

    monkeypatch.setattr(review, "FEW_TURNS", few)
    monkeypatch.setattr(review, "MANY_TURNS", many)
    for log_filter, wanted in zip(filters, expected):
        first = list_sessions(store.engine, log_filter, page_size=3)
        rest = list_sessions(store.engine, log_filter, page_size=50, after=first.next_cursor) if first.next_cursor else None
        assert [s.id for s in first.sessions] + ([s.id for s in rest.sessions] if rest else []) == wanted
    assert expected[0] == [made[n] for n in (0, 1, 3, 5, 6, 7)]


def test_ratings_of_one_answer_at_once_still_count_it_once(store: SqlStore) -> None:
    from concurrent.futures import ThreadPoolExecutor

    sid = store.create_session()
    turn(store, sid, "How do refunds work?")
    turn(store, sid, "And exchanges?")
    ratings = [(turn_no, rating) for _ in range(15) for turn_no in (1, 2) for rating in (1, -1, 0, -1)]

    with ThreadPoolExecutor(max_workers=8) as pool:  # several tabs and servers rating at once
        list(pool.map(lambda tr: store.append(sid, [FeedbackGiven(turn_no=tr[0], rating=tr[1])]), ratings))

    with store.engine.connect() as db:
        latest = {
            row.turn_no: row.rating
            for row in db.execute(select(FeedbackRow.turn_no, FeedbackRow.rating).where(FeedbackRow.session_id == sid).order_by(FeedbackRow.id))
        }
    assert thumbs(store, sid) == (sum(r == 1 for r in latest.values()), sum(r == -1 for r in latest.values()))


def test_the_filter_choices_are_each_intent_and_model_once_read_from_the_intent_index(store: SqlStore) -> None:
    # a DISTINCT over the turns read every one of them on each page load (128 ms at 400,000 turns, growing)
    for intent, model in [("refund", "extractive"), ("greet", "qwen"), ("refund", "qwen"), ("zz_last", None), ("greet", "extractive")]:
        turn(store, store.create_session(), "Hello", intent=intent, model=model)
    store.create_session()  # no turn, no model

    steps = query_plans(store.engine, lambda: filter_choices(store.engine))

    assert filter_choices(store.engine) == (["greet", "refund", "zz_last"], ["extractive", "qwen"])
    turn_reads = [s for s in steps if re.search(r"(Scan\b.* on turns\b|^(SCAN|SEARCH) (turns|later)\b)", s)]
    assert turn_reads and all("ix_turns_intent" in s for s in turn_reads), turn_reads
    assert not [s for s in turn_reads if s.startswith("SCAN")], turn_reads  # SQLite: probes, not a walk of the index


def test_a_decline_marked_wrong_becomes_a_test_that_fails_while_the_bot_still_declines(store: SqlStore) -> None:
    sid = store.create_session()
    turn(store, sid, "Can I send back a vase that arrived broken?", "Sorry, I can't answer that.", abstained=True, sources=[])
    store.annotate(sid, 1, "ana", answer_correct=False, correct_intent="return_item", notes="returns/damaged answers it")

    test = parse(as_conversation_test(read_transcript(store.engine, sid)).to_yaml())

    assert test.turns[0].expect == {"action": "answer", "intent": "return_item", "abstained": False}
    assert "Turn 1" in test.description and "returns/damaged answers it" in test.description


def test_a_wrong_answer_tells_in_the_test_what_the_reviewer_said_and_what_to_add(store: SqlStore) -> None:
    sid = store.create_session()
    turn(store, sid, "How do refunds work?")
    turn(store, sid, "And for gift cards?")
    store.annotate(sid, 2, "ana", answer_correct=False, correct_intent="gift_cards", notes="cites the wrong page")

    test = parse(as_conversation_test(read_transcript(store.engine, sid)).to_yaml())

    assert test.turns[1].expect == {"action": "answer", "intent": "gift_cards"}  # neither the wrong cites nor abstained
    assert "Turn 2" in test.description and "cites the wrong page" in test.description
    assert "answer_contains" in test.description and "returns/policy" in test.description  # what it cited, to avoid


def test_a_rules_decline_marked_wrong_is_not_expected_again(store: SqlStore) -> None:
    sid = store.create_session()
    turn(store, sid, "Do you sell gift cards?", "We don't discuss that here.", action="decline", sources=[])
    store.annotate(sid, 1, "ana", answer_correct=False)

    test = parse(as_conversation_test(read_transcript(store.engine, sid)).to_yaml())

    assert test.turns[0].expect.get("action") != "decline" and test.turns[0].expect["abstained"] is False


def test_conversations_with_a_failed_lookup_are_found_by_a_filter(store: SqlStore) -> None:
    """A lookup that found nothing (a wrong e-mail, an unknown order number) is neither declined nor scored: its
    stored ActionExecuted(ok=False) finds it."""
    failed, found, none = store.create_session(), store.create_session(), store.create_session()
    for sid, ok in ((failed, False), (found, True)):
        turn(store, sid, "Where is my order NW-1?", "Which e-mail address?", action="business")
        store.append(sid, [UserMessage(text="[EMAIL]"), ActionExecuted(name="order_status", arguments={"order_number": "NW-1"},
                                                                         result={"found": ok}, ok=ok), BotAnswer(text="…")],
                     TurnRecord(session_id=sid, user_text="[EMAIL]", intent="question", intent_confidence=0.5,
                                action="business", reason="ran order_status", answer="…", turn_no=2))
    turn(store, none, "How do refunds work?")

    assert ids(store, LogFilter(failed_action=True)) == [failed]
    assert set(ids(store, LogFilter(failed_action=False))) == {found, none}
