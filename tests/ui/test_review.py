"""The review pages: their handlers on a real SQLite store, and their login through the HTTP app."""

from __future__ import annotations

import csv
import json
import math
import os
import time
from datetime import datetime, timezone
from pathlib import Path
from dataclasses import replace
from types import SimpleNamespace

import gradio as gr
import numpy as np
import pandas as pd
import pytest
import yaml
from fastapi.testclient import TestClient

from assistant.app import Assistant
from assistant.store.review import as_conversation_test, read_transcript
from dialog import conversation_tests
from dialog.events import ActionExecuted, BotAnswer, FeedbackGiven, UserMessage
from dialog.store import InMemoryStore, TurnRecord
from ui.analytics import PLOT_HEIGHT, QuestionVectors
from ui.review import ANALYTICS_OUTPUTS, EXPORT_KEPT_S, GRADIO_CACHE_CHECK_S, ReviewPage
from ui.review_filters import build_filter
from ui.review_tables import session_table
from ui.review_transcript import render_transcript

from refusals import refused

PASSWORD = "a long enough password"
NO_FILTER = ("", "", "", "", "any", "any", "any", "any", "", "", "any")


@pytest.fixture
def review(assistant: Assistant) -> ReviewPage:
    return ReviewPage(
        assistant.store.engine,
        assistant.store,
        export_dir=assistant.settings.data_dir / "review",
        passage_text=assistant.passage_text,
        analytics=assistant.analytics,
    )


def filters(**changes) -> tuple:  # type: ignore[no-untyped-def]
    names = ["search", "since", "until", "intent", "handoff", "abstained", "not_helped", "feedback", "max_score", "model", "failed_action"]
    values = dict(zip(names, NO_FILTER))
    values.update(changes)
    return tuple(values[name] for name in names)


def test_search_lists_conversations_and_opens_one(assistant: Assistant, review: ReviewPage) -> None:
    first = assistant.manager.handle(None, "How long do password reset links work?")
    second = assistant.manager.handle(None, "I want to talk to a human")

    table, cursor, status = review.search(*filters())
    handoffs, _, _ = review.search(*filters(handoff="yes"))
    found, _, _ = review.search(*filters(search="password"))

    assert set(table["Session"]) == {first.session_id, second.session_id} and cursor is None
    assert status == "2 conversation(s)"
    assert list(handoffs["Session"]) == [second.session_id]
    assert list(found["Session"]) == [first.session_id]
    html, turns, opened, *labels = review.open_transcript(first.session_id)
    assert opened == first.session_id and labels == ["not judged", "none", "", ""] and "Password reset links expire after 30 minutes" in html
    assert turns["choices"] == [("1", "1")] or turns["choices"] == ["1"]


UNCHANGED = {"__type__": "update"}  # gr.update(): the component shown stays as it is


def test_a_bad_date_is_a_clear_error(review: ReviewPage) -> None:
    with refused("YYYY-MM-DD"):  # a toast (gr.Warning says it so outside a page), and an error for an API caller
        review.search(*filters(since="22/11/2026"))


def test_to_before_from_is_a_clear_error_not_an_empty_list(review: ReviewPage) -> None:
    with refused(r"To \(2026-11-01\) is before From \(2026-11-05\)"):
        review.search(*filters(since="2026-11-05", until="2026-11-01"))
    with refused("is before From"):
        review.show_analytics("2026-11-05", "2026-11-01")


def test_a_score_that_is_not_a_number_is_a_clear_error(review: ReviewPage) -> None:
    with refused("Retrieval score below"):
        review.search(*filters(max_score="low"))


def test_a_filter_that_cannot_be_read_keeps_the_list_shown_and_says_why(assistant: Assistant, review: ReviewPage) -> None:
    """A raised error put Gradio's red "Error" badge in place of the list and over its count; the problem is now
    said in a toast and the search refused (an error, no output changed: see test_browser_review)."""
    assistant.manager.handle(None, "How long do password reset links work?")
    table, cursor, status = review.search(*filters())

    for bad, said in ((filters(since="2026-13-45"), "From: write the date"), (filters(max_score="abc"), "Retrieval score below")):
        with refused(said):
            review.search(*bad)
        with refused(said):
            review.next_page(["2026-01-01T00:00:00+00:00", "x"], [None], *bad)
        with refused(said):
            review.previous_page([None, ["2026-01-01T00:00:00+00:00", "x"]], *bad)
    assert status == "1 conversation(s)" and len(table) == 1 and cursor is None


def test_a_topic_the_rules_never_answer_shows_as_declined(assistant: Assistant, review: ReviewPage) -> None:
    """"I want to sue you" gets the never-answer reply (action decline), stored as not abstained (a reply was
    given): the list's Declined column was empty and the Declined filter did not find it."""
    sued = assistant.manager.handle(None, "I want to sue you")
    answered = assistant.manager.handle(None, "How long do password reset links work?")
    assert sued.action == "decline" and not sued.abstained

    table, _, _ = review.search(*filters())
    declined, _, _ = review.search(*filters(abstained="yes"))
    not_declined, _, _ = review.search(*filters(abstained="no"))

    marks = dict(zip(table["Session"], table["Declined"]))
    assert (marks[sued.session_id], marks[answered.session_id]) == ("yes", "")
    assert list(declined["Session"]) == [sued.session_id] and list(not_declined["Session"]) == [answered.session_id]


def test_a_customer_saying_an_answer_did_not_help_is_not_a_declined_conversation(assistant: Assistant, review: ReviewPage) -> None:
    """"that didn't help" is stored as an abstained turn (its reply gives no answer): the list showed the
    conversation as declined and the Declined filter found it, though the assistant had answered."""
    answered = assistant.manager.handle(None, "How long do password reset links work?").session_id
    complaint = assistant.manager.handle(answered, "that didn't help")
    assert complaint.intent == "not_helped"
    declined = assistant.manager.handle(None, "Do you repair submarines on Mars?")
    assert declined.abstained and declined.intent != "not_helped"

    table, _, _ = review.search(*filters())
    flags = {row["Session"]: (row["Declined"], row["Not helped"]) for _, row in table.iterrows()}
    not_helped, _, _ = review.search(*filters(not_helped="yes"))
    declined_list, _, _ = review.search(*filters(abstained="yes"))

    assert flags == {answered: ("", "yes"), declined.session_id: ("yes", "")}
    assert list(not_helped["Session"]) == [answered]
    assert list(declined_list["Session"]) == [declined.session_id]


def test_next_page_after_the_last_one_keeps_the_list_and_says_so(assistant: Assistant, review: ReviewPage) -> None:
    assistant.manager.handle(None, "How long do password reset links work?")
    table, cursor, status = review.search(*filters())
    assert cursor is None

    kept, cursor, shown, status = review.next_page(cursor, [None], *filters())

    assert kept == gr.update() and cursor is None and shown == [None] and "last page" in status


def test_previous_page_goes_back_page_by_page(assistant: Assistant, review: ReviewPage, monkeypatch: pytest.MonkeyPatch) -> None:
    """Paging went forward only: back to an earlier page meant searching again from the first."""
    from ui import review as review_module

    monkeypatch.setattr(review_module, "PAGE_SIZE", 2)
    for question in ("refund", "password", "shipping", "gift wrapping", "invoice"):
        assistant.manager.handle(None, f"Question about {question}")
    first, cursor, status = review.search(*filters())
    shown = [None]
    second, cursor, shown, _ = review.next_page(cursor, shown, *filters())
    third, cursor, shown, _ = review.next_page(cursor, shown, *filters())
    assert cursor is None and len(third) == 1  # five conversations: 2 + 2 + 1

    back, cursor_back, shown, _ = review.previous_page(shown, *filters())
    assert list(back["Session"]) == list(second["Session"]) and cursor_back is not None
    back, _, shown, _ = review.previous_page(shown, *filters())
    assert list(back["Session"]) == list(first["Session"]) and shown == [None]
    kept, _, shown, status = review.previous_page(shown, *filters())
    assert kept == gr.update() and status == "This is the first page."


def test_times_are_shown_in_utc_whatever_zone_the_database_returns_them_in() -> None:
    from datetime import datetime, timedelta, timezone

    from assistant.store.tables import SessionRow

    tokyo = timezone(timedelta(hours=9))  # PostgreSQL returns timestamptz in the connection's time zone
    session = SessionRow(id="s1", updated_at=datetime(2026, 12, 4, 2, 6, tzinfo=tokyo), turn_count=0)
    naive_utc = SessionRow(id="s2", updated_at=datetime(2026, 12, 3, 17, 6), turn_count=0)  # SQLite

    assert list(session_table([session, naive_utc])["Last activity (UTC)"]) == ["2026-12-03 17:06", "2026-12-03 17:06"]


def test_until_includes_the_whole_day() -> None:
    log_filter = build_filter(*filters(since="2026-11-01", until="2026-11-22"))
    assert (log_filter.since.day, log_filter.until.day) == (1, 23)
    assert build_filter(*filters(until="9999-12-31")).until is None  # the last day a date holds: no end, not an OverflowError


def test_an_export_is_a_download_that_does_not_stay_on_the_server(assistant: Assistant, review: ReviewPage) -> None:
    assistant.manager.handle(None, "How long do password reset links work?")
    first = Path(review.export("csv", *filters()))
    second = Path(review.export("csv", *filters()))  # in the same second: its own file
    hour_ago = time.time() - EXPORT_KEPT_S - 1
    os.utime(first, (hour_ago, hour_ago))

    third = Path(review.export("jsonl", *filters()))

    assert first != second and not first.exists() and second.exists() and third.exists()
    assert "How long do password reset links work?" in second.read_text(encoding="utf-8")
    assert review.build().delete_cache == (GRADIO_CACHE_CHECK_S, EXPORT_KEPT_S)  # Gradio's copy for the download too


def test_the_export_carries_the_customers_feedback_and_the_reviewers_labels(assistant: Assistant, review: ReviewPage) -> None:
    result = assistant.manager.handle(None, "How long do password reset links work?")
    assistant.store.append(result.session_id, [FeedbackGiven(turn_no=1, rating=-1, comment="not what I asked")])
    review.save_labels(result.session_id, "1", "wrong", "password_reset", "cites the wrong part", "down", SimpleNamespace(username="ana"))

    export = Path(review.export("csv", *filters()))

    with export.open(encoding="utf-8", newline="") as file:
        (row,) = list(csv.DictReader(file))
    assert (row["customer_rating"], row["customer_comment"]) == ("down", "not what I asked")
    assert (row["review_verdict"], row["review_correct_intent"], row["review_notes"], row["reviewer"]) == (
        "wrong", "password_reset", "cites the wrong part", "ana"
    )
    (label,) = json.loads(row["labels"])
    assert (label["reviewer"], label["verdict"], label["rating"]) == ("ana", "wrong", "down")


def test_a_reviewers_login_may_not_export_the_logs_or_change_the_knowledge_base(assistant: Assistant) -> None:
    from gradio.helpers import special_args

    from ui.kb_admin import KnowledgeBaseAdmin

    settings = assistant.settings
    knowledge_base = KnowledgeBaseAdmin(
        assistant.retriever, assistant.embedder, settings.index_dir, settings.data_dir / "uploads",
        settings.chunk_max_tokens, settings.chunk_overlap_tokens,
    )
    review = ReviewPage(assistant.store.engine, assistant.store, export_dir=settings.data_dir / "review", knowledge_base=knowledge_base)
    assistant.staff.set("ana", PASSWORD)  # an admin, as every login made before roles
    assistant.staff.set("bo", PASSWORD, role="reviewer")
    ana, bo = SimpleNamespace(username="ana"), SimpleNamespace(username="bo")
    assistant.manager.handle(None, "How long do password reset links work?")
    gated = review.knowledge_base_for_roles()
    document = knowledge_base.status()[1]["Document"].iloc[0]

    # refused: a toast, and an error (an API caller got a success without a file)
    with refused("reviewer's: changing the knowledge base and exporting the logs need an admin"):
        review.export_as(bo, "csv", *filters())
    for refused_change in (lambda: gated.reindex(bo), lambda: gated.ask_removal(bo, document), lambda: gated.remove(bo, document)):
        with refused("need an admin"):
            refused_change()
    assert not (settings.data_dir / "review" / "exports").exists() or not any((settings.data_dir / "review" / "exports").iterdir())
    assert document in set(knowledge_base.status()[1]["Document"])  # nothing removed
    assert review.admin_controls(bo) == (gr.update(visible=False),) * 2

    assert Path(review.export_as(ana, "csv", *filters())).exists()
    assert "Remove" in gated.ask_removal(ana, document)[1]
    assert review.admin_controls(ana) == (gr.update(visible=True),) * 2
    # Gradio gives the gated handler the request first, then the inputs wired to it
    inputs, *_ = special_args(gated.remove, [document], request=bo)
    assert inputs == [bo, document]


def test_an_export_is_deleted_after_its_time_even_when_no_other_export_follows(
    assistant: Assistant, review: ReviewPage, monkeypatch: pytest.MonkeyPatch
) -> None:
    assistant.manager.handle(None, "How long do password reset links work?")
    monkeypatch.setattr("ui.review.EXPORT_KEPT_S", 0.2)

    export = Path(review.export("csv", *filters()))

    assert export.exists()
    deadline = time.time() + 5
    while export.exists() and time.time() < deadline:
        time.sleep(0.05)
    assert not export.exists()


def test_exports_left_by_a_stopped_server_are_deleted_at_start(review: ReviewPage) -> None:
    folder = review.export_dir / "exports"
    folder.mkdir(parents=True)
    (old := folder / "turns-old.csv").write_text("x", encoding="utf-8")
    (new := folder / "turns-new.csv").write_text("x", encoding="utf-8")
    hour_ago = time.time() - EXPORT_KEPT_S - 1
    os.utime(old, (hour_ago, hour_ago))

    review.build()

    assert not old.exists() and new.exists()


def test_a_database_that_cannot_be_reached_is_said_not_a_bare_error(assistant: Assistant, tmp_path: Path) -> None:
    from sqlalchemy import create_engine

    from ui.analytics import build_analytics

    down = create_engine(f"sqlite:///{tmp_path / 'no such folder' / 'a.db'}")  # cannot be opened, like a server that is down
    review = ReviewPage(down, assistant.store, tmp_path / "review", analytics=lambda since, until: build_analytics(down, since, until))

    for handler in (
        lambda: review.search(*filters()),
        lambda: review.open_transcript("abc"),
        lambda: review.show_analytics("", ""),  # the analytics say StoreUnavailable
        lambda: review.export("csv", *filters()),
        lambda: review.to_conversation_test("abc"),  # these two gave Gradio's bare "Error"
        lambda: review.to_training_examples("abc"),
        lambda: review.show_inbox(),
    ):
        with refused("cannot be reached|Cannot open the database") as said:
            handler()  # said in a toast, and refused: no output changed
        assert "unable to open database file" in str(said[0].message)


def test_save_labels_with_the_database_down_says_so_and_keeps_the_form(assistant: Assistant, tmp_path: Path) -> None:
    """Save labels was the one review action outside ``database_errors_said``: with the database down it gave
    Gradio's bare "Error". Now a toast names the database; a refusal changes no output (only the transcript
    is one), so the verdict, intent and notes typed stay in the form to save again."""
    from sqlalchemy import create_engine

    from assistant.store.sql_store import SqlStore

    down = create_engine(f"sqlite:///{tmp_path / 'no such folder' / 'a.db'}")  # cannot be opened, like a server that is down
    review = ReviewPage(down, SqlStore(down), tmp_path / "review")

    with refused("cannot be reached") as said:
        review.save_labels("abc", "1", "wrong", "password_reset", "cites the wrong part", "down", SimpleNamespace(username="ana"))

    assert "unable to open database file" in str(said[0].message)


def test_analytics_to_the_last_day_there_is(assistant: Assistant, review: ReviewPage) -> None:
    assistant.manager.handle(None, "How long do password reset links work?")

    rates, *_ = review.show_analytics("2000-01-01", "9999-12-31")

    assert dict(zip(rates["Metric"], rates["Value"]))["Conversations"] == "1"


def test_many_days_of_turns_are_drawn_on_a_time_axis_a_few_as_a_bar_and_label_each() -> None:
    from ui.analytics import DAYS_AS_LABELS, day_axis

    few = day_axis(pd.Series(["2026-12-04", "2026-12-05"]))
    many = day_axis(pd.Series(pd.date_range("2026-09-01", periods=90).date))  # 90 labels as text all overlapped

    assert list(few) == ["2026-12-04", "2026-12-05"]
    assert pd.api.types.is_datetime64_any_dtype(many) and len(many) == 90 > DAYS_AS_LABELS


def test_customer_text_renders_as_text(assistant: Assistant, review: ReviewPage) -> None:
    result = assistant.manager.handle(None, "<script>alert('x')</script> <img src=x onerror=alert(1)>")

    html = render_transcript(read_transcript(assistant.store.engine, result.session_id))

    assert "<script>" not in html and "<img" not in html
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in html


def test_the_answers_bold_shows_bold_and_the_customers_asterisks_stay_as_typed(assistant: Assistant) -> None:
    # Before, reviewers read "Press **Return items**." between asterisks, unlike the customer.
    from ui.review_transcript import answer_html

    result = assistant.manager.handle(None, "**urgent** <b>now</b>")
    html = render_transcript(read_transcript(assistant.store.engine, result.session_id))

    assert answer_html("Press **Return items**, then <b>Submit</b>.") == "Press <strong>Return items</strong>, then &lt;b&gt;Submit&lt;/b&gt;."
    assert "**urgent** &lt;b&gt;now&lt;/b&gt;" in html and "<strong>urgent</strong>" not in html


def test_labels_and_reviewer_thumbs_are_saved(assistant: Assistant, review: ReviewPage) -> None:
    result = assistant.manager.handle(None, "How long do password reset links work?")
    request = SimpleNamespace(username="ana")

    html = review.save_labels(result.session_id, "1", "wrong", "password_reset", "cites the wrong part", "down", request)

    view = read_transcript(assistant.store.engine, result.session_id).turns[0]
    assert (view.annotations[0].reviewer, view.annotations[0].answer_correct, view.annotations[0].correct_intent) == (
        "ana", False, "password_reset",
    )
    assert [(f.source, f.author, f.rating) for f in view.feedback] == [("reviewer", "ana", -1)]
    assert "cites the wrong part" in html and "wrong" in html
    assert '</details><div class="record"><div><b>Feedback</b></div>' in html  # on a line of its own, below the folded record


def test_the_label_form_shows_the_reviewers_own_labels_of_the_turn_shown_or_none(assistant: Assistant, review: ReviewPage) -> None:
    first = assistant.manager.handle(None, "How long do password reset links work?").session_id
    assistant.manager.handle(first, "thanks!")
    other = assistant.manager.handle(None, "How long do password reset links work?").session_id
    ana, bo = SimpleNamespace(username="ana"), SimpleNamespace(username="bo")
    review.save_labels(first, "1", "right", "", "first try", "up", ana)
    review.save_labels(first, "1", "wrong", "password_reset", "cites the wrong part", "none", ana)  # the later one counts

    # "none" takes the thumb back (it was kept: a reviewer's thumb could not be taken back)
    assert review.turn_labels(first, "1", ana) == ("wrong", "none", "password_reset", "cites the wrong part")
    assert review.turn_labels(first, "2", ana) == ("not judged", "none", "", "")
    assert review.turn_labels(other, "1", ana) == ("not judged", "none", "", "")
    assert review.turn_labels(first, "1", bo) == ("not judged", "none", "", "")  # another reviewer's are in the transcript
    assert review.turn_labels("", None, ana) == ("not judged", "none", "", "")


def test_opening_a_conversation_gives_the_reviewers_labels_of_its_first_turn_from_one_read(
    assistant: Assistant, review: ReviewPage, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Opening a conversation read its transcript twice: once for the transcript, then again (a second event) for
    the label form. Now the labels come with the transcript, from the one read."""
    import ui.review

    first = assistant.manager.handle(None, "How long do password reset links work?").session_id
    assistant.manager.handle(first, "thanks!")
    ana = SimpleNamespace(username="ana")
    review.save_labels(first, "1", "wrong", "password_reset", "cites the wrong part", "up", ana)
    reads: list[str] = []
    monkeypatch.setattr(ui.review, "read_transcript", lambda engine, sid: reads.append(sid) or read_transcript(engine, sid))

    html, turns, opened, *labels = review.open_transcript(first, ana)

    assert reads == [first] and opened == first and "cites the wrong part" in html
    assert labels == ["wrong", "up", "password_reset", "cites the wrong part"]
    assert review.open_transcript(first, SimpleNamespace(username="bo"))[3:] == ("not judged", "none", "", "")
    assert review.open_transcript("")[3:] == ("not judged", "none", "", "")


def test_a_conversation_turned_into_a_test_passes_when_replayed(assistant: Assistant, review: ReviewPage) -> None:
    first = assistant.manager.handle(None, "How long do password reset links work?")
    assistant.manager.handle(first.session_id, "thanks!")
    assistant.manager.handle(first.session_id, "Can I speak to a person?")

    path = Path(review.to_conversation_test(first.session_id))
    test = conversation_tests.load(path)

    assert path.suffix == ".yaml" and [t.expect["action"] for t in test.turns] == ["answer", "small_talk", "handoff"]
    assert test.turns[0].expect["cites"] == ["accounts/reset-password"]
    assert conversation_tests.run(assistant.manager, test) == []


def test_a_changed_behaviour_fails_the_conversation_test(assistant: Assistant, review: ReviewPage) -> None:
    result = assistant.manager.handle(None, "How long do password reset links work?")
    path = Path(review.to_conversation_test(result.session_id))
    data = yaml.safe_load(path.read_text())
    data["turns"][0]["expect"]["cites"] = ["shipping/shipping-costs"]

    failures = conversation_tests.run(assistant.manager, conversation_tests.parse(yaml.safe_dump(data)))

    assert failures == ["turn 1: cites: expected 'shipping/shipping-costs' among ['accounts/reset-password']"]


def test_answered_turns_become_training_examples_with_their_passages(assistant: Assistant, review: ReviewPage) -> None:
    result = assistant.manager.handle(None, "How long do password reset links work?")

    path = Path(review.to_training_examples(result.session_id))

    [example] = [json.loads(line) for line in path.read_text().splitlines()]
    assert example["question"] == "How long do password reset links work?"
    assert any("expire after 30 minutes" in passage for passage in example["passages"])
    assert example["answer"] == result.text and example["verified"] is False


def test_analytics_figures_describe_the_stored_turns(assistant: Assistant, review: ReviewPage) -> None:
    assistant.manager.handle(None, "How long do password reset links work?")
    assistant.manager.handle(None, "I want to talk to a human")

    rates, volume_chart, latency, intents_chart, not_helped, unanswered, _actions = review.show_analytics("", "")

    # the charts of counts come with their axis: to as many turns as the charts' height has ticks (whole-number ticks)
    assert volume_chart["y_lim"] == intents_chart["y_lim"] == [0, math.ceil(PLOT_HEIGHT / 40)]
    volume, intents = volume_chart["value"], intents_chart["value"]
    values = dict(zip(rates["Metric"], rates["Value"]))
    assert values["Conversations"] == "2" and values["Handoff rate"] == "50.0%"
    assert volume["turns"].sum() == 2
    # a bar and a label a day (on a time axis, a day or two were slivers labelled by the hour), bars as amounts
    # (PostgreSQL's Decimal sums were drawn as categories)
    assert list(volume["day"]) == [datetime.now(timezone.utc).strftime("%Y-%m-%d")] and pd.api.types.is_integer_dtype(volume["turns"])
    timed = dict(zip(latency["Latency"], latency["Value"]))  # each with its unit: the count read as "2 ms"
    assert timed["Turns timed"] == "2" and timed["p50"].endswith(" ms") and timed["p95"].endswith(" ms")
    assert set(intents["intent"]) == {"question", "human"}


def test_an_answer_the_customer_said_did_not_help_is_listed_apart_from_the_unanswered_questions(
    assistant: Assistant, review: ReviewPage
) -> None:
    """"thanks, that's all wrong" is stored as a turn without an answer (abstained). Before, the analytics listed it
    among the questions the assistant could not answer; it is an answer that failed, listed with its question."""
    first = assistant.manager.handle(None, "How long do password reset links work?")
    said = assistant.manager.handle(first.session_id, "thanks, that's all wrong")
    assistant.manager.handle(None, "Can I pay with seashells?")
    assert said.intent == "not_helped" and said.abstained  # as the dialog stores it

    *_, not_helped, unanswered, _actions = review.show_analytics("", "")

    assert list(unanswered["question"]) == ["Can I pay with seashells?"]
    assert not_helped.values.tolist() == [["How long do password reset links work?", "thanks, that's all wrong"]]


def test_question_vectors_embed_each_question_once_and_give_what_the_embedder_gives() -> None:
    calls: list[list[str]] = []

    def embed(texts: list[str]) -> np.ndarray:
        calls.append(list(texts))
        return np.array([[len(t), t.count("e")] for t in texts], dtype=float)

    vectors = QuestionVectors(embed, size=3)
    first = vectors(["where is it", "cancel", "where is it"])
    assert calls == [["where is it", "cancel"]]
    np.testing.assert_array_equal(first, [[11, 2], [6, 1], [11, 2]])
    vectors(["cancel", "refund"])
    assert calls[-1] == ["refund"]
    vectors(["late", "lost"])  # at most 3 kept: "where is it", the least recently used, goes
    vectors(["where is it", "lost"])
    assert calls[-1] == ["where is it"]


def test_another_look_at_the_analytics_embeds_only_questions_not_seen_before(assistant: Assistant, review: ReviewPage) -> None:
    # 500 unanswered questions took seconds to embed on each view of the Analytics tab
    embedded: list[str] = []
    embed = assistant.embedder.embed
    assistant.embedder.embed = lambda texts: embedded.extend(texts) or embed(texts)  # type: ignore[method-assign]
    session_id = assistant.store.create_session()
    for number, question in enumerate(["Do you sell boats?", "Do you sell planes?", "Do you sell boats?"], start=1):
        record = TurnRecord(session_id=session_id, turn_no=number, user_text=question, intent="question", intent_confidence=0.9,
                            action="answer", reason="kb", answer="Sorry.", abstained=True)
        assistant.store.append(session_id, [UserMessage(text=question), BotAnswer(text="Sorry.", abstained=True)], record)

    first = review.show_analytics("", "")[ANALYTICS_OUTPUTS.index("unanswered")]
    again = review.show_analytics("", "")[ANALYTICS_OUTPUTS.index("unanswered")]

    assert sorted(embedded) == ["Do you sell boats?", "Do you sell planes?"]
    assert first.equals(again) and first["times asked"].sum() == 3


# -- login, through the HTTP app ----------------------------------------------------------------------


@pytest.fixture
def client(assistant: Assistant) -> TestClient:
    assistant.staff.set("ana", PASSWORD)
    with TestClient(assistant.web_app()) as test_client:
        yield test_client


@pytest.mark.parametrize("path", ["/review/config", "/review/gradio_api/info"])
def test_review_pages_need_a_login(client: TestClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 401


def test_the_login_page_does_not_describe_the_staff_functions_until_someone_logs_in(client: TestClient) -> None:
    login_page = client.get("/review/").text
    assert '"auth_required":true' in login_page
    assert "gradio_api_info" not in login_page and "send_reply" not in login_page

    assert client.post("/review/login", data={"username": "ana", "password": PASSWORD}).status_code == 200
    staff_page = client.get("/review/").text
    assert "window.gradio_api_info" in staff_page and "send_reply" in staff_page


def test_the_review_address_without_its_slash_leads_to_the_pages(client: TestClient) -> None:
    response = client.get("/review", follow_redirects=False)
    assert response.status_code == 307 and response.headers["location"] == "/review/"
    assert client.get("/review").status_code == 200  # the login form


def test_the_review_address_without_its_slash_keeps_the_conversation_it_names(client: TestClient) -> None:
    """A notice's link typed or pasted without the slash (/review?conversation=ID) still opens that conversation."""
    response = client.get("/review?conversation=abc123", follow_redirects=False)
    assert response.status_code == 307 and response.headers["location"] == "/review/?conversation=abc123"


def test_review_functions_cannot_be_called_without_a_login(client: TestClient) -> None:
    response = client.post("/review/gradio_api/queue/join", json={"data": [], "fn_index": 0, "session_hash": "x"})
    assert response.status_code == 401


def test_a_wrong_password_is_refused_and_the_right_one_opens_the_pages(client: TestClient) -> None:
    assert client.post("/review/login", data={"username": "ana", "password": "guess"}).status_code == 400
    assert client.post("/review/login", data={"username": "nobody", "password": PASSWORD}).status_code == 400

    assert client.post("/review/login", data={"username": "ana", "password": PASSWORD}).status_code == 200
    assert client.get("/review/config").status_code == 200


def test_the_customer_chat_exposes_no_review_function(client: TestClient) -> None:
    config = client.get("/config").json()
    labels = json.dumps(config["components"])
    assert client.get("/config").status_code == 200
    assert "Conversation review" not in labels and "review-list" not in labels


def test_the_inbox_lists_handoffs_and_staff_reply_and_hand_back(assistant: Assistant, review: ReviewPage) -> None:
    review.manager = assistant.manager
    answered = assistant.manager.handle(None, "How long do password reset links work?")
    handed = assistant.manager.handle(None, "I want to talk to a human")
    assistant.manager.handle(handed.session_id, "My card was <script>charged</script> twice")
    ana = SimpleNamespace(username="ana")

    table, status = review.show_inbox()
    assert list(table["Session"]) == [handed.session_id] and answered.session_id not in set(table["Session"])
    assert list(table["Needs a reply"]) == ["yes"] and status == "1 conversation(s) with a person, 1 awaiting a reply"

    box, table, status, html, seen, _warned = review.send_reply(handed.session_id, "Hi, Ana here <b>now</b>.", "", ana)

    assert box == "" and list(table["Staff"]) == ["ana"] and list(table["Needs a reply"]) == [""] and seen == "1"
    assert "ana · staff" in html and "Hi, Ana here &lt;b&gt;now&lt;/b&gt;." in html
    assert "&lt;script&gt;charged&lt;/script&gt;" in html and "<script>" not in html
    assert html.index("Hi, Ana here") > html.index("charged")  # after the turn it answers

    table, status, html = review.hand_back(handed.session_id, ana)

    assert table.empty and status == "Nobody is waiting for a person."
    assert "ana handed the conversation back to the assistant" in html
    assert assistant.manager.handle(handed.session_id, "How long do password reset links work?").action == "answer"


def test_a_transcript_shows_a_handoff_made_outside_a_turn_after_the_turn_it_followed(assistant: Assistant) -> None:
    """The API's handoff (the chat's button in a client of the API) and staff taking over have no turn record:
    the list said "handed off" and the Inbox gave the reason, while the transcript showed nothing of it."""
    manager = assistant.manager
    button = manager.handle(None, "How long do password reset links work?").session_id
    manager.request_handoff(button, reason="customer pressed the <b>button</b>")
    taken = manager.handle(None, "How long do password reset links work?").session_id
    manager.reply_as_staff(taken, "Ana here, I'll take it from here.", author="ana")
    asked = manager.handle(None, "I want to talk to a human").session_id

    button_html = render_transcript(read_transcript(assistant.sql_store.engine, button))
    taken_html = render_transcript(read_transcript(assistant.sql_store.engine, taken))
    asked_html = render_transcript(read_transcript(assistant.sql_store.engine, asked))

    assert "Handed to a person" in button_html and "customer pressed the &lt;b&gt;button&lt;/b&gt;" in button_html
    assert button_html.index("Handed to a person") > button_html.index("How long do password reset links work?")
    assert taken_html.index("Handed to a person") < taken_html.index("taken over by ana") < taken_html.index("Ana here")
    assert "Handed to a person" not in asked_html  # the turn's own record says it handed off
    script = as_conversation_test(read_transcript(assistant.sql_store.engine, button))
    assert [turn.expect["action"] for turn in script.turns] == ["answer"]


def test_the_inbox_refuses_what_it_cannot_do(assistant: Assistant, review: ReviewPage) -> None:
    # said in a toast and refused, every output left as it is (the reply kept in its box); a plain gr.Error covered the
    # list, the transcript and the reply box with "Error" badges
    ana = SimpleNamespace(username="ana")
    session_id = assistant.manager.handle(None, "How long do password reset links work?").session_id
    with refused("not available"):
        review.send_reply(session_id, "Hi", "", ana)
    review.manager = assistant.manager

    with refused("Open a conversation"):
        review.send_reply("", "Hi", "", ana)
    with refused("empty"):
        review.send_reply(session_id, "  ", "", ana)
    with refused("nothing to hand back"):
        review.hand_back(session_id, ana)
    with refused("No conversation"):
        review.send_reply("no-such-session", "Hi", "", ana)


@pytest.mark.parametrize("handed_back_by", ["customer", "bo", "ana"])
def test_an_inbox_reply_to_a_conversation_handed_back_meanwhile_is_refused_not_a_take_over(
    assistant: Assistant, review: ReviewPage, handed_back_by: str
) -> None:
    """The Inbox keeps the conversation open after a hand-back (the customer's "back to the assistant", another
    member of staff's, or one's own): a reply sent then took the conversation over again, silently, so the customer
    just told "You're back with the assistant" had a person again and no more answers."""
    review.manager = assistant.manager
    session_id = assistant.manager.handle(None, "I want to talk to a human").session_id
    review.send_reply(session_id, "Ana here, one moment.", "", SimpleNamespace(username="ana"))
    assistant.manager.hand_back(session_id, author=handed_back_by)
    events = len(assistant.manager.tracker(session_id).events)

    with refused(r"handed back meanwhile\), so your reply was not sent"):
        review.send_reply(session_id, "One more thing", "", SimpleNamespace(username="ana"))

    assert len(assistant.manager.tracker(session_id).events) == events  # neither a take-over nor the reply
    table, status = review.show_inbox()
    assert table.empty and status == "Nobody is waiting for a person."
    assert assistant.manager.handle(session_id, "How long do password reset links work?").action == "answer"


def test_a_customer_message_relayed_to_staff_says_the_assistant_did_not_reply(assistant: Assistant) -> None:
    """It showed "assistant" followed by nothing, under each message a customer wrote once staff had replied."""
    session_id = assistant.manager.handle(None, "I want to talk to a human").session_id
    assistant.manager.reply_as_staff(session_id, "Ana here.", author="ana")
    assistant.manager.handle(session_id, "Are you there?")  # relayed, and not acknowledged: staff have written

    html = render_transcript(read_transcript(assistant.store.engine, session_id))

    assert html.count("(no reply from the assistant)") == 1
    assert html.index("Are you there?") < html.index("(no reply from the assistant)")


def test_a_conversation_handed_off_before_its_first_message_shows_the_handoff_and_staff_replies(assistant: Assistant) -> None:
    """A conversation handed to a person through the API before the customer wrote ("contact us") showed only
    "No turns yet.": neither why it was handed off nor the replies staff sent in it."""
    session_id = assistant.manager.start_session("api")
    assistant.manager.request_handoff(session_id, reason="Contact us button")
    assistant.manager.reply_as_staff(session_id, "Hi, Ana here. How can I help?", author="ana")

    html = render_transcript(read_transcript(assistant.store.engine, session_id))

    assert "No turns yet." in html
    assert html.index("Contact us button") < html.index("Hi, Ana here. How can I help?")
    assert "ana · staff" in html


def test_the_inbox_refresh_replaces_the_transcript_only_when_it_changed(assistant: Assistant, review: ReviewPage) -> None:
    review.manager = assistant.manager
    session_id = assistant.manager.handle(None, "I want to talk to a human").session_id
    _, _, shown = review.refresh_inbox(session_id)

    _, _, same = review.refresh_inbox(session_id, shown)
    assistant.manager.handle(session_id, "Are you there?")
    _, _, changed = review.refresh_inbox(session_id, shown)

    assert same == {"__type__": "update"}
    assert "Are you there?" in changed


def test_a_conversation_test_from_a_transcript_ends_where_staff_took_part(assistant: Assistant) -> None:
    manager = assistant.manager
    session_id = manager.handle(None, "How long do password reset links work?").session_id
    manager.handle(session_id, "I want to talk to a human")
    manager.handle(session_id, "Are you there?")  # relayed to staff
    manager.reply_as_staff(session_id, "Yes, Ana here.", author="ana")
    manager.hand_back(session_id, author="ana")
    manager.handle(session_id, "How long do password reset links work?")

    script = as_conversation_test(read_transcript(assistant.sql_store.engine, session_id))

    assert [turn.expect["action"] for turn in script.turns] == ["answer", "handoff"]
    assert conversation_tests.run(assistant.build_manager(InMemoryStore()), script) == []  # no failures on replay


def test_a_conversation_test_is_held_at_the_time_the_conversation_began(assistant: Assistant) -> None:
    """Saved scripts carried no time: a conversation outside support hours (two failed answers, then when people are
    back instead of a handoff) replayed in working hours handed over, and its script failed."""
    from sqlalchemy import update

    from assistant.store.tables import TurnRow
    from dialog.business_rules import parse_rules
    from dialog.manager import DialogManager

    hours = parse_rules({"support_hours": {"timezone": "America/New_York", "label": "ET", "hours": {"monday": "08:00-20:00"}}})
    sunday, monday = datetime(2026, 12, 6, 17, 0, tzinfo=timezone.utc), datetime(2026, 12, 7, 15, 0, tzinfo=timezone.utc)
    answer = assistant.manager.answer_action
    held = DialogManager(assistant.manager.store, answer, rules=hours, clock=lambda: sunday, handoff_after_failures=2)
    session_id = held.handle(None, "xylophone quantum zebra").session_id
    assert not held.handle(session_id, "purple elephant telescope").handoff  # outside the hours: no handoff on its own
    with assistant.sql_store.engine.begin() as db:  # stored now; held on that Sunday
        db.execute(update(TurnRow).where(TurnRow.session_id == session_id).values(created_at=sunday))

    script = as_conversation_test(read_transcript(assistant.sql_store.engine, session_id))
    in_hours = DialogManager(InMemoryStore(), answer, rules=hours, clock=lambda: monday, handoff_after_failures=2)

    assert script.at == sunday and yaml.safe_load(script.to_yaml())["at"] == sunday
    assert conversation_tests.run(in_hours, script) == []  # played on Sunday, as it happened
    assert conversation_tests.run(in_hours, replace(script, at=None))  # at Monday's time it hands over: it fails


def test_a_conversation_test_from_a_transcript_replays_a_redacted_e_mail_address(assistant: Assistant) -> None:
    """The log keeps "[EMAIL]": sent back as such, the order lookup asked for the address again instead of running."""
    manager = assistant.manager
    session_id = manager.handle(None, "Where is my order NW-20481736?").session_id
    manager.handle(session_id, "jane.doe@example.com")

    script = as_conversation_test(read_transcript(assistant.sql_store.engine, session_id))
    replay = InMemoryStore()
    failures = conversation_tests.run(assistant.build_manager(replay), script)

    assert script.turns[1].user == "customer@example.com" and "turn 2: [EMAIL]" in (script.description or "")
    assert "[EMAIL]" in read_transcript(assistant.sql_store.engine, session_id).turns[1].turn.user_text  # still redacted in the log
    assert failures == []
    (replayed,) = replay.events.values()
    assert any(isinstance(event, ActionExecuted) for event in replayed)  # the lookup ran (and found no order)


def test_a_staff_reply_can_show_another_name_than_the_login(assistant: Assistant, review: ReviewPage) -> None:
    review.manager = assistant.manager
    session_id = assistant.manager.handle(None, "I want to talk to a human").session_id

    review.send_reply(session_id, "Hello!", "  Ana   from Support ", SimpleNamespace(username="ana.k.2019"))

    assert assistant.manager.tracker(session_id).agent == "Ana from Support"


def test_a_hand_back_with_the_database_down_says_so_and_leaves_the_inbox_as_it_is(assistant: Assistant, tmp_path: Path) -> None:
    """The Inbox's hand-back was outside ``database_errors_said``: with the database down it ended in Gradio's
    "Error" badges over the list, its count and the transcript, which the pages no longer hide."""
    import copy

    from sqlalchemy import create_engine

    from assistant.store.sql_store import SqlStore

    down = create_engine(f"sqlite:///{tmp_path / 'no such folder' / 'a.db'}")  # cannot be opened, like a server that is down
    manager = copy.copy(assistant.manager)
    manager.store = SqlStore(down)
    review = ReviewPage(down, manager.store, tmp_path / "review", manager=manager)

    with refused("cannot be reached|Cannot open the database"):
        review.hand_back("abc", SimpleNamespace(username="ana"))
