"""Another site's pages cannot make their visitors' browsers write through the API (a simple cross-site POST
needs no CORS preflight); servers, curl, OpenAI clients and the server's own pages are not affected."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from assistant.app import Assistant
from ui.chat import ChatPage
from ui.server import create_app


@pytest.fixture
def web(assistant: Assistant) -> TestClient:
    return TestClient(create_app(ChatPage(assistant.manager).build(), assistant.retriever, assistant.manager))


@pytest.mark.parametrize(
    "headers",
    [
        {"Origin": "http://shop.example"},  # an older browser: no Sec-Fetch-Site
        {"Origin": "null"},  # a sandboxed frame, a file
        {"Origin": "http://shop.example", "Sec-Fetch-Site": "cross-site"},
        {"Origin": "https://other.testserver", "Sec-Fetch-Site": "same-site"},
    ],
)
def test_a_cross_site_post_is_refused_and_starts_no_conversation(web: TestClient, assistant: Assistant, headers) -> None:
    before = assistant.sql_store.session_count()
    response = web.post("/api/sessions", headers=headers)
    assert response.status_code == 403, response.text
    assert "another site's pages" in response.json()["detail"]
    text_plain = web.post("/v1/chat/completions", headers=headers | {"Content-Type": "text/plain"},
                          content='{"messages":[{"role":"user","content":"hi"}]}')
    assert text_plain.status_code == 403 and "another site's pages" in text_plain.json()["error"]["message"]
    assert assistant.sql_store.session_count() == before


def test_servers_curl_and_the_servers_own_pages_still_write(web: TestClient) -> None:
    assert web.post("/api/sessions").status_code == 201  # curl, a shop's backend, the OpenAI client: no Origin
    assert web.post("/api/sessions", headers={"Origin": "http://testserver"}).status_code == 201  # this host
    own_page = {"Origin": "http://testserver", "Sec-Fetch-Site": "same-origin"}  # /api/docs' "Try it out"
    created = web.post("/api/sessions", headers=own_page)
    assert created.status_code == 201
    session_id = created.json()["session_id"]
    message = web.post(f"/api/sessions/{session_id}/messages", json={"text": "hello"}, headers=own_page)
    assert message.status_code == 200
    # reads are not refused (other sites still cannot read them: no CORS header)
    read = web.get(f"/api/sessions/{session_id}", headers={"Origin": "http://shop.example", "Sec-Fetch-Site": "cross-site"})
    assert read.status_code == 200 and "access-control-allow-origin" not in read.headers
