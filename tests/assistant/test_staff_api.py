"""The staff API (/api/staff) through the app's test client: its own keys, the inbox, replies, hand-backs."""

from __future__ import annotations

import logging

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from assistant.api import create_router, install_api_guards
from assistant.api_security import ApiGuards, ApiKeys, hash_key
from assistant.staff_api import create_staff_router
from dialog.events import AgentMessage

STAFF_KEY = "staff-key-0123456789abcdef"
CUSTOMER_KEY = "customer-key-0123456789abcdef"


def app_with(assistant, staff_keys: list[str], customer_keys: list[str] = ()) -> TestClient:  # type: ignore[assignment]
    app = FastAPI()
    app.include_router(create_router(assistant.manager))
    app.include_router(create_staff_router(assistant.manager, assistant.sql_store.engine, ApiKeys(staff_keys)))
    install_api_guards(app, ApiGuards(keys=ApiKeys(customer_keys)))
    return TestClient(app)


@pytest.fixture
def client(assistant) -> TestClient:
    return app_with(assistant, [hash_key(STAFF_KEY)], [hash_key(CUSTOMER_KEY)])


def staff(key: str = STAFF_KEY) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def test_without_a_staff_key_configured_the_staff_api_is_off(assistant) -> None:
    client = app_with(assistant, [])

    response = client.get("/api/staff/inbox", headers=staff())

    assert response.status_code == 403 and "staff_api_keys" in response.json()["detail"]


def test_staff_and_customer_keys_open_only_their_own_api(client: TestClient) -> None:
    assert client.get("/api/staff/inbox").status_code == 401
    assert client.get("/api/staff/inbox", headers=staff(CUSTOMER_KEY)).status_code == 401
    assert client.get("/api/staff/inbox", headers={"X-API-Key": STAFF_KEY}).status_code == 200
    assert client.post("/api/sessions", headers=staff(STAFF_KEY)).status_code == 401
    assert client.post("/api/sessions", headers=staff(CUSTOMER_KEY)).status_code == 201


def test_a_wrong_staff_key_is_logged_with_the_address_not_the_key(client: TestClient, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="assistant.staff_api"):
        client.get("/api/staff/inbox")  # no key: nothing to log
        client.get("/api/staff/inbox", headers=staff("guessed-key-0123456789"))

    [line] = [r.getMessage() for r in caplog.records if r.name == "assistant.staff_api"]
    assert "refused an invalid staff key from testclient for /api/staff/inbox" == line and "guessed" not in caplog.text


def test_inbox_reply_and_hand_back_over_http(assistant, client: TestClient) -> None:
    customer = staff(CUSTOMER_KEY)
    session_id = client.post("/api/sessions", headers=customer).json()["session_id"]
    client.post(f"/api/sessions/{session_id}/handoff", headers=customer, json={"reason": "wants a refund exception"})

    [waiting] = client.get("/api/staff/inbox", headers=staff()).json()["conversations"]
    sent = client.post(f"/api/staff/sessions/{session_id}/replies", headers=staff(), json={"text": "Ana here.", "author": "Ana"})
    transcript = client.get(f"/api/sessions/{session_id}", headers=customer).json()
    back = client.post(f"/api/staff/sessions/{session_id}/hand-back", headers=staff(), json={"author": "Ana"})

    assert (waiting["session_id"], waiting["reason"], waiting["awaiting_reply"]) == (session_id, "wants a refund exception", True)
    assert sent.status_code == 201 and sent.json() == {"session_id": session_id, "sent": True}
    assert transcript["messages"][-1]["role"] == "agent" and transcript["agent"] == "Ana"
    assert back.status_code == 200 and client.get("/api/staff/inbox", headers=staff()).json() == {"total": 0, "conversations": []}


def test_a_staff_key_reads_the_transcript_a_customer_key_does_not(assistant, client: TestClient) -> None:
    # A helpdesk bridge told of a handoff (session id only) had no way to read the conversation with its
    # staff key: the transcript was only on the customer API, which a staff key does not open.
    session_id = client.post("/api/sessions", headers=staff(CUSTOMER_KEY)).json()["session_id"]
    client.post(f"/api/sessions/{session_id}/messages", headers=staff(CUSTOMER_KEY), json={"text": "I want to talk to a person"})
    client.post(f"/api/staff/sessions/{session_id}/replies", headers=staff(), json={"text": "Ana here.", "author": "Ana"})

    read = client.get(f"/api/staff/sessions/{session_id}", headers=staff())
    as_customer = client.get(f"/api/sessions/{session_id}", headers=staff(CUSTOMER_KEY))

    assert read.status_code == 200 and read.json() == as_customer.json()
    assert [m["role"] for m in read.json()["messages"]] == ["user", "assistant", "agent"] and read.json()["handoff"] is True
    assert client.get(f"/api/staff/sessions/{session_id}", headers=staff(CUSTOMER_KEY)).status_code == 401
    assert client.get("/api/staff/sessions/nope", headers=staff()).status_code == 404


def test_the_inbox_says_how_many_a_person_has_when_it_lists_only_some(
    assistant, client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("assistant.staff_api.INBOX_LIMIT", 2)
    for _ in range(3):
        assistant.manager.request_handoff(assistant.manager.start_session("api"), "wants a person")

    inbox = client.get("/api/staff/inbox", headers=staff()).json()

    assert (inbox["total"], len(inbox["conversations"])) == (3, 2)


def test_bad_staff_requests_are_clear_errors(assistant, client: TestClient) -> None:
    session_id = assistant.manager.start_session("api")

    unknown = client.post("/api/staff/sessions/nope/replies", headers=staff(), json={"text": "Hi", "author": "Ana"})
    empty = client.post(f"/api/staff/sessions/{session_id}/replies", headers=staff(), json={"text": "  ", "author": "Ana"})
    no_author = client.post(f"/api/staff/sessions/{session_id}/replies", headers=staff(), json={"text": "Hi"})
    not_handed = client.post(f"/api/staff/sessions/{session_id}/hand-back", headers=staff(), json={"author": "Ana"})
    huge = client.post(
        f"/api/staff/sessions/{session_id}/replies", headers=staff(), json={"text": "x" * 100_000, "author": "Ana"}
    )

    assert unknown.status_code == 404
    assert empty.status_code == 422 and "empty" in empty.json()["detail"]
    assert no_author.status_code == 422
    assert not_handed.status_code == 422 and "nothing to hand back" in not_handed.json()["detail"]
    assert huge.status_code == 413  # the API's body limit applies here too
    assert [type(e).__name__ for e in assistant.manager.store.load_events(session_id)] == ["SessionStarted"]


def test_a_blank_staff_name_is_refused_and_a_padded_one_trimmed(assistant, client: TestClient) -> None:
    session_id = assistant.manager.start_session("api")
    url = f"/api/staff/sessions/{session_id}"

    blank = client.post(f"{url}/replies", headers=staff(), json={"text": "Hi", "author": "   "})
    padded = client.post(f"{url}/replies", headers=staff(), json={"text": "Hi", "author": "  Ana "})
    blank_back = client.post(f"{url}/hand-back", headers=staff(), json={"author": " "})

    assert blank.status_code == 422 and "author" in blank.json()["detail"]
    assert blank.json()["detail"] == "author: the name is blank: give the name the customer sees."
    assert padded.status_code == 201 and blank_back.status_code == 422
    assert [e.author for e in assistant.manager.store.load_events(session_id) if e.type_name == "agent"] == ["Ana"]


def test_the_openapi_schema_gives_the_event_streams_and_the_staff_key_schemes(client: TestClient) -> None:
    # The schema had said JSON for the streamed messages, and the staff routes took the key as header
    # parameters, of which Swagger UI (/api/docs) drops 'Authorization': "Try it out" could not send a staff key.
    paths = client.get("/openapi.json").json()["paths"]

    assert list(paths["/api/sessions/{session_id}/messages"]["post"]["responses"]["200"]["content"]) == ["text/event-stream"]
    assert set(paths["/v1/chat/completions"]["post"]["responses"]["200"]["content"]) == {"application/json", "text/event-stream"}
    for path, method in (("/api/staff/inbox", "get"), ("/api/staff/sessions/{session_id}/replies", "post")):
        operation = paths[path][method]
        assert operation["security"] == [{"StaffBearer": []}, {"StaffKey": []}]
        assert [parameter["name"] for parameter in operation.get("parameters", [])] in ([], ["session_id"])
    assert paths["/api/sessions"]["post"]["security"] == [{"HTTPBearer": []}, {"APIKeyHeader": []}]
    session_id = client.post("/api/sessions", headers=staff(CUSTOMER_KEY)).json()["session_id"]
    reply = client.post(f"/api/sessions/{session_id}/messages", json={"text": "hi"}, headers=staff(CUSTOMER_KEY))
    assert reply.headers["content-type"].startswith("text/event-stream")


def test_a_reply_records_which_staff_key_sent_it(assistant) -> None:
    # Every reply through the staff API was stored with login "" (the export said login: null): two bridges, or a
    # bridge and a script, signing "Ana" could not be told apart. The key that opened the API is recorded now, as
    # the start of its configured digest (never the key), so it matches a line of staff_api_keys.
    other_key = "other-staff-key-0123456789abcdef"
    client = app_with(assistant, [hash_key(STAFF_KEY), hash_key(other_key)])
    session_id = assistant.sql_store.create_session()

    client.post(f"/api/staff/sessions/{session_id}/replies", headers=staff(), json={"text": "Ana here.", "author": "Ana"})
    client.post(
        f"/api/staff/sessions/{session_id}/replies", headers={"X-API-Key": other_key}, json={"text": "Ana again.", "author": "Ana"}
    )

    replies = [e for e in assistant.sql_store.load_events(session_id) if isinstance(e, AgentMessage)]
    assert [(e.author, e.login) for e in replies] == [
        ("Ana", "staff-api:" + hash_key(STAFF_KEY)[:19]),
        ("Ana", "staff-api:" + hash_key(other_key)[:19]),
    ]
    assert STAFF_KEY not in replies[0].login and replies[0].login.startswith("staff-api:sha256:")
