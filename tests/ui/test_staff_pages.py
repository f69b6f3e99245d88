"""The staff pages as agents and a lead use them on a busy day: two agents on one conversation, the name a reply
goes under, how long a customer has waited, labels saved again and again, a correct intent that does not exist,
and the knowledge-base controls a reviewer is shown. Handlers on a real SQLite store."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from types import SimpleNamespace

import gradio as gr
import pytest

from assistant.app import Assistant
from assistant.store.inbox import conversations_with_a_person
from assistant.store.review import read_transcript
from ui.kb_admin import KnowledgeBaseAdmin
from ui.review import ReviewPage
from ui.review_tables import inbox_table
from ui.review_transcript import render_transcript

from refusals import refused

PASSWORD = "a long enough password"
UNCHANGED = {"__type__": "update"}
ANA, CY, BO = SimpleNamespace(username="ana"), SimpleNamespace(username="cy"), SimpleNamespace(username="bo")


@pytest.fixture
def review(assistant: Assistant) -> ReviewPage:
    assistant.staff.set("ana", PASSWORD)
    assistant.staff.set("cy", PASSWORD)
    assistant.staff.set("bo", PASSWORD, role="reviewer")
    return ReviewPage(
        assistant.store.engine, assistant.store, export_dir=assistant.settings.data_dir / "review", manager=assistant.manager
    )


def opened_in_inbox(review: ReviewPage, session_id: str) -> str:
    """The Inbox's ``seen`` as a click on the conversation's row gives it."""
    table, _ = review.show_inbox()
    row = list(table["Session"]).index(session_id)
    _html, opened, seen = review.select_inbox_row(table, SimpleNamespace(index=[row, 0]))
    assert opened == session_id
    return seen


def test_a_reply_by_another_agent_since_the_conversation_was_opened_holds_a_reply_back_once(
    assistant: Assistant, review: ReviewPage
) -> None:
    # both were delivered: the customer got two agents' greetings, and nothing warned either of them
    session_id = assistant.manager.handle(None, "I want to talk to a human").session_id
    ana_saw, cy_saw = opened_in_inbox(review, session_id), opened_in_inbox(review, session_id)
    assert ana_saw == cy_saw == "0"
    assert review.send_reply(session_id, "Hi, this is Ana.", "", ANA, ana_saw)[0] == ""
    # one's own replies (from another tab too) hold nothing back
    assert review.send_reply(session_id, "One moment please.", "", ANA, ana_saw)[0] == ""

    with pytest.warns(UserWarning, match=r"ana replied to this customer \d+ s ago: .One moment please.*press Send again"):
        box, _table, _status, html, seen, warned = review.send_reply(session_id, "Hello! Cy here.", "", CY, cy_saw)

    assert box == UNCHANGED and seen == "2" and "One moment please." in html  # the reply kept, theirs shown
    assert [e.author for e in read_transcript(assistant.store.engine, session_id).staff if e.kind == "agent"] == ["ana", "ana"]
    box, *_rest, seen, _warned = review.send_reply(session_id, "Hello! Cy here.", "", CY, seen, warned)  # the second click sends
    assert box == "" and seen == "3"
    assert assistant.manager.tracker(session_id).agent == "cy"


def test_a_reply_goes_under_the_login_by_default_and_never_under_another_logins_name(
    assistant: Assistant, review: ReviewPage
) -> None:
    # cy could type "ana" in the name box, and the customer, the Inbox and the staff API all said ana had written
    session_id = assistant.manager.handle(None, "I want to talk to a human").session_id
    assert review._author(CY) == "cy"  # the name box's value when the page loads

    with refused("Ana is another member of staff's login"):
        review.send_reply(session_id, "Hello from Ana", " Ana ", CY, "0")
    assert not assistant.manager.tracker(session_id).agent

    review.send_reply(session_id, "Hello", "Cy (Support)", CY, "0")
    assert assistant.manager.tracker(session_id).agent == "Cy (Support)"
    assert review.logged_in_as(CY) == "Logged in as **cy** (admin)"
    assert review.logged_in_as(BO) == "Logged in as **bo** (reviewer)"


def test_waiting_counts_from_the_customers_unanswered_message_and_says_answered_once_staff_replied(
    assistant: Assistant, review: ReviewPage
) -> None:
    # "Waiting 12 min" counted from the handoff, also on a conversation staff had answered
    session_id = assistant.manager.handle(None, "I want to talk to a human").session_id
    assistant.manager.reply_as_staff(session_id, "Ana here, what can I do?", author="ana", take_over=False)
    later = datetime.now(timezone.utc) + timedelta(hours=2)

    [item] = conversations_with_a_person(assistant.store.engine)
    assert item.waiting_since is None and list(inbox_table([item], now=later)["Waiting"]) == ["answered"]

    assistant.manager.handle(session_id, "My parcel never came")
    [item] = conversations_with_a_person(assistant.store.engine)
    asked = next(view.turn.created_at for view in read_transcript(assistant.store.engine, session_id).turns if view.turn.turn_no == 2)
    assert item.awaiting_reply and item.waiting_since is not None and item.waiting_since > item.handed_off_at
    assert abs((item.waiting_since - asked.replace(tzinfo=asked.tzinfo or timezone.utc)).total_seconds()) < 2
    assert list(inbox_table([item], now=item.waiting_since + timedelta(minutes=3))["Waiting"]) == ["3 min"]


def test_an_empty_label_is_not_stored_and_each_reviewer_shows_once_with_their_latest(
    assistant: Assistant, review: ReviewPage
) -> None:
    # "Save labels" with nothing chosen stored "ana: answer not judged", and every save was listed as a label
    session_id = assistant.manager.handle(None, "How long do password reset links work?").session_id

    with refused("Nothing to save"):
        review.save_labels(session_id, "1", "not judged", "", "", "none", ANA)
    assert not read_transcript(assistant.store.engine, session_id).turns[0].annotations

    review.save_labels(session_id, "1", "right", "", "first look", "none", ANA)
    html = review.save_labels(session_id, "1", "wrong", "", "cites the wrong part", "none", ANA)
    assert html.count("<li>ana: answer") == 1 and "ana: answer wrong — cites the wrong part" in html
    assert "first look" not in html

    html = review.save_labels(session_id, "1", "not judged", "", "", "none", ANA)  # cleared: no label left
    assert "<b>Labels</b>" not in html


def test_a_reviewers_thumb_can_be_taken_back(assistant: Assistant, review: ReviewPage) -> None:
    # "none" stored nothing: the reviewer's thumbs down stayed in the feedback table
    session_id = assistant.manager.handle(None, "How long do password reset links work?").session_id
    review.save_labels(session_id, "1", "not judged", "", "", "down", BO)
    review.save_labels(session_id, "1", "not judged", "", "", "none", BO)

    view = read_transcript(assistant.store.engine, session_id).turns[0]
    assert [(f.author, f.rating) for f in view.feedback if f.source == "reviewer"] == [("bo", -1), ("bo", 0)]
    assert review.turn_labels(session_id, "1", BO)[1] == "none"
    assert "reviewer bo: thumb taken back" in render_transcript(read_transcript(assistant.store.engine, session_id))


def test_a_correct_intent_the_intent_model_does_not_know_is_refused(assistant: Assistant, review: ReviewPage) -> None:
    # "return_item_late" was saved, went into a conversation test that could never pass and into training data
    review.intent_labels = lambda: ["password_reset", "return_item", "track_order"]
    session_id = assistant.manager.handle(None, "How long do password reset links work?").session_id

    with refused("return_item_late. is not an intent the assistant knows.*Did you mean return_item"):
        review.save_labels(session_id, "1", "wrong", "return_item_late", "", "none", ANA)
    assert not read_transcript(assistant.store.engine, session_id).turns[0].annotations

    review.save_labels(session_id, "1", "wrong", "return_item", "", "none", ANA)
    assert read_transcript(assistant.store.engine, session_id).turns[0].annotations[-1].correct_intent == "return_item"
    assert {"password_reset", "return_item", "track_order"} <= set(review.known_intents())
    assert "return_item" in review.refresh_choices()[2]["choices"]  # the label form's drop-down


def test_a_reviewer_is_shown_no_knowledge_base_changes_and_a_missing_document_is_said_at_once(
    assistant: Assistant, review: ReviewPage
) -> None:
    settings = assistant.settings
    review.knowledge_base = KnowledgeBaseAdmin(
        assistant.retriever, assistant.embedder, settings.index_dir, settings.data_dir / "uploads",
        settings.chunk_max_tokens, settings.chunk_overlap_tokens,
    )
    note, controls = review.kb_controls(BO)
    assert controls == gr.update(visible=False) and note["visible"] and "need an admin's login" in note["value"]
    assert review.kb_controls(ANA) == (gr.update(value="", visible=False), gr.update(visible=True))

    # "Remove no/such-doc from the index?" was asked, and the removal refused only after "Yes"
    with pytest.raises(gr.Error, match="holds no document no/such-doc"):  # the page's gated copy says it (refused)
        review.knowledge_base.ask_removal("no/such-doc")
    with refused("holds no document no/such-doc"):
        review.knowledge_base_for_roles().ask_removal(ANA, "no/such-doc")


def test_an_export_carries_what_staff_wrote_and_the_hand_back_after_the_turn_they_followed(
    assistant: Assistant, review: ReviewPage
) -> None:
    # one row per turn, and staff replies and hand-backs were in no column: a lead could not audit agents' answers
    import csv
    import json
    from pathlib import Path

    handed = assistant.manager.handle(None, "I want to talk to a human").session_id
    assistant.manager.reply_as_staff(handed, "Hi, this is Ana.", author="ana", take_over=False)
    assistant.manager.handle(handed, "My parcel never came")
    assistant.manager.reply_as_staff(handed, "=SUM(1) I'll check it.", author="cy", take_over=False)
    assistant.manager.hand_back(handed, author="cy")
    plain = assistant.manager.handle(None, "How long do password reset links work?").session_id

    path = Path(review.export("csv", "", "", "", "", "any", "any", "any", "any", "", ""))
    with path.open(encoding="utf-8", newline="") as file:
        rows = {(row["session_id"], row["turn_no"]): row for row in csv.DictReader(file)}

    first, second = json.loads(rows[(handed, "1")]["staff"]), json.loads(rows[(handed, "2")]["staff"])
    assert [(e["kind"], e["author"], e["text"]) for e in first] == [("reply", "ana", "Hi, this is Ana.")]
    assert [(e["kind"], e["author"], e["text"]) for e in second] == [("reply", "cy", "=SUM(1) I'll check it."), ("hand_back", "cy", None)]
    assert json.loads(rows[(plain, "1")]["staff"]) == []


@pytest.mark.parametrize(
    ("reason", "shown"),
    [
        ("rules: intent complaint always goes to a person; the reply of never-answer topic 'legal advice' comes first",
         "Complaint · told about legal advice first"),
        ("rules: intent cancel_order always goes to a person", "Cancel order"),
        ("rules: topic 'injury' always goes to a person", "Injury"),
        ("taken over by bo", "Taken over by bo (no handoff asked)"),
        ("the customer asked for a human", "Asked for a person"),
        ("the customer is clearly frustrated (capitals, '!!!' or an angry emoji) and asks nothing of the shop", "Upset"),
        ("damaged parcel, wants replacement", "Damaged parcel, wants replacement"),  # the API's, as written
    ],
)
def test_the_inbox_gives_a_handoffs_reason_in_an_agents_words(reason: str, shown: str) -> None:
    # the Reason column showed the decision record: "rules: intent complaint always goes to a person; the reply of ..."
    from assistant.store.inbox import InboxItem

    now = datetime.now(timezone.utc)
    item = InboxItem("s1", "I want to sue you", now, now, reason, None, True, now)
    assert list(inbox_table([item], now=now)["Reason"]) == [shown]


def test_an_inbox_reply_under_a_first_name_keeps_the_staff_login_that_sent_it(assistant: Assistant, review: ReviewPage) -> None:
    # the reply stored only the name shown: two agents both signing "Sam" could not be told apart in an audit
    import csv
    import json
    from pathlib import Path
    from types import SimpleNamespace

    from dialog.events import AgentMessage

    review.manager = assistant.manager
    handed = assistant.manager.handle(None, "I want to talk to a human").session_id
    review.send_reply(handed, "Hi, Sam here.", "Sam", SimpleNamespace(username="sam.lee"))

    replies = [event for event in assistant.manager.store.load_events(handed) if isinstance(event, AgentMessage)]
    assert [(reply.author, reply.login) for reply in replies] == [("Sam", "sam.lee")]
    path = Path(review.export("csv", "", "", "", "", "any", "any", "any", "any", "", ""))
    with path.open(encoding="utf-8", newline="") as file:
        staff = [json.loads(row["staff"]) for row in csv.DictReader(file) if row["session_id"] == handed]
    assert [(entry["author"], entry["login"]) for entry in staff[0]] == [("Sam", "sam.lee")]
