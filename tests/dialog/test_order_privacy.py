"""The demo order-status lookup shows an order only to someone who knows the e-mail address it was placed
with, through the real HTTP API and the real store (redaction on, as served)."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from assistant.api import create_router, install_api_guards
from assistant.api_security import ApiGuards
from api_helpers import say

# what demo/orders.csv holds for NW-20481736: none of it may reach someone without the order's address
PRIVATE = ("Aero Kettle", "UPS", "1Z999AA10123456784", "2025-03-06", "Shipped")


@pytest.fixture
def client(assistant) -> TestClient:  # type: ignore[no-untyped-def]
    app = FastAPI()
    app.include_router(create_router(assistant.manager))
    install_api_guards(app, ApiGuards())
    return TestClient(app)


def new_session(client: TestClient) -> str:
    return client.post("/api/sessions").json()["session_id"]


def test_an_order_number_alone_reveals_nothing_about_the_order(client: TestClient) -> None:
    session = new_session(client)

    asked = say(client, session, "Where is my order NW-20481736?")
    stranger = say(client, session, "eve@example.com")
    neighbour = say(client, new_session(client), "Where is my order NW-20481737? My email is eve@example.com")
    unknown = say(client, new_session(client), "Where is my order NW-20489999? My email is eve@example.com")

    assert asked["requested_slot"] == "email" and "e-mail address" in asked["text"]
    for reply in (asked, stranger, neighbour, unknown):
        assert reply["action"] == "business" and not any(word in reply["text"] for word in PRIVATE), reply["text"]
    assert "couldn't find" in stranger["text"] and stranger["slots"].get("order_number") is None
    # an existing order with the wrong address reads exactly like an order that does not exist
    assert neighbour["text"].replace("20481737", "20489999") == unknown["text"]
    transcript = client.get(f"/api/sessions/{session}").json()
    assert not any(word in message["text"] for message in transcript["messages"] for word in PRIVATE)


def test_the_order_is_shown_with_its_e_mail_address_given_earlier_and_asked_again_once_the_server_forgot_it(
    client: TestClient, assistant,  # type: ignore[no-untyped-def]
) -> None:
    session, other = new_session(client), new_session(client)

    say(client, session, "Hi, my email is jane.doe@example.com")  # stored redacted: the log keeps [EMAIL]
    remembered = say(client, session, "Where is my order NW-20481736?")  # the server still has the address
    say(client, other, "Hi, my email is jane.doe@example.com")
    assistant.manager.slot_memory.forget(other)  # as after a restart, or on another server
    asked = say(client, other, "Where is my order NW-20481736?")
    found = say(client, other, "JANE.DOE@example.com")
    at_once = say(client, new_session(client), "Where is my order NW-20481736? I'm jane.doe@example.com")

    assert remembered["action"] == "business" and "**Shipped**" in remembered["text"]
    assert asked["requested_slot"] == "email"
    assert found["action"] == "business" and "**Shipped**" in found["text"] and "1Z999AA10123456784" in found["text"]
    assert "**Shipped**" in at_once["text"]
