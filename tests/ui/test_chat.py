"""The chat page handlers, driven with the fake-wired dialog manager (no browser, no server)."""

from __future__ import annotations

import copy
import re
import threading

import gradio as gr
import pytest

from assistant.store.review import read_transcript
from dialog.events import BotAnswer, FeedbackGiven, HandoffRequested, IntentPredicted, SessionStarted, UserMessage
from dialog.manager import TurnResult
from dialog.actions import HANDED_BACK, RELAYED
from ui.chat import (
    HANDOFF_REQUEST,
    MAX_OPTIONS,
    UNRATED,
    ChatPage,
    article_link,
    customer_text,
    format_sources,
    history_from_events,
    pending_options,
    plain_text,
    staff_message,
    turn_of_message,
)


def result(sources: list[dict], abstained: bool = False) -> TurnResult:
    return TurnResult("s", "answer", "answer", "why", "question", sources=sources, abstained=abstained)


def source(n: int, doc_id: str, heading: str, cited: bool = True, url: str | None = None) -> dict:
    return {"n": n, "doc_id": doc_id, "title": heading.split(" > ")[0], "heading": heading, "url": url, "score": 0.5, "cited": cited}


def test_format_sources_links_articles_and_faq_anchors() -> None:
    text = format_sources(
        result(
            [
                source(1, "accounts/reset-password", "Reset your password > How long the link works"),
                source(2, "faq#do-you-offer-gift-wrapping", "Do you offer gift wrapping?"),
                source(3, "shipping/costs", "Shipping costs", cited=False),
            ]
        )
    )

    assert text.startswith("\n\n**Sources**\n- ")
    assert "[1] [Reset your password &gt; How long the link works](/kb/accounts/reset-password#how-long-the-link-works)" in text
    assert "[2] [Do you offer gift wrapping?](/kb/faq#do-you-offer-gift-wrapping)" in text
    assert "shipping/costs" not in text  # not cited


def test_format_sources_uses_a_source_url_and_escapes_headings() -> None:
    text = format_sources(result([source(1, "x", "<b>Bold</b> & co", url="https://help.example/x")]))

    assert "[1] [&lt;b&gt;Bold&lt;/b&gt; &amp; co](https://help.example/x)" in text


def test_article_link_quotes_odd_characters() -> None:
    assert article_link({"doc_id": "guides/a b", "url": None}) == "/kb/guides/a%20b"


@pytest.mark.parametrize("url", ["javascript:alert(document.cookie)", " JavaScript:alert(1)", "data:text/html,<script>", "file:///etc/passwd"])
def test_a_source_whose_url_is_not_a_web_address_links_to_its_article_page(url: str) -> None:
    """An index built before the loaders checked URLs may hold a front matter's ``url: javascript:...``."""
    assert article_link({"doc_id": "billing/gift-cards", "url": url}) == "/kb/billing/gift-cards"
    assert article_link({"doc_id": "x", "url": "https://help.example/x"}) == "https://help.example/x"


def test_no_sources_block_when_declined_or_empty() -> None:
    assert format_sources(result([source(1, "a", "A")], abstained=True)) == ""
    assert format_sources(result([])) == ""


def test_respond_streams_and_ends_with_answer_and_sources(assistant) -> None:
    page = ChatPage(assistant.manager)
    history = [{"role": "user", "content": "hello"}, {"role": "assistant", "content": "Hello!"}]

    # the handler updates one history list in place; Gradio sends each yield at once, so snapshot them
    steps = [(copy.deepcopy(h), box, sid) for h, box, sid in page.respond("  How much does express shipping cost? ", history, None)]

    assert len(steps) > 3
    # at once: the question moves from the box to the chat, before the conversation exists
    assert steps[0] == (history + [{"role": "user", "content": "How much does express shipping cost?"}], "", None)
    session_ids = {session_id for _, _, session_id in steps[1:]}
    assert len(session_ids) == 1 and None not in session_ids
    assert all(box == gr.update() for _, box, _ in steps[1:])  # the box is left to the next question
    drafts = [h[-1]["content"] for h, _, _ in steps[1:]]
    assert all(draft.endswith(" ▌") for draft in drafts[1:-1])
    cursorless = [d.removesuffix(" ▌") for d in drafts[:-1]]
    assert all(b.startswith(a) and len(b) > len(a) for a, b in zip(cursorless, cursorless[1:]))
    final_history = steps[-1][0]
    assert final_history[:2] == history
    assert final_history[2] == {"role": "user", "content": "How much does express shipping cost?"}
    reply = final_history[3]
    assert reply["role"] == "assistant"
    assert "$12.50" in reply["content"]
    assert "**Sources**" in reply["content"]
    assert "(/kb/shipping/shipping-costs#express-shipping)" in reply["content"]
    assert history == final_history[:2]  # the caller's list is not modified


def test_respond_continues_the_given_session(assistant) -> None:
    page = ChatPage(assistant.manager)
    session_id = assistant.manager.start_session()

    *_, (history, _, returned) = page.respond("hello", [], session_id)

    assert returned == session_id
    assert len(assistant.manager.tracker(session_id).exchanges) == 1


def test_the_id_the_browser_keeps_is_written_while_the_answer_streams_once_it_is_known(assistant) -> None:
    """Written only by the sync after the answer, a reload right after the answer found no conversation."""
    page = ChatPage(assistant.manager)

    steps = list(page.respond_and_remember("How much does express shipping cost?", [], None))

    session_id = steps[-1][2]
    written = [n for n, step in enumerate(steps) if step[3] != gr.skip()]
    assert [steps[n][3] for n in written] == [{"session_id": session_id}]  # once, as soon as the conversation has its id
    assert written[0] < len(steps) - 1  # before the answer is complete
    again = list(page.respond_and_remember("and to Canada?", steps[-1][0], session_id))
    assert all(step[3] == gr.skip() for step in again)  # the same conversation: nothing to write


def test_respond_with_unknown_session_starts_a_new_one(assistant) -> None:
    page = ChatPage(assistant.manager)

    *_, (history, _, session_id) = page.respond("hello", [], "expired-session-id")

    assert session_id != "expired-session-id"
    assert history[-1]["content"].startswith("Hello!")


@pytest.mark.parametrize("message", ["   ", "y" * 5000])
def test_invalid_message_stays_in_the_box_with_a_warning(assistant, message: str) -> None:
    page = ChatPage(assistant.manager)
    history = [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "Hello!"}]
    sessions_before = assistant.store.session_count()

    with pytest.warns(UserWarning, match="empty|limit"):
        steps = list(page.respond(message, history, None))

    assert steps == [(history, message, None)]
    assert assistant.store.session_count() == sessions_before


def test_new_conversation_clears_everything() -> None:
    assert ChatPage.new_conversation() == ([], "", None)


def like(index: int, liked: bool | str) -> gr.LikeData:
    return gr.LikeData(None, {"index": index, "value": ["…"], "liked": liked})


def feedback_rows(assistant, session_id: str) -> list[tuple[int, int | None, str | None, str]]:  # type: ignore[no-untyped-def]
    transcript = read_transcript(assistant.sql_store.engine, session_id)
    assert transcript is not None
    return [(f.turn_no, f.rating, f.comment, f.source) for view in transcript.turns for f in view.feedback]


def test_turn_of_message_counts_the_customers_messages() -> None:
    history = [
        {"role": "user", "content": "hi"},
        {"role": "assistant", "content": "Hello!"},
        {"role": "user", "content": "refund?"},
        {"role": "assistant", "content": "Within 45 days."},
    ]

    assert [turn_of_message(history, i) for i in range(4)] == [None, 1, None, 2]
    assert turn_of_message(history, 4) is None
    assert turn_of_message(history, -1) is None
    assert turn_of_message(history, (1, 1)) is None
    assert turn_of_message([{"role": "assistant", "content": "Welcome"}], 0) is None  # answers no question


def test_thumbs_down_then_a_comment_are_stored_on_that_turn(assistant) -> None:
    page = ChatPage(assistant.manager)
    *_, (history, _, session_id) = page.respond("hello", [], None)
    *_, (history, _, session_id) = page.respond("How much does express shipping cost?", history, session_id)

    turn, panel, box, _ = page.rate(history, session_id, like(3, False))

    assert turn == 2
    assert panel["visible"] is True
    assert box["label"] == "What was wrong with this answer? (optional)"
    turn, panel, box = page.comment("  I asked about standard shipping.  ", session_id, turn)
    assert (turn, panel["visible"], box["value"]) == (None, False, "")
    rated_small_talk, *_ = page.rate(history, session_id, like(1, True))
    assert rated_small_talk == 1
    assert feedback_rows(assistant, session_id) == [
        (1, 1, None, "customer"),
        (2, -1, None, "customer"),
        (2, None, "I asked about standard shipping.", "customer"),
    ]


def test_an_empty_comment_only_closes_the_box(assistant) -> None:
    page = ChatPage(assistant.manager)
    *_, (history, _, session_id) = page.respond("hello", [], None)

    assert page.comment("   ", session_id, 1)[0] is None
    assert feedback_rows(assistant, session_id) == []


@pytest.mark.parametrize(
    "history, index, liked",
    [
        ([{"role": "assistant", "content": "A warning, not an answer"}], 0, False),  # no stored turn behind it
        ([{"role": "user", "content": "hi"}, {"role": "assistant", "content": "Hello!"}], 0, True),  # not an answer
        ([{"role": "user", "content": "hi"}, {"role": "assistant", "content": "Hello!"}], 7, True),  # out of range
    ],
)
def test_rating_something_that_is_not_a_stored_answer_warns_and_stores_nothing(  # type: ignore[no-untyped-def]
    assistant, history: list[dict], index: int, liked: bool
) -> None:
    page = ChatPage(assistant.manager)
    session_id = assistant.manager.start_session()

    with pytest.warns(UserWarning, match="can be rated"):
        turn, panel, *_ = page.rate(history, session_id, like(index, liked))

    assert (turn, panel["visible"]) == (None, False)
    assert feedback_rows(assistant, session_id) == []


def test_rating_a_turn_the_store_does_not_have_warns(assistant) -> None:
    page = ChatPage(assistant.manager)
    session_id = assistant.manager.start_session()  # the page shows a turn that was never stored
    history = [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "Hello!"}]

    with pytest.warns(UserWarning, match="no turn 1"):
        assert page.rate(history, session_id, like(1, True))[0] is None
    with pytest.warns(UserWarning, match="This conversation no longer exists"):
        assert page.rate(history, "purged-session", like(1, False))[0] is None


def test_taking_a_thumb_back_is_stored_and_closes_the_box(assistant) -> None:
    page = ChatPage(assistant.manager)
    *_, (history, _, session_id) = page.respond("hello", [], None)
    page.rate(history, session_id, like(1, False))
    assert page.sync(session_id)[-1]["feedback_value"] == ["Dislike"]

    turn, panel, *_ = page.rate(history, session_id, like(1, ""))  # the thumb clicked again

    assert (turn, panel["visible"]) == (None, False)
    assert [row[:2] for row in feedback_rows(assistant, session_id)] == [(1, -1), (1, 0)]
    assert page.sync(session_id)[-1]["feedback_value"] == [None]


def test_a_reload_shows_the_thumbs_given(assistant) -> None:
    page = ChatPage(assistant.manager)
    *_, (history, _, session_id) = page.respond("hello", [], None)
    *_, (history, _, _) = page.respond("How much does express shipping cost?", history, session_id)
    page.rate(history, session_id, like(3, True))
    page.rate(history, session_id, like(1, False))
    page.rate(history, session_id, like(1, True))  # changed its mind

    assert page.sync(session_id)[-1]["feedback_value"] == ["Like", "Like"]


def test_talk_to_human_hands_off_through_the_dialog(assistant) -> None:
    page = ChatPage(assistant.manager)
    *_, (history, _, session_id) = page.respond("hello", [], None)
    banner, button, timer, examples = page.handoff_state(session_id)
    assert (banner["visible"], button["value"], timer["active"], timer["value"]) == (False, "Talk to a human", True, 15)
    assert examples["visible"] is True

    *_, (history, returned) = page.talk_to_human(history, session_id)

    assert returned == session_id
    assert history[-2] == {"role": "user", "content": HANDOFF_REQUEST}
    assert "member of our support team" in history[-1]["content"]
    assert page.handed_off(session_id)
    banner, button, timer, examples = page.handoff_state(session_id)
    assert banner["visible"] is True and button["value"] == "Back to the assistant"
    assert examples["visible"] is False  # "Try" offers questions for the assistant, which does not answer now
    assert (timer["active"], timer["value"]) == (True, 3)
    transcript = read_transcript(assistant.sql_store.engine, session_id)
    assert transcript is not None
    last = transcript.turns[-1].turn
    assert (last.turn_no, last.action, last.handoff) == (2, "handoff", True)


def test_without_a_conversation_there_is_no_handoff_and_nothing_to_remember() -> None:
    page = ChatPage(None)  # type: ignore[arg-type]  # not consulted without a session id

    banner, button, timer, examples, saved, *options, thumbs = page.sync(None)
    assert (banner["visible"], button["value"], timer["active"], saved) == (False, "Talk to a human", False, {"session_id": None})
    assert thumbs["feedback_value"] == []
    assert len(options) == MAX_OPTIONS and not any(o["visible"] for o in options)
    assert saved  # a truthy value, so the browser's storage forgets the old id


def test_restore_rebuilds_the_conversation_with_its_sources(assistant) -> None:
    page = ChatPage(assistant.manager)
    *_, (live, _, session_id) = page.respond("How much does express shipping cost?", [], None)
    *_, (live, _, session_id) = page.respond("I don't know what a flux capacitor warranty covers", live, session_id)
    *_, (live, session_id) = page.talk_to_human(live, session_id)

    history, restored_id = page.restore(page.remember(session_id))

    assert restored_id == session_id
    assert history == live  # exactly what the customer saw, sources and the declined answer included
    assert "(/kb/shipping/shipping-costs#express-shipping)" in history[1]["content"]
    assert "**Sources**" not in history[3]["content"]
    assert page.handed_off(session_id)


def test_restore_of_an_unknown_or_missing_session_starts_fresh(assistant) -> None:
    page = ChatPage(assistant.manager)

    for saved in ({"session_id": "purged-session"}, {"session_id": None}, {}, None, "junk", {"session_id": 7}):
        assert page.restore(saved) == ([], None)
    assert page.handed_off("purged-session") is False


def test_history_from_events_skips_everything_but_messages() -> None:
    events = [
        SessionStarted(),
        UserMessage(text="hi"),
        IntentPredicted(intent="greet", confidence=0.9),
        BotAnswer(text="Hello!", action="small_talk"),
        FeedbackGiven(turn_no=1, rating=1),
        HandoffRequested(reason="api"),
    ]

    assert history_from_events(events) == [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "Hello!"}]


def test_a_purged_session_mid_conversation_shows_only_the_new_one(assistant) -> None:
    page = ChatPage(assistant.manager)
    stale = [{"role": "user", "content": "old"}, {"role": "assistant", "content": "old answer"}]

    *_, (history, _, session_id) = page.respond("hello", stale, "purged-session")

    assert [m["role"] for m in history] == ["user", "assistant"]
    assert page.rate(history, session_id, like(1, True))[0] == 1  # turn numbers match the store again


def test_the_embed_script_is_served_and_the_chat_page_may_be_framed(assistant) -> None:
    from fastapi.testclient import TestClient

    from ui.server import create_app

    app = create_app(ChatPage(assistant.manager).build(), assistant.retriever)
    with TestClient(app) as client:
        script = client.get("/embed.js")
        page = client.get("/")

    assert script.status_code == 200
    assert script.headers["content-type"].startswith("text/javascript")
    assert 'new URL("./?embed=1", script.src)' in script.text  # the chat beside the script, wherever it is served
    assert page.status_code == 200
    assert "x-frame-options" not in page.headers  # docs/embedding.md: restrict framing at the proxy
    assert "frame-ancestors" not in page.headers.get("content-security-policy", "")


def test_a_tab_that_missed_turns_catches_up_with_the_stored_conversation(assistant) -> None:
    page = ChatPage(assistant.manager)
    *_, (first_tab, _, session_id) = page.respond("hello", [], None)
    *_, (second_tab, _, _) = page.respond("How much does express shipping cost?", first_tab, session_id)

    *_, (first_tab, _, _) = page.respond("thanks", first_tab, session_id)  # it never saw the second turn

    assert [m["content"][:12] for m in first_tab if m["role"] == "user"] == ["hello", "How much doe", "thanks"]
    assert first_tab == page.restore(page.remember(session_id))[0]
    assert turn_of_message(first_tab, 5) == 3


class CloseIntents:
    """A stand-in intent model that cannot tell a refund from an order-status check (a business action)."""

    name = "fake"

    def understand(self, text: str):
        from dialog.nlu.base import Understanding

        return Understanding("refund", 0.45, ranking=(("refund", 0.45), ("order_status", 0.4)), source="classifier")


def test_a_clarifying_question_shows_buttons_and_a_click_sends_its_label(assistant) -> None:
    from dialog.business import demo_actions
    from dialog.manager import DialogManager
    from dialog.nlu.combine import Understander

    manager = DialogManager(
        assistant.store, assistant.manager.answer_action, understander=Understander(CloseIntents()), actions=demo_actions()
    )
    page = ChatPage(manager)

    *_, (history, _, session_id) = page.respond("I want my money back", [], None)

    *_, saved, first, second, third, fourth, _ = page.sync(session_id)
    assert (first["value"], first["visible"]) == ("Get a refund", True)
    assert (second["value"], second["visible"]) == ("Check the status of an order", True)
    assert third["visible"] is False and fourth["visible"] is False
    assert "- Get a refund" in history[-1]["content"]

    *_, (history, box, _) = page.respond(first["value"], history, session_id)  # what the button's click sends

    assert history[-2] == {"role": "user", "content": "Get a refund"} and box == gr.update()
    turns = assistant.store.turns(session_id)
    assert (turns[0].intent, turns[0].action) == ("refund", "answer")  # the chosen intent, answered
    assert not any(button["visible"] for button in page.option_buttons(session_id))


def test_pending_options_only_while_the_question_is_open() -> None:
    from dialog.events import ClarificationAsked

    asked = [UserMessage(text="How do I cancel?"), ClarificationAsked(options=("A", "B")), BotAnswer(text="Which?", action="clarify")]

    assert pending_options(asked) == ["A", "B"]
    assert pending_options(asked + [UserMessage(text="A"), BotAnswer(text="Answer.")]) == []


def test_messages_over_the_rate_limit_stay_in_the_box_with_a_warning(assistant, monkeypatch) -> None:
    from assistant.api_security import Rate

    warnings: list[str] = []
    monkeypatch.setattr(gr, "Warning", lambda message, title: warnings.append(message))
    page = ChatPage(assistant.manager, per_ip=None, per_session=Rate.parse("2/minute"))
    *_, (history, _, session_id) = page.respond("hello", [], None)
    *_, (history, _, _) = page.respond("How much does express shipping cost?", history, session_id)
    assert len(history) == 4 and not warnings

    *_, (after, box, same) = page.respond("and how long does it take?", history, session_id)

    assert after == history and box == "and how long does it take?" and same == session_id
    assert warnings and "Too many messages in this conversation" in warnings[0] and "2 per minute" in warnings[0]
    assert assistant.manager.tracker(session_id).turn_count == 2  # nothing was sent to the dialog


def test_a_new_conversations_first_message_counts_against_its_limit(assistant, monkeypatch) -> None:
    """The first message has no conversation id to count under before it is sent: it went uncounted, so the chat
    page let one message more through in a conversation's first period than the limit (and the API) allows."""
    from assistant.api_security import Rate

    warnings: list[str] = []
    monkeypatch.setattr(gr, "Warning", lambda message, title: warnings.append(message))
    page = ChatPage(assistant.manager, per_ip=None, per_session=Rate.parse("1/minute"))
    *_, (history, _, session_id) = page.respond("hello", [], None)

    *_, (after, box, _) = page.respond("How much does express shipping cost?", history, session_id)

    assert box == "How much does express shipping cost?" and after == history
    assert warnings and "Too many messages in this conversation" in warnings[0]
    assert assistant.manager.tracker(session_id).turn_count == 1


def test_the_address_limit_counts_messages_from_one_client(assistant, monkeypatch) -> None:
    from types import SimpleNamespace

    from assistant.api_security import Rate

    warnings: list[str] = []
    monkeypatch.setattr(gr, "Warning", lambda message, title: warnings.append(message))
    page = ChatPage(assistant.manager, per_ip=Rate.parse("1/minute"))
    client = SimpleNamespace(client=SimpleNamespace(host="203.0.113.9"))
    other = SimpleNamespace(client=SimpleNamespace(host="198.51.100.7"))
    list(page.respond("hello", [], None, client))
    *_, (_, box, _) = page.respond("hello again", [], None, client)
    assert box == "hello again" and "from this address" in warnings[-1]
    first, *_, (history, _, _) = page.respond("hello", [], None, other)
    assert first[1] == "" and len(history) == 2


def test_the_handoff_buttons_count_against_the_address_limit_as_the_api_does(assistant, monkeypatch) -> None:
    """"Talk to a human" and "Back to the assistant" went uncounted by address, while the API's POST and DELETE
    /handoff are counted: a page could hand a conversation off and back without limit."""
    from types import SimpleNamespace

    from assistant.api_security import Rate

    warnings: list[str] = []
    monkeypatch.setattr(gr, "Warning", lambda message, title: warnings.append(message))
    page = ChatPage(assistant.manager, per_ip=Rate.parse("2/minute"))
    client = SimpleNamespace(client=SimpleNamespace(host="203.0.113.9"))
    other = SimpleNamespace(client=SimpleNamespace(host="198.51.100.7"))
    *_, (history, _, session_id) = page.respond("hello", [], None, client)
    *_, (history, _) = page.person_button("Talk to a human", history, session_id, None, client)  # the second message
    assert page.handed_off(session_id) and not warnings

    *_, (after, same) = page.person_button("Back to the assistant", history, session_id, None, client)

    assert page.handed_off(session_id) and same == session_id and after == history  # refused: still with a person
    assert len(warnings) == 1 and "Too many messages from this address" in warnings[0] and "2 per minute" in warnings[0]
    *_, (history, _) = page.person_button("Back to the assistant", history, session_id, None, other)  # another address's bucket
    assert not page.handed_off(session_id)

    *_, (after, _) = page.person_button("Talk to a human", history, session_id, None, client)

    assert not page.handed_off(session_id) and after == history and "Too many messages from this address" in warnings[-1]


def test_the_back_button_counts_against_the_conversation_limit_as_the_apis_cancel_does(assistant, monkeypatch) -> None:
    from assistant.api_security import Rate

    warnings: list[str] = []
    monkeypatch.setattr(gr, "Warning", lambda message, title: warnings.append(message))
    page = ChatPage(assistant.manager, per_session=Rate.parse("2/minute"))
    *_, (history, _, session_id) = page.respond("hello", [], None)
    *_, (history, _) = page.person_button("Talk to a human", history, session_id)

    list(page.person_button("Back to the assistant", history, session_id))

    assert page.handed_off(session_id) and "Too many messages in this conversation" in warnings[-1]


def test_with_the_rate_limits_off_the_handoff_buttons_are_never_refused(assistant, monkeypatch) -> None:
    from types import SimpleNamespace

    from assistant.api_security import Rate

    warnings: list[str] = []
    monkeypatch.setattr(gr, "Warning", lambda message, title: warnings.append(message))
    page = ChatPage(assistant.manager, per_ip=Rate.parse("off"), per_session=Rate.parse("off"))  # ASSISTANT_RATE_LIMIT_PER_IP=off
    client = SimpleNamespace(client=SimpleNamespace(host="203.0.113.9"))
    history, session_id = [], None
    for _ in range(25):  # more than the default limits (60 per minute from an address, 20 in a conversation) allow
        *_, (history, session_id) = page.person_button("Talk to a human", history, session_id, None, client)
        assert page.handed_off(session_id)
        *_, (history, _) = page.person_button("Back to the assistant", history, session_id, None, client)
        assert not page.handed_off(session_id)

    assert not warnings


def test_staff_replies_reach_the_chat_and_the_hand_back_ends_the_handoff(assistant) -> None:
    page = ChatPage(assistant.manager)
    *_, (history, _, session_id) = page.respond("How much does express shipping cost?", [], None)
    *_, (history, session_id) = page.talk_to_human(history, session_id)
    *_, (history, _, _) = page.respond("My parcel is lost", history, session_id)
    assert history[-1]["content"] == UNRATED + RELAYED  # no thumbs: a note, not an answer

    assistant.manager.reply_as_staff(session_id, "Hi, Ana here. Let me look <b>now</b>.", author="ana")
    history, banner, button, timer, _ = page.poll(history, session_id)

    assert history[-1] == {"role": "assistant", "content": staff_message("ana", "Hi, Ana here. Let me look <b>now</b>.")}
    assert "You are talking with ana" in banner["value"] and banner["visible"] and timer["active"]
    assert page.turn_of(session_id, history, len(history) - 1) is None  # a staff reply cannot be rated
    assert page.turn_of(session_id, history, 1) == 1  # the first answer still can
    unchanged, *_ = page.poll(history, session_id)
    assert unchanged == {"__type__": "update"}
    *_, (history, _, _) = page.respond("Hello?", history, session_id)
    assert history[-1] == {"role": "user", "content": "Hello?"}  # staff are talking: no reply from the assistant

    assistant.manager.hand_back(session_id, author="ana")
    history, banner, button, timer, examples = page.poll(history, session_id)

    assert history[-1]["content"] == UNRATED + HANDED_BACK  # no thumbs: it answers nothing
    assert (banner["visible"], button["value"], timer["value"], examples["visible"]) == (False, "Talk to a human", 15, True)
    assert page.restore(page.remember(session_id))[0] == history  # a reload shows the same chat


def test_the_handoff_message_has_no_thumbs_live_or_after_a_reload(assistant) -> None:
    """"I'm passing you to a person" answers no question: it showed thumbs, and a thumb on it was stored as
    a rating of the assistant's answer. The answer before it keeps its own."""
    page = ChatPage(assistant.manager)
    *_, (history, _, session_id) = page.respond("How much does express shipping cost?", [], None)
    *_, (history, _, _) = page.respond("I want to talk to a human", history, session_id)

    assert page.handed_off(session_id)
    assert history[-1]["content"].startswith(UNRATED) and not history[1]["content"].startswith(UNRATED)
    reloaded = page.restore(page.remember(session_id))[0]
    assert reloaded[-1]["content"].startswith(UNRATED)
    assert page.turn_of(session_id, history, len(history) - 1) is None and page.turn_of(session_id, history, 1) == 1
    with pytest.warns(UserWarning, match="can be rated"):
        turn, *_ = page.rate(history, session_id, like(len(history) - 1, False))
    assert turn is None and feedback_rows(assistant, session_id) == []


def test_the_customer_can_go_back_to_the_assistant_instead_of_waiting(assistant) -> None:
    page = ChatPage(assistant.manager)
    *_, (history, session_id) = page.person_button("Talk to a human", [], None)
    assert page.handed_off(session_id)

    *_, (history, returned) = page.person_button("Back to the assistant", history, session_id)

    assert returned == session_id and history[-1]["content"] == UNRATED + HANDED_BACK
    assert not page.handed_off(session_id)
    *_, (history, _, _) = page.respond("How much does express shipping cost?", history, session_id)
    assert "12.50" in history[-1]["content"]


def test_a_button_label_the_page_had_not_yet_updated_changes_nothing(assistant, monkeypatch) -> None:
    notices: list[str] = []
    monkeypatch.setattr(gr, "Info", lambda message, title: notices.append(message))
    page = ChatPage(assistant.manager)
    *_, (history, _, session_id) = page.respond("How much does express shipping cost?", [], None)
    assistant.manager.reply_as_staff(session_id, "Hi, Ana here.", author="ana")  # a takeover the page has not seen

    *_, (history, returned) = page.person_button("Talk to a human", history, session_id)

    assert returned == session_id and page.handed_off(session_id)  # still with Ana, not handed back
    assert "Hi, Ana here." in history[-1]["content"] and "has this conversation" in notices[-1]
    assistant.manager.hand_back(session_id, author="ana")
    handoffs = sum(isinstance(e, HandoffRequested) for e in assistant.manager.tracker(session_id).events)

    *_, (history, _) = page.person_button("Back to the assistant", history, session_id)  # staff handed it back first

    assert not page.handed_off(session_id) and "talking with the assistant" in notices[-1]
    assert sum(isinstance(e, HandoffRequested) for e in assistant.manager.tracker(session_id).events) == handoffs


@pytest.mark.parametrize(
    ("typed", "shown"),
    [
        ("<img src=x onerror=alert(1)> <b>urgent</b>", "&lt;img src=x onerror=alert(1)&gt; &lt;b&gt;urgent&lt;/b&gt;"),
        ("# 2 items missing", "\\# 2 items missing"),
        ("1. the lamp\n- the chair", "1\\. the lamp\n\\- the chair"),
        ("**bold** [link](javascript:alert(3)) $$x$$", "\\*\\*bold\\*\\* \\[link\\](javascript:alert(3)) \\$\\$x\\$\\$"),
        ("It costs 3.50! Why?", "It costs 3.50! Why?"),
    ],
)
def test_what_people_type_is_shown_as_typed_not_as_markup(typed: str, shown: str) -> None:
    assert plain_text(typed) == shown
    assert history_from_events([UserMessage(text=typed)]) == [{"role": "user", "content": shown}]
    assert staff_message("ana", typed).endswith(shown)


def test_a_staff_reply_arriving_keeps_the_customers_words_as_typed(assistant) -> None:
    page = ChatPage(assistant.manager)
    *_, (history, session_id) = page.talk_to_human([], None)
    *_, (history, _, _) = page.respond("My email is jane.doe@example.com", history, session_id)
    typed = len(history) - 2
    assert history[typed]["content"] == customer_text("My email is jane.doe@example.com")
    assistant.manager.reply_as_staff(session_id, "Thanks, Jane.", author="ana")

    history, *_ = page.poll(history, session_id)

    assert history[typed]["content"] == customer_text("My email is jane.doe@example.com")  # the stored copy is redacted
    assert page.restore(page.remember(session_id))[0][typed]["content"] == plain_text("My email is [EMAIL]")
    assert "Thanks, Jane." in history[-1]["content"]


def test_a_customer_who_closes_the_page_mid_reply_loses_no_turn(assistant) -> None:
    # Gradio stops iterating a handler whose page went away; the turn stopped with it, unsaved.
    page = ChatPage(assistant.manager)
    steps = page.respond("How much does express shipping cost?", [], None)
    next(steps)  # the question moves to the chat
    history, _, session_id = next(steps)  # the first words of the reply

    steps.close()
    for thread in threading.enumerate():
        if thread.name == "finish-turn":
            thread.join(timeout=30)

    assert "$12.50" not in history[-1]["content"]  # only the first words were shown
    stored = assistant.store.load_events(session_id)
    assert any(isinstance(e, BotAnswer) and "$12.50" in e.text for e in stored)


GERMAN_PAGE = """\
talk_to_human: Mit einem Menschen sprechen
handoff_request: Ich möchte bitte mit einem Menschen sprechen.
back_to_assistant: Zurück zum Assistenten
handed_back: Sie sind wieder beim Assistenten.
too_many_in_conversation: "Zu viele Nachrichten. Bitte warten Sie {seconds} Sekunde(n)."
sources: Quellen
staff_signature: "{author} · Support-Team"
agent_banner: "Sie schreiben mit {agent}."
with_assistant: Sie schreiben mit dem Assistenten.
warning_title: Hinweis
info_title: Hinweis
"""


def test_the_chat_page_speaks_the_words_of_the_replies_file(assistant, tmp_path, monkeypatch) -> None:
    from assistant.api_security import Rate
    from assistant.app import Assistant

    (tmp_path / "page.yaml").write_text(GERMAN_PAGE, encoding="utf-8")
    german = Assistant(assistant.settings.model_copy(update={"replies_file": tmp_path / "page.yaml"}))
    notices: list[tuple[str, str]] = []
    monkeypatch.setattr(gr, "Warning", lambda message, title: notices.append((title, message)))
    monkeypatch.setattr(gr, "Info", lambda message, title: notices.append((title, message)))
    page = ChatPage(german.manager, per_session=Rate.parse("3/minute"))  # the question, the handoff request, the way back

    *_, (history, _, session_id) = page.respond("How much does express shipping cost?", [], None)
    assert "**Quellen**" in history[-1]["content"] and "**Sources**" not in history[-1]["content"]
    *_, (history, session_id) = page.person_button("Mit einem Menschen sprechen", history, session_id)
    assert history[-2] == {"role": "user", "content": "Ich möchte bitte mit einem Menschen sprechen."} and page.handed_off(session_id)
    german.manager.reply_as_staff(session_id, "Hallo, hier ist Ana.", author="ana")
    history, banner, button, *_ = page.poll(history, session_id)
    assert history[-1]["content"].removeprefix(UNRATED).startswith("**ana** · Support-Team")
    assert "Sie schreiben mit ana." in banner["value"] and button["value"] == "Zurück zum Assistenten"

    *_, (history, _) = page.person_button("Zurück zum Assistenten", history, session_id)
    assert history[-1]["content"] == UNRATED + "Sie sind wieder beim Assistenten." and not page.handed_off(session_id)
    *_, (history, _) = page.person_button("Zurück zum Assistenten", history, session_id)  # a stale label
    *_, (_, box, _) = page.respond("Noch eine Frage", history, session_id)

    assert notices[0] == ("Hinweis", "Sie schreiben mit dem Assistenten.") and len(notices) == 2
    # the wait counts down from 20 s (3 a minute, the third 40 s ago at most): its figure depends on how long the steps took
    assert notices[1][0] == "Hinweis" and re.fullmatch(r"Zu viele Nachrichten\. Bitte warten Sie \d+ Sekunde\(n\)\.", notices[1][1])
    assert box == "Noch eine Frage"


def test_a_conversation_the_database_cannot_load_now_keeps_the_message_with_a_notice(assistant, monkeypatch) -> None:
    from dialog.manager import DialogManager
    from dialog.replies import parse_replies
    from tests.store_outage import DatabaseDown

    warnings: list[str] = []
    monkeypatch.setattr(gr, "Warning", lambda message, title: warnings.append(message))
    replies = parse_replies({"unavailable": "Das Gespräch ist gerade nicht erreichbar."}, "replies.yaml")
    page = ChatPage(DialogManager(DatabaseDown(), assistant.manager.answer_action, replies=replies))

    *_, (history, box, session_id) = page.respond("Noch eine Frage", [{"role": "user", "content": "Hallo"}], "abc")

    assert (history, box, session_id) == ([{"role": "user", "content": "Hallo"}], "Noch eine Frage", "abc")
    assert warnings == ["Das Gespräch ist gerade nicht erreichbar."]


def test_reopening_a_conversation_the_database_cannot_load_now_keeps_it_with_a_notice(assistant, monkeypatch) -> None:
    """The page's reload raised, and Gradio showed its bare 'Error'."""
    from dialog.manager import DialogManager
    from tests.store_outage import DatabaseDown

    warnings: list[str] = []
    monkeypatch.setattr(gr, "Warning", lambda message, title: warnings.append(message))
    page = ChatPage(DialogManager(DatabaseDown(), assistant.manager.answer_action))

    history, session_id = page.restore({"session_id": "abc"})
    state = page.sync(session_id)

    assert (history, session_id) == ([], "abc")  # kept: a reload once the database is back shows it
    assert warnings == [page.replies.unavailable] and len(state) > 0


def test_a_page_the_server_has_no_state_for_carries_on_from_the_id_the_browser_keeps(assistant) -> None:
    """A restarted server, or another one the page was moved to, has no state for an open page (session id
    None) while the page still shows its conversation and sends the id the browser keeps."""
    page = ChatPage(assistant.manager)
    *_, (history, _, session_id, _) = page.respond_and_remember("How much does express shipping cost?", [], None)
    saved = page.remember(session_id)  # as the browser keeps it
    other = ChatPage(assistant.manager)  # the other server

    *_, (history, _, returned, _) = other.respond_and_remember("and to Canada?", history, None, saved)
    *_, (history, returned_by_button) = other.person_button("Talk to a human", history, None, saved)
    assistant.manager.reply_as_staff(session_id, "Hi, Ana here.", author="ana")
    polled, banner, *_ = other.poll(history, None, saved)

    assert returned == returned_by_button == session_id and assistant.manager.store.session_count() == 1
    assert len(assistant.manager.tracker(session_id).exchanges) == 3
    assert polled[-1] == {"role": "assistant", "content": staff_message("ana", "Hi, Ana here.")} and banner["visible"]
    *_, (_, _, fresh, _) = other.respond_and_remember("hello", [], None, saved)  # "New conversation" emptied the chat
    assert fresh != session_id


def test_a_page_the_server_has_no_state_for_stores_thumbs_and_comments_on_its_conversation(assistant) -> None:
    """As messages do, a thumb and its comment on a page the server has no state for (restarted, or the page
    moved to another server) go to the conversation the browser keeps. Before, the thumb was refused ("Only the
    assistant's answers can be rated.") and a comment was dropped without a word."""
    page = ChatPage(assistant.manager)
    *_, (history, _, session_id, _) = page.respond_and_remember("How much does express shipping cost?", [], None)
    saved = page.remember(session_id)
    other = ChatPage(assistant.manager)  # the other server

    turn, panel, *_ = other.rate(history, None, like(1, False), saved)
    other.comment("I asked about Canada.", None, turn, saved)

    assert (turn, panel["visible"]) == (1, True)
    assert feedback_rows(assistant, session_id) == [(1, -1, None, "customer"), (1, None, "I asked about Canada.", "customer")]


def test_a_thumb_that_is_refused_is_taken_off_again(assistant) -> None:
    """A thumb on a staff reply is refused with a notice; the chat had already drawn it as given and kept it so,
    though nothing was stored (until a reload). The refusal gives the thumb as clicked, and the next step
    (``stored_thumbs``) the thumbs as stored: the chat redraws a thumb only when its value changes."""
    page = ChatPage(assistant.manager)
    *_, (history, _, session_id) = page.respond("How much does express shipping cost?", [], None)
    page.rate(history, session_id, like(1, True))
    assistant.manager.reply_as_staff(session_id, "Hi, Ana here.", author="ana")
    history, *_ = page.poll(history, session_id)

    with pytest.warns(UserWarning, match="can be rated"):
        turn, panel, _, chat = page.rate(history, session_id, like(2, False))  # the staff reply

    assert (turn, panel["visible"]) == (None, False)
    assert chat["feedback_value"] == ["Like", "Dislike"]  # as the chat shows it, so that the next step redraws it
    assert page.stored_thumbs(history, session_id)["feedback_value"] == ["Like", None]  # none on the staff reply
    assert [row[:2] for row in feedback_rows(assistant, session_id)] == [(1, 1)]
