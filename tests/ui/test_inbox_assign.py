"""Assigning Inbox conversations, handlers on a real SQLite store: with six agents two answered the same customer, as
nothing said who had taken a conversation. A reply takes a conversation nobody has; "Assign to me" and "Unassign";
another agent's reply to a taken conversation is held back once."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from assistant.app import Assistant
from assistant.store.inbox import assigned_to
from ui.review import ReviewPage

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


def assigned_column(review: ReviewPage, session_id: str) -> str:
    table, _status = review.show_inbox()
    return str(table.set_index("Session").loc[session_id, "Assigned to"])


def test_a_reply_to_a_conversation_nobody_has_takes_it(assistant: Assistant, review: ReviewPage) -> None:
    session_id = assistant.manager.handle(None, "I want to talk to a human").session_id
    assert assigned_column(review, session_id) == ""
    assert review.assignment_note(session_id, ANA) == "Not assigned: **Assign to me**, or reply, to take it."

    assert review.send_reply(session_id, "Hi, this is Ana.", "", ANA, "0")[0] == ""

    assert assigned_column(review, session_id) == "ana"
    assert review.assignment_note(session_id, ANA) == "**Assigned to you.**"
    assert review.assignment_note(session_id, CY) == "Assigned to **ana**: they are answering this customer."


def test_another_agents_reply_to_a_taken_conversation_is_held_back_once(assistant: Assistant, review: ReviewPage) -> None:
    session_id = assistant.manager.handle(None, "I want to talk to a human").session_id
    review.assign_to_me(session_id, ANA)

    with pytest.warns(UserWarning, match=r"^This conversation is assigned to ana\. Yours was not sent: press Send again"):
        box, _table, _status, _html, seen, warned = review.send_reply(session_id, "Hello! Cy here.", "", CY, "0", "")
    assert box == UNCHANGED and seen == "0" and warned and not assistant.manager.tracker(session_id).agent

    box, *_rest, seen, warned = review.send_reply(session_id, "Hello! Cy here.", "", CY, seen, warned)  # the second click sends
    assert box == "" and seen == "1" and assistant.manager.tracker(session_id).agent == "cy"
    assert review.send_reply(session_id, "Anything else?", "", CY, seen, warned)[0] == ""  # warned once, not at every reply
    assert assigned_to(assistant.store.engine, session_id) == "ana"  # still hers: a reply takes only a free one
    assert review.send_reply(session_id, "Ana here.", "", ANA, "2")[0] == ""  # her own conversation: nothing held


def test_assign_to_me_takes_it_over_and_unassign_frees_it_for_either_role(
    assistant: Assistant, review: ReviewPage, capsys: pytest.CaptureFixture[str]
) -> None:
    session_id = assistant.manager.handle(None, "I want to talk to a human").session_id

    table, _status, _html = review.assign_to_me(session_id, BO)  # a reviewer may take one
    assert table.set_index("Session").loc[session_id, "Assigned to"] == "bo"
    review.assign_to_me(session_id, ANA)
    assert assigned_column(review, session_id) == "ana"
    review.unassign_conversation(session_id, BO)

    said = capsys.readouterr().out  # gr.Info prints outside a running app
    assert "Assigned to you.\nAssigned to you (instead of bo).\nUnassigned: ana no longer has it." in said
    assert assigned_column(review, session_id) == "" and assigned_to(assistant.store.engine, session_id) is None


def test_a_hand_back_clears_it_and_a_conversation_nobody_has_cannot_be_assigned(assistant: Assistant, review: ReviewPage) -> None:
    session_id = assistant.manager.handle(None, "I want to talk to a human").session_id
    review.assign_to_me(session_id, ANA)
    assistant.manager.hand_back(session_id, author="ana")

    assert review.assignment_note(session_id, ANA) == ""
    with refused("not with a person"):
        review.assign_to_me(session_id, ANA)
    with refused("not with a person"):
        review.unassign_conversation(session_id, ANA)
    with refused("Open a conversation from the inbox first"):
        review.assign_to_me("", ANA)

    assistant.manager.handle(session_id, "I want to talk to a human again")  # handed off again: nobody has it yet
    assert assigned_column(review, session_id) == "" and assigned_to(assistant.store.engine, session_id) is None


def test_a_new_handoff_to_the_same_agent_holds_a_reply_back_again(assistant: Assistant, review: ReviewPage) -> None:
    # the server remembered "sent anyway" as (login, conversation, assignee) for its whole life: after a hand-back and
    # a new handoff that ana took again, cy's reply went straight out. The page keeps it now, for one handoff.
    session_id = assistant.manager.handle(None, "I want to talk to a human").session_id
    review.assign_to_me(session_id, ANA)
    with pytest.warns(UserWarning, match="assigned to ana"):
        *_shown, warned = review.send_reply(session_id, "Hello! Cy here.", "", CY, "0", "")
    assert review.send_reply(session_id, "Hello! Cy here.", "", CY, "0", warned)[0] == ""  # sent anyway
    with pytest.warns(UserWarning, match="assigned to ana"):  # another page (a new tab) has not been warned
        review.send_reply(session_id, "From my other tab.", "", CY, "1", "")
    assistant.manager.hand_back(session_id, author="cy")
    assistant.manager.handle(session_id, "I want to talk to a human again")
    review.assign_to_me(session_id, ANA)

    with pytest.warns(UserWarning, match=r"^This conversation is assigned to ana\. Yours was not sent"):
        box, *_shown, again = review.send_reply(session_id, "Cy again.", "", CY, "1", warned)
    assert box == UNCHANGED and again != warned
    assert review.send_reply(session_id, "Cy again.", "", CY, "1", again)[0] == ""
    assert not hasattr(review, "_warned_of_assignee")  # nothing about it kept in the server
