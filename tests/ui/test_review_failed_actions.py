"""Failed lookups on the staff pages: an order lookup that found nothing is neither declined nor scored, so the
Conversations tab's *Lookup failed* filter and the Analytics tab's table of business actions are where staff find
them (``LogFilter.failed_action``, ``analytics.action_runs``). Handlers on a real SQLite store."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from assistant.app import Assistant
from dialog import conversation_tests
from dialog.events import ActionExecuted, BotAnswer, UserMessage
from dialog.store import TurnRecord
from ui.review import ANALYTICS_OUTPUTS, ReviewPage
from ui.review_filters import build_filter

from refusals import refused

# the Conversations tab's filters in the page's order (ui/review.py: ``filters``), none set
NAMES = ["search", "since", "until", "intent", "handoff", "abstained", "not_helped", "feedback", "max_score", "model", "failed_action"]
NO_FILTER = dict(zip(NAMES, ["", "", "", "", "any", "any", "any", "any", "", "", "any"]))


def filters(**changes: str) -> tuple[str, ...]:
    return tuple({**NO_FILTER, **changes}[name] for name in NAMES)


@pytest.fixture
def review(assistant: Assistant) -> ReviewPage:
    return ReviewPage(assistant.store.engine, assistant.store, export_dir=assistant.settings.data_dir / "review",
                      analytics=assistant.analytics)


def lookup(assistant: Assistant, found: bool | None) -> str:
    """A conversation: a question, then (unless ``found`` is None) an order lookup that found the order or not."""
    store = assistant.store
    sid = store.create_session()
    events = [UserMessage(text="where is my order NW-1?")]
    if found is not None:
        events.append(ActionExecuted(name="order_status", arguments={"order_number": "NW-1"}, result={"found": found}, ok=found))
    events.append(BotAnswer(text="…"))
    store.append(sid, events, TurnRecord(session_id=sid, user_text="where is my order NW-1?", intent="order_status",
                                         intent_confidence=0.9, action="business" if found is not None else "answer",
                                         reason="test", answer="…", turn_no=1))
    return sid


def test_the_lookup_failed_filter_lists_the_conversations_with_a_failed_lookup(assistant: Assistant, review: ReviewPage) -> None:
    failed, found, asked = lookup(assistant, False), lookup(assistant, True), lookup(assistant, None)

    every, _, _ = review.search(*filters())
    with_failure, _, _ = review.search(*filters(failed_action="yes"))
    without, _, status = review.search(*filters(failed_action="no"))

    assert set(every["Session"]) == {failed, found, asked}
    assert list(with_failure["Session"]) == [failed]
    assert set(without["Session"]) == {found, asked} and status == "2 conversation(s)"
    # the filters after it keep their places: a Feedback of "down" still reads as Feedback
    assert build_filter(*filters(failed_action="yes", feedback="down", model="m")).failed_action is True
    assert build_filter(*filters(feedback="down", model="m")).feedback == "down"


def test_paging_and_the_export_keep_the_lookup_failed_filter(assistant: Assistant, review: ReviewPage) -> None:
    failed, found = lookup(assistant, False), lookup(assistant, True)

    table, cursor, shown, status = review.previous_page([None, ["2999-01-01T00:00:00+00:00", "x"]], *filters(failed_action="yes"))
    exported = Path(review.export("jsonl", *filters(failed_action="yes"))).read_text(encoding="utf-8")

    assert list(table["Session"]) == [failed] and cursor is None
    assert failed in exported and found not in exported


def test_the_analytics_count_each_business_action_and_its_failures(assistant: Assistant, review: ReviewPage) -> None:
    lookup(assistant, False), lookup(assistant, False), lookup(assistant, True), lookup(assistant, None)

    table = review.show_analytics("", "")[ANALYTICS_OUTPUTS.index("actions")]
    later = review.show_analytics("2999-01-01", "")[ANALYTICS_OUTPUTS.index("actions")]

    assert list(table.columns) == ["action", "runs", "failed"]
    assert table.values.tolist() == [["order_status", 3, 2]]
    assert later.empty and list(later.columns) == ["action", "runs", "failed"]
    with refused("To .* is before From"):
        review.show_analytics("2026-11-05", "2026-11-01")


def test_the_analytics_tab_shows_the_action_runs_with_its_figures(assistant: Assistant, review: ReviewPage) -> None:
    """One step gives every figure, the business actions' table the last (``build_analytics``): it was a second
    step, chained after the figures."""
    page = review.build()

    steps = [fn for fn in page.fns.values() if getattr(fn.fn, "__name__", "") == "show_analytics"]

    assert len(steps) == 2  # on Show and on opening the tab
    for step in steps:
        assert [block.elem_id for block in step.outputs][-1] == "analytics-actions"


def test_a_scripts_at_says_what_a_test_logged_in_the_database_keeps() -> None:
    assert re.search(r"--use-database.*real time", conversation_tests.TEST_KEYS["at"])


def test_the_review_docs_name_the_lookup_failed_filter_and_the_export_option() -> None:
    docs = (Path(__file__).parents[2] / "docs" / "review.md").read_text(encoding="utf-8")

    assert "--failed-action" in docs and "Lookup failed" in docs
    assert "expects `abstained: false`" in docs and "the eleven filters" in docs
    assert "a complaint that opens a conversation follows no answer" in docs
