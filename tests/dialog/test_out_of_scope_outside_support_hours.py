"""An off-topic keyword of the rules file ("what's the weather tomorrow?") hands over at once within support hours; outside
them nobody would come, and every such message queued a conversation in the Inbox for the morning. Outside the hours it
gets the ``off_topic`` reply (what the assistant helps with), as a request for a joke does, and no handoff."""

from __future__ import annotations

from datetime import datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from answer_fakes import FirstSentence, OneArticle, article
from assistant.store import SqlStore, make_engine
from assistant.store.inbox import count_with_a_person
from dialog.actions import AnswerFromKnowledgeBase
from dialog.business_rules import BusinessRules, SupportHours
from dialog.manager import DialogManager
from dialog.nlu.rules import RuleBasedIntents
from dialog.policies import OFF_TOPIC, HandoffPolicy, default_policies
from dialog.replies import DEFAULT_REPLIES
from dialog.tracker import Tracker

NEW_YORK = ZoneInfo("America/New_York")
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday")
HOURS = SupportHours("America/New_York", "ET", {**{day: (time(8), time(20)) for day in WEEKDAYS}, "sunday": None})
RULES = BusinessRules(out_of_scope_keywords=("weather", "football"), support_hours=HOURS, shop_subjects=("delivery",))
MONDAY_MORNING = datetime(2026, 12, 7, 10, 0, tzinfo=NEW_YORK)
SUNDAY = datetime(2026, 12, 6, 10, 0, tzinfo=NEW_YORK)
MONDAY_NIGHT = datetime(2026, 12, 7, 23, 30, tzinfo=NEW_YORK)


def predict(text: str, now: datetime, rules: BusinessRules = RULES):
    return HandoffPolicy(rules, clock=lambda: now).predict(Tracker("s"), RuleBasedIntents().understand(text), text)


def test_within_support_hours_an_off_topic_keyword_hands_over() -> None:
    prediction = predict("what's the weather tomorrow?", MONDAY_MORNING)

    assert prediction is not None and prediction.action == "handoff"


@pytest.mark.parametrize("now", [SUNDAY, MONDAY_NIGHT])
def test_outside_support_hours_it_gets_the_off_topic_reply(now: datetime) -> None:
    prediction = predict("what's the weather tomorrow?", now)

    assert prediction is not None and (prediction.action, prediction.argument) == ("small_talk", OFF_TOPIC)
    assert "outside support hours" in prediction.reason


def test_without_support_hours_it_hands_over_at_any_time() -> None:
    rules = BusinessRules(out_of_scope_keywords=("weather",))

    assert predict("what's the weather tomorrow?", SUNDAY, rules).action == "handoff"


def test_a_mention_in_a_shop_question_is_still_no_off_topic_request() -> None:
    assert predict("will bad weather delay my delivery?", SUNDAY) is None


def bot(store: SqlStore, now: datetime) -> DialogManager:
    answer = AnswerFromKnowledgeBase(OneArticle(article("shipping/times", "Orders arrive in 3-5 days.")), None, top_k=3,
                                     min_score=0.45, max_new_tokens=8, extractive=FirstSentence())
    clock = lambda: now  # noqa: E731
    return DialogManager(store, answer, rules=RULES, policies=default_policies(RULES, clock=clock), clock=clock)


@pytest.mark.parametrize("now, queued", [(SUNDAY, 0), (MONDAY_MORNING, 1)])
def test_only_within_support_hours_the_inbox_gets_it(tmp_path: Path, now: datetime, queued: int) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'conversations.db'}")
    try:
        reply = bot(SqlStore(engine), now).handle(None, "What's the weather in Paris tomorrow?")

        assert count_with_a_person(engine) == queued
        if queued:
            assert (reply.action, reply.handoff) == ("handoff", True)
        else:
            assert (reply.action, reply.handoff, reply.text) == ("small_talk", False, DEFAULT_REPLIES.off_topic)
    finally:
        engine.dispose()


def test_without_a_clock_it_hands_over_at_any_hour() -> None:
    """The dialog manager gives its own clock (a conversation script's ``at`` sets it); a policy without one keeps
    the handoff rather than read another time than the conversation's."""
    text = "what's the weather tomorrow?"

    assert HandoffPolicy(RULES).predict(Tracker("s"), RuleBasedIntents().understand(text), text).action == "handoff"
