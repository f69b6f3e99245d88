"""What a support team lead found on the staff pages: the transcript's word for a decline, the Model column of turns
that used no model, the Download box after a refused export, and the Analytics' business actions among the other
figures. Handlers on a real SQLite store."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from assistant.app import Assistant
from assistant.store.review import read_transcript
from dialog.events import ActionExecuted, BotAnswer, HandoffRequested, SlotRequested, UserMessage
from dialog.store import TurnRecord
from ui.analytics import build_analytics
from ui.review import ANALYTICS_OUTPUTS, ReviewPage
from ui.review_transcript import render_transcript

from refusals import refused

NAMES = ["search", "since", "until", "intent", "handoff", "abstained", "not_helped", "feedback", "max_score", "model", "failed_action"]
NO_FILTER = ("", "", "", "", "any", "any", "any", "any", "", "", "any")


@pytest.fixture
def review(assistant: Assistant) -> ReviewPage:
    return ReviewPage(assistant.store.engine, assistant.store, export_dir=assistant.settings.data_dir / "review",
                      passage_text=assistant.passage_text, analytics=assistant.analytics)


def conversation(assistant: Assistant, *turns: dict) -> str:  # type: ignore[type-arg]
    """A stored conversation of ``turns``: each the fields of its turn record (``events``: those after its message)."""
    store = assistant.store
    sid = store.create_session()
    for number, fields in enumerate(turns, start=1):
        fields = {"intent": "question", "action": "answer", "answer": "…", **fields}
        events = [UserMessage(text=f"message {number}"), *fields.pop("events", []), BotAnswer(text=fields["answer"])]
        store.append(sid, events, TurnRecord(session_id=sid, user_text=f"message {number}", intent_confidence=0.9,
                                             reason="test", turn_no=number, **fields))
    return sid


def lookup_turns() -> list[dict]:  # type: ignore[type-arg]
    """An order lookup: asked for the e-mail address, then run and found nothing."""
    return [
        {"intent": "order_status", "action": "business", "events": [SlotRequested(action="order_status", slot="email")]},
        {"action": "business", "events": [ActionExecuted(name="order_status", arguments={}, result={}, ok=False)]},
    ]


# -- the transcript's word for a decline -------------------------------------------------------------------------


def test_the_transcript_says_declined_as_the_list_does_and_not_helped_apart(assistant: Assistant, review: ReviewPage) -> None:
    """The list's column is "Declined" (and "Not helped" for "that didn't help", stored as abstained too); the
    transcript flagged both turns "abstained"."""
    sid = conversation(
        assistant,
        {"abstained": True},  # nothing close enough found
        {"action": "decline"},  # a topic the rules never answer: not stored as abstained
        {"intent": "not_helped", "abstained": True},
    )

    html = render_transcript(read_transcript(assistant.store.engine, sid))
    table, _, _ = review.search(*NO_FILTER)

    assert "abstained" not in html
    assert html.count('<span class="flag">declined</span>') == 2
    assert html.count('<span class="flag">not helped</span>') == 1
    assert table.iloc[0]["Declined"] == "yes" and table.iloc[0]["Not helped"] == "yes"


# -- the Model column --------------------------------------------------------------------------------------------


def test_the_model_column_says_what_produced_a_conversation_that_used_no_model(assistant: Assistant, review: ReviewPage) -> None:
    """Declines, lookups and handoffs use no model: their Model cell was empty, as a missing value's is."""
    declined = conversation(assistant, {"abstained": True})
    looked_up = conversation(assistant, *lookup_turns())
    handed = conversation(assistant, {"intent": "human", "action": "handoff", "handoff": True})
    mixed = conversation(assistant, *lookup_turns(), {"intent": "human", "action": "handoff", "handoff": True})
    chatted = conversation(assistant, {"intent": "greet", "action": "small_talk"})
    answered = conversation(assistant, {"abstained": True}, {"model": "smollm"})
    missing = conversation(assistant, {})  # an answer without its model: a missing value stays empty

    table, _, _ = review.search(*NO_FILTER)
    model = dict(zip(table["Session"], table["Model"]))

    assert model[declined] == "declined"
    assert model[looked_up] == "action: order_status"
    assert model[handed] == "handoff"
    assert model[mixed] == "action: order_status, handoff"
    assert model[chatted] == "small talk"
    assert model[answered] == "smollm"
    assert model[missing] == ""


def test_the_transcript_says_what_produced_each_turn_that_used_no_model(assistant: Assistant, review: ReviewPage) -> None:
    sid = conversation(
        assistant, {"abstained": True}, *lookup_turns(), {"intent": "human", "action": "handoff", "handoff": True},
        {"model": "smollm"}, {},
    )

    html, *_ = review.open_transcript(sid)
    models = [part.split(" · ")[0] for part in html.split("model: ")[1:]]

    assert models == ["declined", "action: order_status", "action: order_status", "handoff", "smollm", "—"]


def test_the_export_keeps_the_stored_model_of_turns_that_used_none(assistant: Assistant, review: ReviewPage) -> None:
    """Programs read the export: a turn without a model keeps an empty ``model`` (CSV) or null (JSONL)."""
    conversation(assistant, {"abstained": True}, *lookup_turns(), {"action": "handoff", "handoff": True}, {"model": "smollm"})

    with Path(review.export("csv", *NO_FILTER)).open(encoding="utf-8", newline="") as file:
        from_csv = [row["model"] for row in csv.DictReader(file)]
    lines = Path(review.export("jsonl", *NO_FILTER)).read_text(encoding="utf-8").splitlines()
    from_jsonl = [json.loads(line)["model"] for line in lines]

    assert sorted(from_csv) == ["", "", "", "", "smollm"]
    assert sorted(from_jsonl, key=str) == [None, None, None, None, "smollm"]


# -- the Download box after a refused export ---------------------------------------------------------------------


def test_a_refused_export_empties_the_download_box(assistant: Assistant, review: ReviewPage) -> None:
    """A refusal left the file of the export before in the Download box, as if it were this one's."""
    page = review.build()
    buttons = {"review-export", "review-as-test", "review-as-example"}
    makers = [fn for fn in page.fns.values() if fn.targets and {getattr(page.blocks.get(t[0]), "elem_id", None) for t in fn.targets} & buttons]
    cleared = [
        fn for fn in page.fns.values()
        if fn.trigger_only_on_failure and fn.trigger_after in {maker._id for maker in makers}
    ]

    assert len(makers) == 3 and len(cleared) == 3
    for step in cleared:
        assert [block.elem_id for block in step.outputs] == ["review-download"]
        assert step.fn() == {"__type__": "update", "value": None, "visible": False}
    sid = conversation(assistant, {"abstained": True})
    with refused("no answered turn"):
        review.to_training_examples(sid)


# -- the Analytics' business actions --------------------------------------------------------------------------------


def test_build_analytics_gives_the_business_actions_with_the_other_figures(assistant: Assistant, review: ReviewPage) -> None:
    conversation(assistant, *lookup_turns())
    conversation(assistant, {"action": "business", "events": [ActionExecuted(name="order_status", ok=True)]})
    conversation(assistant, {"action": "handoff", "handoff": True, "events": [HandoffRequested(reason="asked")]})

    figures = build_analytics(assistant.store.engine, None, None)
    shown = review.show_analytics("", "")

    assert figures["actions"].values.tolist() == [["order_status", 2, 1]]
    assert list(figures["actions"].columns) == ["action", "runs", "failed"]
    assert ANALYTICS_OUTPUTS[-1] == "actions" and shown[-1].values.tolist() == [["order_status", 2, 1]]
    assert build_analytics(assistant.store.engine, None, None)["actions"].shape == (1, 3)


def test_the_analytics_tab_fills_its_business_actions_in_one_step(review: ReviewPage) -> None:
    """Show and opening the tab each run one step, whose outputs end with the business actions' table (they were a
    second step, chained after the figures)."""
    page = review.build()

    steps = [fn for fn in page.fns.values() if getattr(fn.fn, "__name__", "") == "show_analytics"]
    chained = [fn for fn in page.fns.values() if fn.trigger_after in {step._id for step in steps}]

    assert len(steps) == 2 and chained == []
    for step in steps:
        assert [block.elem_id for block in step.outputs][-1] == "analytics-actions"
        assert len(step.outputs) == len(ANALYTICS_OUTPUTS)
