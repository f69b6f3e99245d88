"""The HTTP API through FastAPI's test client, and /v1/chat/completions through the official openai client."""

from __future__ import annotations

import asyncio
import base64
import json
import threading
from urllib.parse import unquote

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from assistant.api import MAX_BODY_BYTES, create_router, install_api_guards
from assistant.api_security import ApiGuards, hash_key
from assistant.lm.base import ScriptedGenerator
from assistant.store.admin import delete_conversations
from api_helpers import api_over_database, say
from dialog.actions import NOT_FOUND, RELAYED
from dialog.manager import InvalidMessage
from dialog.store import new_session_id
from postgres_schemas import sqlite_or_postgres

database_url = sqlite_or_postgres("test_api")
STAFF_KEY = "staff-key-0123456789abcdef"


@pytest.fixture
def client(assistant) -> TestClient:
    app = FastAPI()
    app.include_router(create_router(assistant.manager))
    install_api_guards(app, ApiGuards())  # body-size limit only; keys and rate limits: test_api_security.py
    return TestClient(app)


@pytest.fixture
def db_client(database_url: str, kb_dir):  # type: ignore[no-untyped-def]
    """The customer and staff API over a real database: a SQLite file, then a PostgreSQL schema."""
    client, assistant = api_over_database(database_url, kb_dir, [hash_key(STAFF_KEY)])
    yield client
    assistant.close()


def read_events(response) -> list[tuple[str, dict]]:  # type: ignore[no-untyped-def]
    events, name = [], None
    for line in response.text.splitlines():
        if line.startswith("event: "):
            name = line.removeprefix("event: ")
        elif line.startswith("data: "):
            events.append((name, json.loads(line.removeprefix("data: "))))
            name = None
    return events


def test_message_streams_deltas_then_the_whole_turn(client: TestClient) -> None:
    session_id = client.post("/api/sessions").json()["session_id"]

    response = client.post(f"/api/sessions/{session_id}/messages", json={"text": "How long do password reset links work?"})

    assert response.status_code == 200 and response.headers["content-type"].startswith("text/event-stream")
    assert response.headers["x-accel-buffering"] == "no"  # nginx passes each piece on at once
    events = read_events(response)
    deltas = [data["text"] for name, data in events if name == "delta"]
    name, done = events[-1]
    assert name == "done" and len(deltas) > 1
    assert "".join(deltas) == done["text"] and "30 minutes" in done["text"]
    assert done["sources"][0]["doc_id"] == "accounts/reset-password"
    assert {"retrieval_ms", "total_ms"} <= set(done["timings_ms"])


def test_transcript_and_handoff(client: TestClient) -> None:
    session_id = client.post("/api/sessions").json()["session_id"]
    client.post(f"/api/sessions/{session_id}/messages", json={"text": "How much does express shipping cost?"})

    assert client.post(f"/api/sessions/{session_id}/handoff", json={"reason": "wants a refund exception"}).json()["handoff"]
    transcript = client.get(f"/api/sessions/{session_id}").json()

    assert [m["role"] for m in transcript["messages"]] == ["user", "assistant"]
    assert transcript["messages"][0]["text"] == "How much does express shipping cost?"
    assert transcript["messages"][1]["citations"][0]["doc_id"] == "shipping/shipping-costs"
    assert transcript["handoff"] is True


def test_the_handoff_says_when_people_are_at_work_as_the_chats_handoff_reply_does(assistant, client: TestClient) -> None:
    """The chat's handoff reply says when a person will reply outside the support hours; the API's handoff
    said only ``handoff: true``, so a widget could not tell the customer. Demo hours: Mon-Fri 08:00-20:00,
    Sat 09:00-17:00 ET."""
    from datetime import datetime, timezone

    from dialog.business_rules import BusinessRules

    def hand_off_at(when: datetime) -> tuple[dict, str]:
        assistant.manager.clock = lambda: when
        by_api, by_message = (client.post("/api/sessions").json()["session_id"] for _ in range(2))
        body = client.post(f"/api/sessions/{by_api}/handoff").json()
        asked = client.post(f"/api/sessions/{by_message}/messages", json={"text": "I want to talk to a human"})
        return body, read_events(asked)[-1][1]["text"]

    closed, chat_closed = hand_off_at(datetime(2026, 12, 5, 23, 30, tzinfo=timezone.utc))  # Saturday 18:30 ET
    opened, chat_open = hand_off_at(datetime(2026, 12, 8, 15, 0, tzinfo=timezone.utc))  # Tuesday 10:00 ET

    assert closed["handoff"] is True and closed["support_open"] is False
    assert datetime.fromisoformat(closed["opens_at"]) == datetime(2026, 12, 7, 13, 0, tzinfo=timezone.utc)  # Monday 08:00 ET
    assert closed["opens_at"].endswith("-05:00")  # in the hours' zone
    assert closed["note"] and closed["note"] in chat_closed  # the chat's own words
    assert (opened["support_open"], opened["opens_at"], opened["note"]) == (True, None, "")
    assert "not working right now" not in chat_open
    assistant.manager.rules = BusinessRules()  # no support hours: nothing to say
    session_id = client.post("/api/sessions").json()["session_id"]
    body = client.post(f"/api/sessions/{session_id}/handoff").json()
    assert (body["support_open"], body["opens_at"], body["note"]) == (None, None, "")


def test_messages_after_a_handoff_go_to_staff_and_their_replies_are_in_the_transcript(assistant, client: TestClient) -> None:
    session_id = client.post("/api/sessions").json()["session_id"]
    client.post(f"/api/sessions/{session_id}/handoff", json={"reason": "wants a refund exception"})

    first = read_events(client.post(f"/api/sessions/{session_id}/messages", json={"text": "Order 20481736 please"}))
    assistant.manager.reply_as_staff(session_id, "Ana here, looking at it.", author="ana")
    second = read_events(client.post(f"/api/sessions/{session_id}/messages", json={"text": "Thanks"}))
    transcript = client.get(f"/api/sessions/{session_id}").json()

    assert (first[-1][1]["action"], first[-1][1]["text"]) == ("relay", RELAYED)
    assert second == [("done", second[-1][1])] and second[-1][1]["text"] == ""  # no reply from the assistant
    assert [m["role"] for m in transcript["messages"]] == ["user", "assistant", "agent", "user"]
    assert transcript["messages"][2] == {
        "role": "agent", "author": "ana", "text": "Ana here, looking at it.", "timestamp": transcript["messages"][2]["timestamp"]
    }
    assert (transcript["handoff"], transcript["agent"]) == (True, "ana")

    assistant.manager.hand_back(session_id, author="ana")
    after = client.get(f"/api/sessions/{session_id}").json()

    assert (after["handoff"], after["agent"]) == (False, None)
    assert after["messages"][-1]["action"] == "hand_back"


def test_unknown_session_is_404_and_ids_are_unguessable(client: TestClient) -> None:
    first = client.post("/api/sessions").json()["session_id"]
    second = client.post("/api/sessions").json()["session_id"]

    assert first != second and len(first) >= 22  # 128 random bits, URL-safe
    assert len(base64.urlsafe_b64decode(first + "==")) == 16
    assert client.get("/api/sessions/not-a-session").status_code == 404
    assert client.post("/api/sessions/not-a-session/messages", json={"text": "hi"}).status_code == 404
    assert client.post("/api/sessions/not-a-session/handoff").status_code == 404


def test_an_id_with_nul_is_an_unknown_conversation_on_every_database(db_client: TestClient) -> None:
    # PostgreSQL's text refuses NUL: looking such an id up was a 500 (plain text) on every conversation endpoint.
    staff = {"Authorization": f"Bearer {STAFF_KEY}"}
    for session_id in ("%00", "abc%00def"):
        responses = [
            db_client.get(f"/api/sessions/{session_id}"),
            db_client.post(f"/api/sessions/{session_id}/messages", json={"text": "hi"}),
            db_client.post(f"/api/sessions/{session_id}/feedback", json={"turn_no": 1, "rating": 1}),
            db_client.post(f"/api/sessions/{session_id}/handoff"),
            db_client.delete(f"/api/sessions/{session_id}/handoff"),
            db_client.post(f"/api/staff/sessions/{session_id}/replies", json={"text": "Hi", "author": "Ana"}, headers=staff),
            db_client.post(f"/api/staff/sessions/{session_id}/hand-back", json={"author": "Ana"}, headers=staff),
        ]
        assert [response.status_code for response in responses] == [404] * len(responses)
        assert responses[0].json()["detail"] == f"No conversation with id {unquote(session_id)!r}."


def test_one_conversation_id_cannot_read_another_and_guesses_leak_nothing(client: TestClient, assistant) -> None:
    alice = client.post("/api/sessions").json()["session_id"]
    bob = client.post("/api/sessions").json()["session_id"]
    client.post(f"/api/sessions/{alice}/messages", json={"text": "My email is alice@example.com, how much is express shipping?"})
    client.post(f"/api/sessions/{bob}/messages", json={"text": "How long do password reset links work?"})

    alice_view = client.get(f"/api/sessions/{alice}").json()
    bob_view = client.get(f"/api/sessions/{bob}").json()

    assert alice_view["session_id"] == alice and bob_view["session_id"] == bob
    assert "express shipping" in alice_view["messages"][0]["text"] and "password" not in json.dumps(alice_view)
    assert "password" in bob_view["messages"][0]["text"] and "express" not in json.dumps(bob_view) and alice not in json.dumps(bob_view)
    # Guesses: a fresh 128-bit id, Alice's id with one character changed, a prefix, a case change, a traversal.
    near = alice[:-1] + ("A" if alice[-1] != "A" else "B")
    sessions_before = assistant.store.session_count()
    for guess in [new_session_id(), near, alice[:11], alice.swapcase(), "..%2F" + alice, f"{alice}%20"]:
        for method, path, body in [
            ("GET", f"/api/sessions/{guess}", None),
            ("POST", f"/api/sessions/{guess}/messages", {"text": "What did I say before?"}),
            ("POST", f"/api/sessions/{guess}/feedback", {"turn_no": 1, "rating": -1}),
            ("POST", f"/api/sessions/{guess}/handoff", None),
        ]:
            response = client.request(method, path, json=body)
            assert response.status_code == 404, (guess, method, path)
            text = response.text.replace(unquote(guess), "<guess>")  # the 404 names the id asked for, nothing else
            assert alice not in text and bob not in text and "alice@" not in text and "shipping" not in text
            assert set(response.json()) == {"detail"}  # the same shape as any unknown id: nothing else to learn
    assert assistant.store.session_count() == sessions_before  # a guess starts nothing either
    assert len(client.get(f"/api/sessions/{alice}").json()["messages"]) == 2 and not client.get(f"/api/sessions/{alice}").json()["handoff"]


def test_bad_requests_get_clear_4xx(client: TestClient, assistant) -> None:
    session_id = client.post("/api/sessions").json()["session_id"]
    url = f"/api/sessions/{session_id}/messages"

    empty = client.post(url, json={"text": "  "})
    assert empty.status_code == 422 and "empty" in empty.json()["detail"]
    long = client.post(url, json={"text": "x" * 10_000})
    assert long.status_code == 422 and "limit is 4,000" in long.json()["detail"]
    malformed = client.post(url, content=b"{not json", headers={"content-type": "application/json"})
    assert malformed.status_code == 422 and "not valid JSON" in malformed.json()["detail"]
    as_form = client.post(url, content=b'{"text": "hi"}', headers={"content-type": "application/x-www-form-urlencoded"})
    assert as_form.status_code == 422 and "Content-Type: application/json" in as_form.json()["detail"]  # curl -d without -H
    huge = client.post(url, json={"text": "x" * (MAX_BODY_BYTES + 1)})
    assert huge.status_code == 413 and "limit" in huge.json()["detail"]
    # nothing was stored for the refused messages
    assert [e.type_name for e in assistant.store.load_events(session_id)] == ["session_started"]


def test_a_json_body_that_cannot_be_decoded_is_a_422_like_any_invalid_json(client: TestClient, assistant) -> None:
    # FastAPI answered these with a bare 400 "There was an error parsing the body", a status the docs do not list.
    session_id = client.post("/api/sessions").json()["session_id"]
    headers = {"content-type": "application/json"}
    latin1 = '{"text": "Caf\xe9 refund?"}'.encode("latin-1")
    nested = b'{"text": "hi", "x": ' + b"[" * 30_000 + b"]" * 30_000 + b"}"  # within the 64 KB limit

    for url, body in ((f"/api/sessions/{session_id}/messages", latin1), ("/v1/chat/completions", latin1)):
        response = client.post(url, content=body, headers=headers)
        assert response.status_code == 422
        assert response.json()["detail"] == "The request body is not valid JSON (it is not UTF-8 text)."
    too_deep = client.post(f"/api/sessions/{session_id}/messages", content=nested, headers=headers)
    assert too_deep.status_code == 422 and "nested too deeply" in too_deep.json()["detail"]
    assert client.post("/v1/chat/completions", content=latin1, headers=headers).json()["error"]["code"] == "invalid_request"
    assert [e.type_name for e in assistant.store.load_events(session_id)] == ["session_started"]


def test_openai_client_non_streaming_and_streaming(client: TestClient) -> None:
    openai = pytest.importorskip("openai")
    api = openai.OpenAI(base_url="http://testserver/v1", api_key="unused", http_client=client)
    question = [{"role": "user", "content": "How long do password reset links work?"}]

    completion = api.chat.completions.create(model="support-assistant", messages=question)
    assert "30 minutes" in completion.choices[0].message.content
    assert completion.choices[0].finish_reason == "stop"
    assert completion.model_extra["sources"][0]["doc_id"] == "accounts/reset-password"

    pieces = [
        chunk.choices[0].delta.content or ""
        for chunk in api.chat.completions.create(model="support-assistant", messages=question, stream=True)
    ]
    assert "".join(pieces) == completion.choices[0].message.content


def test_openai_client_streaming_gets_the_sources_and_usage_and_n_above_1_is_refused(client: TestClient) -> None:
    # A streamed completion used to carry no citations at all, stream_options.include_usage got no usage chunk,
    # n=2 answered one choice without a word, and models.retrieve() and an old "function" message were errors.
    openai = pytest.importorskip("openai")
    api = openai.OpenAI(base_url="http://testserver/v1", api_key="unused", http_client=client, max_retries=0)
    question = [{"role": "function", "name": "lookup", "content": "{}"}, {"role": "user", "content": "How long do password reset links work?"}]

    chunks = list(api.chat.completions.create(model="x", messages=question, stream=True, stream_options={"include_usage": True}))

    last_choice, usage = chunks[-2], chunks[-1]
    assert last_choice.choices[0].finish_reason == "stop"
    assert last_choice.model_extra["sources"][0]["doc_id"] == "accounts/reset-password"
    assert client.get(f"/api/sessions/{last_choice.model_extra['session_id']}").json()["messages"][0]["role"] == "user"
    assert usage.choices == [] and usage.usage.completion_tokens > 0  # counted: test_openai_usage_counts_...
    assert {chunk.id for chunk in chunks} == {chunks[0].id} and chunks[0].id.startswith("chatcmpl-")
    with pytest.raises(openai.UnprocessableEntityError, match="one reply per request"):
        api.chat.completions.create(model="x", messages=question, n=2)
    assert api.models.retrieve("support-assistant").id == "support-assistant"
    with pytest.raises(openai.NotFoundError, match="the one model is 'support-assistant'"):
        api.models.retrieve("gpt-4o")


def test_a_streamed_completion_shows_a_tidied_answer_once_and_a_declined_one_with_its_replacement(client: TestClient, assistant) -> None:
    # With a generator, the final reply drops citations of passages it was not given; the stream then sent the
    # whole answer a second time after the draft, as it does for a reply that replaces the draft.
    openai = pytest.importorskip("openai")
    api = openai.OpenAI(base_url="http://testserver/v1", api_key="unused", http_client=client, max_retries=0)
    question = [{"role": "user", "content": "How long do password reset links work?"}]

    def streamed(reply: str) -> str:
        assistant.manager.answer_action.generator = ScriptedGenerator(reply)
        chunks = api.chat.completions.create(model="support-assistant", messages=question, stream=True)
        return "".join(chunk.choices[0].delta.content or "" for chunk in chunks if chunk.choices)

    draft = "Password reset links expire after 30 minutes and work only once [1] [9] ."
    assert streamed(draft) == draft
    assert streamed("I don't know.") == "I don't know.\n\n" + NOT_FOUND
    final = api.chat.completions.create(model="support-assistant", messages=question).choices[0].message.content
    assert final == NOT_FOUND


def test_openai_requests_with_a_session_id_continue_one_conversation(client: TestClient) -> None:
    # Every request was a new conversation: a follow-up lost what it followed, and staff saw one conversation
    # per message. The response's session_id, sent back as an extra field, now continues the conversation.
    openai = pytest.importorskip("openai")
    api = openai.OpenAI(base_url="http://testserver/v1", api_key="unused", http_client=client, max_retries=0)
    first = api.chat.completions.create(
        model="support-assistant", messages=[{"role": "user", "content": "How long do password reset links work?"}]
    )
    session_id = first.model_extra["session_id"]
    alone = api.chat.completions.create(model="support-assistant", messages=[{"role": "user", "content": "and how long is it valid?"}])
    assert "30 minutes" not in alone.choices[0].message.content  # a new conversation: nothing it follows

    follow_up = api.chat.completions.create(
        model="support-assistant",
        messages=[{"role": "user", "content": "and how long is it valid?"}],
        extra_body={"session_id": session_id},
    )

    assert follow_up.model_extra["session_id"] == session_id
    assert "30 minutes" in follow_up.choices[0].message.content
    texts = [m["text"] for m in client.get(f"/api/sessions/{session_id}").json()["messages"] if m["role"] == "user"]
    assert texts == ["How long do password reset links work?", "and how long is it valid?"]
    with pytest.raises(openai.NotFoundError):
        api.chat.completions.create(
            model="support-assistant", messages=[{"role": "user", "content": "hello"}], extra_body={"session_id": "nope"}
        )


def test_openai_requests_that_resend_the_conversation_read_a_follow_up_with_it(client: TestClient, assistant) -> None:
    # OpenAI clients resend the whole conversation with each request and know nothing of session_id: the follow-up
    # was searched alone and declined. It is now read with the question the earlier user messages end on.
    openai = pytest.importorskip("openai")
    api = openai.OpenAI(base_url="http://testserver/v1", api_key="unused", http_client=client, max_retries=0)
    question = {"role": "user", "content": "How long do password reset links work?"}
    first = api.chat.completions.create(model="support-assistant", messages=[{"role": "system", "content": "Be brief."}, question])
    history = [question, {"role": "assistant", "content": first.choices[0].message.content}, {"role": "user", "content": "thanks!"},
               {"role": "assistant", "content": "You're welcome."}]

    follow_up = api.chat.completions.create(
        model="support-assistant", messages=[*history, {"role": "user", "content": "and how long is it valid?"}]
    )
    streamed = "".join(
        chunk.choices[0].delta.content or ""
        for chunk in api.chat.completions.create(
            model="support-assistant", messages=[*history, {"role": "user", "content": "and how long is it valid?"}], stream=True
        )
        if chunk.choices
    )

    assert "30 minutes" in follow_up.choices[0].message.content and "30 minutes" in streamed
    session_id = follow_up.model_extra["session_id"]
    assert session_id != first.model_extra["session_id"]  # a new conversation, as before: only its one message is stored
    texts = [m["text"] for m in client.get(f"/api/sessions/{session_id}").json()["messages"] if m["role"] == "user"]
    assert texts == ["and how long is it valid?"]
    assert "reset" in assistant.manager.tracker(session_id).last_query  # staff see what it was searched as
    only_greetings = [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "Hello!"}]
    alone = api.chat.completions.create(
        model="support-assistant", messages=[*only_greetings, {"role": "user", "content": "and how long is it valid?"}]
    )
    assert "30 minutes" not in alone.choices[0].message.content  # a greeting is no question to continue


def test_openai_endpoint_needs_a_user_message(client: TestClient) -> None:
    response = client.post("/v1/chat/completions", json={"messages": [{"role": "system", "content": "be nice"}]})
    assert response.status_code == 422 and "user message" in response.json()["detail"]


def test_openai_endpoint_answers_the_last_user_message_or_refuses_it_without_text(client: TestClient) -> None:
    # A last message without text (an image, null content) made the assistant answer the previous question again.
    earlier = [{"role": "user", "content": "How long do password reset links work?"}, {"role": "assistant", "content": "30 minutes."}]
    image = [{"type": "image_url", "image_url": {"url": "https://example.com/broken-parcel.png"}}]

    for last in ({"role": "user", "content": image}, {"role": "user", "content": None}):
        response = client.post("/v1/chat/completions", json={"messages": [*earlier, last]})
        assert response.status_code == 422 and "last user message has no text" in response.json()["error"]["message"]
    blank = client.post("/v1/chat/completions", json={"messages": [*earlier, {"role": "user", "content": "  "}]})
    assert blank.status_code == 422 and "empty" in blank.json()["detail"]


def test_declined_answer_streams_the_not_found_reply(client: TestClient) -> None:
    session_id = client.post("/api/sessions").json()["session_id"]
    events = read_events(client.post(f"/api/sessions/{session_id}/messages", json={"text": "xylophone quantum zebra"}))
    assert events[-1][1]["abstained"] and events[-1][1]["text"] == NOT_FOUND and events[-1][1]["sources"] == []


def test_openai_endpoint_stores_no_conversation_for_a_refused_message(client: TestClient, assistant) -> None:
    before = assistant.store.session_count()

    response = client.post("/v1/chat/completions", json={"messages": [{"role": "user", "content": "   "}]})

    assert response.status_code == 422 and "empty" in response.json()["detail"]
    assert assistant.store.session_count() == before


def test_feedback_on_a_turn_is_stored_for_review(client: TestClient, assistant) -> None:
    from assistant.store.review import read_transcript

    session_id = client.post("/api/sessions").json()["session_id"]
    done = read_events(client.post(f"/api/sessions/{session_id}/messages", json={"text": "How much does express shipping cost?"}))[-1][1]

    response = client.post(f"/api/sessions/{session_id}/feedback", json={"turn_no": done["turn_no"], "rating": -1, "comment": "too vague"})

    assert response.status_code == 201 and done["turn_no"] == 1
    [view] = read_transcript(assistant.sql_store.engine, session_id).turns
    assert [(f.rating, f.comment, f.source) for f in view.feedback] == [(-1, "too vague", "customer")]


@pytest.mark.parametrize(
    ("body", "status", "message"),
    [
        ({"turn_no": 2, "rating": 1}, 422, "there is no turn 2"),
        ({"turn_no": 1}, 422, "Give a thumbs up or down"),
        ({"turn_no": 1, "rating": 5}, 422, "rating"),
        ({"turn_no": 0, "rating": 1}, 422, "turn_no"),
        # JSON false passed as 0, which takes a thumb back: a thumbs down sent as false was recorded as none
        ({"turn_no": 1, "rating": False}, 422, "rating: a rating is the number 1 (thumbs up), -1 (thumbs down) or 0"),
        ({"turn_no": 1, "rating": True}, 422, "not true or false"),
    ],
)
def test_bad_feedback_is_a_clear_422(client: TestClient, body: dict, status: int, message: str) -> None:
    session_id = client.post("/api/sessions").json()["session_id"]
    client.post(f"/api/sessions/{session_id}/messages", json={"text": "How much does express shipping cost?"})

    response = client.post(f"/api/sessions/{session_id}/feedback", json=body)

    assert response.status_code == status and message in response.text


def test_feedback_on_an_unknown_session_is_404(client: TestClient) -> None:
    assert client.post("/api/sessions/nope/feedback", json={"turn_no": 1, "rating": 1}).status_code == 404


def test_asking_for_a_person_again_while_one_has_the_conversation_changes_nothing(assistant, client: TestClient) -> None:
    session_id = client.post("/api/sessions").json()["session_id"]

    for _ in range(3):
        assert client.post(f"/api/sessions/{session_id}/handoff", json={"reason": "again"}).json()["handoff"] is True

    handoffs = [e for e in assistant.manager.store.load_events(session_id) if e.type_name == "handoff"]
    assert len(handoffs) == 1  # one open handoff, one notice to staff


def test_a_blank_handoff_reason_is_the_default_one(assistant, client: TestClient) -> None:
    session_id = client.post("/api/sessions").json()["session_id"]

    assert client.post(f"/api/sessions/{session_id}/handoff", json={"reason": "   "}).status_code == 200

    [handoff] = [e for e in assistant.manager.store.load_events(session_id) if e.type_name == "handoff"]
    assert handoff.reason == "requested through the API"


def test_the_customer_can_cancel_a_handoff_over_the_api(assistant, client: TestClient) -> None:
    session_id = client.post("/api/sessions").json()["session_id"]
    client.post(f"/api/sessions/{session_id}/handoff")

    cancelled = client.delete(f"/api/sessions/{session_id}/handoff")
    again = client.delete(f"/api/sessions/{session_id}/handoff")

    assert cancelled.status_code == 200 and cancelled.json() == {"session_id": session_id, "handoff": False}
    assert again.status_code == 422 and "nothing to hand back" in again.json()["detail"]
    assert client.delete("/api/sessions/nope/handoff").status_code == 404
    assert client.get(f"/api/sessions/{session_id}").json()["handoff"] is False


def test_a_lone_surrogate_or_nul_in_the_json_is_stored_as_a_replacement_character(client: TestClient, assistant) -> None:
    # JSON may carry "\ud800" (half of a UTF-16 pair); UTF-8 cannot encode it. It had broken the stream
    # after its 200, lost the turn, turned the intent model off for good, and made feedback and handoff 500.
    # NUL ("\u0000") did the same on PostgreSQL, whose text and jsonb refuse it.
    session_id = client.post("/api/sessions").json()["session_id"]
    headers = {"content-type": "application/json"}
    url = f"/api/sessions/{session_id}"

    reply = client.post(f"{url}/messages", content=b'{"text": "How much does express\\u0000 shipping cost? \\ud83d"}', headers=headers)
    feedback = client.post(f"{url}/feedback", content=b'{"turn_no": 1, "rating": -1, "comment": "\\udc00 no"}', headers=headers)
    handoff = client.post(f"{url}/handoff", content=b'{"reason": "\\ud800"}', headers=headers)
    completion = client.post("/v1/chat/completions", content=b'{"messages": [{"role": "user", "content": "refund \\ud800"}]}', headers=headers)

    assert read_events(reply)[-1][0] == "done"
    assert (feedback.status_code, completion.status_code) == (201, 200)
    # a field with a length limit is refused by validation, whose 422 echoes the input (ASCII-escaped)
    assert handoff.status_code == 422 and handoff.json()["errors"][0]["input"] == "\ud800"
    transcript = client.get(url)
    assert transcript.status_code == 200
    assert transcript.json()["messages"][0]["text"] == "How much does express\ufffd shipping cost? \ufffd"


def test_a_message_of_control_or_invisible_characters_only_is_empty(client: TestClient, assistant) -> None:
    # "\u0000", "\u0001\u0002" or a zero-width space alone used to be stored as a turn and answered with a greeting.
    session_id = client.post("/api/sessions").json()["session_id"]
    headers = {"content-type": "application/json"}

    for body in (rb'"\u0000"', rb'"\u0001\u0002\u0007 \t"', rb'"\u200b\ufeff"', rb'"\ud800"'):
        response = client.post(f"/api/sessions/{session_id}/messages", content=b'{"text": ' + body + b"}", headers=headers)
        assert response.status_code == 422 and "empty" in response.json()["detail"], body
    completion = client.post("/v1/chat/completions", json={"messages": [{"role": "user", "content": "\u0000\u200b"}]})
    assert completion.status_code == 422 and "empty" in completion.json()["detail"]
    assert [e.type_name for e in assistant.store.load_events(session_id)] == ["session_started"]
    with pytest.raises(InvalidMessage, match="The reply is empty"):
        assistant.manager.reply_as_staff(session_id, "\u0000\u200b", author="Ana")
    # a message with something to read keeps its control characters' place (NUL as U+FFFD)
    assert say(client, session_id, "\u0007How long do password reset links work?\u0000")["turn_no"] == 1


def test_openai_content_as_a_list_of_parts_and_the_model_list(client: TestClient) -> None:
    openai = pytest.importorskip("openai")
    api = openai.OpenAI(base_url="http://testserver/v1", api_key="unused", http_client=client)
    parts = [{"type": "text", "text": "How long do password reset links work?"}]

    completion = api.chat.completions.create(model="support-assistant", messages=[{"role": "user", "content": parts}])
    images_only = client.post(
        "/v1/chat/completions",
        json={"messages": [{"role": "user", "content": [{"type": "image_url", "image_url": {"url": "https://x/y.png"}}]}]},
    )

    assert "30 minutes" in completion.choices[0].message.content
    assert images_only.status_code == 422 and "text content" in images_only.json()["detail"]
    assert [model.id for model in api.models.list()] == ["support-assistant"]


def test_a_client_that_leaves_mid_reply_loses_no_turn(assistant) -> None:
    # The server drops a streamed reply when its client goes away; the turn used to stop there, unsaved.
    app = FastAPI()
    app.include_router(create_router(assistant.manager))
    session_id = assistant.manager.start_session("api")
    body = json.dumps({"text": "How long do password reset links work?"}).encode()
    pieces: list[bytes] = []

    async def talk_and_leave() -> None:
        gone = asyncio.Event()
        requests = iter([{"type": "http.request", "body": body, "more_body": False}])

        async def receive() -> dict:
            request = next(requests, None)
            if request is None:
                await gone.wait()
                return {"type": "http.disconnect"}
            return request

        async def send(message: dict) -> None:
            if message["type"] == "http.response.body" and message.get("body"):
                pieces.append(message["body"])
                gone.set()  # after the first piece of the reply

        scope = {
            "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST", "scheme": "http",
            "path": f"/api/sessions/{session_id}/messages", "raw_path": b"", "query_string": b"", "root_path": "",
            "headers": [(b"content-type", b"application/json")], "client": ("127.0.0.1", 1), "server": ("testserver", 80),
        }
        await app(scope, receive, send)

    asyncio.run(talk_and_leave())
    for thread in threading.enumerate():
        if thread.name == "finish-turn":
            thread.join(timeout=30)

    assert len(pieces) == 1 and b'"done"' not in pieces[0]  # the client saw only the start
    stored = assistant.store.load_events(session_id)
    assert [e.text for e in stored if e.type_name == "user"] == ["How long do password reset links work?"]
    assert any(e.type_name == "bot" and "30 minutes" in e.text for e in stored)


def test_a_conversation_erased_mid_reply_ends_the_stream_with_done_and_keeps_nothing(client: TestClient, assistant) -> None:
    # `assistant logs delete` during a reply: saving the turn raised UnknownSession, and the 200 stream broke off
    # without its done event (curl: "transfer closed"), with a traceback in the server log.
    session_id = client.post("/api/sessions").json()["session_id"]

    class ErasedMidReply(ScriptedGenerator):
        def stream(self, messages, max_new_tokens=160):  # type: ignore[no-untyped-def]
            for position, piece in enumerate(super().stream(messages, max_new_tokens)):
                if position == 1:
                    delete_conversations(assistant.settings.database_url, [session_id])
                yield piece

    assistant.manager.answer_action.generator = ErasedMidReply()
    events = read_events(client.post(f"/api/sessions/{session_id}/messages", json={"text": "How long do password reset links work?"}))

    assert events[-1][0] == "done" and "30 minutes" in events[-1][1]["text"]
    assert client.get(f"/api/sessions/{session_id}").status_code == 404


def test_a_conversation_the_database_cannot_load_now_is_503_in_the_replies_words(assistant) -> None:  # type: ignore[no-untyped-def]
    from dialog.manager import DialogManager
    from dialog.replies import parse_replies
    from tests.store_outage import DatabaseDown

    replies = parse_replies({"unavailable": "Das Gespräch ist gerade nicht erreichbar."}, "replies.yaml")
    app = FastAPI()
    app.include_router(create_router(DialogManager(DatabaseDown(), assistant.manager.answer_action, replies=replies)))
    client = TestClient(app, raise_server_exceptions=False)

    for response in (client.post("/api/sessions/abc/messages", json={"text": "hello"}), client.get("/api/sessions/abc")):
        assert response.status_code == 503 and response.json()["detail"] == "Das Gespräch ist gerade nicht erreichbar."


def test_openai_usage_counts_the_message_read_and_the_reply_not_zeros(assistant) -> None:  # type: ignore[no-untyped-def]
    """`usage` was always zeros. It counts the last user message (the one the assistant reads) and the reply
    sent: in the local generator's tokens when one writes the answers, else in words (here: the scripted
    generator has no tokenizer); streamed with include_usage, the same counts for the text streamed."""
    openai = pytest.importorskip("openai")
    app = FastAPI()
    app.include_router(create_router(assistant.manager))
    api = openai.OpenAI(base_url="http://testserver/v1", api_key="unused", http_client=TestClient(app))
    text = "How long do password reset links work?"
    question = [{"role": "system", "content": "Be brief and kind."}, {"role": "user", "content": text}]

    completion = api.chat.completions.create(model="support-assistant", messages=question)
    reply = completion.choices[0].message.content
    words = {"prompt_tokens": len(text.split()), "completion_tokens": len(reply.split())}
    assert completion.usage.prompt_tokens == words["prompt_tokens"] == 7  # the system message is not read
    assert completion.usage.completion_tokens == words["completion_tokens"] > 0
    assert completion.usage.total_tokens == sum(words.values())

    chunks = list(api.chat.completions.create(model="x", messages=question, stream=True, stream_options={"include_usage": True}))
    streamed = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert chunks[-1].usage.prompt_tokens == 7 and chunks[-1].usage.completion_tokens == len(streamed.split()) > 0

    class Tokenizing(ScriptedGenerator):
        def count_tokens(self, text: str) -> int:  # as TransformersGenerator: its tokenizer's count
            return len(text)

    assistant.manager.answer_action.generator = Tokenizing()
    app = FastAPI()
    app.include_router(create_router(assistant.manager))
    api = openai.OpenAI(base_url="http://testserver/v1", api_key="unused", http_client=TestClient(app))
    completion = api.chat.completions.create(model="support-assistant", messages=question)
    assert completion.usage.prompt_tokens == len(text)
    assert completion.usage.completion_tokens == len(completion.choices[0].message.content)
